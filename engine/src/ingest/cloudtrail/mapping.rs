//! CloudTrail event → IAM permission(s).
//!
//! 1. `eventSource` → IAM service prefix: strip `.amazonaws.com`, with the irregular prefixes in
//!    [`SOURCE_PREFIXES`].
//! 2. `eventName` → action: the exceptions in [`EXCEPTIONS`] (operations whose permission has
//!    another name, or that need several), else `prefix:eventName` when the catalog has it, after
//!    stripping API-version suffixes (`UpdateFunctionCode20150331v2`, `GetDistribution2020_05_31`).
//! 3. Events that need no IAM permission ([`PERMISSIONLESS`], console sign-in and AWS service
//!    events) are classified as such. Anything else is *unmapped*: counted and listed, never guessed.
//!
//! Every action emitted exists in the catalog (a test checks the tables against it).

use crate::catalog::{ActionId, AwsCatalog};

/// eventSource host (without `.amazonaws.com`) → IAM prefix, where they differ.
pub const SOURCE_PREFIXES: &[(&str, &str)] = &[
    ("monitoring", "cloudwatch"),
    ("pinpoint", "mobiletargeting"),
    ("amazonmq", "mq"),
    ("tagging", "tag"),
    ("qconnect", "wisdom"),
    ("pricelist", "pricing"),
    ("migrationhub", "mgh"),
    ("rdsdata", "rds-data"),
    ("opensearchservice", "es"),
    ("servicecatalog-appregistry", "servicecatalog"),
    ("transcribestreaming", "transcribe"),
    ("streams.dynamodb", "dynamodb"),
    ("email", "ses"),
    ("elasticfilesystem", "elasticfilesystem"),
    ("sso-directory", "sso-directory"),
    ("api.ecr", "ecr"),
    ("ecr-public", "ecr-public"),
    ("s3-outposts", "s3-outposts"),
    ("apprunner", "apprunner"),
    ("kinesisanalytics", "kinesisanalytics"),
    ("metering-marketplace", "aws-marketplace"),
    ("license-manager", "license-manager"),
    ("ssm-incidents", "ssm-incidents"),
    ("iot-data", "iot"),
    ("bedrock-runtime", "bedrock"),
    ("bedrock-agent-runtime", "bedrock"),
    ("sagemaker-runtime", "sagemaker"),
    ("execute-api", "execute-api"),
];

/// (prefix, eventName) → the permissions the operation needs, where that is not `prefix:eventName`.
pub const EXCEPTIONS: &[(&str, &str, &[&str])] = &[
    // S3: operations named differently from their permissions
    ("s3", "ListObjects", &["s3:ListBucket"]),
    ("s3", "ListObjectsV2", &["s3:ListBucket"]),
    ("s3", "ListObjectVersions", &["s3:ListBucketVersions"]),
    ("s3", "HeadObject", &["s3:GetObject"]),
    ("s3", "HeadBucket", &["s3:ListBucket"]),
    ("s3", "ListBuckets", &["s3:ListAllMyBuckets"]),
    ("s3", "CopyObject", &["s3:GetObject", "s3:PutObject"]),
    ("s3", "UploadPartCopy", &["s3:GetObject", "s3:PutObject"]),
    ("s3", "CreateMultipartUpload", &["s3:PutObject"]),
    ("s3", "UploadPart", &["s3:PutObject"]),
    ("s3", "CompleteMultipartUpload", &["s3:PutObject"]),
    ("s3", "DeleteObjects", &["s3:DeleteObject"]),
    ("s3", "SelectObjectContent", &["s3:GetObject"]),
    (
        "s3",
        "GetObjectAttributes",
        &["s3:GetObject", "s3:GetObjectAttributes"],
    ),
    (
        "s3",
        "ListMultipartUploads",
        &["s3:ListBucketMultipartUploads"],
    ),
    ("s3", "ListParts", &["s3:ListMultipartUploadParts"]),
    (
        "s3",
        "GetBucketEncryption",
        &["s3:GetEncryptionConfiguration"],
    ),
    (
        "s3",
        "PutBucketEncryption",
        &["s3:PutEncryptionConfiguration"],
    ),
    (
        "s3",
        "DeleteBucketEncryption",
        &["s3:PutEncryptionConfiguration"],
    ),
    (
        "s3",
        "GetBucketLifecycle",
        &["s3:GetLifecycleConfiguration"],
    ),
    (
        "s3",
        "GetBucketLifecycleConfiguration",
        &["s3:GetLifecycleConfiguration"],
    ),
    (
        "s3",
        "PutBucketLifecycle",
        &["s3:PutLifecycleConfiguration"],
    ),
    (
        "s3",
        "PutBucketLifecycleConfiguration",
        &["s3:PutLifecycleConfiguration"],
    ),
    (
        "s3",
        "DeleteBucketLifecycle",
        &["s3:PutLifecycleConfiguration"],
    ),
    (
        "s3",
        "GetBucketReplication",
        &["s3:GetReplicationConfiguration"],
    ),
    (
        "s3",
        "PutBucketReplication",
        &["s3:PutReplicationConfiguration"],
    ),
    (
        "s3",
        "DeleteBucketReplication",
        &["s3:PutReplicationConfiguration"],
    ),
    ("s3", "GetBucketCors", &["s3:GetBucketCORS"]),
    ("s3", "PutBucketCors", &["s3:PutBucketCORS"]),
    ("s3", "DeleteBucketCors", &["s3:PutBucketCORS"]),
    ("s3", "DeleteBucketTagging", &["s3:PutBucketTagging"]),
    (
        "s3",
        "GetBucketNotificationConfiguration",
        &["s3:GetBucketNotification"],
    ),
    (
        "s3",
        "PutBucketNotificationConfiguration",
        &["s3:PutBucketNotification"],
    ),
    (
        "s3",
        "GetBucketAccelerateConfiguration",
        &["s3:GetAccelerateConfiguration"],
    ),
    (
        "s3",
        "PutBucketAccelerateConfiguration",
        &["s3:PutAccelerateConfiguration"],
    ),
    (
        "s3",
        "GetBucketInventoryConfiguration",
        &["s3:GetInventoryConfiguration"],
    ),
    (
        "s3",
        "PutBucketInventoryConfiguration",
        &["s3:PutInventoryConfiguration"],
    ),
    (
        "s3",
        "GetBucketMetricsConfiguration",
        &["s3:GetMetricsConfiguration"],
    ),
    (
        "s3",
        "PutBucketMetricsConfiguration",
        &["s3:PutMetricsConfiguration"],
    ),
    (
        "s3",
        "GetBucketAnalyticsConfiguration",
        &["s3:GetAnalyticsConfiguration"],
    ),
    (
        "s3",
        "PutBucketAnalyticsConfiguration",
        &["s3:PutAnalyticsConfiguration"],
    ),
    (
        "s3",
        "GetBucketIntelligentTieringConfiguration",
        &["s3:GetIntelligentTieringConfiguration"],
    ),
    (
        "s3",
        "PutBucketIntelligentTieringConfiguration",
        &["s3:PutIntelligentTieringConfiguration"],
    ),
    (
        "s3",
        "DeleteBucketOwnershipControls",
        &["s3:PutBucketOwnershipControls"],
    ),
    (
        "s3",
        "GetBucketPublicAccessBlock",
        &["s3:GetBucketPublicAccessBlock"],
    ),
    (
        "s3",
        "DeleteBucketPublicAccessBlock",
        &["s3:PutBucketPublicAccessBlock"],
    ),
    (
        "s3",
        "GetPublicAccessBlock",
        &["s3:GetAccountPublicAccessBlock"],
    ),
    (
        "s3",
        "PutPublicAccessBlock",
        &["s3:PutAccountPublicAccessBlock"],
    ),
    (
        "s3",
        "GetBucketObjectLockConfiguration",
        &["s3:GetBucketObjectLockConfiguration"],
    ),
    (
        "s3",
        "PutObjectLockConfiguration",
        &["s3:PutBucketObjectLockConfiguration"],
    ),
    (
        "s3",
        "GetObjectLockConfiguration",
        &["s3:GetBucketObjectLockConfiguration"],
    ),
    // Lambda
    ("lambda", "Invoke", &["lambda:InvokeFunction"]),
    (
        "lambda",
        "InvokeWithResponseStream",
        &["lambda:InvokeFunction"],
    ),
    // DynamoDB operations needing the item permission(s) they contain
    ("dynamodb", "TransactGetItems", &["dynamodb:GetItem"]),
    (
        "dynamodb",
        "TransactWriteItems",
        &[
            "dynamodb:PutItem",
            "dynamodb:UpdateItem",
            "dynamodb:DeleteItem",
            "dynamodb:ConditionCheckItem",
        ],
    ),
    ("dynamodb", "ExecuteStatement", &["dynamodb:PartiQLSelect"]),
    // KMS calls made with the generic names
    (
        "kms",
        "ReEncrypt",
        &["kms:ReEncryptFrom", "kms:ReEncryptTo"],
    ),
    // EC2 Instance Connect and SSM sessions
    ("ssm", "StartSession", &["ssm:StartSession"]),
];

/// (eventSource host, eventName) of calls that need no IAM permission.
pub const PERMISSIONLESS: &[(&str, &str)] = &[
    ("sts", "GetCallerIdentity"),
    ("signin", "ConsoleLogin"),
    ("signin", "CheckMfa"),
    ("signin", "SwitchRole"),
    ("signin", "ExitRole"),
    ("signin", "RenewRole"),
    ("signin", "UserAuthentication"),
    ("signin", "CredentialChallenge"),
    ("signin", "CredentialVerification"),
    ("signin", "PasswordUpdated"),
    ("signin", "GetSigninToken"),
    ("sts", "AssumeRoleWithWebIdentity"),
    ("sts", "AssumeRoleWithSAML"),
];

/// What an event means for permissions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mapping {
    /// The permissions the call exercised.
    Actions(Vec<ActionId>),
    /// The call needs no IAM permission (sign-in, `sts:GetCallerIdentity`, AWS service events).
    Permissionless,
    /// Not known: counted and listed by `whittle usage unmapped`.
    Unmapped,
}

/// The IAM prefix of an eventSource (`monitoring.amazonaws.com` → `cloudwatch`).
pub fn source_prefix(event_source: &str) -> &str {
    let host = event_source
        .strip_suffix(".amazonaws.com")
        .unwrap_or(event_source);
    SOURCE_PREFIXES
        .iter()
        .find(|(h, _)| *h == host)
        .map_or(host, |(_, p)| p)
}

/// `UpdateFunctionCode20150331v2` → `UpdateFunctionCode`; `GetDistribution2020_05_31` → `GetDistribution`.
pub fn strip_api_version(name: &str) -> &str {
    let b = name.as_bytes();
    let digits_from =
        |end: usize, n: usize| end >= n && b[end - n..end].iter().all(u8::is_ascii_digit);
    // `...YYYYMMDD`, `...YYYYMMDDvN`
    let mut end = b.len();
    if end >= 2 && b[end - 2] == b'v' && b[end - 1].is_ascii_digit() {
        end -= 2;
    }
    if end > 8 && digits_from(end, 8) && b[end - 8] == b'2' {
        return &name[..end - 8];
    }
    // `...YYYY_MM_DD`
    let n = b.len();
    if n > 10
        && digits_from(n, 2)
        && b[n - 3] == b'_'
        && b[n - 6] == b'_'
        && digits_from(n - 3, 2)
        && digits_from(n - 6, 4)
    {
        return &name[..n - 10];
    }
    name
}

/// Maps one event.
pub fn map_event(
    catalog: &AwsCatalog,
    event_source: &str,
    event_name: &str,
    event_type: Option<&str>,
) -> Mapping {
    if matches!(
        event_type,
        Some("AwsConsoleSignIn" | "AwsServiceEvent" | "AwsCloudTrailInsight")
    ) {
        return Mapping::Permissionless;
    }
    let host = event_source
        .strip_suffix(".amazonaws.com")
        .unwrap_or(event_source);
    let name = strip_api_version(event_name);
    if PERMISSIONLESS.iter().any(|(h, n)| *h == host && *n == name) {
        return Mapping::Permissionless;
    }
    let prefix = source_prefix(event_source);
    if let Some((_, _, actions)) = EXCEPTIONS
        .iter()
        .find(|(p, n, _)| *p == prefix && *n == name)
    {
        let ids: Vec<ActionId> = actions.iter().filter_map(|a| catalog.lookup(a)).collect();
        if !ids.is_empty() {
            return Mapping::Actions(ids);
        }
    }
    match catalog.lookup(&format!("{prefix}:{name}")) {
        Some(id) => Mapping::Actions(vec![id]),
        None => Mapping::Unmapped,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_action_exists_in_the_catalog() {
        let c = AwsCatalog::embedded();
        for (p, n, actions) in EXCEPTIONS {
            for a in *actions {
                assert!(c.lookup(a).is_some(), "{p}/{n} → {a} is not in the catalog");
            }
        }
        for (_, prefix) in SOURCE_PREFIXES {
            assert!(
                c.service(prefix).is_some(),
                "prefix {prefix} is not in the catalog"
            );
        }
    }

    #[test]
    fn api_versions_are_stripped() {
        assert_eq!(
            strip_api_version("UpdateFunctionCode20150331v2"),
            "UpdateFunctionCode"
        );
        assert_eq!(strip_api_version("ListFunctions20150331"), "ListFunctions");
        assert_eq!(
            strip_api_version("GetDistribution2020_05_31"),
            "GetDistribution"
        );
        assert_eq!(strip_api_version("GetObject"), "GetObject");
        assert_eq!(
            strip_api_version("DescribeDBInstances"),
            "DescribeDBInstances"
        );
        assert_eq!(strip_api_version("Ec2V2"), "Ec2V2");
    }

    #[test]
    fn events_map_to_real_permissions() {
        let c = AwsCatalog::embedded();
        let names = |m: Mapping| match m {
            Mapping::Actions(ids) => ids
                .iter()
                .map(|i| c.action(*i).name.clone())
                .collect::<Vec<_>>(),
            other => panic!("{other:?}"),
        };
        assert_eq!(
            names(map_event(c, "s3.amazonaws.com", "ListObjectsV2", None)),
            ["s3:ListBucket"]
        );
        assert_eq!(
            names(map_event(c, "s3.amazonaws.com", "HeadObject", None)),
            ["s3:GetObject"]
        );
        assert_eq!(
            names(map_event(c, "s3.amazonaws.com", "CopyObject", None)),
            ["s3:GetObject", "s3:PutObject"]
        );
        assert_eq!(
            names(map_event(c, "lambda.amazonaws.com", "Invoke", None)),
            ["lambda:InvokeFunction"]
        );
        assert_eq!(
            names(map_event(
                c,
                "lambda.amazonaws.com",
                "UpdateFunctionCode20150331v2",
                None
            )),
            ["lambda:UpdateFunctionCode"]
        );
        assert_eq!(
            names(map_event(
                c,
                "monitoring.amazonaws.com",
                "GetMetricData",
                None
            )),
            ["cloudwatch:GetMetricData"]
        );
        assert_eq!(
            names(map_event(c, "iam.amazonaws.com", "CreateUser", None)),
            ["iam:CreateUser"]
        );
        assert_eq!(
            map_event(
                c,
                "signin.amazonaws.com",
                "ConsoleLogin",
                Some("AwsConsoleSignIn")
            ),
            Mapping::Permissionless
        );
        assert_eq!(
            map_event(c, "sts.amazonaws.com", "GetCallerIdentity", None),
            Mapping::Permissionless
        );
        assert_eq!(
            map_event(c, "kms.amazonaws.com", "RotateKey", Some("AwsServiceEvent")),
            Mapping::Permissionless
        );
        assert_eq!(
            map_event(c, "madeup.amazonaws.com", "DoThing", None),
            Mapping::Unmapped
        );
    }
}
