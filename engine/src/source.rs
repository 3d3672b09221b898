//! Where input came from, and the error that points back at it.

use miette::{Diagnostic, MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents};
use serde::Serialize;
use std::ops::Range;
use std::sync::{Arc, OnceLock};

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
    /// 1-based column (in characters) of the span start.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(col) = self.column {
                write!(f, ":{col}")?;
            }
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
    /// Byte offsets of line starts, built on first use: line lookups stay O(log n) in big files.
    line_starts: Arc<OnceLock<Vec<usize>>>,
    /// Where each JSON object and array is, by path, built on the first [`SourceFile::locate`].
    containers: Arc<OnceLock<std::collections::HashMap<String, Range<usize>>>>,
    /// Characters before every `CHAR_STEP`-th byte, built on first use: columns stay cheap on a
    /// line of megabytes (a one-line export of thousands of items).
    char_marks: Arc<OnceLock<Vec<usize>>>,
}

const CHAR_STEP: usize = 4096;

/// Characters that start in `bytes` (UTF-8: every byte but continuation bytes).
fn chars_in(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&c| c & 0xC0 != 0x80).count()
}

impl SourceFile {
    /// Reads a file as UTF-8 text.
    pub fn read(path: &std::path::Path) -> Result<SourceFile, InputError> {
        let name: Arc<str> = path.display().to_string().into();
        let text = std::fs::read_to_string(path).map_err(|e| InputError::io(&name, &e))?;
        Ok(SourceFile {
            path: name,
            text: text.into(),
            line_starts: Arc::default(),
            containers: Arc::default(),
            char_marks: Arc::default(),
        })
    }

    /// Wraps text that did not come from disk (tests, stdin).
    pub fn from_text(path: &str, text: &str) -> SourceFile {
        SourceFile {
            path: path.into(),
            text: text.into(),
            line_starts: Arc::default(),
            containers: Arc::default(),
            char_marks: Arc::default(),
        }
    }

    /// A location at `json_path` spanning `span` bytes of this file.
    pub fn location(&self, json_path: impl Into<String>, span: Option<Range<usize>>) -> Location {
        let line = span.as_ref().map(|s| self.line_of(s.start));
        let column = span.as_ref().map(|s| self.column_at(s.start));
        Location {
            file: self.path.clone(),
            json_path: json_path.into(),
            span,
            line,
            column,
        }
    }

    /// A location at `json_path`, pointed at the value's text when the path is found in this
    /// file's JSON.
    pub fn locate(&self, json_path: impl Into<String>) -> Location {
        let json_path = json_path.into();
        let index = self
            .containers
            .get_or_init(|| crate::json_span::containers(&self.text));
        let span = match index.get(&json_path) {
            Some(r) => Some(r.clone()),
            // a scalar: scanned for on its own
            None => crate::json_span::span_of(&self.text, &json_path),
        };
        self.location(json_path, span)
    }

    /// Points `location` at `span` of this file: its line and column.
    pub fn point(&self, location: &mut Location, span: Range<usize>) {
        location.line = Some(self.line_of(span.start));
        location.column = Some(self.column_at(span.start));
        location.span = Some(span);
    }

    /// 1-based line of a byte offset.
    pub fn line_of(&self, offset: usize) -> usize {
        let starts = self.line_starts.get_or_init(|| {
            std::iter::once(0)
                .chain(self.text.match_indices('\n').map(|(i, _)| i + 1))
                .collect()
        });
        starts.partition_point(|&s| s <= offset)
    }

    /// 1-based column, in characters, of byte `offset` — as [`column_of`], without scanning the
    /// line up to it.
    pub fn column_at(&self, offset: usize) -> usize {
        let offset = offset.min(self.text.len());
        let line = self.line_of(offset);
        let start = self
            .line_starts
            .get()
            .and_then(|s| s.get(line.saturating_sub(1)))
            .copied()
            .unwrap_or(0);
        self.chars_before(offset) - self.chars_before(start) + 1
    }

    fn chars_before(&self, offset: usize) -> usize {
        let b = self.text.as_bytes();
        let marks = self.char_marks.get_or_init(|| {
            let mut n = 0;
            std::iter::once(0)
                .chain(b.chunks(CHAR_STEP).map(|c| {
                    n += chars_in(c);
                    n
                }))
                .collect()
        });
        let k = offset / CHAR_STEP;
        marks.get(k).copied().unwrap_or(0) + chars_in(b.get(k * CHAR_STEP..offset).unwrap_or(&[]))
    }

    /// A JSON syntax or shape error from serde, at the line and column it names.
    pub fn json_error(&self, e: &serde_json::Error) -> InputError {
        let offset = (e.line() > 0).then(|| offset_of(&self.text, e.line(), e.column()));
        self.error("", offset, json_message(e))
    }

    /// An error at `json_path`, pointing at `offset` when known.
    pub fn error(
        &self,
        json_path: impl Into<String>,
        offset: Option<usize>,
        message: impl Into<String>,
    ) -> InputError {
        // an offset from a parser's line and column can fall inside a multi-byte character:
        // point at the character's start
        let offset = offset.map(|o| floor_char_boundary(&self.text, o));
        let (line, column) = match offset {
            Some(o) => {
                let line = self.line_of(o);
                let start = self.text[..o].rfind('\n').map_or(0, |i| i + 1);
                (Some(line), Some(self.text[start..o].chars().count() + 1))
            }
            None => (None, None),
        };
        InputError {
            file: self.path.to_string(),
            json_path: json_path.into(),
            line,
            column,
            message: message.into(),
            src: offset.map(|o| Snippet::around(self, o..o + 1)),
            span: offset.map(|o| SourceSpan::from((o.min(self.text.len()), 1))),
        }
    }
}

/// The largest character boundary of `text` at or before `offset` (clamped to its length).
pub(crate) fn floor_char_boundary(text: &str, offset: usize) -> usize {
    let mut o = offset.min(text.len());
    while !text.is_char_boundary(o) {
        o -= 1;
    }
    o
}

/// The most of one source line a diagnostic shows, in characters, around what it points at.
const SNIPPET_CHARS: usize = 200;

/// What a diagnostic shows of its file: the whole text when its lines are short, else a window of
/// at most [`SNIPPET_CHARS`] characters of the line around the span — a CloudTrail delivery file
/// or a minified snapshot is one line of megabytes, and neither the terminal nor the renderer
/// should get all of it.
#[derive(Debug, Clone)]
pub struct Snippet {
    name: String,
    text: Arc<str>,
    /// Byte range of the window shown, when the line is cut.
    window: Option<Range<usize>>,
    /// 0-based line and character column of the window's start.
    line: usize,
    column: usize,
}

impl Snippet {
    /// What to show of `file` for a diagnostic at `span`.
    pub fn around(file: &SourceFile, span: Range<usize>) -> Snippet {
        let text = &file.text;
        let at = floor_char_boundary(text, span.start);
        let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
        let line_end = text[at..].find('\n').map_or(text.len(), |i| at + i);
        let mut snippet = Snippet {
            name: file.path.to_string(),
            text: file.text.clone(),
            window: None,
            line: file.line_of(at).saturating_sub(1),
            column: 0,
        };
        if text[line_start..line_end].chars().count() <= SNIPPET_CHARS {
            return snippet;
        }
        // half the window before the span, the rest after, on character boundaries
        let before: usize = text[line_start..at]
            .char_indices()
            .rev()
            .nth(SNIPPET_CHARS / 2)
            .map_or(line_start, |(i, _)| line_start + i);
        let after = text[at..line_end]
            .char_indices()
            .nth(SNIPPET_CHARS / 2)
            .map_or(line_end, |(i, _)| at + i);
        snippet.column = text[line_start..before].chars().count();
        snippet.window = Some(before..after);
        snippet
    }
}

impl SourceCode for Snippet {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        match &self.window {
            None => {
                let inner = self.text.read_span(span, before, after)?;
                Ok(Box::new(MietteSpanContents::new_named(
                    self.name.clone(),
                    inner.data(),
                    *inner.span(),
                    inner.line(),
                    inner.column(),
                    inner.line_count(),
                )))
            }
            Some(w) => {
                if span.offset() < w.start || span.offset() > w.end {
                    return Err(MietteError::OutOfBounds);
                }
                Ok(Box::new(MietteSpanContents::new_named(
                    self.name.clone(),
                    &self.text.as_bytes()[w.clone()],
                    SourceSpan::from(w.clone()),
                    self.line,
                    self.column,
                    1,
                )))
            }
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
    src: Option<Snippet>,
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

/// 1-based column, in characters, of byte `offset` of `text`.
pub fn column_of(text: &str, offset: usize) -> usize {
    let offset = offset.min(text.len());
    let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    text.get(start..offset).map_or(1, |s| s.chars().count() + 1)
}

/// A serde_json error's message without its ` at line L column C`: the position is given apart,
/// in the reader's own terms (a line of JSON lines, a record's index).
pub fn json_message(e: &serde_json::Error) -> String {
    let s = e.to_string();
    s.rfind(" at line ")
        .map_or(s.clone(), |i| s[..i].to_string())
}

#[cfg(test)]
mod column_tests {
    use super::{column_of, SourceFile};

    #[test]
    fn columns_from_the_marks_are_the_columns_counted() {
        // multi-byte characters on both sides of a mark, and several lines
        let line = "é€x".repeat(3000);
        let text = format!("{line}\n{line}\nabc");
        let f = SourceFile::from_text("t", &text);
        for offset in (0..text.len()).step_by(997).chain([0, text.len()]) {
            if text.is_char_boundary(offset) {
                assert_eq!(f.column_at(offset), column_of(&text, offset), "{offset}");
            }
        }
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
        let f = SourceFile::from_text("f.json", text);
        assert_eq!(f.line_of(o), 3);
        assert_eq!(f.line_of(0), 1);
        let e = f.error("b", Some(o), "bad value");
        assert_eq!(e.to_string(), "f.json:3:8: at `b`: bad value");
    }

    /// Found by fuzzing (`testdata/fuzz/authorization_details/`): serde's line and column put
    /// an error inside a multi-byte character, and slicing there panicked.
    #[test]
    fn an_error_inside_a_multibyte_character_points_at_its_start() {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../testdata/fuzz/authorization_details/error-offset-inside-a-multibyte-character.json"
        ))
        .expect("fixture");
        let report =
            crate::ingest::aws_authz::load_sources(&[SourceFile::from_text("f.json", &text)]);
        assert!(!report.errors.is_empty());
        let f = SourceFile::from_text("f.json", "ab¤cd");
        let e = f.error("", Some(3), "inside ¤");
        assert_eq!(e.column, Some(3), "the column of `¤`");
    }

    /// A one-line file of megabytes: the diagnostic shows about 200 characters around the error
    /// and renders (it used to print the whole line, then panic past column 65,535).
    #[test]
    fn a_long_line_is_cut_around_the_error() {
        let text = format!("{{\"a\":\"{}\",\"b\": x}}", "é".repeat(100_000));
        let f = SourceFile::from_text("one-line.json", &text);
        let o = text.find(" x").expect("x") + 1;
        let e = f.error("b", Some(o), "bad value");
        assert_eq!(e.column, Some(100_014));
        let mut out = String::new();
        miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
            .with_width(400)
            .render_report(&mut out, &e)
            .expect("renders");
        assert!(out.contains("one-line.json:1:100014"), "{out}");
        assert!(out.contains(",\"b\": x}"), "{out}");
        assert!(out.len() < 2_000, "{} bytes: {out}", out.len());
    }
}
