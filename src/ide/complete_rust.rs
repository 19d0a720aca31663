//! Completion in a workers-rs crate: the SDK's Durable Object API after a
//! `.` (typed along the chain from the state, `env.durable_object(…)` or a
//! variable), documented by the runtime member each method wraps, so the
//! docs are written once (`data/api.toml`'s `rust` names); the Durable
//! Object bindings inside `durable_object("…")`; the attribute's arguments;
//! and the handlers an `impl DurableObject` lacks.
//!
//! Like the TypeScript side it never waits: it reads the live text and
//! tree, and the last analysis for bindings and backends.

use super::complete::{Completion, Kind, Scope};
use super::docs::{api, ApiMember};
use crate::config::classes::Backend;
use crate::text::Span;
use std::path::Path;
use tree_sitter::{Node, Tree};

/// The SDK's Durable Object types, as completion needs them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum RTy {
    State,
    Storage,
    Sql,
    Cursor,
    Env,
    Namespace,
    Id,
    Stub,
    WebSocket,
    /// Known, and not an SDK type of the Durable Object API.
    Other,
    /// Not known.
    Unknown,
}

impl RTy {
    /// The runtime type whose docs the SDK's methods borrow.
    fn runtime(self) -> &'static str {
        match self {
            RTy::State => "DurableObjectState",
            RTy::Storage => "DurableObjectStorage",
            RTy::Sql => "SqlStorage",
            RTy::Cursor => "SqlStorageCursor",
            RTy::Namespace => "DurableObjectNamespace",
            RTy::Id => "DurableObjectId",
            RTy::Stub => "DurableObjectStub",
            RTy::WebSocket => "WebSocket",
            RTy::Env | RTy::Other | RTy::Unknown => "",
        }
    }

    /// A type as written in Rust (`State`, `&worker::Storage`).
    fn named(t: &str) -> RTy {
        let t = t.trim().trim_start_matches('&').trim_start_matches("mut ");
        match t.rsplit("::").next().unwrap_or(t) {
            "State" => RTy::State,
            "Storage" => RTy::Storage,
            "SqlStorage" => RTy::Sql,
            "SqlCursor" => RTy::Cursor,
            "Env" => RTy::Env,
            "ObjectNamespace" => RTy::Namespace,
            "ObjectId" => RTy::Id,
            "Stub" => RTy::Stub,
            "WebSocket" => RTy::WebSocket,
            _ => RTy::Other,
        }
    }
}

/// One SDK method: its type, name, signature (as the SDK declares it,
/// `&self` left out), what it gives, and a note where the runtime member's
/// docs do not cover it.
struct SdkMethod {
    on: RTy,
    name: &'static str,
    signature: &'static str,
    gives: RTy,
    note: &'static str,
}

const fn m(on: RTy, name: &'static str, signature: &'static str, gives: RTy) -> SdkMethod {
    SdkMethod {
        on,
        name,
        signature,
        gives,
        note: "",
    }
}

const fn n(
    on: RTy,
    name: &'static str,
    signature: &'static str,
    gives: RTy,
    note: &'static str,
) -> SdkMethod {
    SdkMethod {
        on,
        name,
        signature,
        gives,
        note,
    }
}

use RTy::*;

/// The workers-rs SDK's Durable Object API (worker 0.8).
const SDK: &[SdkMethod] = &[
    m(State, "id", "fn id(&self) -> ObjectId<'_>", Id),
    m(State, "storage", "fn storage(&self) -> Storage", Storage),
    m(State, "container", "fn container(&self) -> Option<Container>", Unknown),
    m(State, "wait_until", "fn wait_until<F: Future<Output = ()> + 'static>(&self, future: F)", Unknown),
    m(State, "accept_web_socket", "fn accept_web_socket(&self, ws: &WebSocket)", Unknown),
    n(State, "accept_websocket_with_tags", "fn accept_websocket_with_tags(&self, ws: &WebSocket, tags: &[&str])", Unknown,
      "The SDK unwraps the runtime's error: an 11th tag, or a tag over 256 characters, panics."),
    m(State, "get_websockets", "fn get_websockets(&self) -> Vec<WebSocket>", Unknown),
    m(State, "get_websockets_with_tag", "fn get_websockets_with_tag(&self, tag: &str) -> Vec<WebSocket>", Unknown),
    n(State, "get_tags", "fn get_tags(&self, websocket: &WebSocket) -> Vec<String>", Unknown,
      "Panics on a socket that was not accepted with `accept_web_socket`."),
    m(State, "set_websocket_auto_response", "fn set_websocket_auto_response(&self, pair: &WebSocketRequestResponsePair)", Unknown),
    m(State, "get_websocket_auto_response", "fn get_websocket_auto_response(&self) -> Option<WebSocketRequestResponsePair>", Unknown),
    n(Storage, "get", "async fn get<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>>", Unknown,
      "`None` when the key is absent; the value goes through serde."),
    m(Storage, "get_multiple", "async fn get_multiple(&self, keys: Vec<impl Deref<Target = str>>) -> Result<js_sys::Map>", Unknown),
    m(Storage, "put", "async fn put<T: Serialize>(&self, key: &str, value: T) -> Result<()>", Unknown),
    m(Storage, "put_raw", "async fn put_raw(&self, key: &str, value: impl Into<JsValue>) -> Result<()>", Unknown),
    n(Storage, "put_multiple", "async fn put_multiple<T: Serialize>(&self, values: T) -> Result<()>", Unknown,
      "The value must serialize to an object (\"Must pass in a struct type\")."),
    m(Storage, "put_multiple_raw", "async fn put_multiple_raw(&self, values: js_sys::Object) -> Result<()>", Unknown),
    m(Storage, "delete", "async fn delete(&self, key: &str) -> Result<bool>", Unknown),
    m(Storage, "delete_multiple", "async fn delete_multiple(&self, keys: Vec<impl Deref<Target = str>>) -> Result<usize>", Unknown),
    m(Storage, "delete_all", "async fn delete_all(&self) -> Result<()>", Unknown),
    m(Storage, "list", "async fn list(&self) -> Result<js_sys::Map>", Unknown),
    n(Storage, "list_with_options", "async fn list_with_options(&self, opts: ListOptions<'_>) -> Result<js_sys::Map>", Unknown,
      "`ListOptions` has `start`, `end`, `prefix`, `reverse` and `limit` only."),
    m(Storage, "get_alarm", "async fn get_alarm(&self) -> Result<Option<i64>>", Unknown),
    m(Storage, "get_alarm_with_options", "async fn get_alarm_with_options(&self, options: GetAlarmOptions) -> Result<Option<i64>>", Unknown),
    m(Storage, "set_alarm", "async fn set_alarm(&self, scheduled_time: impl Into<ScheduledTime>) -> Result<()>", Unknown),
    m(Storage, "set_alarm_with_options", "async fn set_alarm_with_options(&self, scheduled_time: impl Into<ScheduledTime>, options: SetAlarmOptions) -> Result<()>", Unknown),
    m(Storage, "delete_alarm", "async fn delete_alarm(&self) -> Result<()>", Unknown),
    m(Storage, "delete_alarm_with_options", "async fn delete_alarm_with_options(&self, options: SetAlarmOptions) -> Result<()>", Unknown),
    n(Storage, "transaction", "async fn transaction<F, Fut>(&self, closure: F) -> Result<()>", Unknown,
      "The closure's result is discarded. In the closure, `Transaction::get` of a missing key is an error (\"No such value in storage.\"), where `Storage::get` gives `None`."),
    m(Storage, "sql", "fn sql(&self) -> SqlStorage", Sql),
    n(Sql, "exec", "fn exec(&self, query: &str, bindings: impl Into<Option<Vec<SqlStorageValue>>>) -> Result<SqlCursor>", Cursor,
      "Positional `?` bindings; pass `None` for none."),
    m(Sql, "exec_raw", "fn exec_raw(&self, query: &str, bindings: impl Into<Option<Vec<JsValue>>>) -> Result<SqlCursor>", Cursor),
    m(Sql, "database_size", "fn database_size(&self) -> usize", Unknown),
    m(Cursor, "to_array", "fn to_array<T: DeserializeOwned>(&self) -> Result<Vec<T>>", Unknown),
    m(Cursor, "one", "fn one<T: DeserializeOwned>(&self) -> Result<T>", Unknown),
    m(Cursor, "column_names", "fn column_names(&self) -> Vec<String>", Unknown),
    m(Cursor, "rows_read", "fn rows_read(&self) -> usize", Unknown),
    m(Cursor, "rows_written", "fn rows_written(&self) -> usize", Unknown),
    m(Cursor, "next", "fn next<T: DeserializeOwned>(&self) -> SqlCursorIterator<T>", Unknown),
    m(Cursor, "raw", "fn raw(&self) -> SqlCursorRawIterator", Unknown),
    n(Env, "durable_object", "fn durable_object(&self, binding: &str) -> Result<ObjectNamespace>", Namespace,
      "The namespace of a Durable Object binding of the Worker's config; an error when the config has no such binding."),
    m(Namespace, "id_from_name", "fn id_from_name(&self, name: &str) -> Result<ObjectId<'_>>", Id),
    m(Namespace, "id_from_string", "fn id_from_string(&self, hex_id: &str) -> Result<ObjectId<'_>>", Id),
    m(Namespace, "unique_id", "fn unique_id(&self) -> Result<ObjectId<'_>>", Id),
    m(Namespace, "unique_id_with_jurisdiction", "fn unique_id_with_jurisdiction(&self, jd: &str) -> Result<ObjectId<'_>>", Id),
    m(Namespace, "get_by_name", "fn get_by_name(&self, name: &str) -> Result<Stub>", Stub),
    m(Namespace, "get_by_name_with_location_hint", "fn get_by_name_with_location_hint(&self, name: &str, location_hint: &str) -> Result<Stub>", Stub),
    n(Id, "get_stub", "fn get_stub(&self) -> Result<Stub>", Stub,
      "A stub of the object with this ID (the runtime's `namespace.get(id)`). It fails on the ID from `State::id()`, which has no namespace: \"Cannot get stub from within a Durable Object\"."),
    n(Id, "get_stub_with_location_hint", "fn get_stub_with_location_hint(&self, location_hint: &str) -> Result<Stub>", Stub,
      "A stub of the object with this ID, created near `location_hint` if it does not exist yet (the runtime's `namespace.get(id, { locationHint })`). The hint is best effort and only the first access of an object reads it."),
    n(Id, "name", "fn name(&self) -> Option<String>", Unknown,
      "The name the ID was made from by `id_from_name`; `None` for a unique ID."),
    m(Stub, "fetch_with_request", "async fn fetch_with_request(&self, req: Request) -> Result<Response>", Unknown),
    m(Stub, "fetch_with_str", "async fn fetch_with_str(&self, url: &str) -> Result<Response>", Unknown),
    n(Stub, "into_rpc", "fn into_rpc<T: JsCast>(self) -> T", Unknown,
      "Casts the stub to a wasm-bindgen type so that the class's RPC methods can be called. The class must extend `DurableObject`: a workers-rs `#[durable_object]` struct does not, and RPC on it fails."),
    n(WebSocket, "serialize_attachment", "fn serialize_attachment<T: Serialize>(&self, value: T) -> Result<()>", Unknown,
      "Goes through serde; the serialized value may be 16 KiB at most."),
    m(WebSocket, "deserialize_attachment", "fn deserialize_attachment<T: DeserializeOwned>(&self) -> Result<Option<T>>", Unknown),
];

/// The handlers of `impl DurableObject`, with their snippets.
const HANDLERS: &[(&str, &str, &str)] = &[
    (
        "new",
        "fn new(state: State, env: Env) -> Self {\n    Self { state, env }\n}",
        "fn new(state: State, env: Env) -> Self {\n    ${0:Self { state, env \\}}\n}",
    ),
    (
        "fetch",
        "async fn fetch(&self, req: Request) -> Result<Response> {\n    Response::ok(\"\")\n}",
        "async fn fetch(&self, ${1:req}: Request) -> Result<Response> {\n    ${0:Response::ok(\"\")}\n}",
    ),
    (
        "alarm",
        "async fn alarm(&self) -> Result<Response> {\n    Response::ok(\"\")\n}",
        "async fn alarm(&self) -> Result<Response> {\n    ${0:Response::ok(\"\")}\n}",
    ),
    (
        "websocket_message",
        "async fn websocket_message(&self, ws: WebSocket, message: WebSocketIncomingMessage) -> Result<()> {\n    Ok(())\n}",
        "async fn websocket_message(&self, ${1:ws}: WebSocket, ${2:message}: WebSocketIncomingMessage) -> Result<()> {\n    ${0:Ok(())}\n}",
    ),
    (
        "websocket_close",
        "async fn websocket_close(&self, ws: WebSocket, code: usize, reason: String, was_clean: bool) -> Result<()> {\n    Ok(())\n}",
        "async fn websocket_close(&self, ${1:ws}: WebSocket, ${2:code}: usize, ${3:reason}: String, ${4:was_clean}: bool) -> Result<()> {\n    ${0:Ok(())}\n}",
    ),
    (
        "websocket_error",
        "async fn websocket_error(&self, ws: WebSocket, error: Error) -> Result<()> {\n    Ok(())\n}",
        "async fn websocket_error(&self, ${1:ws}: WebSocket, ${2:error}: Error) -> Result<()> {\n    ${0:Ok(())}\n}",
    ),
];

fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

fn text_of<'a>(n: Node, src: &'a str) -> &'a str {
    src.get(n.byte_range()).unwrap_or("")
}

/// Completion in a Rust source file at byte `offset`.
pub fn source(
    scope: Option<&Scope>,
    path: &Path,
    text: &str,
    tree: &Tree,
    offset: usize,
) -> Vec<Completion> {
    // A crate of the workspace that no Worker builds (a native server, a
    // shared library) gets nothing: its `WebSocket` or `State` may be
    // another crate's.
    if scope.is_some_and(|s| s.workers_of(path).is_empty()) {
        return Vec::new();
    }
    let b = text.as_bytes();
    let mut start = offset;
    while start > 0 && is_ident(b[start - 1]) {
        start -= 1;
    }
    let replace = Span::new(start, offset);
    let cx = Cx {
        scope,
        path,
        text,
        tree,
        offset,
    };
    if let Some(items) = cx.in_string() {
        return items;
    }
    if let Some(items) = cx.attribute_args(replace) {
        return items;
    }
    let mut i = start;
    while i > 0 && b[i - 1].is_ascii_whitespace() {
        i -= 1;
    }
    if i > 1 && b[i - 1] == b'.' && b[i - 2] != b'.' {
        let ty = cx.type_before(i - 1, 0);
        return cx.members(ty, replace);
    }
    cx.handlers(replace).unwrap_or_default()
}

struct Cx<'a> {
    scope: Option<&'a Scope<'a>>,
    path: &'a Path,
    text: &'a str,
    tree: &'a Tree,
    offset: usize,
}

impl<'a> Cx<'a> {
    /// The type of the expression that ends at `end` (just before a `.`).
    /// A call that returns a `Result` gives its value only through `?`,
    /// `.unwrap()` or `.expect(…)`.
    fn type_before(&self, end: usize, depth: usize) -> RTy {
        if depth > 4 {
            return Unknown;
        }
        let Some(segs) = super::complete::chain_before(self.text, end) else {
            return Unknown;
        };
        let Some((root, rest)) = segs.split_first() else {
            return Unknown;
        };
        let mut ty = if root.name == "self" {
            Unknown
        } else if root.call {
            return Unknown;
        } else {
            self.variable(&root.name, end, depth)
        };
        let mut wrapped = false;
        let mut prev_self = root.name == "self";
        for s in rest {
            match s.name.as_str() {
                "await" | "clone" | "as_ref" => {
                    if s.tried {
                        wrapped = false;
                    }
                    continue;
                }
                "unwrap" | "expect" if wrapped && s.call => {
                    wrapped = false;
                    continue;
                }
                _ => {}
            }
            if wrapped {
                // a method of the `Result` itself
                return Other;
            }
            ty = if prev_self && !s.call {
                self.field(&s.name)
            } else if matches!(ty, Unknown) {
                Unknown
            } else if !s.call {
                Other
            } else {
                match SDK.iter().find(|m| m.on == ty && m.name == s.name) {
                    Some(m) => {
                        wrapped = m.signature.contains("-> Result<") && !s.tried;
                        m.gives
                    }
                    None => Other,
                }
            };
            prev_self = false;
        }
        if wrapped {
            return Other;
        }
        ty
    }

    /// `self.state`: the struct field's declared type, else its name's.
    fn field(&self, name: &str) -> RTy {
        match self.declared_type(name) {
            Unknown => by_name(name),
            t => t,
        }
    }

    /// The type written for `name` anywhere in the file (`state: State`,
    /// `ws: &WebSocket`).
    fn declared_type(&self, name: &str) -> RTy {
        let b = self.text.as_bytes();
        let mut from = 0;
        let mut found = Unknown;
        while let Some(i) = self.text[from..].find(name) {
            let at = from + i;
            from = at + name.len();
            let before_ok = at == 0 || !is_ident(b[at - 1]);
            let mut rest = self.text[from..].trim_start();
            // `State(state): State<AppState>`: a pattern of another type.
            let in_pattern = at > 0 && b[at - 1] == b'(' && rest.starts_with(')');
            if in_pattern {
                rest = rest[1..].trim_start();
            }
            if !before_ok || !rest.starts_with(':') || rest.starts_with("::") {
                continue;
            }
            let after = rest[1..].trim_start();
            let ty: String = after
                .chars()
                .take_while(|c| c.is_alphanumeric() || matches!(c, '_' | ':' | '&' | ' '))
                .collect();
            if ty.trim().is_empty() {
                continue;
            }
            // The SDK's types take no type arguments (`ObjectId<'_>` only a
            // lifetime): `State<AppState>` is another crate's.
            let generic =
                after[ty.len()..].starts_with('<') && !after[ty.len()..].starts_with("<'");
            let t = if in_pattern || generic {
                Other
            } else {
                RTy::named(ty.trim())
            };
            // The SDK's type wins over another declaration of the name.
            match (found, t) {
                (_, Other) if found != Unknown => {}
                (_, t) => found = t,
            }
        }
        found
    }

    /// A variable: its `let` before the cursor (typed from its value), or a
    /// parameter's declared type, or its name.
    fn variable(&self, name: &str, before: usize, depth: usize) -> RTy {
        if name == "env" {
            return Env;
        }
        let head = &self.text[..before.min(self.text.len())];
        for pat in [format!("let {name} ="), format!("let mut {name} =")] {
            let Some(at) = head.rfind(&pat) else { continue };
            let value_start = at + pat.len();
            let end = statement_end(head, value_start);
            let vb = self.text.as_bytes();
            let mut e = end;
            while e > value_start && vb[e - 1].is_ascii_whitespace() {
                e -= 1;
            }
            if e > value_start {
                let t = self.type_before(e, depth + 1);
                if t != Unknown {
                    return t;
                }
            }
        }
        match self.declared_type(name) {
            Unknown => by_name(name),
            t => t,
        }
    }

    /// The struct whose `impl` block holds the cursor.
    fn impl_type(&self) -> Option<(Node<'a>, &'a str)> {
        let mut n = self
            .tree
            .root_node()
            .descendant_for_byte_range(self.offset, self.offset)?;
        loop {
            if n.kind() == "impl_item" {
                let ty = n.child_by_field_name("type")?;
                return Some((n, text_of(ty, self.text)));
            }
            n = n.parent()?;
        }
    }

    /// The backend every model gives the struct around the cursor, when
    /// they agree.
    fn backend(&self) -> Option<Backend> {
        let (_, name) = self.impl_type()?;
        let scope = self.scope?;
        let mut found: Option<Backend> = None;
        for m in scope.models_of(self.path) {
            for c in &m.classes {
                if c.file != self.path || c.name != name {
                    continue;
                }
                match (found, c.backend) {
                    (_, None) => return None,
                    (None, b) => found = b,
                    (Some(a), Some(b)) if a != b => return None,
                    _ => {}
                }
            }
        }
        found
    }

    fn members(&self, ty: RTy, replace: Span) -> Vec<Completion> {
        if matches!(ty, Unknown | Other) {
            return Vec::new();
        }
        let kv = self.backend() == Some(Backend::Kv);
        SDK.iter()
            .filter(|m| m.on == ty)
            .filter(|m| !(kv && ty == Storage && m.name == "sql"))
            .map(|m| item(m, replace))
            .collect()
    }

    /// Inside `durable_object("…")`: the Durable Object bindings of the
    /// Workers that reach the file.
    fn in_string(&self) -> Option<Vec<Completion>> {
        let node = self
            .tree
            .root_node()
            .descendant_for_byte_range(self.offset, self.offset)?;
        let lit = if node.kind() == "string_literal" {
            node
        } else {
            node.parent().filter(|p| p.kind() == "string_literal")?
        };
        if self.offset <= lit.start_byte() {
            return None;
        }
        let args = lit.parent().filter(|p| p.kind() == "arguments")?;
        let call = args.parent().filter(|p| p.kind() == "call_expression")?;
        let func = call.child_by_field_name("function")?;
        let called = func
            .child_by_field_name("field")
            .map(|f| text_of(f, self.text))
            .unwrap_or("");
        if called != "durable_object" {
            return None;
        }
        let replace = Span::new(lit.start_byte() + 1, self.offset);
        Some(self.bindings(replace))
    }

    fn bindings(&self, replace: Span) -> Vec<Completion> {
        self.scope
            .map(|s| {
                super::complete::binding_items(s, self.path, replace, "ObjectNamespace", false)
            })
            .unwrap_or_default()
    }

    /// `#[durable_object(…)]`: the handlers the attribute can wire.
    fn attribute_args(&self, replace: Span) -> Option<Vec<Completion>> {
        let line_start = self.text[..self.offset].rfind('\n').map_or(0, |i| i + 1);
        let line = &self.text[line_start..self.offset];
        let t = line.trim_start();
        let open = t
            .strip_prefix("#[durable_object(")
            .or_else(|| t.strip_prefix("#[worker::durable_object("))?;
        if open.contains(')') || open.contains(',') {
            return None;
        }
        let values = [
            ("fetch", "the constructor and `fetch` only"),
            ("alarm", "`fetch` and the `alarm` handler"),
            ("websocket", "`fetch` and the WebSocket handlers (`websocket_message`, `websocket_close`, `websocket_error`)"),
        ];
        Some(
            values
                .iter()
                .map(|(v, what)| Completion {
                    label: v.to_string(),
                    kind: Kind::Value,
                    detail: format!("#[durable_object({v})]"),
                    doc: format!("The generated class wires {what}. With no argument it wires them all; one argument at most."),
                    snippet: None,
                    sort: 0,
                    replace,
                })
                .collect(),
        )
    }

    /// In `impl DurableObject for X { … }`, between items: the handlers
    /// the block lacks.
    fn handlers(&self, replace: Span) -> Option<Vec<Completion>> {
        let (imp, _) = self.impl_type()?;
        let is_do = imp
            .child_by_field_name("trait")
            .map(|t| text_of(t, self.text))
            .is_some_and(|t| t == "DurableObject" || t.ends_with("::DurableObject"));
        let body = imp.child_by_field_name("body")?;
        if !is_do || self.offset <= body.start_byte() || self.offset >= body.end_byte() {
            return None;
        }
        // Not inside a method.
        let mut cur = body.walk();
        let mut have = Vec::new();
        for item in body.named_children(&mut cur) {
            if item.start_byte() < self.offset && self.offset < item.end_byte() {
                return None;
            }
            if let Some(nm) = item.child_by_field_name("name") {
                have.push(text_of(nm, self.text).to_string());
            }
        }
        let docs = api();
        Some(
            HANDLERS
                .iter()
                .filter(|(h, _, _)| !have.iter().any(|x| x == h))
                .map(|(h, plain, snippet)| {
                    let runtime = docs
                        .iter()
                        .filter(|m| m.owner == "handler")
                        .find(|m| m.rust.split(", ").any(|r| r == *h));
                    let doc = match runtime {
                        Some(m) => super::hover::rust_markdown(h, m),
                        None if *h == "new" => "The constructor: it runs each time the object starts, before the handler that woke it. Required.".to_string(),
                        None => String::new(),
                    };
                    Completion {
                        label: h.to_string(),
                        kind: Kind::Snippet,
                        detail: plain.lines().next().unwrap_or("").trim_end_matches(" {").to_string(),
                        doc,
                        snippet: Some((snippet.to_string(), plain.to_string())),
                        sort: 0,
                        replace,
                    }
                })
                .collect(),
        )
    }
}

/// A type from a name alone (`state`, `storage`, `sql`, `ws`).
fn by_name(name: &str) -> RTy {
    match name {
        "state" => State,
        "storage" => Storage,
        "sql" => Sql,
        "cursor" => Cursor,
        "env" => Env,
        "namespace" | "ns" => Namespace,
        "id" => Id,
        "stub" => Stub,
        "ws" | "websocket" | "socket" | "server" => WebSocket,
        _ => Unknown,
    }
}

fn item(m: &SdkMethod, replace: Span) -> Completion {
    let runtime: Option<&ApiMember> = api()
        .iter()
        .filter(|a| a.owner == m.on.runtime())
        .find(|a| a.rust.split(", ").any(|r| r == m.name));
    let mut doc = match runtime {
        Some(a) => super::hover::rust_markdown(m.name, a),
        None => format!("**workers-rs** `{}`\n\n", m.name),
    };
    if !m.note.is_empty() {
        doc = format!("{}\n\n**In workers-rs** {}", doc.trim_end(), m.note);
    }
    Completion {
        label: m.name.to_string(),
        kind: Kind::Method,
        detail: m.signature.to_string(),
        doc,
        snippet: None,
        sort: 0,
        replace,
    }
}

/// Where the statement starting at `from` ends: its `;` outside strings
/// and brackets (or the end of `text`).
fn statement_end(text: &str, from: usize) -> usize {
    let b = text.as_bytes();
    let mut depth = 0i32;
    let mut in_str = false;
    let mut i = from;
    while i < b.len() {
        let c = b[i];
        if in_str {
            if c == b'\\' {
                i += 1;
            } else if c == b'"' {
                in_str = false;
            }
        } else {
            match c {
                b'"' => in_str = true,
                b'(' | b'[' | b'{' => depth += 1,
                b')' | b']' | b'}' => depth -= 1,
                b';' if depth <= 0 => return i,
                _ => {}
            }
        }
        i += 1;
    }
    b.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::{parse, Lang};

    fn labels(src: &str) -> Vec<String> {
        let at = src.find('|').unwrap();
        let text = src.replace('|', "");
        let tree = parse(Lang::Rust, &text, None).unwrap();
        source(None, Path::new("/w/src/lib.rs"), &text, &tree, at)
            .into_iter()
            .map(|c| c.label)
            .collect()
    }

    const HEAD: &str = "use worker::*;\n#[durable_object]\npub struct Room { state: State, env: Env }\nimpl DurableObject for Room {\n    fn new(state: State, env: Env) -> Self { Self { state, env } }\n    async fn fetch(&self, req: Request) -> Result<Response> {\n";

    #[test]
    fn members_along_the_sdk_chain() {
        let at = |body: &str| {
            labels(&format!(
                "{HEAD}{body}\n        Response::ok(\"\")\n    }}\n}}\n"
            ))
        };
        let state = at("        self.state.|");
        assert!(
            state.contains(&"storage".into()) && state.contains(&"accept_web_socket".into()),
            "{state:?}"
        );
        let storage = at("        self.state.storage().|");
        assert!(
            storage.contains(&"set_alarm".into()) && storage.contains(&"sql".into()),
            "{storage:?}"
        );
        assert!(!storage.contains(&"storage".into()));
        let sql = at("        let sql = self.state.storage().sql();\n        sql.|");
        assert_eq!(sql, ["exec", "exec_raw", "database_size"]);
        let cursor = at("        self.state.storage().sql().exec(\"SELECT 1\", None)?.|");
        assert!(cursor.contains(&"to_array".into()), "{cursor:?}");
        let ns = at("        let ns = self.env.durable_object(\"ROOMS\")?;\n        ns.|");
        assert!(
            ns.contains(&"get_by_name".into()) && ns.contains(&"id_from_name".into()),
            "{ns:?}"
        );
        let stub = at("        let stub = self.env.durable_object(\"ROOMS\")?.id_from_name(\"a\")?.get_stub()?;\n        stub.|");
        assert!(stub.contains(&"fetch_with_request".into()), "{stub:?}");
        let turbo = at("        self.state.storage().get::<u32>(\"k\").await?.|");
        assert!(turbo.is_empty(), "{turbo:?}");
        let other = at("        req.|");
        assert!(other.is_empty(), "{other:?}");
        // A `;` in a string does not end the statement.
        let cursor = at("        let cursor = self.state.storage().sql().exec(\"SELECT 1;\", None)?;\n        cursor.|");
        assert!(
            cursor.contains(&"next".into()) && cursor.contains(&"to_array".into()),
            "{cursor:?}"
        );
        // A `Result` is not its value: no namespace methods before `?`.
        let result = at("        self.env.durable_object(\"ROOMS\").|");
        assert!(result.is_empty(), "{result:?}");
        let unwrapped = at("        self.env.durable_object(\"ROOMS\").unwrap().|");
        assert!(unwrapped.contains(&"get_by_name".into()), "{unwrapped:?}");
        let awaited = at("        let a = self.state.storage().get_alarm().await?;\n        a.|");
        assert!(awaited.is_empty(), "{awaited:?}");
    }

    /// Names are only a last resort: a declared type that is not the SDK's
    /// wins (`ctx: RouteContext<…>`, `storage: Arc<dyn Store>`).
    #[test]
    fn declared_types_win_over_names() {
        let src = "use worker::*;\nasync fn handler(req: Request, ctx: RouteContext<()>) -> Result<Response> {\n    let storage: Arc<dyn Store> = make();\n    ctx.|\n}\n";
        assert!(labels(src).is_empty(), "{:?}", labels(src));
        let src = "use worker::*;\nfn f(storage: Arc<dyn Store>) {\n    storage.|\n}\n";
        assert!(labels(src).is_empty(), "{:?}", labels(src));
        let src = "use worker::*;\nasync fn get(State(state): State<AppState>) {\n    state.|\n}\n";
        assert!(labels(src).is_empty(), "{:?}", labels(src));
        let src = "use worker::*;\nfn f(storage: Storage) {\n    storage.|\n}\n";
        assert!(labels(src).contains(&"delete_all".into()));
    }

    #[test]
    fn handlers_the_impl_lacks_and_attribute_arguments() {
        let h = labels(&format!(
            "{HEAD}        Response::ok(\"\")\n    }}\n    |\n}}\n"
        ));
        assert_eq!(
            h,
            [
                "alarm",
                "websocket_message",
                "websocket_close",
                "websocket_error"
            ]
        );
        let a = labels("use worker::*;\n#[durable_object(|)]\npub struct Room;\n");
        assert_eq!(a, ["fetch", "alarm", "websocket"]);
        let inside = labels(&format!(
            "{HEAD}        let x = 1;|\n        Response::ok(\"\")\n    }}\n}}\n"
        ));
        assert!(inside.is_empty(), "{inside:?}");
    }
}
