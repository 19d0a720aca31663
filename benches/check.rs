//! `cargo bench --bench check`: `durable-lsp --check` over a generated
//! workspace of 100 Workers × 20 TypeScript files (2,000 files of about 4 KB),
//! against the floor: a bare read and tree-sitter parse of the same files.
//! Both run as whole processes with 2 threads; each is timed 5 times and the
//! median is reported, with the ratio. Results go to stdout and to
//! `target/bench/check.json`.
//!
//! `BENCH_WORKERS` and `BENCH_FILES` change the size.

use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--bare-parse") {
        let n = bare_parse(Path::new(&args[2]));
        println!("{n}");
        return;
    }
    if args.iter().any(|a| a == "--list") {
        return;
    }
    let workers: usize = env_num("BENCH_WORKERS", 100);
    let files: usize = env_num("BENCH_FILES", 20);
    let target = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench");
    let root = target.join(format!("ws-{workers}x{files}"));
    let (count, bytes) = generate(&root, workers, files);
    println!(
        "workspace: {workers} Workers, {count} TypeScript files, {} KB",
        bytes / 1024
    );

    let me = std::env::current_exe().unwrap();
    let floor = time(5, || {
        let out = Command::new(&me)
            .args(["--bare-parse", root.to_str().unwrap()])
            .env("RAYON_NUM_THREADS", "2")
            .output()
            .unwrap();
        assert!(out.status.success());
        let parsed: usize = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap();
        assert_eq!(parsed, count, "the floor parsed every file");
    });
    let check = time(5, || {
        let out = Command::new(env!("CARGO_BIN_EXE_durable-lsp"))
            .args(["--check", root.to_str().unwrap(), "--format", "json"])
            .env("RAYON_NUM_THREADS", "2")
            .output()
            .unwrap();
        let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(j["summary"]["workers"], workers);
        assert_eq!(
            j["summary"]["errors"], 0,
            "the generated workspace is correct"
        );
        assert_eq!(
            j["summary"]["files"],
            workers + count,
            "every file was analysed"
        );
    });
    let ratio = check.as_secs_f64() / floor.as_secs_f64();
    println!("bare parse (floor):   {:>8.1} ms (median of 5)", ms(floor));
    println!("durable-lsp --check:  {:>8.1} ms (median of 5)", ms(check));
    println!("ratio:                {ratio:>8.2}× (target ≤ 1.50×)");
    let result = serde_json::json!({
        "workers": workers, "files": count, "bytes": bytes,
        "floor_ms": ms(floor), "check_ms": ms(check), "ratio": ratio,
    });
    std::fs::write(
        target.join("check.json"),
        serde_json::to_string_pretty(&result).unwrap(),
    )
    .unwrap();
}

fn env_num(k: &str, d: usize) -> usize {
    std::env::var(k)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(d)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn time(runs: usize, mut f: impl FnMut()) -> Duration {
    f(); // warm the page cache
    let mut v: Vec<Duration> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    v.sort();
    v[runs / 2]
}

/// The floor: read and parse every .ts/.tsx/.js below `root`, nothing else.
fn bare_parse(root: &Path) -> usize {
    let files: Vec<PathBuf> = ignore::WalkBuilder::new(root)
        .build()
        .flatten()
        .map(|e| e.into_path())
        .filter(|p| {
            matches!(
                p.extension().and_then(|e| e.to_str()),
                Some("ts" | "tsx" | "js")
            )
        })
        .collect();
    files
        .par_iter()
        .map(|p| {
            let text = std::fs::read_to_string(p).unwrap();
            let lang: tree_sitter::Language = match p.extension().and_then(|e| e.to_str()) {
                Some("tsx") => tree_sitter_typescript::LANGUAGE_TSX.into(),
                Some("js") => tree_sitter_javascript::LANGUAGE.into(),
                _ => tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into(),
            };
            let mut parser = tree_sitter::Parser::new();
            parser.set_language(&lang).unwrap();
            let tree = parser.parse(&text, None).unwrap();
            usize::from(tree.root_node().child_count() > 0)
        })
        .sum()
}

/// Writes the workspace (deterministic; rewritten only when missing).
fn generate(root: &Path, workers: usize, files: usize) -> (usize, usize) {
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
