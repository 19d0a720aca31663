//! The editor integrations are well-formed: Helix's languages.toml (no Helix
//! binary is available to run) and the Neovim config file.

use std::path::Path;

fn repo(p: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(p)
}

#[test]
fn helix_languages_toml() {
    let text = std::fs::read_to_string(repo("editors/helix/languages.toml")).unwrap();
    let doc = text.parse::<toml_edit::DocumentMut>().expect("valid TOML");
    let server = doc["language-server"]["durable-lsp"]
        .as_table()
        .expect("[language-server.durable-lsp]");
    assert_eq!(server["command"].as_str(), Some("durable-lsp"));
    let langs = doc["language"].as_array_of_tables().expect("[[language]]");
    let mut names = Vec::new();
    for l in langs {
        let name = l["name"].as_str().unwrap();
        names.push(name.to_string());
        let servers: Vec<&str> = l["language-servers"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|v| v.as_str())
            .collect();
        assert_eq!(
            servers.last(),
            Some(&"durable-lsp"),
            "{name}: durable-lsp is listed last, as an extra server"
        );
        assert!(
            servers.len() >= 2,
            "{name}: the language's own server stays first"
        );
        let roots: Vec<&str> = l["roots"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|v| v.as_str())
            .collect();
        for r in ["wrangler.toml", "wrangler.json", "wrangler.jsonc"] {
            assert!(roots.contains(&r), "{name}: root marker {r}");
        }
    }
    for want in ["toml", "json", "jsonc", "typescript", "tsx", "javascript"] {
        assert!(names.iter().any(|n| n == want), "{want} is configured");
    }
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
