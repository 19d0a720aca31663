//! Rules about the toolchain a Worker's package installs (DO601, DO602):
//! a known bug of a tool version that the class's code runs into. The
//! version is the one installed (`node_modules/<pkg>/package.json`) or
//! locked (package-lock.json, pnpm-lock.yaml, yarn.lock, bun.lock) in the
//! Worker's folder or above it; a range in package.json alone says
//! nothing, so no finding.

use super::context::{VariantCx, WorkerCx};
use super::diagnostic::Diagnostic;
use super::registry::Code;
use crate::project::fs::FileSystem;
use crate::project::workspace::Memo;
use std::path::{Path, PathBuf};

/// `blockConcurrencyWhile` in a constructor does not hold back requests in
/// local development before these versions (workers-sdk issue 8686).
const BLOCK_CONCURRENCY_FIXED: &[(&str, [u64; 3])] = &[
    ("wrangler", [4, 18, 0]),
    ("@cloudflare/vite-plugin", [1, 3, 1]),
];
/// The vitest pool release in which `ctx.id.name` is undefined inside the
/// object (workers-sdk issue 11580).
const ID_NAME_BROKEN: (&str, [u64; 3]) = ("@cloudflare/vitest-pool-workers", [0, 8, 71]);

pub fn versions(cx: &mut WorkerCx, vc: &VariantCx) {
    let ws = cx.ws;
    let mut ctor_blocks = Vec::new();
    let mut id_names = Vec::new();
    for class in &vc.model.classes {
        let Some(fact) = ws
            .file(&class.file)
            .and_then(|sf| sf.facts.classes.get(class.idx))
        else {
            continue;
        };
        let body = &fact.body;
        let ctor = body.constructor.as_ref().map(|c| c.member);
        for u in body.uses_of(&["blockConcurrencyWhile"]) {
            if u.called.is_some() && ctor.is_some() && u.member == ctor {
                ctor_blocks.push((class.file.clone(), u.span));
            }
        }
        for u in body.uses_of(&["id", "name"]) {
            id_names.push((class.file.clone(), u.span));
        }
    }
    if cx.on(Code::DO601) && !ctor_blocks.is_empty() {
        let outdated: Vec<(String, String)> = BLOCK_CONCURRENCY_FIXED
            .iter()
            .filter_map(|(pkg, fixed)| {
                let found = installed(cx.fs, &cx.ws.memo, cx.dir(), pkg)?;
                (found.version < *fixed).then(|| {
                    (
                        format!("{pkg} {} ({})", found.text, found.source),
                        format!("{pkg} {}.{}.{}", fixed[0], fixed[1], fixed[2]),
                    )
                })
            })
            .collect();
        if !outdated.is_empty() {
            let (have, want): (Vec<String>, Vec<String>) = outdated.into_iter().unzip();
            let verb = if have.len() == 1 { "does" } else { "do" };
            for (file, span) in &ctor_blocks {
                cx.emit(Diagnostic::new(
                    Code::DO601,
                    file.clone(),
                    *span,
                    format!(
                        "{} {verb} not hold requests back during `blockConcurrencyWhile` in a constructor in local development, so requests can see the object half initialised there (production is not affected). Upgrade to {} or later",
                        have.join(" and "),
                        want.join(" and ")
                    ),
                ));
            }
        }
    }
    if cx.on(Code::DO602) && !id_names.is_empty() {
        let (pkg, broken) = ID_NAME_BROKEN;
        if let Some(found) =
            installed(cx.fs, &cx.ws.memo, cx.dir(), pkg).filter(|f| f.version == broken)
        {
            for (file, span) in &id_names {
                cx.emit(Diagnostic::new(
                    Code::DO602,
                    file.clone(),
                    *span,
                    format!(
                        "{pkg} {} ({}) leaves `ctx.id.name` undefined inside Durable Objects under test, though the object was reached by name. Move to another release of {pkg}",
                        found.text, found.source
                    ),
                ));
            }
        }
    }
}

/// A package version found installed or locked.
#[derive(Debug, PartialEq)]
pub struct Found {
    pub version: [u64; 3],
    pub text: String,
    /// Where it was read, for the message: `node_modules`, a lockfile name.
    pub source: String,
}

/// The version of `pkg` installed or locked for the package in `dir`: the
/// nearest folder at or above `dir` with `node_modules/<pkg>` or a
/// lockfile that names the package. A lockfile with several versions of it
/// (other packages of a monorepo) gives none. Each file is read and searched
/// once per load (`memo`), however many Workers share it.
pub fn installed(fs: &dyn FileSystem, memo: &Memo, dir: &Path, pkg: &str) -> Option<Found> {
    for d in dir.ancestors() {
        let manifest = d.join("node_modules").join(pkg).join("package.json");
        let version = memo.get_or(&manifest, "version", || {
            let bytes = fs.read(&manifest).ok()?;
            let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
            Some(
                v.get("version")
                    .and_then(|v| v.as_str())
                    .map(str::to_string)
                    .into_iter()
                    .collect(),
            )
        });
        if let Some(version) = version {
            let text = version.into_iter().next()?;
            return Some(Found {
                version: parse_version(&text)?,
                text,
                source: "node_modules".into(),
            });
        }
        let mut versions: Vec<String> = Vec::new();
        let mut source = None;
        for (name, read) in LOCKFILES {
            let path: PathBuf = d.join(name);
            let Some(found) = memo.get_or(&path, pkg, || {
                let bytes = fs.read(&path).ok()?;
                Some(read(&String::from_utf8_lossy(&bytes), pkg))
            }) else {
                continue;
            };
            if !found.is_empty() {
                versions = found;
                source = Some(name.to_string());
                break;
            }
        }
        if let Some(source) = source {
            versions.sort();
            versions.dedup();
            if versions.len() != 1 {
                return None;
            }
            let text = versions.pop()?;
            return Some(Found {
                version: parse_version(&text)?,
                text,
                source,
            });
        }
        // The package's own root ends the search once it has a lockfile
        // of any kind (a workspace member's lock lives at the root).
        if LOCKFILES.iter().any(|(n, _)| {
            let p = d.join(n);
            memo.get_or(&p, "", || fs.is_file(&p).then(Vec::new))
                .is_some()
        }) {
            return None;
        }
    }
    None
}

type LockReader = fn(&str, &str) -> Vec<String>;

const LOCKFILES: &[(&str, LockReader)] = &[
    ("package-lock.json", npm_lock),
    ("pnpm-lock.yaml", pnpm_lock),
    ("yarn.lock", yarn_lock),
    ("bun.lock", bun_lock),
];

/// `packages["node_modules/<pkg>"].version` (lockfile v2/v3), or the v1
/// `dependencies[<pkg>].version`.
fn npm_lock(text: &str, pkg: &str) -> Vec<String> {
    let Ok(v) = serde_json::from_str::<serde_json::Value>(text) else {
        return Vec::new();
    };
    let key = format!("node_modules/{pkg}");
    let from_packages = v
        .get("packages")
        .and_then(|p| p.as_object())
        .map(|p| {
            p.iter()
                .filter(|(k, _)| *k == &key || k.ends_with(&format!("/{key}")))
                .filter_map(|(_, e)| e.get("version")?.as_str().map(String::from))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    if !from_packages.is_empty() {
        return from_packages;
    }
    v.get("dependencies")
        .and_then(|d| d.get(pkg))
        .and_then(|e| e.get("version"))
        .and_then(|x| x.as_str())
        .map(|s| vec![s.to_string()])
        .unwrap_or_default()
}

/// Package keys `/<pkg>@<version>` (v6+ `<pkg>@<version>`, v5
/// `/<pkg>/<version>`) with any peer suffix `(…)` or `_…` dropped.
fn pnpm_lock(text: &str, pkg: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        let t = line.trim_start();
        let indent = line.len() - t.len();
        if indent != 2 {
            continue;
        }
        let key = t.trim_end().trim_end_matches(':');
        let key = key.trim_matches(|c| c == '\'' || c == '"');
        let key = key.strip_prefix('/').unwrap_or(key);
        let rest = key
            .strip_prefix(pkg)
            .and_then(|r| r.strip_prefix('@').or_else(|| r.strip_prefix('/')));
        if let Some(rest) = rest {
            let v: String = rest
                .chars()
                .take_while(|c| !matches!(c, '(' | '_' | ':' | ' '))
                .collect();
            if parse_version(&v).is_some() {
                out.push(v);
            }
        }
    }
    out
}

/// Entries `"<pkg>@<range>", …:` followed by `version "x"` (yarn 1) or
/// `version: x` (berry).
fn yarn_lock(text: &str, pkg: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut inside = false;
    for line in text.lines() {
        if !line.starts_with(' ') && !line.is_empty() {
            inside = line.split(',').any(|spec| {
                let s = spec.trim().trim_matches('"').trim_end_matches(':');
                let s = s.trim_matches('"');
                s.strip_prefix(pkg).is_some_and(|r| r.starts_with('@'))
            });
            continue;
        }
        if inside {
            let t = line.trim();
            if let Some(v) = t.strip_prefix("version") {
                let v = v.trim_start_matches(':').trim().trim_matches('"');
                out.push(v.to_string());
                inside = false;
            }
        }
    }
    out
}

/// bun's text lockfile: `"<pkg>": ["<pkg>@<version>", …]`.
fn bun_lock(text: &str, pkg: &str) -> Vec<String> {
    let needle = format!("[\"{pkg}@");
    text.match_indices(&needle)
        .filter_map(|(i, _)| {
            let rest = &text[i + needle.len()..];
            let v: String = rest.chars().take_while(|c| *c != '"').collect();
            parse_version(&v).map(|_| v)
        })
        .collect()
}

/// `major.minor.patch` of a version (a pre-release suffix ignored).
fn parse_version(v: &str) -> Option<[u64; 3]> {
    let core = v.trim().trim_start_matches('v');
    let core = core.split(['-', '+']).next()?;
    let mut parts = core.split('.');
    let mut out = [0u64; 3];
    for slot in &mut out {
        *slot = parts.next()?.parse().ok()?;
    }
    parts.next().is_none().then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lockfiles_give_the_locked_version() {
        let npm = r#"{"lockfileVersion":3,"packages":{"":{},"node_modules/wrangler":{"version":"4.17.0"}}}"#;
        assert_eq!(npm_lock(npm, "wrangler"), vec!["4.17.0"]);
        assert!(npm_lock(npm, "vite").is_empty());
        let pnpm = "lockfileVersion: '9.0'\npackages:\n\n  wrangler@4.17.0:\n    resolution: {}\n  '@cloudflare/vite-plugin@1.2.0(vite@6.0.0)':\n    resolution: {}\n  wrangler-extra@1.0.0:\n";
        assert_eq!(pnpm_lock(pnpm, "wrangler"), vec!["4.17.0"]);
        assert_eq!(pnpm_lock(pnpm, "@cloudflare/vite-plugin"), vec!["1.2.0"]);
        let pnpm5 = "packages:\n  /wrangler/3.1.0:\n    resolution: {}\n";
        assert_eq!(pnpm_lock(pnpm5, "wrangler"), vec!["3.1.0"]);
        let yarn = "\"wrangler@^4.0.0\", wrangler@^4.1.0:\n  version \"4.10.2\"\n  resolved \"x\"\n\nwrangler-x@1:\n  version \"9.9.9\"\n";
        assert_eq!(yarn_lock(yarn, "wrangler"), vec!["4.10.2"]);
        let berry = "\"wrangler@npm:^4.0.0\":\n  version: 4.12.0\n";
        assert_eq!(yarn_lock(berry, "wrangler"), vec!["4.12.0"]);
        let bun = r#"{ "packages": { "wrangler": ["wrangler@4.16.1", "", {}, "sha"] } }"#;
        assert_eq!(bun_lock(bun, "wrangler"), vec!["4.16.1"]);
        assert_eq!(parse_version("4.18.0-beta.1"), Some([4, 18, 0]));
        assert_eq!(parse_version("^4.18.0"), None);
    }

    /// A file system that counts reads of each path.
    struct Counting(crate::project::fs::MemFs, std::sync::Mutex<Vec<PathBuf>>);

    impl FileSystem for Counting {
        fn read(&self, path: &Path) -> std::io::Result<std::sync::Arc<[u8]>> {
            self.1.lock().unwrap().push(path.to_path_buf());
            self.0.read(path)
        }
        fn is_file(&self, path: &Path) -> bool {
            self.0.is_file(path)
        }
        fn is_dir(&self, path: &Path) -> bool {
            self.0.is_dir(path)
        }
        fn find_files(&self, root: &Path, pred: &dyn Fn(&str) -> bool) -> Vec<PathBuf> {
            self.0.find_files(root, pred)
        }
    }

    /// A monorepo's one lockfile is read once per load, whatever the number
    /// of Workers below it; each still gets the locked version.
    #[test]
    fn a_shared_lockfile_is_read_once_for_all_workers() {
        let mut fs = crate::project::fs::MemFs::new();
        fs.insert(
            "/m/package-lock.json",
            r#"{"lockfileVersion":3,"packages":{"node_modules/wrangler":{"version":"4.17.0"}}}"#,
        );
        let fs = Counting(fs, Default::default());
        let memo = Memo::default();
        for i in 0..20 {
            let found = installed(&fs, &memo, Path::new(&format!("/m/apps/w{i}")), "wrangler");
            assert_eq!(found.map(|f| f.version), Some([4, 17, 0]));
        }
        let reads = fs.1.lock().unwrap();
        let root_lock = Path::new("/m/package-lock.json");
        let lock_reads = reads.iter().filter(|p| *p == root_lock).count();
        assert_eq!(lock_reads, 1);
        // without the memo, each Worker reads it again
        drop(reads);
        for i in 0..3 {
            installed(
                &fs,
                &Memo::default(),
                Path::new(&format!("/m/apps/w{i}")),
                "wrangler",
            );
        }
        let again = fs.1.lock().unwrap();
        assert_eq!(again.iter().filter(|p| *p == root_lock).count(), 4);
    }
}
