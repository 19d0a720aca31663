//! Source files: the tree-sitter language table, parsing and per-file facts.

pub mod class_body;
pub mod facts;
pub mod queries;
pub mod typescript;

pub use facts::FileFacts;

use std::path::Path;

/// Source languages the engine reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Lang {
    TypeScript,
    Tsx,
    JavaScript,
}

impl Lang {
    pub fn from_path(path: &Path) -> Option<Lang> {
        let ext = path.extension()?.to_str()?;
        Some(match ext {
            "ts" | "mts" | "cts" => Lang::TypeScript,
            "tsx" => Lang::Tsx,
            "js" | "mjs" | "cjs" | "jsx" => Lang::JavaScript,
            _ => return None,
        })
    }

    pub fn grammar(self) -> tree_sitter::Language {
        match self {
            Lang::TypeScript => tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into(),
            Lang::Tsx => tree_sitter_typescript::LANGUAGE_TSX.into(),
            Lang::JavaScript => tree_sitter_javascript::LANGUAGE.into(),
        }
    }

    pub fn is_typescript(self) -> bool {
        matches!(self, Lang::TypeScript | Lang::Tsx)
    }
}

/// Files larger than this are not parsed; the skip is reported.
pub const MAX_SOURCE_BYTES: usize = 4 * 1024 * 1024;

/// Parses one source text. Returns `None` only when tree-sitter gives up
/// (it does not on any input we have seen; the caller reports a skip).
pub fn parse(lang: Lang, text: &str, old: Option<&tree_sitter::Tree>) -> Option<tree_sitter::Tree> {
    let mut parser = tree_sitter::Parser::new();
    parser.set_language(&lang.grammar()).ok()?;
    parser.parse(text, old)
}
