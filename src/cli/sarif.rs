//! `--format sarif`: SARIF 2.1.0, one run, for code scanning services.
//!
//! - `tool.driver` lists every rule of the registry, in registry order, so a
//!   result's `ruleIndex` is its code's row; each rule carries its summary,
//!   the first paragraph of its page, the page's URL and the page itself
//!   (`help.markdown`, which code scanning shows beside an alert).
//! - Levels: error → `error`, warning → `warning`, info and hint → `note`.
//! - Artifact URIs are the JSON format's `file` (relative to the current
//!   directory, `/`), percent-encoded where a URI needs it, with
//!   `uriBaseId` `%SRCROOT%`; `originalUriBaseIds` gives `%SRCROOT%` as the
//!   current directory's `file:` URI. A file outside the current directory
//!   gets an absolute `file:` URI and no base.
//! - Regions are 1-based; columns count UTF-16 code units (`columnKind`
//!   `utf16CodeUnits`, SARIF's default, stated explicitly), so they equal
//!   the JSON format's Unicode-character columns except after characters
//!   outside the Basic Multilingual Plane, which count twice. `endColumn`
//!   points just past the span, as SARIF's exclusive end does.

use super::Checked;
use crate::rules::{doc_url, Diagnostic, Rule, Severity, DOCS_BASE, RULES};
use crate::text::Encoding;
use serde_json::{json, Map, Value};
use std::io::{self, Write};
use std::path::Path;

/// The `$schema` of the log: the OASIS 2.1.0 schema (errata 01).
pub const SCHEMA_URI: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/// The tool's home page, `tool.driver.informationUri`.
pub const INFORMATION_URI: &str = crate::rules::REPOSITORY;

/// The base every relative artifact URI is resolved against.
pub const SRCROOT: &str = "%SRCROOT%";

pub fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info | Severity::Hint => "note",
    }
}

/// `reportingDescriptor`s for every rule, in registry order.
pub fn rules() -> Vec<Value> {
    RULES.iter().map(rule).collect()
}

fn rule(r: &Rule) -> Value {
    json!({
        "id": r.code.as_str(),
        "name": r.name,
        "shortDescription": { "text": r.summary },
        "fullDescription": { "text": full_description(r) },
        "helpUri": doc_url(DOCS_BASE, r.code),
        // The page in Markdown; the plain text is its gist and link.
        "help": {
            "text": format!("{} {}", full_description(r), doc_url(DOCS_BASE, r.code)),
            "markdown": r.doc,
        },
        "defaultConfiguration": { "level": level(r.severity) },
        "properties": {
            "tags": [match r.kind {
                crate::rules::Kind::Failure => "failure",
                crate::rules::Kind::Practice => "practice",
                crate::rules::Kind::Meta => "meta",
            }],
        },
    })
}

/// The first paragraph of the page's "What it catches", on one line; the
/// summary when the page has none. A paragraph that only says when the rule
/// runs ("This rule runs only against a base revision…") is followed by the
/// one that says what it catches.
pub fn full_description(r: &Rule) -> String {
    let mut paras: Vec<String> = Vec::new();
    let mut para: Vec<&str> = Vec::new();
    let mut inside = false;
    for line in r.doc.lines() {
        if line.starts_with("## ") {
            if inside {
                break;
            }
            inside = line.trim() == "## What it catches";
            continue;
        }
        if !inside {
            continue;
        }
        if line.trim().is_empty() {
            if !para.is_empty() {
                paras.push(para.join(" "));
                para.clear();
                if paras.len() == 2 {
                    break;
                }
            }
            continue;
        }
        para.push(line.trim());
    }
    if !para.is_empty() {
        paras.push(para.join(" "));
    }
    let Some(first) = paras.first() else {
        return r.summary.to_string();
    };
    let mut text = first.clone();
    if text.starts_with("This rule runs only") {
        if let Some(second) = paras.get(1) {
            text = format!("{} {text}", lead_in(second));
        }
    }
    lead_in(&text)
}

/// A paragraph that leads into an example or a list ends with a colon.
fn lead_in(p: &str) -> String {
    match p.strip_suffix(':') {
        Some(t) => format!("{t}."),
        None => p.to_string(),
    }
}

/// An `artifactLocation` for a file: relative to `%SRCROOT%` when it is
/// below the current directory, else an absolute `file:` URI.
fn artifact(c: &Checked, file: &Path) -> Value {
    let shown = c.display_path(file);
    if is_absolute(&shown) {
        json!({ "uri": file_uri(&shown, false) })
    } else {
        json!({ "uri": encode_path(&shown), "uriBaseId": SRCROOT })
    }
}

fn is_absolute(p: &str) -> bool {
    p.starts_with('/') || (p.len() >= 2 && p.as_bytes()[1] == b':')
}

/// `file:` URI of an absolute path written with `/`.
pub fn file_uri(path: &str, dir: bool) -> String {
    let mut s = String::from("file://");
    let b = path.as_bytes();
    if b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':' {
        // A drive letter: file:///C:/…
        s.push('/');
        s.push_str(&path[..2]);
        s.push_str(&encode_path(&path[2..]));
    } else {
        s.push_str(&encode_path(path));
    }
    if dir && !s.ends_with('/') {
        s.push('/');
    }
    s
}

/// Percent-encodes a path written with `/` for use in a URI: every byte but
/// the unreserved characters, `/` and the sub-delimiters that are safe in a
/// path segment. `:` is encoded too, so that a relative reference never
/// reads as a scheme.
pub fn encode_path(p: &str) -> String {
    let mut out = String::with_capacity(p.len());
    for b in p.bytes() {
        let keep = b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'-' | b'.'
                    | b'_'
                    | b'~'
                    | b'/'
                    | b'!'
                    | b'$'
                    | b'&'
                    | b'\''
                    | b'('
                    | b')'
                    | b'*'
                    | b'+'
                    | b','
                    | b';'
                    | b'='
                    | b'@'
            );
        if keep {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn region(c: &Checked, file: &Path, span: crate::text::Span) -> Value {
    let s = c.position_in(file, span.start, Encoding::Utf16);
    let e = c.position_in(file, span.end, Encoding::Utf16);
    json!({
        "startLine": s.line + 1,
        "startColumn": s.column + 1,
        "endLine": e.line + 1,
        "endColumn": e.column + 1,
    })
}

fn result(c: &Checked, d: &Diagnostic) -> Value {
    let related: Vec<Value> = d
        .related
        .iter()
        .enumerate()
        .map(|(i, r)| {
            json!({
                "id": i,
                "physicalLocation": {
                    "artifactLocation": artifact(c, &r.file),
                    "region": region(c, &r.file, r.span),
                },
                "message": { "text": r.message },
            })
        })
        .collect();
    let mut v = json!({
        "ruleId": d.code.as_str(),
        "ruleIndex": d.code as usize,
        "level": level(d.severity),
        "message": { "text": d.message },
        "locations": [{
            "physicalLocation": {
                "artifactLocation": artifact(c, &d.file),
                "region": region(c, &d.file, d.span),
            }
        }],
    });
    if !related.is_empty() {
        v["relatedLocations"] = Value::Array(related);
    }
    if !d.envs.is_empty() {
        v["properties"] = json!({ "environments": d.envs });
    }
    v
}

pub fn to_value(c: &Checked) -> Value {
    let results: Vec<Value> = super::sorted(&c.report.diagnostics)
        .into_iter()
        .map(|d| result(c, d))
        .collect();
    let mut bases = Map::new();
    bases.insert(
        SRCROOT.into(),
        json!({
            "uri": file_uri(&c.cwd.to_string_lossy().replace('\\', "/"), true),
            "description": { "text": "The directory durable-lsp ran in; every relative artifact URI is resolved against it." },
        }),
    );
    json!({
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "durable-lsp",
                    "version": env!("CARGO_PKG_VERSION"),
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "informationUri": INFORMATION_URI,
                    "rules": rules(),
                }
            },
            "originalUriBaseIds": bases,
            "columnKind": "utf16CodeUnits",
            "results": results,
        }]
    })
}

pub fn write(out: &mut dyn Write, c: &Checked) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &to_value(c))?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels() {
        assert_eq!(level(Severity::Error), "error");
        assert_eq!(level(Severity::Warning), "warning");
        assert_eq!(level(Severity::Info), "note");
        assert_eq!(level(Severity::Hint), "note");
    }

    #[test]
    fn paths_become_uri_references() {
        assert_eq!(encode_path("src/index.ts"), "src/index.ts");
        assert_eq!(encode_path("my app/src/é.ts"), "my%20app/src/%C3%A9.ts");
        assert_eq!(encode_path("a:b/100%.ts"), "a%3Ab/100%25.ts");
        assert_eq!(encode_path("x#y?.ts"), "x%23y%3F.ts");
        assert_eq!(file_uri("/work/my app", true), "file:///work/my%20app/");
        assert_eq!(file_uri("/", true), "file:///");
        assert_eq!(file_uri("C:/w/x.ts", false), "file:///C:/w/x.ts");
    }

    #[test]
    fn every_rule_has_a_full_description() {
        for r in RULES {
            let d = full_description(r);
            assert!(!d.is_empty() && !d.contains('\n'), "{}", r.code);
            assert!(!d.ends_with(':'), "{}: {d}", r.code);
        }
        let d101 = full_description(crate::rules::Code::DO101.rule());
        assert!(
            d101.starts_with("A Durable Object binding with no `script_name` names"),
            "{d101}"
        );
        // What the rule catches comes first, the condition it runs under after.
        for r in RULES {
            let d = full_description(r);
            if d.contains("This rule runs only") {
                assert!(!d.starts_with("This rule runs only"), "{}: {d}", r.code);
            }
        }
    }
}
