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
//!   with the JavaScript method names (Python calls the JavaScript API).

use super::facts::{Base, ClassFact, Decl, EnvUse, ExportItem, FileFacts, Import, Imported};
use crate::text::Span;
use tree_sitter::{Node, Tree};

fn text_of<'a>(n: Node, src: &'a str) -> &'a str {
    src.get(n.byte_range()).unwrap_or("")
}

fn span(n: Node) -> Span {
    Span::new(n.start_byte(), n.end_byte())
}

/// The namespace methods a Durable Object binding is read through.
const NAMESPACE_METHODS: &[&str] = &[
    "idFromName",
    "idFromString",
    "newUniqueId",
    "get",
    "getByName",
    "jurisdiction",
];

/// Nodes one module's walk visits at most.
const MAX_NODES: usize = 4_000_000;

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
        binding: text_of(binding, src).to_string(),
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
            .map(|u| (u.binding.as_str(), u.method.as_str()))
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
