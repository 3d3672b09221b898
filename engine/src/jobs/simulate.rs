//! `simulate`: one request under every policy type given — identity policies, boundary, session,
//! resource, VPC endpoint policies, the organisation's SCPs and RCPs — allowed, denied or
//! conditional, which policy types blocked it, and why.

use crate::aws::policy::{
    self, Caller, Chain, DocumentKind, Named, PolicyType, Request, RequestContext, Simulation,
};
use crate::catalog::AwsCatalog;
use crate::ingest::policy_json::{self, PolicyFile};
use crate::source::{InputError, SourceFile};
use std::path::PathBuf;

/// The request and the policies to decide it with.
#[derive(Debug, Clone, Default)]
pub struct SimulateRequest {
    /// Identity policy files (none: the caller has no identity policy).
    pub policies: Vec<PathBuf>,
    /// Permission boundary file.
    pub boundary: Option<PathBuf>,
    /// Session policy file.
    pub session_policy: Option<PathBuf>,
    /// The resource's resource-based policy (bucket, key, queue, trust policy, …).
    pub resource_policy: Option<PathBuf>,
    /// VPC endpoint policy file.
    pub endpoint_policy: Option<PathBuf>,
    /// SCP levels, root first, the account last: each file one document or a JSON array.
    pub scps: Vec<PathBuf>,
    /// RCP levels, the same way.
    pub rcps: Vec<PathBuf>,
    /// The caller: an IAM ARN or a service principal (`None`: a principal in the resource's account).
    pub principal: Option<String>,
    /// An unauthenticated caller.
    pub anonymous: bool,
    /// The resource's account (default: from the resource ARN, else the caller's).
    pub resource_account: Option<String>,
    /// The caller's account is the organisation's management account (SCPs do not apply).
    pub management_account: bool,
    /// Action as given.
    pub action: String,
    /// Resource ARN.
    pub resource: String,
    /// Context keys and values.
    pub context: Vec<(String, String)>,
    /// Context keys not given are absent (not unknown).
    pub complete_context: bool,
}

/// The decision.
pub struct SimulateReport {
    /// The request as simulated.
    pub request: Request,
    /// The action in catalog casing, when the catalog knows it.
    pub known_action: Option<String>,
    /// Close catalog names, when it does not.
    pub suggestions: Vec<String>,
    /// The outcome and the statements that decided it.
    pub simulation: Simulation,
    /// The policy types that denied it (empty when allowed).
    pub blocked_by: Vec<PolicyType>,
    /// When `--resource` is a pattern: the resource it matches that the answer is for.
    pub witness: Option<String>,
    /// Elements AWS would reject in the policy type a document was given as (evaluated anyway).
    pub warnings: Vec<InputError>,
    /// The policy files read.
    pub files: Vec<PolicyFile>,
}

impl SimulateReport {
    /// The files' sources, for locating statements.
    pub fn sources(&self) -> Vec<&SourceFile> {
        self.files.iter().map(|f| &f.source).collect()
    }
}

/// Which part of the chain a file was given as.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Part {
    Identity,
    Boundary,
    Session,
    Resource,
    Endpoint,
    Scp(usize),
    Rcp(usize),
}

/// Reads the policies and decides the request; policy files that cannot be used, or a caller
/// that is neither an IAM ARN nor a service principal, are the error.
pub fn simulate(req: &SimulateRequest) -> Result<SimulateReport, Vec<InputError>> {
    let mut files: Vec<(Part, PolicyFile)> = Vec::new();
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    let singles = req
        .policies
        .iter()
        .map(|p| (p, Part::Identity, DocumentKind::Identity))
        .chain(
            req.boundary
                .iter()
                .map(|p| (p, Part::Boundary, DocumentKind::Identity)),
        )
        .chain(
            req.session_policy
                .iter()
                .map(|p| (p, Part::Session, DocumentKind::Identity)),
        )
        .chain(
            req.resource_policy
                .iter()
                .map(|p| (p, Part::Resource, DocumentKind::Resource)),
        )
        .chain(
            req.endpoint_policy
                .iter()
                .map(|p| (p, Part::Endpoint, DocumentKind::Resource)),
        );
    for (path, part, kind) in singles {
        match policy_json::load(path, DocumentKind::AsGiven) {
            Ok(f) => {
                warn_misplaced(&f, kind, &mut warnings);
                files.push((part, f));
            }
            Err(e) => errors.push(e),
        }
    }
    let levels = req
        .scps
        .iter()
        .enumerate()
        .map(|(i, p)| (p, Part::Scp(i), DocumentKind::Identity))
        .chain(
            req.rcps
                .iter()
                .enumerate()
                .map(|(i, p)| (p, Part::Rcp(i), DocumentKind::Resource)),
        );
    for (path, part, kind) in levels {
        match policy_json::load_level(path, DocumentKind::AsGiven) {
            Ok(level) => {
                for f in level {
                    warn_misplaced(&f, kind, &mut warnings);
                    files.push((part, f));
                }
            }
            Err(e) => errors.push(e),
        }
    }
    let caller = if req.anonymous {
        Some(Caller::Anonymous)
    } else {
        match req.principal.as_deref().map(|p| (p, Caller::parse(p))) {
            None => None,
            Some((_, Some(c))) => Some(c),
            Some((p, None)) => {
                errors.push(InputError::plain(
                    "--principal",
                    format!(
                        "`{p}` is neither an IAM ARN (arn:aws:iam::ACCOUNT:role/NAME, …:user/NAME, arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION) nor a service principal (lambda.amazonaws.com)"
                    ),
                ));
                None
            }
        }
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut context = RequestContext::default();
    context.complete = req.complete_context;
    for (k, v) in &req.context {
        context.insert(k, v);
    }
    let catalog = AwsCatalog::embedded();
    let known_action = catalog
        .lookup(&req.action)
        .map(|id| catalog.action(id).name.clone());
    let suggestions = if known_action.is_none() {
        catalog
            .suggest(&req.action, 3)
            .into_iter()
            .map(str::to_string)
            .collect()
    } else {
        Vec::new()
    };
    let request = Request {
        action: req.action.clone(),
        resource: req.resource.clone(),
        context,
    };
    let of = |want: Part| -> Vec<Named<'_>> {
        files
            .iter()
            .filter(|(p, _)| *p == want)
            .map(|(_, f)| Named {
                name: &f.source.path,
                document: &f.document,
            })
            .collect()
    };
    let chain = Chain {
        caller,
        resource_account: req.resource_account.clone(),
        identity: of(Part::Identity),
        boundary: of(Part::Boundary).into_iter().next(),
        session: of(Part::Session).into_iter().next(),
        scps: (0..req.scps.len()).map(|i| of(Part::Scp(i))).collect(),
        rcps: (0..req.rcps.len()).map(|i| of(Part::Rcp(i))).collect(),
        resource_policy: of(Part::Resource).into_iter().next(),
        endpoint: of(Part::Endpoint).into_iter().next(),
        management_account: req.management_account,
    };
    // a resource pattern asks about some resource it matches: decide on witnesses — one per
    // resource pattern of the policies that overlaps it, and the pattern filled in — and answer
    // with the most permissive
    let (d, witness) = if is_pattern(&req.resource) {
        let mut witnesses: Vec<String> = files
            .iter()
            .flat_map(|(_, f)| &f.document.statements)
            .filter_map(|st| st.resource.as_ref())
            .flat_map(|r| r.patterns())
            .filter(|p| !p.contains("${"))
            .filter_map(|p| crate::glob::common_witness(p, &req.resource))
            .collect();
        witnesses.push(req.resource.replace(['*', '?'], "x"));
        witnesses.sort();
        witnesses.dedup();
        let rank = |d: policy::Decision| match d {
            policy::Decision::Allowed => 3,
            policy::Decision::Conditional => 2,
            policy::Decision::ImplicitDeny => 1,
            policy::Decision::ExplicitDeny => 0,
        };
        let mut best: Option<(policy::ChainDecision, String)> = None;
        for w in witnesses {
            let mut r = request.clone();
            r.resource = w.clone();
            let d = policy::decide(&r, &chain);
            if best
                .as_ref()
                .is_none_or(|(b, _)| rank(d.decision) > rank(b.decision))
            {
                best = Some((d, w));
            }
        }
        let (d, w) =
            best.unwrap_or_else(|| (policy::decide(&request, &chain), req.resource.clone()));
        (d, Some(w))
    } else {
        (policy::decide(&request, &chain), None)
    };
    let simulation = Simulation {
        decision: d.decision,
        deciding: d.deciding,
        unknown_keys: d.unknown_keys,
        reason: d.reason,
    };
    Ok(SimulateReport {
        request,
        known_action,
        suggestions,
        simulation,
        blocked_by: d.blocked_by,
        witness,
        warnings,
        files: files.into_iter().map(|(_, f)| f).collect(),
    })
}

/// True for a resource pattern other than `*` alone (which every policy treats as "any").
fn is_pattern(resource: &str) -> bool {
    resource != "*" && resource.contains(['*', '?'])
}

fn warn_misplaced(f: &PolicyFile, kind: DocumentKind, warnings: &mut Vec<InputError>) {
    for w in f.document.misplaced(kind) {
        warnings.push(InputError::plain(
            &f.source.path,
            format!("{w} (evaluated as given)"),
        ));
    }
}
