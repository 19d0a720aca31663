//! Any bytes as wrangler.toml, wrangler.jsonc and durable-lsp.toml: parsing
//! and the lifecycle replay never panic, and every span stays in the text.
#![no_main]
use durable_lsp::config::{Config, Lifecycle};
use durable_lsp::settings::Settings;
use libfuzzer_sys::fuzz_target;
use std::path::{Path, PathBuf};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    for name in ["wrangler.toml", "wrangler.jsonc"] {
        let cfg = Config::parse(PathBuf::from(name), &text);
        for v in cfg.variants() {
            let lc = Lifecycle::of(&v);
            for r in lc.classes.values() {
                assert!(r.created.span.end <= text.len());
            }
        }
        if let Some(e) = &cfg.syntax_error {
            assert!(e.span.start <= e.span.end && e.span.end <= text.len());
        }
    }
    let _ = Settings::parse_toml(&text, Path::new("/"));
});
