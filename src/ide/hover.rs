//! Hover: a pure function of a workspace snapshot, a file and a byte offset.
//!
//! In source: Durable Object API members (`ctx.storage.setAlarm`,
//! `env.ROOMS.getByName`, `sql.exec(…).toArray()`, handler methods). In a
//! config: the Durable Object keys, a bound class (its lifecycle, backend and
//! export) and a binding (its class and where code uses it).

use super::docs::{api, config_keys, ApiMember};
use crate::config::lifecycle::{Lifecycle, Status};
use crate::config::tree::{parse_jsonc, parse_toml, Node};
use crate::config::Format;
use crate::project::symbols::{Fact, Resolver};
use crate::project::{fs::FileSystem, Workspace};
use crate::syntax;
use crate::text::Span;
use std::path::Path;

/// Hover on the name of a Durable Object class: what the class model says of
/// it in each Worker and environment that binds or creates it (base,
/// storage backend, the step that creates it, its bindings).
pub fn class_hover(
    ws: &Workspace,
    models: &[(usize, &[crate::rules::model::ClassModel])],
    path: &Path,
    offset: usize,
) -> Option<HoverResult> {
    use crate::config::classes::Backend;
    use crate::rules::model::DoBase;
    let f = ws.file(path)?;
    let (idx, fact) = f.facts.classes.iter().enumerate().find(|(_, c)| {
        c.name.is_some() && c.name_span.start <= offset && offset <= c.name_span.end
    })?;
    let mut lines: Vec<String> = Vec::new();
    let mut base = None;
    for (w, worker_models) in models {
        let worker = ws.workers.get(*w)?;
        let who = worker
            .config
            .top
            .name
            .as_ref()
            .map(|n| format!("`{}`", n.value))
            .unwrap_or_else(|| format!("`{}`", worker.config.path.display()));
        for m in worker_models.iter() {
            let Some(c) = m.at(path, idx) else { continue };
            base.get_or_insert(c.base);
            let env = m
                .env
                .as_ref()
                .map(|e| format!(" [env.{e}]"))
                .unwrap_or_default();
            let storage = match c.backend {
                Some(Backend::Sqlite) => "SQLite storage",
                Some(Backend::Kv) => "KV storage (legacy)",
                None => "no storage backend (no migration creates it)",
            };
            let created = c
                .created
                .as_ref()
                .map(|(label, _)| format!(", created by {label}"))
                .unwrap_or_default();
            let bound = if c.bindings.is_empty() {
                "not bound".to_string()
            } else {
                format!(
                    "bound as {}",
                    c.bindings
                        .iter()
                        .map(|b| format!("`{b}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            let line = format!("- {who}{env}: {bound}; {storage}{created}");
            if !lines.contains(&line) {
                lines.push(line);
            }
        }
    }
    let base = base?;
    let what = match base {
        DoBase::DurableObject => "extends `DurableObject`".to_string(),
        DoBase::Framework(pkg) => format!("extends a Durable Object base from `{pkg}`"),
        DoBase::Legacy => "a legacy Durable Object (extends nothing)".to_string(),
    };
    let name = fact.name.as_deref().unwrap_or("");
    Some(HoverResult {
        markdown: format!(
            "**Durable Object class `{name}`** ({what})\n\n{}",
            lines.join("\n")
        ),
        span: fact.name_span,
    })
}

#[derive(Clone, Debug, PartialEq)]
pub struct HoverResult {
    pub markdown: String,
    pub span: Span,
}

/// `live`: the source document as the editor has it, when it changed since
/// `ws` was analysed (read from its own text and tree; its facts are not
/// recomputed).
pub fn hover(
    ws: &Workspace,
    fs: &dyn FileSystem,
    path: &Path,
    offset: usize,
    live: Option<&super::navigate::Live>,
) -> Option<HoverResult> {
    if let Some(f) = ws.file(path) {
        // `env.X`: the binding, from the configs of the Workers that reach
        // the file.
        if let Some((super::navigate::Sym::Binding { name, workers }, span)) =
            super::navigate::symbol_at(ws, path, offset, live)
        {
            if let Some(w) = workers.first().and_then(|&w| ws.workers.get(w)) {
                if let Some(markdown) = binding_markdown(ws, fs, w, &name, &workers) {
                    return Some(HoverResult { markdown, span });
                }
            }
        }
        return match live.filter(|l| l.path == path) {
            Some(l) => source_hover_in(f.lang, l.text, Some(l.tree), offset),
            None => source_hover_in(f.lang, &f.text, None, offset),
        };
    }
    let worker = ws.workers.iter().find(|w| w.config.path == path)?;
    config_hover(ws, fs, worker, offset)
}

/// Member names too common to document without knowing the object.
const COMMON: &[&str] = &[
    "get", "put", "delete", "list", "exec", "send", "close", "accept", "toArray", "one", "raw",
    "next", "sync", "equals", "toString", "name", "id", "storage", "env", "ctx", "fetch", "props",
    "kv", "sql", "abort",
];

/// API hover on a source text (also for files no Worker reaches).
pub fn source_hover(lang: syntax::Lang, text: &str, offset: usize) -> Option<HoverResult> {
    source_hover_in(lang, text, None, offset)
}

/// [`source_hover`] with the text's tree when the caller has it.
pub fn source_hover_in(
    lang: syntax::Lang,
    text: &str,
    tree: Option<&tree_sitter::Tree>,
    offset: usize,
) -> Option<HoverResult> {
    if text.len() > syntax::max_source_bytes() {
        return None;
    }
    let parsed;
    let tree = match tree {
        Some(t) => t,
        None => {
            parsed = syntax::parse(lang, text, None)?;
            &parsed
        }
    };
    match lang {
        syntax::Lang::Rust => return rust_hover(text, tree, offset),
        syntax::Lang::Python => return python_hover(text, tree, offset),
        // The API data is the JavaScript API's.
        _ if !lang.is_js() => return None,
        _ => {}
    }
    let node = tree.root_node().descendant_for_byte_range(offset, offset)?;
    if !matches!(node.kind(), "property_identifier" | "identifier") {
        return None;
    }
    let name = node.utf8_text(text.as_bytes()).ok()?;
    let span = Span::new(node.start_byte(), node.end_byte());
    let parent = node.parent()?;
    // A handler method declared in a class: `async alarm() {}`.
    if parent.kind() == "method_definition" {
        let m = api()
            .iter()
            .find(|m| m.owner == "handler" && m.name == name)?;
        return Some(HoverResult {
            markdown: m.markdown(),
            span,
        });
    }
    if parent.kind() != "member_expression" || parent.child_by_field_name("property") != Some(node)
    {
        return None;
    }
    let object = parent.child_by_field_name("object")?;
    member_hover(lang, text, tree, node, || owner_of(object, text))
}

/// The API member named by `node` (a member's name after a `.`): typed
/// along its chain (`const s = this.ctx.storage; s.get`), else by
/// `fallback` (the shape of the object's name), else the one member of the
/// name unless it is too common to name without an owner.
fn member_hover(
    lang: syntax::Lang,
    text: &str,
    tree: &tree_sitter::Tree,
    node: tree_sitter::Node,
    fallback: impl FnOnce() -> Option<&'static str>,
) -> Option<HoverResult> {
    let name = node.utf8_text(text.as_bytes()).ok()?;
    let candidates: Vec<&ApiMember> = api()
        .iter()
        .filter(|m| m.name == name && m.owner != "handler")
        .collect();
    if candidates.is_empty() {
        return None;
    }
    let owner =
        super::complete::owner_of_member(None, Path::new(""), lang, text, tree, node.start_byte())
            .filter(|o| candidates.iter().any(|m| m.owner == *o))
            .map(|o| -> &'static str {
                api()
                    .iter()
                    .find(|m| m.owner == o)
                    .map(|m| m.owner.as_str())
                    .unwrap_or("")
            })
            .or_else(fallback);
    let chosen = match owner {
        Some(o) => candidates.iter().find(|m| m.owner == o).copied(),
        None if candidates.len() == 1 && !COMMON.contains(&name) => Some(candidates[0]),
        None => None,
    }?;
    Some(HoverResult {
        markdown: chosen.markdown(),
        span: Span::new(node.start_byte(), node.end_byte()),
    })
}

/// Hover in a Python Worker, which calls the runtime API by its JavaScript
/// names: an attribute typed along its chain (`self.ctx.storage.put`), a
/// name unique to the API, and a handler of a `DurableObject` subclass
/// (`async def alarm(self)`).
fn python_hover(text: &str, tree: &tree_sitter::Tree, offset: usize) -> Option<HoverResult> {
    let lang = syntax::Lang::Python;
    let node = tree.root_node().descendant_for_byte_range(offset, offset)?;
    if node.kind() != "identifier" {
        return None;
    }
    let name = node.utf8_text(text.as_bytes()).ok()?;
    let span = Span::new(node.start_byte(), node.end_byte());
    let parent = node.parent()?;
    if parent.kind() == "function_definition" && parent.child_by_field_name("name") == Some(node) {
        // a method of `class X(DurableObject)`
        let class = parent
            .parent()
            .and_then(|b| b.parent())
            .filter(|c| c.kind() == "class_definition")?;
        let bases = class
            .child_by_field_name("superclasses")
            .and_then(|b| b.utf8_text(text.as_bytes()).ok())
            .unwrap_or("");
        if !bases.contains("DurableObject") {
            return None;
        }
        let js = match name {
            "web_socket_message" => "webSocketMessage",
            "web_socket_close" => "webSocketClose",
            "web_socket_error" => "webSocketError",
            n => n,
        };
        let m = api()
            .iter()
            .find(|m| m.owner == "handler" && (m.name == js || m.name == name))?;
        return Some(HoverResult {
            markdown: m.markdown(),
            span,
        });
    }
    if parent.kind() != "attribute" || parent.child_by_field_name("attribute") != Some(node) {
        return None;
    }
    member_hover(lang, text, tree, node, || None)
}

/// Hover on the workers-rs SDK's Durable Object API: a method called on
/// the state, its storage, SQL, a cursor, a namespace, a stub or a socket,
/// and the handlers of `impl DurableObject`, documented by the runtime
/// member each wraps (the API data's `rust` names).
fn rust_hover(text: &str, tree: &tree_sitter::Tree, offset: usize) -> Option<HoverResult> {
    let node = tree.root_node().descendant_for_byte_range(offset, offset)?;
    let name = node.utf8_text(text.as_bytes()).ok()?;
    let span = Span::new(node.start_byte(), node.end_byte());
    let parent = node.parent()?;
    let named = |m: &&ApiMember| m.rust.split(", ").any(|r| r == name);
    // `async fn alarm(&self)` in an `impl DurableObject for X`
    if node.kind() == "identifier" && parent.kind() == "function_item" {
        let in_do_impl = parent
            .parent()
            .and_then(|b| b.parent())
            .filter(|i| i.kind() == "impl_item")
            .and_then(|i| i.child_by_field_name("trait"))
            .and_then(|t| t.utf8_text(text.as_bytes()).ok())
            .is_some_and(|t| t == "DurableObject" || t.ends_with("::DurableObject"));
        let m = api()
            .iter()
            .filter(|m| m.owner == "handler")
            .find(|m| named(m))
            .filter(|_| in_do_impl)?;
        return Some(HoverResult {
            markdown: rust_markdown(name, m),
            span,
        });
    }
    if node.kind() != "field_identifier" || parent.kind() != "field_expression" {
        return None;
    }
    let owner = rust_owner(parent.child_by_field_name("value")?, text)?;
    let m = api().iter().filter(|m| m.owner == owner).find(named)?;
    Some(HoverResult {
        markdown: rust_markdown(name, m),
        span,
    })
}

pub(crate) fn rust_markdown(name: &str, m: &ApiMember) -> String {
    let mut s = format!(
        "**workers-rs** `{name}` wraps the runtime's `{}.{}`\n\n",
        m.owner, m.name
    );
    if name.starts_with("set_alarm") {
        s.push_str("**In workers-rs** an `i64` or `Duration` is an offset in milliseconds *from now*, not an epoch time as in JavaScript; a `DateTime<Utc>` is an absolute time.\n\n");
    }
    if m.owner == "handler" && name == "alarm" {
        s.push_str("**In workers-rs** the handler runs only when the struct's `#[durable_object]` has no argument or names `alarm`.\n\n");
    }
    s.push_str(&m.markdown());
    s
}

/// The runtime type of a workers-rs expression, from the call that
/// produced it or its name.
fn rust_owner(mut v: tree_sitter::Node, text: &str) -> Option<&'static str> {
    while matches!(v.kind(), "await_expression" | "try_expression") {
        v = v.named_child(0)?;
    }
    let t = v.utf8_text(text.as_bytes()).ok()?;
    if v.kind() == "call_expression" {
        let f = v.child_by_field_name("function")?;
        let called = match f.kind() {
            "field_expression" => f
                .child_by_field_name("field")?
                .utf8_text(text.as_bytes())
                .ok()?,
            _ => return None,
        };
        return Some(match called {
            "storage" => "DurableObjectStorage",
            "sql" => "SqlStorage",
            "exec" | "exec_raw" => "SqlStorageCursor",
            "durable_object" => "DurableObjectNamespace",
            "get_stub"
            | "get_stub_with_location_hint"
            | "get_by_name"
            | "get_by_name_with_location_hint" => "DurableObjectStub",
            "id_from_name" | "id_from_string" | "unique_id" => "DurableObjectId",
            _ => return None,
        });
    }
    let last = t.rsplit('.').next().unwrap_or(t);
    Some(match last {
        "state" | "ctx" => "DurableObjectState",
        "storage" => "DurableObjectStorage",
        "sql" => "SqlStorage",
        "cursor" => "SqlStorageCursor",
        "ws" | "socket" | "websocket" | "server" => "WebSocket",
        "stub" => "DurableObjectStub",
        "namespace" | "ns" => "DurableObjectNamespace",
        _ => return None,
    })
}

/// The API type an expression most likely has, from its shape.
fn owner_of(object: tree_sitter::Node, text: &str) -> Option<&'static str> {
    let src = object.utf8_text(text.as_bytes()).ok()?;
    let last = match object.kind() {
        "member_expression" => object
            .child_by_field_name("property")
            .and_then(|p| p.utf8_text(text.as_bytes()).ok())
            .unwrap_or(""),
        "identifier" | "this" => src,
        "call_expression" => {
            let callee = object.child_by_field_name("function")?;
            let callee_text = callee.utf8_text(text.as_bytes()).ok()?;
            if callee_text.ends_with(".exec") {
                return Some("SqlStorageCursor");
            }
            if callee_text.ends_with(".getByName") || callee_text.ends_with(".get") {
                return Some("DurableObjectStub");
            }
            return None;
        }
        _ => return None,
    };
    // `env.ROOMS`, `this.env.ROOMS`, `c.env.ROOMS`
    if object.kind() == "member_expression" {
        let inner = object.child_by_field_name("object")?;
        let inner_text = inner.utf8_text(text.as_bytes()).ok()?;
        if inner_text == "env" || inner_text.ends_with(".env") {
            return Some("DurableObjectNamespace");
        }
    }
    Some(match last {
        "storage" => "DurableObjectStorage",
        "sql" => "SqlStorage",
        "kv" => "SyncKvStorage",
        "ctx" | "state" => "DurableObjectState",
        "id" => "DurableObjectId",
        "ws" | "socket" | "webSocket" | "websocket" | "server" | "client" => "WebSocket",
        "stub" => "DurableObjectStub",
        "alarmInfo" | "info" => "AlarmInvocationInfo",
        _ => return None,
    })
}

/// The key path and node under the cursor in a config.
fn config_hover(
    ws: &Workspace,
    fs: &dyn FileSystem,
    worker: &crate::project::Worker,
    offset: usize,
) -> Option<HoverResult> {
    let text = &*worker.text;
    let root = match worker.config.format {
        Format::Toml => parse_toml(text).ok()?,
        _ => parse_jsonc(text).ok()?,
    };
    let mut path: Vec<String> = Vec::new();
    let hit = locate(&root, offset, &mut path)?;
    match hit {
        Hit::Key(span) => {
            let key = path.last()?.clone();
            let parent = path.iter().rev().nth(1).cloned().unwrap_or_default();
            let docs = config_keys();
            let k = docs
                .iter()
                .find(|k| k.name == key && (k.parent.is_empty() || path.contains(&k.parent)))
                .or_else(|| docs.iter().find(|k| k.name == key && k.parent == parent))?;
            Some(HoverResult {
                markdown: k.markdown(),
                span,
            })
        }
        Hit::Value(value, span) => {
            let key = path
                .iter()
                .rev()
                .find(|k| k.parse::<usize>().is_err())?
                .clone();
            match key.as_str() {
                "class_name" | "new_classes" | "new_sqlite_classes" | "deleted_classes"
                | "from" | "to" => Some(HoverResult {
                    markdown: class_info(ws, fs, worker, &value),
                    span,
                }),
                "name" if path.iter().any(|p| p == "durable_objects") => Some(HoverResult {
                    markdown: binding_info(ws, fs, worker, &value),
                    span,
                }),
                _ => None,
            }
        }
    }
}

enum Hit {
    Key(Span),
    Value(String, Span),
}

/// Searches every key and scalar value (TOML tables' spans cover only their
/// headers, so containers cannot prune the search; configs are small).
fn locate(n: &Node, offset: usize, path: &mut Vec<String>) -> Option<Hit> {
    for p in n.props() {
        path.push(p.key.clone());
        if p.key_span.start <= offset && offset <= p.key_span.end {
            return Some(Hit::Key(p.key_span));
        }
        if let Some(h) = locate(&p.value, offset, path) {
            return Some(h);
        }
        path.pop();
    }
    for (i, it) in n.items().iter().enumerate() {
        path.push(i.to_string());
        if let Some(h) = locate(it, offset, path) {
            return Some(h);
        }
        path.pop();
    }
    match n.as_str() {
        Some(s) if n.span.start <= offset && offset <= n.span.end => {
            Some(Hit::Value(s.to_string(), n.span))
        }
        _ => None,
    }
}

fn class_info(
    ws: &Workspace,
    fs: &dyn FileSystem,
    worker: &crate::project::Worker,
    class: &str,
) -> String {
    let cfg = &worker.config;
    let mut s = format!("**class `{class}`**");
    let variants = cfg.variants();
    let top = &variants[0];
    let lc = Lifecycle::of(top);
    match lc.classes.get(class) {
        Some(r) => {
            let backend = if r.sqlite { "SQLite" } else { "legacy KV" };
            let status = match &r.status {
                Status::Live => "live".to_string(),
                Status::Deleted => format!(
                    "deleted by {}",
                    r.ended.as_ref().map(|o| o.label.as_str()).unwrap_or("?")
                ),
                Status::RenamedTo(t) => format!(
                    "renamed to `{t}` by {}",
                    r.ended.as_ref().map(|o| o.label.as_str()).unwrap_or("?")
                ),
                Status::TransferredOut(t) => format!("transferred to `{t}`"),
            };
            s.push_str(&format!(
                "\n\n- {status}, {backend} storage\n- created by {}",
                r.created.label
            ));
        }
        None => s.push_str("\n\n- no migration or `exports` entry creates it"),
    }
    let bindings: Vec<String> = variants
        .iter()
        .flat_map(|v| {
            v.durable_objects().iter().filter_map(move |b| {
                let n = b.name.as_ref()?;
                (b.class_name.as_ref()?.value == class).then(|| match v.env_name() {
                    Some(e) => format!("`{}` (env.{e})", n.value),
                    None => format!("`{}`", n.value),
                })
            })
        })
        .collect();
    if !bindings.is_empty() {
        s.push_str(&format!("\n- bound as {}", bindings.join(", ")));
    }
    if let Some(entry) = worker.entries.first().and_then(|e| e.source()) {
        let res = Resolver::new(ws, fs);
        match res.export(entry, class) {
            Fact::Known(sym) => {
                let line = ws.file(&sym.file).map(|f| {
                    f.lines
                        .position(&f.text, sym.span.start, crate::text::Encoding::Utf32)
                        .line
                        + 1
                });
                s.push_str(&format!(
                    "\n- exported by the entry; defined in {}{}",
                    sym.file
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default(),
                    line.map(|l| format!(":{l}")).unwrap_or_default()
                ));
            }
            Fact::Absent => s.push_str("\n- **not exported** by the entry"),
            Fact::Unknown(why) => s.push_str(&format!("\n- export not verified: {why}")),
        }
    }
    s
}

fn binding_info(
    ws: &Workspace,
    fs: &dyn FileSystem,
    worker: &crate::project::Worker,
    binding: &str,
) -> String {
    let w = ws
        .workers
        .iter()
        .position(|x| std::ptr::eq(&**x, worker))
        .unwrap_or(0);
    binding_markdown(ws, fs, worker, binding, &[w]).unwrap_or_default()
}

/// A binding: its class in each variant that binds it, and each use in
/// the code of `workers` (`env.NAME` exactly, once per place).
fn binding_markdown(
    ws: &Workspace,
    fs: &dyn FileSystem,
    worker: &crate::project::Worker,
    binding: &str,
    workers: &[usize],
) -> Option<String> {
    let mut classes: Vec<String> = Vec::new();
    for v in worker.config.variants() {
        for b in v.durable_objects() {
            if b.name.as_ref().is_some_and(|n| n.value == binding) {
                let class = b
                    .class_name
                    .as_ref()
                    .map(|c| c.value.as_str())
                    .unwrap_or("?");
                let script = b
                    .script_name
                    .as_ref()
                    .map(|s| format!(" of Worker `{}`", s.value))
                    .unwrap_or_default();
                let env = v
                    .env_name()
                    .map(|e| format!(" [env.{e}]"))
                    .unwrap_or_default();
                let line = format!("class `{class}`{script}{env}");
                if !classes.contains(&line) {
                    classes.push(line);
                }
            }
        }
    }
    if classes.is_empty() {
        return None;
    }
    let sym = super::navigate::Sym::Binding {
        name: binding.to_string(),
        workers: workers.to_vec(),
    };
    let uses: Vec<String> = super::navigate::references(ws, fs, &sym, None)
        .into_iter()
        .filter(|l| l.role == super::navigate::Role::Use)
        .filter_map(|l| {
            let f = ws.file(&l.file)?;
            let line = f
                .lines
                .position(&f.text, l.span.start, crate::text::Encoding::Utf32)
                .line
                + 1;
            let name = l
                .file
                .strip_prefix(worker.dir())
                .unwrap_or(&l.file)
                .display()
                .to_string();
            Some(format!("{name}:{line}"))
        })
        .collect();
    let mut s = format!(
        "**Durable Object binding `{binding}`** → {}",
        classes.join(", ")
    );
    match uses.len() {
        0 => s.push_str(&format!(
            "\n\nNo code of this Worker reads `env.{binding}`."
        )),
        n => s.push_str(&format!(
            "\n\n`env.{binding}` is used {} in {}",
            if n == 1 {
                "once".to_string()
            } else {
                format!("{n} times")
            },
            uses.join(", ")
        )),
    }
    Some(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::project::fs::MemFs;
    use std::path::PathBuf;

    fn at(text: &str, needle: &str) -> usize {
        text.find(needle).unwrap_or_else(|| panic!("{needle}")) + 1
    }

    #[test]
    fn api_members_in_source() {
        let t = "export class C extends DurableObject {\n  async alarm() {}\n  async f() {\n    await this.ctx.storage.setAlarm(Date.now());\n    this.ctx.storage.sql.exec('select 1').toArray();\n    const m = new Map(); m.get('x');\n    env.ROOMS.getByName('a');\n    ws.serializeAttachment({});\n  }\n}\n";
        let h = |needle: &str| source_hover(syntax::Lang::TypeScript, t, at(t, needle));
        assert!(h("setAlarm")
            .unwrap()
            .markdown
            .contains("DurableObjectStorage.setAlarm"));
        assert!(h("exec(").unwrap().markdown.contains("SqlStorage.exec"));
        assert!(h("toArray")
            .unwrap()
            .markdown
            .contains("SqlStorageCursor.toArray"));
        assert!(h("getByName")
            .unwrap()
            .markdown
            .contains("DurableObjectNamespace.getByName"));
        assert!(h("serializeAttachment").unwrap().markdown.contains("16"));
        assert!(h("alarm()").unwrap().markdown.contains("handler.alarm"));
        assert!(
            h("get('x')").is_none(),
            "a Map's get is not the storage API"
        );
        // A variable typed along its chain, whatever its name.
        let t2 = "class C extends DurableObject {\n  async f() {\n    const box = this.ctx.storage;\n    await box.get('k');\n    const rows = box.sql.exec('select 1');\n    rows.one();\n  }\n}\n";
        let h2 = |needle: &str| source_hover(syntax::Lang::TypeScript, t2, at(t2, needle));
        assert!(h2("get('k')")
            .unwrap()
            .markdown
            .contains("DurableObjectStorage.get"));
        assert!(h2("one()")
            .unwrap()
            .markdown
            .contains("SqlStorageCursor.one"));
        let link = h("setAlarm").unwrap().markdown;
        assert!(
            link.contains("https://developers.cloudflare.com/"),
            "{link}"
        );
    }

    #[test]
    fn config_keys_classes_and_bindings() {
        let fs = MemFs::from_fixture(
            Path::new("/p"),
            "//- /wrangler.toml\nname = \"w\"\nmain = \"src/index.ts\"\n[[durable_objects.bindings]]\nname = \"ROOMS\"\nclass_name = \"Room\"\n[[migrations]]\ntag = \"v1\"\nnew_sqlite_classes = [\"Room\"]\n//- /src/index.ts\nimport { DurableObject } from \"cloudflare:workers\";\nexport class Room extends DurableObject {}\nexport default { fetch(r: Request, env: Env) { return env.ROOMS.getByName(\"a\").fetch(r); } };\n",
        );
        let ws = Workspace::load(&fs, &[PathBuf::from("/p")]);
        let cfg = Path::new("/p/wrangler.toml");
        let text = ws.workers[0].text.to_string();
        let h = |needle: &str| hover(&ws, &fs, cfg, at(&text, needle), None).map(|h| h.markdown);
        assert!(h("new_sqlite_classes")
            .unwrap()
            .contains("SQLite storage backend"));
        assert!(h("migrations]]").unwrap().contains("ordered history"));
        let class = h("\"Room\"\n").unwrap();
        assert!(
            class.contains("live, SQLite storage")
                && class.contains("migration \"v1\"")
                && class.contains("exported by the entry"),
            "{class}"
        );
        let b = h("\"ROOMS\"").unwrap();
        assert!(
            b.contains("class `Room`") && b.contains("used once in src/index.ts:3"),
            "{b}"
        );
    }

    /// A binding's hover lists only uses of its own name, each once; hover
    /// on `env.X` in source answers with the binding.
    #[test]
    fn binding_uses_are_its_own_and_counted_once() {
        let fs = MemFs::from_fixture(
            Path::new("/p"),
            "//- /wrangler.toml\nname = \"w\"\nmain = \"src/index.ts\"\n[[durable_objects.bindings]]\nname = \"ROOMS\"\nclass_name = \"Room\"\n[[durable_objects.bindings]]\nname = \"ROOM\"\nclass_name = \"Room\"\n[[migrations]]\ntag = \"v1\"\nnew_sqlite_classes = [\"Room\"]\n//- /src/index.ts\nimport { DurableObject } from \"cloudflare:workers\";\nexport class Room extends DurableObject {}\nexport default { fetch(r: Request, env: Env) {\n  const s = env.ROOM.getByName(\"a\");\n  return s.fetch(r);\n} };\n",
        );
        let ws = Workspace::load(&fs, &[PathBuf::from("/p")]);
        let cfg = Path::new("/p/wrangler.toml");
        let text = ws.workers[0].text.to_string();
        let rooms = hover(&ws, &fs, cfg, at(&text, "\"ROOMS\""), None)
            .unwrap()
            .markdown;
        assert!(
            rooms.contains("No code of this Worker reads `env.ROOMS`"),
            "{rooms}"
        );
        assert!(!rooms.contains("index.ts"), "{rooms}");
        let room = hover(&ws, &fs, cfg, at(&text, "\"ROOM\""), None)
            .unwrap()
            .markdown;
        assert!(room.contains("used once in src/index.ts:4"), "{room}");
        let src = Path::new("/p/src/index.ts");
        let code = ws.file(src).unwrap().text.to_string();
        let h = hover(&ws, &fs, src, at(&code, "ROOM.getByName"), None).unwrap();
        assert!(
            h.markdown.contains("Durable Object binding `ROOM`")
                && h.markdown.contains("class `Room`"),
            "{}",
            h.markdown
        );
        assert_eq!(&code[h.span.start..h.span.end], "ROOM");
    }

    /// The workers-rs SDK's names hover with the runtime member they wrap.
    #[test]
    fn rust_sdk_names_hover() {
        let t = "impl DurableObject for Counter {\n    async fn fetch(&self, _req: Request) -> Result<Response> {\n        self.state.storage().set_alarm(60_000).await?;\n        let n = self.state.storage().sql().database_size();\n        self.state.accept_web_socket(&server);\n        let m = map.get(\"k\");\n        Response::ok(\"\")\n    }\n    async fn alarm(&self) -> Result<Response> { Response::ok(\"\") }\n}\n";
        let h =
            |needle: &str| source_hover(syntax::Lang::Rust, t, at(t, needle)).map(|h| h.markdown);
        let set = h("set_alarm").unwrap();
        assert!(
            set.contains("DurableObjectStorage.setAlarm") && set.contains("from now"),
            "{set}"
        );
        assert!(h("database_size")
            .unwrap()
            .contains("SqlStorage.databaseSize"));
        assert!(h("accept_web_socket")
            .unwrap()
            .contains("DurableObjectState.acceptWebSocket"));
        assert!(h("alarm(&self)").unwrap().contains("handler.alarm"));
        assert!(
            h("get(\"k\")").is_none(),
            "a map's get is not the storage's"
        );
    }

    #[test]
    fn python_workers_hover_the_javascript_api() {
        let t = "from workers import DurableObject\n\nclass Room(DurableObject):\n    async def fetch(self, request):\n        await self.ctx.storage.setAlarm(1000)\n        row = self.ctx.storage.sql.exec(\"SELECT 1\").one()\n        d = {}\n        d.get(\"k\")\n        return None\n\n    async def alarm(self, info):\n        pass\n\n\nclass Plain:\n    async def alarm(self):\n        pass\n";
        let h =
            |needle: &str| source_hover(syntax::Lang::Python, t, at(t, needle)).map(|h| h.markdown);
        assert!(h("setAlarm")
            .unwrap()
            .contains("DurableObjectStorage.setAlarm"));
        assert!(h("exec(").unwrap().contains("SqlStorage.exec"));
        assert!(h("one()").unwrap().contains("SqlStorageCursor.one"));
        assert!(h("alarm(self, info)").unwrap().contains("handler.alarm"));
        assert!(
            h("get(\"k\")").is_none(),
            "a dict's get is not the storage's"
        );
        assert!(
            h("alarm(self):").is_none(),
            "a class that is not a Durable Object"
        );
    }
}
