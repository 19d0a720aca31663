//! Every fixture project under tests/fixtures/ is checked and its findings
//! compared with its `expected.txt`: one line per diagnostic,
//! `CODE severity file:line:column`, sorted. `UPDATE_EXPECT=1` rewrites the
//! files (review the diff before committing).

use durable_lsp::project::fs::OsFs;
use durable_lsp::project::Workspace;
use durable_lsp::rules;
use durable_lsp::text::Encoding;
use std::path::{Path, PathBuf};

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

pub fn findings(root: &Path) -> Vec<String> {
    let root = root.canonicalize().unwrap();
    let fs = OsFs::new(std::slice::from_ref(&root));
    let ws = Workspace::load(&fs, std::slice::from_ref(&root));
    let report = rules::check(&ws, &fs);
    let mut lines: Vec<String> = report
        .diagnostics
        .iter()
        .map(|d| {
            let (text, idx) = match ws.file(&d.file) {
                Some(f) => (f.text.to_string(), f.lines.clone()),
                None => {
                    let w = ws.workers.iter().find(|w| w.config.path == d.file);
                    match w {
                        Some(w) => (w.text.to_string(), w.lines.clone()),
                        None => (String::new(), durable_lsp::text::LineIndex::new("")),
                    }
                }
            };
            let p = idx.position(&text, d.span.start, Encoding::Utf32);
            let rel = d
                .file
                .strip_prefix(&root)
                .unwrap_or(&d.file)
                .to_string_lossy()
                .replace('\\', "/");
            format!(
                "{} {} {}:{}:{}",
                d.code,
                d.severity.as_str(),
                rel,
                p.line + 1,
                p.column + 1
            )
        })
        .collect();
    lines.sort();
    lines
}

#[test]
fn fixtures_match_their_expectations() {
    let update = std::env::var_os("UPDATE_EXPECT").is_some();
    let mut failures = Vec::new();
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(fixtures_dir())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 20, "fixtures are missing");
    for dir in dirs {
        let got = findings(&dir);
        let expect_path = dir.join("expected.txt");
        let got_text = if got.is_empty() {
            String::new()
        } else {
            got.join("\n") + "\n"
        };
        if update {
            std::fs::write(&expect_path, &got_text).unwrap();
            continue;
        }
        let want = std::fs::read_to_string(&expect_path).unwrap_or_default();
        if want != got_text {
            failures.push(format!(
                "{}:\n--- expected\n{want}--- got\n{got_text}",
                dir.file_name().unwrap().to_string_lossy()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The correct projects yield no error and no warning.
#[test]
fn correct_projects_are_silent() {
    for name in ["ok-basic", "ok-barrels", "ok-exports-map"] {
        let got = findings(&fixtures_dir().join(name));
        let loud: Vec<_> = got
            .iter()
            .filter(|l| l.contains(" error ") || l.contains(" warning "))
            .collect();
        assert!(loud.is_empty(), "{name}: {loud:?}");
    }
}

/// Every finding in full, as a user sees it: message, related locations,
/// environments and fix, reviewed with `cargo insta review`.
fn full_report(root: &Path) -> String {
    let root = root.canonicalize().unwrap();
    let fs = OsFs::new(std::slice::from_ref(&root));
    let ws = Workspace::load(&fs, std::slice::from_ref(&root));
    let report = rules::check(&ws, &fs);
    let pos = |file: &Path, offset: usize| -> String {
        let (text, idx) = match ws.file(file) {
            Some(f) => (f.text.to_string(), f.lines.clone()),
            None => match ws.workers.iter().find(|w| w.config.path == file) {
                Some(w) => (w.text.to_string(), w.lines.clone()),
                None => (String::new(), durable_lsp::text::LineIndex::new("")),
            },
        };
        let p = idx.position(&text, offset, Encoding::Utf32);
        let rel = file
            .strip_prefix(&root)
            .unwrap_or(file)
            .to_string_lossy()
            .replace('\\', "/");
        format!("{rel}:{}:{}", p.line + 1, p.column + 1)
    };
    let mut out = String::new();
    for d in &report.diagnostics {
        out.push_str(&format!(
            "{} {} {}\n",
            d.code,
            d.severity.as_str(),
            pos(&d.file, d.span.start)
        ));
        for line in d.message.lines() {
            out.push_str(&format!("  | {line}\n"));
        }
        if !d.envs.is_empty() {
            out.push_str(&format!("  envs: {}\n", d.envs.join(", ")));
        }
        for r in &d.related {
            out.push_str(&format!(
                "  related {}: {}\n",
                pos(&r.file, r.span.start),
                r.message
            ));
        }
        if let Some(f) = &d.fix {
            out.push_str(&format!(
                "  fix ({}): {}\n",
                if f.safe { "safe" } else { "review" },
                f.title
            ));
            for e in &f.edits {
                out.push_str(&format!(
                    "    {}..{} → {:?}\n",
                    pos(&e.file, e.span.start),
                    pos(&e.file, e.span.end),
                    e.text
                ));
            }
        }
    }
    out.push_str(&format!("unknowns: {}\n", report.unknowns));
    out
}

#[test]
fn fixture_reports_in_full() {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(fixtures_dir())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    for dir in dirs {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        insta::with_settings!({snapshot_suffix => name.clone(), prepend_module_to_snapshot => false, omit_expression => true}, {
            insta::assert_snapshot!("fixture", full_report(&dir));
        });
    }
}
