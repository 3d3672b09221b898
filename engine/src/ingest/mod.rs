//! Ingest: every input format is parsed here, once, into the [`crate::model`].

pub mod audit_logs;
pub mod aws_authz;
pub mod aws_config;
pub mod aws_org;
pub mod azure_activity;
pub mod azure_rbac;
pub mod change;
pub mod cloudformation;
pub mod cloudtrail;
pub mod credential_report;
pub mod gcp_audit;
pub mod gcp_iam;
pub mod log_source;
pub mod policy_json;
pub mod recognize;
pub mod resource_policies;
pub mod terraform_plan;

pub use log_source::{FileOutcome, LogObject, LogSource, Skipped};
