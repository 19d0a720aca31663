//! Deploy history (DO130–DO133): the lifecycle now against the lifecycle
//! at the base revision, which stands for what is deployed. wrangler sends
//! only the migrations after the deployed tag (R-DEP-01b) and all of them
//! when that tag is gone (R-DEP-01).

use super::context::{VariantCx, WorkerCx};
use super::diagnostic::Diagnostic;
use super::registry::Code;
use crate::config::lifecycle::{Lifecycle, Status};
use crate::config::model::{ExportState, Migration, Variant};
use crate::text::Span;
use std::collections::BTreeSet;

/// The lifecycle at the base revision of the variant `vc` checks: `None`
/// without `--base`; an empty lifecycle when the Worker or its environment
/// did not exist there.
pub fn base_lifecycle(cx: &WorkerCx, vc: &VariantCx) -> Option<Lifecycle> {
    let base = cx.worker.base.as_ref()?;
    let env = vc.v.env_name();
    Some(
        base.config
            .as_ref()
            .and_then(|c| {
                c.variants()
                    .into_iter()
                    .find(|v| v.env_name() == env)
                    .map(|v| Lifecycle::of(&v))
            })
            .unwrap_or_default(),
    )
}

/// Whether class `name` was created after the base revision (always false
/// without `--base`).
pub fn created_since_base(base: Option<&Lifecycle>, name: &str) -> bool {
    base.is_some_and(|b| !b.classes.contains_key(name))
}

/// DO130–DO133 for one variant.
pub fn against_base(cx: &mut WorkerCx, vc: &VariantCx) {
    let Some(base) = cx.worker.base.clone() else {
        return;
    };
    // A test harness's config is never deployed: each run starts afresh.
    if cx.worker.harness {
        return;
    }
    let rev = base.rev.as_str();
    let env = vc.v.env_name();
    let base_variant: Option<Variant<'_>> = base
        .config
        .as_ref()
        .and_then(|c| c.variants().into_iter().find(|v| v.env_name() == env));
    let base_lc = base_variant.as_ref().map(Lifecycle::of).unwrap_or_default();
    let path = cx.cfg_path();
    let now: &[Migration] = vc.v.migrations().map(|l| &l.items[..]).unwrap_or(&[]);
    let then: &[Migration] = base_variant
        .as_ref()
        .and_then(|v| v.migrations())
        .map(|l| &l.items[..])
        .unwrap_or(&[]);
    let anchor =
        vc.v.migrations()
            .map(|l| l.key_span)
            .or_else(|| vc.v.exports().map(|l| l.key_span))
            .unwrap_or_default();

    // DO130: an applied migration edited in place. Classes an edit drops
    // from a creating step are told there, not again as DO132.
    let mut dropped_by_edit: BTreeSet<String> = BTreeSet::new();
    for m in now {
        let Some(tag) = &m.tag else { continue };
        let Some(old) = then
            .iter()
            .find(|o| o.tag.as_ref().is_some_and(|t| t.value == tag.value))
        else {
            continue;
        };
        let changes = step_changes(old, m);
        for c in old.new_classes.iter().chain(&old.new_sqlite_classes) {
            if !m
                .new_classes
                .iter()
                .chain(&m.new_sqlite_classes)
                .any(|n| n.value == c.value)
            {
                dropped_by_edit.insert(c.value.clone());
            }
        }
        if !changes.is_empty() {
            cx.emit(Diagnostic::new(Code::DO130, path.clone(), tag.span, format!(
                "Migration \"{}\" was already applied at {rev}, and it changed since: it {}. An environment deployed past \"{}\" never receives this change, because wrangler sends only the migrations after the deployed tag. Restore the migration as it was and put the change in a new migration.",
                tag.value,
                changes.join("; "),
                tag.value
            )));
        }
    }
    // DO130 for `exports`: a created entry whose storage changed.
    if let (Some(now_e), Some(then_e)) = (
        vc.v.exports(),
        base_variant.as_ref().and_then(|v| v.exports()),
    ) {
        for e in now_e.items.iter().filter(|e| e.is_durable_object()) {
            let Some(old) = then_e.items.iter().find(|o| o.key.value == e.key.value) else {
                continue;
            };
            if e.state == ExportState::Created
                && old.state == ExportState::Created
                && e.sqlite.is_some()
                && old.sqlite.is_some()
                && e.sqlite != old.sqlite
            {
                let name = |s: Option<bool>| match s {
                    Some(false) => "legacy-kv",
                    _ => "sqlite",
                };
                cx.emit(Diagnostic::new(Code::DO130, path.clone(), e.storage_span.unwrap_or(e.key.span), format!(
                    "`{}` was created with storage \"{}\" at {rev}, and its entry now says \"{}\": a class's storage backend cannot change after it is created. Keep \"{}\", or create a new class and move the data.",
                    e.key.value, name(old.sqlite), name(e.sqlite), name(old.sqlite)
                )));
            }
        }
    }

    // DO131: the deployed tags are no longer a prefix of the list.
    let then_tags: Vec<&str> = then
        .iter()
        .filter_map(|m| m.tag.as_ref().map(|t| t.value.as_str()))
        .collect();
    let now_tags: Vec<(&str, Span)> = now
        .iter()
        .filter_map(|m| m.tag.as_ref().map(|t| (t.value.as_str(), t.span)))
        .collect();
    // With no migrations now, nothing is sent again (moving to the
    // declarative `exports` map ends the list on purpose); DO132 names any
    // class that was dropped.
    if !now.is_empty() {
        if let Some(i) =
            (0..then_tags.len()).find(|&i| now_tags.get(i).map(|t| t.0) != Some(then_tags[i]))
        {
            let missing: Vec<&str> = then_tags
                .iter()
                .copied()
                .filter(|t| !now_tags.iter().any(|n| n.0 == *t))
                .collect();
            let span = now_tags.get(i).map(|t| t.1).unwrap_or(anchor);
            let what = if missing.is_empty() {
                format!(
                    "the migrations applied at {rev} ({}) are no longer the first ones, in that order",
                    quoted(&then_tags)
                )
            } else {
                format!(
                    "{} {}, applied at {rev}, {} gone now",
                    if missing.len() == 1 { "tag" } else { "tags" },
                    quoted(&missing),
                    if missing.len() == 1 { "is" } else { "are" }
                )
            };
            cx.emit(Diagnostic::new(Code::DO131, path.clone(), span, format!(
                "{}. wrangler looks up the deployed tag in this list; when it is missing, wrangler sends every migration again, and the API rejects classes that already exist (error 10074: \"Cannot apply new-class migration to class … that is already depended on by existing Durable Objects\"). Keep the applied migrations as they were, in order, and append new ones.",
                capital(&what)
            )));
        }
    }

    // DO132: a class live at REV that nothing ends now.
    for r in base_lc.live() {
        if vc.lc.classes.contains_key(&r.name) || dropped_by_edit.contains(&r.name) {
            continue; // still live, ended by a step, or DO130's
        }
        cx.emit(Diagnostic::new(Code::DO132, path.clone(), anchor, format!(
            "Class `{}` was live at {rev} (created by {}), and no migration or `exports` entry mentions it now: its step was removed instead of deleting the class. The deploy fails with API error 10064 (\"New version of script does not export class '{}' which is depended on by existing Durable Objects\") while objects of the class exist. Restore the step, and delete the class with a new migration (`deleted_classes`) or an `exports` entry in state \"deleted\".",
            r.name, r.created.label, r.name
        )));
    }

    // DO133: KV-backed classes created since REV. A new name given by a
    // rename creates no namespace.
    let renamed_to: BTreeSet<&str> = vc
        .lc
        .classes
        .values()
        .filter_map(|r| match &r.status {
            Status::RenamedTo(to) => Some(to.as_str()),
            _ => None,
        })
        .collect();
    for r in vc.lc.classes.values() {
        if r.sqlite
            || base_lc.classes.contains_key(&r.name)
            || r.status != Status::Live
            || renamed_to.contains(r.name.as_str())
        {
            continue;
        }
        cx.emit(Diagnostic::new(Code::DO133, path.clone(), r.created.span, format!(
            "Class `{}` is new since {rev} and created with the legacy KV storage backend. Accounts on the Free plan cannot create it, and since 2026-07-09 neither can any account without a KV-backed namespace (API error 10097). Create it with new_sqlite_classes (or storage \"sqlite\").",
            r.name
        )));
    }
}

fn quoted(tags: &[&str]) -> String {
    tags.iter()
        .map(|t| format!("\"{t}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

fn capital(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// What changed in a migration's steps, in words.
fn step_changes(old: &Migration, new: &Migration) -> Vec<String> {
    let mut out = Vec::new();
    let lists: [(&str, Vec<String>, Vec<String>); 5] = [
        (
            "new_classes",
            names(&old.new_classes),
            names(&new.new_classes),
        ),
        (
            "new_sqlite_classes",
            names(&old.new_sqlite_classes),
            names(&new.new_sqlite_classes),
        ),
        (
            "deleted_classes",
            names(&old.deleted_classes),
            names(&new.deleted_classes),
        ),
        (
            "renamed_classes",
            old.renamed_classes
                .iter()
                .map(|r| format!("{} → {}", r.from.value, r.to.value))
                .collect(),
            new.renamed_classes
                .iter()
                .map(|r| format!("{} → {}", r.from.value, r.to.value))
                .collect(),
        ),
        (
            "transferred_classes",
            old.transferred_classes
                .iter()
                .map(|t| {
                    format!(
                        "{} from {} → {}",
                        t.from.value, t.from_script.value, t.to.value
                    )
                })
                .collect(),
            new.transferred_classes
                .iter()
                .map(|t| {
                    format!(
                        "{} from {} → {}",
                        t.from.value, t.from_script.value, t.to.value
                    )
                })
                .collect(),
        ),
    ];
    for (key, was, now) in lists {
        let was: BTreeSet<String> = was.into_iter().collect();
        let now: BTreeSet<String> = now.into_iter().collect();
        let added: Vec<String> = now.difference(&was).map(|s| format!("`{s}`")).collect();
        let removed: Vec<String> = was.difference(&now).map(|s| format!("`{s}`")).collect();
        if !added.is_empty() {
            out.push(format!("adds {} to {key}", added.join(", ")));
        }
        if !removed.is_empty() {
            out.push(format!("drops {} from {key}", removed.join(", ")));
        }
    }
    out
}

fn names(list: &[crate::config::model::Str]) -> Vec<String> {
    list.iter().map(|s| s.value.clone()).collect()
}
