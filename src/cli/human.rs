//! The human format: rustc-like, with source snippets; colour on a TTY only.

use super::Checked;
use crate::rules::{doc_url, Diagnostic, Severity, DOCS_BASE};
use std::io::{self, Write};

struct Paint {
    on: bool,
}

impl Paint {
    fn wrap(&self, code: &str, s: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
    fn sev(&self, s: Severity) -> String {
        let code = match s {
            Severity::Error => "1;31",
            Severity::Warning => "1;33",
            Severity::Info => "1;36",
            Severity::Hint => "1;32",
        };
        self.wrap(code, s.as_str())
    }
}

pub fn write(out: &mut dyn Write, c: &Checked, color: bool) -> io::Result<()> {
    let p = Paint { on: color };
    for d in super::sorted(&c.report.diagnostics) {
        diagnostic(out, c, d, &p)?;
    }
    writeln!(out, "{}", summary(c))
}

/// The closing line of a run: what was checked and what was found.
pub fn summary(c: &Checked) -> String {
    let e = c.count(Severity::Error);
    let w = c.count(Severity::Warning);
    let i = c.count(Severity::Info);
    let h = c.count(Severity::Hint);
    let workers = c.ws.workers.len();
    // the same words as the JSON summary's fields
    let counts = format!(
        "{e} error{}, {w} warning{}, {i} info{}, {h} hint{}",
        plural(e),
        plural(w),
        plural(i),
        plural(h)
    );
    if workers == 0 {
        if c.is_empty() {
            return "No wrangler config (wrangler.toml, wrangler.json, wrangler.jsonc) was found."
                .into();
        }
        return format!("No Worker could be checked: {counts}.");
    }
    format!(
        "Checked {workers} Worker{} ({} file{}): {counts}{}.",
        plural(workers),
        c.files(),
        plural(c.files()),
        if c.report.unknowns > 0 {
            format!(
                "; {} fact{} could not be verified",
                c.report.unknowns,
                plural(c.report.unknowns)
            )
        } else {
            String::new()
        }
    )
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn diagnostic(out: &mut dyn Write, c: &Checked, d: &Diagnostic, p: &Paint) -> io::Result<()> {
    let mut lines = d.message.lines();
    let first = lines.next().unwrap_or("");
    writeln!(
        out,
        "{}{}: {}",
        p.sev(d.severity),
        p.wrap("1", &format!("[{}]", d.code)),
        p.wrap("1", first)
    )?;
    let pos = c.position(&d.file, d.span.start);
    let loc = format!(
        "{}:{}:{}",
        c.display_path(&d.file),
        pos.line + 1,
        pos.column + 1
    );
    let gutter = (pos.line + 1).to_string().len();
    writeln!(out, "{:gutter$}{} {loc}", "", p.wrap("1;34", "-->"))?;
    if let Some((text, idx)) = c.text(&d.file) {
        if !text.is_empty() {
            let src = idx.line_text(text, pos.line as usize);
            let end = c.position(&d.file, d.span.end);
            let width = if end.line == pos.line {
                (end.column.saturating_sub(pos.column)).max(1) as usize
            } else {
                src.chars()
                    .count()
                    .saturating_sub(pos.column as usize)
                    .max(1)
            };
            let bar = p.wrap("1;34", "|");
            writeln!(out, "{:gutter$} {bar}", "")?;
            writeln!(
                out,
                "{} {bar} {}",
                p.wrap("1;34", &(pos.line + 1).to_string()),
                src.replace('\t', " ")
            )?;
            let caret: String = "^".repeat(width.min(200));
            writeln!(
                out,
                "{:gutter$} {bar} {:col$}{}",
                "",
                "",
                p.wrap("1;31", &caret),
                col = pos.column as usize
            )?;
        }
    }
    for rest in lines {
        writeln!(out, "{:gutter$} {} {rest}", "", p.wrap("1;34", "|"))?;
    }
    for r in &d.related {
        let rp = c.position(&r.file, r.span.start);
        writeln!(
            out,
            "{:gutter$} {} {}:{}:{}: {}",
            "",
            p.wrap("1;34", "= note:"),
            c.display_path(&r.file),
            rp.line + 1,
            rp.column + 1,
            r.message
        )?;
    }
    if !d.envs.is_empty() {
        writeln!(
            out,
            "{:gutter$} {} environments: {}",
            "",
            p.wrap("1;34", "= note:"),
            d.envs.join(", ")
        )?;
    }
    writeln!(
        out,
        "{:gutter$} {} {}",
        "",
        p.wrap("1;34", "= help:"),
        doc_url(DOCS_BASE, d.code)
    )?;
    writeln!(out)
}
