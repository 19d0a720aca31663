//! The shapes that can sit anywhere in a file, found in one walk of its
//! tree: `env.X.method(…)` calls, methods called on a stub got in the same
//! expression, namespaces passed to the ecosystem's helpers, `Env` members
//! typed as namespaces, `addEventListener(…)` and CommonJS exports.
//!
//! One pass over the nodes with an explicit stack (no recursion with the
//! input's depth), matching each node's shape in code: it costs no more than
//! a query cursor's walk, and nothing is compiled at start (tree-sitter
//! queries of this size took about 50 ms to compile, paid by every run).

use super::node::{child, kind};
use tree_sitter::Node;

/// What to look for; a kind whose trigger word the text lacks is skipped.
#[derive(Clone, Copy, Debug, Default)]
pub struct Wanted {
    /// `env.X.m()`, `ctx.exports.X.m()`, stub calls and helper calls.
    pub env: bool,
    /// `Env` members typed `DurableObjectNamespace` (TypeScript only).
    pub env_types: bool,
    /// `addEventListener(…)` and CommonJS exports.
    pub globals: bool,
}

impl Wanted {
    pub fn any(self) -> bool {
        self.env || self.env_types || self.globals
    }
}

/// One shape found, with the nodes the facts are read from.
#[derive(Clone, Copy, Debug)]
pub enum Hit<'t> {
    /// `getContainer(env.X, …)`: the callee and the binding's property.
    Helper { func: Node<'t>, binding: Node<'t> },
    /// `env.X.getByName(…).m()`: the binding and the method called.
    Stub { binding: Node<'t>, method: Node<'t> },
    /// `env.X.m(…)` or `<holder>.exports.X.m(…)`: the binding and method.
    Env { binding: Node<'t>, method: Node<'t> },
    /// `interface T { X: DurableObjectNamespace… }`: the type's name, the
    /// member's name and its type's name.
    EnvMember {
        type_name: Node<'t>,
        name: Node<'t>,
        ty: Node<'t>,
    },
    /// `addEventListener(…)`.
    Listener,
    /// `module.exports = …` (`name` none), `exports.X = …`,
    /// `module.exports.X = …`: the object, the property and the name.
    CommonJs {
        object: Node<'t>,
        property: Node<'t>,
        name: Option<Node<'t>>,
    },
}

/// Walks the tree under `root` in source order and reports each shape to
/// `hit`. `stop` is asked every few thousand nodes; when it says so the
/// walk ends (the caller's time budget) and `false` is returned.
pub fn walk<'t>(
    root: Node<'t>,
    src: &[u8],
    want: Wanted,
    mut stop: impl FnMut() -> bool,
    mut hit: impl FnMut(Hit<'t>),
) -> bool {
    let mut cursor = root.walk();
    let mut seen: u32 = 0;
    loop {
        let n = cursor.node();
        seen = seen.wrapping_add(1);
        if seen.is_multiple_of(4096) && stop() {
            return false;
        }
        match kind(n) {
            "call_expression" => call(n, src, want, &mut hit),
            "assignment_expression" if want.globals => assignment(n, src, &mut hit),
            "interface_declaration" if want.env_types => {
                if let (Some(name), Some(body)) = (child(n, "name"), child(n, "body")) {
                    if kind(name) == "type_identifier" && kind(body) == "interface_body" {
                        members(name, body, &mut hit);
                    }
                }
            }
            "type_alias_declaration" if want.env_types => {
                if let (Some(name), Some(value)) = (child(n, "name"), child(n, "value")) {
                    if kind(name) == "type_identifier" && kind(value) == "object_type" {
                        members(name, value, &mut hit);
                    }
                }
            }
            _ => {}
        }
        if cursor.goto_first_child() {
            continue;
        }
        loop {
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                return true;
            }
        }
    }
}

fn text<'s>(n: Node, src: &'s [u8]) -> &'s [u8] {
    &src[n.byte_range()]
}

/// `n` is a `member_expression` whose property is a `property_identifier`:
/// (object, property).
fn member(n: Node) -> Option<(Node, Node)> {
    if kind(n) != "member_expression" {
        return None;
    }
    let (obj, prop) = (child(n, "object")?, child(n, "property")?);
    (kind(prop) == "property_identifier").then_some((obj, prop))
}

/// `env.X` (the identifier `env`) or `<anything>.env.X`: the `X`.
fn env_binding<'t>(n: Node<'t>, src: &[u8]) -> Option<Node<'t>> {
    let (obj, binding) = member(n)?;
    let is_env = match kind(obj) {
        "identifier" => text(obj, src) == b"env",
        _ => member(obj).is_some_and(|(_, p)| text(p, src) == b"env"),
    };
    is_env.then_some(binding)
}

fn call<'t>(n: Node<'t>, src: &[u8], want: Wanted, hit: &mut impl FnMut(Hit<'t>)) {
    let Some(func) = child(n, "function") else {
        return;
    };
    if kind(func) == "identifier" {
        if want.globals && text(func, src) == b"addEventListener" {
            hit(Hit::Listener);
        }
        if want.env {
            // the first argument, `env.X` or `this.env.X`
            let first = child(n, "arguments")
                .filter(|a| kind(*a) == "arguments")
                .and_then(|a| a.named_child(0));
            if let Some(binding) = first.and_then(|a| env_binding(a, src)) {
                hit(Hit::Helper { func, binding });
            }
        }
        return;
    }
    if !want.env {
        return;
    }
    let Some((obj, method)) = member(func) else {
        return;
    };
    match kind(obj) {
        // `env.X.get(…).m()`, `this.env.X.getByName(…).m()`
        "call_expression" => {
            let getter = child(obj, "function").and_then(member);
            if let Some((ns, g)) = getter {
                if matches!(text(g, src), b"get" | b"getByName") {
                    if let Some(binding) = env_binding(ns, src) {
                        hit(Hit::Stub { binding, method });
                    }
                }
            }
        }
        // `env.X.m()`, `<holder>.env.X.m()`, `<holder>.exports.X.m()`
        "member_expression" => {
            let Some((holder, binding)) = member(obj) else {
                return;
            };
            let matched = match kind(holder) {
                "identifier" => text(holder, src) == b"env",
                _ => {
                    member(holder).is_some_and(|(_, p)| matches!(text(p, src), b"env" | b"exports"))
                }
            };
            if matched {
                hit(Hit::Env { binding, method });
            }
        }
        _ => {}
    }
}

fn assignment<'t>(n: Node<'t>, src: &[u8], hit: &mut impl FnMut(Hit<'t>)) {
    let Some((obj, prop)) = child(n, "left").and_then(member) else {
        return;
    };
    match kind(obj) {
        // `module.exports = …`, `exports.X = …`
        "identifier" if matches!(text(obj, src), b"module" | b"exports") => hit(Hit::CommonJs {
            object: obj,
            property: prop,
            name: None,
        }),
        // `module.exports.X = …`
        "member_expression" => {
            if let Some((o, p)) = member(obj) {
                if kind(o) == "identifier"
                    && text(o, src) == b"module"
                    && text(p, src) == b"exports"
                {
                    hit(Hit::CommonJs {
                        object: o,
                        property: p,
                        name: Some(prop),
                    });
                }
            }
        }
        _ => {}
    }
}

/// The `property_signature`s of an interface body or object type whose
/// type is a type name or a generic type's name.
fn members<'t>(type_name: Node<'t>, body: Node<'t>, hit: &mut impl FnMut(Hit<'t>)) {
    let mut c = body.walk();
    for sig in body.named_children(&mut c) {
        if kind(sig) != "property_signature" {
            continue;
        }
        let (Some(name), Some(ann)) = (child(sig, "name"), child(sig, "type")) else {
            continue;
        };
        if kind(name) != "property_identifier" || kind(ann) != "type_annotation" {
            continue;
        }
        let mut c2 = ann.walk();
        for t in ann.named_children(&mut c2) {
            let ty = match kind(t) {
                "type_identifier" => Some(t),
                "generic_type" => child(t, "name").filter(|n| kind(*n) == "type_identifier"),
                _ => None,
            };
            if let Some(ty) = ty {
                hit(Hit::EnvMember {
                    type_name,
                    name,
                    ty,
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::{parse, Lang};

    fn hits(text: &str, want: Wanted) -> Vec<String> {
        let tree = parse(Lang::TypeScript, text, None).unwrap();
        let src = text.as_bytes();
        let t = |n: Node| String::from_utf8_lossy(&src[n.byte_range()]).to_string();
        let mut out = Vec::new();
        assert!(walk(
            tree.root_node(),
            src,
            want,
            || false,
            |h| out.push(match h {
                Hit::Helper { func, binding } => format!("helper {} {}", t(func), t(binding)),
                Hit::Stub { binding, method } => format!("stub {} {}", t(binding), t(method)),
                Hit::Env { binding, method } => format!("env {} {}", t(binding), t(method)),
                Hit::EnvMember {
                    type_name,
                    name,
                    ty,
                } => format!("member {} {} {}", t(type_name), t(name), t(ty)),
                Hit::Listener => "listener".into(),
                Hit::CommonJs {
                    object,
                    property,
                    name,
                } => format!("cjs {} {} {:?}", t(object), t(property), name.map(t)),
            })
        ));
        out
    }

    const ALL: Wanted = Wanted {
        env: true,
        env_types: true,
        globals: true,
    };

    #[test]
    fn each_shape_is_found_in_source_order() {
        let text = r#"
interface Env { A: DurableObjectNamespace<Room>; K: KVNamespace; B: DurableObjectNamespace }
type E2 = { C: DurableObjectNamespace };
addEventListener("fetch", () => {});
module.exports = {};
exports.Room = Room;
module.exports.Other = Other;
env.A.idFromName("x");
this.env.B.getByName("y").ping();
c.env?.C.newUniqueId();
ctx.exports.Room.getByName("z");
getContainer(env.D, "a");
getAgentByName(this.env.E);
foo.A.get(x);
env["A"].get(x);
notenv.A.get(x).m();
"#;
        assert_eq!(
            hits(text, ALL),
            [
                "member Env A DurableObjectNamespace",
                "member Env K KVNamespace",
                "member Env B DurableObjectNamespace",
                "member E2 C DurableObjectNamespace",
                "listener",
                "cjs module exports None",
                "cjs exports Room None",
                "cjs module exports Some(\"Other\")",
                "env A idFromName",
                "stub B ping",
                "env B getByName",
                "env C newUniqueId",
                "env Room getByName",
                "helper getContainer D",
                "helper getAgentByName E",
            ]
        );
    }

    #[test]
    fn a_kind_not_wanted_is_not_looked_for() {
        let text = "addEventListener('fetch', f); env.A.get(id); interface Env { A: DurableObjectNamespace }";
        let only_env = Wanted {
            env: true,
            ..Wanted::default()
        };
        assert_eq!(hits(text, only_env), ["env A get"]);
        assert!(hits(text, Wanted::default()).is_empty());
    }

    #[test]
    fn the_walk_stops_when_asked() {
        let text = "env.A.get(x);\n".repeat(2000);
        let tree = parse(Lang::TypeScript, &text, None).unwrap();
        let mut n = 0;
        let whole = walk(tree.root_node(), text.as_bytes(), ALL, || true, |_| n += 1);
        assert!(!whole);
        assert!(n < 2000, "{n}");
    }
}
