//! `recommend` for people: text for the terminal and Markdown for a review, the same sections in
//! both — the summary table, then per principal the safety results, the diff of each changed
//! policy, what is removed (with its evidence), what is kept though unused (and why), and how to
//! apply the replacement.

use std::io::{self, Write};
use whittle_engine::model::time::{iso, iso_day};
use whittle_engine::model::PolicyKind;
use whittle_engine::propose::{KeptBecause, PolicyStatus, Proposal, SafetyCheck};
use whittle_engine::RecommendReport;

/// The stem of the policy files `--out` writes for each proposal, unique across the report:
/// the principal's name, with its account (and kind) added where names repeat.
pub fn file_stems(proposals: &[Proposal]) -> Vec<String> {
    let account = |p: &Proposal| {
        whittle_engine::aws::arn::Arn::parse(&p.principal)
            .map(|a| a.account.to_string())
            .unwrap_or_default()
    };
    let kind = |p: &Proposal| {
        whittle_engine::aws::arn::Arn::parse(&p.principal)
            .and_then(|a| a.resource.split('/').next().map(str::to_string))
            .unwrap_or_default()
    };
    let count = |f: &dyn Fn(&Proposal) -> String, stem: &str| {
        proposals.iter().filter(|q| f(q) == stem).count()
    };
    let by_name = |p: &Proposal| safe_name(&p.name);
    let by_account = |p: &Proposal| format!("{}-{}", safe_name(&p.name), account(p));
    let by_kind = |p: &Proposal| format!("{}-{}-{}", kind(p), safe_name(&p.name), account(p));
    proposals
        .iter()
        .map(|p| {
            let name = by_name(p);
            if count(&by_name, &name) == 1 {
                return name;
            }
            let with_account = by_account(p);
            if count(&by_account, &with_account) == 1 {
                return with_account;
            }
            by_kind(p)
        })
        .collect()
}

fn safe_name(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '+' | '=' | '@') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// The file names of a proposal's replacement documents: `<stem>.json`, `<stem>-2.json`, ….
pub fn json_files(stem: &str, documents: usize) -> Vec<String> {
    (0..documents)
        .map(|i| match i {
            0 => format!("{stem}.json"),
            n => format!("{stem}-{}.json", n + 1),
        })
        .collect()
}

fn kind_word(k: PolicyKind) -> &'static str {
    match k {
        PolicyKind::Inline => "inline",
        PolicyKind::CustomerManaged => "customer-managed",
        PolicyKind::AwsManaged => "AWS-managed",
        PolicyKind::Trust => "trust",
        PolicyKind::ServiceControl => "service-control",
        PolicyKind::ResourceBased => "resource-based",
        PolicyKind::RoleBinding => "role binding",
    }
}

fn status_word(s: PolicyStatus) -> &'static str {
    match s {
        PolicyStatus::Unchanged => "unchanged",
        PolicyStatus::Changed => "narrowed",
        PolicyStatus::Removed => "not needed",
    }
}

fn safety_word(c: &SafetyCheck) -> String {
    if c.passed {
        format!("passed ({} checked)", c.checked)
    } else {
        "FAILED".to_string()
    }
}

/// Text as it is.
fn plain(s: &str) -> String {
    s.to_string()
}

/// Text as Markdown code.
fn code(s: &str) -> String {
    format!("`{s}`")
}

/// The safety results and any counterexample, one line each; `quote` marks names.
fn safety_lines(p: &Proposal, quote: &dyn Fn(&str) -> String) -> Vec<String> {
    let mut out = vec![format!(
        "safety: no new access {}; no breakage {}",
        safety_word(&p.no_new_access),
        safety_word(&p.no_breakage)
    )];
    for c in [&p.no_new_access, &p.no_breakage]
        .into_iter()
        .filter_map(|c| c.counterexample.as_ref())
    {
        out.push(format!(
            "counterexample: {} on {}: today {}, proposed {} ({})",
            quote(&c.action),
            quote(&c.resource),
            c.current,
            c.proposed,
            c.detail
        ));
    }
    out
}

/// What the proposal's verdict is, in a word.
fn verdict(p: &Proposal) -> &'static str {
    if !p.safe() {
        "withheld"
    } else if p.changes() {
        "changes"
    } else {
        "no change"
    }
}

/// How to apply a proposal, step by step.
pub fn apply_steps(p: &Proposal, files: &[String]) -> Vec<String> {
    if !p.changes() || !p.safe() {
        return Vec::new();
    }
    let kind = if p.principal.contains(":user/") {
        "user"
    } else {
        "role"
    };
    let mut steps = Vec::new();
    if files.is_empty() {
        steps.push(format!(
            "the {kind} needs no permissions: detach and delete everything below"
        ));
    } else {
        steps.push(format!(
            "create a customer-managed policy from {} and attach it to {kind} `{}`",
            files.join(", "),
            p.name
        ));
    }
    let mut groups = std::collections::BTreeSet::new();
    for c in &p.policies {
        match (&c.via_group, c.kind) {
            (Some(g), _) => {
                groups.insert(g.rsplit('/').next().unwrap_or(g).to_string());
            }
            (None, PolicyKind::Inline) => {
                steps.push(format!("delete inline policy `{}`", c.name));
            }
            (None, _) => steps.push(format!("detach {} policy `{}`", kind_word(c.kind), c.id)),
        }
    }
    for g in groups {
        steps.push(format!(
            "remove the user from group `{g}` (the group's policies are not edited: other members keep them)"
        ));
    }
    steps
}

/// Shown permission lists: the first `n`, then how many more.
fn some(names: &[String], n: usize) -> String {
    let mut s = names.iter().take(n).cloned().collect::<Vec<_>>().join(", ");
    if names.len() > n {
        s.push_str(&format!(", … (+{})", names.len() - n));
    }
    s
}

fn header(w: &mut dyn Write, r: &RecommendReport) -> io::Result<()> {
    writeln!(
        w,
        "window {}..{} ({} days, absence of use counts after {} covered days), resources: {}",
        iso_day(r.window.first),
        iso_day(r.window.last),
        r.window.last - r.window.first + 1,
        r.min_coverage_days,
        r.resources.as_str()
    )
}

/// The text report.
pub fn text(w: &mut dyn Write, r: &RecommendReport, verbose: bool) -> io::Result<()> {
    header(w, r)?;
    for warning in &r.warnings {
        writeln!(w, "warning: {warning}")?;
    }
    for s in &r.skipped {
        writeln!(w, "skipped {}: {}", s.principal, s.reason)?;
    }
    writeln!(w)?;
    let width = r
        .proposals
        .iter()
        .map(|p| p.principal.len())
        .max()
        .unwrap_or(9)
        .max(9);
    writeln!(
        w,
        "{:<width$}  {:>8}  {:>6}  {:>8}  {:>9}  verdict",
        "principal", "granted", "used", "proposed", "reduction"
    )?;
    let (mut granted, mut used, mut proposed) = (0, 0, 0);
    for p in &r.proposals {
        granted += p.counts.granted;
        used += p.counts.used;
        proposed += p.counts.proposed;
        writeln!(
            w,
            "{:<width$}  {:>8}  {:>6}  {:>8}  {:>8.1}%  {}{}",
            p.principal,
            p.counts.granted,
            p.counts.used,
            p.counts.proposed,
            p.counts.reduction_percent(),
            verdict(p),
            if p.inactive { " (inactive)" } else { "" }
        )?;
    }
    let total_reduction = if granted == 0 {
        0.0
    } else {
        100.0 * granted.saturating_sub(proposed) as f64 / granted as f64
    };
    writeln!(
        w,
        "{:<width$}  {:>8}  {:>6}  {:>8}  {:>8.1}%",
        format!("{} principal(s)", r.proposals.len()),
        granted,
        used,
        proposed,
        total_reduction
    )?;
    credentials_text(w, r)?;
    let stems = file_stems(&r.proposals);
    for (p, stem) in r.proposals.iter().zip(&stems) {
        if !verbose && !p.changes() && p.safe() && p.not_granted.is_empty() {
            continue;
        }
        principal_text(w, p, stem, verbose)?;
    }
    Ok(())
}

/// What to say of one unused credential.
fn credential_words(u: &whittle_engine::propose::UnusedCredential) -> String {
    let c = &u.credential;
    if u.never_used {
        format!(
            "never used since {} ({} days)",
            c.since
                .map(|t| iso(t)[..10].to_string())
                .unwrap_or_default(),
            u.days
        )
    } else {
        format!(
            "last used {} ({} days ago)",
            c.last_used
                .map(|t| iso(t)[..10].to_string())
                .unwrap_or_default(),
            u.days
        )
    }
}

fn credentials_text(w: &mut dyn Write, r: &RecommendReport) -> io::Result<()> {
    let Some(users) = r.credential_report_users else {
        return Ok(());
    };
    writeln!(
        w,
        "\ncredentials unused for {}+ days: {} (of {users} user(s) in the credential report)",
        r.credentials_unused_days,
        r.credentials.len()
    )?;
    for u in &r.credentials {
        writeln!(
            w,
            "  {:<40} {:<13} {} — {}",
            u.credential.principal,
            u.credential.kind.as_str(),
            credential_words(u),
            match u.credential.kind {
                whittle_engine::model::CredentialKind::Password => "delete the login profile",
                _ if u.credential.principal.ends_with(":root") => {
                    "delete the root user's access key (the root user should have none)"
                }
                _ => "deactivate, then delete the key",
            }
        )?;
    }
    Ok(())
}

fn principal_text(w: &mut dyn Write, p: &Proposal, stem: &str, verbose: bool) -> io::Result<()> {
    writeln!(
        w,
        "\n== {}: {} → {} permission(s) ({:.1}% fewer), {}",
        p.principal,
        p.counts.granted,
        p.counts.proposed,
        p.counts.reduction_percent(),
        verdict(p)
    )?;
    if p.inactive {
        writeln!(
            w,
            "   inactive: no call in the window, and the logs cover it — consider deleting the principal"
        )?;
    }
    for line in safety_lines(p, &plain) {
        writeln!(w, "   {line}")?;
    }
    if !p.safe() {
        writeln!(
            w,
            "   the proposal is withheld: this is a bug in whittle, please report it with the counterexample"
        )?;
        return Ok(());
    }
    for c in &p.policies {
        let via = c
            .via_group
            .as_ref()
            .map(|g| format!(" via group {}", g.rsplit('/').next().unwrap_or(g)))
            .unwrap_or_default();
        writeln!(
            w,
            "   policy {} ({}{via}): {}{}",
            c.name,
            kind_word(c.kind),
            status_word(c.status),
            if c.unused {
                ", none of its permissions used"
            } else {
                ""
            }
        )?;
        if c.status != PolicyStatus::Unchanged && (verbose || c.status == PolicyStatus::Changed) {
            for line in c.diff.lines() {
                writeln!(w, "     {line}")?;
            }
        }
    }
    let removed: usize = p.removed.iter().map(|r| r.permissions.len()).sum();
    if removed > 0 {
        writeln!(
            w,
            "   removed: {removed} permission(s) in {} service(s), unused in the window",
            p.removed.len()
        )?;
        let shown = if verbose { p.removed.len() } else { 8 };
        for r in p.removed.iter().take(shown) {
            writeln!(
                w,
                "     {:<18} {:>5}  {}",
                r.service,
                r.permissions.len(),
                r.coverage
            )?;
            for e in &r.earlier_use {
                writeln!(
                    w,
                    "       {} last used {} ({} call(s)), before the window",
                    e.permission,
                    iso(e.last_seen),
                    e.count
                )?;
            }
        }
        if p.removed.len() > shown {
            writeln!(
                w,
                "     … and {} more service(s) (--verbose)",
                p.removed.len() - shown
            )?;
        }
    }
    for k in &p.kept {
        let n = if verbose { usize::MAX } else { 6 };
        match &k.because {
            KeptBecause::Keep { justification, at } => writeln!(
                w,
                "   kept by rule ({at}: {justification}): {}",
                some(&k.permissions, n)
            )?,
            KeptBecause::NotObservable { coverage } => writeln!(
                w,
                "   kept, not observable ({coverage}): {}",
                some(&k.permissions, n)
            )?,
        }
    }
    for g in &p.not_granted {
        writeln!(
            w,
            "   note: {} on {} was allowed (last {}) though no identity policy grants it: a resource policy or another account allows it",
            g.permission,
            g.resource,
            iso(g.last_seen)
        )?;
    }
    let steps = apply_steps(p, &json_files(stem, p.replacement.len()));
    if !steps.is_empty() {
        writeln!(w, "   apply:")?;
        for (i, s) in steps.iter().enumerate() {
            writeln!(w, "     {}. {s}", i + 1)?;
        }
    }
    Ok(())
}

/// The Markdown report, for a review.
pub fn markdown(w: &mut dyn Write, r: &RecommendReport) -> io::Result<()> {
    let changed = r.proposals.iter().filter(|p| p.changes()).count();
    writeln!(
        w,
        "### whittle: {changed} of {} principal(s) can shed permissions\n",
        r.proposals.len()
    )?;
    header(w, r)?;
    writeln!(w)?;
    for warning in &r.warnings {
        writeln!(w, "> **Warning**: {warning}\n")?;
    }
    writeln!(
        w,
        "| principal | granted | used | proposed | reduction | verdict |"
    )?;
    writeln!(w, "| --- | ---: | ---: | ---: | ---: | --- |")?;
    for p in &r.proposals {
        writeln!(
            w,
            "| `{}` | {} | {} | {} | {:.1}% | {} |",
            p.principal,
            p.counts.granted,
            p.counts.used,
            p.counts.proposed,
            p.counts.reduction_percent(),
            verdict(p)
        )?;
    }
    if r.credential_report_users.is_some() && !r.credentials.is_empty() {
        writeln!(
            w,
            "\n#### Credentials unused for {}+ days\n\n| user | credential | |\n| --- | --- | --- |",
            r.credentials_unused_days
        )?;
        for u in &r.credentials {
            writeln!(
                w,
                "| `{}` | {} | {} |",
                u.credential.principal,
                u.credential.kind.as_str(),
                credential_words(u)
            )?;
        }
    }
    let stems = file_stems(&r.proposals);
    for (p, stem) in r.proposals.iter().zip(&stems) {
        if !p.changes() && p.safe() {
            continue;
        }
        writeln!(w, "\n#### `{}`\n", p.principal)?;
        for line in safety_lines(p, &code) {
            writeln!(w, "- {line}")?;
        }
        if !p.safe() {
            continue;
        }
        for k in &p.kept {
            match &k.because {
                KeptBecause::Keep { justification, at } => writeln!(
                    w,
                    "- kept by rule (`{at}`: {justification}): {}",
                    some(&k.permissions, 10)
                )?,
                KeptBecause::NotObservable { coverage } => writeln!(
                    w,
                    "- kept, not observable ({coverage}): {}",
                    some(&k.permissions, 10)
                )?,
            }
        }
        let removed: usize = p.removed.iter().map(|r| r.permissions.len()).sum();
        if removed > 0 {
            writeln!(
                w,
                "- removed: {removed} permission(s) unused in the window\n\n  <details><summary>by service, with the evidence</summary>\n"
            )?;
            writeln!(
                w,
                "  | service | removed | coverage | used before the window |"
            )?;
            writeln!(w, "  | --- | ---: | --- | --- |")?;
            for r in &p.removed {
                let before: Vec<String> = r
                    .earlier_use
                    .iter()
                    .map(|e| format!("`{}` {}", e.permission, &iso(e.last_seen)[..10]))
                    .collect();
                writeln!(
                    w,
                    "  | {} | {} | {} | {} |",
                    r.service,
                    r.permissions.len(),
                    r.coverage,
                    before.join(", ")
                )?;
            }
            writeln!(w, "\n  </details>")?;
        }
        for c in p
            .policies
            .iter()
            .filter(|c| c.status != PolicyStatus::Unchanged)
        {
            writeln!(
                w,
                "\n<details><summary>{} <code>{}</code> ({}): {}</summary>\n\n```diff\n{}```\n</details>",
                kind_word(c.kind),
                c.name,
                c.via_group.as_deref().map_or("own".into(), |g| format!("via {g}")),
                status_word(c.status),
                c.diff
            )?;
        }
        let steps = apply_steps(p, &json_files(stem, p.replacement.len()));
        if !steps.is_empty() {
            writeln!(w, "\nTo apply:\n")?;
            for (i, s) in steps.iter().enumerate() {
                writeln!(w, "{}. {s}", i + 1)?;
            }
        }
    }
    Ok(())
}
