//! What whittle prints on stdout: one module per format over the engine's report types —
//! [`text`], [`json`] (typed, versioned wire documents), [`sarif`] (typed SARIF 2.1.0) and
//! [`markdown`] — and one entry point per report that picks the format. A closed stdout
//! (`whittle … | head`) is not an error.

mod activity;
pub mod html;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod proposals;
pub mod sarif;
pub mod text;
pub mod webhook;

use crate::cli::{CheckFormat, Format, RecommendFormat, ReportFormat};
use serde::Serialize;
use std::io::{self, Write};
use whittle_engine::aws::policy::{Request, Simulation};
use whittle_engine::catalog::{ActionId, ActionSet, AwsCatalog};
use whittle_engine::model::JournalEntry;
use whittle_engine::rules::{RuleDoc, RuleSet};
use whittle_engine::usage::{EventCount, Summary};
use whittle_engine::{CheckReport, SourceFile};

/// Text escaped for XML and HTML attributes and content (JUnit, the HTML report).
pub fn markup_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // XML 1.0 allows no other control characters
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\r' | '\t') => {}
            c => out.push(c),
        }
    }
    out
}

/// Where reports go (`--output FILE`, else stdout) and whether text is coloured.
struct Sink {
    output: Option<std::path::PathBuf>,
    color: bool,
}

static SINK: std::sync::OnceLock<Sink> = std::sync::OnceLock::new();

/// Sets where reports go and whether to colour them; call once, before rendering.
pub fn set_output(output: Option<std::path::PathBuf>, color: crate::cli::ColorChoice) {
    use crate::cli::ColorChoice;
    use std::io::IsTerminal;
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let color = match color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => !no_color && output.is_none() && io::stdout().is_terminal(),
    };
    let _ = SINK.set(Sink { output, color });
}

/// Whether text reports are coloured.
pub fn color() -> bool {
    SINK.get().is_some_and(|s| s.color)
}

/// Writes a report to `--output FILE` or stdout, through a buffer; a broken pipe ends quietly.
fn stdout(f: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> miette::Result<()> {
    if let Some(path) = SINK.get().and_then(|s| s.output.as_ref()) {
        // created by the first write of the process, appended to by the next (watch writes
        // once per run, text reports in parts)
        static STARTED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
        let append = STARTED.swap(true, std::sync::atomic::Ordering::Relaxed);
        let file = std::fs::OpenOptions::new()
            .create(true)
            .write(true)
            .append(append)
            .truncate(!append)
            .open(path)
            .map_err(|e| miette::miette!("cannot write `{}`: {e}", path.display()))?;
        let mut w = io::BufWriter::new(file);
        return f(&mut w)
            .and_then(|_| w.flush())
            .map_err(|e| miette::miette!("cannot write `{}`: {e}", path.display()));
    }
    let out = io::stdout();
    let mut lock = io::BufWriter::new(out.lock());
    match f(&mut lock).and_then(|_| lock.flush()) {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        r => r.map_err(|e| miette::miette!("cannot write output: {e}")),
    }
}

/// A JSON document, with the wire version and the catalog it was answered with.
fn json_doc<T: Serialize>(catalog: &AwsCatalog, body: T) -> miette::Result<()> {
    let doc = json::Doc::new(catalog, body);
    stdout(|w| {
        serde_json::to_writer_pretty(&mut *w, &doc)?;
        writeln!(w)
    })
}

/// The HTML report of `data`.
fn html_doc(data: &whittle_engine::ReportData, page: &html::Page) -> miette::Result<()> {
    let text = html::page(data, page);
    stdout(|w| w.write_all(text.as_bytes()))
}

/// The periodic review: HTML, or its data as JSON.
pub fn report(
    format: ReportFormat,
    run: &whittle_engine::ReportRun,
    page: &html::Page,
) -> miette::Result<()> {
    match format {
        ReportFormat::Html => html_doc(&run.data, page),
        ReportFormat::Json => json_doc(catalog(), &run.data),
    }
}

/// One JSON document on one line, flushed: a stream a script reads line by line.
pub fn json_line<T: Serialize>(body: T) -> miette::Result<()> {
    let doc = json::Doc::new(catalog(), body);
    stdout(|w| {
        serde_json::to_writer(&mut *w, &doc)?;
        writeln!(w)?;
        w.flush()
    })
}

fn catalog() -> &'static AwsCatalog {
    AwsCatalog::embedded()
}

/// Plain text as it is.
pub fn plain(s: &str) -> miette::Result<()> {
    stdout(|w| w.write_all(s.as_bytes()))
}

/// A `recommend` report, in any of its formats.
pub fn recommend(
    format: RecommendFormat,
    report: &whittle_engine::RecommendReport,
    verbose: bool,
    page: &html::Page,
) -> miette::Result<()> {
    match format {
        RecommendFormat::Html => html_doc(
            &whittle_engine::ReportData::compose(Some(report), None, Vec::new()),
            page,
        ),
        RecommendFormat::Text => stdout(|w| proposals::text(w, report, verbose)),
        RecommendFormat::Markdown => stdout(|w| proposals::markdown(w, report)),
        RecommendFormat::Json => json_doc(catalog(), json::Recommend::new(report)),
    }
}

/// Writes each safe, changing proposal's replacement under `dir`: `<name>.json` (and
/// `<name>-2.json`, … when it needs several documents) and `<name>.tf`. Returns the number of
/// files written.
pub fn policy_files(
    dir: &std::path::Path,
    proposals: &[whittle_engine::propose::Proposal],
) -> miette::Result<usize> {
    use whittle_engine::aws::policy::{to_json, to_terraform};
    let fail = |path: &std::path::Path, e: io::Error| {
        miette::miette!("cannot write `{}`: {e}", path.display())
    };
    std::fs::create_dir_all(dir).map_err(|e| fail(dir, e))?;
    let mut written = 0;
    for (p, stem) in proposals.iter().zip(proposals::file_stems(proposals)) {
        if !p.changes() || !p.safe() {
            continue;
        }
        let names = proposals::json_files(&stem, p.replacement.len());
        let mut tf = format!(
            "# Proposed by whittle for {}: everything it used, nothing new.\n",
            p.principal
        );
        for (i, (doc, name)) in p.replacement.iter().zip(&names).enumerate() {
            let path = dir.join(name);
            std::fs::write(&path, to_json(doc)).map_err(|e| fail(&path, e))?;
            written += 1;
            let id = if i == 0 {
                stem.clone()
            } else {
                format!("{stem}-{}", i + 1)
            };
            tf.push('\n');
            tf.push_str(&to_terraform(&id, doc));
        }
        if !p.replacement.is_empty() {
            let path = dir.join(format!("{stem}.tf"));
            std::fs::write(&path, tf).map_err(|e| fail(&path, e))?;
            written += 1;
        }
    }
    Ok(written)
}

/// The findings of a check, in any of its formats.
pub fn check(
    format: CheckFormat,
    report: &CheckReport,
    set: &RuleSet,
    verbose: bool,
    page: &html::Page,
) -> miette::Result<()> {
    let findings = &report.findings;
    match format {
        CheckFormat::Html => html_doc(
            &whittle_engine::ReportData::compose(None, Some(report), Vec::new()),
            page,
        ),
        CheckFormat::Text => stdout(|w| text::check(w, report, verbose)),
        CheckFormat::Markdown => stdout(|w| {
            markdown::findings(w, findings)?;
            markdown::inputs(w, &report.input_errors, &report.input_warnings)?;
            markdown::access_diff(w, &report.access_diff)
        }),
        CheckFormat::Json => json_doc(catalog(), json::Check::new(report)),
        CheckFormat::Sarif => stdout(|w| {
            serde_json::to_writer_pretty(
                &mut *w,
                &sarif::log(findings, set, &report.input_errors, &report.input_warnings),
            )?;
            writeln!(w)
        }),
    }
}

#[allow(clippy::too_many_arguments)]
pub fn simulation(
    format: Format,
    req: &Request,
    known: Option<&str>,
    suggestions: &[&str],
    sim: &Simulation,
    blocked_by: &[whittle_engine::aws::policy::PolicyType],
    witness: Option<&str>,
    sources: &[&SourceFile],
) -> miette::Result<()> {
    match format {
        Format::Text => stdout(|w| {
            text::simulation(w, req, known, suggestions, sim, sources)?;
            if let Some(r) = witness {
                writeln!(w, "  for some resource the pattern matches, e.g. {r}")?;
            }
            if !blocked_by.is_empty() {
                let names: Vec<&str> = blocked_by.iter().map(|b| b.as_str()).collect();
                writeln!(w, "  blocked by: {}", names.join(", "))?;
            }
            Ok(())
        }),
        Format::Json => json_doc(
            catalog(),
            json::Simulate {
                action: req.action.clone(),
                known_action: known.map(str::to_string),
                resource: req.resource.clone(),
                decision: json::decision(sim),
                blocked_by: blocked_by.iter().map(|b| b.as_str()).collect(),
                resource_witness: witness.map(str::to_string),
                reason: sim.reason.clone(),
                deciding: sim
                    .deciding
                    .iter()
                    .map(|m| json::Deciding::new(m, text::line_of(sources, &m.policy, &m.span)))
                    .collect(),
                unknown_context_keys: sim.unknown_keys.clone(),
            },
        ),
    }
}

pub fn explanation(
    format: Format,
    catalog: &AwsCatalog,
    r: &whittle_engine::ExplainReport,
) -> miette::Result<()> {
    let (p, eff, filter) = (r.principal(), &r.effective, r.filter.as_ref());
    let last_accessed = r.last_accessed.as_ref();
    let assumable_by = r.assumable_by.as_ref();
    let resource_grants = &r.resource_grants;
    match format {
        Format::Text => stdout(|w| {
            text::explanation(w, catalog, p, eff, filter)?;
            text::resource_grants(w, resource_grants)?;
            if let Some(a) = assumable_by {
                text::assumable_by(w, a)?;
            }
            match last_accessed {
                Some(l) => text::last_accessed(w, catalog, l, filter.is_some()),
                None => Ok(()),
            }
        }),
        Format::Json => json_doc(
            catalog,
            json::Explain {
                principal: json::PrincipalDoc {
                    id: p.id.clone(),
                    kind: json::principal_kind(p.kind),
                    name: p.name.clone(),
                    account: p.scope.clone(),
                    groups: p.groups.clone(),
                    boundary: p.boundary.clone(),
                    tags: p.tags.clone(),
                },
                actions_held: eff.held(catalog).len(),
                actions_held_unconditionally_on_any_resource: eff
                    .held_unconditionally_on_any(catalog)
                    .len(),
                grants: eff
                    .grants
                    .iter()
                    .filter(|g| filter.is_none_or(|f| g.actions.intersects(f)))
                    .map(|g| json::Grant::new(catalog, g, filter))
                    .collect(),
                unknown_actions: json::unknown(catalog, &eff.unknown_actions),
                missing_policies: eff.missing_policies.clone(),
                last_accessed: last_accessed.map(|l| json::LastAccessed::new(catalog, l)),
                assumable_by: assumable_by.map(json::AssumableBy::from),
                resource_grants: resource_grants
                    .iter()
                    .map(json::ResourceGrantDoc::from)
                    .collect(),
                blocked: eff
                    .blocked
                    .iter()
                    .map(|b| json::BlockedDoc::new(catalog, b, filter))
                    .filter(|b| filter.is_none() || !b.is_empty())
                    .collect(),
            },
        ),
    }
}

pub fn inventory(
    format: Format,
    catalog: &AwsCatalog,
    r: &whittle_engine::InventoryReport,
) -> miette::Result<()> {
    let report = &r.load;
    match format {
        Format::Text => stdout(|w| {
            // only GCP or Azure exports given: no empty AWS lines before them
            let aws = report.files > 0 || (r.gcp.is_none() && r.azure.is_none());
            if aws {
                text::inventory(w, catalog, &r.counts, &r.admins, &r.unknown, report)?;
            }
            if let Some(g) = &r.gcp {
                text::gcp_inventory(w, g, aws)?;
            }
            if let Some(az) = &r.azure {
                text::azure_inventory(w, az, aws || r.gcp.is_some())?;
            }
            Ok(())
        }),
        Format::Json => json_doc(
            catalog,
            json::Inventory {
                files: report.files,
                counts: json::Counts::from(&r.counts),
                admin_equivalent: r.admins.iter().map(json::Admin::from).collect(),
                missing_policies: report.missing_policies.clone(),
                unknown_actions: json::unknown(catalog, &r.unknown),
                errors: report.errors.iter().map(ToString::to_string).collect(),
                warnings: report.warnings.iter().map(ToString::to_string).collect(),
                gcp: r.gcp.as_ref().map(json::GcpInventoryDoc::from),
                azure: r.azure.as_ref().map(json::AzureInventoryDoc::from),
            },
        ),
    }
}

pub fn catalog_action(format: Format, catalog: &AwsCatalog, id: ActionId) -> miette::Result<()> {
    match format {
        Format::Text => stdout(|w| text::catalog_action(w, catalog, id)),
        Format::Json => {
            let a = catalog.action(id);
            let svc = catalog.service_of(id);
            let arn_of = |rt: &str| svc.arn_format(rt).to_string();
            json_doc(
                catalog,
                json::CatalogAction {
                    action: a.name.clone(),
                    service: svc.prefix.clone(),
                    service_name: svc.name.clone(),
                    access_level: a.access_level.as_str(),
                    resource_level: a.scopable(),
                    logging: json::logging(catalog.logging(id)),
                    resource_types: a
                        .resource_types
                        .iter()
                        .map(|r| json::ResourceTypeDoc {
                            name: r.name.clone(),
                            required: r.required,
                            arn: arn_of(&r.name),
                        })
                        .collect(),
                    condition_keys: a.condition_keys.clone(),
                    dependent_actions: a.dependent_actions.clone(),
                },
            )
        }
    }
}

pub fn catalog_expansion(
    format: Format,
    catalog: &AwsCatalog,
    pattern: &str,
    set: &ActionSet,
) -> miette::Result<()> {
    match format {
        Format::Text => stdout(|w| text::catalog_expansion(w, catalog, set)),
        Format::Json => json_doc(
            catalog,
            json::CatalogExpand {
                pattern: pattern.to_string(),
                count: set.len(),
                actions: set
                    .iter()
                    .map(|id| json::ExpandedAction::new(catalog.action(id)))
                    .collect(),
            },
        ),
    }
}

/// A GCP document (its catalog named in the header).
fn json_gcp_doc<T: Serialize>(body: T) -> miette::Result<()> {
    let doc = json::Doc::gcp(body);
    stdout(|w| {
        serde_json::to_writer_pretty(&mut *w, &doc)?;
        writeln!(w)
    })
}

/// `explain` of an Azure principal.
pub fn azure_explanation(
    format: Format,
    r: &whittle_engine::AzureExplainReport,
) -> miette::Result<()> {
    match format {
        Format::Text => stdout(|w| text::azure_explanation(w, r)),
        Format::Json => json_doc(catalog(), json::AzureExplainDoc::from(r)),
    }
}

/// `explain` of a GCP member.
pub fn gcp_explanation(format: Format, r: &whittle_engine::GcpExplainReport) -> miette::Result<()> {
    match format {
        Format::Text => stdout(|w| text::gcp_explanation(w, r)),
        Format::Json => json_gcp_doc(json::GcpExplainDoc::from(r)),
    }
}

/// `catalog show roles/…`: a GCP predefined role and what it grants.
pub fn gcp_role(format: Format, role: &whittle_engine::catalog::GcpRole) -> miette::Result<()> {
    let gcp = whittle_engine::catalog::GcpCatalog::embedded();
    let permissions: Vec<String> = role
        .permissions
        .iter()
        .map(|&id| gcp.name(id).to_string())
        .collect();
    match format {
        Format::Text => stdout(|w| text::gcp_role(w, role, &permissions)),
        Format::Json => json_gcp_doc(json::GcpRoleDoc {
            provider: "gcp",
            role: role.name.clone(),
            title: role.title.clone(),
            stage: role.stage.clone(),
            count: permissions.len(),
            permissions,
        }),
    }
}

/// `catalog show` of a GCP permission: the predefined roles that grant it.
pub fn gcp_permission(
    format: Format,
    id: whittle_engine::model::PermissionId,
) -> miette::Result<()> {
    let gcp = whittle_engine::catalog::GcpCatalog::embedded();
    let name = gcp.name(id);
    let roles: Vec<String> = gcp.roles_granting(id).map(|r| r.name.clone()).collect();
    match format {
        Format::Text => stdout(|w| text::gcp_permission(w, name, &roles)),
        Format::Json => json_gcp_doc(json::GcpPermissionDoc {
            provider: "gcp",
            permission: name.to_string(),
            service: name.split('.').next().unwrap_or("").to_string(),
            roles,
        }),
    }
}

/// `catalog expand` of a GCP pattern.
pub fn gcp_expansion(
    format: Format,
    pattern: &str,
    ids: &[whittle_engine::model::PermissionId],
) -> miette::Result<()> {
    let gcp = whittle_engine::catalog::GcpCatalog::embedded();
    let names: Vec<String> = ids.iter().map(|&id| gcp.name(id).to_string()).collect();
    match format {
        Format::Text => stdout(|w| {
            for n in &names {
                writeln!(w, "{n}")?;
            }
            Ok(())
        }),
        Format::Json => json_gcp_doc(json::GcpExpandDoc {
            provider: "gcp",
            pattern: pattern.to_string(),
            count: names.len(),
            permissions: names,
        }),
    }
}

pub fn catalog_info(format: Format, catalog: &AwsCatalog) -> miette::Result<()> {
    match format {
        Format::Text => stdout(|w| text::catalog_info(w, catalog)),
        Format::Json => json_doc(
            catalog,
            json::CatalogInfo {
                licence: catalog.header().licence.clone(),
                services: catalog.services().len(),
                actions: catalog.len(),
                providers: json::ProviderCatalog::all(),
            },
        ),
    }
}

pub fn ingest_report(
    format: Format,
    db: &std::path::Path,
    run: &whittle_engine::Ingested,
) -> miette::Result<()> {
    match format {
        Format::Text => stdout(|w| text::ingest_report(w, db, run)),
        Format::Json => json_doc(catalog(), json::Ingest::new(db, run)),
    }
}

/// Appends `alerts` to `file` as JSON lines (created when absent): what a log shipper or a
/// script tails.
pub fn append_alerts(
    file: &std::path::Path,
    alerts: &[whittle_engine::model::Alert],
) -> miette::Result<()> {
    let mut out = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(file)
        .map_err(|e| miette::miette!("cannot write `{}`: {e}", file.display()))?;
    let mut text = String::new();
    for a in alerts {
        let line =
            serde_json::to_string(&json::AlertDoc::new(a)).map_err(|e| miette::miette!("{e}"))?;
        text.push_str(&line);
        text.push('\n');
    }
    // one write per run: lines of a run are never interleaved with another writer's
    out.write_all(text.as_bytes())
        .map_err(|e| miette::miette!("cannot write `{}`: {e}", file.display()))
}

pub fn usage_prune(
    format: Format,
    db: &std::path::Path,
    r: &whittle_engine::PruneReport,
) -> miette::Result<()> {
    match format {
        Format::Text => stdout(|w| activity::prune(w, db, r)),
        Format::Json => json_doc(catalog(), json::Prune::new(db, r)),
    }
}

pub fn events_text(events: &[JournalEntry]) -> miette::Result<()> {
    stdout(|w| activity::events(w, events))
}

pub fn events_json(events: &[JournalEntry]) -> miette::Result<()> {
    json_doc(catalog(), json::Events::new(events))
}

/// The original records, one per line: what a SIEM or `jq` takes.
pub fn events_jsonl(events: &[JournalEntry]) -> miette::Result<()> {
    stdout(|w| {
        for e in events {
            match json::record(e) {
                Some(r) => writeln!(w, "{}", r.get())?,
                None => writeln!(w, "null")?,
            }
        }
        Ok(())
    })
}

pub fn usage_summary(format: Format, s: &Summary) -> miette::Result<()> {
    match format {
        Format::Text => stdout(|w| text::usage_summary(w, s)),
        Format::Json => json_doc(catalog(), json::UsageSummary::from(s)),
    }
}

pub fn usage_show(format: Format, r: &whittle_engine::UsageShowReport) -> miette::Result<()> {
    match format {
        Format::Text => stdout(|w| text::usage_show(w, r)),
        Format::Json => json_doc(catalog(), json::UsageShow::new(r)),
    }
}

pub fn usage_merge(
    format: Format,
    db: &std::path::Path,
    r: &whittle_engine::MergeReport,
) -> miette::Result<()> {
    match format {
        Format::Text => stdout(|w| text::usage_merge(w, db, r)),
        Format::Json => json_doc(catalog(), json::UsageMerge::new(db, r)),
    }
}

pub fn usage_unmapped(
    format: Format,
    unmapped: &[EventCount],
    permissionless: &[EventCount],
) -> miette::Result<()> {
    match format {
        Format::Text => stdout(|w| text::usage_unmapped(w, unmapped, permissionless)),
        Format::Json => json_doc(
            catalog(),
            json::UsageUnmapped::new(unmapped, permissionless),
        ),
    }
}

pub fn validate_summary(format: Format, r: &whittle_engine::RulesReport) -> miette::Result<()> {
    let errors = r.errors();
    match format {
        Format::Text => stdout(|w| {
            text::validate_summary(w, r.rules.as_ref(), errors, r.diagnostics.len() - errors)
        }),
        Format::Json => json_doc(catalog(), json::RulesValidate::new(r)),
    }
}

pub fn test_outcomes(
    format: crate::cli::TestFormat,
    r: &whittle_engine::TestReport,
) -> miette::Result<()> {
    use crate::cli::TestFormat;
    match format {
        TestFormat::Text => stdout(|w| text::test_outcomes(w, &r.outcomes)),
        TestFormat::Json => json_doc(catalog(), json::RulesTest::new(r)),
        TestFormat::Junit => stdout(|w| junit::report(w, &r.outcomes)),
    }
}

pub fn rules_schema(format: Format, schema: &str) -> miette::Result<()> {
    match format {
        Format::Text => plain(schema),
        Format::Json => json_doc(
            catalog(),
            json::RulesSchema {
                format: "cedarschema",
                schema: schema.to_string(),
            },
        ),
    }
}

pub fn rule_list(format: Format, set: &RuleSet) -> miette::Result<()> {
    match format {
        Format::Text => stdout(|w| text::rule_list(w, set)),
        Format::Json => json_doc(catalog(), json::RuleList::from(set)),
    }
}

pub fn rule_explain(format: Format, doc: &RuleDoc) -> miette::Result<()> {
    match format {
        Format::Text => stdout(|w| text::rule_explain(w, doc)),
        Format::Json => json_doc(catalog(), json::RuleExplain::from(doc)),
    }
}

/// `usage sql`: the query, as written.
pub fn query_text(sql: &str) -> miette::Result<()> {
    stdout(|w| w.write_all(sql.as_bytes()))
}
