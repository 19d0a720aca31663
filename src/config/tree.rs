//! One spanned tree for both config syntaxes.
//!
//! `wrangler.json`/`.jsonc` (comments and trailing commas allowed in both, as
//! wrangler's own parser does) and `wrangler.toml` are read into [`Node`]s that
//! keep the byte span of every key and value, so the typed model and the
//! validation messages are written once for both formats.

use crate::text::Span;

#[derive(Clone, Debug, PartialEq)]
pub enum Kind {
    Null,
    Bool(bool),
    Number(f64),
    Str(String),
    Array(Vec<Node>),
    Object(Vec<Prop>),
    /// A TOML value JSON has no form for (a date, an inf); kept for messages.
    Other(String),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub kind: Kind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Prop {
    pub key: String,
    pub key_span: Span,
    pub value: Node,
}

impl Node {
    /// Moves every span `by` bytes to the right.
    pub fn shift(&mut self, by: usize) {
        if by == 0 {
            return;
        }
        let mut stack = vec![self];
        while let Some(n) = stack.pop() {
            n.span = Span::new(n.span.start + by, n.span.end + by);
            match &mut n.kind {
                Kind::Array(items) => stack.extend(items.iter_mut()),
                Kind::Object(props) => {
                    for p in props.iter_mut() {
                        p.key_span = Span::new(p.key_span.start + by, p.key_span.end + by);
                        stack.push(&mut p.value);
                    }
                }
                _ => {}
            }
        }
    }
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.prop(key).map(|p| &p.value)
    }
    pub fn prop(&self, key: &str) -> Option<&Prop> {
        match &self.kind {
            Kind::Object(props) => props.iter().find(|p| p.key == key),
            _ => None,
        }
    }
    pub fn props(&self) -> &[Prop] {
        match &self.kind {
            Kind::Object(props) => props,
            _ => &[],
        }
    }
    pub fn items(&self) -> &[Node] {
        match &self.kind {
            Kind::Array(items) => items,
            _ => &[],
        }
    }
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Kind::Str(s) => Some(s),
            _ => None,
        }
    }
    pub fn as_bool(&self) -> Option<bool> {
        match &self.kind {
            Kind::Bool(b) => Some(*b),
            _ => None,
        }
    }
    pub fn is_object(&self) -> bool {
        matches!(self.kind, Kind::Object(_))
    }
    pub fn is_array(&self) -> bool {
        matches!(self.kind, Kind::Array(_))
    }
    /// JavaScript truthiness, as wrangler tests `script_name`.
    pub fn is_truthy(&self) -> bool {
        match &self.kind {
            Kind::Null => false,
            Kind::Bool(b) => *b,
            Kind::Number(n) => *n != 0.0 && !n.is_nan(),
            Kind::Str(s) => !s.is_empty(),
            _ => true,
        }
    }

    /// The value as compact JSON, the way wrangler quotes values in messages.
    pub fn to_json(&self) -> String {
        let mut out = String::new();
        self.write_json(&mut out);
        out
    }

    fn write_json(&self, out: &mut String) {
        match &self.kind {
            Kind::Null => out.push_str("null"),
            Kind::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Kind::Number(n) => {
                if n.fract() == 0.0 && n.abs() < 1e15 {
                    out.push_str(&format!("{}", *n as i64))
                } else {
                    out.push_str(&format!("{n}"))
                }
            }
            Kind::Str(s) | Kind::Other(s) => {
                out.push_str(&serde_json::Value::String(s.clone()).to_string())
            }
            Kind::Array(items) => {
                out.push('[');
                for (i, it) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    it.write_json(out);
                }
                out.push(']');
            }
            Kind::Object(props) => {
                out.push('{');
                for (i, p) in props.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(&serde_json::Value::String(p.key.clone()).to_string());
                    out.push(':');
                    p.value.write_json(out);
                }
                out.push('}');
            }
        }
    }
}

/// A syntax error in a config file.
#[derive(Clone, Debug, PartialEq)]
pub struct SyntaxError {
    pub message: String,
    pub span: Span,
}

pub fn parse_jsonc(text: &str) -> Result<Node, SyntaxError> {
    use jsonc_parser::{parse_to_ast, CollectOptions, ParseOptions};
    let opts = ParseOptions {
        allow_comments: true,
        allow_trailing_commas: true,
        allow_loose_object_property_names: false,
        allow_missing_commas: false,
        allow_single_quoted_strings: false,
        allow_hexadecimal_numbers: false,
        allow_unary_plus_numbers: false,
        allow_bare_decimal_point_numbers: false,
        allow_non_finite_numbers: false,
        allow_extended_string_escapes: false,
    };
    match parse_to_ast(text, &CollectOptions::default(), &opts) {
        Ok(res) => match res.value {
            Some(v) => Ok(from_jsonc(v)),
            None => Err(SyntaxError {
                message: "the file holds no JSON value".into(),
                span: Span::new(0, 0),
            }),
        },
        Err(e) => {
            let r = e.range();
            Err(SyntaxError {
                message: e.kind().to_string(),
                span: Span::new(r.start, r.end),
            })
        }
    }
}

fn from_jsonc(v: jsonc_parser::ast::Value<'_>) -> Node {
    use jsonc_parser::ast::{ObjectPropName, Value};
    use jsonc_parser::common::Ranged;
    let r = v.range();
    let span = Span::new(r.start, r.end);
    let kind = match v {
        Value::StringLit(s) => Kind::Str(s.value.into_owned()),
        Value::NumberLit(n) => Kind::Number(n.value.parse().unwrap_or(f64::NAN)),
        Value::BooleanLit(b) => Kind::Bool(b.value),
        Value::NullKeyword(_) => Kind::Null,
        Value::Array(a) => Kind::Array(a.elements.into_iter().map(from_jsonc).collect()),
        Value::Object(o) => Kind::Object(
            o.properties
                .into_iter()
                .map(|p| {
                    let kr = p.name.range();
                    let key = match p.name {
                        ObjectPropName::String(s) => s.value.into_owned(),
                        ObjectPropName::Word(w) => w.value.to_string(),
                    };
                    Prop {
                        key,
                        key_span: Span::new(kr.start, kr.end),
                        value: from_jsonc(p.value),
                    }
                })
                .collect(),
        ),
    };
    Node { kind, span }
}

pub fn parse_toml(text: &str) -> Result<Node, SyntaxError> {
    match toml_edit::Document::parse(text) {
        Ok(doc) => {
            let len = text.len();
            Ok(from_toml_table(doc.as_table(), Span::new(0, len)))
        }
        Err(e) => Err(SyntaxError {
            message: e.message().trim().to_string(),
            span: e.span().map(Span::from).unwrap_or_default(),
        }),
    }
}

fn span_or(s: Option<std::ops::Range<usize>>, fallback: Span) -> Span {
    s.map(Span::from).unwrap_or(fallback)
}

fn from_toml_table(t: &toml_edit::Table, fallback: Span) -> Node {
    let span = span_or(t.span(), fallback);
    let mut props = Vec::new();
    for (k, item) in t.iter() {
        let key_span = span_or(t.key(k).and_then(|k| k.span()), span);
        let value = from_toml_item(item, key_span);
        props.push(Prop {
            key: k.to_string(),
            key_span,
            value,
        });
    }
    Node {
        kind: Kind::Object(props),
        span,
    }
}

fn from_toml_item(item: &toml_edit::Item, fallback: Span) -> Node {
    use toml_edit::Item;
    match item {
        Item::None => Node {
            kind: Kind::Null,
            span: fallback,
        },
        Item::Value(v) => from_toml_value(v, fallback),
        Item::Table(t) => from_toml_table(t, fallback),
        Item::ArrayOfTables(a) => {
            let span = span_or(a.span(), fallback);
            let items = a.iter().map(|t| from_toml_table(t, span)).collect();
            Node {
                kind: Kind::Array(items),
                span,
            }
        }
    }
}

fn from_toml_value(v: &toml_edit::Value, fallback: Span) -> Node {
    use toml_edit::Value;
    let span = span_or(v.span(), fallback);
    let kind = match v {
        Value::String(s) => Kind::Str(s.value().clone()),
        Value::Integer(i) => Kind::Number(*i.value() as f64),
        Value::Float(f) => Kind::Number(*f.value()),
        Value::Boolean(b) => Kind::Bool(*b.value()),
        Value::Datetime(d) => Kind::Other(d.value().to_string()),
        Value::Array(a) => Kind::Array(a.iter().map(|x| from_toml_value(x, span)).collect()),
        Value::InlineTable(t) => {
            let mut props = Vec::new();
            for (k, val) in t.iter() {
                let key_span = span_or(t.key(k).and_then(|k| k.span()), span);
                props.push(Prop {
                    key: k.to_string(),
                    key_span,
                    value: from_toml_value(val, key_span),
                });
            }
            Kind::Object(props)
        }
    };
    Node { kind, span }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jsonc_comments_trailing_commas_and_spans() {
        let t = "{\n  // c\n  \"name\": \"w\", /* b */\n  \"a\": [1, 2,],\n}";
        let n = parse_jsonc(t).unwrap();
        let p = n.prop("name").unwrap();
        assert_eq!(&t[p.key_span.start..p.key_span.end], "\"name\"");
        assert_eq!(&t[p.value.span.start..p.value.span.end], "\"w\"");
        assert_eq!(n.get("a").unwrap().items().len(), 2);
    }

    #[test]
    fn jsonc_errors_have_positions() {
        let e = parse_jsonc("{\"a\": }").unwrap_err();
        assert!(e.span.start > 0, "{e:?}");
        assert!(
            parse_jsonc("{'a': 1}").is_err(),
            "single quotes are not JSONC"
        );
    }

    #[test]
    fn toml_spans_for_tables_and_arrays_of_tables() {
        let t = "name = \"w\"\n[[durable_objects.bindings]]\nname = \"C\"\nclass_name = \"Counter\"\n[[migrations]]\ntag = \"v1\"\nnew_sqlite_classes = [\"Counter\"]\n";
        let n = parse_toml(t).unwrap();
        let b = &n
            .get("durable_objects")
            .unwrap()
            .get("bindings")
            .unwrap()
            .items()[0];
        let cn = b.prop("class_name").unwrap();
        assert_eq!(&t[cn.value.span.start..cn.value.span.end], "\"Counter\"");
        let m = &n.get("migrations").unwrap().items()[0];
        let c = &m.get("new_sqlite_classes").unwrap().items()[0];
        assert_eq!(&t[c.span.start..c.span.end], "\"Counter\"");
    }

    #[test]
    fn toml_error() {
        let e = parse_toml("name = \n").unwrap_err();
        assert!(!e.message.is_empty());
    }
}
