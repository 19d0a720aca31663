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
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    Ok(Arc::from(String::from_utf8_lossy(bytes).as_ref()))
}

/// The disk, limited to some roots.
pub struct OsFs {
    roots: Vec<PathBuf>,
    /// directory → its canonical path (or `None`: it does not exist)
    dirs: std::sync::Mutex<std::collections::HashMap<PathBuf, Option<PathBuf>>>,
}

impl OsFs {
    /// Roots are canonicalised; a root that does not exist is dropped.
    pub fn new(roots: &[PathBuf]) -> OsFs {
        OsFs {
            roots: roots.iter().filter_map(|r| r.canonicalize().ok()).collect(),
            dirs: Default::default(),
        }
    }

    fn canonical_dir(&self, dir: &Path) -> Option<PathBuf> {
        if let Some(hit) = self.dirs.lock().ok()?.get(dir) {
            return hit.clone();
        }
        let real = dir.canonicalize().ok();
        self.dirs
            .lock()
            .ok()?
            .insert(dir.to_path_buf(), real.clone());
        real
    }

    /// The real path of `path` when it lies inside a root. Directories are
    /// resolved once and cached; a file that is itself a symlink is
    /// resolved in full.
    fn inside(&self, path: &Path) -> Option<PathBuf> {
        let real = match (path.parent(), path.file_name()) {
            (Some(dir), Some(name)) if !dir.as_os_str().is_empty() => {
                let candidate = self.canonical_dir(dir)?.join(name);
                let meta = std::fs::symlink_metadata(&candidate).ok()?;
                if meta.file_type().is_symlink() {
                    candidate.canonicalize().ok()?
                } else {
                    candidate
                }
            }
            _ => path.canonicalize().ok()?,
        };
        self.roots
            .iter()
            .any(|r| real.starts_with(r))
            .then_some(real)
    }
}

impl FileSystem for OsFs {
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
        Ok(Arc::from(std::fs::read(real)?))
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
        let walker = ignore::WalkBuilder::new(root)
            .hidden(false)
            // only the .gitignore files inside the roots: nothing above
            // them is read
            .parents(false)
            .git_ignore(true)
            .git_global(false)
            .git_exclude(false)
            .require_git(false)
            .follow_links(false)
            .filter_entry(|e| {
                let n = e.file_name().to_string_lossy();
                !(e.file_type().map(|t| t.is_dir()).unwrap_or(false)
                    && (n == "node_modules" || n == ".wrangler" || n == ".git"))
            })
            .build();
        for entry in walker.flatten() {
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
}

/// A [`FileSystem`] whose reads fail once `cancelled` is set: an analysis
/// that a newer change made useless stops reading and parsing at once, and
/// its result is thrown away.
pub struct Cancellable {
    inner: Arc<dyn FileSystem>,
    cancelled: Arc<std::sync::atomic::AtomicBool>,
}

impl Cancellable {
    pub fn new(inner: Arc<dyn FileSystem>, cancelled: Arc<std::sync::atomic::AtomicBool>) -> Self {
        Cancellable { inner, cancelled }
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
    fn is_ignored(&self, path: &Path) -> bool {
        self.inner.is_ignored(path)
    }
}
