//! How the use of each AWS permission shows in CloudTrail: as a management event (the default),
//! as a data event (logged only where a trail's data-event selectors switch it on), or never as
//! an event of its own. Facts from the AWS CloudTrail User Guide ("Logging data events": the
//! data-event resource types and their APIs) and the IAM User Guide (permissions that are not
//! API operations, such as `iam:PassRole`). Coverage asks this before it vouches for non-use.

use super::AwsAction;
use crate::model::{LogClass, Logging};

/// Permissions checked inside other calls or outside CloudTrail: their use is never an event.
const NEVER_LOGGED: &[&str] = &[
    // a permission, not an API: checked when a role is handed to a service
    "iam:PassRole",
    // checked inside sts:AssumeRole* calls, which are logged as themselves
    "sts:TagSession",
    "sts:SetSourceIdentity",
    "sts:SetContext",
    // API Gateway invocations go to its execution and access logs, not CloudTrail
    "execute-api:Invoke",
    "execute-api:ManageConnections",
    "execute-api:InvalidateCache",
    // IAM database authentication happens in the database engine
    "rds-db:connect",
    "dsql:DbConnect",
    "dsql:DbConnectAdmin",
    // NFS client authorisation: CloudTrail logs connections under other names
    "elasticfilesystem:ClientMount",
    "elasticfilesystem:ClientWrite",
    "elasticfilesystem:ClientRootAccess",
    // a request header checked inside object deletes and retention changes
    "s3:BypassGovernanceRetention",
];

/// Never-logged permissions that AWS checks only inside other calls: used only where one of
/// those was. Facts from the S3 User Guide (object lock: `x-amz-bypass-governance-retention` on
/// object deletes and retention changes) and the IAM User Guide (session tags, source identity
/// and context are passed in `sts:AssumeRole*` and `sts:GetFederationToken` requests).
const CHECKED_INSIDE: &[(&str, &[&str])] = &[
    (
        "s3:BypassGovernanceRetention",
        &[
            "s3:DeleteObject",
            "s3:DeleteObjectVersion",
            "s3:PutObjectRetention",
        ],
    ),
    (
        "sts:TagSession",
        &[
            "sts:AssumeRole",
            "sts:AssumeRoleWithSAML",
            "sts:AssumeRoleWithWebIdentity",
            "sts:GetFederationToken",
        ],
    ),
    (
        "sts:SetSourceIdentity",
        &[
            "sts:AssumeRole",
            "sts:AssumeRoleWithSAML",
            "sts:AssumeRoleWithWebIdentity",
        ],
    ),
    ("sts:SetContext", &["sts:AssumeRole"]),
];

/// The calls inside which AWS checks never-logged `action`, when it is one of those.
pub(super) fn checked_inside(action: &AwsAction) -> Option<&'static [&'static str]> {
    CHECKED_INSIDE
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(&action.name))
        .map(|(_, hosts)| *hosts)
}

/// Data-event APIs by service, beyond S3 objects (see [`logging`]).
const DATA_EVENTS: &[&str] = &[
    "s3:ListBucket",
    "s3:ListBucketVersions",
    "s3:ListBucketMultipartUploads",
    "lambda:InvokeFunction",
    "lambda:InvokeAsync",
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:BatchGetItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:Query",
    "dynamodb:Scan",
    "dynamodb:ConditionCheckItem",
    "dynamodb:PartiQLSelect",
    "dynamodb:PartiQLInsert",
    "dynamodb:PartiQLUpdate",
    "dynamodb:PartiQLDelete",
    "dynamodb:DescribeStream",
    "dynamodb:GetRecords",
    "dynamodb:GetShardIterator",
    "sns:Publish",
    "sqs:SendMessage",
    "sqs:ReceiveMessage",
    "sqs:DeleteMessage",
    "sqs:ChangeMessageVisibility",
    "kinesis:PutRecord",
    "kinesis:PutRecords",
    "kinesis:GetRecords",
    "kinesis:GetShardIterator",
    "kinesis:SubscribeToShard",
    "ebs:GetSnapshotBlock",
    "ebs:PutSnapshotBlock",
    "ebs:ListChangedBlocks",
    "ebs:ListSnapshotBlocks",
    "cloudtrail-data:PutAuditEvents",
    "s3express:CreateSession",
];

/// Services whose every API is a data event.
const DATA_SERVICES: &[&str] = &["s3-object-lambda", "ssmmessages"];

/// How `action`'s use shows in CloudTrail.
pub(super) fn logging(action: &AwsAction) -> Logging {
    let name = action.name.as_str();
    if NEVER_LOGGED.iter().any(|n| n.eq_ignore_ascii_case(name)) {
        return Logging::Never;
    }
    let object_level =
        action.prefix() == "s3" && action.resource_types.iter().any(|r| r.name == "object");
    if object_level
        || DATA_SERVICES.contains(&action.prefix())
        || DATA_EVENTS.iter().any(|n| n.eq_ignore_ascii_case(name))
    {
        Logging::Logged(LogClass::Data)
    } else {
        Logging::Logged(LogClass::Management)
    }
}

#[cfg(test)]
mod tests {
    use super::super::AwsCatalog;
    use crate::model::{LogClass, Logging};

    #[test]
    fn every_listed_permission_exists_and_well_known_ones_are_classified() {
        let c = AwsCatalog::embedded();
        for name in super::NEVER_LOGGED.iter().chain(super::DATA_EVENTS) {
            assert!(c.lookup(name).is_some(), "`{name}` is not in the catalog");
        }
        for (name, hosts) in super::CHECKED_INSIDE {
            assert!(super::NEVER_LOGGED.contains(name), "`{name}` is logged");
            for h in *hosts {
                assert!(c.lookup(h).is_some(), "`{h}` is not in the catalog");
            }
        }
        let class = |n: &str| c.logging(c.lookup(n).expect(n));
        assert_eq!(class("iam:PassRole"), Logging::Never);
        assert_eq!(class("s3:GetObject"), Logging::Logged(LogClass::Data));
        assert_eq!(class("s3:PutObjectAcl"), Logging::Logged(LogClass::Data));
        assert_eq!(class("s3:ListBucket"), Logging::Logged(LogClass::Data));
        assert_eq!(
            class("s3:GetBucketPolicy"),
            Logging::Logged(LogClass::Management)
        );
        assert_eq!(class("dynamodb:Query"), Logging::Logged(LogClass::Data));
        assert_eq!(
            class("dynamodb:CreateTable"),
            Logging::Logged(LogClass::Management)
        );
        assert_eq!(
            class("iam:PutRolePolicy"),
            Logging::Logged(LogClass::Management)
        );
    }
}
