//! Any bytes on the server's stdin: framing resynchronises and ends, and
//! every body is classified (request, notification, response or an error
//! to answer) without a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

#[allow(dead_code)] // each target uses one body
#[path = "../bodies.rs"]
mod bodies;

fuzz_target!(|data: &[u8]| bodies::frames(data));
