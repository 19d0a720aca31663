//! A short, deterministic run of every fuzz target on stable Rust: the seed
//! corpus (the fixtures and the example, as `fuzz/run.sh` seeds it), any
//! saved crash input under `fuzz/regressions/<target>/`, and a fixed number
//! of mutants of each seed (byte flips, inserts, deletions, repeats and
//! splices from a seeded generator, so a failure reproduces). The long runs
//! use libFuzzer: `bash fuzz/run.sh SECONDS`.

#[path = "../fuzz/bodies.rs"]
mod bodies;

use std::fs;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every file below `dir` whose name passes `keep`, sorted.
fn files(dir: &Path, keep: &dyn Fn(&str) -> bool, out: &mut Vec<PathBuf>) {
    let Ok(rd) = fs::read_dir(dir) else { return };
    let mut entries: Vec<_> = rd.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        if p.is_dir() {
            if name != "node_modules" {
                files(&p, keep, out);
            }
        } else if keep(&name) {
            out.push(p);
        }
    }
}

fn read_all(paths: &[PathBuf]) -> Vec<Vec<u8>> {
    paths.iter().map(|p| fs::read(p).unwrap()).collect()
}

fn is_config(n: &str) -> bool {
    n.starts_with("wrangler")
        && (n.ends_with(".toml") || n.ends_with(".json") || n.ends_with(".jsonc"))
        || n == "durable-lsp.toml"
}

fn is_source(n: &str) -> bool {
    [".ts", ".tsx", ".js", ".mjs"]
        .iter()
        .any(|e| n.ends_with(e))
}

/// xorshift64*: small, seeded, the same on every machine.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

/// Bytes that matter to the parsers: brackets, quotes, line breaks, a BOM,
/// a lone surrogate's UTF-8 shape, an astral character.
const INTERESTING: &[&[u8]] = &[
    b"(",
    b")",
    b"{",
    b"}",
    b"[",
    b"]",
    b"\"",
    b"'",
    b"`",
    b"\n",
    b"\r",
    b"\r\n",
    b"\0",
    b"=",
    b",",
    b"\xEF\xBB\xBF",
    b"\xED\xA0\x80",
    "😀".as_bytes(),
    "é".as_bytes(),
    b"/*",
    b"//",
    b"${",
    b"Content-Length: 0\r\n\r\n",
];

fn mutate(rng: &mut Rng, seed: &[u8], other: &[u8]) -> Vec<u8> {
    let mut v = seed.to_vec();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(v.len() + 1);
        match rng.below(6) {
            0 if !v.is_empty() => {
                let i = rng.below(v.len());
                v[i] ^= 1 << rng.below(8);
            }
            1 => {
                let piece = INTERESTING[rng.below(INTERESTING.len())];
                v.splice(at..at, piece.iter().copied());
            }
            2 if !v.is_empty() => {
                let end = (at + rng.below(64)).min(v.len());
                v.drain(at.min(end)..end);
            }
            3 => {
                let end = (at + rng.below(32)).min(v.len());
                let piece: Vec<u8> = v[at.min(end)..end].repeat(1 + rng.below(50));
                v.splice(at..at, piece);
            }
            4 if !other.is_empty() => {
                let s = rng.below(other.len());
                let e = (s + rng.below(256)).min(other.len());
                v.splice(at..at, other[s..e].iter().copied());
            }
            _ => {
                let b = rng.next() as u8;
                v.insert(at, b);
            }
        }
    }
    v
}

/// Runs `body` on every seed, every saved regression input, and `per_seed`
/// mutants of each seed.
fn run(target: &str, seeds: Vec<Vec<u8>>, per_seed: usize, body: fn(&[u8])) {
    assert!(!seeds.is_empty(), "{target}: no seeds");
    let mut saved = Vec::new();
    files(
        &root().join("fuzz/regressions").join(target),
        &|_| true,
        &mut saved,
    );
    for input in read_all(&saved).iter().chain(&seeds) {
        body(input);
    }
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ target.len() as u64);
    let mut runs = 0;
    for (i, seed) in seeds.iter().enumerate() {
        let other = &seeds[(i + 1) % seeds.len()];
        for _ in 0..per_seed {
            let input = mutate(&mut rng, seed, other);
            let caught = std::panic::catch_unwind(|| body(&input));
            if caught.is_err() {
                let out = std::env::temp_dir().join(format!("fuzz-smoke-{target}-{runs}"));
                fs::write(&out, &input).unwrap();
                panic!(
                    "{target}: mutant {runs} failed; its input is in {}",
                    out.display()
                );
            }
            runs += 1;
        }
    }
}

fn fixture_files(keep: &dyn Fn(&str) -> bool) -> Vec<Vec<u8>> {
    let mut paths = Vec::new();
    files(&root().join("tests/fixtures"), keep, &mut paths);
    files(&root().join("examples"), keep, &mut paths);
    read_all(&paths)
}

#[test]
fn config_target() {
    run("config", fixture_files(&is_config), 12, bodies::config);
}

#[test]
fn source_target() {
    let seeds = fixture_files(&is_source);
    // one in four seeds: the sources are many and alike
    let seeds = seeds.into_iter().step_by(4).collect();
    run("source", seeds, 4, bodies::source);
}

#[test]
fn frames_target() {
    let good = br#"{"jsonrpc":"2.0","id":1,"method":"shutdown","params":null}"#;
    let mut seeds = vec![
        [
            format!("Content-Length: {}\r\n\r\n", good.len()).as_bytes(),
            good,
        ]
        .concat(),
        b"content-length: 2\r\ncontent-type: application/vscode-jsonrpc\r\n\r\n[]".to_vec(),
        b"Content-Length: 100000000000\r\n\r\n{}".to_vec(),
    ];
    seeds.push(seeds.concat());
    run("frames", seeds, 400, bodies::frames);
}

#[test]
fn project_target() {
    let mut seeds = Vec::new();
    for name in [
        "ok-basic",
        "do101-class-not-exported",
        "do108-delete-then-recreate",
    ] {
        let dir = root().join("tests/fixtures").join(name);
        let mut configs = Vec::new();
        files(
            &dir,
            &|n| is_config(n) && n != "durable-lsp.toml",
            &mut configs,
        );
        let mut seed = fs::read(&configs[0]).unwrap();
        seed.push(0);
        seed.extend(fs::read(dir.join("src/index.ts")).unwrap());
        seed.push(0);
        seeds.push(seed);
    }
    run("project", seeds, 40, bodies::project);
}

#[test]
fn edits_target() {
    let script = b"\0\x01\x02\x03\x04\x05\x06\x02\x00\x0a\x03\x01\x07\x00\x05\x01\x05\x00\x04";
    let seeds = [
        "tests/fixtures/ok-basic/src/index.ts",
        "examples/chat/src/index.ts",
    ]
    .iter()
    .map(|p| [fs::read(root().join(p)).unwrap().as_slice(), script].concat())
    .chain([
        "é中😀x\r\nab\rc\n\n😀"
            .as_bytes()
            .iter()
            .chain(script)
            .copied()
            .collect(),
        script.to_vec(),
    ])
    .collect();
    run("edits", seeds, 150, bodies::edits);
}
