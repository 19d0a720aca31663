//! Engine values to LSP values. Positions are converted here with the
//! encoding the client negotiated, through `text::LineIndex`.

use crate::project::Workspace;
use crate::rules::{self, Severity};
use crate::text::{Encoding, LineIndex, Position as TextPos, Span};
use std::path::Path;
use tower_lsp_server::ls_types::{
    CodeDescription, Diagnostic, DiagnosticRelatedInformation, DiagnosticSeverity, Location,
    NumberOrString, Position, PositionEncodingKind, Range, Uri,
};

pub fn encoding_kind(e: Encoding) -> PositionEncodingKind {
    match e {
        Encoding::Utf8 => PositionEncodingKind::UTF8,
        Encoding::Utf16 => PositionEncodingKind::UTF16,
        Encoding::Utf32 => PositionEncodingKind::UTF32,
    }
}

/// utf-8, then utf-32, else utf-16 (the protocol's default).
pub fn negotiate(offered: Option<&[PositionEncodingKind]>) -> Encoding {
    let offered = offered.unwrap_or(&[]);
    if offered.contains(&PositionEncodingKind::UTF8) {
        Encoding::Utf8
    } else if offered.contains(&PositionEncodingKind::UTF32) {
        Encoding::Utf32
    } else {
        Encoding::Utf16
    }
}

/// The text of a file the workspace knows (a source or a config).
pub fn text_of<'a>(ws: &'a Workspace, path: &Path) -> Option<(&'a str, &'a LineIndex)> {
    if let Some(f) = ws.file(path) {
        return Some((&f.text, &f.lines));
    }
    ws.workers
        .iter()
        .find(|w| w.config.path == path)
        .map(|w| (&*w.text, &w.lines))
}

pub fn range(ws: &Workspace, path: &Path, span: Span, enc: Encoding) -> Range {
    match text_of(ws, path) {
        Some((t, idx)) => {
            let s = idx.position(t, span.start, enc);
            let e = idx.position(t, span.end, enc);
            Range::new(pos(s), pos(e))
        }
        None => Range::default(),
    }
}

fn pos(p: TextPos) -> Position {
    Position::new(p.line, p.column)
}

pub fn uri(path: &Path) -> Option<Uri> {
    Uri::from_file_path(path)
}

pub fn diagnostic(
    ws: &Workspace,
    d: &rules::Diagnostic,
    enc: Encoding,
    docs_base: &str,
) -> Diagnostic {
    let severity = match d.severity {
        Severity::Error => DiagnosticSeverity::ERROR,
        Severity::Warning => DiagnosticSeverity::WARNING,
        Severity::Info => DiagnosticSeverity::INFORMATION,
        Severity::Hint => DiagnosticSeverity::HINT,
    };
    let related: Vec<DiagnosticRelatedInformation> = d
        .related
        .iter()
        .filter_map(|r| {
            Some(DiagnosticRelatedInformation {
                location: Location::new(uri(&r.file)?, range(ws, &r.file, r.span, enc)),
                message: r.message.clone(),
            })
        })
        .collect();
    Diagnostic {
        range: range(ws, &d.file, d.span, enc),
        severity: Some(severity),
        code: Some(NumberOrString::String(d.code.to_string())),
        code_description: rules::doc_url(docs_base, d.code)
            .parse::<Uri>()
            .ok()
            .map(|href| CodeDescription { href }),
        source: Some("durable-lsp".into()),
        message: d.message.clone(),
        related_information: (!related.is_empty()).then_some(related),
        tags: None,
        data: (!d.fixes.is_empty()).then(|| fix_data(ws, &d.fixes, enc)),
    }
}

/// A finding's fixes as `Diagnostic.data`, in the client's positions, so
/// that a code action needs no new analysis:
/// `{"fixes": [{"title", "safe", "edits": [{"uri", "range", "newText"}]}]}`.
pub fn fix_data(ws: &Workspace, fixes: &[rules::Fix], enc: Encoding) -> serde_json::Value {
    let fixes: Vec<serde_json::Value> = fixes
        .iter()
        .map(|f| {
            let edits: Vec<serde_json::Value> = f
                .edits
                .iter()
                .filter_map(|e| {
                    Some(serde_json::json!({
                        "uri": uri(&e.file)?.as_str(),
                        "range": range(ws, &e.file, e.span, enc),
                        "newText": e.text,
                    }))
                })
                .collect();
            serde_json::json!({"title": f.title, "safe": f.safe, "edits": edits})
        })
        .collect();
    serde_json::json!({ "fixes": fixes })
}

/// Converts a client position to a byte offset (clamped, never a panic).
pub fn offset(text: &str, idx: &LineIndex, p: Position, enc: Encoding) -> usize {
    idx.offset(
        text,
        TextPos {
            line: p.line,
            column: p.character,
        },
        enc,
    )
}
