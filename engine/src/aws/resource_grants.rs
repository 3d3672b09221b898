//! What resource-based policies grant, and to whom: each `Allow` statement of a bucket, key,
//! queue, topic, function, secret or repository policy, and of every role's trust policy, lowered
//! into a [`Grant`] per grantee it names. Effective permissions add the grants that reach a
//! principal of the snapshots on their own; guardrails see all of them (who outside the account
//! can reach what).

use super::arn::Arn;
use super::policy::{ActionSpec, Effect, PrincipalSpec, ResourceSpec, Statement};
use super::{Inventory, Policy};
use crate::catalog::AwsCatalog;
use crate::model::{Grant, PolicyKind, ResourceScope};
use std::collections::BTreeSet;

/// Who a statement's `Principal` names.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Grantee {
    /// An IAM user, role, role session or federated user, by ARN (`account` from the ARN; none
    /// for a unique id such as `AROA…`).
    Principal {
        /// The ARN as written.
        arn: String,
        /// Its account.
        account: Option<String>,
    },
    /// An account (`111122223333`, `arn:aws:iam::111122223333:root`): its identity policies decide.
    Account(String),
    /// `*`, `{"AWS": "*"}`, or `NotPrincipal` with `Allow` (everyone but those listed).
    Anyone,
    /// A service principal (`sns.amazonaws.com`).
    Service(String),
    /// A web identity or SAML provider (`Federated`).
    Federated(String),
    /// An S3 canonical user id.
    CanonicalUser(String),
}

impl Grantee {
    /// `principal`, `account`, `anyone`, `service`, `federated` or `canonical-user`.
    pub fn kind(&self) -> &'static str {
        match self {
            Grantee::Principal { .. } => "principal",
            Grantee::Account(_) => "account",
            Grantee::Anyone => "anyone",
            Grantee::Service(_) => "service",
            Grantee::Federated(_) => "federated",
            Grantee::CanonicalUser(_) => "canonical-user",
        }
    }

    /// Its id in reports: the ARN, `arn:aws:iam::A:root` for an account, `*`, the service or
    /// provider name.
    pub fn id(&self) -> String {
        match self {
            Grantee::Principal { arn, .. } => arn.clone(),
            Grantee::Account(a) => format!("arn:aws:iam::{a}:root"),
            Grantee::Anyone => "*".to_string(),
            Grantee::Service(s) | Grantee::Federated(s) | Grantee::CanonicalUser(s) => s.clone(),
        }
    }

    /// The account it belongs to, when it names one.
    pub fn account(&self) -> Option<&str> {
        match self {
            Grantee::Principal { account, .. } => account.as_deref(),
            Grantee::Account(a) => Some(a),
            _ => None,
        }
    }

    fn parse(kind: &str, value: &str) -> Grantee {
        match kind {
            "AWS" if value == "*" => Grantee::Anyone,
            "AWS" if value.len() == 12 && value.bytes().all(|b| b.is_ascii_digit()) => {
                Grantee::Account(value.to_string())
            }
            "AWS" => match Arn::parse(value) {
                Some(a) if a.service == "iam" && a.resource == "root" => {
                    Grantee::Account(a.account.to_string())
                }
                Some(a) => Grantee::Principal {
                    arn: value.to_string(),
                    account: (!a.account.is_empty()).then(|| a.account.to_string()),
                },
                None => Grantee::Principal {
                    arn: value.to_string(),
                    account: None,
                },
            },
            "Service" => Grantee::Service(value.to_string()),
            "Federated" => Grantee::Federated(value.to_string()),
            _ => Grantee::CanonicalUser(value.to_string()),
        }
    }
}

/// One grantee's grant from one resource-policy statement.
#[derive(Debug, Clone)]
pub struct ResourceGrant {
    /// The resource whose policy it is (a role's ARN for its trust policy).
    pub resource: String,
    /// The account that owns the resource, when known (see [`owner`]).
    pub owner: Option<String>,
    /// Who the statement names.
    pub grantee: Grantee,
    /// The grant: actions within the resource's service, resources (`*` is the resource itself),
    /// conditions verbatim, origin (kind `resource-based` or `trust`).
    pub grant: Grant,
}

impl ResourceGrant {
    /// True when the grantee is outside the resource's account: anyone, or a principal or account
    /// of another account. With the owner unknown, "another account" is one that none of the
    /// snapshots' principals belong to.
    pub fn cross_account(&self, accounts: &BTreeSet<&str>) -> bool {
        match (&self.grantee, self.grantee.account(), &self.owner) {
            (Grantee::Anyone, _, _) => true,
            (_, Some(a), Some(owner)) => a != owner,
            (_, Some(a), None) => !accounts.contains(a),
            _ => false,
        }
    }
}

/// The principal of `inv` a same-account grant names by ARN, on its own (no identity policy
/// needed), and whether it names a session of that role rather than the role (then the role's
/// boundary does not apply). `None` for other grantees, other accounts, unknown principals.
pub fn names_on_its_own<'i>(
    inv: &'i Inventory,
    rg: &ResourceGrant,
) -> Option<(&'i crate::model::Principal, bool)> {
    let Grantee::Principal {
        arn,
        account: Some(account),
    } = &rg.grantee
    else {
        return None;
    };
    if rg.owner.as_ref() != Some(account) {
        return None; // cross-account: the caller's own policies must allow too
    }
    if let Some(p) = inv.principal(arn) {
        return Some((p, false));
    }
    // arn:aws:sts::A:assumed-role/NAME/SESSION → the role NAME of account A
    let name = arn
        .split_once(":assumed-role/")
        .and_then(|(_, rest)| rest.split('/').next())?;
    inv.principals
        .iter()
        .find(|p| {
            p.kind == crate::model::PrincipalKind::Role && p.name == name && &p.scope == account
        })
        .map(|p| (p, true))
}

/// True when the grant only hands the decision to the owner account's own identity policies (a
/// statement naming its own account): it grants nobody anything by itself.
pub fn delegates_to_owner(rg: &ResourceGrant) -> bool {
    matches!(&rg.grantee, Grantee::Account(a) if rg.owner.as_ref() == Some(a))
}

/// The account that owns `arn`: its account field, else what the snapshot recorded (an AWS
/// Config item's `awsAccountId`), else the snapshots' only account.
pub fn owner(inv: &Inventory, arn: &str) -> Option<String> {
    if let Some(a) = Arn::parse(arn).filter(|a| !a.account.is_empty()) {
        return Some(a.account.to_string());
    }
    if let Some(a) = inv.resource_owners.get(arn) {
        return Some(a.clone());
    }
    let mut accounts = inv.principals.iter().map(|p| p.scope.as_str());
    let first = accounts.next()?;
    accounts.all(|a| a == first).then(|| first.to_string())
}

/// The service whose actions a policy on `arn` can grant: the ARN's service; `sts` for a role's
/// (trust) policy.
fn service_of(arn: &str, kind: PolicyKind) -> Option<String> {
    if kind == PolicyKind::Trust {
        return Some("sts".into());
    }
    let a = Arn::parse(arn)?;
    if a.service == "iam" && a.resource.starts_with("role/") {
        return Some("sts".into());
    }
    Some(a.service.to_string())
}

/// Every grant of the snapshots' resource policies and, with `trust`, of their roles' trust
/// policies.
pub fn resource_grants(inv: &Inventory, catalog: &AwsCatalog, trust: bool) -> Vec<ResourceGrant> {
    let mut out = Vec::new();
    for (arn, policy) in &inv.resource_policies {
        lower(inv, catalog, arn, policy, &mut out);
    }
    if trust {
        for role in &inv.principals {
            if let Some(p) = role.trust_policy.as_ref().and_then(|t| inv.policies.get(t)) {
                lower(inv, catalog, &role.id, p, &mut out);
            }
        }
    }
    out
}

fn lower(
    inv: &Inventory,
    catalog: &AwsCatalog,
    arn: &str,
    policy: &Policy,
    out: &mut Vec<ResourceGrant>,
) {
    let Some(service) = service_of(arn, policy.kind).and_then(|s| catalog.service(&s)) else {
        return;
    };
    let mut within = catalog.empty_set();
    for a in catalog.service_actions(service) {
        within.insert(a);
    }
    let owner = owner(inv, arn);
    for s in policy
        .document
        .statements
        .iter()
        .filter(|s| s.effect == Effect::Allow)
    {
        let grantees = grantees(s);
        if grantees.is_empty() {
            continue;
        }
        let grant = statement_grant(catalog, arn, policy, s, &within);
        if grant.actions.is_empty() {
            continue;
        }
        out.extend(grantees.into_iter().map(|grantee| ResourceGrant {
            resource: arn.to_string(),
            owner: owner.clone(),
            grantee,
            grant: grant.clone(),
        }));
    }
}

/// Who an `Allow` statement names, deduplicated.
fn grantees(s: &Statement) -> BTreeSet<Grantee> {
    match &s.principal {
        Some(PrincipalSpec::Principal(map)) => map
            .iter()
            .flat_map(|(k, vs)| vs.iter().map(move |v| Grantee::parse(k, v)))
            .collect(),
        // everyone except those listed
        Some(PrincipalSpec::NotPrincipal(_)) => BTreeSet::from([Grantee::Anyone]),
        None => BTreeSet::new(),
    }
}

fn statement_grant(
    catalog: &AwsCatalog,
    arn: &str,
    policy: &Policy,
    s: &Statement,
    within: &crate::catalog::ActionSet,
) -> Grant {
    let mut actions = catalog.empty_set();
    for p in s.action.patterns() {
        actions.union_with(&catalog.expand(p));
    }
    if matches!(s.action, ActionSpec::NotAction(_)) {
        actions = actions.complement(catalog.len());
    }
    actions.intersect_with(within);
    // in a resource policy `*` (or no Resource, as in a trust policy) is the resource itself
    let resources = match &s.resource {
        Some(r) if !r.is_star() => match r {
            ResourceSpec::Resource(p) => ResourceScope::Patterns(p.clone()),
            ResourceSpec::NotResource(p) => ResourceScope::Except(p.clone()),
        },
        _ => ResourceScope::Patterns(vec![arn.to_string()]),
    };
    Grant {
        via_wildcard: matches!(s.action, ActionSpec::NotAction(_))
            || s.action.patterns().iter().any(|p| p.contains(['*', '?'])),
        actions,
        action_spec: s.action.lower(),
        resources,
        conditional: !s.conditions.is_empty(),
        conditions: s.conditions.iter().map(|c| c.lower()).collect(),
        origin: crate::aws::statement_origin(
            (arn, &policy.name, policy.kind),
            None,
            &policy.location,
            "",
            s,
        ),
        limits: Vec::new(),
    }
}
