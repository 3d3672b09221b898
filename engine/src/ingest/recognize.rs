//! What a JSON input looks like, from its top-level keys: so that a file given to the wrong
//! flag is refused with what it is and where it belongs, instead of being read as an empty
//! snapshot (and passing a CI gate).

/// A kind of input whittle knows by its shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// `aws iam get-account-authorization-details`.
    AuthorizationDetails,
    /// CloudTrail: a delivery file, `lookup-events` output, an EventBridge envelope, a record.
    CloudTrail,
    /// `terraform show -json` of a plan.
    TerraformPlan,
    /// A CloudFormation template.
    CloudFormation,
    /// A lone IAM policy document.
    PolicyDocument,
    /// A GCP IAM policy (`gcloud … get-iam-policy`).
    GcpIamPolicy,
    /// Azure role assignments or definitions.
    AzureRbac,
}

impl Shape {
    /// What it is, and where it belongs, in words.
    pub fn advice(self) -> &'static str {
        match self {
            Shape::AuthorizationDetails => "an authorization-details snapshot",
            Shape::CloudTrail => "a CloudTrail log: read it with `whittle ingest`",
            Shape::TerraformPlan => "a Terraform plan: check it with `whittle check PLAN.json`",
            Shape::CloudFormation => {
                "a CloudFormation template: check it with `whittle check TEMPLATE`"
            }
            Shape::PolicyDocument => {
                "a lone IAM policy document: check it with `whittle check FILE`, or evaluate it with `whittle simulate --policy`"
            }
            Shape::GcpIamPolicy => {
                "a GCP IAM policy: `whittle inventory --snapshot` reads GCP exports (docs/gcp.md); other commands read AWS only so far"
            }
            Shape::AzureRbac => {
                "Azure role assignments or definitions: `whittle inventory --snapshot` reads them (docs/azure.md); other commands read AWS only so far"
            }
        }
    }
}

/// The shape of a JSON object with these top-level keys, when one is recognised.
pub fn shape_of<'k>(keys: impl IntoIterator<Item = &'k str>) -> Option<Shape> {
    let keys: Vec<&str> = keys.into_iter().collect();
    let has = |k: &str| keys.contains(&k);
    if [
        "UserDetailList",
        "GroupDetailList",
        "RoleDetailList",
        "Policies",
    ]
    .iter()
    .any(|k| has(k))
    {
        return Some(Shape::AuthorizationDetails);
    }
    if has("Records")
        || has("eventSource")
        || has("eventName")
        || has("Events")
        || has("CloudTrailEvent")
        || (has("detail-type") && has("detail"))
    {
        return Some(Shape::CloudTrail);
    }
    if has("format_version")
        && (has("planned_values") || has("resource_changes") || has("terraform_version"))
    {
        return Some(Shape::TerraformPlan);
    }
    if has("AWSTemplateFormatVersion") || (has("Resources") && !has("Statement")) {
        return Some(Shape::CloudFormation);
    }
    if has("Statement") {
        return Some(Shape::PolicyDocument);
    }
    if has("bindings") || (has("etag") && has("version")) {
        return Some(Shape::GcpIamPolicy);
    }
    if has("roleDefinitionId")
        || has("principalId")
        || has("permissions") && has("assignableScopes")
    {
        return Some(Shape::AzureRbac);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inputs_are_known_by_their_top_level_keys() {
        assert_eq!(shape_of(["Records"]), Some(Shape::CloudTrail));
        assert_eq!(
            shape_of(["Version", "Statement"]),
            Some(Shape::PolicyDocument)
        );
        assert_eq!(
            shape_of(["format_version", "terraform_version", "planned_values"]),
            Some(Shape::TerraformPlan)
        );
        assert_eq!(
            shape_of(["AWSTemplateFormatVersion", "Resources"]),
            Some(Shape::CloudFormation)
        );
        assert_eq!(
            shape_of(["bindings", "etag", "version"]),
            Some(Shape::GcpIamPolicy)
        );
        assert_eq!(
            shape_of(["RoleDetailList", "Marker"]),
            Some(Shape::AuthorizationDetails)
        );
        assert_eq!(shape_of(["something"]), None);
    }
}

/// Snapshot files told apart by cloud, from their content (`--snapshot` takes all three).
#[derive(Debug, Default)]
pub struct SnapshotFiles {
    /// GCP IAM exports.
    pub gcp: Vec<std::path::PathBuf>,
    /// Azure RBAC exports.
    pub azure: Vec<std::path::PathBuf>,
    /// The rest, read as AWS snapshots (which say what they are when they are not).
    pub aws: Vec<std::path::PathBuf>,
}

/// The first 16 KiB of the file at `path`, as text (`None` when it cannot be read: the reader
/// that gets the file says why) — enough to tell what an export is.
pub fn head_of(path: &std::path::Path) -> Option<String> {
    use std::io::Read;
    let mut head = Vec::with_capacity(16 << 10);
    std::fs::File::open(path)
        .and_then(|f| f.take(16 << 10).read_to_end(&mut head))
        .ok()?;
    Some(String::from_utf8_lossy(&head).into_owned())
}

/// Sorts `paths` by the cloud their content belongs to (each file's head read once).
pub fn by_cloud(paths: &[std::path::PathBuf]) -> SnapshotFiles {
    let mut out = SnapshotFiles::default();
    for p in paths {
        let head = head_of(p).unwrap_or_default();
        if super::gcp_iam::looks_like(&head) {
            out.gcp.push(p.clone());
        } else if super::azure_rbac::looks_like(&head) {
            out.azure.push(p.clone());
        } else {
            out.aws.push(p.clone());
        }
    }
    out
}
