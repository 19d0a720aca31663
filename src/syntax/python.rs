//! The Python front end: a Python Worker's module read into the same
//! language-neutral facts as a TypeScript one.
//!
//! - `class X(DurableObject)` (the base imported from `workers`, or
//!   `workers.DurableObject`): a class whose base is the platform's
//!   Durable Object base;
//! - a module exports every name it binds at the top level: its classes,
//!   and what it imports (`from room import Room` re-exports `Room`, so an
//!   entry that imports a class exports it);
//! - `from m import X` / `import m` give imports of `py:m` specifiers,
//!   resolved by `project::resolve`; `from m import *` re-exports `m`;
//! - `self.env.BINDING.idFromName(…)`, `env.BINDING.get(…)`: namespace uses
//!   with the JavaScript method names (Python calls the JavaScript API);
//! - a class's methods and its uses of the state (`self.ctx.storage.setAlarm(…)`,
//!   `self.ctx.storage.sql.exec("…")`), named as JavaScript names them, so
//!   the source rules read them unchanged; `__init__` is the constructor.

use super::class_body::{
    Arg, ArgKind, Call, ClassBody, Constructor, CtxUse, Member, MemberKind, Param,
};
use super::facts::{Base, ClassFact, Decl, EnvUse, ExportItem, FileFacts, Import, Imported};
use super::node::{span_of as span, text_in as text_of, MAX_NODES};
use crate::text::Span;
use tree_sitter::{Node, Tree};

/// The namespace methods a Durable Object binding is read through.
const NAMESPACE_METHODS: &[&str] = &[
    "idFromName",
    "idFromString",
    "newUniqueId",
    "get",
    "getByName",
    "jurisdiction",
];

/// A module's facts.
pub fn facts(src: &str, tree: &Tree) -> FileFacts {
    let root = tree.root_node();
    let mut f = FileFacts {
        has_errors: root.has_error(),
        ..FileFacts::default()
    };
    // Top-level statements: classes, imports, what the module binds.
    let mut cur = root.walk();
    for stmt in root.named_children(&mut cur) {
        let stmt = if stmt.kind() == "decorated_definition" {
            stmt.child_by_field_name("definition").unwrap_or(stmt)
        } else {
            stmt
        };
        match stmt.kind() {
            "class_definition" => class(&mut f, stmt, src),
            "import_from_statement" => from_import(&mut f, stmt, src),
            "import_statement" => {
                let mut c = stmt.walk();
                for n in stmt.named_children(&mut c) {
                    let (module, alias) = match n.kind() {
                        "dotted_name" => (n, None),
                        "aliased_import" => (
                            n.child_by_field_name("name").unwrap_or(n),
                            n.child_by_field_name("alias"),
                        ),
                        _ => continue,
                    };
                    let m = text_of(module, src);
                    let local = alias
                        .map(|a| text_of(a, src))
                        .unwrap_or_else(|| m.split('.').next().unwrap_or(m));
                    f.imports.push(Import {
                        local: local.to_string(),
                        imported: Imported::Namespace,
                        source: format!("py:{m}"),
                        source_span: span(module),
                    });
                }
            }
            _ => {}
        }
    }
    // Namespace uses anywhere.
    let mut stack = vec![root];
    let mut steps = 0usize;
    while let Some(n) = stack.pop() {
        steps += 1;
        if steps > MAX_NODES {
            f.cut = Some("the file is too large to read whole".into());
            break;
        }
        if n.kind() == "call" {
            env_use(&mut f, n, src);
        }
        let mut c = n.walk();
        let kids: Vec<Node> = n.named_children(&mut c).collect();
        stack.extend(kids.into_iter().rev());
    }
    f.env_uses.sort_by_key(|u| u.span.start);
    f
}

fn class(f: &mut FileFacts, n: Node, src: &str) {
    let Some(name) = n.child_by_field_name("name") else {
        return;
    };
    let name_s = text_of(name, src).to_string();
    // The first base that names the platform's class, as written.
    let base = n.child_by_field_name("superclasses").and_then(|args| {
        let mut c = args.walk();
        let found = args.named_children(&mut c).find_map(|b| match b.kind() {
            "identifier" => Some((Base::Ident(text_of(b, src).to_string()), span(b))),
            "attribute" => {
                let obj = b.child_by_field_name("object")?;
                let attr = b.child_by_field_name("attribute")?;
                Some((
                    Base::Member(
                        text_of(obj, src).to_string(),
                        text_of(attr, src).to_string(),
                    ),
                    span(b),
                ))
            }
            _ => None,
        });
        found
    });
    let mut methods = Vec::new();
    let body = class_body(n, src);
    if let Some(body) = n.child_by_field_name("body") {
        let mut c = body.walk();
        for item in body.named_children(&mut c) {
            let item = if item.kind() == "decorated_definition" {
                item.child_by_field_name("definition").unwrap_or(item)
            } else {
                item
            };
            if item.kind() == "function_definition" {
                if let Some(m) = item.child_by_field_name("name") {
                    methods.push(text_of(m, src).to_string());
                }
            }
        }
    }
    let idx = f.classes.len();
    f.classes.push(ClassFact {
        name: Some(name_s.clone()),
        name_span: span(name),
        span: span(n),
        base_span: base.as_ref().map(|(_, s)| *s),
        base: base.map(|(b, _)| b),
        methods,
        body,
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

/// A class's methods and their uses of the state object: chains from
/// `self.ctx` / `self.state` (or a `ctx`/`state` parameter) up to their
/// first call, as in JavaScript; property reads too
/// (`sql = self.ctx.storage.sql`).
fn class_body(class: Node, src: &str) -> ClassBody {
    let mut b = ClassBody::default();
    let Some(block) = class.child_by_field_name("body") else {
        return b;
    };
    let mut c = block.walk();
    let items: Vec<Node> = block.named_children(&mut c).collect();
    for item in items {
        let decorated = item.kind() == "decorated_definition";
        let item = if decorated {
            item.child_by_field_name("definition").unwrap_or(item)
        } else {
            item
        };
        if item.kind() != "function_definition" {
            continue;
        }
        let Some(name) = item.child_by_field_name("name") else {
            continue;
        };
        let name_s = text_of(name, src).to_string();
        let is_static =
            decorated && text_of(item.parent().unwrap_or(item), src).contains("@staticmethod");
        let member = b.members.len();
        let head = text_of(item, src);
        b.members.push(Member {
            name: name_s.clone(),
            name_span: span(name),
            span: span(item),
            kind: MemberKind::Method,
            is_static,
            is_async: head.trim_start().starts_with("async"),
            has_body: true,
        });
        if name_s == "__init__" {
            let params = item
                .child_by_field_name("parameters")
                .map(|p| {
                    let mut c = p.walk();
                    p.named_children(&mut c)
                        .skip(1)
                        .map(|x| Param {
                            name: (x.kind() == "identifier").then(|| text_of(x, src).to_string()),
                            span: span(x),
                            is_field: false,
                        })
                        .collect()
                })
                .unwrap_or_default();
            b.constructor = Some(Constructor {
                member,
                span: span(item),
                params,
                super_call: None,
                calls: Vec::new(),
            });
        }
        if let Some(body) = item.child_by_field_name("body") {
            uses(&mut b.ctx_uses, body, item, member, src);
            accepts(&mut b.accept_calls, body, src);
        }
    }
    b.ctx_uses.sort_by_key(|u| u.span.start);
    b
}

/// `x.accept()` calls with no arguments where `x` is not the state: the
/// standard WebSocket API (the JavaScript method, through the FFI).
fn accepts(out: &mut Vec<Span>, body: Node, src: &str) {
    let mut stack = vec![body];
    while let Some(n) = stack.pop() {
        let mut c = n.walk();
        stack.extend(n.named_children(&mut c));
        if n.kind() != "call" {
            continue;
        }
        let (Some(func), Some(args)) = (
            n.child_by_field_name("function"),
            n.child_by_field_name("arguments"),
        ) else {
            continue;
        };
        if func.kind() != "attribute" || args.named_child_count() != 0 {
            continue;
        }
        let (Some(obj), Some(attr)) = (
            func.child_by_field_name("object"),
            func.child_by_field_name("attribute"),
        ) else {
            continue;
        };
        let o = text_of(obj, src);
        let state = matches!(o, "ctx" | "state" | "self.ctx" | "self.state");
        if text_of(attr, src) == "accept" && !state {
            out.push(span(n));
        }
    }
    out.sort_by_key(|s| s.start);
}

/// The state object's uses in one method.
fn uses(out: &mut Vec<CtxUse>, body: Node, method: Node, member: usize, src: &str) {
    let mut stack = vec![body];
    let mut steps = 0usize;
    while let Some(n) = stack.pop() {
        steps += 1;
        if steps > MAX_NODES {
            return;
        }
        let mut c = n.walk();
        stack.extend(n.named_children(&mut c));
        if n.kind() != "attribute" {
            continue;
        }
        // Only the longest chain of attributes: not the object of another.
        let parent = n.parent();
        if parent
            .is_some_and(|p| p.kind() == "attribute" && p.child_by_field_name("object") == Some(n))
        {
            continue;
        }
        let mut names: Vec<Node> = Vec::new();
        let mut at = n;
        let root = loop {
            match at.kind() {
                "attribute" => {
                    let (Some(obj), Some(attr)) = (
                        at.child_by_field_name("object"),
                        at.child_by_field_name("attribute"),
                    ) else {
                        break None;
                    };
                    names.push(attr);
                    at = obj;
                }
                "identifier" => break Some(at),
                _ => break None,
            }
        };
        let Some(root) = root else { continue };
        names.reverse();
        let mut path: Vec<String> = names.iter().map(|x| text_of(*x, src).to_string()).collect();
        match text_of(root, src) {
            "self" if matches!(path.first().map(String::as_str), Some("ctx" | "state")) => {
                path.remove(0);
            }
            "ctx" | "state" => {}
            _ => continue,
        }
        if path.is_empty() {
            continue;
        }
        let call =
            parent.filter(|p| p.kind() == "call" && p.child_by_field_name("function") == Some(n));
        let called = call.map(|c| Call {
            args: c
                .child_by_field_name("arguments")
                .map(|a| {
                    let mut cur = a.walk();
                    a.named_children(&mut cur).map(|x| arg(x, src)).collect()
                })
                .unwrap_or_default(),
        });
        let mut nested = false;
        let mut up = n.parent();
        while let Some(p) = up {
            if p.id() == method.id() {
                break;
            }
            if matches!(p.kind(), "function_definition" | "lambda") {
                nested = true;
            }
            up = p.parent();
        }
        out.push(CtxUse {
            path,
            span: span(call.unwrap_or(n)),
            name_span: names.last().map(|x| span(*x)).unwrap_or(span(n)),
            called,
            member: Some(member),
            via: None,
            in_block_concurrency: false,
            nested,
        });
    }
}

/// A call argument, as the source rules read literals.
fn arg(n: Node, src: &str) -> Arg {
    let kind = match n.kind() {
        "string" => {
            let mut c = n.walk();
            let parts: Vec<Node> = n.named_children(&mut c).collect();
            let prefix = parts
                .first()
                .filter(|p| p.kind() == "string_start")
                .map(|p| text_of(*p, src).to_ascii_lowercase())
                .unwrap_or_default();
            let plain = !prefix.contains('f')
                && !prefix.contains('b')
                && !parts.iter().any(|p| p.kind() == "interpolation");
            if plain {
                let value: String = parts
                    .iter()
                    .filter(|p| p.kind() == "string_content")
                    .map(|p| text_of(*p, src))
                    .collect();
                if value.contains('\\') {
                    ArgKind::Other
                } else {
                    ArgKind::Str(value)
                }
            } else {
                ArgKind::Other
            }
        }
        "integer" | "float" => ArgKind::Number,
        "true" => ArgKind::Bool(true),
        "false" => ArgKind::Bool(false),
        "none" => ArgKind::Null,
        "list" => {
            let mut c = n.walk();
            let items: Vec<Node> = n.named_children(&mut c).collect();
            ArgKind::Array {
                len: items.len(),
                spread: items.iter().any(|i| i.kind() == "list_splat"),
            }
        }
        "dictionary" => ArgKind::Object,
        "lambda" => ArgKind::Function,
        _ => ArgKind::Other,
    };
    Arg {
        span: span(n),
        kind,
    }
}

/// `from m import A, B as C` / `from m import *`. `workers` is the
/// platform: its `DurableObject` is the one `cloudflare:workers` exports.
fn from_import(f: &mut FileFacts, n: Node, src: &str) {
    let Some(module) = n.child_by_field_name("module_name") else {
        return;
    };
    let m = text_of(module, src);
    let source = if m == "workers" {
        "cloudflare:workers".to_string()
    } else {
        format!("py:{m}")
    };
    let mut c = n.walk();
    let mut any = false;
    for name in n.children_by_field_name("name", &mut c) {
        let (imported, local) = match name.kind() {
            "aliased_import" => (
                name.child_by_field_name("name").map(|x| text_of(x, src)),
                name.child_by_field_name("alias").map(|x| text_of(x, src)),
            ),
            _ => (Some(text_of(name, src)), Some(text_of(name, src))),
        };
        let (Some(imported), Some(local)) = (imported, local) else {
            continue;
        };
        any = true;
        let i = f.imports.len();
        f.imports.push(Import {
            local: local.to_string(),
            imported: Imported::Named(imported.to_string()),
            source: source.clone(),
            source_span: span(module),
        });
        f.decls
            .insert(local.to_string(), (Decl::Import(i), span(name)));
        // A module exports the names it imports.
        if source != "cloudflare:workers" {
            f.exports.push(ExportItem::ReExport {
                exported: local.to_string(),
                imported: imported.to_string(),
                source: source.clone(),
                span: span(name),
            });
        }
    }
    let mut c2 = n.walk();
    let wildcard = n
        .named_children(&mut c2)
        .any(|x| x.kind() == "wildcard_import");
    if wildcard && !any && source != "cloudflare:workers" {
        f.exports.push(ExportItem::Star {
            source,
            span: span(n),
        });
    }
}

/// `env.X.m(…)`, `self.env.X.m(…)` with a namespace method `m`.
fn env_use(f: &mut FileFacts, call: Node, src: &str) {
    let Some(func) = call.child_by_field_name("function") else {
        return;
    };
    if func.kind() != "attribute" {
        return;
    }
    let (Some(ns), Some(method)) = (
        func.child_by_field_name("object"),
        func.child_by_field_name("attribute"),
    ) else {
        return;
    };
    let method = text_of(method, src);
    if !NAMESPACE_METHODS.contains(&method) || ns.kind() != "attribute" {
        return;
    }
    let (Some(holder), Some(binding)) = (
        ns.child_by_field_name("object"),
        ns.child_by_field_name("attribute"),
    ) else {
        return;
    };
    let h = text_of(holder, src);
    if h != "env" && !h.ends_with(".env") {
        return;
    }
    f.env_uses.push(EnvUse {
        binding: Some(text_of(binding, src).to_string()),
        method: method.to_string(),
        span: span(binding),
        literals: Vec::new(),
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::{parse, Lang};

    #[test]
    fn classes_imports_and_namespace_uses() {
        let src = r#"from workers import DurableObject, WorkerEntrypoint, Response
from room import Room
from .chat import Chat as Lobby
import counters

class Counter(DurableObject):
    async def fetch(self, request):
        stub = self.env.ROOMS.getByName("a")
        other = env.COUNTER.idFromName("b")
        return Response("ok")

class Default(WorkerEntrypoint):
    async def fetch(self, request):
        return await self.env.ROOMS.get(self.env.ROOMS.idFromName("x")).fetch(request)
"#;
        let tree = parse(Lang::Python, src, None).unwrap();
        let f = facts(src, &tree);
        let classes: Vec<_> = f.classes.iter().map(|c| c.name.clone().unwrap()).collect();
        assert_eq!(classes, ["Counter", "Default"]);
        assert_eq!(f.classes[0].base, Some(Base::Ident("DurableObject".into())));
        assert_eq!(f.classes[0].methods, ["fetch"]);
        let base = f.import_of("DurableObject").unwrap();
        assert_eq!(base.source, "cloudflare:workers");
        let reexports: Vec<(String, String)> = f
            .exports
            .iter()
            .filter_map(|e| match e {
                ExportItem::ReExport {
                    exported, source, ..
                } => Some((exported.clone(), source.clone())),
                _ => None,
            })
            .collect();
        assert_eq!(
            reexports,
            [
                ("Room".to_string(), "py:room".to_string()),
                ("Lobby".to_string(), "py:.chat".to_string())
            ]
        );
        let uses: Vec<(&str, &str)> = f
            .env_uses
            .iter()
            .map(|u| (u.binding.as_deref().unwrap_or(""), u.method.as_str()))
            .collect();
        assert_eq!(
            uses,
            [
                ("ROOMS", "getByName"),
                ("COUNTER", "idFromName"),
                ("ROOMS", "get"),
                ("ROOMS", "idFromName")
            ]
        );
        assert!(f.imports.iter().any(|i| i.source == "py:counters"));
    }
}
