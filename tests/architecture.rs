//! ARCHITECTURE.md's claim: dependencies between the files of `src/` point
//! one way, with no cycle. A file depends on another when it names it by
//! path (`crate::a::b`, `super::c`, `use super::{c, d}`); `mod` lines and
//! unit tests do not count.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every `.rs` file under `dir`.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The module path of a file: `src/rules/mod.rs` → `rules`.
fn module_of(src: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        parts.pop();
    }
    parts
}

/// The text without comments and without the unit tests at the end.
fn code_of(text: &str) -> String {
    let text = match text.find("#[cfg(test)]\nmod tests") {
        Some(i) => &text[..i],
        None => text,
    };
    text.lines()
        .map(|l| match l.find("//") {
            Some(i) => &l[..i],
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The paths a file names that start with `crate` or `super`, with the
/// items of a `{…}` group expanded one level.
fn paths_in(code: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let bytes = code.as_bytes();
    for start in ["crate::", "super::"] {
        for (i, _) in code.match_indices(start) {
            if i > 0 && (bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_') {
                continue;
            }
            let mut segs = Vec::new();
            let mut rest = &code[i..];
            loop {
                let end = rest
                    .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .unwrap_or(rest.len());
                if end == 0 {
                    break;
                }
                segs.push(rest[..end].to_string());
                rest = &rest[end..];
                match rest.strip_prefix("::") {
                    Some(r) => rest = r,
                    None => break,
                }
            }
            if let Some(group) = rest.strip_prefix('{') {
                let inner = &group[..group.find('}').unwrap_or(group.len())];
                for item in inner.split(',') {
                    let head = item.trim().split("::").next().unwrap_or("").trim();
                    if !head.is_empty() && head != "self" {
                        let mut p = segs.clone();
                        p.push(head.to_string());
                        out.push(p);
                    }
                }
            }
            out.push(segs);
        }
    }
    out
}

#[test]
fn no_two_files_of_src_depend_on_each_other_in_a_loop() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let modules: BTreeMap<Vec<String>, PathBuf> = files
        .iter()
        .map(|f| (module_of(&src, f), f.clone()))
        .collect();
    let mut edges: BTreeMap<PathBuf, BTreeSet<PathBuf>> = BTreeMap::new();
    for f in &files {
        let here = module_of(&src, f);
        let code = code_of(&std::fs::read_to_string(f).unwrap());
        for path in paths_in(&code) {
            let mut full: Vec<String> = Vec::new();
            let mut segs = path.as_slice();
            if segs.first().map(String::as_str) == Some("crate") {
                segs = &segs[1..];
            } else {
                full = here.clone();
                while let Some(s) = segs.first() {
                    match s.as_str() {
                        "super" => {
                            full.pop();
                        }
                        "self" => {}
                        _ => break,
                    }
                    segs = &segs[1..];
                }
            }
            full.extend(segs.iter().cloned());
            // the longest prefix that is a file's module
            let target = (1..=full.len()).rev().find_map(|n| modules.get(&full[..n]));
            if let Some(t) = target.filter(|t| *t != f) {
                edges.entry(f.clone()).or_default().insert(t.clone());
            }
        }
    }
    // A cycle: a file that reaches itself.
    let mut cycles = Vec::new();
    for f in &files {
        let mut seen = BTreeSet::new();
        let mut stack: Vec<(PathBuf, Vec<PathBuf>)> = vec![(f.clone(), vec![f.clone()])];
        while let Some((at, trail)) = stack.pop() {
            for next in edges.get(&at).into_iter().flatten() {
                if next == f {
                    let names: Vec<String> = trail
                        .iter()
                        .chain([f])
                        .map(|p| p.strip_prefix(&src).unwrap().display().to_string())
                        .collect();
                    cycles.push(names.join(" → "));
                } else if seen.insert(next.clone()) {
                    let mut t = trail.clone();
                    t.push(next.clone());
                    stack.push((next.clone(), t));
                }
            }
        }
    }
    cycles.sort();
    cycles.dedup();
    assert!(
        cycles.is_empty(),
        "files that depend on each other in a loop:\n{}",
        cycles.join("\n")
    );
    assert!(
        edges.values().map(BTreeSet::len).sum::<usize>() > 100,
        "the scan finds the dependencies"
    );
}

/// The README's rule table and `docs/rules/README.md` name every rule of
/// the registry, with its page.
#[test]
fn the_readmes_list_every_rule() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let index = std::fs::read_to_string(root.join("docs/rules/README.md")).unwrap();
    for r in durable_lsp::rules::registry::RULES {
        let code = r.code.as_str();
        assert!(
            readme.contains(&format!("[{code}](docs/rules/{code}.md)")),
            "README.md lists {code}"
        );
        assert!(index.contains(code), "docs/rules/README.md lists {code}");
    }
}
