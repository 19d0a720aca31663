//! What one source file says, independent of any other file.

use super::class_body::ClassBody;
use crate::text::Span;
use std::collections::BTreeMap;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Imported {
    Named(String),
    Default,
    Namespace,
}

#[derive(Clone, Debug)]
pub struct Import {
    pub local: String,
    pub imported: Imported,
    pub source: String,
    pub source_span: Span,
}

#[derive(Clone, Debug)]
pub enum ExportItem {
    /// `export { local as exported }`, `export class X`, `export const X`.
    Local {
        exported: String,
        local: String,
        span: Span,
    },
    /// `export default <expr>`; `local` when the expression is a name or a
    /// named class/function.
    Default { local: Option<String>, span: Span },
    /// `export { imported as exported } from "source"`.
    ReExport {
        exported: String,
        imported: String,
        source: String,
        span: Span,
    },
    /// `export * from "source"`.
    Star { source: String, span: Span },
    /// `export * as exported from "source"`.
    StarAs {
        exported: String,
        source: String,
        span: Span,
    },
}

impl ExportItem {
    pub fn span(&self) -> Span {
        match self {
            ExportItem::Local { span, .. }
            | ExportItem::Default { span, .. }
            | ExportItem::ReExport { span, .. }
            | ExportItem::Star { span, .. }
            | ExportItem::StarAs { span, .. } => *span,
        }
    }
}

/// What a class extends, as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Base {
    /// `extends Name`
    Ident(String),
    /// `extends ns.Name`
    Member(String, String),
    /// anything else: a call (`extends mixin(DurableObject)`), an expression.
    Expr(String),
}

#[derive(Clone, Debug)]
pub struct ClassFact {
    pub name: Option<String>,
    pub name_span: Span,
    pub span: Span,
    pub base: Option<Base>,
    pub base_span: Option<Span>,
    /// Names of the methods and fields declared in the body, as written.
    pub methods: Vec<String>,
    /// What the body does: members, constructor, uses of the state object.
    pub body: ClassBody,
    /// Handlers the runtime class has although the source defines none: a
    /// workers-rs `#[durable_object]` wires each handler it names, and one
    /// the `impl` leaves out runs the SDK's default, which panics
    /// (JavaScript names).
    pub defaulted: Vec<String>,
}

/// A top-level binding of the module.
#[derive(Clone, Debug)]
pub enum Decl {
    /// index into `FileFacts::classes`
    Class(usize),
    Function,
    /// `const X = <value>`
    Value(ValueKind),
    /// a name the module imports
    Import(usize),
    /// a type (interface, type alias): exports of it carry no value
    Type,
}

#[derive(Clone, Debug)]
pub enum ValueKind {
    /// a class expression: index into `classes`
    Class(usize),
    /// another local name: `const X = Y`
    Alias(String),
    /// a call: `wrap(Y)`, `makeDurableObject(…)`; what it returns is unknown
    Call(String),
    /// a destructured name from some expression
    Destructured,
    /// a function expression (constructible, like a `function` declaration)
    Function,
    /// an arrow function: never constructible
    Arrow,
    /// a literal: object, array, string, number, boolean, null, template
    Literal,
    /// any other expression (a member access, a conditional…): not traced
    Other,
}

#[derive(Clone, Debug)]
pub struct EnvUse {
    /// `None` when only the call's literals are known, not the namespace
    /// (a workers-rs `ns.get_by_name_with_location_hint(…)`).
    pub binding: Option<String>,
    pub method: String,
    pub span: Span,
    /// The call's literal string arguments and string options.
    pub literals: Vec<LitArg>,
}

/// A string literal passed to a namespace method: positional
/// (`idFromString("…")`, `jurisdiction("eu")`) or as an option
/// (`{ locationHint: "weur" }`, `{ jurisdiction: "eu" }`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LitArg {
    /// The option's key; `None` for a positional argument.
    pub key: Option<String>,
    /// The string's text as written, without quotes.
    pub value: String,
    /// The literal, quotes included.
    pub span: Span,
}

/// A method called on a Durable Object stub: `env.X.getByName(…).m(…)`.
#[derive(Clone, Debug)]
pub struct StubCall {
    pub binding: String,
    pub method: String,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct EnvMember {
    pub type_name: String,
    pub name: String,
    pub span: Span,
}

#[derive(Clone, Debug, Default)]
pub struct FileFacts {
    pub imports: Vec<Import>,
    pub exports: Vec<ExportItem>,
    pub classes: Vec<ClassFact>,
    pub decls: BTreeMap<String, (Decl, Span)>,
    pub env_uses: Vec<EnvUse>,
    pub stub_calls: Vec<StubCall>,
    /// `ctx.exports.X.getByName(…)` and the like: the Worker's own class
    /// `X` used as a Durable Object namespace through the loopback
    /// `exports` (name, span of `X`).
    pub ctx_exports: Vec<(String, Span)>,
    pub env_members: Vec<EnvMember>,
    pub add_event_listener: bool,
    /// `module.exports` / `exports.X` assignments, with the names exported
    pub commonjs: Option<Vec<String>>,
    /// the tree has syntax errors (the facts are what could be read)
    pub has_errors: bool,
    /// Why the file's queries stopped before the end (hostile or
    /// half-typed text past the time budget): its facts are partial.
    pub cut: Option<String>,
    /// The file's helper functions, which its class bodies may read (see
    /// `typescript::facts_reusing`).
    pub helpers: super::class_body::HelpersPrint,
}

impl FileFacts {
    pub fn has_default_export(&self) -> bool {
        self.exports.iter().any(|e| match e {
            ExportItem::Default { .. } => true,
            ExportItem::Local { exported, .. } | ExportItem::ReExport { exported, .. } => {
                exported == "default"
            }
            _ => false,
        })
    }
    pub fn import_of(&self, local: &str) -> Option<&Import> {
        match self.decls.get(local) {
            Some((Decl::Import(i), _)) => self.imports.get(*i),
            _ => None,
        }
    }
}
