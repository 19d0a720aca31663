//! What rules read: the Worker being checked (`WorkerCx`) and the facts of
//! one of its variants (`VariantCx`), with small helpers they share.

use super::diagnostic::Diagnostic;
pub use super::util::{closest, in_node_modules, rel};
use crate::config::classes::ClassIndex;
use crate::config::model::{DoBinding, Variant};
use crate::config::Lifecycle;
use crate::project::fs::FileSystem;
use crate::project::symbols::Resolver;
use crate::project::{Entry, Worker, Workspace};
use crate::settings::Settings;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// One Worker being checked.
pub struct WorkerCx<'a> {
    pub ws: &'a Workspace,
    pub fs: &'a dyn FileSystem,
    pub res: Resolver<'a>,
    pub worker: &'a Worker,
    pub settings: &'a Settings,
    pub(super) out: Vec<Diagnostic>,
    /// what could not be verified, for the one DO100 info of this Worker
    pub(super) unknown: BTreeSet<String>,
    /// The class rules' findings of this run, shared by the Workers that
    /// reach one class (see `classes::ClassRuns`).
    pub class_runs: Option<&'a ClassRuns>,
}

/// The facts of one variant, computed once for every family.
pub struct VariantCx<'v> {
    pub v: Variant<'v>,
    pub entry: &'v Entry,
    pub lc: &'v Lifecycle,
    pub classes: ClassIndex<'v>,
    /// Bindings without `script_name`.
    pub local: Vec<&'v DoBinding>,
    /// Whether the variant has Durable Objects at all.
    pub has_do: bool,
    /// The file `main` names is a service-worker format entry (DO120 then
    /// stands for every export rule).
    pub service_worker: bool,
    /// The variant's Durable Object classes; empty unless an enabled rule
    /// needs them (`Needs::Classes`).
    pub model: super::model::ClassModel,
}

impl<'a> WorkerCx<'a> {
    pub fn new(
        ws: &'a Workspace,
        fs: &'a dyn FileSystem,
        worker: &'a Worker,
        settings: &'a Settings,
    ) -> Self {
        WorkerCx {
            ws,
            fs,
            res: Resolver::new(ws, fs),
            worker,
            settings,
            out: Vec::new(),
            unknown: BTreeSet::new(),
            class_runs: None,
        }
    }

    pub fn emit(&mut self, d: Diagnostic) {
        debug_assert!(
            d.code.rule().allows(d.severity),
            "{} emitted at a severity its row does not declare",
            d.code
        );
        self.out.push(d);
    }

    /// Whether the settings leave `code` on.
    pub fn on(&self, code: super::registry::Code) -> bool {
        self.settings.severity(code, code.rule().severity).is_some()
    }

    /// A fact that could not be verified: no finding, one line in DO100.
    pub fn unknown(&mut self, why: String) {
        self.unknown.insert(why);
    }

    /// The unknowns so far, sorted.
    pub fn unknowns(&self) -> impl Iterator<Item = &String> {
        self.unknown.iter()
    }

    pub fn cfg_path(&self) -> PathBuf {
        self.worker.config.path.clone()
    }

    pub fn dir(&self) -> &'a Path {
        self.worker.dir()
    }
}

/// The class rules' findings of one run, by everything they read of a
/// class: a class that several Workers reach (a monorepo's shared package)
/// is checked once for each backend (and date and settings) it has, not
/// once per Worker. Workers are checked in parallel; whichever gets to a
/// class first checks it, and the findings are the same whichever it is.
#[derive(Default)]
pub struct ClassRuns(
    pub(super)  std::sync::Mutex<
        std::collections::HashMap<ClassKey, std::sync::Arc<std::sync::OnceLock<Vec<Diagnostic>>>>,
    >,
);

/// Everything the class rules read of one class in one variant besides the
/// workspace's files (the same for every Worker of a run).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(super) struct ClassKey {
    pub(super) file: std::path::PathBuf,
    pub(super) idx: usize,
    pub(super) name: String,
    pub(super) base: String,
    pub(super) chain: Vec<(std::path::PathBuf, usize)>,
    pub(super) backend: Option<String>,
    /// The config and step that created a KV-backed class (DO301 points at
    /// it); `None` otherwise.
    pub(super) created_kv: Option<(std::path::PathBuf, String, crate::text::Span)>,
    /// A date before `deleteAll()` deleted the alarm, with no flag (DO207).
    pub(super) delete_all_keeps_alarm: bool,
    /// Which of the family's rules the Worker's settings leave on.
    pub(super) on: Vec<bool>,
}
