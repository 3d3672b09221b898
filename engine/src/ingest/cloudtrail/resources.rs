//! The resources a call touched, as ARNs: from request parameters for the services where they
//! name the resource (S3, IAM, Lambda, DynamoDB, SQS, SNS, KMS, Secrets Manager, SSM parameters),
//! else from the record's `resources[]`, else `*`.

use super::record::{Record, S};
use crate::catalog::AwsAction;
use serde::de::{IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
use std::borrow::Cow;

/// A request parameter that is a string here and may be anything elsewhere (DynamoDB's `key` is
/// an object): strings are kept, every other value is skipped without failing the record.
#[derive(Default, Debug)]
struct Lenient<'a>(Option<Cow<'a, str>>);

impl<'de: 'a, 'a> Deserialize<'de> for Lenient<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Lenient<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("any value")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Lenient(Some(Cow::Borrowed(v))))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Lenient(Some(Cow::Owned(v.to_string()))))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
                Ok(Lenient(None))
            }
            fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
                Ok(Lenient(None))
            }
            fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
                Ok(Lenient(None))
            }
            fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
                Ok(Lenient(None))
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(Lenient(None))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Self::Value, A::Error> {
                while m.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Lenient(None))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut s: A) -> Result<Self::Value, A::Error> {
                while s.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Lenient(None))
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

/// A list of strings, or one string; anything else is skipped.
#[derive(Default, Debug)]
struct LenientList<'a>(Vec<Lenient<'a>>);

impl<'de: 'a, 'a> Deserialize<'de> for LenientList<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = LenientList<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a list of strings")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut s: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some(v) = s.next_element::<Lenient<'a>>()? {
                    out.push(v);
                }
                Ok(LenientList(out))
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(LenientList(vec![Lenient(Some(Cow::Borrowed(v)))]))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(LenientList(vec![Lenient(Some(Cow::Owned(v.to_string())))]))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Self::Value, A::Error> {
                while m.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(LenientList(Vec::new()))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
                Ok(LenientList(Vec::new()))
            }
            fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
                Ok(LenientList(Vec::new()))
            }
            fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
                Ok(LenientList(Vec::new()))
            }
            fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
                Ok(LenientList(Vec::new()))
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(LenientList(Vec::new()))
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

#[derive(Deserialize, Default, Debug)]
#[serde(rename_all = "camelCase")]
struct Params<'a> {
    #[serde(borrow, default)]
    bucket_name: Lenient<'a>,
    #[serde(borrow, default)]
    key: Lenient<'a>,
    #[serde(borrow, default)]
    role_name: Lenient<'a>,
    #[serde(borrow, default)]
    user_name: Lenient<'a>,
    #[serde(borrow, default)]
    group_name: Lenient<'a>,
    #[serde(borrow, default)]
    policy_arn: Lenient<'a>,
    #[serde(borrow, default)]
    instance_profile_name: Lenient<'a>,
    #[serde(borrow, default)]
    function_name: Lenient<'a>,
    #[serde(borrow, default)]
    table_name: Lenient<'a>,
    #[serde(borrow, default)]
    queue_url: Lenient<'a>,
    #[serde(borrow, default)]
    topic_arn: Lenient<'a>,
    #[serde(borrow, default)]
    target_arn: Lenient<'a>,
    #[serde(borrow, default)]
    key_id: Lenient<'a>,
    #[serde(borrow, default)]
    secret_id: Lenient<'a>,
    #[serde(borrow, default)]
    name: Lenient<'a>,
    #[serde(borrow, default)]
    names: LenientList<'a>,
}

use crate::aggregate::columns::PARAM_SERVICES;

fn partition(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    }
}

fn s<'x>(v: &'x Option<S<'_>>) -> Option<&'x str> {
    v.as_ref().map(S::as_str).filter(|s| !s.is_empty())
}

fn l<'x>(v: &'x Lenient<'_>) -> Option<&'x str> {
    v.0.as_deref().filter(|s| !s.is_empty())
}

/// `requestParameters`, read in the record's single pass: the fields that name resources when it
/// is an object, nothing otherwise (`null`, or the odd string some services log).
#[derive(Default, Debug)]
pub(crate) struct ParamsField<'a>(Option<Params<'a>>);

impl<'de: 'a, 'a> Deserialize<'de> for ParamsField<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = ParamsField<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("request parameters")
            }
            fn visit_map<A: MapAccess<'de>>(self, m: A) -> Result<Self::Value, A::Error> {
                Params::deserialize(serde::de::value::MapAccessDeserializer::new(m))
                    .map(|p| ParamsField(Some(p)))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut s: A) -> Result<Self::Value, A::Error> {
                while s.next_element::<IgnoredAny>()?.is_some() {}
                Ok(ParamsField(None))
            }
            fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
                Ok(ParamsField(None))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
                Ok(ParamsField(None))
            }
            fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
                Ok(ParamsField(None))
            }
            fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
                Ok(ParamsField(None))
            }
            fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
                Ok(ParamsField(None))
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(ParamsField(None))
            }
            fn visit_none<E>(self) -> Result<Self::Value, E> {
                Ok(ParamsField(None))
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

/// Calls `each` with the ARN of every resource one call of `action` touched, at least once (`*`
/// when nothing names the resource). ARNs that must be built are written into `buf`, so a call
/// allocates nothing.
pub fn for_each_resource(
    rec: &Record<'_>,
    prefix: &str,
    action: &AwsAction,
    buf: &mut String,
    mut each: impl FnMut(&str),
) {
    let region = rec.aws_region.as_ref().map_or("", S::as_str);
    let account = rec.recipient_account_id.as_ref().map_or("", S::as_str);
    let emitted = std::cell::Cell::new(false);
    let mut emit = |arn: &str| {
        emitted.set(true);
        each(arn);
    };
    if PARAM_SERVICES.contains(&prefix) {
        if let Some(p) = &rec.request_parameters.0 {
            let at = Place {
                part: partition(region),
                region,
                account,
            };
            from_params(p, prefix, action, &at, buf, &mut emit);
        }
    }
    if !emitted.get() {
        if let Some(rs) = &rec.resources {
            for arn in rs
                .iter()
                .filter_map(|r| s(&r.arn))
                .filter(|a| a.starts_with("arn:"))
            {
                emit(arn);
            }
        }
    }
    if !emitted.get() {
        emit("*");
    }
}

/// Where a call ran: what ARNs built from bare names are qualified with.
struct Place<'a> {
    part: &'static str,
    region: &'a str,
    account: &'a str,
}

/// Formats an ARN into `buf` and hands it out.
macro_rules! emit_arn {
    ($buf:expr, $emit:expr, $($fmt:tt)*) => {{
        $buf.clear();
        // writing to a String cannot fail
        let _ = write!($buf, $($fmt)*);
        $emit($buf.as_str());
    }};
}

fn from_params(
    p: &Params<'_>,
    prefix: &str,
    action: &AwsAction,
    at: &Place<'_>,
    buf: &mut String,
    emit: &mut dyn FnMut(&str),
) {
    use std::fmt::Write;
    let Place {
        part,
        region,
        account,
    } = *at;
    // a parameter that may be an ARN already, or a name to qualify
    let mut arn_or = |v: &str, kind: &str, sep: char| {
        if v.starts_with("arn:") {
            emit(v);
        } else {
            emit_arn!(
                buf,
                emit,
                "arn:{part}:{prefix}:{region}:{account}:{kind}{sep}{v}"
            );
        }
    };
    match prefix {
        "s3" => {
            if let Some(bucket) = l(&p.bucket_name) {
                let object_level = action.resource_types.iter().any(|r| r.name == "object");
                match l(&p.key) {
                    Some(key) if object_level => {
                        emit_arn!(buf, emit, "arn:{part}:s3:::{bucket}/{key}")
                    }
                    _ => emit_arn!(buf, emit, "arn:{part}:s3:::{bucket}"),
                }
            }
        }
        "iam" => {
            let named = [
                ("role", &p.role_name),
                ("user", &p.user_name),
                ("group", &p.group_name),
                ("instance-profile", &p.instance_profile_name),
            ];
            // the entity IAM authorizes the action on (`AttachRolePolicy`: the role, not the
            // policy it attaches); an action of no such type: the policy, else the first named
            let authorized_on = |kind: &str| action.resource_types.iter().any(|r| r.name == kind);
            let entity = named
                .iter()
                .find_map(|(k, v)| l(v).filter(|_| authorized_on(k)).map(|n| (k, n)));
            match (entity, l(&p.policy_arn)) {
                (Some((kind, n)), _) => {
                    emit_arn!(buf, emit, "arn:{part}:iam::{account}:{kind}/{n}")
                }
                (None, Some(arn)) => emit(arn),
                (None, None) => {
                    if let Some((kind, n)) = named.iter().find_map(|(k, v)| l(v).map(|n| (k, n))) {
                        emit_arn!(buf, emit, "arn:{part}:iam::{account}:{kind}/{n}");
                    }
                }
            }
        }
        "lambda" => {
            if let Some(f) = l(&p.function_name) {
                arn_or(f, "function", ':');
            }
        }
        "dynamodb" => {
            if let Some(t) = l(&p.table_name) {
                arn_or(t, "table", '/');
            }
        }
        "sqs" => {
            // https://sqs.<region>.amazonaws.com/<account>/<name>
            if let Some(url) = l(&p.queue_url) {
                let mut it = url.trim_end_matches('/').rsplit('/');
                if let (Some(name), Some(acct)) = (it.next(), it.next()) {
                    emit_arn!(buf, emit, "arn:{part}:sqs:{region}:{acct}:{name}");
                }
            }
        }
        "sns" => {
            if let Some(t) = l(&p.topic_arn).or(l(&p.target_arn)) {
                emit(t);
            }
        }
        "kms" => {
            if let Some(k) = l(&p.key_id) {
                match k.strip_prefix("alias/") {
                    Some(a) => emit_arn!(buf, emit, "arn:{part}:kms:{region}:{account}:alias/{a}"),
                    None => arn_or(k, "key", '/'),
                }
            }
        }
        "secretsmanager" => {
            if let Some(id) = l(&p.secret_id) {
                arn_or(id, "secret", ':');
            }
        }
        "ssm" => {
            let parameter_action = action.resource_types.iter().any(|r| r.name == "parameter");
            if parameter_action {
                for n in l(&p.name).into_iter().chain(p.names.0.iter().filter_map(l)) {
                    arn_or(n.trim_start_matches('/'), "parameter", '/');
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::AwsCatalog;

    fn res(record: &str, action: &str) -> Vec<String> {
        let c = AwsCatalog::embedded();
        let rec: Record = serde_json::from_str(record).expect("record");
        let a = c.action(c.lookup(action).expect("action"));
        let mut out = Vec::new();
        for_each_resource(&rec, a.prefix(), a, &mut String::new(), |r| {
            out.push(r.to_string())
        });
        out
    }

    /// `AttachRolePolicy` names a role and a policy; IAM authorizes it on the role (the policy
    /// is only a condition key). It used to be recorded on the policy ARN, so a proposal scoped
    /// to observed resources would have denied the very call it was built from.
    #[test]
    fn an_iam_call_is_recorded_on_the_resource_type_the_action_is_authorized_on() {
        let base = r#""awsRegion":"eu-west-1","recipientAccountId":"111122223333""#;
        let params = r#""requestParameters":{"roleName":"app","policyArn":"arn:aws:iam::aws:policy/ReadOnlyAccess"}"#;
        assert_eq!(
            res(&format!("{{{base},{params}}}"), "iam:AttachRolePolicy"),
            ["arn:aws:iam::111122223333:role/app"]
        );
        let params = r#""requestParameters":{"policyArn":"arn:aws:iam::111122223333:policy/deploy","versionId":"v2"}"#;
        assert_eq!(
            res(&format!("{{{base},{params}}}"), "iam:CreatePolicyVersion"),
            ["arn:aws:iam::111122223333:policy/deploy"]
        );
    }

    #[test]
    fn request_parameters_name_resources() {
        let base = r#""awsRegion":"eu-west-1","recipientAccountId":"111122223333""#;
        assert_eq!(
            res(
                &format!(r#"{{{base},"requestParameters":{{"bucketName":"b","key":"a/b.txt"}}}}"#),
                "s3:GetObject"
            ),
            ["arn:aws:s3:::b/a/b.txt"]
        );
        assert_eq!(
            res(
                &format!(r#"{{{base},"requestParameters":{{"bucketName":"b","prefix":"x/"}}}}"#),
                "s3:ListBucket"
            ),
            ["arn:aws:s3:::b"]
        );
        assert_eq!(
            res(
                &format!(r#"{{{base},"requestParameters":{{"roleName":"app"}}}}"#),
                "iam:GetRole"
            ),
            ["arn:aws:iam::111122223333:role/app"]
        );
        assert_eq!(
            res(
                &format!(r#"{{{base},"requestParameters":{{"functionName":"orders"}}}}"#),
                "lambda:InvokeFunction"
            ),
            ["arn:aws:lambda:eu-west-1:111122223333:function:orders"]
        );
        assert_eq!(
            res(
                &format!(r#"{{{base},"requestParameters":{{"tableName":"orders"}}}}"#),
                "dynamodb:GetItem"
            ),
            ["arn:aws:dynamodb:eu-west-1:111122223333:table/orders"]
        );
        assert_eq!(
            res(
                &format!(
                    r#"{{{base},"requestParameters":{{"queueUrl":"https://sqs.eu-west-1.amazonaws.com/444455556666/jobs"}}}}"#
                ),
                "sqs:SendMessage"
            ),
            ["arn:aws:sqs:eu-west-1:444455556666:jobs"]
        );
        assert_eq!(
            res(
                &format!(r#"{{{base},"requestParameters":{{"keyId":"alias/app"}}}}"#),
                "kms:Decrypt"
            ),
            ["arn:aws:kms:eu-west-1:111122223333:alias/app"]
        );
        assert_eq!(
            res(
                &format!(
                    r#"{{{base},"requestParameters":{{"names":["/app/db","/app/api"],"withDecryption":true}}}}"#
                ),
                "ssm:GetParameters"
            ),
            [
                "arn:aws:ssm:eu-west-1:111122223333:parameter/app/db",
                "arn:aws:ssm:eu-west-1:111122223333:parameter/app/api"
            ]
        );
        assert_eq!(
            res(
                &format!(
                    r#"{{{base},"requestParameters":{{"secretId":"arn:aws:secretsmanager:eu-west-1:111122223333:secret:db-AbCdEf"}}}}"#
                ),
                "secretsmanager:GetSecretValue"
            ),
            ["arn:aws:secretsmanager:eu-west-1:111122223333:secret:db-AbCdEf"]
        );
    }

    #[test]
    fn odd_request_parameters_never_fail_the_record() {
        let base = r#""awsRegion":"eu-west-1","recipientAccountId":"1""#;
        assert_eq!(
            res(
                &format!(r#"{{{base},"requestParameters":{{"names":"/one","name":{{"x":1}}}}}}"#),
                "ssm:GetParameters"
            ),
            ["arn:aws:ssm:eu-west-1:1:parameter/one"]
        );
        assert_eq!(
            res(
                &format!(r#"{{{base},"requestParameters":"opaque"}}"#),
                "ssm:GetParameters"
            ),
            ["*"]
        );
        assert_eq!(
            res(
                &format!(r#"{{{base},"requestParameters":[1,2]}}"#),
                "s3:GetObject"
            ),
            ["*"]
        );
    }

    #[test]
    fn resources_array_then_star() {
        assert_eq!(
            res(
                r#"{"resources":[{"ARN":"arn:aws:ec2:us-east-1:1:instance/i-1","type":"AWS::EC2::Instance"}]}"#,
                "ec2:StopInstances"
            ),
            ["arn:aws:ec2:us-east-1:1:instance/i-1"]
        );
        assert_eq!(
            res(r#"{"requestParameters":null}"#, "ec2:DescribeInstances"),
            ["*"]
        );
    }
}
