//! Any bytes as wrangler.toml, wrangler.jsonc and durable-lsp.toml: parsing
//! and the lifecycle replay never panic, and every span stays in the text.
#![no_main]
use libfuzzer_sys::fuzz_target;

#[allow(dead_code)] // each target uses one body
#[path = "../bodies.rs"]
mod bodies;

fuzz_target!(|data: &[u8]| bodies::config(data));
