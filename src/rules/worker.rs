//! The config file as a whole: DO116 (syntax and shape), DO121 (a config
//! wrangler does not read) and the Worker's one DO100.

use super::context::WorkerCx;
use super::diagnostic::Diagnostic;
use super::registry::{Code, Severity};
use crate::config::model::ProblemSeverity;
use crate::text::Span;

/// DO116 for a config that does not parse (a template's placeholders are
/// info).
pub fn syntax_error(cx: &mut WorkerCx) {
    let cfg = &cx.worker.config;
    let Some(e) = &cfg.syntax_error else { return };
    let d = if cx.worker.template {
        Diagnostic::new(Code::DO116, cfg.path.clone(), e.span, format!(
            "{} is not checked: it holds `{{{{ … }}}}` placeholders, so it looks like a project template ({}).",
            cfg.file_name(), e.message
        )).severity(Severity::Info)
    } else {
        Diagnostic::new(
            Code::DO116,
            cfg.path.clone(),
            e.span,
            format!("{} could not be parsed: {}", cfg.file_name(), e.message),
        )
    };
    cx.emit(d);
}

/// DO116 shape problems with wrangler's messages; DO121 shadowed configs.
pub fn shape(cx: &mut WorkerCx) {
    let cfg = &cx.worker.config;
    let path = cfg.path.clone();
    for p in &cfg.problems {
        let sev = match p.severity {
            ProblemSeverity::Error => Severity::Error,
            ProblemSeverity::Warning => Severity::Warning,
        };
        let d = Diagnostic::new(Code::DO116, path.clone(), p.span, p.message.clone());
        cx.emit(if sev == Severity::Error {
            d
        } else {
            d.severity(sev)
        });
    }
    for s in &cx.worker.shadowed {
        cx.emit(Diagnostic::new(
            Code::DO121,
            s.clone(),
            Span::default(),
            format!(
                "wrangler does not read this file unless a command names it with --config: {} in the same folder takes precedence (json > jsonc > toml).",
                cfg.file_name()
            ),
        ));
    }
}

/// DO100: what could not be verified, once per Worker.
pub fn unverified(cx: &mut WorkerCx) {
    let list: Vec<String> = cx.unknowns().map(|u| format!("- {u}")).collect();
    if list.is_empty() {
        return;
    }
    let cfg = &cx.worker.config;
    let span = cfg
        .top
        .durable_objects
        .as_ref()
        .map(|d| d.key_span)
        .or(cfg.top.migrations.as_ref().map(|m| m.key_span))
        .or(cfg.top.name.as_ref().map(|n| n.span))
        .unwrap_or_default();
    let d = Diagnostic::new(
        Code::DO100,
        cfg.path.clone(),
        span,
        format!(
            "Some facts about this Worker could not be verified, so no rule fired on them:\n{}",
            list.join("\n")
        ),
    );
    cx.emit(d);
}
