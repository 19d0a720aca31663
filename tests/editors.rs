//! The editor integrations are well-formed: Helix's languages.toml (no Helix
//! binary is available to run) against the defaults of a named Helix release,
//! and the Neovim config file.

use std::path::Path;

fn repo(p: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(p)
}

/// The servers Helix 25.07.1 runs by default for each language durable-lsp joins, from the
/// `language-servers` of its languages.toml at the tag 25.07.1. A user's `language-servers`
/// replaces Helix's list, so ours must repeat these before durable-lsp.
const HELIX_25_07_1_DEFAULTS: &[(&str, &[&str])] = &[
    ("toml", &["taplo", "tombi"]),
    ("json", &["vscode-json-language-server"]),
    ("jsonc", &["vscode-json-language-server"]),
    ("typescript", &["typescript-language-server"]),
    ("tsx", &["typescript-language-server"]),
    ("javascript", &["typescript-language-server"]),
    ("jsx", &["typescript-language-server"]),
    ("rust", &["rust-analyzer"]),
    ("python", &["ty", "ruff", "jedi", "pylsp"]),
];

/// Languages whose Helix defaults set no `roots`: ours may, with the wrangler configs. The
/// others keep Helix's (package.json, tsconfig.json), which their own server needs.
const CONFIG_LANGUAGES: &[&str] = &["toml", "json", "jsonc"];

fn strings(item: Option<&toml_edit::Item>, what: &str) -> Vec<String> {
    let array = item
        .and_then(|i| i.as_array())
        .unwrap_or_else(|| panic!("{what} is an array"));
    array
        .iter()
        .map(|v| match v {
            toml_edit::Value::String(s) => s.value().clone(),
            // Helix also takes { name = "…", only-features = […] }.
            toml_edit::Value::InlineTable(t) => t
                .get("name")
                .and_then(|n| n.as_str())
                .unwrap_or_else(|| panic!("{what}: an entry without a name"))
                .to_string(),
            other => panic!("{what}: unexpected {other}"),
        })
        .collect()
}

#[test]
fn helix_languages_toml_adds_durable_lsp_after_helixs_own_servers() {
    let text = std::fs::read_to_string(repo("editors/helix/languages.toml")).unwrap();
    let doc = text.parse::<toml_edit::DocumentMut>().expect("valid TOML");
    let server = doc["language-server"]["durable-lsp"]
        .as_table()
        .expect("[language-server.durable-lsp]");
    assert_eq!(server["command"].as_str(), Some("durable-lsp"));
    let langs = doc["language"].as_array_of_tables().expect("[[language]]");
    let mut names = Vec::new();
    for l in langs {
        let name = l["name"]
            .as_str()
            .expect("a language has a name")
            .to_string();
        assert!(!names.contains(&name), "{name} is configured once");
        let servers = strings(
            l.get("language-servers"),
            &format!("{name}.language-servers"),
        );
        let (last, before) = servers.split_last().expect("servers listed");
        assert_eq!(last, "durable-lsp", "{name}: durable-lsp comes last");
        let defaults = HELIX_25_07_1_DEFAULTS
            .iter()
            .find(|(n, _)| *n == name)
            .unwrap_or_else(|| panic!("{name}: not a language durable-lsp joins"))
            .1;
        assert_eq!(
            before, defaults,
            "{name}: the servers before durable-lsp are Helix 25.07.1's defaults"
        );
        if CONFIG_LANGUAGES.contains(&name.as_str()) {
            let roots = strings(l.get("roots"), &format!("{name}.roots"));
            assert_eq!(
                roots,
                ["wrangler.toml", "wrangler.json", "wrangler.jsonc"],
                "{name}: root markers"
            );
        } else {
            assert!(
                l.get("roots").is_none(),
                "{name}: Helix's own roots stay (a user's `roots` replaces them)"
            );
        }
        names.push(name);
    }
    let mut want: Vec<&str> = HELIX_25_07_1_DEFAULTS.iter().map(|(n, _)| *n).collect();
    let mut have: Vec<&str> = names.iter().map(String::as_str).collect();
    want.sort_unstable();
    have.sort_unstable();
    assert_eq!(
        have, want,
        "every language durable-lsp serves, jsx and tsx included"
    );
}

#[test]
fn neovim_config_names_the_binary_and_root_markers() {
    let text = std::fs::read_to_string(repo("editors/neovim/lsp/durable_lsp.lua")).unwrap();
    assert!(text.contains("cmd = { 'durable-lsp' }"));
    for m in ["wrangler.jsonc", "wrangler.json", "wrangler.toml"] {
        assert!(text.contains(&format!("'{m}'")), "{m}");
    }
    for ft in [
        "toml",
        "json",
        "jsonc",
        "typescript",
        "typescriptreact",
        "javascript",
    ] {
        assert!(text.contains(&format!("'{ft}'")), "{ft}");
    }
}
