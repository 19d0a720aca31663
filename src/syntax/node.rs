//! Node kinds without the cost of `Node::kind`, which measures and
//! validates the C string of the kind on every call: the kind names of each
//! grammar are read once into a table indexed by kind id.

use std::sync::OnceLock;
use tree_sitter::{Language, Node};

/// What is looked up once per grammar.
struct Table {
    language: Language,
    kinds: Vec<&'static str>,
    /// Every field of the grammar with its id
    /// (`ts_node_child_by_field_name` compares the name with every field of
    /// the grammar on each call, through a C string).
    fields: Vec<(&'static str, std::num::NonZeroU16)>,
}

impl Table {
    fn of(language: Language) -> Table {
        let kinds = (0..language.node_kind_count())
            .map(|i| language.node_kind_for_id(i as u16).unwrap_or(""))
            .collect();
        let fields = (1..=language.field_count() as u16)
            .filter_map(|i| {
                Some((
                    language.field_name_for_id(i)?,
                    std::num::NonZeroU16::new(i)?,
                ))
            })
            .collect();
        Table {
            language,
            kinds,
            fields,
        }
    }
}

/// The tables of the grammars this crate parses, built on first use and
/// shared by every thread (a node's kind is asked for millions of times
/// in a run: no lock, no thread-local, no C string on that path).
fn tables() -> &'static [Table; 3] {
    static TABLES: OnceLock<[Table; 3]> = OnceLock::new();
    TABLES.get_or_init(|| {
        [
            Table::of(super::Lang::TypeScript.grammar()),
            Table::of(super::Lang::Tsx.grammar()),
            Table::of(super::Lang::JavaScript.grammar()),
        ]
    })
}

fn table_of(n: Node) -> Option<&'static Table> {
    grammar_of(n).map(|g| &tables()[g])
}

/// Which of the grammars (an index into [`grammar_kinds`]) `n` is of.
pub fn grammar_of(n: Node) -> Option<usize> {
    let lang = n.language();
    tables().iter().position(|t| t.language == *lang)
}

/// The kind names of each grammar, indexed by kind id: for tables of
/// one's own keyed by kind (see `class_body::Walk`).
pub fn grammar_kinds() -> [&'static [&'static str]; 3] {
    let t = tables();
    [&t[0].kinds, &t[1].kinds, &t[2].kinds]
}

/// The child in field `name`, as `Node::child_by_field_name` gives it.
pub fn child<'t>(n: Node<'t>, name: &'static str) -> Option<Node<'t>> {
    let Some(t) = table_of(n) else {
        return n.child_by_field_name(name);
    };
    let (_, id) = t.fields.iter().find(|(f, _)| *f == name)?;
    n.child_by_field_id(id.get())
}

/// The node's kind, as `Node::kind` gives it.
pub fn kind<'t>(n: impl std::borrow::Borrow<Node<'t>>) -> &'static str {
    let n = *n.borrow();
    // An `ERROR` node's id (u16::MAX) is outside the table.
    table_of(n)
        .and_then(|t| t.kinds.get(n.kind_id() as usize).copied())
        .unwrap_or_else(|| n.kind())
}

/// Nodes one module's walk visits at most in the Rust and Python front
/// ends (a generated file of millions of nodes is cut, and its facts are
/// unknown).
pub const MAX_NODES: usize = 4_000_000;

/// A node's text in `src` ("" when the range is not in it).
pub fn text_in<'a>(n: Node, src: &'a str) -> &'a str {
    src.get(n.byte_range()).unwrap_or("")
}

/// A node's byte span.
pub fn span_of(n: Node) -> crate::text::Span {
    crate::text::Span::new(n.start_byte(), n.end_byte())
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
