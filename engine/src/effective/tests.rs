use super::*;
use crate::ingest::aws_authz;

fn demo() -> Inventory {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../testdata/demo/snapshot/authorization-details.json");
    let r = aws_authz::load_files(&[path]);
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    r.inventory
}

fn cat() -> &'static AwsCatalog {
    AwsCatalog::embedded()
}

fn id(name: &str) -> ActionId {
    cat()
        .lookup(name)
        .unwrap_or_else(|| panic!("{name} in catalog"))
}

/// The grants through which `action` is held.
fn via<'a>(e: &'a EffectivePermissions, action: &str) -> Vec<&'a EffectiveGrant> {
    e.grants
        .iter()
        .filter(|g| g.actions.contains(id(action)))
        .collect()
}

fn resolve(inv: &Inventory, name: &str) -> EffectivePermissions {
    let p = inv.find_principal(name).expect("principal");
    Resolver::new(cat(), inv).resolve(p)
}

#[test]
fn administrator_access_holds_every_action_unconditionally() {
    let inv = demo();
    let e = resolve(&inv, "admin");
    assert_eq!(e.held_unconditionally_on_any(cat()).len(), cat().len());
    assert_eq!(
        e.grants[0].origin.policy,
        "arn:aws:iam::aws:policy/AdministratorAccess"
    );
    assert!(e.grants[0].via_wildcard);
}

#[test]
fn not_action_allow_grants_everything_else() {
    let inv = demo();
    let e = resolve(&inv, "legacy-ops");
    let held = e.held(cat());
    assert!(held.contains(id("ec2:RunInstances")));
    assert!(held.contains(id("s3:DeleteBucket")));
    assert!(!held.contains(id("iam:CreateUser")));
    assert!(!held.contains(id("organizations:LeaveOrganization")));
    assert!(
        e.grants[0].via_wildcard,
        "NotAction grants future actions too"
    );
}

#[test]
fn group_policies_variables_and_conditional_denies() {
    let inv = demo();
    let e = resolve(&inv, "alice");
    // via the readonly group, but a conditional MFA deny makes it conditional
    let get = via(&e, "s3:GetObject");
    assert_eq!(get.len(), 1);
    assert_eq!(
        get[0].origin.via_group.as_deref(),
        Some("arn:aws:iam::111122223333:group/readonly")
    );
    assert!(get[0].conditional);
    assert!(get[0]
        .limits
        .iter()
        .any(|l| l.kind == LimitKind::ConditionalDeny
            && l.origin.sid.as_deref() == Some("DenyWithoutMFA")));
    // ${aws:username} resolves to the user's own name
    let put = via(&e, "s3:PutObject");
    assert_eq!(
        put[0].resources,
        ResourceScope::Patterns(vec!["arn:aws:s3:::demo-dev-scratch/home/alice/*".into()])
    );
    let change = via(&e, "iam:ChangePassword");
    assert_eq!(
        change[0].resources,
        ResourceScope::Patterns(vec!["arn:aws:iam::*:user/alice".into()])
    );
    assert!(
        change[0].limits.is_empty(),
        "NotAction in the deny exempts ChangePassword"
    );
    // a region condition the principal cannot settle stays
    let lambda = via(&e, "lambda:InvokeFunction");
    assert!(lambda[0].conditional);
    assert_eq!(lambda[0].conditions[0].key, "aws:RequestedRegion");
    // nothing grants iam:CreateUser
    assert!(via(&e, "iam:CreateUser").is_empty());
}

#[test]
fn boundary_caps_and_narrows() {
    let inv = demo();
    let e = resolve(&inv, "data-analyst");
    let held = e.held(cat());
    assert!(
        !held.contains(id("iam:CreateUser")),
        "boundary allows no iam"
    );
    assert!(
        !held.contains(id("s3:DeleteObject")),
        "boundary allows no DeleteObject"
    );
    assert!(
        !held.contains(id("glue:CreateTable")),
        "boundary allows glue:Get* only"
    );
    assert!(held.contains(id("glue:GetTable")));
    assert!(held.contains(id("athena:StartQueryExecution")));
    // PutObject survives only on the results bucket
    let put = via(&e, "s3:PutObject");
    assert_eq!(put.len(), 1);
    assert_eq!(
        put[0].resources,
        ResourceScope::Patterns(vec!["arn:aws:s3:::demo-athena-results/*".into()])
    );
    assert!(put[0].limits.iter().any(|l| l.kind == LimitKind::Boundary));
    // GetObject: on *, minus the PII prefix denied by resource
    let get = via(&e, "s3:GetObject");
    assert_eq!(get.len(), 1);
    assert_eq!(get[0].resources, ResourceScope::Any);
    assert!(get[0]
        .limits
        .iter()
        .any(|l| l.kind == LimitKind::DenyOnSomeResources));
    assert!(e
        .held_unconditionally_on_any(cat())
        .contains(id("athena:StartQueryExecution")));
    assert!(
        !e.held_unconditionally_on_any(cat())
            .contains(id("s3:GetObject")),
        "narrowed by a deny"
    );
}

#[test]
fn unconditional_deny_on_star_removes_actions() {
    let text = r#"{"RoleDetailList":[{"RoleName":"r","Arn":"arn:aws:iam::1:role/r","RolePolicyList":[
      {"PolicyName":"p","PolicyDocument":{"Version":"2012-10-17","Statement":[
        {"Effect":"Allow","Action":"s3:*","Resource":"*"},
        {"Effect":"Deny","Action":"s3:Delete*","Resource":"*"},
        {"Effect":"Deny","Action":"s3:PutObject","Resource":"arn:aws:s3:::b/*"},
        {"Effect":"Allow","Action":"s3:PutObject","Resource":"arn:aws:s3:::b/x/*"},
        {"Effect":"Allow","Action":["s3:GetObjecz","nosuch:Thing"],"Resource":"*"}]}}]}]}"#;
    let r = aws_authz::load_sources(&[crate::SourceFile::from_text("t.json", text)]);
    let e = resolve(&r.inventory, "r");
    let held = e.held(cat());
    assert!(!held.contains(id("s3:DeleteObject")));
    assert!(held.contains(id("s3:GetObject")));
    // the b/x/* grant is covered entirely by the b/* deny; the * grant is only narrowed
    let put = via(&e, "s3:PutObject");
    assert_eq!(put.len(), 1);
    assert_eq!(put[0].resources, ResourceScope::Any);
    let unknown: Vec<&str> = e
        .unknown_actions
        .iter()
        .map(|u| u.pattern.as_str())
        .collect();
    assert_eq!(unknown, vec!["s3:GetObjecz", "nosuch:Thing"]);
    assert_eq!(
        cat().suggest(&e.unknown_actions[0].pattern, 1),
        vec!["s3:GetObject"]
    );
}

#[test]
fn pattern_cover_is_sound() {
    assert!(pattern_covers("arn:aws:s3:::b/*", "arn:aws:s3:::b/x/*"));
    assert!(!pattern_covers("arn:aws:s3:::b/x/*", "arn:aws:s3:::b/*"));
    assert!(!pattern_covers("a?c", "a*c"), "? cannot stand for *");
    assert!(covers(
        &ResourceScope::Any,
        &ResourceScope::Except(vec!["x".into()])
    ));
    assert!(!covers(
        &ResourceScope::Except(vec!["arn:aws:s3:::b/*".into()]),
        &ResourceScope::Patterns(vec!["arn:aws:s3:::b/k".into()])
    ));
    assert!(covers(
        &ResourceScope::Except(vec!["arn:aws:s3:::b/*".into()]),
        &ResourceScope::Patterns(vec!["arn:aws:s3:::c/k".into()])
    ));
}

/// Found by the recommend benchmark's safety check: a managed policy attached to a role *and*
/// set as its boundary had its allows ignored as identity statements.
#[test]
fn a_policy_that_is_both_attached_and_the_boundary_grants_as_attached() {
    let text = r#"{"RoleDetailList":[{"RoleName":"r","Arn":"arn:aws:iam::1:role/r",
      "AttachedManagedPolicies":[{"PolicyName":"both","PolicyArn":"arn:aws:iam::1:policy/both"}],
      "PermissionsBoundary":{"PermissionsBoundaryType":"Policy","PermissionsBoundaryArn":"arn:aws:iam::1:policy/both"}}],
     "Policies":[{"PolicyName":"both","Arn":"arn:aws:iam::1:policy/both","DefaultVersionId":"v1",
      "PolicyVersionList":[{"VersionId":"v1","IsDefaultVersion":true,"Document":{"Version":"2012-10-17",
        "Statement":[{"Effect":"Allow","Action":"events:*","Resource":"*"}]}}]}]}"#;
    let r = aws_authz::load_sources(&[crate::SourceFile::from_text("t.json", text)]);
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    let e = resolve(&r.inventory, "r");
    assert!(e.held(cat()).contains(id("events:ListRules")));
    assert_eq!(via(&e, "events:ListRules").len(), 1);
}

fn demo_in_org() -> Inventory {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let r = aws_authz::load_files(&[
        root.join("testdata/demo/snapshot/authorization-details.json"),
        root.join("testdata/aws/org/root-prod-ou-two-accounts-scps-and-rcp.json"),
    ]);
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    r.inventory
}

/// The demo account sits in the Prod unit, whose SCP denies stopping or deleting trails: an
/// administrator there does not hold them, and `explain` says which SCP blocks them.
#[test]
fn an_scp_deny_removes_what_the_identity_policies_grant_and_says_where() {
    let inv = demo_in_org();
    let e = resolve(&inv, "admin");
    let held = e.held(cat());
    assert!(!held.contains(id("cloudtrail:StopLogging")));
    assert!(!held.contains(id("organizations:LeaveOrganization")));
    assert!(held.contains(id("cloudtrail:DescribeTrails")));
    let blocked: Vec<&Blocked> = e
        .blocked
        .iter()
        .filter(|b| b.actions.contains(id("cloudtrail:StopLogging")))
        .collect();
    assert_eq!(blocked.len(), 1, "{:?}", e.blocked);
    assert!(
        blocked[0]
            .origin
            .policy_name
            .contains("DenyLeavingAndTrailTampering"),
        "{:?}",
        blocked[0].origin
    );
    assert_eq!(blocked[0].origin.location.line, Some(25));
}

/// Every level from the root to the account must allow: an account level that attaches no SCP
/// allows nothing.
#[test]
fn an_scp_level_with_nothing_attached_blocks_everything() {
    let mut inv = demo_in_org();
    let org = inv.organization.as_mut().expect("organisation");
    for p in &mut org.policies {
        p.targets.retain(|t| t != "111122223333");
    }
    let e = resolve(&inv, "admin");
    assert!(
        e.held(cat()).is_empty(),
        "nothing is allowed at the account level"
    );
    assert!(!e.blocked.is_empty());
}

/// The demo snapshot with the resource policies of
/// `testdata/aws/resource-policies/same-account-names-role-session-user-account-and-partner.json`.
fn demo_with_resource_policies() -> Inventory {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata");
    let r = aws_authz::load_files(&[
        root.join("demo/snapshot/authorization-details.json"),
        root.join(
            "aws/resource-policies/same-account-names-role-session-user-account-and-partner.json",
        ),
    ]);
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    r.inventory
}

/// (action, resource patterns) of the grants that came from a resource policy.
fn from_resource_policies(e: &EffectivePermissions) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = e
        .grants
        .iter()
        .filter(|g| g.origin.policy_kind == crate::model::PolicyKind::ResourceBased)
        .flat_map(|g| {
            g.actions
                .iter()
                .map(|a| (cat().action(a).name.clone(), g.resources.to_string()))
        })
        .collect();
    out.sort();
    out
}

#[test]
fn a_same_account_resource_policy_naming_a_user_grants_on_its_own() {
    let inv = demo_with_resource_policies();
    let e = resolve(&inv, "alice");
    assert_eq!(
        from_resource_policies(&e),
        [(
            "s3:PutObject".to_string(),
            "arn:aws:s3:::demo-reports/alice/*".to_string()
        )],
        "the account-wide and partner statements add nothing to alice"
    );
    let g = via(&e, "s3:PutObject")
        .into_iter()
        .find(|g| g.origin.policy_kind == crate::model::PolicyKind::ResourceBased)
        .expect("the bucket policy grant");
    assert_eq!(g.origin.policy, "arn:aws:s3:::demo-reports");
    assert_eq!(g.origin.sid.as_deref(), Some("AliceWrites"));
}

#[test]
fn a_resource_policy_naming_the_role_stays_within_its_boundary_but_one_naming_a_session_does_not() {
    let inv = demo_with_resource_policies();
    let e = resolve(&inv, "data-analyst");
    assert_eq!(
        from_resource_policies(&e),
        [
            // the boundary allows s3:GetObject on `*`, not s3:DeleteObject
            (
                "s3:DeleteObject".to_string(),
                "arn:aws:s3:::demo-reports/tmp/*".to_string()
            ),
            (
                "s3:GetObject".to_string(),
                "arn:aws:s3:::demo-reports/*".to_string()
            ),
        ]
    );
}

#[test]
fn resource_grants_pass_through_the_principals_explicit_denies() {
    let mut inv = demo_with_resource_policies();
    // alice's own policies deny every write to the reports bucket
    let alice = inv.find_principal("alice").expect("alice").id.clone();
    let deny = crate::aws::policy::PolicyDocument::parse(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:Put*","Resource":"arn:aws:s3:::demo-reports/*"}]}"#,
        crate::aws::policy::DocumentKind::Identity,
    )
    .expect("document");
    let id = format!("{alice}#no-reports");
    inv.policies.insert(
        id.clone(),
        crate::aws::Policy {
            id: id.clone(),
            name: "no-reports".into(),
            kind: crate::model::PolicyKind::Inline,
            document: deny,
            location: inv
                .policies
                .values()
                .next()
                .expect("a policy")
                .location
                .clone(),
        },
    );
    let i = inv
        .principals
        .iter()
        .position(|p| p.id == alice)
        .expect("alice");
    inv.principals[i].policies.push(id);
    assert!(from_resource_policies(&resolve(&inv, "alice")).is_empty());
}

#[test]
fn a_deny_on_resources_the_grant_cannot_reach_does_not_limit_it() {
    let inv = demo_with_resource_policies();
    let e = resolve(&inv, "data-analyst");
    let reports: Vec<&EffectiveGrant> = via(&e, "s3:GetObject")
        .into_iter()
        .filter(|g| g.resources.to_string() == "arn:aws:s3:::demo-reports/*")
        .collect();
    assert_eq!(reports.len(), 1);
    assert!(
        reports[0].limits.is_empty(),
        "`NoRawPii` denies demo-datalake/raw/pii/*, which demo-reports/* never matches: {:?}",
        reports[0].limits
    );
    // the same deny still narrows the grant on `*`
    let star = via(&e, "s3:GetObject")
        .into_iter()
        .find(|g| g.resources == ResourceScope::Any)
        .expect("the inline grant on *");
    assert_eq!(star.limits.len(), 1);
}

#[test]
fn an_rcp_deny_the_grantee_cannot_settle_makes_a_resource_grant_conditional_and_one_it_settles_drops_out(
) {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata");
    let r = aws_authz::load_files(&[
        root.join("demo/snapshot/authorization-details.json"),
        root.join("aws/resource-policies/bucket-trusts-analyst-role-and-public-queue.json"),
        root.join(
            "aws/resource-policies/same-account-names-role-session-user-account-and-partner.json",
        ),
        // RCP at the root: deny s3:* and sqs:* to identities outside o-exampleorg
        root.join("aws/org/root-prod-ou-two-accounts-scps-and-rcp.json"),
    ]);
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    let inv = r.inventory;
    let grants = resource_grants_after_rcps(cat(), &inv, false);
    let by_sid = |sid: &str| {
        grants
            .iter()
            .find(|g| g.grant.origin.sid.as_deref() == Some(sid))
            .unwrap_or_else(|| panic!("{sid}"))
    };
    // anyone: whether the caller is in the organisation is not known
    let anyone = by_sid("AnyoneMaySend");
    assert!(anyone.grant.conditional);
    assert_eq!(anyone.grant.limits.len(), 1);
    assert_eq!(
        anyone.grant.limits[0].origin.policy_name,
        "OrgIdentitiesOnly"
    );
    // an account of the organisation: the RCP's condition is false, nothing changes
    let partner = by_sid("PartnerWrites");
    assert!(!partner.grant.conditional && partner.grant.limits.is_empty());
    // SNS is not a service RCPs apply to
    assert!(!by_sid("AnyonePublishes").grant.conditional);
    // without the organisation export, no RCP: the same grant to anyone is unconditional
    let without: Vec<_> = resource_grants_after_rcps(
        cat(),
        &aws_authz::load_files(&[
            root.join("aws/resource-policies/bucket-trusts-analyst-role-and-public-queue.json")
        ])
        .inventory,
        false,
    );
    assert!(without
        .iter()
        .any(|g| g.grant.origin.sid.as_deref() == Some("AnyoneMaySend") && !g.grant.conditional));
}
