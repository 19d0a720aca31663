//! The `--check` contract: exit codes, the JSON, SARIF and GitHub formats,
//! `--output`, `--explain`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_durable-lsp")
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(bin())
        .args(args)
        .current_dir(dir)
        .env_remove("GITHUB_ACTIONS")
        .output()
        .unwrap()
}

fn run_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(bin());
    c.args(args).current_dir(dir).env_remove("GITHUB_ACTIONS");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().unwrap()
}

/// A fresh, empty folder under the system's temp dir.
fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("durable-lsp-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)))
}

#[test]
fn clean_project_exits_0_with_an_empty_report() {
    let out = run(&fixture("ok-basic"), &["--check", "--format", "json"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let j = json(&out);
    assert_eq!(j["version"], 1);
    assert_eq!(j["diagnostics"].as_array().unwrap().len(), 0);
    assert_eq!(j["summary"]["workers"], 1);
    assert_eq!(j["summary"]["files"], 2);
    assert_eq!(j["summary"]["errors"], 0);
}

#[test]
fn errors_exit_1_and_follow_the_json_contract() {
    let out = run(
        &fixture("do101-class-not-exported"),
        &["--check", ".", "--format", "json"],
    );
    assert_eq!(out.status.code(), Some(1));
    let j = json(&out);
    let d = &j["diagnostics"][0];
    let keys: Vec<&str> = d.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "code",
            "name",
            "severity",
            "file",
            "line",
            "column",
            "end_line",
            "end_column",
            "message",
            "url",
            "related"
        ]
    );
    assert_eq!(d["code"], "DO101");
    assert_eq!(d["name"], "class-not-exported");
    assert_eq!(d["severity"], "error");
    assert_eq!(d["file"], "wrangler.toml");
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(7), Some(14))
    );
    assert_eq!(
        (d["end_line"].as_u64(), d["end_column"].as_u64()),
        (Some(7), Some(23))
    );
    assert_eq!(
        d["url"],
        "https://github.com/durable-lsp/durable-lsp/blob/v0.1.0/docs/rules/DO101.md"
    );
    let r = &d["related"][0];
    assert_eq!(r["file"], "src/index.ts");
    assert_eq!(
        (r["line"].as_u64(), r["column"].as_u64()),
        (Some(4), Some(7))
    );
    assert_eq!(j["summary"]["errors"], 2);
}

#[test]
fn warnings_fail_only_with_deny_warnings() {
    let dir = fixture("do113-env-missing-durable-objects");
    assert_eq!(run(&dir, &["--check"]).status.code(), Some(0));
    assert_eq!(
        run(&dir, &["--check", "--deny-warnings"]).status.code(),
        Some(1)
    );
}

#[test]
fn io_failure_exits_2() {
    let out = run(&fixture("ok-basic"), &["--check", "does-not-exist"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("does-not-exist"));
    let out = run(&fixture("ok-basic"), &["--check", "--format", "yaml"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn paths_are_relative_to_the_current_directory() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = run(
        root,
        &[
            "--check",
            "tests/fixtures/do106-migration-replay",
            "--format",
            "json",
        ],
    );
    let j = json(&out);
    assert_eq!(
        j["diagnostics"][0]["file"],
        "tests/fixtures/do106-migration-replay/wrangler.toml"
    );
}

#[test]
fn columns_count_unicode_characters() {
    let dir = std::env::temp_dir().join(format!("durable-lsp-cols-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(
        dir.join("wrangler.toml"),
        "name = \"w\"\nmain = \"src/index.ts\"\ndurable_objects.bindings = [{ name = \"É😀中\", class_name = \"Missing\" }]\n[[migrations]]\ntag = \"v1\"\nnew_sqlite_classes = [\"Missing\"]\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("src/index.ts"),
        "export default { fetch() { return new Response(''); } };\n",
    )
    .unwrap();
    let out = run(&dir, &["--check", "--format", "json"]);
    let j = json(&out);
    let d = j["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "DO101")
        .unwrap()
        .clone();
    // `durable_objects.bindings = [{ name = "É😀中", class_name = ` is 57 characters.
    assert_eq!(d["line"], 3);
    assert_eq!(d["column"], 58);
    assert_eq!(d["end_column"], 67);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn human_output_has_snippets_and_no_colour_off_a_terminal() {
    let out = run(&fixture("do101-class-not-exported"), &["--check"]);
    let s = String::from_utf8_lossy(&out.stdout);
    assert!(!s.contains('\x1b'), "colour codes off a TTY");
    assert!(s.contains("error[DO101]"), "{s}");
    assert!(s.contains("--> wrangler.toml:7:14"), "{s}");
    assert!(s.contains("class_name = \"Counter\""), "{s}");
    assert!(s.contains("^^^^^^^^^"), "{s}");
    assert!(s.contains("Checked 1 Worker"), "{s}");
}

#[test]
fn explain_prints_the_rule_page() {
    let out = run(Path::new("."), &["--explain", "DO101"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("# DO101: class-not-exported"));
    let out = run(Path::new("."), &["--explain", "DO999"]);
    assert_eq!(out.status.code(), Some(2));
}

/// The whole output, as a user sees it: arguments, exit code, stdout, stderr.
mod snapshots {
    use insta_cmd::{assert_cmd_snapshot, get_cargo_bin};
    use std::path::Path;
    use std::process::Command;

    fn cmd(args: &[&str]) -> Command {
        let mut c = Command::new(get_cargo_bin("durable-lsp"));
        c.args(args)
            .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")))
            .env("NO_COLOR", "1")
            .env_remove("GITHUB_ACTIONS");
        c
    }

    #[test]
    fn human_output_of_the_example() {
        assert_cmd_snapshot!(cmd(&["--check", "examples/chat"]));
    }

    #[test]
    fn json_output_of_the_example() {
        assert_cmd_snapshot!(cmd(&["--check", "examples/chat", "--format", "json"]));
    }

    #[test]
    fn human_output_with_environments_and_suppressions() {
        assert_cmd_snapshot!(cmd(&[
            "--check",
            "tests/fixtures/do113-env-missing-durable-objects",
            "tests/fixtures/suppressions"
        ]));
    }

    #[test]
    fn sarif_output_of_the_example() {
        // The run's own directory and the rule pages (checked in
        // `sarif_rules_carry_their_pages`) are left out.
        insta::with_settings!({filters => vec![
            (r#""uri": "file:///[^"]*""#, r#""uri": "file:///[cwd]/""#),
            (r#""markdown": "(?:[^"\\]|\\.)*""#, r#""markdown": "[the rule's page]""#),
        ]}, {
            assert_cmd_snapshot!(cmd(&["--check", "examples/chat", "--format", "sarif"]));
        });
    }

    #[test]
    fn github_output_of_the_example() {
        assert_cmd_snapshot!(cmd(&["--check", "examples/chat", "--format", "github"]));
    }

    #[test]
    fn two_formats_on_stdout() {
        assert_cmd_snapshot!(cmd(&[
            "--check",
            "examples/chat",
            "--format",
            "json",
            "--format",
            "sarif"
        ]));
    }

    /// A path with no config under it is a failure (a wrong `paths` in CI
    /// must not pass), unless the caller says none is fine.
    #[test]
    fn no_config_exits_2_unless_empty_is_fine() {
        let dir = super::temp_dir("empty");
        std::fs::write(dir.join("README.md"), "nothing to check\n").unwrap();
        let mut c = cmd(&["--check", "."]);
        c.current_dir(&dir);
        assert_cmd_snapshot!("no_config", c);
        let mut c = cmd(&["--check", "--format", "json", "missing-dir"]);
        c.current_dir(&dir);
        std::fs::create_dir_all(dir.join("missing-dir")).unwrap();
        assert_cmd_snapshot!("no_config_json", c);
        let mut c = cmd(&["--check", "--no-error-on-empty", "."]);
        c.current_dir(&dir);
        assert_cmd_snapshot!("no_config_allowed", c);
        std::fs::remove_dir_all(&dir).ok();
    }

    /// A folder configured only by a typed `cloudflare.config.ts` is not
    /// empty: it is said to be unread, and the run passes.
    #[test]
    fn a_typed_config_alone_is_an_info_and_exit_0() {
        let dir = super::temp_dir("typed");
        std::fs::write(
            dir.join("cloudflare.config.ts"),
            "export default { name: \"app\" };\n",
        )
        .unwrap();
        let mut c = cmd(&["--check", "."]);
        c.current_dir(&dir);
        assert_cmd_snapshot!("typed_config", c);
        std::fs::remove_dir_all(&dir).ok();
    }

    /// A `wrangler.toml` that is not text is a broken config (DO116, exit
    /// 1), not a skipped file and an empty run.
    #[test]
    fn a_binary_config_is_do116() {
        let dir = super::temp_dir("binary");
        let bytes: Vec<u8> = (0..=255u8).cycle().take(600).collect();
        std::fs::write(dir.join("wrangler.toml"), bytes).unwrap();
        let mut c = cmd(&["--check", "."]);
        c.current_dir(&dir);
        assert_cmd_snapshot!("binary_config", c);
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn help() {
        assert_cmd_snapshot!(cmd(&["--help"]));
    }

    /// 24 errors, 12 hints: 10 errors and 9 notices are annotations, one
    /// notice counts the rest, and the human report follows in a group.
    #[test]
    fn github_caps_annotations_per_type() {
        let dir = super::temp_dir("many");
        super::many_findings(&dir);
        let mut c = cmd(&["--check", "--format", "github"]);
        c.current_dir(&dir);
        assert_cmd_snapshot!(c);
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn unknown_code_for_explain() {
        assert_cmd_snapshot!(cmd(&["--check", "--explain", "DO999"]));
    }
}

/// A config named as a file is checked with the files beside it.
#[test]
fn a_config_given_as_a_file() {
    let out = run(
        &fixture("ok-basic"),
        &["--check", "wrangler.toml", "--format", "json"],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let j = json(&out);
    assert_eq!(j["summary"]["workers"], 1);
    let out = run(
        &fixture("do101-class-not-exported"),
        &["--check", "wrangler.toml", "--format", "json"],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(json(&out)["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .any(|d| d["code"] == "DO101"));
}

/// `--max-source-mb`: a source above the limit is skipped with a DO100
/// that says so (its export then is unknown, so no DO101); raised past the
/// file's size, the file is read and DO101 fires. Out of range: exit 2.
#[test]
fn max_source_mb_sets_the_size_limit() {
    let dir = temp_dir("max-source");
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(
        dir.join("wrangler.toml"),
        "name = \"w\"\nmain = \"src/index.ts\"\n[[durable_objects.bindings]]\nname = \"A\"\nclass_name = \"A\"\n[[migrations]]\ntag = \"v1\"\nnew_sqlite_classes = [\"A\"]\n",
    )
    .unwrap();
    // a little over 1 MB, A not exported
    let pad = "// padding\n".repeat(100_000);
    std::fs::write(
        dir.join("src/index.ts"),
        format!("{pad}class A {{}}\nexport default {{ fetch() {{ return new Response(); }} }};\n"),
    )
    .unwrap();
    let codes = |out: &Output| -> Vec<String> {
        json(out)["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                format!(
                    "{} {}",
                    d["code"].as_str().unwrap(),
                    d["message"].as_str().unwrap()
                )
            })
            .collect()
    };
    let small = run(
        &dir,
        &["--check", "--format", "json", "--max-source-mb", "1"],
    );
    let c = codes(&small);
    assert!(
        c.iter()
            .any(|d| d.starts_with("DO100") && d.contains("too large")),
        "{c:?}"
    );
    assert!(!c.iter().any(|d| d.starts_with("DO101")), "{c:?}");
    let big = run(
        &dir,
        &["--check", "--format", "json", "--max-source-mb", "2"],
    );
    assert_eq!(big.status.code(), Some(1));
    assert!(
        codes(&big).iter().any(|d| d.starts_with("DO101")),
        "{:?}",
        codes(&big)
    );
    let bad = run(&dir, &["--check", "--max-source-mb", "0"]);
    assert_eq!(bad.status.code(), Some(2));
    std::fs::remove_dir_all(&dir).ok();
}

/// Nothing above the checked folder is read: a parent `.gitignore` that
/// lists the config does not hide the Worker.
#[test]
fn a_parent_gitignore_is_not_read() {
    let dir = std::env::temp_dir().join(format!("durable-lsp-parent-gi-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("app/src")).unwrap();
    std::fs::write(dir.join(".gitignore"), "wrangler.toml\nsrc/\n").unwrap();
    for f in ["wrangler.toml", "src/index.ts"] {
        std::fs::copy(
            fixture("do101-class-not-exported").join(f),
            dir.join("app").join(f),
        )
        .unwrap();
    }
    let out = run(&dir.join("app"), &["--check", ".", "--format", "json"]);
    let j = json(&out);
    assert_eq!(j["summary"]["workers"], 1, "{j}");
    assert_eq!(out.status.code(), Some(1));
    std::fs::remove_dir_all(&dir).ok();
}

/// A Worker with 12 bound classes that migrations create and the entry does
/// not export: 12 DO101 and 12 DO103 errors, 12 DO111 hints.
fn many_findings(dir: &Path) {
    std::fs::create_dir_all(dir.join("src")).unwrap();
    let mut toml = String::from("name = \"many\"\nmain = \"src/index.ts\"\n");
    for i in 1..=12 {
        toml.push_str(&format!(
            "[[durable_objects.bindings]]\nname = \"B{i}\"\nclass_name = \"C{i}\"\n"
        ));
    }
    let classes: Vec<String> = (1..=12).map(|i| format!("\"C{i}\"")).collect();
    toml.push_str(&format!(
        "[[migrations]]\ntag = \"v1\"\nnew_sqlite_classes = [{}]\n",
        classes.join(", ")
    ));
    std::fs::write(dir.join("wrangler.toml"), toml).unwrap();
    std::fs::write(
        dir.join("src/index.ts"),
        "export default { fetch() { return new Response(''); } };\n",
    )
    .unwrap();
}

#[test]
fn github_is_the_default_under_github_actions() {
    let dir = fixture("do101-class-not-exported");
    let gha = [("GITHUB_ACTIONS", "true")];
    let out = run_env(&dir, &["--check"], &gha);
    assert_eq!(out.status.code(), Some(1));
    let s = stdout(&out);
    assert!(s.starts_with("::error file=wrangler.toml,line=7,col=14,endLine=7,endColumn=23,title=DO101 class-not-exported::"), "{s}");
    // An explicit format wins.
    let out = run_env(&dir, &["--check", "--format", "human"], &gha);
    assert!(stdout(&out).starts_with("error[DO101]"));
    let out = run_env(&dir, &["--check", "--format", "json"], &gha);
    assert_eq!(json(&out)["version"], 1);
    // Only `true` selects it; a format that goes to a file leaves stdout to nothing else.
    let out = run_env(&dir, &["--check"], &[("GITHUB_ACTIONS", "false")]);
    assert!(stdout(&out).starts_with("error[DO101]"));
    let out = run(&dir, &["--check"]);
    assert!(stdout(&out).starts_with("error[DO101]"));
    let tmp = temp_dir("gha-out");
    let file = tmp.join("r.sarif");
    let out = run_env(
        &dir,
        &[
            "--check",
            "--format",
            "sarif",
            "--output",
            file.to_str().unwrap(),
        ],
        &gha,
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout(&out), "");
    std::fs::remove_dir_all(&tmp).ok();
}

#[test]
fn each_output_binds_to_the_format_before_it() {
    let tmp = temp_dir("outputs");
    let sarif = tmp.join("r.sarif");
    let js = tmp.join("r.json");
    let human = tmp.join("r.txt");
    let out = run(
        &fixture("do101-class-not-exported"),
        &[
            "--check",
            "--format",
            "sarif",
            "--output",
            sarif.to_str().unwrap(),
            "--format",
            "github",
            "--format",
            "json",
            "--output",
            js.to_str().unwrap(),
            "--color",
            "always",
            "--format",
            "human",
            "--output",
            human.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with("::error file=wrangler.toml"),
        "{}",
        stdout(&out)
    );
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&sarif).unwrap()).unwrap();
    assert_eq!(s["version"], "2.1.0");
    assert_eq!(s["runs"][0]["results"][0]["ruleId"], "DO101");
    let j: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&js).unwrap()).unwrap();
    assert_eq!(j["version"], 1);
    let h = std::fs::read_to_string(&human).unwrap();
    assert!(h.starts_with("error[DO101]"), "{h}");
    assert!(!h.contains('\x1b'), "no colour in a file");
    // `--format=X` and `--output=F` count the same; one format may go to a
    // file alone, and then stdout is empty.
    let out = run(
        &fixture("ok-basic"),
        &[
            "--check",
            "--format=json",
            &format!("--output={}", js.display()),
        ],
    );
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stdout(&out), "");
    let j: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&js).unwrap()).unwrap();
    assert_eq!(j["summary"]["errors"], 0);
    std::fs::remove_dir_all(&tmp).ok();
}

#[test]
fn output_usage_errors_exit_2() {
    let dir = fixture("do101-class-not-exported");
    let tmp = temp_dir("usage");
    let f = tmp.join("r.json");
    let f = f.to_str().unwrap();
    let cases: &[(&[&str], &str)] = &[
        (
            &["--check", "--format", "json", "--format", "sarif"],
            "2 formats would share stdout (json, sarif)",
        ),
        (
            &[
                "--check", "--format", "json", "--format", "github", "--output", f, "--format",
                "human",
            ],
            "2 formats would share stdout (json, human)",
        ),
        (&["--check", "--output", f], "follows no `--format`"),
        (
            &["--check", "--output", f, "--format", "json"],
            "follows no `--format`",
        ),
        (
            &["--check", "--format", "json", "--output", f, "--output", f],
            "has two output files",
        ),
    ];
    for (args, msg) in cases {
        let out = run(&dir, args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(stderr(&out).contains(msg), "{args:?}: {}", stderr(&out));
        assert_eq!(stdout(&out), "", "{args:?}");
    }
    assert!(
        !tmp.join("r.json").exists(),
        "nothing is written on a usage error"
    );
    // A file that cannot be written is a failure too, after the others are written.
    let ok = tmp.join("ok.json");
    let out = run(
        &dir,
        &[
            "--check",
            "--format",
            "sarif",
            "--output",
            tmp.join("no/such/dir.sarif").to_str().unwrap(),
            "--format",
            "json",
            "--output",
            ok.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("cannot write the sarif report to"),
        "{}",
        stderr(&out)
    );
    assert!(ok.exists());
    std::fs::remove_dir_all(&tmp).ok();
}

/// SARIF columns count UTF-16 code units (`columnKind`), where the JSON
/// format counts characters: 😀 is one character and two code units.
#[test]
fn sarif_columns_count_utf16_code_units() {
    let dir = temp_dir("sarif-cols");
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(
        dir.join("wrangler.toml"),
        "name = \"w\"\nmain = \"src/index.ts\"\ndurable_objects.bindings = [{ name = \"É😀中\", class_name = \"Missing\" }]\n[[migrations]]\ntag = \"v1\"\nnew_sqlite_classes = [\"Missing\"]\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("src/index.ts"),
        "export default { fetch() { return new Response(''); } };\n",
    )
    .unwrap();
    let out = run(&dir, &["--check", "--format", "sarif"]);
    let s = json(&out);
    let run0 = &s["runs"][0];
    assert_eq!(run0["columnKind"], "utf16CodeUnits");
    let r = run0["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "DO101")
        .unwrap();
    let region = &r["locations"][0]["physicalLocation"]["region"];
    assert_eq!(region["startLine"], 3);
    assert_eq!(region["startColumn"], 59, "JSON says 58");
    assert_eq!(region["endColumn"], 68, "JSON says 67");
    let base = run0["originalUriBaseIds"]["%SRCROOT%"]["uri"]
        .as_str()
        .unwrap();
    assert!(
        base.starts_with("file:///") && base.ends_with('/'),
        "{base}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// Every rule of the registry, with its page, its URL and its level.
#[test]
fn sarif_rules_carry_their_pages() {
    let out = run(&fixture("ok-basic"), &["--check", "--format", "sarif"]);
    assert_eq!(out.status.code(), Some(0));
    let s = json(&out);
    let driver = &s["runs"][0]["tool"]["driver"];
    assert_eq!(driver["name"], "durable-lsp");
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
    let rules = driver["rules"].as_array().unwrap();
    assert_eq!(rules.len(), durable_lsp::rules::RULES.len());
    for (r, want) in rules.iter().zip(durable_lsp::rules::RULES) {
        assert_eq!(r["id"], want.code.as_str());
        assert_eq!(r["name"], want.name);
        assert_eq!(r["shortDescription"]["text"], want.summary);
        assert_eq!(r["help"]["markdown"], want.doc);
        assert_eq!(
            r["helpUri"],
            format!(
                "https://github.com/durable-lsp/durable-lsp/blob/v{}/docs/rules/{}.md",
                env!("CARGO_PKG_VERSION"),
                want.code
            )
        );
        // the link's page is in the repository, at the path the link names
        let page = r["helpUri"]
            .as_str()
            .unwrap()
            .split_once(concat!("/blob/v", env!("CARGO_PKG_VERSION"), "/"))
            .unwrap()
            .1;
        assert!(
            Path::new(env!("CARGO_MANIFEST_DIR")).join(page).is_file(),
            "{page}"
        );
        let level = match want.severity {
            durable_lsp::rules::Severity::Error => "error",
            durable_lsp::rules::Severity::Warning => "warning",
            _ => "note",
        };
        assert_eq!(r["defaultConfiguration"]["level"], level, "{}", want.code);
    }
    assert_eq!(s["runs"][0]["results"].as_array().unwrap().len(), 0);
}

/// `%`, `:` and `,` in a path and in a message, and a message over several
/// lines, as GitHub's runner reads them.
#[test]
fn github_escapes_paths_and_messages() {
    let root = temp_dir("escape");
    let dir = root.join("we,ird:dir");
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(
        dir.join("wrangler.toml"),
        "name = \"w\"\nmain = \"src/index.ts\"\n[[durable_objects.bindings]]\nname = \"R\"\nclass_name = \"A%B,C:D\"\n[[migrations]]\ntag = \"v1\"\nnew_sqlite_classes = [\"A%B,C:D\"]\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("src/index.ts"),
        "export default { fetch() { return new Response(''); } };\n",
    )
    .unwrap();
    let out = run(&root, &["--check", "we,ird:dir", "--format", "github"]);
    let s = stdout(&out);
    let line = s
        .lines()
        .find(|l| l.contains("title=DO101"))
        .unwrap_or_else(|| panic!("{s}"));
    assert!(
        line.starts_with("::error file=we%2Cird%3Adir/wrangler.toml,line=5,col=14,endLine=5,endColumn=23,title=DO101 class-not-exported::Class `A%25B,C:D` is bound here"),
        "{line}"
    );
    // Several lines in one command: DO112's message has three.
    let out = run(
        &fixture("do112-duplicate-binding-name"),
        &["--check", "--format", "github"],
    );
    let s = stdout(&out);
    let first = s.lines().next().unwrap();
    assert!(
        first.contains("to multiple Durable Object bindings.%0ABindings must have unique names")
            || first.contains("Namespace bindings.%0ABindings must have unique names"),
        "{first}"
    );
    assert_eq!(
        s.lines().filter(|l| l.starts_with("::error ")).count(),
        2,
        "{s}"
    );
    std::fs::remove_dir_all(&root).ok();
}

/// Runs the binary as an unprivileged user when this test runs as root
/// (root reads every folder, whatever its mode); `None` when that cannot
/// be arranged.
#[cfg(unix)]
fn run_unprivileged(dir: &Path, args: &[&str]) -> Option<Output> {
    let root = Command::new("id").arg("-u").output().ok()?;
    if String::from_utf8_lossy(&root.stdout).trim() != "0" {
        return Some(run(dir, args));
    }
    Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", bin()])
        .args(args)
        .current_dir(dir)
        .output()
        .ok()
        .filter(|o| !String::from_utf8_lossy(&o.stderr).contains("setpriv:"))
}

/// A folder that cannot be listed is named (DO100), not skipped in
/// silence; a root that cannot be read is a failure (exit 2).
#[cfg(unix)]
#[test]
fn unreadable_folders_are_reported() {
    use std::os::unix::fs::PermissionsExt;
    let dir = std::env::temp_dir().join(format!("durable-lsp-unreadable-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("ok/src")).unwrap();
    std::fs::create_dir_all(dir.join("locked/src")).unwrap();
    for f in ["wrangler.toml", "src/index.ts"] {
        let from = fixture("ok-basic").join(f);
        std::fs::copy(&from, dir.join("ok").join(f)).unwrap();
        std::fs::copy(&from, dir.join("locked").join(f)).unwrap();
    }
    let open = |p: &Path, mode| std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode));
    for d in [&dir, &dir.join("ok"), &dir.join("ok/src")] {
        open(d, 0o755).unwrap();
    }
    for f in ["ok/wrangler.toml", "ok/src/index.ts"] {
        open(&dir.join(f), 0o644).unwrap();
    }
    open(&dir.join("locked"), 0o000).unwrap();
    let Some(out) = run_unprivileged(&dir, &["--check", ".", "--format", "json"]) else {
        eprintln!("skipped: cannot run as an unprivileged user here");
        open(&dir.join("locked"), 0o755).unwrap();
        return;
    };
    let j = json(&out);
    assert_eq!(j["summary"]["workers"], 1, "{j}");
    let named = j["diagnostics"].as_array().unwrap().iter().any(|d| {
        d["code"] == "DO100"
            && d["file"] == "locked"
            && d["message"].as_str().unwrap().contains("could not be read")
    });
    assert!(named, "{j}");
    let out = run_unprivileged(&dir, &["--check", "locked"]).unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("cannot read locked"),
        "{out:?}"
    );
    open(&dir.join("locked"), 0o755).unwrap();
    std::fs::remove_dir_all(&dir).ok();
}
