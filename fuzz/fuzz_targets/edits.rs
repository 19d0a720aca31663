//! Any bytes as an editing session: the first part (up to NUL) is the opened
//! text; the rest is read as edits (encoding, start and end position, the
//! inserted text). After each edit, in UTF-8, UTF-16 and UTF-32 alike:
//! - the document's rope equals the same edit applied to a plain string
//!   through the line index (the two position conversions agree);
//! - the edit given to tree-sitter matches the rope (bytes and points);
//! - the incrementally reparsed tree, when it has no syntax error (the only
//!   case where the engine uses it), equals a fresh parse of the text; on
//!   broken text tree-sitter's error recovery may differ between the two,
//!   so the engine parses afresh there;
//! - the facts the engine extracts with the editor's tree equal those of a
//!   fresh parse.
#![no_main]
use libfuzzer_sys::fuzz_target;

#[allow(dead_code)] // each target uses one body
#[path = "../bodies.rs"]
mod bodies;

fuzz_target!(|data: &[u8]| bodies::edits(data));
