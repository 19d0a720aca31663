//! What a module exports, and what a class extends, across files.
//!
//! Every answer is known, unknown (with a reason a user can act on) or absent.
//! Rules fire only on known facts.

use super::resolve::Resolved;
use super::workspace::Workspace;
use crate::syntax::facts::{Base, Decl, ExportItem, Imported, ValueKind};
use crate::text::Span;
use std::path::{Path, PathBuf};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fact<T> {
    Known(T),
    Unknown(String),
    Absent,
}

/// What an exported name is bound to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SymbolKind {
    /// index into the file's classes
    Class(usize),
    Function,
    /// a value that is certainly not a class (a literal, an object)
    NotAClass,
    /// a namespace object (`export * as ns`, `import * as ns`)
    Namespace,
    /// a value whose nature cannot be known statically (a call's result)
    Opaque(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Symbol {
    pub file: PathBuf,
    pub name: String,
    pub span: Span,
    pub kind: SymbolKind,
}

/// What a class is, by its chain of `extends`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClassBase {
    DurableObject,
    WorkerEntrypoint,
    WorkflowEntrypoint,
    /// extends nothing: a legacy Durable Object (W-CLS-04)
    Nothing,
    /// a Durable Object base from one of the ecosystem's packages (the
    /// Agents SDK's `Agent`, `Container`, PartyServer's `Server`, …): a
    /// Durable Object whose members the engine cannot list
    Framework(&'static str),
}

/// Durable Object bases the ecosystem's packages export: (package, or a
/// package prefix ending in `/`, exported name). A class that extends one
/// is a Durable Object (they extend `DurableObject`), but its inherited
/// members are not listed.
pub const FRAMEWORK_BASES: &[(&str, &str)] = &[
    ("agents", "Agent"),
    ("agents", "AIChatAgent"),
    ("agents", "McpAgent"),
    ("agents/", "Agent"),
    ("agents/", "AIChatAgent"),
    ("agents/", "McpAgent"),
    ("@cloudflare/ai-chat", "AIChatAgent"),
    ("@cloudflare/think", "Think"),
    ("@cloudflare/containers", "Container"),
    ("@cloudflare/sandbox", "Sandbox"),
    ("partyserver", "Server"),
    ("y-partyserver", "YServer"),
    ("@cloudflare/actors", "Actor"),
    ("@cloudflare/actors/", "Actor"),
];

/// The framework base `name` imported from `source`, if the table has it.
pub fn framework_base(source: &str, name: &str) -> Option<&'static str> {
    FRAMEWORK_BASES.iter().find_map(|(pkg, n)| {
        let pkg_ok = match pkg.strip_suffix('/') {
            Some(prefix) => source
                .strip_prefix(prefix)
                .is_some_and(|rest| rest.starts_with('/')),
            None => source == *pkg,
        };
        (pkg_ok && *n == name).then_some(*n)
    })
}

const MAX_DEPTH: usize = 32;

/// (module, name) pairs already looked up in one search.
type Seen = std::collections::HashSet<(PathBuf, String)>;

pub struct Resolver<'a> {
    pub ws: &'a Workspace,
    pub fs: &'a dyn super::fs::FileSystem,
}

impl<'a> Resolver<'a> {
    pub fn new(ws: &'a Workspace, fs: &'a dyn super::fs::FileSystem) -> Self {
        Resolver { ws, fs }
    }

    fn rel(&self, file: &Path) -> String {
        file.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    }

    /// The export `name` of module `file`.
    pub fn export(&self, file: &Path, name: &str) -> Fact<Symbol> {
        self.export_at(file, name, 0, &mut Seen::default())
    }

    fn module(&self, from: &Path, spec: &str) -> Result<PathBuf, String> {
        match self.ws.resolve(self.fs, from, spec) {
            Resolved::File(p) if self.ws.file(&p).is_some() => Ok(p),
            Resolved::File(p) => Err(format!("{} could not be read", p.display())),
            Resolved::Package(pkg) => Err(format!(
                "it comes from `{pkg}`, which could not be resolved in the checked folders (a package that is not installed or lies outside them, or an alias with no target)"
            )),
            Resolved::Builtin(b) => Err(format!("it comes from `{b}`")),
            Resolved::NotFound(p) => Err(format!("`{spec}` names no file ({})", p.display())),
        }
    }

    fn export_at(&self, file: &Path, name: &str, depth: usize, seen: &mut Seen) -> Fact<Symbol> {
        if depth > MAX_DEPTH {
            return Fact::Unknown(format!("re-exports of `{name}` nest too deeply"));
        }
        // Cycles of `export *` (a → b → a) end here: what was already looked
        // up in this search adds nothing. This also keeps the search linear.
        if !seen.insert((file.to_path_buf(), name.to_string())) {
            return Fact::Absent;
        }
        let Some(sf) = self.ws.file(file) else {
            return Fact::Unknown(format!("{} could not be read", file.display()));
        };
        let f = &sf.facts;
        for e in &f.exports {
            match e {
                ExportItem::Local {
                    exported, local, ..
                } if exported == name => {
                    return self.local(file, local, depth + 1, seen);
                }
                ExportItem::Default { local, span } if name == "default" => {
                    return match local {
                        Some(l) => self.local(file, l, depth + 1, seen),
                        None => Fact::Known(Symbol {
                            file: file.to_path_buf(),
                            name: "default".into(),
                            span: *span,
                            kind: SymbolKind::Opaque("a default export".into()),
                        }),
                    };
                }
                ExportItem::ReExport {
                    exported,
                    imported,
                    source,
                    ..
                } if exported == name => {
                    return match self.module(file, source) {
                        Ok(target) => self.export_at(&target, imported, depth + 1, seen),
                        Err(why) => Fact::Unknown(format!("`{name}` is re-exported and {why}")),
                    };
                }
                ExportItem::StarAs { exported, span, .. } if exported == name => {
                    return Fact::Known(Symbol {
                        file: file.to_path_buf(),
                        name: name.into(),
                        span: *span,
                        kind: SymbolKind::Namespace,
                    });
                }
                _ => {}
            }
        }
        // `export *` never re-exports `default`.
        let mut unknown: Vec<String> = Vec::new();
        if name != "default" {
            for e in &f.exports {
                if let ExportItem::Star { source, .. } = e {
                    match self.module(file, source) {
                        Ok(target) => match self.export_at(&target, name, depth + 1, seen) {
                            Fact::Known(s) => return Fact::Known(s),
                            Fact::Unknown(why) => unknown.push(why),
                            Fact::Absent => {}
                        },
                        Err(why) => unknown.push(format!(
                            "{} has `export * from \"{source}\"` and {why}",
                            self.rel(file)
                        )),
                    }
                }
            }
        }
        if let Some(names) = &f.commonjs {
            if names.iter().any(|n| n == name) {
                return Fact::Known(Symbol {
                    file: file.to_path_buf(),
                    name: name.into(),
                    span: Span::default(),
                    kind: SymbolKind::Opaque("a CommonJS export".into()),
                });
            }
            unknown.push(format!(
                "{} uses CommonJS exports, which are not traced",
                self.rel(file)
            ));
        }
        if !unknown.is_empty() {
            return Fact::Unknown(unknown.join("; "));
        }
        if f.has_errors {
            return Fact::Unknown(format!(
                "{} has syntax the parser could not read, so its exports may be incomplete",
                self.rel(file)
            ));
        }
        Fact::Absent
    }

    /// A top-level name of `file`.
    fn local(&self, file: &Path, name: &str, depth: usize, seen: &mut Seen) -> Fact<Symbol> {
        if depth > MAX_DEPTH {
            return Fact::Unknown(format!("`{name}` is aliased too deeply"));
        }
        let Some(sf) = self.ws.file(file) else {
            return Fact::Unknown(format!("{} could not be read", file.display()));
        };
        let f = &sf.facts;
        let Some((decl, span)) = f.decls.get(name) else {
            return Fact::Unknown(format!(
                "`{name}` is not declared at the top level of {}",
                self.rel(file)
            ));
        };
        let sym = |kind| {
            Fact::Known(Symbol {
                file: file.to_path_buf(),
                name: name.to_string(),
                span: *span,
                kind,
            })
        };
        match decl {
            Decl::Class(i) => sym(SymbolKind::Class(*i)),
            Decl::Function => sym(SymbolKind::Function),
            Decl::Type => Fact::Absent,
            Decl::Value(v) => match v {
                ValueKind::Class(i) => sym(SymbolKind::Class(*i)),
                ValueKind::Alias(other) if other != name => {
                    self.local(file, other, depth + 1, seen)
                }
                ValueKind::Alias(_) => sym(SymbolKind::Opaque("a self-reference".into())),
                ValueKind::Call(c) => sym(SymbolKind::Opaque(format!("the result of `{c}(…)`"))),
                ValueKind::Destructured => sym(SymbolKind::Opaque("a destructured value".into())),
                ValueKind::Function => sym(SymbolKind::Function),
                ValueKind::Arrow => sym(SymbolKind::NotAClass),
                ValueKind::Literal => sym(SymbolKind::NotAClass),
                ValueKind::Other => sym(SymbolKind::Opaque("an expression".into())),
            },
            Decl::Import(i) => {
                let imp = &f.imports[*i];
                match self.module(file, &imp.source) {
                    Ok(target) => match &imp.imported {
                        Imported::Named(n) => self.export_at(&target, n, depth + 1, seen),
                        Imported::Default => self.export_at(&target, "default", depth + 1, seen),
                        Imported::Namespace => sym(SymbolKind::Namespace),
                    },
                    Err(why) => Fact::Unknown(format!("`{name}` is imported and {why}")),
                }
            }
        }
    }

    /// What the class `idx` of `file` extends, followed to its root.
    pub fn class_base(&self, file: &Path, idx: usize) -> Fact<ClassBase> {
        self.class_base_at(file, idx, 0, &mut Vec::new())
    }

    /// What the class extends, and the chain of classes the engine read on
    /// the way: the class itself first, then each local base.
    pub fn class_chain(&self, file: &Path, idx: usize) -> (Fact<ClassBase>, Vec<(PathBuf, usize)>) {
        let mut chain = Vec::new();
        let base = self.class_base_at(file, idx, 0, &mut chain);
        (base, chain)
    }

    fn class_base_at(
        &self,
        file: &Path,
        idx: usize,
        depth: usize,
        chain: &mut Vec<(PathBuf, usize)>,
    ) -> Fact<ClassBase> {
        if depth > MAX_DEPTH || chain.iter().any(|(f, i)| f == file && *i == idx) {
            return Fact::Unknown("the class hierarchy nests too deeply".into());
        }
        let Some(sf) = self.ws.file(file) else {
            return Fact::Unknown(format!("{} could not be read", file.display()));
        };
        let f = &sf.facts;
        let Some(class) = f.classes.get(idx) else {
            return Fact::Unknown("the class could not be read".into());
        };
        chain.push((file.to_path_buf(), idx));
        let (ident, member) = match &class.base {
            // A declaration file may leave the base out: it says nothing.
            None if file.to_string_lossy().ends_with(".d.ts")
                || file.to_string_lossy().ends_with(".d.mts") =>
            {
                return Fact::Unknown(format!(
                    "it is declared in {} without its base",
                    self.rel(file)
                ))
            }
            None => return Fact::Known(ClassBase::Nothing),
            Some(Base::Ident(n)) => (n.as_str(), None),
            Some(Base::Member(ns, prop)) => (ns.as_str(), Some(prop.as_str())),
            Some(Base::Expr(e)) => {
                return Fact::Unknown(format!(
                    "it extends `{e}`, an expression that is not traced"
                ))
            }
        };
        // `extends ns.DurableObject` with `import * as ns from "cloudflare:workers"`
        if let Some(prop) = member {
            return match f.import_of(ident) {
                Some(imp)
                    if imp.imported == Imported::Namespace
                        && imp.source == "cloudflare:workers" =>
                {
                    builtin_base(prop)
                }
                _ => Fact::Unknown(format!("it extends `{ident}.{prop}`, which is not traced")),
            };
        }
        if let Some(imp) = f.import_of(ident) {
            if imp.source == "cloudflare:workers" {
                return match &imp.imported {
                    Imported::Named(n) => builtin_base(n),
                    _ => Fact::Unknown(format!("it extends `{ident}` from cloudflare:workers")),
                };
            }
            if let Imported::Named(n) = &imp.imported {
                if let Some(fw) = framework_base(&imp.source, n) {
                    return Fact::Known(ClassBase::Framework(fw));
                }
            }
        }
        match self.local(file, ident, depth + 1, &mut Seen::default()) {
            Fact::Known(Symbol {
                file: f2,
                kind: SymbolKind::Class(i),
                ..
            }) => self.class_base_at(&f2, i, depth + 1, chain),
            Fact::Known(Symbol {
                kind: SymbolKind::Opaque(what),
                ..
            }) => Fact::Unknown(format!("its base `{ident}` is {what}")),
            Fact::Known(_) => Fact::Unknown(format!("its base `{ident}` is not a class")),
            Fact::Unknown(why) => Fact::Unknown(format!("its base `{ident}`: {why}")),
            Fact::Absent => Fact::Unknown(format!("its base `{ident}` could not be found")),
        }
    }
}

fn builtin_base(name: &str) -> Fact<ClassBase> {
    match name {
        "DurableObject" => Fact::Known(ClassBase::DurableObject),
        "WorkerEntrypoint" => Fact::Known(ClassBase::WorkerEntrypoint),
        "WorkflowEntrypoint" => Fact::Known(ClassBase::WorkflowEntrypoint),
        other => Fact::Unknown(format!("it extends `{other}` from cloudflare:workers")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::project::fs::MemFs;

    /// Three barrels that `export *` each other: a lookup of a missing name
    /// ends quickly (it was exponential in the depth limit).
    #[test]
    fn cyclic_star_exports_end_quickly() {
        let fs = MemFs::from_fixture(
            Path::new("/c"),
            "//- /wrangler.toml\nname = \"w\"\nmain = \"a.ts\"\n//- /a.ts\nexport * from \"./b\";\nexport * from \"./c\";\nexport class Found {}\n//- /b.ts\nexport * from \"./a\";\nexport * from \"./c\";\n//- /c.ts\nexport * from \"./a\";\nexport * from \"./b\";\n",
        );
        let ws = Workspace::load(&fs, &[PathBuf::from("/c")]);
        let r = Resolver::new(&ws, &fs);
        let t = std::time::Instant::now();
        assert_eq!(r.export(Path::new("/c/b.ts"), "Missing"), Fact::Absent);
        assert!(matches!(
            r.export(Path::new("/c/c.ts"), "Found"),
            Fact::Known(_)
        ));
        assert!(
            t.elapsed() < std::time::Duration::from_secs(1),
            "{:?}",
            t.elapsed()
        );
    }
}
