//! Settings: `durable-lsp.toml`, found by walking up from each Worker's
//! config, and the editor's settings, which override it.
//!
//! ```toml
//! ignore = ["legacy/**"]        # configs to skip, relative to this file
//! envs = ["production"]         # check only these [env.X] (and the top level)
//! [rules]
//! DO111 = "off"                 # off | hint | info | warning | error
//! ```

use crate::rules::registry::{Code, Severity};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub const FILE_NAME: &str = "durable-lsp.toml";

/// A rule's level: a severity, or off.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Off,
    On(Severity),
}

impl Level {
    pub fn parse(s: &str) -> Option<Level> {
        Some(match s {
            "off" => Level::Off,
            "hint" => Level::On(Severity::Hint),
            "info" | "information" => Level::On(Severity::Info),
            "warning" | "warn" => Level::On(Severity::Warning),
            "error" => Level::On(Severity::Error),
            _ => return None,
        })
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Settings {
    pub rules: BTreeMap<Code, Level>,
    pub ignore: Vec<String>,
    pub envs: Option<Vec<String>>,
    /// The folder `ignore` globs are relative to.
    pub base: Option<PathBuf>,
    /// Problems found reading the settings, for the user.
    pub problems: Vec<String>,
    /// The git revision that stands for what is deployed (the editor's
    /// `baseRef`, like `--base`): DO130–DO133 run against it.
    pub base_ref: Option<String>,
    /// Where rule links point (the editor's `docsBaseUrl`): a web address,
    /// or a `file:` URI of a local copy of `docs/rules/` such as the one the
    /// VS Code extension ships. None: the published pages.
    pub docs_base_url: Option<String>,
    /// The editor's `maxSourceMB`: source files above it are not parsed.
    pub max_source_mb: Option<usize>,
}

impl Settings {
    /// Reads a `durable-lsp.toml`. Never fails: problems are collected.
    pub fn parse_toml(text: &str, base: &Path) -> Settings {
        let mut s = Settings {
            base: Some(base.to_path_buf()),
            ..Default::default()
        };
        let doc = match toml_edit::Document::parse(text) {
            Ok(d) => d,
            Err(e) => {
                s.problems.push(format!(
                    "{FILE_NAME} could not be parsed: {}",
                    e.message().trim()
                ));
                return s;
            }
        };
        let json = toml_to_json(doc.as_item());
        s.read_json(&json);
        // One limit per run: a flag for `--check`, a setting in the editor.
        if s.max_source_mb.take().is_some() {
            s.problems.push(format!(
                "maxSourceMB is not read from {FILE_NAME}: pass --max-source-mb to --check, or set it in the editor"
            ));
        }
        s
    }

    /// Reads editor settings: `{"rules": {"DO101": "off"}, "ignore": [...], "envs": [...]}`.
    pub fn from_json(v: &serde_json::Value) -> Settings {
        let mut s = Settings::default();
        s.read_json(v);
        s
    }

    fn read_json(&mut self, v: &serde_json::Value) {
        if let Some(rules) = v.get("rules").and_then(|r| r.as_object()) {
            for (code, level) in rules {
                let Some(code_up) = Code::parse(code) else {
                    self.problems
                        .push(format!("unknown rule `{code}` in [rules]"));
                    continue;
                };
                match level.as_str().and_then(Level::parse) {
                    Some(l) => {
                        self.rules.insert(code_up, l);
                    }
                    None => self.problems.push(format!(
                        "rule `{code}`: the level must be one of off, hint, info, warning, error (got {level})"
                    )),
                }
            }
        }
        if let Some(list) = v.get("ignore").and_then(|r| r.as_array()) {
            self.ignore = list
                .iter()
                .filter_map(|x| x.as_str().map(String::from))
                .collect();
        }
        if let Some(r) = v.get("baseRef").and_then(|r| r.as_str()) {
            let r = r.trim();
            self.base_ref = (!r.is_empty()).then(|| r.to_string());
        }
        if let Some(n) = v.get("maxSourceMB") {
            match n.as_u64().filter(|n| (1..=1024).contains(n)) {
                Some(n) => self.max_source_mb = Some(n as usize),
                None => self.problems.push(format!(
                    "maxSourceMB must be a whole number of megabytes from 1 to 1024 (got {n})"
                )),
            }
        }
        if let Some(r) = v.get("docsBaseUrl").and_then(|r| r.as_str()) {
            let r = r.trim();
            // A link in every diagnostic: web pages or a local copy only
            // (`command:` and other schemes would run or open anything).
            let scheme = r.split_once(':').map(|(s, _)| s.to_ascii_lowercase());
            match scheme.as_deref() {
                _ if r.is_empty() => self.docs_base_url = None,
                Some("https" | "http" | "file") => self.docs_base_url = Some(r.to_string()),
                _ => self.problems.push(format!(
                    "docsBaseUrl must be an https:, http: or file: address (got {r:?}); the published pages are linked"
                )),
            }
        }
        if let Some(list) = v.get("envs").and_then(|r| r.as_array()) {
            self.envs = Some(
                list.iter()
                    .filter_map(|x| x.as_str().map(String::from))
                    .collect(),
            );
        }
    }

    /// `other` over `self`: its rule levels win, its lists replace.
    pub fn overridden_by(&self, other: &Settings) -> Settings {
        let mut s = self.clone();
        for (k, v) in &other.rules {
            s.rules.insert(*k, *v);
        }
        if !other.ignore.is_empty() {
            s.ignore = other.ignore.clone();
            s.base = other.base.clone().or(s.base);
        }
        if other.envs.is_some() {
            s.envs = other.envs.clone();
        }
        if other.max_source_mb.is_some() {
            s.max_source_mb = other.max_source_mb;
        }
        if other.docs_base_url.is_some() {
            s.docs_base_url = other.docs_base_url.clone();
        }
        if other.base_ref.is_some() {
            s.base_ref = other.base_ref.clone();
        }
        s.problems.extend(other.problems.iter().cloned());
        s
    }

    /// The severity of a finding, or `None` when its rule is off.
    pub fn severity(&self, code: Code, default: Severity) -> Option<Severity> {
        match self.rules.get(&code) {
            Some(Level::Off) => None,
            Some(Level::On(s)) => Some(*s),
            None => Some(default),
        }
    }

    /// Whether a config is excluded by `ignore`.
    pub fn ignores(&self, path: &Path) -> bool {
        if self.ignore.is_empty() {
            return false;
        }
        let rel = match &self.base {
            Some(b) => path.strip_prefix(b).unwrap_or(path),
            None => path,
        };
        let mut b = globset::GlobSetBuilder::new();
        for g in &self.ignore {
            if let Ok(glob) = globset::Glob::new(g) {
                b.add(glob);
            }
        }
        b.build().map(|set| set.is_match(rel)).unwrap_or(false)
    }

    /// Whether an environment is checked.
    pub fn checks_env(&self, env: Option<&str>) -> bool {
        match (env, &self.envs) {
            (None, _) | (_, None) => true,
            (Some(e), Some(list)) => list.iter().any(|x| x == e),
        }
    }
}

fn toml_to_json(item: &toml_edit::Item) -> serde_json::Value {
    use serde_json::Value;
    match item {
        toml_edit::Item::None => Value::Null,
        toml_edit::Item::Value(v) => value_to_json(v),
        toml_edit::Item::Table(t) => Value::Object(
            t.iter()
                .map(|(k, v)| (k.to_string(), toml_to_json(v)))
                .collect(),
        ),
        toml_edit::Item::ArrayOfTables(a) => Value::Array(
            a.iter()
                .map(|t| {
                    Value::Object(
                        t.iter()
                            .map(|(k, v)| (k.to_string(), toml_to_json(v)))
                            .collect(),
                    )
                })
                .collect(),
        ),
    }
}

fn value_to_json(v: &toml_edit::Value) -> serde_json::Value {
    use serde_json::Value;
    match v {
        toml_edit::Value::String(s) => Value::String(s.value().clone()),
        toml_edit::Value::Integer(i) => Value::from(*i.value()),
        toml_edit::Value::Float(f) => Value::from(*f.value()),
        toml_edit::Value::Boolean(b) => Value::Bool(*b.value()),
        toml_edit::Value::Datetime(d) => Value::String(d.value().to_string()),
        toml_edit::Value::Array(a) => Value::Array(a.iter().map(value_to_json).collect()),
        toml_edit::Value::InlineTable(t) => Value::Object(
            t.iter()
                .map(|(k, v)| (k.to_string(), value_to_json(v)))
                .collect(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docs_base_url_takes_web_and_file_addresses_only() {
        let base = |v: serde_json::Value| {
            let s = Settings::from_json(&serde_json::json!({ "docsBaseUrl": v }));
            (s.docs_base_url, s.problems.len())
        };
        assert_eq!(
            base("https://example.com/rules".into()).0.as_deref(),
            Some("https://example.com/rules")
        );
        assert_eq!(
            base("file:///opt/docs/rules".into()).0.as_deref(),
            Some("file:///opt/docs/rules")
        );
        assert_eq!(base("HTTP://x".into()).0.as_deref(), Some("HTTP://x"));
        assert_eq!(base("command:workbench.action.quit".into()), (None, 1));
        assert_eq!(base("javascript:alert(1)".into()), (None, 1));
        assert_eq!(base("docs/rules".into()), (None, 1));
        assert_eq!(base("".into()), (None, 0));
    }

    #[test]
    fn parse_levels_ignore_and_envs() {
        let s = Settings::parse_toml(
            "ignore = [\"legacy/**\"]\nenvs = [\"production\"]\n[rules]\nDO111 = \"off\"\ndo104 = \"warning\"\nDO999 = \"error\"\nDO101 = \"loud\"\n",
            Path::new("/w"),
        );
        assert_eq!(s.severity(Code::DO111, Severity::Hint), None);
        assert_eq!(
            s.severity(Code::DO104, Severity::Info),
            Some(Severity::Warning)
        );
        assert_eq!(
            s.severity(Code::DO101, Severity::Error),
            Some(Severity::Error)
        );
        assert_eq!(s.problems.len(), 2, "{:?}", s.problems);
        assert!(s.ignores(Path::new("/w/legacy/a/wrangler.toml")));
        assert!(!s.ignores(Path::new("/w/app/wrangler.toml")));
        assert!(
            s.checks_env(Some("production"))
                && !s.checks_env(Some("staging"))
                && s.checks_env(None)
        );
    }

    /// `maxSourceMB`: a whole number of megabytes in the editor; in
    /// durable-lsp.toml it is reported and ignored (one limit per run).
    #[test]
    fn max_source_mb_is_an_editor_setting() {
        let e = Settings::from_json(&serde_json::json!({"maxSourceMB": 8}));
        assert_eq!((e.max_source_mb, e.problems.len()), (Some(8), 0));
        for bad in [
            serde_json::json!(0),
            serde_json::json!(2.5),
            serde_json::json!("8"),
        ] {
            let e = Settings::from_json(&serde_json::json!({ "maxSourceMB": bad }));
            assert_eq!((e.max_source_mb, e.problems.len()), (None, 1), "{bad}");
        }
        let f = Settings::parse_toml("maxSourceMB = 8\n", Path::new("/w"));
        assert_eq!(f.max_source_mb, None);
        assert!(
            f.problems[0].contains("--max-source-mb"),
            "{:?}",
            f.problems
        );
    }

    #[test]
    fn editor_settings_override_the_file() {
        let file = Settings::parse_toml(
            "[rules]\nDO111 = \"off\"\nDO104 = \"warning\"\n",
            Path::new("/w"),
        );
        let editor = Settings::from_json(&serde_json::json!({"rules": {"DO111": "hint"}}));
        let s = file.overridden_by(&editor);
        assert_eq!(
            s.severity(Code::DO111, Severity::Hint),
            Some(Severity::Hint)
        );
        assert_eq!(
            s.severity(Code::DO104, Severity::Info),
            Some(Severity::Warning)
        );
    }
}
