//! A small stderr logger: `--log-level` or `RUST_LOG` (error, warn, info,
//! debug, trace; default warn). Never writes to stdout, which carries the
//! protocol in server mode.

use std::sync::atomic::{AtomicU8, Ordering};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Error = 1,
    Warn = 2,
    Info = 3,
    Debug = 4,
    Trace = 5,
}

static LEVEL: AtomicU8 = AtomicU8::new(Level::Warn as u8);

impl Level {
    pub fn parse(s: &str) -> Option<Level> {
        // `RUST_LOG` may be `durable_lsp=debug,other=info`: take ours or the
        // bare level.
        let s = s
            .split(',')
            .find_map(|part| match part.split_once('=') {
                Some((target, lvl)) if target.replace('-', "_") == "durable_lsp" => Some(lvl),
                None => Some(part),
                _ => None,
            })?
            .trim()
            .to_ascii_lowercase();
        Some(match s.as_str() {
            "error" => Level::Error,
            "warn" | "warning" => Level::Warn,
            "info" => Level::Info,
            "debug" => Level::Debug,
            "trace" => Level::Trace,
            _ => return None,
        })
    }
}

pub fn set_level(l: Level) {
    LEVEL.store(l as u8, Ordering::Relaxed);
}

pub fn enabled(l: Level) -> bool {
    l as u8 <= LEVEL.load(Ordering::Relaxed)
}

pub fn write(l: Level, msg: std::fmt::Arguments<'_>) {
    if enabled(l) {
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs_f64())
            .unwrap_or(0.0);
        eprintln!("[{t:.3} {:?} durable-lsp] {msg}", l);
    }
}

#[macro_export]
macro_rules! log {
    ($lvl:ident, $($arg:tt)*) => {
        $crate::log::write($crate::log::Level::$lvl, format_args!($($arg)*))
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_from_rust_log() {
        assert_eq!(Level::parse("debug"), Some(Level::Debug));
        assert_eq!(
            Level::parse("other=trace,durable_lsp=info"),
            Some(Level::Info)
        );
        assert_eq!(Level::parse("other=trace"), None);
        assert_eq!(Level::parse("loud"), None);
    }
}
