//! The invariants of a proposal over random policies and usage: both safety checks pass, and,
//! checked independently with full request contexts on a grid of actions × resources × contexts,
//! the replacement never decides more permissively than today's policies and every call seen in
//! the window that today's policies allow is still allowed. `cargo test` runs a few hundred
//! cases; `cargo test -p whittle-engine -- --ignored proposals_hold_on_ten_thousand` runs 10,000.

use super::tests_support::*;
use crate::aws::policy::{
    simulate, Decision, PolicyRole, Request, RequestContext, SimulationInput,
};
use crate::model::ResourceMode;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

const ACTIONS: &[&str] = &[
    "s3:GetObject",
    "s3:PutObject",
    "s3:ListBucket",
    "s3:DeleteObject",
    "s3:BypassGovernanceRetention",
    "sqs:SendMessage",
    "sqs:ReceiveMessage",
    "iam:PassRole",
    "ec2:DescribeInstances",
    "dynamodb:Query",
];
const PATTERNS: &[&str] = &["s3:Get*", "s3:*", "sqs:*", "*", "dynamodb:Q*"];
const RESOURCE_PATTERNS: &[&str] = &[
    "*",
    "arn:aws:s3:::a/*",
    "arn:aws:s3:::a/x/*",
    "arn:aws:s3:::b/*",
    "arn:aws:s3:::a",
    "arn:aws:sqs:eu-west-1:111122223333:q",
    "arn:aws:sqs:eu-west-1:111122223333:*",
    "arn:aws:dynamodb:eu-west-1:111122223333:table/t",
];
const RESOURCES: &[&str] = &[
    "arn:aws:s3:::a/x/1",
    "arn:aws:s3:::a/y/2",
    "arn:aws:s3:::b/z",
    "arn:aws:s3:::a",
    "arn:aws:sqs:eu-west-1:111122223333:q",
    "arn:aws:sqs:eu-west-1:111122223333:r",
    "arn:aws:dynamodb:eu-west-1:111122223333:table/t",
    "*",
];
const CONDITIONS: &[&str] = &[
    r#"{"StringEquals":{"aws:RequestedRegion":"eu-west-1"}}"#,
    r#"{"Bool":{"aws:MultiFactorAuthPresent":"true"}}"#,
];

fn json_list(items: &[&str]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| format!("\"{s}\"")).collect();
    format!("[{}]", quoted.join(","))
}

fn statement() -> impl Strategy<Value = String> {
    let action = prop_oneof![
        4 => prop::sample::select(ACTIONS).prop_map(str::to_string),
        1 => prop::sample::select(PATTERNS).prop_map(str::to_string),
    ];
    (
        prop::bool::weighted(0.8),
        prop::collection::vec(action, 1..4),
        prop::bool::weighted(0.1),
        prop::sample::subsequence(RESOURCE_PATTERNS, 1..3),
        prop::bool::weighted(0.1),
        prop::option::weighted(0.25, prop::sample::select(CONDITIONS)),
    )
        .prop_map(|(allow, actions, not_action, res, not_resource, cond)| {
            let acts: Vec<&str> = actions.iter().map(String::as_str).collect();
            let mut s = format!(
                r#"{{"Effect":"{}","{}":{},"{}":{}"#,
                if allow { "Allow" } else { "Deny" },
                if not_action { "NotAction" } else { "Action" },
                json_list(&acts),
                if not_resource {
                    "NotResource"
                } else {
                    "Resource"
                },
                json_list(&res),
            );
            if let Some(c) = cond {
                s.push_str(&format!(r#","Condition":{c}"#));
            }
            s.push('}');
            s
        })
}

fn policy() -> impl Strategy<Value = String> {
    prop::collection::vec(statement(), 1..4).prop_map(|s| {
        format!(
            r#"{{"Version":"2012-10-17","Statement":[{}]}}"#,
            s.join(",")
        )
    })
}

#[derive(Debug, Clone)]
struct Generated {
    policies: Vec<String>,
    seen: Vec<(usize, usize)>,
    data_events: bool,
    mode: ResourceMode,
}

fn generated() -> impl Strategy<Value = Generated> {
    (
        prop::collection::vec(policy(), 1..4),
        prop::collection::vec((0..ACTIONS.len(), 0..RESOURCES.len()), 0..7),
        any::<bool>(),
        prop::sample::select(
            &[
                ResourceMode::Observed,
                ResourceMode::Prefix,
                ResourceMode::Granted,
            ][..],
        ),
    )
        .prop_map(|(policies, seen, data_events, mode)| Generated {
            policies,
            seen,
            data_events,
            mode,
        })
}

fn rank(d: Decision) -> u8 {
    match d {
        Decision::Allowed => 2,
        Decision::Conditional => 1,
        _ => 0,
    }
}

fn contexts() -> Vec<RequestContext> {
    let mut out = Vec::new();
    for (region, mfa) in [
        ("eu-west-1", "true"),
        ("us-east-1", "true"),
        ("eu-west-1", "false"),
    ] {
        let mut c = RequestContext::default();
        c.complete = true;
        c.insert("aws:RequestedRegion", region);
        c.insert("aws:MultiFactorAuthPresent", mfa);
        out.push(c);
    }
    out.push(RequestContext::default()); // nothing known
    out
}

fn check(g: &Generated) -> Result<(), TestCaseError> {
    let names: Vec<String> = (0..g.policies.len()).map(|i| format!("p{i}")).collect();
    let inline: Vec<(&str, &str)> = names
        .iter()
        .zip(&g.policies)
        .map(|(n, p)| (n.as_str(), p.as_str()))
        .collect();
    let mut case = Case::new(&inline);
    case.seen = g
        .seen
        .iter()
        .map(|&(a, r)| seen(ACTIONS[a], RESOURCES[r]))
        .collect();
    case.coverage = coverage(
        90,
        if g.data_events {
            &["s3", "sqs", "dynamodb"]
        } else {
            &[]
        },
    );
    case.mode = g.mode;
    let p = case.run();
    prop_assert!(p.no_new_access.passed, "{:?}", p.no_new_access);
    prop_assert!(p.no_breakage.passed, "{:?}", p.no_breakage);

    let inv = inventory(&inline, None);
    let current: Vec<SimulationInput> = inv
        .policies
        .values()
        .map(|pol| SimulationInput {
            name: "current",
            role: PolicyRole::Identity,
            document: &pol.document,
        })
        .collect();
    let proposed: Vec<SimulationInput> = p
        .replacement
        .iter()
        .map(|d| SimulationInput {
            name: "proposed",
            role: PolicyRole::Identity,
            document: d,
        })
        .collect();
    let ctxs = contexts();
    for a in ACTIONS {
        for r in RESOURCES {
            for c in &ctxs {
                let req = Request {
                    action: a.to_string(),
                    resource: r.to_string(),
                    context: c.clone(),
                };
                let before = simulate(&req, &current).decision;
                let after = simulate(&req, &proposed).decision;
                prop_assert!(
                    rank(after) <= rank(before),
                    "new access: {a} on {r}: {before:?} → {after:?}\n{}",
                    p.replacement
                        .iter()
                        .map(crate::aws::policy::to_json)
                        .collect::<String>()
                );
                let observed = g
                    .seen
                    .iter()
                    .any(|&(sa, sr)| ACTIONS[sa] == *a && RESOURCES[sr] == *r && *r != "*");
                if observed && before == Decision::Allowed {
                    prop_assert_eq!(
                        after,
                        Decision::Allowed,
                        "broken: {} on {}\n{}",
                        a,
                        r,
                        p.replacement
                            .iter()
                            .map(crate::aws::policy::to_json)
                            .collect::<String>()
                    );
                }
            }
        }
    }
    Ok(())
}

fn run(cases: u32) {
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    if let Err(e) = runner.run(&generated(), |g| check(&g)) {
        panic!("{e}");
    }
}

#[test]
fn proposals_grant_nothing_new_and_keep_every_observed_call() {
    run(128);
}

#[test]
#[ignore = "long run: 10,000 cases (about a minute in release)"]
fn proposals_hold_on_ten_thousand_random_cases() {
    run(10_000);
}
