//! The deployed state, from git history (`--check --base REV`).
//!
//! wrangler sends only the migrations after the tag a Worker was last
//! deployed with, so the config as it was at REV stands for what is
//! deployed. The enclosing repository is read in-process with `gix`,
//! read-only, isolated from every git config outside the repository and
//! from the environment (no `git` subprocess: it would obey the
//! repository's own config). This is the one read outside the workspace
//! roots: the repository's `.git` may sit above them.

pub use crate::config::BaseConfig;
use crate::config::Config;
use crate::project::Workspace;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A repository and a revision in it.
pub struct History {
    repo: gix::Repository,
    /// The repository's work tree, canonical.
    workdir: PathBuf,
    rev: String,
    tree: gix::ObjectId,
    /// configs at REV by deployed name, found when first needed
    by_name: std::sync::OnceLock<HashMap<String, Vec<String>>>,
}

const CONFIG_NAMES: &[&str] = &["wrangler.json", "wrangler.jsonc", "wrangler.toml"];

/// Why `rev` names no commit, in the words of the user's repository: a
/// shallow clone (what CI checks out by default) lacks older commits and
/// other branches, and the message says how to fetch them.
fn missing_revision(repo: &gix::Repository, rev: &str, workdir: &Path) -> String {
    let mut msg = format!(
        "--base {rev}: the repository at {} has no revision `{rev}`",
        workdir.display()
    );
    if repo.is_shallow().unwrap_or(false) {
        let branch = rev
            .strip_prefix("origin/")
            .map(|b| b.split(['~', '^']).next().unwrap_or(b));
        msg.push_str(
            ". It is a shallow clone, which holds only the newest commits: fetch the base first",
        );
        match branch {
            Some(b) => msg.push_str(&format!(
                " (`git fetch --no-tags origin +refs/heads/{b}:refs/remotes/origin/{b}`)"
            )),
            None => msg.push_str(" (`git fetch --unshallow`)"),
        }
        msg.push_str(", or check out with `fetch-depth: 0` in actions/checkout");
    } else if let Some(b) = rev.strip_prefix("origin/") {
        let b = b.split(['~', '^']).next().unwrap_or(b);
        msg.push_str(&format!(
            "; a remote branch is there only once fetched (`git fetch origin {b}`)"
        ));
    }
    msg
}

impl History {
    /// Finds the repository holding `start` and resolves `rev` in it. A
    /// folder outside any repository, a bare repository or a revision that
    /// names no commit is an error for the user.
    pub fn open(start: &Path, rev: &str) -> Result<History, String> {
        let repo = gix::ThreadSafeRepository::discover_opts(start, Default::default(), |_, _| {
            gix::open::Options::isolated()
        })
        .map_err(|_| {
            format!(
                "--base needs a git repository, and {} is not in one",
                start.display()
            )
        })?
        .to_thread_local();
        let workdir = repo
            .workdir()
            .ok_or_else(|| "--base needs a repository with a work tree".to_string())?;
        let workdir = workdir
            .canonicalize()
            .unwrap_or_else(|_| workdir.to_path_buf());
        let tree = {
            let missing = || missing_revision(&repo, rev, &workdir);
            let commit = repo
                .rev_parse_single(rev)
                .map_err(|e| {
                    crate::log!(Debug, "--base {rev}: {e}");
                    missing()
                })?
                .object()
                .map_err(|_| missing())?
                .peel_to_commit()
                .map_err(|_| {
                    format!("--base {rev}: `{rev}` names something in the repository at {} that is not a commit", workdir.display())
                })?;
            commit
                .tree_id()
                .map_err(|e| format!("--base {rev}: {e}"))?
                .detach()
        };
        Ok(History {
            repo,
            workdir,
            rev: rev.to_string(),
            tree,
            by_name: Default::default(),
        })
    }

    /// The text of a file at REV, by its path relative to the repository.
    fn text_at(&self, rel: &str) -> Option<String> {
        let tree = self.repo.find_tree(self.tree).ok()?;
        let entry = tree.lookup_entry_by_path(rel).ok()??;
        if !entry.mode().is_blob() {
            return None;
        }
        let blob = entry.object().ok()?;
        let bytes = blob
            .data
            .strip_prefix(b"\xEF\xBB\xBF")
            .unwrap_or(&blob.data);
        Some(String::from_utf8_lossy(bytes).into_owned())
    }

    /// Every wrangler config at REV, by the Worker `name` it deploys.
    fn configs_by_name(&self) -> &HashMap<String, Vec<String>> {
        self.by_name.get_or_init(|| {
            let mut out: HashMap<String, Vec<String>> = HashMap::new();
            let Ok(tree) = self.repo.find_tree(self.tree) else {
                return out;
            };
            let mut rec = gix::traverse::tree::Recorder::default();
            if tree.traverse().breadthfirst(&mut rec).is_err() {
                return out;
            }
            for e in rec.records {
                let path = e.filepath.to_string();
                let name = path.rsplit('/').next().unwrap_or("");
                if !e.mode.is_blob()
                    || !CONFIG_NAMES.contains(&name)
                    || path.split('/').any(|c| c == "node_modules")
                {
                    continue;
                }
                let Some(text) = self.text_at(&path) else {
                    continue;
                };
                let cfg = Config::parse(PathBuf::from(&path), &text);
                if let Some(n) = cfg.top.name.as_ref() {
                    out.entry(n.value.clone()).or_default().push(path);
                }
            }
            out
        })
    }

    /// The config at REV of the Worker whose config is `path` now: the same
    /// file, else (it moved) the one config at REV that deploys the same
    /// `name`.
    pub fn base_of(&self, path: &Path, now: &Config) -> BaseConfig {
        let real = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
        let rel = real
            .strip_prefix(&self.workdir)
            .ok()
            .map(|r| r.to_string_lossy().replace('\\', "/"));
        let name_now = now.top.name.as_ref().map(|n| n.value.as_str());
        if let Some(rel) = &rel {
            if let Some(text) = self.text_at(rel) {
                let then = Config::parse(path.to_path_buf(), &text);
                // A new `name` deploys another Worker, with nothing deployed
                // yet (unless a config at REV deployed that name).
                if then.top.name.as_ref().map(|n| n.value.as_str()) == name_now {
                    return BaseConfig {
                        rev: self.rev.clone(),
                        config: Some(then),
                        moved_from: None,
                    };
                }
            }
        }
        if let Some(name) = now.top.name.as_ref() {
            if let Some([only]) = self.configs_by_name().get(&name.value).map(Vec::as_slice) {
                if let Some(text) = self.text_at(only) {
                    let fmt_path = path.with_file_name(only.rsplit('/').next().unwrap_or(only));
                    return BaseConfig {
                        rev: self.rev.clone(),
                        config: Some(Config::parse(fmt_path, &text)),
                        moved_from: Some(only.clone()),
                    };
                }
            }
        }
        BaseConfig {
            rev: self.rev.clone(),
            config: None,
            moved_from: None,
        }
    }

    /// Gives every Worker of `ws` its config at REV.
    pub fn attach(&self, ws: &mut Workspace) {
        for w in &mut ws.workers {
            std::sync::Arc::make_mut(w).base = None;
        }
        self.attach_missing(ws);
    }

    /// Gives the Workers of `ws` without a config at REV (new since the
    /// last analysis, or another revision) theirs; returns their indexes.
    pub fn attach_missing(&self, ws: &mut Workspace) -> Vec<usize> {
        let mut out = Vec::new();
        for (i, w) in ws.workers.iter_mut().enumerate() {
            if w.base.as_ref().is_some_and(|b| b.rev == self.rev) {
                continue;
            }
            let w = std::sync::Arc::make_mut(w);
            let real = w
                .config
                .path
                .canonicalize()
                .unwrap_or_else(|_| w.config.path.clone());
            // a Worker outside this repository has no history here
            if real.starts_with(&self.workdir) {
                w.base = Some(Arc::new(self.base_of(&w.config.path, &w.config)));
                out.push(i);
            }
        }
        out
    }
}
