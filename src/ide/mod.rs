//! Editor features as pure functions of a workspace snapshot: no I/O, no
//! LSP types (the server converts).

pub mod complete;
pub mod complete_rust;
pub mod docs;
pub mod hover;
pub mod navigate;
pub mod symbols;

/// Completion in a source file at byte `offset`, by the file's language:
/// the runtime API in TypeScript and JavaScript, the workers-rs SDK's in
/// Rust, none in Python.
pub fn complete_source(
    scope: Option<&complete::Scope>,
    path: &std::path::Path,
    lang: crate::syntax::Lang,
    text: &str,
    tree: &tree_sitter::Tree,
    offset: usize,
) -> Vec<complete::Completion> {
    match lang {
        crate::syntax::Lang::Rust if text.is_char_boundary(offset) => {
            complete_rust::source(scope, path, text, tree, offset.min(text.len()))
        }
        _ => complete::source(scope, path, lang, text, tree, offset),
    }
}
