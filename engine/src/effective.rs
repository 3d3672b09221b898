//! Effective permissions of a principal: its own inline and attached policies plus its groups',
//! minus explicit denies, capped by its permission boundary, expanded against the catalog.
//!
//! Grants stay statement-shaped (an action *set* per statement) so a principal with `*` costs one
//! bitset, not 20,000 rows; [`EffectivePermissions::actions`] gives the per-action view.

use crate::aws::policy::{
    ActionSpec, Condition, Effect, RequestContext, ResourceSpec, Statement, Template, Truth,
    Unresolved,
};
use crate::aws::{Inventory, Policy};
use crate::catalog::{ActionId, ActionSet, AwsCatalog};
use crate::model::{Limit, LimitKind, Origin, Principal, PrincipalKind, ResourceScope};
use rustc_hash::FxHashMap;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

/// The origin of `stmt` of `policy`, held through `via_group`.
fn origin(policy: &Policy, stmt: &Statement, via_group: Option<&str>) -> Origin {
    crate::aws::statement_origin(
        (&policy.id, &policy.name, policy.kind),
        via_group,
        &policy.location,
        "",
        stmt,
    )
}

/// The origin of statement `stmt` of organisation policy `p`.
fn scp_origin(
    p: &crate::model::OrgPolicy<crate::aws::policy::PolicyDocument>,
    stmt: &Statement,
) -> Origin {
    crate::aws::statement_origin(
        (&p.id, &p.name, crate::model::PolicyKind::ServiceControl),
        None,
        &p.location,
        ".Content",
        stmt,
    )
}

/// One statement-level entitlement after denies and boundary: the model's grant, lowered from
/// an IAM statement.
pub type EffectiveGrant = crate::model::Grant;

/// An action pattern that matches nothing in the catalog. Close names ("did you mean") are
/// looked up only for what is shown: [`AwsCatalog::suggest`] on `pattern`.
#[derive(Debug, Clone, Serialize)]
pub struct UnknownAction {
    /// The pattern as written.
    pub pattern: String,
    /// Where.
    pub origin: Origin,
}

impl UnknownAction {
    fn new(pattern: &str, origin: Origin) -> Self {
        UnknownAction {
            pattern: pattern.to_string(),
            origin,
        }
    }
}

/// Every action pattern in the inventory's policies that matches no catalog action, once per
/// policy statement (not once per principal holding it).
pub fn unknown_actions(catalog: &AwsCatalog, inventory: &Inventory) -> Vec<UnknownAction> {
    // a pattern is expanded once, however many statements write it
    let mut known: HashMap<&str, bool> = HashMap::new();
    let mut out = Vec::new();
    for policy in inventory.policies.values() {
        for stmt in &policy.document.statements {
            if let ActionSpec::Action(pats) = &stmt.action {
                for p in pats {
                    let matches = *known
                        .entry(p.as_str())
                        .or_insert_with(|| !catalog.expand(p).is_empty());
                    if !matches {
                        out.push(UnknownAction::new(p, origin(policy, stmt, None)));
                    }
                }
            }
        }
    }
    out
}

/// Effective permissions of one principal.
#[derive(Debug, Clone, Serialize)]
pub struct EffectivePermissions {
    /// Principal id.
    pub principal: String,
    /// The grants.
    pub grants: Vec<EffectiveGrant>,
    /// Patterns the catalog does not know.
    pub unknown_actions: Vec<UnknownAction>,
    /// Policies the principal references that the input lacks: what they grant is unknown.
    pub missing_policies: Vec<String>,
    /// Permission boundary, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub boundary: Option<String>,
    /// What the identity policies grant but the organisation's SCPs do not let the principal use.
    pub blocked: Vec<Blocked>,
}

/// Actions an organisation policy takes away: an SCP's `Deny`, or a level of the tree whose
/// SCPs do not allow them.
#[derive(Debug, Clone, Serialize)]
pub struct Blocked {
    /// The actions.
    #[serde(skip)]
    pub actions: ActionSet,
    /// How many.
    pub action_count: usize,
    /// The SCP statement that denies them, or the level that does not allow them.
    pub origin: Origin,
    /// The parts of the principal's grants taken away: each its grant with `actions` cut down to
    /// what this policy removed.
    #[serde(skip)]
    pub grants: Vec<EffectiveGrant>,
}

/// Runs `cut` on every grant; returns what it took from each (the grant with only those actions).
fn cut_grants(
    grants: &mut [EffectiveGrant],
    mut cut: impl FnMut(&mut EffectiveGrant),
) -> Vec<EffectiveGrant> {
    let mut pieces = Vec::new();
    for g in grants.iter_mut() {
        let before = g.actions.clone();
        cut(g);
        let mut gone = before;
        gone.subtract(&g.actions);
        if !gone.is_empty() {
            let mut piece = g.clone();
            piece.actions = gone;
            piece.limits.clear();
            pieces.push(piece);
        }
    }
    pieces
}

impl Blocked {
    fn new(origin: Origin, grants: Vec<EffectiveGrant>, catalog: &AwsCatalog) -> Option<Blocked> {
        let mut actions = catalog.empty_set();
        for g in &grants {
            actions.union_with(&g.actions);
        }
        (!actions.is_empty()).then(|| Blocked {
            action_count: actions.len(),
            actions,
            origin,
            grants,
        })
    }
}

/// One action with every grant that gives it, for the per-action view.
#[derive(Debug, Clone, Serialize)]
pub struct ActionGrant<'a> {
    /// Catalog name.
    pub action: &'a str,
    /// Grants giving it.
    pub via: Vec<&'a EffectiveGrant>,
}

impl EffectivePermissions {
    /// All actions held in any way.
    pub fn held(&self, catalog: &AwsCatalog) -> ActionSet {
        let mut s = catalog.empty_set();
        for g in &self.grants {
            s.union_with(&g.actions);
        }
        s
    }

    /// Actions held on `*` with no condition and no narrowing.
    pub fn held_unconditionally_on_any(&self, catalog: &AwsCatalog) -> ActionSet {
        let mut s = catalog.empty_set();
        for g in self
            .grants
            .iter()
            .filter(|g| !g.conditional && g.resources == ResourceScope::Any)
        {
            let mut a = g.actions.clone();
            for l in &g.limits {
                a.subtract(&l.actions);
            }
            s.union_with(&a);
        }
        s
    }

    /// Per-action view, in catalog order, restricted to `filter` when given.
    pub fn actions<'a>(
        &'a self,
        catalog: &'a AwsCatalog,
        filter: Option<&ActionSet>,
    ) -> Vec<ActionGrant<'a>> {
        let mut by_action: BTreeMap<ActionId, Vec<&EffectiveGrant>> = BTreeMap::new();
        for g in &self.grants {
            for id in g.actions.iter() {
                if filter.is_none_or(|f| f.contains(id)) {
                    by_action.entry(id).or_default().push(g);
                }
            }
        }
        by_action
            .into_iter()
            .map(|(id, via)| ActionGrant {
                action: &catalog.action(id).name,
                via,
            })
            .collect()
    }
}

/// Computes effective permissions, caching wildcard expansion across principals.
pub struct Resolver<'a> {
    catalog: &'a AwsCatalog,
    inventory: &'a Inventory,
    /// Lower-cased pattern → what it expands to.
    patterns: FxHashMap<String, Arc<ActionSet>>,
    /// (policy id, statement index) → its actions: a managed policy's statements are expanded
    /// once for all the principals that hold it.
    statements: FxHashMap<(&'a str, usize), Arc<ActionSet>>,
    /// Principal id → what same-account resource policies grant it by name (its ARN, or for a
    /// role a session of it): the statement alone allows, no identity policy needed.
    named_by_resources: Arc<FxHashMap<String, Vec<NamedGrant>>>,
}

struct Stmt<'a> {
    policy: &'a Policy,
    stmt: &'a Statement,
    via_group: Option<&'a str>,
}

impl<'a> Resolver<'a> {
    /// A resolver over `inventory`.
    pub fn new(catalog: &'a AwsCatalog, inventory: &'a Inventory) -> Self {
        Resolver {
            catalog,
            inventory,
            patterns: FxHashMap::default(),
            statements: FxHashMap::default(),
            named_by_resources: Arc::new(named_by_resources(catalog, inventory)),
        }
    }

    fn expand(&mut self, pattern: &str) -> Arc<ActionSet> {
        if let Some(s) = self.patterns.get(pattern) {
            return s.clone();
        }
        let key = pattern.to_ascii_lowercase();
        if let Some(s) = self.patterns.get(&key) {
            let s = s.clone();
            self.patterns.insert(pattern.to_string(), s.clone());
            return s;
        }
        let s = Arc::new(self.catalog.expand(pattern));
        self.patterns.insert(key, s.clone());
        self.patterns.insert(pattern.to_string(), s.clone());
        s
    }

    fn statement_actions(&mut self, policy: &'a Policy, stmt: &Statement) -> ActionSet {
        let key = (policy.id.as_str(), stmt.index);
        if let Some(s) = self.statements.get(&key) {
            return ActionSet::clone(s);
        }
        let mut set = self.catalog.empty_set();
        for p in stmt.action.patterns() {
            set.union_with(&self.expand(p));
        }
        if matches!(stmt.action, ActionSpec::NotAction(_)) {
            set = set.complement(self.catalog.len());
        }
        // the clone is exact-sized: the set grew by unions and holds spare capacity
        let set = Arc::new(set);
        self.statements.insert(key, set.clone());
        ActionSet::clone(&set)
    }

    /// The context a principal determines by itself: its name, ARN, account, tags.
    pub(crate) fn principal_context(p: &Principal) -> RequestContext {
        let mut ctx = RequestContext::default();
        ctx.insert("aws:PrincipalArn", &p.id);
        ctx.insert("aws:PrincipalAccount", &p.scope);
        ctx.know_prefix("aws:PrincipalArn");
        ctx.know_prefix("aws:PrincipalAccount");
        ctx.know_prefix("aws:PrincipalTag/");
        ctx.know_prefix("aws:username");
        ctx.know_prefix("aws:PrincipalType");
        if p.kind == PrincipalKind::User {
            ctx.insert("aws:username", &p.name);
            ctx.insert("aws:PrincipalType", "User");
        } else {
            ctx.insert("aws:PrincipalType", "AssumedRole");
        }
        for (k, v) in &p.tags {
            ctx.insert(&format!("aws:PrincipalTag/{k}"), v);
        }
        ctx
    }

    /// Effective permissions of `principal`.
    pub fn resolve(&mut self, principal: &'a Principal) -> EffectivePermissions {
        let inv = self.inventory;
        let ctx = Self::principal_context(principal);
        let mut missing = BTreeSet::new();
        let mut stmts: Vec<Stmt<'a>> = Vec::new();
        let mut add = |ids: &'a [String], via: Option<&'a str>, missing: &mut BTreeSet<String>| {
            for id in ids {
                match inv.policies.get(id) {
                    Some(policy) => {
                        stmts.extend(policy.document.statements.iter().map(|stmt| Stmt {
                            policy,
                            stmt,
                            via_group: via,
                        }))
                    }
                    None => {
                        missing.insert(id.clone());
                    }
                }
            }
        };
        add(&principal.policies, None, &mut missing);
        for g in &principal.groups {
            match inv.principal(g) {
                Some(group) => add(&group.policies, Some(g.as_str()), &mut missing),
                None => {
                    missing.insert(g.clone());
                }
            }
        }
        let boundary: Option<&'a Policy> = principal.boundary.as_ref().and_then(|b| {
            let p = inv.policies.get(b);
            if p.is_none() {
                missing.insert(b.clone());
            }
            p
        });

        let mut grants = Vec::new();
        let mut unknown_actions = Vec::new();
        let mut denies: Vec<(ActionSet, ResourceScope, bool, Origin)> = Vec::new();
        let boundary_stmts: Vec<Stmt<'a>> = boundary
            .map(|b| {
                b.document
                    .statements
                    .iter()
                    .map(|s| Stmt {
                        policy: b,
                        stmt: s,
                        via_group: None,
                    })
                    .collect()
            })
            .unwrap_or_default();
        // the same policy may be attached and be the boundary: which list a statement comes from
        // says which role it plays, not the policy
        let tagged = stmts
            .iter()
            .map(|s| (s, false))
            .chain(boundary_stmts.iter().map(|s| (s, true)));
        for (s, is_boundary) in tagged {
            if s.stmt.effect == Effect::Allow && is_boundary {
                continue;
            }
            if let ActionSpec::Action(pats) = &s.stmt.action {
                for p in pats {
                    if self.expand(p).is_empty() {
                        let origin = origin(s.policy, s.stmt, s.via_group);
                        unknown_actions.push(UnknownAction::new(p, origin));
                    }
                }
            }
            let Some((conditions, resources)) =
                settle(s.policy.document.version.supports_variables(), s.stmt, &ctx)
            else {
                continue; // the principal's own context rules the statement out
            };
            let origin = origin(s.policy, s.stmt, s.via_group);
            let actions = self.statement_actions(s.policy, s.stmt);
            match s.stmt.effect {
                Effect::Deny => denies.push((actions, resources, !conditions.is_empty(), origin)),
                Effect::Allow => grants.push(EffectiveGrant {
                    via_wildcard: matches!(s.stmt.action, ActionSpec::NotAction(_))
                        || s.stmt
                            .action
                            .patterns()
                            .iter()
                            .any(|p| p.contains(['*', '?'])),
                    actions,
                    action_spec: s.stmt.action.lower(),
                    resources,
                    conditional: !conditions.is_empty(),
                    conditions: conditions.iter().map(Condition::lower).collect(),
                    origin,
                    limits: Vec::new(),
                }),
            }
        }

        for g in &mut grants {
            apply_denies(g, &denies);
        }
        if let Some(b) = boundary {
            grants = self.apply_boundary(grants, b, &ctx);
        }
        // a same-account resource policy naming the principal allows on its own; explicit denies
        // still apply, and a role's boundary (a user's ARN, or a session's, bypasses it)
        let named = Arc::clone(&self.named_by_resources);
        if let Some(mine) = named.get(&principal.id) {
            let mut through_boundary = Vec::new();
            for n in mine {
                let mut g = n.grant.clone();
                apply_denies(&mut g, &denies);
                if principal.kind == PrincipalKind::Role && !n.session && boundary.is_some() {
                    through_boundary.push(g);
                } else {
                    grants.push(g);
                }
            }
            if let Some(b) = boundary {
                grants.extend(self.apply_boundary(through_boundary, b, &ctx));
            }
        }
        let blocked = self.apply_scps(&mut grants, principal, &ctx);
        grants.retain(|g| !g.actions.is_empty());
        // every principal's grants are kept until the job ends: no spare capacity
        grants.shrink_to_fit();
        for g in &mut grants {
            g.limits.shrink_to_fit();
        }
        EffectivePermissions {
            principal: principal.id.clone(),
            grants,
            unknown_actions,
            missing_policies: missing.into_iter().collect(),
            blocked,
            boundary: principal.boundary.clone(),
        }
    }

    /// The organisation's SCPs over `grants`: each level from the root to the account must allow
    /// (what no statement of a level allows is taken away), and SCP denies apply like the
    /// principal's own. Not for the management account, service-linked roles, or accounts the
    /// organisation does not list.
    fn apply_scps(
        &mut self,
        grants: &mut [EffectiveGrant],
        principal: &Principal,
        ctx: &RequestContext,
    ) -> Vec<Blocked> {
        use crate::model::OrgPolicyKind;
        let mut blocked = Vec::new();
        let Some(org) = &self.inventory.organization else {
            return blocked;
        };
        if org.management_account.as_deref() == Some(principal.scope.as_str())
            || principal.path.starts_with("/aws-service-role/")
        {
            return blocked;
        }
        let (Some(path), Some(levels)) = (
            org.path(&principal.scope),
            org.levels(&principal.scope, OrgPolicyKind::ServiceControl),
        ) else {
            return blocked;
        };
        for (node, level) in path.iter().zip(levels) {
            let mut allowed = self.catalog.empty_set();
            let mut conditional_allow = false;
            let mut denies = Vec::new();
            for p in &level {
                let vars = p.document.version.supports_variables();
                for s in &p.document.statements {
                    let Some((conds, res)) = settle(vars, s, ctx) else {
                        continue;
                    };
                    let mut acts = self.catalog.empty_set();
                    for pat in s.action.patterns() {
                        acts.union_with(&self.expand(pat));
                    }
                    if matches!(s.action, ActionSpec::NotAction(_)) {
                        acts = acts.complement(self.catalog.len());
                    }
                    let origin = scp_origin(p, s);
                    match s.effect {
                        Effect::Allow => {
                            conditional_allow |= !conds.is_empty() || res != ResourceScope::Any;
                            allowed.union_with(&acts);
                        }
                        Effect::Deny => denies.push((acts, res, !conds.is_empty(), origin)),
                    }
                }
            }
            // what this level does not allow
            let pieces = cut_grants(grants, |g| {
                g.actions.intersect_with(&allowed);
                if conditional_allow && !g.actions.is_empty() {
                    g.conditional = true;
                }
            });
            let name = org.names.get(*node).map_or(*node, String::as_str);
            let origin = level.first().map_or_else(
                || Origin {
                    policy: (*node).to_string(),
                    policy_name: format!("no SCP attached at {name}"),
                    policy_kind: crate::model::PolicyKind::ServiceControl,
                    via_group: None,
                    statement: 0,
                    sid: None,
                    location: crate::source::Location {
                        file: "organisation export".into(),
                        json_path: (*node).to_string(),
                        span: None,
                        line: None,
                        column: None,
                    },
                },
                |p| Origin {
                    policy_name: format!("SCPs at {name} (none allows these)"),
                    ..scp_origin(p, &p.document.statements[0])
                },
            );
            blocked.extend(Blocked::new(origin, pieces, self.catalog));
            // its denies, like the principal's own; record what unconditional ones take away
            for deny in denies {
                let pieces = cut_grants(grants, |g| apply_denies(g, std::slice::from_ref(&deny)));
                blocked.extend(Blocked::new(deny.3, pieces, self.catalog));
            }
        }
        blocked
    }

    fn apply_boundary(
        &mut self,
        grants: Vec<EffectiveGrant>,
        boundary: &'a Policy,
        ctx: &RequestContext,
    ) -> Vec<EffectiveGrant> {
        let vars = boundary.document.version.supports_variables();
        let allows: Vec<(ActionSet, ResourceScope, bool, Origin)> = boundary
            .document
            .statements
            .iter()
            .filter(|s| s.effect == Effect::Allow)
            .filter_map(|s| {
                let (conds, res) = settle(vars, s, ctx)?;
                Some((
                    self.statement_actions(boundary, s),
                    res,
                    !conds.is_empty(),
                    origin(boundary, s, None),
                ))
            })
            .collect();
        let mut out = Vec::new();
        let mut narrowed_grants = Vec::new();
        for mut g in grants {
            let mut full = self.catalog.empty_set();
            for (acts, res, conditional, _) in &allows {
                if !*conditional && covers(res, &g.resources) {
                    full.union_with(&g.actions.intersection(acts));
                }
            }
            for (acts, res, conditional, origin) in &allows {
                let mut a = g.actions.intersection(acts);
                a.subtract(&full);
                if a.is_empty() {
                    continue;
                }
                let (resources, exact) = intersect(&g.resources, res);
                let mut narrowed = g.clone();
                narrowed.actions = a.clone();
                narrowed.resources = resources;
                narrowed.conditional = g.conditional || *conditional || !exact;
                narrowed.limits.retain(|l| l.actions.intersects(&a));
                narrowed.limits.push(Limit {
                    kind: LimitKind::Boundary,
                    action_count: a.len(),
                    actions: a,
                    origin: origin.clone(),
                    resources: res.clone(),
                });
                narrowed_grants.push(narrowed);
            }
            g.actions = full;
            for l in &mut g.limits {
                l.actions.intersect_with(&g.actions);
                l.action_count = l.actions.len();
            }
            g.limits.retain(|l| !l.actions.is_empty());
            out.push(g);
        }
        out.extend(narrowed_grants);
        out
    }
}

/// A resource-policy grant naming a principal.
struct NamedGrant {
    grant: EffectiveGrant,
    /// Named as a session of the role, not as the role: the role's boundary does not apply.
    session: bool,
}

/// Principal id → the grants of same-account resource policies that name it (or, for a role, a
/// session of it).
fn named_by_resources(catalog: &AwsCatalog, inv: &Inventory) -> FxHashMap<String, Vec<NamedGrant>> {
    use crate::aws::resource_grants::names_on_its_own;
    let mut out: FxHashMap<String, Vec<NamedGrant>> = FxHashMap::default();
    if inv.resource_policies.is_empty() {
        return out;
    }
    for rg in resource_grants_after_rcps(catalog, inv, false) {
        if let Some((p, session)) = names_on_its_own(inv, &rg) {
            out.entry(p.id.clone()).or_default().push(NamedGrant {
                grant: rg.grant,
                session,
            });
        }
    }
    out
}

/// What the snapshots' resource policies (and, with `trust`, trust policies) grant, after the
/// resource control policies of each resource's account: an RCP `Deny` that the grantee's own
/// facts settle (its ARN, account, whether its account is in the organisation) removes what it
/// covers; one they cannot settle stays as a limit and makes the grant conditional. RCPs apply
/// to the services AWS lists, not to service-linked roles; AWS's `RCPFullAWSAccess` allows
/// everything at every level, so only denies take anything away.
pub(crate) fn resource_grants_after_rcps(
    catalog: &AwsCatalog,
    inv: &Inventory,
    trust: bool,
) -> Vec<crate::aws::resource_grants::ResourceGrant> {
    use crate::aws::policy::RCP_SERVICES;
    use crate::aws::resource_grants::{resource_grants, Grantee};
    use crate::model::OrgPolicyKind;
    let mut grants = resource_grants(inv, catalog, trust);
    let Some(org) = &inv.organization else {
        return grants;
    };
    for rg in &mut grants {
        let service = rg.resource.split(':').nth(2).unwrap_or_default();
        let service = if service == "iam" { "sts" } else { service };
        let levels = rg
            .owner
            .as_deref()
            .and_then(|o| org.levels(o, OrgPolicyKind::ResourceControl));
        let (true, Some(levels)) = (RCP_SERVICES.contains(&service), levels) else {
            continue;
        };
        if let Grantee::Principal { arn, .. } = &rg.grantee {
            if arn.contains(":role/aws-service-role/") {
                continue;
            }
        }
        // what the grantee settles by itself
        let mut ctx = RequestContext::default();
        let account = rg.grantee.account().map(str::to_string);
        if let Grantee::Principal { arn, .. } = &rg.grantee {
            ctx.insert("aws:PrincipalArn", arn);
            ctx.know_prefix("aws:PrincipalArn");
        }
        if let Some(a) = &account {
            ctx.insert("aws:PrincipalAccount", a);
            ctx.know_prefix("aws:PrincipalAccount");
            if org.parents.contains_key(a) {
                ctx.insert("aws:PrincipalOrgID", &org.id);
                ctx.know_prefix("aws:PrincipalOrgID");
            }
        }
        if let Grantee::Service(s) = &rg.grantee {
            ctx.insert("aws:PrincipalServiceName", s);
            ctx.insert("aws:PrincipalIsAWSService", "true");
            ctx.know_prefix("aws:PrincipalServiceName");
            ctx.know_prefix("aws:PrincipalIsAWSService");
        }
        let mut denies = Vec::new();
        for p in levels.iter().flatten() {
            let vars = p.document.version.supports_variables();
            for s in p
                .document
                .statements
                .iter()
                .filter(|s| s.effect == Effect::Deny)
            {
                let Some((conds, res)) = settle(vars, s, &ctx) else {
                    continue;
                };
                let mut acts = catalog.empty_set();
                for pat in s.action.patterns() {
                    acts.union_with(&catalog.expand(pat));
                }
                if matches!(s.action, ActionSpec::NotAction(_)) {
                    acts = acts.complement(catalog.len());
                }
                let origin = crate::aws::statement_origin(
                    (&p.id, &p.name, crate::model::PolicyKind::ServiceControl),
                    None,
                    &p.location,
                    ".Content",
                    s,
                );
                denies.push((acts, res, !conds.is_empty(), origin));
            }
        }
        apply_denies(&mut rg.grant, &denies);
    }
    grants.retain(|rg| !rg.grant.actions.is_empty());
    grants
}

/// Evaluates what the principal alone settles: conditions on its own keys, variables in resources.
/// `None` when the statement cannot apply to this principal.
fn settle(
    variables: bool,
    stmt: &Statement,
    ctx: &RequestContext,
) -> Option<(Vec<Condition>, ResourceScope)> {
    let mut remaining = Vec::new();
    for c in &stmt.conditions {
        match c.evaluate(ctx, variables, &mut BTreeSet::new()) {
            Truth::True => {}
            Truth::False => return None,
            Truth::Unknown => remaining.push(c.clone()),
        }
    }
    let resolve = |pats: &[String]| -> Vec<String> {
        pats.iter()
            .filter_map(|p| match Template::parse(p, variables).resolve(ctx) {
                Ok(s) => Some(s),
                Err(Unresolved::Absent(_)) => None,
                Err(_) => Some(p.clone()),
            })
            .collect()
    };
    let resources = match &stmt.resource {
        None => ResourceScope::Any,
        Some(r) if r.is_star() => ResourceScope::Any,
        Some(ResourceSpec::Resource(p)) => {
            let p = resolve(p);
            if p.is_empty() {
                return None;
            }
            ResourceScope::Patterns(p)
        }
        Some(ResourceSpec::NotResource(p)) => ResourceScope::Except(resolve(p)),
    };
    Some((remaining, resources))
}

/// True when every resource `inner` names is named by `outer` (sound, not complete).
pub(crate) fn covers(outer: &ResourceScope, inner: &ResourceScope) -> bool {
    match (outer, inner) {
        (ResourceScope::Any, _) => true,
        (ResourceScope::Patterns(o), ResourceScope::Patterns(i)) => {
            i.iter().all(|ip| o.iter().any(|op| pattern_covers(op, ip)))
        }
        (ResourceScope::Except(o), ResourceScope::Patterns(i)) => {
            // every inner pattern must be disjoint from every excluded pattern; only provable when literal
            i.iter().all(|ip| {
                !ip.contains(['*', '?']) && !o.iter().any(|op| crate::glob::matches(op, ip, false))
            })
        }
        _ => false,
    }
}

/// True when every ARN matched by `inner` is matched by `outer`: `outer`'s `*` may absorb any part of
/// `inner` (wildcards included); a `?` in `outer` could meet a `*` in `inner`, so it only matches exactly.
fn pattern_covers(outer: &str, inner: &str) -> bool {
    if outer.contains("${") || inner.contains("${") {
        return outer == inner;
    }
    if outer.contains('?') {
        return outer == inner;
    }
    crate::glob::matches(outer, inner, false)
}

/// True when no resource is in both scopes (provable only between pattern lists: no pair of
/// patterns has a common match; a pattern with an unresolved variable may match anything).
fn disjoint(a: &ResourceScope, b: &ResourceScope) -> bool {
    let (ResourceScope::Patterns(a), ResourceScope::Patterns(b)) = (a, b) else {
        return false;
    };
    a.iter().all(|x| {
        b.iter().all(|y| {
            !x.contains("${") && !y.contains("${") && crate::glob::common_witness(x, y).is_none()
        })
    })
}

/// Intersection of two scopes, and whether it is exact.
fn intersect(a: &ResourceScope, b: &ResourceScope) -> (ResourceScope, bool) {
    if covers(b, a) {
        (a.clone(), true)
    } else if covers(a, b) {
        (b.clone(), true)
    } else {
        (a.clone(), false)
    }
}

fn apply_denies(g: &mut EffectiveGrant, denies: &[(ActionSet, ResourceScope, bool, Origin)]) {
    for (acts, res, conditional, origin) in denies {
        if !g.actions.intersects(acts) || disjoint(res, &g.resources) {
            continue;
        }
        if !*conditional && covers(res, &g.resources) {
            g.actions.subtract(acts);
            continue;
        }
        let a = g.actions.intersection(acts);
        g.limits.push(Limit {
            kind: if *conditional {
                LimitKind::ConditionalDeny
            } else {
                LimitKind::DenyOnSomeResources
            },
            action_count: a.len(),
            actions: a,
            origin: origin.clone(),
            resources: res.clone(),
        });
        if *conditional {
            g.conditional = true;
        }
    }
}

/// Effective permissions of every principal that can act (users and roles), sorted by id.
///
/// Principals are resolved on every core, one resolver (and its caches) per worker.
pub fn resolve_all(catalog: &AwsCatalog, inventory: &Inventory) -> Vec<EffectivePermissions> {
    use rayon::prelude::*;
    inventory
        .principals
        .par_iter()
        .filter(|p| p.kind != PrincipalKind::Group)
        .map_init(|| Resolver::new(catalog, inventory), |r, p| r.resolve(p))
        .collect()
}

#[cfg(test)]
mod tests;
