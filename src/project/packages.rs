//! What `oxc_resolver` sees of the project: [`OxcFs`], its file-system
//! trait over our [`FileSystem`], and the workspace packages (npm/yarn
//! `workspaces`, `pnpm-workspace.yaml`) that it presents as the links a
//! package manager would have made.
//!
//! Every access goes through [`FileSystem`], so open documents and read
//! sets see it, and paths outside the roots stay refused. There are no
//! symlinks: canonical paths are the paths themselves. Two views of the
//! files sit on top:
//!
//! - **Workspace links.** `<root>/node_modules/<name>` reads as the folder
//!   of the workspace member `name` (unless a real one is installed), so a
//!   member resolves through its own `exports`/`main` like an installed
//!   package, and a tsconfig `extends` can name one.
//! - **Built output** (only for the resolvers that ask for it): files under
//!   a member's build-output folders are taken to exist, so resolution
//!   answers "which file would the bundler load once the package is built";
//!   [`Workspaces::sources_for`] maps that back to source.
//!
//! Besides, a tsconfig `extends` that names nothing readable (a package
//! that is not installed) is left out of the text the resolver reads, so
//! the rest of that tsconfig still applies.

use super::fs::{read_text, FileSystem};
use super::paths::normalize;
use crate::config::tree::{parse_jsonc, Kind, Node};
use std::collections::{HashMap, HashSet};
use std::ffi::OsStr;
use std::io;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};

const MAX_META_BYTES: usize = 1024 * 1024;
/// Build-output folders a workspace package's `exports` or `main` may
/// point into, mapped back to `src/`.
const OUTPUT_DIRS: &[&str] = &[
    "dist", "build", "lib", "out", "esm", "cjs", "dist-esm", "types",
];

/// Bundler configs of a package whose `entry` names the sources of its
/// build output, file for file.
const BUNDLER_CONFIGS: &[&str] = &[
    "tsup.config.ts",
    "tsup.config.mts",
    "tsup.config.js",
    "tsup.config.mjs",
    "tsdown.config.ts",
    "tsdown.config.mts",
    "tsdown.config.js",
    "tsdown.config.mjs",
];

type Members = Arc<HashMap<String, PathBuf>>;

/// Workspace roots and their members, tsconfig `extends` known to name
/// nothing, and build-output folders: what one analysis learnt.
#[derive(Default)]
pub struct Workspaces {
    /// folder → its members when it is a workspace root
    roots: Mutex<HashMap<PathBuf, Option<Members>>>,
    /// member folder → its tsconfig (`outDir`, `rootDir`)
    out_roots: Mutex<HashMap<PathBuf, Option<(PathBuf, PathBuf)>>>,
    /// `extends` targets that could not be read, as the resolver named them
    missing_extends: Mutex<HashSet<PathBuf>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Workspaces {
    /// The members of the workspace whose root is `dir` (none when `dir`
    /// is not a workspace root).
    pub fn members(&self, fs: &dyn FileSystem, dir: &Path) -> Option<Members> {
        if let Some(hit) = lock(&self.roots).get(dir) {
            return hit.clone();
        }
        let found = workspace_patterns(fs, dir).map(|p| Arc::new(workspace_members(fs, dir, &p)));
        lock(&self.roots).insert(dir.to_path_buf(), found.clone());
        found
    }

    /// The folder of workspace package `name` seen from `dir`: the nearest
    /// workspace root up from `dir` that has it.
    pub fn package_dir(&self, fs: &dyn FileSystem, dir: &Path, name: &str) -> Option<PathBuf> {
        dir.ancestors()
            .find_map(|a| self.members(fs, a).and_then(|m| m.get(name).cloned()))
    }

    /// The known member whose folder holds `path`.
    fn member_of(&self, path: &Path) -> Option<PathBuf> {
        lock(&self.roots)
            .values()
            .flatten()
            .flat_map(|m| m.values())
            .filter(|d| path.starts_with(d))
            .max_by_key(|d| d.as_os_str().len())
            .cloned()
    }

    /// A package's tsconfig `outDir` and `rootDir` (default `src`).
    fn out_root(&self, fs: &dyn FileSystem, pdir: &Path) -> Option<(PathBuf, PathBuf)> {
        if let Some(hit) = lock(&self.out_roots).get(pdir) {
            return hit.clone();
        }
        let found = (|| {
            let text = read_text(fs, &pdir.join("tsconfig.json"), MAX_META_BYTES).ok()?;
            let root = parse_jsonc(&text).ok()?;
            let opts = root.get("compilerOptions")?;
            let out = opts.get("outDir").and_then(Node::as_str)?;
            let src = opts.get("rootDir").and_then(Node::as_str).unwrap_or("src");
            Some((normalize(&pdir.join(out)), normalize(&pdir.join(src))))
        })();
        lock(&self.out_roots).insert(pdir.to_path_buf(), found.clone());
        found
    }

    /// Whether `path` lies in a member's build output (`dist/…`, its
    /// tsconfig's `outDir`).
    fn is_build_output(&self, fs: &dyn FileSystem, path: &Path) -> bool {
        let Some(pdir) = self.member_of(path) else {
            return false;
        };
        if let Some((out, _)) = self.out_root(fs, &pdir) {
            if path.starts_with(&out) && path != out {
                return true;
            }
        }
        let rel = path.strip_prefix(&pdir).unwrap_or(path);
        let mut comps = rel.components();
        let first = comps.next().and_then(|c| c.as_os_str().to_str());
        first.is_some_and(|f| OUTPUT_DIRS.contains(&f)) && comps.next().is_some()
    }

    /// Where a member's build output comes from, best first: `outDir` →
    /// `rootDir`, `dist/…` → `src/…` (both without extension), and the
    /// entries of a tsup or tsdown config that carry the output's name
    /// (`entry: ["lib/index.ts"]` builds `dist/index.mjs`).
    pub fn sources_for(&self, fs: &dyn FileSystem, built: &Path) -> Vec<PathBuf> {
        let mut out = Vec::new();
        let Some(pdir) = self.member_of(built) else {
            return out;
        };
        if let Some((dir, root)) = self.out_root(fs, &pdir) {
            if let Ok(rest) = built.strip_prefix(&dir) {
                out.push(strip_js_ext(&root.join(rest)));
            }
        }
        let Ok(rel) = built.strip_prefix(&pdir) else {
            return out;
        };
        let mut comps = rel.components();
        let first = comps.next().and_then(|c| c.as_os_str().to_str());
        if first.is_some_and(|f| OUTPUT_DIRS.contains(&f)) {
            out.push(strip_js_ext(&pdir.join("src").join(comps.as_path())));
        }
        let stem = strip_js_ext(built);
        let stem = stem.file_name();
        for config in BUNDLER_CONFIGS {
            let Ok(text) = read_text(fs, &pdir.join(config), MAX_META_BYTES) else {
                continue;
            };
            for entry in super::scan::literals_after_key(&text, "entry") {
                let p = normalize(&pdir.join(&entry));
                if stem.is_some() && strip_js_ext(&p).file_name() == stem {
                    out.push(p);
                }
            }
        }
        out
    }

    /// Where `path` really is when it lies in a workspace link
    /// (`<root>/node_modules/<member>/…`), or `None`.
    pub fn unlink(&self, fs: &dyn FileSystem, path: &Path) -> Option<PathBuf> {
        let mut cur: Option<PathBuf> = None;
        // a member's own node_modules can hold another link: a few rounds
        for _ in 0..4 {
            let p = cur.as_deref().unwrap_or(path);
            match self.unlink_once(fs, p) {
                Some(next) => cur = Some(next),
                None => break,
            }
        }
        cur
    }

    fn unlink_once(&self, fs: &dyn FileSystem, path: &Path) -> Option<PathBuf> {
        let comps: Vec<Component> = path.components().collect();
        for (i, c) in comps.iter().enumerate() {
            if c.as_os_str() != "node_modules" {
                continue;
            }
            let root: PathBuf = comps[..i].iter().collect();
            let rest = &comps[i + 1..];
            let take = match rest.first().and_then(|c| c.as_os_str().to_str()) {
                Some(s) if s.starts_with('@') => 2,
                Some(_) => 1,
                None => continue,
            };
            if rest.len() < take {
                continue;
            }
            let name = rest[..take]
                .iter()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            let Some(pdir) = self.members(fs, &root).and_then(|m| m.get(&name).cloned()) else {
                continue;
            };
            let link: PathBuf = comps[..i + 1 + take].iter().collect();
            if fs.is_dir(&link) {
                continue; // really installed: the package manager's link wins
            }
            let tail: PathBuf = rest[take..].iter().collect();
            return Some(if tail.as_os_str().is_empty() {
                pdir
            } else {
                pdir.join(tail)
            });
        }
        None
    }

    /// `<root>/node_modules` and `<root>/node_modules/@scope` folders that
    /// exist only through workspace links.
    fn is_link_dir(&self, fs: &dyn FileSystem, path: &Path) -> bool {
        let (root, scope) = match path.file_name().and_then(OsStr::to_str) {
            Some("node_modules") => (path.parent(), None),
            Some(s) if s.starts_with('@') => {
                let nm = path.parent();
                if nm.and_then(Path::file_name) != Some(OsStr::new("node_modules")) {
                    return false;
                }
                (nm.and_then(Path::parent), Some(s))
            }
            _ => return false,
        };
        let Some(members) = root.and_then(|r| self.members(fs, r)) else {
            return false;
        };
        match scope {
            None => !members.is_empty(),
            Some(s) => members
                .keys()
                .any(|n| n.split_once('/').is_some_and(|(sc, _)| sc == s)),
        }
    }

    /// Notes an `extends` target the resolver could not read.
    pub fn note_missing_extends(&self, path: PathBuf) -> bool {
        lock(&self.missing_extends).insert(path)
    }

    /// A tsconfig's text without the `extends` entries known to name
    /// nothing readable.
    fn without_missing_extends(&self, fs: &dyn FileSystem, file: &Path, text: String) -> String {
        let missing = lock(&self.missing_extends).clone();
        if missing.is_empty() || !text.contains("extends") {
            return text;
        }
        let Ok(root) = parse_jsonc(&text) else {
            return text;
        };
        let Some(ext) = root.get("extends") else {
            return text;
        };
        let dir = file.parent().unwrap_or(Path::new(""));
        let gone = |e: &str| {
            if missing.contains(Path::new(e)) {
                // a package spec: missing from where it failed; here too
                // unless this folder sees the package
                let name = super::paths::package_name(e);
                return !dir.ancestors().any(|a| {
                    fs.is_dir(&a.join("node_modules").join(&name))
                        || self.members(fs, a).is_some_and(|m| m.contains_key(&name))
                });
            }
            if !e.starts_with('.') {
                return false;
            }
            let p = normalize(&dir.join(e));
            let json = PathBuf::from(format!("{}.json", p.display()));
            missing.contains(&p)
                || missing.contains(&json)
                || missing.contains(&p.join("tsconfig.json"))
        };
        let entries: Vec<&str> = match &ext.kind {
            Kind::Str(s) => vec![s.as_str()],
            Kind::Array(items) => items.iter().filter_map(Node::as_str).collect(),
            _ => return text,
        };
        if !entries.iter().any(|e| gone(e)) {
            return text;
        }
        let kept: Vec<&str> = entries.into_iter().filter(|e| !gone(e)).collect();
        let value = serde_json::to_string(&kept).unwrap_or_else(|_| "[]".into());
        format!(
            "{}{}{}",
            &text[..ext.span.start],
            value,
            &text[ext.span.end..]
        )
    }
}

/// `oxc_resolver`'s file system: our [`FileSystem`] with the views above.
pub struct OxcFs {
    fs: &'static dyn FileSystem,
    ws: Arc<Workspaces>,
    /// take a workspace member's build output as present
    built: bool,
}

impl OxcFs {
    /// # Safety
    ///
    /// `fs` must outlive every resolver this adapter is given to: the
    /// adapter keeps it with its lifetime erased (`oxc_resolver` wants a
    /// `'static` file system).
    pub unsafe fn new_unchecked(fs: &dyn FileSystem, ws: Arc<Workspaces>, built: bool) -> OxcFs {
        // SAFETY: the same fat pointer with a longer lifetime; the caller
        // keeps it from being used after `fs` is gone.
        let fs: &'static dyn FileSystem = unsafe { std::mem::transmute(fs) };
        OxcFs { fs, ws, built }
    }

    fn real<'p>(&self, path: &'p Path) -> std::borrow::Cow<'p, Path> {
        match self.ws.unlink(self.fs, path) {
            Some(p) => std::borrow::Cow::Owned(p),
            None => std::borrow::Cow::Borrowed(path),
        }
    }

    fn meta(&self, path: &Path) -> io::Result<oxc_resolver::FileMetadata> {
        let real = self.real(path);
        if self.fs.is_file(&real) || (self.built && self.ws.is_build_output(self.fs, &real)) {
            Ok(oxc_resolver::FileMetadata::new(true, false, false))
        } else if self.fs.is_dir(&real) || self.ws.is_link_dir(self.fs, path) {
            Ok(oxc_resolver::FileMetadata::new(false, true, false))
        } else {
            Err(io::ErrorKind::NotFound.into())
        }
    }
}

/// What a resolver made without a file system sees: nothing.
struct NoFs;

impl FileSystem for NoFs {
    fn read(&self, _: &Path) -> io::Result<Arc<[u8]>> {
        Err(io::ErrorKind::NotFound.into())
    }
    fn is_file(&self, _: &Path) -> bool {
        false
    }
    fn is_dir(&self, _: &Path) -> bool {
        false
    }
    fn find_files(&self, _: &Path, _: &dyn Fn(&str) -> bool) -> Vec<PathBuf> {
        Vec::new()
    }
}

impl oxc_resolver::FileSystem for OxcFs {
    fn new() -> Self {
        OxcFs {
            fs: &NoFs,
            ws: Arc::default(),
            built: false,
        }
    }

    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        self.fs.read(&self.real(path)).map(|b| b.to_vec())
    }

    /// The resolver reads tsconfig files as strings (package.json files as
    /// bytes).
    fn read_to_string(&self, path: &Path) -> io::Result<String> {
        let bytes = self.read(path)?;
        let text =
            String::from_utf8(bytes).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
        Ok(self.ws.without_missing_extends(self.fs, path, text))
    }

    fn metadata(&self, path: &Path) -> io::Result<oxc_resolver::FileMetadata> {
        self.meta(path)
    }

    fn symlink_metadata(&self, path: &Path) -> io::Result<oxc_resolver::FileMetadata> {
        self.meta(path)
    }

    fn read_link(&self, _: &Path) -> Result<PathBuf, oxc_resolver::ResolveError> {
        Err(io::Error::from(io::ErrorKind::InvalidInput).into())
    }

    fn canonicalize(&self, path: &Path) -> io::Result<PathBuf> {
        Ok(normalize(path))
    }
}

/// The member globs of a workspace rooted at `dir`, if it is one.
fn workspace_patterns(fs: &dyn FileSystem, dir: &Path) -> Option<Vec<String>> {
    let pnpm = dir.join("pnpm-workspace.yaml");
    if fs.is_file(&pnpm) {
        let text = read_text(fs, &pnpm, MAX_META_BYTES).ok()?;
        return Some(pnpm_patterns(&text));
    }
    let manifest = dir.join("package.json");
    if !fs.is_file(&manifest) {
        return None;
    }
    let root = parse_jsonc(&read_text(fs, &manifest, MAX_META_BYTES).ok()?).ok()?;
    let ws = root.get("workspaces")?;
    let items = if ws.is_array() {
        ws.items()
    } else {
        ws.get("packages").map(Node::items).unwrap_or(&[])
    };
    let pats: Vec<String> = items
        .iter()
        .filter_map(|n| n.as_str().map(String::from))
        .collect();
    (!pats.is_empty()).then_some(pats)
}

fn package_name_in(fs: &dyn FileSystem, dir: &Path) -> Option<String> {
    let text = read_text(fs, &dir.join("package.json"), MAX_META_BYTES).ok()?;
    let root = parse_jsonc(&text).ok()?;
    root.get("name").and_then(Node::as_str).map(String::from)
}

fn workspace_members(
    fs: &dyn FileSystem,
    root: &Path,
    patterns: &[String],
) -> HashMap<String, PathBuf> {
    let mut out = HashMap::new();
    // The root can be a package too (`"name"` beside `"workspaces"`).
    if let Some(name) = package_name_in(fs, root) {
        out.insert(name, root.to_path_buf());
    }
    let manifests = fs.find_files(root, &|n| n == "package.json");
    for pat in patterns.iter().filter(|p| !p.starts_with('!')) {
        let pat = pat.trim_start_matches("./").trim_end_matches('/');
        for m in &manifests {
            let Some(pdir) = m.parent() else { continue };
            let Ok(rel) = pdir.strip_prefix(root) else {
                continue;
            };
            if glob_dir_match(pat, &rel.to_string_lossy().replace('\\', "/")) {
                if let Some(name) = package_name_in(fs, pdir) {
                    out.entry(name).or_insert_with(|| pdir.to_path_buf());
                }
            }
        }
    }
    out
}

fn strip_js_ext(p: &Path) -> PathBuf {
    let s = p.to_string_lossy();
    for ext in [
        ".d.ts", ".d.mts", ".d.cts", ".js", ".mjs", ".cjs", ".ts", ".mts", ".cts", ".tsx",
    ] {
        if let Some(stem) = s.strip_suffix(ext) {
            return PathBuf::from(stem);
        }
    }
    p.to_path_buf()
}

/// `packages/*`, `apps/**`, `examples/x`: whether a folder matches.
fn glob_dir_match(pat: &str, rel: &str) -> bool {
    let pp: Vec<&str> = pat.split('/').collect();
    let rp: Vec<&str> = rel.split('/').filter(|s| !s.is_empty()).collect();
    fn go(p: &[&str], r: &[&str]) -> bool {
        match (p.first(), r.first()) {
            (None, None) => true,
            (Some(&"**"), _) => go(&p[1..], r) || (!r.is_empty() && go(p, &r[1..])),
            (Some(seg), Some(part)) => seg_match(seg, part) && go(&p[1..], &r[1..]),
            _ => false,
        }
    }
    go(&pp, &rp)
}

fn seg_match(seg: &str, part: &str) -> bool {
    match seg.split_once('*') {
        None => seg == part,
        Some((pre, post)) => {
            part.len() >= pre.len() + post.len() && part.starts_with(pre) && part.ends_with(post)
        }
    }
}

fn pnpm_patterns(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_packages = false;
    for line in text.lines() {
        let t = line.trim();
        if !line.starts_with(' ') && !line.starts_with('-') && !t.is_empty() {
            in_packages = t.starts_with("packages:");
            continue;
        }
        if in_packages {
            if let Some(item) = t.strip_prefix('-') {
                let v = item.trim().trim_matches(|c| c == '\'' || c == '"');
                if !v.is_empty() {
                    out.push(v.to_string());
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workspace_globs() {
        assert!(glob_dir_match("packages/*", "packages/sdk"));
        assert!(!glob_dir_match("packages/*", "packages/sdk/x"));
        assert!(glob_dir_match("examples/**", "examples/a/b"));
        assert_eq!(
            pnpm_patterns("packages:\n  - 'packages/*'\n  - \"apps/*\"\nother: 1\n"),
            vec!["packages/*", "apps/*"]
        );
    }
}
