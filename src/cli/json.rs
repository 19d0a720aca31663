//! `--format json`: the documented, versioned contract (see README).

use super::Checked;
use crate::rules::{doc_url, Severity, DOCS_BASE};
use serde_json::{json, Value};
use std::io::{self, Write};

pub fn to_value(c: &Checked) -> Value {
    let diags: Vec<Value> = super::sorted(&c.report.diagnostics)
        .into_iter()
        .map(|d| {
            let s = c.position(&d.file, d.span.start);
            let e = c.position(&d.file, d.span.end);
            let related: Vec<Value> = d
                .related
                .iter()
                .map(|r| {
                    let p = c.position(&r.file, r.span.start);
                    json!({
                        "file": c.display_path(&r.file),
                        "line": p.line + 1,
                        "column": p.column + 1,
                        "message": r.message,
                    })
                })
                .collect();
            let mut v = json!({
                "code": d.code,
                "name": d.name(),
                "severity": d.severity.as_str(),
                "file": c.display_path(&d.file),
                "line": s.line + 1,
                "column": s.column + 1,
                "end_line": e.line + 1,
                "end_column": e.column + 1,
                "message": d.message,
                "url": doc_url(DOCS_BASE, d.code),
                "related": related,
            });
            if !d.envs.is_empty() {
                v["environments"] = json!(d.envs);
            }
            v
        })
        .collect();
    json!({
        "version": 1,
        "diagnostics": diags,
        "summary": {
            "workers": c.ws.workers.len(),
            "files": c.files(),
            "errors": c.count(Severity::Error),
            "warnings": c.count(Severity::Warning),
            "infos": c.count(Severity::Info),
            "hints": c.count(Severity::Hint),
            "unknowns": c.report.unknowns,
        }
    })
}

pub fn write(out: &mut dyn Write, c: &Checked) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &to_value(c))?;
    writeln!(out)
}
