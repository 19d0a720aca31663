//! Paths and package names as text, without touching the disk: the leaf
//! that every other module of `project` may use.

use std::path::{Component, Path, PathBuf};

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
