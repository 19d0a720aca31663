//! Any bytes as a small project: the fuzz input is split into a config, an
//! entry and a module, and the whole engine (discovery, resolution, every
//! rule, suppressions) runs over them without a panic.
#![no_main]
use durable_lsp::project::fs::MemFs;
use durable_lsp::project::Workspace;
use durable_lsp::rules;
use libfuzzer_sys::fuzz_target;
use std::path::PathBuf;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut parts = text.splitn(3, "\u{0}");
    let config = parts.next().unwrap_or("");
    let entry = parts.next().unwrap_or("");
    let module = parts.next().unwrap_or("");
    let root = PathBuf::from("/p");
    let mut fs = MemFs::new();
    let name = if config.trim_start().starts_with('{') {
        "wrangler.jsonc"
    } else {
        "wrangler.toml"
    };
    fs.insert(root.join(name), config);
    fs.insert(root.join("src/index.ts"), entry);
    fs.insert(root.join("src/mod.ts"), module);
    let ws = Workspace::load(&fs, std::slice::from_ref(&root));
    let _ = rules::check(&ws, &fs);
});
