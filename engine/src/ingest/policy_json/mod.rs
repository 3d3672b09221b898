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
