//! The one module that writes to the terminal: text and JSON renderings of engine results, and
//! diagnostics on stderr. A closed stdout (`whittle … | head`) is not an error.
#![allow(
    clippy::print_stderr,
    reason = "this module is where the CLI talks to the user"
)]

use crate::cli::Format;
use serde_json::json;
use std::collections::BTreeMap;
use std::io::{self, Write};
use whittle_engine::aws::policy::{Decision, Request, Simulation};
use whittle_engine::catalog::{ActionId, ActionSet, AwsCatalog};
use whittle_engine::ingest::aws_authz::LoadReport;
use whittle_engine::model::{Inventory, Principal};
use whittle_engine::{
    AdminEquivalent, AdminReason, Counts, EffectiveGrant, EffectivePermissions, InputError, Origin,
    SourceFile, UnknownAction,
};

/// JSON wire-format version of every document this CLI prints.
const JSON_VERSION: u32 = 2;

fn stdout(f: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> miette::Result<()> {
    let out = io::stdout();
    let mut lock = io::BufWriter::new(out.lock());
    match f(&mut lock).and_then(|_| lock.flush()) {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        r => r.map_err(|e| miette::miette!("cannot write output: {e}")),
    }
}

fn json_out(value: &serde_json::Value) -> miette::Result<()> {
    stdout(|w| {
        serde_json::to_writer_pretty(&mut *w, value)?;
        writeln!(w)
    })
}

/// Diagnostics wrap to the terminal on a TTY; piped or in CI, lines stay whole so they can be grepped.
pub fn install_diagnostic_handler() {
    use std::io::IsTerminal;
    if !io::stderr().is_terminal() {
        let _ = miette::set_hook(Box::new(|_| {
            Box::new(miette::MietteHandlerOpts::new().width(400).build())
        }));
    }
}

/// `  help: did you mean `a`, `b`?` on stderr, when there is anything to suggest.
fn help_did_you_mean<S: AsRef<str>>(names: &[S]) {
    if let Some(h) = whittle_engine::catalog::did_you_mean(names) {
        eprintln!("  help: {h}");
    }
}

/// Prints an error that stopped the command; returns the input-error exit code.
pub fn fatal(e: &miette::Report) -> u8 {
    eprintln!("{e:?}");
    crate::exit::INPUT_ERROR
}

/// Renders input errors with their source snippets.
pub fn input_errors(errors: &[InputError]) {
    for e in errors {
        eprintln!("{:?}", miette::Report::new(e.clone()));
    }
}

/// Errors in full, warnings one line each.
pub fn load_problems(errors: &[InputError], warnings: &[InputError]) {
    input_errors(errors);
    for w in warnings {
        eprintln!("warning: {w}");
    }
}

pub fn principal_not_found(key: &str, candidates: &[&Principal], inv: &Inventory) {
    if candidates.is_empty() {
        eprintln!(
            "error: no principal `{key}` in the snapshot ({} principals loaded)",
            inv.principals.len()
        );
        let close: Vec<&str> = inv
            .principals
            .iter()
            .map(|p| p.name.as_str())
            .filter(|n| n.contains(key) || key.contains(*n))
            .collect();
        help_did_you_mean(&close);
    } else {
        eprintln!("error: `{key}` names several principals; give the ARN:");
        for c in candidates {
            eprintln!("  {}", c.id);
        }
    }
}

pub fn unknown_action(pattern: &str, suggestions: &[&str]) {
    eprintln!("error: `{pattern}` matches no action in the catalog");
    help_did_you_mean(suggestions);
}

fn line_of(
    sources: &[&SourceFile],
    name: &str,
    span: &Option<std::ops::Range<usize>>,
) -> Option<usize> {
    let src = sources.iter().find(|s| &*s.path == name)?;
    src.location("", span.clone()).line
}

pub fn simulation(
    format: Format,
    req: &Request,
    known: Option<&str>,
    suggestions: &[&str],
    sim: &Simulation,
    sources: &[&SourceFile],
) -> miette::Result<()> {
    match format {
        Format::Json => {
            let deciding: Vec<_> = sim
                .deciding
                .iter()
                .map(|m| {
                    let mut v = serde_json::to_value(m).unwrap_or_default();
                    if let (Some(line), Some(o)) =
                        (line_of(sources, &m.policy, &m.span), v.as_object_mut())
                    {
                        o.insert("line".into(), json!(line));
                    }
                    v
                })
                .collect();
            json_out(&json!({
                "version": JSON_VERSION,
                "action": req.action,
                "known_action": known,
                "resource": req.resource,
                "decision": sim.decision,
                "reason": sim.reason,
                "deciding": deciding,
                "unknown_context_keys": sim.unknown_keys,
            }))
        }
        Format::Text => stdout(|w| {
            writeln!(
                w,
                "{} on {}: {}",
                known.unwrap_or(&req.action),
                req.resource,
                sim.decision.as_str()
            )?;
            if known.is_none() {
                write!(w, "  note: `{}` is not in the catalog", req.action)?;
                if let Some(h) = whittle_engine::catalog::did_you_mean(suggestions) {
                    write!(w, " ({h})")?;
                }
                writeln!(w)?;
            }
            if sim.decision != Decision::Allowed || sim.deciding.is_empty() {
                writeln!(w, "  why: {}", sim.reason)?;
            }
            for m in &sim.deciding {
                let sid = m
                    .sid
                    .as_deref()
                    .map(|s| format!(" (Sid `{s}`)"))
                    .unwrap_or_default();
                let at = line_of(sources, &m.policy, &m.span)
                    .map(|l| format!(":{l}"))
                    .unwrap_or_default();
                let role = match m.role {
                    whittle_engine::aws::policy::PolicyRole::Boundary => " [boundary]",
                    whittle_engine::aws::policy::PolicyRole::Identity => "",
                };
                let applies = match m.applies {
                    whittle_engine::aws::policy::Truth::Unknown => ", depends on context",
                    _ => "",
                };
                writeln!(
                    w,
                    "  {:?} {}{at} statement {}{sid}{role}{applies}",
                    m.effect, m.policy, m.index
                )?;
            }
            if !sim.unknown_keys.is_empty() {
                let keys: Vec<String> = sim
                    .unknown_keys
                    .iter()
                    .map(|k| format!("--context {k}=…"))
                    .collect();
                writeln!(
                    w,
                    "  to settle it, supply: {} (or --complete-context if they are absent)",
                    keys.join(" ")
                )?;
            }
            Ok(())
        }),
    }
}

/// ` (did you mean `x`?)` for an action pattern the catalog does not know: the closest name only.
fn unknown_hint(catalog: &AwsCatalog, u: &UnknownAction) -> String {
    whittle_engine::catalog::did_you_mean(&catalog.suggest(&u.pattern, 1))
        .map(|h| format!(" ({h})"))
        .unwrap_or_default()
}

/// Unknown actions with their closest catalog names, each pattern looked up once.
fn unknown_json(catalog: &AwsCatalog, unknown: &[UnknownAction]) -> Vec<serde_json::Value> {
    let mut memo: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    unknown
        .iter()
        .map(|u| {
            let suggestions = memo
                .entry(u.pattern.as_str())
                .or_insert_with(|| catalog.suggest(&u.pattern, 3));
            json!({"pattern": u.pattern, "origin": u.origin, "suggestions": suggestions})
        })
        .collect()
}

fn origin_text(o: &Origin) -> String {
    let sid = o
        .sid
        .as_deref()
        .map(|s| format!(" (Sid `{s}`)"))
        .unwrap_or_default();
    let group = o
        .via_group
        .as_deref()
        .map(|g| format!(", via group {}", g.rsplit('/').next().unwrap_or(g)))
        .unwrap_or_default();
    let kind = serde_json::to_value(o.policy_kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    let line = o.location.line.map(|l| format!(":{l}")).unwrap_or_default();
    format!(
        "{} ({kind}{group}) statement {}{sid} — {}{line}",
        o.policy_name, o.statement, o.location.file
    )
}

fn services_summary(catalog: &AwsCatalog, set: &ActionSet) -> String {
    let mut by: BTreeMap<&str, usize> = BTreeMap::new();
    for id in set.iter() {
        *by.entry(catalog.action(id).prefix()).or_default() += 1;
    }
    let total = by.len();
    let mut parts: Vec<String> = by
        .into_iter()
        .take(8)
        .map(|(s, n)| format!("{s} {n}"))
        .collect();
    if total > 8 {
        parts.push(format!("… {} more services", total - 8));
    }
    parts.join(", ")
}

fn grant_json(
    catalog: &AwsCatalog,
    g: &EffectiveGrant,
    filter: Option<&ActionSet>,
) -> serde_json::Value {
    let names: Vec<&str> = g
        .actions
        .iter()
        .filter(|id| filter.is_none_or(|f| f.contains(*id)))
        .map(|id| catalog.action(id).name.as_str())
        .collect();
    let mut v = serde_json::to_value(g).unwrap_or_default();
    if let Some(o) = v.as_object_mut() {
        o.insert("action_count".into(), json!(names.len()));
        o.insert("actions".into(), json!(names));
        if let Some(limits) = o.get_mut("limits").and_then(|l| l.as_array_mut()) {
            for (l, lim) in limits.iter_mut().zip(&g.limits) {
                let ln: Vec<&str> = lim
                    .actions
                    .iter()
                    .map(|id| catalog.action(id).name.as_str())
                    .collect();
                if let Some(lo) = l.as_object_mut() {
                    lo.insert("actions".into(), json!(ln));
                }
            }
        }
    }
    v
}

pub fn explanation(
    format: Format,
    catalog: &AwsCatalog,
    p: &Principal,
    eff: &EffectivePermissions,
    filter: Option<&ActionSet>,
) -> miette::Result<()> {
    let held = eff.held(catalog);
    let unconditional = eff.held_unconditionally_on_any(catalog);
    match format {
        Format::Json => {
            let grants: Vec<_> = eff
                .grants
                .iter()
                .filter(|g| filter.is_none_or(|f| g.actions.intersects(f)))
                .map(|g| grant_json(catalog, g, filter))
                .collect();
            json_out(&json!({
                "version": JSON_VERSION,
                "principal": {"id": p.id, "kind": p.kind, "name": p.name, "account": p.account,
                              "groups": p.groups, "boundary": p.boundary, "tags": p.tags},
                "actions_held": held.len(),
                "actions_held_unconditionally_on_any_resource": unconditional.len(),
                "grants": grants,
                "unknown_actions": unknown_json(catalog, &eff.unknown_actions),
                "missing_policies": eff.missing_policies,
            }))
        }
        Format::Text => stdout(|w| {
            writeln!(w, "{} {}", p.kind.as_str(), p.id)?;
            if !p.groups.is_empty() {
                writeln!(w, "  groups:   {}", p.groups.join(", "))?;
            }
            if let Some(b) = &p.boundary {
                writeln!(w, "  boundary: {b}")?;
            }
            writeln!(
                w,
                "  holds {} of {} catalog actions ({} unconditionally on every resource)",
                held.len(),
                catalog.len(),
                unconditional.len()
            )?;
            for m in &eff.missing_policies {
                writeln!(w, "  warning: `{m}` is referenced but not in the snapshot: its grants are unknown")?;
            }
            for u in &eff.unknown_actions {
                let hint = unknown_hint(catalog, u);
                writeln!(
                    w,
                    "  warning: `{}` matches no known action{hint} — {}",
                    u.pattern,
                    origin_text(&u.origin)
                )?;
            }
            writeln!(w)?;
            match filter {
                Some(f) => explain_actions(w, catalog, eff, f),
                None => explain_grants(w, catalog, eff),
            }
        }),
    }
}

fn explain_grants(
    w: &mut dyn Write,
    catalog: &AwsCatalog,
    eff: &EffectivePermissions,
) -> io::Result<()> {
    for g in &eff.grants {
        let pats = g.action_spec.patterns();
        let mut spec = pats
            .iter()
            .take(6)
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join(", ");
        if pats.len() > 6 {
            spec.push_str(&format!(", … (+{} more)", pats.len() - 6));
        }
        let not = if matches!(
            g.action_spec,
            whittle_engine::aws::policy::ActionSpec::NotAction(_)
        ) {
            "everything except "
        } else {
            ""
        };
        writeln!(
            w,
            "Allow {not}{spec} on {}{}",
            g.resources,
            if g.conditional { "  [conditional]" } else { "" }
        )?;
        writeln!(
            w,
            "    {} actions: {}",
            g.actions.len(),
            services_summary(catalog, &g.actions)
        )?;
        writeln!(w, "    from {}", origin_text(&g.origin))?;
        for c in &g.conditions {
            writeln!(w, "    when {} {} {:?}", c.operator, c.key, c.values)?;
        }
        for l in &g.limits {
            let kind = serde_json::to_value(&l.kind)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            writeln!(
                w,
                "    narrowed ({kind}, {} actions, {}) by {}",
                l.action_count,
                l.resources,
                origin_text(&l.origin)
            )?;
        }
    }
    Ok(())
}

fn explain_actions(
    w: &mut dyn Write,
    catalog: &AwsCatalog,
    eff: &EffectivePermissions,
    filter: &ActionSet,
) -> io::Result<()> {
    let rows = eff.actions(catalog, Some(filter));
    for row in &rows {
        let id = catalog.lookup(row.action).unwrap_or(ActionId(0));
        writeln!(w, "{}  [{}]", row.action, catalog.action(id).access_level)?;
        for g in &row.via {
            let cond = if g.conditional { "  [conditional]" } else { "" };
            writeln!(
                w,
                "    on {}{cond} — {}",
                g.resources,
                origin_text(&g.origin)
            )?;
            for l in g.limits.iter().filter(|l| l.actions.contains(id)) {
                let kind = serde_json::to_value(&l.kind)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default();
                writeln!(
                    w,
                    "      narrowed ({kind}, {}) by {}",
                    l.resources,
                    origin_text(&l.origin)
                )?;
            }
        }
    }
    let not_held = filter.len() - rows.len();
    if not_held > 0 {
        writeln!(
            w,
            "({} of {} matching actions are not held)",
            not_held,
            filter.len()
        )?;
    }
    Ok(())
}

pub fn inventory(
    format: Format,
    catalog: &AwsCatalog,
    counts: &Counts,
    admins: &[AdminEquivalent],
    unknown: &[UnknownAction],
    report: &LoadReport,
) -> miette::Result<()> {
    match format {
        Format::Json => json_out(&json!({
            "version": JSON_VERSION,
            "files": report.files,
            "counts": counts,
            "admin_equivalent": admins,
            "missing_policies": report.missing_policies,
            "unknown_actions": unknown_json(catalog, unknown),
            "errors": report.errors.iter().map(|e| e.to_string()).collect::<Vec<_>>(),
            "warnings": report.warnings.iter().map(|e| e.to_string()).collect::<Vec<_>>(),
        })),
        Format::Text => stdout(|w| {
            writeln!(
                w,
                "{} file(s): {} users, {} groups, {} roles",
                report.files, counts.users, counts.groups, counts.roles
            )?;
            writeln!(
                w,
                "policies: {} inline, {} customer-managed, {} AWS-managed; {} principal(s) with a permission boundary",
                counts.inline_policies, counts.customer_managed_policies, counts.aws_managed_policies, counts.with_boundary
            )?;
            if !report.missing_policies.is_empty() {
                writeln!(
                    w,
                    "{} referenced managed policies are not in the snapshot",
                    report.missing_policies.len()
                )?;
            }
            writeln!(w, "\nadmin-equivalent principals: {}", admins.len())?;
            for a in admins {
                let why: Vec<String> = a
                    .reasons
                    .iter()
                    .map(|r| match r {
                        AdminReason::AllActions => "every action on every resource".to_string(),
                        AdminReason::CanGrantItself { actions } => {
                            format!("can grant itself anything via {}", actions.join(", "))
                        }
                    })
                    .collect();
                writeln!(
                    w,
                    "  {} {} — {}",
                    a.kind.as_str(),
                    a.principal,
                    why.join("; ")
                )?;
            }
            if !unknown.is_empty() {
                writeln!(w, "\nactions the catalog does not know: {}", unknown.len())?;
                for u in unknown {
                    let hint = unknown_hint(catalog, u);
                    writeln!(w, "  `{}`{hint} — {}", u.pattern, origin_text(&u.origin))?;
                }
            }
            Ok(())
        }),
    }
}

pub fn catalog_action(format: Format, catalog: &AwsCatalog, id: ActionId) -> miette::Result<()> {
    let a = catalog.action(id);
    let svc = catalog.service_of(id);
    let arn_of = |rt: &str| {
        svc.resources
            .iter()
            .find(|(n, _)| n == rt)
            .map(|(_, arn)| arn.as_str())
            .unwrap_or("")
    };
    match format {
        Format::Json => {
            let rts: Vec<_> = a
                .resource_types
                .iter()
                .map(|r| json!({"name": r.name, "required": r.required, "arn": arn_of(&r.name)}))
                .collect();
            json_out(&json!({
                "version": JSON_VERSION,
                "action": a.name, "service": svc.prefix, "service_name": svc.name,
                "access_level": a.access_level, "resource_level": a.scopable(),
                "resource_types": rts, "condition_keys": a.condition_keys, "dependent_actions": a.dependent_actions,
            }))
        }
        Format::Text => stdout(|w| {
            writeln!(w, "{}", a.name)?;
            writeln!(w, "  service:       {} ({})", svc.prefix, svc.name)?;
            writeln!(w, "  access level:  {}", a.access_level)?;
            if a.scopable() {
                writeln!(w, "  resource types:")?;
                for r in &a.resource_types {
                    writeln!(
                        w,
                        "    {}{}  {}",
                        r.name,
                        if r.required { " (required)" } else { "" },
                        arn_of(&r.name)
                    )?;
                }
            } else {
                writeln!(
                    w,
                    "  resource types: none — the action only accepts Resource \"*\""
                )?;
            }
            if !a.condition_keys.is_empty() {
                writeln!(w, "  condition keys: {}", a.condition_keys.join(", "))?;
            }
            if !a.dependent_actions.is_empty() {
                writeln!(w, "  dependent actions: {}", a.dependent_actions.join(", "))?;
            }
            Ok(())
        }),
    }
}

pub fn catalog_expansion(
    format: Format,
    catalog: &AwsCatalog,
    pattern: &str,
    set: &ActionSet,
) -> miette::Result<()> {
    match format {
        Format::Json => {
            let rows: Vec<_> = set.iter().map(|id| json!({"action": catalog.action(id).name, "access_level": catalog.action(id).access_level})).collect();
            json_out(
                &json!({"version": JSON_VERSION, "pattern": pattern, "count": rows.len(), "actions": rows}),
            )
        }
        Format::Text => stdout(|w| {
            for id in set.iter() {
                let a = catalog.action(id);
                writeln!(w, "{}\t{}", a.name, a.access_level)?;
            }
            Ok(())
        }),
    }
}

pub fn catalog_info(format: Format, catalog: &AwsCatalog) -> miette::Result<()> {
    let h = catalog.header();
    match format {
        Format::Json => json_out(
            &json!({"version": JSON_VERSION, "source": h.source, "catalog_version": h.version, "date": h.date, "licence": h.licence, "services": catalog.services().len(), "actions": catalog.len()}),
        ),
        Format::Text => stdout(|w| {
            writeln!(
                w,
                "AWS catalog: {} services, {} actions",
                catalog.services().len(),
                catalog.len()
            )?;
            writeln!(w, "source:  {}", h.source)?;
            writeln!(w, "version: {} (data of {})", h.version, h.date)?;
            writeln!(w, "licence: {}", h.licence)
        }),
    }
}

/// Progress bar for `ingest`, on stderr when it is a terminal.
pub struct IngestProgress {
    bar: Option<indicatif::ProgressBar>,
    files: std::sync::atomic::AtomicU64,
    total: std::sync::atomic::AtomicU64,
}

impl IngestProgress {
    pub fn new(quiet: bool) -> Self {
        use std::io::IsTerminal;
        let bar = (!quiet && io::stderr().is_terminal()).then(|| {
            let b = indicatif::ProgressBar::with_draw_target(
                None,
                indicatif::ProgressDrawTarget::stderr(),
            );
            b.set_style(
                indicatif::ProgressStyle::with_template(
                    "{spinner} {bar:30} {bytes}/{total_bytes} {msg} ({eta})",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            b
        });
        IngestProgress {
            bar,
            files: Default::default(),
            total: Default::default(),
        }
    }
}

impl whittle_engine::usage::Progress for IngestProgress {
    fn start(&self, files: u64, bytes: u64) {
        self.total
            .store(files, std::sync::atomic::Ordering::Relaxed);
        if let Some(b) = &self.bar {
            b.set_length(bytes);
            b.set_message(format!("0/{files} files"));
        }
    }
    fn advance(&self, bytes: u64, _events: u64) {
        if let Some(b) = &self.bar {
            let done = self
                .files
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
                + 1;
            b.set_message(format!(
                "{done}/{} files",
                self.total.load(std::sync::atomic::Ordering::Relaxed)
            ));
            b.inc(bytes);
        }
    }
    fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

pub fn ingest_report(
    format: Format,
    db: &std::path::Path,
    r: &whittle_engine::usage::IngestReport,
    quiet: bool,
) -> miette::Result<()> {
    for e in &r.failed {
        eprintln!("{:?}", miette::Report::new(e.clone()));
    }
    for e in &r.record_errors {
        eprintln!("warning: {e}");
    }
    if !quiet {
        for s in &r.skipped_files {
            let level = if s.error { "error" } else { "note" };
            eprintln!("{level}: skipped {}: {}", s.path.display(), s.reason);
        }
    }
    match format {
        Format::Json => {
            let mut v = serde_json::to_value(r).unwrap_or_default();
            if let Some(o) = v.as_object_mut() {
                o.insert("version".into(), json!(JSON_VERSION));
                o.insert("db".into(), json!(db.display().to_string()));
                o.insert(
                    "failed".into(),
                    json!(r.failed.iter().map(|e| e.to_string()).collect::<Vec<_>>()),
                );
                o.insert(
                    "record_errors".into(),
                    json!(r
                        .record_errors
                        .iter()
                        .map(|e| e.to_string())
                        .collect::<Vec<_>>()),
                );
                o.insert(
                    "skipped_files".into(),
                    json!(r.skipped_files.iter().map(|s| json!({"path": s.path.display().to_string(), "reason": s.reason, "error": s.error})).collect::<Vec<_>>()),
                );
            }
            json_out(&v)
        }
        Format::Text => stdout(|w| {
            writeln!(
                w,
                "ingested {} log object(s), {} events ({} denied) into {} in {} commit(s)",
                r.ingested,
                r.events,
                r.denied_events,
                db.display(),
                r.commits
            )?;
            writeln!(
                w,
                "found {}: {} already ingested, {} duplicate(s) in this run, {} failed (not marked done), {} record(s) skipped, {} other file(s) skipped",
                r.found,
                r.already_ingested,
                r.duplicates,
                r.failed.len(),
                r.skipped_records,
                r.skipped_files.len()
            )
        }),
    }
}

pub fn no_store(db: &std::path::Path) {
    eprintln!("error: no usage store at `{}`", db.display());
    eprintln!(
        "  help: run `whittle ingest PATH... --db {}` first",
        db.display()
    );
}

pub fn unknown_principal_in_store(principal: &str, known: &[(String, String)]) {
    eprintln!("error: no usage recorded for `{principal}`");
    let close: Vec<&str> = known
        .iter()
        .map(|(p, _)| p.as_str())
        .filter(|p| {
            let tail = |s: &str| s.rsplit(['/', ':']).next().unwrap_or("").to_string();
            tail(p) == tail(principal)
        })
        .collect();
    help_did_you_mean(&close);
}

pub fn usage_summary(format: Format, s: &whittle_engine::usage::Summary) -> miette::Result<()> {
    use whittle_engine::model::time::{iso_day, iso_days};
    match format {
        Format::Json => {
            let mut v = serde_json::to_value(s).unwrap_or_default();
            if let Some(o) = v.as_object_mut() {
                o.insert("version".into(), json!(JSON_VERSION));
            }
            json_out(&v)
        }
        Format::Text => {
            stdout(|w| {
                writeln!(
                    w,
                    "{} log objects, {} events ({} records skipped)",
                    s.log_objects, s.events, s.skipped_records
                )?;
                writeln!(
                w,
                "{} principals, {} (principal, permission, resource) keys, {} allowed calls, {} denied",
                s.principals, s.usage_keys, s.allowed_calls, s.denied_calls
            )?;
                writeln!(w, "{} events need no permission, {} events unmapped (see `whittle usage unmapped`)", s.permissionless_events, s.unmapped_events)?;
                writeln!(w, "\ncoverage by account and region:")?;
                for r in &s.regions {
                    let gaps = if r.gaps.is_empty() {
                        "no gaps".to_string()
                    } else {
                        let g: Vec<String> = r
                            .gaps
                            .iter()
                            .take(5)
                            .map(|(a, b)| iso_days(*a, *b))
                            .collect();
                        format!(
                            "{} gap(s): {}{}",
                            r.gaps.len(),
                            g.join(", "),
                            if r.gaps.len() > 5 { ", …" } else { "" }
                        )
                    };
                    writeln!(
                        w,
                        "  {} {:<14} {} .. {}  {} days with events, {}, {} events",
                        r.scope,
                        r.location,
                        iso_day(r.first_day),
                        iso_day(r.last_day),
                        r.days_with_events,
                        gaps,
                        r.events
                    )?;
                }
                writeln!(w, "\ncoverage by service:")?;
                for c in &s.services {
                    let data_days = if c.data_events > 0 {
                        format!(" on {} day(s)", c.data_days)
                    } else {
                        String::new()
                    };
                    writeln!(
                        w,
                        "  {} {:<14} {:<20} management {:>8}  data {:>8}{data_days}  {} .. {}",
                        c.scope,
                        c.location,
                        c.service,
                        c.management_events,
                        c.data_events,
                        iso_day(c.first_day),
                        iso_day(c.last_day)
                    )?;
                }
                if let Some(v) = s.migrated_from {
                    writeln!(
                        w,
                        "\nthis store was migrated from schema version {v}: coverage ingested before the migration counts for management events only (service `*`); its per-service totals:"
                    )?;
                    for c in &s.v1_service_totals {
                        writeln!(
                            w,
                            "  {} {:<14} {:<20} management {:>8}  data {:>8}  {} .. {}",
                            c.scope,
                            c.location,
                            c.service,
                            c.management_events,
                            c.data_events,
                            iso_day(c.first_day),
                            iso_day(c.last_day)
                        )?;
                    }
                }
                Ok(())
            })
        }
    }
}

pub fn usage_show(
    format: Format,
    principal: &str,
    rows: &[whittle_engine::usage::UsageRow],
    sessions: &[(String, u64, i64)],
) -> miette::Result<()> {
    use whittle_engine::model::time::iso;
    let t = |v: Option<i64>| v.map(iso).unwrap_or_else(|| "-".into());
    match format {
        Format::Json => json_out(&json!({
            "version": JSON_VERSION,
            "principal": principal,
            "usage": rows,
            "sessions": sessions.iter().map(|(s, n, l)| json!({"session": s, "count": n, "last_seen": l})).collect::<Vec<_>>(),
        })),
        Format::Text => stdout(|w| {
            writeln!(w, "{principal}: {} permission/resource pair(s)", rows.len())?;
            for r in rows {
                let denied = if r.denied > 0 {
                    format!("  denied {}× (last {})", r.denied, t(r.denied_last))
                } else {
                    String::new()
                };
                writeln!(
                    w,
                    "  {:<40} {:<60} {:>6}×  {} .. {}{denied}",
                    r.permission,
                    r.resource,
                    r.count,
                    t(r.first_seen),
                    t(r.last_seen)
                )?;
            }
            if !sessions.is_empty() {
                writeln!(w, "sessions ({}):", sessions.len())?;
                for (s, n, l) in sessions.iter().take(20) {
                    writeln!(w, "  {s}  {n}×, last {}", iso(*l))?;
                }
            }
            Ok(())
        }),
    }
}

pub fn usage_unmapped(
    format: Format,
    unmapped: &[whittle_engine::usage::EventCount],
    permissionless: &[whittle_engine::usage::EventCount],
) -> miette::Result<()> {
    match format {
        Format::Json => json_out(
            &json!({"version": JSON_VERSION, "unmapped": unmapped, "permissionless": permissionless}),
        ),
        Format::Text => stdout(|w| {
            writeln!(
                w,
                "unmapped events (no known IAM permission): {}",
                unmapped.len()
            )?;
            for e in unmapped {
                writeln!(
                    w,
                    "  {:>8}×  {} {}  (last {})",
                    e.count,
                    e.service,
                    e.operation,
                    whittle_engine::model::time::iso(e.last_seen)
                )?;
            }
            writeln!(
                w,
                "events that need no IAM permission: {}",
                permissionless.len()
            )?;
            for e in permissionless {
                writeln!(w, "  {:>8}×  {} {}", e.count, e.service, e.operation)?;
            }
            Ok(())
        }),
    }
}

/// Plain text to stdout.
pub fn text(s: &str) -> miette::Result<()> {
    stdout(|w| w.write_all(s.as_bytes()))
}

pub fn bad_date(d: &str) {
    eprintln!("error: `{d}` is not a date (expected YYYY-MM-DD)");
}

/// Rule problems with their source snippets, errors first.
pub fn rule_diagnostics(diags: &[whittle_engine::rules::RuleDiagnostic]) {
    let mut sorted: Vec<_> = diags.iter().collect();
    sorted.sort_by_key(|d| (!d.is_error(), d.file.clone(), d.line));
    for d in sorted {
        eprintln!("{:?}", miette::Report::new(d.clone()));
    }
}

pub fn validate_summary(
    set: Option<&whittle_engine::rules::RuleSet>,
    errors: usize,
    warnings: usize,
) -> miette::Result<()> {
    stdout(|w| {
        match set {
        Some(s) if errors == 0 => writeln!(
            w,
            "ok: {} guardrail(s), {} risk class(es), {} unused rule(s), {} exemption(s), {} test(s) in {} file(s); {warnings} warning(s)",
            s.guardrails.rules.len(),
            s.lp.risks.len(),
            s.lp.unused.len(),
            s.lp.exemptions.len(),
            s.tests.len(),
            s.files.len()
        ),
        _ => writeln!(w, "{errors} error(s), {warnings} warning(s)"),
    }
    })
}

pub fn test_outcomes(outcomes: &[whittle_engine::rules::TestOutcome]) -> miette::Result<()> {
    stdout(|w| {
        for o in outcomes {
            writeln!(
                w,
                "{} {} ({})",
                if o.passed { "ok  " } else { "FAIL" },
                o.name,
                o.location
            )?;
            for m in &o.missing {
                writeln!(w, "       expected, not found: {m}")?;
            }
            for u in &o.unexpected {
                writeln!(w, "       found, not expected: {u}")?;
            }
        }
        let passed = outcomes.iter().filter(|o| o.passed).count();
        writeln!(w, "{} passed, {} failed", passed, outcomes.len() - passed)
    })
}

pub fn rule_list(format: Format, set: &whittle_engine::rules::RuleSet) -> miette::Result<()> {
    match format {
        Format::Json => json_out(&json!({
            "version": JSON_VERSION,
            "guardrails": set.guardrails.rules,
            "unused": set.lp.unused.iter().map(|(u, s)| json!({"rule": u, "location": format!("{}:{}", s.file, s.line)})).collect::<Vec<_>>(),
            "risk_classes": set.lp.risks.iter().map(|(r, _)| r).collect::<Vec<_>>(),
        })),
        Format::Text => stdout(|w| {
            for r in &set.guardrails.rules {
                writeln!(w, "{:<34} {:<9} {}", r.id, r.severity.as_str(), r.message)?;
            }
            for (u, _) in &set.lp.unused {
                writeln!(
                    w,
                    "{:<34} {:<9} permissions not used in {} days{}",
                    u.id,
                    u.severity.as_str(),
                    u.after_days,
                    u.risk
                        .as_ref()
                        .map(|r| format!(" (risk class {r})"))
                        .unwrap_or_default()
                )?;
            }
            Ok(())
        }),
    }
}

/// Prints a rule's documentation; false when the id is unknown.
pub fn rule_explain(set: &whittle_engine::rules::RuleSet, id: &str) -> miette::Result<bool> {
    let Some(doc) = set.explain(id) else {
        eprintln!("error: no rule `{id}`");
        let ids: Vec<&str> = set
            .rule_ids()
            .into_iter()
            .filter(|r| r.contains(id) || id.contains(*r))
            .collect();
        help_did_you_mean(&ids);
        return Ok(false);
    };
    stdout(|w| {
        let severity = doc
            .severity
            .map(|s| format!(" ({})", s.as_str()))
            .unwrap_or_default();
        let at = doc
            .location
            .as_deref()
            .map(|l| format!("  — {l}"))
            .unwrap_or_default();
        writeln!(w, "{}{severity}{at}", doc.id)?;
        writeln!(w, "\nWhat it flags\n  {}", doc.message)?;
        if let Some(why) = &doc.why {
            writeln!(w, "\nWhy it matters\n  {why}")?;
        }
        if let Some(fix) = &doc.remediation {
            writeln!(w, "\nHow to fix it\n  {fix}")?;
        }
        if !doc.text.is_empty() {
            writeln!(
                w,
                "\nRule\n{}",
                doc.text
                    .trim_end()
                    .lines()
                    .map(|l| format!("  {l}"))
                    .collect::<Vec<_>>()
                    .join("\n")
            )?;
        }
        writeln!(w, "\nTests ({})", doc.tests.len())?;
        for (name, location) in &doc.tests {
            writeln!(w, "  {name} ({location})")?;
        }
        Ok(())
    })?;
    Ok(true)
}

fn perms_text(p: &[String]) -> String {
    let mut s = p.iter().take(4).cloned().collect::<Vec<_>>().join(", ");
    if p.len() > 4 {
        s.push_str(&format!(" (+{} more)", p.len() - 4));
    }
    s
}

pub fn findings(
    format: crate::cli::CheckFormat,
    findings: &[whittle_engine::rules::Finding],
    set: &whittle_engine::rules::RuleSet,
) -> miette::Result<()> {
    use crate::cli::CheckFormat;
    match format {
        CheckFormat::Json => json_out(&json!({"version": JSON_VERSION, "findings": findings})),
        CheckFormat::Sarif => json_out(&sarif(findings, set)),
        CheckFormat::Markdown => stdout(|w| {
            writeln!(w, "### whittle: {} finding(s)\n", findings.len())?;
            if findings.is_empty() {
                return writeln!(w, "No findings.");
            }
            writeln!(
                w,
                "| severity | rule | principal | permissions | granted by |"
            )?;
            writeln!(w, "| --- | --- | --- | --- | --- |")?;
            for f in findings {
                let by = f
                    .granted_by
                    .as_ref()
                    .map(|o| format!("`{}` statement {}", o.policy_name, o.statement))
                    .unwrap_or_default();
                writeln!(
                    w,
                    "| {} | `{}` | `{}` | {} | {} |",
                    f.severity.as_str(),
                    f.rule,
                    f.principal,
                    perms_text(&f.permissions).replace('|', "\\|"),
                    by
                )?;
            }
            writeln!(w)?;
            let mut seen = std::collections::BTreeSet::new();
            for f in findings.iter().filter(|f| seen.insert(f.rule.clone())) {
                writeln!(
                    w,
                    "<details><summary><code>{}</code>: {}</summary>\n\n{}\n</details>\n",
                    f.rule,
                    f.message,
                    f.remediation.clone().unwrap_or_default()
                )?;
            }
            Ok(())
        }),
        CheckFormat::Text => stdout(|w| {
            for f in findings {
                writeln!(w, "{:<8} {}  {}", f.severity.as_str(), f.rule, f.principal)?;
                writeln!(w, "         {}: {}", f.message, perms_text(&f.permissions))?;
                if let Some(o) = &f.granted_by {
                    writeln!(w, "         granted by {}", origin_text(o))?;
                }
                let mut coverage = f
                    .evidence
                    .coverage
                    .iter()
                    .take(2)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(" | ");
                if f.evidence.coverage.len() > 2 {
                    coverage.push_str(&format!(" (+{} more)", f.evidence.coverage.len() - 2));
                }
                if f.evidence.usage_known || !coverage.is_empty() {
                    let used = match (&f.evidence.used, &f.evidence.last_used) {
                        (_, Some(t)) => format!("last used {t}"),
                        (Some(false), None) => "not used in the window".into(),
                        _ => "usage unknown".into(),
                    };
                    let sep = if coverage.is_empty() { "" } else { "; " };
                    writeln!(w, "         evidence: {used}{sep}{coverage}")?;
                }
                writeln!(w, "         rule {}", f.rule_location)?;
            }
            let by_sev = |s: whittle_engine::rules::Severity| {
                findings.iter().filter(|f| f.severity == s).count()
            };
            use whittle_engine::rules::Severity as S;
            writeln!(
                w,
                "{} finding(s): {} critical, {} high, {} medium, {} low, {} info",
                findings.len(),
                by_sev(S::Critical),
                by_sev(S::High),
                by_sev(S::Medium),
                by_sev(S::Low),
                by_sev(S::Info)
            )
        }),
    }
}

/// SARIF 2.1.0: one result per finding, located at the granting statement.
fn sarif(
    findings: &[whittle_engine::rules::Finding],
    set: &whittle_engine::rules::RuleSet,
) -> serde_json::Value {
    use whittle_engine::rules::Severity as S;
    let level = |s: S| match s {
        S::Critical | S::High => "error",
        S::Medium => "warning",
        S::Low | S::Info => "note",
    };
    let score = |s: S| match s {
        S::Critical => "9.5",
        S::High => "8.0",
        S::Medium => "5.5",
        S::Low => "3.0",
        S::Info => "0.0",
    };
    let mut rules: Vec<serde_json::Value> = set
        .guardrails
        .rules
        .iter()
        .map(|r| {
            json!({
                "id": r.id,
                "shortDescription": {"text": r.message},
                "fullDescription": {"text": r.why.clone().unwrap_or_else(|| r.message.clone())},
                "help": {"text": r.remediation.clone().unwrap_or_default()},
                "defaultConfiguration": {"level": level(r.severity)},
                "properties": {"security-severity": score(r.severity), "tags": ["security", "iam", "least-privilege"]},
            })
        })
        .collect();
    for (u, _) in &set.lp.unused {
        rules.push(json!({"id": u.id, "shortDescription": {"text": format!("permissions not used in {} days", u.after_days)},
                          "defaultConfiguration": {"level": level(u.severity)}, "properties": {"security-severity": score(u.severity)}}));
    }
    for (id, text) in [
        ("whittle-expired-exemption", "an exemption has expired"),
        ("whittle-rule-error", "a rule could not be evaluated"),
    ] {
        rules.push(json!({"id": id, "shortDescription": {"text": text}}));
    }
    let results: Vec<serde_json::Value> = findings
        .iter()
        .map(|f| {
            let (uri, line) = match &f.granted_by {
                Some(o) => (o.location.file.to_string(), o.location.line.unwrap_or(1)),
                None => {
                    let mut parts = f.rule_location.rsplitn(2, ':');
                    let line = parts.next().and_then(|l| l.parse().ok()).unwrap_or(1);
                    (parts.next().unwrap_or_default().to_string(), line)
                }
            };
            json!({
                "ruleId": f.rule,
                "level": level(f.severity),
                "message": {"text": format!("{}: {} holds {}", f.message, f.principal, perms_text(&f.permissions))},
                "locations": [{"physicalLocation": {"artifactLocation": {"uri": uri}, "region": {"startLine": line}},
                               "logicalLocations": [{"fullyQualifiedName": f.principal, "kind": "principal"}]}],
                "partialFingerprints": {"whittle/v1": format!("{}|{}|{}", f.rule, f.principal,
                    f.granted_by.as_ref().map(|o| format!("{}#{}", o.policy, o.statement)).unwrap_or_default())},
                "properties": {"permissions": f.permissions, "evidence": f.evidence},
            })
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "whittle", "version": env!("CARGO_PKG_VERSION"),
                                 "informationUri": "https://github.com/whittle-dev/whittle", "rules": rules}},
            "results": results,
        }],
    })
}

pub fn watch_waiting(runs: u32) {
    eprintln!("-- run {runs} done; watching for changes (Ctrl-C to stop) --");
}

pub fn watch_changed(paths: &[std::path::PathBuf]) {
    let names: Vec<String> = paths
        .iter()
        .take(3)
        .map(|p| p.display().to_string())
        .collect();
    eprintln!(
        "-- changed: {}{} --",
        names.join(", "),
        if paths.len() > 3 { ", …" } else { "" }
    );
}

pub fn watch_error(e: &str) {
    eprintln!("warning: watching: {e}");
}
