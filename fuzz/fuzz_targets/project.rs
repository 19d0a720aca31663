//! Any bytes as a small project: the input is split at NUL into a config,
//! an entry and a module, and the whole engine (discovery, resolution, every
//! rule, suppressions) runs over them without a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

#[allow(dead_code)] // each target uses one body
#[path = "../bodies.rs"]
mod bodies;

fuzz_target!(|data: &[u8]| bodies::project(data));
