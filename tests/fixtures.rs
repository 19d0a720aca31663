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
    for name in [
        "ok-basic",
        "ok-barrels",
        "ok-exports-map",
        "ok-workers-rs",
        "ok-python",
    ] {
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
        for f in &d.fixes {
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

/// The SARIF 2.1.0 schema, pinned (tests/sarif/README.md says where from).
fn sarif_validator() -> jsonschema::Validator {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sarif/sarif-schema-2.1.0.json");
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    // Draft 4 knows no `uri-reference` format (draft 6 added it), so it is
    // checked here: artifact URIs must be URI references.
    jsonschema::draft4::options()
        .should_validate_formats(true)
        .with_format("uri-reference", |s: &str| {
            fluent_uri::UriRef::parse(s).is_ok()
        })
        .build(&schema)
        .expect("the SARIF schema compiles")
}

fn schema_errors(v: &jsonschema::Validator, doc: &serde_json::Value) -> Vec<String> {
    v.iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

/// Every fixture checked as the CLI does, from the crate root: paths are
/// `tests/fixtures/<name>/…`.
fn checked_fixtures() -> Vec<(String, durable_lsp::cli::Checked)> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(fixtures_dir())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs.into_iter()
        .map(|dir| {
            let name = dir.file_name().unwrap().to_string_lossy().into_owned();
            let rel = PathBuf::from("tests/fixtures").join(&name);
            (name, durable_lsp::cli::analyse(&[rel]).unwrap())
        })
        .collect()
}

#[test]
fn the_pinned_schema_is_the_official_one() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sarif/sarif-schema-2.1.0.json");
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(bytes.len(), 112_768, "tests/sarif/README.md gives its size");
    let schema: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(
        schema["id"],
        "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
    );
    // The validator rejects what the schema forbids: a level SARIF lacks,
    // a result without a message, a URI that is not a URI reference.
    let v = sarif_validator();
    let (_, c) = checked_fixtures()
        .into_iter()
        .find(|(n, _)| n == "do101-class-not-exported")
        .unwrap();
    let good = durable_lsp::cli::sarif::to_value(&c);
    assert_eq!(schema_errors(&v, &good), Vec::<String>::new());
    let mut bad = good.clone();
    bad["runs"][0]["results"][0]["level"] = "info".into();
    assert!(!schema_errors(&v, &bad).is_empty());
    let mut bad = good.clone();
    bad["runs"][0]["results"][0]
        .as_object_mut()
        .unwrap()
        .remove("message");
    assert!(!schema_errors(&v, &bad).is_empty());
    let mut bad = good.clone();
    bad["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] =
        "my dir/wrangler.toml".into();
    assert!(!schema_errors(&v, &bad).is_empty());
    let mut bad = good.clone();
    bad["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] =
        0.into();
    assert!(!schema_errors(&v, &bad).is_empty());
    let mut bad = good.clone();
    bad["runs"][0]["tool"]["driver"]["rules"][0]["helpUri"] = "durable-lsp rules".into();
    assert!(!schema_errors(&v, &bad).is_empty());
    let mut bad = good;
    bad["runs"][0]["results"][0]["severity"] = "error".into();
    assert!(!schema_errors(&v, &bad).is_empty());
}

/// The SARIF report of every fixture passes the official schema, and its
/// results (the part that differs between fixtures) are snapshots.
#[test]
fn fixture_sarif_reports() {
    let v = sarif_validator();
    let mut failures = Vec::new();
    for (name, c) in checked_fixtures() {
        let doc = durable_lsp::cli::sarif::to_value(&c);
        let errs = schema_errors(&v, &doc);
        if !errs.is_empty() {
            failures.push(format!("{name}: {}", errs.join("; ")));
        }
        let run = &doc["runs"][0];
        assert_eq!(
            run["results"].as_array().unwrap().len(),
            c.report.diagnostics.len(),
            "{name}"
        );
        for r in run["results"].as_array().unwrap() {
            let i = r["ruleIndex"].as_u64().unwrap() as usize;
            assert_eq!(
                run["tool"]["driver"]["rules"][i]["id"], r["ruleId"],
                "{name}"
            );
        }
        let results = serde_json::to_string_pretty(&run["results"]).unwrap();
        insta::with_settings!({snapshot_suffix => name.clone(), prepend_module_to_snapshot => false, omit_expression => true}, {
            insta::assert_snapshot!("sarif", results);
        });
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The GitHub Actions report of every fixture; a span over several lines
/// has no columns, and nothing a finding says can start a second command.
#[test]
fn fixture_github_reports() {
    use durable_lsp::cli::github;
    let mut multi_line = 0;
    for (name, c) in checked_fixtures() {
        for d in &c.report.diagnostics {
            let a = github::annotation(&c, d);
            let cmd = github::command(&a);
            assert!(!cmd.contains('\n') && !cmd.contains('\r'), "{name}: {cmd}");
            if a.line != a.end_line {
                multi_line += 1;
                assert!(
                    !cmd.contains(",col=") && !cmd.contains(",endColumn="),
                    "{name}: {cmd}"
                );
            } else {
                assert!(
                    cmd.contains(",col=") && cmd.contains(",endColumn="),
                    "{name}: {cmd}"
                );
            }
        }
        let mut out = Vec::new();
        github::write(&mut out, &c).unwrap();
        let text = String::from_utf8(out).unwrap();
        insta::with_settings!({snapshot_suffix => name.clone(), prepend_module_to_snapshot => false, omit_expression => true}, {
            insta::assert_snapshot!("github", text);
        });
    }
    assert!(multi_line > 0, "no fixture has a span over several lines");
}

/// Paths a URI cannot hold as they are (a space, `é`, `#`), outside the
/// current directory: absolute `file:` URIs, percent-encoded, still valid.
#[test]
fn sarif_uris_for_awkward_paths_pass_the_schema() {
    let root = std::env::temp_dir().join(format!("durable-lsp-sarif-uri-{}", std::process::id()));
    let dir = root.join("my app é#1");
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(dir.join("src")).unwrap();
    for f in ["wrangler.toml", "src/index.ts"] {
        std::fs::copy(
            fixtures_dir().join("do101-class-not-exported").join(f),
            dir.join(f),
        )
        .unwrap();
    }
    let c = durable_lsp::cli::analyse(std::slice::from_ref(&dir)).unwrap();
    let doc = durable_lsp::cli::sarif::to_value(&c);
    assert_eq!(
        schema_errors(&sarif_validator(), &doc),
        Vec::<String>::new()
    );
    let loc = &doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"];
    let uri = loc["uri"].as_str().unwrap();
    assert!(
        uri.starts_with("file:///") && uri.ends_with("/my%20app%20%C3%A9%231/wrangler.toml"),
        "{uri}"
    );
    assert!(loc.get("uriBaseId").is_none(), "{loc}");
    std::fs::remove_dir_all(&root).ok();
}
