//! A committed analysis: what the server answers from until the next one.

use crate::project::fs::FileSystem;
use crate::project::workspace::Worker;
use crate::project::{Entry, Workspace};
use crate::rules;
use crate::settings::Settings;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A committed analysis: the workspace, the file view it read, each
/// Worker's result and the assembled diagnostics.
pub struct Analysis {
    pub ws: Workspace,
    pub fs: Arc<dyn FileSystem>,
    pub per_worker: Vec<rules::WorkerResult>,
    pub diagnostics: Vec<rules::Diagnostic>,
    /// Where rule links point (the `docsBaseUrl` setting, or the published pages).
    pub docs_base: String,
    /// Workers whose results a full analysis kept from the one before
    /// (their inputs did not change).
    pub kept: usize,
}

impl Analysis {
    pub fn new(
        ws: Workspace,
        fs: Arc<dyn FileSystem>,
        per_worker: Vec<rules::WorkerResult>,
        overrides: &Settings,
    ) -> Analysis {
        let diagnostics = rules::assemble(&ws, &per_worker, overrides).diagnostics;
        Analysis {
            ws,
            fs,
            per_worker,
            diagnostics,
            docs_base: overrides
                .docs_base_url
                .clone()
                .unwrap_or_else(|| rules::DOCS_BASE.to_string()),
            kept: 0,
        }
    }

    /// Whether some Worker names `p` as a `main` that is missing or not
    /// built yet: its creation changes entries.
    pub fn is_entry_target(&self, p: &Path) -> bool {
        self.ws.workers.iter().any(|w| {
            w.entries.iter().any(|e| match e {
                Entry::Missing { path } => path == p,
                Entry::BuildOutput { path, .. } => path == p,
                _ => false,
            })
        })
    }

    /// Whether some Worker's entry is the source file `p`.
    pub fn is_entry_file(&self, p: &Path) -> bool {
        self.ws
            .workers
            .iter()
            .any(|w| w.entries.iter().any(|e| e.source() == Some(p)))
    }

    /// The Workers whose config is `p` or whose module graph holds it.
    pub fn owners(&self, p: &Path) -> Vec<usize> {
        self.ws
            .workers
            .iter()
            .enumerate()
            .filter(|(_, w)| w.config.path == p || w.graph.contains(p))
            .map(|(i, _)| i)
            .collect()
    }
}

/// For each Worker of `ws` (a full analysis's new load), the committed
/// analysis's result for the Worker of the same config when nothing that
/// result depends on changed: its config text, settings, entries and
/// graph; each graph file's text, facts and resolved imports; what its
/// rules read beyond the graph (none of `changed` touches it); the set of
/// Workers sharing its files, all unchanged too (DO110 and the shared-class
/// naming look across them); and no binding into another Worker
/// (`script_name`: DO119 reads that Worker's entry).
pub fn unchanged_results<'a>(
    prev: &Workspace,
    result_of: &dyn Fn(usize) -> Option<&'a rules::WorkerResult>,
    ws: &Workspace,
    changed: &[PathBuf],
) -> Vec<Option<rules::WorkerResult>> {
    let n = ws.workers.len();
    let by_config: HashMap<&Path, usize> = prev
        .workers
        .iter()
        .enumerate()
        .map(|(j, w)| (w.config.path.as_path(), j))
        .collect();
    let matched: Vec<Option<usize>> = ws
        .workers
        .iter()
        .map(|w| by_config.get(w.config.path.as_path()).copied())
        .collect();
    let same_file = |p: &Path| match (prev.files.get(p), ws.files.get(p)) {
        (Some(a), Some(b)) => {
            (Arc::ptr_eq(&a.text, &b.text) || a.text == b.text)
                && a.facts.cut.is_none()
                && b.facts.cut.is_none()
                && a.edges == b.edges
        }
        _ => false,
    };
    let unchanged: Vec<bool> = (0..n)
        .map(|i| {
            let Some(j) = matched[i] else { return false };
            let (a, b) = (&prev.workers[j], &ws.workers[i]);
            let Some(result) = result_of(j) else {
                return false;
            };
            a.text == b.text
                && a.settings == b.settings
                && a.settings_file == b.settings_file
                && a.harness == b.harness
                && a.template == b.template
                && a.shadowed == b.shadowed
                && a.entries == b.entries
                && a.graph == b.graph
                && b.base.is_none()
                && !b
                    .config
                    .variants()
                    .iter()
                    .any(|v| v.durable_objects().iter().any(|d| d.external))
                && !changed.iter().any(|p| result.reads.touches(p))
                && b.graph.iter().all(|p| same_file(p))
        })
        .collect();
    // The Workers that share a file with each Worker, by config path.
    fn sharing(all: &[Arc<Worker>]) -> Vec<Vec<&Path>> {
        let mut owners: HashMap<&Path, Vec<usize>> = HashMap::new();
        for (k, w) in all.iter().enumerate() {
            for p in &w.graph {
                owners.entry(p.as_path()).or_default().push(k);
            }
        }
        all.iter()
            .enumerate()
            .map(|(k, w)| {
                let mut out: Vec<&Path> = w
                    .graph
                    .iter()
                    .flat_map(|p| owners[p.as_path()].iter())
                    .filter(|o| **o != k)
                    .map(|o| all[*o].config.path.as_path())
                    .collect();
                out.sort();
                out.dedup();
                out
            })
            .collect()
    }
    let now = sharing(&ws.workers);
    let before = sharing(&prev.workers);
    let position: HashMap<&Path, usize> = ws
        .workers
        .iter()
        .enumerate()
        .map(|(k, w)| (w.config.path.as_path(), k))
        .collect();
    (0..n)
        .map(|i| {
            if !unchanged[i] {
                return None;
            }
            let j = matched[i]?;
            let all_unchanged = now[i]
                .iter()
                .all(|c| position.get(c).is_some_and(|k| unchanged[*k]));
            if now[i] == before[j] && all_unchanged {
                result_of(j).cloned()
            } else {
                None
            }
        })
        .collect()
}

/// The Workers a cancelled full analysis finished, with the workspace it
/// loaded (see `State::partial`).
pub struct Partial {
    pub ws: Workspace,
    pub results: Vec<Option<rules::WorkerResult>>,
}
