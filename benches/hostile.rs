//! `cargo bench --bench hostile`: hostile inputs, timed.
//!
//! - `--check` wall time (median of 5 runs) on a Worker whose entry holds
//!   `env.A.getByName(` followed by 64,000 and 400,000 unclosed `(` (target
//!   < 2 s: the queries stop at their budget), on a folder with 40 and 80
//!   symlinks to itself (each file loaded once), and with a 20 MB source
//!   file (above the size limit: skipped, not parsed).
//! - The server: a hover on another file while the server analyses the
//!   400 KB nesting document, and while a 20 MB document is open and edited
//!   (target: the hover answers within 200 ms). The two Workers are
//!   siblings, so the hover depends on no pending change. The first hover
//!   waits for the first analysis (the hostile Worker's included); then 20
//!   hovers, each right after an edit: p50 and max.
//!
//! Results go to stdout and `target/bench/hostile.json`.

#[path = "../tests/support/hostile.rs"]
mod hostile;
#[path = "../tests/support/stdio.rs"]
mod stdio;

use hostile::{nesting, project, CLASS, CONFIG};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_durable-lsp");

fn nesting_project(depth: usize) -> PathBuf {
    let root = project(&format!("nesting-{depth}"));
    std::fs::write(root.join("src/index.ts"), nesting(depth)).unwrap();
    root
}

#[cfg(unix)]
fn symlink_project(links: usize) -> PathBuf {
    let root = project(&format!("links-{links}"));
    hostile::self_links(&root, links);
    root
}

fn huge_line() -> &'static str {
    "export const x = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16];\n"
}

fn huge_text() -> String {
    huge_line().repeat(20 * 1024 * 1024 / huge_line().len())
}

fn huge_project() -> PathBuf {
    let root = project("huge");
    std::fs::write(
        root.join("src/index.ts"),
        format!("{CLASS}export * from \"./huge\";\nexport default {{ fetch(r, env) {{ return env.A.getByName(\"x\"); }} }};\n"),
    )
    .unwrap();
    std::fs::write(root.join("src/huge.ts"), huge_text()).unwrap();
    root
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

/// `--check ROOT`, median of 5 runs, in ms.
fn check(root: &Path) -> f64 {
    let runs = (0..5)
        .map(|_| {
            let t = Instant::now();
            let out = Command::new(BIN)
                .args(["--check", "--format", "json"])
                .arg(root)
                .output()
                .unwrap();
            assert!(out.status.code().is_some_and(|c| c <= 1), "{out:?}");
            t.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    median(runs)
}

fn uri(p: &Path) -> String {
    format!("file://{}", p.display())
}

/// Hovers on `env.A.getByName` in a small Worker while `text`, the entry of
/// a sibling Worker, is opened and edited: the first hover (which waits for
/// the first analysis, the hostile Worker's included), then p50 and max of
/// the next 20, each right after an edit, in ms.
fn hover_while(name: &str, text: String) -> (f64, f64, f64) {
    let root = std::env::temp_dir().join(format!(
        "durable-lsp-hostile-ws-{name}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&root);
    let busy = root.join("busy");
    std::fs::create_dir_all(busy.join("src")).unwrap();
    std::fs::write(busy.join("wrangler.toml"), CONFIG).unwrap();
    std::fs::write(
        busy.join("src/index.ts"),
        format!("{CLASS}export default {{}};\n"),
    )
    .unwrap();
    let calm = root.join("calm");
    std::fs::create_dir_all(calm.join("src")).unwrap();
    std::fs::write(calm.join("wrangler.toml"), CONFIG).unwrap();
    let calm_src = calm.join("src/index.ts");
    let calm_text = format!(
        "{CLASS}export default {{ fetch(r, env) {{ return env.A.getByName(\"x\"); }} }};\n"
    );
    std::fs::write(&calm_src, &calm_text).unwrap();
    let line = calm_text
        .lines()
        .position(|l| l.contains("getByName"))
        .unwrap();
    let col = calm_text
        .lines()
        .nth(line)
        .unwrap()
        .find("getByName")
        .unwrap()
        + 2;

    let stdio::Spawned {
        mut child,
        mut stdin,
        rx,
    } = stdio::spawn(BIN);
    let mut id = 0;
    let mut request =
        |stdin: &mut std::process::ChildStdin, method: &str, params: Value| -> Value {
            id += 1;
            stdio::send(
                stdin,
                &json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}),
            );
            loop {
                let v = rx
                    .recv_timeout(Duration::from_secs(120))
                    .expect("an answer");
                if v["id"] == json!(id) && v.get("method").is_none() {
                    return v;
                }
                if v.get("id").is_some() && v.get("method").is_some() {
                    stdio::send(
                        stdin,
                        &json!({"jsonrpc": "2.0", "id": v["id"], "result": null}),
                    );
                }
            }
        };
    request(
        &mut stdin,
        "initialize",
        json!({"processId": null, "rootUri": uri(&root), "capabilities": {}}),
    );
    stdio::send(
        &mut stdin,
        &json!({"jsonrpc": "2.0", "method": "initialized", "params": {}}),
    );
    let doc = busy.join("src/index.ts");
    stdio::send(
        &mut stdin,
        &json!({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument":
            {"uri": uri(&doc), "languageId": "typescript", "version": 1, "text": text}}}),
    );
    let hover = json!({"textDocument": {"uri": uri(&calm_src)}, "position": {"line": line, "character": col}});
    let t = Instant::now();
    request(&mut stdin, "textDocument/hover", hover.clone());
    let first = t.elapsed().as_secs_f64() * 1000.0;
    let mut times = Vec::new();
    for v in 2..22 {
        // each edit starts a new analysis of the hostile document
        stdio::send(
            &mut stdin,
            &json!({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
                "textDocument": {"uri": uri(&doc), "version": v},
                "contentChanges": [{"range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}, "text": "// x\n"}]}}),
        );
        let t = Instant::now();
        let h = request(&mut stdin, "textDocument/hover", hover.clone());
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        assert!(h["result"]["contents"]["value"].as_str().is_some(), "{h}");
        std::thread::sleep(Duration::from_millis(25));
    }
    drop(stdin);
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&root);
    let max = times.iter().cloned().fold(0.0, f64::max);
    (first, median(times), max)
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let mut results = serde_json::Map::new();
    let mut report = |name: &str, v: Value| {
        println!("{name}: {v}");
        results.insert(name.to_string(), v);
    };
    for depth in [64_000, 400_000] {
        let root = nesting_project(depth);
        report(&format!("check_nesting_{depth}_ms"), json!(check(&root)));
        let _ = std::fs::remove_dir_all(&root);
    }
    #[cfg(unix)]
    for links in [40, 80] {
        let root = symlink_project(links);
        report(&format!("check_symlinks_{links}_ms"), json!(check(&root)));
        let _ = std::fs::remove_dir_all(&root);
    }
    let root = huge_project();
    report("check_20mb_file_ms", json!(check(&root)));
    let _ = std::fs::remove_dir_all(&root);

    let (first, p50, max) = hover_while("nesting", nesting(400_000));
    report(
        "hover_while_nesting_400k_ms",
        json!({"first": first, "p50": p50, "max": max}),
    );
    let (first, p50, max) = hover_while("huge", huge_text());
    report(
        "hover_while_20mb_document_ms",
        json!({"first": first, "p50": p50, "max": max}),
    );

    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("hostile.json"),
        serde_json::to_string_pretty(&Value::Object(results)).unwrap(),
    )
    .unwrap();
}
