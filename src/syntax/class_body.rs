//! What one class body does: its members, its constructor, and every use of
//! the Durable Object state object (`ctx`, `state`) reached from it.
//!
//! A pure function of one file's tree. Walks keep an explicit stack, so deeply
//! nested input cannot overflow the call stack; the only recursion is into
//! same-file helper functions, at most [`MAX_HELPER_DEPTH`] deep, each walked
//! once per class and argument shape. Everything is best effort: what cannot
//! be read (syntax errors, computed names, values passed through calls) is
//! left out rather than guessed.

use super::node::{child as node_child, kind as node_kind};
use crate::text::Span;
use std::collections::{HashMap, HashSet};
use tree_sitter::{Node, TreeCursor};

/// How many helper calls deep (`init(sql)` → `createTables(sql)` → …) uses
/// of the state object are followed.
pub const MAX_HELPER_DEPTH: usize = 3;
/// At most this many uses are copied out of helpers into one class.
const MAX_USES: usize = 20_000;
/// Bytes of literal argument text kept per class; beyond it literals are
/// recorded as `ArgKind::Other` (nested templates could otherwise copy
/// quadratically).
const TEXT_BUDGET: usize = 8 * 1024 * 1024;

/// Everything the source rules need to know about one class body.
#[derive(Clone, Debug, Default)]
pub struct ClassBody {
    pub constructor: Option<Constructor>,
    /// Methods, getters, setters, the constructor and fields whose value is a
    /// function or arrow function, in source order.
    pub members: Vec<Member>,
    /// Uses of the state object, sorted by span.
    pub ctx_uses: Vec<CtxUse>,
    /// `setTimeout(…)` / `setInterval(…)` calls (also `globalThis.`/`self.`).
    pub timers: Vec<Span>,
    /// `new WebSocket(…)` expressions.
    pub new_websockets: Vec<Span>,
    /// `x.accept()` calls with no arguments where `x` is not the state object.
    pub accept_calls: Vec<Span>,
}

impl ClassBody {
    /// The instance member with this name (a handler such as `alarm`),
    /// preferring one with a body over a signature.
    pub fn member(&self, name: &str) -> Option<&Member> {
        let mut named = self
            .members
            .iter()
            .filter(|m| m.name == name && !m.is_static);
        let first = named.next()?;
        if first.has_body {
            return Some(first);
        }
        named.find(|m| m.has_body).or(Some(first))
    }

    /// The uses whose path is exactly `path`.
    pub fn uses_of<'a>(&'a self, path: &'a [&'a str]) -> impl Iterator<Item = &'a CtxUse> + 'a {
        self.ctx_uses.iter().filter(move |u| u.is(path))
    }

    /// This body with every span inside the class moved by `delta` bytes
    /// (the class moved in its file); uses found in same-file helpers
    /// (`via`) lie outside the class and keep theirs.
    pub fn shifted(mut self, delta: isize) -> ClassBody {
        let sh = |s: &mut Span| *s = s.shifted(delta);
        if let Some(c) = &mut self.constructor {
            sh(&mut c.span);
            c.params.iter_mut().for_each(|p| sh(&mut p.span));
            if let Some(sc) = &mut c.super_call {
                sh(&mut sc.span);
                sc.this_before.iter_mut().for_each(sh);
                sc.return_before.iter_mut().for_each(sh);
            }
            c.calls.iter_mut().for_each(|k| sh(&mut k.span));
        }
        for m in &mut self.members {
            sh(&mut m.name_span);
            sh(&mut m.span);
        }
        for u in self.ctx_uses.iter_mut().filter(|u| u.via.is_none()) {
            sh(&mut u.span);
            sh(&mut u.name_span);
            if let Some(call) = &mut u.called {
                call.args.iter_mut().for_each(|a| sh(&mut a.span));
            }
        }
        self.timers.iter_mut().for_each(sh);
        self.new_websockets.iter_mut().for_each(sh);
        self.accept_calls.iter_mut().for_each(sh);
        self
    }
}

/// What a class body reads outside its class: the file's helper functions.
/// `text`: their names and texts; `place`: the same with where each starts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HelpersPrint {
    pub text: u64,
    pub place: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MemberKind {
    Constructor,
    Method,
    Getter,
    Setter,
    /// `name = () => …` or `name = function () {…}`
    FunctionField,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    /// As written; string names without quotes, private names with `#`.
    pub name: String,
    pub name_span: Span,
    pub span: Span,
    pub kind: MemberKind,
    pub is_static: bool,
    pub is_async: bool,
    /// `false` for signatures: overloads, `abstract`, `declare class`.
    pub has_body: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Constructor {
    /// Index into `ClassBody::members`.
    pub member: usize,
    pub span: Span,
    pub params: Vec<Param>,
    /// The first `super(…)` call.
    pub super_call: Option<SuperCall>,
    /// Every call in the constructor body except `super(…)`, in source order.
    pub calls: Vec<CtorCall>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Param {
    /// `None` for destructuring and rest parameters.
    pub name: Option<String>,
    pub span: Span,
    /// A TypeScript parameter property (`private state: DurableObjectState`,
    /// `readonly env: Env`): the parameter is also saved as a field.
    pub is_field: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SuperCall {
    pub span: Span,
    /// Number of arguments as written (a spread counts as one).
    pub args: usize,
    /// The first `this` evaluated before the call completes (outside nested
    /// functions, including inside its arguments).
    pub this_before: Option<Span>,
    /// A `return` before the call (outside nested functions).
    pub return_before: Option<Span>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CtorCall {
    /// The callee as written, whitespace folded, at most 60 characters.
    pub callee: String,
    pub span: Span,
    /// Inside a `blockConcurrencyWhile(…)` argument.
    pub in_block_concurrency: bool,
    /// Inside a nested function other than a `blockConcurrencyWhile`
    /// callback: it may run later, or never.
    pub nested: bool,
}

/// One use of the state object: a member path from it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CtxUse {
    /// `this.ctx.storage.sql.exec(…)` → `["storage", "sql", "exec"]`.
    pub path: Vec<String>,
    /// The whole expression: the call when called, else the member access
    /// (or the destructuring property).
    pub span: Span,
    /// The last property name.
    pub name_span: Span,
    pub called: Option<Call>,
    /// Index into `ClassBody::members`; `None` in field initializers, static
    /// blocks and unparsable parts of the body.
    pub member: Option<usize>,
    /// The same-file function the span sits in, when reached through a call
    /// such as `init(this.ctx.storage.sql)`.
    pub via: Option<String>,
    /// Inside a `blockConcurrencyWhile(…)` argument (or a helper called there).
    pub in_block_concurrency: bool,
    /// Inside a function nested in its member (a callback), other than a
    /// `blockConcurrencyWhile` callback.
    pub nested: bool,
}

impl CtxUse {
    pub fn is(&self, path: &[&str]) -> bool {
        self.path.len() == path.len() && self.path.iter().zip(path).all(|(a, b)| a == b)
    }
    pub fn ends_with(&self, tail: &[&str]) -> bool {
        self.path.len() >= tail.len()
            && self.path[self.path.len() - tail.len()..]
                .iter()
                .zip(tail)
                .all(|(a, b)| a == b)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Call {
    pub args: Vec<Arg>,
}

impl Call {
    /// The first argument's literal text, and whether it is a template with
    /// substitutions.
    pub fn first_text(&self) -> Option<(&str, bool)> {
        match &self.args.first()?.kind {
            ArgKind::Str(s) => Some((s, false)),
            ArgKind::Template {
                text,
                substitutions,
            } => Some((text, *substitutions)),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Arg {
    pub span: Span,
    pub kind: ArgKind,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ArgKind {
    /// A string literal's text as written, without quotes.
    Str(String),
    /// A template literal's text as written, without backticks (`${…}` kept).
    Template {
        text: String,
        substitutions: bool,
    },
    Number,
    Bool(bool),
    /// `null` or `undefined`
    Null,
    Array {
        len: usize,
        spread: bool,
    },
    Object,
    Function,
    Spread,
    Other,
}

/// Top-level functions of a file by name (`function f(…)`, `const f = (…) =>`),
/// which class members may call with the state object or a path of it.
#[derive(Default)]
pub struct Helpers<'t> {
    fns: HashMap<String, Node<'t>>,
    pub print: HelpersPrint,
}

impl<'t> Helpers<'t> {
    pub fn of(root: Node<'t>, src: &[u8]) -> Self {
        let mut fns = HashMap::new();
        let mut stack = Vec::new();
        push_named_children(root, &mut stack);
        while let Some(n) = stack.pop() {
            match node_kind(n) {
                "function_declaration" | "generator_function_declaration" => {
                    if let Some(name) = node_child(n, "name") {
                        fns.entry(text_of(name, src).to_string()).or_insert(n);
                    }
                }
                "lexical_declaration" | "variable_declaration" => {
                    let mut c = n.walk();
                    for d in n.named_children(&mut c) {
                        let (Some(name), Some(value)) =
                            (node_child(d, "name"), node_child(d, "value"))
                        else {
                            continue;
                        };
                        if node_kind(name) == "identifier" && is_function(node_kind(strip(value))) {
                            fns.entry(text_of(name, src).to_string())
                                .or_insert(strip(value));
                        }
                    }
                }
                "export_statement" => {
                    if let Some(d) = node_child(n, "declaration") {
                        stack.push(d);
                    }
                }
                "ERROR" => push_named_children(n, &mut stack),
                _ => {}
            }
        }
        let print = HelpersPrint::of(&fns, src);
        Helpers { fns, print }
    }
}

impl HelpersPrint {
    fn of(fns: &HashMap<String, Node>, src: &[u8]) -> HelpersPrint {
        use std::hash::{Hash, Hasher};
        let mut named: Vec<(&String, &Node)> = fns.iter().collect();
        named.sort_by(|a, b| a.0.cmp(b.0));
        let (mut text, mut place) = (
            std::collections::hash_map::DefaultHasher::new(),
            std::collections::hash_map::DefaultHasher::new(),
        );
        for (name, n) in named {
            let body = &src[n.byte_range()];
            (name, body).hash(&mut text);
            (name, body, n.start_byte()).hash(&mut place);
        }
        HelpersPrint {
            text: text.finish(),
            place: place.finish(),
        }
    }
}

/// Pushes `n`'s named children so that they pop in source order.
fn push_named_children<'t>(n: Node<'t>, stack: &mut Vec<Node<'t>>) {
    let start = stack.len();
    let mut c = n.walk();
    stack.extend(n.named_children(&mut c));
    stack[start..].reverse();
}

/// Whether `text` may hold an assignment whose left side is a member
/// (`a.b = …`, `a.b ??= …`, `a[k] = …`, a destructuring assignment): a
/// byte scan that may say yes wrongly (an `=` in a string or comment) but
/// never says no to such an assignment.
fn may_assign_member(text: &[u8]) -> bool {
    let is_ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b >= 0x80;
    for (i, &b) in text.iter().enumerate() {
        if b != b'=' {
            continue;
        }
        // `==`, `=>` and the second `=` of `==`/`!=`/`<=`/`>=`
        if matches!(text.get(i + 1), Some(b'=' | b'>')) {
            continue;
        }
        let mut j = i;
        // a compound operator: `+=`, `??=`, `>>>=`, `&&=`, …
        while j > 0 && b"+-*/%&|^?<>".contains(&text[j - 1]) {
            j -= 1;
        }
        if j == i && j > 0 && matches!(text[j - 1], b'=' | b'!') {
            continue; // `==`, `!=`
        }
        while j > 0 && text[j - 1].is_ascii_whitespace() {
            j -= 1;
        }
        match j.checked_sub(1).map(|k| text[k]) {
            Some(c) if is_ident(c) || c == b'#' => {
                while j > 0 && (is_ident(text[j - 1]) || text[j - 1] == b'#') {
                    j -= 1;
                }
                while j > 0 && text[j - 1].is_ascii_whitespace() {
                    j -= 1;
                }
                if j > 0 && text[j - 1] == b'.' {
                    return true;
                }
            }
            // `a[k] =`, `(a.b) =`, `[a.b, c] =`, `({ x: a.b } =`
            Some(b']' | b')' | b'}') => return true,
            _ => {}
        }
    }
    false
}

/// What [`Cx::walk`] does with a node, by kind: looked up in a table per
/// grammar indexed by kind id, not by comparing the kind's name with each
/// arm's names on every node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Walk {
    /// Nothing under it can use the state object (names, literals, types).
    Skip,
    Function,
    Class,
    Block,
    Declarator,
    Assignment,
    Return,
    This,
    Call,
    New,
    Member,
    Subscript,
    /// `(x)`, `x!`, `x as T`, `x satisfies T`, `<T>x`
    Wrapper,
    Other,
}

impl Walk {
    fn named(kind: &str) -> Walk {
        match kind {
            "comment"
            | "type_annotation"
            | "type_arguments"
            | "type_parameters"
            | "type_identifier"
            | "predefined_type"
            | "property_identifier"
            | "private_property_identifier"
            | "shorthand_property_identifier"
            | "identifier"
            | "string"
            | "number"
            | "regex"
            | "interface_declaration"
            | "type_alias_declaration" => Walk::Skip,
            "arrow_function"
            | "function_expression"
            | "function"
            | "function_declaration"
            | "generator_function"
            | "generator_function_declaration"
            | "method_definition" => Walk::Function,
            "class" | "class_declaration" | "abstract_class_declaration" => Walk::Class,
            "statement_block" => Walk::Block,
            "variable_declarator" => Walk::Declarator,
            "assignment_expression" | "augmented_assignment_expression" => Walk::Assignment,
            "return_statement" => Walk::Return,
            "this" => Walk::This,
            "call_expression" => Walk::Call,
            "new_expression" => Walk::New,
            "member_expression" => Walk::Member,
            "subscript_expression" => Walk::Subscript,
            "parenthesized_expression"
            | "non_null_expression"
            | "as_expression"
            | "satisfies_expression"
            | "type_assertion" => Walk::Wrapper,
            _ => Walk::Other,
        }
    }

    fn of(n: Node) -> Walk {
        static TABLES: std::sync::OnceLock<Vec<Vec<Walk>>> = std::sync::OnceLock::new();
        let tables = TABLES.get_or_init(|| {
            super::node::grammar_kinds()
                .iter()
                .map(|kinds| kinds.iter().map(|k| Walk::named(k)).collect())
                .collect()
        });
        super::node::grammar_of(n)
            .and_then(|g| tables[g].get(n.kind_id() as usize).copied())
            .unwrap_or_else(|| Walk::named(n.kind()))
    }
}

#[cfg(test)]
thread_local! {
    /// Class bodies walked on this thread (tests count what is reused).
    pub static WALKED: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Reads the body of `class` (a class declaration or expression node).
/// `has_base`: the class has an `extends` clause.
pub fn class_body(class: Node, src: &[u8], has_base: bool, helpers: &Helpers) -> ClassBody {
    #[cfg(test)]
    WALKED.with(|w| w.set(w.get() + 1));
    let Some(body) = node_child(class, "body") else {
        return ClassBody::default();
    };
    let mut out = ClassBody::default();
    let mut roots: Vec<Root> = Vec::new();
    // the node of each member
    let mut nodes: Vec<Node> = Vec::new();
    let mut c = body.walk();
    for item in body.named_children(&mut c) {
        read_item(item, src, &mut out.members, &mut roots);
        nodes.resize(out.members.len(), item);
    }

    let ctor_idx = out
        .members
        .iter()
        .position(|m| m.kind == MemberKind::Constructor && m.has_body)
        .or_else(|| {
            out.members
                .iter()
                .position(|m| m.kind == MemberKind::Constructor)
        });
    let ctor_node = ctor_idx.map(|i| nodes[i]);
    let params = ctor_node.map(|n| ctor_params(n, src)).unwrap_or_default();
    let p0 = params.first().and_then(|p| p.name.clone());

    let mut cx = Cx {
        src,
        helpers,
        fields: HashMap::new(),
        resolved: HashSet::new(),
        unresolved: HashSet::new(),
        cache: HashMap::new(),
        ctor: None,
        timers: Vec::new(),
        new_websockets: Vec::new(),
        accept_calls: Vec::new(),
        text_budget: TEXT_BUDGET,
        cursor: body.walk(),
    };
    // Fields that hold the state object before any assignment is read.
    if has_base {
        cx.fields.insert("ctx".into(), Vec::new());
    } else {
        cx.fields.insert("state".into(), Vec::new());
    }
    if let (Some(p), Some(name)) = (params.first(), &p0) {
        if p.is_field {
            cx.fields.insert(name.clone(), Vec::new());
            cx.resolved.insert(name.clone());
        }
    }

    // Phase 1: which fields alias the state object or a path of it. Field
    // initializers first (they run before the constructor body), then the
    // constructor, then the rest (lazy `this.sql ??= …` in methods).
    let mut order: Vec<&Root> = roots.iter().filter(|r| r.field_init).collect();
    order.extend(
        roots
            .iter()
            .filter(|r| r.member.is_some() && r.member == ctor_idx),
    );
    order.extend(
        roots
            .iter()
            .filter(|r| !r.field_init && (r.member.is_none() || r.member != ctor_idx)),
    );
    for r in &order {
        let is_ctor = r.member.is_some() && r.member == ctor_idx;
        if r.field_init {
            if let Some(name) = &r.field_name {
                cx.field_initializer(name, r.node, r.class_this);
            }
        }
        let site = Site {
            member: r.member,
            via: None,
            depth: 0,
            record: false,
            is_ctor,
            assigns_decide: is_ctor || r.field_init,
        };
        let mut scope = Scope::default();
        if is_ctor {
            if let Some(p) = &p0 {
                scope.bind(p, Some(Target::Ctx(Vec::new())));
            }
        }
        // Only an assignment to a member can make a field an alias: a
        // root with none in its text is not walked twice.
        if !may_assign_member(&src[r.node.byte_range()]) {
            continue;
        }
        let mut sink = Vec::new();
        cx.walk(r.node, r.flags(), site, &mut scope, &mut sink);
    }
    for name in std::mem::take(&mut cx.unresolved) {
        if !cx.resolved.contains(&name) {
            cx.fields.remove(&name);
        }
    }

    // Phase 2: record, in source order.
    let mut uses = Vec::new();
    let mut ctor_track = None;
    for r in &roots {
        let is_ctor = r.member.is_some() && r.member == ctor_idx;
        let site = Site {
            member: r.member,
            via: None,
            depth: 0,
            record: true,
            is_ctor,
            assigns_decide: false,
        };
        let mut scope = Scope::default();
        if is_ctor {
            if let Some(p) = &p0 {
                scope.bind(p, Some(Target::Ctx(Vec::new())));
            }
            cx.ctor = Some(CtorTrack::default());
        }
        cx.walk(r.node, r.flags(), site, &mut scope, &mut uses);
        if is_ctor && ctor_track.is_none() {
            ctor_track = cx.ctor.take();
        }
        cx.ctor = None;
    }

    uses.sort_by(|a, b| {
        (
            a.span.start,
            a.span.end,
            a.member,
            &a.via,
            a.in_block_concurrency,
            a.nested,
        )
            .cmp(&(
                b.span.start,
                b.span.end,
                b.member,
                &b.via,
                b.in_block_concurrency,
                b.nested,
            ))
    });
    uses.dedup();
    out.ctx_uses = uses;
    out.timers = cx.timers;
    out.new_websockets = cx.new_websockets;
    out.accept_calls = cx.accept_calls;

    if let (Some(member), Some(node)) = (ctor_idx, ctor_node) {
        let track = ctor_track.unwrap_or_default();
        let super_call = track.super_call.map(|(sp, args)| SuperCall {
            span: sp,
            args,
            this_before: track.first_this.filter(|t| t.start < sp.end),
            return_before: track.first_return.filter(|r| r.start < sp.start),
        });
        out.constructor = Some(Constructor {
            member,
            span: span(node),
            params,
            super_call,
            calls: track.calls,
        });
    }
    out
}

/// A part of the class body to walk.
struct Root<'t> {
    /// What to walk: a method's body, a field's value.
    node: Node<'t>,
    member: Option<usize>,
    class_this: bool,
    /// A field initializer that is not a function (its value runs at
    /// construction).
    field_init: bool,
    field_name: Option<String>,
}

impl Root<'_> {
    fn flags(&self) -> Flags {
        Flags {
            class_this: self.class_this,
            ..Flags::default()
        }
    }
}

fn read_item<'t>(item: Node<'t>, src: &[u8], members: &mut Vec<Member>, roots: &mut Vec<Root<'t>>) {
    match node_kind(item) {
        "method_definition" | "method_signature" | "abstract_method_signature" => {
            let Some(name) = node_child(item, "name") else {
                return;
            };
            let (mut is_static, mut is_async, mut kind) = (false, false, MemberKind::Method);
            let mut c = item.walk();
            for ch in item.children(&mut c) {
                if ch.id() == name.id() {
                    break;
                }
                match node_kind(ch) {
                    "static" => is_static = true,
                    "async" => is_async = true,
                    "get" => kind = MemberKind::Getter,
                    "set" => kind = MemberKind::Setter,
                    _ => {}
                }
            }
            let name_text = member_name(name, src);
            if name_text == "constructor" && !is_static && kind == MemberKind::Method {
                kind = MemberKind::Constructor;
            }
            let body = node_child(item, "body");
            members.push(Member {
                name: name_text,
                name_span: span(name),
                span: span(item),
                kind,
                is_static,
                is_async,
                has_body: body.is_some(),
            });
            if let Some(b) = body {
                roots.push(Root {
                    node: b,
                    member: Some(members.len() - 1),
                    class_this: !is_static,
                    field_init: false,
                    field_name: None,
                });
            }
        }
        "public_field_definition" | "field_definition" => {
            let name = node_child(item, "name").or_else(|| node_child(item, "property"));
            let is_static = has_token(item, "static");
            let Some(value) = node_child(item, "value") else {
                return;
            };
            let f = strip(value);
            if let (Some(name), true) = (name, is_function(node_kind(f))) {
                members.push(Member {
                    name: member_name(name, src),
                    name_span: span(name),
                    span: span(item),
                    kind: MemberKind::FunctionField,
                    is_static,
                    is_async: has_token(f, "async"),
                    has_body: true,
                });
                if let Some(b) = node_child(f, "body") {
                    roots.push(Root {
                        node: b,
                        member: Some(members.len() - 1),
                        class_this: !is_static,
                        field_init: false,
                        field_name: None,
                    });
                }
            } else {
                roots.push(Root {
                    node: value,
                    member: None,
                    class_this: !is_static,
                    field_init: !is_static,
                    field_name: name.map(|n| member_name(n, src)),
                });
            }
        }
        "class_static_block" => {
            if let Some(b) = node_child(item, "body") {
                roots.push(Root {
                    node: b,
                    member: None,
                    class_this: false,
                    field_init: false,
                    field_name: None,
                });
            }
        }
        "ERROR" => roots.push(Root {
            node: item,
            member: None,
            class_this: true,
            field_init: false,
            field_name: None,
        }),
        _ => {}
    }
}

fn ctor_params(ctor: Node, src: &[u8]) -> Vec<Param> {
    let Some(ps) = node_child(ctor, "parameters") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut c = ps.walk();
    for p in ps.named_children(&mut c) {
        let (pattern, is_field) = match node_kind(p) {
            "required_parameter" | "optional_parameter" => {
                let mut c2 = p.walk();
                let is_field = p.children(&mut c2).any(|ch| {
                    matches!(
                        node_kind(ch),
                        "accessibility_modifier" | "readonly" | "override_modifier"
                    )
                });
                match node_child(p, "pattern") {
                    Some(pat) => (pat, is_field),
                    None => continue,
                }
            }
            "comment" => continue,
            _ => (p, false),
        };
        let name = match node_kind(pattern) {
            "identifier" => Some(text_of(pattern, src).to_string()),
            "assignment_pattern" => node_child(pattern, "left")
                .filter(|l| node_kind(l) == "identifier")
                .map(|l| text_of(l, src).to_string()),
            _ => None,
        };
        if node_kind(pattern) == "this" {
            continue;
        }
        out.push(Param {
            name,
            span: span(p),
            is_field,
        });
    }
    out
}

/// What an expression is, as far as the state object goes.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Target {
    /// The state object (empty path) or a path from it.
    Ctx(Vec<String>),
    /// The class instance (`this`, `const self = this`).
    This,
}

/// A resolved member chain.
struct Chain {
    target: Target,
    /// Properties applied after the binding or field the chain starts from.
    accessed: usize,
    last: Option<Span>,
}

/// Local names: a stack per name, undone to a mark when a scope ends.
/// `None` shadows an outer binding.
#[derive(Default)]
struct Scope {
    map: HashMap<String, Vec<Option<Target>>>,
    log: Vec<String>,
}

impl Scope {
    fn mark(&self) -> usize {
        self.log.len()
    }
    fn bind(&mut self, name: &str, t: Option<Target>) {
        self.map.entry(name.to_string()).or_default().push(t);
        self.log.push(name.to_string());
    }
    fn is_bound(&self, name: &str) -> bool {
        self.map.get(name).is_some_and(|v| !v.is_empty())
    }
    fn shadow(&mut self, name: &str) {
        if self.is_bound(name) {
            self.bind(name, None);
        }
    }
    fn lookup(&self, name: &str) -> Option<&Target> {
        self.map.get(name)?.last()?.as_ref()
    }
    fn reset(&mut self, mark: usize) {
        while self.log.len() > mark {
            if let Some(n) = self.log.pop() {
                if let Some(v) = self.map.get_mut(&n) {
                    v.pop();
                }
            }
        }
    }
}

#[derive(Clone, Copy, Default)]
struct Flags {
    /// The node continues its parent's member chain (the parent reads it).
    in_chain: bool,
    /// `this` is the class instance here.
    class_this: bool,
    /// Inside a `blockConcurrencyWhile(…)` argument.
    bcw: bool,
    /// Inside a nested function (not a `blockConcurrencyWhile` callback).
    nested: bool,
    /// A direct argument of `blockConcurrencyWhile(…)`.
    bcw_arg: bool,
}

#[derive(Clone, Copy)]
struct Site<'a> {
    member: Option<usize>,
    via: Option<&'a str>,
    depth: usize,
    /// Phase 2: record uses (phase 1 only collects field assignments).
    record: bool,
    is_ctor: bool,
    /// An unresolvable `this.x = …` here takes `x` off the default fields.
    assigns_decide: bool,
}

#[derive(Default)]
struct CtorTrack {
    super_call: Option<(Span, usize)>,
    first_this: Option<Span>,
    first_return: Option<Span>,
    calls: Vec<CtorCall>,
}

enum Frame<'t> {
    Visit(Node<'t>, Flags),
    Pop(usize),
}

type CacheKey = (String, Vec<(usize, Target)>, usize);

struct Cx<'a, 't> {
    src: &'a [u8],
    helpers: &'a Helpers<'t>,
    /// `this.<name>` holds the state object or a path of it.
    fields: HashMap<String, Vec<String>>,
    resolved: HashSet<String>,
    unresolved: HashSet<String>,
    cache: HashMap<CacheKey, Vec<CtxUse>>,
    ctor: Option<CtorTrack>,
    timers: Vec<Span>,
    new_websockets: Vec<Span>,
    accept_calls: Vec<Span>,
    text_budget: usize,
    cursor: TreeCursor<'t>,
}

impl<'a, 't> Cx<'a, 't> {
    fn text(&self, n: Node) -> &'a str {
        text_of(n, self.src)
    }

    fn walk(
        &mut self,
        root: Node<'t>,
        flags: Flags,
        site: Site<'a>,
        scope: &mut Scope,
        sink: &mut Vec<CtxUse>,
    ) {
        let mut stack = vec![Frame::Visit(root, flags)];
        while let Some(frame) = stack.pop() {
            let (n, fl) = match frame {
                Frame::Pop(mark) => {
                    scope.reset(mark);
                    continue;
                }
                Frame::Visit(n, fl) => (n, fl),
            };
            let plain = Flags {
                in_chain: false,
                bcw_arg: false,
                ..fl
            };
            match Walk::of(n) {
                Walk::Skip => {}
                Walk::Function => {
                    let kind = node_kind(n);
                    stack.push(Frame::Pop(scope.mark()));
                    for p in param_patterns(n) {
                        for name in pattern_names(p, self.src) {
                            scope.shadow(name);
                        }
                    }
                    if let Some(b) = node_child(n, "body") {
                        let inner = Flags {
                            class_this: fl.class_this && kind == "arrow_function",
                            nested: fl.nested || !fl.bcw_arg,
                            ..plain
                        };
                        stack.push(Frame::Visit(b, inner));
                    }
                }
                Walk::Class => {
                    let inner = Flags {
                        class_this: false,
                        nested: true,
                        ..plain
                    };
                    self.push_children(n, inner, &mut stack);
                }
                Walk::Block => {
                    stack.push(Frame::Pop(scope.mark()));
                    self.push_children(n, plain, &mut stack);
                }
                Walk::Declarator => {
                    self.declarator(n, fl, site, scope, sink);
                    if let Some(v) = node_child(n, "value") {
                        stack.push(Frame::Visit(v, plain));
                    }
                }
                Walk::Assignment => {
                    if !site.record {
                        self.assignment(n, fl, site, scope);
                    }
                    self.push_children(n, plain, &mut stack);
                }
                Walk::Return => {
                    if let Some(t) = self.ctor.as_mut().filter(|_| site.is_ctor && !fl.nested) {
                        t.first_return.get_or_insert(span(n));
                    }
                    self.push_children(n, plain, &mut stack);
                }
                Walk::This => {
                    if let Some(t) = self
                        .ctor
                        .as_mut()
                        .filter(|_| site.is_ctor && !fl.nested && fl.class_this)
                    {
                        t.first_this.get_or_insert(span(n));
                    }
                }
                Walk::Call => self.call(n, fl, site, scope, sink, &mut stack),
                Walk::New => {
                    if site.record && site.via.is_none() {
                        let ctor = node_child(n, "constructor");
                        if ctor.is_some_and(|c| {
                            node_kind(c) == "identifier"
                                && self.text(c) == "WebSocket"
                                && !scope.is_bound("WebSocket")
                        }) {
                            self.new_websockets.push(span(n));
                        }
                    }
                    self.push_children(n, plain, &mut stack);
                }
                Walk::Member => {
                    if !fl.in_chain {
                        self.read(n, fl, site, scope, sink);
                    }
                    if let Some(obj) = node_child(n, "object") {
                        let f = Flags {
                            in_chain: node_kind(obj) != "call_expression",
                            ..plain
                        };
                        stack.push(Frame::Visit(obj, f));
                    }
                }
                Walk::Subscript => {
                    if !fl.in_chain {
                        self.read(n, fl, site, scope, sink);
                    }
                    let index = node_child(n, "index");
                    if let Some(i) = index {
                        stack.push(Frame::Visit(i, plain));
                    }
                    if let Some(obj) = node_child(n, "object") {
                        let f = Flags {
                            in_chain: node_kind(obj) != "call_expression"
                                && index.is_some_and(|i| node_kind(i) == "string"),
                            ..plain
                        };
                        stack.push(Frame::Visit(obj, f));
                    }
                }
                Walk::Wrapper => {
                    if !fl.in_chain {
                        self.read(n, fl, site, scope, sink);
                    }
                    if let Some(inner) = wrapped(n) {
                        let f = Flags {
                            in_chain: node_kind(inner) != "call_expression",
                            ..plain
                        };
                        stack.push(Frame::Visit(inner, f));
                    }
                }
                Walk::Other => self.push_children(n, plain, &mut stack),
            }
        }
    }

    /// Pushes `n`'s named children so that they are visited in source order.
    fn push_children(&mut self, n: Node<'t>, fl: Flags, stack: &mut Vec<Frame<'t>>) {
        let start = stack.len();
        self.cursor.reset(n);
        if self.cursor.goto_first_child() {
            loop {
                let ch = self.cursor.node();
                if ch.is_named() {
                    stack.push(Frame::Visit(ch, fl));
                }
                if !self.cursor.goto_next_sibling() {
                    break;
                }
            }
        }
        stack[start..].reverse();
    }

    /// Follows a member chain down to `this`, a bound name or a field.
    fn resolve(&self, top: Node, class_this: bool, scope: &Scope) -> Option<Chain> {
        let mut props: Vec<Node> = Vec::new();
        let mut n = strip(top);
        let atom = loop {
            match node_kind(n) {
                "member_expression" => {
                    let p = node_child(n, "property")?;
                    if !matches!(
                        node_kind(p),
                        "property_identifier" | "private_property_identifier"
                    ) {
                        return None;
                    }
                    props.push(p);
                    n = strip(node_child(n, "object")?);
                }
                "subscript_expression" => {
                    let i = node_child(n, "index")?;
                    if node_kind(i) != "string" {
                        return None;
                    }
                    props.push(i);
                    n = strip(node_child(n, "object")?);
                }
                "this" if class_this => break Target::This,
                "identifier" => break scope.lookup(self.text(n))?.clone(),
                _ => return None,
            }
        };
        let mut target = atom;
        let mut accessed = 0;
        let mut last = None;
        for p in props.iter().rev() {
            let name = prop_name(*p, self.src);
            target = match target {
                Target::This => Target::Ctx(self.fields.get(name)?.clone()),
                Target::Ctx(mut path) => {
                    path.push(name.to_string());
                    accessed += 1;
                    Target::Ctx(path)
                }
            };
            last = Some(span(*p));
        }
        Some(Chain {
            target,
            accessed,
            last,
        })
    }

    fn target(&self, n: Node, fl: Flags, scope: &Scope) -> Option<Target> {
        self.resolve(n, fl.class_this, scope).map(|c| c.target)
    }

    /// A chain read without a call.
    fn read(&mut self, n: Node, fl: Flags, site: Site, scope: &Scope, sink: &mut Vec<CtxUse>) {
        if !site.record {
            return;
        }
        if let Some(Chain {
            target: Target::Ctx(path),
            accessed,
            last: Some(last),
        }) = self.resolve(n, fl.class_this, scope)
        {
            if accessed > 0 {
                push_use(sink, site, fl, path, span(strip(n)), last, None);
            }
        }
    }

    fn call(
        &mut self,
        n: Node<'t>,
        fl: Flags,
        site: Site<'a>,
        scope: &mut Scope,
        sink: &mut Vec<CtxUse>,
        stack: &mut Vec<Frame<'t>>,
    ) {
        let plain = Flags {
            in_chain: false,
            bcw_arg: false,
            ..fl
        };
        let func = node_child(n, "function");
        let args: Vec<Node<'t>> = match node_child(n, "arguments") {
            Some(a) if node_kind(a) == "arguments" => {
                let mut c = a.walk();
                let v = a
                    .named_children(&mut c)
                    .filter(|x| node_kind(x) != "comment")
                    .collect();
                v
            }
            Some(t) => vec![t],
            None => Vec::new(),
        };
        let mut bcw = false;
        if let Some(f) = func {
            match node_kind(f) {
                "super" => {
                    if let Some(t) = self.ctor.as_mut().filter(|_| site.is_ctor) {
                        t.super_call.get_or_insert((span(n), args.len()));
                    }
                }
                "import" => {}
                _ => {
                    let chain = self.resolve(f, fl.class_this, scope);
                    match chain {
                        Some(Chain {
                            target: Target::Ctx(path),
                            accessed,
                            last: Some(last),
                        }) if accessed > 0 => {
                            bcw = path.last().is_some_and(|p| p == "blockConcurrencyWhile");
                            if site.record {
                                let call = Call {
                                    args: args.iter().map(|a| self.arg(*a)).collect(),
                                };
                                push_use(sink, site, fl, path, span(n), last, Some(call));
                            }
                        }
                        _ => {
                            let is_ctx = matches!(
                                chain,
                                Some(Chain {
                                    target: Target::Ctx(_),
                                    ..
                                })
                            );
                            if site.record {
                                self.other_call(n, f, &args, is_ctx, fl, site, scope, sink);
                            }
                        }
                    }
                    if site.record && site.is_ctor {
                        if let Some(t) = self.ctor.as_mut() {
                            t.calls.push(CtorCall {
                                callee: short(text_of(f, self.src)),
                                span: span(n),
                                in_block_concurrency: fl.bcw,
                                nested: fl.nested,
                            });
                        }
                    }
                }
            }
        }
        // Visit the callee first, then the arguments.
        let arg_flags = if bcw {
            Flags {
                bcw: true,
                bcw_arg: true,
                ..plain
            }
        } else {
            plain
        };
        for a in args.iter().rev() {
            stack.push(Frame::Visit(*a, arg_flags));
        }
        if let Some(f) = func.filter(|f| node_kind(f) != "super") {
            let ff = Flags {
                in_chain: node_kind(f) != "call_expression",
                ..plain
            };
            stack.push(Frame::Visit(f, ff));
        }
    }

    /// Timers, `x.accept()`, and calls of same-file helpers.
    #[allow(clippy::too_many_arguments)]
    fn other_call(
        &mut self,
        n: Node<'t>,
        f: Node<'t>,
        args: &[Node<'t>],
        is_ctx: bool,
        fl: Flags,
        site: Site<'a>,
        scope: &mut Scope,
        sink: &mut Vec<CtxUse>,
    ) {
        let f = strip(f);
        match node_kind(f) {
            "identifier" => {
                let name = self.text(f);
                if scope.is_bound(name) {
                    return;
                }
                if matches!(name, "setTimeout" | "setInterval") {
                    if site.via.is_none() {
                        self.timers.push(span(n));
                    }
                } else if site.depth < MAX_HELPER_DEPTH {
                    self.expand(name, args, fl, site, scope, sink);
                }
            }
            "member_expression" => {
                let (Some(obj), Some(prop)) = (node_child(f, "object"), node_child(f, "property"))
                else {
                    return;
                };
                let prop = self.text(prop);
                let obj = strip(obj);
                if site.via.is_some() {
                    return;
                }
                if matches!(prop, "setTimeout" | "setInterval")
                    && node_kind(obj) == "identifier"
                    && matches!(self.text(obj), "globalThis" | "self" | "window")
                {
                    self.timers.push(span(n));
                } else if prop == "accept" && args.is_empty() && !is_ctx {
                    self.accept_calls.push(span(n));
                }
            }
            _ => {}
        }
    }

    /// Uses inside a same-file function called with the state object (or a
    /// path of it, or `this`) as arguments.
    fn expand(
        &mut self,
        name: &str,
        args: &[Node<'t>],
        fl: Flags,
        site: Site<'a>,
        scope: &Scope,
        sink: &mut Vec<CtxUse>,
    ) {
        let helpers: &'a Helpers<'t> = self.helpers;
        let Some((hname, &hnode)) = helpers.fns.get_key_value(name) else {
            return;
        };
        let params = param_patterns(hnode);
        let binds: Vec<(usize, Target)> = args
            .iter()
            .take(params.len())
            .enumerate()
            .filter_map(|(i, a)| Some((i, self.target(*a, fl, scope)?)))
            .collect();
        if binds.is_empty() {
            return;
        }
        let depth = site.depth + 1;
        let key: CacheKey = (hname.clone(), binds.clone(), depth);
        if !self.cache.contains_key(&key) {
            // An entry first, so a recursive call finds it (empty) and stops.
            self.cache.insert(key.clone(), Vec::new());
            let hsite = Site {
                member: None,
                via: Some(hname.as_str()),
                depth,
                record: true,
                is_ctor: false,
                assigns_decide: false,
            };
            let hflags = Flags::default();
            let mut hscope = Scope::default();
            let mut found = Vec::new();
            for (i, t) in binds {
                self.bind_pattern(params[i], t, hflags, hsite, &mut hscope, &mut found);
            }
            if let Some(body) = node_child(hnode, "body") {
                self.walk(body, hflags, hsite, &mut hscope, &mut found);
            }
            self.cache.insert(key.clone(), found);
        }
        let room = MAX_USES.saturating_sub(sink.len());
        if let Some(found) = self.cache.get(&key) {
            sink.extend(found.iter().take(room).map(|u| CtxUse {
                member: site.member,
                in_block_concurrency: u.in_block_concurrency || fl.bcw,
                nested: u.nested || fl.nested,
                ..u.clone()
            }));
        }
    }

    /// `const x = <expr>`: binds `x` (or a destructuring pattern) when the
    /// value is the state object, a path of it, or `this`.
    fn declarator(
        &mut self,
        n: Node,
        fl: Flags,
        site: Site,
        scope: &mut Scope,
        sink: &mut Vec<CtxUse>,
    ) {
        let Some(name) = node_child(n, "name") else {
            return;
        };
        let target = node_child(n, "value").and_then(|v| self.target(v, fl, scope));
        match (node_kind(name), target) {
            ("identifier", t) => {
                let s = self.text(name);
                match t {
                    Some(t) => scope.bind(s, Some(t)),
                    None => scope.shadow(s),
                }
            }
            (_, Some(t)) => self.bind_pattern(name, t, fl, site, scope, sink),
            (_, None) => {
                for s in pattern_names(name, self.src) {
                    scope.shadow(s);
                }
            }
        }
    }

    /// Binds the names of a pattern matched against `target`; each property
    /// taken from the state object is a use.
    fn bind_pattern(
        &mut self,
        pat: Node,
        target: Target,
        fl: Flags,
        site: Site,
        scope: &mut Scope,
        sink: &mut Vec<CtxUse>,
    ) {
        let mut stack = vec![(pat, target)];
        while let Some((p, t)) = stack.pop() {
            match node_kind(p) {
                "identifier" => scope.bind(self.text(p), Some(t)),
                "assignment_pattern" => {
                    if let Some(l) = node_child(p, "left") {
                        stack.push((l, t));
                    }
                }
                "object_pattern" => {
                    let mut c = p.walk();
                    for prop in p.named_children(&mut c) {
                        let (key, value) = match node_kind(prop) {
                            "shorthand_property_identifier_pattern" => (prop, None),
                            "object_assignment_pattern" => match node_child(prop, "left") {
                                Some(l) => (l, None),
                                None => continue,
                            },
                            "pair_pattern" => {
                                match (node_child(prop, "key"), node_child(prop, "value")) {
                                    (Some(k), Some(v)) => (k, Some(v)),
                                    _ => continue,
                                }
                            }
                            _ => continue,
                        };
                        if !matches!(
                            node_kind(key),
                            "shorthand_property_identifier_pattern"
                                | "property_identifier"
                                | "string"
                        ) {
                            continue;
                        }
                        let k = prop_name(key, self.src);
                        let next = match &t {
                            Target::This => self.fields.get(k).cloned().map(Target::Ctx),
                            Target::Ctx(path) => {
                                let mut path = path.clone();
                                path.push(k.to_string());
                                if site.record {
                                    push_use(
                                        sink,
                                        site,
                                        fl,
                                        path.clone(),
                                        span(prop),
                                        span(key),
                                        None,
                                    );
                                }
                                Some(Target::Ctx(path))
                            }
                        };
                        let Some(next) = next else {
                            if value.is_none() {
                                scope.shadow(self.text(key));
                            }
                            continue;
                        };
                        match value {
                            Some(v) => stack.push((v, next)),
                            None => scope.bind(self.text(key), Some(next)),
                        }
                    }
                }
                _ => {}
            }
        }
    }

    /// Phase 1: `this.x = <expr>` (also `??=`, `||=`).
    fn assignment(&mut self, n: Node, fl: Flags, site: Site, scope: &Scope) {
        let (Some(left), Some(right)) = (node_child(n, "left"), node_child(n, "right")) else {
            return;
        };
        let left = strip(left);
        if node_kind(left) != "member_expression" {
            return;
        }
        let (Some(obj), Some(prop)) = (node_child(left, "object"), node_child(left, "property"))
        else {
            return;
        };
        if self.target(obj, fl, scope) != Some(Target::This) {
            return;
        }
        let name = prop_name(prop, self.src).to_string();
        match self.target(right, fl, scope) {
            Some(Target::Ctx(path)) => {
                if self.resolved.insert(name.clone()) {
                    self.fields.insert(name, path);
                }
            }
            _ => {
                if site.assigns_decide {
                    self.unresolved.insert(name);
                }
            }
        }
    }

    /// Phase 1: `sql = this.ctx.storage.sql;` as a class field.
    fn field_initializer(&mut self, name: &str, value: Node, class_this: bool) {
        let scope = Scope::default();
        match self.resolve(value, class_this, &scope).map(|c| c.target) {
            Some(Target::Ctx(path)) => {
                if self.resolved.insert(name.to_string()) {
                    self.fields.insert(name.to_string(), path);
                }
            }
            _ => {
                self.unresolved.insert(name.to_string());
            }
        }
    }

    fn arg(&mut self, a: Node) -> Arg {
        let kind = match node_kind(a) {
            "string" | "template_string" => {
                let raw = self.text(a);
                let inner = raw
                    .get(1..raw.len().saturating_sub(1))
                    .filter(|_| raw.len() >= 2)
                    .unwrap_or("");
                if inner.len() > self.text_budget {
                    ArgKind::Other
                } else {
                    self.text_budget -= inner.len();
                    if node_kind(a) == "string" {
                        ArgKind::Str(inner.to_string())
                    } else {
                        let mut c = a.walk();
                        let substitutions = a
                            .named_children(&mut c)
                            .any(|x| node_kind(x) == "template_substitution");
                        ArgKind::Template {
                            text: inner.to_string(),
                            substitutions,
                        }
                    }
                }
            }
            "number" => ArgKind::Number,
            "unary_expression" if a.named_child(0).is_some_and(|x| node_kind(x) == "number") => {
                ArgKind::Number
            }
            "true" => ArgKind::Bool(true),
            "false" => ArgKind::Bool(false),
            "null" | "undefined" => ArgKind::Null,
            "array" => {
                let mut c = a.walk();
                let (mut len, mut spread) = (0, false);
                for x in a.named_children(&mut c) {
                    match node_kind(x) {
                        "comment" => {}
                        "spread_element" => spread = true,
                        _ => len += 1,
                    }
                }
                ArgKind::Array { len, spread }
            }
            "object" => ArgKind::Object,
            "spread_element" => ArgKind::Spread,
            k if is_function(k) => ArgKind::Function,
            _ => ArgKind::Other,
        };
        Arg {
            span: span(a),
            kind,
        }
    }
}

/// Records one use of the state object.
fn push_use(
    sink: &mut Vec<CtxUse>,
    site: Site,
    fl: Flags,
    path: Vec<String>,
    span: Span,
    name_span: Span,
    called: Option<Call>,
) {
    sink.push(CtxUse {
        path,
        span,
        name_span,
        called,
        member: site.member,
        via: site.via.map(str::to_string),
        in_block_concurrency: fl.bcw,
        nested: fl.nested,
    });
}

fn is_function(kind: &str) -> bool {
    matches!(
        kind,
        "arrow_function" | "function_expression" | "function" | "generator_function"
    )
}

/// The expression inside `(x)`, `x!`, `x as T`, `x satisfies T`, `<T>x`.
fn wrapped(n: Node) -> Option<Node> {
    match node_kind(n) {
        "type_assertion" => {
            let mut c = n.walk();
            let last = n
                .named_children(&mut c)
                .filter(|x| node_kind(x) != "type_arguments")
                .last();
            last
        }
        _ => n.named_child(0),
    }
}

/// Strips wrappers that do not change the value.
fn strip(mut n: Node) -> Node {
    while matches!(
        node_kind(n),
        "parenthesized_expression"
            | "non_null_expression"
            | "as_expression"
            | "satisfies_expression"
            | "type_assertion"
    ) {
        match wrapped(n) {
            Some(c) => n = c,
            None => break,
        }
    }
    n
}

/// A function's parameter patterns, in order.
fn param_patterns(f: Node) -> Vec<Node> {
    if let Some(p) = node_child(f, "parameter") {
        return vec![p];
    }
    let Some(ps) = node_child(f, "parameters") else {
        return Vec::new();
    };
    let mut c = ps.walk();
    let v = ps
        .named_children(&mut c)
        .filter(|p| node_kind(p) != "comment")
        .map(|p| match node_kind(p) {
            "required_parameter" | "optional_parameter" => node_child(p, "pattern").unwrap_or(p),
            _ => p,
        })
        .collect();
    v
}

/// The names a pattern binds.
fn pattern_names<'s>(p: Node, src: &'s [u8]) -> Vec<&'s str> {
    let mut out = Vec::new();
    let mut stack = vec![p];
    while let Some(n) = stack.pop() {
        match node_kind(n) {
            "identifier" | "shorthand_property_identifier_pattern" => out.push(text_of(n, src)),
            "pair_pattern" => stack.extend(node_child(n, "value")),
            "assignment_pattern" | "object_assignment_pattern" => {
                stack.extend(node_child(n, "left"))
            }
            "object_pattern" | "array_pattern" | "rest_pattern" => {
                let mut c = n.walk();
                stack.extend(n.named_children(&mut c));
            }
            _ => {}
        }
    }
    out
}

/// A property name: an identifier, or a string's text without quotes.
fn prop_name<'s>(n: Node, src: &'s [u8]) -> &'s str {
    let t = text_of(n, src);
    if node_kind(n) == "string" && t.len() >= 2 {
        t.get(1..t.len() - 1).unwrap_or(t)
    } else {
        t
    }
}

fn member_name(n: Node, src: &[u8]) -> String {
    prop_name(n, src).to_string()
}

fn span(n: Node) -> Span {
    Span::new(n.start_byte(), n.end_byte())
}

fn text_of<'s>(n: Node, src: &'s [u8]) -> &'s str {
    n.utf8_text(src).unwrap_or("")
}

/// An expression for messages: whitespace folded, at most 60 characters
/// (reads at most a bounded prefix).
fn short(text: &str) -> String {
    let mut end = text.len().min(512);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let folded = text[..end].split_whitespace().collect::<Vec<_>>().join(" ");
    if folded.chars().count() > 60 || end < text.len() {
        format!("{}…", folded.chars().take(59).collect::<String>())
    } else {
        folded
    }
}

/// Whether `n` has the anonymous child `token` (`static`, `async`, …).
pub(super) fn has_token(n: Node, token: &str) -> bool {
    let mut c = n.walk();
    let found = n
        .children(&mut c)
        .any(|ch| !ch.is_named() && node_kind(ch) == token);
    found
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_member_assignment_is_never_missed_by_the_prefilter() {
        for yes in [
            "this.sql = ctx.storage.sql",
            "this.x ??= 1",
            "this . x\n  = 1",
            "this.#p = ctx",
            "a[k] = v",
            "[this.a, this.b] = pair",
            "({ storage: this.s } = ctx)",
            "(this.x) = 1",
            "this.n += 1",
            "this.n >>>= 1",
            "x.y <= 3", // a wrong yes is only a walk more
        ] {
            assert!(may_assign_member(yes.as_bytes()), "{yes}");
        }
        for no in [
            "const s = this.ctx.storage",
            "let x = 1; x += 2",
            "if (a === b || a !== c || a == d || a != e) {}",
            "items.map((x) => x.id)",
            "function f(a = this.x) {}",
            "a >= b && c <= d",
        ] {
            assert!(!may_assign_member(no.as_bytes()), "{no}");
        }
    }

    use super::*;
    use crate::syntax::facts::FileFacts;
    use crate::syntax::{parse, typescript, Lang};

    fn facts_of(lang: Lang, text: &str) -> FileFacts {
        let tree = parse(lang, text, None).unwrap();
        typescript::facts(lang, text, &tree)
    }

    fn body_of(f: &FileFacts, class: &str) -> ClassBody {
        f.classes
            .iter()
            .find(|c| c.name.as_deref() == Some(class))
            .unwrap_or_else(|| panic!("no class {class}"))
            .body
            .clone()
    }

    fn at(text: &str, s: Span) -> &str {
        &text[s.start..s.end]
    }

    /// (path, span text, member name, via) of every use.
    fn uses(text: &str, b: &ClassBody) -> Vec<(String, String, String, String)> {
        b.ctx_uses
            .iter()
            .map(|u| {
                (
                    u.path.join("."),
                    at(text, u.span).to_string(),
                    u.member
                        .map(|m| b.members[m].name.clone())
                        .unwrap_or_else(|| "-".into()),
                    u.via.clone().unwrap_or_else(|| "-".into()),
                )
            })
            .collect()
    }

    fn row(path: &str, span: &str, member: &str, via: &str) -> (String, String, String, String) {
        (path.into(), span.into(), member.into(), via.into())
    }

    #[test]
    fn room_with_sql_and_hibernation() {
        let text = r#"import { DurableObject } from "cloudflare:workers";
export class Room extends DurableObject<Env> {
  async fetch(request: Request): Promise<Response> {
    const rows = this.ctx.storage.sql.exec("SELECT * FROM msgs WHERE room = ?", this.room).toArray();
    const pair = new WebSocketPair();
    this.ctx.acceptWebSocket(pair[1], ["room"]);
    return new Response(null, { status: 101, webSocket: pair[0] });
  }
  async webSocketMessage(ws: WebSocket, message: string) {
    this.ctx.storage.sql.exec(`INSERT INTO msgs VALUES (${message})`);
  }
  webSocketClose() {}
}
"#;
        let f = facts_of(Lang::TypeScript, text);
        let b = body_of(&f, "Room");
        assert_eq!(
            uses(text, &b),
            vec![
                row(
                    "storage.sql.exec",
                    r#"this.ctx.storage.sql.exec("SELECT * FROM msgs WHERE room = ?", this.room)"#,
                    "fetch",
                    "-"
                ),
                row(
                    "acceptWebSocket",
                    r#"this.ctx.acceptWebSocket(pair[1], ["room"])"#,
                    "fetch",
                    "-"
                ),
                row(
                    "storage.sql.exec",
                    "this.ctx.storage.sql.exec(`INSERT INTO msgs VALUES (${message})`)",
                    "webSocketMessage",
                    "-"
                ),
            ]
        );
        let exec = &b.ctx_uses[0];
        assert_eq!(at(text, exec.name_span), "exec");
        let call = exec.called.as_ref().unwrap();
        assert_eq!(
            call.first_text(),
            Some(("SELECT * FROM msgs WHERE room = ?", false))
        );
        assert_eq!(call.args.len(), 2);
        assert_eq!(at(text, call.args[1].span), "this.room");
        assert_eq!(
            b.ctx_uses[1].called.as_ref().unwrap().args[1].kind,
            ArgKind::Array {
                len: 1,
                spread: false
            }
        );
        assert_eq!(
            b.ctx_uses[2].called.as_ref().unwrap().first_text(),
            Some(("INSERT INTO msgs VALUES (${message})", true))
        );
        let names: Vec<_> = b.members.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, ["fetch", "webSocketMessage", "webSocketClose"]);
        let m = b.member("webSocketMessage").unwrap();
        assert!(m.is_async && !m.is_static && m.kind == MemberKind::Method);
        assert_eq!(at(text, m.name_span), "webSocketMessage");
        assert!(b.member("alarm").is_none());
        assert!(b.constructor.is_none());
        assert!(b.accept_calls.is_empty() && b.timers.is_empty());
        assert_eq!(b.uses_of(&["acceptWebSocket"]).count(), 1);
    }

    #[test]
    fn constructor_super_and_block_concurrency() {
        let text = r#"export class Counter extends DurableObject {
  value = 0;
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => {
      this.value = (await ctx.storage.get("value")) ?? 0;
      ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS t (x)");
    });
    void ctx.storage.setAlarm(Date.now() + 1000);
    fetch("https://example.com").then((r) => ctx.storage.put("r", r.status));
  }
  async alarm() {}
}
"#;
        let f = facts_of(Lang::TypeScript, text);
        let b = body_of(&f, "Counter");
        let c = b.constructor.as_ref().unwrap();
        assert_eq!(b.members[c.member].kind, MemberKind::Constructor);
        assert!(at(text, c.span).starts_with("constructor(ctx"));
        let params: Vec<_> = c
            .params
            .iter()
            .map(|p| (p.name.as_deref(), p.is_field))
            .collect();
        assert_eq!(params, [(Some("ctx"), false), (Some("env"), false)]);
        let s = c.super_call.as_ref().unwrap();
        assert_eq!(at(text, s.span), "super(ctx, env)");
        assert_eq!(s.args, 2);
        assert_eq!((s.this_before, s.return_before), (None, None));
        let got: Vec<_> = b
            .ctx_uses
            .iter()
            .map(|u| (u.path.join("."), u.in_block_concurrency, u.nested, u.member))
            .collect();
        let ctor = Some(c.member);
        assert_eq!(
            got,
            vec![
                ("blockConcurrencyWhile".to_string(), false, false, ctor),
                ("storage.get".to_string(), true, false, ctor),
                ("storage.sql.exec".to_string(), true, false, ctor),
                ("storage.setAlarm".to_string(), false, false, ctor),
                ("storage.put".to_string(), false, true, ctor),
            ]
        );
        assert_eq!(at(text, b.ctx_uses[1].span), r#"ctx.storage.get("value")"#);
        let calls: Vec<_> = c
            .calls
            .iter()
            .map(|k| (k.callee.as_str(), k.in_block_concurrency, k.nested))
            .collect();
        assert_eq!(
            calls,
            [
                ("ctx.blockConcurrencyWhile", false, false),
                ("ctx.storage.get", true, false),
                ("ctx.storage.sql.exec", true, false),
                ("ctx.storage.setAlarm", false, false),
                ("Date.now", false, false),
                (r#"fetch("https://example.com").then"#, false, false),
                ("fetch", false, false),
                ("ctx.storage.put", false, true),
            ]
        );
        assert!(b.member("alarm").is_some_and(|m| m.is_async));
    }

    #[test]
    fn super_after_this_or_return_or_missing() {
        let text = r#"class A extends DurableObject {
  constructor(ctx, env) {
    this.ready = false;
    if (!env) return;
    super(ctx, env);
  }
}
class B extends DurableObject {
  constructor(ctx, env) { super(this.x); }
}
class C extends DurableObject {
  constructor(ctx, env) { const f = () => this.ctx; ctx.storage.get("a"); }
}
"#;
        let f = facts_of(Lang::TypeScript, text);
        let a = body_of(&f, "A").constructor.unwrap().super_call.unwrap();
        assert_eq!(at(text, a.this_before.unwrap()), "this");
        assert_eq!(at(text, a.return_before.unwrap()), "return;");
        let b = body_of(&f, "B").constructor.unwrap().super_call.unwrap();
        assert_eq!(b.args, 1);
        assert!(b.this_before.is_some() && b.return_before.is_none());
        let c = body_of(&f, "C");
        assert!(c.constructor.as_ref().unwrap().super_call.is_none());
        assert_eq!(c.ctx_uses.len(), 1);
        assert_eq!(c.ctx_uses[0].path, ["storage", "get"]);
    }

    #[test]
    fn fields_assigned_in_the_constructor() {
        let text = r#"export class Store extends DurableObject<Env> {
  sql: SqlStorage;
  storage: DurableObjectStorage;
  other: Map<string, number>;
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.storage = this.ctx.storage;
    this.other = new Map();
  }
  list() {
    return this.sql.exec("SELECT 1").toArray();
  }
  async read() {
    this.other.get("x");
    return this.storage.get("k");
  }
}
"#;
        let f = facts_of(Lang::TypeScript, text);
        let b = body_of(&f, "Store");
        assert_eq!(
            uses(text, &b),
            vec![
                row("storage.sql", "ctx.storage.sql", "constructor", "-"),
                row("storage", "this.ctx.storage", "constructor", "-"),
                row(
                    "storage.sql.exec",
                    r#"this.sql.exec("SELECT 1")"#,
                    "list",
                    "-"
                ),
                row("storage.get", r#"this.storage.get("k")"#, "read", "-"),
            ]
        );
        assert_eq!(at(text, b.ctx_uses[2].name_span), "exec");
    }

    #[test]
    fn field_initializers_and_lazy_fields() {
        let text = r#"export class Store extends DurableObject {
  sql = this.ctx.storage.sql;
  kv = this.sql;
  onClose = async (ws: WebSocket) => {
    this.sql.exec("DELETE FROM s");
  };
  get count() { return this.#db.exec("SELECT count(*)").one(); }
  get #db() { this.cache ??= this.ctx.storage.sql; return this.cache; }
  more() { this.cache.exec("x"); }
}
"#;
        let f = facts_of(Lang::TypeScript, text);
        let b = body_of(&f, "Store");
        assert_eq!(
            uses(text, &b),
            vec![
                row("storage.sql", "this.ctx.storage.sql", "-", "-"),
                row(
                    "storage.sql.exec",
                    r#"this.sql.exec("DELETE FROM s")"#,
                    "onClose",
                    "-"
                ),
                row("storage.sql", "this.ctx.storage.sql", "#db", "-"),
                row("storage.sql.exec", r#"this.cache.exec("x")"#, "more", "-"),
            ]
        );
        let kinds: Vec<_> = b
            .members
            .iter()
            .map(|m| (m.name.as_str(), m.kind))
            .collect();
        assert_eq!(
            kinds,
            [
                ("onClose", MemberKind::FunctionField),
                ("count", MemberKind::Getter),
                ("#db", MemberKind::Getter),
                ("more", MemberKind::Method),
            ]
        );
        assert!(b.members[0].is_async);
    }

    #[test]
    fn locals_destructuring_and_shadowing() {
        let text = r#"export class Room extends DurableObject {
  async fetch() {
    const storage = this.ctx.storage;
    await storage.get("k");
    const { sql } = this.ctx.storage;
    sql.exec("A");
    const { storage: { sql: db }, id } = this.ctx;
    db.exec("B");
    [1].map((storage) => storage.get("no"));
    { const sql = other; sql.exec("no"); }
    sql.exec("C");
    const self = this;
    self.ctx.storage.delete("d");
    const st = this.ctx.storage as DurableObjectStorage;
    st.put("e", 1);
  }
}
"#;
        let f = facts_of(Lang::TypeScript, text);
        let b = body_of(&f, "Room");
        let got: Vec<_> = uses(text, &b)
            .into_iter()
            .map(|(p, s, _, _)| (p, s))
            .collect();
        let want: Vec<(String, String)> = [
            ("storage", "this.ctx.storage"),
            ("storage.get", r#"storage.get("k")"#),
            ("storage.sql", "sql"),
            ("storage", "this.ctx.storage"),
            ("storage.sql.exec", r#"sql.exec("A")"#),
            ("storage", "storage: { sql: db }"),
            ("storage.sql", "sql: db"),
            ("id", "id"),
            ("storage.sql.exec", r#"db.exec("B")"#),
            ("storage.sql.exec", r#"sql.exec("C")"#),
            ("storage.delete", r#"self.ctx.storage.delete("d")"#),
            ("storage", "this.ctx.storage"),
            ("storage.put", r#"st.put("e", 1)"#),
        ]
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
        assert_eq!(got, want);
        assert!(b.ctx_uses.iter().all(|u| u.member == Some(0)));
    }

    #[test]
    fn helpers_in_the_same_file() {
        let text = r#"function init(sql: SqlStorage) {
  sql.exec("CREATE TABLE IF NOT EXISTS t (x)");
}
const migrate = (storage) => {
  init(storage.sql);
  storage.put("v", 2);
};
function ping(a) { pong(a); a.get("ping"); }
function pong(b) { ping(b); }
function viaThis(obj) { obj.ctx.storage.deleteAlarm(); }
function unrelated(x) { x.get("no"); }
export class A extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => init(ctx.storage.sql));
  }
  fetch() { migrate(this.ctx.storage); ping(this.ctx.storage); viaThis(this); unrelated(1); }
}
export class B extends DurableObject {
  alarm() { init(this.ctx.storage.sql); }
}
"#;
        let f = facts_of(Lang::TypeScript, text);
        let a = body_of(&f, "A");
        let create = r#"sql.exec("CREATE TABLE IF NOT EXISTS t (x)")"#;
        assert_eq!(
            uses(text, &a),
            vec![
                row("storage.sql.exec", create, "constructor", "init"),
                row("storage.sql.exec", create, "fetch", "init"),
                row("storage.sql", "storage.sql", "fetch", "migrate"),
                row("storage.put", r#"storage.put("v", 2)"#, "fetch", "migrate"),
                row("storage.get", r#"a.get("ping")"#, "fetch", "ping"),
                row(
                    "storage.deleteAlarm",
                    "obj.ctx.storage.deleteAlarm()",
                    "fetch",
                    "viaThis"
                ),
                row(
                    "blockConcurrencyWhile",
                    "ctx.blockConcurrencyWhile(async () => init(ctx.storage.sql))",
                    "constructor",
                    "-"
                ),
                row("storage.sql", "ctx.storage.sql", "constructor", "-"),
                row("storage", "this.ctx.storage", "fetch", "-"),
                row("storage", "this.ctx.storage", "fetch", "-"),
            ]
        );
        // the call inside blockConcurrencyWhile marks the helper's use
        assert!(a.ctx_uses[0].in_block_concurrency && !a.ctx_uses[1].in_block_concurrency);
        let b = body_of(&f, "B");
        assert_eq!(
            uses(text, &b),
            vec![
                row("storage.sql.exec", create, "alarm", "init"),
                row("storage.sql", "this.ctx.storage.sql", "alarm", "-"),
            ]
        );
    }

    #[test]
    fn helper_depth_is_limited() {
        let text = r#"function h1(s) { h2(s); s.get("1"); }
function h2(s) { h3(s); s.get("2"); }
function h3(s) { h4(s); s.get("3"); }
function h4(s) { s.get("4"); }
class A extends DurableObject { fetch() { h1(this.ctx.storage); } }
"#;
        let f = facts_of(Lang::TypeScript, text);
        let via: Vec<_> = body_of(&f, "A")
            .ctx_uses
            .iter()
            .filter_map(|u| u.via.clone())
            .collect();
        assert_eq!(via, ["h1", "h2", "h3"]);
    }

    #[test]
    fn legacy_state_field() {
        let text = r#"export class Counter {
  constructor(state, env) {
    this.state = state;
    this.env = env;
  }
  async fetch(request) {
    let value = (await this.state.storage.get("value")) || 0;
    await this.state.storage.put("value", value + 1);
    this.env.KV.get("x");
  }
}
"#;
        let f = facts_of(Lang::JavaScript, text);
        let b = body_of(&f, "Counter");
        assert_eq!(
            uses(text, &b),
            vec![
                row(
                    "storage.get",
                    r#"this.state.storage.get("value")"#,
                    "fetch",
                    "-"
                ),
                row(
                    "storage.put",
                    r#"this.state.storage.put("value", value + 1)"#,
                    "fetch",
                    "-"
                ),
            ]
        );
        assert!(b.constructor.as_ref().unwrap().super_call.is_none());
        // a base class's `this.state = state` counts too; any field name does
        let text = "class D extends DurableObject { constructor(state, env) { super(state, env); this.s = state; } a() { this.s.storage.get('x'); this.state.storage.get('y'); } }";
        let b = body_of(&facts_of(Lang::JavaScript, text), "D");
        assert_eq!(
            uses(text, &b),
            vec![row("storage.get", "this.s.storage.get('x')", "a", "-")]
        );
        // without a base and without an assignment, `this.state` is the state
        let text = "class F { a() { this.state.storage.get('z'); } }";
        let b = body_of(&facts_of(Lang::JavaScript, text), "F");
        assert_eq!(
            uses(text, &b),
            vec![row("storage.get", "this.state.storage.get('z')", "a", "-")]
        );
        // without a base, `this.state` assigned something else is app state
        let text = "class E { constructor() { this.state = { storage: 1 }; } a() { this.state.storage.get('x'); } }";
        assert!(body_of(&facts_of(Lang::JavaScript, text), "E")
            .ctx_uses
            .is_empty());
    }

    #[test]
    fn agent_state_is_app_state() {
        let text = r#"import { Agent } from "agents";
export class Chat extends Agent<Env, { count: number }> {
  initialState = { count: 0 };
  async onMessage(connection: Connection, message: string) {
    this.setState({ count: this.state.count + 1 });
    const rows = this.sql`SELECT * FROM messages`;
    await this.ctx.storage.put("last", message);
  }
}
"#;
        let f = facts_of(Lang::TypeScript, text);
        let b = body_of(&f, "Chat");
        assert_eq!(
            uses(text, &b),
            vec![row(
                "storage.put",
                r#"this.ctx.storage.put("last", message)"#,
                "onMessage",
                "-"
            )]
        );
    }

    #[test]
    fn default_export_and_class_expression() {
        let text = r#"export default class Main extends DurableObject {
  async alarm() { await this.ctx.storage.deleteAll(); }
}
export const Other = class extends DurableObject {
  fetch() { this.ctx.storage.setAlarm(0); }
};
"#;
        let f = facts_of(Lang::TypeScript, text);
        let main = body_of(&f, "Main");
        assert_eq!(
            uses(text, &main),
            vec![row(
                "storage.deleteAll",
                "this.ctx.storage.deleteAll()",
                "alarm",
                "-"
            )]
        );
        let other = &f.classes.iter().find(|c| c.name.is_none()).unwrap().body;
        assert_eq!(
            uses(text, other),
            vec![row(
                "storage.setAlarm",
                "this.ctx.storage.setAlarm(0)",
                "fetch",
                "-"
            )]
        );
        assert_eq!(
            other.ctx_uses[0].called.as_ref().unwrap().args[0].kind,
            ArgKind::Number
        );
    }

    #[test]
    fn parameter_properties() {
        let text = r#"export class Legacy implements DurableObject {
  constructor(private readonly state: DurableObjectState, protected env: Env) {}
  async fetch() { return this.state.storage.get("a"); }
}
export class Based extends Base {
  constructor(readonly store: DurableObjectState, env: Env) { super(store, env); }
  async fetch() { this.store.storage.get("b"); this.state.storage.get("no"); }
}
"#;
        let f = facts_of(Lang::TypeScript, text);
        let b = body_of(&f, "Legacy");
        let params: Vec<_> = b
            .constructor
            .as_ref()
            .unwrap()
            .params
            .iter()
            .map(|p| (p.name.clone().unwrap(), p.is_field))
            .collect();
        assert_eq!(params, [("state".into(), true), ("env".into(), true)]);
        assert_eq!(
            uses(text, &b),
            vec![row(
                "storage.get",
                r#"this.state.storage.get("a")"#,
                "fetch",
                "-"
            )]
        );
        let b = body_of(&f, "Based");
        assert_eq!(
            uses(text, &b),
            vec![row(
                "storage.get",
                r#"this.store.storage.get("b")"#,
                "fetch",
                "-"
            )]
        );
    }

    #[test]
    fn javascript_class_with_timers_sockets_and_accept() {
        let text = r#"export class Chat extends DurableObject {
  static NAME = "chat";
  sessions = new Map();
  constructor(ctx, env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
  }
  static create() { return this.ctx.storage.get("no"); }
  async fetch(request) {
    const [client, server] = Object.values(new WebSocketPair());
    server.accept();
    this.ctx.acceptWebSocket(client);
    setTimeout(() => this.flush(), 1000);
    globalThis.setInterval(() => {}, 5);
    const upstream = new WebSocket("wss://example.com");
    upstream.accept({ a: 1 });
    return new Response(null, { status: 101, webSocket: client });
  }
  flush = () => { this.sql.exec("DELETE FROM q"); };
}
"#;
        let f = facts_of(Lang::JavaScript, text);
        let b = body_of(&f, "Chat");
        assert_eq!(
            uses(text, &b),
            vec![
                row("storage.sql", "ctx.storage.sql", "constructor", "-"),
                row(
                    "acceptWebSocket",
                    "this.ctx.acceptWebSocket(client)",
                    "fetch",
                    "-"
                ),
                row(
                    "storage.sql.exec",
                    r#"this.sql.exec("DELETE FROM q")"#,
                    "flush",
                    "-"
                ),
            ]
        );
        let spans = |v: &[Span]| {
            v.iter()
                .map(|s| at(text, *s).to_string())
                .collect::<Vec<_>>()
        };
        assert_eq!(spans(&b.accept_calls), ["server.accept()"]);
        assert_eq!(
            spans(&b.timers),
            [
                "setTimeout(() => this.flush(), 1000)",
                "globalThis.setInterval(() => {}, 5)"
            ]
        );
        assert_eq!(
            spans(&b.new_websockets),
            [r#"new WebSocket("wss://example.com")"#]
        );
        // static members are not handlers
        assert!(b.member("create").is_none());
        assert!(b.members.iter().any(|m| m.name == "create" && m.is_static));
        assert_eq!(b.member("flush").unwrap().kind, MemberKind::FunctionField);
        assert_eq!(
            b.constructor
                .as_ref()
                .unwrap()
                .super_call
                .as_ref()
                .unwrap()
                .args,
            2
        );
    }

    #[test]
    fn half_typed_code_does_not_panic() {
        let text = r#"export class Room extends DurableObject {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    ctx.blockConcurrencyWhile(async () => { init(this.sql) });
  }
  async fetch(req) {
    const { storage } = this.ctx;
    this.sql.exec(`SELECT ${x}`, [1, ...y]);
    storage.get(["a", "b"]);
    new WebSocket(u).accept();
  }
}
function init(sql) { sql.exec("x"); init(sql); }
"#;
        // every prefix, and every prefix with the rest of the text cut at a
        // brace, parses into facts without panicking
        let mut found = 0;
        for (i, _) in text.char_indices() {
            for t in [&text[..i], &text[i..]] {
                for lang in [Lang::TypeScript, Lang::JavaScript] {
                    let f = facts_of(lang, t);
                    found += f
                        .classes
                        .iter()
                        .map(|c| c.body.ctx_uses.len())
                        .sum::<usize>();
                }
            }
        }
        assert!(found > 0);
        let broken = "export class A extends DurableObject {\n  fetch( {\n    this.ctx.storage.get('k'\n  alarm() { this.ctx.storage.setAlarm(1) \n";
        let f = facts_of(Lang::TypeScript, broken);
        assert!(f.has_errors);
        let _ = f
            .classes
            .iter()
            .map(|c| c.body.ctx_uses.len())
            .sum::<usize>();
    }

    #[test]
    fn deep_nesting_is_fast_and_does_not_overflow() {
        let n = 20_000;
        let text = format!(
            "export class A extends DurableObject {{\n  fetch() {{\n    return {}this.ctx.storage.get('k'){};\n  }}\n  b() {{ return {}1{}; }}\n  c() {{ const f = {}this.ctx.storage.put('p', 1); }}\n}}\n",
            "(".repeat(n),
            ")".repeat(n),
            "[".repeat(n),
            "]".repeat(n),
            "() => ".repeat(2_000),
        );
        let start = std::time::Instant::now();
        // a small stack: nothing may recurse with the depth of the input
        let t2 = text.clone();
        let f = std::thread::Builder::new()
            .stack_size(512 * 1024)
            .spawn(move || {
                let tree = parse(Lang::TypeScript, &t2, None).unwrap();
                let f = typescript::facts(Lang::TypeScript, &t2, &tree);
                // dropping a deep tree must not recurse either
                drop(tree);
                f
            })
            .unwrap()
            .join()
            .unwrap();
        assert!(
            start.elapsed() < std::time::Duration::from_secs(10),
            "{:?}",
            start.elapsed()
        );
        let b = body_of(&f, "A");
        let got: Vec<_> = b
            .ctx_uses
            .iter()
            .map(|u| (u.path.join("."), at(&text, u.span), u.nested))
            .collect();
        assert_eq!(
            got,
            [
                (
                    "storage.get".to_string(),
                    "this.ctx.storage.get('k')",
                    false
                ),
                (
                    "storage.put".to_string(),
                    "this.ctx.storage.put('p', 1)",
                    true
                ),
            ]
        );
    }
}
