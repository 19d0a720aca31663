//! Argument dispatch only: the language server is the default; `--check`,
//! `--explain` and `--version` run the same engine headless.

use clap::{CommandFactory, FromArgMatches, Parser};
use durable_lsp::cli::{self, CheckOptions, Format, Outcome, OutputArg};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser, Debug)]
#[command(
    name = "durable-lsp",
    version,
    about = "Language server and CI checker for Cloudflare Durable Objects",
    after_help = "With no arguments (or `lsp`), durable-lsp speaks the Language Server Protocol on stdio."
)]
struct Args {
    /// Check the Workers below PATH… (default: .) and exit: 0 clean, 1 errors, 2 failure
    /// (a usage error, or no config found).
    #[arg(long)]
    check: bool,
    /// Report format for --check (default: github when GITHUB_ACTIONS=true, else human).
    /// May be repeated, each with its own --output; at most one goes to stdout.
    #[arg(long, value_enum, value_name = "FORMAT")]
    format: Vec<FormatArg>,
    /// Write the report of the --format just before it to FILE, e.g.
    /// `--format sarif --output results.sarif`.
    #[arg(long, value_name = "FILE")]
    output: Vec<PathBuf>,
    /// With --check: exit 1 on warnings too.
    #[arg(long)]
    deny_warnings: bool,
    /// With --check: compare each Worker's lifecycle with its config at this
    /// git revision (a branch, tag or commit), the deployed state (DO130–DO133).
    #[arg(long, value_name = "REV")]
    base: Option<String>,
    /// With --check: apply every fix marked safe (export a class, add a
    /// migration or `exports` entry, add an environment's
    /// `durable_objects`, remove an unused suppression), say what changed on
    /// stderr, and report what remains.
    #[arg(long)]
    fix: bool,
    /// With --check: exit 0 when no wrangler config is found under the
    /// paths (by default that is exit 2: a wrong path must not pass).
    #[arg(long)]
    no_error_on_empty: bool,
    /// Source files larger than this many megabytes are not parsed (reported
    /// as DO100). Default: 4.
    #[arg(long, value_name = "MB", value_parser = clap::value_parser!(u64).range(1..=1024))]
    max_source_mb: Option<u64>,
    /// Print the documentation page of a rule, e.g. `--explain DO101`.
    #[arg(long, value_name = "CODE")]
    explain: Option<String>,
    /// Colour for the human format: auto (only on a terminal), always, never.
    #[arg(long, value_enum, default_value = "auto")]
    color: ColorArg,
    /// Log level on stderr: error, warn, info, debug, trace (default: RUST_LOG, else warn).
    #[arg(long, value_name = "LEVEL")]
    log_level: Option<String>,
    /// Speak the protocol on stdio (the default; accepted because clients
    /// such as vscode-languageclient pass it).
    #[arg(long, hide = true)]
    stdio: bool,
    /// Paths to check (with --check), or `lsp`.
    paths: Vec<PathBuf>,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
enum FormatArg {
    Human,
    Json,
    Sarif,
    Github,
}

impl FormatArg {
    fn format(self) -> Format {
        match self {
            FormatArg::Human => Format::Human,
            FormatArg::Json => Format::Json,
            FormatArg::Sarif => Format::Sarif,
            FormatArg::Github => Format::Github,
        }
    }
}

/// `--format` and `--output` in the order they were given, so that each
/// output binds to the format before it.
fn output_args(m: &clap::ArgMatches, args: &Args) -> Vec<OutputArg> {
    let mut v: Vec<(usize, OutputArg)> = Vec::new();
    if let Some(idx) = m.indices_of("format") {
        v.extend(
            idx.zip(&args.format)
                .map(|(i, f)| (i, OutputArg::Format(f.format()))),
        );
    }
    if let Some(idx) = m.indices_of("output") {
        v.extend(
            idx.zip(&args.output)
                .map(|(i, p)| (i, OutputArg::File(p.clone()))),
        );
    }
    v.sort_by_key(|(i, _)| *i);
    v.into_iter().map(|(_, a)| a).collect()
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
enum ColorArg {
    Auto,
    Always,
    Never,
}

/// mimalloc (see `durable_lsp::alloc`).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    durable_lsp::alloc::install();
    let parsed = Args::command()
        .try_get_matches()
        .and_then(|m| Args::from_arg_matches(&m).map(|a| (m, a)));
    let (matches, args) = match parsed {
        Ok(p) => p,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let level = args
        .log_level
        .clone()
        .or_else(|| std::env::var("RUST_LOG").ok())
        .and_then(|l| durable_lsp::log::Level::parse(&l));
    if let Some(l) = level {
        durable_lsp::log::set_level(l);
    }
    if let Some(mb) = args.max_source_mb {
        durable_lsp::syntax::set_max_source_bytes(mb as usize * 1024 * 1024);
    }
    let outcome = if let Some(code) = &args.explain {
        cli::explain(code)
    } else if args.check {
        let paths = if args.paths.is_empty() {
            vec![PathBuf::from(".")]
        } else {
            args.paths.clone()
        };
        let github_actions = std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true");
        let outputs = match cli::plan_outputs(&output_args(&matches, &args), github_actions) {
            Ok(o) => o,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(Outcome::Failure.code() as u8);
            }
        };
        let color = match args.color {
            ColorArg::Always => true,
            ColorArg::Never => false,
            ColorArg::Auto => {
                std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
            }
        };
        cli::run_check(&CheckOptions {
            paths,
            outputs,
            deny_warnings: args.deny_warnings,
            color,
            base: args.base.clone(),
            allow_empty: args.no_error_on_empty,
            fix: args.fix,
        })
    } else if args.paths.is_empty() || (args.paths.len() == 1 && args.paths[0].as_os_str() == "lsp")
    {
        durable_lsp::lsp::run()
    } else {
        eprintln!("error: unexpected arguments; use --check PATH… to check, or no arguments for the language server");
        Outcome::Failure
    };
    ExitCode::from(outcome.code() as u8)
}
