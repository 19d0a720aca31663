//! The fuzz targets' bodies, shared by the libFuzzer binaries in
//! `fuzz_targets/` (nightly, `cargo fuzz`) and by the stable smoke run in
//! `tests/fuzz_smoke.rs`, which replays the seed corpus and a fixed set of
//! mutations on every `cargo test`.

use durable_lsp::config::{Config, Lifecycle};
use durable_lsp::lsp::session::{apply_change, parse_rope};
use durable_lsp::lsp::transport::{parse, Frame, FrameReader};
use durable_lsp::project::fs::MemFs;
use durable_lsp::project::{SourceFile, Workspace};
use durable_lsp::rules;
use durable_lsp::settings::Settings;
use durable_lsp::syntax::{self, Lang};
use durable_lsp::text::{Encoding, LineIndex, Position as TextPos};
use std::path::{Path, PathBuf};
use tower_lsp_server::ls_types::{Position, Range, TextDocumentContentChangeEvent};

/// Any bytes as wrangler.toml, wrangler.jsonc and durable-lsp.toml: parsing
/// and the lifecycle replay never panic, and every span stays in the text.
pub fn config(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    for name in ["wrangler.toml", "wrangler.jsonc"] {
        let cfg = Config::parse(PathBuf::from(name), &text);
        for v in cfg.variants() {
            let lc = Lifecycle::of(&v);
            for r in lc.classes.values() {
                assert!(r.created.span.end <= text.len());
            }
        }
        if let Some(e) = &cfg.syntax_error {
            assert!(e.span.start <= e.span.end && e.span.end <= text.len());
        }
    }
    let _ = Settings::parse_toml(&text, Path::new("/"));
    config_completion(&text);
}

/// Completion in a config with any text, at each quote and spread offsets:
/// no panic, and each item replaces text that ends at the cursor.
fn config_completion(text: &str) {
    for name in ["wrangler.toml", "wrangler.jsonc"] {
        let mut fs = MemFs::default();
        fs.insert(Path::new("/fuzz").join(name), text.as_bytes());
        let ws = Workspace::load(&fs, &[PathBuf::from("/fuzz")]);
        if ws.workers.is_empty() {
            continue;
        }
        let scope = durable_lsp::ide::complete::Scope {
            ws: &ws,
            fs: &fs,
            models: Vec::new(),
        };
        let quotes = text.match_indices('"').map(|(i, _)| i + 1).take(64);
        let spread = (0..16).map(|k| text.len() * k / 15);
        for at in quotes.chain(spread) {
            if !text.is_char_boundary(at) {
                continue;
            }
            for c in durable_lsp::ide::complete::config(&scope, 0, text, at) {
                assert!(
                    c.replace.start <= c.replace.end && c.replace.end <= text.len(),
                    "{c:?}"
                );
            }
        }
    }
}

/// Any bytes as TypeScript, TSX, JavaScript, Rust and Python: parsing, the bounded fact
/// queries and the per-class facts never panic; nor do completion and hover
/// after each `.` and at spread offsets, and every completion replaces text
/// that ends at the cursor.
pub fn source(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    for lang in [
        Lang::TypeScript,
        Lang::Tsx,
        Lang::JavaScript,
        Lang::Rust,
        Lang::Python,
    ] {
        let path = Path::new(match lang {
            Lang::Rust => "/fuzz/src/lib.rs",
            Lang::Python => "/fuzz/src/entry.py",
            _ => "/fuzz/src/index.ts",
        });
        if let Some(tree) = syntax::parse(lang, &text, None) {
            match lang {
                Lang::Rust => drop(syntax::rust::facts(&text, &tree)),
                Lang::Python => drop(syntax::python::facts(&text, &tree)),
                _ => drop(syntax::typescript::facts(lang, &text, &tree)),
            }
            let dots = text.match_indices('.').map(|(i, _)| i + 1).take(64);
            let spread = (0..16).map(|k| text.len() * k / 15);
            for at in dots.chain(spread) {
                if !text.is_char_boundary(at) {
                    continue;
                }
                for c in durable_lsp::ide::complete_source(None, path, lang, &text, &tree, at) {
                    assert!(
                        c.replace.start <= c.replace.end && c.replace.end == at,
                        "{c:?} at {at}"
                    );
                }
                let _ = durable_lsp::ide::hover::source_hover(lang, &text, at);
            }
        }
    }
}

/// Any bytes on the server's stdin: framing resynchronises and ends, and
/// every body is classified (request, notification, response or an error
/// to answer) without a panic.
pub fn frames(data: &[u8]) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    rt.block_on(async {
        let mut reader = FrameReader::new(data);
        // every frame consumes input, so this ends
        for _ in 0..=data.len() + 1 {
            match reader.next().await {
                Frame::Body(b) => {
                    let _ = parse(&b);
                }
                Frame::Skipped(_) => {}
                Frame::End => return,
            }
        }
        panic!("the reader did not reach the end of its input");
    });
}

/// Any bytes as a small project: the input is split at NUL into a config,
/// an entry and a module, and the whole engine (discovery, resolution, every
/// rule, suppressions) runs over them without a panic.
pub fn project(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let mut parts = text.splitn(3, '\u{0}');
    let config = parts.next().unwrap_or("");
    let entry = parts.next().unwrap_or("");
    let module = parts.next().unwrap_or("");
    let root = PathBuf::from("/p");
    let mut fs = MemFs::new();
    let name = if config.trim_start().starts_with('{') {
        "wrangler.jsonc"
    } else {
        "wrangler.toml"
    };
    fs.insert(root.join(name), config);
    fs.insert(root.join("src/index.ts"), entry);
    fs.insert(root.join("src/mod.ts"), module);
    let ws = Workspace::load(&fs, std::slice::from_ref(&root));
    let _ = rules::check(&ws, &fs);
}

/// Any bytes as an editing session: the first part (up to NUL) is the opened
/// text; the rest is read as edits (encoding, start and end position, the
/// inserted text). After each edit, in UTF-8, UTF-16 and UTF-32 alike:
/// - the document's rope equals the same edit applied to a plain string
///   through the line index (the two position conversions agree);
/// - the edit given to tree-sitter matches the rope (bytes and points);
/// - the incrementally reparsed tree, when it has no syntax error (the only
///   case where the engine uses it), equals a fresh parse of the text; on
///   broken text tree-sitter's error recovery may differ between the two,
///   so the engine parses afresh there.
pub fn edits(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let (init, script) = text.split_once('\u{0}').unwrap_or((&text, ""));
    let mut rope = ropey::Rope::from_str(init);
    let mut model = init.to_string();
    let mut tree = parse_rope(Lang::TypeScript, &rope, None);
    // the facts of the text before each edit, whose class bodies the next
    // facts may take
    let mut prior: Option<SourceFile> = SourceFile::from_text(
        Path::new("/e.ts"),
        Lang::TypeScript,
        std::sync::Arc::from(init),
        None,
        None,
    )
    .ok();
    let mut bytes = script.bytes();
    let mut next = move || bytes.next().map(u32::from);
    for _ in 0..64 {
        let (Some(e), Some(sl), Some(sc), Some(el), Some(ec), Some(n)) =
            (next(), next(), next(), next(), next(), next())
        else {
            break;
        };
        let enc = [Encoding::Utf8, Encoding::Utf16, Encoding::Utf32][(e % 3) as usize];
        let lines = (model.matches('\n').count() + 2) as u32;
        let (sl, el) = (sl % lines, el % lines);
        let insert: String = init
            .chars()
            .cycle()
            .skip(n as usize)
            .take((n % 9) as usize)
            .collect();
        let change = TextDocumentContentChangeEvent {
            range: Some(Range::new(Position::new(sl, sc), Position::new(el, ec))),
            range_length: None,
            text: insert.clone(),
        };
        // the model: the same positions through the line index
        let idx = LineIndex::new(&model);
        let a = idx.offset(
            &model,
            TextPos {
                line: sl,
                column: sc,
            },
            enc,
        );
        let b = idx.offset(
            &model,
            TextPos {
                line: el,
                column: ec,
            },
            enc,
        );
        model.replace_range(a.min(b)..a.max(b), &insert);

        let edit = apply_change(&mut rope, &change, enc);
        assert_eq!(rope.to_string(), model, "rope and line index disagree");
        assert!(edit.start_byte <= edit.old_end_byte);
        assert_eq!(edit.new_end_byte, edit.start_byte + insert.len());
        assert!(edit.new_end_byte <= rope.len_bytes());
        assert_eq!(
            edit.new_end_position,
            durable_lsp::text::rope::point_at(&rope, edit.new_end_byte)
        );
        if let Some(t) = tree.as_mut() {
            t.edit(&edit);
        }
        tree = parse_rope(Lang::TypeScript, &rope, tree.as_ref());
        let fresh = parse_rope(Lang::TypeScript, &rope, None);
        if let Some(inc) = tree.as_ref().filter(|t| !t.root_node().has_error()) {
            assert_eq!(
                Some(inc.root_node().to_sexp()),
                fresh.as_ref().map(|t| t.root_node().to_sexp()),
                "an error-free incremental reparse differs from a fresh parse"
            );
        }
        // what the engine extracts from the editor's tree is what `--check`
        // extracts from the text (unless a time budget cut either: then both
        // are partial, and which part depends on the machine), class bodies
        // taken from the facts before the edit included
        let text: std::sync::Arc<str> = std::sync::Arc::from(model.as_str());
        let facts = |t: Option<tree_sitter::Tree>, prior: Option<&SourceFile>| {
            SourceFile::from_text(Path::new("/e.ts"), Lang::TypeScript, text.clone(), t, prior)
                .ok()
                .filter(|f| f.facts.cut.is_none())
        };
        let show = |f: &SourceFile| format!("{:?}", f.facts);
        let editor = facts(tree.clone(), prior.as_ref());
        if let (Some(editor), Some(fresh)) = (&editor, facts(None, None)) {
            assert_eq!(
                show(editor),
                show(&fresh),
                "the editor's facts differ from a fresh parse's"
            );
        }
        prior = editor;
    }
}
