//! GCP Cloud Audit Logs: `LogEntry` objects whose `protoPayload` is an `AuditLog` — as a log sink
//! writes them to Cloud Storage (JSON lines, gzipped or not), as `gcloud logging read
//! --format=json` prints them (a JSON array), or one per file.
//!
//! | field | becomes |
//! | --- | --- |
//! | `authenticationInfo.principalSubject`, else `principalEmail` | the principal (`user:…`, `serviceAccount:…` for `*.gserviceaccount.com`) |
//! | `authenticationInfo.serviceAccountDelegationInfo[]` | who impersonated it: kept as the call's session, like an assumed role's session name |
//! | `authorizationInfo[]`: `permission`, `granted`, `resource` | one use of each permission on each resource; `granted: false` is a denied call |
//! | `status.code` 7 (`PERMISSION_DENIED`) | denied, when `authorizationInfo` says nothing |
//! | no `authorizationInfo` (operation updates, some system events) | an event, listed by `serviceName` and `methodName` as unmapped |
//! | `logName` (`…/cloudaudit.googleapis.com%2Factivity`, `data_access`, `system_event`, `policy`) | coverage: Admin Activity, System Event and Policy Denied are management events, Data Access data events |
//! | `resource.labels.project_id` (else the `logName`'s project), `location`/`region`/`zone` | coverage scope and location |
//!
//! A GCP permission is the catalog's name as logged (`storage.objects.get`); one the catalog does
//! not know is listed as unmapped, never guessed.

mod diags;

use crate::catalog::GcpCatalog;
use crate::ingest::log_source::{each_json_record, read_text_object, FileOutcome, LogObject};
use crate::model::time::parse_time;
use crate::model::{Calls, LogClass, PermissionRef, Provider, UsageSummary};
use serde::Deserialize;

/// True when the start of a (decompressed) file reads as Cloud Audit Logs entries.
pub fn looks_like(head: &str) -> bool {
    head.contains("\"protoPayload\"") && head.contains("\"logName\"")
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Entry {
    #[serde(default)]
    proto_payload: Option<AuditLog>,
    #[serde(default)]
    log_name: Option<String>,
    #[serde(default)]
    timestamp: Option<String>,
    #[serde(default)]
    resource: Option<MonitoredResource>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct AuditLog {
    #[serde(default, rename = "@type")]
    kind: Option<String>,
    #[serde(default)]
    service_name: Option<String>,
    #[serde(default)]
    method_name: Option<String>,
    #[serde(default)]
    resource_name: Option<String>,
    #[serde(default)]
    authentication_info: Option<AuthenticationInfo>,
    #[serde(default)]
    authorization_info: Vec<AuthorizationInfo>,
    #[serde(default)]
    status: Option<Status>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct AuthenticationInfo {
    #[serde(default)]
    principal_email: Option<String>,
    #[serde(default)]
    principal_subject: Option<String>,
    #[serde(default)]
    service_account_delegation_info: Vec<Delegation>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Delegation {
    #[serde(default)]
    first_party_principal: Option<FirstParty>,
    #[serde(default)]
    principal_subject: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct FirstParty {
    #[serde(default)]
    principal_email: Option<String>,
}

#[derive(Deserialize, Default)]
struct AuthorizationInfo {
    #[serde(default)]
    resource: Option<String>,
    #[serde(default)]
    permission: Option<String>,
    #[serde(default)]
    granted: Option<bool>,
}

#[derive(Deserialize, Default)]
struct Status {
    #[serde(default)]
    code: Option<i64>,
}

#[derive(Deserialize, Default)]
struct MonitoredResource {
    #[serde(default)]
    labels: serde_json::Map<String, serde_json::Value>,
}

/// The member whose permissions a call used.
fn principal_of(a: &AuthenticationInfo) -> Option<String> {
    if let Some(s) = a.principal_subject.as_deref().filter(|s| s.contains(':')) {
        return Some(s.to_string());
    }
    let email = a.principal_email.as_deref().filter(|e| !e.is_empty())?;
    Some(if email.ends_with(".gserviceaccount.com") {
        format!("serviceAccount:{email}")
    } else {
        format!("user:{email}")
    })
}

/// The log class of a `logName`: management for Admin Activity, System Event and Policy Denied,
/// data for Data Access.
pub(crate) fn class_of(log_name: &str) -> LogClass {
    if log_name.ends_with("data_access") {
        LogClass::Data
    } else {
        LogClass::Management
    }
}

/// A zone's region (`us-central1-a` → `us-central1`); regions and multi-regions as they are.
pub(crate) fn region_of(location: &str) -> &str {
    match location.rsplit_once('-') {
        Some((region, zone))
            if zone.len() == 1
                && zone.bytes().all(|b| b.is_ascii_lowercase())
                && region.ends_with(|c: char| c.is_ascii_digit()) =>
        {
            region
        }
        _ => location,
    }
}

/// Reads the text of one file (already decompressed) into `out`.
pub fn parse(path: &str, text: &str, catalog: &GcpCatalog, out: &mut FileOutcome) {
    each_json_record(
        path,
        text,
        out,
        |out, line, index, raw| match serde_json::from_str::<Entry>(raw.get()) {
            Ok(e) => match entry(&e, catalog, &mut out.summary) {
                Ok(true) => out.recognised = true,
                Ok(false) => out.unrecognised += 1,
                Err(msg) => out.record_error(path, line, index, &msg),
            },
            Err(e) => out.record_error(
                path,
                line,
                index,
                &format!("invalid JSON: {}", crate::source::json_message(&e)),
            ),
        },
    );
}

/// Adds one entry; `Ok(false)` when it is not an audit log entry.
fn entry(e: &Entry, catalog: &GcpCatalog, summary: &mut UsageSummary) -> Result<bool, String> {
    let Some(p) = &e.proto_payload else {
        return Ok(false);
    };
    if p.kind
        .as_deref()
        .is_some_and(|k| !k.ends_with("google.cloud.audit.AuditLog"))
    {
        return Ok(false);
    }
    let log_name = e.log_name.as_deref().unwrap_or("");
    let time = e.timestamp.as_deref().ok_or("entry has no `timestamp`")?;
    let at = parse_time(time).ok_or_else(|| format!("`timestamp` `{time}` is not a date-time"))?;
    let service = p
        .service_name
        .as_deref()
        .ok_or("entry has no `protoPayload.serviceName`")?;
    let labels = e.resource.as_ref().map(|r| &r.labels);
    let label = |k: &str| labels.and_then(|l| l.get(k)).and_then(|v| v.as_str());
    let project = label("project_id")
        .or_else(|| {
            log_name
                .strip_prefix("projects/")
                .and_then(|r| r.split('/').next())
        })
        .unwrap_or("unknown");
    let location = label("location")
        .or(label("region"))
        .or(label("zone"))
        .map_or("global", region_of);
    let short = service.strip_suffix(".googleapis.com").unwrap_or(service);
    summary.cover(
        Provider::Gcp,
        project,
        location,
        short,
        class_of(log_name),
        at,
    );
    calls_of(p, Calls::one(at), catalog, summary);
    Ok(true)
}

/// Adds the calls of one entry from an aggregation result (`whittle usage sql --engine
/// bigquery`): `entry` is the entry the row stands for, rebuilt (its `protoPayload` fields), and
/// `calls` when and how often it was seen. Coverage comes from the coverage result.
pub fn aggregated(
    entry: serde_json::Value,
    calls: Calls,
    catalog: &GcpCatalog,
    summary: &mut UsageSummary,
) -> Result<(), String> {
    let e: Entry = serde_json::from_value(entry).map_err(|e| e.to_string())?;
    let p = e.proto_payload.as_ref().ok_or("no `protoPayload`")?;
    if p.service_name.is_none() {
        return Err("`service_name` is empty".into());
    }
    calls_of(p, calls, catalog, summary);
    Ok(())
}

/// What `calls` of one audit log entry used: its events, and per permission of
/// `authorizationInfo` a use by the principal (or a denial).
fn calls_of(p: &AuditLog, calls: Calls, catalog: &GcpCatalog, summary: &mut UsageSummary) {
    let service = p.service_name.as_deref().unwrap_or_default();
    let method = p.method_name.as_deref().unwrap_or("");
    let status_denied = p.status.as_ref().and_then(|s| s.code) == Some(7);
    summary.events += calls.count;
    let authz: Vec<&AuthorizationInfo> = p
        .authorization_info
        .iter()
        .filter(|a| a.permission.is_some())
        .collect();
    let denied = status_denied || authz.iter().any(|a| a.granted == Some(false));
    if denied {
        summary.denied_events += calls.count;
    }
    if authz.is_empty() {
        summary.unmapped(Provider::Gcp, service, method, calls);
        return;
    }
    let Some(who) = p.authentication_info.as_ref().and_then(principal_of) else {
        // an anonymous call (`allUsers` access to public data) uses no one's permissions
        summary.permissionless(Provider::Gcp, service, method, calls);
        return;
    };
    let kind = crate::gcp::member::parse(&who)
        .map(|m| m.kind.principal_kind().as_str())
        .unwrap_or("unknown");
    let pid = summary.principal(Provider::Gcp, &who, kind);
    if let Some(first) = p
        .authentication_info
        .as_ref()
        .and_then(|a| a.service_account_delegation_info.first())
    {
        let by = first
            .principal_subject
            .clone()
            .or_else(|| {
                first
                    .first_party_principal
                    .as_ref()
                    .and_then(|f| f.principal_email.clone())
            })
            .unwrap_or_else(|| "unknown".into());
        summary.session(pid, &format!("impersonated by {by}"), calls);
    }
    for a in authz {
        let perm = a.permission.as_deref().unwrap_or_default();
        let Some(id) = catalog.lookup(perm) else {
            summary.unmapped(Provider::Gcp, service, perm, calls);
            continue;
        };
        let resource = a
            .resource
            .as_deref()
            .or(p.resource_name.as_deref())
            .filter(|r| !r.is_empty())
            .unwrap_or("*");
        let refused = a.granted == Some(false) || (a.granted.is_none() && status_denied);
        summary.record(
            pid,
            PermissionRef::new(Provider::Gcp, id),
            resource,
            calls,
            refused,
        );
    }
}

/// Reads one log object that [`looks_like`] Cloud Audit Logs.
pub fn read_object(obj: &LogObject, text: &str) -> FileOutcome {
    read_text_object(obj, text, diags::NOT_AUDIT_LOG, |path, text, out| {
        parse(path, text, GcpCatalog::embedded(), out)
    })
}

#[cfg(test)]
mod tests;
