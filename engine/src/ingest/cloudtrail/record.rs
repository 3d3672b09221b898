//! The fields of a CloudTrail record whittle reads, borrowed from the input where possible.
//! Everything else in a record is skipped without being materialised.

use serde::Deserialize;
use serde_json::value::RawValue;
use std::borrow::Cow;

/// A string borrowed from the input when it has no escapes (a newtype: `Option<Cow<str>>` alone
/// would always allocate).
#[derive(Debug, Deserialize)]
pub(crate) struct S<'a>(#[serde(borrow)] pub Cow<'a, str>);

impl S<'_> {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

pub(crate) fn opt<'x>(s: &'x Option<S<'_>>) -> Option<&'x str> {
    s.as_ref().map(S::as_str).filter(|s| !s.is_empty())
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Record<'a> {
    #[serde(borrow, default)]
    pub event_time: Option<S<'a>>,
    /// Logstash/Elastic exports replace `eventTime` with `@timestamp`.
    #[serde(borrow, default, rename = "@timestamp")]
    pub at_timestamp: Option<S<'a>>,
    #[serde(borrow, default)]
    pub event_source: Option<S<'a>>,
    #[serde(borrow, default)]
    pub event_name: Option<S<'a>>,
    #[serde(borrow, default)]
    pub aws_region: Option<S<'a>>,
    #[serde(borrow, default)]
    pub recipient_account_id: Option<S<'a>>,
    #[serde(borrow, default)]
    pub error_code: Option<S<'a>>,
    #[serde(borrow, default)]
    pub event_type: Option<S<'a>>,
    #[serde(borrow, default)]
    pub event_category: Option<S<'a>>,
    #[serde(default)]
    pub management_event: Option<bool>,
    #[serde(borrow, default)]
    pub user_identity: Option<UserIdentity<'a>>,
    #[serde(borrow, default)]
    pub request_parameters: super::resources::ParamsField<'a>,
    #[serde(borrow, default)]
    pub resources: Option<Vec<ResourceRef<'a>>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct UserIdentity<'a> {
    #[serde(borrow, default, rename = "type")]
    pub kind: Option<S<'a>>,
    #[serde(borrow, default)]
    pub principal_id: Option<S<'a>>,
    #[serde(borrow, default)]
    pub arn: Option<S<'a>>,
    #[serde(borrow, default)]
    pub account_id: Option<S<'a>>,
    #[serde(borrow, default)]
    pub user_name: Option<S<'a>>,
    #[serde(borrow, default)]
    pub invoked_by: Option<S<'a>>,
    #[serde(borrow, default)]
    pub identity_provider: Option<S<'a>>,
    #[serde(borrow, default)]
    pub session_context: Option<SessionContext<'a>>,
    #[serde(borrow, default)]
    pub on_behalf_of: Option<OnBehalfOf<'a>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SessionContext<'a> {
    #[serde(borrow, default)]
    pub session_issuer: Option<SessionIssuer<'a>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SessionIssuer<'a> {
    #[serde(borrow, default)]
    pub arn: Option<S<'a>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct OnBehalfOf<'a> {
    #[serde(borrow, default)]
    pub user_id: Option<S<'a>>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct ResourceRef<'a> {
    #[serde(borrow, default, rename = "ARN")]
    pub arn: Option<S<'a>>,
}

/// A delivery file: `{"Records": [...]}`.
#[derive(Deserialize)]
pub(crate) struct TrailFile<'a> {
    #[serde(borrow, rename = "Records")]
    pub records: Vec<Record<'a>>,
}

/// What a top-level JSON value is, found without parsing its contents.
#[derive(Deserialize, Default)]
pub(crate) struct Probe<'a> {
    #[serde(borrow, default, rename = "Records")]
    pub records: Option<&'a RawValue>,
    #[serde(borrow, default, rename = "Events")]
    pub events: Option<&'a RawValue>,
    #[serde(borrow, default, rename = "CloudTrailEvent")]
    pub cloudtrail_event: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub detail: Option<&'a RawValue>,
    #[serde(borrow, default, rename = "detail-type")]
    pub detail_type: Option<&'a RawValue>,
    #[serde(borrow, default, rename = "eventName")]
    pub event_name: Option<&'a RawValue>,
    #[serde(borrow, default, rename = "eventSource")]
    pub event_source: Option<&'a RawValue>,
    #[serde(borrow, default, rename = "digestStartTime")]
    pub digest_start_time: Option<&'a RawValue>,
}
