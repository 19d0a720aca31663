//! Incremental = from scratch: after any sequence of opens, edits, closes
//! and file creations, changes, deletions and renames on disk (files inside
//! module graphs and outside them), the analysis the server commits equals
//! `--check` of the final files.

use super::scheduler::{analyse_cancelled, analyse_now};
use super::session::{lock, Doc, State};
use crate::project::fs::OsFs;
use crate::project::Workspace;
use proptest::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Fixtures copied into each case's workspace, one folder each.
const FIXTURES: &[&str] = &[
    "do111-unused-binding",
    "do101-class-not-exported",
    "suppressions",
    "ok-barrels",
    "do110-unknown-binding",
];

/// Paths (relative to the case root) the operations touch: sources and
/// configs of the fixtures, and files outside every module graph.
fn paths() -> Vec<&'static str> {
    vec![
        "do111-unused-binding/src/index.ts",
        "do111-unused-binding/wrangler.toml",
        "do111-unused-binding/test/forgotten.test.ts",
        "do111-unused-binding/src/extra.ts",
        "do101-class-not-exported/src/index.ts",
        "do101-class-not-exported/wrangler.toml",
        "do101-class-not-exported/src/objects.ts",
        "suppressions/src/index.ts",
        "suppressions/src/legacy.js",
        "suppressions/wrangler.toml",
        "ok-barrels/src/index.ts",
        "do110-unknown-binding/src/index.ts",
        "notes/scratch.ts",
    ]
}

/// Texts an operation writes (`{orig}` is the file's original text).
const TEXTS: &[&str] = &[
    "{orig}",
    "",
    "{orig}\nexport class Counter extends DurableObject {}\n",
    "import { env } from \"cloudflare:workers\";\nenv.FORGOTTEN.getByName(\"x\");\nenv.MISSING.idFromName(\"y\");\n",
    "export { Counter } from \"./index\";\nexport * from \"./extra\";\n",
    "import { DurableObject } from \"cloudflare:workers\";\nexport class Counter extends DurableObject {}\nexport class ChatRoom extends DurableObject {}\nexport default { fetch() { return new Response(); } };\n",
    "export class {{{ broken",
    "{orig}\n// durable-lsp-ignore DO111: kept\n",
    "name = \"x\"\nmain = \"src/index.ts\"\n[[durable_objects.bindings]]\nname = \"FORGOTTEN\"\nclass_name = \"Counter\"\n",
];

#[derive(Clone, Debug)]
enum Op {
    Open(usize, usize),
    Edit(usize, usize),
    Close(usize),
    Write(usize, usize),
    Delete(usize),
    Rename(usize, usize),
    Analyse,
    /// An analysis cancelled part way (after about this many steps).
    Cancelled(usize),
    /// Editor settings pushed with didChangeConfiguration.
    Settings(usize),
}

/// Editor settings the operations choose from.
const SETTINGS: &[&str] = &[
    "{}",
    r#"{"rules": {"DO111": "off"}}"#,
    r#"{"rules": {"DO101": "warning", "DO110": "hint"}}"#,
    r#"{"ignore": ["suppressions/**"]}"#,
];

fn op() -> impl Strategy<Value = Op> {
    let n = paths().len();
    let t = TEXTS.len();
    prop_oneof![
        (0..n, 0..t).prop_map(|(p, x)| Op::Open(p, x)),
        (0..n, 0..t).prop_map(|(p, x)| Op::Edit(p, x)),
        (0..n).prop_map(Op::Close),
        (0..n, 0..t).prop_map(|(p, x)| Op::Write(p, x)),
        (0..n).prop_map(Op::Delete),
        (0..n, 0..n).prop_map(|(a, b)| Op::Rename(a, b)),
        Just(Op::Analyse),
        (0..200usize).prop_map(Op::Cancelled),
        (0..SETTINGS.len()).prop_map(Op::Settings),
    ]
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            copy_dir(&p, &to.join(e.file_name()));
        } else {
            std::fs::copy(&p, to.join(e.file_name())).unwrap();
        }
    }
}

struct Case {
    root: PathBuf,
    state: Mutex<State>,
}

impl Case {
    fn new(n: u64) -> Case {
        let root =
            std::env::temp_dir().join(format!("durable-lsp-prop-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
        for f in FIXTURES {
            copy_dir(&fixtures.join(f), &root.join(f));
        }
        let root = root.canonicalize().unwrap();
        let state = State {
            roots: vec![root.clone()],
            ..Default::default()
        };
        let case = Case {
            root,
            state: Mutex::new(state),
        };
        lock(&case.state).note_change(None);
        analyse_now(&case.state);
        case
    }

    fn text(&self, path: &Path, t: usize) -> String {
        let orig = std::fs::read_to_string(path).unwrap_or_default();
        TEXTS[t].replace("{orig}", &orig)
    }

    fn apply(&self, op: &Op) {
        let all = paths();
        let p = |i: usize| self.root.join(all[i]);
        match *op {
            Op::Open(i, t) | Op::Edit(i, t) => {
                let path = p(i);
                let text = self.text(&path, t);
                let mut st = lock(&self.state);
                let version = st.docs.get(&path).map(|d| d.version + 1).unwrap_or(1);
                st.docs.insert(path.clone(), Doc::new(&path, text, version));
                st.note_change(Some(path));
            }
            Op::Close(i) => {
                let path = p(i);
                let mut st = lock(&self.state);
                if st.docs.remove(&path).is_some() {
                    st.note_change(Some(path));
                }
            }
            Op::Write(i, t) => {
                let path = p(i);
                let existed = path.is_file();
                let text = self.text(&path, t);
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(&path, text).unwrap();
                // what didChangeWatchedFiles does with the event
                let mut st = lock(&self.state);
                if !existed {
                    st.note_change(None);
                } else if !st.docs.contains_key(&path) {
                    st.note_change(Some(path));
                }
            }
            Op::Delete(i) => {
                let path = p(i);
                if std::fs::remove_file(&path).is_ok() {
                    lock(&self.state).note_change(None);
                }
            }
            Op::Rename(a, b) => {
                let (from, to) = (p(a), p(b));
                if from != to && from.is_file() {
                    std::fs::create_dir_all(to.parent().unwrap()).unwrap();
                    std::fs::rename(&from, &to).unwrap();
                    let mut st = lock(&self.state);
                    st.note_change(None);
                    st.note_change(None);
                }
            }
            Op::Analyse => {
                analyse_now(&self.state);
            }
            Op::Cancelled(reads) => {
                analyse_cancelled(&self.state, reads);
            }
            Op::Settings(k) => {
                let v: serde_json::Value = serde_json::from_str(SETTINGS[k]).unwrap();
                let mut st = lock(&self.state);
                st.set_overrides(crate::settings::Settings::from_json(&v));
                st.note_change(None);
            }
        }
    }

    /// The final files: open documents are saved (the server already has
    /// their text, so it is told nothing).
    fn finish(&self) -> (Vec<crate::rules::Diagnostic>, Vec<crate::rules::Diagnostic>) {
        let docs: Vec<(PathBuf, String)> = lock(&self.state)
            .docs
            .iter()
            .map(|(p, d)| (p.clone(), d.text.to_string()))
            .collect();
        for (p, t) in docs {
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, t).unwrap();
        }
        analyse_now(&self.state);
        let server = lock(&self.state)
            .last
            .as_ref()
            .map(|a| a.diagnostics.clone())
            .unwrap_or_default();
        let fs = OsFs::new(std::slice::from_ref(&self.root));
        let ws = Workspace::load(&fs, std::slice::from_ref(&self.root));
        let overrides = lock(&self.state).overrides.clone();
        let check = crate::rules::check_with(&ws, &fs, &overrides).diagnostics;
        (server, check)
    }
}

impl Drop for Case {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]
    #[test]
    fn incremental_analysis_equals_check(ops in proptest::collection::vec(op(), 1..14)) {
        static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let case = Case::new(N.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
        for op in &ops {
            case.apply(op);
        }
        let (server, check) = case.finish();
        let show = |d: &[crate::rules::Diagnostic]| {
            d.iter()
                .map(|x| format!("{} {}:{} {}", x.code, x.file.display(), x.span.start, x.message.lines().next().unwrap_or("")))
                .collect::<Vec<_>>()
                .join("\n")
        };
        let only = |a: &[crate::rules::Diagnostic], b: &[crate::rules::Diagnostic]| {
            let b = show(b);
            show(a).lines().filter(|l| !b.contains(l)).collect::<Vec<_>>().join("\n")
        };
        prop_assert!(
            server == check,
            "only in the server:\n{}\nonly in --check:\n{}",
            only(&server, &check),
            only(&check, &server)
        );
    }
}

/// The regression of the foundation issue, as a fixed sequence: a test
/// file that uses the "unused" binding is opened, then closed.
#[test]
fn do111_follows_a_test_file_outside_the_graph() {
    let case = Case::new(u64::MAX);
    let has_do111 = |case: &Case| {
        lock(&case.state)
            .last
            .as_ref()
            .unwrap()
            .diagnostics
            .iter()
            .any(|d| {
                d.code == crate::rules::Code::DO111
                    && d.file.ends_with("do111-unused-binding/wrangler.toml")
            })
    };
    assert!(has_do111(&case));
    case.apply(&Op::Open(2, 3));
    case.apply(&Op::Analyse);
    assert!(!has_do111(&case), "the open test file uses FORGOTTEN");
    case.apply(&Op::Close(2));
    case.apply(&Op::Analyse);
    assert!(has_do111(&case), "closed and not on disk: unused again");
}
