//! Editing features end to end over stdio: completion in each context.

#[path = "support/client.rs"]
mod client;
#[path = "support/stdio.rs"]
mod stdio;

use client::*;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

const CONFIG: &str = r#"{
  "name": "app",
  "main": "src/index.ts",
  "compatibility_date": "2025-04-01",
  "durable_objects": {
    "bindings": [
      { "name": "ROOMS", "class_name": "Room" },
      { "name": "LEGACY", "class_name": "Legacy" }
    ]
  },
  "kv_namespaces": [{ "binding": "CACHE", "id": "0123" }],
  "migrations": [
    { "tag": "v1", "new_classes": ["Legacy"] },
    { "tag": "v2", "new_sqlite_classes": ["Room"] }
  ]
}
"#;

const INDEX: &str = r#"import { DurableObject } from "cloudflare:workers";
export { Room, History } from "./room";

export class Legacy extends DurableObject {
  async go() {
    return 1;
  }
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    return new Response("ok");
  },
};
"#;

const ROOM: &str = r#"import { DurableObject } from "cloudflare:workers";

export class Room extends DurableObject {
  async join(name: string): Promise<string> {
    return name;
  }
  async fetch(request: Request): Promise<Response> {
    return new Response("");
  }
}

export class History extends DurableObject {}
"#;

fn project(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("durable-lsp-edit-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    write(&dir, "wrangler.jsonc", CONFIG);
    write(&dir, "src/index.ts", INDEX);
    write(&dir, "src/room.ts", ROOM);
    dir.canonicalize().unwrap()
}

fn start(root: &Path) -> Client {
    let mut c = Client::start();
    c.request(
        "initialize",
        json!({
            "processId": null,
            "rootUri": uri(root),
            "workspaceFolders": [{"uri": uri(root), "name": "root"}],
            "capabilities": {
                "general": {"positionEncodings": ["utf-16"]},
                "textDocument": {"completion": {"completionItem": {"snippetSupport": true}}}
            }
        }),
    );
    c.notify("initialized", json!({}));
    c
}

/// An open document the test edits, whole text per change.
struct Doc {
    uri: String,
    version: i64,
}

impl Doc {
    fn open(c: &mut Client, path: &Path, text: &str) -> Doc {
        let lang = match path.extension().and_then(|e| e.to_str()) {
            Some("ts") => "typescript",
            Some("rs") => "rust",
            Some("py") => "python",
            _ => "jsonc",
        };
        c.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri(path), "languageId": lang, "version": 1, "text": text}}),
        );
        Doc {
            uri: uri(path),
            version: 1,
        }
    }

    /// Changes the text to `text` with `‸` marking the cursor, and asks for
    /// completion there at once (no wait for any analysis): the labels, and
    /// the items.
    fn complete(&mut self, c: &mut Client, marked: &str) -> (Vec<String>, Vec<Value>) {
        let at = marked.find('‸').expect("a cursor mark");
        let text = marked.replace('‸', "");
        let before = &text[..at];
        let line = before.matches('\n').count();
        let col: usize = before[before.rfind('\n').map_or(0, |i| i + 1)..]
            .encode_utf16()
            .count();
        self.version += 1;
        c.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": self.uri, "version": self.version},
                   "contentChanges": [{"text": text}]}),
        );
        let r = c.request(
            "textDocument/completion",
            json!({"textDocument": {"uri": self.uri}, "position": {"line": line, "character": col}}),
        );
        let items = r["result"]["items"].as_array().cloned().unwrap_or_default();
        let labels = items
            .iter()
            .map(|i| i["label"].as_str().unwrap_or("").to_string())
            .collect();
        (labels, items)
    }
}

fn has(labels: &[String], want: &[&str]) -> bool {
    want.iter().all(|w| labels.iter().any(|l| l == w))
}

fn none_of(labels: &[String], not: &[&str]) -> bool {
    not.iter().all(|w| !labels.iter().any(|l| l == w))
}

/// Replaces the first `from` of `base` with `to`.
fn with(base: &str, from: &str, to: &str) -> String {
    assert!(base.contains(from), "{from}");
    base.replacen(from, to, 1)
}

#[test]
fn completion_in_every_source_context() {
    let root = project("source");
    let mut c = start(&root);
    // The first analysis: the class models know Room's backend.
    c.diagnostics(&root.join("wrangler.jsonc"), |_| true);
    let room = root.join("src/room.ts");
    let mut d = Doc::open(&mut c, &room, ROOM);
    let body = "    return new Response(\"\");";

    // Typed and asked for at once: the items are the new text's.
    let (l, items) = d.complete(&mut c, &with(ROOM, body, "    this.ctx.storage.‸"));
    assert!(
        has(
            &l,
            &[
                "sql",
                "kv",
                "transactionSync",
                "setAlarm",
                "get",
                "deleteAll"
            ]
        ),
        "{l:?}"
    );
    let sql = items.iter().find(|i| i["label"] == "sql").unwrap();
    assert!(sql["documentation"]["value"]
        .as_str()
        .unwrap()
        .contains("developers.cloudflare.com"));
    let edit = &sql["textEdit"]["range"];
    assert_eq!(edit["start"], edit["end"], "nothing typed yet: an insert");

    // A prefix typed: the edit replaces it.
    let (l, items) = d.complete(&mut c, &with(ROOM, body, "    this.ctx.storage.setA‸"));
    assert!(has(&l, &["setAlarm"]));
    let set = items.iter().find(|i| i["label"] == "setAlarm").unwrap();
    assert_eq!(
        set["textEdit"]["range"]["end"]["character"]
            .as_i64()
            .unwrap()
            - set["textEdit"]["range"]["start"]["character"]
                .as_i64()
                .unwrap(),
        4
    );

    let (l, _) = d.complete(&mut c, &with(ROOM, body, "    this.ctx.‸"));
    assert!(
        has(
            &l,
            &[
                "storage",
                "acceptWebSocket",
                "getWebSockets",
                "blockConcurrencyWhile",
                "id"
            ]
        ),
        "{l:?}"
    );
    assert!(none_of(&l, &["setAlarm"]));

    let (l, _) = d.complete(
        &mut c,
        &with(ROOM, body, "    this.ctx.storage.sql.exec(\"select 1\").‸"),
    );
    assert!(
        has(
            &l,
            &[
                "toArray",
                "one",
                "raw",
                "columnNames",
                "rowsRead",
                "rowsWritten"
            ]
        ),
        "{l:?}"
    );

    let (l, _) = d.complete(
        &mut c,
        &with(
            ROOM,
            body,
            "    const sql = this.ctx.storage.sql;\n    sql.‸",
        ),
    );
    assert!(has(&l, &["exec", "databaseSize"]), "{l:?}");
    // destructured, renamed or not
    let (l, _) = d.complete(
        &mut c,
        &with(
            ROOM,
            body,
            "    const { storage, id: who } = this.ctx;\n    storage.‸",
        ),
    );
    assert!(has(&l, &["sql", "setAlarm"]), "{l:?}");
    let (l, _) = d.complete(
        &mut c,
        &with(
            ROOM,
            body,
            "    const { storage: box } = this.ctx;\n    box.‸",
        ),
    );
    assert!(has(&l, &["sql", "setAlarm"]), "{l:?}");

    let (l, _) = d.complete(
        &mut c,
        &with(
            ROOM,
            body,
            "    for (const ws of this.ctx.getWebSockets()) {\n      ws.‸\n    }",
        ),
    );
    assert!(
        has(
            &l,
            &[
                "send",
                "close",
                "serializeAttachment",
                "deserializeAttachment"
            ]
        ),
        "{l:?}"
    );

    // `env.`: the Worker's bindings, Durable Object namespaces first.
    let (l, items) = d.complete(&mut c, &with(ROOM, body, "    this.env.‸"));
    assert!(has(&l, &["ROOMS", "LEGACY", "CACHE"]), "{l:?}");
    let rooms = items.iter().find(|i| i["label"] == "ROOMS").unwrap();
    let detail = rooms["detail"].as_str().unwrap();
    assert!(
        detail.contains("Room") && detail.contains("SQLite"),
        "{detail}"
    );
    let cache = items.iter().find(|i| i["label"] == "CACHE").unwrap();
    assert!(rooms["sortText"].as_str() < cache["sortText"].as_str());

    let (l, _) = d.complete(&mut c, &with(ROOM, body, "    this.env.ROOMS.‸"));
    assert!(
        has(
            &l,
            &[
                "getByName",
                "idFromName",
                "newUniqueId",
                "idFromString",
                "get",
                "jurisdiction"
            ]
        ),
        "{l:?}"
    );

    // A stub: the stub API and the bound class's RPC methods.
    let (l, _) = d.complete(
        &mut c,
        &with(
            ROOM,
            body,
            "    const stub = this.env.ROOMS.getByName(\"a\");\n    stub.‸",
        ),
    );
    assert!(has(&l, &["join", "fetch", "id"]), "{l:?}");

    // A value inside a string.
    let (l, items) = d.complete(
        &mut c,
        &with(
            ROOM,
            body,
            "    this.env.ROOMS.get(id, { locationHint: \"w‸\" });",
        ),
    );
    assert!(has(&l, &["wnam", "weur", "apac"]), "{l:?}");
    let w = items.iter().find(|i| i["label"] == "wnam").unwrap();
    assert_eq!(w["textEdit"]["newText"], "wnam");

    // A class body: the handlers Room does not define yet (it has fetch).
    let (l, items) = d.complete(
        &mut c,
        &with(ROOM, "  async join(", "  ala‸\n  async join("),
    );
    assert!(
        has(&l, &["alarm", "webSocketMessage", "constructor"]),
        "{l:?}"
    );
    assert!(none_of(&l, &["fetch"]), "Room has fetch: {l:?}");
    let alarm = items.iter().find(|i| i["label"] == "alarm").unwrap();
    assert_eq!(alarm["insertTextFormat"], 2, "a snippet");
    assert!(alarm["textEdit"]["newText"]
        .as_str()
        .unwrap()
        .starts_with("async alarm(alarmInfo?: AlarmInvocationInfo)"));

    // Nothing where no context applies.
    let (l, _) = d.complete(&mut c, &with(ROOM, body, "    const x = 1 + ‸"));
    assert!(l.is_empty(), "{l:?}");

    // The KV-backed class: no SQL API.
    let index = root.join("src/index.ts");
    let mut d = Doc::open(&mut c, &index, INDEX);
    let (l, _) = d.complete(
        &mut c,
        &with(INDEX, "    return 1;", "    this.ctx.storage.‸"),
    );
    assert!(has(&l, &["get", "put", "setAlarm", "deleteAll"]), "{l:?}");
    assert!(none_of(&l, &["sql", "kv", "transactionSync"]), "{l:?}");

    // `env` as a parameter of the default export's fetch.
    let (l, _) = d.complete(
        &mut c,
        &with(INDEX, "    return new Response(\"ok\");", "    env.‸"),
    );
    assert!(has(&l, &["ROOMS", "LEGACY", "CACHE"]), "{l:?}");
    c.stop();
}

#[test]
fn completion_in_configs() {
    let root = project("config");
    let mut c = start(&root);
    let cfg = root.join("wrangler.jsonc");
    c.diagnostics(&cfg, |_| true);
    let mut d = Doc::open(&mut c, &cfg, CONFIG);

    let binding = "      { \"name\": \"LEGACY\", \"class_name\": \"Legacy\" }";
    let (l, items) = d.complete(
        &mut c,
        &with(
            CONFIG,
            binding,
            &format!("{binding},\n      {{ \"name\": \"H\", \"class_name\": \"‸"),
        ),
    );
    assert!(has(&l, &["Room", "History", "Legacy"]), "{l:?}");
    let h = items.iter().find(|i| i["label"] == "History").unwrap();
    assert!(h["detail"].as_str().unwrap().contains("room.ts"), "{h}");

    let last = "    { \"tag\": \"v2\", \"new_sqlite_classes\": [\"Room\"] }";
    let (l, _) = d.complete(
        &mut c,
        &with(
            CONFIG,
            last,
            &format!("{last},\n    {{ \"tag\": \"v3\", \"new_sqlite_classes\": [\"‸"),
        ),
    );
    assert_eq!(l, ["History"], "only the class not created yet");

    let (l, _) = d.complete(
        &mut c,
        &with(
            CONFIG,
            last,
            &format!("{last},\n    {{ \"tag\": \"v3\", \"deleted_classes\": [\n      \"‸"),
        ),
    );
    let mut l = l;
    l.sort();
    assert_eq!(l, ["Legacy", "Room"], "the live classes");

    // Keys: of a binding, of a migration; values of an exports entry's state.
    let (l, _) = d.complete(
        &mut c,
        &with(
            CONFIG,
            binding,
            &format!("{binding},\n      {{ \"name\": \"H\", \"‸"),
        ),
    );
    assert_eq!(
        l,
        ["name", "class_name", "script_name", "environment"],
        "{l:?}"
    );
    let (l, items) = d.complete(
        &mut c,
        &with(CONFIG, last, &format!("{last},\n    {{ \"tag\": \"v3\", ‸")),
    );
    assert!(
        has(
            &l,
            &["new_sqlite_classes", "deleted_classes", "renamed_classes"]
        ),
        "{l:?}"
    );
    let key = items
        .iter()
        .find(|i| i["label"] == "new_sqlite_classes")
        .unwrap();
    assert_eq!(
        key["textEdit"]["newText"], "\"new_sqlite_classes\"",
        "quoted when typed bare"
    );
    let (l, _) = d.complete(
        &mut c,
        &with(
            CONFIG,
            "  \"migrations\"",
            "  \"exports\": { \"X\": { \"state\": \"‸\" } },\n  \"migrations\"",
        ),
    );
    assert_eq!(
        l,
        [
            "created",
            "deleted",
            "renamed",
            "transferred",
            "expecting-transfer"
        ],
        "{l:?}"
    );

    // With a `$schema` file that exists, the JSON language server has the keys.
    write(&root, "schema.json", "{}");
    let (l, _) = d.complete(
        &mut c,
        &with(
            CONFIG,
            "{\n",
            "{\n  \"$schema\": \"./schema.json\",\n  \"‸\": 1,\n",
        ),
    );
    assert!(l.is_empty(), "{l:?}");
    let (l, _) = d.complete(
        &mut c,
        &with(
            CONFIG,
            "{\n",
            "{\n  \"$schema\": \"./missing.json\",\n  \"‸\": 1,\n",
        ),
    );
    assert!(
        has(&l, &["durable_objects", "migrations", "exports"]),
        "{l:?}"
    );
    c.stop();
}

/// Applies a `WorkspaceEdit`'s `changes` to the files on disk (ASCII text:
/// a UTF-16 column is a byte column).
fn apply_edit(edit: &Value) {
    let changes = edit["changes"].as_object().expect("changes");
    for (uri, edits) in changes {
        let path = PathBuf::from(uri.strip_prefix("file://").unwrap());
        let mut text = std::fs::read_to_string(&path).unwrap();
        let offset = |text: &str, p: &Value| -> usize {
            let line = p["line"].as_u64().unwrap() as usize;
            let col = p["character"].as_u64().unwrap() as usize;
            let start: usize = text.split_inclusive('\n').take(line).map(str::len).sum();
            start + col
        };
        let mut list: Vec<(usize, usize, String)> = edits
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    offset(&text, &e["range"]["start"]),
                    offset(&text, &e["range"]["end"]),
                    e["newText"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        list.sort_by_key(|(s, _, _)| std::cmp::Reverse(*s));
        for (s, e, t) in list {
            text.replace_range(s..e, &t);
        }
        std::fs::write(&path, text).unwrap();
    }
}

fn actions(c: &mut Client, file: &Path, diags: Vec<Value>, only: Option<&str>) -> Vec<Value> {
    let range = diags.first().map(|d| d["range"].clone()).unwrap_or(
        json!({"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}),
    );
    let mut context = json!({"diagnostics": diags});
    if let Some(o) = only {
        context["only"] = json!([o]);
    }
    let r = c.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri(file)}, "range": range, "context": context}),
    );
    r["result"].as_array().cloned().unwrap_or_default()
}

fn check_passes(root: &Path) -> (bool, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_durable-lsp"))
        .args(["--check", "--color", "never"])
        .arg(root)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

fn example_copy(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("durable-lsp-edit-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/chat");
    for rel in [
        "wrangler.jsonc",
        "src/index.ts",
        "src/history.ts",
        "src/rooms/index.ts",
        "src/rooms/chat-room.ts",
        "src/rooms/presence.ts",
    ] {
        write(&dir, rel, &std::fs::read_to_string(from.join(rel)).unwrap());
    }
    dir.canonicalize().unwrap()
}

/// Each finding of the example has a quick fix with the exact edits; the
/// preferred ones applied, the project passes `--check`.
#[test]
fn quick_fixes_fix_the_example() {
    let root = example_copy("quickfix");
    let (ok, _) = check_passes(&root);
    assert!(!ok, "the example has findings");
    let mut c = start(&root);
    let cfg = root.join("wrangler.jsonc");
    let index = root.join("src/index.ts");
    let cfg_d = c.diagnostics_of(&cfg, |d| codes(d).contains(&"DO102".to_string()));
    let src_d = c.diagnostics_of(&index, |d| codes(d).contains(&"DO110".to_string()));

    let of = |ds: &[Value], code: &str| ds.iter().find(|d| d["code"] == code).unwrap().clone();
    let do101 = actions(&mut c, &cfg, vec![of(&cfg_d, "DO101")], None);
    assert_eq!(
        do101[0]["title"],
        "Export `Presence` from the entry (re-exported from \"./rooms/presence\")"
    );
    assert_eq!(do101[0]["isPreferred"], true);
    let e = &do101[0]["edit"]["changes"][uri(&index)][0];
    assert_eq!(
        e["newText"],
        "export { Presence } from \"./rooms/presence\";\n"
    );
    assert!(
        do101
            .iter()
            .any(|a| a["title"] == "Suppress DO101 on this line"),
        "{do101:?}"
    );

    let do102 = actions(&mut c, &cfg, vec![of(&cfg_d, "DO102")], None);
    assert_eq!(
        do102[0]["title"],
        "Add migration \"v2\" creating `History` with SQLite storage"
    );
    let e = &do102[0]["edit"]["changes"][uri(&cfg)][0];
    assert_eq!(
        e["newText"],
        ",\n    { \"tag\": \"v2\", \"new_sqlite_classes\": [\"History\"] }"
    );

    let do110 = actions(&mut c, &index, vec![of(&src_d, "DO110")], None);
    assert_eq!(do110[0]["title"], "Use `ROOMS` (the closest binding)");
    assert_eq!(do110[0]["isPreferred"], false, "a guess is not preferred");
    assert_eq!(
        do110[0]["edit"]["changes"][uri(&index)][0]["newText"],
        "ROOMS"
    );

    // Fix-all: the safe fixes of the config's findings (not the guess).
    let all = actions(&mut c, &cfg, Vec::new(), Some("source.fixAll.durable-lsp"));
    assert_eq!(all.len(), 1, "{all:?}");
    let changes = all[0]["edit"]["changes"].as_object().unwrap();
    assert_eq!(changes.len(), 2, "the entry and the config: {changes:?}");
    c.stop();

    for a in [&do101[0], &do102[0], &do110[0]] {
        apply_edit(&a["edit"]);
    }
    let (ok, out) = check_passes(&root);
    assert!(ok, "after the quick fixes:\n{out}");
}

/// A suppression added by its quick fix silences the finding.
#[test]
fn the_suppression_quick_fix_silences_the_finding() {
    let root = example_copy("suppress");
    let mut c = start(&root);
    let index = root.join("src/index.ts");
    let d = c.diagnostics(&index, |d| codes(d).contains(&"DO110".to_string()));
    let list = actions(&mut c, &index, d.clone(), None);
    let s = list
        .iter()
        .find(|a| a["title"] == "Suppress DO110 on this line")
        .unwrap();
    let e = &s["edit"]["changes"][uri(&index)][0];
    assert_eq!(
        e["newText"],
        "    // durable-lsp-ignore DO110: why this is safe here\n"
    );
    c.stop();
    apply_edit(&s["edit"]);
    let (_, out) = check_passes(&root);
    assert!(!out.contains("DO110"), "{out}");
}

const NAV_INDEX: &str = r#"import { DurableObject } from "cloudflare:workers";
export { Room, History } from "./room";

export class Legacy extends DurableObject {
  async go() {
    return 1;
  }
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const stub = env.ROOMS.getByName("lobby");
    await stub.join("ann");
    const ns = env.ROOMS;
    return env.LEGACY.getByName("x").fetch(request) ?? ns;
  },
};
"#;

fn nav_project(name: &str) -> PathBuf {
    let dir = project(name);
    write(&dir, "src/index.ts", NAV_INDEX);
    dir
}

/// (line, UTF-16 column) of the first `needle` in `text`, plus `delta`.
fn pos_of(text: &str, needle: &str, delta: usize) -> Value {
    let at = text.find(needle).unwrap_or_else(|| panic!("{needle}")) + delta;
    let before = &text[..at];
    let line = before.matches('\n').count();
    let col = before[before.rfind('\n').map_or(0, |i| i + 1)..]
        .encode_utf16()
        .count();
    json!({"line": line, "character": col})
}

fn request_at(c: &mut Client, method: &str, file: &Path, pos: Value, extra: Value) -> Value {
    let mut params = json!({"textDocument": {"uri": uri(file)}, "position": pos});
    if let Some(o) = extra.as_object() {
        for (k, v) in o {
            params[k] = v.clone();
        }
    }
    c.request(method, params)["result"].clone()
}

/// (file name, line) of each location.
fn places(locs: &Value) -> Vec<(String, u64)> {
    let mut v: Vec<(String, u64)> = locs
        .as_array()
        .unwrap_or(&Vec::new())
        .iter()
        .map(|l| {
            let u = l["uri"].as_str().unwrap();
            (
                u.rsplit('/').next().unwrap().to_string(),
                l["range"]["start"]["line"].as_u64().unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn definition_references_and_highlights_across_config_and_code() {
    let root = nav_project("nav");
    let mut c = start(&root);
    let cfg = root.join("wrangler.jsonc");
    let index = root.join("src/index.ts");
    let room = root.join("src/room.ts");
    c.diagnostics(&cfg, |_| true);

    // class_name → the class; a migration entry → the class.
    let d = request_at(
        &mut c,
        "textDocument/definition",
        &cfg,
        pos_of(CONFIG, "\"Room\" }", 2),
        json!({}),
    );
    assert_eq!(places(&d), [("room.ts".to_string(), 2)], "{d}");
    assert_eq!(d[0]["range"]["start"]["character"], 13);
    let d = request_at(
        &mut c,
        "textDocument/definition",
        &cfg,
        pos_of(CONFIG, "[\"Room\"]", 3),
        json!({}),
    );
    assert_eq!(places(&d), [("room.ts".to_string(), 2)], "{d}");

    // env.X → the binding; the class → the bindings that name it.
    let d = request_at(
        &mut c,
        "textDocument/definition",
        &index,
        pos_of(NAV_INDEX, "ROOMS.getByName", 1),
        json!({}),
    );
    assert_eq!(places(&d), [("wrangler.jsonc".to_string(), 6)], "{d}");
    assert_eq!(d[0]["range"]["start"]["character"], 17, "inside the quotes");
    let d = request_at(
        &mut c,
        "textDocument/definition",
        &room,
        pos_of(ROOM, "class Room", 7),
        json!({}),
    );
    assert_eq!(places(&d), [("wrangler.jsonc".to_string(), 6)], "{d}");

    // An RPC call on a stub → the method.
    let d = request_at(
        &mut c,
        "textDocument/definition",
        &index,
        pos_of(NAV_INDEX, "join(", 1),
        json!({}),
    );
    assert_eq!(places(&d), [("room.ts".to_string(), 3)], "{d}");

    // References of a binding: the config and each use, once.
    let r = request_at(
        &mut c,
        "textDocument/references",
        &index,
        pos_of(NAV_INDEX, "ROOMS.getByName", 1),
        json!({"context": {"includeDeclaration": true}}),
    );
    assert_eq!(
        places(&r),
        [
            ("index.ts".to_string(), 11),
            ("index.ts".to_string(), 13),
            ("wrangler.jsonc".to_string(), 6)
        ],
        "{r}"
    );
    let r = request_at(
        &mut c,
        "textDocument/references",
        &index,
        pos_of(NAV_INDEX, "ROOMS.getByName", 1),
        json!({"context": {"includeDeclaration": false}}),
    );
    assert_eq!(places(&r).len(), 2);

    // References of a class: its declaration, the re-export, class_name and
    // the migration.
    let r = request_at(
        &mut c,
        "textDocument/references",
        &cfg,
        pos_of(CONFIG, "\"Room\" }", 2),
        json!({"context": {"includeDeclaration": true}}),
    );
    assert_eq!(
        places(&r),
        [
            ("index.ts".to_string(), 1),
            ("room.ts".to_string(), 2),
            ("wrangler.jsonc".to_string(), 6),
            ("wrangler.jsonc".to_string(), 13)
        ],
        "{r}"
    );

    // Any binding: `env.CACHE` (a KV namespace) leads to its entry.
    let with_kv = NAV_INDEX.replace(
        "const ns = env.ROOMS;",
        "const ns = env.ROOMS ?? env.CACHE;",
    );
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri(&index), "languageId": "typescript", "version": 1, "text": with_kv}}),
    );
    let d = request_at(
        &mut c,
        "textDocument/definition",
        &index,
        pos_of(&with_kv, "CACHE", 1),
        json!({}),
    );
    assert_eq!(places(&d), [("wrangler.jsonc".to_string(), 10)], "{d}");
    c.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": uri(&index)}}),
    );

    let h = request_at(
        &mut c,
        "textDocument/documentHighlight",
        &index,
        pos_of(NAV_INDEX, "ROOMS;", 1),
        json!({}),
    );
    assert_eq!(h.as_array().unwrap().len(), 2, "{h}");

    // The document edited and not analysed yet: positions are the new
    // text's, read from its own tree (two lines added above).
    let edited = format!("// one\n// two\n{NAV_INDEX}");
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri(&index), "languageId": "typescript", "version": 1, "text": edited}}),
    );
    let r = request_at(
        &mut c,
        "textDocument/references",
        &index,
        pos_of(&edited, "ROOMS.getByName", 1),
        json!({"context": {"includeDeclaration": true}}),
    );
    assert_eq!(
        places(&r),
        [
            ("index.ts".to_string(), 13),
            ("index.ts".to_string(), 15),
            ("wrangler.jsonc".to_string(), 6)
        ],
        "{r}"
    );
    let d = request_at(
        &mut c,
        "textDocument/definition",
        &index,
        pos_of(&edited, "join(", 1),
        json!({}),
    );
    assert_eq!(places(&d), [("room.ts".to_string(), 3)], "{d}");
    let r = request_at(
        &mut c,
        "textDocument/references",
        &index,
        pos_of(&edited, "join(", 1),
        json!({"context": {"includeDeclaration": true}}),
    );
    assert_eq!(places(&r), [("index.ts".to_string(), 14)], "{r}");
    c.stop();
}

#[test]
fn rename_a_binding_and_a_class_across_config_and_code() {
    let root = nav_project("rename");
    let mut c = start(&root);
    let cfg = root.join("wrangler.jsonc");
    let index = root.join("src/index.ts");
    c.diagnostics(&cfg, |_| true);

    let p = request_at(
        &mut c,
        "textDocument/prepareRename",
        &index,
        pos_of(NAV_INDEX, "ROOMS;", 2),
        json!({}),
    );
    assert_eq!(p["placeholder"], "ROOMS", "{p}");

    let e = request_at(
        &mut c,
        "textDocument/rename",
        &index,
        pos_of(NAV_INDEX, "ROOMS;", 2),
        json!({"newName": "CHAMBERS"}),
    );
    let changes = e["changes"].as_object().unwrap();
    assert_eq!(changes[&uri(&cfg)].as_array().unwrap().len(), 1, "{e}");
    assert_eq!(changes[&uri(&index)].as_array().unwrap().len(), 2, "{e}");
    assert!(changes
        .values()
        .flat_map(|v| v.as_array().unwrap())
        .all(|x| x["newText"] == "CHAMBERS"));

    // A class created by a migration: a renamed_classes step, history kept.
    let r = request_at(
        &mut c,
        "textDocument/rename",
        &cfg,
        pos_of(CONFIG, "\"Room\" }", 2),
        json!({"newName": "Lobby"}),
    );
    let cfg_edits = r["changes"][uri(&cfg)].as_array().unwrap().clone();
    assert!(
        cfg_edits.iter().any(|x| x["newText"]
            == ",\n    { \"tag\": \"v3\", \"renamed_classes\": [{ \"from\": \"Room\", \"to\": \"Lobby\" }] }"),
        "{r}"
    );
    assert_eq!(
        cfg_edits.iter().filter(|x| x["newText"] == "Lobby").count(),
        1,
        "class_name only, not the migration that created it: {r}"
    );
    c.stop();

    // Both were computed on the same text: the class rename's edits on the
    // binding's line come after the binding rename's.
    apply_edit(&r);
    apply_edit(&e);
    let (ok, out) = check_passes(&root);
    assert!(ok, "after both renames:\n{out}");
    let cfg_text = std::fs::read_to_string(&cfg).unwrap();
    assert!(
        cfg_text.contains("\"new_sqlite_classes\": [\"Room\"]"),
        "{cfg_text}"
    );
    assert!(std::fs::read_to_string(root.join("src/room.ts"))
        .unwrap()
        .contains("export class Lobby"));
    assert!(std::fs::read_to_string(&index)
        .unwrap()
        .contains("export { Lobby, History }"));
}

#[test]
fn a_rename_to_a_bad_name_is_refused() {
    let root = nav_project("badrename");
    let mut c = start(&root);
    let cfg = root.join("wrangler.jsonc");
    c.diagnostics(&cfg, |_| true);
    let r = c.request(
        "textDocument/rename",
        json!({"textDocument": {"uri": uri(&cfg)}, "position": pos_of(CONFIG, "\"ROOMS\"", 2), "newName": "NOT VALID"}),
    );
    assert!(
        r["error"]["message"]
            .as_str()
            .unwrap()
            .contains("not a valid identifier"),
        "{r}"
    );
    c.stop();
}

#[test]
fn outlines_workspace_symbols_and_class_lenses() {
    let root = nav_project("symbols");
    let mut c = start(&root);
    let cfg = root.join("wrangler.jsonc");
    let room = root.join("src/room.ts");
    c.diagnostics(&cfg, |_| true);

    let s = c.request(
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": uri(&cfg)}}),
    )["result"]
        .clone();
    assert_eq!(s[0]["name"], "app", "{s}");
    let kids: Vec<(String, String)> = s[0]["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| {
            (
                k["name"].as_str().unwrap().to_string(),
                k["detail"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    assert_eq!(
        kids,
        [
            ("ROOMS".to_string(), "→ Room".to_string()),
            ("LEGACY".to_string(), "→ Legacy".to_string()),
            ("migration v1".to_string(), "new KV Legacy".to_string()),
            ("migration v2".to_string(), "new SQLite Room".to_string()),
        ]
    );

    let s = c.request(
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": uri(&room)}}),
    )["result"]
        .clone();
    let classes: Vec<&str> = s
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["name"].as_str().unwrap())
        .collect();
    assert_eq!(classes, ["Room", "History"], "{s}");
    let members: Vec<(&str, &str)> = s[0]["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| (k["name"].as_str().unwrap(), k["detail"].as_str().unwrap()))
        .collect();
    assert_eq!(members, [("join", "RPC method"), ("fetch", "handler")]);

    let w = c.request("workspace/symbol", json!({"query": "room"}))["result"].clone();
    let mut names: Vec<&str> = w
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["name"].as_str().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["ROOMS", "Room"], "{w}");

    let l = c.request(
        "textDocument/codeLens",
        json!({"textDocument": {"uri": uri(&room)}}),
    )["result"]
        .clone();
    let titles: Vec<&str> = l
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["command"]["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        titles,
        [
            "app: ROOMS · SQLite (migration \"v2\")",
            "app: not bound · not created"
        ],
        "{l}"
    );
    // This client shows no code lenses (it did not say it does): the same
    // as inlay hints after each class's name.
    let h = c.request(
        "textDocument/inlayHint",
        json!({"textDocument": {"uri": uri(&room)},
               "range": {"start": {"line": 0, "character": 0}, "end": {"line": 100, "character": 0}}}),
    )["result"]
        .clone();
    let hints: Vec<(u64, &str)> = h
        .as_array()
        .unwrap()
        .iter()
        .map(|k| {
            (
                k["position"]["line"].as_u64().unwrap(),
                k["label"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        hints,
        [
            (2, " app: ROOMS · SQLite (migration \"v2\")"),
            (11, " app: not bound · not created")
        ],
        "{h}"
    );
    c.stop();
}

const PITFALLS: &str = r#"import { DurableObject } from "cloudflare:workers";

export class Room extends DurableObject {
  constructor(ctx: DurableObjectState, env: Env) {
    ctx.blockConcurrencyWhile(async () => {});
  }
  async fetch(request: Request): Promise<Response> {
    const [client, server] = Object.values(new WebSocketPair());
    server.accept();
    return new Response(null, { status: 101, webSocket: client });
  }
  async webSocketMessage(ws: WebSocket, message: string) {
    ws.send(message);
  }
  async reset() {
    await this.ctx.storage.setAlarm(Date.now() + 1000);
    await this.ctx.storage.deleteAll();
  }
  async alarm() {}
}

export default {
  fetch(request: Request, env: Env) {
    return env.ROOMS.getByName("a").fetch(request);
  },
};
"#;

/// The source rules' quick fixes: `super(ctx, env)`, hibernation's
/// `acceptWebSocket`, `deleteAlarm()` before `deleteAll()`; applied, the
/// project passes `--check`.
#[test]
fn source_rule_quick_fixes() {
    let dir =
        std::env::temp_dir().join(format!("durable-lsp-edit-pitfalls-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    write(
        &dir,
        "wrangler.toml",
        "name = \"p\"\nmain = \"src/index.ts\"\ncompatibility_date = \"2025-01-01\"\n\n[[durable_objects.bindings]]\nname = \"ROOMS\"\nclass_name = \"Room\"\n\n[[migrations]]\ntag = \"v1\"\nnew_sqlite_classes = [\"Room\"]\n",
    );
    write(&dir, "src/index.ts", PITFALLS);
    let root = dir.canonicalize().unwrap();
    let (ok, out) = check_passes(&root);
    assert!(!ok, "{out}");
    let mut c = start(&root);
    let index = root.join("src/index.ts");
    let diags = c.diagnostics(&index, |d| {
        ["DO201", "DO401", "DO207"]
            .iter()
            .all(|k| codes(d).contains(&k.to_string()))
    });
    let fix_of = |c: &mut Client, code: &str| -> Value {
        let d = diags.iter().find(|d| d["code"] == code).unwrap().clone();
        let list = actions(c, &index, vec![d], None);
        list[0].clone()
    };
    let f201 = fix_of(&mut c, "DO201");
    assert_eq!(f201["title"], "Call `super(ctx, env)` first");
    assert_eq!(
        f201["edit"]["changes"][uri(&index)][0]["newText"],
        "\n    super(ctx, env);"
    );
    let f401 = fix_of(&mut c, "DO401");
    assert_eq!(
        f401["title"],
        "Accept with hibernation: `this.ctx.acceptWebSocket(server)`"
    );
    assert_eq!(
        f401["edit"]["changes"][uri(&index)][0]["newText"],
        "this.ctx.acceptWebSocket(server)"
    );
    let f207 = fix_of(&mut c, "DO207");
    assert_eq!(
        f207["edit"]["changes"][uri(&index)][0]["newText"],
        "    await this.ctx.storage.deleteAlarm();\n"
    );
    c.stop();
    // Different lines: applied one after the other, bottom first.
    for f in [&f207, &f401, &f201] {
        apply_edit(&f["edit"]);
    }
    let (ok, out) = check_passes(&root);
    assert!(ok, "after the fixes:\n{out}");
    for code in ["DO201", "DO401", "DO207"] {
        assert!(!out.contains(code), "{code} after its fix:\n{out}");
    }
}

/// A client that takes change annotations sees what a class rename adds to
/// the config: the migration step is labelled.
#[test]
fn a_class_rename_labels_its_migration_step() {
    let root = nav_project("annotated");
    let mut c = Client::start();
    c.request(
        "initialize",
        json!({
            "processId": null,
            "rootUri": uri(&root),
            "capabilities": {
                "general": {"positionEncodings": ["utf-16"]},
                "workspace": {"workspaceEdit": {"documentChanges": true, "changeAnnotationSupport": {"groupsOnLabel": true}}}
            }
        }),
    );
    c.notify("initialized", json!({}));
    let cfg = root.join("wrangler.jsonc");
    c.diagnostics(&cfg, |_| true);
    let r = request_at(
        &mut c,
        "textDocument/rename",
        &cfg,
        pos_of(CONFIG, "\"Room\" }", 2),
        json!({"newName": "Lobby"}),
    );
    let notes = r["changeAnnotations"].as_object().expect("annotations");
    assert_eq!(notes.len(), 1, "{r}");
    let (id, note) = notes.iter().next().unwrap();
    assert!(
        note["label"]
            .as_str()
            .unwrap()
            .starts_with("adds migration \"v3\" renaming `Room` to `Lobby` in wrangler.jsonc"),
        "{note}"
    );
    let docs = r["documentChanges"].as_array().unwrap();
    let annotated: Vec<&Value> = docs
        .iter()
        .flat_map(|d| d["edits"].as_array().unwrap())
        .filter(|e| e.get("annotationId") == Some(&json!(id)))
        .collect();
    assert_eq!(annotated.len(), 1, "{r}");
    assert!(annotated[0]["newText"]
        .as_str()
        .unwrap()
        .contains("renamed_classes"));
    c.stop();
}

/// The closest exported class for a misspelt `class_name` (for review),
/// and an environment's missing `durable_objects` (safe), over LSP.
#[test]
fn config_quick_fixes_closest_class_and_environment_bindings() {
    let dir = std::env::temp_dir().join(format!("durable-lsp-edit-cfgfix-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let toml = "name = \"w\"\nmain = \"src/index.ts\"\ncompatibility_date = \"2025-06-01\"\n\n# the rooms\n[[durable_objects.bindings]]\nname = \"ROOMS\"\nclass_name = \"Rooom\"\n\n[[migrations]]\ntag = \"v1\"\nnew_sqlite_classes = [\"Room\"]\n\n[env.staging]\nname = \"w-staging\"\n";
    write(&dir, "wrangler.toml", toml);
    write(
        &dir,
        "src/index.ts",
        "import { DurableObject } from \"cloudflare:workers\";\nexport class Room extends DurableObject {}\nexport default { fetch(r: Request, env: Env) { return env.ROOMS.getByName(\"a\").fetch(r); } };\n",
    );
    let root = dir.canonicalize().unwrap();
    let cfg = root.join("wrangler.toml");
    let mut c = start(&root);
    let d = c.diagnostics(&cfg, |d| {
        codes(d).contains(&"DO101".to_string()) && codes(d).contains(&"DO113".to_string())
    });
    let of = |code: &str| d.iter().find(|x| x["code"] == code).unwrap().clone();
    let a101 = actions(&mut c, &cfg, vec![of("DO101")], None);
    let closest = a101
        .iter()
        .find(|a| a["title"] == "Bind `Room` (a class the entry exports)")
        .expect("the closest class");
    assert_eq!(closest["isPreferred"], false);
    assert_eq!(
        closest["edit"]["changes"][uri(&cfg)][0]["newText"],
        "\"Room\""
    );
    let a113 = actions(&mut c, &cfg, vec![of("DO113")], None);
    assert_eq!(
        a113[0]["title"],
        "Add the top level's `durable_objects` to `env.staging`"
    );
    assert_eq!(a113[0]["isPreferred"], true);
    assert_eq!(
        a113[0]["edit"]["changes"][uri(&cfg)][0]["newText"],
        "\n\n[[env.staging.durable_objects.bindings]]\nname = \"ROOMS\"\nclass_name = \"Rooom\""
    );
    c.stop();
    // the environment's copy first (it is below), then the class name
    apply_edit(&a113[0]["edit"]);
    apply_edit(&closest["edit"]);
    let text = std::fs::read_to_string(&cfg).unwrap();
    assert!(text.contains("# the rooms"), "comments kept: {text}");
    let text = text.replace("class_name = \"Rooom\"", "class_name = \"Room\"");
    std::fs::write(&cfg, text).unwrap();
    let (ok, out) = check_passes(&root);
    assert!(
        ok && !out.contains("DO113") && !out.contains("DO101"),
        "{out}"
    );
}

/// A workers-rs Worker: definition from `class_name` to the struct in its
/// module, and the DO110 finding on the `durable_object("…")` literal.
#[test]
fn rust_workers_definition_and_diagnostics() {
    let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/do101-workers-rs");
    let dir = std::env::temp_dir().join(format!("durable-lsp-edit-rust-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for rel in [
        "Cargo.toml",
        "wrangler.toml",
        "src/lib.rs",
        "src/counter.rs",
        "src/rooms/mod.rs",
        "src/rooms/chat.rs",
    ] {
        write(&dir, rel, &std::fs::read_to_string(from.join(rel)).unwrap());
    }
    let root = dir.canonicalize().unwrap();
    let cfg = root.join("wrangler.toml");
    let lib = root.join("src/lib.rs");
    let mut c = start(&root);
    let d = c.diagnostics_of(&lib, |d| codes(d).contains(&"DO110".to_string()));
    let lit = d.iter().find(|x| x["code"] == "DO110").unwrap();
    assert_eq!(
        lit["range"]["start"],
        json!({"line": 15, "character": 33}),
        "{lit}"
    );
    assert_eq!(
        lit["range"]["end"],
        json!({"line": 15, "character": 41}),
        "{lit}"
    );
    let cfg_text = std::fs::read_to_string(&cfg).unwrap();
    let def = request_at(
        &mut c,
        "textDocument/definition",
        &cfg,
        pos_of(&cfg_text, "\"ChatRoom\"", 2),
        json!({}),
    );
    assert_eq!(places(&def), [("chat.rs".to_string(), 3)], "{def}");
    assert!(def[0]["uri"]
        .as_str()
        .unwrap()
        .ends_with("src/rooms/chat.rs"));
    let refs = request_at(
        &mut c,
        "textDocument/references",
        &cfg,
        pos_of(&cfg_text, "\"Counter\"", 2),
        json!({"context": {"includeDeclaration": true}}),
    );
    assert!(
        places(&refs).contains(&("counter.rs".to_string(), 3)),
        "{refs}"
    );
    // Hover on the SDK's names documents the runtime member each wraps.
    let counter = root.join("src/counter.rs");
    let counter_text = std::fs::read_to_string(&counter).unwrap();
    let h = request_at(
        &mut c,
        "textDocument/hover",
        &counter,
        pos_of(&counter_text, "put(", 1),
        json!({}),
    );
    let md = h["contents"]["value"].as_str().unwrap_or("");
    assert!(
        md.contains("workers-rs") && md.contains("DurableObjectStorage.put"),
        "{h}"
    );
    // Completion in Rust: the bindings in `durable_object("…")`, and the
    // SDK's methods along the chain, documented by the runtime member.
    let lib_text = std::fs::read_to_string(&lib).unwrap();
    let mut doc = Doc::open(&mut c, &lib, &lib_text);
    let (labels, _) = doc.complete(
        &mut c,
        &with(
            &lib_text,
            "env.durable_object(\"TYPO\")",
            "env.durable_object(\"‸\")",
        ),
    );
    assert_eq!(labels, ["COUNTER", "CHAT", "TYPO"]);
    let (labels, _) = doc.complete(
        &mut c,
        &with(&lib_text, "ns.id_from_name", "ns.‸id_from_name"),
    );
    assert!(
        has(&labels, &["get_by_name", "id_from_name", "unique_id"]),
        "{labels:?}"
    );
    let mut doc = Doc::open(&mut c, &counter, &counter_text);
    let (labels, items) = doc.complete(
        &mut c,
        &with(
            &counter_text,
            "self.state.storage().put(",
            "self.state.storage().‸\n        self.state.storage().put(",
        ),
    );
    assert!(
        has(&labels, &["set_alarm", "delete_all", "sql", "transaction"]),
        "{labels:?}"
    );
    assert!(
        none_of(&labels, &["setAlarm", "kv", "transactionSync"]),
        "{labels:?}"
    );
    let set_alarm = items.iter().find(|i| i["label"] == "set_alarm").unwrap();
    assert!(
        set_alarm.to_string().contains("offset in milliseconds"),
        "{set_alarm}"
    );
    c.stop();
}

/// A class that an `exports` entry created: the rename marks the entry
/// renamed (its key keeps the old name) instead of renaming the key.
#[test]
fn renaming_an_exports_created_class_marks_its_entry() {
    let dir = std::env::temp_dir().join(format!("durable-lsp-edit-exports-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let cfg_text = "{\n  \"name\": \"x\",\n  \"main\": \"src/index.ts\",\n  \"compatibility_date\": \"2025-06-01\",\n  \"durable_objects\": { \"bindings\": [{ \"name\": \"ROOMS\", \"class_name\": \"Room\" }] },\n  \"exports\": {\n    \"Room\": { \"type\": \"durable-object\", \"storage\": \"sqlite\" }\n  }\n}\n";
    write(&dir, "wrangler.jsonc", cfg_text);
    write(
        &dir,
        "src/index.ts",
        "import { DurableObject } from \"cloudflare:workers\";\nexport class Room extends DurableObject {}\nexport default { fetch(r: Request, env: Env) { return env.ROOMS.getByName(\"a\").fetch(r); } };\n",
    );
    let root = dir.canonicalize().unwrap();
    let cfg = root.join("wrangler.jsonc");
    let (ok, out) = check_passes(&root);
    assert!(ok, "{out}");
    // A clean project publishes nothing: the rename waits for the first
    // analysis itself.
    let mut c = start(&root);
    let r = request_at(
        &mut c,
        "textDocument/rename",
        &cfg,
        pos_of(cfg_text, "\"Room\" }]", 2),
        json!({"newName": "Lobby"}),
    );
    c.stop();
    let edits = r["changes"][uri(&cfg)].as_array().unwrap().clone();
    assert!(
        edits.iter().any(|e| {
            e["newText"]
            == "{ \"type\": \"durable-object\", \"state\": \"renamed\", \"renamed_to\": \"Lobby\" }"
        }),
        "{r}"
    );
    assert_eq!(
        edits.iter().filter(|e| e["newText"] == "Lobby").count(),
        1,
        "class_name only: {r}"
    );
    apply_edit(&r);
    let text = std::fs::read_to_string(&cfg).unwrap();
    assert!(
        text.contains("\"Room\": { \"type\": \"durable-object\", \"state\": \"renamed\""),
        "{text}"
    );
    let (ok, out) = check_passes(&root);
    assert!(ok, "after the rename:\n{text}\n{out}");
}

/// A workers-rs `delete_all()` before `delete_alarm()` (DO207): the quick
/// fix inserts `delete_alarm().await?` in Rust, and the project passes.
#[test]
fn rust_delete_all_quick_fix() {
    let dir = std::env::temp_dir().join(format!("durable-lsp-edit-rs207-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    write(
        &dir,
        "Cargo.toml",
        "[package]\nname = \"t\"\nversion = \"0.1.0\"\n[dependencies]\nworker = \"0.6\"\n",
    );
    write(
        &dir,
        "wrangler.toml",
        "name = \"t\"\nmain = \"build/index.js\" # durable-lsp-ignore DO115: worker-build writes it\ncompatibility_date = \"2025-06-01\"\n\n[[durable_objects.bindings]]\nname = \"TIMER\"\nclass_name = \"Timer\"\n\n[[migrations]]\ntag = \"v1\"\nnew_sqlite_classes = [\"Timer\"]\n",
    );
    write(
        &dir,
        "src/lib.rs",
        "use worker::*;\n\n#[durable_object]\npub struct Timer {\n    state: State,\n}\n\nimpl DurableObject for Timer {\n    fn new(state: State, _env: Env) -> Self {\n        Self { state }\n    }\n    async fn fetch(&self, _req: Request) -> Result<Response> {\n        self.state.storage().set_alarm(60_000).await?;\n        self.state.storage().delete_all().await?;\n        Response::ok(\"\")\n    }\n    async fn alarm(&self) -> Result<Response> {\n        Response::ok(\"\")\n    }\n}\n",
    );
    let root = dir.canonicalize().unwrap();
    let lib = root.join("src/lib.rs");
    let mut c = start(&root);
    let diags = c.diagnostics_of(&lib, |d| codes(d).contains(&"DO207".to_string()));
    let d = diags.iter().find(|d| d["code"] == "DO207").unwrap().clone();
    assert!(
        d["message"]
            .as_str()
            .unwrap()
            .contains("Call `delete_alarm()` first"),
        "{d}"
    );
    let list = actions(&mut c, &lib, vec![d], None);
    assert_eq!(
        list[0]["title"],
        "Call `delete_alarm()` before `delete_all()`"
    );
    assert_eq!(
        list[0]["edit"]["changes"][uri(&lib)][0]["newText"],
        "        self.state.storage().delete_alarm().await?;\n"
    );
    c.stop();
    apply_edit(&list[0]["edit"]);
    let (ok, out) = check_passes(&root);
    assert!(ok && !out.contains("DO207"), "after the fix:\n{out}");
}

/// A Python Worker calls the runtime API by its JavaScript names: completion
/// after `self.env.`, on a stub and on `self.ctx.storage.`, and hover.
#[test]
fn python_workers_completion_and_hover() {
    let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ok-python");
    let dir = std::env::temp_dir().join(format!("durable-lsp-edit-py-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for rel in ["wrangler.toml", "src/entry.py", "src/room.py"] {
        write(&dir, rel, &std::fs::read_to_string(from.join(rel)).unwrap());
    }
    let root = dir.canonicalize().unwrap();
    let entry = root.join("src/entry.py");
    let room = root.join("src/room.py");
    let entry_text = std::fs::read_to_string(&entry).unwrap();
    let room_text = std::fs::read_to_string(&room).unwrap();
    let mut c = start(&root);
    let mut doc = Doc::open(&mut c, &entry, &entry_text);
    // The bindings come from the first analysis: asked until it is in (a
    // clean project publishes nothing to wait for).
    let mut labels = Vec::new();
    for _ in 0..200 {
        labels = doc
            .complete(
                &mut c,
                &with(
                    &entry_text,
                    "self.env.COUNTER.getByName",
                    "self.env.‸COUNTER.getByName",
                ),
            )
            .0;
        if !labels.is_empty() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(has(&labels, &["COUNTER", "ROOMS"]), "{labels:?}");
    let (labels, _) = doc.complete(
        &mut c,
        &with(
            &entry_text,
            "return await a.fetch",
            "self.env.ROOMS.getByName(\"x\").‸\n        return await a.fetch",
        ),
    );
    assert!(has(&labels, &["fetch", "id"]), "{labels:?}");
    let mut doc = Doc::open(&mut c, &room, &room_text);
    let (labels, _) = doc.complete(
        &mut c,
        &with(
            &room_text,
            "return Response(\"room\")",
            "self.ctx.storage.‸\n        return Response(\"room\")",
        ),
    );
    assert!(
        has(&labels, &["setAlarm", "sql", "deleteAll"]),
        "{labels:?}"
    );
    // A Python module no Worker reaches is another program's.
    let tool = root.join("tools/tool.py");
    let tool_text = "class T:\n    def f(self):\n        pass\n";
    write(&root, "tools/tool.py", tool_text);
    let mut doc = Doc::open(&mut c, &tool, tool_text);
    let (labels, _) = doc.complete(
        &mut c,
        "class T:\n    def f(self):\n        self.ctx.storage.‸\n",
    );
    assert!(labels.is_empty(), "{labels:?}");
    let h = request_at(
        &mut c,
        "textDocument/hover",
        &entry,
        pos_of(&entry_text, "getByName", 1),
        json!({}),
    );
    let md = h["contents"]["value"].as_str().unwrap_or("");
    assert!(md.contains("DurableObjectNamespace.getByName"), "{h}");
    c.stop();
}

/// A Python `__init__` that skips the base's (DO201): the quick fix calls
/// `super().__init__` with the parameters' own names, and the project
/// passes.
#[test]
fn python_init_quick_fix() {
    let dir = std::env::temp_dir().join(format!("durable-lsp-edit-pyinit-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    write(
        &dir,
        "wrangler.toml",
        "name = \"py\"\nmain = \"src/entry.py\"\ncompatibility_date = \"2025-06-01\"\ncompatibility_flags = [\"python_workers\"]\n\n[[durable_objects.bindings]]\nname = \"BAD\"\nclass_name = \"Bad\"\n\n[[migrations]]\ntag = \"v1\"\nnew_sqlite_classes = [\"Bad\"]\n",
    );
    write(
        &dir,
        "src/entry.py",
        "from workers import DurableObject, Response, WorkerEntrypoint\n\n\nclass Bad(DurableObject):\n    def __init__(self, state, env):\n        self.count = 0\n\n    async def fetch(self, request):\n        await self.ctx.storage.put(\"n\", self.count)\n        return Response(\"ok\")\n\n\nclass Default(WorkerEntrypoint):\n    async def fetch(self, request):\n        return await self.env.BAD.getByName(\"a\").fetch(request)\n",
    );
    let root = dir.canonicalize().unwrap();
    let entry = root.join("src/entry.py");
    let mut c = start(&root);
    let diags = c.diagnostics_of(&entry, |d| codes(d).contains(&"DO201".to_string()));
    let d = diags.iter().find(|d| d["code"] == "DO201").unwrap().clone();
    let list = actions(&mut c, &entry, vec![d], None);
    assert_eq!(
        list[0]["title"],
        "Call `super().__init__(state, env)` first"
    );
    assert_eq!(
        list[0]["edit"]["changes"][uri(&entry)][0]["newText"],
        "        super().__init__(state, env)\n"
    );
    c.stop();
    apply_edit(&list[0]["edit"]);
    let text = std::fs::read_to_string(&entry).unwrap();
    assert!(
        text.contains("    def __init__(self, state, env):\n        super().__init__(state, env)\n        self.count = 0\n"),
        "{text}"
    );
    let (ok, out) = check_passes(&root);
    assert!(ok && !out.contains("DO201"), "after the fix:\n{out}");
}
