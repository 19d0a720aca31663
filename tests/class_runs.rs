//! A class that several Workers reach is checked once per backend it has,
//! and the class model is built once per checked variant (their own test
//! binary: the counters are per process, and one test reads them).

use durable_lsp::project::fs::MemFs;
use durable_lsp::project::Workspace;
use durable_lsp::rules;
use std::path::Path;
use std::sync::atomic::Ordering;

fn worker(name: &str, list: &str) -> String {
    format!(
        r#"//- /{name}/wrangler.toml
name = "{name}"
main = "index.ts"
compatibility_date = "2025-06-01"
durable_objects.bindings = [{{ name = "ROOM", class_name = "Room" }}]
migrations = [{{ tag = "v1", {list} = ["Room"] }}]
//- /{name}/index.ts
export {{ Room }} from "../shared/room";
export default {{ async fetch(req: Request, env: any) {{ return env.ROOM.getByName("x").fetch(req); }} }};
"#
    )
}

const ROOM: &str = r#"//- /shared/room.ts
import { DurableObject } from "cloudflare:workers";
export class Room extends DurableObject {
  async fetch() {
    this.ctx.storage.sql.exec("SELECT 1");
    setInterval(() => {}, 1000);
    return new Response("x");
  }
}
"#;

/// (class bodies checked, findings) for a workspace of these Workers.
fn run(workers: &[(&str, &str)]) -> (usize, Vec<String>) {
    let mut fixture: String = workers.iter().map(|(n, l)| worker(n, l)).collect();
    fixture.push_str(ROOM);
    let root = Path::new("/t");
    let fs = MemFs::from_fixture(root, &fixture);
    let ws = Workspace::load(&fs, &[root.to_path_buf()]);
    let before = rules::classes::CLASS_CHECKS.load(Ordering::Relaxed);
    let report = rules::check(&ws, &fs);
    let checks = rules::classes::CLASS_CHECKS.load(Ordering::Relaxed) - before;
    let found = report
        .diagnostics
        .iter()
        .filter(|d| d.file.ends_with("shared/room.ts"))
        .map(|d| format!("{} {}", d.code, d.message))
        .collect();
    (checks, found)
}

#[test]
fn a_shared_class_is_checked_once_per_backend_and_each_model_built_once() {
    // three Workers, one with an environment: four variants, four models
    let mut fixture: String = ["a", "b"]
        .iter()
        .map(|n| worker(n, "new_sqlite_classes"))
        .collect();
    fixture.push_str(&worker("c", "new_sqlite_classes").replace(
        "new_sqlite_classes = [\"Room\"] }]\n",
        "new_sqlite_classes = [\"Room\"] }]\n[env.staging]\ndurable_objects.bindings = [{ name = \"ROOM\", class_name = \"Room\" }]\n",
    ));
    fixture.push_str(ROOM);
    let root = Path::new("/m");
    let fs = MemFs::from_fixture(root, &fixture);
    let ws = Workspace::load(&fs, &[root.to_path_buf()]);
    let before = rules::framework::MODELS_BUILT.load(Ordering::Relaxed);
    let results = rules::check_workers(&ws, &fs, &durable_lsp::settings::Settings::default());
    let built = rules::framework::MODELS_BUILT.load(Ordering::Relaxed) - before;
    let models: usize = results.iter().map(|r| r.classes.len()).sum();
    assert_eq!((built, models), (4, 4));

    let sqlite = "new_sqlite_classes";
    let kv = "new_classes";
    // five Workers, one backend: one check, one timer finding
    let (checks, found) = run(&[
        ("a", sqlite),
        ("b", sqlite),
        ("c", sqlite),
        ("d", sqlite),
        ("e", sqlite),
    ]);
    assert_eq!(checks, 1);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].starts_with("DO202"));
    // two backends: two checks; the SQL finding names where it holds
    let (checks, found) = run(&[("a", kv), ("b", sqlite), ("c", sqlite)]);
    assert_eq!(checks, 2);
    assert_eq!(found.len(), 2, "{found:?}");
    let sql = found.iter().find(|f| f.starts_with("DO301")).unwrap();
    assert!(
        sql.ends_with("(in Worker `a`; not in `b`, `c`, which reaches the same class)"),
        "{sql}"
    );
    // two KV-backed Workers: the finding points at each one's own config,
    // so each is checked, and both are named
    let (checks, found) = run(&[("a", kv), ("b", kv)]);
    assert_eq!(checks, 2);
    assert_eq!(
        found.iter().filter(|f| f.starts_with("DO301")).count(),
        1,
        "{found:?}"
    );
}
