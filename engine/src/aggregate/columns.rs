//! The columns of the aggregation's results: what `whittle usage sql` makes an engine return and
//! `whittle ingest --aggregate` reads back. One table per result, so the queries and the reader
//! cannot disagree on a name.

/// Where a usage column's value goes in the CloudTrail record it stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Into {
    /// A string field at this path of the record (`userIdentity`, `type`).
    Field(&'static [&'static str]),
    /// A request parameter whittle reads for resources, and the services it reads it for.
    Param(&'static str, &'static [&'static str]),
    /// `requestParameters.names`: a JSON array of strings, as JSON text.
    ParamList(&'static str, &'static [&'static str]),
    /// The ARNs of `resources[]`, as a JSON array of strings.
    ResourceArns,
    /// The first call (an ISO 8601 time).
    FirstSeen,
    /// The last call.
    LastSeen,
    /// How many calls the row stands for.
    Events,
}

/// A column: its name, where its value goes, and whether a result may leave it out.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    /// Lower-case name, as the queries alias it.
    pub name: &'static str,
    /// What it fills.
    pub into: Into,
    /// A result without it is still read (a column the engine's table may not have).
    pub optional: bool,
}

const fn col(name: &'static str, into: Into) -> Column {
    Column {
        name,
        into,
        optional: false,
    }
}

/// The services whose request parameters name the resource (see
/// `ingest::cloudtrail::resources`), by IAM prefix; each is the host of its event source.
pub const PARAM_SERVICES: &[&str] = &[
    "s3",
    "iam",
    "lambda",
    "dynamodb",
    "sqs",
    "sns",
    "kms",
    "secretsmanager",
    "ssm",
];

/// The CloudTrail usage result: one row per kind of call — the identity fields whittle attributes
/// a call by, the event, its outcome and what names its resources — with the first and last
/// call and how many. whittle attributes, maps and derives resources from these exactly as it
/// does for a logged event.
pub const CLOUDTRAIL_USAGE: &[Column] = &[
    col("identity_type", Into::Field(&["userIdentity", "type"])),
    col("identity_arn", Into::Field(&["userIdentity", "arn"])),
    col(
        "identity_principal_id",
        Into::Field(&["userIdentity", "principalId"]),
    ),
    col(
        "identity_account_id",
        Into::Field(&["userIdentity", "accountId"]),
    ),
    col(
        "identity_invoked_by",
        Into::Field(&["userIdentity", "invokedBy"]),
    ),
    col(
        "identity_user_name",
        Into::Field(&["userIdentity", "userName"]),
    ),
    col(
        "identity_on_behalf_of",
        Into::Field(&["userIdentity", "onBehalfOf", "userId"]),
    ),
    Column {
        // not in the table AWS documents for Athena: SAML and web-identity callers are then
        // named `saml:unknown-provider:<user>`
        name: "identity_provider",
        into: Into::Field(&["userIdentity", "identityProvider"]),
        optional: true,
    },
    col(
        "session_issuer_arn",
        Into::Field(&["userIdentity", "sessionContext", "sessionIssuer", "arn"]),
    ),
    col("event_source", Into::Field(&["eventSource"])),
    col("event_name", Into::Field(&["eventName"])),
    col("event_type", Into::Field(&["eventType"])),
    col("event_category", Into::Field(&["eventCategory"])),
    col("region", Into::Field(&["awsRegion"])),
    col("recipient_account_id", Into::Field(&["recipientAccountId"])),
    col("error_code", Into::Field(&["errorCode"])),
    col("param_bucket_name", Into::Param("bucketName", &["s3"])),
    col("param_key", Into::Param("key", &["s3"])),
    col("param_role_name", Into::Param("roleName", &["iam"])),
    col("param_user_name", Into::Param("userName", &["iam"])),
    col("param_group_name", Into::Param("groupName", &["iam"])),
    col(
        "param_instance_profile_name",
        Into::Param("instanceProfileName", &["iam"]),
    ),
    col("param_policy_arn", Into::Param("policyArn", &["iam"])),
    col(
        "param_function_name",
        Into::Param("functionName", &["lambda"]),
    ),
    col("param_table_name", Into::Param("tableName", &["dynamodb"])),
    col("param_queue_url", Into::Param("queueUrl", &["sqs"])),
    col("param_topic_arn", Into::Param("topicArn", &["sns"])),
    col("param_target_arn", Into::Param("targetArn", &["sns"])),
    col("param_key_id", Into::Param("keyId", &["kms"])),
    col(
        "param_secret_id",
        Into::Param("secretId", &["secretsmanager"]),
    ),
    col("param_name", Into::Param("name", &["ssm"])),
    col("param_names", Into::ParamList("names", &["ssm"])),
    col("resource_arns", Into::ResourceArns),
    col("first_seen", Into::FirstSeen),
    col("last_seen", Into::LastSeen),
    col("events", Into::Events),
];

/// The CloudTrail coverage result: events per account × region × day × event source × event
/// category.
pub const CLOUDTRAIL_COVERAGE: &[&str] = &[
    "account_id",
    "region",
    "day",
    "event_source",
    "event_category",
    "events",
];

/// The Cloud Audit Logs usage result (`bigquery`): per entry alike — who, which method, which
/// permissions with their outcome (`authorization_info`, the entry's list as JSON) — when and how
/// often. Read back into the entry it stands for, through the same mapping as raw entries.
pub const GCP_USAGE: &[&str] = &[
    "principal_email",
    "principal_subject",
    "delegated_by",
    "service_name",
    "method_name",
    "resource_name",
    "status_code",
    "authorization_info",
    "first_seen",
    "last_seen",
    "events",
];

/// The Azure Activity Log usage result (`kusto`): per record alike, as [`GCP_USAGE`].
/// `caller_type` is `app` when the claims say an application called (`idtyp`, or an `appid`
/// without a user's name), else `user`.
pub const AZURE_USAGE: &[&str] = &[
    "caller",
    "caller_object_id",
    "caller_type",
    "operation_name",
    "resource_id",
    "outcome",
    "sub_status",
    "first_seen",
    "last_seen",
    "events",
];

/// The coverage result of GCP and Azure (`--query coverage` with `bigquery` or `kusto`):
/// `provider` is `gcp` or `azure`, `log` the log (`activity`, `data_access`, …) or the Activity
/// Log's category.
pub const CLOUD_COVERAGE: &[&str] = &[
    "provider", "scope", "location", "day", "service", "log", "events",
];

impl Column {
    /// True for the columns resources are derived from (request parameters, `resources[]`): a
    /// result has all of them or none.
    pub fn names_resources(&self) -> bool {
        matches!(
            self.into,
            Into::Param(..) | Into::ParamList(..) | Into::ResourceArns
        )
    }
}

/// The usage columns' names, in order.
pub fn cloudtrail_usage_names() -> impl Iterator<Item = &'static str> {
    CLOUDTRAIL_USAGE.iter().map(|c| c.name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::cloudtrail::source_prefix;

    #[test]
    fn every_parameter_service_is_the_host_of_its_event_source() {
        for s in PARAM_SERVICES {
            assert_eq!(source_prefix(&format!("{s}.amazonaws.com")), *s);
        }
        for c in CLOUDTRAIL_USAGE {
            if let Into::Param(_, services) | Into::ParamList(_, services) = c.into {
                assert!(
                    services.iter().all(|s| PARAM_SERVICES.contains(s)),
                    "{}",
                    c.name
                );
            }
        }
    }

    #[test]
    fn column_names_are_unique_lower_case_identifiers() {
        let mut seen = std::collections::HashSet::new();
        for n in cloudtrail_usage_names().chain(CLOUDTRAIL_COVERAGE.iter().copied()) {
            assert!(
                n.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
                "{n}"
            );
            assert!(
                seen.insert(n) || CLOUDTRAIL_COVERAGE.contains(&n),
                "{n} twice"
            );
        }
    }
}
