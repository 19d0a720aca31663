//! The language server: tower-lsp-server glue around the same engine as
//! `--check`.
//!
//! - `session`: documents and state, mutated in order under one lock never
//!   held across an `.await`;
//! - `scheduler`: one cancellable analysis in flight, committed per revision;
//! - `handlers`: requests, answered from the live text plus the committed
//!   analysis's cross-file facts;
//! - `convert`: engine values to LSP values.

pub mod analysis;
pub mod convert;
mod handlers;
#[cfg(test)]
mod proptests;
pub mod scheduler;
pub mod session;
pub mod transport;
mod watch;

use crate::cli::Outcome;
use crate::settings::Settings;
use scheduler::Scheduler;
use session::{
    apply_change, lock, parse_rope_within, path_of, root_for, settings_from, ClientFeatures, Doc,
    State, EDIT_PARSE_BUDGET,
};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::*;
use tower_lsp_server::{Client, LanguageServer, LspService};

#[derive(Clone)]
pub struct Backend {
    client: Client,
    state: Arc<Mutex<State>>,
    sched: Arc<Scheduler>,
    /// The server's own watch, when the client cannot watch files.
    watcher: Arc<Mutex<Option<watch::WorkspaceWatcher>>>,
    /// `shutdown` was received (an `exit` without it exits with 1).
    shut_down: Arc<std::sync::atomic::AtomicBool>,
}

impl Backend {
    /// Notes a change and wakes the scheduler. `path` is a changed source
    /// document, or `None` for a change that needs a full analysis.
    fn changed(&self, path: Option<PathBuf>) {
        self.sched.changed(&self.state, path);
    }

    /// Watches the roots itself when the client does not.
    fn watch_roots(&self) {
        let (dynamic, roots) = {
            let st = lock(&self.state);
            (st.features.watch_dynamic, st.roots.clone())
        };
        if dynamic {
            return;
        }
        let (state, sched, slot) = (self.state.clone(), self.sched.clone(), self.watcher.clone());
        // Listing the folders reads the disk: off the request threads.
        tokio::task::spawn_blocking(move || {
            let w = watch::start(&roots, state, sched);
            *slot.lock().unwrap_or_else(|e| e.into_inner()) = w;
        });
    }

    fn encoding(&self) -> crate::text::Encoding {
        lock(&self.state).encoding()
    }

    /// `workspace/configuration` for the section `durable-lsp`, when the
    /// client supports it; its answer replaces the editor settings. Runs
    /// off the message loop: the answer comes back through it. Until the
    /// answer (or [`CONFIGURATION_WAIT`]) no analysis starts, so a request
    /// after the settings change never sees the old settings.
    fn pull_configuration(&self) {
        if !lock(&self.state).features.config_pull {
            return;
        }
        lock(&self.state).settings_awaited += 1;
        let this = self.clone();
        tokio::spawn(async move {
            let items = vec![ConfigurationItem {
                scope_uri: None,
                section: Some("durable-lsp".into()),
            }];
            let answer =
                tokio::time::timeout(CONFIGURATION_WAIT, this.client.configuration(items)).await;
            {
                let mut st = lock(&this.state);
                st.settings_awaited = st.settings_awaited.saturating_sub(1);
                if let Ok(Ok(values)) = answer {
                    if let Some(v) = values.first().filter(|v| !v.is_null()) {
                        st.set_overrides(Settings::from_json(v));
                    }
                }
            }
            this.changed(None);
        });
    }
}

/// How long the analysis waits for the client's settings (longer than a
/// pull waits: a pull past its wait is refused and retriggered).
const CONFIGURATION_WAIT: Duration = Duration::from_secs(10);

/// Closing a document at least this large gives freed memory back to the
/// system after the next analysis.
const RELEASE_AFTER_CLOSE_BYTES: usize = 1024 * 1024;

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
            st.single_file = roots.is_empty();
            st.roots = roots;
            st.encoding = Some(enc);
            st.features = client;
            st.max_source_default = crate::syntax::max_source_bytes();
            if let Some(opts) = &params.initialization_options {
                st.set_overrides(settings_from(opts));
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
                code_action_provider: Some(CodeActionProviderCapability::Options(
                    CodeActionOptions {
                        code_action_kinds: Some(vec![
                            CodeActionKind::QUICKFIX,
                            CodeActionKind::from(handlers::FIX_ALL),
                        ]),
                        resolve_provider: Some(false),
                        ..Default::default()
                    },
                )),
                definition_provider: Some(OneOf::Left(true)),
                document_symbol_provider: Some(OneOf::Left(true)),
                workspace_symbol_provider: Some(OneOf::Left(true)),
                inlay_hint_provider: Some(OneOf::Left(true)),
                code_lens_provider: Some(CodeLensOptions {
                    resolve_provider: Some(false),
                }),
                references_provider: Some(OneOf::Left(true)),
                document_highlight_provider: Some(OneOf::Left(true)),
                rename_provider: Some(OneOf::Right(RenameOptions {
                    prepare_provider: Some(true),
                    work_done_progress_options: Default::default(),
                })),
                completion_provider: Some(CompletionOptions {
                    trigger_characters: Some(vec![".".into(), "\"".into(), "'".into()]),
                    resolve_provider: Some(false),
                    ..Default::default()
                }),
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
        tokio::spawn(scheduler::run(
            self.client.clone(),
            self.state.clone(),
            self.sched.clone(),
        ));
        // Nothing here waits for the client: its answers come back through
        // the message loop this notification runs on.
        self.pull_configuration();
        let dynamic = lock(&self.state).features.watch_dynamic;
        if dynamic {
            let watchers = [
                "**/*wrangler*.{toml,json,jsonc}",
                "**/package.json",
                "**/tsconfig*.json",
                "**/jsconfig*.json",
                "**/durable-lsp.toml",
                "**/pnpm-workspace.yaml",
                "**/{package-lock.json,pnpm-lock.yaml,yarn.lock,bun.lock,bun.lockb}",
                "**/{vite,vitest,rollup,remix,tsup,tsdown,webpack}.config.*",
                "**/*.{ts,tsx,mts,cts,js,jsx,mjs,cjs}",
                // Rust Workers' crates (their `src`, not build output) and Python Workers
                "**/Cargo.toml",
                "**/src/**/*.rs",
                "**/*.py",
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
            let client = self.client.clone();
            tokio::spawn(async move {
                if let Err(e) = client.register_capability(vec![reg]).await {
                    client
                        .log_message(MessageType::WARNING, format!("could not watch files: {e}"))
                        .await;
                }
            });
        }
        self.watch_roots();
        self.changed(None);
    }

    async fn shutdown(&self) -> Result<()> {
        self.shut_down
            .store(true, std::sync::atomic::Ordering::Relaxed);
        Ok(())
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        let Some(path) = path_of(&params.text_document.uri) else {
            return;
        };
        let new_root = {
            let mut st = lock(&self.state);
            let mut new_root = false;
            // Only without workspace folders does an opened file bring a
            // root, the nearest folder with a wrangler config. A document
            // outside every folder is analysed alone (hover on its own
            // text): its folder never becomes a root.
            if st.single_file && !st.roots.iter().any(|r| path.starts_with(r)) {
                if let Some(root) = root_for(&path) {
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
        if new_root {
            self.watch_roots();
        }
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
            // Reparse with the edited old tree: only the changed part is
            // redone. A document whose parse was cut is left to the analysis.
            if let Some(lang) = crate::syntax::Lang::from_path(&path).filter(|_| !doc.parse_cut) {
                doc.tree = parse_rope_within(lang, &doc.text, doc.tree.as_ref(), EDIT_PARSE_BUDGET);
                doc.parse_cut = doc.tree.is_none();
            } else {
                doc.tree = None;
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
        // The document's text is already known from didChange.
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        let Some(path) = path_of(&params.text_document.uri) else {
            return;
        };
        {
            let mut st = lock(&self.state);
            if let Some(doc) = st.docs.remove(&path) {
                st.release_memory |= doc.text.len_bytes() >= RELEASE_AFTER_CLOSE_BYTES;
            }
        }
        self.changed(Some(path));
    }

    async fn did_change_configuration(&self, params: DidChangeConfigurationParams) {
        let pull = lock(&self.state).features.config_pull;
        if pull {
            // The revision moves now; the analysis for it waits for the
            // client's answer.
            self.pull_configuration();
        } else if !params.settings.is_null() {
            let new = settings_from(&params.settings);
            lock(&self.state).set_overrides(new);
        }
        self.changed(None);
    }

    async fn did_change_watched_files(&self, params: DidChangeWatchedFilesParams) {
        {
            let mut st = lock(&self.state);
            for ch in &params.changes {
                let Some(p) = path_of(&ch.uri) else { continue };
                if ch.typ == FileChangeType::CHANGED {
                    if st.docs.contains_key(&p) {
                        continue; // the editor's text wins over the disk
                    }
                    // A source re-reads that file; configs, settings and
                    // manifests make note_change ask for a full analysis.
                    st.note_change(Some(p));
                } else {
                    // Created or deleted: module resolution may change.
                    st.note_change(None);
                }
            }
        }
        self.sched.wake();
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
                    st.single_file = false;
                }
            }
        }
        self.watch_roots();
        self.changed(None);
    }

    async fn diagnostic(
        &self,
        params: DocumentDiagnosticParams,
    ) -> Result<DocumentDiagnosticReportResult> {
        self.handle_diagnostic(params).await
    }

    async fn workspace_diagnostic(
        &self,
        params: WorkspaceDiagnosticParams,
    ) -> Result<WorkspaceDiagnosticReportResult> {
        self.handle_workspace_diagnostic(params).await
    }

    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        self.handle_hover(params).await
    }

    async fn goto_definition(
        &self,
        params: GotoDefinitionParams,
    ) -> Result<Option<GotoDefinitionResponse>> {
        self.handle_definition(params).await
    }

    async fn document_symbol(
        &self,
        params: DocumentSymbolParams,
    ) -> Result<Option<DocumentSymbolResponse>> {
        self.handle_document_symbol(params).await
    }

    async fn symbol(
        &self,
        params: WorkspaceSymbolParams,
    ) -> Result<Option<WorkspaceSymbolResponse>> {
        self.handle_workspace_symbol(params).await
    }

    async fn inlay_hint(&self, params: InlayHintParams) -> Result<Option<Vec<InlayHint>>> {
        self.handle_inlay_hint(params).await
    }

    async fn code_lens(&self, params: CodeLensParams) -> Result<Option<Vec<CodeLens>>> {
        self.handle_code_lens(params).await
    }

    async fn references(&self, params: ReferenceParams) -> Result<Option<Vec<Location>>> {
        self.handle_references(params).await
    }

    async fn document_highlight(
        &self,
        params: DocumentHighlightParams,
    ) -> Result<Option<Vec<DocumentHighlight>>> {
        self.handle_highlight(params).await
    }

    async fn prepare_rename(
        &self,
        params: TextDocumentPositionParams,
    ) -> Result<Option<PrepareRenameResponse>> {
        self.handle_prepare_rename(params).await
    }

    async fn rename(&self, params: RenameParams) -> Result<Option<WorkspaceEdit>> {
        self.handle_rename(params).await
    }

    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        self.handle_code_action(params).await
    }

    async fn completion(&self, params: CompletionParams) -> Result<Option<CompletionResponse>> {
        self.handle_completion(params).await
    }
}

/// Serves LSP on stdin/stdout until `exit` or the end of stdin.
pub fn run() -> Outcome {
    crate::alloc::for_server();
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
    let shut_down: Arc<std::sync::atomic::AtomicBool> = Arc::default();
    let flag = shut_down.clone();
    let exited = rt.block_on(async {
        let (service, socket) = LspService::new(|client| Backend {
            client,
            state: Arc::new(Mutex::new(State::default())),
            sched: Arc::default(),
            watcher: Arc::default(),
            shut_down: flag,
        });
        transport::serve(tokio::io::stdin(), tokio::io::stdout(), socket, service).await
    });
    rt.shutdown_timeout(Duration::from_millis(200));
    // The protocol: `exit` without `shutdown` before it exits with 1.
    if exited && !shut_down.load(std::sync::atomic::Ordering::Relaxed) {
        crate::log!(Warn, "exit without shutdown");
        return Outcome::Findings;
    }
    Outcome::Clean
}
