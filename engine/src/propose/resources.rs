//! Narrowing resources to what was used: the observed ARNs themselves, or a generalised prefix
//! (`arn:aws:s3:::bucket/reports/*`) worked out from the ARN format the catalog documents for the
//! action's resource types. A narrowed pattern is always inside what the statement granted.

use crate::catalog::{ActionId, AwsCatalog};
use crate::model::{ResourceMode, ResourceScope};
use std::collections::{BTreeMap, BTreeSet};

/// The resource patterns that name `arns` (seen for action `a`) as `mode` says, each inside
/// `granted`; sorted, none covered by another.
pub(crate) fn narrow(
    catalog: &AwsCatalog,
    a: ActionId,
    arns: &BTreeSet<String>,
    mode: ResourceMode,
    granted: &ResourceScope,
) -> Vec<String> {
    let mut out: BTreeSet<String> = BTreeSet::new();
    match mode {
        ResourceMode::Granted | ResourceMode::Observed => out.extend(arns.iter().cloned()),
        ResourceMode::Prefix => {
            // container → the seen values of the last variable
            let mut groups: BTreeMap<String, Vec<&str>> = BTreeMap::new();
            for arn in arns {
                match split_last_variable(catalog, a, arn) {
                    Some((container, rest)) => groups.entry(container).or_default().push(rest),
                    None => {
                        out.insert(arn.clone());
                    }
                }
            }
            let inside = |pattern: &String| {
                crate::effective::covers(granted, &ResourceScope::Patterns(vec![pattern.clone()]))
            };
            for (container, rest) in groups {
                let pattern = format!("{container}{}*", common_directory(&rest));
                if inside(&pattern) {
                    out.insert(pattern);
                    continue;
                }
                // one prefix for all reaches beyond the grant: each value on its own
                for r in rest {
                    let own = format!("{container}{}*", common_directory(&[r]));
                    out.insert(if inside(&own) {
                        own
                    } else {
                        format!("{container}{r}")
                    });
                }
            }
        }
    }
    // only a pattern with a wildcard can cover another
    let wild: Vec<String> = out.iter().filter(|p| p.contains('*')).cloned().collect();
    out.into_iter()
        .filter(|p| {
            !wild.iter().any(|q| {
                q != p
                    && crate::effective::covers(
                        &ResourceScope::Patterns(vec![q.clone()]),
                        &ResourceScope::Patterns(vec![p.clone()]),
                    )
            })
        })
        .collect()
}

/// The longest common prefix of `values` that ends at a `/` (empty when there is none).
fn common_directory(values: &[&str]) -> String {
    let Some(first) = values.first() else {
        return String::new();
    };
    let mut len = first.len();
    for v in &values[1..] {
        len = first
            .bytes()
            .zip(v.bytes())
            .take(len)
            .take_while(|(x, y)| x == y)
            .count();
    }
    let prefix = &first[..len];
    match prefix.rfind('/') {
        Some(i) => prefix[..=i].to_string(),
        None => String::new(),
    }
}

/// For an ARN of a resource type with a container (the format names two or more resource
/// variables: bucket and object, table and index), the ARN up to the last variable's value, and
/// that value. `None` when no format of the action's resource types fits, or it has one variable.
fn split_last_variable<'s>(
    catalog: &AwsCatalog,
    a: ActionId,
    arn: &'s str,
) -> Option<(String, &'s str)> {
    let action = catalog.action(a);
    let service = catalog.service_of(a);
    for rt in &action.resource_types {
        let format = service.arn_format(&rt.name);
        if format.is_empty() {
            continue;
        }
        let toks = tokens(format);
        let resource_vars = toks
            .iter()
            .filter(
                |t| matches!(t, Tok::Var(v) if !matches!(*v, "Partition" | "Region" | "Account")),
            )
            .count();
        if resource_vars < 2 {
            continue;
        }
        if let Some(start) = match_format(&toks, arn) {
            return Some((arn[..start].to_string(), &arn[start..]));
        }
    }
    None
}

#[derive(Debug, PartialEq)]
enum Tok<'f> {
    Lit(&'f str),
    Var(&'f str),
}

fn tokens(format: &str) -> Vec<Tok<'_>> {
    let mut out = Vec::new();
    let mut rest = format;
    while let Some(i) = rest.find("${") {
        if i > 0 {
            out.push(Tok::Lit(&rest[..i]));
        }
        let Some(end) = rest[i..].find('}') else {
            out.push(Tok::Lit(&rest[i..]));
            return out;
        };
        out.push(Tok::Var(&rest[i + 2..i + end]));
        rest = &rest[i + end + 1..];
    }
    if !rest.is_empty() {
        out.push(Tok::Lit(rest));
    }
    out
}

/// Matches `arn` against a format whose variables match non-empty text without `:` or `/`,
/// except the last, which matches the (non-empty) rest. The byte offset where the last
/// variable's value starts.
fn match_format(toks: &[Tok<'_>], arn: &str) -> Option<usize> {
    let last_var = toks.iter().rposition(|t| matches!(t, Tok::Var(_)))?;
    if last_var != toks.len() - 1 {
        return None;
    }
    let mut pos = 0;
    for (i, t) in toks.iter().enumerate() {
        match t {
            Tok::Lit(l) => {
                if !arn[pos..].starts_with(l) {
                    return None;
                }
                pos += l.len();
            }
            Tok::Var(_) if i == last_var => {
                return (pos < arn.len()).then_some(pos);
            }
            Tok::Var(_) => {
                let n = arn[pos..].find([':', '/']).unwrap_or(arn.len() - pos);
                // a value may be empty only where AWS leaves it empty (region, account of S3)
                pos += n;
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn narrow_for(
        action: &str,
        arns: &[&str],
        mode: ResourceMode,
        granted: &[&str],
    ) -> Vec<String> {
        let catalog = AwsCatalog::embedded();
        let a = catalog.lookup(action).expect("catalog action");
        let granted = if granted == ["*"] {
            ResourceScope::Any
        } else {
            ResourceScope::Patterns(granted.iter().map(|s| s.to_string()).collect())
        };
        narrow(
            catalog,
            a,
            &arns.iter().map(|s| s.to_string()).collect(),
            mode,
            &granted,
        )
    }

    #[test]
    fn objects_generalise_to_their_common_directory() {
        let got = narrow_for(
            "s3:PutObject",
            &[
                "arn:aws:s3:::ci/orders-api/20260822.zip",
                "arn:aws:s3:::ci/orders-api/20260824.zip",
            ],
            ResourceMode::Prefix,
            &["*"],
        );
        assert_eq!(got, ["arn:aws:s3:::ci/orders-api/*"]);
        let got = narrow_for(
            "s3:GetObject",
            &[
                "arn:aws:s3:::a/x/1",
                "arn:aws:s3:::a/y/2",
                "arn:aws:s3:::b/z",
            ],
            ResourceMode::Prefix,
            &["*"],
        );
        assert_eq!(got, ["arn:aws:s3:::a/*", "arn:aws:s3:::b/*"]);
    }

    #[test]
    fn names_without_a_container_stay_exact() {
        let got = narrow_for(
            "iam:CreateRole",
            &["arn:aws:iam::111122223333:role/orders-api-worker"],
            ResourceMode::Prefix,
            &["*"],
        );
        assert_eq!(got, ["arn:aws:iam::111122223333:role/orders-api-worker"]);
        let got = narrow_for(
            "dynamodb:Query",
            &["arn:aws:dynamodb:eu-west-1:111122223333:table/Orders/index/ByCustomer"],
            ResourceMode::Prefix,
            &["*"],
        );
        assert_eq!(
            got,
            ["arn:aws:dynamodb:eu-west-1:111122223333:table/Orders/index/*"]
        );
    }

    #[test]
    fn a_prefix_never_reaches_beyond_the_grant() {
        let got = narrow_for(
            "s3:GetObject",
            &["arn:aws:s3:::a/home/alice/1", "arn:aws:s3:::a/shared/2"],
            ResourceMode::Prefix,
            &["arn:aws:s3:::a/home/*", "arn:aws:s3:::a/shared/*"],
        );
        assert_eq!(
            got,
            ["arn:aws:s3:::a/home/alice/*", "arn:aws:s3:::a/shared/*"],
            "`a/*` would grant more than either statement did"
        );
    }

    #[test]
    fn observed_mode_names_each_arn() {
        let got = narrow_for(
            "s3:PutObject",
            &["arn:aws:s3:::ci/b", "arn:aws:s3:::ci/a"],
            ResourceMode::Observed,
            &["*"],
        );
        assert_eq!(got, ["arn:aws:s3:::ci/a", "arn:aws:s3:::ci/b"]);
    }
}
