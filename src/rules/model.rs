//! The class model: every Durable Object class a Worker variant can reach,
//! with what the config says of it (its name, backend, bindings) and what
//! its source says (its `ClassFact` and `ClassBody`, its base, the local
//! classes it extends).
//!
//! Language-neutral: it holds paths and indexes into each file's facts, so a
//! front end for another language fills it the same way. Built once per
//! Worker variant (the source half once per Worker), read by the class rules
//! and kept with the analysis for the editor.

use super::util::{in_node_modules, rel};
use crate::config::classes::{Backend, ClassIndex};
use crate::project::symbols::{ClassBase, Fact, Resolver, Symbol, SymbolKind};
use crate::project::{Entry, Workspace};
use crate::syntax::class_body::MemberKind;
use crate::syntax::facts::ClassFact;
use crate::text::Span;
use std::path::{Path, PathBuf};

/// Why a class counts as a Durable Object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DoBase {
    /// It extends `DurableObject` from `cloudflare:workers`, directly or
    /// through local classes.
    DurableObject,
    /// It extends a base from an ecosystem package (`Agent`, `Container`…),
    /// whose members the engine cannot list.
    Framework(&'static str),
    /// It extends nothing and a binding names it: a legacy Durable Object.
    Legacy,
}

/// A class of the source that is a Durable Object, before the config joins.
#[derive(Clone, Debug)]
pub struct SourceClass {
    pub file: PathBuf,
    pub idx: usize,
    pub base: DoBase,
    /// The class first, then each local class it extends.
    pub chain: Vec<(PathBuf, usize)>,
}

/// One Durable Object class of a variant.
#[derive(Clone, Debug)]
pub struct DoClass {
    /// The name the config knows it by (the entry's export), else the
    /// name it is declared with.
    pub name: String,
    pub file: PathBuf,
    pub idx: usize,
    pub base: DoBase,
    pub chain: Vec<(PathBuf, usize)>,
    /// Its storage backend in this variant, when a migration or `exports`
    /// entry creates it.
    pub backend: Option<Backend>,
    /// What created it (`migration "v1"`), with the span in the config.
    pub created: Option<(String, Span)>,
    /// Local bindings that name it.
    pub bindings: Vec<String>,
}

impl DoClass {
    /// The class's facts.
    pub fn fact<'w>(&self, ws: &'w Workspace) -> Option<&'w ClassFact> {
        ws.file(&self.file)?.facts.classes.get(self.idx)
    }

    /// Whether the class or one of its local bases declares `name`:
    /// `None` when its base comes from a package, whose members are not
    /// listed.
    pub fn has_member(&self, ws: &Workspace, name: &str) -> Option<bool> {
        if matches!(self.base, DoBase::Framework(_)) {
            return None;
        }
        let mut found = false;
        for (file, idx) in &self.chain {
            let sf = ws.file(file)?;
            let c = sf.facts.classes.get(*idx)?;
            if this_escapes(&sf.text, c) {
                return None;
            }
            found |= c.methods.iter().any(|m| m == name)
                || c.body.members.iter().any(|m| m.name == name);
        }
        Some(found)
    }
}

/// Whether the constructor or a field initializer hands `this` itself to
/// other code (`Lifecycle.install(this)`, `{ self: this }`), which may add
/// members at run time: then the member list is not known. `this.x`,
/// `.bind(this)`, `.call(this…)` and `.apply(this…)` do not count.
fn this_escapes(text: &str, c: &ClassFact) -> bool {
    let Some(class_text) = text.get(c.span.start..c.span.end) else {
        return true;
    };
    // The methods' bodies are left out: they run after construction.
    let skipped: Vec<(usize, usize)> = c
        .body
        .members
        .iter()
        .filter(|m| m.kind != MemberKind::Constructor)
        .map(|m| (m.span.start - c.span.start, m.span.end - c.span.start))
        .collect();
    let bytes = class_text.as_bytes();
    let mut from = 0;
    while let Some(i) = class_text[from..].find("this") {
        let at = from + i;
        from = at + 4;
        if skipped.iter().any(|(s, e)| *s <= at && at < *e) {
            continue;
        }
        let word_before = at > 0
            && (bytes[at - 1].is_ascii_alphanumeric()
                || bytes[at - 1] == b'_'
                || bytes[at - 1] == b'$'
                || bytes[at - 1] == b'.');
        let next = bytes.get(at + 4).copied().unwrap_or(b' ');
        if word_before || next.is_ascii_alphanumeric() || next == b'_' || next == b'$' {
            continue;
        }
        let rest = class_text[at + 4..].trim_start();
        if rest.starts_with('.')
            || rest.starts_with("?.")
            || rest.starts_with('[')
            || rest.starts_with('=') && !rest.starts_with("==")
        {
            continue;
        }
        let before = class_text[..at].trim_end();
        if before.ends_with("bind(") || before.ends_with("call(") || before.ends_with("apply(") {
            continue;
        }
        if before.ends_with('(')
            || before.ends_with(',')
            || before.ends_with(':')
            || before.ends_with('=')
            || before.ends_with("...")
        {
            return true;
        }
    }
    false
}

/// The Durable Object classes of one variant.
#[derive(Clone, Debug, Default)]
pub struct ClassModel {
    /// The variant (`None`: the top level).
    pub env: Option<String>,
    pub classes: Vec<DoClass>,
}

impl ClassModel {
    /// The class a local binding named `binding` points at.
    pub fn by_binding(&self, binding: &str) -> Option<&DoClass> {
        self.classes
            .iter()
            .find(|c| c.bindings.iter().any(|b| b == binding))
    }

    /// The class declared at `idx` of `file`.
    pub fn at(&self, file: &Path, idx: usize) -> Option<&DoClass> {
        self.classes.iter().find(|c| c.file == file && c.idx == idx)
    }
}

/// Every class of the Worker's module graph whose base is known to be a
/// Durable Object base. Computed once per Worker.
pub fn source_classes(
    ws: &Workspace,
    res: &Resolver,
    graph: &std::collections::BTreeSet<PathBuf>,
) -> Vec<SourceClass> {
    let mut out = Vec::new();
    for path in graph {
        let Some(sf) = ws.file(path) else { continue };
        if in_node_modules(path) {
            continue;
        }
        for (idx, c) in sf.facts.classes.iter().enumerate() {
            if c.base.is_none() {
                continue;
            }
            let (base, chain) = res.class_chain(path, idx);
            let base = match base {
                Fact::Known(ClassBase::DurableObject) => DoBase::DurableObject,
                Fact::Known(ClassBase::Framework(f)) => DoBase::Framework(f),
                _ => continue,
            };
            out.push(SourceClass {
                file: path.clone(),
                idx,
                base,
                chain,
            });
        }
    }
    out
}

/// What a variant says of its classes, for [`build`].
pub struct VariantInput<'a> {
    /// The folder of the Worker's config.
    pub dir: &'a Path,
    pub entry: &'a Entry,
    pub classes: &'a ClassIndex<'a>,
    pub env: Option<&'a str>,
}

/// Joins the Worker's source classes with one variant's config.
pub fn build(
    ws: &Workspace,
    res: &Resolver,
    v: &VariantInput,
    source: &[SourceClass],
) -> ClassModel {
    let mut classes: Vec<DoClass> = source
        .iter()
        .map(|s| DoClass {
            name: ws
                .file(&s.file)
                .and_then(|f| f.facts.classes.get(s.idx))
                .and_then(|c| c.name.clone())
                .unwrap_or_default(),
            file: s.file.clone(),
            idx: s.idx,
            base: s.base,
            chain: s.chain.clone(),
            backend: None,
            created: None,
            bindings: Vec::new(),
        })
        .collect();
    for (name, entry) in &v.classes.classes {
        let Fact::Known(sym) = entry_export(res, v.dir, v.entry, name) else {
            continue;
        };
        let SymbolKind::Class(idx) = sym.kind else {
            continue;
        };
        let pos = match classes
            .iter()
            .position(|c| c.file == sym.file && c.idx == idx)
        {
            Some(p) => p,
            None => {
                // A class that extends nothing counts when a binding names it.
                let (base, chain) = res.class_chain(&sym.file, idx);
                if base != Fact::Known(ClassBase::Nothing) || entry.bindings.is_empty() {
                    continue;
                }
                classes.push(DoClass {
                    name: String::new(),
                    file: sym.file.clone(),
                    idx,
                    base: DoBase::Legacy,
                    chain,
                    backend: None,
                    created: None,
                    bindings: Vec::new(),
                });
                classes.len() - 1
            }
        };
        let c = &mut classes[pos];
        c.name = name.to_string();
        if entry.is_live() {
            c.backend = entry.backend();
            c.created = entry
                .record
                .map(|r| (r.created.label.clone(), r.created.span));
        }
        c.bindings = entry
            .bindings
            .iter()
            .filter_map(|b| b.name.as_ref().map(|n| n.value.clone()))
            .collect();
    }
    ClassModel {
        env: v.env.map(str::to_string),
        classes,
    }
}

/// Whether the entry exports `name`, for a variant whose entry is `entry`
/// in a Worker whose config sits in `dir`.
pub fn entry_export(res: &Resolver, dir: &Path, entry: &Entry, name: &str) -> Fact<Symbol> {
    match entry {
        Entry::File(p) => res.export(p, name),
        Entry::BuildOutput { source: Some(src), stated_by: Some(_), .. } => res.export(src, name),
        Entry::BuildOutput { source: Some(src), path, .. } => match res.export(src, name) {
            Fact::Absent => Fact::Unknown(format!(
                "`{name}`: `main` names build output ({}), and {} was taken as the source entry by convention, which does not export it",
                rel(dir, path),
                rel(dir, src)
            )),
            other => other,
        },
        Entry::BuildOutput { path, .. } => Fact::Unknown(format!(
            "`{name}`: `main` names build output ({}) and no source entry was found",
            rel(dir, path)
        )),
        Entry::Missing { .. } => Fact::Unknown(format!("`{name}`: the entry does not exist (see DO115)")),
        Entry::Unsupported { path } => Fact::Unknown(format!(
            "`{name}`: the entry {} is not TypeScript or JavaScript",
            rel(dir, path)
        )),
        Entry::ViteModule { spec } => Fact::Unknown(format!(
            "`{name}`: `main` is \"{spec}\", a module a Vite plugin resolves"
        )),
        Entry::None => Fact::Unknown(format!(
            "`{name}`: the config has no `main`, so the entry is given elsewhere (the command line, a framework or a test harness)"
        )),
    }
}
