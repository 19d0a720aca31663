//! Module specifiers to files, as the bundler would resolve them.

use super::fs::FileSystem;
use std::path::{Component, Path, PathBuf};

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

const EXTENSIONS: &[&str] = &["ts", "tsx", "mts", "cts", "js", "jsx", "mjs", "cjs"];

/// Normalises `a/./b/../c` without touching the disk.
pub fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

pub fn package_name(spec: &str) -> String {
    let mut parts = spec.split('/');
    match parts.next() {
        Some(scope) if scope.starts_with('@') => match parts.next() {
            Some(n) => format!("{scope}/{n}"),
            None => scope.to_string(),
        },
        Some(n) => n.to_string(),
        None => spec.to_string(),
    }
}

pub fn resolve(fs: &dyn FileSystem, from_file: &Path, spec: &str) -> Resolved {
    if spec.starts_with("./") || spec.starts_with("../") || spec == "." || spec == ".." {
        let dir = from_file.parent().unwrap_or(Path::new(""));
        let base = normalize(&dir.join(spec));
        return match probe(fs, &base) {
            Some(p) => Resolved::File(p),
            None => Resolved::NotFound(base),
        };
    }
    if spec.starts_with('/') {
        let base = normalize(Path::new(spec));
        return match probe(fs, &base) {
            Some(p) => Resolved::File(p),
            None => Resolved::NotFound(base),
        };
    }
    if let Some((scheme, _)) = spec.split_once(':') {
        if matches!(scheme, "cloudflare" | "node" | "workerd") {
            return Resolved::Builtin(spec.to_string());
        }
    }
    Resolved::Package(package_name(spec))
}

/// Tries a path as written, with TypeScript's `.js` → `.ts` mapping, with
/// each extension, and as a directory index.
pub fn probe(fs: &dyn FileSystem, base: &Path) -> Option<PathBuf> {
    let has_source_ext = base
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| EXTENSIONS.contains(&e));
    if has_source_ext && fs.is_file(base) {
        return Some(base.to_path_buf());
    }
    if let Some(ext) = base.extension().and_then(|e| e.to_str()) {
        let alts: &[&str] = match ext {
            "js" => &["ts", "tsx"],
            "jsx" => &["tsx"],
            "mjs" => &["mts"],
            "cjs" => &["cts"],
            _ => &[],
        };
        for alt in alts {
            let p = base.with_extension(alt);
            if fs.is_file(&p) {
                return Some(p);
            }
        }
    }
    for ext in EXTENSIONS {
        let mut s = base.as_os_str().to_owned();
        s.push(".");
        s.push(ext);
        let p = PathBuf::from(s);
        if fs.is_file(&p) {
            return Some(p);
        }
    }
    for ext in ["ts", "tsx", "js", "mjs", "jsx"] {
        let p = base.join(format!("index.{ext}"));
        if fs.is_file(&p) {
            return Some(p);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::project::fs::MemFs;

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
        let from = Path::new("/p/src/index.ts");
        assert_eq!(
            resolve(&fs, from, "./a"),
            Resolved::File("/p/src/a.ts".into())
        );
        assert_eq!(
            resolve(&fs, from, "./a.js"),
            Resolved::File("/p/src/a.ts".into())
        );
        assert_eq!(
            resolve(&fs, from, "./b"),
            Resolved::File("/p/src/b/index.ts".into())
        );
        assert_eq!(
            resolve(&fs, from, "./c.js"),
            Resolved::File("/p/src/c.tsx".into())
        );
        assert_eq!(
            resolve(&fs, from, "./d.mjs"),
            Resolved::File("/p/src/d.mjs".into())
        );
        assert_eq!(
            resolve(&fs, from, "../src/./a"),
            Resolved::File("/p/src/a.ts".into())
        );
        assert!(matches!(
            resolve(&fs, from, "./nope"),
            Resolved::NotFound(_)
        ));
        assert_eq!(
            resolve(&fs, from, "cloudflare:workers"),
            Resolved::Builtin("cloudflare:workers".into())
        );
        assert_eq!(
            resolve(&fs, from, "@cloudflare/actors/x"),
            Resolved::Package("@cloudflare/actors".into())
        );
    }
}
