//! What reading a credential report produced: the active credentials and the problems, each
//! naming the file, row and column.

use crate::model::Credential;
use crate::source::InputError;

/// A credential report as read.
#[derive(Debug, Default)]
pub struct CredentialReport {
    /// Active credentials, in report order.
    pub credentials: Vec<Credential>,
    /// Users (rows) read.
    pub users: usize,
    /// Problems: a file that is not a report, rows or values that could not be read (the rest
    /// is still used).
    pub errors: Vec<InputError>,
}
