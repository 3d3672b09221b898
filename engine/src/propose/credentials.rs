//! Credentials nobody uses: an active password or access key whose last use (or, never used,
//! whose creation) lies further back than the rules' threshold — remove or deactivate them.

use crate::model::time::{Epoch, DAY};
use crate::model::Credential;
use serde::Serialize;

/// A credential unused for longer than the threshold.
#[derive(Debug, Clone, Serialize)]
pub struct UnusedCredential {
    /// The credential.
    pub credential: Credential,
    /// Whole days since its last use (or since it exists, when never used).
    pub days: i64,
    /// It was never used.
    pub never_used: bool,
}

/// The credentials of `all` unused for at least `after_days` days at `now`, oldest first.
/// A credential the report says nothing about (no use, no creation time) is left out.
pub fn unused_credentials(
    all: &[Credential],
    now: Epoch,
    after_days: u32,
) -> Vec<UnusedCredential> {
    let mut out: Vec<UnusedCredential> = all
        .iter()
        .filter_map(|c| {
            let reference = c.last_used.or(c.since)?;
            let days = (now - reference).div_euclid(DAY);
            (days >= i64::from(after_days)).then(|| UnusedCredential {
                credential: c.clone(),
                days,
                never_used: c.last_used.is_none(),
            })
        })
        .collect();
    out.sort_by(|a, b| {
        b.days
            .cmp(&a.days)
            .then_with(|| a.credential.user.cmp(&b.credential.user))
            .then(a.credential.kind.cmp(&b.credential.kind))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::credential_report;
    use crate::model::time::parse_date;
    use crate::model::CredentialKind;

    #[test]
    fn stale_and_never_used_credentials_past_the_threshold() {
        let r = credential_report::load(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(
            "../testdata/aws/credential-report/stale-password-and-keys-and-one-bad-time.csv",
        ));
        let now = parse_date("2026-11-25").expect("date");
        let unused = unused_credentials(&r.credentials, now, 90);
        let found: Vec<(&str, CredentialKind, bool)> = unused
            .iter()
            .map(|u| (u.credential.user.as_str(), u.credential.kind, u.never_used))
            .collect();
        assert_eq!(
            found,
            [
                ("legacy-ops", CredentialKind::AccessKey2, true),
                ("legacy-ops", CredentialKind::Password, false),
                ("legacy-ops", CredentialKind::AccessKey1, false),
            ],
            "alice is active and build-bot's key is new; the oldest first"
        );
        assert_eq!(unused[0].days, 358, "created 2025-12-01, never used");
        assert_eq!(unused[2].days, 236, "last used 2026-04-02T06:00");
        let strict = unused_credentials(&r.credentials, now, 30);
        assert!(strict
            .iter()
            .any(|u| u.credential.user == "build-bot" && u.never_used && u.days == 35));
    }
}
