//! Rules: the registry, the framework that runs rule families over each
//! Worker, and the checks. Pure functions of a [`Workspace`].

pub mod bindings;
pub mod classes;
pub mod context;
pub mod diagnostic;
pub mod entry;
pub mod framework;
pub mod history;
pub mod lifecycle;
pub mod model;
pub mod namespaces;
pub mod registry;
pub mod sql;
pub mod suppressions;
pub mod toolchain;
pub mod util;
pub mod worker;

use crate::project::fs::FileSystem;
use crate::project::Workspace;
use crate::settings::Settings;
use crate::text::Span;
use std::collections::BTreeMap;
use std::path::PathBuf;

pub use context::{closest, ClassRuns, VariantCx, WorkerCx};
pub use diagnostic::{Diagnostic, Edit, Fix, Related};
pub use framework::{apply_levels, Family, Run, FAMILIES};
pub use lifecycle::next_tag;
pub use registry::{rule, Code, Kind, Needs, Rule, Severity, RULES};
pub use util::in_node_modules;

/// The base of every rule's documentation link: the `docs/rules/` pages of
/// the repository (Cargo.toml's `repository`, the one place the address is
/// set) at this release's tag, so a link always shows the page of the
/// rules the binary runs.
pub const DOCS_BASE: &str = concat!(
    env!("CARGO_PKG_REPOSITORY"),
    "/blob/v",
    env!("CARGO_PKG_VERSION"),
    "/docs/rules"
);

/// Where the project lives (Cargo.toml's `repository`).
pub const REPOSITORY: &str = env!("CARGO_PKG_REPOSITORY");

/// The page of a rule under `base`. Where the base is a copy of the
/// repository's `docs/rules/` (a `file:` folder, or the folder in a
/// repository), the pages are Markdown files; a site serves `<base>/DO101`.
pub fn doc_url(base: &str, code: Code) -> String {
    let base = base.trim_end_matches('/');
    let ext = if base.starts_with("file:") || base.ends_with("/docs/rules") {
        ".md"
    } else {
        ""
    };
    format!("{base}/{code}{ext}")
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
    /// The class model of each variant checked (for the editor).
    pub classes: Vec<model::ClassModel>,
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
    let runs = ClassRuns::default();
    (0..ws.workers.len())
        .into_par_iter()
        .map(|i| check_one_in(ws, fs, i, overrides, &runs))
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
    check_one_in(ws, fs, i, overrides, &ClassRuns::default())
}

/// [`check_one`] within a run of several Workers of one workspace: a class
/// that several of them reach is checked once (`runs`).
pub fn check_one_in(
    ws: &Workspace,
    fs: &dyn FileSystem,
    i: usize,
    overrides: &Settings,
    runs: &ClassRuns,
) -> WorkerResult {
    if editor_ignores(ws, i, overrides) {
        return WorkerResult::default();
    }
    let settings = ws.workers[i].settings.overridden_by(overrides);
    let rec = crate::project::fs::Recording::new(fs);
    let ran = framework::run(ws, &rec, i, &settings, Some(runs));
    WorkerResult {
        diagnostics: apply_levels(ran.diagnostics, &settings),
        unknowns: ran.unknowns,
        reads: rec.into_reads(),
        classes: ran.models,
    }
}

/// The report from every Worker's findings, the settings files' problems
/// and the skipped files: merged across environments, filtered by
/// suppression comments, and sorted.
pub fn assemble(ws: &Workspace, per_worker: &[WorkerResult], overrides: &Settings) -> Report {
    let mut report = Report::default();
    let mut settings_reported = std::collections::BTreeSet::new();
    let mut shared = SharedClasses::of(ws, per_worker);
    for (wi, (w, r)) in ws.workers.iter().zip(per_worker).enumerate() {
        report.unknowns += r.unknowns;
        report.diagnostics.extend(r.diagnostics.iter().cloned());
        shared.note(ws, wi, &r.diagnostics);
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
        report.diagnostics.push(if s.broken_config {
            Diagnostic::new(
                Code::DO116,
                s.path.clone(),
                Span::default(),
                format!(
                    "This config cannot be read: {}. wrangler cannot read it either, so nothing of this Worker deploys or is checked.",
                    s.reason
                ),
            )
        } else {
            Diagnostic::new(
                Code::DO100,
                s.path.clone(),
                Span::default(),
                format!("Not analysed: {}.", s.reason),
            )
        });
    }
    report.diagnostics = merge_envs(std::mem::take(&mut report.diagnostics));
    shared.name_disagreements(ws, &mut report.diagnostics);
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

/// Classes that more than one Worker checks (a package shared by a
/// monorepo's Workers): which Workers' class models hold each, and which
/// Workers raised each finding inside it. A finding raised by some of them
/// only (a KV-backed class in one Worker, SQLite-backed in another) names
/// where it holds and where it does not; one raised by all of them is
/// reported once, as every finding is.
struct SharedClasses {
    /// (file, class index) → the Workers whose models hold the class
    reach: BTreeMap<(PathBuf, usize), std::collections::BTreeSet<usize>>,
    /// (file, span, code) → the Workers that raised it
    raised: BTreeMap<(PathBuf, Span, Code), std::collections::BTreeSet<usize>>,
}

impl SharedClasses {
    fn of(ws: &Workspace, per_worker: &[WorkerResult]) -> SharedClasses {
        let mut reach: BTreeMap<(PathBuf, usize), std::collections::BTreeSet<usize>> =
            BTreeMap::new();
        // Only a file in more than one Worker's graph can hold a shared
        // class (most workspaces have none: then nothing more is done).
        let mut owners: std::collections::HashMap<&std::path::Path, u32> =
            std::collections::HashMap::new();
        for w in &ws.workers {
            for p in &w.graph {
                *owners.entry(p.as_path()).or_default() += 1;
            }
        }
        owners.retain(|_, n| *n > 1);
        if !owners.is_empty() {
            for (wi, r) in per_worker.iter().enumerate().take(ws.workers.len()) {
                for m in &r.classes {
                    for c in m
                        .classes
                        .iter()
                        .filter(|c| owners.contains_key(c.file.as_path()))
                    {
                        reach.entry((c.file.clone(), c.idx)).or_default().insert(wi);
                    }
                }
            }
        }
        reach.retain(|_, ws| ws.len() > 1);
        SharedClasses {
            reach,
            raised: Default::default(),
        }
    }

    /// The shared class (file, index) whose span holds `span` of `file`.
    fn class_at(
        &self,
        ws: &Workspace,
        file: &std::path::Path,
        span: Span,
    ) -> Option<(PathBuf, usize)> {
        let sf = ws.file(file)?;
        sf.facts
            .classes
            .iter()
            .enumerate()
            .filter(|(_, c)| c.span.start <= span.start && span.end <= c.span.end)
            .map(|(i, _)| (file.to_path_buf(), i))
            .find(|k| self.reach.contains_key(k))
    }

    fn note(&mut self, ws: &Workspace, wi: usize, diags: &[Diagnostic]) {
        if self.reach.is_empty() {
            return;
        }
        for d in diags {
            if self.class_at(ws, &d.file, d.span).is_some() {
                self.raised
                    .entry((d.file.clone(), d.span, d.code))
                    .or_default()
                    .insert(wi);
            }
        }
    }

    fn name_disagreements(&self, ws: &Workspace, diags: &mut [Diagnostic]) {
        if self.reach.is_empty() {
            return;
        }
        let raised = &self.raised;
        let name = |wi: &usize| {
            let w = &ws.workers[*wi];
            let shown = w.config.variants().first().and_then(|v| v.worker_name());
            match shown {
                Some(n) => format!("`{n}`"),
                None => format!("`{}`", w.config.path.display()),
            }
        };
        for d in diags.iter_mut() {
            let Some(key) = self.class_at(ws, &d.file, d.span) else {
                continue;
            };
            let (Some(all), Some(by)) = (
                self.reach.get(&key),
                raised.get(&(d.file.clone(), d.span, d.code)),
            ) else {
                continue;
            };
            let missing: Vec<String> = all.difference(by).map(name).collect();
            if missing.is_empty() {
                continue;
            }
            let holds: Vec<String> = by.iter().map(name).collect();
            d.message = format!(
                "{} (in Worker {}; not in {}, which reaches the same class)",
                d.message.trim_end_matches('.'),
                holds.join(", "),
                missing.join(", ")
            );
        }
    }
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
