//! The IAM credential report (`aws iam generate-credential-report`, then
//! `aws iam get-credential-report`): one CSV row per user with its password and access keys and
//! when each was last used. Accepted as the CSV itself or as `get-credential-report`'s JSON, whose
//! `Content` is the CSV in base64 (or, as some tools save it, already decoded). Only active
//! credentials are kept.

mod diags;

pub use diags::CredentialReport;

use crate::model::time::{parse_time, Epoch};
use crate::model::{Credential, CredentialKind};
use crate::source::{InputError, SourceFile};
use base64::Engine as _;
use std::path::Path;

/// Columns the report must have.
const REQUIRED: &[&str] = &[
    "user",
    "arn",
    "user_creation_time",
    "password_enabled",
    "password_last_used",
    "access_key_1_active",
    "access_key_1_last_rotated",
    "access_key_1_last_used_date",
    "access_key_2_active",
    "access_key_2_last_rotated",
    "access_key_2_last_used_date",
];

/// Reads the report at `path`.
pub fn load(path: &Path) -> CredentialReport {
    match SourceFile::read(path) {
        Ok(source) => parse(&source),
        Err(e) => CredentialReport {
            errors: vec![e],
            ..CredentialReport::default()
        },
    }
}

/// Parses a report already in memory.
pub fn parse(source: &SourceFile) -> CredentialReport {
    let mut report = CredentialReport::default();
    let decoded;
    let csv_source = if source.text.trim_start().starts_with('{') {
        match from_json(source) {
            Ok(text) => {
                decoded = SourceFile::from_text(&format!("{} (Content)", source.path), &text);
                &decoded
            }
            Err(e) => {
                report.errors.push(e);
                return report;
            }
        }
    } else {
        source
    };
    rows(csv_source, &mut report);
    report
}

/// The CSV inside `get-credential-report`'s JSON.
fn from_json(source: &SourceFile) -> Result<String, InputError> {
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct Envelope {
        content: String,
    }
    let env: Envelope = serde_json::from_str(&source.text).map_err(|e| {
        let offset = crate::source::offset_of(&source.text, e.line(), e.column());
        source.error(
            "",
            Some(offset),
            format!("not a credential report (`aws iam get-credential-report` JSON with `Content`): {e}"),
        )
    })?;
    // some tools store the report with `Content` already decoded
    if env.content.trim_start().starts_with("user,") {
        return Ok(env.content);
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(env.content.trim())
        .map_err(|e| source.error("Content", None, format!("`Content` is not base64: {e}")))?;
    String::from_utf8(bytes)
        .map_err(|_| source.error("Content", None, "`Content` does not decode to UTF-8 text"))
}

fn rows(source: &SourceFile, report: &mut CredentialReport) {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(source.text.as_bytes());
    let headers = match reader.headers() {
        Ok(h) => h.clone(),
        Err(e) => {
            report.errors.push(source.error(
                "",
                Some(0),
                format!("not a CSV credential report: {e}"),
            ));
            return;
        }
    };
    let column = |name: &str| headers.iter().position(|h| h == name);
    let missing: Vec<&str> = REQUIRED
        .iter()
        .copied()
        .filter(|c| column(c).is_none())
        .collect();
    if !missing.is_empty() {
        report.errors.push(source.error(
            "",
            Some(0),
            format!(
                "not an IAM credential report: the header lacks {}",
                missing.join(", ")
            ),
        ));
        return;
    }
    let at = |name: &str| column(name).unwrap_or_default();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let offset = e.position().map(|p| p.byte() as usize);
                report
                    .errors
                    .push(source.error("", offset, format!("unreadable row: {e}")));
                continue;
            }
        };
        report.users += 1;
        let row_offset = record.position().map(|p| p.byte() as usize);
        let row_line = record.position().map_or(0, |p| p.line());
        let field = |name: &str| record.get(at(name)).unwrap_or("").trim();
        let mut time = |name: &str| -> Option<Epoch> {
            match field(name) {
                "" | "N/A" | "no_information" | "not_supported" => None,
                v => match parse_time(v) {
                    Some(t) => Some(t),
                    None => {
                        // the field's offset in the file (exact for unquoted rows, as AWS writes them)
                        let i = at(name);
                        let offset = row_offset.map(|o| {
                            o + (0..i)
                                .map(|k| record.get(k).map_or(0, str::len) + 1)
                                .sum::<usize>()
                        });
                        report.errors.push(source.error(
                            format!("row {row_line}, column {name}"),
                            offset,
                            format!("`{v}` is not a time (expected ISO 8601, `N/A` or `no_information`)"),
                        ));
                        None
                    }
                },
            }
        };
        let user = field("user").to_string();
        let arn = field("arn").to_string();
        let location = source.location(
            format!("row {row_line}"),
            row_offset.map(|o| o..o + record.as_slice().len()),
        );
        let created = time("user_creation_time");
        let password_used = time("password_last_used");
        let key1_rotated = time("access_key_1_last_rotated");
        let key1_used = time("access_key_1_last_used_date");
        let key2_rotated = time("access_key_2_last_rotated");
        let key2_used = time("access_key_2_last_used_date");
        let mut push = |kind, since, last_used| {
            report.credentials.push(Credential {
                principal: arn.clone(),
                user: user.clone(),
                kind,
                since,
                last_used,
                location: location.clone(),
            })
        };
        if field("password_enabled") == "true" {
            push(CredentialKind::Password, created, password_used);
        }
        if field("access_key_1_active") == "true" {
            push(
                CredentialKind::AccessKey1,
                key1_rotated.or(created),
                key1_used,
            );
        }
        if field("access_key_2_active") == "true" {
            push(
                CredentialKind::AccessKey2,
                key2_rotated.or(created),
                key2_used,
            );
        }
    }
}

#[cfg(test)]
mod tests;
