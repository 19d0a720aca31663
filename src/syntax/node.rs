//! Node kinds without the cost of `Node::kind`, which measures and
//! validates the C string of the kind on every call: the kind names of each
//! grammar are read once into a table indexed by kind id.

use std::cell::RefCell;
use tree_sitter::{Language, Node};

/// What is looked up once per grammar.
struct Table {
    language: Language,
    kinds: Vec<&'static str>,
    /// Field names met so far and their ids (`ts_node_child_by_field_name`
    /// compares the name with every field of the grammar on each call).
    fields: Vec<(&'static str, Option<std::num::NonZeroU16>)>,
}

thread_local! {
    /// Per grammar (at most the three this crate parses).
    static TABLES: RefCell<Vec<Table>> = const { RefCell::new(Vec::new()) };
}

fn with_table<R>(n: Node, f: impl FnOnce(&mut Table) -> R) -> R {
    let lang = n.language();
    TABLES.with(|t| {
        let mut t = t.borrow_mut();
        let i = match t.iter().position(|e| e.language == *lang) {
            Some(i) => i,
            None => {
                let kinds = (0..lang.node_kind_count())
                    .map(|i| lang.node_kind_for_id(i as u16).unwrap_or(""))
                    .collect();
                t.push(Table {
                    language: (*lang).clone(),
                    kinds,
                    fields: Vec::new(),
                });
                t.len() - 1
            }
        };
        f(&mut t[i])
    })
}

/// The child in field `name`, as `Node::child_by_field_name` gives it.
pub fn child<'t>(n: Node<'t>, name: &'static str) -> Option<Node<'t>> {
    let id = with_table(n, |t| {
        if let Some((_, id)) = t.fields.iter().find(|(f, _)| *f == name) {
            return *id;
        }
        let id = t.language.field_id_for_name(name);
        t.fields.push((name, id));
        id
    })?;
    n.child_by_field_id(id.get())
}

/// The node's kind, as `Node::kind` gives it.
pub fn kind<'t>(n: impl std::borrow::Borrow<Node<'t>>) -> &'static str {
    let n = *n.borrow();
    let id = n.kind_id() as usize;
    // An `ERROR` node's id (u16::MAX) is outside the table.
    with_table(n, |t| t.kinds.get(id).copied()).unwrap_or_else(|| n.kind())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_gives_what_node_kind_gives() {
        let text = "class A extends B { m() { this.ctx.storage.sql.exec(`x`); } }\nexport class C {\n  f( {\n}";
        for lang in [
            super::super::Lang::TypeScript,
            super::super::Lang::JavaScript,
        ] {
            let tree = super::super::parse(lang, text, None).unwrap();
            let mut c = tree.walk();
            let mut seen = 0;
            loop {
                assert_eq!(kind(c.node()), c.node().kind());
                for f in ["name", "body", "value", "arguments", "object", "nothing"] {
                    assert_eq!(child(c.node(), f), c.node().child_by_field_name(f));
                }
                seen += 1;
                if c.goto_first_child() || c.goto_next_sibling() {
                    continue;
                }
                while c.goto_parent() {
                    if c.goto_next_sibling() {
                        break;
                    }
                }
                if c.node() == tree.root_node() {
                    break;
                }
            }
            assert!(seen > 20);
        }
    }
}
