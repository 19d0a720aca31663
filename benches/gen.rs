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
