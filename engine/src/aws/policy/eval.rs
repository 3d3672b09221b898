//! Evaluation of a request against identity policies and a permission boundary, following the AWS
//! policy evaluation logic: an explicit deny wins, an allow is required, a boundary must allow too.

use super::condition::RequestContext;
use super::document::{ActionSpec, Effect, PolicyDocument, ResourceSpec, Statement};
use super::variables::{Template, Unresolved};
use super::Truth;
use crate::glob;
use serde::Serialize;
use std::collections::BTreeSet;
use std::ops::Range;

/// A request to evaluate: one action on one resource, with what is known of the context.
#[derive(Debug, Clone)]
pub struct Request {
    /// The IAM action (`s3:GetObject`), case-insensitive.
    pub action: String,
    /// The resource ARN, or `*`.
    pub resource: String,
    /// Condition keys and values.
    pub context: RequestContext,
}

/// How a policy takes part in the decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PolicyRole {
    /// An identity-based policy (inline or managed, own or via a group).
    Identity,
    /// A permission boundary: caps what identity policies can allow.
    Boundary,
    /// A session policy.
    Session,
    /// A resource-based policy.
    Resource,
    /// A VPC endpoint policy.
    Endpoint,
    /// A service control policy.
    Scp,
    /// A resource control policy.
    Rcp,
}

impl PolicyRole {
    /// Its name in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            PolicyRole::Identity => "identity",
            PolicyRole::Boundary => "boundary",
            PolicyRole::Session => "session",
            PolicyRole::Resource => "resource",
            PolicyRole::Endpoint => "endpoint",
            PolicyRole::Scp => "scp",
            PolicyRole::Rcp => "rcp",
        }
    }
}

/// One policy given to [`simulate`].
#[derive(Debug, Clone, Copy)]
pub struct SimulationInput<'a> {
    /// A name for reports (file, policy name or ARN).
    pub name: &'a str,
    /// Its role in the decision.
    pub role: PolicyRole,
    /// The document.
    pub document: &'a PolicyDocument,
}

/// The outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Decision {
    /// Allowed, whatever the unknown context.
    Allowed,
    /// A `Deny` statement matched.
    ExplicitDeny,
    /// No statement allows it (or the boundary does not).
    ImplicitDeny,
    /// The answer depends on context that was not supplied.
    Conditional,
}

impl Decision {
    /// Lower-case name for text output.
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Allowed => "allowed",
            Decision::ExplicitDeny => "denied (explicit deny)",
            Decision::ImplicitDeny => "denied (no statement allows it)",
            Decision::Conditional => "conditional",
        }
    }
}

/// A statement that took part in the decision.
#[derive(Debug, Clone, Serialize)]
pub struct MatchedStatement {
    /// The policy's name.
    pub policy: String,
    /// The policy's role.
    pub role: PolicyRole,
    /// Statement index.
    pub index: usize,
    /// Sid.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    /// Effect.
    pub effect: Effect,
    /// Whether it applies to the request.
    pub applies: Truth,
    /// Byte span in the policy's source.
    #[serde(skip)]
    pub span: Option<Range<usize>>,
}

/// The result of [`simulate`].
#[derive(Debug, Clone, Serialize)]
pub struct Simulation {
    /// The decision.
    pub decision: Decision,
    /// The statements that decided it: the matching denies, the allows, or the conditional ones.
    pub deciding: Vec<MatchedStatement>,
    /// Context keys whose values would settle a conditional answer.
    pub unknown_keys: BTreeSet<String>,
    /// Why, in words.
    pub reason: String,
}

/// Whether `stmt` applies to `req` (action, resource and conditions).
/// Whether `stmt` applies to `req` (action, resource and conditions); the action test is
/// skipped when `action` already answers it.
pub(super) fn statement_applies(
    stmt: &Statement,
    variables: bool,
    req: &Request,
    unknown: &mut BTreeSet<String>,
    action: Option<bool>,
) -> Truth {
    let action_hit = |pats: &[String]| pats.iter().any(|p| glob::matches(p, &req.action, true));
    let action = action.unwrap_or_else(|| match &stmt.action {
        ActionSpec::Action(p) => action_hit(p),
        ActionSpec::NotAction(p) => !action_hit(p),
    });
    if !action {
        return Truth::False;
    }
    let resource = match &stmt.resource {
        None => Truth::True,
        Some(spec) => {
            let any = resource_matches(spec.patterns(), variables, req, unknown);
            match spec {
                ResourceSpec::Resource(_) => any,
                ResourceSpec::NotResource(_) => any.negate(),
            }
        }
    };
    if resource == Truth::False {
        return Truth::False;
    }
    let mut cond = Truth::True;
    for c in &stmt.conditions {
        cond = cond.and(c.evaluate(&req.context, variables, unknown));
        if cond == Truth::False {
            return Truth::False;
        }
    }
    resource.and(cond)
}

fn resource_matches(
    patterns: &[String],
    variables: bool,
    req: &Request,
    unknown: &mut BTreeSet<String>,
) -> Truth {
    let mut out = Truth::False;
    for p in patterns {
        if !p.contains('$') {
            // no policy variable: a plain glob, matched without allocating
            if glob::matches(p, &req.resource, false) {
                return Truth::True;
            }
            continue;
        }
        let t = match Template::parse(p, variables).resolve_pattern(&req.context) {
            Ok(toks) => Truth::of(glob::matches_toks(&toks, &req.resource, false)),
            Err(Unresolved::Absent(_)) => Truth::False,
            Err(Unresolved::Unknown(k)) => {
                unknown.insert(k);
                Truth::Unknown
            }
        };
        out = out.or(t);
        if out == Truth::True {
            break;
        }
    }
    out
}

/// Evaluates `req` against `policies`.
pub fn simulate(req: &Request, policies: &[SimulationInput<'_>]) -> Simulation {
    simulate_knowing(req, policies, &|_, _| None)
}

/// [`simulate`] when the caller already knows which statements name the request's action:
/// `names_action(policy, statement)` answers (by index), or `None` to match the patterns. Many
/// evaluations of one principal's policies answer it from precomputed action sets.
pub fn simulate_knowing(
    req: &Request,
    policies: &[SimulationInput<'_>],
    names_action: &dyn Fn(usize, usize) -> Option<bool>,
) -> Simulation {
    let mut unknown = BTreeSet::new();
    let mut matched = Vec::new();
    for (pi, p) in policies.iter().enumerate() {
        let vars = p.document.version.supports_variables();
        for (si, s) in p.document.statements.iter().enumerate() {
            let known = names_action(pi, si);
            if known == Some(false) {
                continue;
            }
            let applies = statement_applies(s, vars, req, &mut unknown, known);
            if applies != Truth::False {
                matched.push(MatchedStatement {
                    policy: p.name.to_string(),
                    role: p.role,
                    index: s.index,
                    sid: s.sid.clone(),
                    effect: s.effect,
                    applies,
                    span: s.span.clone(),
                });
            }
        }
    }
    let any = |pred: &dyn Fn(&MatchedStatement) -> bool| {
        matched
            .iter()
            .filter(|m| pred(m))
            .fold(Truth::False, |acc, m| acc.or(m.applies))
    };
    let deny = any(&|m| m.effect == Effect::Deny);
    let identity_allow = any(&|m| m.effect == Effect::Allow && m.role == PolicyRole::Identity);
    let has_boundary = policies.iter().any(|p| p.role == PolicyRole::Boundary);
    let boundary_allow = if has_boundary {
        any(&|m| m.effect == Effect::Allow && m.role == PolicyRole::Boundary)
    } else {
        Truth::True
    };
    let pick = |pred: &dyn Fn(&MatchedStatement) -> bool| {
        matched
            .iter()
            .filter(|m| pred(m))
            .cloned()
            .collect::<Vec<_>>()
    };
    let (decision, deciding, reason) = if deny == Truth::True {
        (
            Decision::ExplicitDeny,
            pick(&|m| m.effect == Effect::Deny && m.applies == Truth::True),
            "an explicit Deny matches".to_string(),
        )
    } else if identity_allow == Truth::False {
        (
            Decision::ImplicitDeny,
            Vec::new(),
            "no identity-policy statement allows it".to_string(),
        )
    } else if boundary_allow == Truth::False {
        (
            Decision::ImplicitDeny,
            Vec::new(),
            "the permission boundary does not allow it".to_string(),
        )
    } else if identity_allow == Truth::True && boundary_allow == Truth::True && deny == Truth::False
    {
        (
            Decision::Allowed,
            pick(&|m| m.effect == Effect::Allow && m.applies == Truth::True),
            "allowed".to_string(),
        )
    } else {
        let reason = if deny == Truth::Unknown {
            "a Deny may match depending on the request context"
        } else {
            "the allow depends on the request context"
        };
        (
            Decision::Conditional,
            pick(&|m| m.applies == Truth::Unknown || m.effect == Effect::Allow),
            reason.to_string(),
        )
    };
    Simulation {
        decision,
        deciding,
        unknown_keys: unknown,
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::super::document::DocumentKind;
    use super::*;

    fn doc(text: &str) -> PolicyDocument {
        PolicyDocument::parse(text, DocumentKind::Identity).expect("valid test policy")
    }

    fn req(action: &str, resource: &str, ctx: &[(&str, &str)], complete: bool) -> Request {
        let mut context = RequestContext::default();
        context.complete = complete;
        for (k, v) in ctx {
            context.insert(k, v);
        }
        Request {
            action: action.into(),
            resource: resource.into(),
            context,
        }
    }

    fn decide(docs: &[(&PolicyDocument, PolicyRole)], r: &Request) -> Decision {
        let inputs: Vec<_> = docs
            .iter()
            .map(|(d, role)| SimulationInput {
                name: "p",
                role: *role,
                document: d,
            })
            .collect();
        simulate(r, &inputs).decision
    }

    #[test]
    fn not_action_with_allow_grants_everything_else() {
        let d = doc(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}]}"#,
        );
        let id = [(&d, PolicyRole::Identity)];
        assert_eq!(
            decide(&id, &req("s3:PutObject", "arn:aws:s3:::b/k", &[], true)),
            Decision::Allowed
        );
        assert_eq!(
            decide(&id, &req("IAM:CreateUser", "*", &[], true)),
            Decision::ImplicitDeny
        );
    }

    #[test]
    fn deny_with_not_resource_and_explicit_deny_wins() {
        let d = doc(r#"{"Version":"2012-10-17","Statement":[
            {"Effect":"Allow","Action":"s3:*","Resource":"*"},
            {"Effect":"Deny","Action":"s3:*","NotResource":["arn:aws:s3:::allowed","arn:aws:s3:::allowed/*"]}]}"#);
        let id = [(&d, PolicyRole::Identity)];
        assert_eq!(
            decide(
                &id,
                &req("s3:GetObject", "arn:aws:s3:::allowed/x", &[], true)
            ),
            Decision::Allowed
        );
        assert_eq!(
            decide(&id, &req("s3:GetObject", "arn:aws:s3:::other/x", &[], true)),
            Decision::ExplicitDeny
        );
    }

    #[test]
    fn boundaries_intersect() {
        let id = doc(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:*","iam:*"],"Resource":"*"}]}"#,
        );
        let b = doc(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:*","ec2:*"],"Resource":"*"}]}"#,
        );
        let both = [(&id, PolicyRole::Identity), (&b, PolicyRole::Boundary)];
        assert_eq!(
            decide(&both, &req("s3:GetObject", "*", &[], true)),
            Decision::Allowed
        );
        assert_eq!(
            decide(&both, &req("iam:CreateUser", "*", &[], true)),
            Decision::ImplicitDeny,
            "boundary blocks"
        );
        assert_eq!(
            decide(&both, &req("ec2:RunInstances", "*", &[], true)),
            Decision::ImplicitDeny,
            "boundary grants nothing"
        );
    }

    #[test]
    fn star_matches_across_arn_segments_and_case_rules() {
        let d = doc(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"S3:get*","Resource":"arn:aws:s3:::data-*"}]}"#,
        );
        let id = [(&d, PolicyRole::Identity)];
        assert_eq!(
            decide(
                &id,
                &req(
                    "s3:GetObject",
                    "arn:aws:s3:::data-lake/2026/01/x.parquet",
                    &[],
                    true
                )
            ),
            Decision::Allowed
        );
        assert_eq!(
            decide(
                &id,
                &req("s3:GetObject", "arn:aws:s3:::Data-lake/x", &[], true)
            ),
            Decision::ImplicitDeny,
            "ARNs are case-sensitive"
        );
        let q = doc(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/?"}]}"#,
        );
        let id = [(&q, PolicyRole::Identity)];
        assert_eq!(
            decide(&id, &req("s3:GetObject", "arn:aws:s3:::b/a", &[], true)),
            Decision::Allowed
        );
        assert_eq!(
            decide(&id, &req("s3:GetObject", "arn:aws:s3:::b/ab", &[], true)),
            Decision::ImplicitDeny
        );
    }

    #[test]
    fn variables_in_resources_follow_the_version() {
        let v2012 = doc(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::home/${aws:username}/*"}]}"#,
        );
        let id = [(&v2012, PolicyRole::Identity)];
        assert_eq!(
            decide(
                &id,
                &req(
                    "s3:GetObject",
                    "arn:aws:s3:::home/alice/f",
                    &[("aws:username", "alice")],
                    true
                )
            ),
            Decision::Allowed
        );
        assert_eq!(
            decide(
                &id,
                &req(
                    "s3:GetObject",
                    "arn:aws:s3:::home/bob/f",
                    &[("aws:username", "alice")],
                    true
                )
            ),
            Decision::ImplicitDeny
        );
        assert_eq!(
            decide(
                &id,
                &req("s3:GetObject", "arn:aws:s3:::home/alice/f", &[], false)
            ),
            Decision::Conditional
        );
        let v2008 = doc(
            r#"{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::home/${aws:username}/*"}]}"#,
        );
        let id = [(&v2008, PolicyRole::Identity)];
        assert_eq!(
            decide(
                &id,
                &req(
                    "s3:GetObject",
                    "arn:aws:s3:::home/alice/f",
                    &[("aws:username", "alice")],
                    true
                )
            ),
            Decision::ImplicitDeny
        );
        assert_eq!(
            decide(
                &id,
                &req(
                    "s3:GetObject",
                    "arn:aws:s3:::home/${aws:username}/f",
                    &[],
                    true
                )
            ),
            Decision::Allowed
        );
    }

    #[test]
    fn unknown_context_is_conditional_never_allowed() {
        let d = doc(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:*","Resource":"*","Condition":{"StringEquals":{"aws:RequestedRegion":"eu-west-1"}}}]}"#,
        );
        let id = [(&d, PolicyRole::Identity)];
        let r = req("ec2:RunInstances", "*", &[], false);
        let inputs = [SimulationInput {
            name: "p",
            role: PolicyRole::Identity,
            document: &d,
        }];
        let sim = simulate(&r, &inputs);
        assert_eq!(sim.decision, Decision::Conditional);
        assert!(sim.unknown_keys.contains("aws:RequestedRegion"));
        assert_eq!(
            decide(
                &id,
                &req(
                    "ec2:RunInstances",
                    "*",
                    &[("aws:RequestedRegion", "eu-west-1")],
                    false
                )
            ),
            Decision::Allowed
        );
        assert_eq!(
            decide(
                &id,
                &req(
                    "ec2:RunInstances",
                    "*",
                    &[("aws:RequestedRegion", "us-east-1")],
                    false
                )
            ),
            Decision::ImplicitDeny
        );
        // an unknown deny makes an allow conditional
        let dd = doc(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}}]}"#,
        );
        let id = [(&dd, PolicyRole::Identity)];
        assert_eq!(
            decide(&id, &req("s3:ListBucket", "*", &[], false)),
            Decision::Conditional
        );
        assert_eq!(
            decide(&id, &req("s3:ListBucket", "*", &[], true)),
            Decision::ExplicitDeny,
            "IfExists with absent key holds"
        );
        assert_eq!(
            decide(
                &id,
                &req(
                    "s3:ListBucket",
                    "*",
                    &[("aws:MultiFactorAuthPresent", "true")],
                    true
                )
            ),
            Decision::Allowed
        );
    }
}
