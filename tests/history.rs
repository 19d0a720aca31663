//! `--check --base REV` over real git repositories built in a temporary
//! folder: a base commit, then an edit in the work tree. `git` builds the
//! repositories here; durable-lsp itself reads them in-process.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const ENTRY: &str = "import { DurableObject } from \"cloudflare:workers\";\nexport class A extends DurableObject {}\nexport class B extends DurableObject {}\nexport class C extends DurableObject {}\nexport default { fetch() { return new Response(); } };\n";

struct Repo {
    dir: PathBuf,
}

impl Repo {
    /// A repository whose first commit holds `files`.
    fn new(name: &str, files: &[(&str, &str)]) -> Repo {
        let dir =
            std::env::temp_dir().join(format!("durable-lsp-history-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let r = Repo { dir };
        r.git(&["init", "-q", "-b", "main"]);
        r.write_all(files);
        r.commit("base");
        r
    }
    fn git(&self, args: &[&str]) {
        let out = Command::new("git")
            .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
            .args(args)
            .current_dir(&self.dir)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .output()
            .expect("git is needed to build the test repositories");
        assert!(out.status.success(), "git {args:?}: {out:?}");
    }
    fn write_all(&self, files: &[(&str, &str)]) {
        for (p, text) in files {
            let p = self.dir.join(p);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }
    }
    fn commit(&self, msg: &str) {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "--allow-empty", "-m", msg]);
    }
    fn check(&self, sub: &str, base: &str) -> (Output, serde_json::Value) {
        let out = Command::new(env!("CARGO_BIN_EXE_durable-lsp"))
            .args(["--check", ".", "--format", "json", "--base", base])
            .current_dir(self.dir.join(sub))
            .output()
            .unwrap();
        let j = serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null);
        (out, j)
    }
    /// The codes found, sorted, with the line of each.
    fn codes(&self, sub: &str, base: &str) -> Vec<(String, u64)> {
        let (out, j) = self.check(sub, base);
        assert!(
            out.status.code() == Some(0) || out.status.code() == Some(1),
            "{out:?}"
        );
        let mut v: Vec<(String, u64)> = j["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["code"] != "DO100")
            .map(|d| {
                (
                    d["code"].as_str().unwrap().to_string(),
                    d["line"].as_u64().unwrap(),
                )
            })
            .collect();
        v.sort();
        v
    }
}

impl Drop for Repo {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn toml(body: &str) -> String {
    format!("name = \"h\"\nmain = \"src/index.ts\"\n{body}")
}

const BOUND_A: &str = "[[durable_objects.bindings]]\nname = \"A\"\nclass_name = \"A\"\n";

#[test]
fn appending_a_migration_is_clean() {
    let base = toml(&format!(
        "{BOUND_A}[[migrations]]\ntag = \"v1\"\nnew_sqlite_classes = [\"A\"]\n"
    ));
    let r = Repo::new(
        "append",
        &[("wrangler.toml", &base), ("src/index.ts", ENTRY)],
    );
    r.write_all(&[(
        "wrangler.toml",
        &format!("{base}[[migrations]]\ntag = \"v2\"\nnew_sqlite_classes = [\"B\"]\n"),
    )]);
    assert_eq!(r.codes("", "main"), vec![]);
    // and against itself
    r.commit("append");
    assert_eq!(r.codes("", "HEAD~1"), vec![]);
    assert_eq!(r.codes("", "HEAD"), vec![]);
}

#[test]
fn an_applied_migration_edited_in_place_is_do130() {
    let base = toml(&format!(
        "{BOUND_A}[[migrations]]\ntag = \"v1\"\nnew_sqlite_classes = [\"A\"]\n"
    ));
    let r = Repo::new("edit", &[("wrangler.toml", &base), ("src/index.ts", ENTRY)]);
    r.write_all(&[(
        "wrangler.toml",
        &toml(&format!(
            "{BOUND_A}[[migrations]]\ntag = \"v1\"\nnew_sqlite_classes = [\"A\", \"B\"]\n"
        )),
    )]);
    assert_eq!(r.codes("", "main"), vec![("DO130".into(), 7)]);
    let (_, j) = r.check("", "main");
    let msg = j["diagnostics"][0]["message"].as_str().unwrap();
    assert!(msg.contains("adds `B` to new_sqlite_classes"), "{msg}");
    // the same edit, committed, against the commit before it
    r.commit("edit v1");
    assert_eq!(r.codes("", "HEAD~1"), vec![("DO130".into(), 7)]);
}

#[test]
fn a_renamed_or_reordered_tag_is_do131() {
    let base = toml(&format!(
        "{BOUND_A}[[migrations]]\ntag = \"v1\"\nnew_sqlite_classes = [\"A\"]\n[[migrations]]\ntag = \"v2\"\nnew_sqlite_classes = [\"B\"]\n"
    ));
    let r = Repo::new("tags", &[("wrangler.toml", &base), ("src/index.ts", ENTRY)]);
    r.write_all(&[("wrangler.toml", &base.replace("\"v2\"", "\"2\""))]);
    assert_eq!(r.codes("", "main"), vec![("DO131".into(), 10)]);
    let (_, j) = r.check("", "main");
    assert!(j["diagnostics"][0]["message"]
        .as_str()
        .unwrap()
        .contains("Tag \"v2\", applied at main, is gone now"));
    // reordered: both tags kept, order changed
    let swapped = toml(&format!(
        "{BOUND_A}[[migrations]]\ntag = \"v2\"\nnew_sqlite_classes = [\"B\"]\n[[migrations]]\ntag = \"v1\"\nnew_sqlite_classes = [\"A\"]\n"
    ));
    r.write_all(&[("wrangler.toml", &swapped)]);
    let codes = r.codes("", "main");
    assert!(codes.contains(&("DO131".into(), 7)), "{codes:?}");
}

#[test]
fn removing_every_migration_is_not_do131() {
    // Nothing is sent again when the list is empty; DO132 names the classes
    // the change drops.
    let base = toml(&format!(
        "{BOUND_A}[[migrations]]\ntag = \"v1\"\nnew_sqlite_classes = [\"A\"]\n"
    ));
    let r = Repo::new(
        "none-left",
        &[("wrangler.toml", &base), ("src/index.ts", ENTRY)],
    );
    r.write_all(&[("wrangler.toml", &toml(BOUND_A))]);
    let codes = r.codes("", "main");
    assert!(!codes.iter().any(|(c, _)| c == "DO131"), "{codes:?}");
    assert!(codes.iter().any(|(c, _)| c == "DO132"), "{codes:?}");
}

#[test]
fn a_class_dropped_without_a_delete_step_is_do132() {
    let exports = |body: &str| {
        toml(&format!(
            "{BOUND_A}[exports.A]\ntype = \"durable-object\"\nstate = \"created\"\n{body}"
        ))
    };
    let base = exports("[exports.B]\ntype = \"durable-object\"\nstate = \"created\"\n");
    let r = Repo::new("drop", &[("wrangler.toml", &base), ("src/index.ts", ENTRY)]);
    // B's entry removed instead of set to "deleted"
    r.write_all(&[("wrangler.toml", &exports(""))]);
    let codes = r.codes("", "main");
    assert_eq!(
        codes.iter().filter(|c| c.0 == "DO132").count(),
        1,
        "{codes:?}"
    );
    // its twin: B deleted by an entry is clean
    r.write_all(&[(
        "wrangler.toml",
        &exports("[exports.B]\ntype = \"durable-object\"\nstate = \"deleted\"\n"),
    )]);
    let codes = r.codes("", "main");
    assert!(!codes.iter().any(|c| c.0 == "DO132"), "{codes:?}");
    // migrations: the whole migration removed when the Worker became a shim
    let mig = toml(&format!(
        "{BOUND_A}[[migrations]]\ntag = \"v1\"\nnew_sqlite_classes = [\"A\", \"B\"]\n"
    ));
    let r = Repo::new(
        "drop-mig",
        &[("wrangler.toml", &mig), ("src/index.ts", ENTRY)],
    );
    r.write_all(&[("wrangler.toml", &toml(""))]);
    let codes = r.codes("", "main");
    assert_eq!(
        codes.iter().filter(|c| c.0 == "DO132").count(),
        2,
        "{codes:?}"
    );
}

#[test]
fn a_kv_class_created_since_the_base_is_do133_and_an_older_one_stays_do104() {
    let base = toml(&format!(
        "{BOUND_A}[[migrations]]\ntag = \"v1\"\nnew_classes = [\"A\"]\n"
    ));
    let r = Repo::new("kv", &[("wrangler.toml", &base), ("src/index.ts", ENTRY)]);
    r.write_all(&[(
        "wrangler.toml",
        &format!("{base}[[migrations]]\ntag = \"v2\"\nnew_classes = [\"B\"]\n"),
    )]);
    // A (before the base): DO104 info; B (since): DO133 warning, not DO104
    assert_eq!(
        r.codes("", "main"),
        vec![("DO104".into(), 8), ("DO133".into(), 11)]
    );
    let (_, j) = r.check("", "main");
    let d133 = j["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "DO133")
        .unwrap();
    assert_eq!(d133["severity"], "warning");
}

#[test]
fn a_storage_change_in_exports_is_do130() {
    let base = toml(&format!(
        "{BOUND_A}[exports.A]\ntype = \"durable-object\"\nstate = \"created\"\nstorage = \"legacy-kv\"\n"
    ));
    let r = Repo::new(
        "storage",
        &[("wrangler.toml", &base), ("src/index.ts", ENTRY)],
    );
    r.write_all(&[("wrangler.toml", &base.replace("legacy-kv", "sqlite"))]);
    let codes = r.codes("", "main");
    assert!(codes.contains(&("DO130".into(), 9)), "{codes:?}");
}

/// The config moved (a folder renamed) and kept its `name`: the config at
/// REV that deploys the same Worker is the base. The repository's `.git`
/// sits above the checked folder.
#[test]
fn a_moved_config_is_compared_with_the_one_that_deploys_the_same_name() {
    let base = toml(&format!(
        "{BOUND_A}[[migrations]]\ntag = \"v1\"\nnew_sqlite_classes = [\"A\"]\n"
    ));
    let r = Repo::new(
        "moved",
        &[("old/wrangler.toml", &base), ("old/src/index.ts", ENTRY)],
    );
    r.git(&["mv", "old", "new"]);
    r.write_all(&[(
        "new/wrangler.toml",
        &base.replace("[\"A\"]", "[\"A\", \"C\"]"),
    )]);
    assert_eq!(r.codes("new", "main"), vec![("DO130".into(), 7)]);
}

#[test]
fn a_missing_revision_or_repository_exits_2() {
    let r = Repo::new(
        "missing",
        &[("wrangler.toml", &toml("")), ("src/index.ts", ENTRY)],
    );
    let (out, _) = r.check("", "no-such-branch");
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("no-such-branch"));
    let plain: &Path =
        &std::env::temp_dir().join(format!("durable-lsp-nogit-{}", std::process::id()));
    std::fs::create_dir_all(plain).unwrap();
    std::fs::write(plain.join("wrangler.toml"), toml("")).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_durable-lsp"))
        .args(["--check", ".", "--base", "main"])
        .current_dir(plain)
        .env("GIT_CEILING_DIRECTORIES", std::env::temp_dir())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("not in one"),
        "{out:?}"
    );
    std::fs::remove_dir_all(plain).ok();
}

/// In a shallow clone (what CI checks out by default) a base that is not
/// there is explained in the repository's words, with the fetch to run.
#[test]
fn a_shallow_clones_missing_base_says_how_to_fetch_it() {
    let r = Repo::new(
        "shallow-origin",
        &[("wrangler.toml", &toml("")), ("src/index.ts", ENTRY)],
    );
    r.write_all(&[("wrangler.toml", &toml("# edited"))]);
    r.commit("second");
    let clone = r.dir.with_file_name(format!(
        "durable-lsp-history-shallow-clone-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&clone);
    r.git(&[
        "clone",
        "-q",
        "--depth",
        "1",
        &format!("file://{}", r.dir.display()),
        clone.to_str().unwrap(),
    ]);
    let shallow = Repo { dir: clone };
    let (out, _) = shallow.check("", "HEAD~1");
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let err =
        String::from_utf8_lossy(&out.stderr).replace(&*shallow.dir.to_string_lossy(), "[repo]");
    insta::assert_snapshot!("shallow_head_1", err);
    let (out, _) = shallow.check("", "origin/release");
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let err =
        String::from_utf8_lossy(&out.stderr).replace(&*shallow.dir.to_string_lossy(), "[repo]");
    insta::assert_snapshot!("shallow_origin_branch", err);
    // the whole repository: the message names the revision, not the library
    let (out, _) = r.check("", "nope~3");
    let err = String::from_utf8_lossy(&out.stderr).replace(&*r.dir.to_string_lossy(), "[repo]");
    insta::assert_snapshot!("missing_revision", err);
    std::fs::remove_dir_all(&shallow.dir).ok();
    std::fs::remove_dir_all(&r.dir).ok();
}

/// Renaming a KV-backed class since the base creates no namespace: no
/// DO133 on the new name (the class stays DO104, created before the base).
#[test]
fn renaming_a_kv_class_is_not_a_new_kv_class() {
    let base = toml("[[durable_objects.bindings]]\nname = \"A\"\nclass_name = \"C\"\n[[migrations]]\ntag = \"v1\"\nnew_classes = [\"A\"]\n");
    let r = Repo::new(
        "kv-rename",
        &[("wrangler.toml", &base), ("src/index.ts", ENTRY)],
    );
    r.write_all(&[(
        "wrangler.toml",
        &format!("{base}[[migrations]]\ntag = \"v2\"\nrenamed_classes = [{{ from = \"A\", to = \"C\" }}]\n"),
    )]);
    let codes = r.codes("", "main");
    assert!(!codes.iter().any(|c| c.0 == "DO133"), "{codes:?}");
}

/// A config whose Worker `name` changed deploys another Worker: nothing of
/// the old one's lifecycle applies to it.
#[test]
fn a_renamed_worker_is_a_new_worker() {
    let base = toml(&format!(
        "{BOUND_A}[[migrations]]\ntag = \"v1\"\nnew_sqlite_classes = [\"A\"]\n"
    ));
    let r = Repo::new(
        "renamed-worker",
        &[("wrangler.toml", &base), ("src/index.ts", ENTRY)],
    );
    let now = base
        .replace("name = \"h\"", "name = \"h2\"")
        .replace("[\"A\"]", "[\"B\"]")
        .replace("class_name = \"A\"", "class_name = \"B\"");
    r.write_all(&[("wrangler.toml", &now)]);
    assert_eq!(r.codes("", "main"), vec![]);
}

/// A class dropped from an applied migration is told once, as the edit
/// (DO130), not again as DO132.
#[test]
fn a_class_dropped_from_an_applied_migration_is_one_do130() {
    let base = toml(&format!(
        "{BOUND_A}[[migrations]]\ntag = \"v1\"\nnew_sqlite_classes = [\"A\", \"B\"]\n"
    ));
    let r = Repo::new(
        "drop-edit",
        &[("wrangler.toml", &base), ("src/index.ts", ENTRY)],
    );
    r.write_all(&[("wrangler.toml", &base.replace(", \"B\"", ""))]);
    assert_eq!(r.codes("", "main"), vec![("DO130".into(), 7)]);
}
