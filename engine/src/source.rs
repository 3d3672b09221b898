//! Where input came from, and the error that points back at it.

use miette::{Diagnostic, NamedSource, SourceSpan};
use serde::Serialize;
use std::ops::Range;
use std::sync::Arc;

/// A position in an input file: the file, the JSON path inside it, and the byte span when known.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Location {
    /// File path as given by the user.
    pub file: Arc<str>,
    /// JSON path of the element (`RoleDetailList[3].RolePolicyList[0]`), empty for the whole file.
    pub json_path: String,
    /// Byte range in the file, when the element's text is in the file verbatim.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub span: Option<Range<usize>>,
    /// 1-based line of the span start.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if !self.json_path.is_empty() {
            write!(f, " ({})", self.json_path)?;
        }
        Ok(())
    }
}

/// A loaded input file, shared by everything that points into it.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Path as given.
    pub path: Arc<str>,
    /// Full text.
    pub text: Arc<str>,
}

impl SourceFile {
    /// Reads a file as UTF-8 text.
    pub fn read(path: &std::path::Path) -> Result<SourceFile, InputError> {
        let name: Arc<str> = path.display().to_string().into();
        let text = std::fs::read_to_string(path).map_err(|e| InputError::io(&name, &e))?;
        Ok(SourceFile {
            path: name,
            text: text.into(),
        })
    }

    /// Wraps text that did not come from disk (tests, stdin).
    pub fn from_text(path: &str, text: &str) -> SourceFile {
        SourceFile {
            path: path.into(),
            text: text.into(),
        }
    }

    /// A location at `json_path` spanning `span` bytes of this file.
    pub fn location(&self, json_path: impl Into<String>, span: Option<Range<usize>>) -> Location {
        let line = span.as_ref().map(|s| line_of(&self.text, s.start));
        Location {
            file: self.path.clone(),
            json_path: json_path.into(),
            span,
            line,
        }
    }

    /// An error at `json_path`, pointing at `offset` when known.
    pub fn error(
        &self,
        json_path: impl Into<String>,
        offset: Option<usize>,
        message: impl Into<String>,
    ) -> InputError {
        let (line, column) = match offset {
            Some(o) => {
                let (l, c) = line_col(&self.text, o);
                (Some(l), Some(c))
            }
            None => (None, None),
        };
        InputError {
            file: self.path.to_string(),
            json_path: json_path.into(),
            line,
            column,
            message: message.into(),
            src: offset.map(|_| NamedSource::new(&self.path, self.text.clone())),
            span: offset.map(|o| SourceSpan::from((o, 1))),
        }
    }
}

/// Byte offset of a 1-based line and column (as serde_json reports them) in `text`.
pub(crate) fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let line_start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    (line_start + column.saturating_sub(1)).min(text.len())
}

fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let line = line_of(text, offset);
    let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    (line, text[start..offset].chars().count() + 1)
}

/// Bad input: names the file, the JSON path and, where known, the line and column.
#[derive(Debug, Clone, thiserror::Error, Diagnostic)]
#[error("{}", self.headline())]
#[diagnostic(code(whittle::input))]
pub struct InputError {
    /// File path.
    pub file: String,
    /// JSON path of the offending element; empty when the file as a whole is at fault.
    pub json_path: String,
    /// 1-based line.
    pub line: Option<usize>,
    /// 1-based column.
    pub column: Option<usize>,
    /// What is wrong.
    pub message: String,
    #[source_code]
    src: Option<NamedSource<Arc<str>>>,
    #[label("here")]
    span: Option<SourceSpan>,
}

impl InputError {
    /// An I/O failure on `file`.
    pub fn io(file: &str, err: &std::io::Error) -> InputError {
        InputError::plain(file, format!("cannot read: {err}"))
    }

    /// An error about a file as a whole.
    pub fn plain(file: &str, message: impl Into<String>) -> InputError {
        InputError {
            file: file.to_string(),
            json_path: String::new(),
            line: None,
            column: None,
            message: message.into(),
            src: None,
            span: None,
        }
    }

    fn headline(&self) -> String {
        let mut s = self.file.clone();
        if let (Some(l), Some(c)) = (self.line, self.column) {
            s.push_str(&format!(":{l}:{c}"));
        }
        if !self.json_path.is_empty() {
            s.push_str(&format!(": at `{}`", self.json_path));
        }
        s.push_str(": ");
        s.push_str(&self.message);
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_and_lines_round_trip() {
        let text = "{\n  \"a\": 1,\n  \"b\": x\n}";
        let o = offset_of(text, 3, 8);
        assert_eq!(&text[o..o + 1], "x");
        assert_eq!(line_col(text, o), (3, 8));
        let f = SourceFile::from_text("f.json", text);
        let e = f.error("b", Some(o), "bad value");
        assert_eq!(e.to_string(), "f.json:3:8: at `b`: bad value");
    }
}
