//! Request handlers. Each answers against the documents as of the last
//! change received before it: the live text of its document, plus the
//! cross-file facts of the committed analysis. A request waits for an
//! analysis only when another file of the same Worker, a config or the
//! settings changed since that analysis.

use super::analysis::Analysis;
use super::convert;
use super::session::{lock, path_of};
use super::Backend;
use crate::rules;
use crate::text::{Encoding, LineIndex};
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::*;

/// How long a request waits for the analysis it needs before it answers
/// with what it has.
const WAIT: Duration = Duration::from_secs(2);
/// Pull diagnostics wait longer: they are the analysis's result.
const PULL_WAIT: Duration = Duration::from_secs(5);

/// `ServerCancelled` (-32802) with `retriggerRequest: true`.
fn server_cancelled() -> tower_lsp_server::jsonrpc::Error {
    tower_lsp_server::jsonrpc::Error {
        code: tower_lsp_server::jsonrpc::ErrorCode::ServerError(-32802),
        message: "the analysis is not done yet; ask again".into(),
        data: Some(serde_json::json!({"retriggerRequest": true})),
    }
}

impl Backend {
    /// Waits, when `path`'s answer depends on a change not analysed yet:
    /// the first analysis, a full one (configs, settings, files created or
    /// deleted), or another changed file of a Worker that reaches `path`.
    async fn facts_for(&self, path: &Path) {
        let wait_for = {
            let st = lock(&self.state);
            // Revision 1 is the first analysis (asked for by `initialized`).
            st.pending_for(path).then_some(st.revision.max(1))
        };
        if let Some(rev) = wait_for {
            self.sched.committed(rev, WAIT).await;
        }
    }

    /// The published diagnostics once every change made so far is analysed.
    /// Past [`PULL_WAIT`] the pull is refused with `ServerCancelled` and
    /// `retriggerRequest: true` (LSP 3.17): the client asks again, rather
    /// than showing an empty or stale report.
    async fn settled(&self) -> Result<HashMap<PathBuf, Vec<Diagnostic>>> {
        let rev = lock(&self.state).revision.max(1);
        if !self.sched.committed(rev, PULL_WAIT).await {
            crate::log!(
                Info,
                "a pull waited {} s for revision {rev}; the client is asked to retrigger it",
                PULL_WAIT.as_secs()
            );
            return Err(server_cancelled());
        }
        Ok(lock(&self.state).published.clone())
    }

    pub(super) async fn handle_hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        let tdp = params.text_document_position_params;
        let Some(path) = path_of(&tdp.text_document.uri) else {
            return Ok(None);
        };
        self.facts_for(&path).await;
        let (last, live, enc) = {
            let st = lock(&self.state);
            let live = st
                .docs
                .get(&path)
                .map(|d| (d.text.to_string(), d.tree.clone()));
            (st.last.clone(), live, st.encoding())
        };
        // A bug in a feature must not take the server down: a panic becomes
        // a JSON-RPC error and the server keeps serving.
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            hover_at(last.as_deref(), &path, live, tdp.position, enc)
        }))
        .map_err(|_| {
            crate::log!(Error, "hover panicked on {}", path.display());
            tower_lsp_server::jsonrpc::Error::internal_error()
        })
    }

    pub(super) async fn handle_diagnostic(
        &self,
        params: DocumentDiagnosticParams,
    ) -> Result<DocumentDiagnosticReportResult> {
        let path = path_of(&params.text_document.uri);
        // Before the first analysis, a file of an opened file's Worker is
        // answered from that Worker's analysis.
        let early = path.as_ref().and_then(|p| {
            let st = lock(&self.state);
            let pre = st.preview.as_ref()?;
            (pre.revision == st.revision && pre.roots.iter().any(|r| p.starts_with(r)))
                .then(|| pre.by_file.get(p).cloned().unwrap_or_default())
        });
        let items = match (early, path) {
            (Some(items), _) => items,
            (None, Some(p)) => self.settled().await?.get(&p).cloned().unwrap_or_default(),
            (None, None) => Vec::new(),
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

    pub(super) async fn handle_workspace_diagnostic(
        &self,
        params: WorkspaceDiagnosticParams,
    ) -> Result<WorkspaceDiagnosticReportResult> {
        let all = self.settled().await?;
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
}

/// Hover at `pos` of `path`, whose editor text is `live` (when open).
fn hover_at(
    a: Option<&Analysis>,
    path: &Path,
    live: Option<(String, Option<tree_sitter::Tree>)>,
    pos: Position,
    enc: Encoding,
) -> Option<Hover> {
    let Some(a) = a.filter(|a| convert::text_of(&a.ws, path).is_some()) else {
        let (text, _) = live?;
        return standalone_hover(path, &text, pos, enc);
    };
    // A source document edited since the analysis is read from its own
    // text and tree, as navigation reads it: recomputing its facts for a
    // hover would cost more than the answer.
    if let (Some(f), Some((text, tree))) = (a.ws.file(path), live.as_ref()) {
        if *f.text != **text {
            let parsed;
            let tree = match tree {
                Some(t) => t,
                None => {
                    parsed = crate::syntax::parse(f.lang, text, None)?;
                    &parsed
                }
            };
            let idx = LineIndex::new(text);
            let at = convert::offset(text, &idx, pos, enc);
            let l = crate::ide::navigate::Live { path, text, tree };
            let h = crate::ide::hover::hover(&a.ws, &*a.fs, path, at, Some(&l))?;
            return Some(text_hover(h, text, &idx, enc));
        }
    }
    // The document as the editor has it now, over the analysed workspace.
    let view = live.and_then(|(text, tree)| a.ws.with_document(path, &text, tree));
    let ws = view.as_ref().unwrap_or(&a.ws);
    let (text, idx) = convert::text_of(ws, path)?;
    let at = convert::offset(text, idx, pos, enc);
    // Findings were computed for the analysed text: shown only while the
    // document still has it.
    let hits: Vec<&rules::Diagnostic> = if view.is_none() {
        a.diagnostics
            .iter()
            .filter(|d| d.file == path && d.span.start <= at && at <= d.span.end)
            .collect()
    } else {
        Vec::new()
    };
    let mut parts: Vec<String> = hits
        .iter()
        .map(|d| {
            // The client shows the message with the diagnostic: the hover
            // adds why it matters, the error it prevents and the page.
            format!(
                "{} ({})\n\n{}\n\n[Rule page]({})",
                d.code,
                d.severity.as_str(),
                crate::ide::docs::rule_markdown(d.code.as_str()).unwrap_or_default(),
                rules::doc_url(&a.docs_base, d.code)
            )
        })
        .collect();
    // The class model was built for the analysed text: shown only while
    // the document still has it.
    let doc = crate::ide::hover::hover(ws, &*a.fs, path, at, None).or_else(|| {
        if view.is_some() {
            return None;
        }
        let models: Vec<(usize, &[crate::rules::model::ClassModel])> = a
            .per_worker
            .iter()
            .enumerate()
            .map(|(i, r)| (i, r.classes.as_slice()))
            .collect();
        crate::ide::hover::class_hover(&a.ws, &models, path, at)
    });
    let span = doc
        .as_ref()
        .map(|h| h.span)
        .or(hits.first().map(|d| d.span))?;
    if let Some(h) = doc {
        parts.push(h.markdown);
    }
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value: parts.join("\n\n---\n\n"),
        }),
        range: Some(convert::range(ws, path, span, enc)),
    })
}

/// API hover on an open document that no Worker reaches.
fn standalone_hover(path: &Path, text: &str, pos: Position, enc: Encoding) -> Option<Hover> {
    let lang = crate::syntax::Lang::from_path(path)?;
    let idx = LineIndex::new(text);
    let at = convert::offset(text, &idx, pos, enc);
    let h = crate::ide::hover::source_hover(lang, text, at)?;
    Some(text_hover(h, text, &idx, enc))
}

/// A hover whose span is in `text` (not the analysed workspace's).
fn text_hover(
    h: crate::ide::hover::HoverResult,
    text: &str,
    idx: &LineIndex,
    enc: Encoding,
) -> Hover {
    let s = idx.position(text, h.span.start, enc);
    let e = idx.position(text, h.span.end, enc);
    Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value: h.markdown,
        }),
        range: Some(Range::new(
            Position::new(s.line, s.column),
            Position::new(e.line, e.column),
        )),
    }
}

impl Backend {
    /// Completion never waits for an analysis: the context at the cursor is
    /// read from the document's live text and tree, and the cross-file facts
    /// (bindings, classes, backends) from the last committed analysis.
    pub(super) async fn handle_completion(
        &self,
        params: CompletionParams,
    ) -> Result<Option<CompletionResponse>> {
        let tdp = params.text_document_position;
        let Some(path) = path_of(&tdp.text_document.uri) else {
            return Ok(None);
        };
        let (last, live, enc, snippets) = {
            let st = lock(&self.state);
            let live = st
                .docs
                .get(&path)
                .map(|d| (d.text.to_string(), d.tree.clone()));
            (st.last.clone(), live, st.encoding(), st.features.snippets)
        };
        let items = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            completion_at(last.as_deref(), &path, live, tdp.position, enc, snippets)
        }))
        .map_err(|_| {
            crate::log!(Error, "completion panicked on {}", path.display());
            tower_lsp_server::jsonrpc::Error::internal_error()
        })?;
        Ok(Some(CompletionResponse::List(CompletionList {
            is_incomplete: false,
            items,
        })))
    }
}

/// Completion at `pos` of `path`, whose editor text is `live` (else the
/// analysed text).
fn completion_at(
    a: Option<&Analysis>,
    path: &Path,
    live: Option<(String, Option<tree_sitter::Tree>)>,
    pos: Position,
    enc: Encoding,
    snippets: bool,
) -> Vec<CompletionItem> {
    use crate::ide::complete;
    let (text, tree) = match live {
        Some(l) => l,
        None => match a.and_then(|a| convert::text_of(&a.ws, path)) {
            Some((t, _)) => (t.to_string(), None),
            None => return Vec::new(),
        },
    };
    let idx = LineIndex::new(&text);
    let at = convert::offset(&text, &idx, pos, enc);
    let scope = a.map(|a| complete::Scope {
        ws: &a.ws,
        fs: &*a.fs,
        models: a
            .per_worker
            .iter()
            .enumerate()
            .map(|(i, r)| (i, r.classes.as_slice()))
            .collect(),
    });
    let found = if let Some(lang) = crate::syntax::Lang::from_path(path) {
        if text.len() > crate::syntax::max_source_bytes() {
            return Vec::new();
        }
        let tree = match tree {
            Some(t) => t,
            None => match crate::syntax::parse(lang, &text, None) {
                Some(t) => t,
                None => return Vec::new(),
            },
        };
        crate::ide::complete_source(scope.as_ref(), path, lang, &text, &tree, at)
    } else {
        let (Some(a), Some(scope)) = (a, scope.as_ref()) else {
            return Vec::new();
        };
        let Some(w) = a.ws.workers.iter().position(|w| w.config.path == path) else {
            return Vec::new();
        };
        complete::config(scope, w, &text, at)
    };
    let range = |s: crate::text::Span| {
        let a = idx.position(&text, s.start, enc);
        let b = idx.position(&text, s.end, enc);
        Range::new(
            Position::new(a.line, a.column),
            Position::new(b.line, b.column),
        )
    };
    found
        .into_iter()
        .map(|c| {
            let (new_text, format) = match &c.snippet {
                Some((snippet, _)) if snippets => (snippet.clone(), InsertTextFormat::SNIPPET),
                Some((_, plain)) => (plain.clone(), InsertTextFormat::PLAIN_TEXT),
                None => (c.label.clone(), InsertTextFormat::PLAIN_TEXT),
            };
            CompletionItem {
                kind: Some(match c.kind {
                    complete::Kind::Method => CompletionItemKind::METHOD,
                    complete::Kind::Property => CompletionItemKind::PROPERTY,
                    complete::Kind::Binding => CompletionItemKind::FIELD,
                    complete::Kind::Class => CompletionItemKind::CLASS,
                    complete::Kind::Snippet => CompletionItemKind::SNIPPET,
                    complete::Kind::Value => CompletionItemKind::VALUE,
                }),
                detail: Some(c.detail),
                documentation: (!c.doc.is_empty()).then_some({
                    Documentation::MarkupContent(MarkupContent {
                        kind: MarkupKind::Markdown,
                        value: c.doc,
                    })
                }),
                sort_text: Some(format!("{}{}", c.sort, c.label)),
                filter_text: Some(c.label.clone()),
                insert_text_format: Some(format),
                text_edit: Some(CompletionTextEdit::Edit(TextEdit {
                    range: range(c.replace),
                    new_text,
                })),
                label: c.label,
                ..Default::default()
            }
        })
        .collect()
}

/// The kind of the code action that applies every safe fix of a file.
pub const FIX_ALL: &str = "source.fixAll.durable-lsp";

impl Backend {
    /// Quick fixes from the fixes each finding carries in its `data` (no
    /// analysis needed), a suppression for each finding, and the fix-all
    /// source action.
    pub(super) async fn handle_code_action(
        &self,
        params: CodeActionParams,
    ) -> Result<Option<CodeActionResponse>> {
        let Some(path) = path_of(&params.text_document.uri) else {
            return Ok(None);
        };
        let (published, text) = {
            let st = lock(&self.state);
            let text = st.docs.get(&path).map(|d| d.text.to_string()).or_else(|| {
                st.last
                    .as_ref()
                    .and_then(|a| convert::text_of(&a.ws, &path).map(|(t, _)| t.to_string()))
            });
            (st.published.get(&path).cloned().unwrap_or_default(), text)
        };
        let wants = |kind: &CodeActionKind| {
            params.context.only.as_ref().is_none_or(|only| {
                only.iter().any(|o| {
                    kind.as_str() == o.as_str()
                        || kind.as_str().starts_with(&format!("{}.", o.as_str()))
                })
            })
        };
        let mut out: Vec<CodeActionOrCommand> = Vec::new();
        if wants(&CodeActionKind::QUICKFIX) {
            for d in &params.context.diagnostics {
                if d.source.as_deref() != Some("durable-lsp") {
                    continue;
                }
                // Clients that do not keep `data` get it from what was published.
                let data = d.data.clone().or_else(|| {
                    published
                        .iter()
                        .find(|p| p.range == d.range && p.code == d.code)
                        .and_then(|p| p.data.clone())
                });
                for (i, fix) in fixes_of(data.as_ref()).into_iter().enumerate() {
                    out.push(CodeActionOrCommand::CodeAction(CodeAction {
                        title: fix.title,
                        kind: Some(CodeActionKind::QUICKFIX),
                        diagnostics: Some(vec![d.clone()]),
                        edit: Some(workspace_edit(fix.edits)),
                        is_preferred: Some(i == 0 && fix.safe),
                        ..Default::default()
                    }));
                }
                if let (Some(text), Some(NumberOrString::String(code))) = (&text, &d.code) {
                    if let Some(edit) = suppression(&path, text, d.range.start.line, code) {
                        out.push(CodeActionOrCommand::CodeAction(CodeAction {
                            title: format!("Suppress {code} on this line"),
                            kind: Some(CodeActionKind::QUICKFIX),
                            diagnostics: Some(vec![d.clone()]),
                            edit: Some(WorkspaceEdit {
                                changes: Some(
                                    [(params.text_document.uri.clone(), vec![edit])].into(),
                                ),
                                ..Default::default()
                            }),
                            ..Default::default()
                        }));
                    }
                }
            }
        }
        let fix_all = CodeActionKind::from(FIX_ALL);
        if params.context.only.is_some() && wants(&fix_all) {
            let mut edits: Vec<(String, TextEdit)> = Vec::new();
            for d in &published {
                for fix in fixes_of(d.data.as_ref()) {
                    if !fix.safe || fix.edits.iter().any(|e| overlaps(&edits, e)) {
                        continue;
                    }
                    for e in fix.edits {
                        if !edits.contains(&e) {
                            edits.push(e);
                        }
                    }
                }
            }
            if !edits.is_empty() {
                out.push(CodeActionOrCommand::CodeAction(CodeAction {
                    title: "Apply every safe durable-lsp fix".into(),
                    kind: Some(fix_all),
                    edit: Some(workspace_edit(edits)),
                    ..Default::default()
                }));
            }
        }
        Ok(Some(out))
    }
}

/// One fix read back from a diagnostic's `data`.
struct DataFix {
    title: String,
    safe: bool,
    edits: Vec<(String, TextEdit)>,
}

fn fixes_of(data: Option<&serde_json::Value>) -> Vec<DataFix> {
    let Some(list) = data.and_then(|d| d.get("fixes")).and_then(|f| f.as_array()) else {
        return Vec::new();
    };
    list.iter()
        .filter_map(|f| {
            let edits = f
                .get("edits")?
                .as_array()?
                .iter()
                .filter_map(|e| {
                    let uri = e.get("uri")?.as_str()?.to_string();
                    let edit: TextEdit = serde_json::from_value(serde_json::json!({
                        "range": e.get("range")?, "newText": e.get("newText")?
                    }))
                    .ok()?;
                    Some((uri, edit))
                })
                .collect();
            Some(DataFix {
                title: f.get("title")?.as_str()?.to_string(),
                safe: f.get("safe").and_then(|s| s.as_bool()).unwrap_or(false),
                edits,
            })
        })
        .collect()
}

/// Whether `e` touches the range of an edit already taken (in its file),
/// other than being the same edit.
fn overlaps(taken: &[(String, TextEdit)], e: &(String, TextEdit)) -> bool {
    let key = |p: Position| (p.line, p.character);
    taken.iter().any(|t| {
        t != e
            && t.0 == e.0
            && key(t.1.range.start) <= key(e.1.range.end)
            && key(e.1.range.start) <= key(t.1.range.end)
    })
}

fn workspace_edit(edits: Vec<(String, TextEdit)>) -> WorkspaceEdit {
    let mut changes: HashMap<Uri, Vec<TextEdit>> = HashMap::new();
    for (uri, e) in edits {
        if let Ok(u) = uri.parse::<Uri>() {
            changes.entry(u).or_default().push(e);
        }
    }
    WorkspaceEdit {
        changes: Some(changes),
        ..Default::default()
    }
}

/// A `durable-lsp-ignore` comment on its own line above `line`, indented
/// like it, in the file's comment syntax.
fn suppression(path: &Path, text: &str, line: u32, code: &str) -> Option<TextEdit> {
    let style = crate::suppress::CommentStyle::of(path)?;
    let marker = match style {
        crate::suppress::CommentStyle::Slash => "//",
        crate::suppress::CommentStyle::Hash => "#",
    };
    let l = text.lines().nth(line as usize)?;
    let indent = &l[..l.len() - l.trim_start().len()];
    Some(TextEdit {
        range: Range::new(Position::new(line, 0), Position::new(line, 0)),
        new_text: format!(
            "{indent}{marker} {} {code}: why this is safe here\n",
            crate::suppress::MARKER
        ),
    })
}

/// What navigation reads: the committed analysis, and the document as the
/// editor has it now when it changed since: a config reparsed over the
/// workspace (`view`), a source file read from its own text and tree
/// (`live`; recomputing its facts would cost more than the answer).
struct NavView {
    a: Arc<Analysis>,
    view: Option<crate::project::Workspace>,
    live: Option<(PathBuf, String, tree_sitter::Tree, LineIndex)>,
}

impl NavView {
    fn ws(&self) -> &crate::project::Workspace {
        self.view.as_ref().unwrap_or(&self.a.ws)
    }

    fn live(&self) -> Option<crate::ide::navigate::Live<'_>> {
        self.live
            .as_ref()
            .map(|(path, text, tree, _)| crate::ide::navigate::Live { path, text, tree })
    }

    /// The byte offset of `pos` in `path` as the editor has it.
    fn offset(&self, path: &Path, pos: Position, enc: Encoding) -> Option<usize> {
        match &self.live {
            Some((p, text, _, idx)) if p == path => Some(convert::offset(text, idx, pos, enc)),
            _ => {
                let (text, idx) = convert::text_of(self.ws(), path)?;
                Some(convert::offset(text, idx, pos, enc))
            }
        }
    }

    /// Every place that names what `pos` of `path` names.
    fn references_at(
        &self,
        path: &Path,
        pos: Position,
        enc: Encoding,
    ) -> Option<Vec<crate::ide::navigate::Loc>> {
        let at = self.offset(path, pos, enc)?;
        let live = self.live();
        let (sym, _) = crate::ide::navigate::symbol_at(self.ws(), path, at, live.as_ref())?;
        Some(crate::ide::navigate::references(
            self.ws(),
            &*self.a.fs,
            &sym,
            live.as_ref(),
        ))
    }

    fn range(&self, path: &Path, span: crate::text::Span, enc: Encoding) -> Range {
        match &self.live {
            Some((p, text, _, idx)) if p == path => {
                let a = idx.position(text, span.start, enc);
                let b = idx.position(text, span.end, enc);
                Range::new(
                    Position::new(a.line, a.column),
                    Position::new(b.line, b.column),
                )
            }
            _ => convert::range(self.ws(), path, span, enc),
        }
    }
}

impl Backend {
    /// The analysis for a navigation request on `path`, once the facts it
    /// needs are analysed, with the document's live text over it.
    async fn nav_view(&self, path: &Path) -> Option<NavView> {
        self.facts_for(path).await;
        let (a, live) = {
            let st = lock(&self.state);
            let live = st
                .docs
                .get(path)
                .map(|d| (d.text.to_string(), d.tree.clone()));
            (st.last.clone()?, live)
        };
        let mut nv = NavView {
            a,
            view: None,
            live: None,
        };
        let Some((text, tree)) = live else {
            return Some(nv);
        };
        match nv.a.ws.file(path) {
            Some(f) if *f.text == *text => {}
            Some(f) => {
                let tree = tree.or_else(|| crate::syntax::parse(f.lang, &text, None));
                if let Some(tree) = tree {
                    let idx = LineIndex::new(&text);
                    nv.live = Some((path.to_path_buf(), text, tree, idx));
                }
            }
            None => nv.view = nv.a.ws.with_document(path, &text, tree),
        }
        Some(nv)
    }

    fn location(&self, nv: &NavView, l: &crate::ide::navigate::Loc) -> Option<Location> {
        Some(Location {
            uri: convert::uri(&l.file)?,
            range: nv.range(&l.file, l.span, self.encoding()),
        })
    }

    pub(super) async fn handle_definition(
        &self,
        params: GotoDefinitionParams,
    ) -> Result<Option<GotoDefinitionResponse>> {
        let tdp = params.text_document_position_params;
        let Some(path) = path_of(&tdp.text_document.uri) else {
            return Ok(None);
        };
        let Some(nv) = self.nav_view(&path).await else {
            return Ok(None);
        };
        let enc = self.encoding();
        let locs = guarded("definition", &path, || {
            let at = nv.offset(&path, tdp.position, enc)?;
            Some(crate::ide::navigate::definition(
                nv.ws(),
                &*nv.a.fs,
                &path,
                at,
                nv.live().as_ref(),
            ))
        })?
        .unwrap_or_default();
        let out: Vec<Location> = locs.iter().filter_map(|l| self.location(&nv, l)).collect();
        Ok((!out.is_empty()).then_some(GotoDefinitionResponse::Array(out)))
    }

    pub(super) async fn handle_references(
        &self,
        params: ReferenceParams,
    ) -> Result<Option<Vec<Location>>> {
        let tdp = params.text_document_position;
        let Some(path) = path_of(&tdp.text_document.uri) else {
            return Ok(None);
        };
        let Some(nv) = self.nav_view(&path).await else {
            return Ok(None);
        };
        let enc = self.encoding();
        let with_decl = params.context.include_declaration;
        let locs = guarded("references", &path, || {
            nv.references_at(&path, tdp.position, enc)
        })?;
        let Some(locs) = locs else { return Ok(None) };
        Ok(Some(
            locs.iter()
                .filter(|l| with_decl || l.role != crate::ide::navigate::Role::Declaration)
                .filter_map(|l| self.location(&nv, l))
                .collect(),
        ))
    }

    pub(super) async fn handle_highlight(
        &self,
        params: DocumentHighlightParams,
    ) -> Result<Option<Vec<DocumentHighlight>>> {
        let tdp = params.text_document_position_params;
        let Some(path) = path_of(&tdp.text_document.uri) else {
            return Ok(None);
        };
        let Some(nv) = self.nav_view(&path).await else {
            return Ok(None);
        };
        let enc = self.encoding();
        let locs = guarded("highlight", &path, || {
            nv.references_at(&path, tdp.position, enc)
        })?;
        let Some(locs) = locs else { return Ok(None) };
        Ok(Some(
            locs.iter()
                .filter(|l| l.file == path)
                .map(|l| DocumentHighlight {
                    range: nv.range(&l.file, l.span, enc),
                    kind: Some(if l.role == crate::ide::navigate::Role::Declaration {
                        DocumentHighlightKind::WRITE
                    } else {
                        DocumentHighlightKind::READ
                    }),
                })
                .collect(),
        ))
    }

    pub(super) async fn handle_prepare_rename(
        &self,
        params: TextDocumentPositionParams,
    ) -> Result<Option<PrepareRenameResponse>> {
        let Some(path) = path_of(&params.text_document.uri) else {
            return Ok(None);
        };
        let Some(nv) = self.nav_view(&path).await else {
            return Ok(None);
        };
        let enc = self.encoding();
        let found = guarded("prepareRename", &path, || {
            let at = nv.offset(&path, params.position, enc)?;
            let live = nv.live();
            let (sym, span) = crate::ide::navigate::symbol_at(nv.ws(), &path, at, live.as_ref())?;
            if matches!(sym, crate::ide::navigate::Sym::Method { .. }) {
                return None;
            }
            let text = match &live {
                Some(l) => l.text,
                None => convert::text_of(nv.ws(), &path)?.0,
            };
            Some((span, text.get(span.start..span.end)?.to_string()))
        })?;
        Ok(found.map(
            |(span, placeholder)| PrepareRenameResponse::RangeWithPlaceholder {
                range: nv.range(&path, span, enc),
                placeholder,
            },
        ))
    }

    pub(super) async fn handle_rename(
        &self,
        params: RenameParams,
    ) -> Result<Option<WorkspaceEdit>> {
        let tdp = params.text_document_position;
        let Some(path) = path_of(&tdp.text_document.uri) else {
            return Ok(None);
        };
        let Some(nv) = self.nav_view(&path).await else {
            return Ok(None);
        };
        let enc = self.encoding();
        let r = guarded("rename", &path, || {
            let at = nv.offset(&path, tdp.position, enc)?;
            Some(crate::ide::navigate::rename(
                nv.ws(),
                &*nv.a.fs,
                &path,
                at,
                &params.new_name,
                nv.live().as_ref(),
            ))
        })?;
        let r = match r {
            None => return Ok(None),
            Some(Err(why)) => {
                return Err(tower_lsp_server::jsonrpc::Error::invalid_params(why));
            }
            Some(Ok(r)) => r,
        };
        crate::log!(Info, "{}", r.label);
        if lock(&self.state).features.annotated_edits {
            return Ok(Some(annotated_edit(&nv, &r, enc)));
        }
        let mut changes: HashMap<Uri, Vec<TextEdit>> = HashMap::new();
        for e in &r.edits {
            let Some(uri) = convert::uri(&e.file) else {
                continue;
            };
            changes.entry(uri).or_default().push(TextEdit {
                range: nv.range(&e.file, e.span, enc),
                new_text: e.text.clone(),
            });
        }
        Ok(Some(WorkspaceEdit {
            changes: Some(changes),
            ..Default::default()
        }))
    }
}

/// A rename as `documentChanges`, each lifecycle step carrying its note as
/// a change annotation: the client shows what the rename adds to a config.
fn annotated_edit(nv: &NavView, r: &crate::ide::navigate::Rename, enc: Encoding) -> WorkspaceEdit {
    let mut by_file: Vec<(Uri, Vec<OneOf<TextEdit, AnnotatedTextEdit>>)> = Vec::new();
    let mut notes: HashMap<String, ChangeAnnotation> = HashMap::new();
    for e in &r.edits {
        let Some(uri) = convert::uri(&e.file) else {
            continue;
        };
        let edit = TextEdit {
            range: nv.range(&e.file, e.span, enc),
            new_text: e.text.clone(),
        };
        let item = match &e.note {
            Some(note) => {
                let id = format!("lifecycle-{}", notes.len());
                notes.insert(
                    id.clone(),
                    ChangeAnnotation {
                        label: note.clone(),
                        needs_confirmation: Some(false),
                        description: Some(r.label.clone()),
                    },
                );
                OneOf::Right(AnnotatedTextEdit {
                    text_edit: edit,
                    annotation_id: id,
                })
            }
            None => OneOf::Left(edit),
        };
        match by_file.iter_mut().find(|(u, _)| *u == uri) {
            Some((_, list)) => list.push(item),
            None => by_file.push((uri, vec![item])),
        }
    }
    WorkspaceEdit {
        document_changes: Some(DocumentChanges::Edits(
            by_file
                .into_iter()
                .map(|(uri, edits)| TextDocumentEdit {
                    text_document: OptionalVersionedTextDocumentIdentifier { uri, version: None },
                    edits,
                })
                .collect(),
        )),
        change_annotations: (!notes.is_empty()).then_some(notes),
        ..Default::default()
    }
}

/// Runs a feature, turning a panic into a JSON-RPC error (the server keeps
/// serving).
fn guarded<T>(what: &str, path: &Path, f: impl FnOnce() -> T) -> Result<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).map_err(|_| {
        crate::log!(Error, "{what} panicked on {}", path.display());
        tower_lsp_server::jsonrpc::Error::internal_error()
    })
}

fn symbol_kind(k: crate::ide::symbols::SymKind) -> SymbolKind {
    use crate::ide::symbols::SymKind as K;
    match k {
        K::Worker => SymbolKind::MODULE,
        K::Binding => SymbolKind::FIELD,
        K::Migration => SymbolKind::EVENT,
        K::Environment => SymbolKind::NAMESPACE,
        K::Class => SymbolKind::CLASS,
        K::Handler => SymbolKind::METHOD,
        K::Method => SymbolKind::METHOD,
    }
}

#[allow(deprecated)] // `DocumentSymbol::deprecated` must be written
fn document_symbol(
    ws: &crate::project::Workspace,
    path: &Path,
    s: crate::ide::symbols::Symbol,
    enc: Encoding,
) -> DocumentSymbol {
    DocumentSymbol {
        name: s.name,
        detail: (!s.detail.is_empty()).then_some(s.detail),
        kind: symbol_kind(s.kind),
        tags: None,
        deprecated: None,
        range: convert::range(ws, path, s.range, enc),
        selection_range: convert::range(ws, path, s.selection, enc),
        children: (!s.children.is_empty()).then(|| {
            s.children
                .into_iter()
                .map(|c| document_symbol(ws, path, c, enc))
                .collect()
        }),
    }
}

impl Backend {
    pub(super) async fn handle_document_symbol(
        &self,
        params: DocumentSymbolParams,
    ) -> Result<Option<DocumentSymbolResponse>> {
        let Some(path) = path_of(&params.text_document.uri) else {
            return Ok(None);
        };
        let Some(nv) = self.nav_view(&path).await else {
            return Ok(None);
        };
        let enc = self.encoding();
        let syms = guarded("documentSymbol", &path, || {
            let ws = nv.ws();
            if ws.file(&path).is_some() {
                let models = models_of(&nv.a);
                crate::ide::symbols::source_symbols(ws, &models, &path)
            } else {
                crate::ide::symbols::config_symbols(ws, &path)
            }
        })?;
        Ok(Some(DocumentSymbolResponse::Nested(
            syms.into_iter()
                .map(|s| document_symbol(nv.ws(), &path, s, enc))
                .collect(),
        )))
    }

    pub(super) async fn handle_workspace_symbol(
        &self,
        params: WorkspaceSymbolParams,
    ) -> Result<Option<WorkspaceSymbolResponse>> {
        let Some(a) = lock(&self.state).last.clone() else {
            return Ok(None);
        };
        let enc = self.encoding();
        let found = guarded("workspace/symbol", Path::new(""), || {
            crate::ide::symbols::workspace_symbols(&a.ws, &models_of(&a), &params.query)
        })?;
        #[allow(deprecated)] // `SymbolInformation::deprecated` must be written
        let out: Vec<SymbolInformation> = found
            .into_iter()
            .filter_map(|(file, s)| {
                Some(SymbolInformation {
                    location: Location {
                        uri: convert::uri(&file)?,
                        range: convert::range(&a.ws, &file, s.selection, enc),
                    },
                    name: s.name,
                    kind: symbol_kind(s.kind),
                    tags: None,
                    deprecated: None,
                    container_name: Some(s.detail),
                })
            })
            .collect();
        Ok(Some(WorkspaceSymbolResponse::Flat(out)))
    }

    pub(super) async fn handle_code_lens(
        &self,
        params: CodeLensParams,
    ) -> Result<Option<Vec<CodeLens>>> {
        let Some(path) = path_of(&params.text_document.uri) else {
            return Ok(None);
        };
        let Some(nv) = self.nav_view(&path).await else {
            return Ok(None);
        };
        // The class models are the analysed text's.
        if nv.view.is_some() {
            return Ok(Some(Vec::new()));
        }
        let enc = self.encoding();
        let lenses = guarded("codeLens", &path, || {
            crate::ide::symbols::lenses(&nv.a.ws, &models_of(&nv.a), &path)
        })?;
        Ok(Some(
            lenses
                .into_iter()
                .map(|(span, title)| CodeLens {
                    range: convert::range(&nv.a.ws, &path, span, enc),
                    // A label: no command runs on a click.
                    command: Some(Command {
                        title,
                        command: String::new(),
                        arguments: None,
                    }),
                    data: None,
                })
                .collect(),
        ))
    }
}

impl Backend {
    /// For a client without code lenses, the class lens as an inlay hint
    /// at the end of the class's name.
    pub(super) async fn handle_inlay_hint(
        &self,
        params: InlayHintParams,
    ) -> Result<Option<Vec<InlayHint>>> {
        if lock(&self.state).features.code_lens {
            return Ok(Some(Vec::new()));
        }
        let Some(path) = path_of(&params.text_document.uri) else {
            return Ok(None);
        };
        let Some(nv) = self.nav_view(&path).await else {
            return Ok(None);
        };
        if nv.view.is_some() || nv.live.is_some() {
            return Ok(Some(Vec::new()));
        }
        let enc = self.encoding();
        let lenses = guarded("inlayHint", &path, || {
            crate::ide::symbols::lenses(&nv.a.ws, &models_of(&nv.a), &path)
        })?;
        Ok(Some(
            lenses
                .into_iter()
                .map(|(span, title)| {
                    let end = convert::range(&nv.a.ws, &path, span, enc).end;
                    InlayHint {
                        position: end,
                        label: InlayHintLabel::String(format!(" {title}")),
                        kind: None,
                        text_edits: None,
                        tooltip: None,
                        padding_left: Some(true),
                        padding_right: None,
                        data: None,
                    }
                })
                .filter(|h| params.range.start <= h.position && h.position <= params.range.end)
                .collect(),
        ))
    }
}

/// Each Worker's class models, by Worker index.
fn models_of(a: &Analysis) -> Vec<(usize, &[crate::rules::model::ClassModel])> {
    a.per_worker
        .iter()
        .enumerate()
        .map(|(i, r)| (i, r.classes.as_slice()))
        .collect()
}
