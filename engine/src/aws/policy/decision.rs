//! The whole AWS authorization decision for one request, as the IAM User Guide's "Policy
//! evaluation logic" and "Cross-account policy evaluation logic" describe it: explicit denies in
//! any policy type, the organisation's SCPs (every level from the root to the account must allow)
//! and RCPs (with AWS's default full-access RCP at every level), resource-based policies (same
//! account: identity or resource policy may allow; cross-account: both), the permission boundary,
//! the session policy, the VPC endpoint policy, anonymous and service callers, and the documented
//! service rules (a KMS key needs its key policy, a role its trust policy; AWS-managed policies and
//! AWS-reserved roles cannot be changed). `docs/policy-semantics.md` lists each rule and its test.

use super::document::{PolicyDocument, PrincipalSpec, Statement};
use super::eval::{statement_applies, Decision, MatchedStatement, PolicyRole, Request};
use super::{Effect, Truth};
use serde::Serialize;
use std::collections::BTreeSet;

/// Who makes the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// An unauthenticated request.
    Anonymous,
    /// An IAM user, role (acting through a session), role session or account root.
    Iam {
        /// Its ARN (`arn:aws:iam::111122223333:role/app`, `…:user/alice`,
        /// `arn:aws:sts::111122223333:assumed-role/app/session`).
        arn: String,
        /// Its account.
        account: String,
    },
    /// An AWS service principal (`lambda.amazonaws.com`).
    Service(String),
}

impl Caller {
    /// The caller named by an IAM ARN or a service principal; `None` when `s` is neither.
    pub fn parse(s: &str) -> Option<Caller> {
        if !s.starts_with("arn:") && s.ends_with(".amazonaws.com") {
            return Some(Caller::Service(s.to_string()));
        }
        let arn = super::super::arn::Arn::parse(s)?;
        if !matches!(arn.service, "iam" | "sts") || arn.account.is_empty() {
            return None;
        }
        Some(Caller::Iam {
            arn: s.to_string(),
            account: arn.account.to_string(),
        })
    }

    /// The caller's account, for IAM callers.
    pub fn account(&self) -> Option<&str> {
        match self {
            Caller::Iam { account, .. } => Some(account),
            _ => None,
        }
    }

    /// A service-linked role (`role/aws-service-role/…`, or a session of one).
    fn service_linked(&self) -> bool {
        matches!(self, Caller::Iam { arn, .. } if arn.contains(":role/aws-service-role/")
            || arn.contains(":assumed-role/AWSServiceRoleFor"))
    }

    /// A user ARN or a role session ARN: what a same-account resource policy can name so that
    /// the boundary and session policy do not limit it (a role ARN does not).
    fn names_itself(&self) -> bool {
        matches!(self, Caller::Iam { arn, .. } if arn.contains(":user/") || arn.contains(":assumed-role/"))
    }

    /// The role ARN a session belongs to (`arn:aws:sts::A:assumed-role/r/s` → `arn:aws:iam::A:role/r`,
    /// path unknown: compared by name).
    fn session_role_name(&self) -> Option<(&str, &str)> {
        let Caller::Iam { arn, account } = self else {
            return None;
        };
        let rest = arn.split_once(":assumed-role/")?.1;
        let role = rest.split('/').next()?;
        Some((account.as_str(), role))
    }
}

/// How a resource-based policy statement's `Principal` names the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Naming {
    /// Not at all.
    No,
    /// By the user's or the role session's own ARN: the statement alone can grant, and (same
    /// account) neither the boundary nor a session policy limits it.
    Itself,
    /// As `*`, by the role a session belongs to, or as the service: the statement alone can
    /// grant, within the boundary and session policy.
    Directly,
    /// Through its account (`111122223333`, `arn:aws:iam::111122223333:root`): the account's
    /// identity policies must allow too.
    ViaAccount,
}

fn names(spec: &PrincipalSpec, caller: &Caller) -> Naming {
    let (map, negated) = match spec {
        PrincipalSpec::Principal(m) => (m, false),
        PrincipalSpec::NotPrincipal(m) => (m, true),
    };
    let mut best = Naming::No;
    for (kind, values) in map {
        for v in values {
            let hit = match (kind.as_str(), caller) {
                ("AWS", _) if v == "*" => Naming::Directly,
                ("AWS", Caller::Iam { arn, account }) => {
                    if v == account || *v == format!("arn:aws:iam::{account}:root") {
                        Naming::ViaAccount
                    } else if v == arn && caller.names_itself() {
                        Naming::Itself
                    } else if v == arn || role_of_session(v, caller) {
                        Naming::Directly
                    } else {
                        Naming::No
                    }
                }
                ("Service", Caller::Service(s)) if v == s => Naming::Directly,
                _ => Naming::No,
            };
            let rank = |n: Naming| match n {
                Naming::No => 0,
                Naming::ViaAccount => 1,
                Naming::Directly => 2,
                Naming::Itself => 3,
            };
            if rank(hit) > rank(best) {
                best = hit;
            }
        }
    }
    match (negated, best) {
        // NotPrincipal: everyone except those listed (an account listed excludes its principals)
        (true, Naming::No) => Naming::Directly,
        (true, _) => Naming::No,
        (false, b) => b,
    }
}

/// How a resource-policy statement's `Principal` names `caller`, in words: `itself` (its own
/// ARN), `directly` (`*`, its role, the service), `account` (through its account), or `None`.
pub fn naming(spec: &PrincipalSpec, caller: &Caller) -> Option<&'static str> {
    match names(spec, caller) {
        Naming::No => None,
        Naming::Itself => Some("itself"),
        Naming::Directly => Some("directly"),
        Naming::ViaAccount => Some("account"),
    }
}

/// True when `v` is the role ARN whose session the caller is (roles are compared by name: a
/// session ARN carries no path).
fn role_of_session(v: &str, caller: &Caller) -> bool {
    let Some((account, role)) = caller.session_role_name() else {
        return false;
    };
    v.starts_with(&format!("arn:aws:iam::{account}:role/")) && v.rsplit('/').next() == Some(role)
}

/// A policy type of the decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PolicyType {
    /// Identity-based policies of the caller.
    Identity,
    /// The resource's resource-based policy (bucket, key, queue, trust policy, …).
    Resource,
    /// Service control policies of the caller's organisation.
    Scp,
    /// Resource control policies of the resource's organisation.
    Rcp,
    /// The caller's permission boundary.
    Boundary,
    /// The session policy passed when the session was created.
    Session,
    /// The VPC endpoint policy the request went through.
    Endpoint,
}

impl PolicyType {
    /// Its name in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            PolicyType::Identity => "identity",
            PolicyType::Resource => "resource",
            PolicyType::Scp => "scp",
            PolicyType::Rcp => "rcp",
            PolicyType::Boundary => "boundary",
            PolicyType::Session => "session",
            PolicyType::Endpoint => "endpoint",
        }
    }
}

/// One named policy document of the chain.
#[derive(Debug, Clone, Copy)]
pub struct Named<'a> {
    /// A name for reports (file, policy name or ARN).
    pub name: &'a str,
    /// The document.
    pub document: &'a PolicyDocument,
}

/// Everything that takes part in the decision; absent parts take no part.
#[derive(Debug, Clone, Default)]
pub struct Chain<'a> {
    /// The caller (`None`: an IAM principal in the resource's account).
    pub caller: Option<Caller>,
    /// The account that owns the resource.
    pub resource_account: Option<String>,
    /// The caller's identity-based policies.
    pub identity: Vec<Named<'a>>,
    /// Its permission boundary.
    pub boundary: Option<Named<'a>>,
    /// The session policy.
    pub session: Option<Named<'a>>,
    /// SCP levels, root first, the account last: the documents attached at each level. Empty:
    /// no organisation in play.
    pub scps: Vec<Vec<Named<'a>>>,
    /// RCP levels, the same way; AWS's default full-access RCP is added to every level.
    pub rcps: Vec<Vec<Named<'a>>>,
    /// The resource-based policy.
    pub resource_policy: Option<Named<'a>>,
    /// The VPC endpoint policy.
    pub endpoint: Option<Named<'a>>,
    /// The caller's account is the organisation's management account (SCPs do not apply).
    pub management_account: bool,
}

/// The decision and why.
#[derive(Debug, Clone, Serialize)]
pub struct ChainDecision {
    /// The decision.
    pub decision: Decision,
    /// The policy types that denied, explicitly or by not allowing.
    pub blocked_by: Vec<PolicyType>,
    /// The statements that decided.
    pub deciding: Vec<MatchedStatement>,
    /// Context keys whose values would settle a conditional answer.
    pub unknown_keys: BTreeSet<String>,
    /// Why, in words.
    pub reason: String,
}

/// Services whose resources RCPs apply to (AWS Organizations User Guide, "Resource control
/// policies": S3, STS, KMS, SQS and Secrets Manager at launch; ECR and OpenSearch Serverless,
/// Cognito user pools and CloudWatch Logs, then DynamoDB added since).
pub(crate) const RCP_SERVICES: &[&str] = &[
    "s3",
    "sts",
    "kms",
    "sqs",
    "secretsmanager",
    "ecr",
    "aoss",
    "cognito-idp",
    "logs",
    "dynamodb",
];

/// Actions that change IAM policies or roles: refused on AWS-managed policies and AWS-reserved
/// roles whatever the policies say.
fn changes_iam_object(action: &str) -> bool {
    let a = action.to_ascii_lowercase();
    a.starts_with("iam:")
        && !a.starts_with("iam:get")
        && !a.starts_with("iam:list")
        && !a.starts_with("iam:simulate")
        && a != "iam:passrole"
}

struct Eval<'r> {
    req: &'r Request,
    unknown: BTreeSet<String>,
    matched: Vec<MatchedStatement>,
}

impl Eval<'_> {
    /// Whether `stmt` applies, recording it when it may.
    fn applies(&mut self, p: &Named<'_>, role: PolicyRole, s: &Statement) -> Truth {
        let vars = p.document.version.supports_variables();
        let t = statement_applies(s, vars, self.req, &mut self.unknown, None);
        if t != Truth::False {
            self.matched.push(MatchedStatement {
                policy: p.name.to_string(),
                role,
                index: s.index,
                sid: s.sid.clone(),
                effect: s.effect,
                applies: t,
                span: s.span.clone(),
            });
        }
        t
    }

    /// (any Allow, any Deny) of `docs`, statements filtered by `keep`.
    fn allow_deny(
        &mut self,
        docs: &[Named<'_>],
        role: PolicyRole,
        keep: &dyn Fn(&Statement) -> bool,
    ) -> (Truth, Truth) {
        let (mut allow, mut deny) = (Truth::False, Truth::False);
        for p in docs {
            for s in p.document.statements.iter().filter(|s| keep(s)) {
                let t = self.applies(p, role, s);
                match s.effect {
                    Effect::Allow => allow = allow.or(t),
                    Effect::Deny => deny = deny.or(t),
                }
            }
        }
        (allow, deny)
    }
}

/// Decides `req` under `chain`.
pub fn decide(req: &Request, chain: &Chain<'_>) -> ChainDecision {
    let mut e = Eval {
        req,
        unknown: BTreeSet::new(),
        matched: Vec::new(),
    };
    let resource_arn = super::super::arn::Arn::parse(&req.resource);
    let resource_account = chain.resource_account.clone().or_else(|| {
        resource_arn
            .as_ref()
            .map(|a| a.account.to_string())
            .filter(|a| !a.is_empty())
    });
    let caller = chain.caller.clone().unwrap_or_else(|| Caller::Iam {
        arn: format!(
            "arn:aws:iam::{}:role/caller",
            resource_account
                .clone()
                .unwrap_or_else(|| "000000000000".into())
        ),
        account: resource_account
            .clone()
            .unwrap_or_else(|| "000000000000".into()),
    });
    let same_account = match (caller.account(), &resource_account) {
        // AWS-managed policies (`arn:aws:iam::aws:policy/…`) are every account's to read
        (Some(_), Some(r)) if r == "aws" => true,
        (Some(c), Some(r)) => c == r,
        // a resource with no account in its ARN (S3) and none given: the caller's own
        (Some(_), None) => true,
        _ => false,
    };
    let is_iam = matches!(caller, Caller::Iam { .. });
    let any = |_: &Statement| true;
    let principal_named = |s: &Statement| -> Naming {
        s.principal
            .as_ref()
            .map_or(Naming::No, |p| names(p, &caller))
    };

    // every policy type, its allows and denies
    let identity = if is_iam {
        e.allow_deny(&chain.identity, PolicyRole::Identity, &any)
    } else {
        (Truth::False, Truth::False)
    };
    let boundary = chain
        .boundary
        .filter(|_| is_iam)
        .map(|b| e.allow_deny(&[b], PolicyRole::Boundary, &any));
    let session = chain
        .session
        .filter(|_| is_iam)
        .map(|s| e.allow_deny(&[s], PolicyRole::Session, &any));
    let (mut res_itself, mut res_direct, mut res_account, mut res_deny) =
        (Truth::False, Truth::False, Truth::False, Truth::False);
    if let Some(rp) = &chain.resource_policy {
        for s in &rp.document.statements {
            let how = principal_named(s);
            if how == Naming::No {
                continue;
            }
            let t = e.applies(rp, PolicyRole::Resource, s);
            match (s.effect, how) {
                (Effect::Deny, _) => res_deny = res_deny.or(t),
                (Effect::Allow, Naming::Itself) => res_itself = res_itself.or(t),
                (Effect::Allow, Naming::Directly) => res_direct = res_direct.or(t),
                (Effect::Allow, _) => res_account = res_account.or(t),
            }
        }
    }
    let endpoint = chain.endpoint.as_ref().map(|ep| {
        let keep = |s: &Statement| {
            s.principal
                .as_ref()
                .is_none_or(|p| names(p, &caller) != Naming::No)
        };
        e.allow_deny(std::slice::from_ref(ep), PolicyRole::Endpoint, &keep)
    });
    let scp_applies = is_iam && !chain.management_account && !caller.service_linked();
    let scps: Vec<(Truth, Truth)> = if scp_applies {
        chain
            .scps
            .iter()
            .map(|level| e.allow_deny(level, PolicyRole::Scp, &any))
            .collect()
    } else {
        Vec::new()
    };
    let service = req
        .action
        .split_once(':')
        .map_or("", |(s, _)| s)
        .to_ascii_lowercase();
    let rcp_applies = RCP_SERVICES.contains(&service.as_str()) && !caller.service_linked();
    let rcps: Vec<(Truth, Truth)> = if rcp_applies {
        chain
            .rcps
            .iter()
            // RCPFullAWSAccess at every level: each level allows; only denies can block
            .map(|level| (Truth::True, e.allow_deny(level, PolicyRole::Rcp, &any).1))
            .collect()
    } else {
        Vec::new()
    };

    // explicit denies first
    let mut denied_by = Vec::new();
    let mut deny = Truth::False;
    let mut note_deny = |t: Truth, ty: PolicyType, deny: &mut Truth| {
        if t != Truth::False {
            denied_by.push(ty);
        }
        *deny = deny.or(t);
    };
    note_deny(identity.1, PolicyType::Identity, &mut deny);
    note_deny(res_deny, PolicyType::Resource, &mut deny);
    if let Some((_, d)) = boundary {
        note_deny(d, PolicyType::Boundary, &mut deny);
    }
    if let Some((_, d)) = session {
        note_deny(d, PolicyType::Session, &mut deny);
    }
    if let Some((_, d)) = endpoint {
        note_deny(d, PolicyType::Endpoint, &mut deny);
    }
    for (_, d) in &scps {
        note_deny(*d, PolicyType::Scp, &mut deny);
    }
    for (_, d) in &rcps {
        note_deny(*d, PolicyType::Rcp, &mut deny);
    }
    denied_by.dedup();

    // what must allow
    let mut gates: Vec<(PolicyType, Truth)> = Vec::new();
    for (a, _) in &scps {
        gates.push((PolicyType::Scp, *a));
    }
    for (a, _) in &rcps {
        gates.push((PolicyType::Rcp, *a));
    }
    if let Some((a, _)) = endpoint {
        gates.push((PolicyType::Endpoint, a));
    }
    // AWS refuses changes to what it manages, whatever the policies say
    let aws_owned = req.resource.starts_with("arn:aws:iam::aws:policy/")
        || req.resource.contains(":role/aws-reserved/")
        || req.resource.contains(":role/aws-service-role/");
    if aws_owned && changes_iam_object(&req.action) {
        gates.push((PolicyType::Resource, Truth::False));
    }
    let boundary_ok = boundary.map_or(Truth::True, |(a, _)| a);
    let session_ok = session.map_or(Truth::True, |(a, _)| a);
    let identity_path = identity.0.and(boundary_ok).and(session_ok);
    // a resource policy naming a user or a role session itself is not limited by the boundary
    // or the session policy (same account); naming the role, `*` or the account is
    let direct_path = res_itself.or(res_direct.and(boundary_ok).and(session_ok));
    let res_direct = res_itself.or(res_direct);
    let needs_resource_policy = service == "kms" && req.resource.contains(":key/")
        || service == "sts"
            && req
                .action
                .to_ascii_lowercase()
                .starts_with("sts:assumerole");
    let granted = match (&caller, same_account) {
        (Caller::Anonymous | Caller::Service(_), _) => res_direct,
        // the key policy or the trust policy must let the account's IAM policies count
        (_, true) if needs_resource_policy => direct_path.or(res_account.and(identity_path)),
        (_, true) => identity_path.or(direct_path),
        (_, false) => identity_path.and(res_direct.or(res_account)),
    };

    let blocked = |denied: Vec<PolicyType>| {
        let mut b = denied;
        for (ty, t) in &gates {
            if *t == Truth::False {
                b.push(*ty);
            }
        }
        if granted != Truth::True {
            match (&caller, same_account) {
                (Caller::Iam { .. }, false) => {
                    if identity.0 == Truth::False {
                        b.push(PolicyType::Identity);
                    }
                    if res_direct.or(res_account) == Truth::False {
                        b.push(PolicyType::Resource);
                    }
                }
                (Caller::Iam { .. }, true) => {
                    if identity.0 == Truth::False && res_direct == Truth::False {
                        b.push(if needs_resource_policy {
                            PolicyType::Resource
                        } else {
                            PolicyType::Identity
                        });
                    } else if needs_resource_policy && direct_path.or(res_account) == Truth::False {
                        b.push(PolicyType::Resource);
                    }
                    if boundary_ok == Truth::False {
                        b.push(PolicyType::Boundary);
                    }
                    if session_ok == Truth::False {
                        b.push(PolicyType::Session);
                    }
                }
                _ => b.push(PolicyType::Resource),
            }
        }
        b.sort();
        b.dedup();
        b
    };
    let all_gates = gates.iter().fold(Truth::True, |acc, (_, t)| acc.and(*t));
    let allow = granted.and(all_gates);
    let (decision, reason) = if deny == Truth::True {
        (
            Decision::ExplicitDeny,
            "an explicit Deny matches".to_string(),
        )
    } else if allow == Truth::False {
        let why = if aws_owned && changes_iam_object(&req.action) {
            "AWS-managed policies and AWS-reserved roles cannot be changed".to_string()
        } else if needs_resource_policy && chain.resource_policy.is_none() {
            format!(
                "{} needs the resource's own policy (key policy or trust policy) to allow it",
                req.action
            )
        } else {
            match blocked(denied_by.clone()).first().copied() {
                Some(PolicyType::Scp) => "a service control policy level does not allow it".into(),
                Some(PolicyType::Endpoint) => "the VPC endpoint policy does not allow it".into(),
                Some(PolicyType::Identity) if same_account || !is_iam => {
                    "no identity-policy statement allows it".into()
                }
                Some(PolicyType::Boundary) => "the permission boundary does not allow it".into(),
                Some(PolicyType::Session) => "the session policy does not allow it".into(),
                _ if !same_account && is_iam => {
                    "cross-account: the caller's policies and the resource's policy must both allow it"
                        .into()
                }
                _ => "no policy allows it".to_string(),
            }
        };
        (Decision::ImplicitDeny, why)
    } else if allow == Truth::True && deny == Truth::False {
        (Decision::Allowed, "allowed".to_string())
    } else {
        (
            Decision::Conditional,
            "the decision depends on the request context".to_string(),
        )
    };
    let blocked_by = match decision {
        Decision::Allowed => Vec::new(),
        Decision::ExplicitDeny => {
            let mut d = denied_by;
            d.sort();
            d
        }
        _ => blocked(denied_by),
    };
    // the statements that decided: the denies that matched, the allows, or the uncertain ones
    let deciding = e
        .matched
        .into_iter()
        .filter(|m| match decision {
            Decision::ExplicitDeny => m.effect == Effect::Deny && m.applies == Truth::True,
            Decision::Allowed => m.effect == Effect::Allow && m.applies == Truth::True,
            Decision::Conditional => m.applies == Truth::Unknown || m.effect == Effect::Allow,
            Decision::ImplicitDeny => m.effect == Effect::Allow,
        })
        .collect();
    ChainDecision {
        decision,
        blocked_by,
        deciding,
        unknown_keys: e.unknown,
        reason,
    }
}

#[cfg(test)]
mod tests;
