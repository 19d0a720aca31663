//! Editor features as pure functions of a workspace snapshot: no I/O, no
//! LSP types (the server converts).

pub mod complete;
pub mod docs;
pub mod hover;
pub mod navigate;
pub mod symbols;
