//! Bindings and their uses: names (DO112, DO113), uses in code (DO110,
//! DO111), RPC on stubs (DO118) and bindings to other Workers (DO119).

use super::context::{closest, in_node_modules, rel, VariantCx, WorkerCx};
use super::diagnostic::{Diagnostic, Edit, Fix};
use super::model::entry_export;
use super::registry::{Code, Severity};
use crate::config::model::{DoBinding, OtherBinding};
use crate::project::symbols::Fact;
use crate::project::{Entry, Worker};
use crate::syntax::typescript::NAMESPACE_HELPERS;
use crate::text::Span;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// DO112 (a binding name used twice) and DO113 (an environment without the
/// top level's bindings).
pub fn names(cx: &mut WorkerCx, vc: &VariantCx) {
    duplicate_names(cx, vc);
    env_bindings(cx, vc);
}

fn duplicate_names(cx: &mut WorkerCx, vc: &VariantCx) {
    let path = cx.cfg_path();
    let v = &vc.v;
    let mut seen: BTreeMap<&str, Span> = BTreeMap::new();
    for b in v.durable_objects() {
        let Some(n) = &b.name else { continue };
        if let Some(first) = seen.get(n.value.as_str()) {
            cx.emit(
                Diagnostic::new(Code::DO112, path.clone(), n.span, format!(
                    "{} assigned to multiple Durable Object bindings.\nBindings must have unique names, so that they can all be referenced in the worker.\nPlease change your bindings to have unique names.",
                    n.value
                ))
                .related(path.clone(), *first, "first bound here"),
            );
        } else {
            seen.insert(&n.value, n.span);
        }
    }
    for (name, span) in &seen {
        let others: Vec<&OtherBinding> = v
            .other_bindings()
            .iter()
            .filter(|o| o.name == *name)
            .collect();
        if others.is_empty() {
            continue;
        }
        let mut types = vec!["Durable Object"];
        for o in &others {
            if !types.contains(&o.type_label) {
                types.push(o.type_label);
            }
        }
        let list = en_list(&types);
        cx.emit(
            Diagnostic::new(Code::DO112, path.clone(), *span, format!(
                "{name} assigned to {list} bindings.\nBindings must have unique names, so that they can all be referenced in the worker.\nPlease change your bindings to have unique names."
            ))
            .related(path.clone(), others[0].span, format!("also a {} binding", others[0].type_label)),
        );
    }
}

fn env_bindings(cx: &mut WorkerCx, vc: &VariantCx) {
    let v = &vc.v;
    let Some(env) = v.env else { return };
    let top: Vec<&str> = v
        .top
        .durable_objects
        .as_ref()
        .map(|d| {
            d.items
                .iter()
                .filter_map(|b| b.name.as_ref().map(|n| n.value.as_str()))
                .collect()
        })
        .unwrap_or_default();
    if top.is_empty() {
        return;
    }
    let e = &env.value;
    match &v.section.durable_objects {
        None => {
            let mut d = Diagnostic::new(Code::DO113, cx.cfg_path(), env.span, format!(
                "\"durable_objects\" exists at the top level, but not on \"env.{e}\".\nThis is not what you probably want, since \"durable_objects\" is not inherited by environments.\nPlease add \"durable_objects\" to \"env.{e}\"."
            ));
            if let Some(edit) =
                crate::config::edit::copy_durable_objects(&cx.worker.config, &cx.worker.text, e)
            {
                d = d.fix(Fix {
                    title: format!("Add the top level's `durable_objects` to `env.{e}`"),
                    edits: vec![Edit {
                        file: cx.cfg_path(),
                        span: edit.span,
                        text: edit.text,
                    }],
                    safe: true,
                });
            }
            cx.emit(d)
        }
        Some(d) => {
            let here: BTreeSet<&str> = d
                .items
                .iter()
                .filter_map(|b| b.name.as_ref().map(|n| n.value.as_str()))
                .collect();
            let missing: Vec<&str> = top.iter().copied().filter(|n| !here.contains(n)).collect();
            if !missing.is_empty() {
                let list: Vec<String> = missing.iter().map(|m| format!("- {m}")).collect();
                let mut diag = Diagnostic::new(Code::DO113, cx.cfg_path(), d.key_span, format!(
                    "The following bindings are at the top level, but not on \"env.{e}\".\nThis is not what you probably want, since \"durable_objects\" configuration is not inherited by environments.\nPlease add a binding for each to \"env.{e}.durable_objects.bindings\":\n{}",
                    list.join("\n")
                ));
                if let Some(edit) = crate::config::edit::add_env_bindings(
                    &cx.worker.config,
                    &cx.worker.text,
                    e,
                    &missing,
                ) {
                    diag = diag.fix(Fix {
                        title: format!(
                            "Add {} to `env.{e}`",
                            missing
                                .iter()
                                .map(|m| format!("`{m}`"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                        edits: vec![Edit {
                            file: cx.cfg_path(),
                            span: edit.span,
                            text: edit.text,
                        }],
                        safe: true,
                    });
                }
                cx.emit(diag);
            }
        }
    }
}

/// DO118: RPC calls on a stub while RPC is off for this variant.
pub fn rpc_off(cx: &mut WorkerCx, vc: &VariantCx) {
    if vc.service_worker {
        return;
    }
    let v = &vc.v;
    let flags = v.compatibility_flags();
    let has = |f: &str| flags.iter().any(|x| x.value == f);
    let no_rpc = flags.iter().find(|x| x.value == "no_rpc");
    let date = v.compatibility_date();
    let old_date = date.filter(|d| d.value.as_str() < "2024-04-03" && d.value.len() == 10);
    let (why, span) = match (no_rpc, old_date) {
        (Some(f), _) => ("the `no_rpc` compatibility flag is set".to_string(), f.span),
        (None, Some(d)) if !has("rpc") => (
            format!(
                "`compatibility_date` {} is before 2024-04-03 and the `rpc` flag is not set",
                d.value
            ),
            d.span,
        ),
        _ => return,
    };
    let bound: BTreeSet<&str> = v
        .durable_objects()
        .iter()
        .filter_map(|b| b.name.as_ref().map(|n| n.value.as_str()))
        .collect();
    for p in cx.worker.graph.iter().filter(|p| !in_node_modules(p)) {
        let Some(f) = cx.ws.file(p) else { continue };
        for c in f
            .facts
            .stub_calls
            .iter()
            .filter(|c| c.method != "fetch" && bound.contains(c.binding.as_str()))
        {
            cx.emit(
                Diagnostic::new(Code::DO118, p.clone(), c.span, format!(
                    "`{}()` is an RPC call on a Durable Object stub, but RPC is off: {why}. The call fails at run time (\"{}\" is not a function) after workerd warns \"Tried to access method or property '{}' on a Service Binding or Durable Object stub. Are you trying to use RPC?\"",
                    c.method, c.method, c.method
                ))
                .related(cx.cfg_path(), span, "RPC is off because of this"),
            );
        }
    }
}

/// DO119: a `script_name` that names a Worker of this workspace whose entry
/// does not export the class.
pub fn cross_worker(cx: &mut WorkerCx, vc: &VariantCx) {
    if vc.service_worker {
        return;
    }
    for b in vc.v.durable_objects().iter().filter(|b| b.external) {
        cross_worker_binding(cx, b);
    }
}

/// The Workers of the workspace (and which of their variants) that a
/// binding's `script_name` (and `environment`) names.
pub(super) fn script_targets<'w>(
    ws: &'w crate::project::Workspace,
    b: &DoBinding,
) -> Vec<(&'w Worker, usize)> {
    let Some(script) = &b.script_name else {
        return Vec::new();
    };
    let mut targets = Vec::new();
    for w in &ws.workers {
        for (i, tv) in w.config.variants().iter().enumerate() {
            let matches = match &b.environment {
                Some(env) => {
                    w.config
                        .top
                        .name
                        .as_ref()
                        .is_some_and(|n| n.value == script.value)
                        && tv.env_name() == Some(env.value.as_str())
                }
                None => tv.worker_name().as_deref() == Some(script.value.as_str()),
            };
            if matches {
                targets.push((&**w, i));
            }
        }
    }
    targets
}

fn cross_worker_binding(cx: &mut WorkerCx, b: &DoBinding) {
    let (Some(script), Some(class)) = (&b.script_name, &b.class_name) else {
        return;
    };
    let targets = script_targets(cx.ws, b);
    if targets.is_empty() {
        return; // deployed elsewhere: unknown, and not worth an info
    }
    let mut absent_in: Option<(PathBuf, PathBuf)> = None;
    for (w, i) in &targets {
        match entry_export(&cx.res, w.dir(), &w.entries[*i], &class.value) {
            Fact::Absent => {
                absent_in = Some((
                    w.config.path.clone(),
                    w.entries[*i].source().unwrap().to_path_buf(),
                ))
            }
            Fact::Unknown(why) => {
                cx.unknown(format!(
                    "`{}` in Worker `{}`: {why}",
                    class.value, script.value
                ));
                return;
            }
            Fact::Known(_) => return,
        }
    }
    if let Some((cfg, entry)) = absent_in {
        let base = cfg.parent().unwrap_or(Path::new("")).to_path_buf();
        cx.emit(
            Diagnostic::new(Code::DO119, cx.cfg_path(), class.span, format!(
                "Worker `{}` ({}) does not export class `{}` from its entry {}; the deploy fails with \"Cannot create binding for class '{}' that is not exported by script '{}'\" (API error 10061).",
                script.value,
                rel(cx.dir(), &cfg),
                class.value,
                rel(&base, &entry),
                class.value,
                script.value
            ))
            .related(entry, Span::default(), format!("the entry of Worker `{}`", script.value)),
        );
    }
}

/// DO111: a DO binding whose name appears nowhere in the Worker's code.
/// Only where the whole graph was read and no code reaches `env`
/// dynamically (`env[name]`) or hands `env` to a package.
pub fn unused(cx: &mut WorkerCx) {
    let w = cx.worker;
    // A workers-rs crate is read whole from its root module, like an entry.
    let read_whole = |e: &Entry| match e {
        Entry::File(_) => true,
        Entry::BuildOutput {
            source: Some(s), ..
        } => s.extension().is_some_and(|x| x == "rs"),
        _ => false,
    };
    if w.graph.is_empty() || !w.entries.iter().all(read_whole) {
        return;
    }
    let files: Vec<_> = w.graph.iter().filter_map(|p| cx.ws.file(p)).collect();
    if files.len() != w.graph.len() || files.iter().any(|f| f.facts.has_errors) {
        return;
    }
    let dynamic = files.iter().any(|f| {
        f.text.contains("env[")
            || f.facts.imports.iter().any(|i| {
                !i.source.starts_with('.')
                    && !i.source.starts_with("cloudflare:")
                    && !i.source.starts_with("node:")
            })
    });
    if dynamic {
        return;
    }
    let mut seen = BTreeSet::new();
    // Other sources under the Worker's folder (tests reach bindings
    // through `import { env } from "cloudflare:workers"`), read only
    // when a binding looks unused.
    let mut others: Option<Vec<std::sync::Arc<str>>> = None;
    for v in w.config.variants() {
        for b in v.durable_objects() {
            let Some(n) = &b.name else { continue };
            if !seen.insert((n.value.clone(), n.span)) {
                continue;
            }
            let mut used = files.iter().any(|f| contains_word(&f.text, &n.value));
            if !used {
                let texts = others.get_or_insert_with(|| {
                    let fs = cx.res.fs;
                    fs.find_files(w.dir(), &|name| {
                        crate::syntax::Lang::from_path(Path::new(name)).is_some()
                    })
                    .into_iter()
                    .filter(|p| !w.graph.contains(p) && !in_node_modules(p))
                    .take(2000)
                    .filter_map(|p| crate::project::fs::read_text(fs, &p, 1024 * 1024).ok())
                    .collect()
                });
                used = texts.iter().any(|t| contains_word(t, &n.value));
            }
            if !used {
                cx.emit(Diagnostic::new(
                    Code::DO111,
                    cx.cfg_path(),
                    n.span,
                    format!(
                        "Binding `{}` is not used by any code of this Worker.",
                        n.value
                    ),
                ));
            }
        }
    }
}

/// DO110: `env.X` used as a DO namespace where no variant binds X.
pub fn unknown_uses(cx: &mut WorkerCx) {
    let cfg = &cx.worker.config;
    let bound: BTreeSet<&str> = cfg
        .variants()
        .iter()
        .flat_map(|v| {
            v.durable_objects()
                .iter()
                .filter_map(|b| b.name.as_ref().map(|n| n.value.as_str()))
        })
        .collect();
    let others: BTreeSet<&str> = cfg
        .variants()
        .iter()
        .flat_map(|v| v.other_bindings().iter().map(|o| o.name.as_str()))
        .collect();
    let dir = cx.dir().to_path_buf();
    let mut out = Vec::new();
    for file in cx.worker.graph.iter().filter(|p| !in_node_modules(p)) {
        let Some(sf) = cx.ws.file(file) else { continue };
        // A file shared with a Worker that binds the name is not ours to judge.
        let shared_ok = |name: &str| {
            cx.ws.workers.iter().any(|w| {
                w.graph.contains(file)
                    && w.config.variants().iter().any(|v| {
                        v.durable_objects()
                            .iter()
                            .any(|b| b.name.as_ref().is_some_and(|n| n.value == name))
                    })
            })
        };
        let mut uses: Vec<(String, Span, &str)> = sf
            .facts
            .env_uses
            .iter()
            // a literal checked on a namespace whose binding is not known
            .filter_map(|u| Some((u, u.binding.as_ref()?)))
            .map(|(u, binding)| {
                let what = if NAMESPACE_HELPERS.iter().any(|(_, h)| *h == u.method) {
                    "passed where a Durable Object namespace is expected"
                } else {
                    "used as a Durable Object namespace"
                };
                (binding.clone(), u.span, what)
            })
            .collect();
        if file.starts_with(&dir) {
            uses.extend(
                sf.facts
                    .env_members
                    .iter()
                    .filter(|m| m.type_name == "Env")
                    .map(|m| {
                        (
                            m.name.clone(),
                            m.span,
                            "declared as a DurableObjectNamespace",
                        )
                    }),
            );
        }
        for (name, span, what) in uses {
            if bound.contains(name.as_str()) || others.contains(name.as_str()) || shared_ok(&name) {
                continue;
            }
            let mut msg = if file.extension().is_some_and(|e| e == "rs") {
                format!(
                    "`durable_object(\"{name}\")` asks for a Durable Object namespace, but {} has no Durable Object binding `{name}`, so the call returns an error at run time.",
                    cfg.file_name()
                )
            } else {
                format!(
                    "`env.{name}` is {what}, but {} has no Durable Object binding `{name}`, so `env.{name}` is undefined at run time.",
                    cfg.file_name()
                )
            };
            if let Some(s) = closest(&name, bound.iter().copied()) {
                msg.push_str(&format!(" Did you mean `{s}`?"));
            }
            let span_cfg = cfg
                .top
                .durable_objects
                .as_ref()
                .map(|d| d.key_span)
                .unwrap_or_default();
            // A member of a hand-written `Env` type that names no binding is
            // a stale type, not a failure: code that reads it through a
            // namespace method is reported at that use.
            let severity = if what == "declared as a DurableObjectNamespace" {
                msg = format!(
                    "`{name}` is {what} in the `Env` type, but {} has no Durable Object binding `{name}`: the type is stale, or a router finds the binding by name at run time.",
                    cfg.file_name()
                );
                if let Some(s) = closest(&name, bound.iter().copied()) {
                    msg.push_str(&format!(" Did you mean `{s}`?"));
                }
                Severity::Info
            } else {
                Severity::Error
            };
            let mut d = Diagnostic::new(Code::DO110, file.clone(), span, msg);
            if let Some(s) = closest(&name, bound.iter().copied()) {
                d = d.fix(Fix {
                    title: format!("Use `{s}` (the closest binding)"),
                    edits: vec![Edit {
                        file: file.clone(),
                        span,
                        text: s.to_string(),
                    }],
                    safe: false,
                });
            }
            out.push(d.severity(severity).related(
                cfg.path.clone(),
                span_cfg,
                format!("the Durable Object bindings of {}", rel(&dir, &cfg.path)),
            ));
        }
    }
    for d in out {
        cx.emit(d);
    }
}

/// Whether `word` occurs in `text` as an identifier, not inside a longer one.
pub fn contains_word(text: &str, word: &str) -> bool {
    let is_ident = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '$';
    text.match_indices(word).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + word.len()..].chars().next();
        !before.is_some_and(is_ident) && !after.is_some_and(is_ident)
    })
}

fn en_list(items: &[&str]) -> String {
    match items.len() {
        0 => String::new(),
        1 => items[0].to_string(),
        2 => format!("{} and {}", items[0], items[1]),
        n => format!("{}, and {}", items[..n - 1].join(", "), items[n - 1]),
    }
}
