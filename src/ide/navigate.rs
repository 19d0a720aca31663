//! Navigation across config and code: what names a binding or a Durable
//! Object class at a position, where it is defined, every place that names
//! it, and the edits that rename it.
//!
//! Occurrences are found on demand from the facts the analysis keeps (each
//! file's classes, exports and `Env` members, each config's spanned model)
//! plus a scan of the Worker's own source for `env.NAME`: a Worker's module
//! graph is tens of files, so a request reads only those, whatever the size
//! of the workspace.

use crate::config::lifecycle::Lifecycle;
use crate::config::{Config, Format, Str};
use crate::project::symbols::{Fact, Resolver, SymbolKind};
use crate::project::{fs::FileSystem, Workspace};
use crate::rules::in_node_modules;
use crate::text::Span;
use std::path::{Path, PathBuf};

/// A document as the editor has it now, when it differs from the analysed
/// text: positions in it are read from this text and its tree, and its
/// occurrences are found in this text.
#[derive(Clone, Copy)]
pub struct Live<'a> {
    pub path: &'a Path,
    pub text: &'a str,
    pub tree: &'a tree_sitter::Tree,
}

/// The text of `p`: the live one for the live document.
fn text_of<'a>(ws: &'a Workspace, live: Option<&Live<'a>>, p: &Path) -> Option<&'a str> {
    match live {
        Some(l) if l.path == p => Some(l.text),
        _ => ws.file(p).map(|f| &*f.text),
    }
}

/// What a position names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Sym {
    /// A Durable Object binding of the Workers `workers`.
    Binding { name: String, workers: Vec<usize> },
    /// A class as the configs of `workers` know it (its exported name).
    Class { name: String, workers: Vec<usize> },
    /// Method `method` of the class a binding names, called on a stub.
    Method {
        binding: String,
        method: String,
        workers: Vec<usize>,
    },
}

/// One place that names a symbol.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Loc {
    pub file: PathBuf,
    /// The name itself (inside the quotes of a config string).
    pub span: Span,
    pub role: Role,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    /// Where it is declared: the binding in a config, the class in source.
    Declaration,
    /// A config entry that names it (`class_name`, a migration, `exports`).
    Config,
    /// A migration step already applied: renaming leaves these alone.
    History,
    /// A use in source.
    Use,
}

fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$'
}

/// A config string's span without its quotes.
fn inner(text: &str, s: &Str) -> Span {
    inner_span(text, s.span)
}

fn inner_span(text: &str, span: Span) -> Span {
    let t = text.get(span.start..span.end).unwrap_or("");
    if t.len() >= 2 && (t.starts_with('"') || t.starts_with('\'')) {
        Span::new(span.start + 1, span.end - 1)
    } else {
        span
    }
}

fn within(s: Span, at: usize) -> bool {
    s.start <= at && at <= s.end
}

/// The Workers whose module graph holds `path`, or whose config it is.
pub fn workers_of(ws: &Workspace, path: &Path) -> Vec<usize> {
    (0..ws.workers.len())
        .filter(|&i| ws.workers[i].config.path == path || ws.workers[i].graph.contains(path))
        .collect()
}

/// Every `env.NAME` (also `env?.NAME`, `this.env.NAME`, `c.env.NAME`) in
/// `text`: the spans of the names.
fn env_names(text: &str) -> impl Iterator<Item = (&str, Span)> + '_ {
    let b = text.as_bytes();
    text.match_indices("env")
        .filter(move |(i, _)| *i == 0 || !is_ident(b[i - 1]) || b[i - 1] == b'.')
        .filter_map(move |(i, _)| {
            let mut j = i + 3;
            if b.get(j) == Some(&b'?') {
                j += 1;
            }
            if b.get(j) != Some(&b'.') {
                return None;
            }
            j += 1;
            let start = j;
            while j < b.len() && is_ident(b[j]) {
                j += 1;
            }
            // `env.` itself preceded by an identifier char other than `.`
            // (`myenv.X`) is not `env`.
            if i > 0 && is_ident(b[i - 1]) {
                return None;
            }
            (j > start && !b[start].is_ascii_digit())
                .then(|| (&text[start..j], Span::new(start, j)))
        })
}

/// Every whole-word `word` in the code of `text` (not in its comments or
/// string literals; a template literal's text counts as a string).
fn words(text: &str, word: &str) -> Vec<Span> {
    let b = text.as_bytes();
    let quiet = non_code(text);
    text.match_indices(word)
        .filter_map(|(i, _)| {
            let end = i + word.len();
            let before = i > 0 && is_ident(b[i - 1]);
            let after = end < b.len() && is_ident(b[end]);
            let hidden = quiet.iter().any(|(s, e)| *s <= i && i < *e);
            (!before && !after && !hidden).then(|| Span::new(i, end))
        })
        .collect()
}

/// The comments and string literals of a JavaScript or TypeScript text, as
/// byte ranges (a lexer's view: regular expression literals are not told
/// apart from division, which only matters for a quote inside one).
fn non_code(text: &str) -> Vec<(usize, usize)> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let start = i;
        match b[i] {
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
                out.push((start, i));
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i = text[i + 2..].find("*/").map_or(b.len(), |j| i + 2 + j + 2);
                out.push((start, i));
            }
            q @ (b'"' | b'\'' | b'`') => {
                i += 1;
                while i < b.len() && b[i] != q {
                    if b[i] == b'\\' {
                        i += 1;
                    } else if b[i] == b'\n' && q != b'`' {
                        break;
                    }
                    i += 1;
                }
                i += 1;
                out.push((start, i.min(b.len())));
            }
            _ => i += 1,
        }
    }
    out
}

/// The symbol at `offset` of `path`, and the span of its name there.
pub fn symbol_at(
    ws: &Workspace,
    path: &Path,
    offset: usize,
    live: Option<&Live>,
) -> Option<(Sym, Span)> {
    let workers = workers_of(ws, path);
    if workers.is_empty() {
        return None;
    }
    let js = crate::syntax::Lang::from_path(path).is_some_and(|l| l.is_js());
    if let Some(l) = live.filter(|l| l.path == path && ws.file(path).is_some() && js) {
        return live_symbol(ws, l, offset, workers);
    }
    if let Some(f) = ws.file(path) {
        for c in &f.facts.stub_calls {
            if within(c.span, offset) {
                return Some((
                    Sym::Method {
                        binding: c.binding.clone(),
                        method: c.method.clone(),
                        workers,
                    },
                    c.span,
                ));
            }
        }
        if let Some((name, span)) = env_names(&f.text).find(|(_, s)| within(*s, offset)) {
            return Some((binding(name, workers), span));
        }
        if let Some(m) = f.facts.env_members.iter().find(|m| within(m.span, offset)) {
            return Some((binding(&m.name, workers), m.span));
        }
        let c = f
            .facts
            .classes
            .iter()
            .find(|c| within(c.name_span, offset))?;
        let name = c.name.clone()?;
        return Some((Sym::Class { name, workers }, c.name_span));
    }
    let w = ws.workers.iter().position(|w| w.config.path == path)?;
    let worker = &ws.workers[w];
    let text = &*worker.text;
    let cfg = &worker.config;
    for v in cfg.variants() {
        for b in v.durable_objects() {
            if let Some(n) = b.name.as_ref().filter(|n| within(n.span, offset)) {
                return Some((binding(&n.value, vec![w]), inner(text, n)));
            }
            if let Some(c) = b.class_name.as_ref().filter(|c| within(c.span, offset)) {
                // A binding to another Worker's class names that Worker's.
                let owners = match &b.script_name {
                    Some(s) => owners_named(ws, &s.value),
                    None => vec![w],
                };
                return Some((class(&c.value, owners), inner(text, c)));
            }
        }
    }
    // Bindings of other types: `env.X` leads to them too.
    for v in cfg.variants() {
        if let Some(b) = v.other_bindings().iter().find(|b| within(b.span, offset)) {
            return Some((binding(&b.name, vec![w]), inner_span(text, b.span)));
        }
    }
    let (name, _) = config_class_names(cfg).find(|(s, _)| within(s.span, offset))?;
    Some((class(&name.value, vec![w]), inner(text, name)))
}

/// [`symbol_at`] in a source document's live text and tree.
fn live_symbol(
    ws: &Workspace,
    l: &Live,
    offset: usize,
    workers: Vec<usize>,
) -> Option<(Sym, Span)> {
    if let Some((name, span)) = env_names(l.text).find(|(_, s)| within(*s, offset)) {
        return Some((binding(name, workers), span));
    }
    let root = l.tree.root_node();
    let node = [offset, offset.saturating_sub(1)]
        .into_iter()
        .find_map(|at| {
            root.named_descendant_for_byte_range(at, at).filter(|n| {
                matches!(
                    n.kind(),
                    "identifier" | "property_identifier" | "type_identifier"
                )
            })
        })?;
    let name = l.text.get(node.byte_range())?;
    let span = Span::new(node.start_byte(), node.end_byte());
    let parent = node.parent()?;
    match parent.kind() {
        "class_declaration" | "class" | "abstract_class_declaration"
            if parent.child_by_field_name("name") == Some(node) =>
        {
            Some((class(name, workers), span))
        }
        "member_expression" if parent.child_by_field_name("property") == Some(node) => {
            let lang = crate::syntax::Lang::from_path(l.path)?;
            let scope = super::complete::Scope {
                ws,
                fs: &crate::project::fs::MemFs::default(),
                models: Vec::new(),
            };
            let b = super::complete::stub_of_member(
                Some(&scope),
                l.path,
                lang,
                l.text,
                l.tree,
                node.start_byte(),
            )?;
            Some((
                Sym::Method {
                    binding: b,
                    method: name.to_string(),
                    workers,
                },
                span,
            ))
        }
        "property_signature" => {
            // a member of `interface Env { ROOMS: DurableObjectNamespace }`
            let mut up = parent.parent();
            while let Some(n) = up {
                if n.kind() == "interface_declaration" {
                    let is_env = n
                        .child_by_field_name("name")
                        .and_then(|x| l.text.get(x.byte_range()))
                        == Some("Env");
                    return is_env.then(|| (binding(name, workers), span));
                }
                up = n.parent();
            }
            None
        }
        _ => None,
    }
}

fn binding(name: &str, workers: Vec<usize>) -> Sym {
    Sym::Binding {
        name: name.to_string(),
        workers,
    }
}

fn class(name: &str, workers: Vec<usize>) -> Sym {
    Sym::Class {
        name: name.to_string(),
        workers,
    }
}

/// The Workers deployed under `name`.
fn owners_named(ws: &Workspace, name: &str) -> Vec<usize> {
    (0..ws.workers.len())
        .filter(|&i| {
            ws.workers[i]
                .config
                .variants()
                .iter()
                .any(|v| v.worker_name().as_deref() == Some(name))
        })
        .collect()
}

/// Class names in a config's lifecycle: migration lists (with whether the
/// entry is history a rename must not edit) and `exports` keys.
fn config_class_names(cfg: &Config) -> impl Iterator<Item = (&Str, Role)> {
    let mut out: Vec<(&Str, Role)> = Vec::new();
    let mut sections = vec![&cfg.top];
    sections.extend(cfg.envs.iter());
    for s in sections {
        if let Some(m) = &s.migrations {
            for m in &m.items {
                for c in m
                    .new_classes
                    .iter()
                    .chain(&m.new_sqlite_classes)
                    .chain(&m.deleted_classes)
                {
                    out.push((c, Role::History));
                }
                for r in &m.renamed_classes {
                    out.push((&r.from, Role::History));
                    out.push((&r.to, Role::History));
                }
                for t in &m.transferred_classes {
                    out.push((&t.from, Role::History));
                    out.push((&t.to, Role::History));
                }
            }
        }
        if let Some(e) = &s.exports {
            for x in &e.items {
                out.push((&x.key, Role::Config));
                if let Some(r) = &x.renamed_to {
                    out.push((r, Role::Config));
                }
            }
        }
    }
    out.into_iter()
}

/// Where the symbol is defined: a binding's entries in the config; a
/// class's declaration (from a config), or the bindings that name it (from
/// the class itself); a stub method's declaration in the bound class.
pub fn definition(
    ws: &Workspace,
    fs: &dyn FileSystem,
    path: &Path,
    offset: usize,
    live: Option<&Live>,
) -> Vec<Loc> {
    let Some((sym, here)) = symbol_at(ws, path, offset, live) else {
        return Vec::new();
    };
    match &sym {
        Sym::Binding { .. } => references(ws, fs, &sym, live)
            .into_iter()
            .filter(|l| l.role == Role::Declaration)
            .collect(),
        Sym::Class { name, workers } => {
            let decls = class_declarations(ws, fs, name, workers);
            let on_declaration = match live.filter(|l| l.path == path) {
                // The live tree said it is a class's name.
                Some(_) => ws.file(path).is_some(),
                None => decls.iter().any(|l| l.file == path && l.span == here),
            };
            if on_declaration {
                // From the class to the bindings that name it.
                references(ws, fs, &sym, live)
                    .into_iter()
                    .filter(|l| l.role == Role::Config && ws.file(&l.file).is_none())
                    .collect()
            } else {
                decls
            }
        }
        Sym::Method {
            binding,
            method,
            workers,
        } => {
            let mut out = Vec::new();
            for class in bound_classes(ws, binding, workers) {
                for d in class_declarations(ws, fs, &class, workers) {
                    let Some(f) = ws.file(&d.file) else { continue };
                    let Some(c) = f.facts.classes.iter().find(|c| c.name_span == d.span) else {
                        continue;
                    };
                    for m in c.body.members.iter().filter(|m| m.name == *method) {
                        out.push(Loc {
                            file: d.file.clone(),
                            span: m.name_span,
                            role: Role::Declaration,
                        });
                    }
                }
            }
            out.sort();
            out.dedup();
            out
        }
    }
}

/// The classes the local bindings `binding` of `workers` name.
fn bound_classes(ws: &Workspace, binding: &str, workers: &[usize]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for &w in workers {
        for v in ws.workers[w].config.variants() {
            for b in v.durable_objects() {
                if b.name.as_ref().is_some_and(|n| n.value == binding) && b.script_name.is_none() {
                    if let Some(c) = &b.class_name {
                        if !out.contains(&c.value) {
                            out.push(c.value.clone());
                        }
                    }
                }
            }
        }
    }
    out
}

/// Where class `name` (as the entry exports it) is declared, for each of
/// `workers`.
fn class_declarations(
    ws: &Workspace,
    fs: &dyn FileSystem,
    name: &str,
    workers: &[usize],
) -> Vec<Loc> {
    let res = Resolver::new(ws, fs);
    let mut out = Vec::new();
    for &w in workers {
        for entry in ws.workers[w].entries.iter().filter_map(|e| e.source()) {
            if let Fact::Known(sym) = res.export(entry, name) {
                let span = match sym.kind {
                    SymbolKind::Class(idx) => ws
                        .file(&sym.file)
                        .and_then(|f| f.facts.classes.get(idx))
                        .map(|c| c.name_span)
                        .unwrap_or(sym.span),
                    _ => sym.span,
                };
                out.push(Loc {
                    file: sym.file.clone(),
                    span,
                    role: Role::Declaration,
                });
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Every place that names the symbol, across configs and code.
pub fn references(ws: &Workspace, fs: &dyn FileSystem, sym: &Sym, live: Option<&Live>) -> Vec<Loc> {
    let mut out = Vec::new();
    match sym {
        Sym::Binding { name, workers } => {
            for &w in workers {
                let worker = &ws.workers[w];
                for v in worker.config.variants() {
                    for b in v.durable_objects() {
                        if let Some(n) = b.name.as_ref().filter(|n| n.value == *name) {
                            out.push(Loc {
                                file: worker.config.path.clone(),
                                span: inner(&worker.text, n),
                                role: Role::Declaration,
                            });
                        }
                    }
                    for b in v.other_bindings().iter().filter(|b| b.name == *name) {
                        out.push(Loc {
                            file: worker.config.path.clone(),
                            span: inner_span(&worker.text, b.span),
                            role: Role::Declaration,
                        });
                    }
                }
                for p in worker.graph.iter().filter(|p| !in_node_modules(p)) {
                    let Some(f) = ws.file(p) else { continue };
                    let text = text_of(ws, live, p).unwrap_or(&f.text);
                    for (n, span) in env_names(text) {
                        if n == name {
                            out.push(Loc {
                                file: p.clone(),
                                span,
                                role: Role::Use,
                            });
                        }
                    }
                    // Spans of the analysed text: not for a document edited since.
                    let edited = live.is_some_and(|l| l.path == p);
                    for m in f
                        .facts
                        .env_members
                        .iter()
                        .filter(|m| m.name == *name && !edited)
                    {
                        out.push(Loc {
                            file: p.clone(),
                            span: m.span,
                            role: Role::Use,
                        });
                    }
                }
            }
        }
        Sym::Class { name, workers } => {
            let decls = class_declarations(ws, fs, name, workers);
            let declared_as = |l: &Loc| {
                ws.file(&l.file)
                    .and_then(|f| f.facts.classes.iter().find(|c| c.name_span == l.span))
                    .and_then(|c| c.name.clone())
            };
            // Source: in each module that declares, imports or re-exports
            // the class, every whole word of its name.
            let mut source_names: Vec<String> = vec![name.clone()];
            for d in &decls {
                if let Some(n) = declared_as(d) {
                    if !source_names.contains(&n) {
                        source_names.push(n);
                    }
                }
            }
            for &w in workers {
                let worker = &ws.workers[w];
                for p in worker.graph.iter().filter(|p| !in_node_modules(p)) {
                    let Some(f) = ws.file(p) else { continue };
                    for n in &source_names {
                        let mentions = f.facts.decls.contains_key(n.as_str())
                            || f.facts.exports.iter().any(|e| match e {
                                crate::syntax::facts::ExportItem::Local {
                                    exported, local, ..
                                } => exported == n || local == n,
                                crate::syntax::facts::ExportItem::ReExport {
                                    exported,
                                    imported,
                                    ..
                                } => exported == n || imported == n,
                                _ => false,
                            });
                        if !mentions {
                            continue;
                        }
                        let text = text_of(ws, live, p).unwrap_or(&f.text);
                        for span in words(text, n) {
                            let role = if decls.iter().any(|d| d.file == *p && d.span == span) {
                                Role::Declaration
                            } else {
                                Role::Use
                            };
                            out.push(Loc {
                                file: p.clone(),
                                span,
                                role,
                            });
                        }
                    }
                }
            }
            // Configs: the owners' own entries, and every binding that
            // names the class in another Worker by `script_name`.
            let owner_names: Vec<String> = workers
                .iter()
                .flat_map(|&w| {
                    ws.workers[w]
                        .config
                        .variants()
                        .iter()
                        .filter_map(|v| v.worker_name())
                        .collect::<Vec<_>>()
                })
                .collect();
            for (i, worker) in ws.workers.iter().enumerate() {
                let own = workers.contains(&i);
                let text = &*worker.text;
                for v in worker.config.variants() {
                    for b in v.durable_objects() {
                        let Some(c) = b.class_name.as_ref().filter(|c| c.value == *name) else {
                            continue;
                        };
                        let names_it = match &b.script_name {
                            Some(s) => owner_names.contains(&s.value),
                            None => own,
                        };
                        if names_it {
                            out.push(Loc {
                                file: worker.config.path.clone(),
                                span: inner(text, c),
                                role: Role::Config,
                            });
                        }
                    }
                }
                if own {
                    for (s, role) in config_class_names(&worker.config) {
                        if s.value == *name {
                            out.push(Loc {
                                file: worker.config.path.clone(),
                                span: inner(text, s),
                                role,
                            });
                        }
                    }
                }
            }
        }
        Sym::Method {
            binding,
            method,
            workers,
        } => {
            for &w in workers {
                for p in ws.workers[w].graph.iter() {
                    let Some(f) = ws.file(p) else { continue };
                    if let Some(l) = live.filter(|l| l.path == p) {
                        // The edited document: its calls of `.method(` on a
                        // stub of the binding, typed along their chains.
                        let Some(lang) = crate::syntax::Lang::from_path(p) else {
                            continue;
                        };
                        let scope = super::complete::Scope {
                            ws,
                            fs,
                            models: Vec::new(),
                        };
                        for span in words(l.text, method) {
                            let dotted = l.text[..span.start].trim_end().ends_with('.');
                            if dotted
                                && super::complete::stub_of_member(
                                    Some(&scope),
                                    p,
                                    lang,
                                    l.text,
                                    l.tree,
                                    span.start,
                                )
                                .as_deref()
                                    == Some(binding.as_str())
                            {
                                out.push(Loc {
                                    file: p.clone(),
                                    span,
                                    role: Role::Use,
                                });
                            }
                        }
                        continue;
                    }
                    for c in f
                        .facts
                        .stub_calls
                        .iter()
                        .filter(|c| c.binding == *binding && c.method == *method)
                    {
                        out.push(Loc {
                            file: p.clone(),
                            span: c.span,
                            role: Role::Use,
                        });
                    }
                }
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// One edit of a rename.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct RenameEdit {
    pub file: PathBuf,
    pub span: Span,
    pub text: String,
    /// What a lifecycle step added by the rename does, for the client to
    /// show with it.
    pub note: Option<String>,
}

/// A rename: its edits and what it says it does (a class that migrations
/// already created is renamed by a new migration step, not by editing
/// history).
#[derive(Clone, Debug, PartialEq)]
pub struct Rename {
    pub edits: Vec<RenameEdit>,
    pub label: String,
}

fn valid_identifier(s: &str) -> bool {
    let mut c = s.chars();
    c.next()
        .is_some_and(|f| f.is_ascii_alphabetic() || f == '_' || f == '$')
        && c.all(|x| x.is_ascii_alphanumeric() || x == '_' || x == '$')
}

/// The edits that rename the symbol at `offset` to `new_name`.
pub fn rename(
    ws: &Workspace,
    fs: &dyn FileSystem,
    path: &Path,
    offset: usize,
    new_name: &str,
    live: Option<&Live>,
) -> Result<Rename, String> {
    if !valid_identifier(new_name) {
        return Err(format!("`{new_name}` is not a valid identifier"));
    }
    let Some((sym, _)) = symbol_at(ws, path, offset, live) else {
        return Err("nothing to rename here: not a Durable Object binding or class".into());
    };
    let refs = references(ws, fs, &sym, live);
    let edit = |l: &Loc| RenameEdit {
        file: l.file.clone(),
        span: l.span,
        text: new_name.to_string(),
        note: None,
    };
    match &sym {
        Sym::Binding { name, .. } => {
            if name == new_name {
                return Err("the binding already has this name".into());
            }
            Ok(Rename {
                edits: refs.iter().map(edit).collect(),
                label: format!("Rename binding `{name}` to `{new_name}`"),
            })
        }
        Sym::Method { .. } => Err("rename methods with the TypeScript language server".into()),
        Sym::Class { name, workers } => {
            if name == new_name {
                return Err("the class already has this name".into());
            }
            let mut edits: Vec<RenameEdit> = refs
                .iter()
                .filter(|l| l.role != Role::History)
                .map(edit)
                .collect();
            let mut label = format!("Rename class `{name}` to `{new_name}`");
            // A class some lifecycle already created keeps its objects only
            // through a rename step.
            for &w in workers {
                let worker = &ws.workers[w];
                let cfg = &worker.config;
                let lc = Lifecycle::of(&cfg.variants()[0]);
                let Some(r) = lc.classes.get(name) else {
                    continue;
                };
                let uses_exports = cfg.top.exports.as_ref().is_some_and(|e| {
                    e.items
                        .iter()
                        .any(|x| x.key.value == *name && x.is_durable_object())
                });
                if uses_exports {
                    let e = cfg
                        .top
                        .exports
                        .as_ref()
                        .and_then(|e| e.items.iter().find(|x| x.key.value == *name));
                    let (Some(e), Some(step)) = (
                        e,
                        e.and_then(|e| renamed_export(cfg, &worker.text, e, new_name)),
                    ) else {
                        return Err(format!(
                            "`{name}` is created by an `exports` table in {}: mark it renamed there by hand (state = \"renamed\", renamed_to = \"{new_name}\")",
                            cfg.file_name()
                        ));
                    };
                    // The key keeps the old name: its value says where it went.
                    let key = inner(&worker.text, &e.key);
                    edits.retain(|x| !(x.file == cfg.path && x.span == key));
                    let note = format!(
                        "marks `exports.{name}` renamed to `{new_name}` in {}",
                        cfg.file_name()
                    );
                    label.push_str(&format!(" ({note})"));
                    edits.push(RenameEdit {
                        note: Some(note),
                        ..step
                    });
                } else if r.status == crate::config::lifecycle::Status::Live {
                    let tag = crate::rules::next_tag(&cfg.variants()[0]);
                    if let Some(step) = renamed_migration(cfg, &worker.text, &tag, name, new_name) {
                        let note = format!(
                            "adds migration \"{tag}\" renaming `{name}` to `{new_name}` in {}: the objects and their data keep, the migration history is not edited",
                            cfg.file_name()
                        );
                        label.push_str(&format!(" ({note})"));
                        edits.push(RenameEdit {
                            note: Some(note),
                            ..step
                        });
                    }
                }
            }
            edits.sort();
            edits.dedup();
            Ok(Rename { edits, label })
        }
    }
}

/// A migration `{ tag, renamed_classes: [{ from, to }] }` after the last.
fn renamed_migration(
    cfg: &Config,
    text: &str,
    tag: &str,
    from: &str,
    to: &str,
) -> Option<RenameEdit> {
    let e = crate::config::edit::add_step(
        cfg,
        text,
        tag,
        &match cfg.format {
            Format::Toml => format!("renamed_classes = [{{ from = \"{from}\", to = \"{to}\" }}]"),
            _ => format!("\"renamed_classes\": [{{ \"from\": \"{from}\", \"to\": \"{to}\" }}]"),
        },
    )?;
    Some(RenameEdit {
        file: cfg.path.clone(),
        span: e.span,
        text: e.text,
        note: None,
    })
}

/// `exports.<Old>` becomes `{ type: "durable-object", state: "renamed",
/// renamed_to: <New> }` (JSON configs: its value is replaced).
fn renamed_export(
    cfg: &Config,
    text: &str,
    e: &crate::config::model::ExportEntry,
    to: &str,
) -> Option<RenameEdit> {
    if cfg.format == Format::Toml {
        return None;
    }
    let root = crate::config::tree::parse_jsonc(text).ok()?;
    let value = root.get("exports")?.get(&e.key.value)?;
    Some(RenameEdit {
        file: cfg.path.clone(),
        span: value.span,
        note: None,
        text: format!(
            "{{ \"type\": \"durable-object\", \"state\": \"renamed\", \"renamed_to\": \"{to}\" }}"
        ),
    })
}
