//! `durable-lsp-ignore` comments: drop the findings they name on the line
//! they apply to; report those without a reason (DO001) and those that
//! suppress nothing (DO002).

use super::context::in_node_modules;
use super::diagnostic::{Diagnostic, Edit, Fix};
use super::framework::apply_levels;
use super::registry::Code;
use crate::project::Workspace;
use crate::settings::Settings;
use crate::suppress::Suppression;
use crate::text::Span;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// The suppressions of every config and source file of the workspace.
fn all(ws: &Workspace) -> BTreeMap<&Path, (&[Suppression], &str)> {
    let mut out: BTreeMap<&Path, (&[Suppression], &str)> = BTreeMap::new();
    for w in &ws.workers {
        if !w.config.suppressions.is_empty() {
            out.insert(&w.config.path, (w.config.suppressions.as_slice(), &*w.text));
        }
    }
    // Only files some Worker reaches: the editor may hold others (an open
    // test file) that `--check` never reads.
    let reached = |p: &Path| ws.workers.iter().any(|w| w.graph.contains(p));
    for f in ws.files.values() {
        if !f.suppressions.is_empty() && !in_node_modules(&f.path) && reached(&f.path) {
            out.insert(&f.path, (f.suppressions.as_slice(), &*f.text));
        }
    }
    out
}

/// The settings that govern findings in `file`: those of a Worker whose
/// config it is or whose graph holds it, under the editor's.
fn settings_for(ws: &Workspace, file: &Path, overrides: &Settings) -> Settings {
    ws.workers
        .iter()
        .find(|w| w.config.path == file || w.graph.contains(file))
        .map(|w| w.settings.overridden_by(overrides))
        .unwrap_or_else(|| overrides.clone())
}

pub fn apply(ws: &Workspace, overrides: &Settings, diags: Vec<Diagnostic>) -> Vec<Diagnostic> {
    let sups = all(ws);
    if sups.is_empty() {
        return diags;
    }
    // (file, suppression index, code index) → used
    let mut used: HashMap<(&Path, usize, usize), bool> = HashMap::new();
    let mut out = Vec::with_capacity(diags.len());
    for d in diags {
        let mut suppressed = false;
        if let Some((&key, (list, _))) = sups.get_key_value(d.file.as_path()) {
            for (si, s) in list.iter().enumerate() {
                if !s.covers(d.span.start) {
                    continue;
                }
                for (ci, (c, _)) in s.codes.iter().enumerate() {
                    if Code::parse(c) == Some(d.code) {
                        used.insert((key, si, ci), true);
                        suppressed = true;
                    }
                }
            }
        }
        if !suppressed {
            out.push(d);
        }
    }
    let mut meta = Vec::new();
    for (file, (list, text)) in &sups {
        for (si, s) in list.iter().enumerate() {
            let key: &Path = file;
            let file: PathBuf = file.to_path_buf();
            if s.reason.is_none() && !s.codes.is_empty() {
                meta.push(Diagnostic::new(
                    Code::DO001,
                    file.clone(),
                    s.span,
                    "This suppression gives no reason: add one after a colon (`durable-lsp-ignore CODE: why it does not apply`), so the next reader knows why the finding is hidden.",
                ));
            }
            if s.codes.is_empty() {
                meta.push(Diagnostic::new(
                    Code::DO002,
                    file.clone(),
                    s.span,
                    "This suppression names no rule code (`durable-lsp-ignore DO101: reason`), so it suppresses nothing.",
                ));
                continue;
            }
            let unused: Vec<usize> = (0..s.codes.len())
                .filter(|ci| !used.contains_key(&(key, si, *ci)))
                .collect();
            let all_unused = unused.len() == s.codes.len();
            for ci in unused {
                let (c, span) = &s.codes[ci];
                let msg = match Code::parse(c) {
                    Some(code) => format!(
                        "`{code}` is suppressed here, but no {code} finding sits on the line this comment applies to; remove it so that it cannot hide a later finding."
                    ),
                    None => format!("`{c}` is not a durable-lsp rule code, so it suppresses nothing."),
                };
                let mut d = Diagnostic::new(Code::DO002, file.clone(), *span, msg);
                if all_unused {
                    d = d.fix(Fix {
                        title: "Remove the unused suppression".into(),
                        edits: vec![Edit {
                            file: file.clone(),
                            span: removal(text, s.span),
                            text: String::new(),
                        }],
                        safe: true,
                    });
                }
                meta.push(d);
            }
        }
    }
    for d in meta {
        let settings = settings_for(ws, &d.file, overrides);
        out.extend(apply_levels(vec![d], &settings));
    }
    out
}

/// The bytes to delete to remove a suppression comment whose marker-to-end
/// span is `span`: the whole line when the comment is alone on it, else the
/// comment and the blanks before it.
fn removal(text: &str, span: Span) -> Span {
    let line_start = text[..span.start]
        .rfind(['\n', '\r'])
        .map(|i| i + 1)
        .unwrap_or(0);
    let rest = &text[span.end..];
    let close = if rest.starts_with("*/") { 2 } else { 0 };
    let line_end_rel = rest.find(['\n', '\r']).unwrap_or(rest.len());
    let before = &text[line_start..span.start];
    let opener_at = ["//", "/*", "#"]
        .iter()
        .filter_map(|o| before.rfind(o))
        .max()
        .map(|i| line_start + i)
        .unwrap_or(span.start);
    let code = text[line_start..opener_at].trim();
    if code.is_empty() && rest[close..line_end_rel].trim().is_empty() {
        // the whole line, with its line break
        let mut end = span.end + line_end_rel;
        if text[end..].starts_with("\r\n") {
            end += 2;
        } else if end < text.len() {
            end += 1;
        }
        return Span::new(line_start, end);
    }
    let mut start = opener_at;
    while start > line_start && matches!(text.as_bytes()[start - 1], b' ' | b'\t') {
        start -= 1;
    }
    Span::new(start, span.end + close)
}

#[cfg(test)]
mod tests {
    use super::removal;
    use crate::suppress::{find, CommentStyle};

    fn remove(text: &str, style: CommentStyle) -> String {
        let s = &find(text, style)[0];
        let r = removal(text, s.span);
        format!("{}{}", &text[..r.start], &text[r.end..])
    }

    #[test]
    fn removing_a_suppression_keeps_the_code() {
        assert_eq!(
            remove(
                "a\n  // durable-lsp-ignore DO101: x\nb\n",
                CommentStyle::Slash
            ),
            "a\nb\n"
        );
        assert_eq!(
            remove(
                "name = \"R\" # durable-lsp-ignore DO111\nx = 1",
                CommentStyle::Hash
            ),
            "name = \"R\"\nx = 1"
        );
        assert_eq!(
            remove(
                "f(); /* durable-lsp-ignore DO202: y */ g();",
                CommentStyle::Slash
            ),
            "f(); g();"
        );
    }
}
