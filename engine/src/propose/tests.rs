use super::tests_support::*;
use super::*;
use crate::aws::policy::{to_json, DocumentKind};
use crate::effective::Resolver;
use crate::model::ResourceMode;

fn replacement_text(p: &Proposal) -> String {
    p.replacement
        .iter()
        .map(to_json)
        .collect::<Vec<_>>()
        .join("")
}

fn kept_names(p: &Proposal) -> Vec<String> {
    p.kept.iter().flat_map(|k| k.permissions.clone()).collect()
}

const S3_AND_DYNAMO: &str = r#"{"Version":"2012-10-17","Statement":[
  {"Sid":"Data","Effect":"Allow","Action":["s3:*","dynamodb:*"],"Resource":"*"}]}"#;

#[test]
fn unused_permissions_go_and_used_ones_stay_named_exactly() {
    let mut case = Case::new(&[("data", S3_AND_DYNAMO)]);
    case.seen = vec![
        seen("s3:GetObject", "arn:aws:s3:::bucket/a.txt"),
        seen(
            "dynamodb:Query",
            "arn:aws:dynamodb:eu-west-1:111122223333:table/t",
        ),
    ];
    case.coverage = coverage(90, &["s3", "dynamodb"]);
    let p = case.run();
    assert!(p.safe(), "{:?} {:?}", p.no_new_access, p.no_breakage);
    assert_eq!(p.policies[0].status, PolicyStatus::Changed);
    let text = replacement_text(&p);
    assert!(text.contains("\"s3:GetObject\""), "{text}");
    assert!(text.contains("\"dynamodb:Query\""), "{text}");
    assert!(
        !text.contains("s3:*"),
        "the wildcard would grant unused actions: {text}"
    );
    assert!(!text.contains("s3:PutObject"), "{text}");
    assert_eq!(p.counts.used, 2);
    assert!(p.counts.proposed < p.counts.granted / 10);
    let removed: Vec<&String> = p.removed.iter().flat_map(|r| &r.permissions).collect();
    assert!(removed.iter().any(|r| *r == "s3:PutObject"));
    assert!(p.no_breakage.checked >= 2, "both calls evaluated");
}

#[test]
fn data_events_the_trail_does_not_log_are_kept_as_not_observable() {
    let mut case = Case::new(&[("data", S3_AND_DYNAMO)]);
    case.seen = vec![seen("s3:ListAllMyBuckets", "*")];
    case.coverage = coverage(90, &[]); // management events only
    let p = case.run();
    assert!(p.safe());
    let kept = kept_names(&p);
    assert!(kept.contains(&"s3:GetObject".to_string()), "{kept:?}");
    assert!(kept.contains(&"dynamodb:Query".to_string()), "{kept:?}");
    let why = p
        .kept
        .iter()
        .find(|k| k.permissions.contains(&"s3:GetObject".to_string()))
        .map(|k| k.because.clone());
    assert!(
        matches!(&why, Some(KeptBecause::NotObservable { coverage }) if coverage.contains("s3 data events: not logged")),
        "{why:?}"
    );
    let removed: Vec<&String> = p.removed.iter().flat_map(|r| &r.permissions).collect();
    assert!(
        removed.iter().any(|r| *r == "s3:CreateBucket"),
        "management events are logged"
    );
}

#[test]
fn a_window_the_logs_barely_cover_removes_nothing() {
    let mut case = Case::new(&[("data", S3_AND_DYNAMO)]);
    case.seen = vec![seen("s3:GetObject", "arn:aws:s3:::bucket/a")];
    case.coverage = coverage(4, &["s3", "dynamodb"]);
    let p = case.run();
    assert!(p.removed.is_empty(), "{:?}", p.removed);
    assert!(!p.changes() || p.counts.proposed == p.counts.granted);
    assert!(p
        .kept
        .iter()
        .all(|k| matches!(&k.because, KeptBecause::NotObservable { .. })));
    assert!(p
        .kept
        .iter()
        .any(|k| matches!(&k.because, KeptBecause::NotObservable { coverage } if coverage.contains("logs cover 4 of 90 days"))));
}

#[test]
fn keep_entries_retain_and_an_existing_wildcard_stays_when_all_it_covers_is_kept() {
    let mut case = Case::new(&[(
        "read",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:Get*","s3:Put*"],"Resource":"*"}]}"#,
    )]);
    case.keep = vec![KeepEntry {
        actions: vec!["s3:Get*".into()],
        reason: "break-glass reads".into(),
        at: "rules/keep.toml:3".into(),
    }];
    let p = case.run();
    assert!(p.safe());
    let text = replacement_text(&p);
    assert!(text.contains("\"s3:Get*\""), "kept whole: {text}");
    assert!(!text.contains("s3:Put"), "{text}");
    assert!(p.kept.iter().any(|k| matches!(&k.because,
        KeptBecause::Keep { justification, at } if justification == "break-glass reads" && at == "rules/keep.toml:3")));
}

#[test]
fn conditions_sids_and_denies_are_preserved_verbatim() {
    let policy = r#"{"Version":"2012-10-17","Statement":[
      {"Sid":"Regional","Effect":"Allow","Action":["ec2:*"],"Resource":"*",
       "Condition":{"StringEquals":{"aws:RequestedRegion":["eu-west-1","eu-central-1"]}}},
      {"Sid":"NoTerminate","Effect":"Deny","Action":"ec2:TerminateInstances","Resource":"*"}]}"#;
    let mut case = Case::new(&[("ec2", policy)]);
    case.seen = vec![seen("ec2:DescribeInstances", "*")];
    let p = case.run();
    assert!(p.safe(), "{:?}", p.no_new_access);
    let text = replacement_text(&p);
    assert!(text.contains("\"Sid\": \"Regional\""), "{text}");
    assert!(
        text.contains("\"aws:RequestedRegion\": [\"eu-west-1\", \"eu-central-1\"]")
            || text.contains("\"eu-central-1\""),
        "{text}"
    );
    assert!(text.contains("\"Sid\": \"NoTerminate\""), "{text}");
    assert!(text.contains("\"Effect\": \"Deny\""), "{text}");
    assert!(!text.contains("ec2:RunInstances"), "{text}");
}

#[test]
fn resources_narrow_as_the_mode_says_and_stay_inside_the_grant() {
    let policy = r#"{"Version":"2012-10-17","Statement":[{"Sid":"Put","Effect":"Allow","Action":"s3:PutObject","Resource":"arn:aws:s3:::ci/*"}]}"#;
    let seen_calls = vec![
        seen("s3:PutObject", "arn:aws:s3:::ci/app/1.zip"),
        seen("s3:PutObject", "arn:aws:s3:::ci/app/2.zip"),
    ];
    let run = |mode| {
        let mut case = Case::new(&[("put", policy)]);
        case.seen = seen_calls.clone();
        case.mode = mode;
        let p = case.run();
        assert!(
            p.safe(),
            "{mode:?}: {:?} {:?}",
            p.no_new_access,
            p.no_breakage
        );
        replacement_text(&p)
    };
    assert!(run(ResourceMode::Granted).contains("\"Resource\": \"arn:aws:s3:::ci/*\""));
    assert!(run(ResourceMode::Prefix).contains("\"Resource\": \"arn:aws:s3:::ci/app/*\""));
    let observed = run(ResourceMode::Observed);
    assert!(
        observed.contains("\"arn:aws:s3:::ci/app/1.zip\""),
        "{observed}"
    );
    assert!(
        observed.contains("\"arn:aws:s3:::ci/app/2.zip\""),
        "{observed}"
    );
}

#[test]
fn a_call_kept_once_in_the_narrowest_statement_that_allowed_it() {
    let admin =
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
    let narrow = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::reports/*"}]}"#;
    let mut case = Case::new(&[("admin", admin), ("reports", narrow)]);
    case.seen = vec![seen("s3:GetObject", "arn:aws:s3:::reports/q3.csv")];
    case.coverage = coverage(90, &["s3"]);
    let p = case.run();
    assert!(p.safe());
    let admin_change = &p.policies[0];
    let admin_text = admin_change
        .proposed
        .as_ref()
        .map(to_json)
        .unwrap_or_default();
    assert!(!admin_text.contains("s3:GetObject"), "{admin_text}");
    assert_eq!(p.policies[1].status, PolicyStatus::Unchanged);
}

#[test]
fn a_call_without_a_resource_stays_wherever_it_could_have_been_allowed() {
    let a = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:SendMessage","Resource":"arn:aws:sqs:eu-west-1:111122223333:a"}]}"#;
    let b = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:SendMessage","Resource":"arn:aws:sqs:eu-west-1:111122223333:b"}]}"#;
    let mut case = Case::new(&[("a", a), ("b", b)]);
    case.seen = vec![seen("sqs:SendMessage", "*")];
    case.coverage = coverage(90, &["sqs"]);
    let p = case.run();
    assert!(p.safe(), "{:?}", p.no_breakage);
    assert!(p
        .policies
        .iter()
        .all(|c| c.status == PolicyStatus::Unchanged));
}

#[test]
fn permissions_checked_inside_other_calls_follow_them() {
    let policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:DeleteObject","s3:BypassGovernanceRetention","s3:ListAllMyBuckets"],"Resource":"*"}]}"#;
    let mut case = Case::new(&[("s3", policy)]);
    case.seen = vec![seen("s3:ListAllMyBuckets", "*")];
    let p = case.run();
    let removed: Vec<&String> = p.removed.iter().flat_map(|r| &r.permissions).collect();
    assert!(
        removed.iter().any(|r| *r == "s3:BypassGovernanceRetention"),
        "{removed:?}"
    );
    case.seen.push(seen("s3:DeleteObject", "arn:aws:s3:::b/k"));
    let p = case.run();
    assert!(kept_names(&p).contains(&"s3:BypassGovernanceRetention".to_string()));
}

#[test]
fn an_idle_principal_with_covered_logs_is_inactive_and_keeps_nothing_observable() {
    let mut case = Case::new(&[("data", S3_AND_DYNAMO)]);
    case.coverage = coverage(90, &["s3", "dynamodb"]);
    let p = case.run();
    assert!(p.inactive);
    assert!(p.policies[0].unused);
    assert_eq!(p.policies[0].status, PolicyStatus::Removed);
    assert!(p.replacement.is_empty(), "{}", replacement_text(&p));
    assert!(p.safe());
}

#[test]
fn a_call_outside_the_identity_policies_is_reported_not_granted() {
    let mut case = Case::new(&[("data", S3_AND_DYNAMO)]);
    case.seen = vec![seen(
        "sqs:SendMessage",
        "arn:aws:sqs:eu-west-1:444455556666:q",
    )];
    let p = case.run();
    assert_eq!(p.not_granted.len(), 1);
    assert_eq!(p.not_granted[0].permission, "sqs:SendMessage");
}

#[test]
fn the_checks_catch_a_replacement_that_grants_more_or_breaks_a_call() {
    let mut case = Case::new(&[("data", S3_AND_DYNAMO)]);
    case.seen = vec![seen("s3:GetObject", "arn:aws:s3:::bucket/a.txt")];
    let inv = inventory(&case.inline, None);
    let p = &inv.principals[0];
    let effective = Resolver::new(cat(), &inv).resolve(p);
    let input = ProposeInput {
        catalog: cat(),
        inventory: &inv,
        principal: p,
        effective: &effective,
        observations: &case.seen,
        coverage: &case.coverage,
        window: window(),
        min_coverage_days: 60,
        resources: ResourceMode::Granted,
        keep: &[],
    };
    let current: Vec<&PolicyDocument> = inv.policies.values().map(|p| &p.document).collect();
    let more = PolicyDocument::parse(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","iam:CreateUser"],"Resource":"*"}]}"#,
        DocumentKind::Identity,
    )
    .expect("valid");
    let check = safety::no_new_access(&input, &current, std::slice::from_ref(&more));
    assert!(!check.passed);
    let c = check.counterexample.expect("a counterexample");
    assert_eq!(c.action, "iam:CreateUser");

    let policies = inv.held_by(p);
    let plan = assign::assign(&input, &held_statements(&input, &policies));
    let less = PolicyDocument::parse(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::other/*"}]}"#,
        DocumentKind::Identity,
    )
    .expect("valid");
    let check = safety::no_breakage(&input, &current, std::slice::from_ref(&less), &plan);
    assert!(!check.passed, "{check:?}");
    let c = check.counterexample.expect("a counterexample");
    assert_eq!(
        (c.action.as_str(), c.resource.as_str()),
        ("s3:GetObject", "arn:aws:s3:::bucket/a.txt")
    );
}

#[test]
fn a_boundary_stays_and_what_it_blocks_is_not_proposed() {
    let boundary = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#;
    let mut case = Case::new(&[("data", S3_AND_DYNAMO)]);
    case.boundary = Some(boundary);
    case.coverage = coverage(4, &[]);
    let p = case.run();
    assert!(p.safe());
    let text = replacement_text(&p);
    let s3 = cat().expand("s3:*").len();
    assert_eq!(p.counts.granted, s3, "the boundary caps what is held");
    assert!(
        !text.contains("dynamodb:Query"),
        "what the boundary blocks is never spelled out: {text}"
    );
}

#[test]
fn a_generated_policy_names_what_was_used_and_allows_every_call() {
    let calls = vec![
        seen("s3:PutObject", "arn:aws:s3:::ci/app/1.zip"),
        seen("s3:PutObject", "arn:aws:s3:::ci/app/2.zip"),
        seen("ec2:DescribeInstances", "*"),
        seen("iam:GetRole", "arn:aws:iam::111122223333:role/app"),
        Observation {
            last_seen: NOW - 200 * crate::model::time::DAY,
            ..seen("iam:DeleteRole", "arn:aws:iam::111122223333:role/old")
        },
    ];
    let (doc, check) = generate(cat(), &calls, window(), ResourceMode::Prefix);
    assert!(check.passed, "{check:?}");
    assert_eq!(check.checked, 4);
    let text = to_json(&doc);
    assert!(text.contains("\"arn:aws:s3:::ci/app/*\""), "{text}");
    assert!(text.contains("\"ec2:DescribeInstances\""), "{text}");
    assert!(
        !text.contains("iam:DeleteRole"),
        "used before the window: {text}"
    );
    assert_eq!(
        doc.statements[0].resource,
        Some(crate::aws::policy::ResourceSpec::Resource(vec!["*".into()]))
    );
}
