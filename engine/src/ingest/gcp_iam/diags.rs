//! What reading GCP IAM exports reports, and its wording.

use crate::gcp::Snapshot;
use crate::source::InputError;

/// What loading GCP snapshot files gave.
#[derive(Debug, Default)]
pub struct LoadReport {
    /// Bindings, custom roles and hierarchy of every file that could be read.
    pub snapshot: Snapshot,
    /// Files read (in part or whole).
    pub files: usize,
    /// Input that could not be used (the rest was).
    pub errors: Vec<InputError>,
    /// Input used with a caveat, or skipped on purpose.
    pub warnings: Vec<InputError>,
}

/// A bare `get-iam-policy` output: it names no resource.
pub const BARE_POLICY: &str = "an IAM policy without the resource it is set on: wrap it as \
    {\"resource\": \"projects/PROJECT_ID\", \"policy\": …} — `gcloud projects get-iam-policy \
    PROJECT_ID --format=json | jq '{resource: \"projects/PROJECT_ID\", policy: .}'` — or export \
    with `gcloud asset search-all-iam-policies` / `gcloud asset export --content-type=iam-policy`";

/// Not an export whittle knows.
pub const UNKNOWN_ITEM: &str = "not a GCP IAM export: expected a `{resource, policy}` pair, an \
    Asset Inventory item (`name` and `iam_policy`, or `resource` and `policy`), or a custom role \
    (`name` and `includedPermissions`)";
