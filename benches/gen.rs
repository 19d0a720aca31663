//! The benchmark workspace generator: N Workers × M TypeScript files of
//! realistic Durable Object code (configs with bindings and migrations, DO
//! classes, barrels, `env.X` uses; about 4 KB a file).

use std::path::{Path, PathBuf};

/// Writes the workspace (deterministic; rewritten only when missing).
pub fn generate(root: &Path, workers: usize, files: usize) -> (usize, usize) {
    let marker = root.join(".complete");
    let mut count = 0;
    let mut bytes = 0;
    let write = |p: PathBuf, s: String, count: &mut usize, bytes: &mut usize| {
        if p.extension().is_some_and(|e| e == "ts") {
            *count += 1;
        }
        *bytes += s.len();
        if !marker.exists() {
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, s).unwrap();
        }
    };
    let objects = 3.min(files.saturating_sub(3)).max(1);
    for w in 0..workers {
        let dir = root.join(format!("worker-{w:03}"));
        let classes: Vec<String> = (0..objects).map(|k| format!("Object{w}x{k}")).collect();
        let bindings: Vec<String> = (0..objects)
            .map(|k| {
                format!(
                    "      {{ \"name\": \"NS_{k}\", \"class_name\": \"{}\" }},",
                    classes[k]
                )
            })
            .collect();
        let config = format!(
            "// generated\n{{\n  \"name\": \"worker-{w}\",\n  \"main\": \"src/index.ts\",\n  \"compatibility_date\": \"2025-06-01\",\n  \"durable_objects\": {{\n    \"bindings\": [\n{}\n    ],\n  }},\n  \"migrations\": [\n    {{ \"tag\": \"v1\", \"new_sqlite_classes\": [{}] }},\n  ],\n}}\n",
            bindings.join("\n"),
            classes.iter().map(|c| format!("\"{c}\"")).collect::<Vec<_>>().join(", ")
        );
        write(dir.join("wrangler.jsonc"), config, &mut count, &mut bytes);
        // entry
        let mut entry = String::from("export * from \"./objects\";\nimport { handle } from \"./lib/util0\";\n\nexport interface Env {\n");
        for k in 0..objects {
            entry.push_str(&format!("  NS_{k}: DurableObjectNamespace;\n"));
        }
        entry.push_str("}\n\nexport default {\n  async fetch(request: Request, env: Env): Promise<Response> {\n    const url = new URL(request.url);\n");
        for k in 0..objects {
            entry.push_str(&format!("    if (url.pathname.startsWith(\"/{k}\")) return env.NS_{k}.getByName(url.pathname).fetch(request);\n"));
        }
        entry.push_str("    return handle(request);\n  },\n};\n");
        entry.push_str(&filler(w, 0, 1800));
        write(dir.join("src/index.ts"), entry, &mut count, &mut bytes);
        // barrel
        let mut barrel = String::new();
        for (k, c) in classes.iter().enumerate() {
            barrel.push_str(&format!(
                "export {{ Impl{k} as {c} }} from \"./object{k}.js\";\n"
            ));
        }
        write(
            dir.join("src/objects/index.ts"),
            barrel,
            &mut count,
            &mut bytes,
        );
        for k in 0..objects {
            write(
                dir.join(format!("src/objects/object{k}.ts")),
                object_file(w, k),
                &mut count,
                &mut bytes,
            );
        }
        let utils = files - 2 - objects;
        for u in 0..utils {
            let mut s = String::new();
            if u + 1 < utils {
                s.push_str(&format!(
                    "import {{ helper{} }} from \"./util{}\";\n",
                    u + 1,
                    u + 1
                ));
            }
            s.push_str(&format!("export function handle(request: Request): Response {{\n  return new Response(request.url);\n}}\nexport function helper{u}(x: number): number {{\n  return x * {u};\n}}\n"));
            s.push_str(&filler(w, u + 10, 3900));
            write(
                dir.join(format!("src/lib/util{u}.ts")),
                s,
                &mut count,
                &mut bytes,
            );
        }
    }
    if !marker.exists() {
        std::fs::write(&marker, "").unwrap();
    }
    (count, bytes)
}

fn object_file(w: usize, k: usize) -> String {
    let mut s = format!(
        "import {{ DurableObject }} from \"cloudflare:workers\";\n\ntype Row = {{ id: number; value: string }};\n\nexport class Impl{k} extends DurableObject {{\n  private count = 0;\n\n  constructor(ctx: DurableObjectState, env: unknown) {{\n    super(ctx, env);\n    ctx.blockConcurrencyWhile(async () => {{\n      this.ctx.storage.sql.exec(\"CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY, value TEXT)\");\n    }});\n  }}\n\n  async fetch(request: Request): Promise<Response> {{\n    const rows = this.ctx.storage.sql.exec<Row>(\"SELECT id, value FROM items WHERE id > ?\", this.count).toArray();\n    this.count += rows.length;\n    return Response.json({{ worker: {w}, rows }});\n  }}\n\n  async alarm(): Promise<void> {{\n    await this.ctx.storage.deleteAlarm();\n  }}\n"
    );
    for m in 0..12 {
        s.push_str(&format!(
            "\n  async method{m}(key: string, value: number): Promise<number> {{\n    const prev = (await this.ctx.storage.get<number>(`k{m}:${{key}}`)) ?? 0;\n    await this.ctx.storage.put(`k{m}:${{key}}`, prev + value);\n    return prev + value;\n  }}\n"
        ));
    }
    s.push_str("}\n");
    s
}

fn filler(w: usize, seed: usize, size: usize) -> String {
    let mut s = String::new();
    let mut i = 0;
    while s.len() < size {
        s.push_str(&format!(
            "\nexport const value{seed}_{i} = {{ worker: {w}, index: {i}, label: \"item {i}\", tags: [\"a\", \"b\", \"c\"] }};\nexport function compute{seed}_{i}(input: number[]): number {{\n  return input.reduce((acc, x) => acc + x * {i}, 0);\n}}\n"
        ));
        i += 1;
    }
    s
}

/// A Durable-Object-dense workspace: every module of every Worker is a
/// Durable Object class with WebSocket hibernation, SQL and alarms (about
/// 4 KB each); the entry exports them through a barrel and binds two.
#[allow(dead_code)]
pub fn generate_dense(root: &Path, workers: usize, files: usize) -> (usize, usize) {
    let marker = root.join(".complete");
    let (mut count, mut bytes) = (0, 0);
    let mut write = |p: PathBuf, s: String| {
        if p.extension().is_some_and(|e| e == "ts") {
            count += 1;
        }
        bytes += s.len();
        if !marker.exists() {
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, s).unwrap();
        }
    };
    let modules = files.saturating_sub(1).max(1);
    for w in 0..workers {
        let dir = root.join(format!("worker-{w:03}"));
        let all: Vec<String> = (0..modules).map(|i| format!("Room{w}x{i}")).collect();
        write(
            dir.join("wrangler.toml"),
            format!(
                "name = \"dense-{w}\"\nmain = \"src/index.ts\"\ncompatibility_date = \"2025-10-01\"\n\n[[durable_objects.bindings]]\nname = \"ROOM\"\nclass_name = \"{}\"\n\n[[durable_objects.bindings]]\nname = \"COUNTER\"\nclass_name = \"{}\"\n\n[[migrations]]\ntag = \"v1\"\nnew_sqlite_classes = [{}]\n",
                all[0],
                all[modules.min(2) - 1],
                all.iter().map(|c| format!("\"{c}\"")).collect::<Vec<_>>().join(", ")
            ),
        );
        let mut entry = String::new();
        for (i, c) in all.iter().enumerate() {
            entry.push_str(&format!("export {{ {c} }} from \"./room{i}\";\n"));
        }
        entry.push_str("\ninterface Env { ROOM: DurableObjectNamespace; COUNTER: DurableObjectNamespace }\n\nexport default {\n  async fetch(request: Request, env: Env): Promise<Response> {\n    const url = new URL(request.url);\n    const room = url.searchParams.get(\"room\") ?? \"lobby\";\n    if (url.pathname === \"/count\") return env.COUNTER.getByName(room).fetch(request);\n    return env.ROOM.getByName(room).fetch(request);\n  },\n};\n");
        write(dir.join("src/index.ts"), entry);
        for i in 0..modules {
            write(dir.join(format!("src/room{i}.ts")), dense_class(w, i));
        }
    }
    if !marker.exists() {
        std::fs::write(&marker, "").unwrap();
    }
    (count, bytes)
}

#[allow(dead_code)]
pub fn dense_class(w: usize, i: usize) -> String {
    let mut s = format!(
        r#"import {{ DurableObject }} from "cloudflare:workers";

type Member{i} = {{ name: string; since: number }};

export class Room{w}x{i} extends DurableObject {{
  members = new Map<WebSocket, Member{i}>();

  constructor(ctx: DurableObjectState, env: unknown) {{
    super(ctx, env);
    for (const ws of ctx.getWebSockets()) {{
      this.members.set(ws, ws.deserializeAttachment() as Member{i});
    }}
    ctx.blockConcurrencyWhile(async () => {{
      this.ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS log{i} (id INTEGER PRIMARY KEY, body TEXT, at INTEGER)");
    }});
  }}

  async fetch(request: Request): Promise<Response> {{
    if (request.headers.get("Upgrade") !== "websocket") {{
      const rows = this.ctx.storage.sql.exec("SELECT body, at FROM log{i} ORDER BY at DESC LIMIT ?", 20).toArray();
      return Response.json(rows);
    }}
    const [client, server] = Object.values(new WebSocketPair());
    const member = {{ name: new URL(request.url).searchParams.get("name") ?? "guest", since: Date.now() }};
    this.ctx.acceptWebSocket(server, ["room{i}"]);
    server.serializeAttachment(member);
    this.members.set(server, member);
    return new Response(null, {{ status: 101, webSocket: client }});
  }}

  async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {{
    const text = typeof message === "string" ? message : new TextDecoder().decode(message);
    this.ctx.storage.sql.exec("INSERT INTO log{i} (body, at) VALUES (?, ?)", text, Date.now());
    for (const peer of this.ctx.getWebSockets("room{i}")) {{
      if (peer !== ws) peer.send(JSON.stringify({{ from: this.members.get(ws)?.name, text }}));
    }}
    if ((await this.ctx.storage.getAlarm()) === null) {{
      await this.ctx.storage.setAlarm(Date.now() + 60_000);
    }}
  }}

  async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {{
    this.members.delete(ws);
    ws.close(code, reason);
  }}

  async alarm(info?: AlarmInvocationInfo): Promise<void> {{
    if (info && info.retryCount > 2) return;
    this.ctx.storage.sql.exec("DELETE FROM log{i} WHERE at < ?", Date.now() - 86_400_000);
  }}
"#
    );
    let mut m = 0;
    while s.len() < 3900 {
        s.push_str(&format!(
            "\n  async stat{m}(key: string): Promise<number> {{\n    const row = this.ctx.storage.sql.exec<{{ n: number }}>(\"SELECT count(*) AS n FROM log{i} WHERE body LIKE ?\", `%${{key}}%`).one();\n    return row.n + {m};\n  }}\n"
        ));
        m += 1;
    }
    s.push_str("}\n");
    s
}
