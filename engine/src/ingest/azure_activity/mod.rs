//! The Azure Activity Log: records as `az monitor activity-log list --output json` prints them (a
//! JSON array, camelCase, `eventTimestamp`, `authorization`, `claims`, `status.value`) and as a
//! diagnostic setting exports them to the `insights-activity-logs` container (JSON lines: `time`,
//! `operationName`, `identity.authorization`, `identity.claims`, `resultType`).
//!
//! | field | becomes |
//! | --- | --- |
//! | claims' `…/objectidentifier` (else `caller`) | the principal: its object id, as role assignments name it |
//! | `authorization.action` (else `operationName`) | the operation, a permission of the catalog |
//! | `authorization.scope` (else `resourceId`) | the resource |
//! | `status`/`resultType` `Succeeded`/`Success` | one use; `Failed`/`Failure` with `Forbidden` or `AuthorizationFailed`: a denied call |
//! | any other status (`Started`, `Accepted`, other failures) | an event, not a use: an operation logs several records, its outcome once |
//! | `subscriptionId` (else from `resourceId`) | coverage scope; the Activity Log is per subscription, so location `global`, management events |
//!
//! Every record counts as an event. Data-plane operations (blob reads, key vault secrets) are not
//! in the Activity Log at all: coverage never vouches for them.

mod diags;

use crate::catalog::AzureCatalog;
use crate::ingest::log_source::{each_json_record, read_text_object, FileOutcome, LogObject};
use crate::model::time::parse_time;
use crate::model::{Calls, LogClass, PermissionRef, Provider, UsageSummary};
use serde_json::Value;

/// True when the start of a (decompressed) file reads as Activity Log records.
pub fn looks_like(head: &str) -> bool {
    let az_list = (head.contains("\"eventTimestamp\"") && head.contains("\"operationName\""))
        || (head.contains("\"event_timestamp\"") && head.contains("\"operation_name\""));
    let export = head.contains("\"operationName\"")
        && head.contains("\"resourceId\"")
        && head.contains("\"category\"")
        && head.contains("\"time\"");
    (az_list || export) && !head.contains("\"protoPayload\"") && !head.contains("\"eventSource\"")
}

const OBJECT_ID: &str = "http://schemas.microsoft.com/identity/claims/objectidentifier";
const UPN: &str = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn";

/// A string at `key` — or at its snake_case spelling, as older `az` versions print records
/// (`event_timestamp`) — or at `key.value` (`az` wraps localisable fields as `{value,
/// localizedValue}`).
fn field<'v>(v: &'v Value, key: &str) -> Option<&'v str> {
    let found = v.get(key).or_else(|| {
        let snake: String = key
            .chars()
            .flat_map(|c| {
                let lower = c.to_ascii_lowercase();
                (c.is_ascii_uppercase())
                    .then_some('_')
                    .into_iter()
                    .chain(std::iter::once(lower))
            })
            .collect();
        (snake != key).then(|| v.get(&snake)).flatten()
    })?;
    match found {
        Value::String(s) => Some(s.as_str()),
        Value::Object(o) => o.get("value").and_then(Value::as_str),
        _ => None,
    }
    .filter(|s| !s.is_empty())
}

/// The subscription of a resource id (`/subscriptions/S/…`).
fn subscription_of(resource: &str) -> Option<&str> {
    let mut parts = resource.split('/').filter(|p| !p.is_empty());
    while let Some(p) = parts.next() {
        if p.eq_ignore_ascii_case("subscriptions") {
            return parts.next();
        }
    }
    None
}

/// Reads the text of one file (already decompressed) into `out`.
pub fn parse(path: &str, text: &str, catalog: &AzureCatalog, out: &mut FileOutcome) {
    each_json_record(path, text, out, |out, line, index, raw| {
        let result = serde_json::from_str::<Value>(raw.get())
            .map_err(|e| format!("invalid JSON: {}", crate::source::json_message(&e)))
            .and_then(|v| record(&v, catalog, &mut out.summary));
        match result {
            Ok(()) => out.recognised = true,
            Err(msg) => out.record_error(path, line, index, &msg),
        }
    });
}

fn record(v: &Value, catalog: &AzureCatalog, summary: &mut UsageSummary) -> Result<(), String> {
    let time = field(v, "eventTimestamp")
        .or_else(|| field(v, "time"))
        .ok_or("record has no `eventTimestamp` or `time`")?;
    let at = parse_time(time).ok_or_else(|| format!("`{time}` is not a date-time"))?;
    let identity = v.get("identity");
    let authorization = v
        .get("authorization")
        .or_else(|| identity.and_then(|i| i.get("authorization")));
    let operation = authorization
        .and_then(|a| field(a, "action"))
        .or_else(|| field(v, "operationName"))
        .ok_or("record has no `authorization.action` or `operationName`")?;
    let resource = authorization
        .and_then(|a| field(a, "scope"))
        .or_else(|| field(v, "resourceId"))
        .unwrap_or("*");
    let subscription = field(v, "subscriptionId")
        .or_else(|| subscription_of(resource))
        .or_else(|| field(v, "resourceId").and_then(subscription_of))
        .unwrap_or("unknown")
        .to_ascii_lowercase();
    let namespace = operation.split('/').next().unwrap_or(operation);
    summary.cover(
        Provider::Azure,
        &subscription,
        "global",
        &namespace.to_ascii_lowercase(),
        LogClass::Management,
        at,
    );
    calls_of(v, operation, resource, Calls::one(at), catalog, summary);
    Ok(())
}

/// The session under which an Azure principal's calls made as `upn` are kept.
pub fn signed_in_as(upn: &str) -> String {
    format!("signed in as {}", upn.to_ascii_lowercase())
}

/// Adds the calls of one record from an aggregation result (`whittle usage sql --engine
/// kusto`): `record` is the record the row stands for, rebuilt (`authorization`, `caller`,
/// `claims`, `status`, `subStatus`), and `calls` when and how often it was seen. Coverage comes
/// from the coverage result.
pub fn aggregated(
    record: &Value,
    calls: Calls,
    catalog: &AzureCatalog,
    summary: &mut UsageSummary,
) -> Result<(), String> {
    let authorization = record.get("authorization");
    let operation = authorization
        .and_then(|a| field(a, "action"))
        .ok_or("`operation_name` is empty")?;
    let resource = authorization.and_then(|a| field(a, "scope")).unwrap_or("*");
    calls_of(record, operation, resource, calls, catalog, summary);
    Ok(())
}

/// What `calls` of one record used: its events, and — when it succeeded or was refused — a use
/// (or denial) of its operation by the caller.
fn calls_of(
    v: &Value,
    operation: &str,
    resource: &str,
    calls: Calls,
    catalog: &AzureCatalog,
    summary: &mut UsageSummary,
) {
    let identity = v.get("identity");
    let namespace = operation.split('/').next().unwrap_or(operation);
    summary.events += calls.count;
    let status = field(v, "status")
        .or_else(|| field(v, "resultType"))
        .unwrap_or("");
    let sub = field(v, "subStatus")
        .or_else(|| field(v, "resultSignature"))
        .unwrap_or("");
    let succeeded = matches!(status, "Succeeded" | "Success");
    let refused = matches!(status, "Failed" | "Failure")
        && (sub.contains("Forbidden") || sub.contains("AuthorizationFailed"));
    if refused {
        summary.denied_events += calls.count;
    }
    if !succeeded && !refused {
        // `Started`, `Accepted`, or a failure of another kind: the operation's outcome is another record
        return;
    }
    let Some(id) = catalog.lookup(operation) else {
        summary.unmapped(Provider::Azure, namespace, operation, calls);
        return;
    };
    let claims = v
        .get("claims")
        .or_else(|| identity.and_then(|i| i.get("claims")));
    let object_id = claims.and_then(|c| field(c, OBJECT_ID));
    let Some(who) = object_id.or_else(|| field(v, "caller")) else {
        summary.permissionless(Provider::Azure, namespace, operation, calls);
        return;
    };
    // an application (service principal, managed identity) signs in without a user's name
    let claim = |k: &str| claims.and_then(|c| field(c, k));
    let app = claim("idtyp") == Some("app")
        || (claim("appid").is_some() && claim(UPN).is_none() && claim("name").is_none());
    let kind = if app { "service-account" } else { "user" };
    let p = summary.principal(Provider::Azure, &who.to_ascii_lowercase(), kind);
    // the name a user signed in with, beside its object id: `usage show` finds it by its UPN
    if let Some(upn) = claim(UPN).or_else(|| field(v, "caller").filter(|c| c.contains('@'))) {
        if !upn.eq_ignore_ascii_case(who) {
            summary.session(p, &signed_in_as(upn), calls);
        }
    }
    summary.record(
        p,
        PermissionRef::new(Provider::Azure, id),
        resource,
        calls,
        refused,
    );
}

/// Reads one log object that [`looks_like`] the Activity Log.
pub fn read_object(obj: &LogObject, text: &str) -> FileOutcome {
    read_text_object(obj, text, diags::NOT_ACTIVITY_LOG, |path, text, out| {
        parse(path, text, AzureCatalog::embedded(), out)
    })
}

#[cfg(test)]
mod tests;
