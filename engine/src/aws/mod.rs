//! AWS: the IAM policy language and its evaluation.

pub mod policy;
