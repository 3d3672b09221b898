//! Problems in a rule set: each names its file and points at the span.

use crate::source::Snippet;
use crate::source::SourceFile;
use miette::{Diagnostic, LabeledSpan, SourceSpan};
use std::ops::Range;

/// How bad a rule problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// The rule set is still usable.
    Warning,
    /// The rule set is not valid.
    Error,
}

/// What kind of problem: each has a stable code, `whittle::rules::<kind>`, that users can grep
/// for and CI can key on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Problem {
    /// A rule file or directory cannot be read.
    Io,
    /// TOML that does not parse, or a key or value of the wrong name or type.
    Toml,
    /// Cedar that does not parse.
    CedarSyntax,
    /// Cedar that the schema rejects (strict validation).
    CedarValidation,
    /// A permission literal or pattern that is not in the catalog.
    UnknownPermission,
    /// A permission literal not in catalog casing.
    PermissionCasing,
    /// A risk class a rule names that no `[[risk]]` declares.
    UnknownRisk,
    /// `@id`, `@severity` or `@message` missing.
    MissingAnnotation,
    /// A severity that is not info, low, medium, high or critical.
    UnknownSeverity,
    /// Two rules with one id.
    DuplicateId,
    /// A `permit` where rules are `forbid`s.
    NotForbid,
    /// A Cedar template.
    Template,
    /// Settings and rules that can never work together (`after-days` beyond `window-days`, …).
    ImpossibleSetting,
    /// Two files set `[settings]` differently.
    SettingsConflict,
    /// An exemption naming an unknown rule, or without a reason.
    Exemption,
    /// An exemption that matched no finding.
    StaleExemption,
    /// A `[[keep]]` entry past its expiry.
    ExpiredKeep,
    /// A `[[test]]` of the wrong shape.
    Test,
    /// Something went wrong while evaluating (a request, the entity store).
    Evaluation,
    /// A rule set with no rule in it.
    NoRules,
}

impl Problem {
    /// The code: `whittle::rules::duplicate-id`.
    pub fn code(self) -> &'static str {
        match self {
            Problem::Io => "whittle::rules::io",
            Problem::Toml => "whittle::rules::toml",
            Problem::CedarSyntax => "whittle::rules::cedar-syntax",
            Problem::CedarValidation => "whittle::rules::cedar-validation",
            Problem::UnknownPermission => "whittle::rules::unknown-permission",
            Problem::PermissionCasing => "whittle::rules::permission-casing",
            Problem::UnknownRisk => "whittle::rules::unknown-risk",
            Problem::MissingAnnotation => "whittle::rules::missing-annotation",
            Problem::UnknownSeverity => "whittle::rules::unknown-severity",
            Problem::DuplicateId => "whittle::rules::duplicate-id",
            Problem::NotForbid => "whittle::rules::not-forbid",
            Problem::Template => "whittle::rules::template",
            Problem::ImpossibleSetting => "whittle::rules::impossible-setting",
            Problem::SettingsConflict => "whittle::rules::settings-conflict",
            Problem::Exemption => "whittle::rules::exemption",
            Problem::StaleExemption => "whittle::rules::stale-exemption",
            Problem::ExpiredKeep => "whittle::rules::expired-keep",
            Problem::Test => "whittle::rules::test",
            Problem::Evaluation => "whittle::rules::evaluation",
            Problem::NoRules => "whittle::rules::none",
        }
    }
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
    /// What kind of problem (its code).
    pub problem: Option<Problem>,
    span: Option<SourceSpan>,
    src: Option<Snippet>,
}

impl RuleDiagnostic {
    fn new(
        level: Level,
        file: &SourceFile,
        span: Option<Range<usize>>,
        message: String,
        help: Option<String>,
    ) -> Self {
        let span_start = span.as_ref().map_or(0, |s| s.start);
        RuleDiagnostic {
            level,
            file: file.path.to_string(),
            line: span.as_ref().map(|s| file.line_of(s.start)),
            message,
            help,
            problem: None,
            span: span.map(|s| SourceSpan::from((s.start, s.end.saturating_sub(s.start).max(1)))),
            src: Some(Snippet::around(file, span_start..span_start + 1)),
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
            problem: None,
            span: None,
            src: None,
        }
    }

    /// The same problem, of kind `problem`.
    pub fn with(mut self, problem: Problem) -> Self {
        self.problem = Some(problem);
        self
    }

    /// True for errors.
    pub fn is_error(&self) -> bool {
        self.level == Level::Error
    }
}

impl Diagnostic for RuleDiagnostic {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        Some(Box::new(match self.problem {
            Some(p) => p.code(),
            None => "whittle::rules",
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
