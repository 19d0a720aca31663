//! A protocol client over the server's framed stdio, shared by the
//! end-to-end tests.
#![allow(dead_code)] // each test file uses its own part

use super::stdio;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin};
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

pub struct Client {
    pub child: Child,
    pub stdin: ChildStdin,
    pub rx: Receiver<Value>,
    pub next_id: i64,
    /// notifications seen while waiting for something else
    pub seen: Vec<Value>,
    /// what `workspace/configuration` answers
    pub config: Value,
}

impl Client {
    pub fn start() -> Client {
        let stdio::Spawned { child, stdin, rx } = stdio::spawn(env!("CARGO_BIN_EXE_durable-lsp"));
        Client {
            child,
            stdin,
            rx,
            next_id: 1,
            seen: Vec::new(),
            config: Value::Null,
        }
    }

    pub fn send(&mut self, v: Value) {
        stdio::send(&mut self.stdin, &v);
    }

    pub fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    pub fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let v = self
                .rx
                .recv_timeout(deadline - Instant::now())
                .expect("response");
            if v.get("id") == Some(&json!(id)) && v.get("method").is_none() {
                return v;
            }
            self.handle(v);
        }
    }

    /// Answers server requests (registerCapability) and keeps notifications.
    /// Fails on any message a client does not expect from this server: an
    /// unknown method, an error logged, a response to no request.
    pub fn handle(&mut self, v: Value) {
        let method = v.get("method").and_then(|m| m.as_str()).unwrap_or("");
        let expected = match (v.get("id").is_some(), method) {
            (
                true,
                "client/registerCapability"
                | "workspace/configuration"
                | "window/workDoneProgress/create"
                | "workspace/diagnostic/refresh",
            ) => true,
            (false, "textDocument/publishDiagnostics" | "$/progress") => true,
            (false, "window/logMessage") => v["params"]["type"] != 1,
            _ => false,
        };
        assert!(expected, "unexpected message from the server: {v}");
        if v.get("id").is_some() && v.get("method").is_some() {
            let id = v["id"].clone();
            let result = if v["method"] == "workspace/configuration" {
                json!([self.config.clone()])
            } else {
                Value::Null
            };
            self.send(json!({"jsonrpc": "2.0", "id": id, "result": result}));
            self.seen.push(v);
        } else {
            self.seen.push(v);
        }
    }

    /// `shutdown`, `exit`, and the process ended.
    pub fn stop(mut self) {
        self.request("shutdown", json!(null));
        self.notify("exit", json!(null));
        let _ = self.child.wait();
    }

    /// Waits for a publishDiagnostics for `file` whose list passes `pred`;
    /// what was seen before it, for any file, is dropped.
    pub fn diagnostics(&mut self, file: &Path, pred: impl Fn(&[Value]) -> bool) -> Vec<Value> {
        self.diagnostics_with(file, pred, true)
    }

    /// [`Client::diagnostics`], dropping only `file`'s earlier ones: to
    /// wait for several files' in turn, whatever order they come in.
    pub fn diagnostics_of(&mut self, file: &Path, pred: impl Fn(&[Value]) -> bool) -> Vec<Value> {
        self.diagnostics_with(file, pred, false)
    }

    fn diagnostics_with(
        &mut self,
        file: &Path,
        pred: impl Fn(&[Value]) -> bool,
        drop_all: bool,
    ) -> Vec<Value> {
        let uri = uri(file);
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let pos = self.seen.iter().rposition(|v| {
                v["method"] == "textDocument/publishDiagnostics" && v["params"]["uri"] == uri
            });
            if let Some(i) = pos {
                let d = self.seen[i]["params"]["diagnostics"]
                    .as_array()
                    .unwrap()
                    .clone();
                if drop_all {
                    self.seen.drain(..=i);
                } else {
                    let mut k = 0;
                    self.seen.retain(|v| {
                        k += 1;
                        k > i + 1 || v["params"]["uri"] != uri
                    });
                }
                if pred(&d) {
                    return d;
                }
            }
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(!left.is_zero(), "no matching diagnostics for {uri}");
            if let Ok(v) = self.rx.recv_timeout(left) {
                self.handle(v);
            }
        }
    }
}

pub fn uri(p: &Path) -> String {
    format!("file://{}", p.display())
}

pub fn temp_project(name: &str, from: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("durable-lsp-e2e-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let src = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(from);
    copy_dir(&src, &dir);
    dir.canonicalize().unwrap()
}

pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            copy_dir(&p, &to.join(e.file_name()));
        } else {
            std::fs::copy(&p, to.join(e.file_name())).unwrap();
        }
    }
}

pub fn initialize(c: &mut Client, root: &Path, encodings: &[&str]) -> Value {
    let r = c.request(
        "initialize",
        json!({
            "processId": null,
            "rootUri": uri(root),
            "workspaceFolders": [{"uri": uri(root), "name": "root"}],
            "capabilities": {
                "general": {"positionEncodings": encodings},
                "workspace": {"didChangeWatchedFiles": {"dynamicRegistration": true}},
                "textDocument": {"publishDiagnostics": {"relatedInformation": true}}
            }
        }),
    );
    c.notify("initialized", json!({}));
    r
}

pub fn codes(d: &[Value]) -> Vec<String> {
    d.iter()
        .map(|x| x["code"].as_str().unwrap_or("").to_string())
        .collect()
}

pub fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}
