//! Inline multi-file fixtures with their expected findings marked under
//! the text they cover:
//!
//! ```text
//! //- /wrangler.toml
//! name = "w"
//! //- /src/index.ts
//! setTimeout(f, 1);
//! // ^^^^^^^^^^^^^^^ DO202
//! ```
//!
//! A marker line (`//` or `#`, carets, a code, optionally a severity) names
//! a finding on the closest line above it that is not a marker, starting at
//! the first caret's column and as long as the carets. Marker lines are
//! removed before the project is loaded. Findings of the codes the fixture
//! marks, and of every source rule, must match the markers exactly.

use durable_lsp::project::fs::MemFs;
use durable_lsp::project::Workspace;
use durable_lsp::rules::{self, diagnostic::Diagnostic};
use durable_lsp::settings::Settings;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Mark {
    pub file: String,
    /// 0-based line in the file without markers.
    pub line: usize,
    pub col: usize,
    pub len: usize,
    pub code: String,
    pub severity: Option<String>,
}

/// A marker line's (column, length, code, severity).
fn marker(line: &str) -> Option<(usize, usize, String, Option<String>)> {
    let t = line.trim_start();
    let rest = t.strip_prefix("//").or_else(|| t.strip_prefix('#'))?;
    let rest_trim = rest.trim_start();
    if !rest_trim.starts_with('^') {
        return None;
    }
    let col = line.find('^')?;
    let carets = rest_trim.chars().take_while(|c| *c == '^').count();
    let mut words = rest_trim[carets..].split_whitespace();
    let code = words.next()?;
    if !(code.len() == 5 && code.starts_with("DO")) {
        return None;
    }
    Some((
        col,
        carets,
        code.to_string(),
        words.next().map(str::to_string),
    ))
}

/// The fixture without its marker lines, and the marks.
pub fn parse(fixture: &str) -> (String, Vec<Mark>) {
    let mut out = String::new();
    let mut marks = Vec::new();
    let mut file = String::new();
    let mut line_in_file = 0usize;
    for line in fixture.split_inclusive('\n') {
        if let Some(name) = line.trim_end().strip_prefix("//- ") {
            file = name.trim().trim_start_matches('/').to_string();
            line_in_file = 0;
            out.push_str(line);
            continue;
        }
        if let Some((col, len, code, severity)) = marker(line) {
            marks.push(Mark {
                file: file.clone(),
                line: line_in_file.saturating_sub(1),
                col,
                len,
                code,
                severity,
            });
            continue;
        }
        out.push_str(line);
        line_in_file += 1;
    }
    (out, marks)
}

/// Source rules: always compared, marked or not.
pub fn is_source_rule(code: &str) -> bool {
    code == "DO122"
        || code
            .as_bytes()
            .get(2)
            .is_some_and(|d| (b'2'..=b'6').contains(d))
}

/// Loads the fixture under `/t` and checks it against its marks.
pub fn check(fixture: &str) {
    let (text, marks) = parse(fixture);
    let root = Path::new("/t");
    let fs = MemFs::from_fixture(root, &text);
    let ws = Workspace::load(&fs, &[PathBuf::from(root)]);
    let report = rules::check_with(&ws, &fs, &Settings::default());
    let marked: BTreeSet<&str> = marks.iter().map(|m| m.code.as_str()).collect();
    let got: Vec<Mark> = report
        .diagnostics
        .iter()
        .filter(|d| marked.contains(d.code.as_str()) || is_source_rule(d.code.as_str()))
        .map(|d| mark_of(&ws, root, d))
        .collect();
    let mut want = marks.clone();
    want.sort();
    let mut got_cmp: Vec<Mark> = got
        .iter()
        .zip(&marks_severity_mask(&got, &want))
        .map(|(g, keep)| Mark {
            severity: if *keep { g.severity.clone() } else { None },
            ..g.clone()
        })
        .collect();
    got_cmp.sort();
    if got_cmp != want {
        let messages: Vec<String> = report
            .diagnostics
            .iter()
            .map(|d| {
                format!(
                    "{} {} {:?}: {}",
                    d.code,
                    d.severity.as_str(),
                    d.span,
                    d.message
                )
            })
            .collect();
        panic!(
            "findings differ\n want: {want:#?}\n  got: {got_cmp:#?}\n all:\n{}",
            messages.join("\n")
        );
    }
}

/// Severities are compared only where a mark states one.
fn marks_severity_mask(got: &[Mark], want: &[Mark]) -> Vec<bool> {
    got.iter()
        .map(|g| {
            want.iter().any(|w| {
                w.file == g.file
                    && w.line == g.line
                    && w.col == g.col
                    && w.code == g.code
                    && w.severity.is_some()
            })
        })
        .collect()
}

fn mark_of(ws: &Workspace, root: &Path, d: &Diagnostic) -> Mark {
    let rel = d
        .file
        .strip_prefix(root)
        .unwrap_or(&d.file)
        .to_string_lossy()
        .replace('\\', "/");
    let text: String = ws
        .file(&d.file)
        .map(|f| f.text.to_string())
        .or_else(|| {
            ws.workers
                .iter()
                .find(|w| w.config.path == d.file)
                .map(|w| w.text.to_string())
        })
        .unwrap_or_default();
    let before = &text[..d.span.start.min(text.len())];
    let line = before.matches('\n').count();
    let col = before.len() - before.rfind('\n').map_or(0, |i| i + 1);
    let covered = &text[d.span.start.min(text.len())..d.span.end.min(text.len())];
    let len = covered.split('\n').next().unwrap_or("").len();
    Mark {
        file: rel,
        line,
        col,
        len,
        code: d.code.as_str().to_string(),
        severity: Some(d.severity.as_str().to_string()),
    }
}
