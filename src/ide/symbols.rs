//! Outlines and lenses: the Durable Object parts of a config (the Worker,
//! its bindings, migrations and environments) and of a source file (its
//! Durable Object classes, their handlers and RPC methods), workspace
//! symbols for classes and bindings, and a lens over each class saying how
//! each Worker binds, stores and creates it.

use crate::config::classes::Backend;
use crate::project::Workspace;
use crate::rules::model::ClassModel;
use crate::text::Span;
use std::path::{Path, PathBuf};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SymKind {
    Worker,
    Binding,
    Migration,
    Environment,
    Class,
    Handler,
    Method,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Symbol {
    pub name: String,
    pub detail: String,
    pub kind: SymKind,
    /// The whole entry.
    pub range: Span,
    /// Its name.
    pub selection: Span,
    pub children: Vec<Symbol>,
}

/// The handlers a Durable Object class may define.
const HANDLERS: &[&str] = &[
    "fetch",
    "alarm",
    "webSocketMessage",
    "webSocketClose",
    "webSocketError",
    "connect",
];

fn leaf(name: String, detail: String, kind: SymKind, range: Span, selection: Span) -> Symbol {
    // A client wants the name inside the entry.
    let range = if range.start <= selection.start && selection.end <= range.end {
        range
    } else {
        selection
    };
    Symbol {
        name,
        detail,
        kind,
        range,
        selection,
        children: Vec::new(),
    }
}

/// A config's outline: the Worker, then its bindings, migrations and
/// environments (each with its own bindings).
pub fn config_symbols(ws: &Workspace, path: &Path) -> Vec<Symbol> {
    let Some(w) = ws.workers.iter().find(|w| w.config.path == path) else {
        return Vec::new();
    };
    let cfg = &w.config;
    let whole = Span::new(0, w.text.len());
    let bindings = |s: &crate::config::model::Section| -> Vec<Symbol> {
        s.durable_objects
            .as_ref()
            .map(|d| {
                d.items
                    .iter()
                    .filter_map(|b| {
                        let n = b.name.as_ref()?;
                        let class = b
                            .class_name
                            .as_ref()
                            .map(|c| c.value.as_str())
                            .unwrap_or("?");
                        let script = b
                            .script_name
                            .as_ref()
                            .map(|s| format!(" in {}", s.value))
                            .unwrap_or_default();
                        Some(leaf(
                            n.value.clone(),
                            format!("→ {class}{script}"),
                            SymKind::Binding,
                            b.span,
                            n.span,
                        ))
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let migrations = |s: &crate::config::model::Section| -> Vec<Symbol> {
        s.migrations
            .as_ref()
            .map(|m| {
                m.items
                    .iter()
                    .map(|m| {
                        let mut what: Vec<String> = Vec::new();
                        let list = |v: &[crate::config::Str]| {
                            v.iter()
                                .map(|c| c.value.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        };
                        if !m.new_sqlite_classes.is_empty() {
                            what.push(format!("new SQLite {}", list(&m.new_sqlite_classes)));
                        }
                        if !m.new_classes.is_empty() {
                            what.push(format!("new KV {}", list(&m.new_classes)));
                        }
                        if !m.deleted_classes.is_empty() {
                            what.push(format!("deletes {}", list(&m.deleted_classes)));
                        }
                        for r in &m.renamed_classes {
                            what.push(format!("renames {} → {}", r.from.value, r.to.value));
                        }
                        for t in &m.transferred_classes {
                            what.push(format!("transfers {} in", t.to.value));
                        }
                        let (name, sel) = match &m.tag {
                            Some(t) => (format!("migration {}", t.value), t.span),
                            None => (format!("migrations[{}]", m.index), m.span),
                        };
                        leaf(name, what.join("; "), SymKind::Migration, m.span, sel)
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut top = bindings(&cfg.top);
    top.extend(migrations(&cfg.top));
    for e in &cfg.envs {
        let Some(name) = &e.env else { continue };
        let mut env = leaf(
            format!("env.{}", name.value),
            String::new(),
            SymKind::Environment,
            name.span,
            name.span,
        );
        env.children = bindings(e);
        env.children.extend(migrations(e));
        top.push(env);
    }
    let (name, sel) = match &cfg.top.name {
        Some(n) => (n.value.clone(), n.span),
        None => (cfg.file_name(), Span::new(0, 0)),
    };
    vec![Symbol {
        name,
        detail: "Worker".into(),
        kind: SymKind::Worker,
        range: whole,
        selection: sel,
        children: top,
    }]
}

/// The Durable Object classes of a source file with their handlers and
/// RPC methods (the classes the class models know).
pub fn source_symbols(
    ws: &Workspace,
    models: &[(usize, &[ClassModel])],
    path: &Path,
) -> Vec<Symbol> {
    let Some(f) = ws.file(path) else {
        return Vec::new();
    };
    let mut seen: Vec<usize> = Vec::new();
    let mut out = Vec::new();
    for (_, ms) in models {
        for m in ms.iter() {
            for c in m.classes.iter().filter(|c| c.file == path) {
                if seen.contains(&c.idx) {
                    continue;
                }
                seen.push(c.idx);
                let Some(fact) = f.facts.classes.get(c.idx) else {
                    continue;
                };
                let mut class = leaf(
                    fact.name.clone().unwrap_or_else(|| c.name.clone()),
                    "Durable Object".into(),
                    SymKind::Class,
                    fact.span,
                    fact.name_span,
                );
                for mem in &fact.body.members {
                    if mem.is_static || mem.name.starts_with('#') || mem.name == "constructor" {
                        continue;
                    }
                    let handler = HANDLERS.contains(&mem.name.as_str());
                    class.children.push(leaf(
                        mem.name.clone(),
                        if handler { "handler" } else { "RPC method" }.into(),
                        if handler {
                            SymKind::Handler
                        } else {
                            SymKind::Method
                        },
                        mem.span,
                        mem.name_span,
                    ));
                }
                out.push(class);
            }
        }
    }
    out.sort_by_key(|s| s.range.start);
    out
}

/// Classes and bindings whose name contains `query` (case-insensitive), in
/// every config and class model.
pub fn workspace_symbols(
    ws: &Workspace,
    models: &[(usize, &[ClassModel])],
    query: &str,
) -> Vec<(PathBuf, Symbol)> {
    let q = query.to_lowercase();
    let wanted = |n: &str| n.to_lowercase().contains(&q);
    let mut out: Vec<(PathBuf, Symbol)> = Vec::new();
    for w in &ws.workers {
        for v in w.config.variants() {
            for b in v.durable_objects() {
                let Some(n) = b.name.as_ref().filter(|n| wanted(&n.value)) else {
                    continue;
                };
                if out
                    .iter()
                    .any(|(p, s)| *p == w.config.path && s.selection == n.span)
                {
                    continue;
                }
                let class = b
                    .class_name
                    .as_ref()
                    .map(|c| c.value.as_str())
                    .unwrap_or("?");
                out.push((
                    w.config.path.clone(),
                    leaf(
                        n.value.clone(),
                        format!("binding → {class}"),
                        SymKind::Binding,
                        b.span,
                        n.span,
                    ),
                ));
            }
        }
    }
    for (_, ms) in models {
        for m in ms.iter() {
            for c in &m.classes {
                let Some(fact) = c.fact(ws) else { continue };
                let name = fact.name.clone().unwrap_or_else(|| c.name.clone());
                if !wanted(&name)
                    || out
                        .iter()
                        .any(|(p, s)| *p == c.file && s.selection == fact.name_span)
                {
                    continue;
                }
                out.push((
                    c.file.clone(),
                    leaf(
                        name,
                        "Durable Object class".into(),
                        SymKind::Class,
                        fact.span,
                        fact.name_span,
                    ),
                ));
            }
        }
    }
    out
}

/// A lens over each Durable Object class of `path`: for each Worker and
/// environment, its bindings, storage backend and the step that creates it.
pub fn lenses(
    ws: &Workspace,
    models: &[(usize, &[ClassModel])],
    path: &Path,
) -> Vec<(Span, String)> {
    let mut by_class: Vec<(usize, Span, Vec<String>)> = Vec::new();
    for (w, ms) in models {
        let Some(worker) = ws.workers.get(*w) else {
            continue;
        };
        let who = worker
            .config
            .top
            .name
            .as_ref()
            .map(|n| n.value.clone())
            .unwrap_or_else(|| worker.config.file_name());
        for m in ms.iter() {
            for c in m.classes.iter().filter(|c| c.file == path) {
                let Some(fact) = c.fact(ws) else { continue };
                let env = m
                    .env
                    .as_ref()
                    .map(|e| format!(" [env.{e}]"))
                    .unwrap_or_default();
                let bound = if c.bindings.is_empty() {
                    "not bound".to_string()
                } else {
                    c.bindings.join(", ")
                };
                let storage = match c.backend {
                    Some(Backend::Sqlite) => "SQLite".to_string(),
                    Some(Backend::Kv) => "KV".to_string(),
                    None => "not created".to_string(),
                };
                let created = c
                    .created
                    .as_ref()
                    .map(|(label, _)| format!(" ({label})"))
                    .unwrap_or_default();
                let part = format!("{who}{env}: {bound} · {storage}{created}");
                match by_class.iter_mut().find(|(i, _, _)| *i == c.idx) {
                    Some((_, _, parts)) => {
                        if !parts.contains(&part) {
                            parts.push(part);
                        }
                    }
                    None => by_class.push((c.idx, fact.name_span, vec![part])),
                }
            }
        }
    }
    by_class.sort_by_key(|(_, s, _)| s.start);
    by_class
        .into_iter()
        .map(|(_, span, parts)| (span, parts.join(" | ")))
        .collect()
}
