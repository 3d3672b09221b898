//! Amazon Resource Names: `arn:partition:service:region:account:resource`, and the IAM
//! principal ARNs (`arn:aws:iam::111122223333:role/path/name`) that name users, groups and roles.

use crate::model::PrincipalKind;

/// A parsed ARN. The resource part keeps its colons and slashes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arn<'a> {
    /// `aws`, `aws-cn`, `aws-us-gov`.
    pub partition: &'a str,
    /// Service namespace (`iam`, `s3`).
    pub service: &'a str,
    /// Region, empty for global resources.
    pub region: &'a str,
    /// Account id, empty for some resources (S3 buckets).
    pub account: &'a str,
    /// The rest: `role/path/name`, `bucket/key`.
    pub resource: &'a str,
}

impl<'a> Arn<'a> {
    /// Parses `s`; `None` when it is not six colon-separated parts starting with `arn`.
    pub fn parse(s: &'a str) -> Option<Arn<'a>> {
        let mut parts = s.splitn(6, ':');
        if parts.next()? != "arn" {
            return None;
        }
        let arn = Arn {
            partition: parts.next()?,
            service: parts.next()?,
            region: parts.next()?,
            account: parts.next()?,
            resource: parts.next()?,
        };
        (!arn.partition.is_empty() && !arn.service.is_empty()).then_some(arn)
    }
}

/// The ARN of the SQS queue at `url` (`https://sqs.eu-west-1.amazonaws.com/111122223333/orders`
/// → `arn:aws:sqs:eu-west-1:111122223333:orders`).
pub fn sqs_queue_arn(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let mut parts = rest.split('/');
    let host = parts.next()?;
    let account = parts.next()?;
    let name = parts.next()?;
    let region = host.strip_prefix("sqs.")?.split('.').next()?;
    Some(format!("arn:aws:sqs:{region}:{account}:{name}"))
}

/// An IAM user, group or role named by its ARN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IamPrincipal<'a> {
    /// User, group or role.
    pub kind: PrincipalKind,
    /// Account id.
    pub account: &'a str,
    /// IAM path, `/` when none (`/service/` for `role/service/ci`).
    pub path: String,
    /// The name.
    pub name: &'a str,
}

impl<'a> IamPrincipal<'a> {
    /// Parses an IAM user, group or role ARN; an error says what is wrong.
    pub fn parse(s: &'a str) -> Result<IamPrincipal<'a>, String> {
        let arn = Arn::parse(s).ok_or_else(|| format!("`{s}` is not an ARN"))?;
        if arn.service != "iam" {
            return Err(format!(
                "`{s}` is not an IAM principal ARN (service `{}`)",
                arn.service
            ));
        }
        if arn.account.len() != 12 || !arn.account.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!(
                "`{s}`: account `{}` is not a 12-digit account id",
                arn.account
            ));
        }
        let (ty, rest) = arn.resource.split_once('/').ok_or_else(|| {
            format!("`{s}`: expected `user/…`, `group/…` or `role/…` after the account")
        })?;
        let kind = match ty {
            "user" => PrincipalKind::User,
            "group" => PrincipalKind::Group,
            "role" => PrincipalKind::Role,
            other => return Err(format!("`{s}`: `{other}` is not a user, group or role")),
        };
        let (path, name) = match rest.rsplit_once('/') {
            Some((p, n)) => (format!("/{p}/"), n),
            None => ("/".to_string(), rest),
        };
        if name.is_empty() {
            return Err(format!("`{s}` has no name"));
        }
        Ok(IamPrincipal {
            kind,
            account: arn.account,
            path,
            name,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn principal_arns_parse_into_kind_path_and_name() {
        let r = IamPrincipal::parse("arn:aws:iam::111122223333:role/service/ci-deployer")
            .expect("role");
        assert_eq!(
            (r.kind, r.account, r.path.as_str(), r.name),
            (
                PrincipalKind::Role,
                "111122223333",
                "/service/",
                "ci-deployer"
            )
        );
        let u = IamPrincipal::parse("arn:aws:iam::111122223333:user/alice").expect("user");
        assert_eq!(
            (u.kind, u.path.as_str(), u.name),
            (PrincipalKind::User, "/", "alice")
        );
        for bad in [
            "arn:aws:iam::111122223333:policy/p",
            "arn:aws:s3:::bucket",
            "arn:aws:iam::1111:user/x",
            "role/x",
            "arn:aws:iam::111122223333:user/",
        ] {
            assert!(IamPrincipal::parse(bad).is_err(), "{bad}");
        }
        let s3 = Arn::parse("arn:aws:s3:::bucket/a:b").expect("arn");
        assert_eq!(
            (s3.service, s3.account, s3.resource),
            ("s3", "", "bucket/a:b")
        );
    }
}
