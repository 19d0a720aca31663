//! Wrangler configs: parsing into a spanned model, env inheritance and the
//! Durable Object lifecycle.

pub mod classes;
pub mod edit;
pub mod lifecycle;
pub mod model;
pub mod tree;

pub use lifecycle::Lifecycle;
pub use model::{Config, Format, Str, Variant};

/// A Worker's config as it was at the base revision.
#[derive(Clone, Debug)]
pub struct BaseConfig {
    /// The revision as the user wrote it (`origin/main`).
    pub rev: String,
    /// The config at REV; `None` when the Worker did not exist there.
    pub config: Option<Config>,
    /// Where the config was at REV, relative to the repository, when it
    /// has moved since.
    pub moved_from: Option<String>,
}

/// Config file names wrangler discovers, in its order of preference.
pub const CONFIG_NAMES: [&str; 3] = ["wrangler.json", "wrangler.jsonc", "wrangler.toml"];

/// Whether a file name may be a wrangler config: `wrangler.toml`, but also
/// `wrangler.staging.toml`, `wrangler-router.jsonc`, `integration-wrangler.jsonc`.
pub fn is_config_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let ext_ok = lower.ends_with(".toml") || lower.ends_with(".json") || lower.ends_with(".jsonc");
    ext_ok && lower.contains("wrangler") && !lower.contains("schema")
}

/// Whether a config name is one wrangler finds by itself or an obvious
/// variant of it; other names must look like a config inside.
pub fn is_standard_config_name(name: &str) -> bool {
    CONFIG_NAMES.contains(&name) || name.starts_with("wrangler.") || name.starts_with("wrangler-")
}

/// Whether a vite or vitest config file.
pub fn is_vite_config_name(name: &str) -> bool {
    (name.starts_with("vitest.") || name.starts_with("vite.") || name.starts_with("vitest-"))
        && [".ts", ".mts", ".js", ".mjs", ".cts", ".cjs"]
            .iter()
            .any(|e| name.ends_with(e))
}

/// The config paths a vite/vitest config names with `configPath`, as written.
pub fn config_paths_in_vite_config(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("configPath") {
        rest = &rest[i + "configPath".len()..];
        let window: String = rest.chars().take(200).collect();
        if let Some(lit) = first_config_literal(&window) {
            out.push(lit);
        }
    }
    out
}

fn first_config_literal(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let q = bytes[i];
        if q == b'"' || q == b'\'' || q == b'`' {
            if let Some(end) = s[i + 1..].find(q as char) {
                let lit = &s[i + 1..i + 1 + end];
                if lit.ends_with(".toml") || lit.ends_with(".json") || lit.ends_with(".jsonc") {
                    return Some(lit.to_string());
                }
                i += end + 2;
                continue;
            }
        }
        if q == b'}' || q == b';' || q == b'\n' {
            return None;
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_names() {
        for n in [
            "wrangler.toml",
            "wrangler.staging.toml",
            "wrangler-router.jsonc",
            "integration-wrangler.jsonc",
        ] {
            assert!(is_config_name(n), "{n}");
        }
        for n in [
            "package.json",
            "wrangler.ts",
            "wrangler-schema.json",
            "tsconfig.json",
        ] {
            assert!(!is_config_name(n), "{n}");
        }
    }

    #[test]
    fn vite_config_paths() {
        let t = "cloudflareTest({ wrangler: { configPath: path.join(testsDir, \"wrangler.jsonc\") } })\nx({configPath: './a/wrangler.toml'})";
        assert_eq!(
            config_paths_in_vite_config(t),
            vec!["wrangler.jsonc", "./a/wrangler.toml"]
        );
    }
}
