//! Hostile projects, shared by `tests/robustness.rs` (regression guards) and
//! `benches/hostile.rs` (the timings): one Worker binding class `A`.
#![allow(dead_code)] // each user takes what it needs

use std::path::{Path, PathBuf};

pub const CONFIG: &str = "name = \"h\"\nmain = \"src/index.ts\"\n[[durable_objects.bindings]]\nname = \"A\"\nclass_name = \"A\"\n[[migrations]]\ntag = \"v1\"\nnew_sqlite_classes = [\"A\"]\n";
pub const CLASS: &str =
    "import { DurableObject } from \"cloudflare:workers\";\nexport class A extends DurableObject {}\n";

/// An entry that exports `A`, then `env.A.getByName("x")` and `depth`
/// unclosed `(` (a half-typed file).
pub fn nesting(depth: usize) -> String {
    format!(
        "{CLASS}export default {{ fetch(r, env) {{ return env.A.getByName(\"x\") {}\n",
        "(".repeat(depth)
    )
}

/// A fresh folder under the temp dir with the Worker's config.
pub fn project(name: &str) -> PathBuf {
    let root =
        std::env::temp_dir().join(format!("durable-lsp-hostile-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(root.join("src")).unwrap();
    std::fs::write(root.join("wrangler.toml"), CONFIG).unwrap();
    root
}

/// Writes into `root/src` a class module and an entry that re-exports it
/// through `links` folder symlinks to `src` itself: 40 links make 40^k
/// paths to one file.
#[cfg(unix)]
pub fn self_links(root: &Path, links: usize) {
    std::fs::write(root.join("src/a.ts"), CLASS).unwrap();
    let mut index = String::from(
        "export * from \"./a\";\nexport default { fetch() { return new Response(); } };\n",
    );
    for i in 0..links {
        std::os::unix::fs::symlink(".", root.join(format!("src/l{i}"))).unwrap();
        index.push_str(&format!(
            "export * from \"./l{i}/index\";\nexport * from \"./l{i}/a\";\n"
        ));
    }
    std::fs::write(root.join("src/index.ts"), index).unwrap();
}
