//! Truncated, mistyped and binary inputs never panic: every parser and the
//! whole engine are fed such inputs, built from the fixtures.

#[path = "support/hostile.rs"]
mod hostile;

use durable_lsp::config::Config;
use durable_lsp::project::fs::MemFs;
use durable_lsp::project::Workspace;
use durable_lsp::rules;
use durable_lsp::syntax::{self, Lang};
use std::path::{Path, PathBuf};

fn fixture_files() -> Vec<(PathBuf, Vec<u8>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut out = Vec::new();
    let mut stack = vec![root];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push((p.clone(), std::fs::read(&p).unwrap()));
            }
        }
    }
    out.sort();
    out
}

/// Prefixes of a text at about 40 cut points, plus byte-level damage.
fn variants(bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut v = Vec::new();
    let step = (bytes.len() / 40).max(1);
    let mut i = 0;
    while i <= bytes.len() {
        v.push(bytes[..i].to_vec());
        i += step;
    }
    let mut flipped = bytes.to_vec();
    for (k, b) in flipped.iter_mut().enumerate() {
        if k % 7 == 3 {
            *b = match *b {
                b'"' => b'\'',
                b'[' => b'{',
                b'{' => b'(',
                b'=' => b':',
                other => other.wrapping_add(1),
            };
        }
    }
    v.push(flipped);
    let mut binary = bytes.to_vec();
    binary.insert(bytes.len() / 2, 0);
    binary.extend_from_slice(&[0xff, 0xfe, 0xc3]);
    v.push(binary);
    v
}

#[test]
fn config_parsers_never_panic() {
    let mut n = 0;
    for (path, bytes) in fixture_files() {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if !(name.ends_with(".toml") || name.ends_with(".json") || name.ends_with(".jsonc")) {
            continue;
        }
        for v in variants(&bytes) {
            let text = String::from_utf8_lossy(&v);
            for ext in ["toml", "json", "jsonc"] {
                let c = Config::parse(PathBuf::from(format!("wrangler.{ext}")), &text);
                for variant in c.variants() {
                    let _ = durable_lsp::config::Lifecycle::of(&variant);
                }
                n += 1;
            }
        }
    }
    assert!(n > 500, "only {n} inputs");
}

#[test]
fn source_parser_never_panics() {
    let mut n = 0;
    for (path, bytes) in fixture_files() {
        if Lang::from_path(&path).is_none() {
            continue;
        }
        for v in variants(&bytes) {
            let text = String::from_utf8_lossy(&v);
            for lang in [Lang::TypeScript, Lang::Tsx, Lang::JavaScript] {
                let tree =
                    syntax::parse(lang, &text, None).expect("tree-sitter always returns a tree");
                let _ = syntax::typescript::facts(lang, &text, &tree);
                n += 1;
            }
        }
    }
    assert!(n > 500, "only {n} inputs");
}

#[test]
fn the_engine_never_panics_on_damaged_projects() {
    let root = Path::new("/p");
    for name in [
        "ok-barrels",
        "do101-class-not-exported",
        "do119-cross-worker",
        "do116-invalid-config",
    ] {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name);
        let files: Vec<_> = fixture_files()
            .into_iter()
            .filter(|(p, _)| p.starts_with(&dir))
            .collect();
        for (victim, bytes) in &files {
            for v in variants(bytes) {
                let mut fs = MemFs::new();
                for (p, b) in &files {
                    let rel = p.strip_prefix(&dir).unwrap();
                    fs.insert(root.join(rel), if p == victim { &v } else { b });
                }
                let ws = Workspace::load(&fs, &[root.to_path_buf()]);
                let _ = rules::check(&ws, &fs);
            }
        }
    }
}

#[test]
fn binary_and_huge_files_are_skipped_with_a_reason() {
    let mut fs = MemFs::new();
    fs.insert("/p/wrangler.toml", "name = \"w\"\nmain = \"src/index.ts\"\n[[durable_objects.bindings]]\nname = \"A\"\nclass_name = \"A\"\n[[migrations]]\ntag = \"v1\"\nnew_sqlite_classes = [\"A\"]\n");
    fs.insert(
        "/p/src/index.ts",
        "import './big';\nexport default {};\0\x01",
    );
    let ws = Workspace::load(&fs, &[PathBuf::from("/p")]);
    let report = rules::check(&ws, &fs);
    let skip = report.diagnostics.iter().find(|d| {
        d.code == durable_lsp::rules::Code::DO100 && d.file == Path::new("/p/src/index.ts")
    });
    assert!(
        skip.is_some_and(|d| d.message.contains("not a text file")),
        "{:?}",
        report.diagnostics
    );

    let mut fs = MemFs::new();
    fs.insert(
        "/q/wrangler.toml",
        "name = \"w\"\nmain = \"src/index.ts\"\n",
    );
    fs.insert(
        "/q/src/index.ts",
        "x".repeat(syntax::DEFAULT_MAX_SOURCE_BYTES + 1),
    );
    let ws = Workspace::load(&fs, &[PathBuf::from("/q")]);
    assert!(ws.skipped.iter().any(|s| s.reason.contains("too large")));
}

/// Unclosed nesting (a half-typed file): the facts are read in one walk of
/// the tree, linear in its nodes (a query cursor's work grew with the square
/// of the depth, and the file was cut at the budget): the file is analysed
/// whole, with no error.
#[test]
fn unclosed_nesting_is_read_whole_in_linear_time() {
    let root = PathBuf::from("/h");
    let mut fs = MemFs::new();
    fs.insert(root.join("wrangler.toml"), hostile::CONFIG);
    fs.insert(root.join("src/index.ts"), hostile::nesting(400_000));
    let started = std::time::Instant::now();
    let ws = Workspace::load(&fs, std::slice::from_ref(&root));
    let report = rules::check(&ws, &fs);
    // a guard against the quadratic case (minutes), not a benchmark
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
    assert!(
        report
            .diagnostics
            .iter()
            .all(|d| d.code != rules::Code::DO100 && d.severity != rules::Severity::Error),
        "{:?}",
        report.diagnostics
    );
    let file = ws
        .file(&root.join("src/index.ts"))
        .expect("the file is loaded");
    assert!(file.facts.cut.is_none());
}

/// Forty or eighty folder symlinks to their own folder make 40^k paths to one file:
/// every file is known by its canonical name before it is loaded, so each
/// is read once (before: 65,643 loads of one file, minutes).
#[cfg(unix)]
#[test]
fn symlink_aliases_load_each_file_once() {
    for links in [40, 80] {
        aliases(links);
    }
}

#[cfg(unix)]
fn aliases(links: usize) {
    use durable_lsp::project::fs::OsFs;
    let root = hostile::project(&format!("aliases-{links}"));
    hostile::self_links(&root, links);
    // a root given through a symlink keeps its spelling
    let alias = std::env::temp_dir().join(format!(
        "durable-lsp-aliases-{links}-{}-link",
        std::process::id()
    ));
    let _ = std::fs::remove_file(&alias);
    std::os::unix::fs::symlink(&root, &alias).unwrap();

    let started = std::time::Instant::now();
    let fs = OsFs::new(std::slice::from_ref(&alias));
    let ws = Workspace::load(&fs, std::slice::from_ref(&alias));
    // a guard against the explosion (minutes), not a benchmark
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    let mut files: Vec<_> = ws.files.keys().cloned().collect();
    files.sort();
    assert_eq!(
        files,
        vec![alias.join("src/a.ts"), alias.join("src/index.ts")],
        "each file once, under the root as given"
    );
    let report = rules::check(&ws, &fs);
    assert!(report.diagnostics.is_empty(), "{:?}", report.diagnostics);
    std::fs::remove_file(&alias).unwrap();
    std::fs::remove_dir_all(&root).unwrap();
}

/// The file system sees the root itself and what is inside it, and nothing
/// through a folder that links out of it (to /etc): `is_file` of
/// `<root>/etc/passwd` is false without a probe of `/etc` (the strace
/// script checks the probes).
#[cfg(unix)]
#[test]
fn a_folder_linked_out_of_the_root_shows_nothing() {
    use durable_lsp::project::fs::{FileSystem, OsFs};
    let root = std::env::temp_dir().join(format!("durable-lsp-linked-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(root.join("src")).unwrap();
    std::fs::write(root.join("package.json"), "{}").unwrap();
    std::os::unix::fs::symlink("/etc", root.join("src/etc")).unwrap();
    std::os::unix::fs::symlink("..", root.join("src/up")).unwrap();
    let root = root.canonicalize().unwrap();
    let fs = OsFs::new(std::slice::from_ref(&root));
    assert!(fs.is_dir(&root), "the root itself");
    assert!(fs.is_file(&root.join("package.json")));
    assert!(
        fs.is_file(&root.join("src/up/package.json")),
        "a link that stays inside"
    );
    assert!(!fs.is_file(&root.join("src/etc/passwd")));
    assert!(!fs.is_dir(&root.join("src/etc")));
    std::fs::remove_dir_all(&root).ok();
}

/// Completion, hover and navigation in a half-typed file of 400,000
/// unclosed `(` (a tree as deep as tree-sitter builds it): they answer, in
/// time linear in the text.
#[test]
fn editor_features_on_unclosed_nesting_answer() {
    let root = PathBuf::from("/h");
    let mut fs = MemFs::new();
    fs.insert(root.join("wrangler.toml"), hostile::CONFIG);
    let text = hostile::nesting(400_000) + "env.A.";
    fs.insert(root.join("src/index.ts"), text.as_str());
    let ws = Workspace::load(&fs, std::slice::from_ref(&root));
    let path = root.join("src/index.ts");
    let tree = syntax::parse(Lang::TypeScript, &text, None).expect("a tree");
    let started = std::time::Instant::now();
    let scope = durable_lsp::ide::complete::Scope {
        ws: &ws,
        fs: &fs,
        models: Vec::new(),
    };
    for at in [text.len(), text.len() - 1, text.len() / 2, 120] {
        let _ = durable_lsp::ide::complete_source(
            Some(&scope),
            &path,
            Lang::TypeScript,
            &text,
            &tree,
            at,
        );
        let live = durable_lsp::ide::navigate::Live {
            path: &path,
            text: &text,
            tree: &tree,
        };
        let _ = durable_lsp::ide::navigate::definition(&ws, &fs, &path, at, Some(&live));
    }
    let _ = durable_lsp::ide::hover::source_hover(Lang::TypeScript, &text, text.len() - 2);
    // The same text as a Rust module.
    let rs = root.join("src/lib.rs");
    let tree = syntax::parse(Lang::Rust, &text, None).expect("a tree");
    for at in [text.len(), text.len() - 1, text.len() / 2] {
        let _ = durable_lsp::ide::complete_source(Some(&scope), &rs, Lang::Rust, &text, &tree, at);
    }
    let _ = durable_lsp::ide::hover::source_hover(Lang::Rust, &text, text.len() - 2);
    // a guard against the quadratic case (minutes), not a benchmark
    assert!(
        started.elapsed() < std::time::Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
}
