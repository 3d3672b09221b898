//! Condition operators and the request context they read.

use super::variables::{Template, Unresolved};
use super::Truth;
use crate::glob;
use serde::Serialize;
use std::collections::{BTreeSet, HashMap};
use std::net::IpAddr;

/// The request context: condition keys (case-insensitive) and their values.
#[derive(Debug, Clone, Default)]
pub struct RequestContext {
    values: HashMap<String, Vec<String>>,
    /// When true, a key not in the context is absent from the request; when false (the default) it
    /// is unknown and conditions on it are "conditional".
    pub complete: bool,
    /// Lower-case key prefixes whose keys are known in full: a key under one of them that is not
    /// set is absent (for example `aws:principaltag/` when the principal's tags are known).
    known_prefixes: Vec<String>,
}

/// What the context says about a key.
pub(crate) enum Lookup<'a> {
    Values(&'a [String]),
    Absent,
    Unknown,
}

impl RequestContext {
    /// Adds a value for `key` (keys are case-insensitive; repeated keys are multi-valued).
    pub fn insert(&mut self, key: &str, value: &str) {
        self.values
            .entry(key.to_ascii_lowercase())
            .or_default()
            .push(value.to_string());
    }

    /// Declares every key starting with `prefix` known: unset ones are absent, not unknown.
    pub fn know_prefix(&mut self, prefix: &str) {
        self.known_prefixes.push(prefix.to_ascii_lowercase());
    }

    /// True when no key is set.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    pub(crate) fn lookup(&self, key: &str) -> Lookup<'_> {
        let key = key.to_ascii_lowercase();
        match self.values.get(&key) {
            Some(v) => Lookup::Values(v),
            None if self.complete
                || self
                    .known_prefixes
                    .iter()
                    .any(|p| key.starts_with(p.as_str())) =>
            {
                Lookup::Absent
            }
            None => Lookup::Unknown,
        }
    }
}

/// `ForAnyValue:` / `ForAllValues:` set operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum SetQualifier {
    /// At least one context value matches.
    ForAnyValue,
    /// Every context value matches (true when the key is absent).
    ForAllValues,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
enum Family {
    String,
    StringIgnoreCase,
    StringLike,
    Numeric(Cmp),
    Date(Cmp),
    Bool,
    Binary,
    Ip,
    Arn,
    Null,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
enum Cmp {
    Eq,
    Lt,
    Le,
    Gt,
    Ge,
}

/// A parsed condition operator such as `ForAllValues:StringNotLikeIfExists`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ConditionOp {
    family: Family,
    negated: bool,
    /// `...IfExists`.
    pub if_exists: bool,
    /// `ForAnyValue:` / `ForAllValues:`.
    pub qualifier: Option<SetQualifier>,
}

impl ConditionOp {
    /// The operator's type family: `String`, `Numeric`, `Date`, `Bool`, `Binary`, `IpAddress`,
    /// `Arn` or `Null`.
    pub fn family_name(&self) -> &'static str {
        match self.family {
            Family::String | Family::StringIgnoreCase | Family::StringLike => "String",
            Family::Numeric(_) => "Numeric",
            Family::Date(_) => "Date",
            Family::Bool => "Bool",
            Family::Binary => "Binary",
            Family::Ip => "IpAddress",
            Family::Arn => "Arn",
            Family::Null => "Null",
        }
    }

    /// True when `value` can be read as the operator's type (a date for `Date…`, an address or
    /// CIDR for `IpAddress`, a number, `true`/`false`); policy variables fit anything.
    pub fn value_fits(&self, value: &str) -> bool {
        if value.contains("${") {
            return true;
        }
        match self.family {
            Family::Date(_) => parse_date(value).is_some(),
            Family::Ip => parse_net(value).is_some(),
            Family::Numeric(_) => value.trim().parse::<f64>().is_ok(),
            Family::Bool | Family::Null => {
                value.eq_ignore_ascii_case("true") || value.eq_ignore_ascii_case("false")
            }
            _ => true,
        }
    }

    /// Parses an operator name; unknown names are errors (AWS rejects them too).
    pub fn parse(name: &str) -> Result<ConditionOp, String> {
        let (qualifier, rest) = if let Some(r) = name.strip_prefix("ForAnyValue:") {
            (Some(SetQualifier::ForAnyValue), r)
        } else if let Some(r) = name.strip_prefix("ForAllValues:") {
            (Some(SetQualifier::ForAllValues), r)
        } else {
            (None, name)
        };
        let (if_exists, base) = match rest.strip_suffix("IfExists") {
            Some(b) => (true, b),
            None => (false, rest),
        };
        use Family::*;
        let (family, negated) = match base {
            "StringEquals" => (String, false),
            "StringNotEquals" => (String, true),
            "StringEqualsIgnoreCase" => (StringIgnoreCase, false),
            "StringNotEqualsIgnoreCase" => (StringIgnoreCase, true),
            "StringLike" => (StringLike, false),
            "StringNotLike" => (StringLike, true),
            "NumericEquals" => (Numeric(Cmp::Eq), false),
            "NumericNotEquals" => (Numeric(Cmp::Eq), true),
            "NumericLessThan" => (Numeric(Cmp::Lt), false),
            "NumericLessThanEquals" => (Numeric(Cmp::Le), false),
            "NumericGreaterThan" => (Numeric(Cmp::Gt), false),
            "NumericGreaterThanEquals" => (Numeric(Cmp::Ge), false),
            "DateEquals" => (Date(Cmp::Eq), false),
            "DateNotEquals" => (Date(Cmp::Eq), true),
            "DateLessThan" => (Date(Cmp::Lt), false),
            "DateLessThanEquals" => (Date(Cmp::Le), false),
            "DateGreaterThan" => (Date(Cmp::Gt), false),
            "DateGreaterThanEquals" => (Date(Cmp::Ge), false),
            "Bool" => (Bool, false),
            "BinaryEquals" => (Binary, false),
            "IpAddress" => (Ip, false),
            "NotIpAddress" => (Ip, true),
            "ArnEquals" | "ArnLike" => (Arn, false),
            "ArnNotEquals" | "ArnNotLike" => (Arn, true),
            "Null" => (Null, false),
            _ => return Err(format!("unknown condition operator `{name}`")),
        };
        if family == Null && (if_exists || qualifier.is_some()) {
            return Err(format!(
                "`Null` cannot be combined with IfExists or a set operator in `{name}`"
            ));
        }
        Ok(ConditionOp {
            family,
            negated,
            if_exists,
            qualifier,
        })
    }

    /// True for the negated operators (`StringNotEquals`, `NotIpAddress`, …).
    pub fn negated(&self) -> bool {
        self.negated
    }
}

/// One condition: an operator applied to one key with one or more values (values are OR'ed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Condition {
    /// The operator as written.
    pub operator: String,
    /// The parsed operator.
    #[serde(skip)]
    pub op: ConditionOp,
    /// The condition key as written.
    pub key: String,
    /// The values as written (numbers and booleans as their JSON text).
    pub values: Vec<String>,
}

impl Condition {
    /// The model's verbatim form.
    pub fn lower(&self) -> crate::model::Condition {
        crate::model::Condition {
            operator: self.operator.clone(),
            key: self.key.clone(),
            values: self.values.clone(),
        }
    }

    /// Evaluates against `ctx`; keys the answer depended on but were unknown go to `unknown`.
    pub fn evaluate(
        &self,
        ctx: &RequestContext,
        variables: bool,
        unknown: &mut BTreeSet<String>,
    ) -> Truth {
        let ctx_values = match ctx.lookup(&self.key) {
            Lookup::Unknown => {
                unknown.insert(self.key.clone());
                return Truth::Unknown;
            }
            Lookup::Absent => return Truth::of(self.when_absent()),
            Lookup::Values(v) => v,
        };
        if self.op.family == Family::Null {
            // present: `Null: false` holds, `Null: true` does not
            return Truth::of(self.values.iter().any(|v| v.eq_ignore_ascii_case("false")));
        }
        // Resolve policy variables in the condition values.
        let mut policy_values = Vec::with_capacity(self.values.len());
        for v in &self.values {
            match Template::parse(v, variables).resolve(ctx) {
                Ok(s) => policy_values.push(s),
                Err(Unresolved::Absent(_)) => {}
                Err(Unresolved::Unknown(k)) => {
                    unknown.insert(k);
                    return Truth::Unknown;
                }
            }
        }
        let matches_any = |c: &str| policy_values.iter().any(|p| self.matches(c, p));
        let per_value = |c: &str| matches_any(c) != self.op.negated;
        let holds = match self.op.qualifier {
            Some(SetQualifier::ForAllValues) => ctx_values.iter().all(|c| per_value(c)),
            Some(SetQualifier::ForAnyValue) => ctx_values.iter().any(|c| per_value(c)),
            // single-valued use: positive operators need a match, negated ones need none
            None if self.op.negated => !ctx_values.iter().any(|c| matches_any(c)),
            None => ctx_values.iter().any(|c| matches_any(c)),
        };
        Truth::of(holds)
    }

    /// The result when the key is not in the request.
    fn when_absent(&self) -> bool {
        if self.op.family == Family::Null {
            return self.values.iter().any(|v| v.eq_ignore_ascii_case("true"));
        }
        match self.op.qualifier {
            Some(SetQualifier::ForAllValues) => true,
            Some(SetQualifier::ForAnyValue) => self.op.if_exists,
            // IfExists: no key, no test; negated operators hold when there is nothing to match
            None => self.op.if_exists || self.op.negated,
        }
    }

    /// Positive match of one context value against one policy value.
    fn matches(&self, ctx: &str, pol: &str) -> bool {
        match self.op.family {
            Family::String => ctx == pol,
            Family::StringIgnoreCase => ctx.to_lowercase() == pol.to_lowercase(),
            Family::StringLike => glob::matches(pol, ctx, false),
            Family::Numeric(cmp) => match (ctx.trim().parse::<f64>(), pol.trim().parse::<f64>()) {
                (Ok(c), Ok(p)) => compare(cmp, c.partial_cmp(&p)),
                _ => false,
            },
            Family::Date(cmp) => match (parse_date(ctx), parse_date(pol)) {
                (Some(c), Some(p)) => compare(cmp, Some(c.cmp(&p))),
                _ => false,
            },
            Family::Bool => ctx.eq_ignore_ascii_case(pol),
            Family::Binary => ctx == pol,
            Family::Ip => match (ctx.trim().parse::<IpAddr>(), parse_net(pol)) {
                (Ok(ip), Some(net)) => net.contains(&ip),
                _ => false,
            },
            Family::Arn => arn_like(pol, ctx),
            Family::Null => false,
        }
    }
}

fn compare(cmp: Cmp, ord: Option<std::cmp::Ordering>) -> bool {
    use std::cmp::Ordering::*;
    matches!(
        (cmp, ord),
        (Cmp::Eq, Some(Equal))
            | (Cmp::Lt, Some(Less))
            | (Cmp::Le, Some(Less | Equal))
            | (Cmp::Gt, Some(Greater))
            | (Cmp::Ge, Some(Greater | Equal))
    )
}

/// Dates as AWS accepts them: ISO 8601 date-times, plain dates, or epoch seconds. Milliseconds since
/// the epoch, the resolution compared.
fn parse_date(s: &str) -> Option<i64> {
    let s = s.trim();
    if let Ok(epoch) = s.parse::<i64>() {
        return Some(epoch * 1000);
    }
    if let Ok(dt) = chrono::DateTime::parse_from_rfc3339(s) {
        return Some(dt.timestamp_millis());
    }
    for fmt in [
        "%Y-%m-%dT%H:%M:%S%.fZ",
        "%Y-%m-%dT%H:%M:%SZ",
        "%Y-%m-%dT%H:%MZ",
        "%Y-%m-%dT%H:%M:%S",
    ] {
        if let Ok(dt) = chrono::NaiveDateTime::parse_from_str(s, fmt) {
            return Some(dt.and_utc().timestamp_millis());
        }
    }
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|dt| dt.and_utc().timestamp_millis())
}

fn parse_net(s: &str) -> Option<ipnet::IpNet> {
    let s = s.trim();
    s.parse::<ipnet::IpNet>()
        .ok()
        .or_else(|| s.parse::<IpAddr>().ok().map(ipnet::IpNet::from))
}

/// `ArnLike`/`ArnEquals`: the six colon-separated parts are matched separately, each with
/// `*`/`?` wildcards; the last part (the resource) may itself contain colons.
fn arn_like(pattern: &str, arn: &str) -> bool {
    let p: Vec<&str> = pattern.splitn(6, ':').collect();
    let a: Vec<&str> = arn.splitn(6, ':').collect();
    if p.len() != 6 || a.len() != 6 {
        return glob::matches(pattern, arn, false);
    }
    p.iter().zip(&a).all(|(p, a)| glob::matches(p, a, false))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cond(op: &str, key: &str, values: &[&str]) -> Condition {
        Condition {
            operator: op.into(),
            op: ConditionOp::parse(op).expect("known operator"),
            key: key.into(),
            values: values.iter().map(|v| v.to_string()).collect(),
        }
    }

    fn ctx(pairs: &[(&str, &str)], complete: bool) -> RequestContext {
        let mut c = RequestContext {
            complete,
            ..Default::default()
        };
        for (k, v) in pairs {
            c.insert(k, v);
        }
        c
    }

    fn eval(c: &Condition, x: &RequestContext) -> Truth {
        c.evaluate(x, true, &mut BTreeSet::new())
    }

    #[test]
    fn string_operators() {
        let c = cond(
            "StringEquals",
            "aws:PrincipalTag/team",
            &["platform", "data"],
        );
        assert_eq!(
            eval(&c, &ctx(&[("aws:principaltag/team", "data")], false)),
            Truth::True
        );
        assert_eq!(
            eval(&c, &ctx(&[("aws:PrincipalTag/team", "Data")], false)),
            Truth::False
        );
        let ci = cond("StringEqualsIgnoreCase", "k", &["Data"]);
        assert_eq!(eval(&ci, &ctx(&[("k", "dATA")], false)), Truth::True);
        let like = cond("StringLike", "s3:prefix", &["home/*", "public/?"]);
        assert_eq!(
            eval(&like, &ctx(&[("s3:prefix", "home/alice/x")], false)),
            Truth::True
        );
        assert_eq!(
            eval(&like, &ctx(&[("s3:prefix", "public/ab")], false)),
            Truth::False
        );
        let not = cond(
            "StringNotEquals",
            "aws:RequestedRegion",
            &["eu-west-1", "eu-central-1"],
        );
        assert_eq!(
            eval(&not, &ctx(&[("aws:RequestedRegion", "us-east-1")], false)),
            Truth::True
        );
        assert_eq!(
            eval(&not, &ctx(&[("aws:RequestedRegion", "eu-west-1")], false)),
            Truth::False
        );
    }

    #[test]
    fn missing_keys_unknown_or_absent() {
        let c = cond("StringEquals", "aws:SourceVpc", &["vpc-1"]);
        let mut unknown = BTreeSet::new();
        assert_eq!(
            c.evaluate(&ctx(&[], false), true, &mut unknown),
            Truth::Unknown
        );
        assert!(unknown.contains("aws:SourceVpc"));
        assert_eq!(eval(&c, &ctx(&[], true)), Truth::False);
        let if_exists = cond("StringEqualsIfExists", "aws:SourceVpc", &["vpc-1"]);
        assert_eq!(eval(&if_exists, &ctx(&[], true)), Truth::True);
        assert_eq!(
            eval(&if_exists, &ctx(&[("aws:SourceVpc", "vpc-2")], true)),
            Truth::False
        );
        assert_eq!(eval(&if_exists, &ctx(&[], false)), Truth::Unknown);
        let negated = cond("StringNotEquals", "aws:SourceVpc", &["vpc-1"]);
        assert_eq!(eval(&negated, &ctx(&[], true)), Truth::True);
        let null_true = cond("Null", "aws:TokenIssueTime", &["true"]);
        assert_eq!(eval(&null_true, &ctx(&[], true)), Truth::True);
        assert_eq!(
            eval(
                &null_true,
                &ctx(&[("aws:TokenIssueTime", "2020-01-01")], true)
            ),
            Truth::False
        );
        let null_false = cond("Null", "aws:TokenIssueTime", &[false.to_string().as_str()]);
        assert_eq!(
            eval(
                &null_false,
                &ctx(&[("aws:TokenIssueTime", "2020-01-01")], true)
            ),
            Truth::True
        );
    }

    #[test]
    fn set_operators() {
        let all = cond("ForAllValues:StringEquals", "aws:TagKeys", &["env", "team"]);
        assert_eq!(
            eval(
                &all,
                &ctx(&[("aws:TagKeys", "env"), ("aws:TagKeys", "team")], true)
            ),
            Truth::True
        );
        assert_eq!(
            eval(
                &all,
                &ctx(&[("aws:TagKeys", "env"), ("aws:TagKeys", "cost")], true)
            ),
            Truth::False
        );
        assert_eq!(
            eval(&all, &ctx(&[], true)),
            Truth::True,
            "ForAllValues holds vacuously"
        );
        let any = cond("ForAnyValue:StringEquals", "aws:TagKeys", &["secret"]);
        assert_eq!(
            eval(
                &any,
                &ctx(&[("aws:TagKeys", "env"), ("aws:TagKeys", "secret")], true)
            ),
            Truth::True
        );
        assert_eq!(eval(&any, &ctx(&[], true)), Truth::False);
        let any_not = cond("ForAnyValue:StringNotEquals", "aws:TagKeys", &["env"]);
        assert_eq!(
            eval(
                &any_not,
                &ctx(&[("aws:TagKeys", "env"), ("aws:TagKeys", "x")], true)
            ),
            Truth::True
        );
        assert_eq!(
            eval(&any_not, &ctx(&[("aws:TagKeys", "env")], true)),
            Truth::False
        );
    }

    #[test]
    fn numeric_date_bool_ip_arn() {
        let n = cond("NumericLessThanEquals", "s3:max-keys", &["10"]);
        assert_eq!(eval(&n, &ctx(&[("s3:max-keys", "10")], true)), Truth::True);
        assert_eq!(eval(&n, &ctx(&[("s3:max-keys", "11")], true)), Truth::False);
        assert_eq!(
            eval(&n, &ctx(&[("s3:max-keys", "ten")], true)),
            Truth::False
        );
        let d = cond("DateLessThan", "aws:CurrentTime", &["2026-06-01T00:00:00Z"]);
        assert_eq!(
            eval(
                &d,
                &ctx(&[("aws:CurrentTime", "2026-05-31T23:59:59Z")], true)
            ),
            Truth::True
        );
        assert_eq!(
            eval(&d, &ctx(&[("aws:CurrentTime", "2026-06-01")], true)),
            Truth::False
        );
        assert_eq!(
            eval(&d, &ctx(&[("aws:CurrentTime", "1780271999")], true)),
            Truth::True,
            "epoch seconds"
        );
        let b = cond("Bool", "aws:MultiFactorAuthPresent", &["true"]);
        assert_eq!(
            eval(&b, &ctx(&[("aws:MultiFactorAuthPresent", "TRUE")], true)),
            Truth::True
        );
        let ip = cond(
            "IpAddress",
            "aws:SourceIp",
            &["203.0.113.0/24", "2001:db8::/32"],
        );
        assert_eq!(
            eval(&ip, &ctx(&[("aws:SourceIp", "203.0.113.9")], true)),
            Truth::True
        );
        assert_eq!(
            eval(&ip, &ctx(&[("aws:SourceIp", "2001:db8::1")], true)),
            Truth::True
        );
        assert_eq!(
            eval(&ip, &ctx(&[("aws:SourceIp", "198.51.100.1")], true)),
            Truth::False
        );
        let notip = cond("NotIpAddress", "aws:SourceIp", &["203.0.113.0/24"]);
        assert_eq!(
            eval(&notip, &ctx(&[("aws:SourceIp", "198.51.100.1")], true)),
            Truth::True
        );
        let arn = cond(
            "ArnLike",
            "aws:SourceArn",
            &["arn:aws:sns:*:123456789012:topic-*"],
        );
        assert_eq!(
            eval(
                &arn,
                &ctx(
                    &[(
                        "aws:SourceArn",
                        "arn:aws:sns:us-east-1:123456789012:topic-a"
                    )],
                    true
                )
            ),
            Truth::True
        );
        assert_eq!(
            eval(
                &arn,
                &ctx(
                    &[(
                        "aws:SourceArn",
                        "arn:aws:sns:us-east-1:999999999999:topic-a"
                    )],
                    true
                )
            ),
            Truth::False
        );
    }

    #[test]
    fn variables_in_condition_values() {
        let c = cond("StringLike", "s3:prefix", &["home/${aws:username}/*"]);
        assert_eq!(
            eval(
                &c,
                &ctx(
                    &[("aws:username", "bob"), ("s3:prefix", "home/bob/a")],
                    true
                )
            ),
            Truth::True
        );
        assert_eq!(
            eval(
                &c,
                &ctx(
                    &[("aws:username", "eve"), ("s3:prefix", "home/bob/a")],
                    true
                )
            ),
            Truth::False
        );
        assert_eq!(
            eval(&c, &ctx(&[("s3:prefix", "home/bob/a")], false)),
            Truth::Unknown
        );
    }

    #[test]
    fn operator_names() {
        assert!(ConditionOp::parse("ForAllValues:StringNotLikeIfExists").is_ok());
        assert!(ConditionOp::parse("StringEqualz").is_err());
        assert!(ConditionOp::parse("NullIfExists").is_err());
    }
}
