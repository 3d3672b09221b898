//! One section per principal: its permissions by service (used and unused), its proposal's
//! diffs with the evidence for each removal and both safety results, its findings with their
//! rule's why and remediation, and where each grant comes from (policy, statement, file:line).
//! Long lists are cut with a count of the rest, so that a page of a thousand principals stays
//! a few megabytes; the JSON output (`--format json`) has them whole.

use super::{esc, principal_attrs, text};
use std::fmt::Write;
use whittle_engine::propose::{KeptBecause, PolicyStatus, SafetyCheck};
use whittle_engine::{FindingView, PrincipalView, ProposalView, ReportData};

/// Services listed per principal, those with use first (the rest are counted).
const SERVICE_ROWS: usize = 15;
/// Used permissions named per service.
const USED_NAMED: usize = 6;
/// Permissions named per removed service.
const REMOVED_NAMED: usize = 6;
/// Services removed on the same evidence listed one by one (more read as one item).
const SERVICES_ONE_BY_ONE: usize = 5;
/// Grants listed per principal.
const GRANTS: usize = 25;
/// Diff lines shown per principal, over all its policies.
const DIFF_LINES: usize = 60;

pub fn articles(out: &mut String, data: &ReportData) {
    out.push_str(r#"<section id="details" aria-labelledby="details-h"><h2 id="details-h">Per principal</h2><p class="hint">Each section opens on a click (or Enter); a link to one is <code>#principal=</code> followed by its ARN.</p>"#);
    for (i, p) in data.principals.iter().enumerate() {
        article(out, data, i, p);
    }
    out.push_str("</section>\n");
}

fn article(out: &mut String, data: &ReportData, i: usize, p: &PrincipalView) {
    let summary = match &p.proposal {
        Some(x) => format!(
            "{} granted · {} used · {} proposed ({:.1} % less)",
            x.counts.granted, x.counts.used, x.counts.proposed, x.reduction_percent
        ),
        None => p.skipped.clone().unwrap_or_else(|| "no proposal".into()),
    };
    let _ = write!(
        out,
        r#"<article class="principal" id="p-{i}" {attrs}><details><summary><h3>{name}</h3> <span class="sub">{account}{team} · {summary}{findings}</span></summary><div class="body"><p class="id"><code>{id}</code>{kind}</p>"#,
        attrs = principal_attrs(p, data),
        name = esc(&p.name),
        account = esc(&p.account),
        team = p
            .team
            .as_deref()
            .map_or_else(String::new, |t| format!(" · team {}", esc(t))),
        summary = esc(&summary),
        findings = match p.findings.len() {
            0 => String::new(),
            n => format!(" · {n} finding(s)"),
        },
        id = esc(&p.id),
        kind = p
            .kind
            .as_deref()
            .map_or_else(String::new, |k| format!(" · {}", esc(k))),
    );
    if let Some(x) = &p.proposal {
        services(out, x);
        proposal(out, x);
    }
    if !p.findings.is_empty() {
        // one item per rule (its why and fix once), each finding of it beneath
        out.push_str("<h4>Findings</h4><ul class=\"findings\">");
        let findings: Vec<&FindingView> = p.findings.iter().map(|&i| &data.findings[i]).collect();
        for group in findings.chunk_by(|a, b| a.finding.rule == b.finding.rule) {
            let first = group[0];
            let sev = first.finding.severity.as_str();
            let _ = write!(
                out,
                r#"<li><span class="sev sev-{sev}">{sev}</span> <strong>{}</strong>"#,
                esc(&first.finding.rule)
            );
            finding_details(out, first);
            out.push_str("<ul>");
            for f in group {
                let _ = write!(out, "<li>{}", esc(&f.finding.message));
                if let Some(at) = &f.at {
                    let _ = write!(out, r#" <small>at <code>{}</code></small>"#, esc(at));
                }
                out.push_str("</li>");
            }
            out.push_str("</ul></li>");
        }
        out.push_str("</ul>");
    }
    if let Some(x) = &p.proposal {
        grants(out, x);
    }
    out.push_str("</div></details></article>\n");
}

/// A finding's why and remediation, folded.
fn finding_details(out: &mut String, f: &FindingView) {
    if f.why.is_none() && f.finding.remediation.is_none() {
        return;
    }
    out.push_str(r#"<details class="why"><summary>why and how to fix</summary>"#);
    if let Some(why) = &f.why {
        let _ = write!(out, "<p><strong>Why:</strong> {}</p>", esc(why));
    }
    if let Some(fix) = &f.finding.remediation {
        let _ = write!(out, "<p><strong>Fix:</strong> {}</p>", esc(fix));
    }
    out.push_str("</details>");
}

fn services(out: &mut String, x: &ProposalView) {
    out.push_str(r#"<h4>Permissions by service</h4><table class="sortable services"><caption>Effective permissions by service: used in the window (named), removed by the proposal, kept though unused</caption><thead><tr><th scope="col">service</th><th scope="col" class="num">granted</th><th scope="col" class="num">used</th><th scope="col" class="num">removed</th><th scope="col" class="num">kept</th><th scope="col">used permissions</th></tr></thead><tbody>"#);
    for s in x.services.iter().take(SERVICE_ROWS) {
        let _ = write!(
            out,
            r#"<tr class="{}"><th scope="row">{}</th><td class="num">{}</td><td class="num">{}</td><td class="num">{}</td><td class="num">{}</td><td>{}</td></tr>"#,
            if s.used.is_empty() { "unused" } else { "used" },
            esc(&s.service),
            s.granted,
            s.used.len(),
            s.removed,
            s.kept,
            named(&s.used, USED_NAMED)
        );
    }
    out.push_str("</tbody></table>");
    let rest = x.services.get(SERVICE_ROWS..).unwrap_or_default();
    if !rest.is_empty() {
        let granted: usize = rest.iter().map(|s| s.granted).sum();
        let with_use = rest.iter().filter(|s| !s.used.is_empty()).count();
        let _ = write!(
            out,
            r#"<p class="more">and {} more services granting {granted} permissions, {with_use} of them with some use (<code>whittle explain --db</code> lists every one).</p>"#,
            rest.len()
        );
    }
}

/// The first `n` of `names` as code, and how many more.
fn named(names: &[String], n: usize) -> String {
    let mut text = names
        .iter()
        .take(n)
        .map(|u| format!("<code>{}</code>", esc(u)))
        .collect::<Vec<_>>()
        .join(" ");
    if names.len() > n {
        let _ = write!(text, " and {} more", names.len() - n);
    }
    text
}

fn safety(out: &mut String, name: &str, c: &SafetyCheck) {
    let _ = write!(
        out,
        r#"<li class="{}"><strong>{name}</strong>: {} ({} checked)"#,
        if c.passed { "ok" } else { "bad" },
        if c.passed { "passed" } else { "FAILED" },
        c.checked
    );
    if let Some(ce) = &c.counterexample {
        let _ = write!(
            out,
            " — counterexample: <code>{}</code> on <code>{}</code>: today {}, proposed {} ({})",
            esc(&ce.action),
            esc(&ce.resource),
            esc(&ce.current),
            esc(&ce.proposed),
            esc(&ce.detail)
        );
    }
    out.push_str("</li>");
}

fn proposal(out: &mut String, x: &ProposalView) {
    out.push_str("<h4>Proposal</h4>");
    if x.inactive {
        out.push_str("<p>No call of this principal was seen in the window, and the logs covered it: it may no longer be needed at all.</p>");
    }
    out.push_str(r#"<ul class="safety">"#);
    safety(out, "No new access", &x.no_new_access);
    safety(out, "No breakage", &x.no_breakage);
    out.push_str("</ul>");
    if !x.changes {
        out.push_str("<p>Every permission it holds is needed: nothing to change.</p>");
    }
    let mut budget = DIFF_LINES;
    for p in x
        .policies
        .iter()
        .filter(|p| p.status != PolicyStatus::Unchanged)
    {
        let _ = write!(
            out,
            r#"<h5>{} <small>({}{})</small></h5><pre class="diff" tabindex="0" aria-label="diff of {}">"#,
            esc(&p.name),
            if p.status == PolicyStatus::Removed {
                "removed"
            } else {
                "narrowed"
            },
            p.via_group.as_deref().map_or_else(String::new, |g| format!(
                ", via group {}",
                esc(g.rsplit('/').next().unwrap_or(g))
            )),
            esc(&p.name)
        );
        let lines = p.diff.lines().count();
        for line in p.diff.lines().take(budget) {
            // a block element per line (no newline character doubling it): what the diff adds
            // and removes as `ins` and `del`, as assistive technology announces them
            let (open, close) = match line.as_bytes().first() {
                Some(b'+') if !line.starts_with("+++") => ("<ins>", "</ins>"),
                Some(b'-') if !line.starts_with("---") => ("<del>", "</del>"),
                Some(b'@') => (r#"<span class="hunk">"#, "</span>"),
                _ => ("<span>", "</span>"),
            };
            let _ = write!(out, "{open}{}{close}", text(line));
        }
        out.push_str("</pre>");
        if lines > budget {
            let _ = write!(
                out,
                r#"<p class="more">and {} more lines of this diff (<code>whittle recommend --principal</code> shows it whole; <code>--out DIR</code> writes the policy).</p>"#,
                lines - budget
            );
        }
        budget = budget.saturating_sub(lines);
    }
    if !x.removed.is_empty() {
        out.push_str(r#"<h5>Evidence for each removal</h5><ul class="evidence">"#);
        // services removed on the same evidence read as one item when there are many (an
        // `Action: *` holder loses hundreds of services, all on the account's coverage)
        let mut by_coverage: Vec<(&str, Vec<&whittle_engine::propose::Removed>)> = Vec::new();
        for r in &x.removed {
            match by_coverage.iter_mut().find(|(c, _)| *c == r.coverage) {
                Some((_, v)) => v.push(r),
                None => by_coverage.push((&r.coverage, vec![r])),
            }
        }
        for (coverage, removed) in by_coverage {
            if removed.len() > SERVICES_ONE_BY_ONE {
                let permissions: usize = removed.iter().map(|r| r.permissions.len()).sum();
                let _ = write!(
                    out,
                    r#"<li><strong>{} services</strong> — {permissions} permission(s), none used in the window: {}.<br>{}"#,
                    removed.len(),
                    esc(coverage),
                    removed
                        .iter()
                        .map(|r| format!(
                            "<code>{}</code>&nbsp;({})",
                            esc(&r.service),
                            r.permissions.len()
                        ))
                        .collect::<Vec<_>>()
                        .join(" ")
                );
                for r in &removed {
                    earlier_use(out, r);
                }
                out.push_str("</li>");
                continue;
            }
            for r in removed {
                let _ = write!(
                    out,
                    r#"<li><strong>{}</strong> — {} permission(s), none used in the window: {}.<br>{}"#,
                    esc(&r.service),
                    r.permissions.len(),
                    esc(&r.coverage),
                    named(&r.permissions, REMOVED_NAMED)
                );
                earlier_use(out, r);
                out.push_str("</li>");
            }
        }
        out.push_str("</ul>");
    }
    if !x.kept.is_empty() {
        out.push_str(r#"<h5>Kept though unused</h5><ul class="kept">"#);
        for k in &x.kept {
            let why = match &k.because {
                KeptBecause::Keep { justification, at } => {
                    format!("a keep entry ({}): {}", esc(at), esc(justification))
                }
                KeptBecause::NotObservable { coverage } => {
                    format!("the logs could not have seen its use: {}", esc(coverage))
                }
            };
            let _ = write!(
                out,
                "<li>{why}: {}</li>",
                named(&k.permissions, REMOVED_NAMED)
            );
        }
        out.push_str("</ul>");
    }
}

fn earlier_use(out: &mut String, r: &whittle_engine::propose::Removed) {
    for e in &r.earlier_use {
        let _ = write!(
            out,
            "<br><small>used before the window: <code>{}</code>, last {} ({} call(s))</small>",
            esc(&e.permission),
            whittle_engine::model::time::iso(e.last_seen),
            e.count
        );
    }
}

fn grants(out: &mut String, x: &ProposalView) {
    if x.grants.is_empty() {
        return;
    }
    out.push_str(r#"<h4>Where each grant comes from</h4><table class="sortable grants"><caption>Effective grants: the policy and statement of each, and where it is in the snapshot</caption><thead><tr><th scope="col">policy</th><th scope="col">statement</th><th scope="col">actions</th><th scope="col">resources</th><th scope="col" class="num">permissions</th><th scope="col">at</th></tr></thead><tbody>"#);
    for g in x.grants.iter().take(GRANTS) {
        let actions = g.actions.join(", ");
        let _ = write!(
            out,
            r#"<tr><td>{}{}</td><td data-sort="{}">{}{}</td><td><code>{}{}</code></td><td><code>{}</code></td><td class="num">{}</td><td><code>{}</code></td></tr>"#,
            esc(&g.policy),
            g.via_group.as_deref().map_or_else(String::new, |v| format!(
                " <small>via {}</small>",
                esc(v.rsplit('/').next().unwrap_or(v))
            )),
            g.statement,
            g.statement,
            g.sid
                .as_deref()
                .map_or_else(String::new, |s| format!(" ({})", esc(s)))
                + if g.conditional {
                    " <small>conditional</small>"
                } else {
                    ""
                },
            if g.not_action { "NotAction " } else { "" },
            esc(&actions),
            esc(&g.resources),
            g.permissions,
            esc(&g.at)
        );
    }
    out.push_str("</tbody></table>");
    if x.grants.len() > GRANTS {
        let _ = write!(
            out,
            r#"<p class="more">and {} more grants (<code>whittle explain</code> lists them).</p>"#,
            x.grants.len() - GRANTS
        );
    }
}
