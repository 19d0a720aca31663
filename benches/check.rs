//! `cargo bench --bench check`: `durable-lsp --check` over a generated
//! workspace of 100 Workers × 20 TypeScript files (2,000 files of about 4 KB),
//! against the floor: a bare read and tree-sitter parse of the same files.
//! Both run as whole processes with 2 threads, in turn, 7 times each; the
//! medians are reported, with the median of the pairwise ratios; and the
//! same against the floor with tree-sitter allocating through mimalloc, as
//! the binary does. Results go to stdout and to
//! `target/bench/check.json`.
//!
//! `BENCH_WORKERS` and `BENCH_FILES` change the size; `BENCH_DENSE=1` makes
//! every file a Durable Object class with WebSocket hibernation, SQL and
//! alarms (every class rule has work on every file).

#[path = "gen.rs"]
mod gen;

use gen::{generate, generate_dense};
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(mode @ ("--bare-parse" | "--bare-parse-mimalloc")) = args.get(1).map(String::as_str)
    {
        if mode == "--bare-parse-mimalloc" {
            durable_lsp::alloc::install();
        }
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
    let dense = std::env::var("BENCH_DENSE").is_ok_and(|v| v == "1");
    let (root, (count, bytes)) = if dense {
        let root = target.join(format!("ws-dense-{workers}x{files}"));
        let made = generate_dense(&root, workers, files);
        (root, made)
    } else {
        let root = target.join(format!("ws-{workers}x{files}"));
        let made = generate(&root, workers, files);
        (root, made)
    };
    if dense {
        println!("Durable-Object-dense workspace");
    }
    println!(
        "workspace: {workers} Workers, {count} TypeScript files, {} KB",
        bytes / 1024
    );

    let me = std::env::current_exe().unwrap();
    let floor_with = |mode: &str| {
        let out = Command::new(&me)
            .args([mode, root.to_str().unwrap()])
            .env("RAYON_NUM_THREADS", "2")
            .output()
            .unwrap();
        assert!(out.status.success());
        let parsed: usize = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap();
        assert_eq!(parsed, count, "the floor parsed every file");
    };
    let mut floor = || floor_with("--bare-parse");
    let mut check = || {
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
    };
    let (floor, check_time, ratio) = paired(RUNS, &mut floor, &mut check);
    // The binary parses with mimalloc; the same parse with it, for the
    // share of the ratio that is the allocator's.
    let mut floor_mi = || floor_with("--bare-parse-mimalloc");
    let (floor_mi, _, ratio_mi) = paired(RUNS, &mut floor_mi, &mut check);
    println!(
        "bare parse (floor):   {:>8.1} ms (median of {RUNS})",
        ms(floor)
    );
    println!(
        "durable-lsp --check:  {:>8.1} ms (median of {RUNS})",
        ms(check_time)
    );
    println!("ratio:                {ratio:>8.2}× (median of {RUNS} paired runs; target ≤ 1.50×)");
    println!(
        "the floor with tree-sitter on mimalloc, as the binary parses: {:.1} ms, ratio {ratio_mi:.2}×",
        ms(floor_mi)
    );
    let result = serde_json::json!({
        "workers": workers, "files": count, "bytes": bytes, "dense": dense,
        "floor_ms": ms(floor), "check_ms": ms(check_time), "ratio": ratio,
        "floor_mimalloc_ms": ms(floor_mi), "ratio_mimalloc_floor": ratio_mi,
    });
    std::fs::write(
        target.join(if dense {
            "check-dense.json"
        } else {
            "check.json"
        }),
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

/// Runs of each command.
const RUNS: usize = 7;

/// Times `a` (the floor) and `b` in turn, `runs` times each after one
/// warm-up of each (the page cache): (median of `a`, median of `b`, median
/// of the ratios `b`/`a` taken pair by pair, which a machine whose speed
/// drifts during the bench moves least).
fn paired(runs: usize, a: &mut impl FnMut(), b: &mut impl FnMut()) -> (Duration, Duration, f64) {
    a();
    b();
    let (mut ta, mut tb, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..runs {
        let t = Instant::now();
        a();
        let da = t.elapsed();
        let t = Instant::now();
        b();
        let db = t.elapsed();
        ratios.push(db.as_secs_f64() / da.as_secs_f64());
        ta.push(da);
        tb.push(db);
    }
    ta.sort();
    tb.sort();
    ratios.sort_by(f64::total_cmp);
    (ta[runs / 2], tb[runs / 2], ratios[runs / 2])
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
