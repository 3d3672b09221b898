//! Cloud Audit Logs' names for what reading finds.

/// A JSON file of log entries none of which is an audit log entry.
pub const NOT_AUDIT_LOG: &str = "no Cloud Audit Logs entries in this JSON";
