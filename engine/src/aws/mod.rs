//! AWS: the IAM policy language and its evaluation.

pub mod arn;
pub mod policy;

/// An AWS snapshot: principals and their IAM policy documents.
pub type Inventory = crate::model::Inventory<policy::PolicyDocument>;

/// An IAM policy with its identity and origin.
pub type Policy = crate::model::Policy<policy::PolicyDocument>;
