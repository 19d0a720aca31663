//! The Rust front end: a workers-rs crate's module read into the same
//! language-neutral facts as a TypeScript one, so the class model, the
//! rules, hover and navigation read it without knowing the language.
//!
//! - `#[durable_object]` (also `#[worker::durable_object]`, with or
//!   without arguments) on a struct: a Durable Object class, exported by
//!   the crate under the struct's name (the macro generates the
//!   JavaScript class the Worker exports, whatever module it is in);
//! - `impl DurableObject for X` (and `impl X`): its methods are the class's
//!   members, the handlers under their JavaScript names, and its
//!   `self.state.storage().set_alarm(…)`-style chains are the class body's
//!   state uses, named as JavaScript names them, so the source rules read
//!   them unchanged;
//! - `mod x;` (and `#[path = "…"] mod x;`): a module file, which the crate
//!   re-exports (`mod:x` / `mod:path=…` specifiers, resolved by
//!   `project::resolve`);
//! - `env.durable_object("BINDING")` (any receiver; the name also through a
//!   `const` string of the file): a namespace use of the binding;
//! - a macro invocation that mentions `durable_object` may define classes
//!   the engine cannot expand: the file's facts are cut (unknown, never
//!   absent).

use super::class_body::{Arg, ArgKind, Call, CtxUse, Member, MemberKind};
use super::facts::{ClassFact, Decl, EnvUse, ExportItem, FileFacts};
use super::node::{span_of as span, text_in as text_of, MAX_NODES};
use crate::text::Span;
use tree_sitter::{Node, Tree};

/// The contents of a Rust string literal node, and their span.
fn string_value(n: Node, src: &str) -> Option<(String, Span)> {
    if n.kind() != "string_literal" {
        return None;
    }
    let t = text_of(n, src);
    let inner = t.strip_prefix('"')?.strip_suffix('"')?;
    if inner.contains('\\') {
        return None;
    }
    Some((
        inner.to_string(),
        Span::new(n.start_byte() + 1, n.end_byte() - 1),
    ))
}

/// The attribute's path (`durable_object`, `worker::durable_object`,
/// `path`) and the attribute node.
fn attribute_name<'a>(item: Node, src: &'a str) -> Option<&'a str> {
    let attr = item.named_child(0).filter(|a| a.kind() == "attribute")?;
    let path = attr.named_child(0)?;
    Some(text_of(path, src))
}

/// The attribute items right before `n` (its preceding siblings).
fn attributes_before<'t>(n: Node<'t>) -> Vec<Node<'t>> {
    let mut out = Vec::new();
    let mut prev = n.prev_named_sibling();
    while let Some(p) = prev {
        match p.kind() {
            "attribute_item" => out.push(p),
            "line_comment" | "block_comment" => {}
            _ => break,
        }
        prev = p.prev_named_sibling();
    }
    out
}

fn is_durable_object_attr(path: &str) -> bool {
    path == "durable_object" || path.ends_with("::durable_object")
}

/// The SDK's handler methods, in Rust.
const HANDLERS: &[&str] = &[
    "fetch",
    "alarm",
    "websocket_message",
    "websocket_close",
    "websocket_error",
];

/// The SDK's Rust names of the runtime API, by their JavaScript names (the
/// rules and the API data speak JavaScript).
const NAMES: &[(&str, &str)] = &[
    ("set_alarm", "setAlarm"),
    ("get_alarm", "getAlarm"),
    ("delete_alarm", "deleteAlarm"),
    ("delete_all", "deleteAll"),
    ("delete_multiple", "delete"),
    ("get_multiple", "get"),
    ("put_multiple", "put"),
    ("accept_web_socket", "acceptWebSocket"),
    ("accept_websocket_with_tags", "acceptWebSocket"),
    ("get_websockets", "getWebSockets"),
    ("get_websockets_with_tag", "getWebSockets"),
    ("websocket_message", "webSocketMessage"),
    ("websocket_close", "webSocketClose"),
    ("websocket_error", "webSocketError"),
];

fn js_name(rust: &str) -> &str {
    NAMES
        .iter()
        .find(|(r, _)| *r == rust)
        .map(|(_, j)| *j)
        .unwrap_or(rust)
}

fn rust_name(js: &str) -> &str {
    NAMES
        .iter()
        .find(|(_, j)| *j == js)
        .map(|(r, _)| *r)
        .unwrap_or(js)
}

/// The method a call expression calls (`x.m(…)` → `m`), or "".
fn method_of<'a>(call: Node, src: &'a str) -> &'a str {
    call.child_by_field_name("function")
        .filter(|f| f.kind() == "field_expression")
        .and_then(|f| f.child_by_field_name("field"))
        .map(|f| text_of(f, src))
        .unwrap_or("")
}

/// The SDK's methods that stand for JavaScript properties.
const ACCESSORS: &[&str] = &["storage", "sql", "container"];

/// Uses of the state object in a method: chains of calls from an
/// expression named `state` or `ctx` (`self.state`, `state`), such as
/// `self.state.storage().sql().exec("…")` → `["storage", "sql", "exec"]`.
fn state_uses(out: &mut Vec<CtxUse>, method: Node, member: usize, src: &str) {
    let mut stack = vec![method];
    while let Some(n) = stack.pop() {
        let mut cur = n.walk();
        let kids: Vec<Node> = n.named_children(&mut cur).collect();
        stack.extend(kids.into_iter().rev());
        if n.kind() != "call_expression" {
            continue;
        }
        // An accessor (`storage()`, `sql()`: properties in JavaScript) is
        // a use only at the end of its chain (`let s = state.storage()`).
        let mut up = n.parent();
        while let Some(p) = up.filter(|p| matches!(p.kind(), "await_expression" | "try_expression"))
        {
            up = p.parent();
        }
        let inner = up.is_some_and(|p| {
            p.kind() == "field_expression"
                && p.parent().is_some_and(|g| g.kind() == "call_expression")
        });
        if inner && ACCESSORS.contains(&method_of(n, src)) {
            continue;
        }
        let mut path: Vec<String> = Vec::new();
        let mut name_span = None;
        let mut at = n;
        let root = loop {
            let Some(func) = at.child_by_field_name("function") else {
                break None;
            };
            if func.kind() != "field_expression" {
                break None;
            }
            let (Some(value), Some(field)) = (
                func.child_by_field_name("value"),
                func.child_by_field_name("field"),
            ) else {
                break None;
            };
            path.push(js_name(text_of(field, src)).to_string());
            name_span.get_or_insert(span(field));
            let mut v = value;
            while matches!(v.kind(), "await_expression" | "try_expression") {
                match v.named_child(0) {
                    Some(x) => v = x,
                    None => break,
                }
            }
            if v.kind() == "call_expression" {
                // Like JavaScript's uses, a chain ends at its first call
                // that is not an accessor: `get("k").await?.unwrap_or(0)`
                // is a use of `get`, and `unwrap_or` none.
                if !ACCESSORS.contains(&method_of(v, src)) {
                    break None;
                }
                at = v;
            } else {
                break Some(v);
            }
        };
        let Some(root) = root else { continue };
        let r = text_of(root, src);
        let is_state = r == "state" || r == "ctx" || r.ends_with(".state") || r.ends_with(".ctx");
        path.reverse();
        if !is_state || path.is_empty() {
            continue;
        }
        let args = n
            .child_by_field_name("arguments")
            .map(|a| {
                let mut c = a.walk();
                a.named_children(&mut c).map(|x| arg(x, src)).collect()
            })
            .unwrap_or_default();
        let mut nested = false;
        let mut up = n.parent();
        while let Some(p) = up {
            if p.id() == method.id() {
                break;
            }
            if p.kind() == "closure_expression" {
                nested = true;
            }
            up = p.parent();
        }
        out.push(CtxUse {
            path,
            span: span(n),
            name_span: name_span.unwrap_or(span(n)),
            called: Some(Call { args }),
            member: Some(member),
            via: None,
            in_block_concurrency: false,
            nested,
        });
    }
}

/// WebSockets a method opens or accepts: `WebSocket::connect(…)` (an
/// outgoing socket) and `x.accept()` on anything but the state object (the
/// standard API, which does not hibernate).
fn sockets(body: &mut super::class_body::ClassBody, method: Node, src: &str) {
    let mut stack = vec![method];
    while let Some(n) = stack.pop() {
        let mut cur = n.walk();
        stack.extend(n.named_children(&mut cur));
        if n.kind() != "call_expression" {
            continue;
        }
        let Some(func) = n.child_by_field_name("function") else {
            continue;
        };
        let no_args = n
            .child_by_field_name("arguments")
            .is_some_and(|a| a.named_child_count() == 0);
        match func.kind() {
            "scoped_identifier" => {
                let path = text_of(func, src);
                if path == "WebSocket::connect"
                    || path == "WebSocket::connect_with_protocols"
                    || path.ends_with("::WebSocket::connect")
                    || path.ends_with("::WebSocket::connect_with_protocols")
                {
                    body.new_websockets.push(span(n));
                }
            }
            "field_expression" if no_args => {
                let (Some(value), Some(field)) = (
                    func.child_by_field_name("value"),
                    func.child_by_field_name("field"),
                ) else {
                    continue;
                };
                let r = text_of(value, src);
                let state =
                    r == "state" || r == "ctx" || r.ends_with(".state") || r.ends_with(".ctx");
                if text_of(field, src) == "accept" && !state {
                    body.accept_calls.push(span(n));
                }
            }
            _ => {}
        }
    }
    body.new_websockets.sort_by_key(|s| s.start);
    body.accept_calls.sort_by_key(|s| s.start);
}

/// The SDK's namespace, ID and stub methods that take a literal the
/// runtime checks, as (Rust name, JavaScript method, argument, option key):
/// the location hint, the jurisdiction, the hex ID.
const LITERAL_METHODS: &[(&str, &str, usize, Option<&str>)] = &[
    (
        "get_by_name_with_location_hint",
        "getByName",
        1,
        Some("locationHint"),
    ),
    (
        "get_stub_with_location_hint",
        "get",
        0,
        Some("locationHint"),
    ),
    (
        "unique_id_with_jurisdiction",
        "newUniqueId",
        0,
        Some("jurisdiction"),
    ),
    ("id_from_string", "idFromString", 0, None),
];

/// A call of one of [`LITERAL_METHODS`] with a string literal where the
/// runtime checks it: a use whose namespace is not known (no binding),
/// for the literal rules (DO501, DO502, DO504).
fn literal_use(func: Node, args: Node, src: &str) -> Option<EnvUse> {
    if func.kind() != "field_expression" {
        return None;
    }
    let name = text_of(func.child_by_field_name("field")?, src);
    let (_, js, at, key) = LITERAL_METHODS.iter().find(|(r, ..)| *r == name)?;
    let mut c = args.walk();
    let lit = args.named_children(&mut c).nth(*at)?;
    let (value, _) = string_value(lit, src)?;
    Some(EnvUse {
        binding: None,
        method: js.to_string(),
        span: span(lit),
        literals: vec![super::facts::LitArg {
            key: key.map(str::to_string),
            value,
            span: span(lit),
        }],
    })
}

fn arg(n: Node, src: &str) -> Arg {
    // `&server`, `&["a", "b"]`: the value borrowed.
    let n = if n.kind() == "reference_expression" {
        n.child_by_field_name("value").unwrap_or(n)
    } else {
        n
    };
    let kind = match n.kind() {
        "array_expression" => {
            let mut c = n.walk();
            ArgKind::Array {
                len: n.named_children(&mut c).count(),
                spread: false,
            }
        }
        "string_literal" => match string_value(n, src) {
            Some((v, _)) => ArgKind::Str(v),
            None => ArgKind::Other,
        },
        "integer_literal" | "float_literal" => ArgKind::Number,
        "boolean_literal" => ArgKind::Bool(text_of(n, src) == "true"),
        "closure_expression" => ArgKind::Function,
        _ => ArgKind::Other,
    };
    Arg {
        span: span(n),
        kind,
    }
}

/// A module's facts.
pub fn facts(src: &str, tree: &Tree) -> FileFacts {
    let root = tree.root_node();
    let mut f = FileFacts {
        has_errors: root.has_error(),
        ..FileFacts::default()
    };
    let mut consts: Vec<(String, String)> = Vec::new();
    let mut calls: Vec<(Node, Node)> = Vec::new();
    let mut impls: Vec<(String, Vec<String>)> = Vec::new();
    let mut handlers: Vec<(String, Option<String>)> = Vec::new();
    let mut bodies: Vec<(String, Node)> = Vec::new();
    // One walk with an explicit stack, bounded like the TypeScript one.
    let mut stack = vec![root];
    let mut steps = 0usize;
    while let Some(n) = stack.pop() {
        steps += 1;
        if steps > MAX_NODES {
            f.cut = Some("the file is too large to read whole".into());
            break;
        }
        match n.kind() {
            "struct_item" => {
                let attr = attributes_before(n)
                    .into_iter()
                    .find(|a| attribute_name(*a, src).is_some_and(is_durable_object_attr));
                if let (Some(attr), Some(name)) = (attr, n.child_by_field_name("name")) {
                    // `#[durable_object(fetch, alarm)]` generates only the
                    // handlers it names.
                    let args = attr
                        .named_child(0)
                        .and_then(|a| a.child_by_field_name("arguments"))
                        .map(|t| text_of(t, src).to_string());
                    handlers.push((text_of(name, src).to_string(), args));
                    let name_s = text_of(name, src).to_string();
                    let idx = f.classes.len();
                    f.classes.push(ClassFact {
                        name: Some(name_s.clone()),
                        name_span: span(name),
                        span: span(n),
                        base: None,
                        base_span: None,
                        methods: Vec::new(),
                        body: Default::default(),
                        defaulted: Vec::new(),
                    });
                    f.decls
                        .insert(name_s.clone(), (Decl::Class(idx), span(name)));
                    f.exports.push(ExportItem::Local {
                        exported: name_s.clone(),
                        local: name_s,
                        span: span(name),
                    });
                }
            }
            "mod_item" if n.child_by_field_name("body").is_none() => {
                if let Some(name) = n.child_by_field_name("name") {
                    let path = attributes_before(n).iter().find_map(|a| {
                        if attribute_name(*a, src) != Some("path") {
                            return None;
                        }
                        let attr = a.named_child(0)?;
                        let mut cur = attr.walk();
                        let lit = attr
                            .named_children(&mut cur)
                            .find(|c| c.kind() == "string_literal")?;
                        string_value(lit, src).map(|(v, _)| v)
                    });
                    let source = match path {
                        Some(p) => format!("mod:path={p}"),
                        None => format!("mod:{}", text_of(name, src)),
                    };
                    f.exports.push(ExportItem::Star {
                        source,
                        span: span(n),
                    });
                }
            }
            "impl_item" => {
                if let (Some(ty), Some(body)) =
                    (n.child_by_field_name("type"), n.child_by_field_name("body"))
                {
                    bodies.push((text_of(ty, src).to_string(), body));
                }
                let is_do = n.child_by_field_name("trait").is_some_and(|t| {
                    let t = text_of(t, src);
                    t == "DurableObject" || t.ends_with("::DurableObject")
                });
                if let (true, Some(ty), Some(body)) = (
                    is_do,
                    n.child_by_field_name("type"),
                    n.child_by_field_name("body"),
                ) {
                    let mut names = Vec::new();
                    let mut cur = body.walk();
                    for item in body.named_children(&mut cur) {
                        if item.kind() == "function_item" {
                            if let Some(fname) = item.child_by_field_name("name") {
                                names.push(text_of(fname, src).to_string());
                            }
                        }
                    }
                    impls.push((text_of(ty, src).to_string(), names));
                }
            }
            "const_item" | "static_item" => {
                if let (Some(name), Some(value)) = (
                    n.child_by_field_name("name"),
                    n.child_by_field_name("value"),
                ) {
                    if let Some((v, _)) = string_value(value, src) {
                        consts.push((text_of(name, src).to_string(), v));
                    }
                }
            }
            "call_expression" => {
                if let (Some(func), Some(args)) = (
                    n.child_by_field_name("function"),
                    n.child_by_field_name("arguments"),
                ) {
                    if func.kind() == "field_expression"
                        && func
                            .child_by_field_name("field")
                            .is_some_and(|x| text_of(x, src) == "durable_object")
                    {
                        calls.push((func, args));
                    }
                    if let Some(u) = literal_use(func, args, src) {
                        f.env_uses.push(u);
                    }
                }
            }
            "macro_invocation" => {
                // A macro named for Durable Objects, or one whose input
                // carries the attribute, may declare classes.
                let name = n
                    .child_by_field_name("macro")
                    .map(|m| text_of(m, src))
                    .unwrap_or("");
                let lower = name.to_ascii_lowercase();
                let t = text_of(n, src);
                if lower.contains("durable_object")
                    || lower.contains("durableobject")
                    || t.contains("#[durable_object")
                    || t.contains("::durable_object]")
                {
                    f.cut = Some(format!(
                        "`{name}!` may define Durable Objects, and macros are not expanded"
                    ));
                }
            }
            "macro_definition" => {
                if text_of(n, src).contains("#[durable_object") {
                    f.cut = Some(
                        "a `macro_rules!` here may define Durable Objects, and macros are not expanded"
                            .into(),
                    );
                }
                continue;
            }
            _ => {}
        }
        let mut cur = n.walk();
        let kids: Vec<Node> = n.named_children(&mut cur).collect();
        stack.extend(kids.into_iter().rev());
    }
    let mut implemented: Vec<String> = Vec::new();
    for (ty, names) in impls {
        if let Some(c) = f
            .classes
            .iter_mut()
            .find(|c| c.name.as_deref() == Some(&ty))
        {
            c.methods = names.iter().map(|n| js_name(n).to_string()).collect();
            implemented.push(ty);
        }
    }
    // Each class's body: its methods, in every `impl` of the type in this
    // file, and its uses of the state (`self.state.storage().set_alarm(…)`).
    for c in f.classes.iter_mut() {
        let Some(name) = c.name.clone() else { continue };
        let allowed = handlers
            .iter()
            .find(|(n, _)| *n == name)
            .and_then(|(_, a)| a.clone());
        // `#[durable_object(fetch)]` wires the constructor and `fetch`
        // only; `(alarm)` adds `alarm`, `(websocket)` the WebSocket
        // handlers; with no argument, all of them.
        let generated = |m: &str| match &allowed {
            None => true,
            Some(args) => {
                let key = if m.starts_with("websocket") {
                    "websocket"
                } else {
                    m
                };
                m == "fetch" || !HANDLERS.contains(&m) || args.contains(key)
            }
        };
        c.methods.retain(|m| generated(rust_name(m)));
        // A wired handler the `impl DurableObject` leaves out runs the
        // trait's default, which panics ("alarm() handler not implemented").
        if implemented.contains(&name) {
            c.defaulted = HANDLERS
                .iter()
                .map(|h| js_name(h))
                .filter(|h| {
                    *h != "fetch" && generated(rust_name(h)) && !c.methods.iter().any(|m| m == h)
                })
                .map(str::to_string)
                .collect();
        }
        for (_, body) in bodies.iter().filter(|(t, _)| *t == name) {
            let mut cur = body.walk();
            for item in body.named_children(&mut cur) {
                if item.kind() != "function_item" {
                    continue;
                }
                let Some(fname) = item.child_by_field_name("name") else {
                    continue;
                };
                let rust = text_of(fname, src);
                if !generated(rust) {
                    continue;
                }
                let member = c.body.members.len();
                let head = text_of(item, src);
                c.body.members.push(Member {
                    name: js_name(rust).to_string(),
                    name_span: span(fname),
                    span: span(item),
                    kind: MemberKind::Method,
                    is_static: false,
                    is_async: head.split('(').next().unwrap_or("").contains("async"),
                    has_body: item.child_by_field_name("body").is_some(),
                });
                state_uses(&mut c.body.ctx_uses, item, member, src);
                sockets(&mut c.body, item, src);
            }
        }
        c.body.ctx_uses.sort_by_key(|u| u.span.start);
    }
    for (func, args) in calls {
        // `durable_object("X")` returns a `Result`: a missing binding fails
        // the request only when the error propagates (`?`, `unwrap()`,
        // `expect(…)`); code that checks it handles it.
        let propagates = func
            .parent()
            .and_then(|call| call.parent())
            .is_some_and(|p| {
                p.kind() == "try_expression"
                    || p.kind() == "field_expression"
                        && p.child_by_field_name("field")
                            .is_some_and(|x| matches!(text_of(x, src), "unwrap" | "expect"))
            });
        if !propagates {
            continue;
        }
        let Some(arg) = args.named_child(0) else {
            continue;
        };
        let (binding, at) = match string_value(arg, src) {
            Some(v) => v,
            None if arg.kind() == "identifier" => {
                let name = text_of(arg, src);
                match consts.iter().find(|(c, _)| c == name) {
                    Some((_, v)) => (v.clone(), span(arg)),
                    None => continue,
                }
            }
            None => continue,
        };
        f.env_uses.push(EnvUse {
            binding: Some(binding),
            method: "durable_object".into(),
            span: at,
            literals: Vec::new(),
        });
    }
    f.env_uses.sort_by_key(|u| u.span.start);
    f
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::{parse, Lang};

    fn facts_of(src: &str) -> FileFacts {
        let tree = parse(Lang::Rust, src, None).unwrap();
        facts(src, &tree)
    }

    #[test]
    fn durable_object_structs_impls_mods_and_namespace_uses() {
        let src = r#"use worker::*;
mod counter;
#[path = "rooms/chat.rs"]
mod chat;
mod inline { pub fn f() {} }

const ROOM: &str = "ROOMS";

#[durable_object]
pub struct Counter { state: State }

#[worker::durable_object(fetch)]
pub struct Alarmed;

pub struct Plain;

#[durable_object]
impl DurableObject for Counter {
    fn new(state: State, _env: Env) -> Self { Self { state } }
    async fn fetch(&mut self, _req: Request) -> Result<Response> {
        let ns = self.env.durable_object("COUNTER")?;
        let other = env.durable_object(ROOM).unwrap();
        // handled: not a use that fails the request
        let checked = env.durable_object("MISSING");
        assert!(checked.is_err());
        Response::ok(format!("{} DurableObject", 1))
    }
}
"#;
        let f = facts_of(src);
        let names: Vec<_> = f.classes.iter().map(|c| c.name.clone().unwrap()).collect();
        assert_eq!(names, ["Counter", "Alarmed"]);
        assert_eq!(f.classes[0].methods, ["new", "fetch"]);
        let stars: Vec<String> = f
            .exports
            .iter()
            .filter_map(|e| match e {
                ExportItem::Star { source, .. } => Some(source.clone()),
                _ => None,
            })
            .collect();
        assert_eq!(stars, ["mod:counter", "mod:path=rooms/chat.rs"]);
        let uses: Vec<(&str, &str)> = f
            .env_uses
            .iter()
            .map(|u| {
                (
                    u.binding.as_deref().unwrap_or(""),
                    &src[u.span.start..u.span.end],
                )
            })
            .collect();
        assert_eq!(uses, [("COUNTER", "COUNTER"), ("ROOMS", "ROOM")]);
        assert!(f.cut.is_none());
    }

    #[test]
    fn a_macro_that_may_define_classes_cuts_the_facts() {
        let f = facts_of("instantiate_durable_object!(Chat, ChatInner);\n");
        assert!(f
            .cut
            .as_deref()
            .unwrap()
            .contains("instantiate_durable_object!"));
        let f = facts_of("fn f() { println!(\"a DurableObject and a durable_object\"); }\n");
        assert!(f.cut.is_none(), "a macro that only mentions the words");
    }
}
