//! Problems in a rule set: each names its file and points at the span.

use crate::source::SourceFile;
use miette::{Diagnostic, LabeledSpan, NamedSource, SourceSpan};
use std::ops::Range;
use std::sync::Arc;

/// How bad a rule problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// The rule set is still usable.
    Warning,
    /// The rule set is not valid.
    Error,
}

/// One problem in a rule file.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{file}{}: {message}", self.line.map(|l| format!(":{l}")).unwrap_or_default())]
pub struct RuleDiagnostic {
    /// Error or warning.
    pub level: Level,
    /// File path.
    pub file: String,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub help: Option<String>,
    span: Option<SourceSpan>,
    src: Option<NamedSource<Arc<str>>>,
}

impl RuleDiagnostic {
    fn new(
        level: Level,
        file: &SourceFile,
        span: Option<Range<usize>>,
        message: String,
        help: Option<String>,
    ) -> Self {
        RuleDiagnostic {
            level,
            file: file.path.to_string(),
            line: span.as_ref().map(|s| file.line_of(s.start)),
            message,
            help,
            span: span.map(|s| SourceSpan::from((s.start, s.end.saturating_sub(s.start).max(1)))),
            src: Some(NamedSource::new(&file.path, file.text.clone())),
        }
    }

    /// An error at `span` of `file`.
    pub fn error(
        file: &SourceFile,
        span: Option<Range<usize>>,
        message: String,
        help: Option<String>,
    ) -> Self {
        Self::new(Level::Error, file, span, message, help)
    }

    /// A warning at `span` of `file`.
    pub fn warning(
        file: &SourceFile,
        span: Option<Range<usize>>,
        message: String,
        help: Option<String>,
    ) -> Self {
        Self::new(Level::Warning, file, span, message, help)
    }

    /// A problem that is not in one file's text.
    pub fn general(level: Level, file: &str, message: String) -> Self {
        RuleDiagnostic {
            level,
            file: file.to_string(),
            line: None,
            message,
            help: None,
            span: None,
            src: None,
        }
    }

    /// True for errors.
    pub fn is_error(&self) -> bool {
        self.level == Level::Error
    }
}

impl Diagnostic for RuleDiagnostic {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        Some(Box::new(if self.is_error() {
            "whittle::rules"
        } else {
            "whittle::rules::warning"
        }))
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(if self.is_error() {
            miette::Severity::Error
        } else {
            miette::Severity::Warning
        })
    }
    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn std::fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.src.as_ref().map(|s| s as &dyn miette::SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.span.map(|s| {
            Box::new(std::iter::once(LabeledSpan::new_with_span(
                Some("here".into()),
                s,
            ))) as Box<dyn Iterator<Item = LabeledSpan>>
        })
    }
}
