//! Module specifiers to files, as the bundler resolves them, by
//! `oxc_resolver` reading through [`FileSystem`] ([`OxcFs`]).
//!
//! The resolver is configured like wrangler's esbuild for Workers:
//! conditions `workerd`, `worker`, `browser`, `import`, `default` (never
//! `node`, `module` or `require`: the facts do not tell `require()` calls
//! apart, and they are rare in Workers), main fields `browser`, `module`,
//! `main`; for a Worker built by `@cloudflare/vite-plugin`, the plugin's
//! worker environment instead (`workerd`, `worker`, `module`, `browser`,
//! `production`, main fields `module`, `jsnext:main`, `jsnext`, `main`).
//! tsconfig/jsconfig `paths` and `baseUrl` come from the nearest
//! tsconfig.json or jsconfig.json up from the importing file, with
//! `extends` merged; package.json `imports` and `exports` follow the
//! Node.js algorithm. On top of it:
//!
//! - `cloudflare:`, `node:` and `workerd:` specifiers are builtins;
//! - files inside `node_modules` pull in no further packages;
//! - a workspace package whose build output is absent maps to its source
//!   (`outDir` → `rootDir`, else `dist/…` → `src/…`, else `src/index.*`);
//! - declaration files (`types`, `typings`, the `types` condition, `.d.ts`)
//!   are the last resort, for export names.

use super::fs::FileSystem;
use super::packages::{OxcFs, Workspaces};
use oxc_resolver::{
    ResolveContext, ResolveError, ResolveOptions, ResolverGeneric, TsConfig, TsconfigDiscovery,
    TsconfigOptions, TsconfigReferences,
};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Resolved {
    File(PathBuf),
    /// `cloudflare:workers`, `node:fs`…
    Builtin(String),
    /// A package name (`agents`, `@cloudflare/actors`) not traced.
    Package(String),
    /// A relative path that names no file.
    NotFound(PathBuf),
}

/// A Rust module file: `mod x;` in `src/lib.rs` (or a `mod.rs`) is
/// `src/x.rs` or `src/x/mod.rs`; in `src/a.rs` it is `src/a/x.rs` or
/// `src/a/x/mod.rs`; `#[path = "p"] mod x;` is `p` beside the file.
fn rust_module(fs: &dyn FileSystem, from_file: &Path, spec: &str) -> Resolved {
    let parent = from_file.parent().unwrap_or(Path::new(""));
    if let Some(p) = spec.strip_prefix("path=") {
        let f = normalize(&parent.join(p));
        return if fs.is_file(&f) {
            Resolved::File(f)
        } else {
            Resolved::NotFound(f)
        };
    }
    let stem = from_file.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    let dir = if matches!(stem, "lib" | "main" | "mod") {
        parent.to_path_buf()
    } else {
        parent.join(stem)
    };
    let flat = dir.join(format!("{spec}.rs"));
    if fs.is_file(&flat) {
        return Resolved::File(flat);
    }
    let nested = dir.join(spec).join("mod.rs");
    if fs.is_file(&nested) {
        return Resolved::File(nested);
    }
    Resolved::NotFound(flat)
}

/// A Python module: `.room` (or `..pkg.room`) relative to the importing
/// module's package; `room` or `pkg.room` from the importer's folder or
/// any folder above it up to the project (a Worker's `src` layout). A
/// module that is none of these is a package (`workers`, `js`), not traced.
fn python_module(fs: &dyn FileSystem, from_file: &Path, spec: &str) -> Resolved {
    let parent = from_file.parent().unwrap_or(Path::new(""));
    let dots = spec.chars().take_while(|c| *c == '.').count();
    let rest = &spec[dots..];
    let rel: PathBuf = rest.split('.').filter(|p| !p.is_empty()).collect();
    let candidates = |dir: &Path| -> Option<PathBuf> {
        if rest.is_empty() {
            let init = dir.join("__init__.py");
            return fs.is_file(&init).then_some(init);
        }
        let file = dir.join(&rel).with_extension("py");
        if fs.is_file(&file) {
            return Some(file);
        }
        let init = dir.join(&rel).join("__init__.py");
        fs.is_file(&init).then_some(init)
    };
    if dots > 0 {
        let mut dir = parent.to_path_buf();
        for _ in 1..dots {
            dir = dir.parent().map(Path::to_path_buf).unwrap_or(dir);
        }
        return match candidates(&dir) {
            Some(p) => Resolved::File(p),
            None => Resolved::NotFound(dir.join(&rel).with_extension("py")),
        };
    }
    for dir in parent.ancestors().take(3) {
        if let Some(p) = candidates(dir) {
            return Resolved::File(p);
        }
    }
    Resolved::Package(rest.split('.').next().unwrap_or(rest).to_string())
}

const EXTENSIONS: &[&str] = &[".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs"];
/// How many `extends` that name nothing one tsconfig may lose.
const MAX_MISSING_EXTENDS: usize = 8;

pub use super::paths::{normalize, package_name};

/// The file a path names as an import would: as written, a `.js` name for
/// a `.ts` file, with each extension, or as a folder's `index.*`.
pub fn probe(fs: &dyn FileSystem, base: &Path) -> Option<PathBuf> {
    Modules::new(fs).probe(base)
}

/// Whose bundler resolves an import.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Bundler {
    /// wrangler's esbuild
    Wrangler,
    /// `@cloudflare/vite-plugin`'s worker environment
    Vite,
}

/// Which files a resolver looks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Pass {
    /// what the bundler loads
    Runtime,
    /// declaration files as well: the last resort, for export names
    Types,
    /// what the bundler would load once workspace packages are built
    Built,
}

type Resolver = ResolverGeneric<OxcFs>;

/// Resolves module specifiers for one analysis; its caches live as long
/// as it does.
pub struct Modules<'a> {
    fs: &'a dyn FileSystem,
    ws: Arc<Workspaces>,
    /// one per (bundler, pass), made when first needed
    resolvers: [OnceLock<Resolver>; 6],
    /// folder → its nearest tsconfig/jsconfig, loaded
    tsconfigs: Mutex<HashMap<PathBuf, Option<Arc<TsConfig>>>>,
    /// folder → the bundler of the package that holds it
    bundlers: Mutex<HashMap<PathBuf, Bundler>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl<'a> Modules<'a> {
    pub fn new(fs: &'a dyn FileSystem) -> Self {
        Modules {
            fs,
            ws: Arc::default(),
            resolvers: Default::default(),
            tsconfigs: Mutex::default(),
            bundlers: Mutex::default(),
        }
    }

    fn resolver(&self, bundler: Bundler, pass: Pass) -> &Resolver {
        let i = match bundler {
            Bundler::Wrangler => 0,
            Bundler::Vite => 3,
        } + pass as usize;
        self.resolvers[i].get_or_init(|| {
            // SAFETY: the resolver lives in `self.resolvers` and is dropped
            // with `self`, which cannot outlive `self.fs`. oxc_resolver keeps
            // the file system only in the resolver's cache (shared with no
            // resolver but the ones it derives during a call, such as for
            // tsconfig `extends`) and in no static.
            let ofs =
                unsafe { OxcFs::new_unchecked(self.fs, self.ws.clone(), pass == Pass::Built) };
            ResolverGeneric::new_with_file_system(ofs, options(bundler, pass))
        })
    }

    /// Resolves any specifier from `from_file`. A file comes back by its
    /// canonical name ([`FileSystem::canonical`]): a module reached through
    /// many symlinked folders is one module.
    pub fn resolve(&self, from_file: &Path, spec: &str) -> Resolved {
        match self.resolve_as_found(from_file, spec) {
            Resolved::File(p) => Resolved::File(self.fs.canonical(&p)),
            other => other,
        }
    }

    fn resolve_as_found(&self, from_file: &Path, spec: &str) -> Resolved {
        if let Some(m) = spec.strip_prefix("mod:") {
            return rust_module(self.fs, from_file, m);
        }
        if let Some(m) = spec.strip_prefix("py:") {
            return python_module(self.fs, from_file, m);
        }
        // Bundler queries (`./worker.ts?worker`) name the file before them.
        let spec = spec.split_once('?').map(|(s, _)| s).unwrap_or(spec);
        let dir = from_file.parent().unwrap_or(Path::new(""));
        let relative = spec.starts_with("./")
            || spec.starts_with("../")
            || spec == "."
            || spec == ".."
            || spec.starts_with('/');
        if !relative {
            if let Some((scheme, _)) = spec.split_once(':') {
                if matches!(scheme, "cloudflare" | "node" | "workerd") {
                    return Resolved::Builtin(spec.to_string());
                }
            }
            // Files inside node_modules do not pull in further packages:
            // the walk stays bounded to what the project's own code reaches.
            let in_node_modules = from_file
                .components()
                .any(|c| c.as_os_str() == "node_modules");
            if in_node_modules && !spec.starts_with('#') {
                return Resolved::Package(package_name(spec));
            }
        }
        let bundler = self.bundler(dir);
        let tsconfig = self.tsconfig(dir);
        if let Some(p) = self.run(bundler, Pass::Runtime, dir, spec, tsconfig.as_deref()) {
            return Resolved::File(p);
        }
        if relative {
            return Resolved::NotFound(normalize(&dir.join(spec)));
        }
        if !spec.starts_with('#') {
            if let Some(p) = self.unbuilt_workspace_package(bundler, dir, spec) {
                return Resolved::File(p);
            }
        }
        match self.run(bundler, Pass::Types, dir, spec, tsconfig.as_deref()) {
            Some(p) => Resolved::File(p),
            None => Resolved::Package(package_name(spec)),
        }
    }

    /// [`probe`] with this resolver's caches.
    pub fn probe(&self, base: &Path) -> Option<PathBuf> {
        let dir = base.parent()?;
        let spec = if base.is_absolute() {
            base.to_str()?.to_string()
        } else {
            format!("./{}", base.file_name()?.to_str()?)
        };
        self.run(Bundler::Wrangler, Pass::Runtime, dir, &spec, None)
            .map(|p| self.fs.canonical(&p))
    }

    /// One resolution; a path inside a workspace link comes back as the
    /// member's own path.
    fn run(
        &self,
        bundler: Bundler,
        pass: Pass,
        dir: &Path,
        spec: &str,
        tsconfig: Option<&TsConfig>,
    ) -> Option<PathBuf> {
        let r = self.resolver(bundler, pass);
        let found = r
            .resolve_with_context(dir, spec, tsconfig, &mut ResolveContext::default())
            .ok()?;
        let path = found.into_path_buf();
        Some(self.ws.unlink(self.fs, &path).unwrap_or(path))
    }

    /// A workspace package whose `exports`/`main` name build output that is
    /// not there: the source it is built from.
    fn unbuilt_workspace_package(
        &self,
        bundler: Bundler,
        dir: &Path,
        spec: &str,
    ) -> Option<PathBuf> {
        let name = package_name(spec);
        let pdir = self.ws.package_dir(self.fs, dir, &name)?;
        // what the bundler would load once built, then what the types name
        let built = self.run(bundler, Pass::Built, dir, spec, None);
        let types = self.run(bundler, Pass::Types, dir, spec, None);
        for target in built.iter().chain(&types) {
            for src in self.ws.sources_for(self.fs, target) {
                if let Some(found) = self.probe(&src) {
                    return Some(found);
                }
            }
        }
        if types.is_some() {
            return types;
        }
        if spec != name {
            return None;
        }
        ["src/index.ts", "src/index.tsx", "src/index.js", "index.ts"]
            .iter()
            .map(|c| pdir.join(c))
            .find(|p| self.fs.is_file(p))
    }

    /// The bundler of the package that holds `dir`: `@cloudflare/vite-plugin`
    /// when a vite config beside its package.json uses it.
    fn bundler(&self, dir: &Path) -> Bundler {
        if let Some(b) = lock(&self.bundlers).get(dir) {
            return *b;
        }
        let mut b = Bundler::Wrangler;
        for d in dir.ancestors() {
            if !self.fs.is_dir(d) {
                break;
            }
            if super::scan::uses_vite_plugin(self.fs, d) {
                b = Bundler::Vite;
                break;
            }
            if self.fs.is_file(&d.join("package.json")) {
                break;
            }
        }
        lock(&self.bundlers).insert(dir.to_path_buf(), b);
        b
    }

    /// The nearest tsconfig.json or jsconfig.json up from `dir`, with its
    /// `extends` merged. An `extends` that names nothing readable is left
    /// out; a tsconfig that cannot be read at all counts as none.
    fn tsconfig(&self, dir: &Path) -> Option<Arc<TsConfig>> {
        if let Some(hit) = lock(&self.tsconfigs).get(dir) {
            return hit.clone();
        }
        let mut found = None;
        for d in dir.ancestors() {
            let file = ["tsconfig.json", "jsconfig.json"]
                .iter()
                .map(|n| d.join(n))
                .find(|f| self.fs.is_file(f));
            if let Some(f) = file {
                found = self.load_tsconfig(&f);
                break;
            }
            if !self.fs.is_dir(d) {
                break;
            }
        }
        lock(&self.tsconfigs).insert(dir.to_path_buf(), found.clone());
        found
    }

    fn load_tsconfig(&self, file: &Path) -> Option<Arc<TsConfig>> {
        let r = self.resolver(Bundler::Wrangler, Pass::Runtime);
        for _ in 0..=MAX_MISSING_EXTENDS {
            let missing = match r.resolve_tsconfig(file) {
                Ok(t) => return Some(t),
                Err(ResolveError::TsconfigNotFound(p)) => p,
                Err(ResolveError::TsconfigLoadFailed { path, .. }) => path,
                Err(_) => return None,
            };
            if missing == file || !self.ws.note_missing_extends(missing) {
                return None;
            }
        }
        None
    }
}

fn options(bundler: Bundler, pass: Pass) -> ResolveOptions {
    let strings = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let (mut conditions, mut main_fields) = match bundler {
        Bundler::Wrangler => (
            strings(&["workerd", "worker", "browser", "import", "default"]),
            strings(&["browser", "module", "main"]),
        ),
        Bundler::Vite => (
            strings(&[
                "workerd",
                "worker",
                "module",
                "browser",
                "production",
                "import",
                "default",
            ]),
            strings(&["module", "jsnext:main", "jsnext", "main"]),
        ),
    };
    let mut extensions = strings(EXTENSIONS);
    let mut extension_alias = vec![
        (".js".into(), strings(&[".js", ".ts", ".tsx"])),
        (".jsx".into(), strings(&[".jsx", ".tsx"])),
        (".mjs".into(), strings(&[".mjs", ".mts"])),
        (".cjs".into(), strings(&[".cjs", ".cts"])),
    ];
    match pass {
        Pass::Runtime => {}
        Pass::Types => {
            conditions.push("types".into());
            main_fields = strings(&["types", "typings"]);
            extensions.extend(strings(&[".d.ts", ".d.mts"]));
            extension_alias = vec![
                (".js".into(), strings(&[".js", ".ts", ".tsx", ".d.ts"])),
                (".mjs".into(), strings(&[".mjs", ".mts", ".d.mts"])),
            ];
        }
        // The path as `exports`/`main` names it, to be mapped to source.
        Pass::Built => extension_alias.clear(),
    }
    ResolveOptions {
        // `paths`/`baseUrl` from the tsconfig handed to each call; a loaded
        // tsconfig's `references` are not followed.
        tsconfig: Some(TsconfigDiscovery::Manual(TsconfigOptions {
            config_file: PathBuf::from("/tsconfig.json"),
            references: TsconfigReferences::Disabled,
        })),
        condition_names: conditions,
        main_fields,
        main_files: vec!["index".into()],
        extensions,
        extension_alias,
        symlinks: false,
        node_path: false,
        builtin_modules: false,
        ..ResolveOptions::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::project::fs::MemFs;

    fn file(p: &str) -> Resolved {
        Resolved::File(PathBuf::from(p))
    }

    #[test]
    fn relative_resolution() {
        let mut fs = MemFs::new();
        for f in [
            "/p/src/a.ts",
            "/p/src/b/index.ts",
            "/p/src/c.tsx",
            "/p/src/d.mjs",
        ] {
            fs.insert(f, "");
        }
        let m = Modules::new(&fs);
        let from = Path::new("/p/src/index.ts");
        assert_eq!(m.resolve(from, "./a"), file("/p/src/a.ts"));
        assert_eq!(
            m.resolve(from, "./a.js"),
            file("/p/src/a.ts"),
            "a .js specifier naming a .ts file"
        );
        assert_eq!(m.resolve(from, "./b"), file("/p/src/b/index.ts"));
        assert_eq!(m.resolve(from, "./c.js"), file("/p/src/c.tsx"));
        assert_eq!(m.resolve(from, "./d.mjs"), file("/p/src/d.mjs"));
        assert_eq!(m.resolve(from, "../src/./a"), file("/p/src/a.ts"));
        assert_eq!(m.resolve(from, "./a.ts?raw"), file("/p/src/a.ts"));
        assert_eq!(
            m.resolve(from, "./nope"),
            Resolved::NotFound("/p/src/nope".into())
        );
        assert_eq!(
            m.resolve(from, "cloudflare:workers"),
            Resolved::Builtin("cloudflare:workers".into())
        );
        assert_eq!(
            m.resolve(from, "@cloudflare/actors/x"),
            Resolved::Package("@cloudflare/actors".into())
        );
        assert_eq!(
            probe(&fs, Path::new("/p/src/b")),
            Some("/p/src/b/index.ts".into())
        );
    }

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
{ "extends": ["astro/tsconfigs/strict", "@acme/config/tsconfig"], "compilerOptions": { "strict": true } }
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
//- /packages/built/package.json
{ "name": "@acme/built", "main": "./out/main.js" }
//- /packages/built/tsconfig.json
{ "compilerOptions": { "outDir": "out", "rootDir": "lib" } }
//- /packages/built/lib/main.ts
export class Built {}
//- /app/node_modules/partyserver/package.json
{ "name": "partyserver", "exports": { ".": { "node": "./dist/node.js", "require": "./dist/index.cjs", "workerd": "./dist/workerd.js", "default": "./dist/index.js", "types": "./dist/index.d.ts" } } }
//- /app/node_modules/partyserver/dist/workerd.js
export class Server {}
//- /app/node_modules/partyserver/dist/node.js
export class Server {}
//- /app/node_modules/partyserver/dist/index.cjs
exports.Server = class {};
//- /app/node_modules/nodefirst/package.json
{ "name": "nodefirst", "exports": { "node": "./node.js", "require": "./main.cjs", "default": "./default.js" } }
//- /app/node_modules/nodefirst/node.js
export {};
//- /app/node_modules/nodefirst/main.cjs
module.exports = {};
//- /app/node_modules/nodefirst/default.js
export {};
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
            m.resolve(from, "@acme/built"),
            file("/r/packages/built/lib/main.ts"),
            "outDir → rootDir"
        );
        assert_eq!(
            m.resolve(from, "partyserver"),
            file("/r/app/node_modules/partyserver/dist/workerd.js"),
            "workerd condition"
        );
        assert_eq!(
            m.resolve(from, "nodefirst"),
            file("/r/app/node_modules/nodefirst/default.js"),
            "never the node or require condition"
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
        assert_eq!(
            m.resolve(
                Path::new("/r/app/node_modules/partyserver/dist/workerd.js"),
                "nodefirst"
            ),
            Resolved::Package("nodefirst".into()),
            "files in node_modules pull in no further packages"
        );
    }

    #[test]
    fn tsconfig_extends_a_workspace_package_and_a_missing_one() {
        let fs = fs();
        let m = Modules::new(&fs);
        let from = Path::new("/r/web/src/index.ts");
        assert_eq!(
            m.resolve(from, "~lib/x"),
            file("/r/packages/config/lib/x.ts"),
            "paths from a base in a workspace package, though `astro` is not installed"
        );
    }

    #[test]
    fn longest_paths_pattern_wins() {
        let fs = MemFs::from_fixture(
            Path::new("/p"),
            r#"//- /tsconfig.json
{ "compilerOptions": { "paths": { "@/*": ["./src/*"], "@/lib/*": ["./shared/lib/*"] } } }
//- /src/lib/util.ts
export const wrong = 1;
//- /shared/lib/util.ts
export const right = 1;
//- /src/index.ts
export {};
"#,
        );
        let m = Modules::new(&fs);
        let from = Path::new("/p/src/index.ts");
        assert_eq!(m.resolve(from, "@/lib/util"), file("/p/shared/lib/util.ts"));
        assert_eq!(m.resolve(from, "@/index"), file("/p/src/index.ts"));
    }

    #[test]
    fn extends_merges_compiler_options() {
        let fs = MemFs::from_fixture(
            Path::new("/p"),
            r#"//- /tsconfig.base.json
{ "compilerOptions": { "strict": false, "paths": { "~/*": ["./src/*"] } } }
//- /tsconfig.json
{ "extends": "./tsconfig.base.json", "compilerOptions": { "strict": true } }
//- /src/room.ts
export class Room {}
//- /src/index.ts
export {};
"#,
        );
        let m = Modules::new(&fs);
        assert_eq!(
            m.resolve(Path::new("/p/src/index.ts"), "~/room"),
            file("/p/src/room.ts"),
            "paths of the base kept when the child sets only `strict`"
        );
    }

    #[test]
    fn the_vite_plugin_resolves_with_its_own_conditions() {
        let fs = MemFs::from_fixture(
            Path::new("/p"),
            r#"//- /esbuild/package.json
{ "name": "a" }
//- /esbuild/src/index.ts
export {};
//- /esbuild/node_modules/dual/package.json
{ "name": "dual", "exports": { "module": "./esm.js", "import": "./import.js" } }
//- /esbuild/node_modules/dual/esm.js
export {};
//- /esbuild/node_modules/dual/import.js
export {};
//- /vite/package.json
{ "name": "b" }
//- /vite/vite.config.ts
import { cloudflare } from "@cloudflare/vite-plugin";
export default { plugins: [cloudflare()] };
//- /vite/src/index.ts
export {};
//- /vite/node_modules/dual/package.json
{ "name": "dual", "exports": { "module": "./esm.js", "import": "./import.js" } }
//- /vite/node_modules/dual/esm.js
export {};
//- /vite/node_modules/dual/import.js
export {};
"#,
        );
        let m = Modules::new(&fs);
        assert_eq!(
            m.resolve(Path::new("/p/esbuild/src/index.ts"), "dual"),
            file("/p/esbuild/node_modules/dual/import.js"),
            "wrangler's esbuild has no `module` condition"
        );
        assert_eq!(
            m.resolve(Path::new("/p/vite/src/index.ts"), "dual"),
            file("/p/vite/node_modules/dual/esm.js"),
            "the vite plugin's worker environment has"
        );
    }

    #[test]
    fn packages_outside_the_roots_stay_packages() {
        let dir = std::env::temp_dir().join(format!("durable-lsp-res-{}", std::process::id()));
        let outside = dir.join("outside");
        let root = dir.join("root");
        std::fs::create_dir_all(outside.join("pkg")).unwrap();
        std::fs::create_dir_all(root.join("src")).unwrap();
        std::fs::write(
            outside.join("pkg/package.json"),
            r#"{ "name": "pkg", "main": "index.js" }"#,
        )
        .unwrap();
        std::fs::write(outside.join("pkg/index.js"), "export class X {}").unwrap();
        std::fs::write(root.join("src/index.ts"), "export {}").unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(&outside, root.join("node_modules")).unwrap();
        let os = crate::project::fs::OsFs::new(std::slice::from_ref(&root));
        let real = root.canonicalize().unwrap();
        let m = Modules::new(&os);
        let from = real.join("src/index.ts");
        assert_eq!(m.resolve(&from, "pkg"), Resolved::Package("pkg".into()));
        assert_eq!(
            m.resolve(&from, "../../outside/pkg/index.js"),
            Resolved::NotFound(normalize(&real.join("../outside/pkg/index.js")))
        );
        std::fs::remove_dir_all(&dir).ok();
    }
}
