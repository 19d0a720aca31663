//! The typed Wrangler config: every key and value keeps its span.
//!
//! Building the model also validates the shape of `durable_objects`,
//! `migrations` and `exports` with wrangler 4.164's messages (rule DO116).
//! Unlike wrangler, every `[env.X]` section is validated, not only the
//! selected one.

use super::tree::{Kind, Node, Prop, SyntaxError};
use crate::text::Span;
use std::path::PathBuf;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Str {
    pub value: String,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Json,
    Jsonc,
    Toml,
}

impl Format {
    pub fn from_path(path: &std::path::Path) -> Option<Format> {
        match path.extension()?.to_str()? {
            "json" => Some(Format::Json),
            "jsonc" => Some(Format::Jsonc),
            "toml" => Some(Format::Toml),
            _ => None,
        }
    }
}

#[derive(Clone, Debug)]
pub struct DoBinding {
    pub index: usize,
    pub name: Option<Str>,
    pub class_name: Option<Str>,
    /// `script_name` when it is a string.
    pub script_name: Option<Str>,
    /// wrangler counts a binding as external when `script_name` is truthy.
    pub external: bool,
    pub environment: Option<Str>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Rename {
    pub from: Str,
    pub to: Str,
}

#[derive(Clone, Debug)]
pub struct Transfer {
    pub from: Str,
    pub from_script: Str,
    pub to: Str,
}

#[derive(Clone, Debug)]
pub struct Migration {
    pub index: usize,
    pub tag: Option<Str>,
    pub span: Span,
    pub new_classes: Vec<Str>,
    pub new_sqlite_classes: Vec<Str>,
    pub deleted_classes: Vec<Str>,
    pub renamed_classes: Vec<Rename>,
    pub transferred_classes: Vec<Transfer>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportState {
    Created,
    Deleted,
    Renamed,
    Transferred,
    ExpectingTransfer,
}

#[derive(Clone, Debug)]
pub struct ExportEntry {
    pub key: Str,
    /// `type`; only `durable-object` entries take part in the DO lifecycle.
    pub kind: Option<String>,
    pub state: ExportState,
    pub state_span: Option<Span>,
    /// `true` for `storage = "sqlite"`, `false` for `legacy-kv`.
    pub sqlite: Option<bool>,
    pub storage_span: Option<Span>,
    pub renamed_to: Option<Str>,
    pub transferred_to: Option<Str>,
    pub span: Span,
}

impl ExportEntry {
    pub fn is_durable_object(&self) -> bool {
        self.kind.as_deref() == Some("durable-object")
    }
}

#[derive(Clone, Debug)]
pub struct OtherBinding {
    pub name: String,
    pub type_label: &'static str,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Listed<T> {
    pub items: Vec<T>,
    /// The span of the key (`migrations`, `durable_objects`…).
    pub key_span: Span,
}

/// The top level or one `[env.X]` section, as written (no inheritance).
#[derive(Clone, Debug, Default)]
pub struct Section {
    pub env: Option<Str>,
    pub name: Option<Str>,
    pub main: Option<Str>,
    pub compatibility_date: Option<Str>,
    pub compatibility_flags: Option<Vec<Str>>,
    pub build_command: Option<Str>,
    pub no_bundle: Option<bool>,
    pub durable_objects: Option<Listed<DoBinding>>,
    pub migrations: Option<Listed<Migration>>,
    pub exports: Option<Listed<ExportEntry>>,
    pub other_bindings: Vec<OtherBinding>,
    /// The whole section's span (the env table, or the file).
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ProblemSeverity {
    Error,
    Warning,
}

/// A shape problem found while building the model (rule DO116).
#[derive(Clone, Debug)]
pub struct Problem {
    pub severity: ProblemSeverity,
    pub span: Span,
    pub message: String,
}

#[derive(Clone, Debug)]
pub struct Config {
    pub path: PathBuf,
    pub format: Format,
    pub top: Section,
    pub envs: Vec<Section>,
    pub pages: bool,
    pub problems: Vec<Problem>,
    pub syntax_error: Option<SyntaxError>,
    /// Its `durable-lsp-ignore` comments.
    pub suppressions: Vec<crate::suppress::Suppression>,
}

/// One deployable variant: the top level or an env with inheritance applied.
#[derive(Clone, Copy, Debug)]
pub struct Variant<'a> {
    pub env: Option<&'a Str>,
    pub section: &'a Section,
    pub top: &'a Section,
}

impl<'a> Variant<'a> {
    pub fn env_name(&self) -> Option<&'a str> {
        self.env.map(|s| s.value.as_str())
    }
    fn inherit<T>(&self, f: impl Fn(&'a Section) -> Option<T>) -> Option<T> {
        f(self.section).or_else(|| {
            if self.env.is_some() {
                f(self.top)
            } else {
                None
            }
        })
    }
    /// The Worker name; an env without its own name is `<name>-<env>`.
    pub fn worker_name(&self) -> Option<String> {
        if let Some(n) = &self.section.name {
            return Some(n.value.clone());
        }
        let top = self.top.name.as_ref()?;
        Some(match self.env {
            Some(e) => format!("{}-{}", top.value, e.value),
            None => top.value.clone(),
        })
    }
    pub fn main(&self) -> Option<&'a Str> {
        self.inherit(|s| s.main.as_ref())
    }
    pub fn compatibility_date(&self) -> Option<&'a Str> {
        self.inherit(|s| s.compatibility_date.as_ref())
    }
    pub fn compatibility_flags(&self) -> &'a [Str] {
        self.inherit(|s| s.compatibility_flags.as_deref())
            .unwrap_or(&[])
    }
    pub fn build_command(&self) -> Option<&'a Str> {
        self.inherit(|s| s.build_command.as_ref())
    }
    pub fn no_bundle(&self) -> bool {
        self.inherit(|s| s.no_bundle).unwrap_or(false)
    }
    /// `durable_objects` is not inherited.
    pub fn durable_objects(&self) -> &'a [DoBinding] {
        self.section
            .durable_objects
            .as_ref()
            .map(|d| d.items.as_slice())
            .unwrap_or(&[])
    }
    /// `migrations` is inherited: an env's array replaces the top level's.
    pub fn migrations(&self) -> Option<&'a Listed<Migration>> {
        self.inherit(|s| s.migrations.as_ref())
    }
    pub fn exports(&self) -> Option<&'a Listed<ExportEntry>> {
        self.inherit(|s| s.exports.as_ref())
    }
    pub fn other_bindings(&self) -> &'a [OtherBinding] {
        &self.section.other_bindings
    }
}

impl Config {
    pub fn variants(&self) -> Vec<Variant<'_>> {
        let mut v = vec![Variant {
            env: None,
            section: &self.top,
            top: &self.top,
        }];
        for e in &self.envs {
            v.push(Variant {
                env: e.env.as_ref(),
                section: e,
                top: &self.top,
            });
        }
        v
    }

    pub fn file_name(&self) -> String {
        self.path
            .file_name()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "Wrangler configuration".into())
    }

    /// Parses a config file. Never fails: a syntax error becomes
    /// `syntax_error` and an empty model.
    pub fn parse(path: PathBuf, text: &str) -> Config {
        let format = Format::from_path(&path).unwrap_or(Format::Jsonc);
        // An editor's document may start with a byte-order mark, which
        // neither parser takes: parse past it, spans kept in the whole text.
        let bom = if text.starts_with('\u{feff}') { 3 } else { 0 };
        let parsed = match format {
            Format::Toml => super::tree::parse_toml(&text[bom..]),
            _ => super::tree::parse_jsonc(&text[bom..]),
        }
        .map(|mut root| {
            root.shift(bom);
            root
        })
        .map_err(|mut e| {
            e.span = Span::new(e.span.start + bom, e.span.end + bom);
            e
        });
        let mut cfg = Config {
            path,
            format,
            top: Section::default(),
            envs: Vec::new(),
            pages: false,
            problems: Vec::new(),
            syntax_error: None,
            suppressions: crate::suppress::find(
                text,
                match format {
                    Format::Toml => crate::suppress::CommentStyle::Hash,
                    _ => crate::suppress::CommentStyle::Slash,
                },
            ),
        };
        let root = match parsed {
            Ok(root) => root,
            Err(e) => {
                cfg.syntax_error = Some(e);
                return cfg;
            }
        };
        if !root.is_object() {
            cfg.problems.push(Problem {
                severity: ProblemSeverity::Error,
                span: root.span,
                message: format!(
                    "The configuration should be an object but got {}.",
                    root.to_json()
                ),
            });
            return cfg;
        }
        cfg.pages = root.get("pages_build_output_dir").is_some();
        let mut b = Builder {
            problems: Vec::new(),
        };
        cfg.top = b.section(&root, None);
        if let Some(envs) = root.get("env") {
            for p in envs.props() {
                if p.value.is_object() {
                    let env = Str {
                        value: p.key.clone(),
                        span: p.key_span,
                    };
                    cfg.envs.push(b.section(&p.value, Some(env)));
                }
            }
        }
        cfg.problems = b.problems;
        cfg
    }
}

/// Binding lists of other types: (config key, wrangler's friendly name, the
/// field that holds the binding name). wrangler's uniqueness check reads the
/// `binding` field only, so `send_email` and `ratelimits` (named by `name`)
/// are not compared.
const OTHER_BINDINGS: &[(&str, &str, &str)] = &[
    ("kv_namespaces", "KV Namespace", "binding"),
    ("r2_buckets", "R2 Bucket", "binding"),
    ("d1_databases", "D1 Database", "binding"),
    ("services", "Worker", "binding"),
    (
        "analytics_engine_datasets",
        "Analytics Engine Dataset",
        "binding",
    ),
    ("vectorize", "Vectorize Index", "binding"),
    ("hyperdrive", "Hyperdrive Config", "binding"),
    ("dispatch_namespaces", "Dispatch Namespace", "binding"),
    ("mtls_certificates", "mTLS Certificate", "binding"),
    ("workflows", "Workflow", "binding"),
    ("pipelines", "Pipeline", "binding"),
    ("secrets_store_secrets", "Secrets Store Secret", "binding"),
    ("worker_loaders", "Worker Loader", "binding"),
];

/// Single-object bindings: (key, friendly name).
const SINGLE_BINDINGS: &[(&str, &str)] = &[
    ("ai", "AI"),
    ("browser", "Browser"),
    ("images", "Images"),
    ("version_metadata", "Worker Version Metadata"),
    ("assets", "Assets"),
];

struct Builder {
    problems: Vec<Problem>,
}

fn quoted_keys(keys: &[&Prop]) -> String {
    keys.iter()
        .map(|p| format!("\"{}\"", p.key))
        .collect::<Vec<_>>()
        .join(",")
}

fn str_of(n: &Node) -> Option<Str> {
    n.as_str().map(|s| Str {
        value: s.to_string(),
        span: n.span,
    })
}

impl Builder {
    fn error(&mut self, span: Span, message: String) {
        self.problems.push(Problem {
            severity: ProblemSeverity::Error,
            span,
            message,
        });
    }
    fn warning(&mut self, span: Span, message: String) {
        self.problems.push(Problem {
            severity: ProblemSeverity::Warning,
            span,
            message,
        });
    }
    fn unexpected(&mut self, node: &Node, allowed: &[&str], field: &str) {
        let extra: Vec<&Prop> = node
            .props()
            .iter()
            .filter(|p| !allowed.contains(&p.key.as_str()))
            .collect();
        if let Some(first) = extra.first() {
            let span = first.key_span;
            self.warning(
                span,
                format!(
                    "Unexpected fields found in {field} field: {}",
                    quoted_keys(&extra)
                ),
            );
        }
    }

    fn section(&mut self, node: &Node, env: Option<Str>) -> Section {
        let prefix = env
            .as_ref()
            .map(|e| format!("env.{}.", e.value))
            .unwrap_or_default();
        let mut s = Section {
            span: node.span,
            ..Default::default()
        };
        s.name = node.get("name").and_then(str_of);
        s.main = node.get("main").and_then(str_of);
        s.compatibility_date = node.get("compatibility_date").and_then(str_of);
        s.compatibility_flags = node
            .get("compatibility_flags")
            .map(|n| n.items().iter().filter_map(str_of).collect());
        s.build_command = node
            .get("build")
            .and_then(|b| b.get("command"))
            .and_then(str_of);
        s.no_bundle = node.get("no_bundle").and_then(Node::as_bool);
        if let Some(p) = node.prop("durable_objects") {
            s.durable_objects = Some(self.durable_objects(p, &prefix));
        }
        if let Some(p) = node.prop("migrations") {
            s.migrations = Some(self.migrations(p));
        }
        if let Some(p) = node.prop("exports") {
            s.exports = Some(self.exports(p));
        }
        s.other_bindings = other_bindings(node);
        s.env = env;
        s
    }

    fn durable_objects(&mut self, prop: &Prop, prefix: &str) -> Listed<DoBinding> {
        let f = format!("{prefix}durable_objects");
        let node = &prop.value;
        let mut items = Vec::new();
        if !node.is_object() {
            self.error(
                node.span,
                format!(
                    "The field \"{f}\" should be an object but got {}.",
                    node.to_json()
                ),
            );
            return Listed {
                items,
                key_span: prop.key_span,
            };
        }
        self.unexpected(node, &["bindings", "code_update_strategy"], &f);
        if let Some(cus) = node.get("code_update_strategy") {
            self.code_update_strategy(cus, &f);
        }
        if let Some(bindings) = node.get("bindings") {
            if !bindings.is_array() {
                self.error(
                    bindings.span,
                    format!(
                        "The field \"{f}.bindings\" should be an array but got {}.",
                        bindings.to_json()
                    ),
                );
            }
            for (i, b) in bindings.items().iter().enumerate() {
                if let Some(binding) = self.do_binding(b, i, &f) {
                    items.push(binding);
                }
            }
        }
        Listed {
            items,
            key_span: prop.key_span,
        }
    }

    fn code_update_strategy(&mut self, n: &Node, f: &str) {
        let field = format!("{f}.code_update_strategy");
        if !n.is_object() {
            self.error(
                n.span,
                format!(
                    "The field \"{field}\" should be an object but got {}.",
                    n.to_json()
                ),
            );
            return;
        }
        self.unexpected(n, &["mode", "max_delay"], &field);
        match n.get("mode") {
            Some(m) if matches!(m.as_str(), Some("immediate") | Some("deferred")) => {}
            Some(m) => self.error(m.span, format!("\"{field}.mode\" is a required field.")),
            None => self.error(n.span, format!("\"{field}.mode\" is a required field.")),
        }
        if let Some(d) = n.get("max_delay") {
            match d.kind {
                Kind::Number(x) if !(0.0..=86400.0).contains(&x) => self.error(
                    d.span,
                    format!(
                        "Expected \"{field}.max_delay\" to be between 0 and 86400 seconds but got {}.",
                        d.to_json()
                    ),
                ),
                Kind::Number(x) if ((x * 1000.0).round() - x * 1000.0).abs() > 1e-6 => self
                    .error(
                        d.span,
                        format!(
                            "Expected \"{field}.max_delay\" to use millisecond precision but got {}.",
                            d.to_json()
                        ),
                    ),
                Kind::Number(_) => {}
                _ => self.error(
                    d.span,
                    format!(
                        "Expected \"{field}.max_delay\" to be between 0 and 86400 seconds but got {}.",
                        d.to_json()
                    ),
                ),
            }
        }
    }

    fn do_binding(&mut self, b: &Node, i: usize, f: &str) -> Option<DoBinding> {
        if !b.is_object() {
            self.error(
                b.span,
                format!(
                    "Expected \"{f}.bindings[{i}]\" to be an object but got {}",
                    b.to_json()
                ),
            );
            return None;
        }
        let head = format!("\"{f}.bindings[{i}]\": {}", b.to_json());
        let mut ok = true;
        let name = b.get("name");
        if name.and_then(Node::as_str).is_none() {
            ok = false;
            self.error(
                name.map(|n| n.span).unwrap_or(b.span),
                format!("{head}\n- binding should have a string \"name\" field."),
            );
        }
        let class = b.get("class_name");
        if class.and_then(Node::as_str).is_none() {
            ok = false;
            self.error(
                class.map(|n| n.span).unwrap_or(b.span),
                format!("{head}\n- binding should have a string \"class_name\" field."),
            );
        }
        let script = b.get("script_name");
        if let Some(s) = script {
            if s.as_str().is_none() {
                ok = false;
                self.error(
                    s.span,
                    format!(
                        "{head}\n- the field \"script_name\", when present, should be a string."
                    ),
                );
            }
        }
        let environment = b.get("environment");
        if let Some(e) = environment {
            if e.as_str().is_none() {
                ok = false;
                self.error(
                    e.span,
                    format!(
                        "{head}\n- the field \"environment\", when present, should be a string."
                    ),
                );
            }
            if script.is_none() {
                ok = false;
                self.error(
                    e.span,
                    format!("{head}\n- binding should have a \"script_name\" field if \"environment\" is present."),
                );
            }
        }
        if let Some(r) = b.get("remote") {
            if r.as_bool().is_none() {
                self.error(
                    r.span,
                    format!(
                        "\"{f}.bindings[{i}]\" should, optionally, have a boolean \"remote\" field but got {}.",
                        b.to_json()
                    ),
                );
            }
        }
        self.unexpected(
            b,
            &["name", "class_name", "script_name", "environment"],
            &format!("{f}.bindings[{i}]"),
        );
        let _ = ok;
        Some(DoBinding {
            index: i,
            name: name.and_then(str_of),
            class_name: class.and_then(str_of),
            script_name: script.and_then(str_of),
            external: script.map(Node::is_truthy).unwrap_or(false),
            environment: environment.and_then(str_of),
            span: b.span,
        })
    }

    fn migrations(&mut self, prop: &Prop) -> Listed<Migration> {
        let node = &prop.value;
        let mut items = Vec::new();
        if !node.is_array() {
            self.error(
                node.span,
                format!(
                    "The optional \"migrations\" field should be an array, but got {}",
                    node.to_json()
                ),
            );
            return Listed {
                items,
                key_span: prop.key_span,
            };
        }
        for (i, m) in node.items().iter().enumerate() {
            if !m.is_object() {
                self.error(
                    m.span,
                    format!(
                        "Expected \"migrations[{i}]\" to be an object but got {}.",
                        m.to_json()
                    ),
                );
                continue;
            }
            let tag = match m.get("tag") {
                None => {
                    self.error(
                        m.span,
                        format!("\"migrations[{i}].tag\" is a required field."),
                    );
                    None
                }
                Some(t) if t.as_str().is_none() => {
                    self.error(
                        t.span,
                        format!(
                            "Expected \"migrations[{i}].tag\" to be of type string but got {}.",
                            t.to_json()
                        ),
                    );
                    None
                }
                Some(t) => str_of(t),
            };
            let new_classes = self.class_list(m, i, "new_classes");
            let new_sqlite_classes = self.class_list(m, i, "new_sqlite_classes");
            let deleted_classes = self.class_list(m, i, "deleted_classes");
            let mut renamed_classes = Vec::new();
            if let Some(r) = m.get("renamed_classes") {
                let good: Option<Vec<Rename>> = if r.is_array() {
                    r.items()
                        .iter()
                        .map(|e| {
                            Some(Rename {
                                from: str_of(e.get("from")?)?,
                                to: str_of(e.get("to")?)?,
                            })
                        })
                        .collect()
                } else {
                    None
                };
                match good {
                    Some(g) => renamed_classes = g,
                    None => self.error(
                        r.span,
                        format!(
                            "Expected \"migrations[{i}].renamed_classes\" to be an array of \"{{from: string, to: string}}\" objects but got {}.",
                            r.to_json()
                        ),
                    ),
                }
            }
            let mut transferred_classes = Vec::new();
            if let Some(r) = m.get("transferred_classes") {
                let good: Option<Vec<Transfer>> = if r.is_array() {
                    r.items()
                        .iter()
                        .map(|e| {
                            Some(Transfer {
                                from: str_of(e.get("from")?)?,
                                from_script: str_of(e.get("from_script")?)?,
                                to: str_of(e.get("to")?)?,
                            })
                        })
                        .collect()
                } else {
                    None
                };
                match good {
                    Some(g) => transferred_classes = g,
                    None => self.error(
                        r.span,
                        format!(
                            "Expected \"migrations[{i}].transferred_classes\" to be an array of \"{{from: string, from_script: string, to: string}}\" objects but got {}.",
                            r.to_json()
                        ),
                    ),
                }
            }
            self.unexpected(
                m,
                &[
                    "tag",
                    "new_classes",
                    "new_sqlite_classes",
                    "renamed_classes",
                    "deleted_classes",
                    "transferred_classes",
                ],
                "migrations",
            );
            items.push(Migration {
                index: i,
                tag,
                span: m.span,
                new_classes,
                new_sqlite_classes,
                deleted_classes,
                renamed_classes,
                transferred_classes,
            });
        }
        Listed {
            items,
            key_span: prop.key_span,
        }
    }

    fn class_list(&mut self, m: &Node, i: usize, key: &str) -> Vec<Str> {
        let Some(list) = m.get(key) else {
            return Vec::new();
        };
        if !list.is_array() {
            self.error(
                list.span,
                format!(
                    "Expected \"migrations[{i}].{key}\" to be an array of strings but got {}",
                    list.to_json()
                ),
            );
            return Vec::new();
        }
        let mut out = Vec::new();
        for (j, c) in list.items().iter().enumerate() {
            match str_of(c) {
                Some(s) => out.push(s),
                None => self.error(
                    c.span,
                    format!(
                        "Expected \"migrations[{i}].{key}.[{j}]\" to be of type string but got {}.",
                        c.to_json()
                    ),
                ),
            }
        }
        out
    }

    fn exports(&mut self, prop: &Prop) -> Listed<ExportEntry> {
        let node = &prop.value;
        let mut items = Vec::new();
        if !node.is_object() {
            self.error(
                node.span,
                format!(
                    "The optional \"exports\" field should be an object keyed by class name, but got {}",
                    node.to_json()
                ),
            );
            return Listed {
                items,
                key_span: prop.key_span,
            };
        }
        for p in node.props() {
            if let Some(e) = self.export_entry(p) {
                items.push(e);
            }
        }
        Listed {
            items,
            key_span: prop.key_span,
        }
    }

    fn export_entry(&mut self, p: &Prop) -> Option<ExportEntry> {
        let name = &p.key;
        let e = &p.value;
        if name.is_empty() {
            self.error(
                p.key_span,
                "\"export\" keys cannot be the empty string.".into(),
            );
            return None;
        }
        if !e.is_object() {
            self.error(
                e.span,
                format!(
                    "\"exports.{name}\" should be an object but got {}.",
                    e.to_json()
                ),
            );
            return None;
        }
        let kind = e.get("type").and_then(Node::as_str).map(str::to_string);
        match (&kind, e.get("type")) {
            (Some(k), _) if ["durable-object", "worker", "workflow"].contains(&k.as_str()) => {}
            (_, t) => {
                self.error(
                    t.map(|t| t.span).unwrap_or(e.span),
                    format!(
                        "\"exports.{name}.type\" must be \"durable-object\", \"worker\", or \"workflow\", but got {}.",
                        t.map(|t| t.to_json()).unwrap_or_else(|| "undefined".into())
                    ),
                );
                return None;
            }
        }
        let key = Str {
            value: name.clone(),
            span: p.key_span,
        };
        if kind.as_deref() != Some("durable-object") {
            return Some(ExportEntry {
                key,
                kind,
                state: ExportState::Created,
                state_span: None,
                sqlite: None,
                storage_span: None,
                renamed_to: None,
                transferred_to: None,
                span: e.span,
            });
        }
        let state_node = e.get("state");
        let state = match state_node.map(|s| (s, s.as_str())) {
            None => ExportState::Created,
            Some((_, Some("created"))) => ExportState::Created,
            Some((_, Some("deleted"))) => ExportState::Deleted,
            Some((_, Some("renamed"))) => ExportState::Renamed,
            Some((_, Some("transferred"))) => ExportState::Transferred,
            Some((_, Some("expecting-transfer"))) => ExportState::ExpectingTransfer,
            Some((s, _)) => {
                self.error(
                    s.span,
                    format!(
                        "\"exports.{name}.state\" must be one of \"created\", \"deleted\", \"renamed\", \"transferred\", or \"expecting-transfer\" but got {}.",
                        s.to_json()
                    ),
                );
                return None;
            }
        };
        let state_word = match state {
            ExportState::Created => "created",
            ExportState::Deleted => "deleted",
            ExportState::Renamed => "renamed",
            ExportState::Transferred => "transferred",
            ExportState::ExpectingTransfer => "expecting-transfer",
        };
        let allowed: &[&str] = match state {
            ExportState::Created => &["type", "state", "storage", "container"],
            ExportState::Deleted => &["type", "state"],
            ExportState::Renamed => &["type", "state", "renamed_to"],
            ExportState::Transferred => &["type", "state", "transferred_to"],
            ExportState::ExpectingTransfer => {
                &["type", "state", "storage", "transfer_from", "container"]
            }
        };
        for extra in e
            .props()
            .iter()
            .filter(|q| !allowed.contains(&q.key.as_str()))
        {
            self.error(
                extra.key_span,
                format!(
                    "\"exports.{name}.{}\" is forbidden on state \"{state_word}\".\nAllowed properties are: {}.",
                    extra.key,
                    allowed.join(", ")
                ),
            );
        }
        let storage = e.get("storage");
        let sqlite = match storage.and_then(Node::as_str) {
            Some("sqlite") => Some(true),
            Some("legacy-kv") => Some(false),
            _ => None,
        };
        if matches!(state, ExportState::Created | ExportState::ExpectingTransfer)
            && sqlite.is_none()
        {
            self.error(
                storage.map(|s| s.span).unwrap_or(e.span),
                format!(
                    "\"exports.{name}.storage\" is required for state \"{state_word}\" and must be one of sqlite and legacy-kv, but got {}",
                    storage.map(|s| s.to_json()).unwrap_or_else(|| "undefined".into())
                ),
            );
        }
        let nonempty = |k: &str| e.get(k).and_then(str_of).filter(|s| !s.value.is_empty());
        if state == ExportState::ExpectingTransfer && nonempty("transfer_from").is_none() {
            self.error(e.span, format!("\"exports.{name}.transfer_from\" is required for state \"expecting-transfer\" and must be a non-empty string."));
        }
        let renamed_to = nonempty("renamed_to");
        if state == ExportState::Renamed {
            match &renamed_to {
                None => self.error(e.span, format!("\"exports.{name}.renamed_to\" is required for state \"renamed\" and must be a non-empty string.")),
                Some(r) if !is_js_identifier(&r.value) => self.error(r.span, format!("\"exports.{name}.renamed_to\" must be a valid JavaScript identifier (got \"{}\").", r.value)),
                Some(r) if r.value == *name => self.error(r.span, format!("\"exports.{name}.renamed_to\" cannot equal the source class name \"{name}\".")),
                _ => {}
            }
        }
        let transferred_to = nonempty("transferred_to");
        if state == ExportState::Transferred && transferred_to.is_none() {
            self.error(e.span, format!("\"exports.{name}.transferred_to\" is required for state \"transferred\" and must be a non-empty string."));
        }
        if let Some(c) = e.get("container") {
            if c.as_str().map(str::is_empty).unwrap_or(true) {
                self.error(c.span, format!("\"exports.{name}.container\" must be a non-empty string naming a container in the \"containers\" array, but got {}.", c.to_json()));
            } else if sqlite == Some(false) {
                self.error(c.span, format!("\"exports.{name}.container\" requires \"storage\" to be \"sqlite\". Containers are not supported on Durable Objects using the \"legacy-kv\" storage backend."));
            }
        }
        Some(ExportEntry {
            key,
            kind,
            state,
            state_span: state_node.map(|s| s.span),
            sqlite,
            storage_span: storage.map(|s| s.span),
            renamed_to,
            transferred_to,
            span: e.span,
        })
    }
}

pub fn is_js_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) if c.is_ascii_alphabetic() || c == '_' || c == '$' => {}
        _ => return false,
    }
    chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
}

fn other_bindings(node: &Node) -> Vec<OtherBinding> {
    let mut out = Vec::new();
    for (key, label, field) in OTHER_BINDINGS {
        for item in node.get(key).map(Node::items).unwrap_or(&[]) {
            if let Some(n) = item.get(field).and_then(str_of) {
                out.push(OtherBinding {
                    name: n.value,
                    type_label: label,
                    span: n.span,
                });
            }
        }
    }
    if let Some(q) = node.get("queues").and_then(|q| q.get("producers")) {
        for item in q.items() {
            if let Some(n) = item.get("binding").and_then(str_of) {
                out.push(OtherBinding {
                    name: n.value,
                    type_label: "Queue",
                    span: n.span,
                });
            }
        }
    }
    for (key, label) in SINGLE_BINDINGS {
        if let Some(n) = node
            .get(key)
            .and_then(|b| b.get("binding"))
            .and_then(str_of)
        {
            out.push(OtherBinding {
                name: n.value,
                type_label: label,
                span: n.span,
            });
        }
    }
    if let Some(vars) = node.get("vars") {
        for p in vars.props() {
            out.push(OtherBinding {
                name: p.key.clone(),
                type_label: "Environment Variable",
                span: p.key_span,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(name: &str, text: &str) -> Config {
        Config::parse(PathBuf::from(name), text)
    }

    #[test]
    fn env_inheritance() {
        let c = cfg(
            "wrangler.toml",
            "name = \"w\"\nmain = \"src/index.ts\"\n[[durable_objects.bindings]]\nname = \"A\"\nclass_name = \"A\"\n[[migrations]]\ntag = \"v1\"\nnew_sqlite_classes = [\"A\"]\n[env.staging]\nvars = { X = \"1\" }\n",
        );
        let vs = c.variants();
        assert_eq!(vs.len(), 2);
        let st = vs[1];
        assert_eq!(st.worker_name().as_deref(), Some("w-staging"));
        assert_eq!(st.main().unwrap().value, "src/index.ts");
        assert!(
            st.durable_objects().is_empty(),
            "durable_objects is not inherited"
        );
        assert_eq!(
            st.migrations().unwrap().items.len(),
            1,
            "migrations are inherited"
        );
        assert_eq!(st.other_bindings()[0].name, "X");
    }

    #[test]
    fn binding_shape_messages() {
        let c = cfg(
            "wrangler.json",
            r#"{"durable_objects": {"bindings": [{"name": "A", "environment": "x", "foo": 1}]}}"#,
        );
        let msgs: Vec<_> = c.problems.iter().map(|p| p.message.as_str()).collect();
        assert!(
            msgs.iter()
                .any(|m| m.ends_with("binding should have a string \"class_name\" field.")),
            "{msgs:?}"
        );
        assert!(msgs.iter().any(|m| m.ends_with(
            "binding should have a \"script_name\" field if \"environment\" is present."
        )));
        assert!(
            msgs.contains(&"Unexpected fields found in durable_objects.bindings[0] field: \"foo\"")
        );
    }

    #[test]
    fn migration_shape_messages() {
        let c = cfg(
            "wrangler.toml",
            "[[migrations]]\nnew_sqlite_classes = [\"A\", 3]\nbogus = 1\n",
        );
        let msgs: Vec<_> = c.problems.iter().map(|p| p.message.as_str()).collect();
        assert!(
            msgs.contains(&"\"migrations[0].tag\" is a required field."),
            "{msgs:?}"
        );
        assert!(msgs.contains(
            &"Expected \"migrations[0].new_sqlite_classes.[1]\" to be of type string but got 3."
        ));
        assert!(msgs.contains(&"Unexpected fields found in migrations field: \"bogus\""));
    }

    #[test]
    fn exports_states() {
        let c = cfg(
            "wrangler.jsonc",
            r#"{"exports": {"A": {"type": "durable-object", "storage": "sqlite"},
                "B": {"type": "durable-object", "state": "renamed", "renamed_to": "B"},
                "C": {"type": "durable-object", "state": "deleted", "storage": "sqlite"}}}"#,
        );
        let msgs: Vec<_> = c.problems.iter().map(|p| p.message.as_str()).collect();
        assert!(
            msgs.contains(&"\"exports.B.renamed_to\" cannot equal the source class name \"B\"."),
            "{msgs:?}"
        );
        assert!(msgs
            .iter()
            .any(|m| m.starts_with("\"exports.C.storage\" is forbidden on state \"deleted\".")));
        assert_eq!(c.top.exports.as_ref().unwrap().items.len(), 3);
    }

    #[test]
    fn syntax_error_is_kept() {
        let c = cfg("wrangler.toml", "name = [\n");
        assert!(c.syntax_error.is_some());
        assert!(c.top.durable_objects.is_none());
    }
}
