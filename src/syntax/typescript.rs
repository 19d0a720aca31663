//! Facts from TypeScript, TSX and JavaScript files.

use super::class_body::{self, has_token, Helpers};
use super::facts::*;
use super::node::{child as node_child, kind as node_kind};
use super::{shapes, Lang};
use crate::text::Span;
use tree_sitter::{Node, Tree};

/// Methods that only a Durable Object namespace has: `env.X.<method>` marks
/// `X` as a DO binding. (`get` is shared with KV and is not listed.)
pub const NAMESPACE_METHODS: &[&str] = &[
    "idFromName",
    "idFromString",
    "newUniqueId",
    "getByName",
    "jurisdiction",
];

/// Functions of the ecosystem's packages whose first parameter is a
/// Durable Object namespace: `getContainer(env.X, …)` uses binding `X`.
pub const NAMESPACE_HELPERS: &[(&str, &str)] = &[
    ("agents", "getAgentByName"),
    ("@cloudflare/containers", "getContainer"),
    ("@cloudflare/containers", "getRandom"),
    ("@cloudflare/sandbox", "getSandbox"),
    ("partyserver", "getServerByName"),
];

pub fn facts(lang: Lang, text: &str, tree: &Tree) -> FileFacts {
    facts_reusing(lang, text, tree, None)
}

/// The facts of an earlier text of the same file, whose class bodies a new
/// parse may take instead of walking them again.
#[derive(Clone, Copy)]
pub struct Prior<'p> {
    pub text: &'p str,
    pub facts: &'p FileFacts,
}

/// [`facts`], taking from `prior` the body of each class whose text is
/// the same there and whose helpers are the same (an edit in one class of a
/// file of many walks that class only). The result equals [`facts`]'s.
pub fn facts_reusing(lang: Lang, text: &str, tree: &Tree, prior: Option<Prior>) -> FileFacts {
    let root = tree.root_node();
    let mut f = FileFacts {
        has_errors: root.has_error(),
        ..Default::default()
    };
    let src = text.as_bytes();
    // Helper functions matter only to class bodies.
    let helpers = if text.contains("class") {
        Helpers::of(root, src)
    } else {
        Helpers::default()
    };
    f.helpers = helpers.print;
    let h = Bodies {
        helpers: &helpers,
        prior,
    };
    let mut cursor = root.walk();
    for stmt in root.named_children(&mut cursor) {
        top_level(&mut f, stmt, src, &h);
    }
    run_queries(&mut f, lang, root, src);
    f
}

/// The string literals among the arguments of the call whose callee's
/// property is `method`: positional ones, and string-valued properties of
/// object arguments.
fn literal_args(method: Node, src: &[u8]) -> Vec<LitArg> {
    let mut out = Vec::new();
    let Some(args) = method
        .parent()
        .and_then(|m| m.parent())
        .filter(|c| node_kind(c) == "call_expression")
        .and_then(|c| node_child(c, "arguments"))
    else {
        return out;
    };
    let string = |n: Node| -> Option<String> {
        let raw = text_of(n, src);
        match node_kind(n) {
            "string" => Some(raw.get(1..raw.len().saturating_sub(1))?.to_string()),
            "template_string" => {
                let mut c = n.walk();
                let subst = n
                    .named_children(&mut c)
                    .any(|x| node_kind(x) == "template_substitution");
                (!subst).then(|| raw.get(1..raw.len().saturating_sub(1)).map(str::to_string))?
            }
            _ => None,
        }
    };
    let mut c = args.walk();
    for a in args.named_children(&mut c) {
        if let Some(v) = string(a) {
            out.push(LitArg {
                key: None,
                value: v,
                span: span(a),
            });
        } else if node_kind(a) == "object" {
            let mut c2 = a.walk();
            for p in a.named_children(&mut c2) {
                let (Some(k), Some(v)) = (node_child(p, "key"), node_child(p, "value")) else {
                    continue;
                };
                let key = match node_kind(k) {
                    "property_identifier" => text_of(k, src).to_string(),
                    "string" => string(k).unwrap_or_default(),
                    _ => continue,
                };
                if let Some(value) = string(v) {
                    out.push(LitArg {
                        key: Some(key),
                        value,
                        span: span(v),
                    });
                }
            }
        }
    }
    out
}

/// The methods called on a stub kept in a `const` (`const s =
/// env.X.getByName(…); s.m()`), with the method name's span, in the block
/// that declares it. A block where the name is declared again (a
/// parameter, an inner `let`) is left alone: which value a call sees is
/// not known there.
fn calls_on_saved_stub(method: Node, src: &[u8]) -> Vec<(String, Span)> {
    let mut out = Vec::new();
    let Some(call) = method
        .parent()
        .and_then(|m| m.parent())
        .filter(|c| node_kind(*c) == "call_expression")
    else {
        return out;
    };
    let Some(decl) = call
        .parent()
        .filter(|d| node_kind(*d) == "variable_declarator")
    else {
        return out;
    };
    let Some(name) = node_child(decl, "name").filter(|n| node_kind(*n) == "identifier") else {
        return out;
    };
    let Some(lexical) = decl
        .parent()
        .filter(|l| node_kind(*l) == "lexical_declaration" && has_token(*l, "const"))
    else {
        return out;
    };
    let Some(block) = lexical.parent() else {
        return out;
    };
    let var = text_of(name, src);
    let mut found = Vec::new();
    let mut c = block.walk();
    let mut stack = vec![block];
    while let Some(n) = stack.pop() {
        match node_kind(n) {
            "call_expression" => {
                if let Some(callee) =
                    node_child(n, "function").filter(|f| node_kind(*f) == "member_expression")
                {
                    let obj = node_child(callee, "object");
                    let prop = node_child(callee, "property");
                    if let (Some(o), Some(p)) = (obj, prop) {
                        if node_kind(o) == "identifier"
                            && text_of(o, src) == var
                            && node_kind(p) == "property_identifier"
                            && n.start_byte() > decl.end_byte()
                        {
                            found.push((text_of(p, src).to_string(), span(p)));
                        }
                    }
                }
            }
            "variable_declarator"
                if n != decl && node_child(n, "name").is_some_and(|x| text_of(x, src) == var) =>
            {
                return out;
            }
            "required_parameter" | "optional_parameter" | "formal_parameters"
                if text_of(n, src)
                    .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$'))
                    .any(|w| w == var) =>
            {
                return out;
            }
            _ => {}
        }
        stack.extend(n.named_children(&mut c));
    }
    out.append(&mut found);
    out
}

/// The string options of the call chained directly on the call whose
/// callee's property is `method` (`a.m(…).next(…, { key: "v" })`).
fn chained_options(method: Node, src: &[u8]) -> Vec<LitArg> {
    let next = method
        .parent()
        .and_then(|m| m.parent())
        .filter(|c| node_kind(c) == "call_expression")
        .and_then(|c| c.parent())
        .filter(|m| node_kind(m) == "member_expression")
        .and_then(|m| node_child(m, "property"));
    match next {
        Some(p) => literal_args(p, src)
            .into_iter()
            .filter(|l| l.key.is_some())
            .collect(),
        None => Vec::new(),
    }
}

fn span(n: Node) -> Span {
    Span::new(n.start_byte(), n.end_byte())
}

fn text_of<'a>(n: Node, src: &'a [u8]) -> &'a str {
    n.utf8_text(src).unwrap_or("")
}

/// The value of a string literal node (`"x"` or `'x'`), without quotes.
fn string_value(n: Node, src: &[u8]) -> Option<String> {
    if node_kind(n) != "string" {
        return None;
    }
    let mut c = n.walk();
    let mut out = String::new();
    for ch in n.named_children(&mut c) {
        if node_kind(ch) == "string_fragment" || node_kind(ch) == "escape_sequence" {
            out.push_str(text_of(ch, src));
        }
    }
    Some(out)
}

/// An export or import specifier's name: an identifier or a string.
fn spec_name(n: Node, src: &[u8]) -> String {
    string_value(n, src).unwrap_or_else(|| text_of(n, src).to_string())
}

fn top_level(f: &mut FileFacts, stmt: Node, src: &[u8], h: &Bodies) {
    match node_kind(stmt) {
        "import_statement" => import(f, stmt, src),
        "export_statement" => export(f, stmt, src, h),
        // Half-typed code: tree-sitter wraps what it could not place in an
        // ERROR node; the statements inside still count.
        "ERROR" => {
            let mut c = stmt.walk();
            let kids: Vec<Node> = stmt.named_children(&mut c).collect();
            for k in kids {
                top_level(f, k, src, h);
            }
        }
        _ => {
            declaration(f, stmt, src, h);
        }
    }
}

fn import(f: &mut FileFacts, stmt: Node, src: &[u8]) {
    let Some(source_node) = node_child(stmt, "source") else {
        return;
    };
    let Some(source) = string_value(source_node, src) else {
        return;
    };
    let source_span = span(source_node);
    let mut c = stmt.walk();
    let Some(clause) = stmt
        .named_children(&mut c)
        .find(|n| node_kind(n) == "import_clause")
    else {
        // `import "./side-effect"`: still part of the module graph.
        f.imports.push(Import {
            local: String::new(),
            imported: Imported::Namespace,
            source,
            source_span,
        });
        return;
    };
    let mut c2 = clause.walk();
    for part in clause.named_children(&mut c2) {
        match node_kind(part) {
            "identifier" => add_import(
                f,
                text_of(part, src),
                Imported::Default,
                &source,
                source_span,
                part,
            ),
            "namespace_import" => {
                let mut c3 = part.walk();
                let id = part
                    .named_children(&mut c3)
                    .find(|n| node_kind(n) == "identifier");
                if let Some(id) = id {
                    add_import(
                        f,
                        text_of(id, src),
                        Imported::Namespace,
                        &source,
                        source_span,
                        id,
                    );
                }
            }
            "named_imports" => {
                let mut c3 = part.walk();
                for spec in part.named_children(&mut c3) {
                    if node_kind(spec) != "import_specifier" {
                        continue;
                    }
                    let Some(name) = node_child(spec, "name") else {
                        continue;
                    };
                    let imported = spec_name(name, src);
                    let local_node = node_child(spec, "alias").unwrap_or(name);
                    let local = spec_name(local_node, src);
                    let what = if imported == "default" {
                        Imported::Default
                    } else {
                        Imported::Named(imported)
                    };
                    add_import(f, &local, what, &source, source_span, local_node);
                }
            }
            _ => {}
        }
    }
}

fn add_import(
    f: &mut FileFacts,
    local: &str,
    imported: Imported,
    source: &str,
    source_span: Span,
    at: Node,
) {
    f.imports.push(Import {
        local: local.to_string(),
        imported,
        source: source.to_string(),
        source_span,
    });
    f.decls.insert(
        local.to_string(),
        (Decl::Import(f.imports.len() - 1), span(at)),
    );
}

fn export(f: &mut FileFacts, stmt: Node, src: &[u8], h: &Bodies) {
    let is_default = has_token(stmt, "default");
    // `export type { X }` / `export type X = …` carry no value.
    let type_only = has_token(stmt, "type");
    let source = node_child(stmt, "source").and_then(|s| string_value(s, src));
    if let Some(decl) = node_child(stmt, "declaration") {
        let names = declaration(f, decl, src, h);
        if is_default {
            f.exports.push(ExportItem::Default {
                local: names.first().map(|(n, _)| n.clone()),
                span: span(decl),
            });
        } else {
            for (name, sp) in names {
                if matches!(f.decls.get(&name), Some((Decl::Type, _))) {
                    continue;
                }
                f.exports.push(ExportItem::Local {
                    exported: name.clone(),
                    local: name,
                    span: sp,
                });
            }
        }
        return;
    }
    if is_default {
        let value = node_child(stmt, "value");
        let local = value.and_then(|v| match node_kind(unwrap_expr(v)) {
            "identifier" => Some(text_of(unwrap_expr(v), src).to_string()),
            "class" => {
                let idx = class_fact(f, unwrap_expr(v), src, h);
                f.classes[idx].name.clone()
            }
            _ => None,
        });
        f.exports.push(ExportItem::Default {
            local,
            span: value.map(span).unwrap_or(span(stmt)),
        });
        return;
    }
    if type_only {
        return;
    }
    let mut c = stmt.walk();
    let children: Vec<Node> = stmt.named_children(&mut c).collect();
    if let Some(clause) = children.iter().find(|n| node_kind(**n) == "export_clause") {
        let mut c2 = clause.walk();
        for spec in clause.named_children(&mut c2) {
            if node_kind(spec) != "export_specifier" || has_token(spec, "type") {
                continue;
            }
            let Some(name) = node_child(spec, "name") else {
                continue;
            };
            let local = spec_name(name, src);
            let alias = node_child(spec, "alias");
            let exported = alias
                .map(|a| spec_name(a, src))
                .unwrap_or_else(|| local.clone());
            let sp = span(alias.unwrap_or(name));
            match &source {
                Some(s) => f.exports.push(ExportItem::ReExport {
                    exported,
                    imported: local,
                    source: s.clone(),
                    span: sp,
                }),
                None => f.exports.push(ExportItem::Local {
                    exported,
                    local,
                    span: sp,
                }),
            }
        }
        return;
    }
    if let Some(ns) = children
        .iter()
        .find(|n| node_kind(**n) == "namespace_export")
    {
        if let Some(s) = &source {
            let mut c2 = ns.walk();
            let name = ns
                .named_children(&mut c2)
                .last()
                .map(|n| spec_name(n, src))
                .unwrap_or_default();
            f.exports.push(ExportItem::StarAs {
                exported: name,
                source: s.clone(),
                span: span(*ns),
            });
        }
        return;
    }
    if let Some(s) = source {
        if has_token(stmt, "*") {
            f.exports.push(ExportItem::Star {
                source: s,
                span: span(stmt),
            });
        }
        return;
    }
    // TypeScript `export = value`: a CommonJS export.
    if has_token(stmt, "=") {
        f.commonjs.get_or_insert_with(Vec::new);
    }
}

/// Strips `(x)`, `x as T`, `x satisfies T`, `x!`.
fn unwrap_expr(mut n: Node) -> Node {
    loop {
        match node_kind(n) {
            "parenthesized_expression"
            | "as_expression"
            | "satisfies_expression"
            | "non_null_expression"
            | "type_assertion" => match n.named_child(0) {
                Some(c) => n = c,
                None => return n,
            },
            _ => return n,
        }
    }
}

/// Records a top-level declaration; returns the names it binds.
fn declaration(f: &mut FileFacts, n: Node, src: &[u8], h: &Bodies) -> Vec<(String, Span)> {
    match node_kind(n) {
        "class_declaration" | "abstract_class_declaration" | "class" => {
            let idx = class_fact(f, n, src, h);
            let c = &f.classes[idx];
            match &c.name {
                Some(name) => {
                    let name = name.clone();
                    let sp = c.name_span;
                    f.decls.insert(name.clone(), (Decl::Class(idx), sp));
                    vec![(name, sp)]
                }
                None => vec![],
            }
        }
        "function_declaration" | "generator_function_declaration" | "function_signature" => {
            match node_child(n, "name") {
                Some(name) => {
                    let s = text_of(name, src).to_string();
                    f.decls.insert(s.clone(), (Decl::Function, span(name)));
                    vec![(s, span(name))]
                }
                None => vec![],
            }
        }
        "lexical_declaration" | "variable_declaration" => {
            let mut out = Vec::new();
            let mut c = n.walk();
            for d in n.named_children(&mut c) {
                if node_kind(d) != "variable_declarator" {
                    continue;
                }
                let Some(name) = node_child(d, "name") else {
                    continue;
                };
                let value = node_child(d, "value");
                if node_kind(name) == "identifier" {
                    let kind = value
                        .map(|v| value_kind(f, v, src, h))
                        .unwrap_or(ValueKind::Other);
                    let s = text_of(name, src).to_string();
                    f.decls.insert(s.clone(), (Decl::Value(kind), span(name)));
                    out.push((s, span(name)));
                } else {
                    // `const { A, B: C } = make()`, `const [A] = …`
                    for (s, sp) in pattern_names(name, src) {
                        f.decls
                            .insert(s.clone(), (Decl::Value(ValueKind::Destructured), sp));
                        out.push((s, sp));
                    }
                }
            }
            out
        }
        // `declare class X …`, `declare const X: …` (declaration files): what
        // they declare exists at run time in the matching JavaScript.
        "ambient_declaration" => {
            let mut c = n.walk();
            let inner: Vec<Node> = n.named_children(&mut c).collect();
            inner
                .into_iter()
                .flat_map(|d| declaration(f, d, src, h))
                .collect()
        }
        "interface_declaration"
        | "type_alias_declaration"
        | "enum_declaration"
        | "module"
        | "internal_module" => match node_child(n, "name") {
            Some(name) if node_kind(n) != "enum_declaration" => {
                let s = text_of(name, src).to_string();
                f.decls.entry(s.clone()).or_insert((Decl::Type, span(name)));
                vec![(s, span(name))]
            }
            Some(name) => {
                let s = text_of(name, src).to_string();
                f.decls
                    .insert(s.clone(), (Decl::Value(ValueKind::Other), span(name)));
                vec![(s, span(name))]
            }
            None => vec![],
        },
        _ => vec![],
    }
}

fn pattern_names(p: Node, src: &[u8]) -> Vec<(String, Span)> {
    let mut out = Vec::new();
    let mut stack = vec![p];
    while let Some(n) = stack.pop() {
        match node_kind(n) {
            "identifier" | "shorthand_property_identifier_pattern" => {
                out.push((text_of(n, src).to_string(), span(n)))
            }
            "pair_pattern" => {
                if let Some(v) = node_child(n, "value") {
                    stack.push(v);
                }
            }
            "assignment_pattern" | "object_assignment_pattern" => {
                if let Some(l) = node_child(n, "left") {
                    stack.push(l);
                }
            }
            _ => {
                let mut c = n.walk();
                for ch in n.named_children(&mut c) {
                    stack.push(ch);
                }
            }
        }
    }
    out.reverse();
    out
}

fn value_kind(f: &mut FileFacts, v: Node, src: &[u8], h: &Bodies) -> ValueKind {
    let v = unwrap_expr(v);
    match node_kind(v) {
        "class" => ValueKind::Class(class_fact(f, v, src, h)),
        "identifier" => ValueKind::Alias(text_of(v, src).to_string()),
        "call_expression" | "new_expression" | "await_expression" => {
            let callee = node_child(v, "function")
                .or_else(|| node_child(v, "constructor"))
                .map(|c| text_of(c, src).to_string())
                .unwrap_or_else(|| short(text_of(v, src)));
            ValueKind::Call(callee)
        }
        "arrow_function" => ValueKind::Arrow,
        "function_expression" | "function" | "generator_function" => ValueKind::Function,
        "object" | "array" | "string" | "number" | "template_string" | "true" | "false"
        | "null" | "undefined" | "regex" => ValueKind::Literal,
        _ => ValueKind::Other,
    }
}

/// An expression for messages: whitespace folded, at most 60 characters.
fn short(text: &str) -> String {
    let folded = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if folded.chars().count() > 60 {
        format!("{}…", folded.chars().take(59).collect::<String>())
    } else {
        folded
    }
}

fn class_fact(f: &mut FileFacts, n: Node, src: &[u8], h: &Bodies) -> usize {
    let name = node_child(n, "name");
    let mut base = None;
    let mut base_span = None;
    let mut c = n.walk();
    if let Some(h) = n
        .named_children(&mut c)
        .find(|x| node_kind(x) == "class_heritage")
    {
        let mut c2 = h.walk();
        let children: Vec<Node> = h.named_children(&mut c2).collect();
        let expr = match children.iter().find(|x| node_kind(**x) == "extends_clause") {
            Some(ext) => node_child(*ext, "value").or_else(|| ext.named_child(0)),
            None => children
                .first()
                .copied()
                .filter(|x| node_kind(x) != "implements_clause"),
        };
        if let Some(e) = expr {
            let e = unwrap_expr(e);
            base_span = Some(span(e));
            base = Some(match node_kind(e) {
                "identifier" => Base::Ident(text_of(e, src).to_string()),
                "member_expression" => {
                    let obj = node_child(e, "object");
                    let prop = node_child(e, "property");
                    match (obj, prop) {
                        (Some(o), Some(p)) if node_kind(o) == "identifier" => {
                            Base::Member(text_of(o, src).to_string(), text_of(p, src).to_string())
                        }
                        _ => Base::Expr(text_of(e, src).to_string()),
                    }
                }
                _ => Base::Expr(short(text_of(e, src))),
            });
        }
    }
    let mut methods = Vec::new();
    if let Some(body) = node_child(n, "body") {
        let mut c3 = body.walk();
        for m in body.named_children(&mut c3) {
            if matches!(
                node_kind(m),
                "method_definition" | "public_field_definition" | "method_signature"
            ) {
                if let Some(mn) = node_child(m, "name") {
                    methods.push(text_of(mn, src).to_string());
                }
            }
        }
    }
    let body = body_reusing(n, src, base.is_some(), h);
    f.classes.push(ClassFact {
        name: name.map(|x| text_of(x, src).to_string()),
        name_span: name
            .map(span)
            .unwrap_or(Span::new(n.start_byte(), n.start_byte())),
        span: span(n),
        base,
        base_span,
        methods,
        body,
        defaulted: Vec::new(),
    });
    f.classes.len() - 1
}

/// What reading a class body needs beyond the class: the file's helper
/// functions, and the prior facts it may take bodies from.
struct Bodies<'h, 't, 'p> {
    helpers: &'h Helpers<'t>,
    prior: Option<Prior<'p>>,
}

/// The body of `class`: taken from the prior facts when a class there has
/// the same text and the helpers it may read are the same (and, when it
/// found uses inside them, at the same places), otherwise walked.
fn body_reusing(class: Node, src: &[u8], has_base: bool, h: &Bodies) -> class_body::ClassBody {
    let text = &src[class.byte_range()];
    let reused = h
        .prior
        .filter(|p| p.facts.helpers.text == h.helpers.print.text)
        .and_then(|p| {
            let same_place = p.facts.helpers.place == h.helpers.print.place;
            p.facts.classes.iter().find(|c| {
                c.span.len() == text.len()
                    && p.text.as_bytes().get(c.span.start..c.span.end) == Some(text)
                    && (same_place || c.body.ctx_uses.iter().all(|u| u.via.is_none()))
            })
        });
    match reused {
        Some(c) => c
            .body
            .clone()
            .shifted(class.start_byte() as isize - c.span.start as isize),
        None => class_body::class_body(class, src, has_base, h.helpers),
    }
}

/// How long the walk for one file's shapes may take, in CPU time of the
/// analysing thread; past this the walk stops and the file's facts are
/// partial. CPU time, not wall time: on a loaded machine a thread waits for
/// a core, and a budget that counted the wait would cut files that an idle
/// machine analyses whole (the same file must give the same facts in the
/// editor and in CI).
pub const WALK_BUDGET: std::time::Duration = std::time::Duration::from_millis(250);

/// The CPU time the calling thread has used (wall time since `since` where
/// the platform has no thread clock).
fn thread_time(since: std::time::Instant) -> std::time::Duration {
    #[cfg(unix)]
    {
        let mut ts = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: clock_gettime only writes the timespec it is given.
        if unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) } == 0 {
            return std::time::Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32);
        }
    }
    since.elapsed()
}
fn run_queries(f: &mut FileFacts, lang: Lang, root: Node, src: &[u8]) {
    // Each kind of shape is looked for only when its trigger word is in
    // the text (a substring search is far cheaper than a walk).
    let text = std::str::from_utf8(src).unwrap_or("");
    let want = shapes::Wanted {
        env: text.contains("env.") || text.contains("env?.") || text.contains("exports."),
        env_types: lang.is_typescript() && text.contains("DurableObjectNamespace"),
        globals: text.contains("addEventListener") || text.contains("exports"),
    };
    if !want.any() {
        return;
    }
    let wall = std::time::Instant::now();
    let started = thread_time(wall);
    let mut hits = Vec::new();
    let whole = shapes::walk(
        root,
        src,
        want,
        || thread_time(wall).saturating_sub(started) > WALK_BUDGET,
        |h| hits.push(h),
    );
    for h in hits {
        take_hit(f, h, src);
    }
    if !whole {
        f.cut = Some(format!(
            "reading it took longer than {} ms (deeply nested or unclosed code), so what was found is partial",
            WALK_BUDGET.as_millis()
        ));
    }
}

/// The facts of one shape found by [`shapes::walk`].
fn take_hit(f: &mut FileFacts, h: shapes::Hit, src: &[u8]) {
    match h {
        shapes::Hit::Helper { func, binding: b } => {
            let name = text_of(func, src);
            if let Some(helper) = NAMESPACE_HELPERS.iter().find(|(_, n)| *n == name) {
                // Only the package's own helper: a local function of the
                // same name says nothing.
                let from_package = f.import_of(name).is_some_and(|imp| {
                    imp.imported == Imported::Named(name.to_string())
                        && (imp.source == helper.0
                            || imp.source.starts_with(&format!("{}/", helper.0)))
                });
                if from_package {
                    f.env_uses.push(EnvUse {
                        binding: Some(text_of(b, src).to_string()),
                        method: name.to_string(),
                        span: span(b),
                        literals: Vec::new(),
                    });
                }
            }
        }
        shapes::Hit::Stub { binding, method } => f.stub_calls.push(StubCall {
            binding: text_of(binding, src).to_string(),
            method: text_of(method, src).to_string(),
            span: span(method),
        }),
        shapes::Hit::Env {
            binding: b,
            method: me,
        } => {
            let method = text_of(me, src);
            // `<holder>.exports.X.m()`: the object of `X` is `….exports`
            let exports = b
                .parent()
                .and_then(|m| node_child(m, "object"))
                .filter(|o| node_kind(*o) == "member_expression")
                .filter(|o| {
                    node_child(*o, "property").is_some_and(|p| text_of(p, src) == "exports")
                });
            if let Some(o) = exports {
                // only a context's `exports`: `ctx.exports`, `this.ctx.exports`
                let holder = node_child(o, "object")
                    .map(|h| text_of(h, src))
                    .unwrap_or("");
                if (holder == "ctx" || holder.ends_with(".ctx"))
                    && NAMESPACE_METHODS.contains(&method)
                {
                    f.ctx_exports.push((text_of(b, src).to_string(), span(b)));
                }
                return;
            }
            let mut literals = literal_args(me, src);
            if method == "jurisdiction" {
                // `.jurisdiction("eu").getByName(…, { locationHint })`:
                // the options of the call chained on the subnamespace
                literals.extend(chained_options(me, src));
            }
            // `get` is shared with KV; with a `locationHint` it is a
            // Durable Object namespace's.
            let stub_get = method == "get"
                && literals
                    .iter()
                    .any(|l| l.key.as_deref() == Some("locationHint"));
            if matches!(method, "get" | "getByName") {
                // `const stub = env.X.getByName(…)`: calls on `stub`
                for (m, sp) in calls_on_saved_stub(me, src) {
                    f.stub_calls.push(StubCall {
                        binding: text_of(b, src).to_string(),
                        method: m,
                        span: sp,
                    });
                }
            }
            if NAMESPACE_METHODS.contains(&method) || stub_get {
                f.env_uses.push(EnvUse {
                    binding: Some(text_of(b, src).to_string()),
                    method: method.to_string(),
                    span: span(b),
                    literals,
                });
            }
        }
        shapes::Hit::EnvMember {
            type_name,
            name,
            ty,
        } => {
            if text_of(ty, src) == "DurableObjectNamespace" {
                f.env_members.push(EnvMember {
                    type_name: text_of(type_name, src).to_string(),
                    name: text_of(name, src).to_string(),
                    span: span(name),
                });
            }
        }
        shapes::Hit::Listener => f.add_event_listener = true,
        shapes::Hit::CommonJs {
            object,
            property,
            name,
        } => {
            let names = f.commonjs.get_or_insert_with(Vec::new);
            match (text_of(object, src), text_of(property, src)) {
                ("module", "exports") => {
                    if let Some(n) = name {
                        names.push(text_of(n, src).to_string());
                    }
                }
                ("exports", name) => names.push(name.to_string()),
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {

    /// Facts read with a prior text's class bodies equal the facts read
    /// from nothing, for edits inside a class, before it, in a helper, and
    /// of a helper's place; only the classes whose text changed are walked.
    #[test]
    fn reused_class_bodies_equal_fresh_ones() {
        let base = r#"import { DurableObject } from "cloudflare:workers";
function migrate(storage) { storage.sql.exec("CREATE TABLE t (x)"); }
export class A extends DurableObject {
  constructor(ctx, env) { super(ctx, env); migrate(ctx.storage); }
  async fetch() { this.ctx.storage.setAlarm(Date.now() + 1000); return new Response("a"); }
  async alarm() { setTimeout(() => {}, 10); }
}
export class B extends DurableObject {
  sql = this.ctx.storage.sql;
  async fetch() { this.sql.exec("SELECT 1"); return new Response("b"); }
}
export class C extends DurableObject {
  async fetch() { const [c, s] = Object.values(new WebSocketPair()); s.accept(); return new Response(null); }
}
"#;
        let edits: Vec<(&str, String, usize)> = vec![
            ("inside B", base.replace("SELECT 1", "SELECT 2"), 1),
            // everything moves: A, which found uses in the helper, is walked
            (
                "before A",
                base.replace("import {", "// a comment\nimport {"),
                1,
            ),
            (
                "in the helper",
                base.replace("CREATE TABLE t", "CREATE TABLE u"),
                3,
            ),
            (
                "the helper moved",
                base.replace("function migrate", "const pad = 1;\nfunction migrate"),
                1,
            ),
            (
                "B deleted",
                {
                    let a = base.find("export class B").unwrap();
                    let c = base.find("export class C").unwrap();
                    format!("{}{}", &base[..a], &base[c..])
                },
                0,
            ),
            ("unchanged", base.to_string(), 0),
        ];
        let lang = Lang::TypeScript;
        let old_tree = super::super::parse(lang, base, None).unwrap();
        let old = facts(lang, base, &old_tree);
        for (what, text, walks) in edits {
            let tree = super::super::parse(lang, &text, None).unwrap();
            let fresh = facts(lang, &text, &tree);
            let before = super::class_body::WALKED.with(|w| w.get());
            let reused = facts_reusing(
                lang,
                &text,
                &tree,
                Some(Prior {
                    text: base,
                    facts: &old,
                }),
            );
            let walked = super::class_body::WALKED.with(|w| w.get()) - before;
            assert_eq!(format!("{reused:?}"), format!("{fresh:?}"), "{what}");
            assert_eq!(walked, walks, "{what}: class bodies walked");
        }
    }

    use super::*;

    /// The walk budget's clock does not run while the thread waits (as it
    /// does for a core on a loaded machine).
    #[cfg(unix)]
    #[test]
    fn the_budget_clock_counts_cpu_time_only() {
        let wall = std::time::Instant::now();
        let before = thread_time(wall);
        std::thread::sleep(std::time::Duration::from_millis(200));
        let used = thread_time(wall).saturating_sub(before);
        assert!(used < std::time::Duration::from_millis(100), "{used:?}");
    }

    fn facts_of(lang: Lang, text: &str) -> FileFacts {
        let tree = super::super::parse(lang, text, None).unwrap();
        facts(lang, text, &tree)
    }

    fn export_names(f: &FileFacts) -> Vec<String> {
        f.exports
            .iter()
            .map(|e| match e {
                ExportItem::Local { exported, .. } => exported.clone(),
                ExportItem::Default { .. } => "default".into(),
                ExportItem::ReExport {
                    exported,
                    imported,
                    source,
                    ..
                } => format!("{exported}<-{imported}@{source}"),
                ExportItem::Star { source, .. } => format!("*@{source}"),
                ExportItem::StarAs {
                    exported, source, ..
                } => format!("{exported}=*@{source}"),
            })
            .collect()
    }

    #[test]
    fn exports_of_every_shape() {
        let f = facts_of(
            Lang::TypeScript,
            r#"
import { DurableObject } from "cloudflare:workers";
import * as ns from "./ns";
export class A extends DurableObject {}
class B {}
export { B as Bee, B };
export { C as Cee } from "./c.js";
export * from "./star";
export * as all from "./all";
export const D = wrap(A), { E, F: G } = make();
export type { T } from "./t";
export interface Env { X: DurableObjectNamespace<A> }
export default class Main {}
"#,
        );
        assert_eq!(
            export_names(&f),
            vec![
                "A",
                "Bee",
                "B",
                "Cee<-C@./c.js",
                "*@./star",
                "all=*@./all",
                "D",
                "E",
                "G",
                "Env",
                "default"
            ]
            .into_iter()
            .map(String::from)
            .filter(|n| n != "Env")
            .collect::<Vec<_>>()
        );
        let a = &f.classes[0];
        assert_eq!(a.base, Some(Base::Ident("DurableObject".into())));
        assert!(matches!(f.decls["D"].0, Decl::Value(ValueKind::Call(ref c)) if c == "wrap"));
        assert!(matches!(
            f.decls["G"].0,
            Decl::Value(ValueKind::Destructured)
        ));
        assert_eq!(f.env_members.len(), 1);
        assert_eq!(f.env_members[0].name, "X");
        assert!(f.has_default_export());
    }

    #[test]
    fn env_uses_with_namespace_methods_only() {
        let f = facts_of(
            Lang::JavaScript,
            "export default { fetch(r, env) { env.KV.get('x'); this.env.COUNTER.idFromName('a'); return c.env.ROOMS.getByName('b'); } }",
        );
        let b: Vec<_> = f
            .env_uses
            .iter()
            .filter_map(|u| u.binding.as_deref())
            .collect();
        assert_eq!(b, vec!["COUNTER", "ROOMS"]);
        let f = facts_of(
            Lang::TypeScript,
            "env.A.getByName('x').increment(); env.A.get(id).fetch(r);",
        );
        let calls: Vec<_> = f
            .stub_calls
            .iter()
            .map(|c| (c.binding.as_str(), c.method.as_str()))
            .collect();
        assert_eq!(calls, vec![("A", "increment"), ("A", "fetch")]);
        // a Map field named like a binding is not a namespace
        let f = facts_of(
            Lang::TypeScript,
            "this.ROOMS.get(k).send(x); this.env.ROOMS.getByName('a').hello();",
        );
        let calls: Vec<_> = f
            .stub_calls
            .iter()
            .map(|c| (c.binding.as_str(), c.method.as_str()))
            .collect();
        assert_eq!(calls, vec![("ROOMS", "hello")]);
    }

    #[test]
    fn service_worker_and_commonjs() {
        let f = facts_of(Lang::JavaScript, "addEventListener('fetch', e => {});");
        assert!(f.add_event_listener && !f.has_default_export());
        let f = facts_of(
            Lang::JavaScript,
            "class C {}\nmodule.exports = { C };\nexports.D = 1;",
        );
        assert_eq!(f.commonjs.as_deref(), Some(&["D".to_string()][..]));
    }

    #[test]
    fn class_expression_and_member_base() {
        let f = facts_of(Lang::Tsx, "import * as cf from 'cloudflare:workers';\nexport const X = class extends cf.DurableObject {};\nexport class Y extends mixin(Z) {}");
        assert!(matches!(f.decls["X"].0, Decl::Value(ValueKind::Class(_))));
        assert_eq!(
            f.classes[0].base,
            Some(Base::Member("cf".into(), "DurableObject".into()))
        );
        assert!(matches!(f.classes[1].base, Some(Base::Expr(_))));
    }

    #[test]
    fn declaration_files_declare_classes() {
        let f = facts_of(
            Lang::TypeScript,
            "import { DurableObject } from 'cloudflare:workers';\nexport declare class SpaceDO extends DurableObject {}\ndeclare class Other {}\nexport { Other };\nexport declare const value: number;\nexport declare function make(): void;\n",
        );
        assert!(
            matches!(f.decls["SpaceDO"].0, Decl::Class(_)),
            "{:?}",
            f.decls
        );
        assert!(matches!(f.decls["Other"].0, Decl::Class(_)));
        assert_eq!(f.classes[0].base, Some(Base::Ident("DurableObject".into())));
        let names = export_names(&f);
        for n in ["SpaceDO", "Other", "value", "make"] {
            assert!(names.contains(&n.to_string()), "{n}: {names:?}");
        }
    }

    #[test]
    fn half_typed_code_still_yields_facts() {
        let f = facts_of(
            Lang::TypeScript,
            "export class A extends DurableObject {\n  fetch( {\n}\nexport class B {}",
        );
        assert!(f.has_errors);
        assert!(!f.classes.is_empty());
    }
}
