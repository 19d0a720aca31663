//! A committed analysis: what the server answers from until the next one.

use crate::project::fs::FileSystem;
use crate::project::{Entry, Workspace};
use crate::rules;
use crate::settings::Settings;
use std::path::Path;
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
