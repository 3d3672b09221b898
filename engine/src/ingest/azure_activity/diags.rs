//! The Activity Log's names for what reading finds.

/// A JSON file with no Activity Log record in it.
pub const NOT_ACTIVITY_LOG: &str = "no Azure Activity Log records in this JSON";
