//! `whittle usage sql`: the aggregation as one query for the engine that already holds the logs.
//!
//! CloudTrail (`athena`, `trino`, `spark`) is queried over the table AWS documents for CloudTrail
//! logs in Athena: the record's fields, lower-cased (`useridentity.sessioncontext.sessionissuer.arn`,
//! `requestparameters` as JSON text, `resources` an array of structs). The usage query groups calls
//! by the raw fields whittle attributes, maps and derives resources from (see [`super::columns`]),
//! so `whittle ingest --aggregate` gives each row the same principal, permissions and resources a
//! logged event gets — the SQL never re-implements that logic.

use super::columns::{Column, Into, CLOUDTRAIL_USAGE};
use crate::model::time::{iso_day, Epoch, DAY};
use std::fmt::Write;

/// An engine whittle writes queries for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// Amazon Athena (engine version 3, Trino SQL) over the CloudTrail table.
    Athena,
    /// Trino (or Presto) over the same table in a Hive catalog.
    Trino,
    /// Apache Spark SQL over the same table.
    Spark,
    /// Google BigQuery over Cloud Audit Logs sink tables.
    BigQuery,
    /// Azure Monitor Log Analytics (KQL) over `AzureActivity`.
    Kusto,
}

impl Engine {
    /// The table a query reads when none is named.
    pub fn default_table(self) -> &'static str {
        match self {
            Engine::Athena | Engine::Trino | Engine::Spark => "cloudtrail_logs",
            Engine::BigQuery => "cloudaudit_googleapis_com",
            Engine::Kusto => "AzureActivity",
        }
    }
}

/// Which query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Query {
    /// Calls per principal × operation × resource × outcome, with first/last seen and count.
    Usage,
    /// Events per scope × location × day × service × log class.
    Coverage,
}

/// What to write a query for.
#[derive(Debug, Clone)]
pub struct QueryRequest {
    /// The engine.
    pub engine: Engine,
    /// Which query.
    pub query: Query,
    /// Only events of the last this many days…
    pub days: u32,
    /// …before this time.
    pub now: Epoch,
    /// The table (or, for BigQuery, the sink tables' common prefix).
    pub table: Option<String>,
}

/// True when `t` can stand as a table name in a query: letters, digits, `_`, `-`, `.`, `:`, `*`
/// and quoting (`"`, `` ` ``) — nothing that ends the statement or starts another.
pub fn is_table_name(t: &str) -> bool {
    !t.is_empty()
        && !t.contains("--")
        && t.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-.:*\"`".contains(c))
}

/// The query text, ending with a newline.
pub fn query(req: &QueryRequest) -> String {
    let table = req
        .table
        .clone()
        .unwrap_or_else(|| req.engine.default_table().to_string());
    let since = iso_day(crate::model::time::day_of(
        req.now - i64::from(req.days) * DAY,
    ));
    match (req.engine, req.query) {
        (Engine::Athena | Engine::Trino | Engine::Spark, Query::Usage) => {
            cloudtrail_usage(req.engine, &table, &since, req.days)
        }
        (Engine::Athena | Engine::Trino | Engine::Spark, Query::Coverage) => {
            cloudtrail_coverage(req.engine, &table, &since, req.days)
        }
        (Engine::BigQuery, q) => bigquery(q, &table, &since, req.days),
        (Engine::Kusto, q) => kusto(q, &table, &since, req.days),
    }
}

/// The SQL of one CloudTrail dialect.
struct Dialect {
    engine: Engine,
}

impl Dialect {
    /// A request parameter's string value (`NULL` when absent or not a string).
    fn param(&self, key: &str) -> String {
        match self.engine {
            Engine::Spark => format!("get_json_object(requestparameters, '$.{key}')"),
            _ => format!("json_extract_scalar(requestparameters, '$.{key}')"),
        }
    }

    /// A request parameter's value as JSON text.
    fn param_json(&self, key: &str) -> String {
        match self.engine {
            Engine::Spark => format!("get_json_object(requestparameters, '$.{key}')"),
            _ => format!("json_format(json_extract(requestparameters, '$.{key}'))"),
        }
    }

    /// The ARNs of `resources[]` as a JSON array.
    fn resource_arns(&self) -> &'static str {
        match self.engine {
            Engine::Spark => "to_json(transform(resources, r -> r.arn))",
            _ => "json_format(CAST(transform(resources, r -> r.arn) AS JSON))",
        }
    }
}

fn header(out: &mut String, engine: Engine, what: &str, since: &str, days: u32) {
    let run = match engine {
        Engine::Athena => "the Athena console or `aws athena start-query-execution`",
        Engine::Trino => "the `trino` CLI (`--output-format CSV_HEADER`)",
        Engine::Spark => "`spark-sql` or `spark.sql(...)`",
        Engine::BigQuery => "`bq query --use_legacy_sql=false --format=csv`",
        Engine::Kusto => "Log Analytics (Logs) or `az monitor log-analytics query`",
    };
    let comment = if engine == Engine::Kusto { "//" } else { "--" };
    let _ = writeln!(
        out,
        "{comment} whittle {what}: the last {days} days (since {since})."
    );
    let _ = writeln!(
        out,
        "{comment} Run it with {run}; save the result as CSV with a header (or JSON lines)"
    );
    let _ = writeln!(
        out,
        "{comment} and read it with `whittle ingest --aggregate FILE`. See docs/scale.md."
    );
}

/// A record path as the Athena table names it: each field lower-cased.
fn table_path(path: &[&str]) -> String {
    path.iter()
        .map(|p| p.to_ascii_lowercase())
        .collect::<Vec<_>>()
        .join(".")
}

fn sources(services: &[&str]) -> String {
    services
        .iter()
        .map(|s| format!("'{s}.amazonaws.com'"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The expression a usage column is computed by, over one table row.
fn expression(d: &Dialect, c: &Column) -> Option<String> {
    Some(match c.into {
        Into::Field(path) => table_path(path),
        Into::Param(key, services) => format!(
            "CASE WHEN eventsource IN ({}) THEN {} END",
            sources(services),
            d.param(key)
        ),
        Into::ParamList(key, services) => format!(
            "CASE WHEN eventsource IN ({}) THEN {} END",
            sources(services),
            d.param_json(key)
        ),
        Into::ResourceArns => d.resource_arns().to_string(),
        Into::FirstSeen | Into::LastSeen | Into::Events => return None,
    })
}

fn cloudtrail_usage(engine: Engine, table: &str, since: &str, days: u32) -> String {
    let d = Dialect { engine };
    let mut out = String::new();
    header(&mut out, engine, "usage query (CloudTrail)", since, days);
    let keys: Vec<(&str, String)> = CLOUDTRAIL_USAGE
        .iter()
        .filter(|c| !c.optional)
        .filter_map(|c| expression(&d, c).map(|e| (c.name, e)))
        .collect();
    out.push_str("WITH calls AS (\n  SELECT\n");
    for (name, e) in &keys {
        let _ = writeln!(out, "    {e} AS {name},");
    }
    out.push_str("    eventtime\n");
    let _ = writeln!(out, "  FROM {table}");
    where_clause(&mut out, since);
    out.push_str(")\nSELECT\n");
    for (name, _) in &keys {
        let _ = writeln!(out, "  {name},");
    }
    out.push_str("  min(eventtime) AS first_seen,\n  max(eventtime) AS last_seen,\n");
    out.push_str("  count(*) AS events\nFROM calls\nGROUP BY\n");
    let names: Vec<&str> = keys.iter().map(|(n, _)| *n).collect();
    let _ = writeln!(out, "  {}", names.join(",\n  "));
    out
}

fn where_clause(out: &mut String, since: &str) {
    // Insights events are not calls; whittle skips them in logs too
    let _ = writeln!(
        out,
        "  WHERE eventtime >= '{since}'\n    AND (eventtype IS NULL OR eventtype <> 'AwsCloudTrailInsight')"
    );
}

fn cloudtrail_coverage(engine: Engine, table: &str, since: &str, days: u32) -> String {
    let mut out = String::new();
    header(&mut out, engine, "coverage query (CloudTrail)", since, days);
    out.push_str("WITH events AS (\n  SELECT\n");
    out.push_str("    coalesce(recipientaccountid, useridentity.accountid) AS account_id,\n");
    out.push_str("    awsregion AS region,\n    substr(eventtime, 1, 10) AS day,\n");
    out.push_str("    eventsource AS event_source,\n    eventcategory AS event_category\n");
    let _ = writeln!(out, "  FROM {table}");
    where_clause(&mut out, since);
    out.push_str(
        ")\nSELECT account_id, region, day, event_source, event_category, count(*) AS events\n",
    );
    out.push_str("FROM events\nGROUP BY account_id, region, day, event_source, event_category\n");
    out
}

fn bigquery(q: Query, prefix: &str, since: &str, days: u32) -> String {
    let mut out = String::new();
    let entries = format!(
        "WITH entries AS (\n  SELECT 'activity' AS log_name, logName, timestamp, resource, protopayload_auditlog\n  FROM `{prefix}_activity`\n  WHERE timestamp >= TIMESTAMP('{since}')\n  UNION ALL\n  SELECT 'data_access' AS log_name, logName, timestamp, resource, protopayload_auditlog\n  FROM `{prefix}_data_access`\n  WHERE timestamp >= TIMESTAMP('{since}')\n)\n"
    );
    match q {
        Query::Usage => {
            header(
                &mut out,
                Engine::BigQuery,
                "usage query (Cloud Audit Logs)",
                since,
                days,
            );
            out.push_str(&entries);
            out.push_str(
                ", calls AS (
  SELECT
    protopayload_auditlog.authenticationInfo.principalEmail AS principal_email,
    protopayload_auditlog.authenticationInfo.principalSubject AS principal_subject,
    (SELECT COALESCE(d.principalSubject, d.firstPartyPrincipal.principalEmail)
     FROM UNNEST(protopayload_auditlog.authenticationInfo.serviceAccountDelegationInfo) AS d
     WITH OFFSET AS o ORDER BY o LIMIT 1) AS delegated_by,
    protopayload_auditlog.serviceName AS service_name,
    protopayload_auditlog.methodName AS method_name,
    protopayload_auditlog.resourceName AS resource_name,
    protopayload_auditlog.status.code AS status_code,
    TO_JSON_STRING(ARRAY(
      SELECT AS STRUCT a.resource, a.permission, a.granted
      FROM UNNEST(protopayload_auditlog.authorizationInfo) AS a WITH OFFSET AS o ORDER BY o
    )) AS authorization_info,
    timestamp
  FROM entries
)
SELECT
  principal_email, principal_subject, delegated_by, service_name, method_name, resource_name,
  status_code, authorization_info,
  FORMAT_TIMESTAMP('%Y-%m-%dT%H:%M:%SZ', MIN(timestamp)) AS first_seen,
  FORMAT_TIMESTAMP('%Y-%m-%dT%H:%M:%SZ', MAX(timestamp)) AS last_seen,
  COUNT(*) AS events
FROM calls
GROUP BY principal_email, principal_subject, delegated_by, service_name, method_name,
  resource_name, status_code, authorization_info
",
            );
        }
        Query::Coverage => {
            header(
                &mut out,
                Engine::BigQuery,
                "coverage query (Cloud Audit Logs)",
                since,
                days,
            );
            out.push_str(&entries);
            out.push_str(
                "SELECT
  'gcp' AS provider,
  COALESCE(JSON_VALUE(TO_JSON_STRING(resource.labels), '$.project_id'),
    REGEXP_EXTRACT(logName, r'^projects/([^/]+)/')) AS scope,
  COALESCE(JSON_VALUE(TO_JSON_STRING(resource.labels), '$.location'),
    JSON_VALUE(TO_JSON_STRING(resource.labels), '$.region'),
    JSON_VALUE(TO_JSON_STRING(resource.labels), '$.zone'), 'global') AS location,
  FORMAT_TIMESTAMP('%Y-%m-%d', timestamp) AS day,
  protopayload_auditlog.serviceName AS service,
  log_name AS log,
  COUNT(*) AS events
FROM entries
GROUP BY scope, location, day, service, log
",
            );
        }
    }
    out
}

fn kusto(q: Query, table: &str, since: &str, days: u32) -> String {
    let mut out = String::new();
    match q {
        Query::Usage => {
            header(
                &mut out,
                Engine::Kusto,
                "usage query (Azure Activity Log)",
                since,
                days,
            );
            let _ = write!(
                out,
                "{table}
| where TimeGenerated >= datetime({since})
| extend action = tostring(Authorization_d.action), scope = tostring(Authorization_d.scope),
    caller_object_id = tostring(Claims_d[\"http://schemas.microsoft.com/identity/claims/objectidentifier\"]),
    caller_type = iff(tostring(Claims_d.idtyp) == \"app\"
        or (isnotempty(tostring(Claims_d.appid))
            and isempty(tostring(Claims_d[\"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn\"]))
            and isempty(tostring(Claims_d.name))), \"app\", \"user\")
| summarize first_seen = min(TimeGenerated), last_seen = max(TimeGenerated), events = count()
    by caller = Caller, caller_object_id, caller_type,
    operation_name = iff(isempty(action), OperationNameValue, action),
    resource_id = iff(isempty(scope), _ResourceId, scope),
    outcome = ActivityStatusValue, sub_status = ActivitySubstatusValue
"
            );
        }
        Query::Coverage => {
            header(
                &mut out,
                Engine::Kusto,
                "coverage query (Azure Activity Log)",
                since,
                days,
            );
            let _ = write!(
                out,
                "{table}
| where TimeGenerated >= datetime({since})
| summarize events = count()
    by provider = \"azure\", scope = SubscriptionId, location = \"global\",
    day = format_datetime(startofday(TimeGenerated), \"yyyy-MM-dd\"),
    service = tostring(split(OperationNameValue, \"/\")[0]), log = CategoryValue
"
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aggregate::columns::{
        cloudtrail_usage_names, AZURE_USAGE, CLOUDTRAIL_COVERAGE, CLOUD_COVERAGE, GCP_USAGE,
    };

    fn text(engine: Engine, query: Query) -> String {
        super::query(&QueryRequest {
            engine,
            query,
            days: 90,
            now: 0,
            table: None,
        })
    }

    /// Every query returns the columns `ingest --aggregate` reads (under their names).
    #[test]
    fn each_query_names_every_column_of_its_result() {
        let cases: [(Engine, Query, Vec<&str>); 10] = [
            (
                Engine::Athena,
                Query::Usage,
                cloudtrail_usage_names()
                    .filter(|n| *n != "identity_provider")
                    .collect(),
            ),
            (
                Engine::Trino,
                Query::Usage,
                cloudtrail_usage_names()
                    .filter(|n| *n != "identity_provider")
                    .collect(),
            ),
            (
                Engine::Spark,
                Query::Usage,
                cloudtrail_usage_names()
                    .filter(|n| *n != "identity_provider")
                    .collect(),
            ),
            (
                Engine::Athena,
                Query::Coverage,
                CLOUDTRAIL_COVERAGE.to_vec(),
            ),
            (Engine::Trino, Query::Coverage, CLOUDTRAIL_COVERAGE.to_vec()),
            (Engine::Spark, Query::Coverage, CLOUDTRAIL_COVERAGE.to_vec()),
            (Engine::BigQuery, Query::Usage, GCP_USAGE.to_vec()),
            (Engine::BigQuery, Query::Coverage, CLOUD_COVERAGE.to_vec()),
            (Engine::Kusto, Query::Usage, AZURE_USAGE.to_vec()),
            (Engine::Kusto, Query::Coverage, CLOUD_COVERAGE.to_vec()),
        ];
        for (engine, query, columns) in cases {
            let q = text(engine, query);
            for c in columns {
                let named = q.contains(&format!(" AS {c}"))
                    || q.contains(&format!("{c} = "))
                    || q.contains(&format!("by {c}"))
                    || q.contains(&format!(", {c}"))
                    || q.contains(&format!("  {c},"));
                assert!(named, "{engine:?} {query:?} lacks `{c}`:\n{q}");
            }
        }
    }

    #[test]
    fn table_names_cannot_end_the_statement() {
        assert!(is_table_name("audit.cloudtrail_logs"));
        assert!(is_table_name(
            "`my-project.audit.cloudaudit_googleapis_com`"
        ));
        assert!(!is_table_name("logs; DROP TABLE x"));
        assert!(!is_table_name("logs -- x"));
        assert!(!is_table_name("logs--x"));
        assert!(!is_table_name(""));
    }
}
