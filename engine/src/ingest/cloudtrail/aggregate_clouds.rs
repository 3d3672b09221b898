//! GCP and Azure rows of `whittle ingest --aggregate` (the `bigquery` and `kusto` results of
//! `whittle usage sql`): each usage row is rebuilt into the audit-log entry or Activity Log record
//! it stands for and goes through the same mapping as raw logs (`gcp_audit::aggregated`,
//! `azure_activity::aggregated`), counted as often as the row says; coverage rows add their events
//! to their day, as raw entries would.

use super::result_table::{cell_error, count_cell, time_cell, Row};
use crate::catalog::{AzureCatalog, GcpCatalog};
use crate::ingest::{azure_activity, gcp_audit};
use crate::model::time::{day_of, parse_date};
use crate::model::{Calls, LogClass, Provider, UsageSummary};
use crate::source::{InputError, SourceFile};
use serde_json::{json, Map, Value};

/// Adds one usage row: `at` are the row's cells in the order of `GCP_USAGE` (`gcp`) or
/// `AZURE_USAGE`.
pub(super) fn usage_row(
    src: &SourceFile,
    row: &Row,
    gcp: bool,
    at: &[Option<usize>],
    summary: &mut UsageSummary,
) -> Result<(), InputError> {
    let n = at.len();
    // first_seen, last_seen, events end both column lists
    let calls = Calls {
        first: time_cell(src, row, at[n - 3], "first_seen")?,
        last: time_cell(src, row, at[n - 2], "last_seen")?,
        count: count_cell(src, row, at[n - 1])?,
    };
    if calls.first > calls.last {
        return Err(cell_error(
            src,
            row,
            at[n - 3],
            "first_seen",
            "after `last_seen`".into(),
        ));
    }
    let cell = |k: usize| row.cell(at[k]).map(|v| Value::String(v.to_string()));
    let result = if gcp {
        let authz = match row.cell(at[7]) {
            None => Value::Array(Vec::new()),
            Some(v) => match serde_json::from_str::<Value>(v) {
                Ok(list @ Value::Array(_)) => list,
                _ => {
                    return Err(cell_error(
                        src,
                        row,
                        at[7],
                        "authorization_info",
                        "not a JSON array of `{resource, permission, granted}`".into(),
                    ))
                }
            },
        };
        let status = match row.cell(at[6]) {
            None => Value::Null,
            Some(v) => match v.parse::<i64>() {
                Ok(code) => json!({ "code": code }),
                Err(_) => {
                    return Err(cell_error(
                        src,
                        row,
                        at[6],
                        "status_code",
                        format!("`{v}` is not a status code"),
                    ))
                }
            },
        };
        let mut authn = Map::new();
        for (key, k) in [("principalEmail", 0), ("principalSubject", 1)] {
            if let Some(v) = cell(k) {
                authn.insert(key.into(), v);
            }
        }
        if let Some(by) = cell(2) {
            authn.insert(
                "serviceAccountDelegationInfo".into(),
                json!([{ "principalSubject": by }]),
            );
        }
        let entry = json!({
            "protoPayload": {
                "serviceName": cell(3),
                "methodName": cell(4),
                "resourceName": cell(5),
                "status": status,
                "authorizationInfo": authz,
                "authenticationInfo": authn,
            }
        });
        gcp_audit::aggregated(entry, calls, GcpCatalog::embedded(), summary)
    } else {
        let mut claims = Map::new();
        if let Some(oid) = cell(1) {
            claims.insert(
                "http://schemas.microsoft.com/identity/claims/objectidentifier".into(),
                oid,
            );
        }
        if row.cell(at[2]) == Some("app") {
            claims.insert("idtyp".into(), json!("app"));
        }
        let record = json!({
            "authorization": { "action": cell(3), "scope": cell(4) },
            "caller": cell(0),
            "claims": claims,
            "status": cell(5),
            "subStatus": cell(6),
        });
        azure_activity::aggregated(&record, calls, AzureCatalog::embedded(), summary)
    };
    result.map_err(|m| src.error("", Some(row.at), format!("row: {m}")))
}

/// Adds one coverage row (`CLOUD_COVERAGE`): the provider's scope, location and service, as raw
/// entries name them.
pub(super) fn coverage_row(
    src: &SourceFile,
    row: &Row,
    at: &[Option<usize>],
    summary: &mut UsageSummary,
) -> Result<(), InputError> {
    let [provider, scope, location, day, service, log, events] =
        [0, 1, 2, 3, 4, 5, 6].map(|k| at[k]);
    let day_text = row.cell(day).unwrap_or("");
    let d = parse_date(day_text.strip_suffix(" UTC").unwrap_or(day_text))
        .ok_or_else(|| cell_error(src, row, day, "day", format!("`{day_text}` is not a date")))?;
    let events = count_cell(src, row, events)?;
    let svc = row
        .cell(service)
        .ok_or_else(|| cell_error(src, row, service, "service", "empty".into()))?;
    match row.cell(provider) {
        Some("gcp") => summary.cover_day(
            Provider::Gcp,
            (
                row.cell(scope).unwrap_or("unknown"),
                gcp_audit::region_of(row.cell(location).unwrap_or("global")),
                svc.strip_suffix(".googleapis.com").unwrap_or(svc),
            ),
            gcp_audit::class_of(row.cell(log).unwrap_or("")),
            day_of(d),
            events,
        ),
        Some("azure") => summary.cover_day(
            Provider::Azure,
            (
                &row.cell(scope).unwrap_or("unknown").to_ascii_lowercase(),
                "global",
                &svc.to_ascii_lowercase(),
            ),
            // the Activity Log holds control-plane operations only
            LogClass::Management,
            day_of(d),
            events,
        ),
        other => {
            return Err(cell_error(
                src,
                row,
                provider,
                "provider",
                format!("`{}` is neither `gcp` nor `azure`", other.unwrap_or("")),
            ))
        }
    }
    Ok(())
}
