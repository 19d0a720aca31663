//! Bare module specifiers, resolved the way the bundler does: tsconfig /
//! jsconfig `paths` and `baseUrl` (through relative `extends`), package.json
//! `imports` (`#name`), workspace packages (npm/yarn `workspaces`,
//! `pnpm-workspace.yaml`) mapped to their source when their build output is
//! absent, and packages in `node_modules` through `exports` (conditions
//! workerd, worker, browser, import, module, default), `module`, `main`,
//! `types`. Only files inside the workspace roots are read (the
//! `FileSystem` refuses the rest); nothing is run.

use super::fs::{read_text, FileSystem};
use super::resolve::{normalize, package_name, probe, Resolved};
use crate::config::tree::{parse_jsonc, Kind, Node};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

const MAX_META_BYTES: usize = 1024 * 1024;
const MAX_EXTENDS: usize = 8;
/// Conditions tried in `exports`, in the order of the object's keys.
const CONDITIONS: &[&str] = &[
    "workerd", "worker", "browser", "import", "module", "default", "require", "node",
];
/// Build-output folders a workspace package's `exports` may point into.
const OUTPUT_DIRS: &[&str] = &["dist", "build", "lib", "out", "esm", "cjs", "dist-esm"];

#[derive(Debug, Default)]
struct TsConfig {
    /// the folder `paths` targets are relative to
    base: Option<PathBuf>,
    paths: Vec<(String, Vec<String>)>,
}

#[derive(Debug)]
struct PackageJson {
    dir: PathBuf,
    name: Option<String>,
    root: Node,
}

#[derive(Default)]
struct Caches {
    tsconfig: HashMap<PathBuf, Option<Arc<TsConfig>>>,
    package: HashMap<PathBuf, Option<Arc<PackageJson>>>,
    /// monorepo root → package name → folder
    workspaces: HashMap<PathBuf, Arc<HashMap<String, PathBuf>>>,
}

pub struct Modules<'a> {
    fs: &'a dyn FileSystem,
    caches: Mutex<Caches>,
}

impl<'a> Modules<'a> {
    pub fn new(fs: &'a dyn FileSystem) -> Self {
        Modules {
            fs,
            caches: Mutex::default(),
        }
    }

    fn caches(&self) -> std::sync::MutexGuard<'_, Caches> {
        self.caches.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Resolves any specifier from `from_file`.
    pub fn resolve(&self, from_file: &Path, spec: &str) -> Resolved {
        // Bundler queries (`./worker.ts?worker`) name the file before them.
        let spec = spec.split_once('?').map(|(s, _)| s).unwrap_or(spec);
        let first = super::resolve::resolve(self.fs, from_file, spec);
        let Resolved::Package(pkg) = first else {
            return first;
        };
        let dir = from_file.parent().unwrap_or(Path::new(""));
        if spec.starts_with('#') {
            return self
                .package_import(dir, spec)
                .unwrap_or(Resolved::Package(pkg));
        }
        if let Some(p) = self.tsconfig_path(dir, spec) {
            return Resolved::File(p);
        }
        // Files inside node_modules do not pull in further packages: the walk
        // stays bounded to what the project's own code reaches.
        if from_file
            .components()
            .any(|c| c.as_os_str() == "node_modules")
        {
            return Resolved::Package(pkg);
        }
        self.package(dir, spec).unwrap_or(Resolved::Package(pkg))
    }

    // ---- tsconfig ----------------------------------------------------------

    fn tsconfig_path(&self, dir: &Path, spec: &str) -> Option<PathBuf> {
        let cfg = self.nearest_tsconfig(dir)?;
        for (pattern, targets) in &cfg.paths {
            let star = match pattern.split_once('*') {
                Some((pre, post))
                    if spec.starts_with(pre)
                        && spec.ends_with(post)
                        && spec.len() >= pre.len() + post.len() =>
                {
                    &spec[pre.len()..spec.len() - post.len()]
                }
                None if pattern == spec => "",
                _ => continue,
            };
            for t in targets {
                let base = cfg.base.as_deref()?;
                let p = normalize(&base.join(t.replace('*', star)));
                if let Some(found) = probe(self.fs, &p) {
                    return Some(found);
                }
            }
        }
        None
    }

    fn nearest_tsconfig(&self, dir: &Path) -> Option<Arc<TsConfig>> {
        let mut d = Some(dir);
        while let Some(cur) = d {
            if let Some(hit) = self.caches().tsconfig.get(cur) {
                return hit.clone();
            }
            for name in ["tsconfig.json", "jsconfig.json"] {
                let f = cur.join(name);
                if self.fs.is_file(&f) {
                    let cfg = self.load_tsconfig(&f, 0).map(Arc::new);
                    self.caches()
                        .tsconfig
                        .insert(cur.to_path_buf(), cfg.clone());
                    return cfg;
                }
            }
            if !self.fs.is_dir(cur) {
                break;
            }
            d = cur.parent();
        }
        None
    }

    fn load_tsconfig(&self, file: &Path, depth: usize) -> Option<TsConfig> {
        self.load_tsconfig_seen(file, depth, &mut Vec::new())
    }

    fn load_tsconfig_seen(
        &self,
        file: &Path,
        depth: usize,
        seen: &mut Vec<PathBuf>,
    ) -> Option<TsConfig> {
        if seen.iter().any(|s| s == file) {
            return None; // `extends` cycle
        }
        seen.push(file.to_path_buf());
        let text = read_text(self.fs, file, MAX_META_BYTES).ok()?;
        let root = parse_jsonc(&text).ok()?;
        let dir = file.parent()?.to_path_buf();
        let mut cfg = TsConfig::default();
        // `extends`: relative files only (a package's tsconfig has no paths).
        if depth < MAX_EXTENDS {
            let parents: Vec<String> = match root.get("extends").map(|n| &n.kind) {
                Some(Kind::Str(s)) => vec![s.clone()],
                Some(Kind::Array(a)) => a
                    .iter()
                    .filter_map(|n| n.as_str().map(String::from))
                    .collect(),
                _ => vec![],
            };
            for p in &parents {
                let f = if p.starts_with('.') || p.starts_with('/') {
                    let mut f = normalize(&dir.join(p));
                    if f.extension().is_none() {
                        f.set_extension("json");
                    }
                    Some(f)
                } else {
                    self.package_tsconfig(&dir, p)
                };
                if let Some(parent) = f.and_then(|f| self.load_tsconfig_seen(&f, depth + 1, seen)) {
                    cfg = parent;
                }
            }
        }
        if let Some(opts) = root.get("compilerOptions") {
            let base_url = opts
                .get("baseUrl")
                .and_then(Node::as_str)
                .map(|b| normalize(&dir.join(b)));
            if let Some(paths) = opts.get("paths").filter(|p| p.is_object()) {
                cfg.paths = paths
                    .props()
                    .iter()
                    .map(|p| {
                        (
                            p.key.clone(),
                            p.value
                                .items()
                                .iter()
                                .filter_map(|t| t.as_str().map(String::from))
                                .collect(),
                        )
                    })
                    .collect();
                // `paths` are relative to baseUrl, or to the file that sets them.
                cfg.base = Some(base_url.clone().unwrap_or_else(|| dir.clone()));
            } else if let Some(b) = base_url {
                cfg.base = Some(b);
            }
        }
        Some(cfg)
    }

    /// `"extends": "@acme/tsconfig/base.json"` or `"agents/tsconfig"`: a
    /// tsconfig file inside a package (a workspace package or node_modules).
    fn package_tsconfig(&self, dir: &Path, spec: &str) -> Option<PathBuf> {
        let name = package_name(spec);
        let sub = spec[name.len()..].trim_start_matches('/');
        let pdir = self.workspace_package(dir, &name).or_else(|| {
            let mut d = Some(dir);
            while let Some(cur) = d {
                let p = cur.join("node_modules").join(&name);
                if self.fs.is_dir(&p) {
                    return Some(p);
                }
                d = cur.parent();
            }
            None
        })?;
        // a subpath the package exports (`"./tsconfig": "./tsconfig.base.json"`)
        if !sub.is_empty() {
            if let Some(exports) = self
                .package_json(&pdir)
                .and_then(|p| p.root.get("exports").cloned())
            {
                if let Some(t) = match_subpath_exports(&exports, &format!("./{sub}")).first() {
                    let f = normalize(&pdir.join(t));
                    if self.fs.is_file(&f) {
                        return Some(f);
                    }
                }
            }
        }
        let mut f = pdir.join(if sub.is_empty() { "tsconfig.json" } else { sub });
        if !self.fs.is_file(&f) && f.extension().is_none() {
            f.set_extension("json");
        }
        self.fs.is_file(&f).then_some(f)
    }

    // ---- package.json ------------------------------------------------------

    fn package_json(&self, dir: &Path) -> Option<Arc<PackageJson>> {
        if let Some(hit) = self.caches().package.get(dir) {
            return hit.clone();
        }
        let f = dir.join("package.json");
        let pkg = if self.fs.is_file(&f) {
            read_text(self.fs, &f, MAX_META_BYTES)
                .ok()
                .and_then(|t| parse_jsonc(&t).ok())
                .map(|root| {
                    Arc::new(PackageJson {
                        dir: dir.to_path_buf(),
                        name: root.get("name").and_then(Node::as_str).map(String::from),
                        root,
                    })
                })
        } else {
            None
        };
        self.caches().package.insert(dir.to_path_buf(), pkg.clone());
        pkg
    }

    fn nearest_package(&self, dir: &Path) -> Option<Arc<PackageJson>> {
        let mut d = Some(dir);
        while let Some(cur) = d {
            if let Some(p) = self.package_json(cur) {
                return Some(p);
            }
            if !self.fs.is_dir(cur) {
                return None;
            }
            d = cur.parent();
        }
        None
    }

    /// `#name` through the nearest package.json `imports`.
    fn package_import(&self, dir: &Path, spec: &str) -> Option<Resolved> {
        let pkg = self.nearest_package(dir)?;
        let imports = pkg.root.get("imports")?;
        let target = match_subpath(imports, spec)?;
        let p = normalize(&pkg.dir.join(&target));
        probe(self.fs, &p).map(Resolved::File)
    }

    /// A package by name: a workspace package, else `node_modules`.
    fn package(&self, dir: &Path, spec: &str) -> Option<Resolved> {
        let name = package_name(spec);
        let sub = spec[name.len()..].trim_start_matches('/');
        let subpath = if sub.is_empty() {
            ".".to_string()
        } else {
            format!("./{sub}")
        };
        if let Some(pdir) = self.workspace_package(dir, &name) {
            return self.entry(&pdir, &subpath, true).map(Resolved::File);
        }
        let mut d = Some(dir);
        while let Some(cur) = d {
            let pdir = cur.join("node_modules").join(&name);
            if self.fs.is_dir(&pdir) {
                return self.entry(&pdir, &subpath, false).map(Resolved::File);
            }
            if !self.fs.is_dir(cur) {
                break;
            }
            d = cur.parent();
        }
        None
    }

    /// The file a package's subpath names.
    fn entry(&self, pdir: &Path, subpath: &str, source_fallback: bool) -> Option<PathBuf> {
        let pkg = self.package_json(pdir)?;
        // Runtime targets first; `types` (declaration files) only when no
        // runtime file or its source can be found.
        let (runtime, types): (Vec<String>, Vec<String>) =
            if let Some(exports) = pkg.root.get("exports") {
                match_subpath_exports_split(exports, subpath)
            } else if subpath == "." {
                let get = |keys: &[&str]| -> Vec<String> {
                    keys.iter()
                        .filter_map(|k| pkg.root.get(k).and_then(Node::as_str).map(String::from))
                        .collect()
                };
                let mut run = get(&["module", "main"]);
                run.push("index".into());
                (run, get(&["types", "typings"]))
            } else {
                (vec![subpath.to_string()], vec![])
            };
        for t in &runtime {
            if let Some(found) = probe(self.fs, &normalize(&pdir.join(t))) {
                return Some(found);
            }
        }
        if source_fallback {
            let all: Vec<&String> = runtime.iter().chain(&types).collect();
            // Build output not there. First the package's own tsconfig
            // (`outDir` → `rootDir`), then the same path under src/, as .ts.
            if let Some((out, root)) = self.out_root(pdir) {
                for t in &all {
                    let p = normalize(&pdir.join(t));
                    if let Ok(rest) = p.strip_prefix(&out) {
                        if let Some(found) = probe(self.fs, &strip_js_ext(&root.join(rest))) {
                            return Some(found);
                        }
                    }
                }
            }
            for t in &all {
                let rel = Path::new(t.trim_start_matches("./"));
                let mut comps = rel.components();
                let Some(first) = comps.next() else { continue };
                let first = first.as_os_str().to_string_lossy().to_string();
                let rest: PathBuf = comps.collect();
                if OUTPUT_DIRS.contains(&first.as_str()) || first == "types" {
                    let src = strip_js_ext(&pdir.join("src").join(&rest));
                    if let Some(found) = probe(self.fs, &src) {
                        return Some(found);
                    }
                }
            }
        }
        for t in &types {
            if let Some(found) = probe_with_dts(self.fs, &normalize(&pdir.join(t))) {
                return Some(found);
            }
        }
        if source_fallback && subpath == "." {
            for c in ["src/index.ts", "src/index.tsx", "src/index.js", "index.ts"] {
                let p = pdir.join(c);
                if self.fs.is_file(&p) {
                    return Some(p);
                }
            }
        }
        None
    }

    /// A package's tsconfig `outDir` and `rootDir` (default `src`).
    fn out_root(&self, pdir: &Path) -> Option<(PathBuf, PathBuf)> {
        let text = read_text(self.fs, &pdir.join("tsconfig.json"), MAX_META_BYTES).ok()?;
        let root = parse_jsonc(&text).ok()?;
        let opts = root.get("compilerOptions")?;
        let out = opts.get("outDir").and_then(Node::as_str)?;
        let src = opts.get("rootDir").and_then(Node::as_str).unwrap_or("src");
        Some((normalize(&pdir.join(out)), normalize(&pdir.join(src))))
    }

    /// The folder of the workspace package `name`, if the monorepo that
    /// holds `dir` has one.
    fn workspace_package(&self, dir: &Path, name: &str) -> Option<PathBuf> {
        let (root, patterns) = self.monorepo_root(dir)?;
        let map = {
            let cached = self.caches().workspaces.get(&root).cloned();
            match cached {
                Some(m) => m,
                None => {
                    let m = Arc::new(self.workspace_members(&root, &patterns));
                    self.caches().workspaces.insert(root.clone(), m.clone());
                    m
                }
            }
        };
        map.get(name).cloned()
    }

    fn monorepo_root(&self, dir: &Path) -> Option<(PathBuf, Vec<String>)> {
        let mut d = Some(dir);
        while let Some(cur) = d {
            let pnpm = cur.join("pnpm-workspace.yaml");
            if self.fs.is_file(&pnpm) {
                let text = read_text(self.fs, &pnpm, MAX_META_BYTES).ok()?;
                return Some((cur.to_path_buf(), pnpm_patterns(&text)));
            }
            if let Some(pkg) = self.package_json(cur) {
                let ws = pkg.root.get("workspaces");
                let list = ws.map(|w| {
                    if w.is_array() {
                        w.items()
                    } else {
                        w.get("packages").map(Node::items).unwrap_or(&[])
                    }
                });
                if let Some(items) = list.filter(|l| !l.is_empty()) {
                    let pats = items
                        .iter()
                        .filter_map(|n| n.as_str().map(String::from))
                        .collect();
                    return Some((cur.to_path_buf(), pats));
                }
            }
            if !self.fs.is_dir(cur) {
                return None;
            }
            d = cur.parent();
        }
        None
    }

    fn workspace_members(&self, root: &Path, patterns: &[String]) -> HashMap<String, PathBuf> {
        let mut out = HashMap::new();
        // The root can be a package too (`"name"` beside `"workspaces"`).
        if let Some(name) = self.package_json(root).and_then(|p| p.name.clone()) {
            out.insert(name, root.to_path_buf());
        }
        let manifests = self.fs.find_files(root, &|n| n == "package.json");
        for pat in patterns.iter().filter(|p| !p.starts_with('!')) {
            let pat = pat.trim_start_matches("./").trim_end_matches('/');
            for m in &manifests {
                let Some(pdir) = m.parent() else { continue };
                let Ok(rel) = pdir.strip_prefix(root) else {
                    continue;
                };
                if glob_dir_match(pat, &rel.to_string_lossy().replace('\\', "/")) {
                    if let Some(name) = self.package_json(pdir).and_then(|p| p.name.clone()) {
                        out.entry(name).or_insert_with(|| pdir.to_path_buf());
                    }
                }
            }
        }
        out
    }
}

fn strip_js_ext(p: &Path) -> PathBuf {
    let s = p.to_string_lossy();
    for ext in [".d.ts", ".d.mts", ".js", ".mjs", ".cjs"] {
        if let Some(stem) = s.strip_suffix(ext) {
            return PathBuf::from(stem);
        }
    }
    p.to_path_buf()
}

/// `probe`, plus declaration files (`x.d.ts`), which name a package's exports.
fn probe_with_dts(fs: &dyn FileSystem, p: &Path) -> Option<PathBuf> {
    if let Some(f) = probe(fs, p) {
        return Some(f);
    }
    let stem = strip_js_ext(p);
    for ext in [".d.ts", ".d.mts"] {
        let f = PathBuf::from(format!("{}{ext}", stem.display()));
        if fs.is_file(&f) {
            return Some(f);
        }
    }
    None
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

/// A subpath in an `imports` map (`#x`, `#x/*`).
fn match_subpath(map: &Node, key: &str) -> Option<String> {
    for p in map.props() {
        if p.key == key {
            return conditions(&p.value).into_iter().next();
        }
        if let Some((pre, post)) = p.key.split_once('*') {
            if key.starts_with(pre) && key.ends_with(post) && key.len() >= pre.len() + post.len() {
                let star = &key[pre.len()..key.len() - post.len()];
                return conditions(&p.value)
                    .into_iter()
                    .next()
                    .map(|t| t.replace('*', star));
            }
        }
    }
    None
}

/// The targets an `exports` field gives a subpath, best first.
fn match_subpath_exports(exports: &Node, subpath: &str) -> Vec<String> {
    let (mut run, types) = match_subpath_exports_split(exports, subpath);
    run.extend(types);
    run
}

/// (runtime targets, `types` targets) an `exports` field gives a subpath.
fn match_subpath_exports_split(exports: &Node, subpath: &str) -> (Vec<String>, Vec<String>) {
    let keyed = exports.props().iter().any(|p| p.key.starts_with('.'));
    if !keyed {
        return if subpath == "." {
            split_conditions(exports)
        } else {
            (vec![], vec![])
        };
    }
    for p in exports.props() {
        if p.key == subpath {
            return split_conditions(&p.value);
        }
    }
    for p in exports.props() {
        if let Some((pre, post)) = p.key.split_once('*') {
            if subpath.starts_with(pre)
                && subpath.ends_with(post)
                && subpath.len() >= pre.len() + post.len()
            {
                let star = &subpath[pre.len()..subpath.len() - post.len()];
                let (r, t) = split_conditions(&p.value);
                let sub = |v: Vec<String>| v.into_iter().map(|x| x.replace('*', star)).collect();
                return (sub(r), sub(t));
            }
        }
    }
    (vec![], vec![])
}

/// The paths a conditional target can name, runtime conditions first and
/// `types` last.
fn conditions(n: &Node) -> Vec<String> {
    let (mut run, types) = split_conditions(n);
    run.extend(types);
    run
}

/// (runtime targets, `types` targets) of a conditional target.
fn split_conditions(n: &Node) -> (Vec<String>, Vec<String>) {
    match &n.kind {
        Kind::Str(s) => (vec![s.clone()], vec![]),
        Kind::Array(items) => {
            let mut run = Vec::new();
            let mut types = Vec::new();
            for it in items {
                let (r, t) = split_conditions(it);
                run.extend(r);
                types.extend(t);
            }
            (run, types)
        }
        Kind::Object(props) => {
            let mut run = Vec::new();
            let mut types = Vec::new();
            for p in props {
                if CONDITIONS.contains(&p.key.as_str()) {
                    let (r, t) = split_conditions(&p.value);
                    run.extend(r);
                    types.extend(t);
                } else if p.key == "types" {
                    let (r, t) = split_conditions(&p.value);
                    types.extend(r);
                    types.extend(t);
                }
            }
            (run, types)
        }
        _ => (vec![], vec![]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::project::fs::MemFs;

    fn fs() -> MemFs {
        MemFs::from_fixture(
            Path::new("/r"),
            r##"//- /package.json
{ "name": "root", "private": true, "workspaces": ["packages/*"], "imports": { "#lib/*": "./app/lib/*.ts" } }
//- /tsconfig.base.json
{ "compilerOptions": { "baseUrl": ".", "paths": { "@/*": ["app/src/*"], // comment
  } } }
//- /index.ts
export {};
//- /app/tsconfig.json
{ "extends": "../tsconfig.base.json" }
//- /web/tsconfig.json
{ "extends": "@acme/config/tsconfig" }
//- /packages/config/package.json
{ "name": "@acme/config", "exports": { "./tsconfig": "./tsconfig.shared.json" } }
//- /packages/config/tsconfig.shared.json
{ "compilerOptions": { "paths": { "~lib/*": ["./lib/*"] } } }
//- /packages/config/lib/x.ts
export const x = 1;
//- /web/src/index.ts
export {};
//- /app/src/index.ts
export {};
//- /app/src/objects/room.ts
export class Room {}
//- /app/lib/util.ts
export const u = 1;
//- /packages/sdk/package.json
{ "name": "@acme/sdk", "exports": { ".": { "types": "./dist/index.d.ts", "import": "./dist/index.js" }, "./do/*": "./dist/do/*.js" } }
//- /packages/sdk/src/index.ts
export class Base {}
//- /packages/typed/package.json
{ "name": "@acme/typed", "exports": { ".": { "types": "./types/index.d.ts", "import": "./dist/index.js" } } }
//- /packages/typed/types/index.d.ts
export declare class SpaceDO {}
//- /packages/typed/src/index.ts
export class SpaceDO {}
//- /packages/sdk/src/do/counter.ts
export class Counter {}
//- /app/node_modules/partyserver/package.json
{ "name": "partyserver", "exports": { ".": { "workerd": "./dist/workerd.js", "default": "./dist/index.js", "types": "./dist/index.d.ts" } } }
//- /app/node_modules/partyserver/dist/workerd.js
export class Server {}
//- /app/node_modules/typesonly/package.json
{ "name": "typesonly", "types": "index.d.ts" }
//- /app/node_modules/typesonly/index.d.ts
export declare class Thing {}
"##,
        )
    }

    #[test]
    fn bare_specifiers() {
        let fs = fs();
        let m = Modules::new(&fs);
        let from = Path::new("/r/app/src/index.ts");
        let file = |p: &str| Resolved::File(PathBuf::from(p));
        assert_eq!(
            m.resolve(from, "@/objects/room"),
            file("/r/app/src/objects/room.ts"),
            "tsconfig paths through extends"
        );
        assert_eq!(
            m.resolve(from, "#lib/util"),
            file("/r/app/lib/util.ts"),
            "package.json imports"
        );
        assert_eq!(
            m.resolve(from, "@acme/sdk"),
            file("/r/packages/sdk/src/index.ts"),
            "workspace package, dist → src"
        );
        assert_eq!(
            m.resolve(from, "@acme/sdk/do/counter"),
            file("/r/packages/sdk/src/do/counter.ts"),
            "exports pattern"
        );
        assert_eq!(
            m.resolve(from, "partyserver"),
            file("/r/app/node_modules/partyserver/dist/workerd.js"),
            "workerd condition"
        );
        assert_eq!(
            m.resolve(from, "typesonly"),
            file("/r/app/node_modules/typesonly/index.d.ts"),
            "types"
        );
        assert_eq!(
            m.resolve(from, "@acme/typed"),
            file("/r/packages/typed/src/index.ts"),
            "source before a types-only target"
        );
        assert_eq!(
            m.resolve(from, "root"),
            file("/r/index.ts"),
            "the root package"
        );
        assert_eq!(
            m.resolve(from, "agents"),
            Resolved::Package("agents".into()),
            "not installed"
        );
    }

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
