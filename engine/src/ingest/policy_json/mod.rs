//! Standalone IAM policy documents (`policy.json`), as users pass them to `simulate`.

use crate::aws::policy::{DocumentKind, PolicyDocument};
use crate::source::{InputError, SourceFile};
use std::path::Path;

/// A policy document and the file it came from (spans in the document point into it).
#[derive(Debug, Clone)]
pub struct PolicyFile {
    /// The file.
    pub source: SourceFile,
    /// The parsed document.
    pub document: PolicyDocument,
}

/// Reads and parses a policy document of `kind`; errors name the file, JSON path, line and column.
pub fn load(path: &Path, kind: DocumentKind) -> Result<PolicyFile, InputError> {
    let source = SourceFile::read(path)?;
    parse(source, kind)
}

/// Parses a policy document already in memory.
pub fn parse(source: SourceFile, kind: DocumentKind) -> Result<PolicyFile, InputError> {
    match PolicyDocument::parse_maybe_encoded(&source.text, kind) {
        Ok(document) => Ok(PolicyFile { source, document }),
        Err(e) => Err(source.error(e.json_path, e.offset, e.message)),
    }
}

/// Reads the policies attached at one level of an organisation (`--scp FILE`, `--rcp FILE`): one
/// policy document, or a JSON array of them — an empty array when nothing is attached there.
/// Statement spans point into the file.
pub fn load_level(path: &Path, kind: DocumentKind) -> Result<Vec<PolicyFile>, InputError> {
    let source = SourceFile::read(path)?;
    if !source.text.trim_start().starts_with('[') {
        return parse(source, kind).map(|f| vec![f]);
    }
    let items: Vec<&serde_json::value::RawValue> =
        serde_json::from_str(&source.text).map_err(|e| {
            let offset = crate::source::offset_of(&source.text, e.line(), e.column());
            source.error(
                "",
                Some(offset),
                format!("expected a policy document or a JSON array of them: {e}"),
            )
        })?;
    let base = source.text.as_ptr() as usize;
    let mut out = Vec::new();
    for (i, raw) in items.iter().enumerate() {
        let at = raw.get().as_ptr() as usize - base;
        match PolicyDocument::parse_maybe_encoded(raw.get(), kind) {
            Ok(mut document) => {
                document.place_in(&source, at);
                out.push(PolicyFile {
                    source: source.clone(),
                    document,
                });
            }
            Err(e) => {
                let path = if e.json_path.is_empty() {
                    format!("[{i}]")
                } else {
                    format!("[{i}].{}", e.json_path)
                };
                return Err(source.error(path, e.offset.map(|o| o + at).or(Some(at)), e.message));
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_point_at_file_line_and_path() {
        let src = SourceFile::from_text(
            "p.json",
            "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [{\"Effect\": \"Allow\", \"Action\": \"s3:*\", \"Resource\": [\"*\", 3]}]\n}",
        );
        let e = parse(src, DocumentKind::Identity).expect_err("number in Resource");
        assert_eq!(e.json_path, "Statement[0].Resource[1]");
        assert_eq!(e.line, Some(3));
        assert!(e.to_string().starts_with("p.json:3:"), "{e}");
    }
}

#[cfg(test)]
mod level_tests {
    use super::*;

    #[test]
    fn a_level_is_one_document_or_an_array_and_errors_name_the_element() {
        let dir = std::env::temp_dir().join(format!("whittle-level-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let one = dir.join("one.json");
        std::fs::write(&one, r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#).expect("w");
        assert_eq!(
            load_level(&one, DocumentKind::AsGiven).expect("one").len(),
            1
        );
        let empty = dir.join("empty.json");
        std::fs::write(&empty, "[]").expect("w");
        assert!(load_level(&empty, DocumentKind::AsGiven)
            .expect("empty")
            .is_empty());
        let two = dir.join("two.json");
        std::fs::write(&two, "[\n {\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"}]},\n {\"Statement\":[{\"Effect\":\"Maybe\",\"Action\":\"*\",\"Resource\":\"*\"}]}\n]").expect("w");
        let e = load_level(&two, DocumentKind::AsGiven).expect_err("bad effect");
        assert!(e.to_string().contains("[1].Statement[0].Effect"), "{e}");
        assert_eq!(e.line, Some(3));
        std::fs::remove_dir_all(&dir).ok();
    }
}
