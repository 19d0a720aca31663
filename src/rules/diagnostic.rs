//! A finding: where, which rule, how severe, what to say, the other side
//! of a cross-file problem, and the edits of its fix.

use super::registry::{Code, Severity};
use crate::text::Span;
use std::path::PathBuf;

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Related {
    pub file: PathBuf,
    pub span: Span,
    pub message: String,
}

/// One text edit of a fix: replace `span` of `file` with `text`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Edit {
    pub file: PathBuf,
    pub span: Span,
    pub text: String,
}

/// The quick fix of a finding: its edits, computed with the finding so that
/// applying it needs no new analysis.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Fix {
    pub title: String,
    pub edits: Vec<Edit>,
    /// Whether the fix may be applied without review (`--fix`).
    pub safe: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Diagnostic {
    pub file: PathBuf,
    pub span: Span,
    pub code: Code,
    pub severity: Severity,
    pub message: String,
    pub related: Vec<Related>,
    /// The environments this applies to, when not the top level.
    pub envs: Vec<String>,
    /// Its quick fixes, the preferred first.
    pub fixes: Vec<Fix>,
}

impl Diagnostic {
    /// A finding at its rule's default severity.
    pub fn new(
        code: Code,
        file: impl Into<PathBuf>,
        span: Span,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            file: file.into(),
            span,
            code,
            severity: code.rule().severity,
            message: message.into(),
            related: Vec::new(),
            envs: Vec::new(),
            fixes: Vec::new(),
        }
    }
    /// One of the other severities the registry declares for the rule.
    pub fn severity(mut self, s: Severity) -> Self {
        debug_assert!(
            self.code.rule().allows(s),
            "{} does not declare severity {}",
            self.code,
            s.as_str()
        );
        self.severity = s;
        self
    }
    pub fn related(
        mut self,
        file: impl Into<PathBuf>,
        span: Span,
        message: impl Into<String>,
    ) -> Self {
        self.related.push(Related {
            file: file.into(),
            span,
            message: message.into(),
        });
        self
    }
    pub fn fix(mut self, fix: Fix) -> Self {
        self.fixes.push(fix);
        self
    }
    pub fn name(&self) -> &'static str {
        self.code.rule().name
    }
}
