//! Completion: a pure function of the analysed workspace (cross-file facts:
//! bindings, classes, backends), the document's live text and its tree, and
//! a byte offset.
//!
//! The context at the cursor comes from the live text, half-typed as it is:
//! the member chain before a `.` is read back from the text (`this.ctx.
//! storage.` is a syntax error the tree only recovers from), and the tree
//! gives the scope around it (the enclosing class and function, parameters,
//! declarations). Each step of a chain is typed from the API data's
//! `returns`, so `ctx.storage.sql.exec(…).` offers a cursor's members
//! whatever the variables are called.

use super::docs::{api, ApiMember};
use crate::config::classes::Backend;
use crate::config::lifecycle::{Lifecycle, Status};
use crate::project::symbols::{Fact, Resolver};
use crate::project::{fs::FileSystem, Workspace};
use crate::rules::model::ClassModel;
use crate::syntax::Lang;
use crate::text::Span;
use std::path::Path;
use tree_sitter::{Node, Tree};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Method,
    Property,
    /// A binding of `env`.
    Binding,
    Class,
    /// A handler or constructor to write into a class body.
    Snippet,
    /// A string value (a location hint, a class name in a config).
    Value,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Completion {
    pub label: String,
    pub kind: Kind,
    pub detail: String,
    /// Markdown.
    pub doc: String,
    /// The text to insert when it is not the label: a snippet (LSP snippet
    /// syntax) with its plain-text form for clients without snippets.
    pub snippet: Option<(String, String)>,
    /// Orders items: lower first.
    pub sort: u8,
    /// What the item replaces: the identifier (or string contents) typed so
    /// far, up to the cursor.
    pub replace: Span,
}

/// What completion reads besides the document: the analysed workspace and
/// each Worker's class models (by Worker index), when an analysis exists.
pub struct Scope<'a> {
    pub ws: &'a Workspace,
    pub fs: &'a dyn FileSystem,
    pub models: Vec<(usize, &'a [ClassModel])>,
}

impl Scope<'_> {
    /// Indexes of the Workers whose module graph holds `path`.
    pub(crate) fn workers_of(&self, path: &Path) -> Vec<usize> {
        (0..self.ws.workers.len())
            .filter(|&i| self.ws.workers[i].graph.contains(path))
            .collect()
    }

    pub(crate) fn models_of<'s>(
        &'s self,
        path: &Path,
    ) -> impl Iterator<Item = &'s ClassModel> + 's {
        let ws = self.workers_of(path);
        self.models
            .iter()
            .filter(move |(i, _)| ws.contains(i))
            .flat_map(|(_, m)| m.iter())
    }
}

fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$'
}

/// Completion in a source file at byte `offset`.
pub fn source(
    scope: Option<&Scope>,
    path: &Path,
    lang: Lang,
    text: &str,
    tree: &Tree,
    offset: usize,
) -> Vec<Completion> {
    let offset = offset.min(text.len());
    // The API data is the JavaScript API's (Rust has `complete_rust`).
    // Python Workers call the same API by its JavaScript names
    // (`self.ctx.storage.sql.exec`, `self.env.ROOMS.getByName`): members
    // after a `.` only.
    let python = lang == Lang::Python;
    if !(lang.is_js() || python) || !text.is_char_boundary(offset) {
        return Vec::new();
    }
    // A Python module no Worker reaches is some other program's.
    if python && scope.is_some_and(|s| s.workers_of(path).is_empty()) {
        return Vec::new();
    }
    let bytes = text.as_bytes();
    let mut start = offset;
    while start > 0 && is_ident(bytes[start - 1]) {
        start -= 1;
    }
    let replace = Span::new(start, offset);
    let cx = Cx {
        scope,
        path,
        text,
        tree,
        offset,
        typed: lang.is_typescript(),
    };
    if let Some(obj_end) = member_access(bytes, start) {
        let Some(chain) = chain_in(lang, text, obj_end) else {
            return Vec::new();
        };
        let ty = cx.resolve(&chain, 0);
        return cx.members(&ty, replace);
    }
    if python {
        return Vec::new();
    }
    if let Some(items) = cx.string_value() {
        return items;
    }
    cx.class_body(replace).unwrap_or_default()
}

/// The type of the object whose member starts at `member_start`, typed
/// along its chain as completion types it.
fn object_type(
    scope: Option<&Scope>,
    path: &Path,
    lang: Lang,
    text: &str,
    tree: &Tree,
    member_start: usize,
) -> Option<Ty> {
    let obj_end = member_access(text.as_bytes(), member_start)?;
    let chain = chain_in(lang, text, obj_end)?;
    let cx = Cx {
        scope,
        path,
        text,
        tree,
        offset: member_start,
        typed: lang.is_typescript(),
    };
    Some(cx.resolve(&chain, 0))
}

/// The API type of the object whose member starts at `member_start`
/// (`DurableObjectStorage` for `this.ctx.storage.get`).
pub fn owner_of_member(
    scope: Option<&Scope>,
    path: &Path,
    lang: Lang,
    text: &str,
    tree: &Tree,
    member_start: usize,
) -> Option<String> {
    match object_type(scope, path, lang, text, tree, member_start)? {
        Ty::Api(o) => Some(o),
        Ty::Namespace(_) => Some("DurableObjectNamespace".into()),
        Ty::Stub(_) => Some("DurableObjectStub".into()),
        _ => None,
    }
}

/// The binding whose stub the object of the member at `member_start` is
/// (`env.ROOMS.getByName(n).join` → `ROOMS`).
pub fn stub_of_member(
    scope: Option<&Scope>,
    path: &Path,
    lang: Lang,
    text: &str,
    tree: &Tree,
    member_start: usize,
) -> Option<String> {
    match object_type(scope, path, lang, text, tree, member_start)? {
        Ty::Stub(b) => Some(b),
        _ => None,
    }
}

/// The member chain ending at `end`, in JavaScript's terms: a Python
/// method's `self` is the class's `this`.
fn chain_in(lang: Lang, text: &str, end: usize) -> Option<Vec<Seg>> {
    let mut chain = chain_before(text, end)?;
    if lang == Lang::Python {
        if let Some(root) = chain.first_mut().filter(|r| r.name == "self") {
            root.name = "this".into();
        }
    }
    Some(chain)
}

/// The end of the object expression when `start` follows `.` or `?.`.
fn member_access(bytes: &[u8], start: usize) -> Option<usize> {
    let mut i = start;
    while i > 0 && matches!(bytes[i - 1], b' ' | b'\t' | b'\n' | b'\r') {
        i -= 1;
    }
    if i == 0 || bytes[i - 1] != b'.' {
        return None;
    }
    // `...spread` and a number's `1.` are not member accesses.
    if i >= 2
        && (bytes[i - 2] == b'.' || bytes[i - 2].is_ascii_digit() && !is_word_end(bytes, i - 2))
    {
        return None;
    }
    let mut end = i - 1;
    if end > 0 && bytes[end - 1] == b'?' {
        end -= 1;
    }
    Some(end)
}

/// Whether the digit at `i` ends an identifier (`a1.`), not a number (`1.`).
fn is_word_end(bytes: &[u8], i: usize) -> bool {
    let mut j = i + 1;
    while j > 0 && is_ident(bytes[j - 1]) {
        j -= 1;
    }
    !bytes[j].is_ascii_digit()
}

/// One step of a member chain: `name`, then `(…)` or `[…]` after it.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Seg {
    pub(crate) name: String,
    pub(crate) call: bool,
    pub(crate) index: bool,
    /// A `?` follows it (JavaScript's `?.`, Rust's `?` operator).
    pub(crate) tried: bool,
}

/// Reads the member chain ending at `end` backwards: `this.ctx.storage`,
/// `env.ROOMS.getByName(name)`, `sql.exec("…")`, `sockets[0]`, and Rust's
/// `storage().get::<u8>("k").await?`. `None` for an expression it cannot
/// read (a literal, a parenthesised expression).
pub(crate) fn chain_before(text: &str, end: usize) -> Option<Vec<Seg>> {
    let b = text.as_bytes();
    let mut i = end;
    let mut segs = Vec::new();
    let mut tried = false;
    loop {
        while i > 0 && (b[i - 1].is_ascii_whitespace() || b[i - 1] == b'?') {
            tried |= b[i - 1] == b'?';
            i -= 1;
        }
        let (mut call, mut index) = (false, false);
        while i > 0 && b[i - 1] == b'!' {
            i -= 1;
        }
        loop {
            match i.checked_sub(1).map(|j| b[j]) {
                Some(b')') => {
                    i = matching_open(b, i - 1, b'(', b')')?;
                    call = true;
                }
                Some(b']') => {
                    i = matching_open(b, i - 1, b'[', b']')?;
                    index = true;
                }
                // `get<T>(…)`, Rust's `get::<T>(…)`: type arguments
                Some(b'>') if call => {
                    i = matching_open(b, i - 1, b'<', b'>')?;
                    if i >= 2 && &b[i - 2..i] == b"::" {
                        i -= 2;
                    }
                }
                _ => break,
            }
            while i > 0 && b[i - 1].is_ascii_whitespace() {
                i -= 1;
            }
        }
        let name_end = i;
        while i > 0 && is_ident(b[i - 1]) {
            i -= 1;
        }
        if i == name_end || b[i].is_ascii_digit() {
            return None;
        }
        segs.push(Seg {
            name: text[i..name_end].to_string(),
            call,
            index,
            tried: std::mem::take(&mut tried),
        });
        let mut j = i;
        while j > 0 && b[j - 1].is_ascii_whitespace() {
            j -= 1;
        }
        if j > 0 && b[j - 1] == b'.' && !(j >= 2 && b[j - 2] == b'.') {
            i = j - 1;
            if segs.len() > 16 {
                return None;
            }
            continue;
        }
        segs.reverse();
        return Some(segs);
    }
}

/// The position of the `open` matching the `close` at `at`, skipping
/// nested pairs and string literals on the way back.
pub(crate) fn matching_open(b: &[u8], at: usize, open: u8, close: u8) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = at + 1;
    let mut quote: Option<u8> = None;
    let mut steps = 0;
    while i > 0 {
        i -= 1;
        steps += 1;
        if steps > 20_000 {
            return None;
        }
        let c = b[i];
        if let Some(q) = quote {
            if c == q && (i == 0 || b[i - 1] != b'\\') {
                quote = None;
            }
            continue;
        }
        match c {
            b'"' | b'\'' | b'`' => quote = Some(c),
            _ if c == close => depth += 1,
            _ if c == open => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// What an expression is, as far as completion needs.
#[derive(Clone, Debug, PartialEq)]
enum Ty {
    /// An API type of the data (`DurableObjectStorage`).
    Api(String),
    /// An array of an API type (`ctx.getWebSockets()`).
    Array(String),
    Env,
    /// A namespace of the binding.
    Namespace(String),
    /// A stub of the binding's class.
    Stub(String),
    /// `this` in a class (its name, when it has one).
    This,
    Unknown,
}

struct Cx<'a> {
    scope: Option<&'a Scope<'a>>,
    path: &'a Path,
    text: &'a str,
    tree: &'a Tree,
    offset: usize,
    typed: bool,
}

fn api_type(name: &str) -> Option<&'static str> {
    Some(match name {
        "DurableObjectState" => "DurableObjectState",
        "DurableObjectStorage" => "DurableObjectStorage",
        "SqlStorage" => "SqlStorage",
        "SqlStorageCursor" => "SqlStorageCursor",
        "SyncKvStorage" => "SyncKvStorage",
        "DurableObjectId" => "DurableObjectId",
        "WebSocket" => "WebSocket",
        "DurableObjectTransaction" => "DurableObjectTransaction",
        "AlarmInvocationInfo" => "AlarmInvocationInfo",
        "DurableObjectNamespace" => "DurableObjectNamespace",
        "DurableObjectStub" => "DurableObjectStub",
        _ => return None,
    })
}

/// A type from a name alone, for values whose declaration says nothing.
fn by_name(name: &str) -> Ty {
    match name {
        "env" => Ty::Env,
        "ctx" | "state" => Ty::Api("DurableObjectState".into()),
        "storage" => Ty::Api("DurableObjectStorage".into()),
        "sql" => Ty::Api("SqlStorage".into()),
        "cursor" => Ty::Api("SqlStorageCursor".into()),
        "ws" | "socket" | "webSocket" | "websocket" => Ty::Api("WebSocket".into()),
        "alarmInfo" => Ty::Api("AlarmInvocationInfo".into()),
        "txn" | "tx" => Ty::Api("DurableObjectTransaction".into()),
        _ => Ty::Unknown,
    }
}

impl<'a> Cx<'a> {
    fn node_text(&self, n: Node) -> &'a str {
        self.text.get(n.byte_range()).unwrap_or("")
    }

    /// The innermost named node around the cursor.
    fn at_cursor(&self) -> Option<Node<'a>> {
        let at = self.offset.saturating_sub(1);
        self.tree
            .root_node()
            .named_descendant_for_byte_range(at, at)
    }

    fn enclosing(&self, kinds: &[&str]) -> Option<Node<'a>> {
        let mut n = self.at_cursor()?;
        loop {
            if kinds.contains(&n.kind()) {
                return Some(n);
            }
            n = n.parent()?;
        }
    }

    /// The class around the cursor, and its name.
    fn class(&self) -> Option<(Node<'a>, Option<&'a str>)> {
        let c = self.enclosing(&["class_declaration", "class", "abstract_class_declaration"])?;
        let name = c.child_by_field_name("name").map(|n| self.node_text(n));
        Some((c, name))
    }

    /// The backend every model gives the class around the cursor, when
    /// they agree.
    fn backend(&self) -> Option<Backend> {
        let (_, name) = self.class()?;
        let name = name?;
        let scope = self.scope?;
        let mut found: Option<Backend> = None;
        for m in scope.models_of(self.path) {
            for c in &m.classes {
                let declared = c
                    .fact(scope.ws)
                    .and_then(|f| f.name.as_deref())
                    .unwrap_or(&c.name);
                if c.file != self.path || declared != name {
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

    fn resolve(&self, chain: &[Seg], depth: usize) -> Ty {
        let Some((root, rest)) = chain.split_first() else {
            return Ty::Unknown;
        };
        let mut ty = if root.name == "this" {
            Ty::This
        } else {
            let t = self.variable(&root.name, depth);
            if root.call {
                Ty::Unknown
            } else {
                t
            }
        };
        if root.index {
            ty = element(ty);
        }
        for seg in rest {
            ty = self.member(&ty, &seg.name, depth);
            if seg.index {
                ty = element(ty);
            }
        }
        ty
    }

    fn member(&self, ty: &Ty, name: &str, depth: usize) -> Ty {
        match ty {
            Ty::This => self.field(name, depth).unwrap_or_else(|| match name {
                "ctx" | "state" => Ty::Api("DurableObjectState".into()),
                "env" => Ty::Env,
                "storage" => Ty::Api("DurableObjectStorage".into()),
                "sql" => Ty::Api("SqlStorage".into()),
                _ => Ty::Unknown,
            }),
            Ty::Env => {
                if self.do_binding(name) {
                    Ty::Namespace(name.to_string())
                } else {
                    Ty::Unknown
                }
            }
            Ty::Namespace(b) => match name {
                "get" | "getByName" => Ty::Stub(b.clone()),
                "jurisdiction" => Ty::Namespace(b.clone()),
                "idFromName" | "idFromString" | "newUniqueId" => Ty::Api("DurableObjectId".into()),
                _ => Ty::Unknown,
            },
            Ty::Stub(_) if name == "id" => Ty::Api("DurableObjectId".into()),
            Ty::Api(owner) => returns(owner, name),
            // `c.env` (Hono), `this.env`, `ctx.env`
            _ if name == "env" => Ty::Env,
            _ => Ty::Unknown,
        }
    }

    /// `this.name`'s type from an assignment `this.name = …` in the class.
    fn field(&self, name: &str, depth: usize) -> Option<Ty> {
        if depth > 4 {
            return None;
        }
        let (class, _) = self.class()?;
        let mut found = None;
        visit(class, &mut |n| {
            if found.is_some() || n.kind() != "assignment_expression" {
                return found.is_none();
            }
            let (Some(l), Some(r)) = (
                n.child_by_field_name("left"),
                n.child_by_field_name("right"),
            ) else {
                return true;
            };
            if self.node_text(l).replace(char::is_whitespace, "") == format!("this.{name}") {
                found = Some(self.value_type(r, depth + 1));
            }
            true
        });
        found.filter(|t| *t != Ty::Unknown)
    }

    /// A value's type from its expression.
    fn value_type(&self, mut v: Node, depth: usize) -> Ty {
        while matches!(
            v.kind(),
            "await_expression"
                | "parenthesized_expression"
                | "as_expression"
                | "non_null_expression"
        ) {
            match v.named_child(0) {
                Some(c) => v = c,
                None => return Ty::Unknown,
            }
        }
        if v.kind() == "new_expression" {
            return Ty::Unknown;
        }
        match chain_before(self.text, v.end_byte()) {
            Some(chain) => self.resolve(&chain, depth + 1),
            None => Ty::Unknown,
        }
    }

    /// A variable's type: its declaration before the cursor, else a
    /// parameter of an enclosing function, else its name.
    fn variable(&self, name: &str, depth: usize) -> Ty {
        if depth > 4 {
            return by_name(name);
        }
        if let Some(t) = self.declared(name, depth) {
            return t;
        }
        if let Some(t) = self.parameter(name) {
            return t;
        }
        by_name(name)
    }

    /// The type of the nearest `const/let/var name = …` (or `for (const
    /// name of …)`) before the cursor in an enclosing block.
    fn declared(&self, name: &str, depth: usize) -> Option<Ty> {
        let mut n = self.at_cursor()?;
        loop {
            if matches!(
                n.kind(),
                "statement_block" | "program" | "class_body" | "for_in_statement"
            ) {
                let mut best: Option<Node> = None;
                let mut destructured: Option<String> = None;
                let mut of_loop: Option<Node> = None;
                let mut cur = n.walk();
                for child in n.named_children(&mut cur) {
                    if child.start_byte() >= self.offset {
                        break;
                    }
                    if matches!(child.kind(), "lexical_declaration" | "variable_declaration") {
                        let mut c2 = child.walk();
                        for d in child.named_children(&mut c2) {
                            if d.kind() != "variable_declarator" {
                                continue;
                            }
                            let Some(target) = d.child_by_field_name("name") else {
                                continue;
                            };
                            if self.node_text(target) == name {
                                best = d.child_by_field_name("value");
                                destructured = None;
                            } else if target.kind() == "object_pattern" {
                                // `const { storage } = this.ctx`, `{ storage: s }`
                                if let Some(prop) = self.pattern_property(target, name) {
                                    best = d.child_by_field_name("value");
                                    destructured = Some(prop);
                                }
                            }
                        }
                    }
                }
                if n.kind() == "for_in_statement"
                    && n.child_by_field_name("left")
                        .is_some_and(|l| self.node_text(l) == name)
                {
                    of_loop = n.child_by_field_name("right");
                }
                if let Some(v) = best {
                    let t = self.value_type(v, depth);
                    return Some(match destructured {
                        Some(prop) => self.member(&t, &prop, depth),
                        None => t,
                    });
                }
                if let Some(r) = of_loop {
                    return Some(element(self.value_type(r, depth)));
                }
            }
            n = n.parent()?;
        }
    }

    /// The property an object pattern binds to `name`: `{ storage }` and
    /// `{ storage: name }` give `storage`.
    fn pattern_property(&self, pattern: Node, name: &str) -> Option<String> {
        let mut cur = pattern.walk();
        for p in pattern.named_children(&mut cur) {
            match p.kind() {
                "shorthand_property_identifier_pattern" if self.node_text(p) == name => {
                    return Some(name.to_string());
                }
                "pair_pattern" => {
                    let value = p.child_by_field_name("value")?;
                    if self.node_text(value) == name {
                        let key = p.child_by_field_name("key")?;
                        return Some(self.node_text(key).to_string());
                    }
                }
                _ => {}
            }
        }
        None
    }

    /// The type of a parameter `name` of an enclosing function: from its
    /// annotation, else from the handler or constructor it belongs to.
    fn parameter(&self, name: &str) -> Option<Ty> {
        let mut n = self.at_cursor()?;
        loop {
            if let Some(params) = n.child_by_field_name("parameters") {
                let mut cur = params.walk();
                for (i, p) in params.named_children(&mut cur).enumerate() {
                    let id = p.child_by_field_name("pattern").unwrap_or(p);
                    if self.node_text(id) != name {
                        continue;
                    }
                    if let Some(t) = p.child_by_field_name("type") {
                        let t = self.node_text(t).trim_start_matches(':').trim();
                        let t = t.split('<').next().unwrap_or(t).trim();
                        if let Some(a) = api_type(t) {
                            return Some(Ty::Api(a.into()));
                        }
                        if t == "Env" {
                            return Some(Ty::Env);
                        }
                    }
                    let method = n
                        .child_by_field_name("name")
                        .map(|m| self.node_text(m))
                        .unwrap_or("");
                    return Some(match (method, i) {
                        ("webSocketMessage" | "webSocketClose" | "webSocketError", 0) => {
                            Ty::Api("WebSocket".into())
                        }
                        ("alarm", 0) => Ty::Api("AlarmInvocationInfo".into()),
                        ("constructor", 0) => Ty::Api("DurableObjectState".into()),
                        ("constructor", 1) | ("fetch" | "scheduled" | "queue", 1) => Ty::Env,
                        _ => by_name(name),
                    });
                }
            }
            n = n.parent()?;
        }
    }

    /// Whether some Worker that reaches this file binds a Durable Object
    /// namespace `name`; without an analysis, any name.
    fn do_binding(&self, name: &str) -> bool {
        let Some(scope) = self.scope else { return true };
        let workers = scope.workers_of(self.path);
        if workers.is_empty() {
            return true;
        }
        workers.iter().any(|&i| {
            scope.ws.workers[i].config.variants().iter().any(|v| {
                v.durable_objects()
                    .iter()
                    .any(|b| b.name.as_ref().is_some_and(|n| n.value == name))
            })
        })
    }

    fn members(&self, ty: &Ty, replace: Span) -> Vec<Completion> {
        match ty {
            Ty::Api(owner) => self.api_members(owner, replace),
            Ty::Namespace(_) => self.api_members("DurableObjectNamespace", replace),
            Ty::Stub(b) => {
                let mut out = self.api_members("DurableObjectStub", replace);
                out.extend(self.rpc_methods(b, replace));
                out
            }
            Ty::Env => self.bindings(replace),
            _ => Vec::new(),
        }
    }

    fn api_members(&self, owner: &str, replace: Span) -> Vec<Completion> {
        let kv = self.backend() == Some(Backend::Kv);
        api()
            .iter()
            .filter(|m| m.owner == owner && m.kind != "constructor")
            .filter(|m| m.name.starts_with(|c: char| c.is_ascii_lowercase()))
            .filter(|m| m.name != "iterator")
            .filter(|m| !(kv && m.backend == "sqlite"))
            .map(|m| member_item(m, replace))
            .collect()
    }

    /// The public methods of the class a binding names (RPC on a stub).
    fn rpc_methods(&self, binding: &str, replace: Span) -> Vec<Completion> {
        let Some(scope) = self.scope else {
            return Vec::new();
        };
        let mut out: Vec<Completion> = Vec::new();
        for m in scope.models_of(self.path) {
            let Some(c) = m.by_binding(binding) else {
                continue;
            };
            let Some(f) = c.fact(scope.ws) else { continue };
            for name in &f.methods {
                let handler = api()
                    .iter()
                    .any(|m| m.owner == "handler" && m.name == *name);
                if handler || name == "constructor" || name.starts_with('#') {
                    continue;
                }
                if out.iter().any(|o| o.label == *name) {
                    continue;
                }
                out.push(Completion {
                    label: name.clone(),
                    kind: Kind::Method,
                    detail: format!("RPC method of {}", c.name),
                    doc: format!(
                        "Calls `{}.{name}()` on the Durable Object over RPC; the result is a Promise.",
                        c.name
                    ),
                    snippet: None,
                    sort: 0,
                    replace,
                });
            }
        }
        out
    }

    /// `env.` — the bindings of every Worker that reaches the file:
    /// Durable Object namespaces first, with their class and backend.
    fn bindings(&self, replace: Span) -> Vec<Completion> {
        self.scope
            .map(|s| binding_items(s, self.path, replace, "DurableObjectNamespace", true))
            .unwrap_or_default()
    }

    /// Values inside a string: `locationHint: "…"` and `jurisdiction("…")`.
    fn string_value(&self) -> Option<Vec<Completion>> {
        let n = self.at_cursor()?;
        let s = if n.kind() == "string" {
            n
        } else {
            n.parent().filter(|p| p.kind() == "string")?
        };
        let parent = s.parent()?;
        let key = match parent.kind() {
            "pair" => parent
                .child_by_field_name("key")
                .map(|k| self.node_text(k).trim_matches(['"', '\'']).to_string())?,
            "arguments" => {
                let call = parent.parent()?;
                let f = call.child_by_field_name("function")?;
                let f = f.child_by_field_name("property").unwrap_or(f);
                self.node_text(f).to_string()
            }
            _ => return None,
        };
        let (values, what): (&[(&str, &str)], &str) = match key.as_str() {
            "locationHint" => (
                &[
                    ("wnam", "Western North America"),
                    ("enam", "Eastern North America"),
                    ("sam", "South America (placed in a nearby region)"),
                    ("weur", "Western Europe"),
                    ("eeur", "Eastern Europe"),
                    ("apac", "Asia-Pacific"),
                    ("apac-ne", "Northeast Asia-Pacific"),
                    ("apac-se", "Southeast Asia-Pacific"),
                    ("oc", "Oceania"),
                    ("afr", "Africa (placed in a nearby region)"),
                    ("me", "Middle East (placed in a nearby region)"),
                ],
                "location hint: best effort, honoured by the first `get` only",
            ),
            "jurisdiction" => (
                &[
                    ("eu", "European Union"),
                    ("us", "United States"),
                    ("fedramp", "FedRAMP-Moderate"),
                ],
                "jurisdiction: the object runs and stores data only inside it",
            ),
            _ => return None,
        };
        // Replace the string's contents typed so far.
        let inner = Span::new(s.start_byte() + 1, self.offset.max(s.start_byte() + 1));
        Some(
            values
                .iter()
                .map(|(v, d)| Completion {
                    label: v.to_string(),
                    kind: Kind::Value,
                    detail: d.to_string(),
                    doc: format!("`{v}`: {d}. A {what}. [Cloudflare docs](https://developers.cloudflare.com/durable-objects/reference/data-location/)"),
                    snippet: None,
                    sort: 0,
                    replace: inner,
                })
                .collect(),
        )
    }

    /// At a member's name in the body of a Durable Object class: the
    /// handlers (and the constructor) it does not have yet.
    fn class_body(&self, replace: Span) -> Option<Vec<Completion>> {
        let mut n = self.at_cursor()?;
        // From the word typed (or the body itself) up to the class body,
        // through nothing but a member being written.
        let body = loop {
            match n.kind() {
                "class_body" => break n,
                "property_identifier"
                | "identifier"
                | "public_field_definition"
                | "field_definition"
                | "ERROR" => {}
                "method_definition"
                    if n.child_by_field_name("name").is_some_and(|m| {
                        m.start_byte() <= replace.start && replace.end <= m.end_byte()
                    }) => {}
                _ => return None,
            }
            n = n.parent()?;
        };
        if body.start_byte() >= replace.start {
            return None;
        }
        let class = body.parent()?;
        if !self.is_do_class(class) {
            return None;
        }
        let mut have: Vec<&str> = Vec::new();
        let mut cur = body.walk();
        for m in body.named_children(&mut cur) {
            if m.kind() == "method_definition" {
                if let Some(name) = m.child_by_field_name("name") {
                    // the member being typed does not count
                    if name.end_byte() != replace.end {
                        have.push(self.node_text(name));
                    }
                }
            }
        }
        let typed = self.typed;
        let mut out = Vec::new();
        for (name, ts, js, sort) in HANDLERS {
            if have.contains(name) {
                continue;
            }
            let body = if typed { *ts } else { *js };
            let plain = strip_placeholders(body);
            let doc = if *name == "constructor" {
                api()
                    .iter()
                    .find(|m| m.owner == "DurableObject" && m.name == "constructor")
                    .map(|m| m.markdown())
            } else {
                api()
                    .iter()
                    .find(|m| m.owner == "handler" && m.name == *name)
                    .map(|m| m.markdown())
            }
            .unwrap_or_default();
            out.push(Completion {
                label: name.to_string(),
                kind: Kind::Snippet,
                detail: if *name == "constructor" {
                    "constructor calling super(ctx, env)".into()
                } else {
                    format!("{name} handler")
                },
                doc,
                snippet: Some((body.to_string(), plain)),
                sort: *sort,
                replace,
            });
        }
        Some(out)
    }

    /// Whether `class` extends a Durable Object base, or the class model
    /// knows it as one.
    fn is_do_class(&self, class: Node) -> bool {
        let heritage = {
            let mut cur = class.walk();
            let found = class
                .named_children(&mut cur)
                .find(|c| c.kind() == "class_heritage")
                .map(|h| self.node_text(h).to_string());
            found
        };
        // `extends DurableObject` (or `DurableObject<Env>`) as written;
        // framework bases (an Agent, a Container) through the class model.
        let direct = heritage.as_deref().is_some_and(|h| {
            let base = h.trim_start_matches("extends").trim();
            base == "DurableObject" || base.starts_with("DurableObject<")
        });
        if direct {
            return true;
        }
        let name = class.child_by_field_name("name").map(|n| self.node_text(n));
        match (self.scope, name) {
            (Some(scope), Some(name)) => scope.models_of(self.path).any(|m| {
                m.classes.iter().any(|c| {
                    c.file == self.path
                        && c.fact(scope.ws).and_then(|f| f.name.as_deref()) == Some(name)
                })
            }),
            _ => false,
        }
    }
}

/// The snippets of the handlers a Durable Object class can define:
/// (name, TypeScript body, JavaScript body, sort).
const HANDLERS: &[(&str, &str, &str, u8)] = &[
    (
        "constructor",
        "constructor(ctx: DurableObjectState, env: Env) {\n\tsuper(ctx, env);\n\tctx.blockConcurrencyWhile(async () => {\n\t\t$0\n\t});\n}",
        "constructor(ctx, env) {\n\tsuper(ctx, env);\n\tctx.blockConcurrencyWhile(async () => {\n\t\t$0\n\t});\n}",
        0,
    ),
    (
        "fetch",
        "async fetch(request: Request): Promise<Response> {\n\t$0\n}",
        "async fetch(request) {\n\t$0\n}",
        0,
    ),
    (
        "alarm",
        "async alarm(alarmInfo?: AlarmInvocationInfo): Promise<void> {\n\t$0\n}",
        "async alarm(alarmInfo) {\n\t$0\n}",
        0,
    ),
    (
        "webSocketMessage",
        "async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {\n\t$0\n}",
        "async webSocketMessage(ws, message) {\n\t$0\n}",
        0,
    ),
    (
        "webSocketClose",
        "async webSocketClose(ws: WebSocket, code: number, reason: string, wasClean: boolean): Promise<void> {\n\t$0\n}",
        "async webSocketClose(ws, code, reason, wasClean) {\n\t$0\n}",
        0,
    ),
    (
        "webSocketError",
        "async webSocketError(ws: WebSocket, error: unknown): Promise<void> {\n\t$0\n}",
        "async webSocketError(ws, error) {\n\t$0\n}",
        0,
    ),
];

/// A snippet's plain text: `$0` and `${n:x}` placeholders removed.
fn strip_placeholders(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        rest = &rest[i + 1..];
        if let Some(r) = rest.strip_prefix('{') {
            let colon = r.find(':').map(|c| c + 1).unwrap_or(0);
            let close = r.find('}').unwrap_or(r.len());
            out.push_str(&r[colon.min(close)..close]);
            rest = r.get(close + 1..).unwrap_or("");
        } else {
            rest = rest.trim_start_matches(|c: char| c.is_ascii_digit());
        }
    }
    out.push_str(rest);
    out
}

fn element(t: Ty) -> Ty {
    match t {
        Ty::Array(o) => Ty::Api(o),
        _ => Ty::Unknown,
    }
}

/// The type `owner.name` holds or gives, from the API data.
fn returns(owner: &str, name: &str) -> Ty {
    let Some(m) = api().iter().find(|m| m.owner == owner && m.name == name) else {
        return Ty::Unknown;
    };
    match m.returns.strip_suffix("[]") {
        Some(el) => Ty::Array(el.to_string()),
        None if m.returns.is_empty() => Ty::Unknown,
        None => Ty::Api(m.returns.clone()),
    }
}

fn member_item(m: &ApiMember, replace: Span) -> Completion {
    let kind = if m.kind == "property" {
        Kind::Property
    } else {
        Kind::Method
    };
    let undocumented = m.summary.contains("not documented") || m.details.contains("not documented");
    Completion {
        label: m.name.clone(),
        kind,
        detail: m.signature.lines().next().unwrap_or("").to_string(),
        doc: m.markdown(),
        snippet: None,
        sort: if undocumented { 2 } else { 0 },
        replace,
    }
}

/// The bindings of every Worker that reaches `path`: Durable Object
/// namespaces first (labelled `namespace`, with their class and backend),
/// then, with `others`, the other bindings.
pub(crate) fn binding_items(
    scope: &Scope,
    path: &Path,
    replace: Span,
    namespace: &str,
    others: bool,
) -> Vec<Completion> {
    let mut out: Vec<Completion> = Vec::new();
    for i in scope.workers_of(path) {
        let w = &scope.ws.workers[i];
        let models = scope
            .models
            .iter()
            .find(|(j, _)| *j == i)
            .map(|(_, m)| *m)
            .unwrap_or(&[]);
        for v in w.config.variants() {
            for b in v.durable_objects() {
                let Some(name) = b.name.as_ref().map(|n| n.value.clone()) else {
                    continue;
                };
                if out.iter().any(|o| o.label == name) {
                    continue;
                }
                let class = b
                    .class_name
                    .as_ref()
                    .map(|c| c.value.clone())
                    .unwrap_or_default();
                let backend = models
                    .iter()
                    .find(|m| m.env.as_deref() == v.env_name())
                    .and_then(|m| m.by_binding(&name))
                    .and_then(|c| c.backend);
                let storage = match backend {
                    Some(Backend::Sqlite) => ", SQLite",
                    Some(Backend::Kv) => ", KV",
                    None => "",
                };
                let script = b
                    .script_name
                    .as_ref()
                    .map(|s| format!(" in Worker `{}`", s.value))
                    .unwrap_or_default();
                out.push(Completion {
                    detail: format!("{namespace} → {class}{storage}{script}"),
                    doc: format!(
                        "Durable Object binding `{name}` of {}: the namespace of class `{class}`{script}.",
                        w.config.file_name()
                    ),
                    label: name,
                    kind: Kind::Binding,
                    snippet: None,
                    sort: 0,
                    replace,
                });
            }
            for b in v.other_bindings().iter().filter(|_| others) {
                if out.iter().any(|o| o.label == b.name) {
                    continue;
                }
                out.push(Completion {
                    label: b.name.clone(),
                    kind: Kind::Binding,
                    detail: b.type_label.to_string(),
                    doc: format!("{} binding of {}.", b.type_label, w.config.file_name()),
                    snippet: None,
                    sort: 1,
                    replace,
                });
            }
        }
    }
    out
}

/// Calls `f` on `n` and its descendants (pre-order) while it returns true,
/// with an explicit stack.
fn visit<'t>(n: Node<'t>, f: &mut impl FnMut(Node<'t>) -> bool) {
    let mut stack = vec![n];
    let mut steps = 0usize;
    while let Some(n) = stack.pop() {
        steps += 1;
        if steps > 200_000 || !f(n) {
            return;
        }
        let mut cur = n.walk();
        let kids: Vec<Node> = n.named_children(&mut cur).collect();
        stack.extend(kids.into_iter().rev());
    }
}

// ---------------------------------------------------------------------------
// Configs
// ---------------------------------------------------------------------------

/// Completion inside a string value of a config at `offset`: class names,
/// Worker names. Read from the text, which is often not valid while typed.
pub fn config(scope: &Scope, worker: usize, text: &str, offset: usize) -> Vec<Completion> {
    let offset = offset.min(text.len());
    if !text.is_char_boundary(offset) {
        return Vec::new();
    }
    let Some((open, key)) = string_key(text, offset) else {
        return config_keys(scope, worker, text, offset);
    };
    let replace = Span::new(open + 1, offset);
    if let Some(values) = enum_values(&key) {
        return values
            .iter()
            .map(|(v, d)| Completion {
                label: v.to_string(),
                kind: Kind::Value,
                detail: d.to_string(),
                doc: String::new(),
                snippet: None,
                sort: 0,
                replace,
            })
            .collect();
    }
    let w = &scope.ws.workers[worker];
    let variants = w.config.variants();
    let lc = variants.first().map(Lifecycle::of);
    // The Durable Object classes the entry exports, by exported name.
    let exported = || -> Vec<(String, String)> {
        let Some(entry) = w.entries.first().and_then(|e| e.source()) else {
            return Vec::new();
        };
        let res = Resolver::new(scope.ws, scope.fs);
        let mut names: Vec<(String, String)> = Vec::new();
        for (i, models) in &scope.models {
            if *i != worker {
                continue;
            }
            for m in models.iter() {
                for c in &m.classes {
                    if names.iter().any(|(n, _)| *n == c.name) {
                        continue;
                    }
                    if let Fact::Known(sym) = res.export(entry, &c.name) {
                        let file = sym
                            .file
                            .strip_prefix(w.dir())
                            .unwrap_or(&sym.file)
                            .display()
                            .to_string();
                        names.push((c.name.clone(), file));
                    }
                }
            }
        }
        names
    };
    let value = |name: &str, detail: String| Completion {
        label: name.to_string(),
        kind: Kind::Class,
        detail,
        doc: String::new(),
        snippet: None,
        sort: 0,
        replace,
    };
    match key.as_str() {
        "class_name" => exported()
            .into_iter()
            .map(|(n, f)| {
                value(
                    &n,
                    format!("Durable Object class exported by the entry ({f})"),
                )
            })
            .collect(),
        "new_sqlite_classes" | "new_classes" => {
            let created = |n: &str| lc.as_ref().is_some_and(|l| l.classes.contains_key(n));
            exported()
                .into_iter()
                .filter(|(n, _)| !created(n))
                .map(|(n, f)| value(&n, format!("not created yet; declared in {f}")))
                .collect()
        }
        "deleted_classes" | "from" => lc
            .iter()
            .flat_map(|l| l.classes.values())
            .filter(|r| r.status == Status::Live)
            .map(|r| {
                value(
                    &r.name,
                    format!(
                        "live, {} storage, created by {}",
                        if r.sqlite { "SQLite" } else { "KV" },
                        r.created.label
                    ),
                )
            })
            .collect(),
        "script_name" => {
            let mut out: Vec<Completion> = Vec::new();
            for other in scope.ws.workers.iter() {
                let Some(n) = other.config.top.name.as_ref() else {
                    continue;
                };
                if out.iter().any(|o| o.label == n.value) {
                    continue;
                }
                out.push(value(
                    &n.value,
                    format!("Worker of {}", other.config.path.display()),
                ));
            }
            out
        }
        _ => Vec::new(),
    }
}

/// The values a lifecycle key takes (wrangler's validation lists them).
fn enum_values(key: &str) -> Option<&'static [(&'static str, &'static str)]> {
    Some(match key {
        "state" => &[
            ("created", "the class is live (the default)"),
            ("deleted", "the class and its objects' data are deleted"),
            ("renamed", "the class now lives under `renamed_to`"),
            (
                "transferred",
                "the class moved to another Worker (`transferred_to`)",
            ),
            (
                "expecting-transfer",
                "the class arrives from another Worker (`transfer_from`)",
            ),
        ],
        "type" => &[
            (
                "durable-object",
                "a Durable Object class: takes part in the lifecycle",
            ),
            ("worker", "a WorkerEntrypoint"),
            ("workflow", "a Workflow"),
        ],
        "storage" => &[
            (
                "sqlite",
                "SQLite-backed storage (the SQL API, point-in-time recovery)",
            ),
            (
                "legacy-kv",
                "the legacy KV backend: no SQL API, refused on the Free plan",
            ),
        ],
        _ => return None,
    })
}

/// Where a config key is being written: which object's keys apply.
#[derive(Clone, Debug, PartialEq)]
enum KeyPlace {
    /// The top level or an `env` section.
    Section,
    DurableObjects,
    Binding,
    Migration,
    /// The keys of `exports`: class names.
    Exports,
    ExportEntry,
}

fn place_of(path: &[String]) -> Option<KeyPlace> {
    // `env.<name>.` sections hold the same keys as the top level.
    let mut p: &[String] = path;
    while p.len() >= 2 && p[0] == "env" {
        p = &p[2..];
    }
    Some(
        match p.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
            [] => KeyPlace::Section,
            ["durable_objects"] => KeyPlace::DurableObjects,
            ["durable_objects", "bindings"] | ["durable_objects", "bindings", "[]"] => {
                KeyPlace::Binding
            }
            ["migrations"] | ["migrations", "[]"] => KeyPlace::Migration,
            ["exports"] => KeyPlace::Exports,
            ["exports", _] => KeyPlace::ExportEntry,
            _ => return None,
        },
    )
}

/// The keys of `place`, with their documentation where the config data has it.
fn keys_of(place: &KeyPlace) -> &'static [&'static str] {
    match place {
        KeyPlace::Section => &["durable_objects", "migrations", "exports"],
        KeyPlace::DurableObjects => &["bindings"],
        KeyPlace::Binding => &["name", "class_name", "script_name", "environment"],
        KeyPlace::Migration => &[
            "tag",
            "new_sqlite_classes",
            "new_classes",
            "renamed_classes",
            "deleted_classes",
            "transferred_classes",
        ],
        KeyPlace::ExportEntry => &[
            "type",
            "state",
            "storage",
            "renamed_to",
            "transferred_to",
            "transfer_from",
            "container",
        ],
        KeyPlace::Exports => &[],
    }
}

/// Key completion: the Durable Object keys of the object being written,
/// and in `exports` the exported classes it does not list yet. A JSON
/// config whose `$schema` names a schema file that exists gets none: the
/// JSON language server already offers the schema's keys.
fn config_keys(scope: &Scope, worker: usize, text: &str, offset: usize) -> Vec<Completion> {
    let w = &scope.ws.workers[worker];
    let json = w.config.format != crate::config::Format::Toml;
    let found = if json {
        json_key_place(text, offset)
    } else {
        toml_key_place(text, offset)
    };
    let Some((path, replace, quoted)) = found else {
        return Vec::new();
    };
    let Some(place) = place_of(&path) else {
        return Vec::new();
    };
    let schema = json && {
        let root = crate::config::tree::parse_jsonc(text).ok();
        root.as_ref()
            .and_then(|r| r.get("$schema"))
            .and_then(|v| v.as_str())
            .filter(|s| !s.contains("://"))
            .is_some_and(|s| scope.fs.is_file(&w.dir().join(s)))
    };
    let item = |key: &str, detail: String, doc: String| {
        let insert = match (json, quoted) {
            (true, true) => key.to_string(),
            (true, false) => format!("\"{key}\""),
            (false, _) => key.to_string(),
        };
        Completion {
            label: key.to_string(),
            kind: Kind::Property,
            detail,
            doc,
            snippet: (insert != key).then(|| (insert.clone(), insert)),
            sort: 0,
            replace,
        }
    };
    if place == KeyPlace::Exports {
        let listed: Vec<&str> = w
            .config
            .variants()
            .iter()
            .filter_map(|v| v.exports())
            .flat_map(|e| e.items.iter().map(|x| x.key.value.as_str()))
            .collect();
        let mut out: Vec<Completion> = Vec::new();
        for (_, models) in scope.models.iter().filter(|(i, _)| *i == worker) {
            for c in models.iter().flat_map(|m| m.classes.iter()) {
                if listed.contains(&c.name.as_str()) || out.iter().any(|o| o.label == c.name) {
                    continue;
                }
                out.push(item(
                    &c.name,
                    "Durable Object class of this Worker".into(),
                    String::new(),
                ));
            }
        }
        return out;
    }
    if schema {
        return Vec::new();
    }
    let docs = super::docs::config_keys();
    keys_of(&place)
        .iter()
        .map(|k| {
            let d = docs.iter().find(|d| d.name == *k);
            item(
                k,
                d.map(|d| d.summary.clone()).unwrap_or_default(),
                d.map(|d| d.markdown()).unwrap_or_default(),
            )
        })
        .collect()
}

/// A TOML key being written at `offset` (a bare word at the start of its
/// line): the table path it is in, and the word's span.
fn toml_key_place(text: &str, offset: usize) -> Option<(Vec<String>, Span, bool)> {
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let typed = &text[line_start..offset];
    let word = typed.trim_start();
    if !word
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        return None;
    }
    let mut path: Vec<String> = Vec::new();
    for line in text[..line_start].lines().rev() {
        let l = line.trim();
        if let Some(h) = l.strip_prefix("[[") {
            let name = h.split("]]").next().unwrap_or("");
            path = name
                .split('.')
                .map(|x| x.trim().trim_matches('"').to_string())
                .collect();
            path.push("[]".into());
            break;
        }
        if let Some(h) = l.strip_prefix('[') {
            let name = h.split(']').next().unwrap_or("");
            path = name
                .split('.')
                .map(|x| x.trim().trim_matches('"').to_string())
                .collect();
            break;
        }
    }
    Some((path, Span::new(offset - word.len(), offset), false))
}

/// A JSON key being written at `offset`: the key path of the object it is
/// in (`[]` for an array's item), the span to replace, and whether the key
/// is inside quotes already.
fn json_key_place(text: &str, offset: usize) -> Option<(Vec<String>, Span, bool)> {
    #[derive(Clone)]
    enum Frame {
        Obj(Option<String>),
        Arr(Option<String>),
    }
    let b = text.as_bytes();
    let mut stack: Vec<Frame> = Vec::new();
    let mut pending: Option<String> = None;
    // In an object, whether the next string is a key.
    let mut expect_key = false;
    let mut i = 0;
    let mut open_key: Option<usize> = None;
    while i < offset {
        match b[i] {
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < offset && b[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i = text[i + 2..].find("*/").map_or(offset, |j| i + 2 + j + 2);
                continue;
            }
            b'"' => {
                let start = i;
                i += 1;
                while i < offset && b[i] != b'"' {
                    if b[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
                if i >= offset {
                    // the cursor is in this string
                    open_key = expect_key.then_some(start);
                    break;
                }
                if expect_key {
                    pending = Some(text[start + 1..i].to_string());
                    expect_key = false;
                }
                i += 1;
                continue;
            }
            b'{' => {
                stack.push(Frame::Obj(pending.take()));
                expect_key = true;
            }
            b'[' => {
                stack.push(Frame::Arr(pending.take()));
                expect_key = false;
            }
            b'}' | b']' => {
                stack.pop();
                pending = None;
                expect_key = false;
            }
            b',' => {
                expect_key = matches!(stack.last(), Some(Frame::Obj(_)));
                pending = None;
            }
            b':' => expect_key = false,
            _ => {}
        }
        i += 1;
    }
    if !matches!(stack.last(), Some(Frame::Obj(_))) {
        return None;
    }
    let (replace, quoted) = match open_key {
        Some(q) => (Span::new(q + 1, offset), true),
        None => {
            if !expect_key {
                return None;
            }
            let mut s = offset;
            while s > 0 && (b[s - 1].is_ascii_alphanumeric() || b[s - 1] == b'_') {
                s -= 1;
            }
            (Span::new(s, offset), false)
        }
    };
    let mut path = Vec::new();
    for (k, f) in stack.iter().enumerate() {
        let (Frame::Obj(key) | Frame::Arr(key)) = f;
        if k == 0 {
            continue; // the root object
        }
        match (key, matches!(stack[k - 1], Frame::Arr(_))) {
            (_, true) => path.push("[]".to_string()),
            (Some(key), false) => path.push(key.clone()),
            (None, false) => return None,
        }
    }
    Some((path, replace, quoted))
}

/// When `offset` is inside a string on its line: the opening quote and the
/// key the string belongs to (`class_name = "…"`, `"class_name": "…"`, or
/// the key of the array it is an item of).
fn string_key(text: &str, offset: usize) -> Option<(usize, String)> {
    let b = text.as_bytes();
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let mut open = None;
    for (i, &c) in b[line_start..offset].iter().enumerate() {
        if c == b'"' || c == b'\'' {
            open = match open {
                Some(_) => None,
                None => Some(line_start + i),
            };
        }
    }
    let open = open?;
    let mut i = open;
    // Back over the whitespace, then `=`/`:` (a key's value) or `,`/`[`
    // (an array item).
    let back = |mut i: usize| {
        while i > 0 && b[i - 1].is_ascii_whitespace() {
            i -= 1;
        }
        i
    };
    i = back(i);
    if i == 0 {
        return None;
    }
    if b[i - 1] == b',' || b[i - 1] == b'[' {
        // the unmatched `[` before
        let mut depth = 0usize;
        let mut quote = false;
        let mut j = i;
        let mut steps = 0;
        loop {
            if j == 0 || steps > 100_000 {
                return None;
            }
            j -= 1;
            steps += 1;
            match b[j] {
                b'"' => quote = !quote,
                b']' if !quote => depth += 1,
                b'[' if !quote => {
                    if depth == 0 {
                        break;
                    }
                    depth -= 1;
                }
                b'{' | b'}' if !quote => return None,
                _ => {}
            }
        }
        i = back(j);
        if i == 0 {
            return None;
        }
    }
    if b[i - 1] != b'=' && b[i - 1] != b':' {
        return None;
    }
    let k_end = back(i - 1);
    let k_end_unq = if k_end > 0 && b[k_end - 1] == b'"' {
        k_end - 1
    } else {
        k_end
    };
    let mut k = k_end_unq;
    while k > 0 && (is_ident(b[k - 1]) || b[k - 1] == b'-') {
        k -= 1;
    }
    (k < k_end_unq).then(|| (open, text[k..k_end_unq].to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(s: &str) -> Option<Vec<String>> {
        chain_before(s, s.len()).map(|v| {
            v.into_iter()
                .map(|s| {
                    format!(
                        "{}{}{}",
                        s.name,
                        if s.call { "()" } else { "" },
                        if s.index { "[]" } else { "" }
                    )
                })
                .collect()
        })
    }

    #[test]
    fn chains_are_read_backwards() {
        assert_eq!(
            chain("x = this.ctx.storage").unwrap(),
            ["this", "ctx", "storage"]
        );
        assert_eq!(
            chain("await env.ROOMS.getByName(\"a)\").").map(|_| ()),
            None,
            "a trailing dot is not part of the chain"
        );
        assert_eq!(
            chain("env.ROOMS.getByName(\"a)\")").unwrap(),
            ["env", "ROOMS", "getByName()"]
        );
        assert_eq!(
            chain("this.sql.exec(`select ${x}`)\n    ").unwrap(),
            ["this", "sql", "exec()"]
        );
        assert_eq!(
            chain("ctx.getWebSockets()[0]").unwrap(),
            ["ctx", "getWebSockets()[]"]
        );
        assert_eq!(chain("a?.b!.c").unwrap(), ["a", "b", "c"]);
        assert_eq!(
            chain("storage.get<number>(\"k\")").unwrap(),
            ["storage", "get()"]
        );
        assert_eq!(chain("1"), None);
        assert_eq!(chain("(a + b)"), None);
    }

    #[test]
    fn string_keys_in_toml_and_json() {
        let key = |s: &str| string_key(s, s.len()).map(|(_, k)| k);
        assert_eq!(key("class_name = \"Ro").as_deref(), Some("class_name"));
        assert_eq!(key("{ \"class_name\": \"").as_deref(), Some("class_name"));
        assert_eq!(
            key("new_sqlite_classes = [\"A\", \"").as_deref(),
            Some("new_sqlite_classes")
        );
        assert_eq!(
            key("\"deleted_classes\": [\n  \"A\",\n  \"").as_deref(),
            Some("deleted_classes")
        );
        assert_eq!(key("class_name = \"Room\""), None, "after the string");
        assert_eq!(
            key("{ \"name\": \"X\", \"class_name\": \"").as_deref(),
            Some("class_name")
        );
    }

    #[test]
    fn key_places_in_json_and_toml() {
        let json = |s: &str| json_key_place(s, s.len()).map(|(p, _, q)| (p.join("."), q));
        assert_eq!(json("{\n  \"na"), Some((String::new(), true)));
        assert_eq!(
            json("{ \"durable_objects\": { \"bindings\": [ { \"name\": \"A\", \""),
            Some(("durable_objects.bindings.[]".into(), true))
        );
        assert_eq!(
            json("{ // c\n \"migrations\": [ { \"tag\": \"v1\", "),
            Some(("migrations.[]".into(), false))
        );
        assert_eq!(
            json("{ \"exports\": { \"Room\": { \"ty"),
            Some(("exports.Room".into(), true))
        );
        assert_eq!(json("{ \"name\": \"w"), None, "a value, not a key");
        assert_eq!(json("{ \"a\": [\""), None, "an array item");
        let toml = |s: &str| toml_key_place(s, s.len()).map(|(p, _, _)| p.join("."));
        assert_eq!(
            toml("name = \"w\"\n[[durable_objects.bindings]]\nname = \"A\"\ncla").as_deref(),
            Some("durable_objects.bindings.[]")
        );
        assert_eq!(toml("[env.staging]\nmig").as_deref(), Some("env.staging"));
        assert_eq!(toml("name = \"w\"\nmain = \"s").as_deref(), None);
        assert_eq!(
            place_of(&["env".into(), "staging".into()]),
            Some(KeyPlace::Section)
        );
    }

    #[test]
    fn placeholders_are_stripped() {
        assert_eq!(strip_placeholders("f(${1:x}) {\n\t$0\n}"), "f(x) {\n\t\n}");
    }
}
