//! Session state: open documents (ropes with incrementally reparsed
//! trees), roots, the client's features and settings, and the bookkeeping
//! the scheduler reads (revisions, dirty files, the committed analysis).
//! Mutations happen under one lock that is never held across an `.await`.

use super::analysis::Analysis;
use crate::settings::Settings;
use crate::text::{Encoding, Position as TextPos};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use tower_lsp_server::ls_types::*;

/// An open document: a rope (lines break on LF, CR and CRLF only: ropey is
/// built with `cr_lines` and without `unicode_lines`), its version, and its
/// tree, kept current by incremental reparsing.
pub struct Doc {
    pub text: ropey::Rope,
    pub version: i32,
    pub tree: Option<tree_sitter::Tree>,
    /// A parse on the message path ran past [`EDIT_PARSE_BUDGET`]: later
    /// edits do not try again (the analysis parses the text in the
    /// background) until the document is opened anew.
    pub parse_cut: bool,
}

impl Doc {
    pub fn new(path: &Path, text: String, version: i32) -> Doc {
        let rope = ropey::Rope::from_str(&text);
        let lang = crate::syntax::Lang::from_path(path);
        let tree = lang.and_then(|l| parse_rope_within(l, &rope, None, EDIT_PARSE_BUDGET));
        Doc {
            parse_cut: lang.is_some() && tree.is_none(),
            text: rope,
            version,
            tree,
        }
    }
}

/// How long opening or editing a document may spend parsing it on the
/// message path. Past it the document keeps no tree: the analysis parses
/// its text in the background, and messages behind the edit (a hover on
/// another file) are not held up by one pathological document.
pub const EDIT_PARSE_BUDGET: std::time::Duration = std::time::Duration::from_millis(50);

/// Parses a rope chunk by chunk (no copy into one string).
pub fn parse_rope(
    lang: crate::syntax::Lang,
    rope: &ropey::Rope,
    old: Option<&tree_sitter::Tree>,
) -> Option<tree_sitter::Tree> {
    parse_rope_within(lang, rope, old, std::time::Duration::MAX)
}

/// [`parse_rope`], given up (None) past `budget`.
pub fn parse_rope_within(
    lang: crate::syntax::Lang,
    rope: &ropey::Rope,
    old: Option<&tree_sitter::Tree>,
    budget: std::time::Duration,
) -> Option<tree_sitter::Tree> {
    // Past the source size limit nothing is parsed, in the editor as in
    // `--check` (the file is reported as skipped).
    if rope.len_bytes() > crate::syntax::max_source_bytes() {
        return None;
    }
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
    let started = std::time::Instant::now();
    let mut over = |_: &tree_sitter::ParseState| started.elapsed() > budget;
    let options = tree_sitter::ParseOptions::new().progress_callback(&mut over);
    parser.parse_with_options(&mut read, old, Some(options))
}

/// The analysis in flight.
pub struct Running {
    pub cancel: Arc<AtomicBool>,
    /// A full analysis (the first, or after a config or the file set
    /// changed): source edits do not cancel it.
    pub full: bool,
}

/// Everything the server knows, behind one lock.
#[derive(Default)]
pub struct State {
    pub roots: Vec<PathBuf>,
    /// The source size limit before any editor setting (the default, or
    /// `--max-source-mb` on the server's command line), read at `initialize`.
    pub max_source_default: usize,
    /// The client gave no workspace folder: each opened file brings the
    /// nearest folder with a wrangler config as a root.
    pub single_file: bool,
    pub docs: HashMap<PathBuf, Doc>,
    pub encoding: Option<Encoding>,
    pub features: ClientFeatures,
    /// the editor's settings, over each Worker's durable-lsp.toml
    pub overrides: Settings,
    /// Bumped by every change (documents, files on disk, settings, folders).
    pub revision: u64,
    /// Source files changed since the committed analysis, with the revision
    /// of their last change.
    pub dirty: HashMap<PathBuf, u64>,
    /// Changes since the committed analysis that need a full one, with
    /// their revision: a path (a config, a manifest, a toolchain config, a
    /// missing `main` created) or `None` for the whole workspace (files
    /// created or deleted, settings, folders).
    pub full: Vec<(u64, Option<PathBuf>)>,
    /// The analysis in flight: its cancellation flag, and whether it is a
    /// full one.
    pub running: Option<Running>,
    /// `workspace/configuration` requests not answered yet: no analysis
    /// starts meanwhile (its settings would be the old ones).
    pub settings_awaited: u32,
    /// The committed analysis and the revision it covers.
    pub last: Option<Arc<Analysis>>,
    /// What a cancelled full analysis finished since the last commit: the
    /// next full analysis keeps those Workers' results whose inputs did not
    /// change, so an interrupted analysis continues where it stopped.
    pub partial: Option<Arc<super::analysis::Partial>>,
    pub committed: u64,
    /// What each file was last sent (push) or will be answered (pull).
    pub published: HashMap<PathBuf, Vec<Diagnostic>>,
    /// A large document was closed: once the analysis that still holds
    /// its text is replaced, freed memory is given back to the system.
    pub release_memory: bool,
    /// Before the first analysis: what the analysis of the opened files'
    /// Workers found (revision, their folders, findings by file), for pulls
    /// of those files at that revision.
    pub preview: Option<Preview>,
}

/// What the analysis of the opened files' Workers found, before the first
/// full analysis.
#[derive(Debug)]
pub struct Preview {
    pub revision: u64,
    /// The Workers' folders.
    pub roots: Vec<PathBuf>,
    pub by_file: HashMap<PathBuf, Vec<Diagnostic>>,
}

impl State {
    /// Takes the editor's settings; `maxSourceMB` sets the process's source
    /// size limit (back to the start value when the setting goes).
    /// The source size limit of the current settings.
    pub fn max_source(&self) -> usize {
        let limit = self
            .overrides
            .max_source_mb
            .map_or(self.max_source_default, |mb| mb * 1024 * 1024);
        if limit > 0 {
            limit
        } else {
            crate::syntax::max_source_bytes()
        }
    }

    pub fn set_overrides(&mut self, s: Settings) {
        for p in &s.problems {
            crate::log!(Warn, "editor settings: {p}");
        }
        self.overrides = s;
        // the message path's limit (analyses take theirs when they start)
        crate::syntax::set_max_source_bytes(self.max_source());
    }

    /// Records a change. `path` is a source file whose text changed (an
    /// open document, or a file on disk), or `None` for a change that needs
    /// a full analysis. Cancels the analysis in flight, except a full one
    /// when only a source file's text changed: its work is not thrown away
    /// (a typist who never pauses would otherwise never see it finish); the
    /// incremental analysis after its commit takes the edit in.
    pub fn note_change(&mut self, path: Option<PathBuf>) {
        self.revision += 1;
        let rev = self.revision;
        // A file some Worker names as `main` but which was missing can change
        // entries: full.
        let entry_target =
            |st: &State, p: &Path| st.last.as_ref().is_some_and(|a| a.is_entry_target(p));
        // A source edit the running full analysis can hand over to the
        // incremental one after it: an open document's, or a file the
        // committed analysis knows. Any other file (one created while a
        // folder was being watched) may be missed by the running analysis's
        // walk: it starts again.
        let known = |st: &State, p: &Path| {
            st.docs.contains_key(p) || st.last.as_ref().is_some_and(|a| a.ws.files.contains_key(p))
        };
        let source_only = match path {
            Some(p) if !is_config_path(&p) && !entry_target(self, &p) => {
                let known = known(self, &p);
                self.dirty.insert(p, rev);
                known
            }
            p => {
                self.full.push((rev, p));
                false
            }
        };
        if let Some(r) = &self.running {
            if !(r.full && source_only) {
                r.cancel.store(true, std::sync::atomic::Ordering::Relaxed);
            }
        }
    }

    /// Whether a change not analysed yet can alter the facts about `path`:
    /// one of the whole workspace, a config or manifest in a folder above
    /// it, or another changed file of a Worker that reaches it.
    pub fn pending_for(&self, path: &Path) -> bool {
        let Some(a) = &self.last else { return true };
        // A closed document whose disk text is not analysed yet: the
        // committed analysis still holds the buffer's text.
        if self.dirty.contains_key(path) && !self.docs.contains_key(path) {
            return true;
        }
        let owners = a.owners(path);
        let full = self.full.iter().any(|(_, p)| match p {
            None => true,
            Some(p) => {
                p.parent().is_some_and(|d| path.starts_with(d))
                    || a.owners(p).iter().any(|o| owners.contains(o))
            }
        });
        full || self
            .dirty
            .keys()
            .filter(|p| p.as_path() != path)
            .any(|p| a.owners(p).iter().any(|o| owners.contains(o)))
    }

    pub fn encoding(&self) -> Encoding {
        self.encoding.unwrap_or(Encoding::Utf16)
    }
}

pub fn lock(m: &Mutex<State>) -> std::sync::MutexGuard<'_, State> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Files whose change can alter discovery, entries or resolution: a full
/// analysis follows.
pub fn is_config_path(p: &Path) -> bool {
    p.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
        crate::config::is_config_name(n)
            || crate::config::is_vite_config_name(n)
            || n == crate::settings::FILE_NAME
            || n == "package.json"
            || n == "pnpm-workspace.yaml"
            // a workers-rs crate's manifest: whether a Worker is Rust, its root module
            || n == "Cargo.toml"
            // the versions DO601 and DO602 read
            || matches!(
                n,
                "package-lock.json" | "pnpm-lock.yaml" | "yarn.lock" | "bun.lock" | "bun.lockb"
            )
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

pub fn path_of(uri: &Uri) -> Option<PathBuf> {
    uri.to_file_path().map(|p| p.into_owned())
}

/// The root for a file opened without workspace folders (single-file
/// mode): the nearest folder with a wrangler config, or none (the file is
/// analysed alone; its folder, which may be `/` or a home folder, is never
/// made a root).
pub fn root_for(file: &Path) -> Option<PathBuf> {
    let mut dir = file.parent();
    while let Some(d) = dir {
        if crate::config::CONFIG_NAMES
            .iter()
            .any(|n| d.join(n).is_file())
        {
            return Some(d.to_path_buf());
        }
        dir = d.parent();
    }
    None
}

/// What the client can do, read once from its capabilities.
#[derive(Clone, Copy, Debug, Default)]
pub struct ClientFeatures {
    /// It registers file watchers when asked (`workspace/didChangeWatchedFiles`).
    pub watch_dynamic: bool,
    /// It answers `workspace/configuration`.
    pub config_pull: bool,
    /// It pulls diagnostics and can be told to pull again: without refresh
    /// support a client cannot learn of cross-file changes, so it gets push.
    pub pull: bool,
    /// It shows `$/progress`.
    pub work_done_progress: bool,
    /// It takes snippets in completion items.
    pub snippets: bool,
    /// It shows code lenses (Helix does not: the class lens becomes an
    /// inlay hint there).
    pub code_lens: bool,
    /// It takes `documentChanges` with change annotations in a workspace
    /// edit (a rename's lifecycle step is labelled).
    pub annotated_edits: bool,
}

impl ClientFeatures {
    pub fn of(c: &ClientCapabilities) -> ClientFeatures {
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
            code_lens: c
                .text_document
                .as_ref()
                .is_some_and(|t| t.code_lens.is_some()),
            annotated_edits: ws.and_then(|w| w.workspace_edit.as_ref()).is_some_and(|e| {
                e.document_changes == Some(true) && e.change_annotation_support.is_some()
            }),
            snippets: c
                .text_document
                .as_ref()
                .and_then(|t| t.completion.as_ref())
                .and_then(|c| c.completion_item.as_ref())
                .and_then(|i| i.snippet_support)
                .unwrap_or(false),
        }
    }
}

/// Editor settings: `{"rules": {…}}`, or the same under `"durable-lsp"`.
pub fn settings_from(v: &serde_json::Value) -> Settings {
    Settings::from_json(v.get("durable-lsp").unwrap_or(v))
}

/// Applies one content change; positions past the end are clamped.
/// Returns the edit for tree-sitter.
pub fn apply_change(
    rope: &mut ropey::Rope,
    change: &TextDocumentContentChangeEvent,
    enc: Encoding,
) -> tree_sitter::InputEdit {
    let (s, e) = match change.range {
        None => {
            // Whole-document sync: replace only what differs, so that the
            // tree is reparsed incrementally.
            let (s, e, text) = whole_document_diff(rope, &change.text);
            return replace(rope, s, e, text);
        }
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
    replace(rope, s, e, &change.text)
}

/// For a new full text: the chars `s..e` of the rope to replace and the
/// part of `new` to put there (the common prefix and suffix are kept).
fn whole_document_diff<'a>(rope: &ropey::Rope, new: &'a str) -> (usize, usize, &'a str) {
    let old_len = rope.len_bytes();
    let nb = new.as_bytes();
    // common prefix, chunk by chunk
    let mut prefix = 0;
    'outer: for chunk in rope.chunks() {
        for &b in chunk.as_bytes() {
            if prefix >= nb.len() || nb[prefix] != b {
                break 'outer;
            }
            prefix += 1;
        }
    }
    // common suffix, not overlapping the prefix
    let max_suffix = old_len.min(nb.len()) - prefix;
    let mut suffix = 0;
    while suffix < max_suffix && rope.byte(old_len - 1 - suffix) == nb[nb.len() - 1 - suffix] {
        suffix += 1;
    }
    // back off to char boundaries in both texts
    while prefix > 0 && !new.is_char_boundary(prefix) {
        prefix -= 1;
    }
    while suffix > 0 && !new.is_char_boundary(nb.len() - suffix) {
        suffix -= 1;
    }
    let s = rope.byte_to_char(prefix);
    let e = rope.byte_to_char(old_len - suffix);
    // byte_to_char rounds down inside a char: keep the edit covering it
    let prefix = rope.char_to_byte(s);
    let suffix = old_len - rope.char_to_byte(e);
    (s, e, &new[prefix..nb.len() - suffix])
}

/// Replaces chars `s..e` of the rope with `text`; the edit for tree-sitter.
fn replace(rope: &mut ropey::Rope, s: usize, e: usize, text: &str) -> tree_sitter::InputEdit {
    let start_byte = rope.char_to_byte(s);
    let old_end_byte = rope.char_to_byte(e);
    let start_position = crate::text::rope::point_at(rope, start_byte);
    let old_end_position = crate::text::rope::point_at(rope, old_end_byte);
    rope.remove(s..e);
    rope.insert(s, text);
    let new_end_byte = start_byte + text.len();
    tree_sitter::InputEdit {
        start_byte,
        old_end_byte,
        new_end_byte,
        start_position,
        old_end_position,
        new_end_position: crate::text::rope::point_at(rope, new_end_byte),
    }
}

#[cfg(test)]
mod tests {

    /// A lockfile changes the toolchain versions DO601/DO602 read: a
    /// change to one brings a full analysis (a new load, whose memo of
    /// lockfile reads starts empty).
    #[test]
    fn lockfiles_are_config_paths() {
        for n in [
            "package-lock.json",
            "pnpm-lock.yaml",
            "yarn.lock",
            "bun.lock",
            "bun.lockb",
        ] {
            assert!(is_config_path(Path::new(&format!("/w/{n}"))), "{n}");
        }
        assert!(!is_config_path(Path::new("/w/src/lock.ts")));
        assert!(
            is_config_path(Path::new("/w/Cargo.toml")),
            "a crate's manifest"
        );
    }

    use super::*;

    /// A parse past its budget gives no tree (the analysis parses the text
    /// instead); within it, the same tree as an unbounded parse.
    #[test]
    fn a_parse_past_its_budget_gives_no_tree() {
        let lang = crate::syntax::Lang::TypeScript;
        let hostile = ropey::Rope::from_str(&format!("f{}", "(".repeat(200_000)));
        let t = std::time::Instant::now();
        assert!(parse_rope_within(lang, &hostile, None, std::time::Duration::ZERO).is_none());
        assert!(t.elapsed() < std::time::Duration::from_secs(5));
        let small = ropey::Rope::from_str("export class A {}\n");
        let within = parse_rope_within(lang, &small, None, std::time::Duration::from_secs(60));
        assert_eq!(
            within.map(|t| t.root_node().to_sexp()),
            parse_rope(lang, &small, None).map(|t| t.root_node().to_sexp())
        );
    }

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
    fn whole_document_changes_replace_only_what_differs() {
        let full = |text: &str| TextDocumentContentChangeEvent {
            range: None,
            range_length: None,
            text: text.into(),
        };
        for (old, new) in [
            ("abc\ndef\n", "abc\nxdef\n"),
            ("aaaa", "aa"),
            ("aa", "aaaa"),
            ("é😀é", "éé"),
            ("x😀y", "x😁y"),
            ("", "new"),
            ("old", ""),
            ("same", "same"),
            ("a\r\nb", "a\nb"),
        ] {
            let mut t = ropey::Rope::from_str(old);
            let edit = apply_change(&mut t, &full(new), Encoding::Utf16);
            assert_eq!(t, new, "{old:?} → {new:?}");
            // The edit describes the change: old text around it is kept.
            assert_eq!(&old[..edit.start_byte], &new[..edit.start_byte]);
            assert_eq!(&old[edit.old_end_byte..], &new[edit.new_end_byte..]);
            assert!(edit.old_end_byte - edit.start_byte <= old.len());
        }
        let mut t = ropey::Rope::from_str("abc\ndef\n");
        let edit = apply_change(&mut t, &full("abc\nxdef\n"), Encoding::Utf16);
        assert_eq!(
            (edit.start_byte, edit.old_end_byte, edit.new_end_byte),
            (4, 4, 5)
        );
    }

    #[test]
    fn encoding_negotiation_prefers_utf8_then_utf32() {
        use PositionEncodingKind as K;
        assert_eq!(
            crate::lsp::convert::negotiate(Some(&[K::UTF16, K::UTF8])),
            Encoding::Utf8
        );
        assert_eq!(
            crate::lsp::convert::negotiate(Some(&[K::UTF32, K::UTF16])),
            Encoding::Utf32
        );
        assert_eq!(crate::lsp::convert::negotiate(None), Encoding::Utf16);
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
