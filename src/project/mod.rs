//! The workspace: Workers (a config, its entry and module graph) and the
//! facts of every source file they reach, read through a [`fs::FileSystem`].

pub mod fs;
pub mod packages;
pub mod paths;
pub mod resolve;
pub mod scan;
pub mod symbols;
pub mod workspace;

pub use workspace::{Entry, SourceFile, Worker, Workspace};
