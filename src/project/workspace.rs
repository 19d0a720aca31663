//! Building a [`Workspace`] from roots: discovery, entries, module graphs.

use super::fs::{read_text, FileSystem, Skip};
use super::resolve::Modules;
use super::resolve::Resolved;
use crate::config::{
    config_paths_in_vite_config, is_config_name, is_standard_config_name, is_vite_config_name,
    Config, CONFIG_NAMES,
};
use crate::settings::Settings;
use crate::syntax::{self, FileFacts, Lang};
use crate::text::{LineIndex, Span};
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A parsed source file.
#[derive(Clone, Debug)]
pub struct SourceFile {
    pub path: PathBuf,
    pub lang: Lang,
    pub text: Arc<str>,
    pub lines: LineIndex,
    pub facts: Arc<FileFacts>,
    /// How each of its module specifiers resolved.
    pub edges: HashMap<String, Resolved>,
    /// Its `durable-lsp-ignore` comments.
    pub suppressions: Vec<crate::suppress::Suppression>,
}

/// Where a Worker variant's code starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Entry {
    /// `main` names a source file that exists.
    File(PathBuf),
    /// `main` names no file.
    Missing { path: PathBuf },
    /// `main` names build output that is not there (yet); `source` is the
    /// source entry found in its place, if any.
    BuildOutput {
        path: PathBuf,
        reason: String,
        source: Option<PathBuf>,
        /// Where the source entry came from: a toolchain config that states
        /// it (`rollup.config.js \`input\``), or `None` for a guess by
        /// convention.
        stated_by: Option<String>,
    },
    /// `main` names a file the engine does not read (a `.wasm`, a `.py`).
    Unsupported { path: PathBuf },
    /// `main` is a module id a Vite plugin resolves (`virtual:…`, or one the
    /// engine could not find), not a path.
    ViteModule { spec: String },
    /// No `main`.
    None,
}

impl Entry {
    /// The source file the analysis starts from.
    pub fn source(&self) -> Option<&Path> {
        match self {
            Entry::File(p) => Some(p),
            Entry::BuildOutput { source, .. } => source.as_deref(),
            _ => None,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Worker {
    pub config: Config,
    pub text: Arc<str>,
    pub lines: LineIndex,
    /// The entry of each variant (index as in `Config::variants`).
    pub entries: Vec<Entry>,
    /// Files reachable from the entries.
    pub graph: BTreeSet<PathBuf>,
    /// Other configs in the same directory that wrangler does not use.
    pub shadowed: Vec<PathBuf>,
    /// Read only by a test harness (a vitest pool config, a test folder):
    /// local tests need no migrations.
    pub harness: bool,
    /// Holds `{{ … }}` placeholders: a project template, not a config.
    pub template: bool,
    /// `durable-lsp.toml` of the nearest folder up, and where it is.
    pub settings: Settings,
    pub settings_file: Option<PathBuf>,
    /// The config as deployed, from git history (`--base`).
    pub base: Option<Arc<crate::config::BaseConfig>>,
}

impl Worker {
    pub fn dir(&self) -> &Path {
        self.config.path.parent().unwrap_or(Path::new(""))
    }
}

/// A file that was found but not analysed, and why.
#[derive(Clone, Debug)]
pub struct Skipped {
    pub path: PathBuf,
    pub reason: String,
    /// A config that could not be read as text: wrangler cannot read it
    /// either, so it is an error (DO116), not a fact left unverified (DO100).
    pub broken_config: bool,
}

#[derive(Clone, Debug, Default)]
pub struct Workspace {
    pub workers: Vec<Arc<Worker>>,
    pub files: HashMap<PathBuf, Arc<SourceFile>>,
    pub skipped: Vec<Skipped>,
    /// What rules read outside the graph once per load and share between
    /// Workers (a monorepo's one lockfile, read for each of its Workers).
    /// A change to such a file brings a full analysis, which starts empty.
    pub memo: Arc<Memo>,
}

/// Results of reads keyed by (path, question), computed once per load.
#[derive(Debug, Default)]
pub struct Memo(std::sync::Mutex<HashMap<MemoKey, Option<Vec<String>>>>);

type MemoKey = (PathBuf, String);

impl Memo {
    /// The answer for (`path`, `key`), computed by `f` the first time.
    pub fn get_or(
        &self,
        path: &Path,
        key: &str,
        f: impl FnOnce() -> Option<Vec<String>>,
    ) -> Option<Vec<String>> {
        let k = (path.to_path_buf(), key.to_string());
        if let Some(v) = self.0.lock().unwrap_or_else(|e| e.into_inner()).get(&k) {
            return v.clone();
        }
        // computed outside the lock: two Workers may both read it once
        let v = f();
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(k, v.clone());
        v
    }
}

/// `cloudflare.config.ts` and its JavaScript forms: the typed config of
/// Cloudflare's newer CLI.
pub fn is_typed_config_name(name: &str) -> bool {
    matches!(
        name,
        "cloudflare.config.ts"
            | "cloudflare.config.mts"
            | "cloudflare.config.js"
            | "cloudflare.config.mjs"
    )
}

fn file_name(p: &Path) -> &str {
    p.file_name().and_then(|n| n.to_str()).unwrap_or("")
}

/// Limits that keep the walk bounded on any input.
pub const MAX_CONFIG_BYTES: usize = 2 * 1024 * 1024;
pub const MAX_GRAPH_FILES: usize = 20_000;

/// Folders whose contents are build output.
const BUILD_DIRS: &[&str] = &[
    "dist",
    "build",
    "out",
    ".output",
    ".svelte-kit",
    ".open-next",
    ".vercel",
    ".next",
    ".wrangler",
];

impl Workspace {
    pub fn file(&self, path: &Path) -> Option<&Arc<SourceFile>> {
        self.files.get(path)
    }

    /// How `spec` resolves from `file`: from the cache built with the
    /// graph, else afresh.
    pub fn resolve(&self, fs: &dyn FileSystem, file: &Path, spec: &str) -> Resolved {
        match self.files.get(file).and_then(|f| f.edges.get(spec)) {
            Some(r) => r.clone(),
            None => Modules::new(fs).resolve(file, spec),
        }
    }

    /// Discovers and analyses every Worker below `roots`: wrangler configs
    /// by name, and the configs that vite/vitest configs name with
    /// `configPath` (test harnesses).
    pub fn load(fs: &dyn FileSystem, roots: &[PathBuf]) -> Workspace {
        Self::load_reusing(fs, roots, None)
    }

    /// [`Workspace::load`], taking each source file's facts from `prior`
    /// (an earlier analysis's files) where its text is the same: a config
    /// edit, which needs discovery again, does not parse every file again.
    /// Module resolution is always redone (a config may change it).
    pub fn load_reusing(
        fs: &dyn FileSystem,
        roots: &[PathBuf],
        prior: Option<&HashMap<PathBuf, Arc<SourceFile>>>,
    ) -> Workspace {
        let mut configs: Vec<PathBuf> = Vec::new();
        let mut harness: BTreeSet<PathBuf> = BTreeSet::new();
        let mut harness_main: HashMap<PathBuf, PathBuf> = HashMap::new();
        let mut typed_configs: Vec<PathBuf> = Vec::new();
        let pred = |n: &str| {
            is_config_name(n)
                || is_typed_config_name(n)
                || is_vite_config_name(n)
                || is_test_source_name(n)
                || n == "package.json"
        };
        for r in roots {
            for f in fs.find_files(r, &pred) {
                let name = f.file_name().and_then(|n| n.to_str()).unwrap_or("");
                if is_config_name(name) {
                    if !configs.contains(&f) {
                        configs.push(f);
                    }
                    continue;
                }
                if is_typed_config_name(name) {
                    typed_configs.push(f);
                    continue;
                }
                if name == "package.json" {
                    // A test script that runs `wrangler dev` with a config.
                    let dir = f.parent().unwrap_or(Path::new(""));
                    for p in configs_started_by_test_scripts(fs, dir) {
                        harness.insert(p.clone());
                        if !configs.contains(&p) {
                            configs.push(p);
                        }
                    }
                    continue;
                }
                if !is_vite_config_name(name) {
                    // A test file that starts a Worker from a config
                    // (`getPlatformProxy`, `unstable_dev`,
                    // `unstable_startWorker`) makes it a harness config.
                    for p in configs_started_by_test(fs, &f) {
                        harness.insert(p.clone());
                        if !configs.contains(&p) {
                            configs.push(p);
                        }
                    }
                    continue;
                }
                let Ok(text) = read_text(fs, &f, MAX_CONFIG_BYTES) else {
                    continue;
                };
                let dir = f.parent().unwrap_or(Path::new(""));
                // The workers pool's own `main` replaces the config's.
                let pool_main = super::scan::literals_after_key(&text, "main")
                    .into_iter()
                    .map(|m| super::resolve::normalize(&dir.join(m)))
                    .find_map(|p| {
                        if fs.is_file(&p) {
                            Some(p)
                        } else {
                            super::resolve::probe(fs, &p)
                        }
                    });
                for lit in config_paths_in_vite_config(&text) {
                    let p = super::resolve::normalize(&dir.join(&lit));
                    if fs.is_file(&p) {
                        harness.insert(p.clone());
                        if let Some(m) = &pool_main {
                            harness_main.insert(p.clone(), m.clone());
                        }
                        if !configs.contains(&p) {
                            configs.push(p);
                        }
                    }
                }
            }
        }
        // A config a test pool names is still a deploy config when its
        // folder's package.json deploys that folder's default config.
        harness.retain(|c| !deployed_by_scripts(fs, c));
        // A typed `cloudflare.config.ts` is another config surface, not
        // read yet: its folder's Worker is said to be unchecked, never
        // reported as missing (a wrangler config beside it is read instead).
        typed_configs.sort();
        typed_configs.dedup();
        let typed_unread: Vec<PathBuf> = typed_configs
            .into_iter()
            .filter(|t| {
                let dir = t.parent();
                !configs
                    .iter()
                    .any(|c| c.parent() == dir && is_standard_config_name(file_name(c)))
            })
            .collect();
        let mut ws = Self::from_configs_in(fs, configs, &harness, roots, &harness_main, prior);
        for path in typed_unread {
            ws.skipped.push(Skipped {
                path,
                reason: "a typed `cloudflare.config` file is not read yet, so the Worker it \
                         configures is not checked"
                    .into(),
                broken_config: false,
            });
        }
        for (path, error) in fs.take_unreadable() {
            ws.skipped.push(Skipped {
                path,
                reason: format!(
                    "the folder could not be read ({error}), so a Worker inside it is not checked"
                ),
                broken_config: false,
            });
        }
        ws.workers.retain(|w| !w.settings.ignores(&w.config.path));
        ws
    }

    pub fn from_configs(
        fs: &dyn FileSystem,
        configs: Vec<PathBuf>,
        harness: &BTreeSet<PathBuf>,
    ) -> Workspace {
        Self::from_configs_in(fs, configs, harness, &[], &HashMap::new(), None)
    }

    fn from_configs_in(
        fs: &dyn FileSystem,
        configs: Vec<PathBuf>,
        harness: &BTreeSet<PathBuf>,
        roots: &[PathBuf],
        harness_main: &HashMap<PathBuf, PathBuf>,
        prior: Option<&HashMap<PathBuf, Arc<SourceFile>>>,
    ) -> Workspace {
        let mut ws = Workspace::default();
        let mut settings_cache: HashMap<PathBuf, Option<(PathBuf, Settings)>> = HashMap::new();
        // Several of wrangler.json / .jsonc / .toml in one directory: wrangler
        // uses json > jsonc > toml.
        let mut by_dir: BTreeMap<PathBuf, Vec<PathBuf>> = BTreeMap::new();
        let mut others = Vec::new();
        for c in configs {
            let name = c.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if CONFIG_NAMES.contains(&name) {
                by_dir
                    .entry(c.parent().map(Path::to_path_buf).unwrap_or_default())
                    .or_default()
                    .push(c);
            } else {
                others.push((c, Vec::new()));
            }
        }
        let mut chosen: Vec<(PathBuf, Vec<PathBuf>)> = Vec::new();
        for (_, mut list) in by_dir {
            list.sort_by_key(|p| {
                let n = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
                CONFIG_NAMES.iter().position(|c| *c == n).unwrap_or(9)
            });
            let first = list.remove(0);
            chosen.push((first, list));
        }
        chosen.extend(others);
        chosen.sort();

        for (path, shadowed) in chosen {
            let text = match read_text(fs, &path, MAX_CONFIG_BYTES) {
                Ok(t) => t,
                Err(skip) => {
                    // an oversized config is one this engine declines; a
                    // binary or unreadable one is one wrangler cannot use
                    let broken_config = !matches!(skip, Skip::TooLarge(_));
                    ws.skipped.push(Skipped {
                        path,
                        reason: skip.to_string(),
                        broken_config,
                    });
                    continue;
                }
            };
            let config = Config::parse(path.clone(), &text);
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if !is_standard_config_name(name)
                && !harness.contains(&path)
                && !looks_like_config(&config)
            {
                continue;
            }
            let template = text.contains("{{") && text.contains("}}");
            let found = find_settings(
                fs,
                path.parent().unwrap_or(Path::new("")),
                roots,
                &mut settings_cache,
            );
            let (settings_file, settings) = match found {
                Some((f, s)) => (Some(f), s),
                None => (None, Settings::default()),
            };
            let entries = config
                .variants()
                .iter()
                .map(|v| match harness_main.get(&path) {
                    Some(m) => Entry::File(m.clone()),
                    None => {
                        // without `main`, the entry the package's scripts
                        // give wrangler on the command line
                        let script = match v.main() {
                            Some(_) => None,
                            None => script_entry(fs, path.parent().unwrap_or(Path::new(""))),
                        };
                        find_entry(
                            fs,
                            &config,
                            v.main().map(|m| m.value.as_str()).or(script.as_deref()),
                            v.build_command().map(|c| c.value.as_str()),
                        )
                    }
                })
                .collect();
            ws.workers.push(Arc::new(Worker {
                lines: LineIndex::new(&text),
                text,
                config,
                entries,
                graph: BTreeSet::new(),
                harness: harness.contains(&path),
                template,
                settings,
                settings_file,
                shadowed,
                base: None,
            }));
        }
        ws.build_graphs(fs, prior);
        ws
    }

    /// Parses every file reachable from every entry, a frontier at a time,
    /// in parallel.
    fn build_graphs(
        &mut self,
        fs: &dyn FileSystem,
        prior: Option<&HashMap<PathBuf, Arc<SourceFile>>>,
    ) {
        let frontier: BTreeSet<PathBuf> = self
            .workers
            .iter()
            .flat_map(|w| {
                w.entries
                    .iter()
                    .filter_map(|e| e.source().map(Path::to_path_buf))
            })
            .collect();
        let modules = Modules::new(fs);
        self.load_files(fs, &modules, frontier, None, prior);
        self.compute_graphs();
    }

    /// Parses `frontier` and every file it reaches that is not parsed yet,
    /// a frontier at a time, in parallel.
    fn load_files(
        &mut self,
        fs: &dyn FileSystem,
        modules: &Modules<'_>,
        mut frontier: BTreeSet<PathBuf>,
        trees: Option<&Trees>,
        prior: Option<&HashMap<PathBuf, Arc<SourceFile>>>,
    ) {
        let mut seen: BTreeSet<PathBuf> = frontier.clone();
        while !frontier.is_empty() && self.files.len() < MAX_GRAPH_FILES {
            // the limit holds on every load, not only between levels
            let room = MAX_GRAPH_FILES - self.files.len();
            let mut batch: Vec<PathBuf> = std::mem::take(&mut frontier).into_iter().collect();
            if batch.len() > room {
                batch.truncate(room);
            }
            type Loaded = Result<(SourceFile, HashMap<String, Resolved>), Skip>;
            let parsed: Vec<(PathBuf, Loaded)> = batch
                .into_par_iter()
                .map(|p| {
                    let r = load_source_reusing(fs, &p, trees, prior).map(|sf| {
                        let mut edges = HashMap::new();
                        for dep in dependencies(&sf.facts) {
                            if !edges.contains_key(dep) {
                                edges.insert(dep.to_string(), modules.resolve(&p, dep));
                            }
                        }
                        (sf, edges)
                    });
                    (p, r)
                })
                .collect();
            for (path, res) in parsed {
                self.skipped.retain(|s| s.path != path);
                match res {
                    Ok((mut sf, edges)) => {
                        for r in edges.values() {
                            if let Resolved::File(d) = r {
                                if Lang::from_path(d).is_some()
                                    && !self.files.contains_key(d)
                                    && seen.insert(d.clone())
                                {
                                    frontier.insert(d.clone());
                                }
                            }
                        }
                        sf.edges = edges;
                        self.files.insert(path, Arc::new(sf));
                    }
                    Err(_) if !fs.is_file(&path) => {
                        // gone (an unsaved buffer closed, a file deleted): nothing to say
                        self.files.remove(&path);
                    }
                    Err(skip) => {
                        self.files.remove(&path);
                        self.skipped.push(Skipped {
                            path,
                            reason: skip.to_string(),
                            broken_config: false,
                        })
                    }
                }
            }
        }
    }

    /// Each Worker's graph, from the cached edges; returns which changed.
    fn compute_graphs(&mut self) -> Vec<bool> {
        self.compute_graphs_where(|_| true)
    }

    /// Recomputes the graphs of the Workers `which` selects; returns, for
    /// every Worker, whether its graph changed.
    fn compute_graphs_where(&mut self, which: impl Fn(&Worker) -> bool) -> Vec<bool> {
        let mut changed = Vec::with_capacity(self.workers.len());
        for w in &mut self.workers {
            if !which(w) {
                changed.push(false);
                continue;
            }
            let w = Arc::make_mut(w);
            let mut stack: Vec<PathBuf> = w
                .entries
                .iter()
                .filter_map(|e| e.source().map(Path::to_path_buf))
                .collect();
            let mut graph = BTreeSet::new();
            while let Some(p) = stack.pop() {
                if !graph.insert(p.clone()) {
                    continue;
                }
                if let Some(f) = self.files.get(&p) {
                    for r in f.edges.values() {
                        if let Resolved::File(d) = r {
                            if self.files.contains_key(d) && !graph.contains(d) {
                                stack.push(d.clone());
                            }
                        }
                    }
                }
            }
            changed.push(graph != w.graph);
            w.graph = graph;
        }
        changed
    }

    /// Files that appeared can be what an import named but did not find
    /// (`./extra` before `extra.ts` existed): those imports are resolved
    /// again, and what they now reach is loaded.
    fn resolve_again(
        &mut self,
        fs: &dyn FileSystem,
        modules: &Modules<'_>,
        appeared: &[PathBuf],
        trees: Option<&Trees>,
    ) {
        let may_name = |missing: &Path| {
            appeared.iter().any(|a| {
                a.starts_with(missing) || a.with_extension("") == missing.with_extension("")
            })
        };
        let mut fixed: Vec<(PathBuf, String, Resolved)> = Vec::new();
        for (path, f) in &self.files {
            for (spec, r) in &f.edges {
                if let Resolved::NotFound(missing) = r {
                    if may_name(missing) {
                        let again = modules.resolve(path, spec);
                        if again != *r {
                            fixed.push((path.clone(), spec.clone(), again));
                        }
                    }
                }
            }
        }
        let mut frontier = BTreeSet::new();
        for (path, spec, r) in fixed {
            if let Resolved::File(d) = &r {
                if !self.files.contains_key(d) {
                    frontier.insert(d.clone());
                }
            }
            if let Some(f) = self.files.get_mut(&path) {
                Arc::make_mut(f).edges.insert(spec, r);
            }
        }
        if !frontier.is_empty() {
            self.load_files(fs, modules, frontier, trees, None);
        }
    }

    /// Re-reads the given source files (an editor's changes) and what they
    /// newly reach; returns the indexes of the Workers whose results may
    /// have changed: those whose graph holds a changed file or changed shape.
    pub fn update_sources(
        &mut self,
        fs: &dyn FileSystem,
        changed: &BTreeSet<PathBuf>,
        trees: Option<&Trees>,
    ) -> BTreeSet<usize> {
        let modules = Modules::new(fs);
        let sources: BTreeSet<PathBuf> = changed
            .iter()
            .filter(|p| Lang::from_path(p).is_some())
            .cloned()
            .collect();
        let absent: BTreeSet<&PathBuf> = sources
            .iter()
            .filter(|p| !self.files.contains_key(*p))
            .collect();
        // The earlier facts of each changed file: the class bodies its edit
        // did not touch are taken from them.
        let earlier: HashMap<PathBuf, Arc<SourceFile>> = sources
            .iter()
            .filter_map(|p| Some((p.clone(), self.files.remove(p)?)))
            .collect();
        self.load_files(fs, &modules, sources.clone(), trees, Some(&earlier));
        // A graph can change only where it holds a changed file, or, when a
        // file appeared that was not there before, where some edge may now
        // reach it: then every graph is walked again.
        let appeared: Vec<PathBuf> = absent
            .iter()
            .filter(|p| self.files.contains_key(**p))
            .map(|p| (*p).clone())
            .collect();
        if !appeared.is_empty() {
            self.resolve_again(fs, &modules, &appeared, trees);
        }
        let reshaped = if !appeared.is_empty() {
            self.compute_graphs()
        } else {
            self.compute_graphs_where(|w| sources.iter().any(|p| w.graph.contains(p)))
        };
        // A graph that changed shape can change what other Workers sharing
        // its files may say (DO110 looks at every Worker reaching a file):
        // then everything is checked again; otherwise only the Workers that
        // reach an edited file.
        let mut affected: BTreeSet<usize> = if reshaped.iter().any(|r| *r) {
            (0..self.workers.len()).collect()
        } else {
            self.workers
                .iter()
                .enumerate()
                .filter(|(_, w)| w.graph.iter().any(|p| sources.contains(p)))
                .map(|(i, _)| i)
                .collect()
        };
        // A Worker that binds another's class through `script_name` reads
        // that Worker's entry (DO119): check it again whenever any changed.
        if !affected.is_empty() {
            for (i, w) in self.workers.iter().enumerate() {
                let cross = w
                    .config
                    .variants()
                    .iter()
                    .any(|v| v.durable_objects().iter().any(|b| b.external));
                if cross {
                    affected.insert(i);
                }
            }
        }
        affected
    }
}

/// The nearest `durable-lsp.toml` from `dir` up, not above the root that
/// holds `dir` (or only `dir` itself when no root does).
fn find_settings(
    fs: &dyn FileSystem,
    dir: &Path,
    roots: &[PathBuf],
    cache: &mut HashMap<PathBuf, Option<(PathBuf, Settings)>>,
) -> Option<(PathBuf, Settings)> {
    let root = roots
        .iter()
        .filter(|r| dir.starts_with(r))
        .max_by_key(|r| r.as_os_str().len());
    let mut d = Some(dir);
    let mut visited = Vec::new();
    let mut found = None;
    while let Some(cur) = d {
        if let Some(hit) = cache.get(cur) {
            found = hit.clone();
            break;
        }
        visited.push(cur.to_path_buf());
        let f = cur.join(crate::settings::FILE_NAME);
        if fs.is_file(&f) {
            let text = read_text(fs, &f, MAX_CONFIG_BYTES).unwrap_or_else(|_| Arc::from(""));
            found = Some((f, Settings::parse_toml(&text, cur)));
            break;
        }
        if root.is_none_or(|r| cur == r.as_path()) {
            break;
        }
        d = cur.parent();
    }
    for v in visited {
        cache.insert(v, found.clone());
    }
    found
}

/// Folders whose configs serve tests, not deploys.
/// The `scripts` of the package.json in `dir`.
fn package_scripts(fs: &dyn FileSystem, dir: &Path) -> Vec<String> {
    named_package_scripts(fs, dir)
        .into_iter()
        .map(|(_, v)| v)
        .collect()
}

/// The scripts of `dir/package.json`, name and command line.
fn named_package_scripts(fs: &dyn FileSystem, dir: &Path) -> Vec<(String, String)> {
    let Ok(bytes) = fs.read(&dir.join("package.json")) else {
        return Vec::new();
    };
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(&bytes) else {
        return Vec::new();
    };
    v.get("scripts")
        .and_then(|s| s.as_object())
        .map(|m| {
            m.iter()
                .filter_map(|(k, x)| x.as_str().map(|x| (k.clone(), x.to_string())))
                .collect()
        })
        .unwrap_or_default()
}

/// The configs that a package's test scripts (`test`, `test:e2e`,
/// `e2e`, …) start with `wrangler dev`: the one `-c`/`--config` names,
/// else the default config of the folder the script `cd`s into.
fn configs_started_by_test_scripts(fs: &dyn FileSystem, dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for (name, script) in named_package_scripts(fs, dir) {
        let name = name.to_ascii_lowercase();
        if !(name.starts_with("test") || name.contains("e2e") || name.contains(":test")) {
            continue;
        }
        let mut cwd = dir.to_path_buf();
        for part in script.split(['&', ';', '|']) {
            let words: Vec<&str> = part.split_whitespace().collect();
            if words.first() == Some(&"cd") {
                if let Some(d) = words.get(1) {
                    cwd = super::resolve::normalize(&cwd.join(d));
                }
                continue;
            }
            let Some(i) = words.iter().position(|w| *w == "wrangler") else {
                continue;
            };
            let w = &words[i + 1..];
            if w.first() != Some(&"dev") {
                continue;
            }
            let mut named = None;
            let mut it = w.iter();
            while let Some(a) = it.next() {
                if *a == "-c" || *a == "--config" {
                    named = it.next().map(|c| cwd.join(c));
                } else if let Some(c) = a.strip_prefix("--config=").or(a.strip_prefix("-c=")) {
                    named = Some(cwd.join(c));
                }
            }
            let config = match named {
                Some(c) => Some(super::resolve::normalize(&c)),
                None => CONFIG_NAMES
                    .iter()
                    .map(|n| cwd.join(n))
                    .find(|p| fs.is_file(p)),
            };
            if let Some(c) = config.filter(|c| fs.is_file(c)) {
                if !out.contains(&c) {
                    out.push(c);
                }
            }
        }
    }
    out
}

/// The wrangler commands in a script line: the words after each
/// `wrangler`, up to the next `&&`, `;` or `|`.
fn wrangler_commands(script: &str) -> Vec<Vec<&str>> {
    let mut out = Vec::new();
    for part in script.split(['&', ';', '|']) {
        let words: Vec<&str> = part.split_whitespace().collect();
        if let Some(i) = words.iter().position(|w| *w == "wrangler") {
            out.push(words[i + 1..].to_vec());
        }
    }
    out
}

/// Whether `config` is its folder's default config and a script of the
/// folder's package.json runs `wrangler deploy` there without choosing
/// another config.
fn deployed_by_scripts(fs: &dyn FileSystem, config: &Path) -> bool {
    let Some(dir) = config.parent() else {
        return false;
    };
    // wrangler's own pick in a folder: json > jsonc > toml
    let default = CONFIG_NAMES
        .iter()
        .map(|n| dir.join(n))
        .find(|p| fs.is_file(p));
    if default.as_deref() != Some(config) {
        return false;
    }
    package_scripts(fs, dir).iter().any(|s| {
        wrangler_commands(s).iter().any(|w| {
            matches!(w.first(), Some(&"deploy") | Some(&"publish"))
                && !w.iter().any(|a| {
                    *a == "-c"
                        || *a == "--config"
                        || a.starts_with("--config=")
                        || a.starts_with("-c=")
                })
        })
    })
}

/// The entry a package's scripts pass to `wrangler deploy` or `wrangler
/// dev` as a path (`wrangler deploy src/index.ts`), when they name one.
fn script_entry(fs: &dyn FileSystem, dir: &Path) -> Option<String> {
    let scripts = package_scripts(fs, dir);
    let mut found = None;
    for s in &scripts {
        for w in wrangler_commands(s) {
            if !matches!(w.first(), Some(&"deploy") | Some(&"dev") | Some(&"publish")) {
                continue;
            }
            // the first positional argument after the command
            let mut args = w[1..].iter();
            while let Some(a) = args.next() {
                if a.starts_with('-') {
                    // options that take a value
                    if matches!(
                        *a,
                        "-c" | "--config"
                            | "-e"
                            | "--env"
                            | "--name"
                            | "--port"
                            | "--ip"
                            | "--compatibility-date"
                            | "--outdir"
                    ) {
                        args.next();
                    }
                    continue;
                }
                let looks_like_file = Path::new(a)
                    .extension()
                    .and_then(|e| e.to_str())
                    .is_some_and(|e| {
                        matches!(
                            e,
                            "ts" | "tsx" | "js" | "jsx" | "mjs" | "mts" | "cjs" | "cts"
                        )
                    });
                if looks_like_file {
                    // deploy wins over dev; the first one named otherwise
                    if w[0] == "deploy" || found.is_none() {
                        found = Some(a.to_string());
                    }
                }
                break;
            }
        }
    }
    found
}

/// A test source by its name: `*.test.ts`, `*.spec.mjs`, …
fn is_test_source_name(name: &str) -> bool {
    let Some((stem, ext)) = name.rsplit_once('.') else {
        return false;
    };
    matches!(
        ext,
        "ts" | "mts" | "cts" | "js" | "mjs" | "cjs" | "tsx" | "jsx"
    ) && (stem.ends_with(".test") || stem.ends_with(".spec"))
}

/// The wrangler configs a test file starts a Worker from:
/// `getPlatformProxy({ configPath })`, `unstable_dev(entry, { config })`,
/// `unstable_startWorker({ config })`. A relative path is taken from the
/// test's folder or from its package's folder (where the runner starts).
fn configs_started_by_test(fs: &dyn FileSystem, file: &Path) -> Vec<PathBuf> {
    const STARTERS: &[(&str, &str)] = &[
        ("getPlatformProxy", "configPath"),
        ("unstable_dev", "config"),
        ("unstable_startWorker", "config"),
    ];
    let Ok(text) = read_text(fs, file, MAX_CONFIG_BYTES) else {
        return Vec::new();
    };
    let dir = file.parent().unwrap_or(Path::new(""));
    let package = dir
        .ancestors()
        .find(|d| fs.is_file(&d.join("package.json")))
        .unwrap_or(dir);
    let mut out = Vec::new();
    let push = |lit: &str, out: &mut Vec<PathBuf>| {
        for base in [dir, package] {
            let p = super::resolve::normalize(&base.join(lit));
            let named = p
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(is_config_name);
            if named && fs.is_file(&p) && !out.contains(&p) {
                out.push(p);
            }
        }
    };
    // A test that spawns `wrangler dev` itself: every config it names.
    if spawns_wrangler_dev(&text) {
        for lit in quoted_literals(&text) {
            push(lit, &mut out);
        }
    }
    for (starter, key) in STARTERS {
        if !text.contains(starter) {
            continue;
        }
        for lit in super::scan::literals_after_key(&text, key) {
            push(&lit, &mut out);
        }
    }
    out
}

/// Whether a test's text starts `wrangler dev` as a child process: the
/// word `wrangler` and the word `dev` as string literals (`spawn("npx",
/// ["wrangler", "dev", …])`) or one literal `wrangler dev …`.
fn spawns_wrangler_dev(text: &str) -> bool {
    let lits = quoted_literals(text);
    lits.iter()
        .any(|l| l.trim_start().starts_with("wrangler dev"))
        || (lits.contains(&"wrangler") && lits.contains(&"dev"))
}

/// The one-line string literals of a source text (quotes '…', "…", `…`),
/// without escapes or template holes.
fn quoted_literals(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let q = b[i];
        if matches!(q, b'"' | b'\'' | b'`') {
            let start = i + 1;
            let mut j = start;
            while j < b.len() && b[j] != q && b[j] != b'\n' && b[j] != b'\\' {
                j += 1;
            }
            if j < b.len() && b[j] == q {
                let lit = &text[start..j];
                if !(q == b'`' && lit.contains("${")) {
                    out.push(lit);
                }
                i = j + 1;
                continue;
            }
            i = j.max(i + 1);
            continue;
        }
        i += 1;
    }
    out
}

/// A file with a non-standard name counts as a config only when it has the
/// keys of one.
fn looks_like_config(c: &Config) -> bool {
    c.syntax_error.is_none()
        && (c.top.name.is_some()
            || c.top.main.is_some()
            || c.top.compatibility_date.is_some()
            || c.top.durable_objects.is_some()
            || c.top.migrations.is_some())
}

/// Every module specifier a file depends on.
fn dependencies(f: &FileFacts) -> impl Iterator<Item = &str> {
    use crate::syntax::facts::ExportItem;
    f.imports
        .iter()
        .map(|i| i.source.as_str())
        .chain(f.exports.iter().filter_map(|e| match e {
            ExportItem::ReExport { source, .. }
            | ExportItem::Star { source, .. }
            | ExportItem::StarAs { source, .. } => Some(source.as_str()),
            _ => None,
        }))
}

pub fn load_source(fs: &dyn FileSystem, path: &Path) -> Result<SourceFile, Skip> {
    load_source_with(fs, path, None)
}

/// Like [`load_source`], with the tree of the same text when the caller has
/// one (an editor's document, parsed incrementally as it changed).
pub fn load_source_with(
    fs: &dyn FileSystem,
    path: &Path,
    parsed: Option<&Trees>,
) -> Result<SourceFile, Skip> {
    let lang = Lang::from_path(path).ok_or(Skip::Binary)?;
    let text = read_text(fs, path, fs.max_source_bytes())?;
    parse_with(path, lang, text, parsed, None)
}

/// A file's facts from text just read, with the editor's tree when it is of
/// that same text.
fn parse_with(
    path: &Path,
    lang: Lang,
    text: Arc<str>,
    parsed: Option<&Trees>,
    prior: Option<&SourceFile>,
) -> Result<SourceFile, Skip> {
    let ready = parsed
        .and_then(|t| t.get(path))
        .filter(|p| *p.text == *text)
        .map(|p| (p.tree.clone(), p.fresh));
    match ready {
        Some((tree, true)) => SourceFile::from_tree(path, lang, text, tree, prior),
        Some((tree, false)) => SourceFile::from_text(path, lang, text, Some(tree), prior),
        None => SourceFile::from_text(path, lang, text, None, prior),
    }
}

/// [`load_source_with`], taking the facts of `prior`'s file of the same
/// path when its text is the same (its module edges are left to resolve
/// again).
fn load_source_reusing(
    fs: &dyn FileSystem,
    path: &Path,
    parsed: Option<&Trees>,
    prior: Option<&HashMap<PathBuf, Arc<SourceFile>>>,
) -> Result<SourceFile, Skip> {
    let Some(old) = prior.and_then(|m| m.get(path)) else {
        return load_source_with(fs, path, parsed);
    };
    let lang = Lang::from_path(path).ok_or(Skip::Binary)?;
    let text = read_text(fs, path, fs.max_source_bytes())?;
    // facts cut short by the time budget are computed again
    if *old.text == *text && old.lang == lang && old.facts.cut.is_none() {
        return Ok(SourceFile {
            edges: HashMap::new(),
            ..(**old).clone()
        });
    }
    parse_with(path, lang, text, parsed, Some(old))
}

impl SourceFile {
    /// A file's facts from its text, with its tree when the caller has one,
    /// taking the class bodies that did not change from `prior` (the same
    /// file's earlier facts).
    pub fn from_text(
        path: &Path,
        lang: Lang,
        text: Arc<str>,
        tree: Option<tree_sitter::Tree>,
        prior: Option<&SourceFile>,
    ) -> Result<SourceFile, Skip> {
        // An editor's incrementally reparsed tree is used only when it has
        // no syntax error: on broken text tree-sitter's error recovery can
        // differ between an incremental and a fresh parse, and the editor
        // must see the facts `--check` sees (a fresh parse).
        let tree = match tree.filter(|t| !t.root_node().has_error()) {
            Some(t) => t,
            None => syntax::parse(lang, &text, None)
                .ok_or_else(|| Skip::Unreadable("the parser gave up".into()))?,
        };
        SourceFile::from_tree(path, lang, text, tree, prior)
    }

    /// A file's facts from its text and a fresh parse of that text.
    pub fn from_tree(
        path: &Path,
        lang: Lang,
        text: Arc<str>,
        tree: tree_sitter::Tree,
        prior: Option<&SourceFile>,
    ) -> Result<SourceFile, Skip> {
        let facts = if lang == Lang::Rust {
            syntax::rust::facts(&text, &tree)
        } else if lang == Lang::Python {
            syntax::python::facts(&text, &tree)
        } else {
            let prior = prior
                .filter(|p| p.lang == lang && p.facts.cut.is_none())
                .map(|p| syntax::typescript::Prior {
                    text: &p.text,
                    facts: &p.facts,
                });
            syntax::typescript::facts_reusing(lang, &text, &tree, prior)
        };
        let style =
            crate::suppress::CommentStyle::of(path).unwrap_or(crate::suppress::CommentStyle::Slash);
        let suppressions = crate::suppress::find(&text, style);
        Ok(SourceFile {
            path: path.to_path_buf(),
            lang,
            lines: LineIndex::new(&text),
            text,
            facts: Arc::new(facts),
            edges: HashMap::new(),
            suppressions,
        })
    }
}

impl Workspace {
    /// This workspace with one document's text as the editor has it now:
    /// the file's own facts are recomputed, every cross-file fact (graphs,
    /// edges, other files) stays as analysed. `None` when the workspace does
    /// not know the file or already has this text.
    pub fn with_document(
        &self,
        path: &Path,
        text: &str,
        tree: Option<tree_sitter::Tree>,
    ) -> Option<Workspace> {
        if let Some(f) = self.file(path) {
            if *f.text == *text || text.len() > syntax::max_source_bytes() {
                return None;
            }
            let mut nf =
                SourceFile::from_text(path, f.lang, Arc::from(text), tree, Some(f)).ok()?;
            nf.edges = f.edges.clone();
            let mut ws = self.clone();
            ws.files.insert(path.to_path_buf(), Arc::new(nf));
            return Some(ws);
        }
        let i = self.workers.iter().position(|w| w.config.path == path)?;
        if *self.workers[i].text == *text {
            return None;
        }
        let mut ws = self.clone();
        let w = Arc::make_mut(&mut ws.workers[i]);
        w.config = Config::parse(path.to_path_buf(), text);
        w.text = Arc::from(text);
        w.lines = LineIndex::new(text);
        Some(ws)
    }
}

/// Trees of an editor's open documents, by path.
pub type Trees = HashMap<PathBuf, Parsed>;

/// A document's text and its tree.
pub struct Parsed {
    pub text: Arc<str>,
    pub tree: tree_sitter::Tree,
    /// A fresh parse of `text` (not an edited tree reparsed): it is what
    /// `--check` would parse, errors and all.
    pub fresh: bool,
}

/// Resolves `main` for one variant.
pub fn find_entry(
    fs: &dyn FileSystem,
    config: &Config,
    main: Option<&str>,
    build_command: Option<&str>,
) -> Entry {
    let dir = config.path.parent().unwrap_or(Path::new(""));
    let has_build = build_command.is_some();
    let worker_build = build_command.is_some_and(|c| c.contains("worker-build"));
    // A workers-rs Worker: what `worker-build` writes at `path`, from the
    // crate, whether or not a build is on disk.
    let crate_entry = |path: PathBuf| {
        rust_crate(fs, dir, worker_build).map(|(lib, manifest)| Entry::BuildOutput {
            reason: "`worker-build` writes it from the crate".into(),
            source: Some(lib),
            stated_by: Some(format!(
                "{}, a workers-rs crate",
                manifest.strip_prefix(dir).unwrap_or(&manifest).display()
            )),
            path,
        })
    };
    let Some(main) = main else {
        // The oldest workers-rs layout: no `main`, `worker-build` writes
        // `build/worker/shim.mjs` (named by `[build.upload]`).
        return crate_entry(dir.join("build/worker/shim.mjs")).unwrap_or(Entry::None);
    };
    let path = super::resolve::normalize(&dir.join(main));
    // `main` is what `worker-build` writes (`build/index.js`, or
    // `build/worker/shim.mjs` in older projects).
    let in_build_dir = Path::new(main).components().any(|c| {
        c.as_os_str()
            .to_str()
            .is_some_and(|s| BUILD_DIRS.contains(&s))
    });
    if has_build || in_build_dir {
        if let Some(e) = crate_entry(path.clone()) {
            return e;
        }
    }
    // `main = "./src/index"`: wrangler tries the usual extensions, but only
    // when `main` has none (an explicit `src/index.js` must exist as is).
    let explicit = Path::new(main)
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| {
            matches!(
                e,
                "js" | "mjs" | "cjs" | "jsx" | "ts" | "mts" | "cts" | "tsx" | "py" | "wasm"
            )
        });
    let path = if fs.is_file(&path) || explicit {
        path
    } else {
        super::resolve::probe(fs, &path).unwrap_or(path)
    };
    // With @cloudflare/vite-plugin, `main` is a module id: a path, a package
    // export or a virtual module.
    if !fs.is_file(&path) && super::scan::uses_vite_plugin(fs, dir) {
        let from = dir.join("vite.config.ts");
        return match Modules::new(fs).resolve(&from, main) {
            Resolved::File(p) if Lang::from_path(&p).is_some() => Entry::File(p),
            _ => Entry::ViteModule {
                spec: main.to_string(),
            },
        };
    }
    if fs.is_file(&path) {
        if Lang::from_path(&path).is_some() {
            return Entry::File(fs.canonical(&path));
        }
        return Entry::Unsupported { path };
    }
    if Path::new(main)
        .components()
        .any(|c| c.as_os_str() == "node_modules")
    {
        return Entry::BuildOutput {
            path,
            reason: "it sits in node_modules, which is not installed".into(),
            source: None,
            stated_by: None,
        };
    }
    let ignored = fs.is_ignored(&path);
    if has_build || in_build_dir || ignored {
        let reason = if ignored && !has_build && !in_build_dir {
            "git ignores it, so it is generated".to_string()
        } else if has_build {
            "it is written by the `build.command`".to_string()
        } else {
            "it sits in a build output folder".to_string()
        };
        let output = Path::new(main)
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("");
        let (source, stated_by) = match toolchain_entry(fs, dir, output) {
            Some((p, by)) => (Some(p), Some(by)),
            None => (source_entry_for(fs, dir), None),
        };
        return Entry::BuildOutput {
            source,
            stated_by,
            path,
            reason,
        };
    }
    Entry::Missing { path }
}

/// The crate root of a workers-rs Worker in `dir`: the nearest
/// `Cargo.toml` at or above it that depends on `worker` (the workers-rs
/// SDK), and its library's root module (`[lib] path`, else `src/lib.rs`);
/// (root module, manifest). `worker` counts under `[dependencies]` and
/// under a target's (`[target.'cfg(…)'.dependencies]`); when the config's
/// `build.command` runs `worker-build` (`built`), the nearest crate is the
/// Worker's whatever it depends on.
pub fn rust_crate(fs: &dyn FileSystem, dir: &Path, built: bool) -> Option<(PathBuf, PathBuf)> {
    for d in dir.ancestors().take(4) {
        let manifest = d.join("Cargo.toml");
        let Ok(text) = read_text(fs, &manifest, MAX_CONFIG_BYTES) else {
            continue;
        };
        let doc = toml_edit::Document::parse(&*text).ok()?;
        let has_worker = |t: Option<&dyn toml_edit::TableLike>| {
            t.and_then(|t| t.get("dependencies"))
                .and_then(|d| d.as_table_like())
                .is_some_and(|d| d.contains_key("worker"))
        };
        let direct = has_worker(Some(doc.as_table() as &dyn toml_edit::TableLike));
        let by_target = doc
            .get("target")
            .and_then(|t| t.as_table_like())
            .is_some_and(|targets| targets.iter().any(|(_, t)| has_worker(t.as_table_like())));
        let is_crate = doc.get("package").is_some();
        if !(direct || by_target || built && is_crate) {
            // a workspace manifest names its members; a crate without
            // `worker` is not a Worker's
            if doc.get("workspace").is_some() && doc.get("package").is_none() {
                continue;
            }
            return None;
        }
        let lib = doc
            .get("lib")
            .and_then(|l| l.get("path"))
            .and_then(|p| p.as_str())
            .map(|p| super::resolve::normalize(&d.join(p)))
            .unwrap_or_else(|| d.join("src/lib.rs"));
        return fs.is_file(&lib).then(|| (fs.canonical(&lib), manifest));
    }
    None
}

/// Toolchain configs that state a source entry, and the keys that hold it.
const TOOLCHAIN_CONFIGS: &[(&str, &[&str])] = &[
    ("rollup.config", &["input"]),
    ("remix.config", &["server"]),
    ("tsup.config", &["entry"]),
    ("tsdown.config", &["entry"]),
    ("webpack.config", &["entry"]),
    ("vite.config", &["input", "entry"]),
    ("esbuild.config", &["entryPoints"]),
];

/// The source entry a bundler or framework config in `dir` states, as
/// (file, "rollup.config.js `input`"); also an `esbuild <file>` build script.
///
/// A config counts only when it also names `output` (the file name of
/// `main`): a bundler config for a browser bundle or another Worker says
/// nothing about this one.
pub fn toolchain_entry(fs: &dyn FileSystem, dir: &Path, output: &str) -> Option<(PathBuf, String)> {
    for (stem, keys) in TOOLCHAIN_CONFIGS {
        for ext in ["js", "mjs", "cjs", "ts", "mts"] {
            let f = dir.join(format!("{stem}.{ext}"));
            let Ok(text) = read_text(fs, &f, MAX_CONFIG_BYTES) else {
                continue;
            };
            if output.is_empty() || !text.contains(output) {
                continue;
            }
            for key in *keys {
                for lit in super::scan::literals_after_key(&text, key) {
                    if let Some(p) =
                        super::resolve::probe(fs, &super::resolve::normalize(&dir.join(&lit)))
                    {
                        if Lang::from_path(&p).is_some() {
                            return Some((p, format!("{stem}.{ext} `{key}`")));
                        }
                    }
                }
            }
        }
    }
    // `"build": "esbuild src/index.ts --bundle …"` in package.json
    let text = read_text(fs, &dir.join("package.json"), MAX_CONFIG_BYTES).ok()?;
    let root = crate::config::tree::parse_jsonc(&text).ok()?;
    for script in root.get("scripts").map(|s| s.props()).unwrap_or(&[]) {
        let Some(cmd) = script.value.as_str() else {
            continue;
        };
        if output.is_empty() || !cmd.contains(output) {
            continue;
        }
        let mut words = cmd
            .split_whitespace()
            .skip_while(|w| !w.ends_with("esbuild"));
        if words.next().is_none() {
            continue;
        }
        for w in words.filter(|w| !w.starts_with('-')) {
            let p = super::resolve::normalize(&dir.join(w.trim_matches(|c| c == '"' || c == '\'')));
            if Lang::from_path(&p).is_some() && fs.is_file(&p) {
                return Some((p, format!("the `{}` script (esbuild)", script.key)));
            }
        }
    }
    None
}

/// The conventional source entries, tried when `main` is build output.
fn source_entry_for(fs: &dyn FileSystem, dir: &Path) -> Option<PathBuf> {
    for cand in [
        "src/index.ts",
        "src/index.tsx",
        "src/index.js",
        "src/index.mjs",
        "src/worker.ts",
        "src/worker.js",
        "src/server.ts",
        "worker.ts",
        "server.ts",
        "index.ts",
    ] {
        let p = dir.join(cand);
        if fs.is_file(&p) {
            return Some(p);
        }
    }
    None
}

/// A span in a file, for messages.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Location {
    pub file: PathBuf,
    pub span: Span,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::project::fs::MemFs;

    const TWO: &str = "//- /api/wrangler.toml\nname = \"api\"\nmain = \"src/index.ts\"\n[[durable_objects.bindings]]\nname = \"S\"\nclass_name = \"Sessions\"\nscript_name = \"objects\"\n//- /api/src/index.ts\nexport default {};\n//- /objects/wrangler.toml\nname = \"objects\"\nmain = \"src/index.ts\"\n//- /objects/src/index.ts\nexport default {};\n";

    /// A load that reuses an earlier one keeps the facts of files whose
    /// text is the same, computes the others again, and resolves modules
    /// again (a file created since changes where an import goes).
    #[test]
    fn a_load_reuses_the_facts_of_unchanged_files_only() {
        let root = Path::new("/r");
        let fixture = "//- /wrangler.toml\nname = \"w\"\nmain = \"src/index.ts\"\n//- /src/index.ts\nimport { a } from \"./a\";\nexport default {};\n//- /src/a.ts\nexport const a = 1;\n//- /src/b.ts\nexport class B {}\n";
        let fs = MemFs::from_fixture(root, fixture);
        let first = Workspace::load(&fs, &[root.to_path_buf()]);
        let mut fs2 = MemFs::from_fixture(root, fixture);
        fs2.insert(
            root.join("src/index.ts"),
            "import { a } from \"./a\";\nimport { B } from \"./b\";\nexport { B };\nexport default {};\n",
        );
        let second = Workspace::load_reusing(&fs2, &[root.to_path_buf()], Some(&first.files));
        let a = root.join("src/a.ts");
        let index = root.join("src/index.ts");
        assert!(Arc::ptr_eq(&first.files[&a].facts, &second.files[&a].facts));
        assert!(!Arc::ptr_eq(
            &first.files[&index].facts,
            &second.files[&index].facts
        ));
        // the new import is followed: b.ts is in the graph now
        assert!(second.files.contains_key(&root.join("src/b.ts")));
        assert!(!first.files.contains_key(&root.join("src/b.ts")));
        assert_eq!(second.files[&a].edges, first.files[&a].edges);
        let fresh = Workspace::load(&fs2, &[root.to_path_buf()]);
        let mut got: Vec<_> = second.files.keys().collect();
        let mut want: Vec<_> = fresh.files.keys().collect();
        got.sort();
        want.sort();
        assert_eq!(got, want);
    }

    #[test]
    fn main_is_probed_only_without_a_source_extension() {
        let fs = MemFs::from_fixture(
            Path::new("/m"),
            "//- /src/waku.server.tsx\nexport default {};\n//- /src/index.ts\nexport default {};\n",
        );
        let cfg = Config::parse(PathBuf::from("/m/wrangler.toml"), "");
        let e = |main: &str| find_entry(&fs, &cfg, Some(main), None);
        assert_eq!(
            e("./src/waku.server"),
            Entry::File(PathBuf::from("/m/src/waku.server.tsx"))
        );
        assert_eq!(
            e("./src/index"),
            Entry::File(PathBuf::from("/m/src/index.ts"))
        );
        assert!(
            matches!(e("src/index.js"), Entry::Missing { .. }),
            "wrangler checks an explicit path as is"
        );
    }

    #[test]
    fn an_edit_rechecks_the_workers_that_reach_the_file_and_cross_worker_bindings() {
        let root = PathBuf::from("/w");
        let fs = MemFs::from_fixture(&root, TWO);
        let mut ws = Workspace::load(&fs, std::slice::from_ref(&root));
        let api = ws
            .workers
            .iter()
            .position(|w| w.config.path.starts_with("/w/api"))
            .unwrap();
        let objects = 1 - api;
        let mut fs2 = MemFs::from_fixture(&root, TWO);
        fs2.insert(
            "/w/objects/src/index.ts",
            "export class Sessions {}\nexport default {};\n",
        );
        let changed: BTreeSet<PathBuf> = [PathBuf::from("/w/objects/src/index.ts")].into();
        let affected = ws.update_sources(&fs2, &changed, None);
        assert!(
            affected.contains(&objects),
            "the Worker whose graph holds the file"
        );
        assert!(
            affected.contains(&api),
            "the Worker that binds its class by script_name"
        );
        let f = ws.file(Path::new("/w/objects/src/index.ts")).unwrap();
        assert_eq!(f.facts.classes.len(), 1, "the file was re-read");
    }
}
