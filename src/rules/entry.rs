//! The Worker's entry: whether it exists (DO115), its module format
//! (DO120), and the classes it exports (DO101, DO103, DO117).

use super::context::{closest, rel, VariantCx, WorkerCx};
use super::diagnostic::{Diagnostic, Edit, Fix};
use super::model::entry_export;
use super::registry::{Code, Severity};
use crate::project::symbols::{ClassBase, Fact, Symbol, SymbolKind};
use crate::project::{Entry, Workspace};
use crate::syntax::facts::ExportItem;
use crate::text::Span;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Whether an entry is service-worker format (wrangler 4.164's guess):
/// `Some(true)` when it is, `None` when that cannot be known.
pub fn is_service_worker(ws: &Workspace, entry: &Path) -> Option<bool> {
    let sf = ws.file(entry)?;
    // a workers-rs crate builds an ES module Worker
    if !sf.lang.is_js() {
        return Some(false);
    }
    let f = &sf.facts;
    let esm = !f.exports.is_empty();
    if f.has_default_export() {
        return Some(false);
    }
    if f.commonjs.is_some() && !esm {
        return Some(true);
    }
    if !esm {
        return if f.has_errors { None } else { Some(true) };
    }
    Some(f.add_event_listener)
}

/// DO115: the entry `main` names.
pub fn entry_found(cx: &mut WorkerCx, vc: &VariantCx) {
    let main = vc.v.main();
    let dir = cx.dir().to_path_buf();
    let has_do = vc.has_do;
    // Without `main` (the entry comes from a package script, or the oldest
    // workers-rs layout), findings sit on the config's `name`.
    let name_span = cx
        .worker
        .config
        .top
        .name
        .as_ref()
        .map(|n| n.span)
        .unwrap_or_default();
    let at = main.map(|m| m.span).unwrap_or(name_span);
    match vc.entry {
        Entry::Missing { path } => {
            let named = main
                .map(|m| m.value.clone())
                .unwrap_or_else(|| rel(&dir, path));
            let mut d = Diagnostic::new(
                Code::DO115,
                cx.cfg_path(),
                at,
                format!("The entry-point file at \"{named}\" was not found."),
            );
            if cx.worker.harness {
                d = d.severity(Severity::Info);
                d.message.push_str(" This config serves a test harness, which loads `main` only when a test uses it.");
            }
            cx.emit(d);
        }
        Entry::ViteModule { spec } if has_do => {
            cx.emit(
                Diagnostic::new(Code::DO115, cx.cfg_path(), at, format!(
                    "`main` is \"{spec}\", a module @cloudflare/vite-plugin resolves (a virtual module, or one not found on disk); class exports are not checked."
                ))
                .severity(Severity::Info),
            );
        }
        Entry::BuildOutput {
            path,
            reason,
            source,
            stated_by,
        } if has_do => {
            let by = match stated_by {
                Some(by) => format!("from {by}"),
                None => "by convention".to_string(),
            };
            let msg = match source {
                Some(s) if main.is_none() => format!(
                    "This config has no `main`: `worker-build` writes {} from the crate (the oldest workers-rs layout, uploaded through `[build.upload]`); the source entry {} ({by}) is checked.",
                    rel(&dir, path),
                    rel(&dir, s),
                ),
                Some(s) => format!(
                    "`main` names {} , which is build output ({reason}) and is not there yet; the source entry {} ({by}) is checked in its place.",
                    rel(&dir, path),
                    rel(&dir, s),
                ),
                None => format!(
                    "`main` names {}, which is build output ({reason}) and is not there yet; no source entry was found, so class exports are not checked.",
                    rel(&dir, path)
                ),
            };
            cx.emit(
                Diagnostic::new(Code::DO115, cx.cfg_path(), at, msg.replace(" ,", ","))
                    .severity(Severity::Info),
            );
        }
        Entry::Unsupported { path } if has_do => {
            cx.emit(Diagnostic::new(Code::DO115, cx.cfg_path(), at, format!(
                "`main` names {}, which is not TypeScript or JavaScript; class exports are not checked.",
                rel(&dir, path)
            )).severity(Severity::Info));
        }
        Entry::None if has_do => {
            cx.emit(Diagnostic::new(Code::DO115, cx.cfg_path(), name_span,
                "This config has no `main`: the entry is given on the command line, by a framework or by a test harness, so class exports are not checked."
            ).severity(Severity::Info));
        }
        _ => {}
    }
}

/// DO120: Durable Objects in a service-worker format Worker. Only the file
/// `main` names is judged: a source entry found for build output may not be
/// what the bundler turns into `main`.
pub fn service_worker(cx: &mut WorkerCx, vc: &VariantCx) {
    if !vc.service_worker {
        return;
    }
    let Some(e) = vc.entry.source() else { return };
    // wrangler counts a `script_name` equal to this Worker's own name as
    // local (R-ENT-02).
    let own = vc.v.worker_name();
    let bindings = vc.v.durable_objects().iter().filter(|b| {
        !b.external || (own.is_some() && b.script_name.as_ref().map(|s| &s.value) == own.as_ref())
    });
    let listener = cx.ws.file(e).is_some_and(|f| f.facts.add_event_listener);
    for b in bindings {
        let span = b.class_name.as_ref().map(|c| c.span).unwrap_or(b.span);
        cx.emit(
            Diagnostic::new(Code::DO120, cx.cfg_path(), span, format!(
                "You seem to be trying to use Durable Objects in a Worker written as a service-worker: {} has no default export{}. Add `export default {{ fetch() {{ … }} }}` to make it an ES module Worker, or set `script_name` to the Worker that implements the class.",
                rel(cx.dir(), e),
                if listener { " and calls addEventListener" } else { "" }
            ))
            .related(e.to_path_buf(), Span::default(), "the service-worker format entry"),
        );
    }
    if let Some(m) = vc.v.migrations().filter(|m| !m.items.is_empty()) {
        cx.emit(
            Diagnostic::new(Code::DO120, cx.cfg_path(), m.key_span, "Durable Object migrations require ES Module format Workers, but yours is being built as service-worker format. Migrations cannot be applied to service-worker format Workers.")
                .related(e.to_path_buf(), Span::default(), "the service-worker format entry"),
        );
    }
}

/// DO101 (a bound class the entry does not export), DO117 (a bound export
/// that is not a Durable Object class) and DO103 (a live class the entry
/// does not export).
pub fn exports(cx: &mut WorkerCx, vc: &VariantCx) {
    if vc.service_worker {
        return; // DO120 stands for these
    }
    let dir = cx.dir();
    let mut reported_101: BTreeSet<&str> = BTreeSet::new();
    for b in &vc.local {
        let Some(class) = &b.class_name else { continue };
        let name = class.value.as_str();
        match entry_export(&cx.res, dir, vc.entry, name) {
            Fact::Absent => {
                reported_101.insert(name);
                let d = not_exported(cx, Code::DO101, vc.entry, name, class.span);
                cx.emit(d);
            }
            // A missing or absent entry is DO115's finding already.
            Fact::Unknown(why) => {
                if vc.entry.source().is_some() {
                    cx.unknown(why);
                }
            }
            Fact::Known(sym) => {
                let binding = b.name.as_ref().map(|n| n.value.as_str()).unwrap_or("");
                is_durable_object(cx, name, binding, class.span, &sym)
            }
        }
    }
    if cx.on(Code::DO117) {
        for b in vc.v.durable_objects().iter().filter(|b| b.external) {
            legacy_in_another_worker(cx, b);
        }
    }
    let Some(source) = vc.entry.source() else {
        return;
    };
    for r in vc.lc.live() {
        if reported_101.contains(r.name.as_str()) {
            continue;
        }
        let name = r.name.as_str();
        match entry_export(&cx.res, dir, vc.entry, name) {
            Fact::Absent => {
                let mut d = not_exported(cx, Code::DO103, vc.entry, name, r.created.span);
                if cx.worker.harness {
                    d = d.severity(Severity::Info);
                }
                d.message = format!(
                    "{} leaves class `{name}` live, but the entry {} does not export it; the deploy fails (API error 10070 for a new class, 10064 for an existing one) and `wrangler dev` crashes at startup.",
                    r.created.label,
                    rel(dir, source)
                );
                cx.emit(d);
            }
            Fact::Unknown(why) => cx.unknown(why),
            Fact::Known(_) => {}
        }
    }
}

/// A DO101/DO103 diagnostic with the source side as related information.
fn not_exported(cx: &WorkerCx, code: Code, entry: &Entry, name: &str, span: Span) -> Diagnostic {
    let e = entry.source().unwrap_or(Path::new("")).to_path_buf();
    let entry_rel = rel(cx.dir(), &e);
    let facts = cx.ws.file(&e).map(|f| f.facts.clone());
    let default_is_it = facts.as_ref().is_some_and(|f| {
        f.exports
            .iter()
            .any(|x| matches!(x, ExportItem::Default { local: Some(l), .. } if l == name))
    });
    // `export { X } from "./m"` where ./m has no X: esbuild drops the
    // re-export from TypeScript silently (it may be a type), so wrangler's
    // export check passes and only the deploy fails.
    let reexported_from = facts.as_ref().and_then(|f| {
        f.exports.iter().find_map(|x| match x {
            ExportItem::ReExport {
                exported, source, ..
            } if exported == name => Some(source.clone()),
            _ => None,
        })
    });
    let rust = e.extension().is_some_and(|x| x == "rs");
    let python = e.extension().is_some_and(|x| x == "py");
    let mut msg = match &reexported_from {
        _ if python => format!(
            "Class `{name}` is bound here, but the entry {entry_rel} does not bind it at its top level (define it there, or import it into it with `from … import {name}`), so the Worker does not export it and the deploy fails (API error 10070 for a new class, 10061 or 10064 otherwise)."
        ),
        _ if rust => format!(
            "Class `{name}` is bound here, but no `#[durable_object]` struct of the crate ({entry_rel} and its modules) is named so: the Worker that worker-build writes does not export it, and wrangler fails with \"Your Worker depends on the following Durable Objects, which are not exported in your entrypoint file: {name}.\""
        ),
        Some(src) if e.extension().is_some_and(|x| x == "ts" || x == "tsx" || x == "mts") => format!(
            "Class `{name}` is bound here, and the entry {entry_rel} re-exports `{name}` from \"{src}\", but that module does not export it. esbuild drops such a re-export from TypeScript without a word (it takes it for a type), so wrangler's check passes and the deploy fails: the uploaded script does not export `{name}` (API error 10070 for a new class, 10061 or 10064 otherwise)."
        ),
        _ => format!(
            "Class `{name}` is bound here, but the entry {entry_rel} does not export it by that name; wrangler fails with \"Your Worker depends on the following Durable Objects, which are not exported in your entrypoint file: {name}.\""
        ),
    };
    if default_is_it {
        msg.push_str(&format!(
            " `export default class {name}` exports `default`, not `{name}`: use a named export."
        ));
    }
    // A crate exports every Durable Object struct of its modules.
    let names = if rust {
        cx.worker
            .graph
            .iter()
            .filter_map(|p| cx.ws.file(p))
            .flat_map(|f| f.facts.classes.iter().filter_map(|c| c.name.clone()))
            .collect()
    } else {
        exported_names(cx.ws, &e)
    };
    let guess = (!default_is_it)
        .then(|| closest(name, names.iter().map(String::as_str)))
        .flatten();
    if let Some(s) = guess {
        msg.push_str(&format!(" Did you mean `{s}`?"));
    }
    let mut d = Diagnostic::new(code, cx.cfg_path(), span, msg);
    // Point at the class if it is declared somewhere in the graph.
    let decl = cx.worker.graph.iter().find_map(|p| {
        let f = cx.ws.file(p)?;
        f.facts
            .classes
            .iter()
            .find(|c| c.name.as_deref() == Some(name))
            .map(|c| (p.clone(), c.name_span))
    });
    if reexported_from.is_none() {
        if let Some(fix) = export_fix(cx, &e, name) {
            d = d.fix(fix);
        }
    }
    if let (None, Some(s)) = (&decl, guess) {
        d = d.fix(Fix {
            title: format!("Bind `{s}` (a class the entry exports)"),
            edits: vec![Edit {
                file: cx.cfg_path(),
                span,
                text: format!("\"{s}\""),
            }],
            safe: false,
        });
    }
    match decl {
        Some((p, s)) => d.related(
            p,
            s,
            format!("class `{name}` is declared here but is not exported from {entry_rel}"),
        ),
        None => d.related(e, Span::default(), format!("the entry {entry_rel}")),
    }
}

/// Exports class `name` from `entry`: `export ` before its declaration in
/// the entry, or a re-export from the module that declares it (exporting
/// it there too when it is not). `None` when no module of the graph
/// declares it.
fn export_fix(cx: &WorkerCx, entry: &Path, name: &str) -> Option<Fix> {
    // `export` is JavaScript's: a Python or Rust module exports otherwise.
    if !cx.ws.file(entry)?.lang.is_js() {
        return None;
    }
    // Only a module of the Worker's own source: not a declaration file (no
    // class at run time) and not another package's (imported by its name).
    let (file, class) = cx.worker.graph.iter().find_map(|p| {
        let own = p.starts_with(cx.dir())
            && !super::context::in_node_modules(p)
            && !p.to_string_lossy().ends_with(".d.ts");
        if !own {
            return None;
        }
        let f = cx.ws.file(p)?;
        let c = f
            .facts
            .classes
            .iter()
            .find(|c| c.name.as_deref() == Some(name))?;
        Some((p.clone(), c))
    })?;
    let facts = &cx.ws.file(&file)?.facts;
    let exported_as = |want: &str| {
        facts.exports.iter().any(|x| match x {
            ExportItem::Local {
                exported, local, ..
            } => local == name && exported == want,
            ExportItem::Default { local: Some(l), .. } => want == "default" && l == name,
            _ => false,
        })
    };
    let default = exported_as("default");
    // `export ` before `class`, unless `export default class` starts there.
    let keyword = |f: &Path| Edit {
        file: f.to_path_buf(),
        span: Span::new(class.span.start, class.span.start),
        text: "export ".into(),
    };
    let entry_text = &cx.ws.file(entry)?.text;
    if file == entry {
        let edit = if default {
            let end = entry_text.trim_end().len();
            Edit {
                file: file.clone(),
                span: Span::new(end, end),
                text: format!("\nexport {{ {name} }};"),
            }
        } else {
            keyword(&file)
        };
        return Some(Fix {
            title: format!("Export `{name}` from the entry"),
            edits: vec![edit],
            safe: true,
        });
    }
    let mut edits = Vec::new();
    let imported = if exported_as(name) {
        name.to_string()
    } else if default {
        format!("default as {name}")
    } else {
        edits.push(keyword(&file));
        name.to_string()
    };
    let entry_facts = &cx.ws.file(entry)?.facts;
    let spec = module_spec(entry, &file, entry_facts)?;
    // After the line of the last import, else at the top.
    let after = entry_facts
        .imports
        .iter()
        .map(|i| i.source_span.end)
        .max()
        .map(|end| {
            entry_text[end..]
                .find('\n')
                .map_or(entry_text.len(), |i| end + i + 1)
        })
        .unwrap_or(0);
    let nl = if after > 0 && !entry_text[..after].ends_with('\n') {
        "\n"
    } else {
        ""
    };
    edits.push(Edit {
        file: entry.to_path_buf(),
        span: Span::new(after, after),
        text: format!("{nl}export {{ {imported} }} from \"{spec}\";\n"),
    });
    Some(Fix {
        title: format!("Export `{name}` from the entry (re-exported from \"{spec}\")"),
        edits,
        safe: true,
    })
}

/// How `from` names `to` in an import: a relative path without the
/// extension, or with `.js` when the file's other relative imports say so.
fn module_spec(from: &Path, to: &Path, facts: &crate::syntax::facts::FileFacts) -> Option<String> {
    let dir = from.parent()?;
    let fc: Vec<_> = dir.components().collect();
    let tc: Vec<_> = to.components().collect();
    let common = fc.iter().zip(&tc).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = vec!["..".into(); fc.len() - common];
    for c in &tc[common..] {
        parts.push(c.as_os_str().to_string_lossy().into_owned());
    }
    let mut spec = parts.join("/");
    if !spec.starts_with("..") {
        spec = format!("./{spec}");
    }
    let ext = to.extension().and_then(|e| e.to_str()).unwrap_or("");
    let stem = spec
        .strip_suffix(&format!(".{ext}"))
        .unwrap_or(&spec)
        .to_string();
    let js_style = facts
        .imports
        .iter()
        .any(|i| i.source.starts_with('.') && i.source.ends_with(".js"));
    Some(match ext {
        "ts" | "tsx" | "mts" | "js" | "jsx" | "mjs" if js_style => format!("{stem}.js"),
        "ts" | "tsx" | "js" | "jsx" => stem,
        _ => spec,
    })
}

/// The names an entry exports directly (for suggestions).
fn exported_names(ws: &Workspace, entry: &Path) -> Vec<String> {
    let Some(f) = ws.file(entry) else {
        return vec![];
    };
    f.facts
        .exports
        .iter()
        .filter_map(|e| match e {
            ExportItem::Local { exported, .. } | ExportItem::ReExport { exported, .. } => {
                Some(exported.clone())
            }
            _ => None,
        })
        .collect()
}

/// The first method other than `fetch` called on a stub of `binding`.
fn rpc_call_on(cx: &WorkerCx, binding: &str) -> Option<(String, PathBuf, Span)> {
    cx.worker.graph.iter().find_map(|p| {
        let f = cx.ws.file(p)?;
        f.facts
            .stub_calls
            .iter()
            .find(|c| c.binding == binding && c.method != "fetch")
            .map(|c| (c.method.clone(), p.clone(), c.span))
    })
}

/// DO117 across Workers: RPC on a stub of another Worker's class that runs
/// as a legacy Durable Object (a workers-rs struct, whose generated class
/// extends nothing, or a JavaScript class that extends nothing). Only the
/// call makes it a finding: `fetch` works on a legacy class.
fn legacy_in_another_worker(cx: &mut WorkerCx, b: &crate::config::model::DoBinding) {
    let (Some(script), Some(class), Some(binding)) = (&b.script_name, &b.class_name, &b.name)
    else {
        return;
    };
    let Some((method, call_file, call_span)) = rpc_call_on(cx, &binding.value) else {
        return;
    };
    let targets = super::bindings::script_targets(cx.ws, b);
    let mut legacy: Option<(Symbol, bool)> = None;
    for (w, i) in &targets {
        let Fact::Known(sym) = entry_export(&cx.res, w.dir(), &w.entries[*i], &class.value) else {
            return;
        };
        let SymbolKind::Class(idx) = sym.kind else {
            return; // not a class: the other Worker's own DO117
        };
        let rust = sym.file.extension().is_some_and(|e| e == "rs");
        if !rust && cx.res.class_base(&sym.file, idx) != Fact::Known(ClassBase::Nothing) {
            return;
        }
        legacy = Some((sym, rust));
    }
    let Some((sym, rust)) = legacy else { return };
    let name = &class.value;
    let what = if rust {
        format!("a workers-rs `#[durable_object]` struct of Worker `{}`, whose generated class extends nothing", script.value)
    } else {
        format!("a class of Worker `{}` that extends nothing", script.value)
    };
    cx.emit(
        Diagnostic::new(Code::DO117, cx.cfg_path(), class.span, format!(
            "`{name}` is {what}, so it runs as a legacy Durable Object: code calls `{method}()` on its stub, and RPC calls fail with \"The receiving Durable Object does not support RPC, because its class was not declared with `extends DurableObject`.\" Call `fetch` on the stub{}",
            if rust { " (the struct's `impl DurableObject` handles requests)" } else { ", or declare the class `extends DurableObject`" }
        ))
        .severity(Severity::Warning)
        .related(sym.file.clone(), sym.span, format!("`{name}` is defined here"))
        .related(call_file, call_span, format!("`{method}()` is an RPC call")),
    );
}

/// DO117: the bound export is a class that extends DurableObject.
fn is_durable_object(cx: &mut WorkerCx, name: &str, binding: &str, span: Span, sym: &Symbol) {
    let dir = cx.dir().to_path_buf();
    let at = |d: Diagnostic| {
        d.related(
            sym.file.clone(),
            sym.span,
            format!("`{name}` is defined here"),
        )
    };
    match &sym.kind {
        // `export function Counter(state, env) {}`: a constructor function
        // runs as a legacy Durable Object, like a class that extends nothing.
        SymbolKind::Function => cx.emit(at(Diagnostic::new(Code::DO117, cx.cfg_path(), span, format!(
            "`{name}` is exported as a constructor function, so it runs as a legacy Durable Object at best: RPC calls on its stub fail. Declare it as `class {name} extends DurableObject` from \"cloudflare:workers\"."
        ))).severity(Severity::Info)),
        SymbolKind::NotAClass | SymbolKind::Namespace => cx.emit(at(Diagnostic::new(Code::DO117, cx.cfg_path(), span, format!(
            "`{name}` is exported as a value that is not a class; a Durable Object must be a class that extends `DurableObject` from \"cloudflare:workers\"."
        )))),
        SymbolKind::Opaque(what) => {
            cx.unknown(format!("`{name}` is {what} in {}, so whether it is a Durable Object class is not known", rel(&dir, &sym.file)));
        }
        // A workers-rs struct: the macro writes its class, which extends
        // nothing; whether an RPC call reaches it is not read yet.
        SymbolKind::Class(_) if sym.file.extension().is_some_and(|e| e == "rs") => {}
        SymbolKind::Class(i) => match cx.res.class_base(&sym.file, *i) {
            Fact::Known(ClassBase::DurableObject | ClassBase::Framework(_)) => {}
            Fact::Known(b @ (ClassBase::WorkerEntrypoint | ClassBase::WorkflowEntrypoint)) => {
                let base = if b == ClassBase::WorkerEntrypoint { "WorkerEntrypoint" } else { "WorkflowEntrypoint" };
                cx.emit(at(Diagnostic::new(Code::DO117, cx.cfg_path(), span, format!(
                    "`{name}` extends `{base}`, so the runtime does not treat it as a Durable Object class; extend `DurableObject` from \"cloudflare:workers\"."
                ))));
            }
            Fact::Known(ClassBase::Nothing) => {
                let rpc = rpc_call_on(cx, binding);
                let mut d = at(Diagnostic::new(Code::DO117, cx.cfg_path(), span, format!(
                    "`{name}` extends nothing, so it runs as a legacy Durable Object: `fetch` works, but RPC calls on its stub fail with \"The receiving Durable Object does not support RPC, because its class was not declared with `extends DurableObject`.\"{}",
                    rpc.as_ref().map(|(m, _, _)| format!(" Code calls `{m}()` on its stub.")).unwrap_or_default()
                )));
                d = match rpc {
                    Some((m, file, s)) => d
                        .severity(Severity::Warning)
                        .related(file, s, format!("`{m}()` is an RPC call")),
                    None => d.severity(Severity::Info),
                };
                cx.emit(d);
            }
            Fact::Unknown(why) => {
                cx.unknown(format!("whether `{name}` is a Durable Object class: {why}"));
            }
            Fact::Absent => {}
        },
    }
}
