//! The rule registry: one sorted table. Each row declares a rule's code,
//! name, kind, default severity (and the others it may take in context),
//! the facts it reads, its summary and its page.
//!
//! Codes are a type: `Code::DO101`. A code that is not in the table does not
//! compile. A leaf module: the settings and every rule family depend on it.

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Error,
    Warning,
    Info,
    Hint,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
            Severity::Hint => "hint",
        }
    }
}

/// What a rule reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// What fails at deploy or at run time.
    Failure,
    /// A pitfall that costs money or breaks under some conditions; its page
    /// says what it cannot see.
    Practice,
    /// About the analysis itself: unverified facts, suppressions.
    Meta,
}

/// The facts a rule reads. The framework computes each once per Worker
/// variant and only when some enabled rule needs it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Needs {
    /// The config file alone.
    Config,
    /// The replayed `migrations` and `exports` (`Lifecycle`).
    Lifecycle,
    /// The entry's exports, resolved through the module graph.
    Exports,
    /// Facts of the Worker's source files (`env.X` uses, stub calls).
    Source,
    /// Other Workers of the workspace (`script_name`, shared files).
    Workspace,
    /// Files outside the module graph (tests that use a binding).
    Neighbours,
    /// The config at the base revision (`--base`, `baseRef`).
    History,
    /// The class model (`rules::model`): every Durable Object class with its
    /// body, base, backend and bindings. Built only when an enabled rule
    /// needs it.
    Classes,
}

#[derive(Clone, Copy, Debug)]
pub struct Rule {
    pub code: Code,
    pub name: &'static str,
    pub kind: Kind,
    /// The default severity.
    pub severity: Severity,
    /// Other severities the rule takes in context (its page says when).
    pub also: &'static [Severity],
    pub needs: &'static [Needs],
    pub summary: &'static str,
    /// The rule's page, `docs/rules/<code>.md`.
    pub doc: &'static str,
}

impl Rule {
    /// Whether the rule may report at `s` before settings apply.
    pub fn allows(&self, s: Severity) -> bool {
        self.severity == s || self.also.contains(&s)
    }
}

macro_rules! rules {
    ($( $code:ident $name:literal $kind:ident $sev:ident [$($also:ident),*] [$($need:ident),*] $summary:literal ;)*) => {
        /// A rule code.
        #[allow(clippy::upper_case_acronyms)]
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code { $($code,)* }

        impl Code {
            pub const ALL: &'static [Code] = &[$(Code::$code,)*];

            pub fn as_str(self) -> &'static str {
                match self { $(Code::$code => stringify!($code),)* }
            }

            /// The code named by `s`, in any case.
            pub fn parse(s: &str) -> Option<Code> {
                let up = s.to_ascii_uppercase();
                match up.as_str() {
                    $(stringify!($code) => Some(Code::$code),)*
                    _ => None,
                }
            }

            pub fn rule(self) -> &'static Rule {
                &RULES[self as usize]
            }
        }

        pub const RULES: &[Rule] = &[
            $( Rule {
                code: Code::$code,
                name: $name,
                kind: Kind::$kind,
                severity: Severity::$sev,
                also: &[$(Severity::$also),*],
                needs: &[$(Needs::$need),*],
                summary: $summary,
                doc: include_str!(concat!("../../docs/rules/", stringify!($code), ".md")),
            }, )*
        ];
    };
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

rules! {
    DO001 "suppression-without-reason" Meta Warning [] [] "a durable-lsp-ignore comment gives no reason";
    DO002 "unused-suppression" Meta Warning [] [] "a durable-lsp-ignore comment suppresses nothing";
    DO100 "unverified-facts" Meta Info [] [Exports, Source] "what could not be verified in a Worker, and why";
    DO101 "class-not-exported" Failure Error [] [Config, Exports] "a bound class is not exported by the Worker's entry";
    DO102 "class-without-lifecycle" Failure Error [Info] [Config, Lifecycle, Exports, Source] "a bound class is created by no migration and no exports entry";
    DO103 "lifecycle-class-not-exported" Failure Error [Info] [Lifecycle, Exports] "a class that migrations or exports leave live is not exported";
    DO104 "kv-storage-backend" Failure Info [] [Lifecycle] "a class is created with the legacy KV storage backend";
    DO105 "kv-to-sqlite-conversion" Failure Error [] [Lifecycle] "a KV-backed class is re-declared in new_sqlite_classes";
    DO106 "migration-replay" Failure Error [] [Lifecycle] "the migrations do not replay: a class is deleted, renamed or created twice";
    DO107 "duplicate-migration-tag" Failure Error [] [Lifecycle] "two migrations share a tag";
    DO108 "deleted-class-bound" Failure Error [] [Config, Lifecycle] "a binding names a class the migrations deleted";
    DO109 "renamed-class-bound" Failure Error [] [Config, Lifecycle] "a binding names the old name of a renamed class";
    DO110 "unknown-binding" Failure Error [Info] [Config, Source, Workspace] "code uses a Durable Object binding the Worker does not have";
    DO111 "unused-binding" Practice Hint [] [Config, Source, Neighbours] "a Durable Object binding no code uses";
    DO112 "duplicate-binding-name" Failure Error [] [Config] "a binding name is used twice";
    DO113 "env-missing-durable-objects" Failure Warning [] [Config] "an environment lacks the top level's Durable Object bindings";
    DO114 "migrations-and-exports" Failure Error [] [Config] "migrations and exports are both set";
    DO115 "entry-not-found" Failure Error [Info] [Config] "main names no file";
    DO116 "invalid-config" Failure Error [Warning, Info] [Config] "the Durable Object parts of the config are malformed";
    DO117 "bound-class-not-durable-object" Failure Error [Warning, Info] [Config, Exports, Source] "a bound export is not a Durable Object class";
    DO118 "rpc-needs-compat-date" Failure Warning [] [Config, Source] "code calls RPC methods on a stub while RPC is off";
    DO119 "cross-worker-class-not-exported" Failure Error [] [Config, Exports, Workspace] "script_name names a Worker here that does not export the class";
    DO120 "service-worker-durable-objects" Failure Error [] [Config, Source] "Durable Objects in a service-worker format Worker";
    DO121 "shadowed-config" Meta Info [] [Config] "a config wrangler ignores because another one in its folder wins";
    DO122 "rpc-method-not-found" Failure Error [Warning] [Config, Source, Classes] "a method called on a stub that the bound class does not define";
    DO130 "applied-migration-edited" Failure Error [] [Lifecycle, History] "a migration applied at the base revision has different steps now";
    DO131 "applied-tag-removed" Failure Error [] [Lifecycle, History] "a migration tag applied at the base revision is gone, renamed or out of order";
    DO132 "class-removed-without-delete" Failure Error [] [Lifecycle, History] "a class live at the base revision is dropped without a delete step";
    DO133 "new-kv-backed-class" Failure Warning [] [Lifecycle, History] "a class created since the base revision uses the legacy KV backend";
    DO201 "missing-super-call" Failure Error [] [Classes] "a Durable Object constructor does not call super(ctx, env) first";
    DO202 "timer-in-durable-object" Practice Warning [] [Classes] "setInterval in a Durable Object, or a setTimeout that keeps a hibernating one awake";
    DO203 "constructor-io" Practice Info [] [Classes] "async work in a constructor outside blockConcurrencyWhile";
    DO204 "block-concurrency-per-request" Practice Info [] [Classes] "blockConcurrencyWhile outside the constructor";
    DO205 "wait-until-in-durable-object" Practice Hint [] [Classes] "ctx.waitUntil in a Durable Object";
    DO206 "alarm-without-handler" Failure Error [] [Classes] "setAlarm in a class without alarm(), or with a time <= 0";
    DO207 "delete-all-before-delete-alarm" Practice Warning [] [Config, Classes] "deleteAll() leaves a scheduled alarm in place";
    DO208 "alarm-retry-unbounded" Practice Hint [] [Classes] "an alarm() that can throw and never reads retryCount";
    DO301 "sqlite-api-on-kv-backend" Failure Error [] [Lifecycle, Classes] "the SQLite storage API in a KV-backed class";
    DO302 "sql-transaction-statement" Failure Error [] [Classes] "BEGIN, COMMIT, ROLLBACK or SAVEPOINT in sql.exec";
    DO303 "sql-reserved-name" Failure Error [] [Classes] "SQL that names a reserved _cf_ table or column";
    DO304 "sql-boolean-binding" Practice Warning [] [Classes] "a boolean bound to a SQL parameter";
    DO305 "sql-interpolated-query" Practice Warning [] [Classes] "a SQL query built with template substitutions";
    DO306 "storage-batch-limit" Failure Error [Info] [Lifecycle, Classes] "more than 128 keys in one storage call";
    DO401 "websocket-accept-without-hibernation" Practice Warning [Error] [Classes] "ws.accept() on a server socket in a Durable Object";
    DO402 "hibernation-state-not-restored" Practice Info [] [Classes] "per-socket state in fields of a hibernating class, never rebuilt";
    DO403 "outgoing-websocket" Practice Warning [] [Classes] "an outgoing WebSocket in a Durable Object";
    DO404 "missing-websocket-handler" Practice Warning [] [Classes] "acceptWebSocket in a class with none of the WebSocket handlers";
    DO405 "websocket-limits" Failure Error [] [Classes] "too many WebSocket tags, or a tag too long";
    DO406 "accept-then-hibernate" Failure Error [] [Classes] "a socket both accepted and passed to acceptWebSocket";
    DO501 "invalid-location-hint" Practice Warning [] [Source] "a locationHint that is not a documented region";
    DO502 "invalid-jurisdiction" Failure Error [] [Source] "a jurisdiction that does not exist";
    DO503 "jurisdiction-with-location-hint" Practice Warning [] [Source] "a location hint on a stub of a jurisdiction subnamespace";
    DO504 "invalid-id-string" Failure Error [] [Source] "idFromString with a literal that is not 64 hex digits";
    DO601 "block-concurrency-dev-bug" Practice Warning [] [Classes] "blockConcurrencyWhile in a constructor with a wrangler or vite plugin whose local dev ignores it";
    DO602 "vitest-pool-workers-id-name" Practice Warning [] [Classes] "ctx.id.name with the vitest pool release that leaves it undefined";
    DO603 "cross-worker-rpc-in-dev" Practice Info [] [Config, Source] "RPC on a stub of another Worker's class, which separate dev sessions do not support";
}

/// The rule of a code written as text (settings, `--explain`, suppressions).
pub fn rule(code: &str) -> Option<&'static Rule> {
    Code::parse(code).map(Code::rule)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_names_are_unique_and_sorted() {
        for w in RULES.windows(2) {
            assert!(
                w[0].code.as_str() < w[1].code.as_str(),
                "{} before {}",
                w[0].code,
                w[1].code
            );
        }
        let mut names: Vec<_> = RULES.iter().map(|r| r.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), RULES.len());
        for (i, r) in RULES.iter().enumerate() {
            assert_eq!(r.code as usize, i, "{} indexes its own row", r.code);
            assert_eq!(Code::parse(&r.code.as_str().to_lowercase()), Some(r.code));
        }
        assert_eq!(Code::parse("DO999"), None);
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

    #[test]
    fn every_page_names_the_severities_its_rule_can_take() {
        for r in RULES {
            let head: String = r.doc.lines().take(4).collect::<Vec<_>>().join("\n");
            for s in std::iter::once(&r.severity).chain(r.also) {
                assert!(
                    head.contains(s.as_str()),
                    "docs/rules/{}.md does not name the severity {} near its top",
                    r.code,
                    s.as_str()
                );
            }
        }
    }
}
