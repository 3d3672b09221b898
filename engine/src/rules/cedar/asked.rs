//! What a guardrail asks about: which Cedar action it is written for (holdings, events, GCP
//! bindings, Azure role assignments), and the permissions it asks a binding's or assignment's
//! `context.permissions` about — the only ones whittle needs to put there.

use cedar_policy::{ActionConstraint, Policy};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeSet;

/// The requests a rule is asked about, from its action constraint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Asks {
    /// `hold` or `blocked`: AWS holdings.
    Holdings,
    /// `use`: events an ingest adds (alert rules).
    Events,
    /// `bind`: GCP bindings.
    GcpBindings,
    /// `assign`: Azure role assignments.
    AzureAssignments,
    /// Any action, or a list: asked everywhere, Cedar decides.
    Any,
}

impl Asks {
    /// What `policy`'s action constraint names.
    pub fn of(policy: &Policy) -> Asks {
        match policy.action_constraint() {
            ActionConstraint::Eq(a) => match a.id().unescaped() {
                "use" => Asks::Events,
                "bind" => Asks::GcpBindings,
                "assign" => Asks::AzureAssignments,
                _ => Asks::Holdings,
            },
            _ => Asks::Any,
        }
    }

    /// True when the rule is asked about AWS holdings.
    pub fn holdings(self) -> bool {
        matches!(self, Asks::Holdings | Asks::Any)
    }

    /// True when the rule is asked about GCP bindings.
    pub fn gcp(self) -> bool {
        matches!(self, Asks::GcpBindings | Asks::Any)
    }

    /// True when the rule is asked about Azure role assignments.
    pub fn azure(self) -> bool {
        matches!(self, Asks::AzureAssignments | Asks::Any)
    }
}

/// The string literals `policy` tests `context.permissions` for: `context.permissions
/// .contains("x")`, `.containsAny(["x", "y"])`, `.containsAll([…])`, either way round.
pub fn asked_permissions(policy: &Policy) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    if let Ok(json) = policy.to_json() {
        walk(&json, &mut out);
    }
    out
}

fn is_context_permissions(e: &Value) -> bool {
    e.get(".").is_some_and(|d| {
        d.get("attr").and_then(Value::as_str) == Some("permissions")
            && d.get("left")
                .and_then(|l| l.get("Var"))
                .and_then(Value::as_str)
                == Some("context")
    })
}

fn strings(e: &Value, out: &mut BTreeSet<String>) {
    if let Some(s) = e.get("Value").and_then(Value::as_str) {
        out.insert(s.to_string());
    }
    for item in e.get("Set").and_then(Value::as_array).into_iter().flatten() {
        strings(item, out);
    }
}

fn walk(e: &Value, out: &mut BTreeSet<String>) {
    match e {
        Value::Object(m) => {
            for op in ["contains", "containsAny", "containsAll"] {
                let Some(x) = m.get(op) else { continue };
                let (left, right) = (x.get("left"), x.get("right"));
                if left.is_some_and(is_context_permissions) {
                    right.into_iter().for_each(|r| strings(r, out));
                } else if right.is_some_and(is_context_permissions) {
                    left.into_iter().for_each(|l| strings(l, out));
                }
            }
            m.values().for_each(|v| walk(v, out));
        }
        Value::Array(a) => a.iter().for_each(|v| walk(v, out)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cedar_policy::PolicyId;

    fn policy(text: &str) -> Policy {
        #[allow(clippy::unwrap_used)]
        Policy::parse(Some(PolicyId::new("p")), text).unwrap()
    }

    #[test]
    fn the_permissions_a_rule_asks_about_are_read_from_its_conditions() {
        let p = policy(
            r#"forbid (principal, action == Guard::Action::"bind", resource)
            when { context.permissions.contains("iam.serviceAccounts.actAs")
                || context.permissions.containsAny(["iam.serviceAccounts.signBlob", "iam.serviceAccountKeys.create"])
                || ["iam.serviceAccounts.getAccessToken"].containsAll(context.permissions) }
            unless { context.scope == "projects/sandbox" && principal.member like "*@example.com" };"#,
        );
        let asked: Vec<String> = asked_permissions(&p).into_iter().collect();
        assert_eq!(
            asked,
            [
                "iam.serviceAccountKeys.create",
                "iam.serviceAccounts.actAs",
                "iam.serviceAccounts.getAccessToken",
                "iam.serviceAccounts.signBlob"
            ]
        );
        assert_eq!(Asks::of(&p), Asks::GcpBindings);
    }

    #[test]
    fn each_action_is_asked_about_its_own_requests() {
        let of = |a: &str| {
            Asks::of(&policy(&format!(
                "forbid (principal, action == Guard::Action::\"{a}\", resource);"
            )))
        };
        assert_eq!(of("hold"), Asks::Holdings);
        assert_eq!(of("blocked"), Asks::Holdings);
        assert_eq!(of("use"), Asks::Events);
        assert_eq!(of("assign"), Asks::AzureAssignments);
        let any = Asks::of(&policy("forbid (principal, action, resource);"));
        assert!(any.holdings() && any.gcp() && any.azure());
        assert!(!Asks::GcpBindings.holdings() && !Asks::Events.gcp());
    }
}
