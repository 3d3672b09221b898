//! One test per rule of AWS's documented evaluation logic (IAM User Guide, "Policy evaluation
//! logic", "Cross-account policy evaluation logic", "Permissions boundaries", "Session
//! policies"; Organizations User Guide, SCPs and RCPs; KMS Developer Guide, "Key policies").

use super::*;
use crate::aws::policy::{DocumentKind, RequestContext};

const A: &str = "111122223333";
const B: &str = "444455556666";

fn doc(text: &str) -> PolicyDocument {
    let kind = if text.contains("\"Principal\"") || text.contains("\"NotPrincipal\"") {
        DocumentKind::Resource
    } else {
        DocumentKind::Identity
    };
    PolicyDocument::parse(text, kind).expect("valid test policy")
}

fn named(d: &PolicyDocument) -> Named<'_> {
    Named {
        name: "p",
        document: d,
    }
}

fn req(action: &str, resource: &str) -> Request {
    let mut context = RequestContext::default();
    context.complete = true;
    Request {
        action: action.into(),
        resource: resource.into(),
        context,
    }
}

fn role(account: &str) -> Caller {
    Caller::parse(&format!("arn:aws:iam::{account}:role/app")).expect("caller")
}

fn allow(action: &str, resource: &str) -> PolicyDocument {
    doc(&format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"{action}","Resource":"{resource}"}}]}}"#
    ))
}

fn resource_policy(effect: &str, principal: &str, action: &str, resource: &str) -> PolicyDocument {
    doc(&format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"{effect}","Principal":{principal},"Action":"{action}","Resource":"{resource}"}}]}}"#
    ))
}

const BUCKET_OBJECT: &str = "arn:aws:s3:::data/report.csv";

#[test]
fn an_explicit_deny_in_an_scp_beats_an_identity_allow() {
    let id = allow("s3:*", "*");
    let full = allow("*", "*");
    let deny = doc(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:DeleteBucket","Resource":"*"}]}"#,
    );
    let chain = Chain {
        caller: Some(role(A)),
        identity: vec![named(&id)],
        scps: vec![vec![named(&full)], vec![named(&full), named(&deny)]],
        ..Chain::default()
    };
    let d = decide(&req("s3:DeleteBucket", "arn:aws:s3:::data"), &chain);
    assert_eq!(d.decision, Decision::ExplicitDeny);
    assert_eq!(d.blocked_by, [PolicyType::Scp]);
    assert_eq!(
        decide(&req("s3:GetObject", BUCKET_OBJECT), &chain).decision,
        Decision::Allowed
    );
}

#[test]
fn every_scp_level_from_the_root_to_the_account_must_allow() {
    let id = allow("*", "*");
    let full = allow("*", "*");
    let only_s3 = allow("s3:*", "*");
    let chain = Chain {
        caller: Some(role(A)),
        identity: vec![named(&id)],
        scps: vec![vec![named(&full)], vec![named(&only_s3)], vec![]],
        ..Chain::default()
    };
    let d = decide(&req("s3:GetObject", BUCKET_OBJECT), &chain);
    assert_eq!(
        d.decision,
        Decision::ImplicitDeny,
        "the account level attaches nothing"
    );
    assert_eq!(d.blocked_by, [PolicyType::Scp]);
    let chain = Chain {
        scps: vec![
            vec![named(&full)],
            vec![named(&only_s3)],
            vec![named(&full)],
        ],
        ..chain
    };
    assert_eq!(
        decide(&req("s3:GetObject", BUCKET_OBJECT), &chain).decision,
        Decision::Allowed
    );
    let d = decide(&req("ec2:RunInstances", "*"), &chain);
    assert_eq!(
        (d.decision, d.blocked_by),
        (Decision::ImplicitDeny, vec![PolicyType::Scp])
    );
}

#[test]
fn scps_do_not_apply_to_the_management_account_or_service_linked_roles() {
    let id = allow("*", "*");
    let nothing: Vec<Named> = vec![];
    let base = Chain {
        caller: Some(role(A)),
        identity: vec![named(&id)],
        scps: vec![nothing],
        ..Chain::default()
    };
    assert_eq!(
        decide(&req("ec2:RunInstances", "*"), &base).decision,
        Decision::ImplicitDeny
    );
    let management = Chain {
        management_account: true,
        ..base.clone()
    };
    assert_eq!(
        decide(&req("ec2:RunInstances", "*"), &management).decision,
        Decision::Allowed
    );
    let linked = Chain {
        caller: Caller::parse(&format!(
            "arn:aws:iam::{A}:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS"
        )),
        ..base
    };
    assert_eq!(
        decide(&req("ec2:RunInstances", "*"), &linked).decision,
        Decision::Allowed
    );
}

#[test]
fn rcps_only_deny_and_only_for_the_services_that_support_them() {
    let id = allow("*", "*");
    let rcp = doc(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":["s3:*","ec2:*"],"Resource":"*"}]}"#,
    );
    let chain = Chain {
        caller: Some(role(A)),
        identity: vec![named(&id)],
        rcps: vec![vec![], vec![named(&rcp)]],
        ..Chain::default()
    };
    let d = decide(&req("s3:GetObject", BUCKET_OBJECT), &chain);
    assert_eq!(
        (d.decision, d.blocked_by),
        (Decision::ExplicitDeny, vec![PolicyType::Rcp])
    );
    // EC2 does not support RCPs; an empty level still allows (RCPFullAWSAccess)
    assert_eq!(
        decide(&req("ec2:RunInstances", "*"), &chain).decision,
        Decision::Allowed
    );
    assert_eq!(
        decide(
            &req("sqs:SendMessage", &format!("arn:aws:sqs:eu-west-1:{A}:q")),
            &chain
        )
        .decision,
        Decision::Allowed
    );
}

#[test]
fn same_account_a_resource_policy_naming_the_caller_grants_alone_naming_the_account_does_not() {
    let user = Caller::parse(&format!("arn:aws:iam::{A}:user/alice")).expect("caller");
    let by_arn = resource_policy(
        "Allow",
        &format!(r#"{{"AWS":"arn:aws:iam::{A}:user/alice"}}"#),
        "s3:GetObject",
        BUCKET_OBJECT,
    );
    let chain = Chain {
        caller: Some(user.clone()),
        resource_account: Some(A.into()),
        resource_policy: Some(named(&by_arn)),
        ..Chain::default()
    };
    assert_eq!(
        decide(&req("s3:GetObject", BUCKET_OBJECT), &chain).decision,
        Decision::Allowed
    );
    let by_account = resource_policy(
        "Allow",
        &format!(r#"{{"AWS":"{A}"}}"#),
        "s3:GetObject",
        BUCKET_OBJECT,
    );
    let chain = Chain {
        resource_policy: Some(named(&by_account)),
        ..chain
    };
    let d = decide(&req("s3:GetObject", BUCKET_OBJECT), &chain);
    assert_eq!(
        (d.decision, d.blocked_by),
        (Decision::ImplicitDeny, vec![PolicyType::Identity])
    );
}

#[test]
fn cross_account_both_sides_must_allow() {
    let id = allow("s3:GetObject", "*");
    let chain = Chain {
        caller: Some(role(A)),
        resource_account: Some(B.into()),
        identity: vec![named(&id)],
        ..Chain::default()
    };
    let d = decide(&req("s3:GetObject", BUCKET_OBJECT), &chain);
    assert_eq!(
        (d.decision, d.blocked_by.clone()),
        (Decision::ImplicitDeny, vec![PolicyType::Resource]),
        "no resource policy trusts the caller: {}",
        d.reason
    );
    let trusts_a = resource_policy(
        "Allow",
        &format!(r#"{{"AWS":"arn:aws:iam::{A}:root"}}"#),
        "s3:GetObject",
        BUCKET_OBJECT,
    );
    let both = Chain {
        resource_policy: Some(named(&trusts_a)),
        ..chain.clone()
    };
    assert_eq!(
        decide(&req("s3:GetObject", BUCKET_OBJECT), &both).decision,
        Decision::Allowed
    );
    let only_resource = Chain {
        identity: vec![],
        ..both
    };
    let d = decide(&req("s3:GetObject", BUCKET_OBJECT), &only_resource);
    assert_eq!(
        (d.decision, d.blocked_by),
        (Decision::ImplicitDeny, vec![PolicyType::Identity])
    );
}

#[test]
fn a_boundary_limits_a_role_named_by_a_resource_policy_but_not_a_user_named_itself() {
    let boundary = allow("ec2:*", "*");
    let user = Caller::parse(&format!("arn:aws:iam::{A}:user/alice")).expect("caller");
    let names_user = resource_policy(
        "Allow",
        &format!(r#"{{"AWS":"arn:aws:iam::{A}:user/alice"}}"#),
        "s3:GetObject",
        BUCKET_OBJECT,
    );
    let chain = Chain {
        caller: Some(user),
        resource_account: Some(A.into()),
        boundary: Some(named(&boundary)),
        resource_policy: Some(named(&names_user)),
        ..Chain::default()
    };
    assert_eq!(
        decide(&req("s3:GetObject", BUCKET_OBJECT), &chain).decision,
        Decision::Allowed
    );
    let session =
        Caller::parse(&format!("arn:aws:sts::{A}:assumed-role/app/build-42")).expect("caller");
    let names_role = resource_policy(
        "Allow",
        &format!(r#"{{"AWS":"arn:aws:iam::{A}:role/app"}}"#),
        "s3:GetObject",
        BUCKET_OBJECT,
    );
    let chain = Chain {
        caller: Some(session),
        resource_policy: Some(named(&names_role)),
        ..chain
    };
    let d = decide(&req("s3:GetObject", BUCKET_OBJECT), &chain);
    assert_eq!(
        (d.decision, d.blocked_by),
        (Decision::ImplicitDeny, vec![PolicyType::Boundary])
    );
}

#[test]
fn a_session_policy_caps_what_the_identity_policies_allow() {
    let id = allow("s3:*", "*");
    let session = allow("s3:GetObject", "*");
    let chain = Chain {
        caller: Caller::parse(&format!("arn:aws:sts::{A}:assumed-role/app/s")),
        identity: vec![named(&id)],
        session: Some(named(&session)),
        ..Chain::default()
    };
    assert_eq!(
        decide(&req("s3:GetObject", BUCKET_OBJECT), &chain).decision,
        Decision::Allowed
    );
    let d = decide(&req("s3:PutObject", BUCKET_OBJECT), &chain);
    assert_eq!(
        (d.decision, d.blocked_by),
        (Decision::ImplicitDeny, vec![PolicyType::Session])
    );
}

#[test]
fn a_vpc_endpoint_policy_must_allow_too() {
    let id = allow("s3:*", "*");
    let endpoint = resource_policy("Allow", r#""*""#, "s3:GetObject", "arn:aws:s3:::data/*");
    let chain = Chain {
        caller: Some(role(A)),
        identity: vec![named(&id)],
        endpoint: Some(named(&endpoint)),
        ..Chain::default()
    };
    assert_eq!(
        decide(&req("s3:GetObject", BUCKET_OBJECT), &chain).decision,
        Decision::Allowed
    );
    let d = decide(&req("s3:PutObject", BUCKET_OBJECT), &chain);
    assert_eq!(
        (d.decision, d.blocked_by),
        (Decision::ImplicitDeny, vec![PolicyType::Endpoint])
    );
}

#[test]
fn anonymous_and_service_callers_need_a_resource_policy_that_names_them() {
    let public = resource_policy("Allow", r#""*""#, "s3:GetObject", BUCKET_OBJECT);
    let chain = Chain {
        caller: Some(Caller::Anonymous),
        resource_policy: Some(named(&public)),
        ..Chain::default()
    };
    assert_eq!(
        decide(&req("s3:GetObject", BUCKET_OBJECT), &chain).decision,
        Decision::Allowed
    );
    assert_eq!(
        decide(&req("s3:PutObject", BUCKET_OBJECT), &chain).decision,
        Decision::ImplicitDeny
    );
    let to_lambda = resource_policy(
        "Allow",
        r#"{"Service":"lambda.amazonaws.com"}"#,
        "sqs:SendMessage",
        "*",
    );
    let chain = Chain {
        caller: Caller::parse("lambda.amazonaws.com"),
        resource_policy: Some(named(&to_lambda)),
        ..Chain::default()
    };
    let q = format!("arn:aws:sqs:eu-west-1:{A}:q");
    assert_eq!(
        decide(&req("sqs:SendMessage", &q), &chain).decision,
        Decision::Allowed
    );
    let chain = Chain {
        caller: Caller::parse("ec2.amazonaws.com"),
        ..chain
    };
    assert_eq!(
        decide(&req("sqs:SendMessage", &q), &chain).decision,
        Decision::ImplicitDeny
    );
}

#[test]
fn not_principal_in_a_deny_denies_everyone_but_those_listed() {
    let id = allow("s3:*", "*");
    let deny_others = doc(&format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Deny","NotPrincipal":{{"AWS":"arn:aws:iam::{A}:role/app"}},"Action":"s3:*","Resource":"*"}}]}}"#
    ));
    let chain = Chain {
        caller: Some(role(A)),
        identity: vec![named(&id)],
        resource_policy: Some(named(&deny_others)),
        ..Chain::default()
    };
    assert_eq!(
        decide(&req("s3:GetObject", BUCKET_OBJECT), &chain).decision,
        Decision::Allowed
    );
    let other = Chain {
        caller: Caller::parse(&format!("arn:aws:iam::{A}:role/other")),
        ..chain
    };
    let d = decide(&req("s3:GetObject", BUCKET_OBJECT), &other);
    assert_eq!(
        (d.decision, d.blocked_by),
        (Decision::ExplicitDeny, vec![PolicyType::Resource])
    );
}

#[test]
fn a_kms_key_is_usable_only_where_its_key_policy_allows() {
    let key = format!("arn:aws:kms:eu-west-1:{A}:key/1234abcd-12ab-34cd-56ef-1234567890ab");
    let id = allow("kms:Decrypt", "*");
    let chain = Chain {
        caller: Some(role(A)),
        identity: vec![named(&id)],
        ..Chain::default()
    };
    let d = decide(&req("kms:Decrypt", &key), &chain);
    assert_eq!(
        (d.decision, d.blocked_by),
        (Decision::ImplicitDeny, vec![PolicyType::Resource])
    );
    let enables_iam = resource_policy(
        "Allow",
        &format!(r#"{{"AWS":"arn:aws:iam::{A}:root"}}"#),
        "kms:*",
        "*",
    );
    let with_key_policy = Chain {
        resource_policy: Some(named(&enables_iam)),
        ..chain.clone()
    };
    assert_eq!(
        decide(&req("kms:Decrypt", &key), &with_key_policy).decision,
        Decision::Allowed
    );
    let without_identity = Chain {
        identity: vec![],
        ..with_key_policy
    };
    assert_eq!(
        decide(&req("kms:Decrypt", &key), &without_identity).decision,
        Decision::ImplicitDeny,
        "a key policy naming the account delegates to IAM policies, it does not grant"
    );
}

#[test]
fn a_role_is_assumed_only_where_its_trust_policy_allows() {
    let target = format!("arn:aws:iam::{A}:role/deploy");
    let id = allow("sts:AssumeRole", "*");
    let chain = Chain {
        caller: Some(role(A)),
        identity: vec![named(&id)],
        ..Chain::default()
    };
    assert_eq!(
        decide(&req("sts:AssumeRole", &target), &chain).decision,
        Decision::ImplicitDeny
    );
    let trusts_app = resource_policy(
        "Allow",
        &format!(r#"{{"AWS":"arn:aws:iam::{A}:role/app"}}"#),
        "sts:AssumeRole",
        "*",
    );
    let chain = Chain {
        identity: vec![],
        resource_policy: Some(named(&trusts_app)),
        ..chain
    };
    assert_eq!(
        decide(&req("sts:AssumeRole", &target), &chain).decision,
        Decision::Allowed,
        "same account, the trust policy names the caller: no identity policy needed"
    );
}

#[test]
fn aws_managed_policies_and_reserved_roles_cannot_be_changed() {
    let admin = allow("*", "*");
    let chain = Chain {
        caller: Some(role(A)),
        identity: vec![named(&admin)],
        ..Chain::default()
    };
    let d = decide(
        &req(
            "iam:CreatePolicyVersion",
            "arn:aws:iam::aws:policy/AdministratorAccess",
        ),
        &chain,
    );
    assert_eq!(d.decision, Decision::ImplicitDeny, "{}", d.reason);
    assert!(d.reason.contains("cannot be changed"));
    assert_eq!(
        decide(
            &req(
                "iam:GetPolicy",
                "arn:aws:iam::aws:policy/AdministratorAccess"
            ),
            &chain
        )
        .decision,
        Decision::Allowed
    );
    let reserved =
        format!("arn:aws:iam::{A}:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_0123");
    assert_eq!(
        decide(&req("iam:PutRolePolicy", &reserved), &chain).decision,
        Decision::ImplicitDeny
    );
}

#[test]
fn a_request_with_no_identity_policy_is_decided_not_refused() {
    let chain = Chain {
        caller: Some(role(A)),
        ..Chain::default()
    };
    let d = decide(&req("s3:GetObject", BUCKET_OBJECT), &chain);
    assert_eq!(
        (d.decision, d.blocked_by),
        (Decision::ImplicitDeny, vec![PolicyType::Identity])
    );
}

mod agrees_with_identity_only_evaluation {
    use super::*;
    use crate::aws::policy::{simulate, SimulationInput};
    use proptest::prelude::*;

    const ACTIONS: &[&str] = &[
        "s3:GetObject",
        "s3:PutObject",
        "sqs:SendMessage",
        "ec2:RunInstances",
    ];
    const PATTERNS: &[&str] = &["s3:*", "s3:Get*", "*", "sqs:SendMessage", "ec2:*"];
    const RESOURCES: &[&str] = &[
        "*",
        "arn:aws:s3:::a/*",
        "arn:aws:s3:::b/x",
        "arn:aws:sqs:eu-west-1:111122223333:q",
    ];
    const REQUESTS: &[&str] = &[
        "arn:aws:s3:::a/k",
        "arn:aws:s3:::b/x",
        "arn:aws:sqs:eu-west-1:111122223333:q",
        "*",
    ];
    const CONDITIONS: &[&str] = &[
        r#"{"StringEquals":{"aws:RequestedRegion":"eu-west-1"}}"#,
        r#"{"Bool":{"aws:MultiFactorAuthPresent":"true"}}"#,
    ];

    fn statement() -> impl Strategy<Value = String> {
        (
            any::<bool>(),
            prop::sample::subsequence(PATTERNS, 1..3),
            prop::sample::subsequence(RESOURCES, 1..3),
            prop::option::of(prop::sample::select(CONDITIONS)),
        )
            .prop_map(|(allow, acts, res, cond)| {
                let list = |v: &[&str]| {
                    format!(
                        "[{}]",
                        v.iter()
                            .map(|s| format!("\"{s}\""))
                            .collect::<Vec<_>>()
                            .join(",")
                    )
                };
                let mut s = format!(
                    r#"{{"Effect":"{}","Action":{},"Resource":{}"#,
                    if allow { "Allow" } else { "Deny" },
                    list(&acts),
                    list(&res)
                );
                if let Some(c) = cond {
                    s.push_str(&format!(r#","Condition":{c}"#));
                }
                s.push('}');
                s
            })
    }

    fn document() -> impl Strategy<Value = String> {
        prop::collection::vec(statement(), 1..4).prop_map(|s| {
            format!(
                r#"{{"Version":"2012-10-17","Statement":[{}]}}"#,
                s.join(",")
            )
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]
        /// With only identity policies and a boundary, in the caller's own account, the whole
        /// decision answers what the identity-and-boundary evaluator does.
        #[test]
        fn same_account_identity_and_boundary_only(
            docs in prop::collection::vec(document(), 1..3),
            boundary in prop::option::of(document()),
            action in prop::sample::select(ACTIONS),
            resource in prop::sample::select(REQUESTS),
            region in prop::option::of(prop::sample::select(&["eu-west-1", "us-east-1"][..])),
        ) {
            let parsed: Vec<PolicyDocument> = docs.iter().map(|d| doc(d)).collect();
            let bound = boundary.as_deref().map(doc);
            let mut r = req(action, resource);
            r.context.complete = region.is_some();
            if let Some(reg) = region {
                r.context.insert("aws:RequestedRegion", reg);
                r.context.insert("aws:MultiFactorAuthPresent", "true");
            }
            let mut inputs: Vec<SimulationInput> = parsed
                .iter()
                .map(|d| SimulationInput { name: "p", role: PolicyRole::Identity, document: d })
                .collect();
            if let Some(b) = &bound {
                inputs.push(SimulationInput { name: "b", role: PolicyRole::Boundary, document: b });
            }
            let old = simulate(&r, &inputs).decision;
            let chain = Chain {
                caller: Some(role(A)),
                resource_account: Some(A.into()),
                identity: parsed.iter().map(named).collect(),
                boundary: bound.as_ref().map(named),
                ..Chain::default()
            };
            let new = decide(&r, &chain).decision;
            prop_assert_eq!(new, old, "{:?} {:?} on {}", docs, boundary, resource);
        }
    }
}

/// Why `recommend`'s safety checks may compare identity policies alone: a proposal keeps every
/// `Deny` and a subset of what the `Allow` statements grant, every other policy type unchanged,
/// and the whole decision never grows when identity allows shrink.
mod monotone_in_identity_allows {
    use super::*;
    use proptest::prelude::*;

    const PATTERNS: &[&str] = &["s3:*", "s3:GetObject", "*", "sqs:SendMessage"];
    const RESOURCES: &[&str] = &[
        "*",
        "arn:aws:s3:::a/*",
        "arn:aws:sqs:eu-west-1:111122223333:q",
    ];
    const REQUESTS: &[(&str, &str)] = &[
        ("s3:GetObject", "arn:aws:s3:::a/k"),
        ("s3:PutObject", "arn:aws:s3:::a/k"),
        ("sqs:SendMessage", "arn:aws:sqs:eu-west-1:111122223333:q"),
    ];
    const PRINCIPALS: &[&str] = &[
        r#""*""#,
        r#"{"AWS":"arn:aws:iam::111122223333:role/app"}"#,
        r#"{"AWS":"arn:aws:iam::444455556666:role/app"}"#,
        r#"{"AWS":"111122223333"}"#,
    ];

    /// (is an allow, statement JSON); `principal` for resource-policy statements.
    fn statement(principal: bool) -> impl Strategy<Value = (bool, String)> {
        (
            any::<bool>(),
            prop::sample::select(PATTERNS),
            prop::sample::select(RESOURCES),
            prop::sample::select(PRINCIPALS),
            any::<bool>(),
        )
            .prop_map(move |(allow, action, resource, who, mfa)| {
                let mut s = format!(
                    r#"{{"Effect":"{}","Action":"{action}","Resource":"{resource}""#,
                    if allow { "Allow" } else { "Deny" },
                );
                if principal {
                    s.push_str(&format!(r#","Principal":{who}"#));
                }
                if mfa {
                    s.push_str(r#","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}"#);
                }
                s.push('}');
                (allow, s)
            })
    }

    fn document(statements: &[&String]) -> Option<PolicyDocument> {
        (!statements.is_empty()).then(|| {
            doc(&format!(
                r#"{{"Version":"2012-10-17","Statement":[{}]}}"#,
                statements
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(",")
            ))
        })
    }

    fn rank(d: Decision) -> u8 {
        match d {
            Decision::Allowed => 2,
            Decision::Conditional => 1,
            Decision::ExplicitDeny | Decision::ImplicitDeny => 0,
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]
        #[test]
        fn dropping_identity_allows_never_widens_the_decision(
            identity in prop::collection::vec((statement(false), any::<bool>()), 1..5),
            scp in prop::collection::vec(statement(false), 0..3),
            resource in prop::collection::vec(statement(true), 0..3),
            boundary in prop::option::of(prop::collection::vec(statement(false), 1..3)),
            caller_account in prop::sample::select(&[A, B][..]),
            request in prop::sample::select(REQUESTS),
            mfa in prop::option::of(any::<bool>()),
        ) {
            let all: Vec<&String> = identity.iter().map(|((_, s), _)| s).collect();
            // the proposal: every Deny, and the allows the draw keeps
            let kept: Vec<&String> = identity
                .iter()
                .filter(|((allow, _), keep)| !*allow || *keep)
                .map(|((_, s), _)| s)
                .collect();
            let current = document(&all);
            let proposed = document(&kept);
            let scp_doc = document(&scp.iter().map(|(_, s)| s).collect::<Vec<_>>());
            let resource_doc = document(&resource.iter().map(|(_, s)| s).collect::<Vec<_>>());
            let boundary_doc = boundary
                .as_ref()
                .and_then(|b| document(&b.iter().map(|(_, s)| s).collect::<Vec<_>>()));
            let mut r = req(request.0, request.1);
            r.context.complete = mfa.is_some();
            if let Some(m) = mfa {
                r.context.insert("aws:MultiFactorAuthPresent", if m { "true" } else { "false" });
            }
            let chain = |identity: &Option<PolicyDocument>| {
                let mut c = Chain {
                    caller: Some(role(caller_account)),
                    resource_account: Some(A.into()),
                    identity: identity.iter().map(named).collect(),
                    boundary: boundary_doc.as_ref().map(named),
                    resource_policy: resource_doc.as_ref().map(named),
                    ..Chain::default()
                };
                if let Some(s) = &scp_doc {
                    c.scps = vec![vec![named(s)]];
                }
                decide(&r, &c).decision
            };
            let (before, after) = (chain(&current), chain(&proposed));
            prop_assert!(
                rank(after) <= rank(before),
                "{before:?} became {after:?}: identity {all:?} → {kept:?}, scp {scp:?}, resource {resource:?}, boundary {boundary:?}, caller in {caller_account}"
            );
        }
    }
}
