//! CloudTrail's names for what reading finds: the identity of a delivery file, and why a JSON
//! file that yielded nothing is not a log.

use crate::ingest::log_source::LogObject;
use std::path::PathBuf;

/// A log object for `path` named `name`: a delivery file is identified by its object name
/// (unique per trail, so a moved or re-synced tree is not counted twice), anything else by its
/// absolute path.
pub fn log_object(path: PathBuf, name: &str, size: u64) -> LogObject {
    if name.contains("_CloudTrail_") && name.ends_with(".json.gz") {
        LogObject {
            path,
            key: format!("cloudtrail:{name}"),
            size,
        }
    } else {
        LogObject::by_path(path, size)
    }
}

/// A digest file: CloudTrail's signatures of delivery files, not events.
pub const DIGEST: &str = "CloudTrail digest file";

/// A JSON file with no CloudTrail record in it.
pub const NOT_CLOUDTRAIL: &str = "no CloudTrail records in this JSON";
