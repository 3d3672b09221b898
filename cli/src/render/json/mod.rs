//! The JSON wire format: typed, versioned documents, one per command, built from the engine's
//! report types. Engine structs never reach the output directly, so an engine refactor cannot
//! change what users' scripts read; `docs/formats.md` lists every field.

mod activity;
mod recommend;

pub use activity::{outcome, record, AlertDoc, Events, IngestJournal, Prune, WatchIngest};
pub use recommend::Recommend;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use whittle_engine::aws::policy::{Decision, Effect, MatchedStatement, Simulation, Truth};
use whittle_engine::catalog::{AccessLevel, AwsCatalog};
use whittle_engine::model::{PolicyKind, PrincipalKind};
use whittle_engine::{LimitKind, ResourceScope};

/// Version of every JSON document (see `docs/formats.md` for what changed).
pub const VERSION: u32 = 2;

/// A document: the version, the catalog the answers come from, and the command's own fields.
#[derive(Serialize)]
pub struct Doc<T: Serialize> {
    version: u32,
    catalog: CatalogRef,
    #[serde(flatten)]
    body: T,
}

impl<T: Serialize> Doc<T> {
    /// `body` with the version and the catalog it was answered with.
    pub fn new(catalog: &AwsCatalog, body: T) -> Self {
        Doc {
            version: VERSION,
            catalog: CatalogRef::of(catalog),
            body,
        }
    }

    /// `body` answered with the GCP catalog.
    pub fn gcp(body: T) -> Self {
        let h = whittle_engine::catalog::GcpCatalog::embedded().header();
        Doc {
            version: VERSION,
            catalog: CatalogRef {
                provider: "gcp",
                source: h.source.clone(),
                version: h.version.clone(),
                date: h.date.clone(),
            },
            body,
        }
    }
}

/// `inventory`'s GCP part.
#[derive(Serialize)]
pub struct GcpInventoryDoc<'a> {
    pub files: usize,
    #[serde(flatten)]
    pub summary: &'a whittle_engine::gcp::summary::GcpSummary,
    pub errors: Vec<String>,
    pub warnings: Vec<String>,
}

impl<'a> From<&'a whittle_engine::GcpInventory> for GcpInventoryDoc<'a> {
    fn from(g: &'a whittle_engine::GcpInventory) -> Self {
        GcpInventoryDoc {
            files: g.load.files,
            summary: &g.summary,
            errors: g.load.errors.iter().map(ToString::to_string).collect(),
            warnings: g.load.warnings.iter().map(ToString::to_string).collect(),
        }
    }
}

/// `explain` of an Azure principal.
#[derive(Serialize)]
pub struct AzureExplainDoc<'a> {
    pub provider: &'static str,
    pub principal_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub principal_name: Option<&'a str>,
    pub principal_type: &'a str,
    pub assignments: Vec<AzureAssignmentDoc<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub denied_by: Option<Vec<AzureDenyRef<'a>>>,
    pub errors: Vec<String>,
    pub warnings: Vec<String>,
}

#[derive(Serialize)]
pub struct AzureAssignmentDoc<'a> {
    pub role: &'a str,
    pub role_kind: &'static str,
    pub scope: &'a str,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    pub reaches: &'a [String],
    pub level: whittle_engine::azure::ScopeLevel,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<&'a str>,
    pub actions: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grants: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub used_in_window: Option<&'a [String]>,
    pub location: String,
}

#[derive(Serialize)]
pub struct AzureDenyRef<'a> {
    pub name: &'a str,
    pub scope: &'a str,
}

impl<'a> From<&'a whittle_engine::AzureExplainReport> for AzureExplainDoc<'a> {
    fn from(r: &'a whittle_engine::AzureExplainReport) -> Self {
        AzureExplainDoc {
            provider: "azure",
            principal_id: &r.principal_id,
            principal_name: r.principal_name.as_deref(),
            principal_type: &r.principal_type,
            assignments: r
                .assignments
                .iter()
                .map(|a| AzureAssignmentDoc {
                    role: &a.role,
                    role_kind: a.role_kind,
                    scope: &a.scope,
                    reaches: &a.reaches,
                    level: a.level,
                    condition: a.condition.as_deref(),
                    actions: &a.actions,
                    grants: a.grants,
                    used_in_window: a.used_in_window.as_deref(),
                    location: a.location.to_string(),
                })
                .collect(),
            action: r.action.as_deref(),
            denied_by: r.action.as_ref().map(|_| {
                r.denied_by
                    .iter()
                    .map(|(n, s)| AzureDenyRef { name: n, scope: s })
                    .collect()
            }),
            errors: r.load.errors.iter().map(ToString::to_string).collect(),
            warnings: r.load.warnings.iter().map(ToString::to_string).collect(),
        }
    }
}

/// `explain` of a GCP member.
#[derive(Serialize)]
pub struct GcpExplainDoc<'a> {
    pub provider: &'static str,
    pub principal: &'a str,
    pub kind: &'static str,
    pub named: bool,
    pub bindings: Vec<GcpBindingDoc<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub permissions: Option<BTreeMap<&'a str, Vec<GcpBindingRef<'a>>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_held: Option<usize>,
    /// Per held permission, the deny policies that deny it (`name on attachment`).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub denied: &'a BTreeMap<String, Vec<String>>,
    pub errors: Vec<String>,
    pub warnings: Vec<String>,
}

#[derive(Serialize)]
pub struct GcpBindingDoc<'a> {
    pub role: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<&'a str>,
    pub resource: &'a str,
    pub reaches: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    pub via: Option<&'a str>,
    pub state: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<&'a whittle_engine::gcp::Condition>,
    /// `null` when the role is unknown.
    pub permissions: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub used_in_window: Option<usize>,
    pub location: String,
}

/// A binding that grants a permission, by role and resource.
#[derive(Serialize)]
pub struct GcpBindingRef<'a> {
    pub role: &'a str,
    pub resource: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub via: Option<&'a str>,
    pub state: &'static str,
}

impl<'a> From<&'a whittle_engine::GcpExplainReport> for GcpExplainDoc<'a> {
    fn from(r: &'a whittle_engine::GcpExplainReport) -> Self {
        GcpExplainDoc {
            provider: "gcp",
            principal: &r.principal,
            kind: r.kind.principal_kind().as_str(),
            named: r.named,
            bindings: r
                .bindings
                .iter()
                .map(|b| GcpBindingDoc {
                    role: &b.role,
                    title: b.title.as_deref(),
                    resource: &b.resource,
                    reaches: &b.reaches,
                    via: b.via.as_deref(),
                    state: b.state,
                    condition: b.condition.as_ref(),
                    permissions: b.permissions,
                    used_in_window: b.used_in_window,
                    location: b.location.to_string(),
                })
                .collect(),
            permissions: r.permissions.as_ref().map(|m| {
                m.iter()
                    .map(|(p, ix)| {
                        let refs = ix
                            .iter()
                            .filter_map(|&i| r.bindings.get(i))
                            .map(|b| GcpBindingRef {
                                role: &b.role,
                                resource: &b.resource,
                                via: b.via.as_deref(),
                                state: b.state,
                            })
                            .collect();
                        (p.as_str(), refs)
                    })
                    .collect()
            }),
            not_held: r.permissions.as_ref().map(|_| r.not_held),
            denied: &r.denied,
            errors: r.load.errors.iter().map(ToString::to_string).collect(),
            warnings: r.load.warnings.iter().map(ToString::to_string).collect(),
        }
    }
}

/// `catalog show roles/…`.
#[derive(Serialize)]
pub struct GcpRoleDoc {
    pub provider: &'static str,
    pub role: String,
    pub title: String,
    pub stage: String,
    pub count: usize,
    pub permissions: Vec<String>,
}

/// `catalog show` of a GCP permission.
#[derive(Serialize)]
pub struct GcpPermissionDoc {
    pub provider: &'static str,
    pub permission: String,
    pub service: String,
    pub roles: Vec<String>,
}

/// `catalog expand` of a GCP pattern.
#[derive(Serialize)]
pub struct GcpExpandDoc {
    pub provider: &'static str,
    pub pattern: String,
    pub count: usize,
    pub permissions: Vec<String>,
}

/// Which catalog answered: its source, version and date.
#[derive(Serialize)]
pub struct CatalogRef {
    provider: &'static str,
    source: String,
    version: String,
    date: String,
}

impl CatalogRef {
    /// The catalog `c` named by source, version and date.
    pub fn of(c: &AwsCatalog) -> Self {
        let h = c.header();
        CatalogRef {
            provider: "aws",
            source: h.source.clone(),
            version: h.version.clone(),
            date: h.date.clone(),
        }
    }
}

pub fn severity(s: whittle_engine::rules::Severity) -> &'static str {
    s.as_str()
}

fn policy_kind(k: PolicyKind) -> &'static str {
    match k {
        PolicyKind::Inline => "inline",
        PolicyKind::CustomerManaged => "customer-managed",
        PolicyKind::AwsManaged => "aws-managed",
        PolicyKind::Trust => "trust",
        PolicyKind::ServiceControl => "service-control",
        PolicyKind::ResourceBased => "resource-based",
        PolicyKind::RoleBinding => "role-binding",
    }
}

pub fn principal_kind(k: PrincipalKind) -> &'static str {
    k.as_str()
}

fn access_level(l: AccessLevel) -> &'static str {
    l.as_str()
}

/// A byte range in an input file.
#[derive(Serialize)]
pub struct Span {
    start: usize,
    end: usize,
}

/// A position in an input file.
#[derive(Serialize)]
pub struct Location {
    file: String,
    json_path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    span: Option<Span>,
    #[serde(skip_serializing_if = "Option::is_none")]
    line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    column: Option<usize>,
}

impl From<&whittle_engine::Location> for Location {
    fn from(l: &whittle_engine::Location) -> Self {
        Location {
            file: l.file.to_string(),
            json_path: l.json_path.clone(),
            span: l.span.as_ref().map(|s| Span {
                start: s.start,
                end: s.end,
            }),
            line: l.line,
            column: l.column,
        }
    }
}

/// The policy statement a grant comes from.
#[derive(Serialize)]
pub struct Origin {
    policy: String,
    policy_name: String,
    policy_kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    via_group: Option<String>,
    statement: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    sid: Option<String>,
    location: Location,
}

impl From<&whittle_engine::Origin> for Origin {
    fn from(o: &whittle_engine::Origin) -> Self {
        Origin {
            policy: o.policy.clone(),
            policy_name: o.policy_name.clone(),
            policy_kind: policy_kind(o.policy_kind),
            via_group: o.via_group.clone(),
            statement: o.statement,
            sid: o.sid.clone(),
            location: Location::from(&o.location),
        }
    }
}

/// Usage evidence of a finding.
#[derive(Serialize)]
pub struct Evidence {
    used: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_used: Option<String>,
    usage_known: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    coverage: Vec<String>,
}

impl From<&whittle_engine::rules::Evidence> for Evidence {
    fn from(e: &whittle_engine::rules::Evidence) -> Self {
        Evidence {
            used: e.used,
            last_used: e.last_used.clone(),
            usage_known: e.usage_known,
            coverage: e.coverage.clone(),
        }
    }
}

/// `whittle usage merge --format json`.
#[derive(Serialize)]
pub struct UsageMerge {
    db: String,
    usage_rows: u64,
    shards: Vec<MergedShard>,
}

#[derive(Serialize)]
struct MergedShard {
    path: String,
    usage_rows: u64,
    log_objects: u64,
    /// Log objects an earlier store had ingested too: counted once.
    overlapping: Vec<String>,
}

impl UsageMerge {
    pub fn new(db: &std::path::Path, r: &whittle_engine::MergeReport) -> Self {
        UsageMerge {
            db: db.display().to_string(),
            usage_rows: r.usage_rows(),
            shards: r
                .shards
                .iter()
                .map(|(p, s)| MergedShard {
                    path: p.display().to_string(),
                    usage_rows: s.usage_rows,
                    log_objects: s.log_objects,
                    overlapping: s.overlapping.iter().map(|o| o.key.clone()).collect(),
                })
                .collect(),
        }
    }
}

/// One finding.
#[derive(Serialize)]
pub struct Finding {
    rule: String,
    severity: &'static str,
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    remediation: Option<String>,
    principal: String,
    permissions: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    granted_by: Option<Origin>,
    evidence: Evidence,
    rule_location: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    notes: Vec<String>,
    /// Who answers for the principal: `{team, contact, from}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    owner: Option<whittle_engine::model::Owner>,
}

impl From<&whittle_engine::rules::Finding> for Finding {
    fn from(f: &whittle_engine::rules::Finding) -> Self {
        Finding {
            rule: f.rule.clone(),
            severity: severity(f.severity),
            message: f.message.clone(),
            remediation: f.remediation.clone(),
            principal: f.principal.clone(),
            permissions: f.permissions.clone(),
            granted_by: f.granted_by.as_ref().map(Origin::from),
            evidence: Evidence::from(&f.evidence),
            rule_location: f.rule_location.clone(),
            notes: f.notes.clone(),
            owner: f.owner.clone(),
        }
    }
}

/// The observation window of a check.
#[derive(Serialize)]
pub struct WindowDoc {
    first_day: String,
    last_day: String,
}

/// `check --format json`.
#[derive(Serialize)]
pub struct Check {
    #[serde(skip_serializing_if = "Option::is_none")]
    window: Option<WindowDoc>,
    /// Input that could not be used, each with its file and position: when not empty, the
    /// findings cover only the rest and the check failed (exit 2).
    errors: Vec<String>,
    /// What was read but is not checked (a template macro, a resource type whittle does not
    /// read), each with its file and position.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    warnings: Vec<String>,
    /// Findings left out by `--principal`, `--rule` or `--severity`.
    filtered_out: usize,
    findings: Vec<Finding>,
    /// Per principal a change touches: the access it adds and removes (with a plan's
    /// before-state or `--baseline`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    access_diff: Vec<AccessDiffDoc>,
}

/// Actions gained or lost on one resource scope.
#[derive(Serialize)]
pub struct ScopedActionsDoc {
    resources: String,
    actions: Vec<String>,
}

/// One principal's change of access.
#[derive(Serialize)]
pub struct AccessDiffDoc {
    principal: String,
    new_principal: bool,
    added: Vec<ScopedActionsDoc>,
    removed: Vec<ScopedActionsDoc>,
    /// Of the permissions it held before, how many it did not use in the window (with `--db`).
    #[serde(skip_serializing_if = "Option::is_none")]
    unused_before: Option<UnusedBefore>,
}

#[derive(Serialize)]
pub struct UnusedBefore {
    unused: usize,
    held: usize,
}

impl From<&whittle_engine::access_diff::AccessDiff> for AccessDiffDoc {
    fn from(d: &whittle_engine::access_diff::AccessDiff) -> Self {
        let scoped = |v: &[whittle_engine::access_diff::ScopedActions]| {
            v.iter()
                .map(|s| ScopedActionsDoc {
                    resources: s.resources.clone(),
                    actions: s.actions.clone(),
                })
                .collect()
        };
        AccessDiffDoc {
            principal: d.principal.clone(),
            new_principal: d.new_principal,
            added: scoped(&d.added),
            removed: scoped(&d.removed),
            unused_before: d
                .unused_before
                .map(|(unused, held)| UnusedBefore { unused, held }),
        }
    }
}

impl Check {
    /// The document of a check report.
    pub fn new(report: &whittle_engine::CheckReport) -> Self {
        use whittle_engine::model::time::iso_day;
        Check {
            window: report.window.map(|w| WindowDoc {
                first_day: iso_day(w.first),
                last_day: iso_day(w.last),
            }),
            errors: report
                .input_errors
                .iter()
                .map(ToString::to_string)
                .collect(),
            warnings: report
                .input_warnings
                .iter()
                .map(ToString::to_string)
                .collect(),
            filtered_out: report.filtered_out,
            findings: report.findings.iter().map(Finding::from).collect(),
            access_diff: report.access_diff.iter().map(AccessDiffDoc::from).collect(),
        }
    }
}

/// Resources of a grant.
#[derive(Serialize)]
#[serde(tag = "kind", content = "patterns", rename_all = "kebab-case")]
pub enum Resources {
    Any,
    Patterns(Vec<String>),
    Except(Vec<String>),
}

impl From<&ResourceScope> for Resources {
    fn from(r: &ResourceScope) -> Self {
        match r {
            ResourceScope::Any => Resources::Any,
            ResourceScope::Patterns(p) => Resources::Patterns(p.clone()),
            ResourceScope::Except(p) => Resources::Except(p.clone()),
        }
    }
}

/// `Action` or `NotAction` as written.
#[derive(Serialize)]
#[serde(tag = "kind", content = "patterns")]
pub enum Actions {
    Action(Vec<String>),
    NotAction(Vec<String>),
}

impl From<&whittle_engine::model::Actions> for Actions {
    fn from(a: &whittle_engine::model::Actions) -> Self {
        match a {
            whittle_engine::model::Actions::Action(p) => Actions::Action(p.clone()),
            whittle_engine::model::Actions::NotAction(p) => Actions::NotAction(p.clone()),
        }
    }
}

#[derive(Serialize)]
pub struct ConditionDoc {
    operator: String,
    key: String,
    values: Vec<String>,
}

impl From<&whittle_engine::model::Condition> for ConditionDoc {
    fn from(c: &whittle_engine::model::Condition) -> Self {
        ConditionDoc {
            operator: c.operator.clone(),
            key: c.key.clone(),
            values: c.values.clone(),
        }
    }
}

#[derive(Serialize)]
pub struct Limit {
    kind: &'static str,
    action_count: usize,
    actions: Vec<String>,
    origin: Origin,
    resources: Resources,
}

#[derive(Serialize)]
pub struct Grant {
    action_count: usize,
    actions: Vec<String>,
    action_spec: Actions,
    via_wildcard: bool,
    resources: Resources,
    conditions: Vec<ConditionDoc>,
    conditional: bool,
    origin: Origin,
    limits: Vec<Limit>,
}

impl Grant {
    pub fn new(
        catalog: &AwsCatalog,
        g: &whittle_engine::EffectiveGrant,
        filter: Option<&whittle_engine::catalog::ActionSet>,
    ) -> Self {
        let names = |set: &whittle_engine::catalog::ActionSet| -> Vec<String> {
            set.iter()
                .filter(|id| filter.is_none_or(|f| f.contains(*id)))
                .map(|id| catalog.action(id).name.clone())
                .collect()
        };
        let actions = names(&g.actions);
        Grant {
            action_count: actions.len(),
            actions,
            action_spec: Actions::from(&g.action_spec),
            via_wildcard: g.via_wildcard,
            resources: Resources::from(&g.resources),
            conditions: g.conditions.iter().map(ConditionDoc::from).collect(),
            conditional: g.conditional,
            origin: Origin::from(&g.origin),
            limits: g
                .limits
                .iter()
                .map(|l| Limit {
                    kind: match l.kind {
                        LimitKind::DenyOnSomeResources => "deny-on-some-resources",
                        LimitKind::ConditionalDeny => "conditional-deny",
                        LimitKind::Boundary => "boundary",
                    },
                    action_count: l.action_count,
                    actions: l
                        .actions
                        .iter()
                        .map(|id| catalog.action(id).name.clone())
                        .collect(),
                    origin: Origin::from(&l.origin),
                    resources: Resources::from(&l.resources),
                })
                .collect(),
        }
    }
}

/// An action pattern the catalog does not know, with the closest names.
#[derive(Serialize)]
pub struct Unknown {
    pattern: String,
    origin: Origin,
    suggestions: Vec<String>,
}

/// Unknown actions with their closest catalog names, each pattern looked up once.
pub fn unknown(catalog: &AwsCatalog, list: &[whittle_engine::UnknownAction]) -> Vec<Unknown> {
    let mut memo: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    list.iter()
        .map(|u| Unknown {
            pattern: u.pattern.clone(),
            origin: Origin::from(&u.origin),
            suggestions: memo
                .entry(u.pattern.as_str())
                .or_insert_with(|| {
                    catalog
                        .suggest(&u.pattern, 3)
                        .into_iter()
                        .map(str::to_string)
                        .collect()
                })
                .clone(),
        })
        .collect()
}

#[derive(Serialize)]
pub struct PrincipalDoc {
    pub id: String,
    pub kind: &'static str,
    pub name: String,
    pub account: String,
    pub groups: Vec<String>,
    pub boundary: Option<String>,
    pub tags: BTreeMap<String, String>,
}

/// `explain --format json`.
#[derive(Serialize)]
pub struct Explain {
    pub principal: PrincipalDoc,
    pub actions_held: usize,
    pub actions_held_unconditionally_on_any_resource: usize,
    pub grants: Vec<Grant>,
    pub unknown_actions: Vec<Unknown>,
    pub missing_policies: Vec<String>,
    /// With `--db`: held versus used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_accessed: Option<LastAccessed>,
    /// What the organisation's SCPs take away, with the SCP (or the level) responsible.
    pub blocked: Vec<BlockedDoc>,
    /// For a role: who may assume it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assumable_by: Option<AssumableBy>,
    /// Access resource-based policies grant the principal.
    pub resource_grants: Vec<ResourceGrantDoc>,
}

/// Access a resource-based policy grants.
#[derive(Serialize)]
pub struct ResourceGrantDoc {
    resource: String,
    /// `itself`, `directly` or `account` (its own policies must allow too).
    naming: &'static str,
    actions: Vec<String>,
    resources: Vec<String>,
    conditional: bool,
    origin: Origin,
}

impl From<&whittle_engine::ResourceGrant> for ResourceGrantDoc {
    fn from(g: &whittle_engine::ResourceGrant) -> Self {
        ResourceGrantDoc {
            resource: g.resource.clone(),
            naming: g.naming,
            actions: g.actions.clone(),
            resources: g.resources.clone(),
            conditional: g.conditional,
            origin: Origin::from(&g.origin),
        }
    }
}

/// Who may assume a role.
#[derive(Serialize)]
pub struct AssumableBy {
    trusted: Vec<Trusted>,
    callers: Vec<AssumingCaller>,
}

#[derive(Serialize)]
struct Trusted {
    #[serde(rename = "type")]
    kind: String,
    value: String,
}

#[derive(Serialize)]
struct AssumingCaller {
    principal: String,
    conditional: bool,
}

impl From<&whittle_engine::AssumableBy> for AssumableBy {
    fn from(a: &whittle_engine::AssumableBy) -> Self {
        AssumableBy {
            trusted: a
                .trusted
                .iter()
                .map(|(k, v)| Trusted {
                    kind: k.clone(),
                    value: v.clone(),
                })
                .collect(),
            callers: a
                .callers
                .iter()
                .map(|(p, c)| AssumingCaller {
                    principal: p.clone(),
                    conditional: *c,
                })
                .collect(),
        }
    }
}

/// Actions the organisation blocks.
#[derive(Serialize)]
pub struct BlockedDoc {
    action_count: usize,
    actions: Vec<String>,
    origin: Origin,
}

impl BlockedDoc {
    /// The wire form of `b`, its actions those `filter` keeps.
    pub fn new(
        catalog: &AwsCatalog,
        b: &whittle_engine::Blocked,
        filter: Option<&whittle_engine::catalog::ActionSet>,
    ) -> Self {
        let actions: Vec<String> = b
            .actions
            .iter()
            .filter(|id| filter.is_none_or(|f| f.contains(*id)))
            .map(|id| catalog.action(id).name.clone())
            .collect();
        BlockedDoc {
            action_count: actions.len(),
            actions,
            origin: Origin::from(&b.origin),
        }
    }

    /// True when `--action` left none of its actions.
    pub fn is_empty(&self) -> bool {
        self.actions.is_empty()
    }
}

/// Held versus used (`explain --db`).
#[derive(Serialize)]
pub struct LastAccessed {
    window: WindowDoc,
    used_in_window: usize,
    permissions: Vec<PermissionUse>,
}

#[derive(Serialize)]
struct PermissionUse {
    permission: String,
    used_in_window: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_used: Option<String>,
    count: u64,
    /// When not used in the window: whether the logs could have seen its use.
    #[serde(skip_serializing_if = "Option::is_none")]
    observable: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    coverage: Option<String>,
}

impl LastAccessed {
    /// The wire form of `l`.
    pub fn new(catalog: &AwsCatalog, l: &whittle_engine::LastAccessed) -> Self {
        use whittle_engine::model::time::{iso, iso_day};
        LastAccessed {
            window: WindowDoc {
                first_day: iso_day(l.window.first),
                last_day: iso_day(l.window.last),
            },
            used_in_window: l.permissions.iter().filter(|p| p.in_window).count(),
            permissions: l
                .permissions
                .iter()
                .map(|p| PermissionUse {
                    permission: catalog.action(p.action).name.clone(),
                    used_in_window: p.in_window,
                    last_used: p.last_used.map(iso),
                    count: p.count,
                    observable: p.coverage.as_ref().map(|(v, _)| *v),
                    coverage: p.coverage.as_ref().map(|(_, w)| w.clone()),
                })
                .collect(),
        }
    }
}

#[derive(Serialize)]
pub struct Deciding {
    policy: String,
    role: &'static str,
    index: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    sid: Option<String>,
    effect: &'static str,
    applies: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    line: Option<usize>,
}

impl Deciding {
    pub fn new(m: &MatchedStatement, line: Option<usize>) -> Self {
        Deciding {
            policy: m.policy.clone(),
            role: m.role.as_str(),
            index: m.index,
            sid: m.sid.clone(),
            effect: match m.effect {
                Effect::Allow => "Allow",
                Effect::Deny => "Deny",
            },
            applies: match m.applies {
                Truth::True => "true",
                Truth::False => "false",
                Truth::Unknown => "unknown",
            },
            line,
        }
    }
}

/// `simulate --format json`.
#[derive(Serialize)]
pub struct Simulate {
    pub action: String,
    pub known_action: Option<String>,
    pub resource: String,
    pub decision: &'static str,
    /// The policy types that denied (`identity`, `resource`, `scp`, `rcp`, `boundary`,
    /// `session`, `endpoint`); empty when allowed.
    pub blocked_by: Vec<&'static str>,
    /// When the resource is a pattern: the resource it matches that the decision is for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_witness: Option<String>,
    pub reason: String,
    pub deciding: Vec<Deciding>,
    pub unknown_context_keys: BTreeSet<String>,
}

pub fn decision(s: &Simulation) -> &'static str {
    match s.decision {
        Decision::Allowed => "allowed",
        Decision::ExplicitDeny => "explicit-deny",
        Decision::ImplicitDeny => "implicit-deny",
        Decision::Conditional => "conditional",
    }
}

#[derive(Serialize)]
pub struct Counts {
    users: usize,
    groups: usize,
    roles: usize,
    inline_policies: usize,
    customer_managed_policies: usize,
    aws_managed_policies: usize,
    with_boundary: usize,
}

impl From<&whittle_engine::Counts> for Counts {
    fn from(c: &whittle_engine::Counts) -> Self {
        Counts {
            users: c.users,
            groups: c.groups,
            roles: c.roles,
            inline_policies: c.inline_policies,
            customer_managed_policies: c.customer_managed_policies,
            aws_managed_policies: c.aws_managed_policies,
            with_boundary: c.with_boundary,
        }
    }
}

#[derive(Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum AdminReason {
    AllActions,
    CanGrantItself { actions: Vec<String> },
}

#[derive(Serialize)]
pub struct Admin {
    principal: String,
    kind: &'static str,
    reasons: Vec<AdminReason>,
}

impl From<&whittle_engine::AdminEquivalent> for Admin {
    fn from(a: &whittle_engine::AdminEquivalent) -> Self {
        Admin {
            principal: a.principal.clone(),
            kind: a.kind.as_str(),
            reasons: a
                .reasons
                .iter()
                .map(|r| match r {
                    whittle_engine::AdminReason::AllActions => AdminReason::AllActions,
                    whittle_engine::AdminReason::CanGrantItself { actions } => {
                        AdminReason::CanGrantItself {
                            actions: actions.clone(),
                        }
                    }
                })
                .collect(),
        }
    }
}

/// `inventory --format json`.
#[derive(Serialize)]
pub struct Inventory<'a> {
    pub files: usize,
    pub counts: Counts,
    pub admin_equivalent: Vec<Admin>,
    pub missing_policies: BTreeSet<String>,
    pub unknown_actions: Vec<Unknown>,
    pub errors: Vec<String>,
    pub warnings: Vec<String>,
    /// The GCP exports among the snapshots.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gcp: Option<GcpInventoryDoc<'a>>,
    /// The Azure exports among the snapshots.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub azure: Option<AzureInventoryDoc<'a>>,
}

/// `inventory`'s Azure part.
#[derive(Serialize)]
pub struct AzureInventoryDoc<'a> {
    pub files: usize,
    #[serde(flatten)]
    pub summary: &'a whittle_engine::azure::summary::AzureSummary,
    pub errors: Vec<String>,
    pub warnings: Vec<String>,
}

impl<'a> From<&'a whittle_engine::AzureInventory> for AzureInventoryDoc<'a> {
    fn from(a: &'a whittle_engine::AzureInventory) -> Self {
        AzureInventoryDoc {
            files: a.load.files,
            summary: &a.summary,
            errors: a.load.errors.iter().map(ToString::to_string).collect(),
            warnings: a.load.warnings.iter().map(ToString::to_string).collect(),
        }
    }
}

#[derive(Serialize)]
pub struct ResourceTypeDoc {
    pub name: String,
    pub required: bool,
    pub arn: String,
}

/// `catalog show --format json`.
#[derive(Serialize)]
pub struct CatalogAction {
    pub action: String,
    pub service: String,
    pub service_name: String,
    pub access_level: &'static str,
    pub resource_level: bool,
    pub logging: &'static str,
    pub resource_types: Vec<ResourceTypeDoc>,
    pub condition_keys: Vec<String>,
    pub dependent_actions: Vec<String>,
}

pub fn logging(l: whittle_engine::model::Logging) -> &'static str {
    use whittle_engine::model::{LogClass, Logging};
    match l {
        Logging::Logged(LogClass::Management) => "management",
        Logging::Logged(LogClass::Data) => "data",
        Logging::Never => "never",
    }
}

#[derive(Serialize)]
pub struct ExpandedAction {
    pub action: String,
    pub access_level: &'static str,
}

impl ExpandedAction {
    pub fn new(a: &whittle_engine::catalog::AwsAction) -> Self {
        ExpandedAction {
            action: a.name.clone(),
            access_level: access_level(a.access_level),
        }
    }
}

/// `catalog expand --format json`.
#[derive(Serialize)]
pub struct CatalogExpand {
    pub pattern: String,
    pub count: usize,
    pub actions: Vec<ExpandedAction>,
}

/// `catalog info --format json`.
#[derive(Serialize)]
pub struct CatalogInfo {
    pub licence: String,
    pub services: usize,
    pub actions: usize,
    /// Every provider's slot: its catalog's source, or none yet.
    pub providers: Vec<ProviderCatalog>,
}

#[derive(Serialize)]
pub struct ProviderCatalog {
    pub provider: &'static str,
    pub source: Option<String>,
    pub version: Option<String>,
    pub date: Option<String>,
}

impl ProviderCatalog {
    pub fn all() -> Vec<ProviderCatalog> {
        whittle_engine::catalog::Registry::embedded()
            .providers()
            .into_iter()
            .map(|(p, h)| ProviderCatalog {
                provider: p.as_str(),
                source: h.map(|h| h.source.clone()),
                version: h.map(|h| h.version.clone()),
                date: h.map(|h| h.date.clone()),
            })
            .collect()
    }
}

#[derive(Serialize)]
pub struct SkippedFile {
    pub path: String,
    pub reason: String,
    pub error: bool,
}

/// `ingest --format json`.
#[derive(Serialize)]
pub struct Ingest {
    pub db: String,
    pub found: u64,
    pub already_ingested: u64,
    pub duplicates: u64,
    pub ingested: u64,
    pub events: u64,
    pub denied_events: u64,
    pub skipped_records: u64,
    pub commits: u64,
    pub failed: Vec<String>,
    pub record_errors: Vec<String>,
    pub skipped_files: Vec<SkippedFile>,
    /// The activity journal (absent with `--no-journal`, or when the rules could not be used).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub journal: Option<IngestJournal>,
    /// Objects left for a later run because they were still changing (`watch --logs`).
    pub deferred: u64,
    /// Alerts this run raised (each once per triggering event, ever).
    pub alerts: Vec<AlertDoc>,
    /// What `--snapshot` gave the alert rules (absent without it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snapshot: Option<IngestSnapshot>,
}

/// `--snapshot` in an ingest: files read, principals made privileged, problems.
#[derive(Serialize)]
pub struct IngestSnapshot {
    pub files: usize,
    pub privileged: usize,
    pub errors: Vec<String>,
    pub warnings: Vec<String>,
}

impl Ingest {
    pub fn new(db: &std::path::Path, run: &whittle_engine::Ingested) -> Self {
        let r = &run.report;
        Ingest {
            deferred: r.deferred,
            alerts: run.alerts.iter().map(AlertDoc::new).collect(),
            snapshot: run.snapshot.as_ref().map(|s| IngestSnapshot {
                files: s.files,
                privileged: s.privileged,
                errors: s.errors.iter().map(ToString::to_string).collect(),
                warnings: s.warnings.iter().map(ToString::to_string).collect(),
            }),
            journal: run.retention_days.map(|retention_days| IngestJournal {
                kept: r.journaled,
                pruned: r.pruned,
                retention_days,
            }),
            db: db.display().to_string(),
            found: r.found,
            already_ingested: r.already_ingested,
            duplicates: r.duplicates,
            ingested: r.ingested,
            events: r.events,
            denied_events: r.denied_events,
            skipped_records: r.skipped_records,
            commits: r.commits,
            failed: r.failed.iter().map(ToString::to_string).collect(),
            record_errors: r.record_errors.iter().map(ToString::to_string).collect(),
            skipped_files: r
                .skipped_files
                .iter()
                .map(|s| SkippedFile {
                    path: s.path.display().to_string(),
                    reason: s.reason.clone(),
                    error: s.error,
                })
                .collect(),
        }
    }
}

#[derive(Serialize)]
pub struct RegionCoverage {
    provider: String,
    scope: String,
    location: String,
    first_day: i64,
    last_day: i64,
    days_with_events: u64,
    gaps: Vec<(i64, i64)>,
    events: u64,
}

#[derive(Serialize)]
pub struct ServiceCoverage {
    provider: String,
    scope: String,
    location: String,
    service: String,
    management_events: u64,
    data_events: u64,
    first_day: i64,
    last_day: i64,
    data_days: u64,
}

impl From<&whittle_engine::usage::ServiceRow> for ServiceCoverage {
    fn from(c: &whittle_engine::usage::ServiceRow) -> Self {
        ServiceCoverage {
            provider: c.provider.clone(),
            scope: c.scope.clone(),
            location: c.location.clone(),
            service: c.service.clone(),
            management_events: c.management_events,
            data_events: c.data_events,
            first_day: c.first_day,
            last_day: c.last_day,
            data_days: c.data_days,
        }
    }
}

/// `usage summary --format json`.
#[derive(Serialize)]
pub struct UsageSummary {
    log_objects: u64,
    skipped_records: u64,
    events: u64,
    principals: u64,
    usage_keys: u64,
    id_collisions: u64,
    allowed_calls: u64,
    denied_calls: u64,
    unmapped_events: u64,
    permissionless_events: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    migrated_from: Option<i64>,
    regions: Vec<RegionCoverage>,
    services: Vec<ServiceCoverage>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    v1_service_totals: Vec<ServiceCoverage>,
}

impl From<&whittle_engine::usage::Summary> for UsageSummary {
    fn from(s: &whittle_engine::usage::Summary) -> Self {
        UsageSummary {
            log_objects: s.log_objects,
            skipped_records: s.skipped_records,
            events: s.events,
            principals: s.principals,
            usage_keys: s.usage_keys,
            id_collisions: s.id_collisions,
            allowed_calls: s.allowed_calls,
            denied_calls: s.denied_calls,
            unmapped_events: s.unmapped_events,
            permissionless_events: s.permissionless_events,
            migrated_from: s.migrated_from,
            regions: s
                .regions
                .iter()
                .map(|r| RegionCoverage {
                    provider: r.provider.clone(),
                    scope: r.scope.clone(),
                    location: r.location.clone(),
                    first_day: r.first_day,
                    last_day: r.last_day,
                    days_with_events: r.days_with_events,
                    gaps: r.gaps.clone(),
                    events: r.events,
                })
                .collect(),
            services: s.services.iter().map(ServiceCoverage::from).collect(),
            v1_service_totals: s
                .v1_service_totals
                .iter()
                .map(ServiceCoverage::from)
                .collect(),
        }
    }
}

#[derive(Serialize)]
pub struct UsageRow {
    principal: String,
    permission: String,
    resource: String,
    first_seen: Option<i64>,
    last_seen: Option<i64>,
    count: u64,
    denied: u64,
    denied_last: Option<i64>,
}

#[derive(Serialize)]
pub struct Rollup {
    principal: String,
    permission: String,
    resources: u64,
    count: u64,
    denied: u64,
    first_seen: Option<i64>,
    last_seen: Option<i64>,
}

#[derive(Serialize)]
pub struct Session {
    session: String,
    count: u64,
    last_seen: i64,
}

/// `usage show --format json`.
#[derive(Serialize)]
pub struct UsageShow {
    #[serde(skip_serializing_if = "Option::is_none")]
    principal: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    resource: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    action: Option<String>,
    usage: Vec<UsageRow>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    by_action: Vec<Rollup>,
    sessions: Vec<Session>,
    /// Principal → who answers for it (`{team, contact, from}`), for those the rules name.
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    owners: std::collections::BTreeMap<String, whittle_engine::model::Owner>,
}

impl UsageShow {
    pub fn new(r: &whittle_engine::UsageShowReport) -> Self {
        UsageShow {
            owners: r.owners.clone(),
            principal: r.query.principal.clone(),
            resource: r.query.resource.clone(),
            action: r.query.action.clone(),
            usage: r
                .rows
                .iter()
                .map(|u| UsageRow {
                    principal: u.principal.clone(),
                    permission: u.permission.clone(),
                    resource: u.resource.clone(),
                    first_seen: u.first_seen,
                    last_seen: u.last_seen,
                    count: u.count,
                    denied: u.denied,
                    denied_last: u.denied_last,
                })
                .collect(),
            by_action: r
                .rollup
                .iter()
                .map(|a| Rollup {
                    principal: a.principal.clone(),
                    permission: a.permission.clone(),
                    resources: a.resources,
                    count: a.count,
                    denied: a.denied,
                    first_seen: a.first_seen,
                    last_seen: a.last_seen,
                })
                .collect(),
            sessions: r
                .sessions
                .iter()
                .map(|(s, n, l)| Session {
                    session: s.clone(),
                    count: *n,
                    last_seen: *l,
                })
                .collect(),
        }
    }
}

#[derive(Serialize)]
pub struct EventCount {
    provider: String,
    service: String,
    operation: String,
    count: u64,
    last_seen: i64,
}

fn events(list: &[whittle_engine::usage::EventCount]) -> Vec<EventCount> {
    list.iter()
        .map(|e| EventCount {
            provider: e.provider.clone(),
            service: e.service.clone(),
            operation: e.operation.clone(),
            count: e.count,
            last_seen: e.last_seen,
        })
        .collect()
}

/// `usage unmapped --format json`.
#[derive(Serialize)]
pub struct UsageUnmapped {
    unmapped: Vec<EventCount>,
    permissionless: Vec<EventCount>,
}

impl UsageUnmapped {
    pub fn new(
        unmapped: &[whittle_engine::usage::EventCount],
        permissionless: &[whittle_engine::usage::EventCount],
    ) -> Self {
        UsageUnmapped {
            unmapped: events(unmapped),
            permissionless: events(permissionless),
        }
    }
}

#[derive(Serialize)]
pub struct Guardrail {
    id: String,
    severity: &'static str,
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    why: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    remediation: Option<String>,
    file: String,
    line: usize,
    text: String,
}

#[derive(Serialize)]
pub struct UnusedRuleDoc {
    id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    risk: Option<String>,
    access_levels: Vec<String>,
    after_days: u32,
    severity: &'static str,
}

#[derive(Serialize)]
pub struct UnusedEntry {
    rule: UnusedRuleDoc,
    location: String,
}

#[derive(Serialize)]
pub struct RiskClassDoc {
    id: String,
    description: String,
    actions: Vec<String>,
}

/// `rules list --format json`.
#[derive(Serialize)]
pub struct RuleList {
    guardrails: Vec<Guardrail>,
    unused: Vec<UnusedEntry>,
    risk_classes: Vec<RiskClassDoc>,
}

impl From<&whittle_engine::rules::RuleSet> for RuleList {
    fn from(set: &whittle_engine::rules::RuleSet) -> Self {
        RuleList {
            guardrails: set
                .guardrails
                .rules
                .iter()
                .map(|r| Guardrail {
                    id: r.id.clone(),
                    severity: severity(r.severity),
                    message: r.message.clone(),
                    why: r.why.clone(),
                    remediation: r.remediation.clone(),
                    file: r.file.clone(),
                    line: r.line,
                    text: r.text.clone(),
                })
                .collect(),
            unused: set
                .lp
                .unused
                .iter()
                .map(|(u, s)| UnusedEntry {
                    rule: UnusedRuleDoc {
                        id: u.id.clone(),
                        risk: u.risk.clone(),
                        access_levels: u.access_levels.clone(),
                        after_days: u.after_days,
                        severity: severity(u.severity),
                    },
                    location: format!("{}:{}", s.file, s.line),
                })
                .collect(),
            risk_classes: set
                .lp
                .risks
                .iter()
                .map(|(r, _)| RiskClassDoc {
                    id: r.id.clone(),
                    description: r.description.clone(),
                    actions: r.actions.clone(),
                })
                .collect(),
        }
    }
}

/// A rule-set problem.
#[derive(Serialize)]
pub struct RuleProblem {
    code: &'static str,
    level: &'static str,
    file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    line: Option<usize>,
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    help: Option<String>,
}

fn problems(diags: &[whittle_engine::rules::RuleDiagnostic]) -> Vec<RuleProblem> {
    diags
        .iter()
        .map(|d| RuleProblem {
            code: d.problem.map_or("whittle::rules", |p| p.code()),
            level: if d.is_error() { "error" } else { "warning" },
            file: d.file.clone(),
            line: d.line,
            message: d.message.clone(),
            help: d.help.clone(),
        })
        .collect()
}

/// `rules validate --format json`.
#[derive(Serialize)]
pub struct RulesValidate {
    valid: bool,
    errors: usize,
    warnings: usize,
    guardrails: usize,
    /// Rules over activity (`use`), raised as alerts by `ingest`.
    alert_rules: usize,
    unused_rules: usize,
    risk_classes: usize,
    exemptions: usize,
    tests: usize,
    files: usize,
    problems: Vec<RuleProblem>,
}

impl RulesValidate {
    pub fn new(r: &whittle_engine::RulesReport) -> Self {
        let set = r.rules.as_ref();
        RulesValidate {
            valid: r.valid().is_some(),
            errors: r.errors(),
            warnings: r.diagnostics.len() - r.errors(),
            guardrails: set.map_or(0, |s| {
                s.guardrails.rules.iter().filter(|r| !r.is_alert()).count()
            }),
            alert_rules: set.map_or(0, |s| {
                s.guardrails.rules.iter().filter(|r| r.is_alert()).count()
            }),
            unused_rules: set.map_or(0, |s| s.lp.unused.len()),
            risk_classes: set.map_or(0, |s| s.lp.risks.len()),
            exemptions: set.map_or(0, |s| s.lp.exemptions.len()),
            tests: set.map_or(0, |s| s.tests.len()),
            files: set.map_or(0, |s| s.files.len()),
            problems: problems(&r.diagnostics),
        }
    }
}

#[derive(Serialize)]
pub struct TestDoc {
    name: String,
    location: String,
    passed: bool,
    missing: Vec<String>,
    unexpected: Vec<String>,
}

/// `rules test --format json`.
#[derive(Serialize)]
pub struct RulesTest {
    passed: usize,
    failed: usize,
    tests: Vec<TestDoc>,
    problems: Vec<RuleProblem>,
}

impl RulesTest {
    pub fn new(r: &whittle_engine::TestReport) -> Self {
        let passed = r.outcomes.iter().filter(|o| o.passed).count();
        RulesTest {
            passed,
            failed: r.outcomes.len() - passed,
            tests: r
                .outcomes
                .iter()
                .map(|o| TestDoc {
                    name: o.name.clone(),
                    location: o.location.clone(),
                    passed: o.passed,
                    missing: o.missing.clone(),
                    unexpected: o.unexpected.clone(),
                })
                .collect(),
            problems: problems(&r.loaded.diagnostics),
        }
    }
}

/// `rules schema --format json`.
#[derive(Serialize)]
pub struct RulesSchema {
    pub format: &'static str,
    pub schema: String,
}

/// `rules explain --format json`.
#[derive(Serialize)]
pub struct RuleExplain {
    id: String,
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    severity: Option<&'static str>,
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    why: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    remediation: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    location: Option<String>,
    text: String,
    tests: Vec<TestRef>,
}

#[derive(Serialize)]
pub struct TestRef {
    name: String,
    location: String,
}

impl From<&whittle_engine::rules::RuleDoc> for RuleExplain {
    fn from(d: &whittle_engine::rules::RuleDoc) -> Self {
        use whittle_engine::rules::RuleKind;
        RuleExplain {
            id: d.id.clone(),
            kind: match d.kind {
                RuleKind::Guardrail => "guardrail",
                RuleKind::Unused => "unused",
                RuleKind::RiskClass => "risk-class",
                RuleKind::Combination => "combination",
                RuleKind::Builtin => "builtin",
                RuleKind::Validation => "validation",
            },
            severity: d.severity.map(severity),
            message: d.message.clone(),
            why: d.why.clone(),
            remediation: d.remediation.clone(),
            location: d.location.clone(),
            text: d.text.clone(),
            tests: d
                .tests
                .iter()
                .map(|(name, location)| TestRef {
                    name: name.clone(),
                    location: location.clone(),
                })
                .collect(),
        }
    }
}

/// One run of `watch --format json`: a line of its own.
#[derive(Serialize)]
pub struct WatchRun {
    /// 1 for the first run, then one more per change.
    run: u32,
    /// Files whose contents changed since the previous run (empty for the first).
    changed: Vec<String>,
    /// Rules valid, tests passed, and (with `--snapshot`) every input used.
    clean: bool,
    validate: RulesValidate,
    /// Absent when the rules do not load.
    #[serde(skip_serializing_if = "Option::is_none")]
    test: Option<RulesTest>,
    /// Present with `--snapshot` once the rules load.
    #[serde(skip_serializing_if = "Option::is_none")]
    check: Option<Check>,
}

impl WatchRun {
    pub fn new(
        run: u32,
        changed: &[std::path::PathBuf],
        tests: &whittle_engine::TestReport,
        check: Option<&whittle_engine::CheckReport>,
        clean: bool,
    ) -> Self {
        WatchRun {
            run,
            changed: changed.iter().map(|p| p.display().to_string()).collect(),
            clean,
            validate: RulesValidate::new(&tests.loaded),
            test: tests.loaded.valid().map(|_| RulesTest::new(tests)),
            check: check.map(Check::new),
        }
    }
}
