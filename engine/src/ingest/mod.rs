//! Ingest: every input format is parsed here, once, into the [`crate::model`].

pub mod aws_authz;
pub mod cloudtrail;
pub mod policy_json;
