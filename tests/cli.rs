//! The `--check` contract: exit codes, the JSON format, `--explain`.

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
        .output()
        .unwrap()
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
    assert_eq!(d["url"], "https://durable-lsp.dev/rules/DO101");
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

#[test]
fn no_config_is_not_an_error() {
    let dir = std::env::temp_dir().join(format!("durable-lsp-empty-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = run(&dir, &["--check"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("No wrangler config"));
    std::fs::remove_dir_all(&dir).ok();
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
