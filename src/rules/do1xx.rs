//! DO1xx: config ↔ source ↔ lifecycle, across files.

use super::{closest, Diagnostic, Severity};
use crate::config::lifecycle::{ReplayKind, Status};
use crate::config::model::{DoBinding, ProblemSeverity, Variant};
use crate::config::Lifecycle;
use crate::project::fs::FileSystem;
use crate::project::symbols::{ClassBase, Fact, Resolver, Symbol, SymbolKind};
use crate::project::{Entry, Worker, Workspace};
use crate::syntax::facts::ExportItem;
use crate::text::Span;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

struct Ctx<'a> {
    ws: &'a Workspace,
    res: Resolver<'a>,
    worker: &'a Worker,
    out: Vec<Diagnostic>,
    /// what could not be verified, for the one DO100 info of this Worker
    unknown: BTreeSet<String>,
}

/// Checks one Worker; returns its diagnostics and the count of unknowns.
pub fn check_worker(
    ws: &Workspace,
    fs: &dyn FileSystem,
    index: usize,
    settings: &crate::settings::Settings,
) -> (Vec<Diagnostic>, usize) {
    let worker = &ws.workers[index];
    let mut cx = Ctx {
        ws,
        res: Resolver::new(ws, fs),
        worker,
        out: Vec::new(),
        unknown: BTreeSet::new(),
    };
    let cfg = &worker.config;
    let path = cfg.path.clone();
    if let Some(e) = &cfg.syntax_error {
        let d = if worker.template {
            Diagnostic::new("DO116", path.clone(), e.span, format!(
                "{} is not checked: it holds `{{{{ … }}}}` placeholders, so it looks like a project template ({}).",
                cfg.file_name(), e.message
            )).severity(Severity::Info)
        } else {
            Diagnostic::new(
                "DO116",
                path.clone(),
                e.span,
                format!("{} could not be parsed: {}", cfg.file_name(), e.message),
            )
        };
        cx.out.push(d);
        return (cx.out, 0);
    }
    for p in &cfg.problems {
        let sev = match p.severity {
            ProblemSeverity::Error => Severity::Error,
            ProblemSeverity::Warning => Severity::Warning,
        };
        cx.out
            .push(Diagnostic::new("DO116", path.clone(), p.span, p.message.clone()).severity(sev));
    }
    for s in &worker.shadowed {
        cx.out.push(Diagnostic::new(
            "DO121",
            s.clone(),
            Span::default(),
            format!(
                "wrangler does not read this file unless a command names it with --config: {} in the same folder takes precedence (json > jsonc > toml).",
                cfg.file_name()
            ),
        ));
    }
    for (vi, variant) in cfg.variants().iter().enumerate() {
        if !settings.checks_env(variant.env_name()) {
            continue;
        }
        let before = cx.out.len();
        cx.variant(variant, &worker.entries[vi]);
        if let Some(env) = variant.env_name() {
            for d in &mut cx.out[before..] {
                d.envs.push(env.to_string());
            }
        }
    }
    cx.unknown_binding_uses();
    cx.unused_bindings();
    let unknowns = cx.unknown.len();
    if !cx.unknown.is_empty() {
        let list: Vec<String> = cx.unknown.iter().map(|u| format!("- {u}")).collect();
        let span = cfg
            .top
            .durable_objects
            .as_ref()
            .map(|d| d.key_span)
            .or(cfg.top.migrations.as_ref().map(|m| m.key_span))
            .or(cfg.top.name.as_ref().map(|n| n.span))
            .unwrap_or_default();
        cx.out.push(Diagnostic::new(
            "DO100",
            path,
            span,
            format!(
                "Some facts about this Worker could not be verified, so no rule fired on them:\n{}",
                list.join("\n")
            ),
        ));
    }
    (cx.out, unknowns)
}

/// `p` relative to `base`, with `../` where it lies outside.
fn rel(base: &Path, p: &Path) -> String {
    let b: Vec<_> = base.components().collect();
    let q: Vec<_> = p.components().collect();
    let common = b.iter().zip(&q).take_while(|(x, y)| x == y).count();
    if common == 0 {
        return p.to_string_lossy().replace('\\', "/");
    }
    let mut out: Vec<String> = std::iter::repeat_n("..".to_string(), b.len() - common).collect();
    out.extend(
        q[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    out.join("/")
}

/// Whether an entry is service-worker format (wrangler 4.164's guess):
/// `Some(true)` when it is, `None` when that cannot be known.
fn service_worker(ws: &Workspace, entry: &Path) -> Option<bool> {
    let f = &ws.file(entry)?.facts;
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

impl<'a> Ctx<'a> {
    fn cfg_path(&self) -> PathBuf {
        self.worker.config.path.clone()
    }

    fn dir(&self) -> &Path {
        self.worker.dir()
    }

    /// Whether the entry exports `name`, for a variant whose entry is `entry`.
    fn entry_export(&self, entry: &Entry, name: &str) -> Fact<Symbol> {
        match entry {
            Entry::File(p) => self.res.export(p, name),
            Entry::BuildOutput { source: Some(src), stated_by: Some(_), .. } => self.res.export(src, name),
            Entry::BuildOutput { source: Some(src), path, .. } => match self.res.export(src, name) {
                Fact::Absent => Fact::Unknown(format!(
                    "`{name}`: `main` names build output ({}), and {} was taken as the source entry by convention, which does not export it",
                    rel(self.dir(), path),
                    rel(self.dir(), src)
                )),
                other => other,
            },
            Entry::BuildOutput { path, .. } => Fact::Unknown(format!(
                "`{name}`: `main` names build output ({}) and no source entry was found",
                rel(self.dir(), path)
            )),
            Entry::Missing { .. } => Fact::Unknown(format!("`{name}`: the entry does not exist (see DO115)")),
            Entry::Unsupported { path } => Fact::Unknown(format!(
                "`{name}`: the entry {} is not TypeScript or JavaScript",
                rel(self.dir(), path)
            )),
            Entry::ViteModule { spec } => Fact::Unknown(format!(
                "`{name}`: `main` is \"{spec}\", a module a Vite plugin resolves"
            )),
            Entry::None => Fact::Unknown(format!(
                "`{name}`: the config has no `main`, so the entry is given elsewhere (the command line, a framework or a test harness)"
            )),
        }
    }

    fn variant(&mut self, v: &Variant<'_>, entry: &Entry) {
        let lc = Lifecycle::of(v);
        let bindings = v.durable_objects();
        let local: Vec<&DoBinding> = bindings.iter().filter(|b| !b.external).collect();
        // For the format checks, wrangler counts a `script_name` equal to this
        // Worker's own name as local (R-ENT-02).
        let own = v.worker_name();
        let sw_local: Vec<&DoBinding> = bindings
            .iter()
            .filter(|b| {
                !b.external
                    || (own.is_some() && b.script_name.as_ref().map(|s| &s.value) == own.as_ref())
            })
            .collect();
        let has_do = !local.is_empty() || lc.declared;

        self.entry_rules(v, entry, has_do);
        self.lifecycle_rules(v, &lc);
        self.duplicate_names(v);
        self.env_bindings(v);

        // DO120: service-worker format with Durable Objects.
        // Only the file `main` names is judged: a source entry found for build
        // output may not be what the bundler turns into `main`.
        let sw = match entry {
            Entry::File(p) => service_worker(self.ws, p).unwrap_or(false),
            _ => false,
        };
        if sw {
            let e = entry.source().unwrap();
            for b in &sw_local {
                let span = b.class_name.as_ref().map(|c| c.span).unwrap_or(b.span);
                self.out.push(
                    Diagnostic::new("DO120", self.cfg_path(), span, format!(
                        "You seem to be trying to use Durable Objects in a Worker written as a service-worker: {} has no default export{}. Add `export default {{ fetch() {{ … }} }}` to make it an ES module Worker, or set `script_name` to the Worker that implements the class.",
                        rel(self.dir(), e),
                        if self.ws.file(e).is_some_and(|f| f.facts.add_event_listener) { " and calls addEventListener" } else { "" }
                    ))
                    .related(e.to_path_buf(), Span::default(), "the service-worker format entry"),
                );
            }
            if let Some(m) = v.migrations().filter(|m| !m.items.is_empty()) {
                self.out.push(
                    Diagnostic::new("DO120", self.cfg_path(), m.key_span, "Durable Object migrations require ES Module format Workers, but yours is being built as service-worker format. Migrations cannot be applied to service-worker format Workers.")
                        .related(e.to_path_buf(), Span::default(), "the service-worker format entry"),
                );
            }
            return;
        }

        let mut reported_101: BTreeSet<String> = BTreeSet::new();
        for b in &local {
            let Some(class) = &b.class_name else { continue };
            let name = class.value.as_str();
            // lifecycle of the bound class
            match lc.classes.get(name).map(|r| &r.status) {
                None => {
                    let (sev, note) = if self.worker.harness {
                        (Severity::Info, " (this config serves a test harness, where local tests need no migrations; a deploy of it would fail)")
                    } else if lc.declared {
                        (Severity::Error, "")
                    } else {
                        (
                            Severity::Error,
                            " (wrangler only warns about this when there are no migrations at all)",
                        )
                    };
                    let tag = next_tag(v);
                    self.out.push(
                        Diagnostic::new("DO102", self.cfg_path(), class.span, format!(
                            "Class `{name}` is bound but no migration or `exports` entry creates it{note}; the deploy fails with \"Cannot create binding for class '{name}' because it is not currently configured to implement Durable Objects\" (API error 10061). Add a migration {tag} with new_sqlite_classes = [\"{name}\"]."
                        ))
                        .severity(sev),
                    );
                }
                Some(
                    status @ (Status::Deleted | Status::RenamedTo(_) | Status::TransferredOut(_)),
                ) => {
                    let ended = lc.classes[name]
                        .ended
                        .clone()
                        .unwrap_or(lc.classes[name].created.clone());
                    let (code, msg, here) = match status {
                        Status::RenamedTo(to) => ("DO109", format!(
                            "Class `{name}` was renamed to `{to}` by {}; bind `{to}` instead (a binding to the old name fails with API error 10061).",
                            ended.label
                        ), "renamed here"),
                        Status::TransferredOut(to) => ("DO108", format!(
                            "Class `{name}` is bound but {} transferred it to `{to}`; the deploy fails with API error 10061.",
                            ended.label
                        ), "transferred here"),
                        _ => ("DO108", format!(
                            "Class `{name}` is bound but {} deleted it; the deploy fails with API error 10061.",
                            ended.label
                        ), "deleted here"),
                    };
                    self.out.push(
                        Diagnostic::new(code, self.cfg_path(), class.span, msg).related(
                            self.cfg_path(),
                            ended.span,
                            here,
                        ),
                    );
                }
                Some(Status::Live) => {}
            }

            // DO101 / DO117: the entry's export of the bound class.
            match self.entry_export(entry, name) {
                Fact::Absent => {
                    reported_101.insert(name.to_string());
                    let d = self.not_exported("DO101", entry, name, class.span, &lc);
                    self.out.push(d);
                }
                // A missing or absent entry is DO115's finding already.
                Fact::Unknown(why) => {
                    if entry.source().is_some() {
                        self.unknown.insert(why);
                    }
                }
                Fact::Known(sym) => {
                    let binding = b.name.as_ref().map(|n| n.value.as_str()).unwrap_or("");
                    self.is_durable_object(name, binding, class.span, &sym)
                }
            }
        }

        // DO103: live lifecycle classes the entry does not export.
        if entry.source().is_some() {
            let live: Vec<(String, Span, String)> = lc
                .live()
                .map(|r| (r.name.clone(), r.created.span, r.created.label.clone()))
                .collect();
            for (name, span, label) in live {
                if reported_101.contains(&name) {
                    continue;
                }
                match self.entry_export(entry, &name) {
                    Fact::Absent => {
                        let mut d = self.not_exported("DO103", entry, &name, span, &lc);
                        if self.worker.harness {
                            d.severity = Severity::Info;
                        }
                        d.message = format!(
                            "{label} leaves class `{name}` live, but the entry {} does not export it; the deploy fails (API error 10070 for a new class, 10064 for an existing one) and `wrangler dev` crashes at startup.",
                            entry.source().map(|p| rel(self.dir(), p)).unwrap_or_default()
                        );
                        self.out.push(d);
                    }
                    Fact::Unknown(why) => {
                        self.unknown.insert(why);
                    }
                    Fact::Known(_) => {}
                }
            }
        }

        self.rpc_off(v);

        // DO119: script_name naming a Worker of this workspace.
        for b in bindings.iter().filter(|b| b.external) {
            self.cross_worker(b);
        }
    }

    /// A DO101/DO103 diagnostic with the source side as related information.
    fn not_exported(
        &self,
        code: &'static str,
        entry: &Entry,
        name: &str,
        span: Span,
        _lc: &Lifecycle,
    ) -> Diagnostic {
        let e = entry.source().unwrap_or(Path::new("")).to_path_buf();
        let entry_rel = rel(self.dir(), &e);
        let facts = self.ws.file(&e).map(|f| f.facts.clone());
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
        let mut msg = match &reexported_from {
            Some(src) if e.extension().is_some_and(|x| x == "ts" || x == "tsx" || x == "mts") => format!(
                "Class `{name}` is bound here, and the entry {entry_rel} re-exports `{name}` from \"{src}\", but that module does not export it. esbuild drops such a re-export from TypeScript without a word (it takes it for a type), so wrangler's check passes and the deploy fails: the uploaded script does not export `{name}` (API error 10070 for a new class, 10061 or 10064 otherwise)."
            ),
            _ => format!(
                "Class `{name}` is bound here, but the entry {entry_rel} does not export it by that name; wrangler fails with \"Your Worker depends on the following Durable Objects, which are not exported in your entrypoint file: {name}.\""
            ),
        };
        if default_is_it {
            msg.push_str(&format!(" `export default class {name}` exports `default`, not `{name}`: use a named export."));
        } else if let Some(s) = closest(name, self.exported_names(&e).iter().map(String::as_str)) {
            msg.push_str(&format!(" Did you mean `{s}`?"));
        }
        let mut d = Diagnostic::new(code, self.cfg_path(), span, msg);
        // Point at the class if it is declared somewhere in the graph.
        let decl = self.worker.graph.iter().find_map(|p| {
            let f = self.ws.file(p)?;
            f.facts
                .classes
                .iter()
                .find(|c| c.name.as_deref() == Some(name))
                .map(|c| (p.clone(), c.name_span))
        });
        match decl {
            Some((p, s)) => {
                d = d.related(
                    p,
                    s,
                    format!("class `{name}` is declared here but is not exported from {entry_rel}"),
                )
            }
            None => d = d.related(e, Span::default(), format!("the entry {entry_rel}")),
        }
        d
    }

    /// The names an entry exports directly (for suggestions).
    fn exported_names(&self, entry: &Path) -> Vec<String> {
        let Some(f) = self.ws.file(entry) else {
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

    /// DO117: the bound export is a class that extends DurableObject.
    /// DO118: RPC calls on a stub while RPC is off for this variant.
    fn rpc_off(&mut self, v: &Variant<'_>) {
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
        for p in self.worker.graph.iter().filter(|p| !in_node_modules(p)) {
            let Some(f) = self.ws.file(p) else { continue };
            for c in f
                .facts
                .stub_calls
                .iter()
                .filter(|c| c.method != "fetch" && bound.contains(c.binding.as_str()))
            {
                self.out.push(
                    Diagnostic::new("DO118", p.clone(), c.span, format!(
                        "`{}()` is an RPC call on a Durable Object stub, but RPC is off: {why}. The call fails at run time (\"{}\" is not a function) after workerd warns \"Tried to access method or property '{}' on a Service Binding or Durable Object stub. Are you trying to use RPC?\"",
                        c.method, c.method, c.method
                    ))
                    .related(self.cfg_path(), span, "RPC is off because of this"),
                );
            }
        }
    }

    /// The first method other than `fetch` called on a stub of `binding`.
    fn rpc_call_on(&self, binding: &str) -> Option<(String, PathBuf, Span)> {
        self.worker.graph.iter().find_map(|p| {
            let f = self.ws.file(p)?;
            f.facts
                .stub_calls
                .iter()
                .find(|c| c.binding == binding && c.method != "fetch")
                .map(|c| (c.method.clone(), p.clone(), c.span))
        })
    }

    fn is_durable_object(&mut self, name: &str, binding: &str, span: Span, sym: &Symbol) {
        let dir = self.dir().to_path_buf();
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
            SymbolKind::Function => self.out.push(at(Diagnostic::new("DO117", self.cfg_path(), span, format!(
                "`{name}` is exported as a constructor function, so it runs as a legacy Durable Object at best: RPC calls on its stub fail. Declare it as `class {name} extends DurableObject` from \"cloudflare:workers\"."
            ))).severity(Severity::Info)),
            SymbolKind::NotAClass | SymbolKind::Namespace => self.out.push(at(Diagnostic::new("DO117", self.cfg_path(), span, format!(
                "`{name}` is exported as a value that is not a class; a Durable Object must be a class that extends `DurableObject` from \"cloudflare:workers\"."
            )))),
            SymbolKind::Opaque(what) => {
                self.unknown.insert(format!("`{name}` is {what} in {}, so whether it is a Durable Object class is not known", rel(&dir, &sym.file)));
            }
            SymbolKind::Class(i) => match self.res.class_base(&sym.file, *i) {
                Fact::Known(ClassBase::DurableObject) => {}
                Fact::Known(b @ (ClassBase::WorkerEntrypoint | ClassBase::WorkflowEntrypoint)) => {
                    let base = if b == ClassBase::WorkerEntrypoint { "WorkerEntrypoint" } else { "WorkflowEntrypoint" };
                    self.out.push(at(Diagnostic::new("DO117", self.cfg_path(), span, format!(
                        "`{name}` extends `{base}`, so the runtime does not treat it as a Durable Object class; extend `DurableObject` from \"cloudflare:workers\"."
                    ))));
                }
                Fact::Known(ClassBase::Nothing) => {
                    let rpc = self.rpc_call_on(binding);
                    let mut d = at(Diagnostic::new("DO117", self.cfg_path(), span, format!(
                        "`{name}` extends nothing, so it runs as a legacy Durable Object: `fetch` works, but RPC calls on its stub fail with \"The receiving Durable Object does not support RPC, because its class was not declared with `extends DurableObject`.\"{}",
                        rpc.as_ref().map(|(m, _, _)| format!(" Code calls `{m}()` on its stub.")).unwrap_or_default()
                    )).severity(Severity::Info));
                    if let Some((m, file, s)) = rpc {
                        d.severity = Severity::Warning;
                        d = d.related(file, s, format!("`{m}()` is an RPC call"));
                    }
                    self.out.push(d);
                }
                Fact::Unknown(why) => {
                    self.unknown.insert(format!("whether `{name}` is a Durable Object class: {why}"));
                }
                Fact::Absent => {}
            },
        }
    }

    fn entry_rules(&mut self, v: &Variant<'_>, entry: &Entry, has_do: bool) {
        let main = v.main();
        let dir = self.dir().to_path_buf();
        match entry {
            Entry::Missing { .. } => {
                let m = main.unwrap();
                let mut d = Diagnostic::new(
                    "DO115",
                    self.cfg_path(),
                    m.span,
                    format!("The entry-point file at \"{}\" was not found.", m.value),
                );
                if self.worker.harness {
                    d.severity = Severity::Info;
                    d.message.push_str(" This config serves a test harness, which loads `main` only when a test uses it.");
                }
                self.out.push(d);
            }
            Entry::ViteModule { spec } if has_do => {
                let m = main.unwrap();
                self.out.push(
                    Diagnostic::new("DO115", self.cfg_path(), m.span, format!(
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
                let m = main.unwrap();
                let msg = match source {
                    Some(s) => format!(
                        "`main` names {} , which is build output ({reason}) and is not there yet; the source entry {} ({}) is checked in its place.",
                        rel(&dir, path),
                        rel(&dir, s),
                        match stated_by {
                            Some(by) => format!("from {by}"),
                            None => "by convention".to_string(),
                        }
                    ),
                    None => format!(
                        "`main` names {}, which is build output ({reason}) and is not there yet; no source entry was found, so class exports are not checked.",
                        rel(&dir, path)
                    ),
                };
                self.out.push(
                    Diagnostic::new("DO115", self.cfg_path(), m.span, msg.replace(" ,", ","))
                        .severity(Severity::Info),
                );
            }
            Entry::Unsupported { path } if has_do => {
                let m = main.unwrap();
                self.out.push(Diagnostic::new("DO115", self.cfg_path(), m.span, format!(
                    "`main` names {}, which is not TypeScript or JavaScript; class exports are not checked.",
                    rel(&dir, path)
                )).severity(Severity::Info));
            }
            Entry::None if has_do => {
                let span = self
                    .worker
                    .config
                    .top
                    .name
                    .as_ref()
                    .map(|n| n.span)
                    .unwrap_or_default();
                self.out.push(Diagnostic::new("DO115", self.cfg_path(), span,
                    "This config has no `main`: the entry is given on the command line, by a framework or by a test harness, so class exports are not checked."
                ).severity(Severity::Info));
            }
            _ => {}
        }
    }

    fn lifecycle_rules(&mut self, v: &Variant<'_>, lc: &Lifecycle) {
        let path = self.cfg_path();
        for e in &lc.errors {
            let mut d = match e.kind {
                ReplayKind::KvToSqlite => Diagnostic::new("DO105", path.clone(), e.span, format!(
                    "{}: a class created with the KV backend cannot be converted to SQLite in place (wrangler's replay fails with this message; the deploy API fails with 10074). Create a new class with new_sqlite_classes and move the data.",
                    e.message
                )),
                ReplayKind::Replay => Diagnostic::new("DO106", path.clone(), e.span, e.message.clone()),
            };
            if let Some(o) = &e.related {
                d = d.related(path.clone(), o.span, format!("created by {}", o.label));
            }
            self.out.push(d);
        }
        for t in &lc.duplicate_tags {
            self.out.push(
                Diagnostic::new("DO107", path.clone(), t.again, format!(
                    "Migration tag \"{}\" is used twice. wrangler accepts it, but it finds the deployed tag by name, so a later deploy can send migrations again and fail with API error 10074.",
                    t.tag
                ))
                .related(path.clone(), t.first, "first used here"),
            );
        }
        // DO104: classes still live on the KV backend.
        for r in lc.live().filter(|r| !r.sqlite) {
            self.out.push(Diagnostic::new("DO104", path.clone(), r.created.span, format!(
                "Class `{}` is created with the legacy KV storage backend: it has no SQL API, and the free plan rejects it (API error 10097). Use new_sqlite_classes for new classes.",
                r.name
            )));
        }
        // DO114: migrations and exports both.
        if let (Some(m), Some(e)) = (v.migrations(), v.exports()) {
            if !m.items.is_empty() && e.items.iter().any(|x| x.is_durable_object()) {
                self.out.push(
                    Diagnostic::new("DO114", path.clone(), e.key_span,
                        "`migrations` and `exports` are mutually exclusive. Choose one or the other to declare your Durable Object lifecycle, but not both.")
                    .related(path.clone(), m.key_span, "migrations are declared here"),
                );
            }
        }
    }

    /// DO112: a binding name used twice.
    fn duplicate_names(&mut self, v: &Variant<'_>) {
        let path = self.cfg_path();
        let mut seen: BTreeMap<&str, Span> = BTreeMap::new();
        for b in v.durable_objects() {
            let Some(n) = &b.name else { continue };
            if let Some(first) = seen.get(n.value.as_str()) {
                self.out.push(
                    Diagnostic::new("DO112", path.clone(), n.span, format!(
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
            let others: Vec<&crate::config::model::OtherBinding> = v
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
            self.out.push(
                Diagnostic::new("DO112", path.clone(), *span, format!(
                    "{name} assigned to {list} bindings.\nBindings must have unique names, so that they can all be referenced in the worker.\nPlease change your bindings to have unique names."
                ))
                .related(path.clone(), others[0].span, format!("also a {} binding", others[0].type_label)),
            );
        }
    }

    /// DO113: an env without the top level's DO bindings.
    fn env_bindings(&mut self, v: &Variant<'_>) {
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
            None => self.out.push(Diagnostic::new("DO113", self.cfg_path(), env.span, format!(
                "\"durable_objects\" exists at the top level, but not on \"env.{e}\".\nThis is not what you probably want, since \"durable_objects\" is not inherited by environments.\nPlease add \"durable_objects\" to \"env.{e}\"."
            ))),
            Some(d) => {
                let here: BTreeSet<&str> = d.items.iter().filter_map(|b| b.name.as_ref().map(|n| n.value.as_str())).collect();
                let missing: Vec<&str> = top.iter().copied().filter(|n| !here.contains(n)).collect();
                if !missing.is_empty() {
                    let list: Vec<String> = missing.iter().map(|m| format!("- {m}")).collect();
                    self.out.push(Diagnostic::new("DO113", self.cfg_path(), d.key_span, format!(
                        "The following bindings are at the top level, but not on \"env.{e}\".\nThis is not what you probably want, since \"durable_objects\" configuration is not inherited by environments.\nPlease add a binding for each to \"env.{e}.durable_objects.bindings\":\n{}",
                        list.join("\n")
                    )));
                }
            }
        }
    }

    /// DO119: a `script_name` that names a Worker in this workspace.
    fn cross_worker(&mut self, b: &DoBinding) {
        let (Some(script), Some(class)) = (&b.script_name, &b.class_name) else {
            return;
        };
        let mut targets: Vec<(&Worker, usize)> = Vec::new();
        for w in &self.ws.workers {
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
                    targets.push((w, i));
                }
            }
        }
        if targets.is_empty() {
            return; // deployed elsewhere: unknown, and not worth an info
        }
        let mut absent_in: Option<(PathBuf, PathBuf)> = None;
        for (w, i) in &targets {
            let other = Ctx {
                ws: self.ws,
                res: Resolver::new(self.ws, self.res.fs),
                worker: w,
                out: Vec::new(),
                unknown: BTreeSet::new(),
            };
            match other.entry_export(&w.entries[*i], &class.value) {
                Fact::Absent => {
                    absent_in = Some((
                        w.config.path.clone(),
                        w.entries[*i].source().unwrap().to_path_buf(),
                    ))
                }
                Fact::Unknown(why) => {
                    self.unknown.insert(format!(
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
            self.out.push(
                Diagnostic::new("DO119", self.cfg_path(), class.span, format!(
                    "Worker `{}` ({}) does not export class `{}` from its entry {}; the deploy fails with \"Cannot create binding for class '{}' that is not exported by script '{}'\" (API error 10061).",
                    script.value,
                    rel(self.dir(), &cfg),
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
    fn unused_bindings(&mut self) {
        let w = self.worker;
        if w.graph.is_empty() || w.entries.iter().any(|e| !matches!(e, Entry::File(_))) {
            return;
        }
        let files: Vec<_> = w.graph.iter().filter_map(|p| self.ws.file(p)).collect();
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
                        let fs = self.res.fs;
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
                    self.out.push(Diagnostic::new(
                        "DO111",
                        self.cfg_path(),
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
    fn unknown_binding_uses(&mut self) {
        let cfg = &self.worker.config;
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
        let dir = self.dir().to_path_buf();
        for file in self.worker.graph.iter().filter(|p| !in_node_modules(p)) {
            let Some(sf) = self.ws.file(file) else {
                continue;
            };
            // A file shared with a Worker that binds the name is not ours to judge.
            let shared_ok = |name: &str| {
                self.ws.workers.iter().any(|w| {
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
                .map(|u| {
                    (
                        u.binding.clone(),
                        u.span,
                        "used as a Durable Object namespace",
                    )
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
                if bound.contains(name.as_str())
                    || others.contains(name.as_str())
                    || shared_ok(&name)
                {
                    continue;
                }
                let mut msg = format!(
                    "`env.{name}` is {what}, but {} has no Durable Object binding `{name}`, so `env.{name}` is undefined at run time.",
                    cfg.file_name()
                );
                if let Some(s) = closest(&name, bound.iter().copied()) {
                    msg.push_str(&format!(" Did you mean `{s}`?"));
                }
                let span_cfg = cfg
                    .top
                    .durable_objects
                    .as_ref()
                    .map(|d| d.key_span)
                    .unwrap_or_default();
                self.out
                    .push(Diagnostic::new("DO110", file.clone(), span, msg).related(
                        cfg.path.clone(),
                        span_cfg,
                        format!("the Durable Object bindings of {}", rel(&dir, &cfg.path)),
                    ));
            }
        }
    }
}

/// Files of installed packages: read for export names only.
fn in_node_modules(p: &Path) -> bool {
    p.components().any(|c| c.as_os_str() == "node_modules")
}

/// Whether `word` occurs in `text` as an identifier, not inside a longer one.
fn contains_word(text: &str, word: &str) -> bool {
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

/// The next migration tag, following the style of the last one (`v3` → `v4`).
fn next_tag(v: &Variant<'_>) -> String {
    let Some(last) = v
        .migrations()
        .and_then(|m| m.items.iter().rev().find_map(|x| x.tag.as_ref()))
    else {
        return "tag = \"v1\"".into();
    };
    let t = &last.value;
    let digits = t.chars().rev().take_while(|c| c.is_ascii_digit()).count();
    if digits == 0 {
        return format!("after tag \"{t}\"");
    }
    let (head, num) = t.split_at(t.len() - digits);
    match num.parse::<u64>().ok().and_then(|n| n.checked_add(1)) {
        Some(n) => format!("tag = \"{head}{n}\""),
        None => format!("after tag \"{t}\""),
    }
}
