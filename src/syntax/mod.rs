//! Source files: the tree-sitter language table, parsing and per-file facts.

pub mod class_body;
pub mod facts;
pub mod node;
pub mod python;
pub mod rust;
pub mod shapes;
pub mod typescript;

pub use facts::FileFacts;

use std::path::Path;

/// Source languages the engine reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Lang {
    TypeScript,
    Tsx,
    JavaScript,
    /// A workers-rs crate's modules.
    Rust,
    /// A Python Worker's modules.
    Python,
}

impl Lang {
    pub fn from_path(path: &Path) -> Option<Lang> {
        let ext = path.extension()?.to_str()?;
        Some(match ext {
            "ts" | "mts" | "cts" => Lang::TypeScript,
            "tsx" => Lang::Tsx,
            "js" | "mjs" | "cjs" | "jsx" => Lang::JavaScript,
            "rs" => Lang::Rust,
            "py" => Lang::Python,
            _ => return None,
        })
    }

    pub fn grammar(self) -> tree_sitter::Language {
        match self {
            Lang::TypeScript => tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into(),
            Lang::Tsx => tree_sitter_typescript::LANGUAGE_TSX.into(),
            Lang::JavaScript => tree_sitter_javascript::LANGUAGE.into(),
            Lang::Rust => tree_sitter_rust::LANGUAGE.into(),
            Lang::Python => tree_sitter_python::LANGUAGE.into(),
        }
    }

    /// JavaScript or TypeScript: the languages the Durable Object API's
    /// completion and hover speak.
    pub fn is_js(self) -> bool {
        !matches!(self, Lang::Rust | Lang::Python)
    }

    pub fn is_typescript(self) -> bool {
        matches!(self, Lang::TypeScript | Lang::Tsx)
    }
}

/// Source files larger than this are not parsed (in `--check` and in the
/// editor alike); the skip is reported (DO100). The default of the
/// `--max-source-mb` flag and the editor's `maxSourceMB` setting.
pub const DEFAULT_MAX_SOURCE_BYTES: usize = 4 * 1024 * 1024;

static MAX_SOURCE_BYTES: std::sync::atomic::AtomicUsize =
    std::sync::atomic::AtomicUsize::new(DEFAULT_MAX_SOURCE_BYTES);

/// The source size limit of this process (one run, one limit).
pub fn max_source_bytes() -> usize {
    MAX_SOURCE_BYTES.load(std::sync::atomic::Ordering::Relaxed)
}

/// Sets the source size limit (`--max-source-mb`, `maxSourceMB`).
pub fn set_max_source_bytes(n: usize) {
    MAX_SOURCE_BYTES.store(n.max(1), std::sync::atomic::Ordering::Relaxed);
}

/// Parses one source text. Returns `None` only when tree-sitter gives up
/// (it does not on any input we have seen; the caller reports a skip).
pub fn parse(lang: Lang, text: &str, old: Option<&tree_sitter::Tree>) -> Option<tree_sitter::Tree> {
    let mut parser = tree_sitter::Parser::new();
    parser.set_language(&lang.grammar()).ok()?;
    parser.parse(text, old)
}
