//! Every rule page's examples run: the project that shows the mistake
//! fires exactly the page's rule, the fixed one is clean, and the page
//! names only rules that exist, with the severity the binary uses.
//!
//! A page's example is written as whole files, in fenced blocks whose info
//! string names the file (GitHub shows only the first word, the language):
//!
//! - ```` ```toml file=wrangler.toml ```` — a file of the project with the
//!   mistake;
//! - ```` ```toml file=wrangler.toml fixed ```` — that file in the fixed
//!   project (the mistake's files, each `fixed` block replacing or adding
//!   its file); `<!-- fixed: delete PATH -->` removes one;
//! - ```` ```toml file=wrangler.toml base ```` — the file at the revision
//!   given to `--base` (committed to a git repository first);
//! - `ex=NAME` on every block of an example, for a page with several.
//!
//! Blocks without `file=` (messages, commands, snippets) are not run.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use durable_lsp::rules::{Severity, RULES};

#[derive(Default, Debug)]
struct Example {
    mistake: BTreeMap<String, String>,
    fixed: BTreeMap<String, String>,
    deleted: Vec<String>,
    base: BTreeMap<String, String>,
}

/// The fenced blocks of a page: (info string, body).
fn blocks(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let t = line.trim_start();
        let indent = line.len() - t.len();
        let fence: String = t.chars().take_while(|c| *c == '`' || *c == '~').collect();
        if indent > 3 || fence.len() < 3 || fence.chars().any(|c| c != fence.as_bytes()[0] as char)
        {
            continue;
        }
        let info = t[fence.len()..].trim().to_string();
        let mut body = String::new();
        for l in lines.by_ref() {
            let lt = l.trim();
            if lt.starts_with(&fence) && lt.chars().all(|c| c == fence.as_bytes()[0] as char) {
                break;
            }
            body.push_str(l.get(indent..).filter(|_| l.len() >= indent).unwrap_or(l));
            body.push('\n');
        }
        out.push((info, body));
    }
    out
}

fn examples(code: &str, text: &str) -> BTreeMap<String, Example> {
    let mut exs: BTreeMap<String, Example> = BTreeMap::new();
    for (info, body) in blocks(text) {
        let mut file = None;
        let mut ex = "1".to_string();
        let mut kind = "mistake";
        for w in info.split_whitespace().skip(1) {
            match w.split_once('=') {
                Some(("file", f)) => file = Some(f.to_string()),
                Some(("ex", e)) => ex = e.to_string(),
                Some((k, _)) => panic!("{code}: unknown attribute `{k}` in `{info}`"),
                None if w == "fixed" || w == "base" => {
                    kind = if w == "fixed" { "fixed" } else { "base" }
                }
                None => panic!("{code}: unknown word `{w}` in `{info}`"),
            }
        }
        let Some(file) = file else { continue };
        let e = exs.entry(ex).or_default();
        let set = match kind {
            "fixed" => &mut e.fixed,
            "base" => &mut e.base,
            _ => &mut e.mistake,
        };
        assert!(
            set.insert(file.clone(), body).is_none(),
            "{code}: two {kind} blocks for {file}"
        );
    }
    for line in text.lines() {
        if let Some(rest) = line.trim().strip_prefix("<!-- fixed: delete ") {
            let path = rest.trim_end_matches("-->").trim().to_string();
            exs.entry("1".into()).or_default().deleted.push(path);
        }
    }
    exs
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("durable-lsp-page-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write(dir: &Path, files: &BTreeMap<String, String>) {
    for (p, body) in files {
        let p = dir.join(p);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, body).unwrap();
    }
}

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .expect("git builds the repositories of the --base examples");
    assert!(out.status.success(), "git {args:?}: {out:?}");
}

/// The findings of `--check` on a project, as (code, message).
fn check(
    dir: &Path,
    files: &BTreeMap<String, String>,
    base: &BTreeMap<String, String>,
) -> Vec<(String, String)> {
    if !base.is_empty() {
        git(dir, &["init", "-q", "-b", "main"]);
        write(dir, base);
        git(dir, &["add", "-A"]);
        git(dir, &["commit", "-q", "--allow-empty", "-m", "base"]);
        for p in base.keys() {
            if !files.contains_key(p) {
                std::fs::remove_file(dir.join(p)).unwrap();
            }
        }
    }
    write(dir, files);
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_durable-lsp"));
    cmd.args(["--check", "--format", "json", "."])
        .current_dir(dir)
        .env_remove("GITHUB_ACTIONS");
    if !base.is_empty() {
        cmd.args(["--base", "HEAD"]);
    }
    let out = cmd.output().unwrap();
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}: {out:?}",
        dir.display()
    );
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    j["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_string(),
                d["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn page(code: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("docs/rules/{code}.md")),
    )
    .unwrap_or_else(|e| panic!("{code} has no page: {e}"))
}

#[test]
fn every_pages_examples_fire_exactly_its_rule_and_the_fix_is_clean() {
    let mut failures = Vec::new();
    for r in RULES {
        let code = r.code.as_str();
        let text = page(code);
        let exs = examples(code, &text);
        if exs.is_empty() {
            failures.push(format!("{code}: the page has no runnable example"));
            continue;
        }
        for (name, ex) in &exs {
            if ex.mistake.is_empty() {
                failures.push(format!("{code} example {name}: no file shows the mistake"));
                continue;
            }
            if ex.fixed.is_empty() && ex.deleted.is_empty() {
                failures.push(format!("{code} example {name}: no fixed file"));
            }
            let dir = temp_dir(&format!("{code}-{name}-mistake"));
            let found = check(&dir, &ex.mistake, &ex.base);
            std::fs::remove_dir_all(&dir).ok();
            if found.is_empty() || found.iter().any(|(c, _)| c != code) {
                failures.push(format!(
                    "{code} example {name}: the mistake gives {found:?}, not only {code}"
                ));
            }
            let mut fixed = ex.mistake.clone();
            fixed.extend(ex.fixed.clone());
            for d in &ex.deleted {
                fixed.remove(d);
            }
            let dir = temp_dir(&format!("{code}-{name}-fixed"));
            let found = check(&dir, &fixed, &ex.base);
            std::fs::remove_dir_all(&dir).ok();
            if !found.is_empty() {
                failures.push(format!(
                    "{code} example {name}: the fixed project gives {found:?}"
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn pages_name_real_rules_with_the_binarys_severity() {
    let mut failures = Vec::new();
    let id = |w: &str| {
        // internal ids of the reference notes (R-ENT-01, W-SQL-02): a reader
        // cannot look them up
        let parts: Vec<&str> = w.split('-').collect();
        parts.len() == 3
            && parts[0].len() == 1
            && parts[0].chars().all(|c| c.is_ascii_uppercase())
            && (2..=5).contains(&parts[1].len())
            && parts[1].chars().all(|c| c.is_ascii_uppercase())
            && parts[2].len() == 2
            && parts[2].chars().all(|c| c.is_ascii_digit())
    };
    for r in RULES {
        let code = r.code.as_str();
        let text = page(code);
        let want = match r.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
            Severity::Hint => "hint",
        };
        if !text.contains(&format!("Default severity: **{want}**")) {
            failures.push(format!(
                "{code}: the page does not say its severity is {want}"
            ));
        }
        for w in text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-')) {
            if w.len() == 5
                && w.starts_with("DO")
                && w[2..].chars().all(|c| c.is_ascii_digit())
                && durable_lsp::rules::rule(w).is_none()
            {
                failures.push(format!("{code}: names {w}, which is no rule"));
            }
            if id(w) {
                failures.push(format!("{code}: cites the internal id {w}"));
            }
        }
        for phrase in ["ground truth", "§"] {
            if text.to_lowercase().contains(phrase) {
                failures.push(format!("{code}: cites `{phrase}`"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The harness itself: blocks are grouped by example and kind.
#[test]
fn the_example_convention_is_read_as_documented() {
    let text = "intro\n\n```toml file=wrangler.toml\na = 1\n```\n\n```ts\nnot run\n```\n\n```toml file=wrangler.toml fixed\na = 2\n```\n\n```toml file=wrangler.toml base\na = 0\n```\n\n```ts file=src/x.ts ex=two\nx\n```\n<!-- fixed: delete old.toml -->\n";
    let exs = examples("T", text);
    assert_eq!(exs.len(), 2);
    let one = &exs["1"];
    assert_eq!(one.mistake["wrangler.toml"], "a = 1\n");
    assert_eq!(one.fixed["wrangler.toml"], "a = 2\n");
    assert_eq!(one.base["wrangler.toml"], "a = 0\n");
    assert_eq!(one.deleted, ["old.toml"]);
    assert_eq!(exs["two"].mistake["src/x.ts"], "x\n");
}
