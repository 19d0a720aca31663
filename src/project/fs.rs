//! The one door to file contents. The engine reads only through
//! [`FileSystem`]; [`OsFs`] is the only implementation that touches the disk
//! and it refuses paths that leave the workspace roots (symlinks included).

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub trait FileSystem: Send + Sync {
    /// The bytes of a file.
    fn read(&self, path: &Path) -> io::Result<Arc<[u8]>>;
    fn is_file(&self, path: &Path) -> bool;
    fn is_dir(&self, path: &Path) -> bool;
    /// Every file below `root` whose name passes `pred`, skipping what git
    /// ignores, `node_modules`, `.git` and `.wrangler`. A file root is
    /// returned as it is.
    fn find_files(&self, root: &Path, pred: &dyn Fn(&str) -> bool) -> Vec<PathBuf>;
    /// Whether git ignores `path` (by the `.gitignore` files from its root
    /// down). Generated files are usually ignored.
    fn is_ignored(&self, _path: &Path) -> bool {
        false
    }
    /// The one name of the file `path` names, however many symlinks lead
    /// to it: the same path for two aliases of one file, so it is loaded
    /// once. Spelled under the root as the user gave it, so reports and
    /// editors see the paths they know. A path that names nothing, or
    /// leaves the roots, is its own name.
    fn canonical(&self, path: &Path) -> PathBuf {
        path.to_path_buf()
    }
    /// The folders [`FileSystem::find_files`] could not list since the last
    /// call, with why: a Worker inside one would be missed, so the user is
    /// told.
    fn take_unreadable(&self) -> Vec<(PathBuf, String)> {
        Vec::new()
    }
    /// Source files larger than this are not parsed. The process's limit,
    /// unless a view fixes its own (the server's analysis reads the limit
    /// its settings had when it started, whatever the settings do meanwhile).
    fn max_source_bytes(&self) -> usize {
        crate::syntax::max_source_bytes()
    }
}

/// Why a file was not read as text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Skip {
    Unreadable(String),
    Binary,
    TooLarge(usize),
}

impl std::fmt::Display for Skip {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Skip::Unreadable(e) => write!(f, "it could not be read: {e}"),
            Skip::Binary => write!(f, "it is not a text file (it holds NUL bytes)"),
            Skip::TooLarge(n) => write!(f, "it is too large to analyse ({n} bytes)"),
        }
    }
}

/// Reads a file as text: binary and oversized files are skipped with a
/// reason; invalid UTF-8 is replaced, never fatal.
pub fn read_text(fs: &dyn FileSystem, path: &Path, max: usize) -> Result<Arc<str>, Skip> {
    let bytes = fs.read(path).map_err(|e| Skip::Unreadable(e.to_string()))?;
    if bytes.len() > max {
        return Err(Skip::TooLarge(bytes.len()));
    }
    if bytes.contains(&0) {
        return Err(Skip::Binary);
    }
    Ok(Arc::from(String::from_utf8_lossy(&bytes).as_ref()))
}

/// The disk, limited to some roots.
pub struct OsFs {
    roots: Vec<PathBuf>,
    /// (real root, the root as given), longest real root first
    spellings: Vec<(PathBuf, PathBuf)>,
    /// folders a walk could not list, with the error
    unreadable: std::sync::Mutex<Vec<(PathBuf, String)>>,
    /// directory → its canonical path (or `None`: it does not exist)
    dirs: std::sync::Mutex<std::collections::HashMap<PathBuf, Option<PathBuf>>>,
}

impl OsFs {
    /// Roots are canonicalised; a root that does not exist is dropped.
    pub fn new(roots: &[PathBuf]) -> OsFs {
        let mut spellings: Vec<(PathBuf, PathBuf)> = roots
            .iter()
            .filter_map(|r| {
                let given = if r.is_absolute() {
                    r.clone()
                } else {
                    std::env::current_dir().ok()?.join(r)
                };
                let real = r.canonicalize().ok()?;
                // a file root: its folder is the spelling that counts
                if real.is_file() {
                    Some((real.parent()?.to_path_buf(), given.parent()?.to_path_buf()))
                } else {
                    Some((real, given))
                }
            })
            .collect();
        spellings.sort_by_key(|(real, _)| std::cmp::Reverse(real.as_os_str().len()));
        OsFs {
            roots: roots.iter().filter_map(|r| r.canonicalize().ok()).collect(),
            spellings,
            unreadable: Default::default(),
            dirs: Default::default(),
        }
    }

    fn canonical_dir(&self, dir: &Path) -> Option<PathBuf> {
        self.canonical_dir_at(dir, 0)
    }

    /// The real path of a folder. Below a root it is resolved one component
    /// at a time, so that a link whose target is named outside the roots is
    /// not followed (its target is returned as named, for the caller to
    /// refuse): nothing outside is looked at, not even its metadata.
    fn canonical_dir_at(&self, dir: &Path, depth: usize) -> Option<PathBuf> {
        if let Some(hit) = self.dirs.lock().ok()?.get(dir) {
            return hit.clone();
        }
        let below_root = self
            .roots
            .iter()
            .any(|r| dir.starts_with(r) && dir != r.as_path());
        let real = match (below_root, dir.parent(), dir.file_name()) {
            (true, Some(parent), Some(name)) if depth < 40 => {
                let parent = self.canonical_dir_at(parent, depth + 1)?;
                let inside = self.roots.iter().any(|r| parent.starts_with(r));
                let candidate = parent.join(name);
                if !inside {
                    Some(candidate)
                } else {
                    match std::fs::symlink_metadata(&candidate) {
                        Ok(m) if m.file_type().is_symlink() => {
                            let target = std::fs::read_link(&candidate).ok();
                            match target.map(|t| super::paths::normalize(&parent.join(t))) {
                                Some(t) if self.roots.iter().any(|r| t.starts_with(r)) => {
                                    self.canonical_dir_at(&t, depth + 1)
                                }
                                other => other,
                            }
                        }
                        Ok(_) => Some(candidate),
                        Err(_) => None,
                    }
                }
            }
            _ => dir.canonicalize().ok(),
        };
        self.dirs
            .lock()
            .ok()?
            .insert(dir.to_path_buf(), real.clone());
        real
    }

    /// Whether `path`, read as written (`..` applied), lies below a root as
    /// given or as resolved. Checked before the disk is touched; the real
    /// path is checked again after symlinks are resolved.
    fn lexically_inside(&self, path: &Path) -> bool {
        let normal;
        let path = if path.components().any(|c| {
            matches!(
                c,
                std::path::Component::ParentDir | std::path::Component::CurDir
            )
        }) {
            normal = super::paths::normalize(path);
            &normal
        } else {
            path
        };
        self.roots.iter().any(|r| path.starts_with(r))
            || self
                .spellings
                .iter()
                .any(|(_, given)| path.starts_with(given))
    }

    /// The real path of `path` when it lies inside a root. Directories are
    /// resolved once and cached; a file that is itself a symlink is
    /// resolved in full.
    fn inside(&self, path: &Path) -> Option<PathBuf> {
        // nothing outside the roots is probed, not even for existence
        if !self.lexically_inside(path) {
            return None;
        }
        let within = |p: &Path| self.roots.iter().any(|r| p.starts_with(r));
        let real = match (path.parent(), path.file_name()) {
            (Some(dir), Some(name)) if !dir.as_os_str().is_empty() => {
                // The folder's real place first: a folder that is a link out
                // of the roots ends the probe before anything in it is
                // looked at.
                let dir = self.canonical_dir(dir)?;
                let candidate = dir.join(name);
                // (a root's own parent is outside; the root is not)
                if !within(&dir) && !within(&candidate) {
                    return None;
                }
                let meta = std::fs::symlink_metadata(&candidate).ok()?;
                if meta.file_type().is_symlink() {
                    // a link whose target is named outside is not followed
                    let target = std::fs::read_link(&candidate).ok()?;
                    if !within(&super::paths::normalize(&dir.join(target))) {
                        return None;
                    }
                    candidate.canonicalize().ok()?
                } else {
                    candidate
                }
            }
            _ => path.canonicalize().ok()?,
        };
        within(&real).then_some(real)
    }
}

impl FileSystem for OsFs {
    fn take_unreadable(&self) -> Vec<(PathBuf, String)> {
        std::mem::take(&mut *self.unreadable.lock().unwrap_or_else(|e| e.into_inner()))
    }
    fn canonical(&self, path: &Path) -> PathBuf {
        let Some(real) = self.inside(path) else {
            return path.to_path_buf();
        };
        for (root, given) in &self.spellings {
            if let Ok(rest) = real.strip_prefix(root) {
                return given.join(rest);
            }
        }
        real
    }
    fn is_ignored(&self, path: &Path) -> bool {
        let Some(root) = self.roots.iter().find(|r| path.starts_with(r)) else {
            return false;
        };
        // every .gitignore from the root down to the file's folder
        let mut b = ignore::gitignore::GitignoreBuilder::new(root);
        b.add(root.join(".gitignore"));
        let mut dir = root.to_path_buf();
        let rel = path.strip_prefix(root).unwrap_or(path);
        for c in rel.parent().into_iter().flat_map(|p| p.components()) {
            dir.push(c);
            b.add(dir.join(".gitignore"));
        }
        b.build()
            .map(|g| g.matched_path_or_any_parents(path, false).is_ignore())
            .unwrap_or(false)
    }

    fn read(&self, path: &Path) -> io::Result<Arc<[u8]>> {
        let real = self.inside(path).ok_or_else(|| {
            io::Error::new(io::ErrorKind::PermissionDenied, "outside the workspace")
        })?;
        let bytes = std::fs::read(real)?;
        // A UTF-8 byte-order mark on disk is not a character to editors
        // (they hide it) nor to the user reading a column: it is dropped.
        // An editor's own document keeps what the editor sent.
        Ok(match bytes.strip_prefix(b"\xEF\xBB\xBF") {
            Some(rest) => Arc::from(rest),
            None => Arc::from(bytes),
        })
    }
    fn is_file(&self, path: &Path) -> bool {
        self.inside(path).map(|p| p.is_file()).unwrap_or(false)
    }
    fn is_dir(&self, path: &Path) -> bool {
        self.inside(path).map(|p| p.is_dir()).unwrap_or(false)
    }
    fn find_files(&self, root: &Path, pred: &dyn Fn(&str) -> bool) -> Vec<PathBuf> {
        let mut out = Vec::new();
        if root.is_file() {
            if self.inside(root).is_some() {
                out.push(root.to_path_buf());
            }
            return out;
        }
        let walker = walk(root)
            .filter_entry(|e| {
                let n = e.file_name().to_string_lossy();
                !(e.file_type().map(|t| t.is_dir()).unwrap_or(false)
                    && (n == "node_modules" || n == ".wrangler" || n == ".git"))
            })
            .build();
        for entry in walker {
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    if let Some(found) = unreadable_folder(&e) {
                        self.unreadable
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .push(found);
                    }
                    continue;
                }
            };
            if entry.file_type().map(|t| t.is_file()).unwrap_or(false)
                && pred(&entry.file_name().to_string_lossy())
            {
                out.push(entry.into_path());
            }
        }
        out.sort();
        out
    }
}

/// The folder a walk error names, when a folder could not be listed (not
/// for a bad ignore file or a vanished entry).
fn unreadable_folder(e: &ignore::Error) -> Option<(PathBuf, String)> {
    let mut e = e;
    let mut path = None;
    loop {
        match e {
            ignore::Error::WithPath { path: p, err } => {
                path = Some(p.clone());
                e = err;
            }
            ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
                e = err
            }
            ignore::Error::Io(io) if io.kind() == io::ErrorKind::PermissionDenied => {
                return Some((path?, io.to_string()));
            }
            _ => return None,
        }
    }
}

/// A walk below `root` that obeys the `.gitignore` and `.ignore` files
/// inside it and reads none above it. The `ignore` crate reads every
/// parent folder's ignore files whenever git rules are on, even with
/// `parents(false)`; `.gitignore` read as a custom ignore file has the same
/// syntax and is looked for only in the folders walked. Symlinks are not
/// followed; no global git config or `.git/info/exclude` is read.
pub fn walk(root: &Path) -> ignore::WalkBuilder {
    let mut b = ignore::WalkBuilder::new(root);
    b.hidden(false)
        .parents(false)
        .git_ignore(false)
        .git_global(false)
        .git_exclude(false)
        .add_custom_ignore_filename(".gitignore")
        .require_git(false)
        .follow_links(false);
    b
}

/// Files in memory: tests, and the editor's unsaved buffers laid over a
/// base file system.
#[derive(Default)]
pub struct MemFs {
    files: BTreeMap<PathBuf, Arc<[u8]>>,
    base: Option<Arc<dyn FileSystem>>,
}

impl MemFs {
    pub fn new() -> MemFs {
        MemFs::default()
    }
    pub fn over(base: Arc<dyn FileSystem>) -> MemFs {
        MemFs {
            files: BTreeMap::new(),
            base: Some(base),
        }
    }
    pub fn insert(&mut self, path: impl Into<PathBuf>, text: impl AsRef<[u8]>) {
        self.files.insert(path.into(), Arc::from(text.as_ref()));
    }
    pub fn remove(&mut self, path: &Path) {
        self.files.remove(path);
    }
    /// Builds a file system from a multi-file fixture:
    /// `//- /wrangler.toml` lines start each file.
    pub fn from_fixture(root: &Path, fixture: &str) -> MemFs {
        let mut fs = MemFs::new();
        let mut current: Option<(PathBuf, String)> = None;
        for line in fixture.split_inclusive('\n') {
            if let Some(name) = line.trim_end().strip_prefix("//- /") {
                if let Some((p, t)) = current.take() {
                    fs.insert(p, t);
                }
                current = Some((root.join(name.trim()), String::new()));
            } else if let Some((_, t)) = current.as_mut() {
                t.push_str(line);
            }
        }
        if let Some((p, t)) = current {
            fs.insert(p, t);
        }
        fs
    }
}

impl FileSystem for MemFs {
    fn read(&self, path: &Path) -> io::Result<Arc<[u8]>> {
        match self.files.get(path) {
            Some(b) => Ok(b.clone()),
            None => match &self.base {
                Some(b) => b.read(path),
                None => Err(io::Error::new(io::ErrorKind::NotFound, "no such file")),
            },
        }
    }
    fn is_file(&self, path: &Path) -> bool {
        self.files.contains_key(path) || self.base.as_ref().is_some_and(|b| b.is_file(path))
    }
    fn canonical(&self, path: &Path) -> PathBuf {
        match &self.base {
            Some(b) if !self.files.contains_key(path) => b.canonical(path),
            _ => path.to_path_buf(),
        }
    }
    fn take_unreadable(&self) -> Vec<(PathBuf, String)> {
        self.base
            .as_ref()
            .map(|b| b.take_unreadable())
            .unwrap_or_default()
    }
    fn is_dir(&self, path: &Path) -> bool {
        self.files.keys().any(|k| k.starts_with(path) && k != path)
            || self.base.as_ref().is_some_and(|b| b.is_dir(path))
    }
    fn find_files(&self, root: &Path, pred: &dyn Fn(&str) -> bool) -> Vec<PathBuf> {
        let mut out: Vec<PathBuf> = self
            .base
            .as_ref()
            .map(|b| b.find_files(root, pred))
            .unwrap_or_default();
        for k in self.files.keys() {
            let skip = k
                .components()
                .any(|c| matches!(c.as_os_str().to_str(), Some("node_modules" | ".wrangler")));
            if (k.starts_with(root) || k == root)
                && !skip
                && k.file_name().and_then(|n| n.to_str()).is_some_and(pred)
                && !out.contains(k)
            {
                out.push(k.clone());
            }
        }
        out.sort();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gitignored_paths() {
        let dir = std::env::temp_dir().join(format!("durable-lsp-gi-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("app")).unwrap();
        std::fs::write(dir.join(".gitignore"), "dist/\n").unwrap();
        std::fs::write(dir.join("app/.gitignore"), "worker/\n").unwrap();
        let fs = OsFs::new(std::slice::from_ref(&dir));
        let root = dir.canonicalize().unwrap();
        assert!(fs.is_ignored(&root.join("dist/index.js")));
        assert!(fs.is_ignored(&root.join("app/worker/index.js")));
        assert!(!fs.is_ignored(&root.join("app/src/index.ts")));
        std::fs::remove_dir_all(&dir).ok();
    }

    /// Paths outside the roots are refused before the disk is touched: no
    /// folder outside is even resolved (every resolution is cached, so the
    /// cache shows them). A symlink inside that leads out is refused too.
    #[cfg(unix)]
    #[test]
    fn nothing_outside_the_roots_is_probed() {
        let dir = std::env::temp_dir().join(format!("durable-lsp-out-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("w/src")).unwrap();
        std::fs::write(dir.join("secret.ts"), "export const s = 1;\n").unwrap();
        std::fs::write(dir.join("w/src/a.ts"), "export const a = 1;\n").unwrap();
        let _ = std::fs::remove_file(dir.join("w/src/out"));
        std::os::unix::fs::symlink(dir.join("secret.ts"), dir.join("w/src/out")).unwrap();
        let root = dir.join("w");
        let fs = OsFs::new(std::slice::from_ref(&root));
        for p in [
            PathBuf::from("/etc/passwd"),
            PathBuf::from("/etc/passwd.ts"),
            dir.join("secret.ts"),
            dir.join("package.json"),
            root.join("src/../../secret.ts"),
            PathBuf::from("/tsconfig.json"),
        ] {
            assert!(!fs.is_file(&p), "{}", p.display());
            assert!(fs.read(&p).is_err(), "{}", p.display());
        }
        assert!(fs.read(&root.join("src/out")).is_err(), "a symlink out");
        assert!(fs.is_file(&root.join("src/a.ts")));
        let probed: Vec<PathBuf> = fs.dirs.lock().unwrap().keys().cloned().collect();
        assert!(
            probed.iter().all(|d| d.starts_with(&root)),
            "folders outside were resolved: {probed:?}"
        );
        std::fs::remove_dir_all(&dir).ok();
    }
}

/// What an analysis read through a [`FileSystem`]: files read, paths probed
/// (that existed or not), folders listed. A change to any of them can change
/// the result.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReadSet {
    pub files: std::collections::BTreeSet<PathBuf>,
    pub probed: std::collections::BTreeSet<PathBuf>,
    pub listed: std::collections::BTreeSet<PathBuf>,
}

impl ReadSet {
    /// Whether creating, changing or deleting `path` can change what was read.
    pub fn touches(&self, path: &Path) -> bool {
        self.files.contains(path)
            || self.probed.contains(path)
            || self.listed.iter().any(|d| path.starts_with(d))
    }
    pub fn is_empty(&self) -> bool {
        self.files.is_empty() && self.probed.is_empty() && self.listed.is_empty()
    }
}

/// A [`FileSystem`] that records every access into a [`ReadSet`].
pub struct Recording<'a> {
    inner: &'a dyn FileSystem,
    set: std::sync::Mutex<ReadSet>,
}

impl<'a> Recording<'a> {
    pub fn new(inner: &'a dyn FileSystem) -> Self {
        Recording {
            inner,
            set: Default::default(),
        }
    }
    pub fn into_reads(self) -> ReadSet {
        self.set.into_inner().unwrap_or_else(|e| e.into_inner())
    }
    fn note(&self, f: impl FnOnce(&mut ReadSet)) {
        f(&mut self.set.lock().unwrap_or_else(|e| e.into_inner()));
    }
}

impl FileSystem for Recording<'_> {
    fn max_source_bytes(&self) -> usize {
        self.inner.max_source_bytes()
    }
    fn read(&self, path: &Path) -> io::Result<Arc<[u8]>> {
        self.note(|s| {
            s.files.insert(path.to_path_buf());
        });
        self.inner.read(path)
    }
    fn is_file(&self, path: &Path) -> bool {
        self.note(|s| {
            s.probed.insert(path.to_path_buf());
        });
        self.inner.is_file(path)
    }
    fn is_dir(&self, path: &Path) -> bool {
        self.note(|s| {
            s.probed.insert(path.to_path_buf());
        });
        self.inner.is_dir(path)
    }
    fn find_files(&self, root: &Path, pred: &dyn Fn(&str) -> bool) -> Vec<PathBuf> {
        self.note(|s| {
            s.listed.insert(root.to_path_buf());
        });
        self.inner.find_files(root, pred)
    }
    fn is_ignored(&self, path: &Path) -> bool {
        self.inner.is_ignored(path)
    }
    fn canonical(&self, path: &Path) -> PathBuf {
        self.inner.canonical(path)
    }
    fn take_unreadable(&self) -> Vec<(PathBuf, String)> {
        self.inner.take_unreadable()
    }
}

/// A [`FileSystem`] whose reads fail once `cancelled` is set: an analysis
/// that a newer change made useless stops reading and parsing at once, and
/// its result is thrown away.
pub struct Cancellable {
    inner: Arc<dyn FileSystem>,
    cancelled: Arc<std::sync::atomic::AtomicBool>,
    max_source: Option<usize>,
}

impl Cancellable {
    pub fn new(inner: Arc<dyn FileSystem>, cancelled: Arc<std::sync::atomic::AtomicBool>) -> Self {
        Cancellable {
            inner,
            cancelled,
            max_source: None,
        }
    }
    /// This view with its own source size limit (see
    /// [`FileSystem::max_source_bytes`]).
    pub fn with_max_source(mut self, bytes: usize) -> Self {
        self.max_source = Some(bytes);
        self
    }
    fn is_cancelled(&self) -> bool {
        self.cancelled.load(std::sync::atomic::Ordering::Relaxed)
    }
}

impl FileSystem for Cancellable {
    fn read(&self, path: &Path) -> io::Result<Arc<[u8]>> {
        if self.is_cancelled() {
            return Err(io::Error::new(
                io::ErrorKind::Interrupted,
                "the analysis was cancelled",
            ));
        }
        self.inner.read(path)
    }
    fn is_file(&self, path: &Path) -> bool {
        !self.is_cancelled() && self.inner.is_file(path)
    }
    fn is_dir(&self, path: &Path) -> bool {
        !self.is_cancelled() && self.inner.is_dir(path)
    }
    fn find_files(&self, root: &Path, pred: &dyn Fn(&str) -> bool) -> Vec<PathBuf> {
        if self.is_cancelled() {
            return Vec::new();
        }
        self.inner.find_files(root, pred)
    }
    fn max_source_bytes(&self) -> usize {
        self.max_source
            .unwrap_or_else(|| self.inner.max_source_bytes())
    }
    fn is_ignored(&self, path: &Path) -> bool {
        self.inner.is_ignored(path)
    }
    fn canonical(&self, path: &Path) -> PathBuf {
        self.inner.canonical(path)
    }
    fn take_unreadable(&self) -> Vec<(PathBuf, String)> {
        self.inner.take_unreadable()
    }
}
