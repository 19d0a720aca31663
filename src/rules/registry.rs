//! The rule registry: one sorted table of codes, names, default severities.

use super::Severity;

#[derive(Clone, Copy, Debug)]
pub struct Rule {
    pub code: &'static str,
    pub name: &'static str,
    pub severity: Severity,
    pub summary: &'static str,
    /// The rule's page, `docs/rules/<code>.md`.
    pub doc: &'static str,
}

macro_rules! rules {
    ($( $code:literal $name:literal $sev:ident $summary:literal ;)*) => {
        pub const RULES: &[Rule] = &[
            $( Rule {
                code: $code,
                name: $name,
                severity: Severity::$sev,
                summary: $summary,
                doc: include_str!(concat!("../../docs/rules/", $code, ".md")),
            }, )*
        ];
    };
}

rules! {
    "DO100" "unverified-facts" Info "what could not be verified in a Worker, and why";
    "DO101" "class-not-exported" Error "a bound class is not exported by the Worker's entry";
    "DO102" "class-without-lifecycle" Error "a bound class is created by no migration and no exports entry";
    "DO103" "lifecycle-class-not-exported" Error "a class that migrations or exports leave live is not exported";
    "DO104" "kv-storage-backend" Info "a class is created with the legacy KV storage backend";
    "DO105" "kv-to-sqlite-conversion" Error "a KV-backed class is re-declared in new_sqlite_classes";
    "DO106" "migration-replay" Error "the migrations do not replay: a class is deleted, renamed or created twice";
    "DO107" "duplicate-migration-tag" Error "two migrations share a tag";
    "DO108" "deleted-class-bound" Error "a binding names a class the migrations deleted";
    "DO109" "renamed-class-bound" Error "a binding names the old name of a renamed class";
    "DO110" "unknown-binding" Error "code uses a Durable Object binding the Worker does not have";
    "DO111" "unused-binding" Hint "a Durable Object binding no code uses";
    "DO112" "duplicate-binding-name" Error "a binding name is used twice";
    "DO113" "env-missing-durable-objects" Warning "an environment lacks the top level's Durable Object bindings";
    "DO114" "migrations-and-exports" Error "migrations and exports are both set";
    "DO115" "entry-not-found" Error "main names no file";
    "DO116" "invalid-config" Error "the Durable Object parts of the config are malformed";
    "DO117" "bound-class-not-durable-object" Error "a bound export is not a Durable Object class";
    "DO118" "rpc-needs-compat-date" Warning "code calls RPC methods on a stub while RPC is off";
    "DO119" "cross-worker-class-not-exported" Error "script_name names a Worker here that does not export the class";
    "DO120" "service-worker-durable-objects" Error "Durable Objects in a service-worker format Worker";
    "DO121" "shadowed-config" Info "a config wrangler ignores because another one in its folder wins";
}

pub fn rule(code: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.code.eq_ignore_ascii_case(code))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_names_are_unique_and_sorted() {
        for w in RULES.windows(2) {
            assert!(w[0].code < w[1].code, "{} before {}", w[0].code, w[1].code);
        }
        let mut names: Vec<_> = RULES.iter().map(|r| r.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), RULES.len());
    }

    #[test]
    fn every_page_starts_with_its_code_and_name() {
        for r in RULES {
            let first = r.doc.lines().next().unwrap_or("");
            assert_eq!(
                first,
                format!("# {}: {}", r.code, r.name),
                "docs/rules/{}.md",
                r.code
            );
        }
    }
}
