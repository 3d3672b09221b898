//! AWS-managed policies whose documents whittle knows without a snapshot. There is one:
//! `AdministratorAccess`, whose document has been `Allow` `*` on `*` since it was published (AWS
//! managed policy reference). A change that attaches it is then held to the rules as the
//! administrator grant it is, not reported as an attachment whose document is unknown. Every
//! other AWS-managed policy changes with AWS's releases: its document comes from a snapshot
//! (`--snapshot`), and without one its attachment is reported as not read.

use super::policy::{DocumentKind, PolicyDocument};
use super::{Inventory, Policy};
use crate::model::PolicyKind;

const ADMINISTRATOR_ACCESS: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;

/// The document of AWS-managed policy `arn` (any partition), when whittle knows it.
pub fn document(arn: &str) -> Option<PolicyDocument> {
    let (partition, name) = arn.strip_prefix("arn:")?.split_once(":iam::aws:policy/")?;
    let known =
        matches!(partition, "aws" | "aws-cn" | "aws-us-gov") && name == "AdministratorAccess";
    known
        .then(|| PolicyDocument::parse(ADMINISTRATOR_ACCESS, DocumentKind::Identity).ok())
        .flatten()
}

/// Adds the known documents of the AWS-managed policies the principals of `inv` attach and no
/// input holds, located where the first of them is declared.
pub fn fill_in(inv: &mut Inventory) {
    let mut known = Vec::new();
    for p in &inv.principals {
        for arn in &p.policies {
            if inv.policies.contains_key(arn) || known.iter().any(|(a, _)| a == arn) {
                continue;
            }
            if let Some(mut document) = document(arn) {
                document.place_at(p.location.line, p.location.column);
                known.push((
                    arn.clone(),
                    Policy {
                        id: arn.clone(),
                        name: arn.rsplit('/').next().unwrap_or(arn).to_string(),
                        kind: PolicyKind::AwsManaged,
                        document,
                        location: p.location.clone(),
                    },
                ));
            }
        }
    }
    inv.policies.extend(known);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_administrator_access_is_known_in_every_partition() {
        for arn in [
            "arn:aws:iam::aws:policy/AdministratorAccess",
            "arn:aws-us-gov:iam::aws:policy/AdministratorAccess",
        ] {
            let d = document(arn).expect(arn);
            assert_eq!(d.statements.len(), 1);
        }
        for arn in [
            "arn:aws:iam::aws:policy/PowerUserAccess",
            "arn:aws:iam::123456789012:policy/AdministratorAccess",
            "arn:aws:iam::aws:policy/job-function/AdministratorAccess",
        ] {
            assert!(document(arn).is_none(), "{arn}");
        }
    }
}
