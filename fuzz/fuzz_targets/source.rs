//! Any bytes as TypeScript, TSX and JavaScript: parsing, the bounded fact
//! queries and the per-class facts never panic.
#![no_main]
use durable_lsp::syntax::{self, Lang};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    for lang in [Lang::TypeScript, Lang::Tsx, Lang::JavaScript] {
        if let Some(tree) = syntax::parse(lang, &text, None) {
            let _ = syntax::typescript::facts(lang, &text, &tree);
        }
    }
});
