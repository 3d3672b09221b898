//! Generates a realistic `get-account-authorization-details` document of any size, deterministically.

use std::fmt::Write;

/// xorshift64*: deterministic and dependency-free.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.max(1))
    }
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    pub fn pick<'a>(&mut self, xs: &'a [&'a str]) -> &'a str {
        xs[self.below(xs.len())]
    }
}

const PATTERNS: &[&str] = &[
    "s3:Get*",
    "s3:List*",
    "s3:*",
    "s3:PutObject",
    "dynamodb:*",
    "dynamodb:GetItem",
    "dynamodb:Query",
    "ec2:Describe*",
    "ec2:*",
    "iam:Get*",
    "iam:List*",
    "iam:PassRole",
    "logs:*",
    "logs:CreateLogStream",
    "lambda:InvokeFunction",
    "lambda:*",
    "sqs:SendMessage",
    "sqs:*",
    "sns:Publish",
    "kms:Decrypt",
    "kms:GenerateDataKey*",
    "secretsmanager:GetSecretValue",
    "ssm:GetParameter*",
    "cloudwatch:PutMetricData",
    "ecr:*",
    "ecs:*",
    "sts:AssumeRole",
    "athena:*",
    "glue:Get*",
    "cloudformation:*",
    "iam:*Policy*",
    "rds:Describe*",
    "elasticloadbalancing:*",
    "autoscaling:*",
    "route53:*",
    "events:*",
    "states:*",
];

const RESOURCES: &[&str] = &[
    "*",
    "*",
    "*",
    "arn:aws:s3:::app-data-*/*",
    "arn:aws:dynamodb:*:111122223333:table/orders*",
    "arn:aws:sqs:eu-west-1:111122223333:queue-*",
    "arn:aws:iam::111122223333:role/service/*",
];

fn statement(rng: &mut Rng, out: &mut String) {
    let effect = if rng.below(12) == 0 { "Deny" } else { "Allow" };
    let n = 1 + rng.below(5);
    let actions: Vec<String> = (0..n)
        .map(|_| format!("\"{}\"", rng.pick(PATTERNS)))
        .collect();
    let not = if effect == "Allow" && rng.below(60) == 0 {
        "NotAction"
    } else {
        "Action"
    };
    let resource = rng.pick(RESOURCES);
    let cond = if rng.below(8) == 0 {
        r#","Condition":{"StringEquals":{"aws:RequestedRegion":["eu-west-1","eu-central-1"]}}"#
    } else {
        ""
    };
    let _ = write!(
        out,
        r#"{{"Effect":"{effect}","{not}":[{}],"Resource":"{resource}"{cond}}}"#,
        actions.join(",")
    );
}

fn document(rng: &mut Rng, min: usize, spread: usize) -> String {
    let statements = min + rng.below(spread);
    let mut s = String::from(r#"{"Version":"2012-10-17","Statement":["#);
    for i in 0..statements {
        if i > 0 {
            s.push(',');
        }
        statement(rng, &mut s);
    }
    s.push_str("]}");
    s
}

/// A snapshot with `principals` users and roles (30 % users), 400 managed policies and 40 groups.
pub fn snapshot(principals: usize, seed: u64) -> String {
    let mut rng = Rng::new(seed);
    let acct = "111122223333";
    let managed = 400;
    let groups = 40;
    let mut policies = Vec::new();
    policies.push(
        r#"{"PolicyName":"AdministratorAccess","Arn":"arn:aws:iam::aws:policy/AdministratorAccess","DefaultVersionId":"v1","PolicyVersionList":[{"Document":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]},"VersionId":"v1","IsDefaultVersion":true}]}"#
            .to_string(),
    );
    for i in 0..managed {
        let doc = document(&mut rng, 1, 4);
        policies.push(format!(
            r#"{{"PolicyName":"managed-{i}","Arn":"arn:aws:iam::{acct}:policy/managed-{i}","DefaultVersionId":"v1","PolicyVersionList":[{{"Document":{doc},"VersionId":"v1","IsDefaultVersion":true}}]}}"#
        ));
    }
    let attached = |rng: &mut Rng, min: usize, spread: usize| -> String {
        let n = min + rng.below(spread);
        (0..n)
            .map(|_| {
                let i = rng.below(managed);
                format!(r#"{{"PolicyName":"managed-{i}","PolicyArn":"arn:aws:iam::{acct}:policy/managed-{i}"}}"#)
            })
            .collect::<Vec<_>>()
            .join(",")
    };
    let inline = |rng: &mut Rng, spread: usize| -> String {
        let n = rng.below(spread);
        (0..n)
            .map(|j| {
                format!(
                    r#"{{"PolicyName":"inline-{j}","PolicyDocument":{}}}"#,
                    document(rng, 1, 3)
                )
            })
            .collect::<Vec<_>>()
            .join(",")
    };
    let mut group_list = Vec::new();
    for g in 0..groups {
        let (a, il) = (attached(&mut rng, 1, 3), inline(&mut rng, 2));
        group_list.push(format!(
            r#"{{"GroupName":"group-{g}","Arn":"arn:aws:iam::{acct}:group/group-{g}","Path":"/","GroupPolicyList":[{il}],"AttachedManagedPolicies":[{a}]}}"#
        ));
    }
    let (mut users, mut roles) = (Vec::new(), Vec::new());
    for i in 0..principals {
        let mut a = attached(&mut rng, 0, 4);
        if rng.below(20) == 0 {
            let admin = r#"{"PolicyName":"AdministratorAccess","PolicyArn":"arn:aws:iam::aws:policy/AdministratorAccess"}"#;
            a = if a.is_empty() {
                admin.to_string()
            } else {
                format!("{a},{admin}")
            };
        }
        let il = inline(&mut rng, 3);
        let boundary = if rng.below(10) == 0 {
            let b = rng.below(managed);
            format!(
                r#","PermissionsBoundary":{{"PermissionsBoundaryType":"Policy","PermissionsBoundaryArn":"arn:aws:iam::{acct}:policy/managed-{b}"}}"#
            )
        } else {
            String::new()
        };
        if i % 10 < 3 {
            let gs: Vec<String> = (0..rng.below(3))
                .map(|_| format!("\"group-{}\"", rng.below(groups)))
                .collect();
            users.push(format!(
                r#"{{"UserName":"user-{i}","Arn":"arn:aws:iam::{acct}:user/user-{i}","Path":"/","UserPolicyList":[{il}],"GroupList":[{}],"AttachedManagedPolicies":[{a}],"Tags":[{{"Key":"team","Value":"t{}"}}]{boundary}}}"#,
                gs.join(","),
                i % 7
            ));
        } else {
            roles.push(format!(
                r#"{{"RoleName":"role-{i}","Arn":"arn:aws:iam::{acct}:role/role-{i}","Path":"/","RolePolicyList":[{il}],"AttachedManagedPolicies":[{a}],"Tags":[]{boundary}}}"#
            ));
        }
    }
    format!(
        r#"{{"UserDetailList":[{}],"GroupDetailList":[{}],"RoleDetailList":[{}],"Policies":[{}]}}"#,
        users.join(","),
        group_list.join(","),
        roles.join(","),
        policies.join(",")
    )
}

/// Action names AWS-managed policies still carry after AWS retired them (and a few typos of the
/// kind exported accounts hold): none is in the catalog.
const RETIRED: &[&str] = &[
    "aws-portal:ViewBillingLegacy",
    "aws-portal-legacy:ViewUsage",
    "purchase-orders-v1:ViewPurchaseOrders",
    "ec2:DescribeInstanceStatusLegacy",
    "s3:GetObjectLegacy",
    "lambda:ListFunctionsV1",
    "elasticmapreduce:ViewEventsFromAllClustersInConsoleOld",
    "cloudwatch:DescribeAlarmHistoryOld",
    "iam:GetAccountSummaryLegacy",
    "dynamodb:DescribeTableV1",
    "sdbx:ListDomains",
    "datapipeline:ListPipelinesLegacy",
];

#[allow(
    dead_code,
    reason = "used by the check bench, not by every bench that includes this file"
)]
/// The shape of a real account export: 120 users and roles (a third users), 84 managed
/// policies of which 50 are AWS-managed and name retired actions, 8 groups.
pub fn real_account_shaped(seed: u64) -> String {
    let mut rng = Rng::new(seed);
    let acct = "111122223333";
    let mut policies = Vec::new();
    let mut arns = Vec::new();
    for i in 0..84 {
        let aws_managed = i < 50;
        let mut doc = document(&mut rng, 2, 6);
        if aws_managed {
            // one more statement naming 1..3 retired actions beside known ones
            let retired: Vec<String> = (0..1 + rng.below(3))
                .map(|_| format!("\"{}\"", rng.pick(RETIRED)))
                .collect();
            doc.truncate(doc.len() - 2);
            let _ = write!(
                doc,
                r#",{{"Effect":"Allow","Action":["{}",{}],"Resource":"*"}}]}}"#,
                rng.pick(PATTERNS),
                retired.join(",")
            );
        }
        let arn = if aws_managed {
            format!("arn:aws:iam::aws:policy/AwsManaged{i}")
        } else {
            format!("arn:aws:iam::{acct}:policy/managed-{i}")
        };
        policies.push(format!(
            r#"{{"PolicyName":"p{i}","Arn":"{arn}","DefaultVersionId":"v1","PolicyVersionList":[{{"Document":{doc},"VersionId":"v1","IsDefaultVersion":true}}]}}"#
        ));
        arns.push(arn);
    }
    let attached = |rng: &mut Rng, n: usize| -> String {
        (0..n)
            .map(|_| {
                let i = rng.below(arns.len());
                format!(r#"{{"PolicyName":"p{i}","PolicyArn":"{}"}}"#, arns[i])
            })
            .collect::<Vec<_>>()
            .join(",")
    };
    let groups: Vec<String> = (0..8)
        .map(|g| {
            let n = 1 + rng.below(3);
            let a = attached(&mut rng, n);
            format!(
                r#"{{"GroupName":"group-{g}","Arn":"arn:aws:iam::{acct}:group/group-{g}","Path":"/","GroupPolicyList":[],"AttachedManagedPolicies":[{a}]}}"#
            )
        })
        .collect();
    let (mut users, mut roles) = (Vec::new(), Vec::new());
    for i in 0..120 {
        let n = 1 + rng.below(4);
        let a = attached(&mut rng, n);
        if i % 3 == 0 {
            users.push(format!(
                r#"{{"UserName":"user-{i}","Arn":"arn:aws:iam::{acct}:user/user-{i}","Path":"/","UserPolicyList":[],"GroupList":["group-{}"],"AttachedManagedPolicies":[{a}],"Tags":[]}}"#,
                i % 8
            ));
        } else {
            roles.push(format!(
                r#"{{"RoleName":"role-{i}","Arn":"arn:aws:iam::{acct}:role/role-{i}","Path":"/","RolePolicyList":[],"AttachedManagedPolicies":[{a}],"Tags":[]}}"#
            ));
        }
    }
    format!(
        r#"{{"UserDetailList":[{}],"GroupDetailList":[{}],"RoleDetailList":[{}],"Policies":[{}]}}"#,
        users.join(","),
        groups.join(","),
        roles.join(","),
        policies.join(",")
    )
}
