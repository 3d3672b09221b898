//! AWS: the IAM policy language and its evaluation.

pub mod arn;
pub mod policy;
