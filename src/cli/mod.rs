//! `durable-lsp --check`: walk, analyse, report, exit.

pub mod fix;
pub mod github;
pub mod human;
pub mod json;
pub mod sarif;

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
    Sarif,
    Github,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Human => "human",
            Format::Json => "json",
            Format::Sarif => "sarif",
            Format::Github => "github",
        }
    }
}

/// One report of a run: a format, written to a file or (`None`) to stdout.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Output {
    pub format: Format,
    pub file: Option<PathBuf>,
}

/// `--format` and `--output` as they were given, in command-line order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OutputArg {
    Format(Format),
    File(PathBuf),
}

/// The reports a run writes. Each `--output FILE` binds to the `--format`
/// before it; a format with no `--output` goes to stdout, and at most one
/// may. With no `--format` at all, the report on stdout is `github` under
/// GitHub Actions (`GITHUB_ACTIONS=true`) and `human` elsewhere. An `Err`
/// is a usage error (exit 2).
pub fn plan_outputs(args: &[OutputArg], github_actions: bool) -> Result<Vec<Output>, String> {
    let mut outputs: Vec<Output> = Vec::new();
    for a in args {
        match a {
            OutputArg::Format(f) => outputs.push(Output {
                format: *f,
                file: None,
            }),
            OutputArg::File(path) => match outputs.last_mut() {
                None => {
                    return Err(format!(
                        "`--output {}` follows no `--format`: an output file belongs to the format before it, as in `--format sarif --output {}`",
                        path.display(),
                        path.display()
                    ))
                }
                Some(o) => {
                    if let Some(prev) = &o.file {
                        return Err(format!(
                            "`--format {}` has two output files, {} and {}: give `--format {}` again before the second",
                            o.format.as_str(),
                            prev.display(),
                            path.display(),
                            o.format.as_str()
                        ));
                    }
                    o.file = Some(path.clone());
                }
            },
        }
    }
    if outputs.is_empty() {
        let format = if github_actions {
            Format::Github
        } else {
            Format::Human
        };
        outputs.push(Output { format, file: None });
    }
    let on_stdout: Vec<&str> = outputs
        .iter()
        .filter(|o| o.file.is_none())
        .map(|o| o.format.as_str())
        .collect();
    if on_stdout.len() > 1 {
        return Err(format!(
            "{} formats would share stdout ({}): give all but one an `--output FILE` after its `--format`",
            on_stdout.len(),
            on_stdout.join(", ")
        ));
    }
    Ok(outputs)
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
    /// From [`plan_outputs`]: at most one without a file.
    pub outputs: Vec<Output>,
    pub deny_warnings: bool,
    /// Colour for the human format on stdout (never in files).
    pub color: bool,
    /// `--base REV`: the git revision that stands for what is deployed.
    pub base: Option<String>,
    /// `--no-error-on-empty`: paths with no config under them are a clean
    /// run, not a failure.
    pub allow_empty: bool,
    /// `--fix`: apply the safe fixes before reporting.
    pub fix: bool,
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
        self.position_in(path, offset, Encoding::Utf32)
    }

    /// 0-based line and column of a byte offset, the column counted in
    /// `enc`'s units.
    pub fn position_in(&self, path: &Path, offset: usize, enc: Encoding) -> Position {
        match self.text(path) {
            Some((t, idx)) => idx.position(t, offset, enc),
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

    /// Nothing that configures a Worker was found: no config was analysed,
    /// and none was found and skipped.
    pub fn is_empty(&self) -> bool {
        self.ws.workers.is_empty()
            && !self.ws.skipped.iter().any(|s| {
                s.broken_config
                    || s.path
                        .file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(crate::project::workspace::is_typed_config_name)
            })
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
    if opts.fix {
        if let Err(e) = fix::run(&opts.paths, opts.base.as_deref()) {
            eprintln!("error: {e}");
            return Outcome::Failure;
        }
    }
    let checked = match analyse_against(&opts.paths, opts.base.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return Outcome::Failure;
        }
    };
    if !opts.allow_empty && checked.is_empty() {
        eprintln!("error: {}", empty_message(&opts.paths));
        return Outcome::Failure;
    }
    let mut failed = false;
    for o in &opts.outputs {
        match &o.file {
            None => {
                let out = std::io::stdout();
                let mut out = out.lock();
                let res = write_report(&mut out, &checked, o.format, opts.color);
                if let Err(e) = res.and_then(|_| out.flush()) {
                    if e.kind() != std::io::ErrorKind::BrokenPipe {
                        eprintln!("error: cannot write the report: {e}");
                        failed = true;
                    }
                }
            }
            Some(path) => {
                let res = std::fs::File::create(path).and_then(|f| {
                    let mut w = std::io::BufWriter::new(f);
                    write_report(&mut w, &checked, o.format, false)?;
                    w.flush()
                });
                if let Err(e) = res {
                    eprintln!(
                        "error: cannot write the {} report to {}: {e}",
                        o.format.as_str(),
                        path.display()
                    );
                    failed = true;
                }
            }
        }
    }
    if failed {
        return Outcome::Failure;
    }
    let errors = checked.count(Severity::Error);
    let warnings = checked.count(Severity::Warning);
    // The process ends next: freeing every file's facts one by one would
    // only delay the exit (3% of a DO-dense workspace's run).
    std::mem::forget(checked);
    if errors > 0 || (opts.deny_warnings && warnings > 0) {
        Outcome::Findings
    } else {
        Outcome::Clean
    }
}

/// What `--check` says of paths with no config under them.
pub fn empty_message(paths: &[PathBuf]) -> String {
    let shown: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    format!(
        "no wrangler config (wrangler.toml, wrangler.json, wrangler.jsonc, or a cloudflare.config.ts) was found under {}; check the path, or pass --no-error-on-empty if none is fine",
        shown.join(", ")
    )
}

/// One report in one format.
pub fn write_report(
    out: &mut dyn Write,
    c: &Checked,
    format: Format,
    color: bool,
) -> std::io::Result<()> {
    match format {
        Format::Human => human::write(out, c, color),
        Format::Json => json::write(out, c),
        Format::Sarif => sarif::write(out, c),
        Format::Github => github::write(out, c),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn out(format: Format, file: Option<&str>) -> Output {
        Output {
            format,
            file: file.map(PathBuf::from),
        }
    }

    #[test]
    fn outputs_bind_to_the_format_before_them() {
        use OutputArg::{File, Format as F};
        let args = [
            F(Format::Sarif),
            File("a.sarif".into()),
            F(Format::Github),
            F(Format::Json),
            File("b.json".into()),
        ];
        assert_eq!(
            plan_outputs(&args, false).unwrap(),
            [
                out(Format::Sarif, Some("a.sarif")),
                out(Format::Github, None),
                out(Format::Json, Some("b.json")),
            ]
        );
        // No format: github under GitHub Actions, human elsewhere.
        assert_eq!(
            plan_outputs(&[], true).unwrap(),
            [out(Format::Github, None)]
        );
        assert_eq!(
            plan_outputs(&[], false).unwrap(),
            [out(Format::Human, None)]
        );
        // A format given to a file only: nothing is added for stdout.
        let args = [F(Format::Sarif), File("a.sarif".into())];
        assert_eq!(
            plan_outputs(&args, true).unwrap(),
            [out(Format::Sarif, Some("a.sarif"))]
        );
        // Usage errors.
        assert!(plan_outputs(&[F(Format::Json), F(Format::Human)], false).is_err());
        assert!(plan_outputs(&[File("a".into()), F(Format::Json)], false).is_err());
        assert!(plan_outputs(
            &[F(Format::Json), File("a".into()), File("b".into())],
            false
        )
        .is_err());
    }
}
