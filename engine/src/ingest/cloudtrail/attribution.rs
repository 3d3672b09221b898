//! Who made a call: `userIdentity` → the principal whose permissions were used.
//!
//! | `userIdentity.type` | principal |
//! | --- | --- |
//! | `IAMUser` | the user ARN |
//! | `AssumedRole` | the role ARN (`sessionContext.sessionIssuer.arn`, with its path); the session name is kept as detail. Identity Center (`AWSReservedSSO_*`) roles are roles too |
//! | `Root` | `arn:aws:iam::<account>:root` |
//! | `FederatedUser` | the federated-user ARN (`arn:aws:sts::<account>:federated-user/<name>`) |
//! | `AWSService` | `service:<invokedBy>` |
//! | `AWSAccount` | `account:<accountId>` (a caller in another account, via a resource policy) |
//! | `WebIdentityUser`, `SAMLUser` | `web-identity:<provider>:<user>` / `saml:<provider>:<user>` |
//! | `IdentityCenterUser` | `identity-center:<userId>` |
//!
//! Cross-account callers keep their own account: nothing is rewritten to the recipient account.

use super::record::{opt, UserIdentity};
use std::borrow::Cow;

/// The principal a call is attributed to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attributed<'a> {
    /// Stable id (an ARN for IAM principals), borrowed from the record when it is one of its
    /// strings.
    pub principal: Cow<'a, str>,
    /// Kind, as stored: `user`, `role`, `root`, `federated-user`, `service`, `account`, `web-identity`, `saml`, `identity-center`, `unknown`.
    pub kind: &'static str,
    /// Role session name, for assumed roles.
    pub session: Option<&'a str>,
}

/// Role ARN from an assumed-role session ARN: `arn:aws:sts::1:assumed-role/Name/session` →
/// `arn:aws:iam::1:role/Name` (the path is not in session ARNs; `sessionIssuer` has it).
fn role_from_session_arn(arn: &str) -> Option<(String, &str)> {
    let (head, rest) = arn.split_once(":assumed-role/")?;
    let (role, session) = rest.split_once('/')?;
    let partition_account = head.strip_prefix("arn:")?.replace(":sts:", ":iam:");
    Some((format!("arn:{partition_account}:role/{role}"), session))
}

/// Attributes one record's identity.
pub(crate) fn attribute<'a>(id: &'a UserIdentity<'_>) -> Attributed<'a> {
    let kind = opt(&id.kind).unwrap_or("");
    let unknown = || Attributed {
        principal: Cow::Borrowed("unknown"),
        kind: "unknown",
        session: None,
    };
    match kind {
        "IAMUser" => match opt(&id.arn) {
            Some(arn) => Attributed {
                principal: Cow::Borrowed(arn),
                kind: "user",
                session: None,
            },
            None => unknown(),
        },
        "AssumedRole" => {
            let issuer = id
                .session_context
                .as_ref()
                .and_then(|c| c.session_issuer.as_ref())
                .and_then(|i| opt(&i.arn));
            // `principalId` is `<role id>:<session>`: cheaper than parsing the session ARN
            let from_id = opt(&id.principal_id).and_then(|p| p.split_once(':').map(|(_, s)| s));
            match issuer {
                Some(role) => Attributed {
                    principal: Cow::Borrowed(role),
                    kind: "role",
                    session: from_id,
                },
                None => match opt(&id.arn).and_then(role_from_session_arn) {
                    Some((role, session)) => Attributed {
                        principal: Cow::Owned(role),
                        kind: "role",
                        session: Some(session),
                    },
                    None => unknown(),
                },
            }
        }
        "Root" => {
            let account =
                opt(&id.account_id).or_else(|| opt(&id.arn).and_then(|a| a.split(':').nth(4)));
            match account {
                Some(a) => Attributed {
                    principal: Cow::Owned(format!("arn:aws:iam::{a}:root")),
                    kind: "root",
                    session: None,
                },
                None => unknown(),
            }
        }
        "FederatedUser" => match opt(&id.arn) {
            Some(arn) => Attributed {
                principal: Cow::Borrowed(arn),
                kind: "federated-user",
                session: None,
            },
            None => unknown(),
        },
        "AWSService" => match opt(&id.invoked_by) {
            Some(svc) => Attributed {
                principal: Cow::Owned(format!("service:{svc}")),
                kind: "service",
                session: None,
            },
            None => unknown(),
        },
        "AWSAccount" => match opt(&id.account_id).or(opt(&id.principal_id)) {
            Some(a) => Attributed {
                principal: Cow::Owned(format!("account:{a}")),
                kind: "account",
                session: None,
            },
            None => unknown(),
        },
        "WebIdentityUser" | "SAMLUser" => {
            let (prefix, k) = if kind == "SAMLUser" {
                ("saml", "saml")
            } else {
                ("web-identity", "web-identity")
            };
            let provider = opt(&id.identity_provider).unwrap_or("unknown-provider");
            let user = opt(&id.user_name)
                .or(opt(&id.principal_id))
                .unwrap_or("unknown-user");
            Attributed {
                principal: Cow::Owned(format!("{prefix}:{provider}:{user}")),
                kind: k,
                session: None,
            }
        }
        "IdentityCenterUser" => {
            match id
                .on_behalf_of
                .as_ref()
                .and_then(|o| opt(&o.user_id))
                .or(opt(&id.principal_id))
            {
                Some(u) => Attributed {
                    principal: Cow::Owned(format!("identity-center:{u}")),
                    kind: "identity-center",
                    session: None,
                },
                None => unknown(),
            }
        }
        _ => match opt(&id.arn) {
            // Unknown or missing type: an ARN still says who it was.
            Some(arn) if arn.contains(":assumed-role/") => match role_from_session_arn(arn) {
                Some((role, _)) => Attributed {
                    principal: Cow::Owned(role),
                    kind: "role",
                    session: None,
                },
                None => unknown(),
            },
            Some(arn) if arn.contains(":user/") => Attributed {
                principal: Cow::Borrowed(arn),
                kind: "user",
                session: None,
            },
            _ => unknown(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attr(json: &str) -> (String, &'static str, Option<String>) {
        let id: UserIdentity = serde_json::from_str(json).expect("identity");
        let a = attribute(&id);
        (
            a.principal.into_owned(),
            a.kind,
            a.session.map(str::to_string),
        )
    }

    #[test]
    fn assumed_roles_are_attributed_to_the_role_with_its_path() {
        let (p, k, s) = attr(
            r#"{"type":"AssumedRole","principalId":"AROAX:ci-run-42","arn":"arn:aws:sts::111122223333:assumed-role/ci-deployer/ci-run-42",
               "sessionContext":{"sessionIssuer":{"type":"Role","arn":"arn:aws:iam::111122223333:role/service/ci-deployer"}}}"#,
        );
        assert_eq!(
            (p.as_str(), k, s.as_deref()),
            (
                "arn:aws:iam::111122223333:role/service/ci-deployer",
                "role",
                Some("ci-run-42")
            )
        );
        // without sessionContext (lookup-events, some service events): derived from the session ARN
        let (p, _, s) = attr(
            r#"{"type":"AssumedRole","arn":"arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_Admin_0123abcd/jane@example.com"}"#,
        );
        assert_eq!(
            p,
            "arn:aws:iam::111122223333:role/AWSReservedSSO_Admin_0123abcd"
        );
        assert_eq!(s.as_deref(), Some("jane@example.com"));
    }

    #[test]
    fn other_identity_types() {
        assert_eq!(
            attr(r#"{"type":"IAMUser","arn":"arn:aws:iam::1:user/ops/bob"}"#).0,
            "arn:aws:iam::1:user/ops/bob"
        );
        assert_eq!(attr(r#"{"type":"Root","accountId":"444455556666","arn":"arn:aws:iam::444455556666:root"}"#).0, "arn:aws:iam::444455556666:root");
        assert_eq!(
            attr(r#"{"type":"FederatedUser","arn":"arn:aws:sts::1:federated-user/alice"}"#).0,
            "arn:aws:sts::1:federated-user/alice"
        );
        assert_eq!(
            attr(r#"{"type":"AWSService","invokedBy":"lambda.amazonaws.com"}"#),
            ("service:lambda.amazonaws.com".into(), "service", None)
        );
        assert_eq!(
            attr(r#"{"type":"AWSAccount","accountId":"999988887777","principalId":"AIDAX"}"#).0,
            "account:999988887777"
        );
        assert_eq!(
            attr(r#"{"type":"WebIdentityUser","identityProvider":"token.actions.githubusercontent.com","userName":"repo:org/app:ref:refs/heads/main"}"#).0,
            "web-identity:token.actions.githubusercontent.com:repo:org/app:ref:refs/heads/main"
        );
        assert_eq!(
            attr(r#"{"type":"IdentityCenterUser","onBehalfOf":{"userId":"u-123"}}"#).0,
            "identity-center:u-123"
        );
        assert_eq!(attr(r#"{}"#).1, "unknown");
    }
}
