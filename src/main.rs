//! Argument dispatch only: the language server is the default; `--check`,
//! `--explain` and `--version` run the same engine headless.

use clap::Parser;
use durable_lsp::cli::{self, CheckOptions, Format, Outcome};
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
    /// Check the Workers below PATH… (default: .) and exit: 0 clean, 1 errors, 2 failure.
    #[arg(long)]
    check: bool,
    /// Output format for --check.
    #[arg(long, value_enum, default_value = "human")]
    format: FormatArg,
    /// With --check: exit 1 on warnings too.
    #[arg(long)]
    deny_warnings: bool,
    /// With --check: compare each Worker's lifecycle with its config at this
    /// git revision (a branch, tag or commit), the deployed state (DO130–DO133).
    #[arg(long, value_name = "REV")]
    base: Option<String>,
    /// Print the documentation page of a rule, e.g. `--explain DO101`.
    #[arg(long, value_name = "CODE")]
    explain: Option<String>,
    /// Colour for the human format: auto (only on a terminal), always, never.
    #[arg(long, value_enum, default_value = "auto")]
    color: ColorArg,
    /// Log level on stderr: error, warn, info, debug, trace (default: RUST_LOG, else warn).
    #[arg(long, value_name = "LEVEL")]
    log_level: Option<String>,
    /// Paths to check (with --check), or `lsp`.
    paths: Vec<PathBuf>,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
enum FormatArg {
    Human,
    Json,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
enum ColorArg {
    Auto,
    Always,
    Never,
}

fn main() -> ExitCode {
    let args = match Args::try_parse() {
        Ok(a) => a,
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
    let outcome = if let Some(code) = &args.explain {
        cli::explain(code)
    } else if args.check {
        let paths = if args.paths.is_empty() {
            vec![PathBuf::from(".")]
        } else {
            args.paths.clone()
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
            format: match args.format {
                FormatArg::Human => Format::Human,
                FormatArg::Json => Format::Json,
            },
            deny_warnings: args.deny_warnings,
            color,
            base: args.base.clone(),
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
