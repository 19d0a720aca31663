//! Calls on Durable Object namespaces and stubs anywhere in a Worker's
//! source: literal location hints, jurisdictions and IDs (DO501, DO502,
//! DO504), and RPC methods the bound class does not define (DO122).

use super::context::{in_node_modules, VariantCx, WorkerCx};
use super::diagnostic::Diagnostic;
use super::model::{ClassModel, DoBase};
use super::registry::{Code, Severity};

/// `DurableObjectLocationHint` (W-LOC-01).
pub const LOCATION_HINTS: &[&str] = &[
    "wnam", "enam", "sam", "weur", "eeur", "apac", "apac-ne", "apac-se", "oc", "afr", "me",
];
/// `DurableObjectJurisdiction` (W-JUR-01).
pub const JURISDICTIONS: &[&str] = &["eu", "fedramp", "fedramp-high", "us"];
/// Members every stub has, whatever the class defines.
const STUB_MEMBERS: &[&str] = &["fetch", "connect", "id", "name"];
/// From this compatibility date (or with `fetcher_no_get_put_delete`) a
/// stub's `get`, `put` and `delete` are the class's RPC methods.
const NO_GET_PUT_DELETE: &str = "2024-03-26";

/// DO501, DO502, DO504: literals passed to namespace methods.
pub fn literals(cx: &mut WorkerCx) {
    let ws = cx.ws;
    for path in &cx.worker.graph {
        if in_node_modules(path) {
            continue;
        }
        let Some(sf) = ws.file(path) else { continue };
        for u in &sf.facts.env_uses {
            for l in &u.literals {
                let d = match (u.method.as_str(), l.key.as_deref()) {
                    ("get" | "getByName", Some("locationHint"))
                        if !LOCATION_HINTS.contains(&l.value.as_str()) =>
                    {
                        Diagnostic::new(
                            Code::DO501,
                            path.clone(),
                            l.span,
                            format!(
                                "\"{}\" is not a location hint; the documented ones are {}",
                                l.value,
                                LOCATION_HINTS.join(", ")
                            ),
                        )
                    }
                    ("jurisdiction", None) | ("newUniqueId", Some("jurisdiction"))
                        if !JURISDICTIONS.contains(&l.value.as_str()) =>
                    {
                        Diagnostic::new(
                            Code::DO502,
                            path.clone(),
                            l.span,
                            format!(
                                "\"{}\" is not a jurisdiction; the valid ones are {}",
                                l.value,
                                JURISDICTIONS.join(", ")
                            ),
                        )
                    }
                    ("jurisdiction", Some("locationHint")) => {
                        let j = u
                            .literals
                            .iter()
                            .find(|l| l.key.is_none())
                            .map(|l| format!(" \"{}\"", l.value))
                            .unwrap_or_default();
                        Diagnostic::new(
                            Code::DO503,
                            path.clone(),
                            l.span,
                            format!(
                                "A location hint on a stub of the jurisdiction{j} subnamespace: the jurisdiction already decides where the object runs and stores data, and a hint is best effort (only the first `get` of an object reads it). Keep the jurisdiction and drop the hint"
                            ),
                        )
                    }
                    ("idFromString", None)
                        if !(l.value.len() == 64
                            && l.value.bytes().all(|b| b.is_ascii_hexdigit())) =>
                    {
                        Diagnostic::new(
                            Code::DO504,
                            path.clone(),
                            l.span,
                            format!(
                                "`{}` with a string of {} characters that is not an ID: it throws \"Invalid Durable Object ID: must be 64 hex digits\"",
                                if path.extension().is_some_and(|e| e == "rs") { "id_from_string" } else { "idFromString" },
                                l.value.chars().count()
                            ),
                        )
                    }
                    _ => continue,
                };
                if cx.on(d.code) {
                    cx.emit(d);
                }
            }
        }
    }
}

/// DO122: a method called on a stub that the bound class does not define.
/// DO603: an RPC method called on a stub of another Worker's class.
pub fn rpc_methods(cx: &mut WorkerCx, vc: &VariantCx, model: &ClassModel) {
    let ws = cx.ws;
    if cx.on(Code::DO603) {
        cross_worker_rpc(cx, vc);
    }
    if !cx.on(Code::DO122) {
        return;
    }
    let date = vc.v.compatibility_date().map(|d| d.value.as_str());
    let legacy_shortcuts = date.is_some_and(|d| d < NO_GET_PUT_DELETE)
        && !vc
            .v
            .compatibility_flags()
            .iter()
            .any(|f| f.value == "fetcher_no_get_put_delete");
    for path in &cx.worker.graph {
        if in_node_modules(path) {
            continue;
        }
        let Some(sf) = ws.file(path) else { continue };
        for call in &sf.facts.stub_calls {
            let Some(class) = model.by_binding(&call.binding) else {
                continue;
            };
            if class.base != DoBase::DurableObject || STUB_MEMBERS.contains(&call.method.as_str()) {
                continue;
            }
            let shortcut = matches!(call.method.as_str(), "get" | "put" | "delete");
            match class.has_member(ws, &call.method) {
                Some(false) if !(shortcut && legacy_shortcuts) => {
                    let mut d = Diagnostic::new(
                        Code::DO122,
                        path.clone(),
                        call.span,
                        format!(
                            "`{}` is not a method of `{}`, the class bound to `{}`: the call fails at run time",
                            call.method, class.name, call.binding
                        ),
                    );
                    if let Some(fact) = class.fact(ws) {
                        d = d.related(
                            class.file.clone(),
                            fact.name_span,
                            format!("`{}` is declared here", class.name),
                        );
                    }
                    cx.emit(d);
                }
                Some(true) if shortcut && legacy_shortcuts => {
                    cx.emit(
                        Diagnostic::new(
                            Code::DO122,
                            path.clone(),
                            call.span,
                            format!(
                                "`{}` on a stub calls the legacy `{}` shortcut, not `{}.{}`: before compatibility date {NO_GET_PUT_DELETE} (or the `fetcher_no_get_put_delete` flag) stubs shadow RPC methods named get, put and delete",
                                call.method, call.method, class.name, call.method
                            ),
                        )
                        .severity(Severity::Warning),
                    );
                }
                _ => {}
            }
        }
    }
}

/// DO603: RPC on a stub whose binding names another Worker (`script_name`):
/// in local development each Worker needs its own session (or one `wrangler
/// dev -c a -c b`), else the call fails there.
fn cross_worker_rpc(cx: &mut WorkerCx, vc: &VariantCx) {
    let ws = cx.ws;
    let external: Vec<(&str, &str, &str)> =
        vc.v.durable_objects()
            .iter()
            .filter_map(|b| {
                Some((
                    b.name.as_ref()?.value.as_str(),
                    b.script_name.as_ref()?.value.as_str(),
                    b.class_name.as_ref()?.value.as_str(),
                ))
            })
            .collect();
    if external.is_empty() {
        return;
    }
    let mut seen = std::collections::BTreeSet::new();
    for path in &cx.worker.graph {
        if in_node_modules(path) {
            continue;
        }
        let Some(sf) = ws.file(path) else { continue };
        for call in &sf.facts.stub_calls {
            if STUB_MEMBERS.contains(&call.method.as_str()) {
                continue;
            }
            let Some((_, script, class)) = external.iter().find(|(b, _, _)| *b == call.binding)
            else {
                continue;
            };
            if !seen.insert((path.clone(), call.span)) {
                continue;
            }
            cx.emit(Diagnostic::new(
                Code::DO603,
                path.clone(),
                call.span,
                format!(
                    "`{m}` is an RPC call on `{class}` of the Worker `{script}` (`{b}` has `script_name`): from a separate local `wrangler dev` session it fails with \"Cannot access `{class}#{m}` as Durable Object RPC is not yet supported between multiple `wrangler dev` sessions.\" Run both Workers in one session (`wrangler dev -c … -c …`)",
                    m = call.method,
                    b = call.binding
                ),
            ));
        }
    }
}
