//! `durable-lsp --check`: walk, analyse, report, exit.

pub mod human;
pub mod json;

use crate::project::fs::OsFs;
use crate::project::Workspace;
use crate::rules::{self, Diagnostic, Report, Severity};
use crate::text::{Encoding, LineIndex, Position};
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
}

/// How a run ended, and the process exit code for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Clean,
    Findings,
    Failure,
}

impl Outcome {
    pub fn code(self) -> i32 {
        match self {
            Outcome::Clean => 0,
            Outcome::Findings => 1,
            Outcome::Failure => 2,
        }
    }
}

pub struct CheckOptions {
    pub paths: Vec<PathBuf>,
    pub format: Format,
    pub deny_warnings: bool,
    pub color: bool,
    /// `--base REV`: the git revision that stands for what is deployed.
    pub base: Option<String>,
}

/// A workspace analysed for reporting.
pub struct Checked {
    pub ws: Workspace,
    pub report: Report,
    pub cwd: PathBuf,
}

impl Checked {
    /// The text and line index of a file the diagnostics point into.
    pub fn text(&self, path: &Path) -> Option<(&str, &LineIndex)> {
        if let Some(f) = self.ws.file(path) {
            return Some((&f.text, &f.lines));
        }
        self.ws
            .workers
            .iter()
            .find(|w| w.config.path == path)
            .map(|w| (&*w.text, &w.lines))
    }

    /// 0-based line and Unicode-character column of a byte offset.
    pub fn position(&self, path: &Path, offset: usize) -> Position {
        match self.text(path) {
            Some((t, idx)) => idx.position(t, offset, Encoding::Utf32),
            None => Position { line: 0, column: 0 },
        }
    }

    /// A path as shown to the user: relative to the current directory, `/`.
    pub fn display_path(&self, p: &Path) -> String {
        display_path(&self.cwd, p)
    }

    pub fn count(&self, s: Severity) -> usize {
        self.report
            .diagnostics
            .iter()
            .filter(|d| d.severity == s)
            .count()
    }

    pub fn files(&self) -> usize {
        self.ws.workers.len() + self.ws.files.len()
    }
}

pub fn display_path(cwd: &Path, p: &Path) -> String {
    let rel = p.strip_prefix(cwd).unwrap_or(p);
    let s = rel.to_string_lossy().replace('\\', "/");
    if s.is_empty() {
        ".".into()
    } else {
        s
    }
}

/// Analyses the given paths from the disk.
pub fn analyse(paths: &[PathBuf]) -> Result<Checked, String> {
    analyse_against(paths, None)
}

/// [`analyse`], with each Worker's config at the git revision `base`.
pub fn analyse_against(paths: &[PathBuf], base: Option<&str>) -> Result<Checked, String> {
    let cwd =
        std::env::current_dir().map_err(|e| format!("cannot read the current directory: {e}"))?;
    let mut roots = Vec::new();
    for p in paths {
        let abs = if p.is_absolute() {
            p.clone()
        } else {
            cwd.join(p)
        };
        let abs = abs
            .canonicalize()
            .map_err(|e| format!("{}: {e}", p.display()))?;
        // a root that cannot be read would be checked as empty: say so
        let readable = if abs.is_dir() {
            std::fs::read_dir(&abs).map(drop)
        } else {
            std::fs::File::open(&abs).map(drop)
        };
        readable.map_err(|e| format!("cannot read {}: {e}", p.display()))?;
        roots.push(abs);
    }
    // Paths inside the workspace are shown relative to the real cwd.
    let cwd = cwd.canonicalize().unwrap_or(cwd);
    // A config given as a file is checked alone, but its Worker reads the
    // files beside it: the folder is what may be read.
    let readable: Vec<PathBuf> = roots
        .iter()
        .map(|r| match r.parent() {
            Some(dir) if r.is_file() => dir.to_path_buf(),
            _ => r.clone(),
        })
        .collect();
    // the revision is resolved before anything is analysed: a wrong one
    // is a usage error, not a clean run
    let history = match base {
        Some(rev) => Some(crate::history::History::open(
            readable.first().map(PathBuf::as_path).unwrap_or(&cwd),
            rev,
        )?),
        None => None,
    };
    let fs = OsFs::new(&readable);
    let mut ws = Workspace::load(&fs, &roots);
    if let Some(h) = &history {
        h.attach(&mut ws);
    }
    let report = rules::check(&ws, &fs);
    Ok(Checked { ws, report, cwd })
}

pub fn run_check(opts: &CheckOptions) -> Outcome {
    let checked = match analyse_against(&opts.paths, opts.base.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return Outcome::Failure;
        }
    };
    let out = std::io::stdout();
    let mut out = out.lock();
    let res = match opts.format {
        Format::Human => human::write(&mut out, &checked, opts.color),
        Format::Json => json::write(&mut out, &checked),
    };
    if let Err(e) = res.and_then(|_| out.flush()) {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("error: cannot write the report: {e}");
            return Outcome::Failure;
        }
    }
    let errors = checked.count(Severity::Error);
    let warnings = checked.count(Severity::Warning);
    if errors > 0 || (opts.deny_warnings && warnings > 0) {
        Outcome::Findings
    } else {
        Outcome::Clean
    }
}

/// `--explain CODE`: the rule's page.
pub fn explain(code: &str) -> Outcome {
    match rules::rule(code) {
        Some(r) => {
            println!("{}", r.doc.trim_end());
            Outcome::Clean
        }
        None => {
            eprintln!(
                "error: no rule has the code `{code}`; the codes are {}",
                rules::RULES
                    .iter()
                    .map(|r| r.code.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            Outcome::Failure
        }
    }
}

pub fn sorted(diags: &[Diagnostic]) -> Vec<&Diagnostic> {
    let mut v: Vec<&Diagnostic> = diags.iter().collect();
    v.sort_by(|a, b| (&a.file, a.span.start, a.code).cmp(&(&b.file, b.span.start, b.code)));
    v
}
