//! The public face: one call per job, each taking a request and returning a report (or a typed
//! error when the job could not run at all). The CLI parses arguments, makes one of these calls
//! and renders what comes back.

mod catalog;
mod check;
mod errors;
mod explain;
mod explain_azure;
mod explain_gcp;
mod generate;
mod inventory;
mod recommend;
mod report;
mod report_data;
mod rules;
mod simulate;
mod usage;

pub use catalog::{
    catalog_expand, catalog_expand_gcp, catalog_show, is_gcp_name, CatalogEntry, CatalogExpansion,
};
pub use check::{check, CheckReport, CheckRequest, FindingFilter};
pub use errors::{JobError, NotFound};
pub use explain::{
    explain, AssumableBy, ExplainReport, ExplainRequest, LastAccessed, PermissionUse, ResourceGrant,
};
pub use explain_azure::{explain_azure, is_azure_explain, AssignmentView, AzureExplainReport};
pub use explain_gcp::{explain_gcp, is_gcp_explain, BindingView, GcpExplainReport, UsageEvidence};
pub use generate::{generate, GenerateReport, GenerateRequest};
pub use inventory::{
    inventory, inventory_of, inventory_reporting, AzureInventory, GcpInventory, InventoryReport,
};
pub use recommend::{
    recommend, EvidenceRequest, PrincipalInfo, RecommendReport, RecommendRequest, Skipped,
};
pub use report::{report, ReportRequest, ReportRun};
pub use report_data::{
    FindingView, GrantView, PrincipalView, ProposalView, Reduction, ReportData, RiskHolder,
    RiskView, RuleCount, ServiceView, SeverityCount, Totals, WindowView, NO_OWNER,
};
pub use rules::{rules_explain, rules_load, rules_test, RulesReport, TestReport};
pub use simulate::{simulate, SimulateReport, SimulateRequest};
pub use usage::{
    events, ingest, usage_merge, usage_prune, usage_show, usage_summary, usage_unmapped,
    ActionRollup, IngestRequest, Ingested, MergeReport, PruneReport, SnapshotUse, UnmappedReport,
    UsageQuery, UsageShowReport,
};
