//! The embedded tree-sitter queries, compiled once per grammar.

use super::Lang;
use std::sync::OnceLock;
use tree_sitter::Query;

pub struct QuerySource {
    pub name: &'static str,
    pub text: &'static str,
    pub typescript_only: bool,
}

pub const ENV_USES: QuerySource = QuerySource {
    name: "typescript/env_uses.scm",
    text: include_str!("../../queries/typescript/env_uses.scm"),
    typescript_only: false,
};
pub const ENV_TYPES: QuerySource = QuerySource {
    name: "typescript/env_types.scm",
    text: include_str!("../../queries/typescript/env_types.scm"),
    typescript_only: true,
};
pub const GLOBALS: QuerySource = QuerySource {
    name: "typescript/globals.scm",
    text: include_str!("../../queries/typescript/globals.scm"),
    typescript_only: false,
};

pub const ALL: [&QuerySource; 3] = [&ENV_USES, &ENV_TYPES, &GLOBALS];

/// The capture vocabulary documented in `queries/README.md`.
pub const CAPTURE_NAMES: &[&str] = &[
    "env.object",
    "env.binding",
    "env.method",
    "stub.env",
    "stub.binding",
    "stub.getter",
    "stub.method",
    "helper.fn",
    "helper.env",
    "helper.binding",
    "type.name",
    "member.name",
    "member.type",
    "call.name",
    "cjs.object",
    "cjs.property",
    "cjs.name",
];

/// The queries of one grammar, each compiled when first asked for: a
/// query takes milliseconds to compile (`env_uses` about 50 ms for
/// TypeScript), and a file whose text lacks a query's trigger never needs it.
pub struct Compiled {
    lang: Lang,
    env_uses: OnceLock<Query>,
    env_types: OnceLock<Option<Query>>,
    globals: OnceLock<Query>,
}

impl Compiled {
    pub fn env_uses(&self) -> &Query {
        self.env_uses.get_or_init(|| compile(self.lang, &ENV_USES))
    }
    pub fn env_types(&self) -> Option<&Query> {
        self.env_types
            .get_or_init(|| {
                self.lang
                    .is_typescript()
                    .then(|| compile(self.lang, &ENV_TYPES))
            })
            .as_ref()
    }
    pub fn globals(&self) -> &Query {
        self.globals.get_or_init(|| compile(self.lang, &GLOBALS))
    }
}

fn compile(lang: Lang, q: &QuerySource) -> Query {
    Query::new(&lang.grammar(), q.text)
        .unwrap_or_else(|e| panic!("query {} does not compile for {lang:?}: {e}", q.name))
}

/// The queries of a grammar. The queries are part of the binary and covered
/// by a test, so compiling them cannot fail at run time.
pub fn get(lang: Lang) -> &'static Compiled {
    static TS: OnceLock<Compiled> = OnceLock::new();
    static TSX: OnceLock<Compiled> = OnceLock::new();
    static JS: OnceLock<Compiled> = OnceLock::new();
    let cell = match lang {
        Lang::TypeScript => &TS,
        Lang::Tsx => &TSX,
        Lang::JavaScript => &JS,
    };
    cell.get_or_init(|| Compiled {
        lang,
        env_uses: OnceLock::new(),
        env_types: OnceLock::new(),
        globals: OnceLock::new(),
    })
}

/// Compiles the TypeScript `env_uses` query on another thread, so that
/// the first files parsed do not wait for it.
pub fn warm() {
    static STARTED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    if !STARTED.swap(true, std::sync::atomic::Ordering::Relaxed) {
        rayon::spawn(|| {
            get(Lang::TypeScript).env_uses();
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_query_compiles_and_uses_known_captures() {
        for lang in [Lang::TypeScript, Lang::Tsx, Lang::JavaScript] {
            for q in ALL {
                if q.typescript_only && !lang.is_typescript() {
                    continue;
                }
                let query = Query::new(&lang.grammar(), q.text)
                    .unwrap_or_else(|e| panic!("{} for {lang:?}: {e}", q.name));
                for name in query.capture_names() {
                    assert!(
                        CAPTURE_NAMES.contains(name),
                        "{}: capture @{name} is not in queries/README.md",
                        q.name
                    );
                }
            }
        }
    }

    #[test]
    fn readme_documents_every_capture() {
        let readme = include_str!("../../queries/README.md");
        for c in CAPTURE_NAMES {
            assert!(readme.contains(&format!("`@{c}`")), "@{c} undocumented");
        }
    }
}
