//! The language server end to end: the real binary over framed stdio.

#[path = "support/client.rs"]
mod client;
#[path = "support/stdio.rs"]
mod stdio;

use client::*;

use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

#[test]
fn cross_file_diagnostics_hover_watch_and_exit() {
    let root = temp_project("main", "do101-class-not-exported");
    let mut c = Client::start();
    let init = initialize(&mut c, &root, &["utf-16"]);
    assert_eq!(init["result"]["capabilities"]["positionEncoding"], "utf-16");

    // The unopened config gets its diagnostics, with links and related info.
    let cfg = root.join("wrangler.toml");
    let d = c.diagnostics(&cfg, |d| {
        codes(d).iter().filter(|c| *c == "DO101").count() == 2
    });
    let first = d.iter().find(|x| x["range"]["start"]["line"] == 6).unwrap();
    assert_eq!(
        first["codeDescription"]["href"],
        "https://github.com/durable-lsp/durable-lsp/blob/v0.1.0/docs/rules/DO101.md"
    );
    assert_eq!(first["source"], "durable-lsp");
    assert_eq!(first["range"]["start"]["character"], 13);
    let rel = &first["relatedInformation"][0];
    assert_eq!(rel["location"]["uri"], uri(&root.join("src/index.ts")));

    // Hover on the diagnostic carries the rule and its link.
    let h = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri(&cfg)}, "position": {"line": 6, "character": 16}}),
    );
    let text = h["result"]["contents"]["value"].as_str().unwrap();
    assert!(
        text.contains("DO101")
            && text.contains(
                "https://github.com/durable-lsp/durable-lsp/blob/v0.1.0/docs/rules/DO101.md"
            ),
        "{text}"
    );

    // Hover on a Durable Object API member carries its docs and link.
    let src_text = std::fs::read_to_string(root.join("src/index.ts")).unwrap();
    let (l, line_text) = src_text
        .lines()
        .enumerate()
        .find(|(_, l)| l.contains("env.COUNTER.idFromName"))
        .unwrap();
    let col = line_text.find("idFromName").unwrap() + 2;
    let h = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri(&root.join("src/index.ts"))}, "position": {"line": l, "character": col}}),
    );
    let text = h["result"]["contents"]["value"].as_str().unwrap();
    assert!(
        text.contains("idFromName") && text.contains("https://developers.cloudflare.com/"),
        "{text}"
    );

    // Exporting the class in the source clears DO101 on the unopened config.
    let src = root.join("src/index.ts");
    let text = std::fs::read_to_string(&src).unwrap();
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri(&src), "languageId": "typescript", "version": 1, "text": text}}),
    );
    let line = text
        .lines()
        .position(|l| l.starts_with("class Counter"))
        .unwrap();
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri(&src), "version": 2},
               "contentChanges": [{"range": {"start": {"line": line, "character": 0}, "end": {"line": line, "character": 0}}, "text": "export "}]}),
    );
    c.diagnostics(&cfg, |d| {
        codes(d).iter().filter(|c| *c == "DO101").count() == 1
    });

    // A change on disk, announced by the client, is seen too.
    std::fs::write(
        &cfg,
        std::fs::read_to_string(&cfg)
            .unwrap()
            .replace("class_name = \"MainObject\"", "class_name = \"Aliased\""),
    )
    .unwrap();
    c.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": uri(&cfg), "type": 2}]}),
    );
    c.diagnostics(&cfg, |d| !codes(d).contains(&"DO101".to_string()));

    // shutdown then exit ends the process promptly.
    let r = c.request("shutdown", json!(null));
    assert!(r.get("error").is_none());
    c.notify("exit", json!(null));
    let t = Instant::now();
    loop {
        if c.child.try_wait().unwrap().is_some() {
            break;
        }
        assert!(t.elapsed() < Duration::from_secs(1), "exit took over 1 s");
        std::thread::sleep(Duration::from_millis(10));
    }
    std::fs::remove_dir_all(&root).ok();
}

#[test]
fn columns_follow_the_negotiated_encoding() {
    for (enc, expected) in [("utf-16", 57u64), ("utf-8", 60), ("utf-32", 56)] {
        let root = temp_project(&format!("enc-{enc}"), "ok-basic");
        let cfg = root.join("wrangler.toml");
        // 56 characters precede "Nope": 57 UTF-16 units (😀 is two), 60 bytes.
        std::fs::write(
            &cfg,
            "name = \"w\"\nmain = \"src/index.ts\"\ndurable_objects.bindings = [{ name = \"😀é\", class_name = \"Nope\" }]\n[[migrations]]\ntag = \"v1\"\nnew_sqlite_classes = [\"Nope\"]\n",
        )
        .unwrap();
        let mut c = Client::start();
        let init = initialize(&mut c, &root, &[enc]);
        assert_eq!(init["result"]["capabilities"]["positionEncoding"], enc);
        let d = c.diagnostics(&cfg, |d| codes(d).contains(&"DO101".to_string()));
        let x = d.iter().find(|x| x["code"] == "DO101").unwrap();
        assert_eq!(
            x["range"]["start"]["character"].as_u64(),
            Some(expected),
            "{enc}"
        );
        c.stop();
        std::fs::remove_dir_all(&root).ok();
    }
}

/// `--stdio`, which vscode-languageclient and others pass, is the default
/// transport, not a usage error.
#[test]
fn the_stdio_flag_starts_the_server() {
    let stdio::Spawned {
        mut child,
        mut stdin,
        rx,
    } = stdio::spawn_with(env!("CARGO_BIN_EXE_durable-lsp"), &["--stdio"]);
    stdio::send(
        &mut stdin,
        &json!({"jsonrpc": "2.0", "id": 1, "method": "initialize",
                "params": {"processId": null, "rootUri": null, "capabilities": {}}}),
    );
    let answer = rx.recv_timeout(Duration::from_secs(10)).expect("an answer");
    assert_eq!(answer["id"], 1);
    assert!(answer["result"]["capabilities"].is_object(), "{answer}");
    drop(stdin);
    child.wait().unwrap();
}

#[test]
fn the_server_ends_when_stdin_closes() {
    let mut c = Client::start();
    drop(c.stdin);
    let t = Instant::now();
    loop {
        if c.child.try_wait().unwrap().is_some() {
            break;
        }
        assert!(t.elapsed() < Duration::from_secs(2), "no exit on EOF");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// The editor and CI never disagree: on every fixture, the server's
/// diagnostics (utf-32 columns) are exactly the fixture's expected findings.
#[test]
fn server_diagnostics_equal_check_on_every_fixture() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&fixtures)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    let check = |dir: &PathBuf| -> Option<String> {
        let root = dir.canonicalize().unwrap();
        let mut c = Client::start();
        // Pull mode: the answer comes once the analysis is committed, so a
        // clean fixture is known to be clean, not merely quiet.
        c.request(
            "initialize",
            json!({"processId": null, "rootUri": uri(&root), "capabilities": {
                "general": {"positionEncodings": ["utf-32"]},
                "textDocument": {"diagnostic": {"dynamicRegistration": false}},
                "workspace": {"diagnostics": {"refreshSupport": true}}}}),
        );
        c.notify("initialized", json!({}));
        let w = c.request("workspace/diagnostic", json!({"previousResultIds": []}));
        let all: std::collections::BTreeMap<String, Vec<Value>> = w["result"]["items"]
            .as_array()
            .unwrap_or_else(|| panic!("{}: {w}", dir.display()))
            .iter()
            .map(|i| {
                (
                    i["uri"].as_str().unwrap().to_string(),
                    i["items"].as_array().unwrap().clone(),
                )
            })
            .collect();
        let mut lines: Vec<String> = Vec::new();
        for (u, diags) in &all {
            let file = u
                .strip_prefix(&format!("file://{}/", root.display()))
                .unwrap_or(u);
            for d in diags {
                let sev = ["", "error", "warning", "info", "hint"]
                    [d["severity"].as_u64().unwrap() as usize];
                lines.push(format!(
                    "{} {} {}:{}:{}",
                    d["code"].as_str().unwrap(),
                    sev,
                    file,
                    d["range"]["start"]["line"].as_u64().unwrap() + 1,
                    d["range"]["start"]["character"].as_u64().unwrap() + 1
                ));
            }
        }
        lines.sort();
        let got = if lines.is_empty() {
            String::new()
        } else {
            lines.join("\n") + "\n"
        };
        let want = std::fs::read_to_string(dir.join("expected.txt")).unwrap_or_default();
        c.stop();
        (got != want).then(|| format!("{}:\n--- --check\n{want}--- server\n{got}", dir.display()))
    };
    let mut failures = Vec::new();
    for chunk in dirs.chunks(8) {
        std::thread::scope(|s| {
            let handles: Vec<_> = chunk.iter().map(|d| s.spawn(move || check(d))).collect();
            for h in handles {
                if let Some(f) = h.join().unwrap() {
                    failures.push(f);
                }
            }
        });
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Rule levels from initializationOptions, didChangeConfiguration and
/// workspace/configuration.
#[test]
fn settings_from_the_editor() {
    let root = temp_project("settings", "do101-class-not-exported");
    let cfg = root.join("wrangler.toml");
    let sev = |d: &[Value]| -> Vec<u64> {
        d.iter()
            .filter(|x| x["code"] == "DO101")
            .map(|x| x["severity"].as_u64().unwrap())
            .collect()
    };

    // initializationOptions: DO101 off
    let mut c = Client::start();
    c.request(
        "initialize",
        json!({"processId": null, "rootUri": uri(&root), "capabilities": {},
               "initializationOptions": {"rules": {"DO101": "off", "DO111": "error"}}}),
    );
    c.notify("initialized", json!({}));
    // the first analysis publishes nothing for DO101; prove the run happened
    // by turning DO101 back on as a warning through didChangeConfiguration
    c.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"durable-lsp": {"rules": {"DO101": "warning"}}}}),
    );
    let d = c.diagnostics(&cfg, |d| !sev(d).is_empty());
    assert_eq!(sev(&d), vec![2, 2]);
    c.stop();

    // workspace/configuration: the client's answer sets DO101 to hint
    let mut c = Client::start();
    c.config = json!({"rules": {"DO101": "hint"}});
    c.request(
        "initialize",
        json!({"processId": null, "rootUri": uri(&root), "capabilities": {"workspace": {"configuration": true}}}),
    );
    c.notify("initialized", json!({}));
    let d = c.diagnostics(&cfg, |d| !sev(d).is_empty());
    assert_eq!(sev(&d), vec![4, 4]);
    c.stop();
    std::fs::remove_dir_all(&root).ok();
}

/// `docsBaseUrl`: rule links in diagnostics and hover point at a local copy
/// of `docs/rules/` (as the VS Code extension ships it), Markdown pages by
/// file URI; a web base keeps extensionless pages.
#[test]
fn rule_links_follow_docs_base_url() {
    let root = temp_project("docs-base", "do101-class-not-exported");
    let cfg = root.join("wrangler.toml");
    let href = |d: &[Value]| -> Vec<String> {
        d.iter()
            .filter(|x| x["code"] == "DO101")
            .map(|x| x["codeDescription"]["href"].as_str().unwrap().to_string())
            .collect()
    };
    for (base, want) in [
        (
            "file:///opt/ext/docs/rules/",
            "file:///opt/ext/docs/rules/DO101.md",
        ),
        (
            "https://example.com/durable/rules",
            "https://example.com/durable/rules/DO101",
        ),
    ] {
        let mut c = Client::start();
        c.request(
            "initialize",
            json!({"processId": null, "rootUri": uri(&root), "capabilities": {},
                   "initializationOptions": {"docsBaseUrl": base}}),
        );
        c.notify("initialized", json!({}));
        let d = c.diagnostics(&cfg, |d| !href(d).is_empty());
        assert_eq!(href(&d), vec![want.to_string(), want.to_string()]);
        let h = c.request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri(&cfg)}, "position": {"line": 6, "character": 16}}),
        );
        let text = h["result"]["contents"]["value"].as_str().unwrap();
        assert!(text.contains(&format!("[Rule page]({want})")), "{text}");
        c.stop();
    }
    std::fs::remove_dir_all(&root).ok();
}

/// Push or pull, chosen from the client's capabilities. The Neovim set is
/// what `vim.lsp.protocol.make_client_capabilities()` returns in Neovim
/// 0.11.4; the VS Code set is vscode-languageclient 9's diagnostic
/// capabilities; the Helix set declares pull without refresh support.
#[test]
fn diagnostic_mode_follows_client_capabilities() {
    let sets = [
        ("vscode", vscode_capabilities(), true),
        (
            "neovim-0.11",
            json!({"textDocument": {"publishDiagnostics": {"dataSupport": true, "tagSupport": {"valueSet": [1, 2]}, "relatedInformation": true},
                                    "diagnostic": {"tagSupport": {"valueSet": [1, 2]}, "dynamicRegistration": false}},
                   "workspace": {"didChangeWatchedFiles": {"relativePatternSupport": true, "dynamicRegistration": false}, "configuration": true},
                   "general": {"positionEncodings": ["utf-8", "utf-16", "utf-32"]}}),
            false,
        ),
        (
            "helix",
            json!({"general": {"positionEncodings": ["utf-8", "utf-32", "utf-16"]},
                   "textDocument": {"publishDiagnostics": {"versionSupport": true, "relatedInformation": true},
                                    "diagnostic": {"dynamicRegistration": false, "relatedDocumentSupport": true}},
                   "workspace": {"configuration": true}}),
            false,
        ),
    ];
    for (name, caps, pull) in sets {
        let root = temp_project(&format!("mode-{name}"), "do101-class-not-exported");
        let cfg = root.join("wrangler.toml");
        let mut c = Client::start();
        let init = c.request(
            "initialize",
            json!({"processId": null, "rootUri": uri(&root), "capabilities": caps}),
        );
        c.notify("initialized", json!({}));
        let provider = &init["result"]["capabilities"]["diagnosticProvider"];
        assert_eq!(!provider.is_null(), pull, "{name}: {provider}");
        if pull {
            assert_eq!(provider["interFileDependencies"], true);
            assert_eq!(provider["workspaceDiagnostics"], true);
            // the server asks the client to pull once its analysis is done
            let deadline = Instant::now() + Duration::from_secs(20);
            while !c
                .seen
                .iter()
                .any(|v| v["method"] == "workspace/diagnostic/refresh")
            {
                assert!(Instant::now() < deadline, "{name}: no refresh");
                if let Ok(v) = c.rx.recv_timeout(Duration::from_millis(200)) {
                    c.handle(v);
                }
            }
            assert!(
                !c.seen
                    .iter()
                    .any(|v| v["method"] == "textDocument/publishDiagnostics"),
                "{name}: pushed in pull mode"
            );
            let w = c.request("workspace/diagnostic", json!({"previousResultIds": []}));
            let items = w["result"]["items"].as_array().unwrap();
            let report = items
                .iter()
                .find(|i| i["uri"] == uri(&cfg))
                .expect("the unopened config is reported");
            assert_eq!(
                codes(report["items"].as_array().unwrap()),
                ["DO101", "DO101"]
            );
            let d = c.request(
                "textDocument/diagnostic",
                json!({"textDocument": {"uri": uri(&cfg)}}),
            );
            assert_eq!(d["result"]["kind"], "full");
            assert_eq!(d["result"]["items"].as_array().unwrap().len(), 2);
        } else {
            let d = c.diagnostics(&cfg, |d| codes(d).contains(&"DO101".to_string()));
            assert_eq!(codes(&d), ["DO101", "DO101"], "{name}");
        }
        c.stop();
        std::fs::remove_dir_all(&root).ok();
    }
}

/// The first (full) analysis reports `$/progress` when the client supports it.
#[test]
fn progress_for_the_first_analysis() {
    let root = temp_project("progress", "do101-class-not-exported");
    let mut c = Client::start();
    c.request(
        "initialize",
        json!({"processId": null, "rootUri": uri(&root), "capabilities": {"window": {"workDoneProgress": true}}}),
    );
    c.notify("initialized", json!({}));
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let kinds: Vec<String> = c
            .seen
            .iter()
            .filter(|v| v["method"] == "$/progress")
            .map(|v| {
                v["params"]["value"]["kind"]
                    .as_str()
                    .unwrap_or("")
                    .to_string()
            })
            .collect();
        if kinds.contains(&"end".to_string()) {
            assert!(c
                .seen
                .iter()
                .any(|v| v["method"] == "window/workDoneProgress/create"));
            assert_eq!(kinds.first().map(String::as_str), Some("begin"));
            break;
        }
        assert!(Instant::now() < deadline, "no progress: {kinds:?}");
        if let Ok(v) = c.rx.recv_timeout(Duration::from_millis(100)) {
            c.handle(v);
        }
    }
    c.stop();
    std::fs::remove_dir_all(&root).ok();
}

/// The LSP ordering rule: a request answers against the documents as of the
/// last change before it. `didChange` then, with no wait, `hover` at a
/// position that exists only in the new text, while another Worker's config
/// keeps a full analysis in flight: every answer is for the new text.
#[test]
fn hover_answers_from_the_latest_text_while_another_worker_is_analysed() {
    let root = std::env::temp_dir().join(format!("durable-lsp-e2e-live-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let a_cfg = "name = \"a\"\nmain = \"src/index.ts\"\ncompatibility_date = \"2025-01-01\"\n\n[[durable_objects.bindings]]\nname = \"ROOM\"\nclass_name = \"Room\"\n\n[[durable_objects.bindings]]\nname = \"SPARE\"\nclass_name = \"Room\"\n\n[[migrations]]\ntag = \"v1\"\nnew_sqlite_classes = [\"Room\"]\n";
    write(&root, "a/wrangler.toml", a_cfg);
    let a_src = "import { DurableObject } from \"cloudflare:workers\";\n\nexport class Room extends DurableObject {\n  async run() {\n    const ctx = this.ctx;\n  }\n}\n\nexport default { fetch(_r: Request, env: any) { return env.ROOM.getByName(\"x\").fetch(_r); } };\n";
    write(&root, "a/src/index.ts", a_src);
    // Worker b: enough files that its full analysis takes a while.
    let b_cfg = "name = \"b\"\nmain = \"src/index.ts\"\ncompatibility_date = \"2025-01-01\"\n";
    write(&root, "b/wrangler.toml", b_cfg);
    let mut index = String::new();
    for i in 0..150 {
        index.push_str(&format!("export * from \"./m{i}\";\n"));
        let body: String = (0..40)
            .map(|j| {
                format!("export function f{i}_{j}(env: any) {{ return env.KV.get(\"k{j}\"); }}\n")
            })
            .collect();
        write(&root, &format!("b/src/m{i}.ts"), &body);
    }
    index.push_str("export default { fetch() { return new Response(\"b\"); } };\n");
    write(&root, "b/src/index.ts", &index);
    let root = root.canonicalize().unwrap();

    let mut c = Client::start();
    initialize(&mut c, &root, &["utf-16"]);
    let a_path = root.join("a/src/index.ts");
    let b_path = root.join("b/wrangler.toml");
    c.notify("textDocument/didOpen", json!({"textDocument": {"uri": uri(&a_path), "languageId": "typescript", "version": 1, "text": a_src}}));
    c.notify("textDocument/didOpen", json!({"textDocument": {"uri": uri(&b_path), "languageId": "toml", "version": 1, "text": b_cfg}}));
    // The first analysis is committed (DO111 on the unused SPARE).
    c.diagnostics(&root.join("a/wrangler.toml"), |d| {
        codes(d).contains(&"DO111".to_string())
    });
    let base_lines = a_src.lines().count();
    // Each round adds a line: the hovered one never exists in older text.
    let mut added = String::new();
    for i in 0..200 {
        let v = i + 2;
        c.notify(
            "textDocument/didChange",
            json!({
                "textDocument": {"uri": uri(&b_path), "version": v},
                "contentChanges": [{"text": format!("{b_cfg}# edit {i}\n")}]
            }),
        );
        let line = format!("const probe{i} = this.ctx.storage.setAlarm;");
        added.push_str(&line);
        added.push('\n');
        c.notify(
            "textDocument/didChange",
            json!({
                "textDocument": {"uri": uri(&a_path), "version": v},
                "contentChanges": [{"text": format!("{a_src}{added}")}]
            }),
        );
        let col = line.find("setAlarm").unwrap() + 3;
        let h = c.request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri(&a_path)}, "position": {"line": base_lines + i, "character": col}}),
        );
        let text = h["result"]["contents"]["value"]
            .as_str()
            .unwrap_or_else(|| panic!("round {i}: no hover: {h}"));
        assert!(text.contains("setAlarm"), "round {i}: {text}");
        assert_eq!(
            h["result"]["range"]["start"]["line"],
            base_lines + i,
            "round {i}"
        );
    }
    c.stop();
    let _ = std::fs::remove_dir_all(&root);
}

/// DO111 reads files outside the module graph (a test that uses the
/// binding): opening one re-checks the Worker without a full analysis.
#[test]
fn opening_a_file_that_uses_an_unused_binding_clears_do111() {
    let root = temp_project("do111", "do111-unused-binding");
    let mut c = Client::start();
    initialize(&mut c, &root, &["utf-16"]);
    let cfg = root.join("wrangler.toml");
    c.diagnostics(&cfg, |d| codes(d).contains(&"DO111".to_string()));
    let test = root.join("test/forgotten.test.ts");
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri(&test), "languageId": "typescript", "version": 1,
        "text": "import { env } from \"cloudflare:workers\";\nenv.FORGOTTEN.getByName(\"t\");\n"}}),
    );
    c.diagnostics(&cfg, |d| !codes(d).contains(&"DO111".to_string()));
    // Closing it (it is not on disk) brings the finding back.
    c.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": uri(&test)}}),
    );
    c.diagnostics(&cfg, |d| codes(d).contains(&"DO111".to_string()));
    c.stop();
}

/// A fix rides in `Diagnostic.data`, in the client's positions.
#[test]
fn fixes_ride_in_diagnostic_data() {
    let root = temp_project("fixdata", "suppressions");
    let mut c = Client::start();
    initialize(&mut c, &root, &["utf-16"]);
    let cfg = root.join("wrangler.toml");
    let d = c.diagnostics(&cfg, |d| codes(d).contains(&"DO002".to_string()));
    let unused = d.iter().find(|x| x["code"] == "DO002").unwrap();
    let fix = &unused["data"]["fixes"][0];
    assert_eq!(fix["title"], "Remove the unused suppression");
    assert_eq!(fix["edits"][0]["uri"], uri(&cfg));
    assert_eq!(fix["edits"][0]["newText"], "");
    let r = &fix["edits"][0]["range"];
    assert_eq!(r["start"]["line"], 18);
    assert_eq!(r["end"]["line"], 18);
    c.stop();
}

/// 5,000 messages: interleaved edits, hovers and pull requests across
/// several documents, some cancelled with `$/cancelRequest`, none awaited
/// before the next is sent. Every request gets exactly one answer, the
/// server exits cleanly, and its final diagnostics equal `--check`.
#[test]
fn stress_interleaved_edits_hovers_pulls_and_cancels() {
    let root = std::env::temp_dir().join(format!("durable-lsp-e2e-stress-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    for f in [
        "do101-class-not-exported",
        "do111-unused-binding",
        "suppressions",
    ] {
        copy_dir(&fixtures.join(f), &root.join(f));
    }
    let root = root.canonicalize().unwrap();
    let docs: Vec<PathBuf> = [
        "do101-class-not-exported/src/index.ts",
        "do101-class-not-exported/wrangler.toml",
        "do111-unused-binding/src/index.ts",
        "suppressions/src/index.ts",
        "do111-unused-binding/test/new.test.ts",
    ]
    .iter()
    .map(|p| root.join(p))
    .collect();
    let originals: Vec<String> = docs
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap_or_default())
        .collect();
    let variant = |k: usize, v: u64| -> String {
        let o = &originals[k];
        match v % 5 {
            0 => o.clone(),
            1 => format!("{o}\nenv.FORGOTTEN.getByName(\"s{v}\");\n"),
            2 => o.replace("export class", "class"),
            3 => format!("// durable-lsp-ignore DO111: stress {v}\n{o}"),
            _ => o[..o.len() / 2].to_string(),
        }
    };

    let mut c = Client::start();
    c.request(
        "initialize",
        json!({"processId": null, "rootUri": uri(&root), "capabilities": {
            "general": {"positionEncodings": ["utf-32"]},
            "textDocument": {"diagnostic": {"dynamicRegistration": false}},
            "workspace": {"diagnostics": {"refreshSupport": true}}}}),
    );
    c.notify("initialized", json!({}));
    let mut versions = vec![1i64; docs.len()];
    let mut texts = originals.clone();
    for (k, p) in docs.iter().enumerate() {
        c.notify("textDocument/didOpen", json!({"textDocument": {"uri": uri(p), "languageId": "typescript", "version": 1, "text": texts[k]}}));
    }
    let mut seed: u64 = 0x005e_edd0;
    let mut next = || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        seed >> 33
    };
    let started = Instant::now();
    let mut sent: Vec<i64> = Vec::new();
    let mut messages = 0;
    while messages < 5000 {
        let k = (next() as usize) % docs.len();
        match next() % 10 {
            0..=3 => {
                versions[k] += 1;
                texts[k] = variant(k, next());
                c.notify(
                    "textDocument/didChange",
                    json!({"textDocument": {"uri": uri(&docs[k]), "version": versions[k]},
                    "contentChanges": [{"text": texts[k]}]}),
                );
            }
            4..=6 => {
                let id = c.next_id;
                c.next_id += 1;
                c.send(json!({"jsonrpc": "2.0", "id": id, "method": "textDocument/hover",
                    "params": {"textDocument": {"uri": uri(&docs[k])}, "position": {"line": next() % 25, "character": next() % 50}}}));
                sent.push(id);
            }
            7 | 8 => {
                let id = c.next_id;
                c.next_id += 1;
                c.send(
                    json!({"jsonrpc": "2.0", "id": id, "method": "textDocument/diagnostic",
                    "params": {"textDocument": {"uri": uri(&docs[k])}}}),
                );
                sent.push(id);
            }
            _ if next() % 8 == 0 => {
                // editor settings pushed among the messages
                let rules = match next() % 3 {
                    0 => json!({"DO111": "off"}),
                    1 => json!({"DO101": "warning"}),
                    _ => json!({}),
                };
                c.notify(
                    "workspace/didChangeConfiguration",
                    json!({"settings": {"durable-lsp": {"rules": rules}}}),
                );
            }
            _ => {
                if let Some(&id) = sent.get(sent.len().saturating_sub(1 + (next() as usize) % 4)) {
                    c.notify("$/cancelRequest", json!({"id": id}));
                }
            }
        }
        messages += 1;
        // keep the channel drained
        while let Ok(v) = c.rx.try_recv() {
            if v.get("method").is_some() {
                c.handle(v);
            } else {
                c.seen.push(v);
            }
        }
    }
    // Every request is answered exactly once (a result or RequestCancelled).
    let mut answered = std::collections::BTreeMap::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        for v in c.seen.drain(..) {
            if v.get("method").is_none() {
                if let Some(id) = v["id"].as_i64() {
                    if let Some(e) = v.get("error") {
                        // cancelled by the client, or a pull refused for a
                        // retrigger while the edits went on
                        assert!(
                            e["code"] == -32800
                                || (e["code"] == -32802 && e["data"]["retriggerRequest"] == true),
                            "only cancellations fail: {v}"
                        );
                    }
                    *answered.entry(id).or_insert(0) += 1;
                }
            }
        }
        if sent.iter().all(|id| answered.contains_key(id)) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{} of {} requests unanswered",
            sent.len() - answered.len(),
            sent.len()
        );
        if let Ok(v) = c.rx.recv_timeout(Duration::from_millis(100)) {
            if v.get("method").is_some() {
                c.handle(v);
            } else {
                c.seen.push(v);
            }
        }
    }
    assert!(
        answered.values().all(|n| *n == 1),
        "a request was answered twice"
    );
    // Save the documents' final texts and go back to the default settings;
    // the server's diagnostics equal --check.
    for (k, p) in docs.iter().enumerate() {
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, &texts[k]).unwrap();
    }
    c.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"durable-lsp": {"rules": {}}}}),
    );
    // (a pull refused for a retrigger is asked again)
    let w = loop {
        let w = c.request("workspace/diagnostic", json!({"previousResultIds": []}));
        if w.get("result").is_some() {
            break w;
        }
    };
    let mut got: Vec<String> = Vec::new();
    for item in w["result"]["items"].as_array().unwrap() {
        let file = item["uri"]
            .as_str()
            .unwrap()
            .strip_prefix(&format!("file://{}/", root.display()))
            .unwrap()
            .to_string();
        for d in item["items"].as_array().unwrap() {
            got.push(format!(
                "{} {}:{}:{}",
                d["code"].as_str().unwrap(),
                file,
                d["range"]["start"]["line"].as_u64().unwrap() + 1,
                d["range"]["start"]["character"].as_u64().unwrap() + 1
            ));
        }
    }
    got.sort();
    let fs = durable_lsp::project::fs::OsFs::new(std::slice::from_ref(&root));
    let ws = durable_lsp::project::Workspace::load(&fs, std::slice::from_ref(&root));
    let mut want: Vec<String> = durable_lsp::rules::check(&ws, &fs)
        .diagnostics
        .iter()
        .map(|d| {
            let (text, idx) = match ws.file(&d.file) {
                Some(f) => (f.text.to_string(), f.lines.clone()),
                None => {
                    let w = ws.workers.iter().find(|w| w.config.path == d.file).unwrap();
                    (w.text.to_string(), w.lines.clone())
                }
            };
            let p = idx.position(&text, d.span.start, durable_lsp::text::Encoding::Utf32);
            format!(
                "{} {}:{}:{}",
                d.code,
                d.file.strip_prefix(&root).unwrap().display(),
                p.line + 1,
                p.column + 1
            )
        })
        .collect();
    want.sort();
    assert_eq!(got, want, "the server's final diagnostics equal --check");
    c.request("shutdown", json!(null));
    c.notify("exit", json!(null));
    let status = c.child.wait().unwrap();
    assert!(status.success(), "the server exits cleanly: {status}");
    eprintln!(
        "stress: {messages} messages, {} requests in {:.1} s",
        sent.len(),
        started.elapsed().as_secs_f64()
    );
    let _ = std::fs::remove_dir_all(&root);
}

/// A client that cannot watch files (Neovim 0.11 on Linux): the server
/// watches the workspace itself, so edits made by other programs (a
/// `git checkout`, another editor) still reach the analysis.
#[test]
fn the_server_watches_files_when_the_client_cannot() {
    let root = temp_project("selfwatch", "do111-unused-binding");
    let mut c = Client::start();
    c.request(
        "initialize",
        json!({"processId": null, "rootUri": uri(&root), "capabilities": {
            "general": {"positionEncodings": ["utf-16"]},
            "workspace": {"didChangeWatchedFiles": {"dynamicRegistration": false}}}}),
    );
    c.notify("initialized", json!({}));
    let cfg = root.join("wrangler.toml");
    c.diagnostics(&cfg, |d| codes(d).contains(&"DO111".to_string()));
    // give the watch a moment to be set up, then create a test in a new folder
    std::thread::sleep(Duration::from_millis(300));
    std::fs::create_dir_all(root.join("test/unit")).unwrap();
    std::thread::sleep(Duration::from_millis(100));
    std::fs::write(
        root.join("test/unit/forgotten.test.ts"),
        "import { env } from \"cloudflare:workers\";\nenv.FORGOTTEN.getByName(\"t\");\n",
    )
    .unwrap();
    c.diagnostics(&cfg, |d| !codes(d).contains(&"DO111".to_string()));
    // an edit of an existing source on disk
    let src = root.join("src/index.ts");
    let text = std::fs::read_to_string(&src).unwrap();
    std::fs::write(&src, format!("{text}\nvoid env.NOPE.idFromName(\"x\");\n")).unwrap();
    c.diagnostics(&src, |d| codes(d).contains(&"DO110".to_string()));
    c.stop();
    std::fs::remove_dir_all(&root).ok();
}

/// After `didClose`, the file is what the disk holds: hover never shows
/// the closed buffer's unsaved text.
#[test]
fn hover_after_close_reads_the_disk() {
    let root = temp_project("closed", "do111-unused-binding");
    let mut c = Client::start();
    initialize(&mut c, &root, &["utf-16"]);
    let cfg = root.join("wrangler.toml");
    c.diagnostics(&cfg, |d| codes(d).contains(&"DO111".to_string()));
    let src = root.join("src/index.ts");
    let disk = std::fs::read_to_string(&src).unwrap();
    let lines = disk.lines().count();
    let added = format!("{disk}const probe = this.ctx.storage.setAlarm;\n");
    c.notify("textDocument/didOpen", json!({"textDocument": {"uri": uri(&src), "languageId": "typescript", "version": 1, "text": added}}));
    let at =
        json!({"textDocument": {"uri": uri(&src)}, "position": {"line": lines, "character": 33}});
    let h = c.request("textDocument/hover", at.clone());
    assert!(
        h["result"]["contents"]["value"]
            .as_str()
            .unwrap_or("")
            .contains("setAlarm"),
        "{h}"
    );
    c.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": uri(&src)}}),
    );
    let h = c.request("textDocument/hover", at);
    assert!(h["result"].is_null(), "the unsaved line is gone: {h}");
    c.stop();
}

/// One bad message must not end the server: each bad frame sits between
/// two good requests, the second is answered, and stderr says what was
/// wrong.
#[test]
fn bad_frames_do_not_end_the_server() {
    use std::io::{Read, Write};
    let bad: Vec<(&str, Vec<u8>)> = vec![
        ("not JSON", b"Content-Length: 9\r\n\r\n{not json".to_vec()),
        ("batch", b"Content-Length: 2\r\n\r\n[]".to_vec()),
        ("version", {
            // LF line ends, Content-Type first, no charset
            let b = br#"{"jsonrpc":"1.0","id":99,"method":"hover"}"#;
            let mut v = format!(
                "Content-Type: application/vscode-jsonrpc\nContent-Length: {}\n\n",
                b.len()
            )
            .into_bytes();
            v.extend_from_slice(b);
            v
        }),
        ("fractional id", {
            let b = br#"{"jsonrpc":"2.0","id":1.5,"method":"shutdown"}"#;
            let mut v = format!(
                "content-length: {}\r\ncontent-type: application/vscode-jsonrpc\r\n\r\n",
                b.len()
            )
            .into_bytes();
            v.extend_from_slice(b);
            v
        }),
        ("garbage", b"garbage before a header\r\n".to_vec()),
        ("huge", b"Content-Length: 100000000000\r\n\r\n".to_vec()),
    ];
    for (name, frame) in bad {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_durable-lsp"))
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let msg = |v: Value| {
            let s = v.to_string();
            format!("Content-Length: {}\r\n\r\n{s}", s.len()).into_bytes()
        };
        stdin.write_all(&msg(json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": {}}}))).unwrap();
        stdin.flush().unwrap();
        std::thread::sleep(Duration::from_millis(300));
        stdin.write_all(&frame).unwrap();
        stdin
            .write_all(&msg(
                json!({"jsonrpc": "2.0", "id": 2, "method": "shutdown"}),
            ))
            .unwrap();
        stdin.flush().unwrap();
        // a client sends exit once shutdown is answered
        std::thread::sleep(Duration::from_millis(300));
        stdin
            .write_all(&msg(json!({"jsonrpc": "2.0", "method": "exit"})))
            .unwrap();
        drop(stdin);
        let mut out = String::new();
        child
            .stdout
            .take()
            .unwrap()
            .read_to_string(&mut out)
            .unwrap();
        let mut err = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .unwrap();
        let status = child.wait().unwrap();
        assert!(
            out.contains("{\"jsonrpc\":\"2.0\",\"result\":null,\"id\":2}"),
            "{name}: the request after it is answered: {out}"
        );
        assert!(
            status.success(),
            "{name}: exit after shutdown is 0: {status}"
        );
        let expected = match name {
            "not JSON" => "not JSON",
            "batch" => "batch",
            "version" => "not JSON-RPC 2.0",
            "fractional id" => "invalid request",
            "huge" => "over the",
            _ => "not a message header",
        };
        assert!(err.contains(expected), "{name}: stderr says why: {err}");
    }
}

/// `exit` without `shutdown` exits with 1 (the protocol); a request for an
/// unknown `$/` method is answered with method-not-found.
#[test]
fn exit_without_shutdown_and_dollar_requests() {
    let mut c = Client::start();
    let root = temp_project("exit", "ok-basic");
    initialize(&mut c, &root, &["utf-16"]);
    let r = c.request("$/unknownRequest", json!({}));
    assert_eq!(r["error"]["code"], -32601, "{r}");
    c.notify("exit", json!(null));
    let status = c.child.wait().unwrap();
    assert_eq!(status.code(), Some(1));
}

/// A 20 MB document is not parsed (as in `--check`), so the server stays
/// responsive: a hover elsewhere still answers at once.
#[test]
fn a_huge_document_does_not_stall_the_server() {
    let root = temp_project("huge", "do111-unused-binding");
    let mut c = Client::start();
    initialize(&mut c, &root, &["utf-16"]);
    c.diagnostics(&root.join("wrangler.toml"), |d| {
        codes(d).contains(&"DO111".to_string())
    });
    let huge = root.join("src/huge.ts");
    let line = "export const x = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16];\n";
    let text = line.repeat(20 * 1024 * 1024 / line.len());
    c.notify("textDocument/didOpen", json!({"textDocument": {"uri": uri(&huge), "languageId": "typescript", "version": 1, "text": text}}));
    for v in 2..5 {
        c.notify("textDocument/didChange", json!({"textDocument": {"uri": uri(&huge), "version": v},
            "contentChanges": [{"range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}, "text": "// x\n"}]}));
    }
    let src = root.join("src/index.ts");
    let text = std::fs::read_to_string(&src).unwrap();
    let (l, line_text) = text
        .lines()
        .enumerate()
        .find(|(_, l)| l.contains("idFromName") || l.contains("getByName"))
        .unwrap();
    let col = line_text
        .find("ByName")
        .or(line_text.find("FromName"))
        .unwrap();
    let started = Instant::now();
    let h = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri(&src)}, "position": {"line": l, "character": col}}),
    );
    // a guard against a stalled server, not a benchmark
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert!(h["result"]["contents"]["value"].as_str().is_some(), "{h}");
    c.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": uri(&huge)}}),
    );
    c.stop();
}

/// A document too slow to parse on the message path (unclosed nesting) is
/// left to the analysis: its edits are still analysed from the latest text,
/// incremental edits included.
#[test]
fn a_document_whose_parse_is_cut_is_analysed_from_its_latest_text() {
    let root = temp_project("cut", "do101-class-not-exported");
    let cfg = root.join("wrangler.toml");
    let src = root.join("src/index.ts");
    let text = std::fs::read_to_string(&src).unwrap();
    let mut c = Client::start();
    initialize(&mut c, &root, &["utf-16"]);
    let do101 = |d: &[Value]| codes(d).iter().filter(|c| *c == "DO101").count();
    c.diagnostics(&cfg, |d| do101(d) == 2);
    // the entry with 400,000 unclosed `(` at its end
    let hostile = format!("{text}\nvoid f{}", "(".repeat(400_000));
    c.notify("textDocument/didOpen", json!({"textDocument": {"uri": uri(&src), "languageId": "typescript", "version": 1, "text": hostile}}));
    // an incremental edit at the top: export Counter
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri(&src), "version": 2},
               "contentChanges": [{"range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}},
                                   "text": "export { Counter };\n"}]}),
    );
    // the cut file's exports are unknown: no DO101 either way
    c.diagnostics(&cfg, |d| do101(d) == 0);
    // the nesting removed, the edit kept: Counter is exported, one DO101
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri(&src), "version": 3},
               "contentChanges": [{"text": format!("export {{ Counter }};\n{text}")}]}),
    );
    c.diagnostics(&cfg, |d| do101(d) == 1);
    // an incremental edit on the document that lost its tree: both again
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri(&src), "version": 4},
               "contentChanges": [{"range": {"start": {"line": 0, "character": 0}, "end": {"line": 1, "character": 0}},
                                   "text": ""}]}),
    );
    c.diagnostics(&cfg, |d| do101(d) == 2);
    c.stop();
    std::fs::remove_dir_all(&root).ok();
}

/// A document opened from outside every workspace folder is analysed
/// alone: hover answers on its own text, and its folder (here a Worker with
/// findings) is never made a root. Without workspace folders, an opened
/// file brings the nearest folder with a config as its root.
#[test]
fn a_document_outside_the_workspace_is_analysed_alone() {
    let inside = temp_project("inside", "ok-basic");
    let outside = temp_project("outside", "do101-class-not-exported");
    let src = outside.join("src/index.ts");
    let text = std::fs::read_to_string(&src).unwrap();
    let (l, line_text) = text
        .lines()
        .enumerate()
        .find(|(_, l)| l.contains("idFromName"))
        .unwrap();
    let col = line_text.find("idFromName").unwrap() + 2;

    let mut c = Client::start();
    initialize(&mut c, &inside, &["utf-16"]);
    c.notify("textDocument/didOpen", json!({"textDocument": {"uri": uri(&src), "languageId": "typescript", "version": 1, "text": text}}));
    let h = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri(&src)}, "position": {"line": l, "character": col}}),
    );
    let md = h["result"]["contents"]["value"]
        .as_str()
        .unwrap_or_default();
    assert!(md.contains("idFromName"), "hover on its own text: {h}");
    // a document of the workspace opened too: nothing is published for the outside folder
    c.notify("textDocument/didOpen", json!({"textDocument": {"uri": uri(&inside.join("src/index.ts")), "languageId": "typescript", "version": 1,
        "text": std::fs::read_to_string(inside.join("src/index.ts")).unwrap()}}));
    // hovers wait for the analysis of the changes before them
    for _ in 0..2 {
        c.request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri(&inside.join("src/index.ts"))}, "position": {"line": 0, "character": 0}}),
        );
        std::thread::sleep(Duration::from_millis(300));
    }
    assert!(
        !c.seen.iter().any(|m| m["params"]["uri"]
            .as_str()
            .is_some_and(|u| u.starts_with(&uri(&outside)))),
        "nothing published for the outside folder"
    );
    c.stop();

    // single-file mode: the file's Worker becomes the root
    let mut c = Client::start();
    c.request(
        "initialize",
        json!({"processId": null, "rootUri": null, "capabilities": {}}),
    );
    c.notify("initialized", json!({}));
    c.notify("textDocument/didOpen", json!({"textDocument": {"uri": uri(&src), "languageId": "typescript", "version": 1, "text": text}}));
    c.diagnostics(&outside.join("wrangler.toml"), |d| {
        codes(d).iter().filter(|c| *c == "DO101").count() == 2
    });
    c.stop();
    std::fs::remove_dir_all(&inside).ok();
    std::fs::remove_dir_all(&outside).ok();
}

/// `maxSourceMB`: the editor's source size limit, as `--max-source-mb`: a
/// 1.1 MB entry is skipped under 1 (DO100 on it, no DO101) and read under 2.
#[test]
fn max_source_mb_from_the_editor() {
    let root = temp_project("max-source", "ok-basic");
    std::fs::write(
        root.join("wrangler.toml"),
        "name = \"w\"\nmain = \"src/index.ts\"\n[[durable_objects.bindings]]\nname = \"A\"\nclass_name = \"A\"\n[[migrations]]\ntag = \"v1\"\nnew_sqlite_classes = [\"A\"]\n",
    )
    .unwrap();
    let src = root.join("src/index.ts");
    std::fs::write(
        &src,
        format!(
            "{}class A {{}}\nexport default {{ fetch() {{ return new Response(); }} }};\n",
            "// padding\n".repeat(100_000)
        ),
    )
    .unwrap();
    let mut c = Client::start();
    c.request(
        "initialize",
        json!({"processId": null, "rootUri": uri(&root), "capabilities": {},
               "initializationOptions": {"maxSourceMB": 1}}),
    );
    c.notify("initialized", json!({}));
    let d = c.diagnostics(&src, |d| !d.is_empty());
    assert!(
        d.iter()
            .any(|x| x["code"] == "DO100" && x["message"].as_str().unwrap().contains("too large")),
        "{d:?}"
    );
    c.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"durable-lsp": {"maxSourceMB": 2}}}),
    );
    c.diagnostics(&root.join("wrangler.toml"), |d| {
        codes(d).contains(&"DO101".to_string())
    });
    c.stop();
    std::fs::remove_dir_all(&root).ok();
}

/// A client document that starts with a byte-order mark counts it as the
/// first line's first character: ranges on that line include it.
#[test]
fn a_leading_bom_counts_as_a_character() {
    let root = temp_project("bom", "ok-basic");
    let cfg = root.join("wrangler.toml");
    let body = "durable_objects.bindings = [{ name = \"A\", class_name = \"Nope\" }]\nname = \"w\"\nmain = \"src/index.ts\"\n[[migrations]]\ntag = \"v1\"\nnew_sqlite_classes = [\"Nope\"]\n";
    std::fs::write(&cfg, body).unwrap();
    let mut c = Client::start();
    initialize(&mut c, &root, &["utf-16"]);
    let col = body.find("\"Nope\"").unwrap() as u64;
    let d = c.diagnostics(&cfg, |d| codes(d).contains(&"DO101".to_string()));
    let x = d.iter().find(|x| x["code"] == "DO101").unwrap();
    assert_eq!(
        x["range"]["start"]["character"].as_u64(),
        Some(col),
        "from disk: {x}"
    );
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri(&cfg), "languageId": "toml", "version": 1,
        "text": format!("\u{feff}{body}\n")}}),
    );
    let d = c.diagnostics(&cfg, |d| {
        d.iter().any(|x| {
            x["code"] == "DO101" && x["range"]["start"]["character"].as_u64() == Some(col + 1)
        })
    });
    let x = d.iter().find(|x| x["code"] == "DO101").unwrap();
    assert_eq!(
        x["range"]["end"]["character"].as_u64(),
        Some(col + 7),
        "{x}"
    );
    // a source document: hover ranges count the mark too
    let src = root.join("src/index.ts");
    let disk = std::fs::read_to_string(&src).unwrap();
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri(&src), "languageId": "typescript", "version": 1,
        "text": format!("\u{feff}const probe = this.ctx.storage.setAlarm;\n{disk}")}}),
    );
    let h = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri(&src)}, "position": {"line": 0, "character": 33}}),
    );
    assert!(
        h["result"]["contents"]["value"]
            .as_str()
            .unwrap_or("")
            .contains("setAlarm"),
        "{h}"
    );
    assert_eq!(h["result"]["range"]["start"]["character"], 32, "{h}");
    c.stop();
    std::fs::remove_dir_all(&root).ok();
}

/// `baseRef` runs the deploy-history rules live: editing an applied
/// migration in the editor is DO130 before anything is saved.
#[test]
fn base_ref_flags_an_applied_migration_edited_as_you_type() {
    let root = temp_project("baseref", "ok-basic");
    let cfg = root.join("wrangler.toml");
    let git = |args: &[&str]| {
        let out = std::process::Command::new("git")
            .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
            .args(args)
            .current_dir(&root)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .output()
            .expect("git builds the test repository");
        assert!(out.status.success(), "{out:?}");
    };
    git(&["init", "-q", "-b", "main"]);
    git(&["add", "-A"]);
    git(&["commit", "-q", "-m", "base"]);
    let text = std::fs::read_to_string(&cfg).unwrap();
    assert!(
        text.contains("new_sqlite_classes = [\"Counter\"]"),
        "{text}"
    );
    let mut c = Client::start();
    c.request(
        "initialize",
        json!({"processId": null, "rootUri": uri(&root), "capabilities": {},
               "initializationOptions": {"baseRef": "main"}}),
    );
    c.notify("initialized", json!({}));
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri(&cfg), "languageId": "toml", "version": 1,
        "text": text.replace("[\"Counter\"]", "[\"Counter\", \"Extra\"]")}}),
    );
    let d = c.diagnostics(&cfg, |d| codes(d).contains(&"DO130".to_string()));
    let x = d.iter().find(|x| x["code"] == "DO130").unwrap();
    assert!(
        x["message"].as_str().unwrap().contains("adds `Extra`"),
        "{x}"
    );
    // undoing the edit clears it
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri(&cfg), "version": 2}, "contentChanges": [{"text": text}]}),
    );
    c.diagnostics(&cfg, |d| !codes(d).contains(&"DO130".to_string()));
    c.stop();
    std::fs::remove_dir_all(&root).ok();
}

/// After any framing error the reader finds the next `Content-Length:`
/// header wherever it starts, and every later well-formed request is
/// answered: one case per error, each followed by five good requests.
#[test]
fn framing_errors_resynchronise_on_the_next_header() {
    use std::io::{Read, Write};
    let hover = |id: i64| {
        json!({"jsonrpc": "2.0", "id": id, "method": "textDocument/hover",
            "params": {"textDocument": {"uri": "file:///nowhere/x.ts"}, "position": {"line": 0, "character": 0}}})
        .to_string()
    };
    let framed =
        |body: &str, len: String| format!("Content-Length: {len}\r\n\r\n{body}").into_bytes();
    let bad_body = hover(50);
    let unicode = json!({"jsonrpc": "2.0", "id": 51, "method": "textDocument/hover",
        "params": {"textDocument": {"uri": "file:///nowhere/é€😀.ts"}, "position": {"line": 0, "character": 0}}})
    .to_string();
    let cases: Vec<(&str, Vec<u8>)> = vec![
        (
            "one byte short",
            framed(&bad_body, (bad_body.len() - 1).to_string()),
        ),
        (
            "one byte long",
            framed(&bad_body, (bad_body.len() + 1).to_string()),
        ),
        (
            "far too long",
            framed(&bad_body, (bad_body.len() + 300).to_string()),
        ),
        (
            "missing",
            format!("Content-Type: application/vscode-jsonrpc\r\n\r\n{bad_body}").into_bytes(),
        ),
        ("negative", framed(&bad_body, "-5".into())),
        ("10^11", framed(&bad_body, "100000000000".into())),
        (
            "10^26",
            framed(&bad_body, "100000000000000000000000000".into()),
        ),
        ("garbage glued before a header", {
            let mut v = b"garbage".to_vec();
            v.extend(framed(&bad_body, bad_body.len().to_string()));
            v
        }),
        (
            "characters counted instead of bytes",
            framed(&unicode, unicode.chars().count().to_string()),
        ),
    ];
    for (name, frame) in cases {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_durable-lsp"))
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let msg = |v: String| format!("Content-Length: {}\r\n\r\n{v}", v.len()).into_bytes();
        stdin
            .write_all(&msg(json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": {}}}).to_string()))
            .unwrap();
        stdin
            .write_all(&msg(
                json!({"jsonrpc": "2.0", "method": "initialized", "params": {}}).to_string(),
            ))
            .unwrap();
        stdin.write_all(&frame).unwrap();
        for id in 100..105 {
            stdin.write_all(&msg(hover(id))).unwrap();
        }
        stdin
            .write_all(&msg(
                json!({"jsonrpc": "2.0", "id": 200, "method": "shutdown"}).to_string(),
            ))
            .unwrap();
        stdin.flush().unwrap();
        std::thread::sleep(Duration::from_millis(500));
        stdin
            .write_all(&msg(json!({"jsonrpc": "2.0", "method": "exit"}).to_string()))
            .unwrap();
        drop(stdin);
        let mut out = String::new();
        child
            .stdout
            .take()
            .unwrap()
            .read_to_string(&mut out)
            .unwrap();
        let _ = child.wait();
        for id in (100..105).chain([200]) {
            assert!(
                out.contains(&format!("\"id\":{id}}}")),
                "{name}: request {id} is answered; the server wrote:\n{out}"
            );
        }
    }
}

/// VS Code's capabilities: pull diagnostics, `workspace/configuration`.
fn vscode_capabilities() -> Value {
    json!({"general": {"positionEncodings": ["utf-16"]},
           "textDocument": {"diagnostic": {"dynamicRegistration": true, "relatedDocumentSupport": false},
                            "publishDiagnostics": {"relatedInformation": true}},
           "workspace": {"diagnostics": {"refreshSupport": true}, "configuration": true,
                         "didChangeWatchedFiles": {"dynamicRegistration": true}}})
}

/// A client that answers `workspace/configuration` late does not stall the
/// server: while the answer is held, four pulls are pending, and a hover
/// and the cancellation of the pulls are answered at once (notifications
/// and `$/cancelRequest` are not queued behind requests).
#[test]
fn a_client_that_answers_configuration_late_does_not_stall_the_server() {
    let root = temp_project("late-config", "do101-class-not-exported");
    let cfg = root.join("wrangler.toml");
    let src = root.join("src/index.ts");
    let mut c = Client::start();
    c.request(
        "initialize",
        json!({"processId": null, "rootUri": uri(&root),
               "workspaceFolders": [{"uri": uri(&root), "name": "root"}],
               "capabilities": vscode_capabilities()}),
    );
    // initialized: the server asks for its settings; the answer is held
    c.notify("initialized", json!({}));
    for id in 1000..1004 {
        c.send(
            json!({"jsonrpc": "2.0", "id": id, "method": "textDocument/diagnostic",
                      "params": {"textDocument": {"uri": uri(&cfg)}}}),
        );
    }
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri(&src), "languageId": "typescript", "version": 1,
                                "text": std::fs::read_to_string(&src).unwrap()}}),
    );
    c.send(json!({"jsonrpc": "2.0", "id": 2000, "method": "textDocument/hover",
                  "params": {"textDocument": {"uri": uri(&src)}, "position": {"line": 0, "character": 0}}}));
    for id in 1000..1004 {
        c.notify("$/cancelRequest", json!({"id": id}));
    }
    // one more pull, left to run out its wait
    c.send(
        json!({"jsonrpc": "2.0", "id": 3000, "method": "textDocument/diagnostic",
                  "params": {"textDocument": {"uri": uri(&cfg)}}}),
    );
    let mut held: Option<Value> = None;
    let mut answered: std::collections::BTreeMap<i64, Value> = Default::default();
    let deadline = Instant::now() + Duration::from_secs(4);
    while answered.len() < 5 {
        let left = deadline.saturating_duration_since(Instant::now());
        assert!(
            !left.is_zero(),
            "answered while the settings were held: {:?}",
            answered.keys()
        );
        let Ok(v) = c.rx.recv_timeout(left) else {
            continue;
        };
        if v["method"] == "workspace/configuration" {
            held = Some(v);
        } else if v.get("method").is_none() {
            answered.insert(v["id"].as_i64().unwrap(), v);
        } else {
            c.handle(v);
        }
    }
    assert!(held.is_some(), "the server asked for its settings");
    for id in 1000..1004 {
        assert_eq!(
            answered[&id]["error"]["code"], -32800,
            "pull {id} is cancelled: {}",
            answered[&id]
        );
    }
    assert!(
        answered[&2000].get("result").is_some(),
        "the hover is answered"
    );
    // The pull that cannot be answered in time is refused for the client to
    // retrigger, not answered with an empty report.
    let deadline = Instant::now() + Duration::from_secs(8);
    let late = loop {
        let left = deadline.saturating_duration_since(Instant::now());
        assert!(
            !left.is_zero(),
            "pull 3000 is answered while the settings are held"
        );
        let Ok(v) = c.rx.recv_timeout(left) else {
            continue;
        };
        if v["id"] == 3000 && v.get("method").is_none() {
            break v;
        }
        if v["method"] != "workspace/configuration" {
            c.handle(v);
        }
    };
    assert_eq!(late["error"]["code"], -32802, "{late}");
    assert_eq!(late["error"]["data"]["retriggerRequest"], true, "{late}");
    // The late answer: the analysis runs and a pull sees its findings.
    let q = held.unwrap();
    c.send(json!({"jsonrpc": "2.0", "id": q["id"], "result": [{}]}));
    let d = c.request(
        "textDocument/diagnostic",
        json!({"textDocument": {"uri": uri(&cfg)}}),
    );
    assert_eq!(
        codes(d["result"]["items"].as_array().unwrap()),
        ["DO101", "DO101"]
    );
    c.stop();
    std::fs::remove_dir_all(&root).ok();
}

/// A settings change reaches the request right after it: with a client
/// that answers `workspace/configuration`, `didChangeConfiguration` and a
/// pull sent together see the new rule level, every time.
#[test]
fn a_settings_change_reaches_the_next_request() {
    let root = temp_project("settings-next", "do101-class-not-exported");
    let cfg = root.join("wrangler.toml");
    let mut c = Client::start();
    c.config = json!({});
    c.request(
        "initialize",
        json!({"processId": null, "rootUri": uri(&root),
               "workspaceFolders": [{"uri": uri(&root), "name": "root"}],
               "capabilities": vscode_capabilities()}),
    );
    c.notify("initialized", json!({}));
    let d = c.request(
        "textDocument/diagnostic",
        json!({"textDocument": {"uri": uri(&cfg)}}),
    );
    assert_eq!(
        codes(d["result"]["items"].as_array().unwrap()),
        ["DO101", "DO101"]
    );
    for round in 0..10 {
        let off = round % 2 == 0;
        c.config = if off {
            json!({"rules": {"DO101": "off"}})
        } else {
            json!({})
        };
        c.notify(
            "workspace/didChangeConfiguration",
            json!({"settings": null}),
        );
        let d = c.request(
            "textDocument/diagnostic",
            json!({"textDocument": {"uri": uri(&cfg)}}),
        );
        let got = codes(d["result"]["items"].as_array().unwrap());
        let want: Vec<String> = if off {
            vec![]
        } else {
            vec!["DO101".into(), "DO101".into()]
        };
        assert_eq!(got, want, "round {round}: DO101 off = {off}");
    }
    // Settings pushed with the notification (no configuration support)
    // apply to the next request as well.
    c.stop();
    let mut c = Client::start();
    c.request(
        "initialize",
        json!({"processId": null, "rootUri": uri(&root),
               "capabilities": {"textDocument": {"diagnostic": {"dynamicRegistration": false}}}}),
    );
    c.notify("initialized", json!({}));
    for round in 0..6 {
        let off = round % 2 == 0;
        let rules = if off {
            json!({"DO101": "off"})
        } else {
            json!({})
        };
        c.notify(
            "workspace/didChangeConfiguration",
            json!({"settings": {"durable-lsp": {"rules": rules}}}),
        );
        let d = c.request(
            "textDocument/diagnostic",
            json!({"textDocument": {"uri": uri(&cfg)}}),
        );
        let n = d["result"]["items"].as_array().unwrap().len();
        assert_eq!(n == 0, off, "pushed settings, round {round}: {d}");
    }
    c.stop();
    std::fs::remove_dir_all(&root).ok();
}

/// A Worker `name` that binds `class` as `A` and creates it.
fn one_binding(name: &str, class: &str) -> String {
    format!("name = \"{name}\"\nmain = \"src/index.ts\"\ncompatibility_date = \"2025-10-01\"\n\n[[durable_objects.bindings]]\nname = \"A\"\nclass_name = \"{class}\"\n\n[[migrations]]\ntag = \"v1\"\nnew_sqlite_classes = [\"{class}\"]\n")
}

/// The opened file's Worker is analysed before the whole workspace: its
/// diagnostics are published before the first full analysis ends (its
/// `$/progress` end), and a pull for it is answered from that analysis.
#[test]
fn the_opened_files_worker_goes_first() {
    let root = std::env::temp_dir().join(format!("durable-lsp-first-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let worker = |dir: &str, class: &str| {
        write(
            &root,
            &format!("{dir}/wrangler.toml"),
            &one_binding(dir, class),
        );
        write(
            &root,
            &format!("{dir}/src/index.ts"),
            "import { DurableObject } from \"cloudflare:workers\";\nexport class Other extends DurableObject {}\nexport default { fetch() { return new Response(\"ok\"); } };\n",
        );
    };
    for i in 0..30 {
        worker(&format!("w{i:02}"), "Missing");
    }
    let opened = root.join("w07/wrangler.toml");
    // push
    let mut c = Client::start();
    c.request(
        "initialize",
        json!({"processId": null, "rootUri": uri(&root),
               "workspaceFolders": [{"uri": uri(&root), "name": "root"}],
               "capabilities": {"window": {"workDoneProgress": true}}}),
    );
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri(&opened), "languageId": "toml", "version": 1,
                                "text": std::fs::read_to_string(&opened).unwrap()}}),
    );
    c.notify("initialized", json!({}));
    let deadline = Instant::now() + Duration::from_secs(20);
    let order = loop {
        assert!(
            Instant::now() < deadline,
            "no diagnostics for the opened file"
        );
        let Ok(v) = c.rx.recv_timeout(Duration::from_millis(200)) else {
            continue;
        };
        let first = v["method"] == "textDocument/publishDiagnostics"
            && v["params"]["uri"] == uri(&opened)
            && codes(v["params"]["diagnostics"].as_array().unwrap()).contains(&"DO101".to_string());
        let ended = v["method"] == "$/progress" && v["params"]["value"]["kind"] == "end";
        c.handle(v);
        if first {
            break "diagnostics first";
        }
        if ended {
            break "the whole workspace first";
        }
    };
    assert_eq!(order, "diagnostics first");
    c.stop();
    std::fs::remove_dir_all(&root).ok();
}

/// Hover on a Durable Object class's name shows what the class model says
/// of it: its base, bindings, storage and the step that creates it, per
/// environment.
#[test]
fn hover_on_a_class_name_reads_the_class_model() {
    let root = std::env::temp_dir().join(format!("durable-lsp-classhover-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    write(
        &root,
        "wrangler.toml",
        "name = \"chat\"\nmain = \"src/index.ts\"\ncompatibility_date = \"2025-10-01\"\n\n[[durable_objects.bindings]]\nname = \"ROOM\"\nclass_name = \"Room\"\n\n[[migrations]]\ntag = \"v1\"\nnew_sqlite_classes = [\"Room\"]\n\n[env.staging]\ndurable_objects.bindings = [{ name = \"STAGING_ROOM\", class_name = \"Room\" }]\n",
    );
    let src = "import { DurableObject } from \"cloudflare:workers\";\nexport class Room extends DurableObject {}\nexport default { fetch(req: Request, env: any) { return env.ROOM.getByName(\"a\").fetch(req); } };\n";
    write(&root, "src/index.ts", src);
    let file = root.join("src/index.ts");
    let mut c = Client::start();
    initialize(&mut c, &root, &["utf-16"]);
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri(&file), "languageId": "typescript", "version": 1, "text": src}}),
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    let text = loop {
        let h = c.request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri(&file)}, "position": {"line": 1, "character": 15}}),
        );
        if let Some(v) = h["result"]["contents"]["value"].as_str() {
            break v.to_string();
        }
        assert!(Instant::now() < deadline, "no hover: {h}");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(text.contains("Durable Object class `Room`"), "{text}");
    assert!(text.contains("extends `DurableObject`"), "{text}");
    assert!(
        text.contains("`chat`: bound as `ROOM`; SQLite storage, created by"),
        "{text}"
    );
    assert!(
        text.contains("[env.staging]: bound as `STAGING_ROOM`"),
        "{text}"
    );
    c.stop();
    std::fs::remove_dir_all(&root).ok();
}

/// Finished work survives a typist who never pauses: after a config
/// keystroke (which needs a full analysis), source keystrokes every 40 ms
/// in another Worker do not throw that analysis away, so the config's new
/// findings are published while the typing goes on.
#[test]
fn a_typist_who_never_pauses_still_gets_the_full_analysis() {
    let root = std::env::temp_dir().join(format!("durable-lsp-typist-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let config = |class: &str| one_binding("w", class);
    let source = "import { DurableObject } from \"cloudflare:workers\";\nimport { helper } from \"./helper\";\nexport class Room extends DurableObject {\n  async fetch() { this.ctx.storage.sql.exec(\"SELECT 1\"); return new Response(helper()); }\n  async alarm() { await this.ctx.storage.deleteAll(); }\n}\nexport default { fetch(req: Request, env: any) { return env.A.getByName(\"a\").fetch(req); } };\n";
    for i in 0..160 {
        write(&root, &format!("w{i:03}/wrangler.toml"), &config("Room"));
        write(&root, &format!("w{i:03}/src/index.ts"), source);
        write(
            &root,
            &format!("w{i:03}/src/helper.ts"),
            "export function helper(): string { return \"ok\"; }\n",
        );
    }
    let cfg = root.join("w100/wrangler.toml");
    let typed = root.join("w000/src/index.ts");
    let mut c = Client::start();
    c.request(
        "initialize",
        json!({"processId": null, "rootUri": uri(&root),
               "workspaceFolders": [{"uri": uri(&root), "name": "root"}],
               "capabilities": {"window": {"workDoneProgress": true}}}),
    );
    c.notify("initialized", json!({}));
    // the first analysis, whole
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        assert!(Instant::now() < deadline, "no first analysis");
        let Ok(v) = c.rx.recv_timeout(Duration::from_millis(200)) else {
            continue;
        };
        let ended = v["method"] == "$/progress" && v["params"]["value"]["kind"] == "end";
        c.handle(v);
        if ended {
            break;
        }
    }
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri(&typed), "languageId": "typescript", "version": 1, "text": source}}),
    );
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri(&cfg), "languageId": "toml", "version": 1, "text": config("Room")}}),
    );
    // one config keystroke: the bound class no longer exists (DO101)
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri(&cfg), "version": 2},
               "contentChanges": [{"text": config("Roomz")}]}),
    );
    // then a keystroke every 40 ms in another Worker, for at most 30 s
    let start = Instant::now();
    let mut version = 1;
    let mut text = source.to_string();
    let seen_at = loop {
        if start.elapsed() > Duration::from_secs(30) {
            break None;
        }
        version += 1;
        text.push_str("//x\n");
        c.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri(&typed), "version": version},
                   "contentChanges": [{"text": text}]}),
        );
        let until = Instant::now() + Duration::from_millis(40);
        let mut found = false;
        while let Ok(v) =
            c.rx.recv_timeout(until.saturating_duration_since(Instant::now()))
        {
            if v["method"] == "textDocument/publishDiagnostics"
                && v["params"]["uri"] == uri(&cfg)
                && codes(v["params"]["diagnostics"].as_array().unwrap())
                    .contains(&"DO101".to_string())
            {
                found = true;
            }
            c.handle(v);
        }
        if found {
            break Some(start.elapsed());
        }
    };
    assert!(
        seen_at.is_some(),
        "the config's DO101 was not published during 30 s of typing ({version} keystrokes)"
    );
    eprintln!(
        "config finding published {:.0} ms into the typing, after {} keystrokes",
        seen_at.unwrap().as_secs_f64() * 1000.0,
        version - 1
    );
    c.stop();
    std::fs::remove_dir_all(&root).ok();
}
