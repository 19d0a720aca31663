//! The Durable Object classes of one variant: for each class name, the local
//! bindings that name it and the lifecycle record (backend, the entry that
//! created it, whether it is still live). Built from the config alone.

use super::lifecycle::{ClassRecord, Status};
use super::model::{DoBinding, Variant};
use super::Lifecycle;
use std::collections::BTreeMap;

/// The storage backend of a class.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Kv,
}

#[derive(Clone, Debug, Default)]
pub struct ClassEntry<'a> {
    /// Local bindings (no `script_name`) whose `class_name` is this class.
    pub bindings: Vec<&'a DoBinding>,
    /// The lifecycle record, when a migration or `exports` entry names it.
    pub record: Option<&'a ClassRecord>,
}

impl ClassEntry<'_> {
    pub fn is_live(&self) -> bool {
        self.record.is_some_and(|r| r.status == Status::Live)
    }
    pub fn backend(&self) -> Option<Backend> {
        self.record.map(|r| {
            if r.sqlite {
                Backend::Sqlite
            } else {
                Backend::Kv
            }
        })
    }
}

/// Every class a variant binds locally or whose lifecycle it records.
#[derive(Clone, Debug, Default)]
pub struct ClassIndex<'a> {
    pub classes: BTreeMap<&'a str, ClassEntry<'a>>,
}

impl<'a> ClassIndex<'a> {
    pub fn new(v: &Variant<'a>, lc: &'a Lifecycle) -> ClassIndex<'a> {
        let mut classes: BTreeMap<&'a str, ClassEntry<'a>> = BTreeMap::new();
        for b in v.durable_objects().iter().filter(|b| !b.external) {
            if let Some(c) = &b.class_name {
                classes
                    .entry(c.value.as_str())
                    .or_default()
                    .bindings
                    .push(b);
            }
        }
        for (name, r) in &lc.classes {
            classes.entry(name.as_str()).or_default().record = Some(r);
        }
        ClassIndex { classes }
    }

    pub fn get(&self, class: &str) -> Option<&ClassEntry<'a>> {
        self.classes.get(class)
    }

    /// Whether a local binding names `class`.
    pub fn is_bound(&self, class: &str) -> bool {
        self.classes
            .get(class)
            .is_some_and(|c| !c.bindings.is_empty())
    }

    /// The class a local binding named `binding` points at.
    pub fn class_of_binding(&self, binding: &str) -> Option<&'a str> {
        self.classes.iter().find_map(|(name, c)| {
            c.bindings
                .iter()
                .any(|b| b.name.as_ref().is_some_and(|n| n.value == binding))
                .then_some(*name)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use std::path::PathBuf;

    #[test]
    fn bindings_backend_and_origin_per_environment() {
        let cfg = Config::parse(
            PathBuf::from("wrangler.toml"),
            r#"
name = "w"
[[durable_objects.bindings]]
name = "ROOM"
class_name = "Room"
[[durable_objects.bindings]]
name = "EXT"
class_name = "Far"
script_name = "other"
[[migrations]]
tag = "v1"
new_classes = ["Room"]
[[migrations]]
tag = "v2"
new_sqlite_classes = ["Counter"]

[env.prod]
durable_objects.bindings = [{ name = "COUNTER", class_name = "Counter" }]
"#,
        );
        let vs = cfg.variants();
        let lc0 = Lifecycle::of(&vs[0]);
        let top = ClassIndex::new(&vs[0], &lc0);
        let room = top.get("Room").unwrap();
        assert_eq!(room.bindings.len(), 1);
        assert_eq!(room.backend(), Some(Backend::Kv));
        assert_eq!(room.record.unwrap().created.label, "migration \"v1\"");
        assert!(
            top.get("Far").is_none(),
            "external bindings are not local classes"
        );
        assert!(!top.is_bound("Counter") && top.get("Counter").unwrap().is_live());
        assert_eq!(top.class_of_binding("ROOM"), Some("Room"));

        let lc1 = Lifecycle::of(&vs[1]);
        let prod = ClassIndex::new(&vs[1], &lc1);
        assert!(prod.is_bound("Counter") && !prod.is_bound("Room"));
        assert_eq!(
            prod.get("Counter").unwrap().backend(),
            Some(Backend::Sqlite)
        );
    }
}
