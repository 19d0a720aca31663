//! `--check --fix`: applies every fix marked safe, then checks again, until
//! no safe fix is left (a fix can make another finding, or change where the
//! next one goes: two classes' migrations are one at a time).
//!
//! Fixes that guess (the closest name) and suppressions are never applied
//! unattended. Only files the workspace read are written, and only when
//! the file on disk still holds the text the fix was computed for.

use super::analyse_against;
use crate::rules::{Diagnostic, Edit};
use crate::text::Span;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Rounds before `--fix` stops: each round applies what it can without
/// overlaps; a workspace that still has safe fixes after this many is
/// reported as it is.
const MAX_ROUNDS: usize = 10;

/// The safe fixes of `diags`, as edits per file: identical edits once, and
/// a fix dropped whole when one of its edits overlaps an edit taken.
/// What one round applies: the edits by file, and each finding whose fix
/// was taken with the fix's title.
pub struct Plan<'d> {
    pub edits: BTreeMap<PathBuf, Vec<Edit>>,
    pub taken: Vec<(&'d Diagnostic, String)>,
}

/// This round's [`Plan`] for `diags`.
pub fn plan(diags: &[Diagnostic]) -> Plan<'_> {
    let mut edits: BTreeMap<PathBuf, Vec<Edit>> = BTreeMap::new();
    let mut titles: Vec<(&Diagnostic, String)> = Vec::new();
    for d in diags {
        for f in d.fixes.iter().filter(|f| f.safe) {
            let clash = f.edits.iter().any(|e| {
                edits
                    .get(&e.file)
                    .is_some_and(|taken| taken.iter().any(|t| t != e && overlaps(t.span, e.span)))
            });
            if clash || f.edits.is_empty() {
                continue;
            }
            let mut new = false;
            for e in &f.edits {
                let list = edits.entry(e.file.clone()).or_default();
                if !list.contains(e) {
                    list.push(e.clone());
                    new = true;
                }
            }
            if new {
                titles.push((d, f.title.clone()));
            }
        }
    }
    Plan {
        edits,
        taken: titles,
    }
}

/// Two spans overlap, or are insertions at the same place (whose order
/// would be a guess).
fn overlaps(a: Span, b: Span) -> bool {
    a.start < b.end && b.start < a.end || a.start == b.start
}

/// Applies `edits` (disjoint) to `text`.
pub fn apply(text: &str, edits: &[Edit]) -> Option<String> {
    let mut sorted: Vec<&Edit> = edits.iter().collect();
    sorted.sort_by_key(|e| std::cmp::Reverse((e.span.start, e.span.end)));
    let mut out = text.to_string();
    for e in sorted {
        if e.span.end > out.len()
            || !out.is_char_boundary(e.span.start)
            || !out.is_char_boundary(e.span.end)
        {
            return None;
        }
        out.replace_range(e.span.start..e.span.end, &e.text);
    }
    Some(out)
}

/// Fixes the workspace under `paths` in rounds; prints each fix applied
/// (to stderr: stdout carries the report).
pub fn run(paths: &[PathBuf], base: Option<&str>) -> Result<(), String> {
    let roots: Vec<PathBuf> = paths.iter().filter_map(|p| p.canonicalize().ok()).collect();
    let mut applied = 0usize;
    for _ in 0..MAX_ROUNDS {
        let checked = analyse_against(paths, base)?;
        let Plan {
            edits,
            taken: titles,
        } = plan(&checked.report.diagnostics);
        if edits.is_empty() {
            break;
        }
        let mut wrote = false;
        for (file, list) in &edits {
            let Some((text, _)) = checked.text(file) else {
                continue;
            };
            if !within(&roots, file) {
                continue;
            }
            // The fix was computed for the text the workspace read.
            let on_disk = std::fs::read(file).map_err(|e| format!("{}: {e}", file.display()))?;
            if on_disk != text.as_bytes() {
                eprintln!(
                    "skipped {}: it changed since it was read",
                    checked.display_path(file)
                );
                continue;
            }
            let Some(new) = apply(text, list) else {
                continue;
            };
            std::fs::write(file, new).map_err(|e| format!("{}: {e}", file.display()))?;
            wrote = true;
        }
        if !wrote {
            break;
        }
        for (d, title) in titles {
            let at = checked.position(&d.file, d.span.start);
            eprintln!(
                "fixed {} at {}:{}:{}: {title}",
                d.code,
                checked.display_path(&d.file),
                at.line + 1,
                at.column + 1
            );
            applied += 1;
        }
    }
    if applied > 0 {
        eprintln!(
            "Applied {applied} fix{}.",
            if applied == 1 { "" } else { "es" }
        );
    }
    Ok(())
}

fn within(roots: &[PathBuf], file: &Path) -> bool {
    let in_root = roots.iter().any(|r| {
        let dir = if r.is_file() {
            r.parent().unwrap_or(r)
        } else {
            r.as_path()
        };
        file.starts_with(dir)
    });
    in_root && !file.components().any(|c| c.as_os_str() == "node_modules")
}
