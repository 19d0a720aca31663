//! Rules: the registry, the framework that runs rule families over each
//! Worker, and the checks. Pure functions of a [`Workspace`].

pub mod bindings;
pub mod context;
pub mod entry;
pub mod lifecycle;
pub mod registry;
pub mod suppressions;
pub mod worker;

use crate::project::fs::FileSystem;
use crate::project::Workspace;
use crate::settings::Settings;
use crate::text::Span;
use std::collections::BTreeMap;
use std::path::PathBuf;

pub use context::{Family, Run, VariantCx, WorkerCx, FAMILIES};
pub use registry::{rule, Code, Kind, Needs, Rule, RULES};

/// The base of every rule's documentation link: `<base>/DO101`.
pub const DOCS_BASE: &str = "https://durable-lsp.dev/rules";

pub fn doc_url(base: &str, code: Code) -> String {
    format!("{}/{code}", base.trim_end_matches('/'))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Error,
    Warning,
    Info,
    Hint,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
            Severity::Hint => "hint",
        }
    }
}

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
    pub fix: Option<Fix>,
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
            fix: None,
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
        self.fix = Some(fix);
        self
    }
    pub fn name(&self) -> &'static str {
        self.code.rule().name
    }
}

/// Counts kept beside the diagnostics, for summaries.
#[derive(Clone, Debug, Default)]
pub struct Report {
    pub diagnostics: Vec<Diagnostic>,
    /// facts that could not be verified, over all Workers
    pub unknowns: usize,
}

/// Runs every rule over the workspace.
pub fn check(ws: &Workspace, fs: &dyn FileSystem) -> Report {
    check_with(ws, fs, &Settings::default())
}

/// One Worker's findings, with its settings applied, its unknowns, and
/// what its rules read beyond the workspace's files (a change there must
/// re-check it).
#[derive(Clone, Debug, Default)]
pub struct WorkerResult {
    pub diagnostics: Vec<Diagnostic>,
    pub unknowns: usize,
    pub reads: crate::project::fs::ReadSet,
}

/// Runs every rule, with each Worker's `durable-lsp.toml` and `overrides`
/// (the editor's settings) over it.
pub fn check_with(ws: &Workspace, fs: &dyn FileSystem, overrides: &Settings) -> Report {
    assemble(ws, &check_workers(ws, fs, overrides), overrides)
}

/// Every Worker's findings, in workspace order.
pub fn check_workers(
    ws: &Workspace,
    fs: &dyn FileSystem,
    overrides: &Settings,
) -> Vec<WorkerResult> {
    use rayon::prelude::*;
    (0..ws.workers.len())
        .into_par_iter()
        .map(|i| check_one(ws, fs, i, overrides))
        .collect()
}

/// Whether the editor's settings exclude a Worker (its own durable-lsp.toml
/// `ignore` is applied at discovery).
pub fn editor_ignores(ws: &Workspace, i: usize, overrides: &Settings) -> bool {
    overrides.ignores(&ws.workers[i].config.path)
}

/// The findings of Worker `i`: every rule family, then its settings.
pub fn check_one(
    ws: &Workspace,
    fs: &dyn FileSystem,
    i: usize,
    overrides: &Settings,
) -> WorkerResult {
    if editor_ignores(ws, i, overrides) {
        return WorkerResult::default();
    }
    let settings = ws.workers[i].settings.overridden_by(overrides);
    let rec = crate::project::fs::Recording::new(fs);
    let (diags, unknowns) = context::run(ws, &rec, i, &settings);
    WorkerResult {
        diagnostics: apply_levels(diags, &settings),
        unknowns,
        reads: rec.into_reads(),
    }
}

/// The one place severities change after a rule: a level the user set
/// replaces the rule's, and `off` drops the finding.
pub fn apply_levels(diags: Vec<Diagnostic>, settings: &Settings) -> Vec<Diagnostic> {
    diags
        .into_iter()
        .filter_map(|mut d| {
            d.severity = settings.severity(d.code, d.severity)?;
            Some(d)
        })
        .collect()
}

/// The report from every Worker's findings, the settings files' problems
/// and the skipped files: merged across environments, filtered by
/// suppression comments, and sorted.
pub fn assemble(ws: &Workspace, per_worker: &[WorkerResult], overrides: &Settings) -> Report {
    let mut report = Report::default();
    let mut settings_reported = std::collections::BTreeSet::new();
    for (w, r) in ws.workers.iter().zip(per_worker) {
        report.unknowns += r.unknowns;
        report.diagnostics.extend(r.diagnostics.iter().cloned());
        if let Some(f) = &w.settings_file {
            if settings_reported.insert(f.clone()) {
                for p in &w.settings.problems {
                    report.diagnostics.push(
                        Diagnostic::new(Code::DO116, f.clone(), Span::default(), p.clone())
                            .severity(Severity::Warning),
                    );
                }
            }
        }
    }
    for s in &ws.skipped {
        report.diagnostics.push(Diagnostic::new(
            Code::DO100,
            s.path.clone(),
            Span::default(),
            format!("Not analysed: {}.", s.reason),
        ));
    }
    report.diagnostics = merge_envs(std::mem::take(&mut report.diagnostics));
    report.diagnostics =
        suppressions::apply(ws, overrides, std::mem::take(&mut report.diagnostics));
    report.diagnostics.sort_by(|a, b| {
        (&a.file, a.span.start, a.code, &a.message).cmp(&(
            &b.file,
            b.span.start,
            b.code,
            &b.message,
        ))
    });
    report
}

/// One diagnostic per place and message: the same finding in several
/// variants is reported once, naming the environments unless the top level
/// has it too.
fn merge_envs(diags: Vec<Diagnostic>) -> Vec<Diagnostic> {
    let mut map: BTreeMap<(PathBuf, Span, Code, String), (Diagnostic, bool)> = BTreeMap::new();
    for d in diags {
        let key = (d.file.clone(), d.span, d.code, d.message.clone());
        let top = d.envs.is_empty();
        match map.get_mut(&key) {
            Some((existing, has_top)) => {
                *has_top |= top;
                for e in d.envs {
                    if !existing.envs.contains(&e) {
                        existing.envs.push(e);
                    }
                }
            }
            None => {
                map.insert(key, (d, top));
            }
        }
    }
    map.into_values()
        .map(|(mut d, has_top)| {
            if has_top {
                d.envs.clear();
            } else if !d.envs.is_empty() {
                let list = d
                    .envs
                    .iter()
                    .map(|e| format!("env.{e}"))
                    .collect::<Vec<_>>()
                    .join(", ");
                d.message = format!("{} [{list}]", d.message);
            }
            d
        })
        .collect()
}

/// The closest candidate by edit distance, for "did you mean" hints.
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let lw = word.to_lowercase();
    candidates
        .into_iter()
        .filter(|c| *c != word)
        .map(|c| (levenshtein(&lw, &c.to_lowercase()), c))
        .filter(|(d, c)| *d <= (c.len().max(word.len()) / 3).max(1))
        .min()
        .map(|(_, c)| c)
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closest_names() {
        assert_eq!(closest("COUNTR", ["COUNTER", "ROOMS"]), Some("COUNTER"));
        assert_eq!(closest("Chat", ["ChatRoom", "Other"]), None);
        assert_eq!(closest("ChatRom", ["ChatRoom", "Other"]), Some("ChatRoom"));
    }
}
