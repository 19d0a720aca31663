//! Any bytes as TypeScript, TSX and JavaScript: parsing, the bounded fact
//! queries and the per-class facts never panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

#[allow(dead_code)] // each target uses one body
#[path = "../bodies.rs"]
mod bodies;

fuzz_target!(|data: &[u8]| bodies::source(data));
