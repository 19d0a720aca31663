//! Wrangler configs: parsing into a spanned model, env inheritance and the
//! Durable Object lifecycle.

pub mod lifecycle;
pub mod model;
pub mod tree;

pub use lifecycle::Lifecycle;
pub use model::{Config, Format, Str, Variant};

/// Config file names wrangler discovers, in its order of preference.
pub const CONFIG_NAMES: [&str; 3] = ["wrangler.json", "wrangler.jsonc", "wrangler.toml"];

/// Whether a file name is a wrangler config (`wrangler.toml`, but also
/// `wrangler.staging.toml`, `wrangler-router.jsonc`).
pub fn is_config_name(name: &str) -> bool {
    let Some(rest) = name.strip_prefix("wrangler") else {
        return false;
    };
    let ext_ok = rest.ends_with(".toml") || rest.ends_with(".json") || rest.ends_with(".jsonc");
    ext_ok && (rest.starts_with('.') || rest.starts_with('-') || rest.starts_with('_'))
}
