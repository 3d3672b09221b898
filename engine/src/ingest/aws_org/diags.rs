//! What reading an organisation export produced: the organisation and the problems, each naming
//! the file and place.

use crate::aws::policy::PolicyDocument;
use crate::model::Organization;
use crate::source::InputError;

/// An organisation export as read.
#[derive(Debug, Default)]
pub struct OrgReport {
    /// The organisation (absent when the file could not be read at all).
    pub organization: Option<Organization<PolicyDocument>>,
    /// What could not be used.
    pub errors: Vec<InputError>,
    /// What was used with a caveat.
    pub warnings: Vec<InputError>,
}
