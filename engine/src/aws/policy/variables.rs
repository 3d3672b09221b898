//! Policy variables (`${aws:username}`, `${aws:PrincipalTag/team, 'default'}`) in resources and
//! condition values. Only `Version: 2012-10-17` documents have them; elsewhere `${` is literal text.

use super::condition::{Lookup, RequestContext};
use crate::glob::{self, Tok};

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Text(String),
    Var {
        key: String,
        default: Option<String>,
    },
}

/// A string with policy variables, parsed once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    parts: Vec<Part>,
}

/// Why a template could not be resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unresolved {
    /// The key is not in the request (the context is complete): the element does not match.
    Absent(String),
    /// The key was not supplied: the answer depends on it.
    Unknown(String),
}

impl Template {
    /// Parses `s`; with `variables == false` everything is literal text.
    pub fn parse(s: &str, variables: bool) -> Template {
        if !variables || !s.contains("${") {
            return Template {
                parts: vec![Part::Text(s.to_string())],
            };
        }
        let mut parts = Vec::new();
        let mut rest = s;
        while let Some(start) = rest.find("${") {
            let Some(len) = rest[start..].find('}') else {
                break;
            };
            let inner = &rest[start + 2..start + len];
            if start > 0 {
                parts.push(Part::Text(rest[..start].to_string()));
            }
            parts.push(match inner {
                // `${*}`, `${?}`, `${$}` stand for the literal characters.
                "*" | "?" | "$" => Part::Var {
                    key: String::new(),
                    default: Some(inner.to_string()),
                },
                _ => {
                    let (key, default) = match inner.split_once(',') {
                        Some((k, d)) => {
                            let d = d.trim();
                            let d = d
                                .strip_prefix('\'')
                                .and_then(|d| d.strip_suffix('\''))
                                .unwrap_or(d);
                            (k.trim().to_string(), Some(d.to_string()))
                        }
                        None => (inner.trim().to_string(), None),
                    };
                    Part::Var { key, default }
                }
            });
            rest = &rest[start + len + 1..];
        }
        if !rest.is_empty() {
            parts.push(Part::Text(rest.to_string()));
        }
        Template { parts }
    }

    /// True when some part depends on the request context.
    pub fn has_variables(&self) -> bool {
        self.parts
            .iter()
            .any(|p| matches!(p, Part::Var { key, .. } if !key.is_empty()))
    }

    fn value<'c>(
        key: &str,
        default: &'c Option<String>,
        ctx: &'c RequestContext,
    ) -> Result<&'c str, Unresolved> {
        if key.is_empty() {
            return Ok(default.as_deref().unwrap_or_default());
        }
        match ctx.lookup(key) {
            Lookup::Values(v) if !v.is_empty() => Ok(v[0].as_str()),
            // a default only applies when the key is absent; unknown stays unknown
            Lookup::Unknown => Err(Unresolved::Unknown(key.to_string())),
            _ => default
                .as_deref()
                .ok_or_else(|| Unresolved::Absent(key.to_string())),
        }
    }

    /// Resolves to a wildcard pattern: literal text keeps `*`/`?` as wildcards, variable values do not.
    pub(crate) fn resolve_pattern(&self, ctx: &RequestContext) -> Result<Vec<Tok>, Unresolved> {
        let mut toks = Vec::new();
        for p in &self.parts {
            match p {
                Part::Text(t) => toks.extend(glob::compile(t)),
                Part::Var { key, default } => {
                    toks.extend(Self::value(key, default, ctx)?.chars().map(Tok::Lit))
                }
            }
        }
        Ok(toks)
    }

    /// Resolves to plain text.
    pub fn resolve(&self, ctx: &RequestContext) -> Result<String, Unresolved> {
        let mut out = String::new();
        for p in &self.parts {
            match p {
                Part::Text(t) => out.push_str(t),
                Part::Var { key, default } => out.push_str(Self::value(key, default, ctx)?),
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_resolve_from_context() {
        let mut ctx = RequestContext::default();
        ctx.insert("aws:username", "alice");
        let t = Template::parse("arn:aws:s3:::home/${aws:username}/*", true);
        assert!(t.has_variables());
        assert_eq!(t.resolve(&ctx).as_deref(), Ok("arn:aws:s3:::home/alice/*"));
        let lit = Template::parse("arn:aws:s3:::home/${aws:username}/*", false);
        assert_eq!(
            lit.resolve(&ctx).as_deref(),
            Ok("arn:aws:s3:::home/${aws:username}/*")
        );
    }

    #[test]
    fn defaults_and_special_characters() {
        let mut ctx = RequestContext::default();
        ctx.complete = true;
        let t = Template::parse("team-${aws:PrincipalTag/team, 'shared'}-${*}", true);
        assert_eq!(t.resolve(&ctx).as_deref(), Ok("team-shared-*"));
        let toks = t.resolve_pattern(&ctx).expect("resolves");
        assert_eq!(
            toks.last(),
            Some(&Tok::Lit('*')),
            "`${{*}}` is a literal star"
        );
        let missing = Template::parse("${aws:username}", true);
        assert_eq!(
            missing.resolve(&ctx),
            Err(Unresolved::Absent("aws:username".into()))
        );
        ctx.complete = false;
        assert_eq!(
            missing.resolve(&ctx),
            Err(Unresolved::Unknown("aws:username".into()))
        );
    }
}
