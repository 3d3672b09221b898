//! The two checks every proposal carries, run on the replacement documents against the policies
//! held today:
//!
//! - **No new access** is proved statement by statement: every (action, resource) an allow
//!   statement of the replacement names lies inside an allow statement held today whose
//!   conditions it repeats, and every `Deny` held today is still there (the boundary does not
//!   change). The evaluator then compares both policy sets on a witness request for every action
//!   the replacement names exactly: the replacement never decides more permissively.
//! - **No breakage**: every allowed call seen in the window that today's policies allow is
//!   evaluated against the replacement; for a call whose resource the log did not name, one
//!   witness per resource pattern that grants it today.

use super::assign::Plan;
use super::ProposeInput;
use crate::aws::policy::RequestContext;
use crate::aws::policy::{
    simulate, simulate_knowing, ActionSpec, Decision, Effect, PolicyDocument, PolicyRole, Request,
    ResourceSpec, SimulationInput, Statement, Template,
};
use crate::catalog::{ActionId, ActionSet, AwsCatalog};
use crate::effective::{covers, Resolver};
use crate::model::ResourceScope;
use rustc_hash::FxHashMap;
use serde::Serialize;

/// A request on which the replacement decides differently from what the check requires.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Counterexample {
    /// The action.
    pub action: String,
    /// The resource (a witness ARN where the statement names a pattern).
    pub resource: String,
    /// Today's decision.
    pub current: String,
    /// The replacement's decision.
    pub proposed: String,
    /// Which statement, in words.
    pub detail: String,
}

/// The outcome of one safety check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SafetyCheck {
    /// True when nothing contradicts it.
    pub passed: bool,
    /// Requests (or statement elements) checked.
    pub checked: usize,
    /// The first contradiction found.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub counterexample: Option<Counterexample>,
}

impl SafetyCheck {
    fn new() -> Self {
        SafetyCheck {
            passed: true,
            checked: 0,
            counterexample: None,
        }
    }

    fn fail(&mut self, c: Counterexample) {
        if self.passed {
            self.passed = false;
            self.counterexample = Some(c);
        }
    }
}

fn rank(d: Decision) -> u8 {
    match d {
        Decision::Allowed => 2,
        Decision::Conditional => 1,
        Decision::ExplicitDeny | Decision::ImplicitDeny => 0,
    }
}

/// A concrete resource a pattern names: its wildcards filled in.
fn witness(pattern: &str) -> String {
    pattern.replace('*', "whittle-witness").replace('?', "w")
}

/// Today's policies and the replacement, each with the boundary, ready to evaluate many
/// requests of one principal: which statements name which action is worked out once.
struct Sides<'a> {
    current: Vec<SimulationInput<'a>>,
    proposed: Vec<SimulationInput<'a>>,
    /// Per input, per statement: the catalog actions it names.
    current_actions: Vec<Vec<ActionSet>>,
    proposed_actions: Vec<Vec<ActionSet>>,
    request: std::cell::RefCell<Request>,
}

/// The catalog actions each statement of `inputs` names (`NotAction`: all others).
fn statement_actions(
    catalog: &AwsCatalog,
    inputs: &[SimulationInput<'_>],
    cache: &mut FxHashMap<String, ActionSet>,
) -> Vec<Vec<ActionSet>> {
    inputs
        .iter()
        .map(|i| {
            i.document
                .statements
                .iter()
                .map(|s| {
                    let mut set = catalog.empty_set();
                    for p in s.action.patterns() {
                        let e = cache
                            .entry(p.to_ascii_lowercase())
                            .or_insert_with(|| catalog.expand(p));
                        set.union_with(e);
                    }
                    if matches!(s.action, ActionSpec::NotAction(_)) {
                        set = set.complement(catalog.len());
                    }
                    set
                })
                .collect()
        })
        .collect()
}

impl<'a> Sides<'a> {
    fn new(
        input: &'a ProposeInput<'_>,
        current: &'a [&'a PolicyDocument],
        replacement: &'a [PolicyDocument],
    ) -> Sides<'a> {
        let boundary = input
            .principal
            .boundary
            .as_ref()
            .and_then(|b| input.inventory.policies.get(b))
            .map(|b| SimulationInput {
                name: "boundary",
                role: PolicyRole::Boundary,
                document: &b.document,
            });
        let identity = |d: &'a PolicyDocument| SimulationInput {
            name: "policy",
            role: PolicyRole::Identity,
            document: d,
        };
        let current: Vec<SimulationInput> = current
            .iter()
            .map(|d| identity(d))
            .chain(boundary)
            .collect();
        let proposed: Vec<SimulationInput> =
            replacement.iter().map(identity).chain(boundary).collect();
        let mut cache = FxHashMap::default();
        Sides {
            current_actions: statement_actions(input.catalog, &current, &mut cache),
            proposed_actions: statement_actions(input.catalog, &proposed, &mut cache),
            current,
            proposed,
            request: std::cell::RefCell::new(Request {
                action: String::new(),
                resource: String::new(),
                context: Resolver::principal_context(input.principal),
            }),
        }
    }

    /// Today's and the replacement's decision on catalog action `a` (named `action`).
    fn decide(&self, a: ActionId, action: &str, resource: &str) -> (Decision, Decision) {
        // one request, its strings reused: a principal's checks evaluate thousands
        let mut req = self.request.borrow_mut();
        req.action.clear();
        req.action.push_str(action);
        req.resource.clear();
        req.resource.push_str(resource);
        let req = &*req;
        (
            simulate_knowing(req, &self.current, &|p, s| {
                Some(self.current_actions[p][s].contains(a))
            })
            .decision,
            simulate_knowing(req, &self.proposed, &|p, s| {
                Some(self.proposed_actions[p][s].contains(a))
            })
            .decision,
        )
    }
}

fn resolve(patterns: &[String], variables: bool, ctx: &RequestContext) -> Vec<String> {
    patterns
        .iter()
        .map(|p| {
            Template::parse(p, variables)
                .resolve(ctx)
                .unwrap_or_else(|_| p.clone())
        })
        .collect()
}

fn scope_of(s: &Statement, variables: bool, ctx: &RequestContext) -> ResourceScope {
    match &s.resource {
        None => ResourceScope::Any,
        Some(r) if r.is_star() => ResourceScope::Any,
        Some(ResourceSpec::Resource(p)) => ResourceScope::Patterns(resolve(p, variables, ctx)),
        Some(ResourceSpec::NotResource(p)) => ResourceScope::Except(resolve(p, variables, ctx)),
    }
}

/// True when every action `p` names is one `spec` names.
fn action_inside(spec: &ActionSpec, p: &str) -> bool {
    let p = p.to_ascii_lowercase();
    let covers_pat = |q: &String| {
        let q = q.to_ascii_lowercase();
        if q.contains('?') {
            q == p
        } else {
            crate::glob::matches(&q, &p, false)
        }
    };
    match spec {
        ActionSpec::Action(qs) => qs.iter().any(covers_pat),
        ActionSpec::NotAction(qs) => {
            !crate::glob::has_wildcard(&p)
                && !qs
                    .iter()
                    .any(|q| crate::glob::matches(&q.to_ascii_lowercase(), &p, false))
        }
    }
}

/// Proves that the replacement allows nothing today's policies did not.
pub(crate) fn no_new_access(
    input: &ProposeInput<'_>,
    current: &[&PolicyDocument],
    replacement: &[PolicyDocument],
) -> SafetyCheck {
    let mut check = SafetyCheck::new();
    let ctx = Resolver::principal_context(input.principal);
    let held: Vec<(&Statement, bool)> = current
        .iter()
        .flat_map(|d| {
            let v = d.version.supports_variables();
            d.statements.iter().map(move |s| (s, v))
        })
        .collect();
    // every Deny held today stays
    for (s, _) in held.iter().filter(|(s, _)| s.effect == Effect::Deny) {
        check.checked += 1;
        let kept = replacement.iter().flat_map(|d| &d.statements).any(|t| {
            t.effect == Effect::Deny
                && t.action == s.action
                && t.resource == s.resource
                && t.conditions == s.conditions
        });
        if !kept {
            check.fail(Counterexample {
                action: s.action.patterns().join(", "),
                resource: s
                    .resource
                    .as_ref()
                    .map_or("*".into(), |r| r.patterns().join(", ")),
                current: Decision::ExplicitDeny.as_str().into(),
                proposed: "not denied".into(),
                detail: format!("the Deny in {} is missing from the replacement", s.label()),
            });
        }
    }
    for (d, doc) in replacement.iter().enumerate() {
        let variables = doc.version.supports_variables();
        for t in doc.statements.iter().filter(|t| t.effect == Effect::Allow) {
            let t_scope = scope_of(t, variables, &ctx);
            let inside = |s: &Statement, s_vars: bool, action: &str, res: &ResourceScope| {
                s.effect == Effect::Allow
                    && s.conditions.iter().all(|c| t.conditions.contains(c))
                    && match (&t.action, &s.action) {
                        (ActionSpec::NotAction(_), _) => t.action == s.action,
                        _ => action_inside(&s.action, action),
                    }
                    && match res {
                        ResourceScope::Except(_) => t.resource == s.resource,
                        _ => covers(&scope_of(s, s_vars, &ctx), res),
                    }
            };
            let resources: Vec<ResourceScope> = match &t_scope {
                ResourceScope::Patterns(p) => p
                    .iter()
                    .map(|r| ResourceScope::Patterns(vec![r.clone()]))
                    .collect(),
                other => vec![other.clone()],
            };
            let actions: Vec<String> = match &t.action {
                ActionSpec::Action(p) => p.clone(),
                ActionSpec::NotAction(_) => vec![String::new()],
            };
            for a in &actions {
                for r in &resources {
                    check.checked += 1;
                    if held.iter().any(|(s, v)| inside(s, *v, a, r)) {
                        continue;
                    }
                    let resource = match r {
                        ResourceScope::Patterns(p) => witness(&p[0]),
                        _ => "*".into(),
                    };
                    let shown = if a.is_empty() {
                        t.action.patterns().join(", ")
                    } else {
                        a.clone()
                    };
                    check.fail(Counterexample {
                        current: "no statement held today covers it".into(),
                        proposed: "allowed".into(),
                        detail: format!("{} of replacement document {}", t.label(), d + 1),
                        action: shown,
                        resource,
                    });
                }
            }
        }
    }
    // the evaluator, on a witness request per action named exactly
    let sides = Sides::new(input, current, replacement);
    for t in replacement
        .iter()
        .flat_map(|d| &d.statements)
        .filter(|t| t.effect == Effect::Allow)
    {
        let (ActionSpec::Action(actions), Some(ResourceSpec::Resource(res))) =
            (&t.action, &t.resource)
        else {
            continue;
        };
        for a in actions.iter().filter(|a| !crate::glob::has_wildcard(a)) {
            let Some(id) = input.catalog.lookup(a) else {
                continue;
            };
            for r in res {
                let w = witness(r);
                check.checked += 1;
                let (cur, new) = sides.decide(id, a, &w);
                if rank(new) > rank(cur) {
                    check.fail(Counterexample {
                        action: a.clone(),
                        resource: w,
                        current: cur.as_str().into(),
                        proposed: new.as_str().into(),
                        detail: format!("evaluated on {}", t.label()),
                    });
                }
            }
        }
    }
    check
}

/// Checks that every allowed call seen in the window is still allowed.
pub(crate) fn no_breakage(
    input: &ProposeInput<'_>,
    current: &[&PolicyDocument],
    replacement: &[PolicyDocument],
    plan: &Plan,
) -> SafetyCheck {
    let mut check = SafetyCheck::new();
    let sides = Sides::new(input, current, replacement);
    let catalog = input.catalog;
    for (a, r) in &plan.calls {
        let name = &catalog.action(*a).name;
        for w in witnesses(input, *a, r) {
            let (cur, new) = sides.decide(*a, name, &w);
            if rank(cur) == 0 {
                continue; // not allowed by the identity policies today
            }
            check.checked += 1;
            if rank(new) < rank(cur) {
                check.fail(Counterexample {
                    action: name.clone(),
                    resource: w,
                    current: cur.as_str().into(),
                    proposed: new.as_str().into(),
                    detail: if r == "*" {
                        "seen in the window on a resource the log does not name".into()
                    } else {
                        "seen in the window".into()
                    },
                });
            }
        }
    }
    check
}

/// The resources to evaluate a call on: the one the log names, or a witness for every resource
/// pattern that grants the permission today.
fn witnesses(input: &ProposeInput<'_>, a: ActionId, r: &str) -> Vec<String> {
    if r != "*" {
        return vec![r.to_string()];
    }
    let mut out: Vec<String> = Vec::new();
    for g in input
        .effective
        .grants
        .iter()
        .filter(|g| g.actions.contains(a))
    {
        match &g.resources {
            ResourceScope::Patterns(p) => out.extend(p.iter().map(|p| witness(p))),
            _ => out.push("*".into()),
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Checks that `doc` alone allows each of `calls` (a call whose log names no resource on `*`).
pub(crate) fn all_allowed(doc: &PolicyDocument, calls: &[(String, String)]) -> SafetyCheck {
    let mut check = SafetyCheck::new();
    let inputs = [SimulationInput {
        name: "generated",
        role: PolicyRole::Identity,
        document: doc,
    }];
    for (action, resource) in calls {
        check.checked += 1;
        let req = Request {
            action: action.clone(),
            resource: resource.clone(),
            context: RequestContext::default(),
        };
        let d = simulate(&req, &inputs).decision;
        if d != Decision::Allowed {
            check.fail(Counterexample {
                action: action.clone(),
                resource: resource.clone(),
                current: "allowed (seen in the window)".into(),
                proposed: d.as_str().into(),
                detail: "the generated policy".into(),
            });
        }
    }
    check
}
