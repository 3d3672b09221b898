//! Alert rules: the Cedar action `use` — "P made a call of operation R", with the event's facts
//! and what was known before it in the context — asked once per event an ingest adds that could
//! be notable. A matching `forbid` is an alert: a finding with the events that triggered it.

use super::diags::Problem;
use super::eval::uid;
use super::{RuleDiagnostic, RuleSet};
use crate::catalog::AwsCatalog;
use crate::model::time::{iso, Epoch};
use crate::model::{Alert, Evidence, Finding, UseEvent};
use cedar_policy::{
    Authorizer, Context, Decision, Entities, Entity, Policy, PolicyId, PolicySet, Request,
    RestrictedExpression,
};
use std::collections::{BTreeSet, HashMap, HashSet};

/// The alerts `rules` raise on `events`, and problems met (a rule that errored).
pub fn evaluate_use(
    rules: &RuleSet,
    events: &[UseEvent],
    catalog: &AwsCatalog,
    now: Epoch,
) -> (Vec<Alert>, Vec<RuleDiagnostic>) {
    let mut diags = Vec::new();
    let mut problem = |m: String| {
        diags.push(
            RuleDiagnostic::general(super::Level::Error, "<alert rules>", m)
                .with(Problem::Evaluation),
        )
    };
    let g = &rules.guardrails;
    let mut set = PolicySet::new();
    match Policy::parse(
        Some(PolicyId::new("whittle-baseline")),
        "permit(principal, action, resource);",
    ) {
        Ok(p) => {
            let _ = set.add(p);
        }
        Err(e) => {
            problem(e.to_string());
            return (Vec::new(), diags);
        }
    }
    for p in &g.policies {
        let _ = set.add(p.clone());
    }
    let entities = match entities(rules, events, catalog) {
        Ok(e) => e,
        Err(e) => {
            problem(e);
            return (Vec::new(), diags);
        }
    };
    let by_id: HashMap<&str, &super::cedar::GuardRule> =
        g.rules.iter().map(|r| (r.id.as_str(), r)).collect();
    let s = &rules.lp.settings;
    let thresholds = RestrictedExpression::new_record([
        ("dormant_days".to_string(), long(s.dormant_days)),
        ("baseline_days".to_string(), long(s.alert_baseline_days)),
        ("burst_count".to_string(), long(s.denied_burst_count)),
    ]);
    let thresholds = match thresholds {
        Ok(t) => t,
        Err(e) => {
            problem(e.to_string());
            return (Vec::new(), diags);
        }
    };
    let authorizer = Authorizer::new();
    let action = uid("Guard::Action", "use");
    let mut alerts = Vec::new();
    let mut errored = BTreeSet::new();
    for e in events {
        let ctx = match Context::from_pairs(context(e, now, thresholds.clone())) {
            Ok(c) => c,
            Err(err) => {
                errored.insert(err.to_string());
                continue;
            }
        };
        let req = match Request::new(
            uid("Activity::Caller", &e.principal),
            action.clone(),
            uid("Activity::Operation", &e.operation),
            ctx,
            Some(&g.schema),
        ) {
            Ok(r) => r,
            Err(err) => {
                errored.insert(err.to_string());
                continue;
            }
        };
        let resp = authorizer.is_authorized(&req, &set, &entities);
        for err in resp.diagnostics().errors() {
            let cedar_policy::AuthorizationError::PolicyEvaluationError(x) = err;
            errored.insert(format!("{}: {}", x.policy_id(), x.inner()));
        }
        if resp.decision() != Decision::Deny {
            continue;
        }
        let mut matched: Vec<&super::cedar::GuardRule> = resp
            .diagnostics()
            .reason()
            .filter_map(|id| by_id.get(id.to_string().as_str()).copied())
            .collect();
        matched.sort_by(|a, b| a.id.cmp(&b.id));
        for rule in matched {
            alerts.push(Alert {
                finding: Finding {
                    rule: rule.id.clone(),
                    severity: rule.severity,
                    message: rule.message.clone(),
                    remediation: rule.remediation.clone(),
                    principal: e.principal.clone(),
                    permissions: e.permission.iter().cloned().collect(),
                    granted_by: None,
                    evidence: Evidence::none(),
                    rule_location: format!("{}:{}", rule.file, rule.line),
                    notes: notes(e),
                    owner: e.owner.clone(),
                },
                event: e.clone(),
            });
        }
    }
    for err in errored {
        diags.push(
            RuleDiagnostic::general(super::Level::Warning, "<alert rules>", err)
                .with(Problem::Evaluation),
        );
    }
    (alerts, diags)
}

fn long(n: u32) -> RestrictedExpression {
    RestrictedExpression::new_long(i64::from(n))
}

/// What an alert says about its event beyond the rule's message.
fn notes(e: &UseEvent) -> Vec<String> {
    let mut n = vec![format!(
        "{} at {} (event {})",
        e.operation,
        iso(e.time),
        e.event_id
    )];
    if let Some(a) = &e.actor {
        n.push(format!("by {a}"));
    }
    if let Some(d) = e.days_dormant {
        n.push(format!("first activity after {d} days"));
    }
    if e.first_use {
        if let Some(p) = &e.permission {
            n.push(format!("first use of {p}"));
        }
    }
    if e.denied_recent > 0 {
        n.push(format!("{} denied calls in the burst", e.denied_recent));
    }
    if let (true, Some(k), Some(net)) = (e.new_network, &e.access_key, &e.network) {
        n.push(format!("access key {k} used from {net} for the first time"));
    }
    n
}

fn context(
    e: &UseEvent,
    now: Epoch,
    thresholds: RestrictedExpression,
) -> Vec<(String, RestrictedExpression)> {
    let s = |v: &str| RestrictedExpression::new_string(v.to_string());
    let mut c = vec![
        (
            "now".to_string(),
            RestrictedExpression::new_datetime(iso(now)),
        ),
        (
            "time".to_string(),
            RestrictedExpression::new_datetime(iso(e.time)),
        ),
        ("event_id".to_string(), s(&e.event_id)),
        ("operation".to_string(), s(&e.operation)),
        (
            "classes".to_string(),
            RestrictedExpression::new_set(e.classes.iter().map(|c| s(c))),
        ),
        (
            "denied".to_string(),
            RestrictedExpression::new_bool(e.denied),
        ),
        (
            "first_use".to_string(),
            RestrictedExpression::new_bool(e.first_use),
        ),
        (
            "denied_recent".to_string(),
            RestrictedExpression::new_long(e.denied_recent as i64),
        ),
        (
            "new_network".to_string(),
            RestrictedExpression::new_bool(e.new_network),
        ),
        ("thresholds".to_string(), thresholds),
    ];
    for (k, v) in [
        ("permission", &e.permission),
        ("access_key", &e.access_key),
        ("network", &e.network),
        ("source_ip", &e.source_ip),
        ("region", &e.region),
        ("actor", &e.actor),
    ] {
        if let Some(v) = v {
            c.push((k.to_string(), s(v)));
        }
    }
    for (k, v) in [
        ("days_dormant", e.days_dormant),
        ("history_days", e.history_days),
    ] {
        if let Some(v) = v {
            c.push((k.to_string(), RestrictedExpression::new_long(v)));
        }
    }
    c
}

/// Callers, operations (in their classes and under their permissions, with those permissions'
/// services, access levels and risk classes), classes and accounts.
fn entities(
    rules: &RuleSet,
    events: &[UseEvent],
    catalog: &AwsCatalog,
) -> Result<Entities, String> {
    let mut out = Vec::new();
    let mut accounts = BTreeSet::new();
    let mut callers = BTreeSet::new();
    let mut operations: std::collections::BTreeMap<&str, (Option<&str>, BTreeSet<&str>)> =
        Default::default();
    let mut classes = BTreeSet::new();
    for e in events {
        if callers.insert(e.principal.as_str()) {
            let account = e
                .principal
                .split(':')
                .nth(4)
                .unwrap_or_default()
                .to_string();
            accounts.insert(account.clone());
            let mut attrs = HashMap::from([
                (
                    "arn".to_string(),
                    RestrictedExpression::new_string(e.principal.clone()),
                ),
                (
                    "kind".to_string(),
                    RestrictedExpression::new_string(e.principal_kind.clone()),
                ),
                (
                    "privileged".to_string(),
                    RestrictedExpression::new_bool(e.privileged),
                ),
            ]);
            if let Some(o) = &e.owner {
                super::eval::owner_attrs(&mut attrs, o);
            }
            out.push(
                Entity::new(
                    uid("Activity::Caller", &e.principal),
                    attrs,
                    HashSet::from([uid("Org::Account", &account)]),
                )
                .map_err(|x| x.to_string())?,
            );
        }
        let op = operations.entry(e.operation.as_str()).or_default();
        if op.0.is_none() {
            op.0 = e.permission.as_deref();
        }
        op.1.extend(e.classes.iter().map(String::as_str));
        classes.extend(e.classes.iter().map(String::as_str));
    }
    let mut permissions = BTreeSet::new();
    for (name, (permission, in_classes)) in &operations {
        // the permission an operation uses: the one the event mapped to, else its own name
        let permission = permission
            .and_then(|p| catalog.lookup(p))
            .or_else(|| catalog.lookup(name));
        let mut parents: HashSet<_> = in_classes
            .iter()
            .map(|c| uid("Activity::Class", c))
            .collect();
        if let Some(id) = permission {
            parents.insert(uid("Iam::Permission", &catalog.action(id).name));
            permissions.insert(id);
        }
        let attrs = HashMap::from([
            (
                "name".to_string(),
                RestrictedExpression::new_string(name.to_string()),
            ),
            (
                "service".to_string(),
                RestrictedExpression::new_string(
                    name.split(':').next().unwrap_or_default().to_string(),
                ),
            ),
        ]);
        out.push(
            Entity::new(uid("Activity::Operation", name), attrs, parents)
                .map_err(|x| x.to_string())?,
        );
    }
    for c in classes {
        out.push(Entity::with_uid(uid("Activity::Class", c)));
    }
    for a in accounts {
        out.push(super::eval::account_entity(&a)?);
    }
    for r in rules.risk_actions.keys() {
        out.push(Entity::with_uid(uid("Iam::Risk", r)));
    }
    for id in permissions {
        out.push(super::eval::permission_entity(rules, catalog, id)?);
    }
    Entities::from_entities(out, Some(&rules.guardrails.schema)).map_err(|x| x.to_string())
}
