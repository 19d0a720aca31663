//! The language server: tower-lsp-server glue around the same engine as
//! `--check`. Document changes are applied in order under a lock that is
//! never held across an `.await`; analysis runs on a blocking thread over a
//! snapshot (open documents laid over the disk) and is dropped when a newer
//! change arrived meanwhile.

pub mod convert;

use crate::cli::Outcome;
use crate::project::fs::{FileSystem, MemFs, OsFs};
use crate::project::workspace::Trees;
use crate::project::{Entry, Workspace};
use crate::rules::{self, DOCS_BASE};
use crate::settings::Settings;
use crate::text::{Encoding, LineIndex, Position as TextPos};
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::*;
use tower_lsp_server::{Client, LanguageServer, LspService, Server};

/// Time to wait for more edits before analysing.
const DEBOUNCE: Duration = Duration::from_millis(15);

/// An open document: a rope (lines break on LF, CR and CRLF only: ropey is
/// built with `cr_lines` and without `unicode_lines`), its version, and its
/// tree, kept current by incremental reparsing.
struct Doc {
    text: ropey::Rope,
    version: i32,
    tree: Option<tree_sitter::Tree>,
}

impl Doc {
    fn new(path: &Path, text: String, version: i32) -> Doc {
        let rope = ropey::Rope::from_str(&text);
        let tree = crate::syntax::Lang::from_path(path).and_then(|l| parse_rope(l, &rope, None));
        Doc {
            text: rope,
            version,
            tree,
        }
    }
}

/// Parses a rope chunk by chunk (no copy into one string).
fn parse_rope(
    lang: crate::syntax::Lang,
    rope: &ropey::Rope,
    old: Option<&tree_sitter::Tree>,
) -> Option<tree_sitter::Tree> {
    let mut parser = tree_sitter::Parser::new();
    parser.set_language(&lang.grammar()).ok()?;
    let len = rope.len_bytes();
    let mut read = |byte: usize, _: tree_sitter::Point| -> &[u8] {
        if byte >= len {
            return &[];
        }
        let (chunk, start, _, _) = rope.chunk_at_byte(byte);
        &chunk.as_bytes()[byte - start..]
    };
    parser.parse_with_options(&mut read, old, None)
}

/// The result of one analysis, kept for hover.
struct Analysis {
    ws: Workspace,
    fs: Arc<dyn FileSystem>,
    per_worker: Vec<rules::WorkerResult>,
    diagnostics: Vec<rules::Diagnostic>,
}

#[derive(Default)]
struct State {
    roots: Vec<PathBuf>,
    docs: HashMap<PathBuf, Doc>,
    encoding: Option<Encoding>,
    /// what each file was last sent, to send only changes
    published: HashMap<PathBuf, Vec<Diagnostic>>,
    /// open documents changed since the last committed analysis
    dirty: BTreeSet<PathBuf>,
    /// a change that needs a full analysis (a config, a file on disk,
    /// settings, folders) since the last committed analysis
    full: bool,
    last: Option<Arc<Analysis>>,
    generation: u64,
    watch_dynamic: bool,
    /// the editor's settings, over each Worker's durable-lsp.toml
    overrides: Settings,
    config_pull: bool,
    /// Pull mode: the client asks for diagnostics (`textDocument/diagnostic`,
    /// `workspace/diagnostic`) and is told to ask again after cross-file
    /// changes; otherwise the server pushes them.
    pull: bool,
    /// The generation of the last committed analysis.
    committed: u64,
    work_done_progress: bool,
}

pub struct Backend {
    client: Client,
    state: Arc<Mutex<State>>,
    /// Held from commit to the last notification sent, so that an older
    /// analysis's pushes never land after a newer one's.
    publishing: Arc<tokio::sync::Mutex<()>>,
}

fn lock(m: &Mutex<State>) -> std::sync::MutexGuard<'_, State> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Files whose change can alter discovery, entries or resolution: a full
/// analysis follows.
fn is_config_path(p: &Path) -> bool {
    p.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
        crate::config::is_config_name(n)
            || crate::config::is_vite_config_name(n)
            || n == crate::settings::FILE_NAME
            || n == "package.json"
            || n == "pnpm-workspace.yaml"
            || n == ".gitignore"
            || n.starts_with("tsconfig")
            || n.starts_with("jsconfig")
            || [
                "rollup.config.",
                "remix.config.",
                "tsup.config.",
                "tsdown.config.",
                "webpack.config.",
                "esbuild.config.",
            ]
            .iter()
            .any(|pre| n.starts_with(pre))
    })
}

fn path_of(uri: &Uri) -> Option<PathBuf> {
    uri.to_file_path().map(|p| p.into_owned())
}

/// The folder a single open file belongs to: the nearest one with a
/// wrangler config, else the file's own folder.
fn root_for(file: &Path) -> PathBuf {
    let mut dir = file.parent();
    while let Some(d) = dir {
        if crate::config::CONFIG_NAMES
            .iter()
            .any(|n| d.join(n).is_file())
        {
            return d.to_path_buf();
        }
        dir = d.parent();
    }
    file.parent().map(Path::to_path_buf).unwrap_or_default()
}

/// What the client can do, read once from its capabilities.
struct ClientFeatures {
    /// It registers file watchers when asked (`workspace/didChangeWatchedFiles`).
    watch_dynamic: bool,
    /// It answers `workspace/configuration`.
    config_pull: bool,
    /// It pulls diagnostics and can be told to pull again: without refresh
    /// support a client cannot learn of cross-file changes, so it gets push.
    pull: bool,
    /// It shows `$/progress`.
    work_done_progress: bool,
}

impl ClientFeatures {
    fn of(c: &ClientCapabilities) -> ClientFeatures {
        let ws = c.workspace.as_ref();
        ClientFeatures {
            watch_dynamic: ws
                .and_then(|w| w.did_change_watched_files.as_ref())
                .and_then(|d| d.dynamic_registration)
                .unwrap_or(false),
            config_pull: ws.and_then(|w| w.configuration).unwrap_or(false),
            pull: c
                .text_document
                .as_ref()
                .and_then(|t| t.diagnostic.as_ref())
                .is_some()
                && ws
                    .and_then(|w| w.diagnostics.as_ref())
                    .and_then(|d| d.refresh_support)
                    .unwrap_or(false),
            work_done_progress: c
                .window
                .as_ref()
                .and_then(|w| w.work_done_progress)
                .unwrap_or(false),
        }
    }
}

/// Editor settings: `{"rules": {…}}`, or the same under `"durable-lsp"`.
fn settings_from(v: &serde_json::Value) -> Settings {
    Settings::from_json(v.get("durable-lsp").unwrap_or(v))
}

/// Applies one content change; positions past the end are clamped.
/// Returns the edit for tree-sitter.
fn apply_change(
    rope: &mut ropey::Rope,
    change: &TextDocumentContentChangeEvent,
    enc: Encoding,
) -> tree_sitter::InputEdit {
    let (s, e) = match change.range {
        None => (0, rope.len_chars()),
        Some(r) => {
            let s = crate::text::rope::char_at(
                rope,
                TextPos {
                    line: r.start.line,
                    column: r.start.character,
                },
                enc,
            );
            let e = crate::text::rope::char_at(
                rope,
                TextPos {
                    line: r.end.line,
                    column: r.end.character,
                },
                enc,
            );
            (s.min(e), s.max(e))
        }
    };
    let start_byte = rope.char_to_byte(s);
    let old_end_byte = rope.char_to_byte(e);
    let start_position = crate::text::rope::point_at(rope, start_byte);
    let old_end_position = crate::text::rope::point_at(rope, old_end_byte);
    rope.remove(s..e);
    rope.insert(s, &change.text);
    let new_end_byte = start_byte + change.text.len();
    tree_sitter::InputEdit {
        start_byte,
        old_end_byte,
        new_end_byte,
        start_position,
        old_end_position,
        new_end_position: crate::text::rope::point_at(rope, new_end_byte),
    }
}

impl Backend {
    /// The diagnostics of the latest analysis, once every change made so far
    /// is in it (waits at most 5 s, then answers with what it has).
    async fn settled(&self) -> HashMap<PathBuf, Vec<Diagnostic>> {
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        loop {
            {
                let st = lock(&self.state);
                if st.committed == st.generation || std::time::Instant::now() > deadline {
                    return st.published.clone();
                }
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    /// `workspace/configuration` for the section `durable-lsp`, when the
    /// client supports it; its answer replaces the editor settings.
    async fn pull_configuration(&self) {
        if !lock(&self.state).config_pull {
            return;
        }
        let items = vec![ConfigurationItem {
            scope_uri: None,
            section: Some("durable-lsp".into()),
        }];
        if let Ok(values) = self.client.configuration(items).await {
            if let Some(v) = values.first().filter(|v| !v.is_null()) {
                let new = Settings::from_json(v);
                lock(&self.state).overrides = new;
            }
        }
    }

    /// API hover on an open document that no Worker reaches.
    fn standalone_hover(&self, path: &Path, pos: Position, enc: Encoding) -> Option<Hover> {
        let lang = crate::syntax::Lang::from_path(path)?;
        let text = lock(&self.state).docs.get(path)?.text.to_string();
        let idx = LineIndex::new(&text);
        let at = convert::offset(&text, &idx, pos, enc);
        let h = crate::ide::hover::source_hover(lang, &text, at)?;
        let s = idx.position(&text, h.span.start, enc);
        let e = idx.position(&text, h.span.end, enc);
        Some(Hover {
            contents: HoverContents::Markup(MarkupContent {
                kind: MarkupKind::Markdown,
                value: h.markdown,
            }),
            range: Some(Range::new(
                Position::new(s.line, s.column),
                Position::new(e.line, e.column),
            )),
        })
    }

    fn encoding(&self) -> Encoding {
        lock(&self.state).encoding.unwrap_or(Encoding::Utf16)
    }

    /// Starts an analysis after the debounce, unless a newer change comes.
    /// Notes a change and starts an analysis after the debounce, unless a
    /// newer change comes first. `path` is an edited source document, or
    /// `None` for a change that needs a full analysis.
    fn changed(&self, path: Option<PathBuf>) {
        {
            let mut st = lock(&self.state);
            // A file some Worker names as `main` but which was missing, or
            // one the last analysis never read, can change entries: full.
            let entry_target = |p: &Path| {
                st.last.as_ref().is_some_and(|a| {
                    a.ws.workers.iter().any(|w| {
                        w.entries.iter().any(|e| match e {
                            Entry::Missing { path } => path == p,
                            Entry::BuildOutput { path, .. } => path == p,
                            _ => false,
                        })
                    })
                })
            };
            match path {
                Some(p) if !is_config_path(&p) && !entry_target(&p) => {
                    st.dirty.insert(p);
                }
                _ => st.full = true,
            }
        }
        self.schedule();
    }

    fn schedule(&self) {
        let generation = {
            let mut st = lock(&self.state);
            st.generation += 1;
            st.generation
        };
        let state = self.state.clone();
        let client = self.client.clone();
        let publishing = self.publishing.clone();
        tokio::spawn(async move {
            tokio::time::sleep(DEBOUNCE).await;
            let (roots, docs, enc, overrides, dirty, prev) = {
                let st = lock(&state);
                if st.generation != generation {
                    return;
                }
                let docs: Vec<(PathBuf, String)> = st
                    .docs
                    .iter()
                    .map(|(p, d)| (p.clone(), d.text.to_string()))
                    .collect();
                let prev = if st.full { None } else { st.last.clone() };
                let trees: Trees = st
                    .docs
                    .iter()
                    .filter(|(p, _)| st.dirty.contains(*p))
                    .filter_map(|(p, d)| {
                        Some((p.clone(), (Arc::from(d.text.to_string()), d.tree.clone()?)))
                    })
                    .collect();
                (
                    st.roots.clone(),
                    docs,
                    st.encoding.unwrap_or(Encoding::Utf16),
                    st.overrides.clone(),
                    (st.dirty.clone(), trees),
                    prev,
                )
            };
            // A full analysis (the first one, a config or disk change) shows
            // progress where the client supports it.
            let progress = if prev.is_none() && lock(&state).work_done_progress {
                let token = NumberOrString::String(format!("durable-lsp-analysis-{generation}"));
                let created = client
                    .send_request::<request::WorkDoneProgressCreate>(WorkDoneProgressCreateParams {
                        token: token.clone(),
                    })
                    .await;
                match created {
                    Ok(()) => Some(
                        client
                            .progress(token, "durable-lsp")
                            .with_message("Analysing Workers")
                            .begin()
                            .await,
                    ),
                    Err(_) => None,
                }
            } else {
                None
            };
            let started = std::time::Instant::now();
            let incremental = prev.is_some();
            let result = tokio::task::spawn_blocking(move || match prev {
                Some(prev) => reanalyse(&prev, &roots, docs, &dirty.0, &dirty.1, &overrides),
                None => analyse(&roots, docs, &overrides),
            })
            .await;
            if let Some(p) = progress {
                p.finish_with_message("Done").await;
            }
            if let Ok(a) = &result {
                crate::log!(
                    Info,
                    "{} analysis: {} Workers, {} files, {} findings in {:.1} ms",
                    if incremental { "incremental" } else { "full" },
                    a.ws.workers.len(),
                    a.ws.files.len(),
                    a.diagnostics.len(),
                    started.elapsed().as_secs_f64() * 1000.0
                );
            }
            let analysis = match result {
                Ok(a) => Arc::new(a),
                Err(e) => {
                    crate::log!(Error, "analysis failed: {e}");
                    // Pull requests must not wait for an analysis that will
                    // not come: this generation is done, with the last results.
                    {
                        let mut st = lock(&state);
                        if st.generation == generation {
                            st.committed = generation;
                        }
                    }
                    client
                        .log_message(
                            MessageType::ERROR,
                            format!(
                                "durable-lsp: the analysis failed ({e}); the next change retries"
                            ),
                        )
                        .await;
                    return;
                }
            };
            let _order = publishing.lock().await;
            publish(&client, &state, generation, analysis, enc).await;
        });
    }
}

/// One analysis of the roots, with open documents over the disk.
fn overlay(roots: &[PathBuf], docs: Vec<(PathBuf, String)>) -> Arc<dyn FileSystem> {
    let os: Arc<dyn FileSystem> = Arc::new(OsFs::new(roots));
    let mut mem = MemFs::over(os);
    for (p, t) in docs {
        mem.insert(p, t);
    }
    Arc::new(mem)
}

impl Analysis {
    fn new(
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
        }
    }
}

/// A full analysis of the roots, with open documents over the disk.
fn analyse(roots: &[PathBuf], docs: Vec<(PathBuf, String)>, overrides: &Settings) -> Analysis {
    let fs = overlay(roots, docs);
    let ws = Workspace::load(&*fs, roots);
    let per_worker = rules::check_workers(&ws, &*fs, overrides);
    Analysis::new(ws, fs, per_worker, overrides)
}

/// The previous analysis with the changed source documents re-read: only
/// the Workers that reach them are checked again.
fn reanalyse(
    prev: &Analysis,
    roots: &[PathBuf],
    docs: Vec<(PathBuf, String)>,
    changed: &BTreeSet<PathBuf>,
    trees: &Trees,
    overrides: &Settings,
) -> Analysis {
    let fs = overlay(roots, docs);
    let mut ws = prev.ws.clone();
    let affected = ws.update_sources(&*fs, changed, Some(trees));
    let mut per_worker = prev.per_worker.clone();
    for i in affected {
        per_worker[i] = rules::check_one(&ws, &*fs, i, overrides);
    }
    Analysis::new(ws, fs, per_worker, overrides)
}

async fn publish(
    client: &Client,
    state: &Mutex<State>,
    generation: u64,
    a: Arc<Analysis>,
    enc: Encoding,
) {
    let mut by_file: HashMap<PathBuf, Vec<Diagnostic>> = HashMap::new();
    for d in &a.diagnostics {
        by_file
            .entry(d.file.clone())
            .or_default()
            .push(convert::diagnostic(&a.ws, d, enc, DOCS_BASE));
    }
    let (sends, versions, refresh) = {
        let mut st = lock(state);
        if st.generation != generation {
            return; // a newer analysis is coming; its base stays the last one
        }
        // Commit: every change up to this generation is in this analysis.
        st.dirty.clear();
        st.full = false;
        st.last = Some(a.clone());
        st.committed = generation;
        if st.pull {
            let changed = st.published.len() != by_file.len()
                || by_file.iter().any(|(p, d)| st.published.get(p) != Some(d));
            st.published = by_file;
            (Vec::new(), HashMap::new(), changed)
        } else {
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
            let versions: HashMap<PathBuf, i32> = st
                .docs
                .iter()
                .map(|(p, d)| (p.clone(), d.version))
                .collect();
            (sends, versions, false)
        }
    };
    if refresh {
        let _ = client.workspace_diagnostic_refresh().await;
    }
    for (p, diags) in sends {
        if let Some(u) = convert::uri(&p) {
            client
                .publish_diagnostics(u, diags, versions.get(&p).copied())
                .await;
        }
    }
}

impl LanguageServer for Backend {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        let enc = convert::negotiate(
            params
                .capabilities
                .general
                .as_ref()
                .and_then(|g| g.position_encodings.as_deref()),
        );
        let mut roots: Vec<PathBuf> = params
            .workspace_folders
            .as_deref()
            .unwrap_or(&[])
            .iter()
            .filter_map(|f| path_of(&f.uri))
            .collect();
        #[allow(deprecated)]
        if roots.is_empty() {
            if let Some(p) = params.root_uri.as_ref().and_then(path_of) {
                roots.push(p);
            }
        }
        let client = ClientFeatures::of(&params.capabilities);
        let pull = client.pull;
        {
            let mut st = lock(&self.state);
            st.roots = roots;
            st.encoding = Some(enc);
            st.watch_dynamic = client.watch_dynamic;
            st.config_pull = client.config_pull;
            st.pull = client.pull;
            st.work_done_progress = client.work_done_progress;
            if let Some(opts) = &params.initialization_options {
                st.overrides = settings_from(opts);
            }
        }
        Ok(InitializeResult {
            capabilities: ServerCapabilities {
                position_encoding: Some(convert::encoding_kind(enc)),
                text_document_sync: Some(TextDocumentSyncCapability::Options(
                    TextDocumentSyncOptions {
                        open_close: Some(true),
                        change: Some(TextDocumentSyncKind::INCREMENTAL),
                        save: Some(TextDocumentSyncSaveOptions::Supported(true)),
                        ..Default::default()
                    },
                )),
                hover_provider: Some(HoverProviderCapability::Simple(true)),
                diagnostic_provider: pull.then(|| {
                    DiagnosticServerCapabilities::Options(DiagnosticOptions {
                        identifier: Some("durable-lsp".into()),
                        inter_file_dependencies: true,
                        workspace_diagnostics: true,
                        work_done_progress_options: Default::default(),
                    })
                }),
                ..Default::default()
            },
            server_info: Some(ServerInfo {
                name: "durable-lsp".into(),
                version: Some(env!("CARGO_PKG_VERSION").into()),
            }),
            offset_encoding: None,
        })
    }

    async fn initialized(&self, _: InitializedParams) {
        self.pull_configuration().await;
        let dynamic = lock(&self.state).watch_dynamic;
        if dynamic {
            let watchers = [
                "**/*wrangler*.{toml,json,jsonc}",
                "**/package.json",
                "**/tsconfig*.json",
                "**/jsconfig*.json",
                "**/durable-lsp.toml",
                "**/pnpm-workspace.yaml",
                "**/{vite,vitest,rollup,remix,tsup,tsdown,webpack}.config.*",
                "**/*.{ts,tsx,mts,cts,js,jsx,mjs,cjs}",
            ]
            .iter()
            .map(|g| FileSystemWatcher {
                glob_pattern: GlobPattern::String(g.to_string()),
                kind: None,
            })
            .collect();
            let options = DidChangeWatchedFilesRegistrationOptions { watchers };
            let reg = Registration {
                id: "durable-lsp-watch".into(),
                method: "workspace/didChangeWatchedFiles".into(),
                register_options: serde_json::to_value(options).ok(),
            };
            if let Err(e) = self.client.register_capability(vec![reg]).await {
                self.client
                    .log_message(MessageType::WARNING, format!("could not watch files: {e}"))
                    .await;
            }
        }
        self.changed(None);
    }

    async fn shutdown(&self) -> Result<()> {
        Ok(())
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        let Some(path) = path_of(&params.text_document.uri) else {
            return;
        };
        let new_root = {
            let mut st = lock(&self.state);
            let mut new_root = false;
            if st.roots.is_empty() || !st.roots.iter().any(|r| path.starts_with(r)) {
                let root = root_for(&path);
                if !st.roots.contains(&root) {
                    st.roots.push(root);
                    new_root = true;
                }
            }
            let doc = Doc::new(
                &path,
                params.text_document.text,
                params.text_document.version,
            );
            st.docs.insert(path.clone(), doc);
            new_root
        };
        self.changed((!new_root).then_some(path));
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        let Some(path) = path_of(&params.text_document.uri) else {
            return;
        };
        let enc = self.encoding();
        // A panic while applying a change must not end the server: the
        // document is dropped (the next full sync or reopen restores it).
        let applied = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let mut st = lock(&self.state);
            let Some(doc) = st.docs.get_mut(&path) else {
                return false;
            };
            if params.text_document.version < doc.version {
                return false; // stale
            }
            for change in &params.content_changes {
                let edit = apply_change(&mut doc.text, change, enc);
                if let Some(t) = doc.tree.as_mut() {
                    t.edit(&edit);
                }
            }
            // Reparse with the edited old tree: only the changed part is redone.
            if let Some(lang) = crate::syntax::Lang::from_path(&path) {
                doc.tree = parse_rope(lang, &doc.text, doc.tree.as_ref());
            }
            doc.version = params.text_document.version;
            true
        }));
        match applied {
            Ok(true) => self.changed(Some(path)),
            Ok(false) => {}
            Err(_) => {
                crate::log!(
                    Error,
                    "applying a change to {} panicked; the document is dropped",
                    path.display()
                );
                lock(&self.state).docs.remove(&path);
                self.changed(Some(path));
            }
        }
    }

    async fn did_save(&self, _: DidSaveTextDocumentParams) {
        self.schedule();
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        let Some(path) = path_of(&params.text_document.uri) else {
            return;
        };
        lock(&self.state).docs.remove(&path);
        self.changed(Some(path));
    }

    async fn did_change_configuration(&self, params: DidChangeConfigurationParams) {
        let pull = lock(&self.state).config_pull;
        if pull {
            self.pull_configuration().await;
        } else if !params.settings.is_null() {
            let new = settings_from(&params.settings);
            lock(&self.state).overrides = new;
        }
        self.changed(None);
    }

    async fn did_change_watched_files(&self, _: DidChangeWatchedFilesParams) {
        self.changed(None);
    }

    async fn did_change_workspace_folders(&self, params: DidChangeWorkspaceFoldersParams) {
        {
            let mut st = lock(&self.state);
            for f in &params.event.removed {
                if let Some(p) = path_of(&f.uri) {
                    st.roots.retain(|r| *r != p);
                }
            }
            for f in &params.event.added {
                if let Some(p) = path_of(&f.uri) {
                    st.roots.push(p);
                }
            }
        }
        self.changed(None);
    }

    async fn diagnostic(
        &self,
        params: DocumentDiagnosticParams,
    ) -> Result<DocumentDiagnosticReportResult> {
        let items = match path_of(&params.text_document.uri) {
            Some(p) => self.settled().await.get(&p).cloned().unwrap_or_default(),
            None => Vec::new(),
        };
        Ok(DocumentDiagnosticReportResult::Report(
            DocumentDiagnosticReport::Full(RelatedFullDocumentDiagnosticReport {
                related_documents: None,
                full_document_diagnostic_report: FullDocumentDiagnosticReport {
                    result_id: None,
                    items,
                },
            }),
        ))
    }

    async fn workspace_diagnostic(
        &self,
        params: WorkspaceDiagnosticParams,
    ) -> Result<WorkspaceDiagnosticReportResult> {
        let all = self.settled().await;
        let versions: HashMap<PathBuf, i32> = lock(&self.state)
            .docs
            .iter()
            .map(|(p, d)| (p.clone(), d.version))
            .collect();
        // Files the client knew but that are clean now get an empty report.
        let mut paths: BTreeSet<PathBuf> = all.keys().cloned().collect();
        for id in &params.previous_result_ids {
            if let Some(p) = path_of(&id.uri) {
                paths.insert(p);
            }
        }
        let items = paths
            .into_iter()
            .filter_map(|p| {
                Some(WorkspaceDocumentDiagnosticReport::Full(
                    WorkspaceFullDocumentDiagnosticReport {
                        uri: convert::uri(&p)?,
                        version: versions.get(&p).map(|v| *v as i64),
                        full_document_diagnostic_report: FullDocumentDiagnosticReport {
                            result_id: None,
                            items: all.get(&p).cloned().unwrap_or_default(),
                        },
                    },
                ))
            })
            .collect();
        Ok(WorkspaceDiagnosticReportResult::Report(
            WorkspaceDiagnosticReport { items },
        ))
    }

    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        let tdp = params.text_document_position_params;
        let Some(path) = path_of(&tdp.text_document.uri) else {
            return Ok(None);
        };
        let (last, enc) = {
            let st = lock(&self.state);
            (st.last.clone(), st.encoding.unwrap_or(Encoding::Utf16))
        };
        let in_analysis = last
            .as_ref()
            .is_some_and(|a| convert::text_of(&a.ws, &path).is_some());
        let Some(a) = last.filter(|_| in_analysis) else {
            return Ok(self.standalone_hover(&path, tdp.position, enc));
        };
        let Some((text, idx)) = convert::text_of(&a.ws, &path) else {
            return Ok(None);
        };
        let at = convert::offset(text, idx, tdp.position, enc);
        let hits: Vec<&rules::Diagnostic> = a
            .diagnostics
            .iter()
            .filter(|d| d.file == path && d.span.start <= at && at <= d.span.end)
            .collect();
        let mut parts: Vec<String> = hits
            .iter()
            .map(|d| {
                format!(
                    "{} ({})\n\n{}\n\n{}\n\n[Rule page]({})",
                    d.code,
                    d.severity.as_str(),
                    d.message,
                    crate::ide::docs::rule_markdown(d.code.as_str()).unwrap_or_default(),
                    rules::doc_url(DOCS_BASE, d.code)
                )
            })
            .collect();
        // A bug in a feature must not take the server down: a panic becomes
        // a JSON-RPC error and the server keeps serving.
        let doc = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            crate::ide::hover::hover(&a.ws, &*a.fs, &path, at)
        }))
        .map_err(|_| {
            crate::log!(Error, "hover panicked on {}", path.display());
            tower_lsp_server::jsonrpc::Error::internal_error()
        })?;
        let span = doc
            .as_ref()
            .map(|h| h.span)
            .or(hits.first().map(|d| d.span));
        if let Some(h) = doc {
            parts.push(h.markdown);
        }
        let Some(span) = span else { return Ok(None) };
        Ok(Some(Hover {
            contents: HoverContents::Markup(MarkupContent {
                kind: MarkupKind::Markdown,
                value: parts.join("\n\n---\n\n"),
            }),
            range: Some(convert::range(&a.ws, &path, span, enc)),
        }))
    }
}

/// Serves LSP on stdin/stdout until `exit` or the end of stdin.
pub fn run() -> Outcome {
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("durable-lsp: cannot start the runtime: {e}");
            return Outcome::Failure;
        }
    };
    rt.block_on(async {
        let (service, socket) = LspService::new(|client| Backend {
            client,
            state: Arc::new(Mutex::new(State::default())),
            publishing: Arc::default(),
        });
        Server::new(tokio::io::stdin(), tokio::io::stdout(), socket)
            .serve(service)
            .await;
    });
    rt.shutdown_timeout(Duration::from_millis(200));
    Outcome::Clean
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(sl: u32, sc: u32, el: u32, ec: u32, text: &str) -> TextDocumentContentChangeEvent {
        TextDocumentContentChangeEvent {
            range: Some(Range::new(Position::new(sl, sc), Position::new(el, ec))),
            range_length: None,
            text: text.into(),
        }
    }

    #[test]
    fn incremental_changes_apply_in_order_with_the_negotiated_encoding() {
        let mut t = ropey::Rope::from_str("a😀b\nline two\r\nend");
        // utf-16: 😀 is two units; replace "b" (column 3..4)
        let edit = apply_change(&mut t, &change(0, 3, 0, 4, "B"), Encoding::Utf16);
        assert_eq!(
            (edit.start_byte, edit.old_end_byte, edit.new_end_byte),
            (5, 6, 6)
        );
        assert_eq!(t, "a😀B\nline two\r\nend");
        // utf-8: 😀 is four bytes; insert after it (column 5)
        apply_change(&mut t, &change(0, 5, 0, 5, "!"), Encoding::Utf8);
        assert_eq!(t, "a😀!B\nline two\r\nend");
        // across a CRLF
        let edit = apply_change(&mut t, &change(1, 4, 2, 0, "-"), Encoding::Utf16);
        assert_eq!(edit.start_position, tree_sitter::Point::new(1, 4));
        assert_eq!(edit.old_end_position, tree_sitter::Point::new(2, 0));
        assert_eq!(t, "a😀!B\nline-end");
        // out of range positions clamp
        apply_change(&mut t, &change(9, 9, 12, 0, "?"), Encoding::Utf16);
        assert_eq!(t, "a😀!B\nline-end?");
        // a lone CR breaks a line too (ropey's cr_lines), and a column past
        // the end of a line stops before its break
        let mut t = ropey::Rope::from_str("ab\rcd");
        apply_change(&mut t, &change(1, 0, 1, 1, "C"), Encoding::Utf16);
        assert_eq!(t, "ab\rCd");
        apply_change(&mut t, &change(0, 9, 0, 9, "!"), Encoding::Utf16);
        assert_eq!(t, "ab!\rCd");
    }

    #[test]
    fn encoding_negotiation_prefers_utf8_then_utf32() {
        use PositionEncodingKind as K;
        assert_eq!(
            convert::negotiate(Some(&[K::UTF16, K::UTF8])),
            Encoding::Utf8
        );
        assert_eq!(
            convert::negotiate(Some(&[K::UTF32, K::UTF16])),
            Encoding::Utf32
        );
        assert_eq!(convert::negotiate(None), Encoding::Utf16);
    }
}

#[cfg(test)]
mod incremental_tests {
    use super::*;

    /// A tree edited and reparsed incrementally equals a fresh parse.
    #[test]
    fn incremental_reparse_matches_a_fresh_parse() {
        let path = Path::new("/x/a.ts");
        let mut doc = Doc::new(path, "class A {}\nexport class B extends A {}\n".into(), 1);
        let ch = TextDocumentContentChangeEvent {
            range: Some(Range::new(Position::new(0, 0), Position::new(0, 0))),
            range_length: None,
            text: "export ".into(),
        };
        let edit = apply_change(&mut doc.text, &ch, Encoding::Utf16);
        let mut old = doc.tree.take().unwrap();
        old.edit(&edit);
        let inc = parse_rope(crate::syntax::Lang::TypeScript, &doc.text, Some(&old)).unwrap();
        let text = doc.text.to_string();
        let fresh = crate::syntax::parse(crate::syntax::Lang::TypeScript, &text, None).unwrap();
        assert_eq!(inc.root_node().to_sexp(), fresh.root_node().to_sexp());
        assert!(text.starts_with("export class A"));
    }
}
