//! The server over framed stdio, for the end-to-end tests and the server
//! benchmark: spawn it, write messages, read every message it sends.

use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};

pub struct Spawned {
    pub child: Child,
    pub stdin: ChildStdin,
    /// every message the server sent, in order
    pub rx: Receiver<Value>,
}

/// Starts the server; a thread parses its stdout, which must carry only
/// JSON-RPC frames.
/// `DURABLE_LSP_TEST_BIN` runs the tests against another build.
pub fn spawn(bin: &str) -> Spawned {
    spawn_with(bin, &[])
}

/// Starts the server with arguments.
#[allow(dead_code)] // the benchmark needs none
pub fn spawn_with(bin: &str, args: &[&str]) -> Spawned {
    let bin = std::env::var("DURABLE_LSP_TEST_BIN").unwrap_or_else(|_| bin.to_string());
    let mut child = Command::new(bin)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(if std::env::var_os("DURABLE_LSP_TEST_STDERR").is_some() {
            Stdio::inherit()
        } else {
            Stdio::null()
        })
        .spawn()
        .expect("the server starts");
    let stdin = child.stdin.take().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        let mut r = BufReader::new(stdout);
        loop {
            let mut len = 0usize;
            loop {
                let mut line = String::new();
                if r.read_line(&mut line).unwrap_or(0) == 0 {
                    return;
                }
                let line = line.trim_end();
                if line.is_empty() {
                    break;
                }
                if let Some(v) = line.strip_prefix("Content-Length: ") {
                    len = v.parse().expect("a Content-Length");
                }
            }
            let mut buf = vec![0; len];
            if r.read_exact(&mut buf).is_err() {
                return;
            }
            let v: Value = serde_json::from_slice(&buf).expect("stdout carries only JSON-RPC");
            if tx.send(v).is_err() {
                return;
            }
        }
    });
    Spawned { child, stdin, rx }
}

/// Writes one message with its header.
pub fn send(stdin: &mut ChildStdin, v: &Value) {
    let s = v.to_string();
    write!(stdin, "Content-Length: {}\r\n\r\n{}", s.len(), s).unwrap();
    stdin.flush().unwrap();
}
