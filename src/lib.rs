//! durable-lsp: a language server and CI checker for Cloudflare Durable Objects.
//!
//! See ARCHITECTURE.md for the layers and the invariants between them.

pub mod alloc;
pub mod cli;
pub mod config;
pub mod history;
pub mod ide;
pub mod log;
pub mod lsp;
pub mod project;
pub mod rules;
pub mod settings;
pub mod suppress;
pub mod syntax;
pub mod text;
