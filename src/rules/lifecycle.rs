//! The lifecycle of one variant: replay errors and tags (DO104–DO107,
//! DO114), and what the bindings name (DO102, DO108, DO109).

use super::context::{VariantCx, WorkerCx};
use super::diagnostic::{Diagnostic, Edit, Fix};
use super::model::entry_export;
use super::registry::{Code, Severity};
use crate::config::edit;
use crate::config::lifecycle::{ReplayKind, Status};
use crate::config::model::Variant;
use crate::project::symbols::{ClassBase, Fact, SymbolKind};

/// DO104–DO107 and DO114.
pub fn replay(cx: &mut WorkerCx, vc: &VariantCx) {
    let path = cx.cfg_path();
    let lc = vc.lc;
    for e in &lc.errors {
        let mut d = match e.kind {
            ReplayKind::KvToSqlite => Diagnostic::new(Code::DO105, path.clone(), e.span, format!(
                "{}: a class created with the KV backend cannot be converted to SQLite in place (wrangler's replay fails with this message; the deploy API fails with 10074). Create a new class with new_sqlite_classes and move the data.",
                e.message
            )),
            ReplayKind::Replay => Diagnostic::new(Code::DO106, path.clone(), e.span, e.message.clone()),
        };
        if let Some(o) = &e.related {
            d = d.related(path.clone(), o.span, format!("created by {}", o.label));
        }
        cx.emit(d);
    }
    for t in &lc.duplicate_tags {
        cx.emit(
            Diagnostic::new(Code::DO107, path.clone(), t.again, format!(
                "Migration tag \"{}\" is used twice. wrangler accepts it, but it finds the deployed tag by name, so a later deploy can send migrations again and fail with API error 10074.",
                t.tag
            ))
            .related(path.clone(), t.first, "first used here"),
        );
    }
    // DO104: classes still live on the KV backend (those created since the
    // base revision are DO133's).
    let base = super::history::base_lifecycle(cx, vc);
    for r in lc
        .live()
        .filter(|r| !r.sqlite && !super::history::created_since_base(base.as_ref(), &r.name))
    {
        cx.emit(Diagnostic::new(Code::DO104, path.clone(), r.created.span, format!(
            "Class `{}` is created with the legacy KV storage backend: it has no SQL API, and Cloudflare refuses to create it on the Free plan and, since 2026-07-09, on any account without a KV-backed namespace (API error 10097). Use new_sqlite_classes for new classes.",
            r.name
        )));
    }
    // DO114: migrations and exports both.
    if let (Some(m), Some(e)) = (vc.v.migrations(), vc.v.exports()) {
        if !m.items.is_empty() && e.items.iter().any(|x| x.is_durable_object()) {
            cx.emit(
                Diagnostic::new(Code::DO114, path.clone(), e.key_span,
                    "`migrations` and `exports` are mutually exclusive. Choose one or the other to declare your Durable Object lifecycle, but not both.")
                .related(path.clone(), m.key_span, "migrations are declared here"),
            );
        }
    }
}

/// DO102 (no lifecycle), DO108 (deleted or transferred away) and DO109
/// (renamed) for every class a local binding names.
pub fn bound_classes(cx: &mut WorkerCx, vc: &VariantCx) {
    if vc.service_worker {
        return; // DO120 stands for these
    }
    // The classes no step creates: one fix creates them all, so that the
    // fixes of their findings are one edit, not competing ones.
    let mut uncreated: Vec<&str> = Vec::new();
    for b in &vc.local {
        if let Some(c) = &b.class_name {
            if vc.classes.get(&c.value).and_then(|c| c.record).is_none()
                && !uncreated.contains(&c.value.as_str())
            {
                uncreated.push(&c.value);
            }
        }
    }
    let create = (!uncreated.is_empty()).then(|| create_fixes(cx, vc, &uncreated));
    for b in &vc.local {
        let Some(class) = &b.class_name else { continue };
        let name = class.value.as_str();
        match vc.classes.get(name).and_then(|c| c.record) {
            None => {
                let (sev, note) = if cx.worker.harness {
                    (Severity::Info, " (this config serves a test harness, where local tests need no migrations; a deploy of it would fail)")
                } else if vc.lc.declared {
                    (Severity::Error, "")
                } else {
                    (
                        Severity::Error,
                        " (wrangler only warns about this when there are no migrations at all)",
                    )
                };
                let (how, fixes) = create.clone().unwrap_or_default();
                let mut d = Diagnostic::new(Code::DO102, cx.cfg_path(), class.span, format!(
                    "Class `{name}` is bound but no migration or `exports` entry creates it{note}; the deploy fails with \"Cannot create binding for class '{name}' because it is not currently configured to implement Durable Objects\" (API error 10061). {how}"
                ));
                for f in fixes {
                    d = d.fix(f);
                }
                cx.emit(if sev == Severity::Error {
                    d
                } else {
                    d.severity(sev)
                });
            }
            Some(r) => {
                let ended = r.ended.clone().unwrap_or(r.created.clone());
                let (code, msg, here) = match &r.status {
                    Status::Live => {
                        // deleted, then created again: the delete step is
                        // sent with this binding on every fresh deploy
                        if cx.worker.harness {
                            continue;
                        }
                        let deleted = vc.v.migrations().and_then(|m| {
                            m.items.iter().find_map(|m| {
                                let d = m.deleted_classes.iter().find(|d| d.value == name)?;
                                Some((m, d.span))
                            })
                        });
                        let Some((m, span)) = deleted else { continue };
                        let label = match &m.tag {
                            Some(t) => format!("migration \"{}\"", t.value),
                            None => format!("migrations[{}]", m.index),
                        };
                        cx.emit(
                            Diagnostic::new(Code::DO108, cx.cfg_path(), class.span, format!(
                                "Class `{name}` is bound while {label} deletes it, even though a later migration creates it again: every deploy that sends that migration (each new environment, each fresh account) fails with \"Cannot apply --delete-class migration to class '{name}' without also removing the binding that references it\" (API error 10061). Give the re-created class a new name, or drop the delete step if no environment applied it."
                            ))
                            .related(cx.cfg_path(), span, "deleted here"),
                        );
                        continue;
                    }
                    Status::RenamedTo(to) => (Code::DO109, format!(
                        "Class `{name}` was renamed to `{to}` by {}; bind `{to}` instead (a binding to the old name fails with API error 10061).",
                        ended.label
                    ), "renamed here"),
                    Status::TransferredOut(to) => (Code::DO108, format!(
                        "Class `{name}` is bound but {} transferred it to `{to}`; the deploy fails with API error 10061.",
                        ended.label
                    ), "transferred here"),
                    Status::Deleted => (Code::DO108, format!(
                        "Class `{name}` is bound but {} deleted it; the deploy fails with API error 10061.",
                        ended.label
                    ), "deleted here"),
                };
                let d = Diagnostic::new(code, cx.cfg_path(), class.span, msg).related(
                    cx.cfg_path(),
                    ended.span,
                    here,
                );
                cx.emit(d);
            }
        }
    }
    loopback_classes(cx, vc);
}

/// From this compatibility date `ctx.exports` is on without the flag.
const CTX_EXPORTS_DEFAULT: &str = "2025-11-17";

/// DO102 at the use: `ctx.exports.X` used as a Durable Object namespace,
/// where `X` is a Durable Object class the entry exports, no binding names
/// it, and no migration or `exports` entry creates it.
fn loopback_classes(cx: &mut WorkerCx, vc: &VariantCx) {
    let on =
        vc.v.compatibility_date()
            .is_some_and(|d| d.value.as_str() >= CTX_EXPORTS_DEFAULT)
            || vc
                .v
                .compatibility_flags()
                .iter()
                .any(|f| f.value == "enable_ctx_exports");
    if !on || cx.worker.harness {
        return;
    }
    let ws = cx.ws;
    for path in &cx.worker.graph {
        if super::util::in_node_modules(path) {
            continue;
        }
        let Some(sf) = ws.file(path) else { continue };
        for (name, span) in &sf.facts.ctx_exports {
            let bound = vc
                .local
                .iter()
                .any(|b| b.class_name.as_ref().is_some_and(|c| c.value == *name));
            if bound || vc.classes.get(name).and_then(|c| c.record).is_some() {
                continue;
            }
            let Fact::Known(sym) = entry_export(&cx.res, cx.dir(), vc.entry, name) else {
                continue;
            };
            let SymbolKind::Class(idx) = sym.kind else {
                continue;
            };
            let is_do = matches!(
                cx.res.class_chain(&sym.file, idx).0,
                Fact::Known(ClassBase::DurableObject | ClassBase::Framework(_))
            );
            if !is_do {
                continue;
            }
            let (how, fixes) = create_fixes(cx, vc, &[name.as_str()]);
            let mut d = Diagnostic::new(Code::DO102, path.clone(), *span, format!(
                "`ctx.exports.{name}` is used as a Durable Object namespace, but no migration or `exports` entry creates `{name}`: it is not a Durable Object until one does, and the call fails. {how}"
            ));
            for f in fixes {
                d = d.fix(f);
            }
            cx.emit(d);
        }
    }
}

/// The next migration tag, following the style of the last one (`v3` →
/// `v4`); a tag with no number gets the next free `v<n>`.
pub fn next_tag(v: &Variant<'_>) -> String {
    let tags: Vec<&str> = v
        .migrations()
        .map(|m| {
            m.items
                .iter()
                .filter_map(|x| x.tag.as_ref())
                .map(|t| t.value.as_str())
                .collect()
        })
        .unwrap_or_default();
    if let Some(t) = tags.last() {
        let digits = t.chars().rev().take_while(|c| c.is_ascii_digit()).count();
        let (head, num) = t.split_at(t.len() - digits);
        if let Some(n) = num.parse::<u64>().ok().and_then(|n| n.checked_add(1)) {
            let next = format!("{head}{n}");
            if !tags.contains(&next.as_str()) {
                return next;
            }
        }
    }
    (tags.len() + 1..)
        .map(|n| format!("v{n}"))
        .find(|t| !tags.contains(&t.as_str()))
        .unwrap_or_default()
}

/// How to create `classes` in this variant, in the config's own syntax:
/// the sentence for the message, and the fixes (safe: they only add a
/// lifecycle step). A Worker that uses `exports` gets an `exports` entry;
/// one with migrations, the next migration; one with neither, both, the
/// `exports` entry first when its wrangler (installed or locked) is 4.107
/// or newer, which reads `exports`.
fn create_fixes(cx: &WorkerCx, vc: &VariantCx, classes: &[&str]) -> (String, Vec<Fix>) {
    let cfg = &cx.worker.config;
    let text = &*cx.worker.text;
    let env = vc.v.env_name();
    let json = cfg.format != crate::config::Format::Toml;
    let list = |q: &str| {
        classes
            .iter()
            .map(|c| format!("{q}{c}{q}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let tag = next_tag(&vc.v);
    let migration = (
        if json {
            format!(
                "Add a migration {{ \"tag\": \"{tag}\", \"new_sqlite_classes\": [{}] }}.",
                list("\"")
            )
        } else {
            format!(
                "Add a migration: [[migrations]] tag = \"{tag}\", new_sqlite_classes = [{}].",
                list("\"")
            )
        },
        edit::add_migration(cfg, text, env, &tag, classes).map(|e| Fix {
            title: format!(
                "Add migration \"{tag}\" creating {} with SQLite storage",
                list("`")
            ),
            edits: vec![config_edit(cfg, e)],
            safe: true,
        }),
    );
    let exports = || {
        let sentence = if json {
            format!(
                "Add an `exports` entry {}.",
                classes
                    .iter()
                    .map(|c| format!(
                        "\"{c}\": {{ \"type\": \"durable-object\", \"storage\": \"sqlite\" }}"
                    ))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        } else {
            format!(
                "Add an `exports` entry: {}.",
                classes
                    .iter()
                    .map(|c| format!(
                        "[exports.{c}] type = \"durable-object\", storage = \"sqlite\""
                    ))
                    .collect::<Vec<_>>()
                    .join("; ")
            )
        };
        // One class per entry: each its own insertion, applied one after
        // the other (a second is offered after the first is applied).
        let fix = classes.first().and_then(|c| {
            let e = edit::add_export(cfg, text, env, c)?;
            Some(Fix {
                title: format!("Add an `exports` entry creating `{c}` with SQLite storage"),
                edits: vec![config_edit(cfg, e)],
                safe: true,
            })
        });
        (sentence, fix)
    };
    let uses_exports =
        vc.v.exports()
            .is_some_and(|e| e.items.iter().any(|x| x.is_durable_object()));
    let has_migrations = vc.v.migrations().is_some_and(|m| !m.items.is_empty());
    let (first, second) = if uses_exports {
        (exports(), None)
    } else if has_migrations {
        (migration, None)
    } else {
        let new_wrangler = super::toolchain::installed(cx.fs, &cx.ws.memo, cx.dir(), "wrangler")
            .is_some_and(|f| f.version >= [4, 107, 0]);
        if new_wrangler {
            (exports(), Some(migration))
        } else {
            (migration, Some(exports()))
        }
    };
    // A test harness's config needs no lifecycle to run its tests: offered,
    // never applied unattended.
    let safe = !cx.worker.harness;
    let (first, second) = (
        (first.0, first.1.map(|f| Fix { safe, ..f })),
        second.map(|(s, f)| (s, f.map(|f| Fix { safe, ..f }))),
    );
    let mut sentence = first.0;
    let mut fixes: Vec<Fix> = first.1.into_iter().collect();
    if let Some((s, f)) = second {
        sentence = format!("{sentence} Or: {s}");
        fixes.extend(f);
    }
    (sentence, fixes)
}

/// A config edit as a fix's edit.
fn config_edit(cfg: &crate::config::Config, e: edit::TextEdit) -> Edit {
    Edit {
        file: cfg.path.clone(),
        span: e.span,
        text: e.text,
    }
}
