//! Evaluating a rule set over an inventory: one Cedar request per (principal, held permission,
//! grant), only where some rule's resource scope can match, against a policy set sliced to those
//! rules; then exemptions, expiry, and the TOML unused-permission rules.

use super::diags::Problem;
use super::toml_rules::{ItemSource, Keep};
use super::{RuleDiagnostic, RuleSet};
use crate::aws::resource_grants::{delegates_to_owner, names_on_its_own, Grantee, ResourceGrant};
use crate::aws::Inventory;
use crate::catalog::{ActionId, AwsCatalog};
use crate::effective::{resolve_all, EffectiveGrant};
use crate::model::time::{day_of, iso, Epoch};
use crate::model::{
    Evidence, Finding, Logging, Principal, PrincipalKind, Question, ResourceScope, Severity,
    UsageFacts, Vouch,
};
use cedar_policy::{
    Authorizer, Context, Decision, Entities, Entity, EntityUid, Policy, PolicyId, PolicySet,
    Request, RestrictedExpression,
};
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::str::FromStr;

/// Inputs of an evaluation.
pub struct CheckInput<'a> {
    /// Who holds what.
    pub inventory: &'a Inventory,
    /// The action catalog.
    pub catalog: &'a AwsCatalog,
    /// Observed usage, when a store was given.
    pub usage: Option<&'a UsageFacts>,
    /// "Now" (rules have no clock).
    pub now: Epoch,
    /// Principal ids and resource ARNs a change declares (a plan, a template, a policy file):
    /// their grants' `context.source` is `plan`, everything else's `snapshot`.
    pub planned: &'a BTreeSet<String>,
    /// GCP bindings, asked of the `bind` rules.
    pub gcp: Option<&'a crate::gcp::Snapshot>,
    /// Azure role assignments, asked of the `assign` rules.
    pub azure: Option<&'a crate::azure::Snapshot>,
}

/// Builds an entity uid; ids are escaped by Cedar's own constructor.
pub(super) fn uid(ty: &'static str, id: &str) -> EntityUid {
    EntityUid::from_type_name_and_id(type_name(ty), cedar_policy::EntityId::new(id))
}

/// An entity type name of the schema, parsed once (parsing costs more than a request).
fn type_name(ty: &'static str) -> cedar_policy::EntityTypeName {
    static NAMES: std::sync::OnceLock<
        std::sync::Mutex<HashMap<&'static str, cedar_policy::EntityTypeName>>,
    > = std::sync::OnceLock::new();
    let names = NAMES.get_or_init(Default::default);
    let mut names = names.lock().unwrap_or_else(|e| e.into_inner());
    names
        .entry(ty)
        .or_insert_with(|| {
            #[allow(clippy::expect_used)]
            cedar_policy::EntityTypeName::from_str(ty)
                .expect("entity type names here are constants of the schema")
        })
        .clone()
}

/// True when a rule's conditions (not its scope) read `resource`: then its answer depends on
/// which permission is asked about, not only on the permission's place in the hierarchy. Read
/// from the policy's JSON form, where every use of the variable is `{"Var": "resource"}`.
fn conditions_read_resource(policy: &Policy) -> bool {
    match policy.to_json() {
        Ok(json) => json
            .get("conditions")
            .is_none_or(|c| c.to_string().contains(r#"{"Var":"resource"}"#)),
        // unknown: assume it does, which only costs time
        Err(_) => true,
    }
}

/// True when a rule can only match a grant made by a resource-based policy: a `when` clause has,
/// among its top-level `&&` conjuncts, `context.public`, `context.cross_account` or
/// `context.granted_through == "resource"`, all false for a principal's own grants. Such rules
/// are left out of the slices asked about identity-policy grants. Read from the policy's JSON
/// form; anything unexpected counts as "may match any grant".
fn only_resource_grants(policy: &Policy) -> bool {
    fn context_attr(e: &serde_json::Value) -> Option<&str> {
        let dot = e.get(".")?;
        (dot.get("left")?.get("Var")?.as_str()? == "context")
            .then(|| dot.get("attr")?.as_str())
            .flatten()
    }
    fn conjunct_excludes_identity(e: &serde_json::Value) -> bool {
        if let Some(and) = e.get("&&") {
            return and.get("left").is_some_and(conjunct_excludes_identity)
                || and.get("right").is_some_and(conjunct_excludes_identity);
        }
        if matches!(context_attr(e), Some("public" | "cross_account")) {
            return true;
        }
        e.get("==").is_some_and(|eq| {
            let attr = eq.get("left").and_then(context_attr);
            let value = eq
                .get("right")
                .and_then(|r| r.get("Value"))
                .and_then(|v| v.as_str());
            attr == Some("granted_through") && value == Some("resource")
        })
    }
    let Ok(json) = policy.to_json() else {
        return false;
    };
    json.get("conditions")
        .and_then(|c| c.as_array())
        .is_some_and(|cs| {
            cs.iter().any(|c| {
                c.get("kind").and_then(|k| k.as_str()) == Some("when")
                    && c.get("body").is_some_and(conjunct_excludes_identity)
            })
        })
}

fn principal_type(p: &Principal) -> &'static str {
    match p.kind {
        PrincipalKind::User => "Aws::User",
        PrincipalKind::Role => "Aws::Role",
        PrincipalKind::Group => "Aws::Group",
        // other providers' kinds reach this evaluator once their schema types exist
        PrincipalKind::ServiceAccount
        | PrincipalKind::ManagedIdentity
        | PrincipalKind::Federated => "Aws::Role",
    }
}

fn exemptions_of(p: &Principal) -> Vec<String> {
    p.tags
        .get("whittle:exemption")
        .map(|v| {
            v.split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

fn build_entities(
    rules: &RuleSet,
    input: &CheckInput<'_>,
    held: &BTreeSet<ActionId>,
    combos: &HashMap<&str, Vec<String>>,
    exposures: &[ResourceGrant],
) -> Result<Entities, String> {
    let mut out = Vec::new();
    let mut accounts = BTreeSet::new();
    // grantees of resource policies that are not principals of the snapshots
    let mut external = BTreeSet::new();
    for rg in exposures {
        if input.inventory.principal(&rg.grantee.id()).is_none() {
            external.insert(&rg.grantee);
        }
    }
    for grantee in external {
        let account = grantee.account().unwrap_or_default();
        accounts.insert(account.to_string());
        let account = uid("Org::Account", account);
        let attrs: HashMap<String, RestrictedExpression> = HashMap::from([
            (
                "name".into(),
                RestrictedExpression::new_string(grantee.id()),
            ),
            ("arn".into(), RestrictedExpression::new_string(grantee.id())),
            (
                "path".into(),
                RestrictedExpression::new_string(String::new()),
            ),
            (
                "account".into(),
                RestrictedExpression::new_entity_uid(account.clone()),
            ),
            ("combinations".into(), RestrictedExpression::new_set([])),
            (
                "kind".into(),
                RestrictedExpression::new_string(grantee.kind().to_string()),
            ),
        ]);
        out.push(
            Entity::new_with_tags(
                uid("Aws::External", &grantee.id()),
                attrs,
                [account],
                std::iter::empty(),
            )
            .map_err(|e| e.to_string())?,
        );
    }
    let mut exemptions = BTreeSet::new();
    let owners = rules.lp.owners();
    for p in &input.inventory.principals {
        accounts.insert(p.scope.clone());
        let account = uid("Org::Account", &p.scope);
        let mut parents: Vec<EntityUid> = vec![account.clone()];
        parents.extend(p.groups.iter().map(|g| uid("Aws::Group", g)));
        for x in exemptions_of(p) {
            parents.push(uid("Guard::Exemption", &x));
            exemptions.insert(x);
        }
        let mut attrs: HashMap<String, RestrictedExpression> = HashMap::from([
            (
                "name".into(),
                RestrictedExpression::new_string(p.name.clone()),
            ),
            ("arn".into(), RestrictedExpression::new_string(p.id.clone())),
        ]);
        let entity = if p.kind == PrincipalKind::Group {
            Entity::new(
                uid("Aws::Group", &p.id),
                attrs,
                parents.into_iter().collect(),
            )
        } else {
            attrs.insert(
                "path".into(),
                RestrictedExpression::new_string(p.path.clone()),
            );
            attrs.insert(
                "account".into(),
                RestrictedExpression::new_entity_uid(account),
            );
            if let Some(o) = owners.of(&p.id, &p.tags) {
                owner_attrs(&mut attrs, &o);
            }
            let mine = combos.get(p.id.as_str()).cloned().unwrap_or_default();
            attrs.insert(
                "combinations".into(),
                RestrictedExpression::new_set(
                    mine.into_iter().map(RestrictedExpression::new_string),
                ),
            );
            let tags = p
                .tags
                .iter()
                .map(|(k, v)| (k.clone(), RestrictedExpression::new_string(v.clone())));
            Entity::new_with_tags(uid(principal_type(p), &p.id), attrs, parents, tags)
        };
        out.push(entity.map_err(|e| e.to_string())?);
    }
    for a in accounts {
        out.push(account_entity(&a)?);
    }
    for x in exemptions {
        out.push(Entity::with_uid(uid("Guard::Exemption", &x)));
    }
    for r in rules.risk_actions.keys() {
        out.push(Entity::with_uid(uid("Iam::Risk", r)));
    }
    for &id in held {
        out.push(permission_entity(rules, input.catalog, id)?);
    }
    Entities::from_entities(out, Some(&rules.guardrails.schema)).map_err(|e| e.to_string())
}

/// A principal's `team` and `contact` attributes (optional in the schema: set when known).
pub(super) fn owner_attrs(
    attrs: &mut HashMap<String, RestrictedExpression>,
    o: &crate::model::Owner,
) {
    for (key, value) in [("team", &o.team), ("contact", &o.contact)] {
        if let Some(v) = value {
            attrs.insert(key.into(), RestrictedExpression::new_string(v.clone()));
        }
    }
}

/// The entity of account `id`.
pub(super) fn account_entity(id: &str) -> Result<Entity, String> {
    Entity::new(
        uid("Org::Account", id),
        HashMap::from([(
            "id".into(),
            RestrictedExpression::new_string(id.to_string()),
        )]),
        HashSet::new(),
    )
    .map_err(|e| e.to_string())
}

/// The entity of permission `id`: in its service, its access level and its risk classes, with
/// the attributes rules read (`cloud`, `name`, `service`, `access_level`, `scopable`).
pub(super) fn permission_entity(
    rules: &RuleSet,
    catalog: &AwsCatalog,
    id: ActionId,
) -> Result<Entity, String> {
    let a = catalog.action(id);
    let mut parents: HashSet<EntityUid> = HashSet::from([
        uid("Iam::Service", &format!("aws:{}", a.prefix())),
        uid("Iam::AccessLevel", a.access_level.as_str()),
    ]);
    for (risk, set) in &rules.risk_actions {
        if set.contains(id) {
            parents.insert(uid("Iam::Risk", risk));
        }
    }
    let attrs = HashMap::from([
        (
            "cloud".into(),
            RestrictedExpression::new_string("aws".into()),
        ),
        (
            "name".into(),
            RestrictedExpression::new_string(a.name.clone()),
        ),
        (
            "service".into(),
            RestrictedExpression::new_string(a.prefix().to_string()),
        ),
        (
            "access_level".into(),
            RestrictedExpression::new_string(a.access_level.as_str().to_string()),
        ),
        (
            "scopable".into(),
            RestrictedExpression::new_bool(a.scopable()),
        ),
    ]);
    Entity::new(uid("Iam::Permission", &a.name), attrs, parents).map_err(|e| e.to_string())
}

/// How a grant reaches its holder: through a resource's policy (its ARN and account), from
/// outside that account, to anyone; or blocked by an SCP.
struct Through<'g> {
    resource: Option<(&'g str, Option<&'g str>)>,
    cross_account: bool,
    public: bool,
    blocked_by: Option<&'g str>,
}

impl<'g> Through<'g> {
    /// For a grant among a principal's effective permissions: a resource policy there is one of
    /// `account` (same-account grants are the only ones that stand on their own).
    fn of(g: &'g EffectiveGrant, account: Option<&'g str>) -> Self {
        let resource = matches!(
            g.origin.policy_kind,
            crate::model::PolicyKind::ResourceBased | crate::model::PolicyKind::Trust
        )
        .then_some((g.origin.policy.as_str(), account));
        Through {
            resource,
            cross_account: false,
            public: false,
            blocked_by: None,
        }
    }
}

/// The context pairs a grant gives every permission it grants (all but the usage facts).
fn grant_pairs(
    g: &EffectiveGrant,
    now: &RestrictedExpression,
    source: &RestrictedExpression,
    through: &Through<'_>,
) -> Vec<(String, RestrictedExpression)> {
    let kind = serde_json::to_value(g.origin.policy_kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    // As written; `NotAction` grants are spelled out so no rule mistakes them for `*`.
    let pattern = match &g.action_spec {
        crate::model::Actions::Action(p) => p.join(", "),
        crate::model::Actions::NotAction(p) => format!("NotAction {}", p.join(", ")),
    };
    let resource_pattern = match &g.resources {
        ResourceScope::Any => "*".to_string(),
        other => other.to_string(),
    };
    let mut pairs = vec![
        ("now".to_string(), now.clone()),
        (
            "granted_by".to_string(),
            RestrictedExpression::new_string(g.origin.policy.clone()),
        ),
        (
            "policy_kind".to_string(),
            RestrictedExpression::new_string(kind),
        ),
        (
            "action_pattern".to_string(),
            RestrictedExpression::new_string(pattern),
        ),
        (
            "resource_is_star".to_string(),
            RestrictedExpression::new_bool(g.resources == ResourceScope::Any),
        ),
        (
            "resource_pattern".to_string(),
            RestrictedExpression::new_string(resource_pattern),
        ),
        (
            "conditional".to_string(),
            RestrictedExpression::new_bool(g.conditional),
        ),
        (
            "condition_keys".to_string(),
            RestrictedExpression::new_set(
                g.conditions
                    .iter()
                    .map(|c| RestrictedExpression::new_string(c.key.clone())),
            ),
        ),
        ("source".to_string(), source.clone()),
        (
            "granted_through".to_string(),
            RestrictedExpression::new_string(
                if through.resource.is_some() {
                    "resource"
                } else {
                    "identity"
                }
                .into(),
            ),
        ),
        (
            "cross_account".to_string(),
            RestrictedExpression::new_bool(through.cross_account),
        ),
        (
            "public".to_string(),
            RestrictedExpression::new_bool(through.public),
        ),
    ];
    if let Some((arn, account)) = through.resource {
        pairs.push((
            "resource_arn".into(),
            RestrictedExpression::new_string(arn.to_string()),
        ));
        if let Some(a) = account {
            pairs.push((
                "resource_account".into(),
                RestrictedExpression::new_string(a.to_string()),
            ));
        }
    }
    if let Some(b) = through.blocked_by {
        pairs.push((
            "blocked_by".into(),
            RestrictedExpression::new_string(b.to_string()),
        ));
    }
    pairs
}

/// Whether `action` is named literally in the grant's `Action` (not only through a wildcard).
fn literal(g: &EffectiveGrant, action: &str) -> bool {
    matches!(&g.action_spec, crate::model::Actions::Action(p) if p.iter().any(|x| x.eq_ignore_ascii_case(action)))
}

/// What the logs say about one held permission of one principal.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct UsageFact {
    /// The logs could have seen its use on enough days of the window.
    known: bool,
    /// Last allowed use in the window.
    last: Option<Epoch>,
    /// Days the logs covered since the last use (or in the whole window, when unused).
    days_unused: Option<i64>,
    /// The coverage in words.
    words: Option<String>,
}

/// Coverage answers computed once per (scope, service, logging) before the parallel loop: the
/// same for every principal of an account.
struct Vouches<'f> {
    facts: Option<&'f UsageFacts>,
    min_days: u32,
    answers: Vec<Vouch>,
    /// scope → action → index into `answers`.
    by_action: HashMap<String, HashMap<ActionId, usize>>,
}

impl<'f> Vouches<'f> {
    fn question<'q>(
        p: &'q Principal,
        service: &'q str,
        logging: Logging,
        first: i64,
        last: i64,
    ) -> Question<'q> {
        Question {
            provider: p.provider,
            scope: &p.scope,
            location: None,
            service,
            logging,
            first,
            last,
        }
    }

    /// The window's answers for the scope of every actor and every held action.
    fn new(
        facts: Option<&'f UsageFacts>,
        min_days: u32,
        actors: &[&Principal],
        held: &BTreeSet<ActionId>,
        catalog: &AwsCatalog,
    ) -> Self {
        let mut v = Vouches {
            facts,
            min_days,
            answers: Vec::new(),
            by_action: HashMap::new(),
        };
        let Some(f) = facts else { return v };
        for p in actors {
            if v.by_action.contains_key(&p.scope) {
                continue;
            }
            let mut seen: HashMap<(&str, Logging), usize> = HashMap::new();
            let mut mine = HashMap::with_capacity(held.len());
            for &a in held {
                let service = catalog.action(a).prefix();
                let logging = catalog.logging(a);
                let i = *seen.entry((service, logging)).or_insert_with(|| {
                    let q = Self::question(p, service, logging, f.window.first, f.window.last);
                    v.answers.push(f.coverage.vouch(&q));
                    v.answers.len() - 1
                });
                mine.insert(a, i);
            }
            v.by_action.insert(p.scope.clone(), mine);
        }
        v
    }

    /// The fact for `p` holding `a`, last used at `last`.
    fn fact(
        &self,
        p: &Principal,
        catalog: &AwsCatalog,
        a: ActionId,
        last: Option<Epoch>,
    ) -> UsageFact {
        let (Some(f), Some(&i)) = (
            self.facts,
            self.by_action.get(&p.scope).and_then(|m| m.get(&a)),
        ) else {
            return UsageFact {
                known: false,
                last,
                days_unused: None,
                words: None,
            };
        };
        let window = &self.answers[i];
        let known = window.vouches(self.min_days);
        let days_unused = match last {
            // covered days after the day of the last use
            Some(t) => {
                let service = catalog.action(a).prefix();
                let logging = catalog.logging(a);
                let q = Self::question(p, service, logging, day_of(t) + 1, f.window.last);
                Some(i64::from(f.coverage.vouch(&q).covered_days))
            }
            None if known => Some(i64::from(window.covered_days)),
            None => None,
        };
        UsageFact {
            known,
            last,
            days_unused,
            words: Some(window.words()),
        }
    }
}

/// The per-permission context pairs: wildcard or literal, kept, and usage.
fn permission_pairs(
    via_wildcard: bool,
    kept: bool,
    fact: &UsageFact,
) -> (Vec<(String, RestrictedExpression)>, Evidence) {
    let mut pairs = vec![
        (
            "via_wildcard".to_string(),
            RestrictedExpression::new_bool(via_wildcard),
        ),
        ("kept".to_string(), RestrictedExpression::new_bool(kept)),
        (
            "used".to_string(),
            RestrictedExpression::new_bool(fact.last.is_some()),
        ),
        (
            "usage_known".to_string(),
            RestrictedExpression::new_bool(fact.known),
        ),
    ];
    if let Some(t) = fact.last {
        pairs.push((
            "last_used".into(),
            RestrictedExpression::new_datetime(iso(t)),
        ));
    }
    if let Some(d) = fact.days_unused {
        pairs.push(("days_unused".into(), RestrictedExpression::new_long(d)));
    }
    (
        pairs,
        Evidence {
            used: fact.known.then_some(fact.last.is_some()),
            last_used: fact.last.map(iso),
            usage_known: fact.known,
            coverage: fact.words.iter().cloned().collect(),
        },
    )
}

/// A finding's grouping key: (rule, principal, granting policy, statement).
type Key = (String, String, String, usize);
/// One principal's findings, rules that errored, and problems building requests.
#[derive(Default)]
struct PrincipalResult {
    found: BTreeMap<Key, Finding>,
    errored: BTreeSet<String>,
    problems: Vec<String>,
}

/// What asking Cedar about grants needs: the policy set sliced per permission, the entities.
struct Ask<'s> {
    slices: &'s [PolicySet],
    /// Permission → its slice, for identity-policy grants `[0]` and resource-policy grants `[1]`.
    slice_of: &'s [Vec<Option<usize>>; 2],
    slice_reads_resource: &'s [bool],
    entities: &'s Entities,
    rule_index: &'s HashMap<String, usize>,
    validate: Option<&'s cedar_policy::Schema>,
    catalog: &'s AwsCatalog,
}

impl Ask<'_> {
    /// For each permission of `gr` some rule can apply to: the rules that matched `principal`
    /// `action` it, with the grant's context `base` and the permission's facts (kept, usage).
    /// Rules that errored and requests that could not be built go to `out`.
    fn grant(
        &self,
        principal: &EntityUid,
        action: &EntityUid,
        gr: &EffectiveGrant,
        base: &[(String, RestrictedExpression)],
        facts: &dyn Fn(ActionId, &str) -> (bool, UsageFact),
        out: &mut PrincipalResult,
    ) -> Vec<(String, Vec<usize>, Evidence)> {
        let through_resource = matches!(
            gr.origin.policy_kind,
            crate::model::PolicyKind::ResourceBased | crate::model::PolicyKind::Trust
        );
        let authorizer = Authorizer::new();
        let mut answers = Vec::new();
        // contexts for permissions without use repeat across the grant: build each once
        let mut shared: FxHashMap<(bool, bool, UsageFact), (Context, Evidence)> =
            FxHashMap::default();
        // answers of slices that do not read the permission, per context
        let mut decided: FxHashMap<(usize, bool, bool, UsageFact), Vec<usize>> =
            FxHashMap::default();
        for a in gr.actions.iter() {
            let Some(slice) = self.slice_of[usize::from(through_resource)][a.0 as usize] else {
                continue;
            };
            let name = &self.catalog.action(a).name;
            let via_wildcard = gr.via_wildcard && !literal(gr, name);
            let (is_kept, fact) = facts(a, name);
            let unused = fact.last.is_none();
            let reuse = (!self.slice_reads_resource[slice] && unused)
                .then(|| (slice, via_wildcard, is_kept, fact.clone()));
            // answered already for this context: no context to build, nothing to ask
            if let Some(m) = reuse.as_ref().and_then(|k| decided.get(k)) {
                if let (false, Some((_, ev))) =
                    (m.is_empty(), shared.get(&(via_wildcard, is_kept, fact)))
                {
                    answers.push((name.clone(), m.clone(), ev.clone()));
                }
                continue;
            }
            let key = (via_wildcard, is_kept, fact);
            let built = match shared.get(&key) {
                Some(c) => Ok(c.clone()),
                None => {
                    let (extra, ev) = permission_pairs(via_wildcard, is_kept, &key.2);
                    Context::from_pairs(base.iter().cloned().chain(extra)).map(|c| {
                        if unused {
                            shared.insert(key, (c.clone(), ev.clone()));
                        }
                        (c, ev)
                    })
                }
            };
            let (ctx, evidence) = match built {
                Ok(c) => c,
                Err(e) => {
                    out.problems.push(e.to_string());
                    continue;
                }
            };
            let req = match Request::new(
                principal.clone(),
                action.clone(),
                uid("Iam::Permission", name),
                ctx,
                self.validate,
            ) {
                Ok(r) => r,
                Err(e) => {
                    out.problems.push(e.to_string());
                    continue;
                }
            };
            let resp = authorizer.is_authorized(&req, &self.slices[slice], self.entities);
            for err in resp.diagnostics().errors() {
                let cedar_policy::AuthorizationError::PolicyEvaluationError(e) = err;
                out.errored
                    .insert(format!("{}: {}", e.policy_id(), e.inner()));
            }
            let mut matched = Vec::new();
            if resp.decision() == Decision::Deny {
                for id in resp.diagnostics().reason() {
                    if let Some(&i) = self.rule_index.get(&id.to_string()) {
                        matched.push(i);
                    }
                }
            }
            if let Some(k) = reuse {
                decided.insert(k, matched.clone());
            }
            if !matched.is_empty() {
                answers.push((name.clone(), matched, evidence));
            }
        }
        answers
    }
}

/// Adds permission `name` of grant `gr` held by `principal` to `rule`'s finding for that grant.
fn record(
    found: &mut BTreeMap<Key, Finding>,
    rule: &super::cedar::GuardRule,
    principal: &str,
    gr: &EffectiveGrant,
    name: &str,
    evidence: &Evidence,
    notes: &dyn Fn(&super::cedar::GuardRule) -> Vec<String>,
) {
    let key = (
        rule.id.clone(),
        principal.to_string(),
        gr.origin.policy.clone(),
        gr.origin.statement,
    );
    let f = found.entry(key).or_insert_with(|| Finding {
        rule: rule.id.clone(),
        severity: rule.severity,
        message: rule.message.clone(),
        remediation: rule.remediation.clone(),
        principal: principal.to_string(),
        permissions: Vec::new(),
        granted_by: Some(gr.origin.clone()),
        evidence: evidence.clone(),
        rule_location: format!("{}:{}", rule.file, rule.line),
        notes: notes(rule),
        owner: None,
    });
    f.permissions.push(name.to_string());
    f.evidence.absorb(evidence);
}

/// Evaluates `rules` over the input. Returns findings (sorted) and problems met while evaluating
/// (a rule that errored, an exemption that never matched).
pub fn evaluate(rules: &RuleSet, input: &CheckInput<'_>) -> (Vec<Finding>, Vec<RuleDiagnostic>) {
    let catalog = input.catalog;
    let mut diags = Vec::new();
    let actors: Vec<&Principal> = input
        .inventory
        .principals
        .iter()
        .filter(|p| p.kind != PrincipalKind::Group)
        .collect();
    // in the actors' order
    let effective = resolve_all(catalog, input.inventory);
    // Which rules can apply to which action: slice by resource scope.
    let g = &rules.guardrails;
    // alert rules are asked about events (`use`), never about holdings
    let unscoped: Vec<usize> = (0..g.rules.len())
        .filter(|&i| g.rules[i].scope.is_none() && g.rules[i].asks.holdings())
        .collect();
    // what resource policies grant beyond what is already among the principals' permissions
    let exposures: Vec<ResourceGrant> =
        crate::effective::resource_grants_after_rcps(catalog, input.inventory, true)
            .into_iter()
            .filter(|rg| {
                let own = rg.grant.origin.policy_kind == crate::model::PolicyKind::ResourceBased
                    && names_on_its_own(input.inventory, rg).is_some();
                !own && !delegates_to_owner(rg)
            })
            .collect();
    let mut held_set = catalog.empty_set();
    for e in &effective {
        for gr in e
            .grants
            .iter()
            .chain(e.blocked.iter().flat_map(|b| &b.grants))
        {
            held_set.union_with(&gr.actions);
        }
    }
    for rg in &exposures {
        held_set.union_with(&rg.grant.actions);
    }
    let held: BTreeSet<ActionId> = held_set.iter().collect();
    // rules that can only match resource-policy grants are not asked about the others
    let resource_only: Vec<bool> = g.policies.iter().map(only_resource_grants).collect();
    let applicable = |a: ActionId, through_resource: bool| -> Vec<usize> {
        let mut v: Vec<usize> = (0..g.rules.len())
            .filter(|&i| {
                g.rules[i].asks.holdings()
                    && g.rules[i].scope.as_ref().is_some_and(|s| s.contains(a))
            })
            .collect();
        v.extend(&unscoped);
        v.retain(|&i| through_resource || !resource_only[i]);
        v.sort_unstable();
        v
    };
    let needed: BTreeSet<ActionId> = held
        .iter()
        .copied()
        .filter(|a| !applicable(*a, true).is_empty())
        .collect();
    // which dangerous combinations each principal holds all of
    let mut combos: HashMap<&str, Vec<String>> = HashMap::new();
    for (p, e) in actors.iter().zip(&effective) {
        let holds = e.held(catalog);
        let mine: Vec<String> = rules
            .combinations
            .iter()
            .filter(|(_, ids)| !ids.is_empty() && ids.iter().all(|a| holds.contains(*a)))
            .map(|(id, _)| id.clone())
            .collect();
        if !mine.is_empty() {
            combos.insert(p.id.as_str(), mine);
        }
    }
    let entities = match build_entities(rules, input, &needed, &combos, &exposures) {
        Ok(e) => e,
        Err(e) => {
            diags.push(
                RuleDiagnostic::general(
                    super::Level::Error,
                    "<entities>",
                    format!("cannot build the entity store: {e}"),
                )
                .with(Problem::Evaluation),
            );
            return (Vec::new(), diags);
        }
    };
    let baseline = match Policy::parse(
        Some(PolicyId::new("whittle-baseline")),
        "permit(principal, action, resource);",
    ) {
        Ok(p) => p,
        Err(e) => {
            diags.push(
                RuleDiagnostic::general(super::Level::Error, "<baseline>", e.to_string())
                    .with(Problem::Evaluation),
            );
            return (Vec::new(), diags);
        }
    };
    // One policy set per distinct set of applicable rules, built before the parallel loop.
    // action id → its slice: indexed, not hashed (looked up once per held permission)
    // [identity-policy grants, resource-policy grants]
    let mut slice_of: [Vec<Option<usize>>; 2] =
        [vec![None; catalog.len()], vec![None; catalog.len()]];
    let mut slices: Vec<PolicySet> = Vec::new();
    let mut slice_ids: HashMap<Vec<usize>, usize> = HashMap::new();
    for &a in &needed {
        for through_resource in [false, true] {
            let rules_here = applicable(a, through_resource);
            if rules_here.is_empty() {
                continue;
            }
            let next = slices.len();
            let idx = *slice_ids.entry(rules_here.clone()).or_insert(next);
            if idx == next {
                let mut set = PolicySet::new();
                let _ = set.add(baseline.clone());
                for &i in &rules_here {
                    let _ = set.add(g.policies[i].clone());
                }
                slices.push(set);
            }
            slice_of[usize::from(through_resource)][a.0 as usize] = Some(idx);
        }
    }
    // A slice whose rules never read the permission in their conditions answers the same for
    // every permission it covers (same scope match, same context): ask Cedar once per context.
    let reads_resource: Vec<bool> = g.policies.iter().map(conditions_read_resource).collect();
    let mut slice_reads_resource = vec![false; slices.len()];
    for (rules_here, &idx) in &slice_ids {
        slice_reads_resource[idx] = rules_here.iter().any(|&i| reads_resource[i]);
    }
    let rule_index: HashMap<String, usize> = g
        .rules
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.clone(), i))
        .collect();
    let kept = kept_actions(rules, &actors, catalog, input.now, &mut diags);
    let vouches = Vouches::new(
        input.usage,
        rules.lp.settings.min_coverage_days,
        &actors,
        &held,
        catalog,
    );
    let now_expr = RestrictedExpression::new_datetime(iso(input.now));
    let snapshot = RestrictedExpression::new_entity_uid(uid("Guard::Source", "snapshot"));
    let plan = RestrictedExpression::new_entity_uid(uid("Guard::Source", "plan"));
    let source_of = |id: &str| {
        if input.planned.contains(id) {
            &plan
        } else {
            &snapshot
        }
    };
    // Requests are built from our own, fixed context shape: debug builds (every test) validate
    // each against the schema; release builds skip it, as it costs more than authorising.
    let validate = cfg!(debug_assertions).then_some(&g.schema);
    let ask = Ask {
        slices: &slices,
        slice_of: &slice_of,
        slice_reads_resource: &slice_reads_resource,
        entities: &entities,
        rule_index: &rule_index,
        validate,
        catalog,
    };
    let hold = uid("Guard::Action", "hold");
    let blocked = uid("Guard::Action", "blocked");
    let no_use = UsageFact {
        known: false,
        last: None,
        days_unused: None,
        words: None,
    };
    let per_principal: Vec<PrincipalResult> = actors
        .par_iter()
        .zip(effective.par_iter())
        .map(|(p, eff)| {
            let mut out = PrincipalResult::default();
            let last_used = input.usage.and_then(|u| u.used_by(&p.id));
            let principal = uid(principal_type(p), &p.id);
            let source = source_of(&p.id);
            let keep = kept.get(p.id.as_str());
            let facts = |a: ActionId, name: &str| {
                let last = last_used.and_then(|m| m.get(name)).copied();
                let is_kept = keep.is_some_and(|k| k.contains(a));
                (is_kept, vouches.fact(p, catalog, a, last))
            };
            let notes = |rule: &super::cedar::GuardRule| {
                if rule.text.contains("principal.combinations") {
                    combination_notes(rules, combos.get(p.id.as_str()))
                } else {
                    Vec::new()
                }
            };
            for gr in &eff.grants {
                // a resource policy among them is one of the principal's own account
                let through = Through::of(gr, Some(&p.scope));
                let base = grant_pairs(gr, &now_expr, source, &through);
                for (name, matched, evidence) in
                    ask.grant(&principal, &hold, gr, &base, &facts, &mut out)
                {
                    for i in matched {
                        record(
                            &mut out.found,
                            &g.rules[i],
                            &p.id,
                            gr,
                            &name,
                            &evidence,
                            &notes,
                        );
                    }
                }
            }
            for b in &eff.blocked {
                for piece in &b.grants {
                    let mut through = Through::of(piece, Some(&p.scope));
                    through.blocked_by = Some(&b.origin.policy_name);
                    let base = grant_pairs(piece, &now_expr, source, &through);
                    let said = |_: &super::cedar::GuardRule| {
                        vec![format!("blocked by {}", b.origin.policy_name)]
                    };
                    for (name, matched, evidence) in
                        ask.grant(&principal, &blocked, piece, &base, &facts, &mut out)
                    {
                        for i in matched {
                            record(
                                &mut out.found,
                                &g.rules[i],
                                &p.id,
                                piece,
                                &name,
                                &evidence,
                                &said,
                            );
                        }
                    }
                }
            }
            out
        })
        .collect();
    // what resource policies grant beyond the principals' own effective permissions
    let accounts: BTreeSet<&str> = input
        .inventory
        .principals
        .iter()
        .map(|p| p.scope.as_str())
        .collect();
    let mut exposed = PrincipalResult::default();
    for rg in &exposures {
        let (principal, id) = match input.inventory.principal(&rg.grantee.id()) {
            Some(p) => (uid(principal_type(p), &p.id), p.id.clone()),
            None => (uid("Aws::External", &rg.grantee.id()), rg.grantee.id()),
        };
        let through = Through {
            resource: Some((&rg.resource, rg.owner.as_deref())),
            cross_account: rg.cross_account(&accounts),
            public: rg.grantee == Grantee::Anyone,
            blocked_by: None,
        };
        let source = if input.planned.contains(&rg.resource) {
            &plan
        } else {
            &snapshot
        };
        let base = grant_pairs(&rg.grant, &now_expr, source, &through);
        let facts = |_: ActionId, _: &str| (false, no_use.clone());
        for (name, matched, evidence) in
            ask.grant(&principal, &hold, &rg.grant, &base, &facts, &mut exposed)
        {
            for i in matched {
                record(
                    &mut exposed.found,
                    &g.rules[i],
                    &id,
                    &rg.grant,
                    &name,
                    &evidence,
                    &|_| Vec::new(),
                );
            }
        }
    }
    let mut found: BTreeMap<Key, Finding> = BTreeMap::new();
    let mut errored: BTreeSet<String> = BTreeSet::new();
    let mut problems: BTreeSet<String> = BTreeSet::new();
    for r in per_principal.into_iter().chain([exposed]) {
        found.extend(r.found);
        errored.extend(r.errored);
        problems.extend(r.problems);
    }
    for p in problems {
        diags.push(
            RuleDiagnostic::general(super::Level::Error, "<request>", p).with(Problem::Evaluation),
        );
    }
    let mut findings: Vec<Finding> = found.into_values().collect();
    let mut clouds = super::bindings::Outcome::default();
    if let Some(snapshot) = input.gcp {
        super::bindings::gcp(rules, snapshot, input.now, &mut clouds);
    }
    if let Some(snapshot) = input.azure {
        super::bindings::azure(rules, snapshot, input.now, &mut clouds);
    }
    findings.extend(clouds.findings);
    errored.extend(clouds.errored);
    for p in clouds.problems {
        diags.push(
            RuleDiagnostic::general(super::Level::Error, "<request>", p).with(Problem::Evaluation),
        );
    }
    for e in errored {
        // A rule that errors is skipped by Cedar: never let that pass silently.
        let rule = e.split(':').next().unwrap_or_default().to_string();
        findings.push(Finding {
            rule: "whittle-rule-error".into(),
            severity: Severity::High,
            message: format!("rule could not be evaluated and was skipped: {e}"),
            remediation: Some(format!(
                "fix rule `{rule}` (guard optional attributes with `has`)"
            )),
            principal: String::new(),
            permissions: Vec::new(),
            granted_by: None,
            evidence: Evidence::none(),
            rule_location: g
                .rules
                .iter()
                .find(|r| r.id == rule)
                .map(|r| format!("{}:{}", r.file, r.line))
                .unwrap_or_default(),
            notes: Vec::new(),
            owner: None,
        });
    }
    findings.extend(unused_findings(
        rules, input, &actors, &effective, &kept, &vouches,
    ));
    let mut findings = apply_exemptions(rules, findings, input.now, &mut diags);
    let owners = rules.lp.owners();
    if !owners.is_empty() {
        for f in &mut findings {
            f.owner = owner_in(&owners, input.inventory, &f.principal);
        }
    }
    (findings, diags)
}

/// The owner of principal `id` of `inventory` (its tags, then the `[[owner]]` entries).
pub(crate) fn owner_in(
    owners: &crate::model::Owners,
    inventory: &crate::aws::Inventory,
    id: &str,
) -> Option<crate::model::Owner> {
    if id.is_empty() {
        return None;
    }
    let none = std::collections::BTreeMap::new();
    let tags = inventory.principal(id).map_or(&none, |p| &p.tags);
    owners.of(id, tags)
}

/// "holds passrole-lambda: iam:PassRole + lambda:CreateFunction + lambda:InvokeFunction", per
/// combination the principal holds every permission of.
fn combination_notes(rules: &RuleSet, held: Option<&Vec<String>>) -> Vec<String> {
    held.into_iter()
        .flatten()
        .map(|id| {
            let actions = rules
                .lp
                .combinations
                .iter()
                .find(|(c, _)| c.id == *id)
                .map(|(c, _)| c.actions.join(" + "))
                .unwrap_or_default();
            format!("holds `{id}`: {actions}")
        })
        .collect()
}

/// The `[[keep]]` entries in force at `now`, and a warning for each expired one (an expired
/// entry retains nothing). `check` and `recommend` both ask this.
pub fn active_keeps(
    rules: &RuleSet,
    now: Epoch,
) -> (Vec<&(Keep, ItemSource)>, Vec<RuleDiagnostic>) {
    let today = iso(now)[..10].to_string();
    let mut diags = Vec::new();
    let mut active = Vec::new();
    for entry in &rules.lp.keep {
        let (k, src) = entry;
        if k.expires
            .as_ref()
            .is_some_and(|e| e.to_string().as_str() < today.as_str())
        {
            diags.push(
                RuleDiagnostic::general(
                    super::Level::Warning,
                    &format!("{}:{}", src.file, src.line),
                    format!(
                        "keep entry for `{}` expired on {}: it no longer retains anything",
                        k.principal,
                        k.expires
                            .as_ref()
                            .map(ToString::to_string)
                            .unwrap_or_default()
                    ),
                )
                .with(Problem::ExpiredKeep),
            );
            continue;
        }
        active.push(entry);
    }
    (active, diags)
}

/// Per principal, the actions `[[keep]]` entries retain (expired entries do not count).
fn kept_actions<'p>(
    rules: &RuleSet,
    actors: &[&'p Principal],
    catalog: &AwsCatalog,
    now: Epoch,
    diags: &mut Vec<RuleDiagnostic>,
) -> HashMap<&'p str, crate::catalog::ActionSet> {
    let (active, expired) = active_keeps(rules, now);
    diags.extend(expired);
    let mut out: HashMap<&str, crate::catalog::ActionSet> = HashMap::new();
    for (k, _) in active {
        let mut set = catalog.empty_set();
        for a in &k.actions {
            set.union_with(&catalog.expand(a));
        }
        for p in actors
            .iter()
            .filter(|p| crate::glob::matches(&k.principal, &p.id, false))
        {
            out.entry(p.id.as_str())
                .or_insert_with(|| catalog.empty_set())
                .union_with(&set);
        }
    }
    out
}

/// The TOML `[[unused]]` rules: held, in scope, not kept, and not used for `after-days` where
/// coverage vouches that the logs could have seen the use.
fn unused_findings(
    rules: &RuleSet,
    input: &CheckInput<'_>,
    actors: &[&Principal],
    effective: &[crate::effective::EffectivePermissions],
    kept: &HashMap<&str, crate::catalog::ActionSet>,
    vouches: &Vouches<'_>,
) -> Vec<Finding> {
    let Some(usage) = input.usage else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (u, src) in &rules.lp.unused {
        let risk = u.risk.as_ref().and_then(|r| rules.risk_actions.get(r));
        for (p, eff) in actors.iter().zip(effective) {
            for gr in &eff.grants {
                let mut perms = Vec::new();
                let mut evidence: Option<Evidence> = None;
                for a in gr.actions.iter() {
                    let act = input.catalog.action(a);
                    if risk.is_some_and(|r| !r.contains(a))
                        || kept.get(p.id.as_str()).is_some_and(|k| k.contains(a))
                    {
                        continue;
                    }
                    if !u.access_levels.is_empty()
                        && !u
                            .access_levels
                            .iter()
                            .any(|l| l == act.access_level.as_str())
                    {
                        continue;
                    }
                    let last = usage.last_used(&p.id, &act.name);
                    let fact = vouches.fact(p, input.catalog, a, last);
                    let used_recently =
                        last.is_some_and(|t| input.now - t < i64::from(u.after_days) * 86_400);
                    if fact.known && !used_recently {
                        perms.push(act.name.clone());
                        let (_, ev) = permission_pairs(false, false, &fact);
                        match &mut evidence {
                            Some(e) => e.absorb(&ev),
                            None => evidence = Some(ev),
                        }
                    }
                }
                if let (false, Some(evidence)) = (perms.is_empty(), evidence) {
                    out.push(Finding {
                        rule: u.id.clone(),
                        severity: u.severity,
                        message: format!("permissions not used in {} days", u.after_days),
                        remediation: Some(
                            "remove them, or add a `[[keep]]` entry with the reason".into(),
                        ),
                        principal: p.id.clone(),
                        permissions: perms,
                        granted_by: Some(gr.origin.clone()),
                        evidence,
                        rule_location: format!("{}:{}", src.file, src.line),
                        notes: Vec::new(),
                        owner: None,
                    });
                }
            }
        }
    }
    out
}

fn apply_exemptions(
    rules: &RuleSet,
    findings: Vec<Finding>,
    now: Epoch,
    diags: &mut Vec<RuleDiagnostic>,
) -> Vec<Finding> {
    let today = iso(now)[..10].to_string();
    let mut used = vec![false; rules.lp.exemptions.len()];
    let mut out = Vec::new();
    for f in findings {
        let mut exempt = false;
        for (i, (x, _)) in rules.lp.exemptions.iter().enumerate() {
            let active = x.expires.to_string().as_str() >= today.as_str();
            if active && x.rule == f.rule && crate::glob::matches(&x.principal, &f.principal, false)
            {
                used[i] = true;
                exempt = true;
            }
        }
        if !exempt {
            out.push(f);
        }
    }
    for (i, (x, src)) in rules.lp.exemptions.iter().enumerate() {
        if x.expires.to_string().as_str() < today.as_str() {
            out.push(Finding {
                rule: "whittle-expired-exemption".into(),
                severity: Severity::Medium,
                message: format!(
                    "exemption from `{}` for `{}` expired on {}: {}",
                    x.rule, x.principal, x.expires, x.reason
                ),
                remediation: Some(
                    "renew it with a new reason and date, or remove it and fix the finding".into(),
                ),
                principal: x.principal.clone(),
                permissions: Vec::new(),
                granted_by: None,
                evidence: Evidence::none(),
                rule_location: format!("{}:{}", src.file, src.line),
                notes: Vec::new(),
                owner: None,
            });
        } else if !used[i] {
            diags.push(
                RuleDiagnostic::general(
                    super::Level::Warning,
                    &format!("{}:{}", src.file, src.line),
                    format!(
                        "exemption from `{}` for `{}` matched no finding",
                        x.rule, x.principal
                    ),
                )
                .with(Problem::StaleExemption),
            );
        }
    }
    out.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.rule.cmp(&b.rule))
            .then_with(|| a.principal.cmp(&b.principal))
            .then_with(|| {
                let k = |f: &Finding| {
                    f.granted_by
                        .as_ref()
                        .map(|o| (o.policy.clone(), o.statement))
                };
                k(a).cmp(&k(b))
            })
    });
    out
}

#[cfg(test)]
mod tests {
    use super::{conditions_read_resource, only_resource_grants};
    use cedar_policy::Policy;

    #[test]
    fn rules_that_need_a_resource_policy_grant_are_told_apart() {
        for (text, only) in [
            (
                r#"forbid (principal, action, resource) when { context.public && !context.conditional };"#,
                true,
            ),
            (
                r#"forbid (principal, action, resource) when { !context.conditional && context.cross_account };"#,
                true,
            ),
            (
                r#"forbid (principal, action, resource) when { context.granted_through == "resource" };"#,
                true,
            ),
            // a disjunction, a negation, the other value: may match identity grants
            (
                r#"forbid (principal, action, resource) when { context.public || context.resource_is_star };"#,
                false,
            ),
            (
                r#"forbid (principal, action, resource) when { !context.public };"#,
                false,
            ),
            (
                r#"forbid (principal, action, resource) when { context.granted_through == "identity" };"#,
                false,
            ),
            // `unless` does not restrict what is asked
            (
                r#"forbid (principal, action, resource) unless { context.public };"#,
                false,
            ),
            (r#"forbid (principal, action, resource);"#, false),
        ] {
            assert_eq!(only_resource_grants(&policy(text)), only, "{text}");
        }
    }

    fn policy(text: &str) -> Policy {
        Policy::parse(None, text).expect("policy")
    }

    #[test]
    fn rules_that_read_the_permission_in_their_conditions_are_told_apart() {
        let scoped_only = r#"@why("reads every resource") forbid (principal, action == Guard::Action::"hold", resource in Iam::Risk::"data-access")
when { context.via_wildcard && context.resource_is_star && context.resource_pattern != "resource" };"#;
        assert!(!conditions_read_resource(&policy(scoped_only)));
        let reads = r#"forbid (principal, action, resource in Iam::Service::"aws:iam")
unless { resource == Iam::Permission::"iam:PassRole" };"#;
        assert!(conditions_read_resource(&policy(reads)));
        let attr = r#"forbid (principal, action, resource) when { resource.name like "iam:*" };"#;
        assert!(conditions_read_resource(&policy(attr)));
    }
}
