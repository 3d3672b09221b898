//! Human-readable text of every report: what `--format text` (the default) prints. Functions
//! write to any `Write`, so tests and other renderers can reuse them.

use std::collections::BTreeMap;
use std::io::{self, Write};
use whittle_engine::aws::policy::{Decision, Request, Simulation};
use whittle_engine::catalog::{ActionId, ActionSet, AwsCatalog};
use whittle_engine::ingest::aws_authz::LoadReport;
use whittle_engine::model::Principal;
use whittle_engine::rules::{Finding, RuleDoc, RuleSet, Severity, TestOutcome};
use whittle_engine::{
    AdminEquivalent, AdminReason, Counts, EffectivePermissions, Origin, SourceFile, UnknownAction,
};

pub fn line_of(
    sources: &[&SourceFile],
    name: &str,
    span: &Option<std::ops::Range<usize>>,
) -> Option<usize> {
    let src = sources.iter().find(|s| &*s.path == name)?;
    src.location("", span.clone()).line
}

/// ` (did you mean `x`?)` for an action pattern the catalog does not know: the closest name only.
/// Looked up once per pattern: an export can name the same retired action in a thousand places.
fn unknown_hint(catalog: &AwsCatalog, u: &UnknownAction) -> String {
    thread_local! {
        static MEMO: std::cell::RefCell<std::collections::HashMap<String, String>> =
            Default::default();
    }
    MEMO.with(|m| {
        m.borrow_mut()
            .entry(u.pattern.clone())
            .or_insert_with(|| {
                whittle_engine::catalog::did_you_mean(&catalog.suggest(&u.pattern, 1))
                    .map(|h| format!(" ({h})"))
                    .unwrap_or_default()
            })
            .clone()
    })
}

fn origin_text(o: &Origin) -> String {
    if o.policy_kind == whittle_engine::model::PolicyKind::RoleBinding {
        // a GCP binding or an Azure role assignment: the role, where, and where it was read
        let at = match o.location.line {
            Some(l) => format!(":{l}"),
            None if !o.location.json_path.is_empty() => format!(" at {}", o.location.json_path),
            None => String::new(),
        };
        let condition = o
            .sid
            .as_deref()
            .map(|c| format!(" under condition `{c}`"))
            .unwrap_or_default();
        return format!(
            "role `{}` at `{}`{condition} — {}{at}",
            o.policy_name, o.policy, o.location.file
        );
    }
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
    let line = match (o.location.line, o.location.column) {
        (Some(l), Some(c)) => format!(":{l}:{c}"),
        (Some(l), None) => format!(":{l}"),
        _ => String::new(),
    };
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
        let not = if matches!(g.action_spec, whittle_engine::model::Actions::NotAction(_)) {
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
    // actions granted by the same statements, narrowed the same way, print as one block
    let mut blocks: Vec<(String, Vec<String>)> = Vec::new();
    for row in &rows {
        let id = catalog.lookup(row.action).unwrap_or(ActionId(0));
        let mut via = String::new();
        for g in &row.via {
            let cond = if g.conditional { "  [conditional]" } else { "" };
            via.push_str(&format!(
                "    on {}{cond} — {}\n",
                g.resources,
                origin_text(&g.origin)
            ));
            for l in g.limits.iter().filter(|l| l.actions.contains(id)) {
                let kind = match l.kind {
                    whittle_engine::LimitKind::DenyOnSomeResources => "deny-on-some-resources",
                    whittle_engine::LimitKind::ConditionalDeny => "conditional-deny",
                    whittle_engine::LimitKind::Boundary => "boundary",
                };
                via.push_str(&format!(
                    "      narrowed ({kind}, {}) by {}\n",
                    l.resources,
                    origin_text(&l.origin)
                ));
            }
        }
        let name = format!("{}  [{}]", row.action, catalog.action(id).access_level);
        match blocks.iter_mut().find(|(v, _)| *v == via) {
            Some((_, names)) => names.push(name),
            None => blocks.push((via, vec![name])),
        }
    }
    for (via, names) in &blocks {
        match names.as_slice() {
            [one] => writeln!(w, "{one}")?,
            many => {
                writeln!(w, "{} actions, all granted alike:", many.len())?;
                for n in many {
                    writeln!(w, "  {n}")?;
                }
            }
        }
        write!(w, "{via}")?;
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

pub fn simulation(
    w: &mut dyn Write,
    req: &Request,
    known: Option<&str>,
    suggestions: &[&str],
    sim: &Simulation,
    sources: &[&SourceFile],
) -> io::Result<()> {
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
            whittle_engine::aws::policy::PolicyRole::Identity => String::new(),
            other => format!(" [{}]", other.as_str()),
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
}

pub fn explanation(
    w: &mut dyn Write,
    catalog: &AwsCatalog,
    p: &Principal,
    eff: &EffectivePermissions,
    filter: Option<&ActionSet>,
) -> io::Result<()> {
    let held = eff.held(catalog);
    let unconditional = eff.held_unconditionally_on_any(catalog);
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
        writeln!(
            w,
            "  warning: `{m}` is referenced but not in the snapshot: its grants are unknown"
        )?;
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
    for b in &eff.blocked {
        writeln!(
            w,
            "  blocked by the organisation: {} action(s) ({}) — {}",
            b.action_count,
            services_summary(catalog, &b.actions),
            origin_text(&b.origin)
        )?;
    }
    writeln!(w)?;
    match filter {
        Some(f) => explain_actions(w, catalog, eff, f),
        None => explain_grants(w, catalog, eff),
    }
}

/// Access the snapshots' resource policies grant the principal.
pub fn resource_grants(
    w: &mut dyn Write,
    grants: &[whittle_engine::ResourceGrant],
) -> io::Result<()> {
    if grants.is_empty() {
        return Ok(());
    }
    writeln!(w, "granted by resource policies:")?;
    for g in grants {
        let how = match g.naming {
            "account" => " (through its account: its own policies must allow too)",
            _ => "",
        };
        let cond = if g.conditional { "  [conditional]" } else { "" };
        writeln!(
            w,
            "  {} on {}{how}{cond}\n    from {}",
            g.actions.join(", "),
            g.resources.join(", "),
            origin_text(&g.origin)
        )?;
    }
    Ok(())
}

/// Who may assume a role: its trust policy's principals, and the callers of the snapshots.
pub fn assumable_by(w: &mut dyn Write, a: &whittle_engine::AssumableBy) -> io::Result<()> {
    let trusted: Vec<String> = a.trusted.iter().map(|(k, v)| format!("{k} {v}")).collect();
    writeln!(w, "\nassumable by (trust policy): {}", trusted.join(", "))?;
    if a.callers.is_empty() {
        return writeln!(w, "  no principal of the snapshots can assume it");
    }
    for (p, conditional) in &a.callers {
        let note = if *conditional { "  [conditional]" } else { "" };
        writeln!(w, "  {p}{note}")?;
    }
    Ok(())
}

/// Held versus used: per service (or, with `--action`, per permission), how many held
/// permissions were used in the window and when last.
pub fn last_accessed(
    w: &mut dyn Write,
    catalog: &AwsCatalog,
    l: &whittle_engine::LastAccessed,
    per_permission: bool,
) -> io::Result<()> {
    use whittle_engine::model::time::{iso, iso_day};
    let used = l.permissions.iter().filter(|p| p.in_window).count();
    writeln!(
        w,
        "\nlast accessed, window {}..{}: {used} of {} held permission(s) used",
        iso_day(l.window.first),
        iso_day(l.window.last),
        l.permissions.len()
    )?;
    let last = |p: &whittle_engine::PermissionUse| match p.last_used {
        Some(t) => format!("last {} ({} call(s))", iso(t), p.count),
        None => "never seen".into(),
    };
    if per_permission {
        for p in &l.permissions {
            let state = match (&p.coverage, p.in_window) {
                (_, true) => "used".to_string(),
                (Some((true, words)), _) => format!("not used in the window ({words})"),
                (Some((false, words)), _) => {
                    format!("unknown: the logs could not see it ({words})")
                }
                (None, false) => "not used in the window".to_string(),
            };
            writeln!(
                w,
                "  {:<44} {state}; {}",
                catalog.action(p.action).name,
                last(p)
            )?;
        }
        return Ok(());
    }
    // service → (held, used, unobservable, last use)
    let mut by_service: BTreeMap<&str, (usize, usize, usize, Option<i64>)> = BTreeMap::new();
    for p in &l.permissions {
        let e = by_service
            .entry(catalog.action(p.action).prefix())
            .or_default();
        e.0 += 1;
        e.1 += usize::from(p.in_window);
        e.2 += usize::from(matches!(p.coverage, Some((false, _))));
        e.3 = e.3.max(p.last_used);
    }
    writeln!(
        w,
        "  {:<28} {:>6} {:>6} {:>12}  last accessed",
        "service", "held", "used", "unobservable"
    )?;
    for (service, (held, used, dark, last)) in by_service {
        writeln!(
            w,
            "  {:<28} {:>6} {:>6} {:>12}  {}",
            service,
            held,
            used,
            dark,
            last.map_or_else(|| "-".to_string(), iso)
        )?;
    }
    Ok(())
}

pub fn inventory(
    w: &mut dyn Write,
    catalog: &AwsCatalog,
    counts: &Counts,
    admins: &[AdminEquivalent],
    unknown: &[UnknownAction],
    report: &LoadReport,
) -> io::Result<()> {
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
    if let Some(org) = &report.inventory.organization {
        use whittle_engine::model::OrgPolicyKind;
        let count = |k: OrgPolicyKind| org.policies.iter().filter(|p| p.kind == k).count();
        let accounts = org
            .parents
            .keys()
            .filter(|n| n.len() == 12 && n.bytes().all(|b| b.is_ascii_digit()))
            .count();
        writeln!(
            w,
            "organisation {}: {accounts} account(s), {} SCP(s), {} RCP(s){}",
            org.id,
            count(OrgPolicyKind::ServiceControl),
            count(OrgPolicyKind::ResourceControl),
            org.management_account
                .as_deref()
                .map(|m| format!(", management account {m}"))
                .unwrap_or_default()
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
        // one line per pattern: where it is written, or how often (JSON lists every place)
        let mut by_pattern: BTreeMap<&str, Vec<&UnknownAction>> = BTreeMap::new();
        for u in unknown {
            by_pattern.entry(u.pattern.as_str()).or_default().push(u);
        }
        writeln!(
            w,
            "\nactions the catalog does not know: {} in {} statement(s)",
            by_pattern.len(),
            unknown.len()
        )?;
        for (pattern, places) in &by_pattern {
            let hint = unknown_hint(catalog, places[0]);
            let at = match places.as_slice() {
                [one] => origin_text(&one.origin),
                [first, rest @ ..] => format!(
                    "{} and {} more statement(s)",
                    origin_text(&first.origin),
                    rest.len()
                ),
                [] => String::new(),
            };
            writeln!(w, "  `{pattern}`{hint} — {at}")?;
        }
    }
    Ok(())
}

pub fn catalog_action(w: &mut dyn Write, catalog: &AwsCatalog, id: ActionId) -> io::Result<()> {
    let a = catalog.action(id);
    let svc = catalog.service_of(id);
    let arn_of = |rt: &str| svc.arn_format(rt);
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
}

pub fn catalog_expansion(
    w: &mut dyn Write,
    catalog: &AwsCatalog,
    set: &ActionSet,
) -> io::Result<()> {
    for id in set.iter() {
        let a = catalog.action(id);
        writeln!(w, "{}\t{}", a.name, a.access_level)?;
    }
    Ok(())
}

pub fn gcp_inventory(
    w: &mut dyn Write,
    g: &whittle_engine::GcpInventory,
    after_aws: bool,
) -> io::Result<()> {
    let s = &g.summary;
    if after_aws {
        writeln!(w)?;
    }
    let members: Vec<String> = s.members.iter().map(|(k, n)| format!("{n} {k}")).collect();
    writeln!(
        w,
        "GCP: {} file(s): {} binding(s) on {} resource(s); members: {}; {} custom role(s)",
        g.load.files,
        s.bindings,
        s.resources,
        if members.is_empty() {
            "none".to_string()
        } else {
            members.join(", ")
        },
        s.custom_roles
    )?;
    let list = |w: &mut dyn Write,
                title: &str,
                items: &[whittle_engine::gcp::summary::MemberBinding],
                reason: bool|
     -> io::Result<()> {
        writeln!(w, "\n{title}: {}", items.len())?;
        for m in items {
            let cond = if m.conditional { " [conditional]" } else { "" };
            if reason {
                writeln!(w, "  {} — {} on {}{cond}", m.member, m.reason, m.resource)?;
            } else {
                writeln!(w, "  {} — {} on {}{cond}", m.member, m.role, m.resource)?;
            }
        }
        Ok(())
    };
    list(w, "admin-equivalent members", &s.admin_equivalent, true)?;
    list(
        w,
        "public bindings (allUsers, allAuthenticatedUsers)",
        &s.public,
        false,
    )?;
    list(w, "deleted members still bound", &s.deleted, false)?;
    if s.deny_policies > 0 {
        writeln!(w, "\n{} deny policy(ies), applied", s.deny_policies)?;
    }
    if s.expired > 0 {
        writeln!(
            w,
            "\n{} binding(s) whose time condition has expired (they grant nothing)",
            s.expired
        )?;
    }
    if !s.unknown_roles.is_empty() {
        writeln!(
            w,
            "\nroles whose permissions are unknown (export them with `gcloud iam roles list --project P --view=FULL --format=json`): {}",
            s.unknown_roles.join(", ")
        )?;
    }
    Ok(())
}

pub fn azure_inventory(
    w: &mut dyn Write,
    a: &whittle_engine::AzureInventory,
    after_other: bool,
) -> io::Result<()> {
    let s = &a.summary;
    if after_other {
        writeln!(w)?;
    }
    let principals: Vec<String> = s
        .principals
        .iter()
        .map(|(k, n)| format!("{n} {k}"))
        .collect();
    writeln!(
        w,
        "Azure: {} file(s): {} role assignment(s); principals: {}; {} custom role(s), {} deny assignment(s)",
        a.load.files,
        s.assignments,
        if principals.is_empty() { "none".to_string() } else { principals.join(", ") },
        s.custom_roles,
        s.deny_assignments
    )?;
    let list = |w: &mut dyn Write,
                title: &str,
                items: &[whittle_engine::azure::summary::AssignmentLine]|
     -> io::Result<()> {
        writeln!(w, "\n{title}: {}", items.len())?;
        for l in items {
            writeln!(
                w,
                "  {} ({}) — {} at {}",
                l.principal, l.principal_type, l.reason, l.scope
            )?;
        }
        Ok(())
    };
    list(w, "privileged assignments", &s.privileged)?;
    list(
        w,
        "assignments to deleted principals",
        &s.deleted_principals,
    )?;
    if !s.wildcard_custom_roles.is_empty() {
        writeln!(
            w,
            "\ncustom roles granting every action (`*`): {}",
            s.wildcard_custom_roles.join(", ")
        )?;
    }
    if !s.unknown_roles.is_empty() {
        writeln!(
            w,
            "\nroles whose permissions are unknown (export them with `az role definition list --custom-role-only true --output json`): {}",
            s.unknown_roles.join(", ")
        )?;
    }
    Ok(())
}

pub fn azure_explanation(
    w: &mut dyn Write,
    r: &whittle_engine::AzureExplainReport,
) -> io::Result<()> {
    let name = r
        .principal_name
        .as_deref()
        .map(|n| format!("{n} "))
        .unwrap_or_default();
    writeln!(
        w,
        "{name}({}, Azure object {})",
        r.principal_type, r.principal_id
    )?;
    writeln!(w, "role assignments: {}", r.assignments.len())?;
    for a in &r.assignments {
        let level = serde_json::to_value(a.level)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        let grants = match (&r.action, a.grants) {
            (Some(op), Some(true)) => format!(" — grants {op}"),
            (Some(op), Some(false)) => format!(" — does not grant {op}"),
            _ => String::new(),
        };
        writeln!(
            w,
            "  {} ({}) at {} ({level}){grants}",
            a.role, a.role_kind, a.scope
        )?;
        if let Some(c) = &a.condition {
            writeln!(w, "      holds only when: {c}")?;
        }
        if !a.reaches.is_empty() {
            writeln!(w, "      reaches: {}", a.reaches.join(", "))?;
        }
        if let Some(used) = &a.used_in_window {
            if used.is_empty() {
                writeln!(
                    w,
                    "      used in the window: none of its operations the logs show"
                )?;
            } else {
                writeln!(w, "      used in the window: {}", used.join(", "))?;
            }
        }
        if a.role_kind == "unknown" {
            writeln!(w, "      permissions unknown (role not in the exports)")?;
        } else if r.action.is_none() {
            let shown: Vec<&str> = a.actions.iter().take(6).map(String::as_str).collect();
            let more = a.actions.len().saturating_sub(shown.len());
            let more = if more > 0 {
                format!(", … {more} more")
            } else {
                String::new()
            };
            writeln!(w, "      actions: {}{more}", shown.join(", "))?;
        }
        writeln!(w, "      from {}", a.location)?;
    }
    if let (Some(op), Some(last)) = (&r.action, &r.last_used) {
        match last {
            Some((t, n)) => writeln!(
                w,
                "{op} last used {} ({n} call(s))",
                whittle_engine::model::time::iso(*t)
            )?,
            None => writeln!(
                w,
                "{op} not seen in the Activity Log (it cannot vouch that it was unused)"
            )?,
        }
    }
    if let Some(op) = &r.action {
        for (n, s) in &r.denied_by {
            writeln!(w, "{op} is denied at {s} by deny assignment `{n}`")?;
        }
    }
    Ok(())
}

pub fn gcp_explanation(w: &mut dyn Write, r: &whittle_engine::GcpExplainReport) -> io::Result<()> {
    writeln!(
        w,
        "{} (GCP {})",
        r.principal,
        r.kind.principal_kind().as_str()
    )?;
    if !r.named {
        writeln!(w, "no binding names it: only what reaches everyone applies")?;
    }
    let in_force = r
        .bindings
        .iter()
        .filter(|b| matches!(b.state, "active" | "conditional"))
        .count();
    writeln!(
        w,
        "bindings that reach it: {} ({in_force} in force)",
        r.bindings.len()
    )?;
    let line = |b: &whittle_engine::BindingView| {
        let title = b
            .title
            .as_deref()
            .map(|t| format!(" ({t})"))
            .unwrap_or_default();
        let via = b
            .via
            .as_deref()
            .map(|v| format!(" via {v}"))
            .unwrap_or_default();
        format!("{}{title} on {}{via}", b.role, b.resource)
    };
    for b in &r.bindings {
        let grants = match (b.permissions, b.used_in_window) {
            (Some(n), Some(u)) => format!("{n} permission(s), {u} used in the window"),
            (Some(n), None) => format!("{n} permission(s)"),
            (None, _) => "permissions unknown (role not in the exports)".to_string(),
        };
        writeln!(w, "  {} — {grants}", line(b))?;
        if let Some(c) = &b.condition {
            let how = match b.state {
                "expired" => "expired",
                "not-yet" => "not in force yet",
                "conditional" => "holds only when",
                _ => "in force",
            };
            writeln!(w, "      {how} (`{}`): {}", c.title, c.expression)?;
        }
        if !b.reaches.is_empty() {
            writeln!(w, "      reaches: {}", b.reaches.join(", "))?;
        }
        writeln!(w, "      from {}", b.location)?;
    }
    if let Some(perms) = &r.permissions {
        writeln!(w)?;
        for (p, ix) in perms {
            writeln!(w, "{p}")?;
            for b in ix.iter().filter_map(|&i| r.bindings.get(i)) {
                let cond = if b.state == "conditional" {
                    " [conditional]"
                } else {
                    ""
                };
                writeln!(w, "  {}{cond}", line(b))?;
            }
            for d in r.denied.get(p).into_iter().flatten() {
                writeln!(w, "  denied by deny policy {d}")?;
            }
            if let Some(used) = &r.last_used {
                match used.get(p) {
                    Some((t, n)) => writeln!(
                        w,
                        "  last used {} ({n} call(s))",
                        whittle_engine::model::time::iso(*t)
                    )?,
                    None => writeln!(
                        w,
                        "  not seen in the logs (they cannot vouch for GCP permissions yet)"
                    )?,
                }
            }
        }
        writeln!(w, "{} matching permission(s) not held", r.not_held)?;
    }
    Ok(())
}

pub fn gcp_role(
    w: &mut dyn Write,
    role: &whittle_engine::catalog::GcpRole,
    permissions: &[String],
) -> io::Result<()> {
    writeln!(
        w,
        "{} — {} (GCP predefined role, {})",
        role.name, role.title, role.stage
    )?;
    writeln!(w, "{} permissions:", permissions.len())?;
    for p in permissions {
        writeln!(w, "  {p}")?;
    }
    Ok(())
}

pub fn gcp_permission(w: &mut dyn Write, name: &str, roles: &[String]) -> io::Result<()> {
    writeln!(w, "{name} (GCP permission)")?;
    writeln!(w, "granted by {} predefined role(s):", roles.len())?;
    for r in roles {
        writeln!(w, "  {r}")?;
    }
    Ok(())
}

pub fn catalog_info(w: &mut dyn Write, catalog: &AwsCatalog) -> io::Result<()> {
    let h = catalog.header();
    writeln!(
        w,
        "AWS catalog: {} services, {} actions",
        catalog.services().len(),
        catalog.len()
    )?;
    writeln!(w, "source:  {}", h.source)?;
    writeln!(w, "version: {} (data of {})", h.version, h.date)?;
    writeln!(w, "licence: {}", h.licence)?;
    let gcp = whittle_engine::catalog::GcpCatalog::embedded();
    let g = gcp.header();
    writeln!(
        w,
        "GCP catalog: {} services, {} permissions, {} predefined roles",
        g.services,
        gcp.len(),
        gcp.roles().len()
    )?;
    writeln!(w, "source:  {}", g.source)?;
    writeln!(w, "version: {}", g.version)?;
    writeln!(w, "licence: {}", g.licence)?;
    let azure = whittle_engine::catalog::AzureCatalog::embedded();
    let a = azure.header();
    writeln!(
        w,
        "Azure catalog: {} built-in roles ({} resource providers)",
        azure.roles().len(),
        a.services
    )?;
    writeln!(w, "source:  {}", a.source)?;
    writeln!(w, "version: {}", a.version)?;
    writeln!(w, "licence: {}", a.licence)?;
    Ok(())
}

pub fn ingest_report(
    w: &mut dyn Write,
    db: &std::path::Path,
    run: &whittle_engine::Ingested,
) -> io::Result<()> {
    let r = &run.report;
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
            )?;
    if r.deferred > 0 {
        writeln!(
            w,
            "{} object(s) still changing: read once they settle",
            r.deferred
        )?;
    }
    match run.retention_days {
        Some(days) => writeln!(
            w,
            "journal: {} high-risk event(s) kept, {} older than {days} days pruned (`whittle events`)",
            r.journaled, r.pruned
        ),
        None if run.rules_failed() => writeln!(w, "journal: not kept: the rules have errors (above)"),
        None => Ok(()),
    }?;
    if let Some(s) = &run.snapshot {
        writeln!(
            w,
            "privileged: {} principal(s) admin-equivalent or holding permission management in {} snapshot file(s){}",
            s.privileged,
            s.files,
            if s.errors.is_empty() { "" } else { " (some could not be read: above)" }
        )?;
    }
    if run.retention_days.is_some() {
        writeln!(w, "alerts: {} raised", run.alerts.len())?;
    }
    for a in &run.alerts {
        let f = &a.finding;
        writeln!(
            w,
            "{:<8} {}  {}\n         {}",
            f.severity.as_str(),
            f.rule,
            f.principal,
            f.message
        )?;
        if let Some(o) = &f.owner {
            writeln!(w, "         owner: {}", owner_text(o))?;
        }
        for n in &f.notes {
            writeln!(w, "         {n}")?;
        }
    }
    Ok(())
}

pub fn usage_show(w: &mut dyn Write, r: &whittle_engine::UsageShowReport) -> io::Result<()> {
    use whittle_engine::model::time::iso;
    let t = |v: Option<i64>| v.map(iso).unwrap_or_else(|| "-".into());
    let q = &r.query;
    let subject = match (&q.principal, &q.resource) {
        (Some(p), Some(res)) => format!("{p} on {res}"),
        (Some(p), None) => p.clone(),
        (None, Some(res)) => format!("who used {res}"),
        (None, None) => "usage".into(),
    };
    let one_principal = q.principal.is_some();
    if let Some(o) = q.principal.as_ref().and_then(|p| r.owners.get(p)) {
        writeln!(w, "owner: {}", owner_text(o))?;
    }
    if q.by_action {
        writeln!(w, "{subject}: {} permission(s)", r.rollup.len())?;
        for a in &r.rollup {
            let who = if one_principal {
                String::new()
            } else {
                format!("{}  ", a.principal)
            };
            let denied = if a.denied > 0 {
                format!("  denied {}×", a.denied)
            } else {
                String::new()
            };
            writeln!(
                w,
                "  {who}{:<40} {:>5} resource(s) {:>8}×  {} .. {}{denied}",
                a.permission,
                a.resources,
                a.count,
                t(a.first_seen),
                t(a.last_seen)
            )?;
        }
    } else {
        writeln!(w, "{subject}: {} permission/resource pair(s)", r.rows.len())?;
        for row in &r.rows {
            let who = if one_principal {
                String::new()
            } else {
                format!("{}  ", row.principal)
            };
            let denied = if row.denied > 0 {
                format!("  denied {}× (last {})", row.denied, t(row.denied_last))
            } else {
                String::new()
            };
            writeln!(
                w,
                "  {who}{:<40} {:<60} {:>6}×  {} .. {}{denied}",
                row.permission,
                row.resource,
                row.count,
                t(row.first_seen),
                t(row.last_seen)
            )?;
        }
    }
    if !r.sessions.is_empty() {
        writeln!(w, "sessions ({}):", r.sessions.len())?;
        for (s, n, l) in r.sessions.iter().take(20) {
            writeln!(w, "  {s}  {n}×, last {}", iso(*l))?;
        }
    }
    if !one_principal && !r.owners.is_empty() {
        writeln!(w, "owners:")?;
        for (p, o) in &r.owners {
            writeln!(w, "  {p}  {}", owner_text(o))?;
        }
    }
    Ok(())
}

pub fn usage_merge(
    w: &mut dyn Write,
    db: &std::path::Path,
    r: &whittle_engine::MergeReport,
) -> io::Result<()> {
    let overlapping: usize = r.shards.iter().map(|(_, s)| s.overlapping.len()).sum();
    let objects: u64 = r.shards.iter().map(|(_, s)| s.log_objects).sum();
    writeln!(
        w,
        "merged {} store(s) into {}: {} usage row(s) read, {} log object(s), {overlapping} of them ingested by two stores (counted once)",
        r.shards.len(),
        db.display(),
        r.usage_rows(),
        objects
    )?;
    for (path, s) in &r.shards {
        writeln!(
            w,
            "  {}  {} usage row(s), {} log object(s){}",
            path.display(),
            s.usage_rows,
            s.log_objects,
            if s.overlapping.is_empty() {
                String::new()
            } else {
                format!(", {} already merged (counted once)", s.overlapping.len())
            }
        )?;
    }
    Ok(())
}

pub fn usage_unmapped(
    w: &mut dyn Write,
    unmapped: &[whittle_engine::usage::EventCount],
    permissionless: &[whittle_engine::usage::EventCount],
) -> io::Result<()> {
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
}

pub fn rule_list(w: &mut dyn Write, set: &whittle_engine::rules::RuleSet) -> io::Result<()> {
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
}

pub fn usage_summary(w: &mut dyn Write, s: &whittle_engine::usage::Summary) -> io::Result<()> {
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
    writeln!(
        w,
        "{} events need no permission, {} events unmapped (see `whittle usage unmapped`)",
        s.permissionless_events, s.unmapped_events
    )?;
    // one section per provider, each in its own words (AWS first, as stores of AWS alone read)
    for (provider, regions, services, note) in [
        ("aws", "coverage by account and region:", "coverage by service:", None),
        (
            "gcp",
            "coverage by project and location (GCP):",
            "coverage by service (GCP):",
            Some(
                "Admin Activity audit logs are always written; Data Access logs only where they are \
                 enabled: `data` counts show the services and days they were, and where there are \
                 none, data reads and writes are not in these logs",
            ),
        ),
        (
            "azure",
            "coverage by subscription (Azure):",
            "coverage by resource provider (Azure):",
            Some(
                "the Activity Log holds control-plane operations only: data-plane operations (blob \
                 reads, Key Vault secret gets, …) are not in it, so their absence is never read as \
                 non-use",
            ),
        ),
    ] {
        let rows: Vec<_> = s.regions.iter().filter(|r| r.provider == provider).collect();
        if rows.is_empty() {
            continue;
        }
        writeln!(w, "\n{regions}")?;
        if let Some(n) = note {
            writeln!(w, "  ({n})")?;
        }
        for r in rows {
            coverage_row(w, r)?;
        }
        writeln!(w, "\n{services}")?;
        for c in s.services.iter().filter(|c| c.provider == provider) {
            service_row(w, c)?;
        }
    }
    if let Some(v) = s.migrated_from {
        writeln!(
                        w,
                        "\nthis store was migrated from schema version {v}: coverage ingested before the migration counts for management events only (service `*`); its per-service totals:"
                    )?;
        for c in &s.v1_service_totals {
            service_row(w, c)?;
        }
    }
    Ok(())
}

/// One scope and location's coverage: days with events, gaps, events.
fn coverage_row(w: &mut dyn Write, r: &whittle_engine::usage::RegionCoverage) -> io::Result<()> {
    use whittle_engine::model::time::{iso_day, iso_days};
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
    )
}

/// One service's coverage: events of each class, the days they span.
fn service_row(w: &mut dyn Write, c: &whittle_engine::usage::ServiceRow) -> io::Result<()> {
    use whittle_engine::model::time::iso_day;
    let data_days = if c.data_days > 0 {
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
    )
}

pub fn validate_summary(
    w: &mut dyn Write,
    set: Option<&RuleSet>,
    errors: usize,
    warnings: usize,
) -> io::Result<()> {
    match set {
        Some(s) if errors == 0 => writeln!(
            w,
            "ok: {} guardrail(s), {} alert rule(s), {} risk class(es), {} unused rule(s), {} exemption(s), {} test(s) in {} file(s); {warnings} warning(s)",
            s.guardrails.rules.iter().filter(|r| !r.is_alert()).count(),
            s.guardrails.rules.iter().filter(|r| r.is_alert()).count(),
            s.lp.risks.len(),
            s.lp.unused.len(),
            s.lp.exemptions.len(),
            s.tests.len(),
            s.files.len()
        ),
        _ => writeln!(w, "{errors} error(s), {warnings} warning(s)"),
    }
}

pub fn test_outcomes(w: &mut dyn Write, outcomes: &[TestOutcome]) -> io::Result<()> {
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
}

pub fn rule_explain(w: &mut dyn Write, doc: &RuleDoc) -> io::Result<()> {
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
        let text: Vec<String> = doc
            .text
            .trim_end()
            .lines()
            .map(|l| format!("  {l}"))
            .collect();
        writeln!(w, "\nRule\n{}", text.join("\n"))?;
    }
    writeln!(w, "\nTests ({})", doc.tests.len())?;
    for (name, location) in &doc.tests {
        writeln!(w, "  {name} ({location})")?;
    }
    Ok(())
}

/// Up to four permission names, then how many more.
pub fn permissions(p: &[String]) -> String {
    let mut s = p.iter().take(4).cloned().collect::<Vec<_>>().join(", ");
    if p.len() > 4 {
        s.push_str(&format!(" (+{} more)", p.len() - 4));
    }
    s
}

/// The first sentence of a remediation, for the one line a finding shows of it.
fn first_sentence(text: &str) -> &str {
    let end = text
        .find(". ")
        .map_or(text.len(), |i| i + 1)
        .min(text.find('\n').unwrap_or(text.len()));
    text[..end].trim_end()
}

/// A check's findings, then the tally by severity, rule and principal.
pub fn check(
    w: &mut dyn Write,
    report: &whittle_engine::CheckReport,
    verbose: bool,
) -> io::Result<()> {
    findings(w, &report.findings, verbose)?;
    access_diff(w, &report.access_diff)?;
    if !report.input_errors.is_empty() {
        // no tally: "0 finding(s)" over input that could not be read would read as clean
        return writeln!(
            w,
            "{} input(s) could not be used (see the errors above): the check is incomplete",
            report.input_errors.len()
        );
    }
    tally(w, &report.findings, report.filtered_out)
}

/// What a change adds and removes, per principal.
pub fn access_diff(
    w: &mut dyn Write,
    diffs: &[whittle_engine::access_diff::AccessDiff],
) -> io::Result<()> {
    if diffs.is_empty() {
        return Ok(());
    }
    writeln!(w, "\naccess the change adds (+) and removes (-):")?;
    for d in diffs {
        let new = if d.new_principal { " (new)" } else { "" };
        writeln!(
            w,
            "  {}{new}: +{} -{}",
            d.principal,
            d.added_count(),
            d.removed_count()
        )?;
        for (sign, list) in [("+", &d.added), ("-", &d.removed)] {
            for s in list.iter() {
                writeln!(
                    w,
                    "    {sign} on {}: {}",
                    s.resources,
                    permissions(&s.actions)
                )?;
            }
        }
        if let Some((unused, held)) = d.unused_before {
            writeln!(
                w,
                "    it did not use {unused} of the {held} permission(s) it already held in the window"
            )?;
        }
    }
    Ok(())
}

/// A severity, padded, in its colour when colour is on.
fn severity_label(s: Severity) -> String {
    let text = format!("{:<8}", s.as_str());
    if !super::color() {
        return text;
    }
    use anstyle::{AnsiColor, Style};
    let style = match s {
        Severity::Critical => Style::new()
            .bold()
            .fg_color(Some(AnsiColor::BrightRed.into())),
        Severity::High => Style::new().fg_color(Some(AnsiColor::Red.into())),
        Severity::Medium => Style::new().fg_color(Some(AnsiColor::Yellow.into())),
        Severity::Low => Style::new().fg_color(Some(AnsiColor::Blue.into())),
        Severity::Info => Style::new().dimmed(),
    };
    format!("{style}{text}{style:#}")
}

pub fn findings(w: &mut dyn Write, findings: &[Finding], verbose: bool) -> io::Result<()> {
    for f in findings {
        writeln!(
            w,
            "{} {}  {}",
            severity_label(f.severity),
            f.rule,
            f.principal
        )?;
        if f.permissions.is_empty() {
            writeln!(w, "         {}", f.message)?;
        } else {
            writeln!(w, "         {}: {}", f.message, permissions(&f.permissions))?;
        }
        if let Some(o) = &f.owner {
            writeln!(w, "         owner: {}", owner_text(o))?;
        }
        if let Some(o) = &f.granted_by {
            let how = if f.rule_location == whittle_engine::aws::validate::RULE_LOCATION {
                "in"
            } else {
                "granted by"
            };
            writeln!(w, "         {how} {}", origin_text(o))?;
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
        let shown = if verbose { f.notes.len() } else { 3 };
        for n in f.notes.iter().take(shown) {
            writeln!(w, "         {n}")?;
        }
        if f.notes.len() > shown {
            writeln!(
                w,
                "         … and {} more (--verbose)",
                f.notes.len() - shown
            )?;
        }
        if let Some(fix) = &f.remediation {
            let fix = if verbose {
                fix.as_str()
            } else {
                first_sentence(fix)
            };
            writeln!(w, "         fix: {fix}")?;
        }
        writeln!(w, "         rule {}", f.rule_location)?;
    }
    Ok(())
}

/// `team payments, contact #payments-oncall (owners.toml:2)`.
pub fn owner_text(o: &whittle_engine::model::Owner) -> String {
    let parts: Vec<String> = [("team", &o.team), ("contact", &o.contact)]
        .into_iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k} {v}")))
        .collect();
    format!("{} ({})", parts.join(", "), o.from)
}

/// Counts by severity, then by rule and by principal (the ten with most findings).
fn tally(w: &mut dyn Write, findings: &[Finding], filtered_out: usize) -> io::Result<()> {
    let count_by = |key: &dyn Fn(&Finding) -> &str| {
        let mut m: BTreeMap<&str, usize> = BTreeMap::new();
        for f in findings {
            *m.entry(key(f)).or_default() += 1;
        }
        let mut v: Vec<(&str, usize)> = m.into_iter().collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        v
    };
    if !findings.is_empty() {
        writeln!(w, "\nby rule:")?;
        for (rule, n) in count_by(&|f| f.rule.as_str()) {
            writeln!(w, "  {n:>6}  {rule}")?;
        }
        let principals = count_by(&|f| f.principal.as_str());
        writeln!(w, "by principal:")?;
        for (p, n) in principals.iter().take(10) {
            writeln!(w, "  {n:>6}  {p}")?;
        }
        if principals.len() > 10 {
            writeln!(w, "  … {} more principals", principals.len() - 10)?;
        }
    }
    if filtered_out > 0 {
        writeln!(
            w,
            "({filtered_out} finding(s) left out by --principal, --rule or --severity)"
        )?;
    }
    let by_sev = |s: Severity| findings.iter().filter(|f| f.severity == s).count();
    use Severity as S;
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
}
