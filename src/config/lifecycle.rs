//! The Durable Object lifecycle of one Worker variant: `migrations` replayed
//! in order (as wrangler replays them) and the declarative `exports` map,
//! folded into one class table.

use super::model::{ExportState, Listed, Migration, Str, Variant};
use crate::text::Span;
use std::collections::BTreeMap;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Status {
    Live,
    Deleted,
    RenamedTo(String),
    TransferredOut(String),
}

/// The config entry that created or ended a class.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    /// `migration v2`, `exports.Counter`.
    pub label: String,
    /// The span of the class name (or export key) in that entry.
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct ClassRecord {
    pub name: String,
    pub status: Status,
    pub sqlite: bool,
    pub created: Origin,
    pub ended: Option<Origin>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReplayKind {
    /// R-MIG-R1..R4: wrangler's replay fails.
    Replay,
    /// R-MIG-R4 on a class created KV-backed by an earlier migration.
    KvToSqlite,
}

#[derive(Clone, Debug)]
pub struct ReplayError {
    pub kind: ReplayKind,
    pub span: Span,
    pub message: String,
    pub related: Option<Origin>,
}

#[derive(Clone, Debug)]
pub struct DuplicateTag {
    pub tag: String,
    pub first: Span,
    pub again: Span,
}

#[derive(Clone, Debug, Default)]
pub struct Lifecycle {
    pub classes: BTreeMap<String, ClassRecord>,
    pub errors: Vec<ReplayError>,
    pub duplicate_tags: Vec<DuplicateTag>,
    /// Whether any migration or live `exports` entry exists at all.
    pub declared: bool,
}

impl Lifecycle {
    pub fn is_live(&self, class: &str) -> bool {
        matches!(self.classes.get(class), Some(r) if r.status == Status::Live)
    }
    pub fn live(&self) -> impl Iterator<Item = &ClassRecord> {
        self.classes.values().filter(|r| r.status == Status::Live)
    }

    pub fn of(variant: &Variant<'_>) -> Lifecycle {
        let mut lc = Lifecycle::default();
        if let Some(m) = variant.migrations() {
            lc.replay(m);
        }
        if let Some(e) = variant.exports() {
            for entry in e.items.iter().filter(|e| e.is_durable_object()) {
                lc.declared = true;
                let origin = Origin {
                    label: format!("exports.{}", entry.key.value),
                    span: entry.key.span,
                };
                let status = match entry.state {
                    ExportState::Created | ExportState::ExpectingTransfer => Status::Live,
                    ExportState::Deleted => Status::Deleted,
                    ExportState::Renamed => Status::RenamedTo(
                        entry
                            .renamed_to
                            .as_ref()
                            .map(|s| s.value.clone())
                            .unwrap_or_default(),
                    ),
                    ExportState::Transferred => Status::TransferredOut(
                        entry
                            .transferred_to
                            .as_ref()
                            .map(|s| s.value.clone())
                            .unwrap_or_default(),
                    ),
                };
                let live = status == Status::Live;
                // the new name of a renamed class is a live class
                if let (ExportState::Renamed, Some(to)) = (entry.state, &entry.renamed_to) {
                    lc.classes
                        .entry(to.value.clone())
                        .or_insert_with(|| ClassRecord {
                            name: to.value.clone(),
                            status: Status::Live,
                            sqlite: entry.sqlite.unwrap_or(true),
                            created: Origin {
                                label: format!("exports.{}", entry.key.value),
                                span: to.span,
                            },
                            ended: None,
                        });
                }
                lc.classes.insert(
                    entry.key.value.clone(),
                    ClassRecord {
                        name: entry.key.value.clone(),
                        status,
                        sqlite: entry.sqlite.unwrap_or(true),
                        created: origin.clone(),
                        ended: if live { None } else { Some(origin) },
                    },
                );
            }
        }
        lc
    }

    fn replay(&mut self, migrations: &Listed<Migration>) {
        // wrangler's own map ignores transferred classes; ours counts them.
        let mut wrangler_known: BTreeMap<String, bool> = BTreeMap::new();
        let mut tags: BTreeMap<String, Span> = BTreeMap::new();
        for m in &migrations.items {
            self.declared = true;
            let label = match &m.tag {
                Some(t) => {
                    if let Some(first) = tags.get(&t.value) {
                        self.duplicate_tags.push(DuplicateTag {
                            tag: t.value.clone(),
                            first: *first,
                            again: t.span,
                        });
                    } else {
                        tags.insert(t.value.clone(), t.span);
                    }
                    format!("migration \"{}\"", t.value)
                }
                None => format!("migrations[{}]", m.index),
            };
            let origin = |s: &Str| Origin {
                label: label.clone(),
                span: s.span,
            };
            for c in &m.deleted_classes {
                if wrangler_known.remove(&c.value).is_none() {
                    let transferred = self.is_live(&c.value);
                    self.errors.push(ReplayError {
                        kind: ReplayKind::Replay,
                        span: c.span,
                        message: format!(
                            "Cannot apply deleted_classes migration to non-existent class {}{}",
                            c.value,
                            if transferred { " (wrangler's replay ignores transferred_classes, so a class that only arrived by transfer cannot be deleted)" } else { "" }
                        ),
                        related: None,
                    });
                }
                if let Some(r) = self.classes.get_mut(&c.value) {
                    r.status = Status::Deleted;
                    r.ended = Some(origin(c));
                }
            }
            for r in &m.renamed_classes {
                match wrangler_known.remove(&r.from.value) {
                    Some(sqlite) => {
                        wrangler_known.insert(r.to.value.clone(), sqlite);
                    }
                    None => {
                        let transferred = self.is_live(&r.from.value);
                        self.errors.push(ReplayError {
                            kind: ReplayKind::Replay,
                            span: r.from.span,
                            message: format!(
                                "Cannot apply renamed_classes migration to non-existent class {}{}",
                                r.from.value,
                                if transferred { " (wrangler's replay ignores transferred_classes, so a class that only arrived by transfer cannot be renamed)" } else { "" }
                            ),
                            related: None,
                        });
                    }
                }
                let sqlite = self
                    .classes
                    .get(&r.from.value)
                    .map(|c| c.sqlite)
                    .unwrap_or(true);
                if let Some(old) = self.classes.get_mut(&r.from.value) {
                    old.status = Status::RenamedTo(r.to.value.clone());
                    old.ended = Some(origin(&r.from));
                }
                self.classes.insert(
                    r.to.value.clone(),
                    ClassRecord {
                        name: r.to.value.clone(),
                        status: Status::Live,
                        sqlite,
                        created: origin(&r.to),
                        ended: None,
                    },
                );
            }
            for (list, sqlite, key) in [
                (&m.new_classes, false, "new_classes"),
                (&m.new_sqlite_classes, true, "new_sqlite_classes"),
            ] {
                for c in list {
                    if let Some(&was_sqlite) = wrangler_known.get(&c.value) {
                        let prev = self.classes.get(&c.value).map(|r| r.created.clone());
                        let earlier = prev.as_ref().map(|p| p.label != label).unwrap_or(false);
                        let kind = if sqlite && !was_sqlite && earlier {
                            ReplayKind::KvToSqlite
                        } else {
                            ReplayKind::Replay
                        };
                        self.errors.push(ReplayError {
                            kind,
                            span: c.span,
                            message: format!(
                                "Cannot apply {key} migration to existing class {}",
                                c.value
                            ),
                            related: prev,
                        });
                        continue;
                    }
                    wrangler_known.insert(c.value.clone(), sqlite);
                    self.classes.insert(
                        c.value.clone(),
                        ClassRecord {
                            name: c.value.clone(),
                            status: Status::Live,
                            sqlite,
                            created: origin(c),
                            ended: None,
                        },
                    );
                }
            }
            for t in &m.transferred_classes {
                // The class arrives from another script; wrangler's replay
                // does not see it, but it is live for every other rule.
                self.classes.insert(
                    t.to.value.clone(),
                    ClassRecord {
                        name: t.to.value.clone(),
                        status: Status::Live,
                        sqlite: true,
                        created: origin(&t.to),
                        ended: None,
                    },
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::model::Config;
    use std::path::PathBuf;

    fn lc(toml: &str) -> Lifecycle {
        let c = Config::parse(PathBuf::from("wrangler.toml"), toml);
        assert!(c.syntax_error.is_none());
        Lifecycle::of(&c.variants()[0])
    }

    #[test]
    fn create_rename_delete() {
        let l = lc("[[migrations]]\ntag=\"v1\"\nnew_sqlite_classes=[\"A\",\"B\"]\n[[migrations]]\ntag=\"v2\"\nrenamed_classes=[{from=\"A\",to=\"C\"}]\ndeleted_classes=[\"B\"]\n");
        assert!(l.errors.is_empty(), "{:?}", l.errors);
        assert!(l.is_live("C"));
        assert_eq!(l.classes["A"].status, Status::RenamedTo("C".into()));
        assert_eq!(l.classes["B"].status, Status::Deleted);
        assert_eq!(
            l.classes["B"].ended.as_ref().unwrap().label,
            "migration \"v2\""
        );
    }

    #[test]
    fn replay_errors() {
        let l = lc("[[migrations]]\ntag=\"v1\"\nnew_classes=[\"A\"]\nnew_sqlite_classes=[\"A\"]\ndeleted_classes=[\"Nope\"]\n");
        let msgs: Vec<_> = l
            .errors
            .iter()
            .map(|e| (e.kind, e.message.as_str()))
            .collect();
        assert!(
            msgs.contains(&(
                ReplayKind::Replay,
                "Cannot apply deleted_classes migration to non-existent class Nope"
            )),
            "{msgs:?}"
        );
        assert!(msgs.contains(&(
            ReplayKind::Replay,
            "Cannot apply new_sqlite_classes migration to existing class A"
        )));
    }

    #[test]
    fn kv_to_sqlite_in_a_later_migration() {
        let l = lc("[[migrations]]\ntag=\"v1\"\nnew_classes=[\"A\"]\n[[migrations]]\ntag=\"v2\"\nnew_sqlite_classes=[\"A\"]\n");
        assert_eq!(l.errors.len(), 1);
        assert_eq!(l.errors[0].kind, ReplayKind::KvToSqlite);
        assert!(!l.classes["A"].sqlite);
    }

    #[test]
    fn transferred_then_deleted_fails_wrangler_replay() {
        let l = lc("[[migrations]]\ntag=\"v1\"\ntransferred_classes=[{from=\"X\",from_script=\"o\",to=\"T\"}]\n[[migrations]]\ntag=\"v2\"\ndeleted_classes=[\"T\"]\n");
        assert_eq!(l.errors.len(), 1);
        assert!(l.errors[0].message.contains("transferred_classes"));
    }

    #[test]
    fn duplicate_tags() {
        let l = lc("[[migrations]]\ntag=\"v1\"\nnew_sqlite_classes=[\"A\"]\n[[migrations]]\ntag=\"v1\"\nnew_sqlite_classes=[\"B\"]\n");
        assert_eq!(l.duplicate_tags.len(), 1);
    }
}
