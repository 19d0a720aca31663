//! The scheduler: one analysis in flight, always of the latest revision.
//!
//! A change bumps the revision, raises the running analysis's cancellation
//! flag (not a full analysis's for a source edit: finished work is not
//! thrown away, the incremental analysis after it takes the edit in) and
//! wakes the loop. After a short quiet period the loop snapshots
//! the documents and runs a full analysis (the first one, or after a config,
//! a created or deleted file, settings or folders changed) or an incremental
//! one (the changed files re-read, only the Workers that reach them or read
//! them re-checked). A cancelled analysis stops at its next read or Worker
//! and is thrown away; a finished one is committed for the revision it saw
//! and published. Waiters (pull diagnostics, requests that need cross-file
//! facts) wait on the committed revision, not in a polling loop.

use super::analysis::Analysis;
use super::convert;
use super::session::{lock, State, EDIT_PARSE_BUDGET};
use crate::project::fs::{Cancellable, FileSystem, MemFs, OsFs};
use crate::project::workspace::{Parsed, Trees};
use crate::project::Workspace;
use crate::rules;
use crate::settings::Settings;
use crate::text::Encoding;
use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{watch, Notify};
use tower_lsp_server::ls_types::*;
use tower_lsp_server::Client;

/// Time without changes before an analysis starts.
pub const DEBOUNCE: Duration = Duration::from_millis(15);

/// The same when only source files changed since the last analysis: the
/// incremental one after it costs little and is cancelled by the next
/// keystroke, so it waits only for the messages of the same write.
pub const SOURCE_DEBOUNCE: Duration = Duration::from_millis(2);

/// Shared by the loop and the request handlers.
pub struct Scheduler {
    wake: Notify,
    committed: watch::Sender<u64>,
}

impl Default for Scheduler {
    fn default() -> Self {
        Scheduler {
            wake: Notify::new(),
            committed: watch::Sender::new(0),
        }
    }
}

impl Scheduler {
    /// Records a change and wakes the loop.
    pub fn changed(&self, state: &Mutex<State>, path: Option<PathBuf>) {
        lock(state).note_change(path);
        self.wake.notify_one();
    }

    /// Wakes the loop after changes were noted directly on the state.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Waits until an analysis covering revision `rev` is committed, at
    /// most `limit`. Returns whether it was.
    pub async fn committed(&self, rev: u64, limit: Duration) -> bool {
        let mut rx = self.committed.subscribe();
        let done = matches!(
            tokio::time::timeout(limit, rx.wait_for(|c| *c >= rev)).await,
            Ok(Ok(_))
        );
        done
    }
}

/// One analysis to run: what it reads, as of one revision.
struct Job {
    revision: u64,
    roots: Vec<PathBuf>,
    /// The open documents; ropes, so that taking a job under the lock
    /// copies no text (a 20 MB document would hold every message up).
    docs: Vec<(PathBuf, ropey::Rope)>,
    versions: HashMap<PathBuf, i32>,
    dirty: BTreeSet<PathBuf>,
    /// The trees of the changed documents that have one.
    trees: Vec<(PathBuf, tree_sitter::Tree)>,
    prev: Option<Arc<Analysis>>,
    /// For a full analysis, the committed one: files whose text is the
    /// same keep their facts (a config keystroke parses nothing again), and
    /// Workers whose inputs are the same keep their results.
    reuse: Option<Arc<Analysis>>,
    /// The source size limit of the settings this job was taken with.
    max_source: usize,
    /// For a full analysis, what a cancelled one finished since.
    partial: Option<Arc<super::analysis::Partial>>,
    /// What this job finished when it is cancelled (a full one).
    unfinished: Mutex<Option<super::analysis::Partial>>,
    /// The files whose change brought the full analysis, when each change
    /// named one (a settings or folder change names none: nothing is kept).
    full_paths: Option<Vec<PathBuf>>,
    overrides: Settings,
    encoding: Encoding,
    cancel: Arc<AtomicBool>,
    progress: bool,
    /// No analysis is committed yet: the opened files' Workers go first.
    first: bool,
    /// Fresh trees of changed documents that had none, parsed by this job
    /// within [`EDIT_PARSE_BUDGET`]: (path, version, tree), given back to
    /// the documents so the next edit is reparsed incrementally.
    parsed: Mutex<Vec<(PathBuf, i32, tree_sitter::Tree)>>,
}

impl Job {
    /// The job for the latest revision, or `None` when it is committed.
    fn take(st: &mut State) -> Option<Job> {
        if st.committed == st.revision && st.last.is_some() {
            return None;
        }
        if st.settings_awaited > 0 {
            return None; // the answer wakes the scheduler again
        }
        let full = !st.full.is_empty() || st.last.is_none();
        let dirty: BTreeSet<PathBuf> = st.dirty.keys().cloned().collect();
        let trees = st
            .docs
            .iter()
            .filter(|(p, _)| dirty.contains(*p))
            .filter_map(|(p, d)| Some((p.clone(), d.tree.clone()?)))
            .collect();
        let cancel = Arc::new(AtomicBool::new(false));
        st.running = Some(crate::lsp::session::Running {
            cancel: cancel.clone(),
            full,
        });
        Some(Job {
            revision: st.revision,
            roots: st.roots.clone(),
            docs: st
                .docs
                .iter()
                .map(|(p, d)| (p.clone(), d.text.clone()))
                .collect(),
            versions: st
                .docs
                .iter()
                .map(|(p, d)| (p.clone(), d.version))
                .collect(),
            dirty,
            trees,
            prev: if full { None } else { st.last.clone() },
            reuse: if full { st.last.clone() } else { None },
            full_paths: st.full.iter().map(|(_, p)| p.clone()).collect(),
            partial: if full { st.partial.clone() } else { None },
            max_source: st.max_source(),
            unfinished: Mutex::new(None),
            overrides: st.overrides.clone(),
            encoding: st.encoding(),
            cancel,
            progress: full && st.features.work_done_progress,
            first: st.last.is_none(),
            parsed: Mutex::new(Vec::new()),
        })
    }

    /// Runs on a blocking thread; `None` when cancelled.
    /// The repository and revision of the `baseRef` setting, when set and
    /// found (a wrong one is logged, and the history rules stay off).
    fn history(&self) -> Option<crate::history::History> {
        let rev = self.overrides.base_ref.as_deref()?;
        let root = self.roots.first()?;
        match crate::history::History::open(root, rev) {
            Ok(h) => Some(h),
            Err(e) => {
                crate::log!(Warn, "baseRef: {e}");
                None
            }
        }
    }

    /// The folders of the Workers the open documents belong to (the
    /// nearest folder with a wrangler config), when they lie below a root:
    /// analysed before the whole workspace on the first analysis.
    fn preview_roots(&self, fs: &dyn FileSystem) -> Vec<PathBuf> {
        let mut out: Vec<PathBuf> = Vec::new();
        for (p, _) in &self.docs {
            let Some(root) = self.roots.iter().find(|r| p.starts_with(r)) else {
                continue;
            };
            let found = p
                .ancestors()
                .skip(1)
                .take_while(|d| d.starts_with(root))
                .find(|d| {
                    crate::config::CONFIG_NAMES
                        .iter()
                        .any(|n| fs.is_file(&d.join(n)))
                });
            if let Some(d) = found.filter(|d| *d != root.as_path()) {
                if !out.iter().any(|o| d.starts_with(o)) {
                    out.retain(|o| !o.starts_with(d));
                    out.push(d.to_path_buf());
                }
            }
        }
        out
    }

    /// For a full analysis, each Worker's result from the committed
    /// analysis or a cancelled one since, where its inputs did not change.
    fn kept_results(&self, ws: &Workspace) -> Vec<Option<rules::WorkerResult>> {
        let none = || vec![None; ws.workers.len()];
        let Some(paths) = self
            .full_paths
            .as_ref()
            .filter(|_| self.overrides.base_ref.is_none())
        else {
            return none();
        };
        // every change since the commit: a superset of those since a
        // cancelled analysis's load
        let changed: Vec<PathBuf> = paths.iter().chain(self.dirty.iter()).cloned().collect();
        let mut kept = match &self.reuse {
            Some(prev) => super::analysis::unchanged_results(
                &prev.ws,
                &|j| prev.per_worker.get(j),
                ws,
                &changed,
            ),
            None => none(),
        };
        if let Some(p) = &self.partial {
            let more = super::analysis::unchanged_results(
                &p.ws,
                &|j| p.results.get(j).and_then(Option::as_ref),
                ws,
                &changed,
            );
            for (k, m) in kept.iter_mut().zip(more) {
                if k.is_none() {
                    *k = m;
                }
            }
        }
        kept
    }

    /// Parses the changed documents that have no tree (their parse on the
    /// message path was cut, say while the first analysis kept the cores
    /// busy): the analysis would parse them anyway, and a tree that took
    /// less than [`EDIT_PARSE_BUDGET`] goes back to its document.
    fn parse_treeless(&self, trees: &mut Trees) {
        for (p, rope) in &self.docs {
            if !self.dirty.contains(p)
                || trees.contains_key(p)
                || rope.len_bytes() > self.max_source
            {
                continue;
            }
            let text = rope.to_string();
            let Some(lang) = crate::syntax::Lang::from_path(p) else {
                continue;
            };
            let t = std::time::Instant::now();
            let Some(tree) = crate::syntax::parse(lang, &text, None) else {
                continue;
            };
            if t.elapsed() < EDIT_PARSE_BUDGET {
                if let Some(v) = self.versions.get(p) {
                    self.parsed.lock().unwrap_or_else(|e| e.into_inner()).push((
                        p.clone(),
                        *v,
                        tree.clone(),
                    ));
                }
            }
            let text = Arc::from(text.as_str());
            trees.insert(
                p.clone(),
                Parsed {
                    text,
                    tree,
                    fresh: true,
                },
            );
        }
    }

    /// Keeps what a cancelled full analysis finished for the next one.
    fn keep_unfinished(&self, st: &mut State) {
        if let Some(p) = self
            .unfinished
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
        {
            st.partial = Some(Arc::new(p));
        }
    }

    /// Gives the trees [`Job::parse_treeless`] made to their documents when
    /// they are still at the version parsed and have no tree.
    fn give_trees_back(&self, st: &mut State) {
        let parsed = std::mem::take(&mut *self.parsed.lock().unwrap_or_else(|e| e.into_inner()));
        for (p, version, tree) in parsed {
            if let Some(doc) = st.docs.get_mut(&p) {
                if doc.version == version && doc.tree.is_none() {
                    doc.tree = Some(tree);
                    doc.parse_cut = false;
                }
            }
        }
    }

    /// The analysis of the Workers below `roots` only (see
    /// [`Job::preview_roots`]); `None` when cancelled.
    fn run_preview(&self, roots: &[PathBuf]) -> Option<Analysis> {
        let texts: Vec<(PathBuf, String)> = self
            .docs
            .iter()
            .map(|(p, r)| (p.clone(), r.to_string()))
            .collect();
        let fs = overlay(&self.roots, texts);
        let guarded =
            Cancellable::new(fs.clone(), self.cancel.clone()).with_max_source(self.max_source);
        let ws = Workspace::load(&guarded, roots);
        let mut per_worker = Vec::with_capacity(ws.workers.len());
        let runs = rules::ClassRuns::default();
        for i in 0..ws.workers.len() {
            if self.cancel.load(Ordering::Relaxed) {
                return None;
            }
            per_worker.push(rules::check_one_in(
                &ws,
                &guarded,
                i,
                &self.overrides,
                &runs,
            ));
        }
        Some(Analysis::new(ws, fs, per_worker, &self.overrides))
    }

    fn run(&self) -> Option<Analysis> {
        let texts: Vec<(PathBuf, String)> = self
            .docs
            .iter()
            .map(|(p, r)| (p.clone(), r.to_string()))
            .collect();
        let mut trees: Trees = self
            .trees
            .iter()
            .filter_map(|(p, t)| {
                let text = &texts.iter().find(|(d, _)| d == p)?.1;
                Some((
                    p.clone(),
                    Parsed {
                        text: Arc::from(text.as_str()),
                        tree: t.clone(),
                        fresh: false,
                    },
                ))
            })
            .collect();
        let fs = overlay(&self.roots, texts);
        let guarded =
            Cancellable::new(fs.clone(), self.cancel.clone()).with_max_source(self.max_source);
        let cancelled = || self.cancel.load(Ordering::Relaxed);
        // An entry that can no longer be read changes what the Worker's
        // entry is: that needs discovery again.
        let prev = self.prev.as_ref().filter(|prev| {
            !self.dirty.iter().any(|p| {
                prev.is_entry_file(p) && !self.docs.iter().any(|(d, _)| d == p) && !fs.is_file(p)
            })
        });
        let mut kept_results = 0;
        let (ws, per_worker) = match prev {
            Some(prev) => {
                let t = std::time::Instant::now();
                let mut ws = prev.ws.clone();
                let cloned = t.elapsed();
                self.parse_treeless(&mut trees);
                let mut affected = ws.update_sources(&guarded, &self.dirty, Some(&trees));
                let updated = t.elapsed();
                // Rules that read beyond the graph (DO111 reads the tests
                // that use a binding) recorded what they read.
                for (i, r) in prev.per_worker.iter().enumerate() {
                    if self.dirty.iter().any(|p| r.reads.touches(p)) {
                        affected.insert(i);
                    }
                }
                if let Some(h) = self.history() {
                    for i in h.attach_missing(&mut ws) {
                        affected.insert(i);
                    }
                }
                let mut per_worker = prev.per_worker.clone();
                let runs = rules::ClassRuns::default();
                for i in affected {
                    if cancelled() {
                        return None;
                    }
                    per_worker[i] = rules::check_one_in(&ws, &guarded, i, &self.overrides, &runs);
                }
                crate::log!(
                    Debug,
                    "incremental: workspace cloned in {:.1} ms, sources updated by {:.1} ms, rules done by {:.1} ms",
                    cloned.as_secs_f64() * 1000.0,
                    updated.as_secs_f64() * 1000.0,
                    t.elapsed().as_secs_f64() * 1000.0
                );
                (ws, per_worker)
            }
            None => {
                let prior = self.reuse.as_ref().map(|a| &a.ws.files);
                let mut ws = Workspace::load_reusing(&guarded, &self.roots, prior);
                if let Some(h) = self.history() {
                    h.attach(&mut ws);
                }
                let mut per_worker = Vec::with_capacity(ws.workers.len());
                let runs = rules::ClassRuns::default();
                let mut results = self.kept_results(&ws);
                let reused = results.iter().filter(|r| r.is_some()).count();
                // The Workers of the changed files and open documents first:
                // if the analysis is cancelled, theirs are the results kept.
                let touched = |w: &crate::project::workspace::Worker| {
                    self.dirty.iter().any(|p| w.graph.contains(p))
                        || self.docs.iter().any(|(p, _)| w.graph.contains(p))
                        || self
                            .full_paths
                            .iter()
                            .flatten()
                            .any(|p| p.starts_with(w.dir()))
                };
                let (mut order, rest): (Vec<usize>, Vec<usize>) =
                    (0..ws.workers.len()).partition(|i| touched(&ws.workers[*i]));
                order.extend(rest);
                for i in order {
                    if results[i].is_some() {
                        continue;
                    }
                    if cancelled() {
                        // what is finished is kept for the next full analysis
                        *self.unfinished.lock().unwrap_or_else(|e| e.into_inner()) =
                            Some(super::analysis::Partial { ws, results });
                        return None;
                    }
                    results[i] = Some(rules::check_one_in(
                        &ws,
                        &guarded,
                        i,
                        &self.overrides,
                        &runs,
                    ));
                }
                per_worker.extend(results.into_iter().map(Option::unwrap_or_default));
                crate::log!(
                    Debug,
                    "full: {reused} of {} Workers' results kept (their inputs did not change)",
                    ws.workers.len()
                );
                kept_results = reused;
                (ws, per_worker)
            }
        };
        if cancelled() {
            return None;
        }
        let t = std::time::Instant::now();
        let mut a = Analysis::new(ws, fs, per_worker, &self.overrides);
        a.kept = kept_results;
        crate::log!(
            Debug,
            "assembled in {:.1} ms",
            t.elapsed().as_secs_f64() * 1000.0
        );
        Some(a)
    }
}

/// The roots on disk with the open documents over them.
fn overlay(roots: &[PathBuf], docs: Vec<(PathBuf, String)>) -> Arc<dyn FileSystem> {
    let os: Arc<dyn FileSystem> = Arc::new(OsFs::new(roots));
    let mut mem = MemFs::over(os);
    for (p, t) in docs {
        mem.insert(p, t);
    }
    Arc::new(mem)
}

/// The analysis loop; runs for the life of the server.
pub async fn run(client: Client, state: Arc<Mutex<State>>, sched: Arc<Scheduler>) {
    loop {
        sched.wake.notified().await;
        // Wait for a quiet moment: edits come in bursts.
        loop {
            let (rev, quiet) = {
                let st = lock(&state);
                let source_only = st.full.is_empty() && st.last.is_some();
                (
                    st.revision,
                    if source_only {
                        SOURCE_DEBOUNCE
                    } else {
                        DEBOUNCE
                    },
                )
            };
            tokio::time::sleep(quiet).await;
            if lock(&state).revision == rev {
                break;
            }
        }
        let Some(job) = Job::take(&mut lock(&state)) else {
            continue;
        };
        let progress = if job.progress {
            begin_progress(&client, job.revision).await
        } else {
            None
        };
        let started = std::time::Instant::now();
        let incremental = job.prev.is_some();
        let job = Arc::new(job);
        if job.first {
            // The opened files' Workers first: their diagnostics do not
            // wait for the whole workspace.
            let runner = job.clone();
            let preview = tokio::task::spawn_blocking(move || {
                let fs = overlay(&runner.roots, Vec::new());
                let roots = runner.preview_roots(fs.as_ref());
                if roots.is_empty() {
                    return None;
                }
                let t = std::time::Instant::now();
                let a = runner.run_preview(&roots)?;
                crate::log!(
                    Info,
                    "opened files first: {} Workers, {} files in {:.1} ms",
                    a.ws.workers.len(),
                    a.ws.files.len(),
                    t.elapsed().as_secs_f64() * 1000.0
                );
                Some((roots, a))
            })
            .await;
            if let Ok(Some((roots, a))) = preview {
                if !job.cancel.load(Ordering::Relaxed) {
                    publish_preview(&client, &state, &job, &a, &roots).await;
                }
            }
        }
        let runner = job.clone();
        let result = tokio::task::spawn_blocking(move || runner.run()).await;
        if let Some(p) = progress {
            p.finish_with_message("Done").await;
        }
        let cancelled = {
            let mut st = lock(&state);
            st.running = None;
            job.give_trees_back(&mut st);
            job.keep_unfinished(&mut st);
            job.cancel.load(Ordering::Relaxed)
        };
        match result {
            Ok(Some(a)) if !cancelled => {
                crate::log!(
                    Info,
                    "{} analysis of revision {}: {} Workers, {} files, {} findings in {:.1} ms",
                    if incremental { "incremental" } else { "full" },
                    job.revision,
                    a.ws.workers.len(),
                    a.ws.files.len(),
                    a.diagnostics.len(),
                    started.elapsed().as_secs_f64() * 1000.0
                );
                publish(&client, &state, &sched, &job, Arc::new(a)).await;
            }
            Ok(_) => {
                crate::log!(
                    Debug,
                    "analysis of revision {} cancelled after {:.1} ms",
                    job.revision,
                    started.elapsed().as_secs_f64() * 1000.0
                );
            }
            Err(e) => {
                crate::log!(Error, "analysis failed: {e}");
                // Waiters must not wait for an analysis that will not come:
                // this revision is done, with the last results.
                {
                    let mut st = lock(&state);
                    st.committed = st.committed.max(job.revision);
                }
                sched.committed.send_replace(job.revision);
                client
                    .log_message(
                        MessageType::ERROR,
                        format!("durable-lsp: the analysis failed ({e}); the next change retries"),
                    )
                    .await;
            }
        }
        // A large document was closed: once the analyses that held its text
        // (the committed one this replaced, and this job's base) are gone,
        // the allocator is asked to give what it freed back.
        drop(job);
        let release = {
            let mut st = lock(&state);
            st.committed == st.revision && std::mem::take(&mut st.release_memory)
        };
        if release {
            let _ = tokio::task::spawn_blocking(crate::alloc::release).await;
        }
    }
}

async fn begin_progress(
    client: &Client,
    revision: u64,
) -> Option<
    tower_lsp_server::OngoingProgress<
        tower_lsp_server::Unbounded,
        tower_lsp_server::NotCancellable,
    >,
> {
    let token = NumberOrString::String(format!("durable-lsp-analysis-{revision}"));
    // The client's answer is awaited briefly: a client that does not answer
    // must not hold up the analysis.
    let created = tokio::time::timeout(
        Duration::from_millis(500),
        client.send_request::<request::WorkDoneProgressCreate>(WorkDoneProgressCreateParams {
            token: token.clone(),
        }),
    )
    .await;
    match created {
        Ok(Ok(())) => Some(
            client
                .progress(token, "durable-lsp")
                .with_message("Analysing Workers")
                .begin()
                .await,
        ),
        _ => None,
    }
}

/// The LSP diagnostics of an analysis, by file.
fn lsp_diagnostics(a: &Analysis, enc: Encoding) -> HashMap<PathBuf, Vec<Diagnostic>> {
    let mut by_file: HashMap<PathBuf, Vec<Diagnostic>> = HashMap::new();
    for d in &a.diagnostics {
        by_file
            .entry(d.file.clone())
            .or_default()
            .push(convert::diagnostic(&a.ws, d, enc, &a.docs_base));
    }
    by_file
}

/// Commits `a` as the analysis of revision `rev`: the changes it covers
/// are no longer pending. Returns what to push (push mode) and whether to
/// ask the client to pull again (pull mode).
fn commit(
    st: &mut State,
    rev: u64,
    a: Arc<Analysis>,
    by_file: HashMap<PathBuf, Vec<Diagnostic>>,
) -> (Vec<(PathBuf, Vec<Diagnostic>)>, bool) {
    st.dirty.retain(|_, r| *r > rev);
    st.full.retain(|(r, _)| *r > rev);
    st.last = Some(a);
    st.partial = None;
    st.committed = rev;
    st.preview = None;
    if st.features.pull {
        let changed = st.published.len() != by_file.len()
            || by_file.iter().any(|(p, d)| st.published.get(p) != Some(d));
        st.published = by_file;
        return (Vec::new(), changed);
    }
    let mut sends: Vec<(PathBuf, Vec<Diagnostic>)> = Vec::new();
    let gone: Vec<PathBuf> = st
        .published
        .keys()
        .filter(|p| !by_file.contains_key(*p))
        .cloned()
        .collect();
    for p in gone {
        st.published.remove(&p);
        sends.push((p, Vec::new()));
    }
    for (p, diags) in by_file {
        if st.published.get(&p) != Some(&diags) {
            st.published.insert(p.clone(), diags.clone());
            sends.push((p, diags));
        }
    }
    (sends, false)
}

/// Takes the job for the latest revision and cancels it at a random point
/// (after about `steps` yields of another thread), as a change arriving
/// mid-analysis does; nothing is committed, whether or not the analysis
/// finished first (for tests).
#[cfg(test)]
pub(crate) fn analyse_cancelled(state: &Mutex<State>, steps: usize) {
    let Some(job) = Job::take(&mut lock(state)) else {
        return;
    };
    let flag = job.cancel.clone();
    let counter = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|s| {
        s.spawn(|| {
            while counter.load(Ordering::Relaxed) < steps && !flag.load(Ordering::Relaxed) {
                std::thread::yield_now();
                counter.fetch_add(1, Ordering::Relaxed);
            }
            flag.store(true, Ordering::Relaxed);
        });
        let result = job.run();
        flag.store(true, Ordering::Relaxed);
        drop(result);
        let mut st = lock(state);
        st.running = None;
        job.keep_unfinished(&mut st);
    });
}

/// Runs the job for the latest revision on this thread and commits it, as
/// the loop does (for tests).
#[cfg(test)]
pub(crate) fn analyse_now(state: &Mutex<State>) -> bool {
    let Some(job) = Job::take(&mut lock(state)) else {
        return false;
    };
    let result = job.run();
    {
        let mut st = lock(state);
        st.running = None;
        job.give_trees_back(&mut st);
        job.keep_unfinished(&mut st);
    }
    match result {
        Some(a) => {
            let by_file = lsp_diagnostics(&a, job.encoding);
            commit(&mut lock(state), job.revision, Arc::new(a), by_file);
            true
        }
        None => false,
    }
}

/// Commits an analysis for its revision and sends what changed.
/// Publishes what the analysis of the opened files' Workers found for the
/// files below `roots`, before the first full analysis: pushed, or kept
/// for pulls of this revision (with a refresh).
async fn publish_preview(
    client: &Client,
    state: &Mutex<State>,
    job: &Job,
    a: &Analysis,
    roots: &[PathBuf],
) {
    let by_file: HashMap<PathBuf, Vec<Diagnostic>> = lsp_diagnostics(a, job.encoding)
        .into_iter()
        .filter(|(p, _)| roots.iter().any(|r| p.starts_with(r)))
        .collect();
    let pull = {
        let mut st = lock(state);
        if st.revision != job.revision || st.last.is_some() {
            return; // overtaken
        }
        if st.features.pull {
            st.preview = Some(crate::lsp::session::Preview {
                revision: job.revision,
                roots: roots.to_vec(),
                by_file: by_file.clone(),
            });
            true
        } else {
            for (p, d) in &by_file {
                st.published.insert(p.clone(), d.clone());
            }
            false
        }
    };
    if pull {
        let client = client.clone();
        tokio::spawn(async move {
            let _ = client.workspace_diagnostic_refresh().await;
        });
        return;
    }
    for (p, diags) in by_file {
        if let Some(u) = convert::uri(&p) {
            client
                .publish_diagnostics(u, diags, job.versions.get(&p).copied())
                .await;
        }
    }
}

async fn publish(
    client: &Client,
    state: &Mutex<State>,
    sched: &Scheduler,
    job: &Job,
    a: Arc<Analysis>,
) {
    let t = std::time::Instant::now();
    let by_file = lsp_diagnostics(&a, job.encoding);
    crate::log!(
        Debug,
        "converted {} diagnostics in {:.1} ms",
        a.diagnostics.len(),
        t.elapsed().as_secs_f64() * 1000.0
    );
    let rev = job.revision;
    let (sends, refresh) = commit(&mut lock(state), rev, a, by_file);
    sched.committed.send_replace(rev);
    if refresh {
        // A request to the client: its answer must not hold up the next
        // analysis (a client may be busy writing to us).
        let client = client.clone();
        tokio::spawn(async move {
            let _ = client.workspace_diagnostic_refresh().await;
        });
    }
    for (p, diags) in sends {
        if let Some(u) = convert::uri(&p) {
            client
                .publish_diagnostics(u, diags, job.versions.get(&p).copied())
                .await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lsp::session::Doc;

    /// A server state for `root` with its first analysis committed.
    fn analysed(root: &std::path::Path) -> Mutex<State> {
        let state = Mutex::new(State {
            roots: vec![root.to_path_buf()],
            ..Default::default()
        });
        lock(&state).note_change(None);
        assert!(analyse_now(&state));
        state
    }

    /// A full analysis keeps the results of the Workers whose inputs did
    /// not change: a config edit in one Worker re-checks that Worker and
    /// those sharing files with it, and the findings equal `--check`'s.
    #[test]
    fn a_full_analysis_keeps_the_results_of_unchanged_workers() {
        let root = std::env::temp_dir().join(format!("durable-lsp-keep-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let config = |name: &str, class: &str| {
            format!(
                "name = \"{name}\"\nmain = \"index.ts\"\ncompatibility_date = \"2025-06-01\"\n\n[[durable_objects.bindings]]\nname = \"ROOM\"\nclass_name = \"{class}\"\n\n[[migrations]]\ntag = \"v1\"\nnew_sqlite_classes = [\"Room\"]\n"
            )
        };
        for w in ["a", "b", "c"] {
            std::fs::create_dir_all(root.join(w)).unwrap();
            std::fs::write(root.join(w).join("wrangler.toml"), config(w, "Room")).unwrap();
            let shared = if w == "c" { "./room" } else { "../shared/room" };
            std::fs::write(
                root.join(w).join("index.ts"),
                format!("export {{ Room }} from \"{shared}\";\nexport default {{ fetch() {{ return new Response(\"\"); }} }};\n"),
            )
            .unwrap();
        }
        std::fs::create_dir_all(root.join("shared")).unwrap();
        let room = "import { DurableObject } from \"cloudflare:workers\";\nexport class Room extends DurableObject {}\n";
        std::fs::write(root.join("shared/room.ts"), room).unwrap();
        std::fs::write(root.join("c/room.ts"), room).unwrap();
        let root = root.canonicalize().unwrap();
        let state = analysed(&root);
        let check = || {
            let fs = OsFs::new(std::slice::from_ref(&root));
            let ws = Workspace::load(&fs, std::slice::from_ref(&root));
            let mut d: Vec<String> = rules::check(&ws, &fs)
                .diagnostics
                .iter()
                .map(|d| format!("{} {} {}", d.code, d.file.display(), d.message))
                .collect();
            d.sort();
            d
        };
        let served = |st: &State| {
            let mut d: Vec<String> = st
                .last
                .as_ref()
                .unwrap()
                .diagnostics
                .iter()
                .map(|d| format!("{} {} {}", d.code, d.file.display(), d.message))
                .collect();
            d.sort();
            d
        };
        // c shares nothing: a and b keep theirs
        std::fs::write(root.join("c/wrangler.toml"), config("c", "Rooom")).unwrap();
        lock(&state).note_change(Some(root.join("c/wrangler.toml")));
        assert!(analyse_now(&state));
        assert_eq!(lock(&state).last.as_ref().unwrap().kept, 2);
        assert_eq!(served(&lock(&state)), check());
        assert!(served(&lock(&state)).iter().any(|d| d.starts_with("DO101")));
        // a shares shared/room.ts with b: only c keeps its result
        std::fs::write(root.join("a/wrangler.toml"), config("a", "Rooom")).unwrap();
        lock(&state).note_change(Some(root.join("a/wrangler.toml")));
        assert!(analyse_now(&state));
        assert_eq!(lock(&state).last.as_ref().unwrap().kept, 1);
        assert_eq!(served(&lock(&state)), check());
        // a settings change names no file: nothing is kept
        lock(&state).note_change(None);
        assert!(analyse_now(&state));
        assert_eq!(lock(&state).last.as_ref().unwrap().kept, 0);
        let _ = std::fs::remove_dir_all(&root);
    }

    /// A full analysis cancelled after some Workers leaves their results
    /// for the next one: it continues where the cancelled one stopped.
    #[test]
    fn a_cancelled_full_analysis_leaves_its_finished_workers() {
        let root = std::env::temp_dir().join(format!("durable-lsp-partial-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        for w in 0..6 {
            let dir = root.join(format!("w{w}"));
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(
                dir.join("wrangler.toml"),
                format!(
                    "name = \"w{w}\"\nmain = \"index.ts\"\ncompatibility_date = \"2025-06-01\"\n"
                ),
            )
            .unwrap();
            std::fs::write(dir.join("index.ts"), "export default {};\n").unwrap();
        }
        let root = root.canonicalize().unwrap();
        let state = analysed(&root);
        // every config changes (the committed results are all stale); a
        // full analysis is cancelled once three Workers are done
        for w in 0..6 {
            let cfg = root.join(format!("w{w}/wrangler.toml"));
            std::fs::write(
                &cfg,
                format!(
                    "name = \"w{w}\"\nmain = \"index.ts\"\ncompatibility_date = \"2025-06-02\"\n"
                ),
            )
            .unwrap();
            lock(&state).note_change(Some(cfg));
        }
        let job = Job::take(&mut lock(&state)).unwrap();
        let fs = overlay(&job.roots, Vec::new());
        let ws = Workspace::load(fs.as_ref(), &job.roots);
        let mut results: Vec<Option<rules::WorkerResult>> = (0..ws.workers.len())
            .map(|i| (i < 3).then(|| rules::check_one(&ws, fs.as_ref(), i, &job.overrides)))
            .collect();
        results.truncate(ws.workers.len());
        *job.unfinished.lock().unwrap() = Some(super::super::analysis::Partial { ws, results });
        job.cancel.store(true, Ordering::Relaxed);
        {
            let mut st = lock(&state);
            st.running = None;
            job.keep_unfinished(&mut st);
            assert!(st.partial.is_some());
        }
        // the next full analysis keeps the three finished ones
        assert!(analyse_now(&state));
        let st = lock(&state);
        assert_eq!(st.last.as_ref().unwrap().kept, 3);
        assert!(st.partial.is_none());
        drop(st);
        let _ = std::fs::remove_dir_all(&root);
    }

    /// An analysis reads with the source size limit its settings had
    /// when it started: a settings change meanwhile (which brings the next
    /// analysis) does not change what the running one skips.
    #[test]
    fn an_analysis_keeps_the_source_limit_it_started_with() {
        let root = std::env::temp_dir().join(format!("durable-lsp-limit-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root).unwrap();
        std::fs::write(
            root.join("wrangler.toml"),
            "name = \"w\"\nmain = \"index.ts\"\ncompatibility_date = \"2025-06-01\"\n",
        )
        .unwrap();
        // a 1.5 MB entry: under the default limit, over a 1 MB one
        let big = format!("export default {{}};\n{}", "// padding\n".repeat(150_000));
        std::fs::write(root.join("index.ts"), &big).unwrap();
        let root = root.canonicalize().unwrap();
        let state = Mutex::new(State {
            roots: vec![root.clone()],
            max_source_default: 4 * 1024 * 1024,
            ..Default::default()
        });
        lock(&state).note_change(None);
        let job = Job::take(&mut lock(&state)).unwrap();
        // the settings change while the job runs
        let mut st = lock(&state);
        st.set_overrides(Settings {
            max_source_mb: Some(1),
            ..Default::default()
        });
        assert_eq!(crate::syntax::max_source_bytes(), 1024 * 1024);
        drop(st);
        let a = job.run().unwrap();
        lock(&state).set_overrides(Settings::default());
        assert!(
            a.ws.file(&root.join("index.ts")).is_some(),
            "{:?}",
            a.ws.skipped
        );
        assert!(a.ws.skipped.is_empty());
        let _ = std::fs::remove_dir_all(&root);
    }

    /// A document whose parse on the message path was cut (the cores were
    /// busy) gets the analysis's fresh tree back, so the next keystroke is
    /// reparsed incrementally instead of the analysis parsing the whole
    /// file again; a document that moved on since keeps none.
    #[test]
    fn a_document_without_a_tree_gets_the_analysis_tree_back() {
        let root = std::env::temp_dir().join(format!("durable-lsp-trees-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(root.join("src")).unwrap();
        std::fs::write(
            root.join("wrangler.toml"),
            "name = \"w\"\nmain = \"src/index.ts\"\ncompatibility_date = \"2025-01-01\"\n",
        )
        .unwrap();
        let index = root.join("src/index.ts");
        let other = root.join("src/other.ts");
        std::fs::write(&index, "export default {};\n").unwrap();
        std::fs::write(&other, "export const x = 1;\n").unwrap();
        let root = root.canonicalize().unwrap();
        let (index, other) = (root.join("src/index.ts"), root.join("src/other.ts"));
        let state = analysed(&root);
        for p in [&index, &other] {
            let mut doc = Doc::new(p, "export default { x: 1 };\n".into(), 1);
            doc.tree = None;
            doc.parse_cut = true;
            let mut st = lock(&state);
            st.docs.insert(p.clone(), doc);
            st.note_change(Some(p.clone()));
        }
        // `other` moves on while the job runs: its tree would be stale.
        let job = Job::take(&mut lock(&state)).unwrap();
        lock(&state).docs.get_mut(&other).unwrap().version = 2;
        assert!(job.run().is_some());
        job.give_trees_back(&mut lock(&state));
        let st = lock(&state);
        let doc = &st.docs[&index];
        assert!(doc.tree.is_some() && !doc.parse_cut);
        assert_eq!(
            doc.tree.as_ref().unwrap().root_node().to_sexp(),
            crate::syntax::parse(
                crate::syntax::Lang::TypeScript,
                "export default { x: 1 };\n",
                None
            )
            .unwrap()
            .root_node()
            .to_sexp()
        );
        assert!(st.docs[&other].tree.is_none());
        drop(st);
        let _ = std::fs::remove_dir_all(&root);
    }
}
