//! Text scans of toolchain files (vite configs, test files): the keys and
//! plugins they name, read without parsing the language.

use super::fs::{read_text, FileSystem};
use std::path::Path;

/// How much of a toolchain file is read.
const MAX_SCAN_BYTES: usize = 2 * 1024 * 1024;

/// Whether a vite config in `dir` uses `@cloudflare/vite-plugin`.
pub fn uses_vite_plugin(fs: &dyn FileSystem, dir: &Path) -> bool {
    [
        "vite.config.ts",
        "vite.config.mts",
        "vite.config.js",
        "vite.config.mjs",
    ]
    .iter()
    .filter_map(|n| read_text(fs, &dir.join(n), MAX_SCAN_BYTES).ok())
    .any(|t| t.contains("@cloudflare/vite-plugin"))
}

/// String literals right after `key:` (or `key: [`), in source text.
pub fn literals_after_key(text: &str, key: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find(key) {
        let before = rest[..i].chars().next_back();
        rest = &rest[i + key.len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.') {
            continue;
        }
        let t = rest.trim_start();
        let Some(t) = t.strip_prefix(':') else {
            continue;
        };
        let t = t.trim_start();
        let t = t.strip_prefix('[').map(str::trim_start).unwrap_or(t);
        let t = t
            .strip_prefix('{')
            .map(|x| {
                // `input: { main: "src/index.ts" }`: the first value
                x.split_once(':').map(|(_, v)| v.trim_start()).unwrap_or(x)
            })
            .unwrap_or(t);
        if let Some(q) = t.chars().next().filter(|c| matches!(c, '"' | '\'' | '`')) {
            if let Some(end) = t[1..].find(q) {
                out.push(t[1..1 + end].to_string());
            }
        }
    }
    out
}
