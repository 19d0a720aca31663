//! Rules that read Durable Object class bodies (DO2xx–DO4xx): the
//! constructor, handlers, timers, storage and SQL calls, WebSockets. They
//! run over the class model, so code outside a Durable Object class never
//! fires them, and a rule that needs the full member list stays silent on a
//! class whose base comes from a package.

use super::context::{ClassKey, VariantCx, WorkerCx};
use super::diagnostic::{Diagnostic, Edit, Fix};
use super::model::{ClassModel, DoBase, DoClass};
use super::registry::{Code, Severity};
use super::sql;
use crate::config::classes::Backend;
use crate::project::Workspace;
use crate::syntax::class_body::{ArgKind, ClassBody, CtxUse, MemberKind};
use crate::syntax::Lang;
use crate::text::Span;

/// The documented location hints (W-LOC-01).
const BATCH_LIMIT: usize = 128;
const MAX_TAGS: usize = 10;
const MAX_TAG_LEN: usize = 256;
/// `setWebSocketAutoResponse`: request and response, bytes each (W-WS-07).
const MAX_AUTO_RESPONSE: usize = 2048;

/// The compatibility date from which `deleteAll()` also deletes the alarm.
const DELETE_ALL_DELETES_ALARM: &str = "2026-02-24";

/// Class bodies checked since the process started (tests count them).
pub static CLASS_CHECKS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// The codes of the class-body family.
pub const CODES: &[Code] = &[
    Code::DO201,
    Code::DO202,
    Code::DO203,
    Code::DO204,
    Code::DO205,
    Code::DO206,
    Code::DO207,
    Code::DO208,
    Code::DO301,
    Code::DO302,
    Code::DO303,
    Code::DO304,
    Code::DO305,
    Code::DO306,
    Code::DO401,
    Code::DO402,
    Code::DO403,
    Code::DO404,
    Code::DO405,
    Code::DO406,
];

fn delete_all_keeps_alarm(vc: &VariantCx) -> bool {
    let date = vc.v.compatibility_date().map(|d| d.value.as_str());
    let flag =
        vc.v.compatibility_flags()
            .iter()
            .any(|f| f.value == "delete_all_deletes_alarm");
    date.is_some_and(|d| d < DELETE_ALL_DELETES_ALARM) && !flag
}

pub fn check(cx: &mut WorkerCx, vc: &VariantCx, model: &ClassModel) {
    for class in &model.classes {
        let Some(runs) = cx.class_runs else {
            check_class(cx, vc, class);
            continue;
        };
        let key = ClassKey {
            file: class.file.clone(),
            idx: class.idx,
            name: class.name.clone(),
            base: format!("{:?}", class.base),
            chain: class.chain.clone(),
            backend: class.backend.map(|b| format!("{b:?}")),
            created_kv: class
                .created
                .clone()
                .filter(|_| class.backend == Some(Backend::Kv))
                .map(|(label, at)| (cx.cfg_path(), label, at)),
            delete_all_keeps_alarm: delete_all_keeps_alarm(vc),
            on: CODES.iter().map(|c| cx.on(*c)).collect(),
        };
        // The first Worker to reach the class checks it; one that reaches
        // it meanwhile waits for those findings rather than checking again.
        let slot = runs
            .0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(key)
            .or_default()
            .clone();
        let found = slot.get_or_init(|| {
            let earlier = std::mem::take(&mut cx.out);
            check_class(cx, vc, class);
            std::mem::replace(&mut cx.out, earlier)
        });
        cx.out.extend(found.iter().cloned());
    }
}

/// Every class rule on one class.
fn check_class(cx: &mut WorkerCx, vc: &VariantCx, class: &DoClass) {
    CLASS_CHECKS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let ws = cx.ws;
    let Some(sf) = ws.file(&class.file) else {
        return;
    };
    let Some(fact) = sf.facts.classes.get(class.idx) else {
        return;
    };
    let k = Class {
        ws,
        declared: fact.name.as_deref().unwrap_or(&class.name),
        c: class,
        body: &fact.body,
        text: &sf.text,
        span: fact.span,
        lang: sf.lang,
    };
    constructor(cx, &k);
    handlers(cx, vc, &k);
    storage(cx, &k);
    sql_calls(cx, &k);
    websockets(cx, &k);
    alarm_retries(cx, &k);
    socket_state(cx, &k);
}

/// DO208: an `alarm()` that can throw (a `throw` statement, or a `fetch`)
/// with no `catch` and no look at `retryCount`/`isRetry`: after six failed
/// retries the alarm is dropped until something sets a new one.
fn alarm_retries(cx: &mut WorkerCx, k: &Class) {
    // A framework base runs its own `alarm()` (a scheduler): the class
    // overrides it rarely and the base handles the retries.
    if !cx.on(Code::DO208) || matches!(k.c.base, DoBase::Framework(_)) {
        return;
    }
    let Some(m) = k
        .body
        .member("alarm")
        .filter(|m| m.has_body && !m.is_static)
    else {
        return;
    };
    let body = k.slice(m.span);
    let python = k.lang == Lang::Python;
    let code = if python {
        strip_python_comments(body)
    } else {
        strip_comments(body)
    };
    let reads_retry = code.contains("retryCount") || code.contains("isRetry");
    let (throw, catch) = if python {
        ("raise", "except")
    } else {
        ("throw", "catch")
    };
    let catches = code.contains(catch);
    let throws = has_word(&code, throw) || code.contains("fetch(");
    if throws && !catches && !reads_retry {
        let name = k.name();
        cx.emit(k.diag(
            Code::DO208,
            m.name_span,
            format!("`{name}.alarm()` can throw and never reads `retryCount`: a failing alarm is retried at most six times (backoff from 2 s), then stays unrun until the next `setAlarm`. Catch the error and set a new alarm, or read `alarmInfo.retryCount` to decide"),
        ));
    }
}

/// DO402: a class that hibernates its WebSockets and keeps per-socket
/// state in a `Map`/`Set` field keyed by the socket, but never rebuilds it
/// (`getWebSockets()`, `deserializeAttachment()`): after hibernation the
/// constructor runs again and the field is empty.
fn socket_state(cx: &mut WorkerCx, k: &Class) {
    if !cx.on(Code::DO402) {
        return;
    }
    let sockets: Vec<String> = k
        .called(&["acceptWebSocket"])
        .filter_map(|u| u.called.as_ref()?.args.first())
        .map(|a| k.slice(a.span).trim().to_string())
        .filter(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
        .collect();
    if sockets.is_empty() {
        return;
    }
    let class_text = k.slice(k.span);
    if k.called(&["getWebSockets"]).next().is_some()
        || class_text.contains("getWebSockets")
        || class_text.contains("deserializeAttachment")
    {
        return;
    }
    let name = k.name();
    let mut reported = Vec::new();
    for (field, decl) in collection_fields(class_text) {
        if reported.contains(&field) {
            continue;
        }
        let keyed = sockets.iter().any(|s| {
            [".set(", ".add("].iter().any(|op| {
                let call = format!("this.{field}{op}");
                class_text.match_indices(&call).any(|(i, _)| {
                    let arg = class_text[i + call.len()..].trim_start();
                    arg.strip_prefix(s.as_str()).is_some_and(|r| {
                        r.starts_with([',', ')']) || r.trim_start().starts_with([',', ')'])
                    })
                })
            })
        });
        if keyed {
            let at = Span::new(k.span.start + decl.start, k.span.start + decl.end);
            cx.emit(k.diag(
                Code::DO402,
                at,
                format!("`{name}.{field}` keeps per-socket state in memory, and `{name}` hibernates its WebSockets: after a wake-up the field starts empty. Store it with `ws.serializeAttachment()` and rebuild it from `ctx.getWebSockets()`"),
            ));
            reported.push(field);
        }
    }
}

/// The string or template literal a top-level `const NAME = …` of the
/// class's file holds, with whether it has substitutions; `None` when the
/// class itself declares or takes a parameter of that name, or the value is
/// not one literal.
fn const_literal(k: &Class, name: &str) -> Option<(String, bool)> {
    use crate::syntax::facts::{Decl, ValueKind};
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '$')
    {
        return None;
    }
    let facts = &k.ws.file(&k.c.file)?.facts;
    let (Decl::Value(ValueKind::Literal), at) = facts.decls.get(name)? else {
        return None;
    };
    // shadowed inside the class: a local or a parameter of that name
    let class_text = k.slice(k.span);
    let declared_inside = class_text.match_indices(name).any(|(i, _)| {
        let before = class_text[..i].trim_end();
        let after = class_text[i + name.len()..].trim_start();
        let word_start = !class_text[..i]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$' || c == '.');
        if !word_start {
            return false;
        }
        if ["const", "let", "var"].iter().any(|d| before.ends_with(d)) {
            return true;
        }
        // a parameter: `(NAME: …`, or `(NAME)` / `(a, NAME)` opening a body
        if before.ends_with(['(', ',']) {
            if after.starts_with(':') {
                return true;
            }
            if let Some(close) = after.find(')') {
                let next = after[close + 1..].trim_start();
                return next.starts_with('{') || next.starts_with("=>");
            }
        }
        false
    });
    if declared_inside {
        return None;
    }
    let rest = k.text.get(at.end..)?;
    // `NAME = …` or `NAME: string = …`
    let rest = &rest[rest.find('=')? + 1..];
    let rest = rest.trim_start();
    let q = rest
        .chars()
        .next()
        .filter(|c| matches!(c, '"' | '\'' | '`'))?;
    let mut out = String::new();
    let mut chars = rest[1..].chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push(chars.next()?),
            c if c == q => {
                let subst = q == '`' && out.contains("${");
                return Some((out, subst));
            }
            '\n' if q != '`' => return None,
            c => out.push(c),
        }
    }
    None
}

/// Fields initialised to a `Map` or `Set`: `f = new Map()` in the body or
/// `this.f = new Map()`, with the span of the name (relative to `text`).
fn collection_fields(text: &str) -> Vec<(String, Span)> {
    let mut out = Vec::new();
    for ctor in ["new Map", "new Set", "new WeakMap"] {
        for (i, _) in text.match_indices(ctor) {
            let before = text[..i].trim_end();
            let Some(before) = before.strip_suffix('=') else {
                continue;
            };
            if before.ends_with(['=', '!', '<', '>']) {
                continue;
            }
            // `name: Map<…> = new Map()` or `name = new Map()`
            let mut lhs = before.trim_end();
            if let Some(colon) = lhs.rfind(':') {
                let ty = &lhs[colon + 1..];
                if ty.contains("Map") || ty.contains("Set") {
                    lhs = lhs[..colon].trim_end();
                }
            }
            let end = lhs.len();
            let start = lhs
                .rfind(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$' || c == '#'))
                .map(|j| j + 1)
                .unwrap_or(0);
            let field = &lhs[start..end];
            if field.is_empty() {
                continue;
            }
            // `this.f = …` anywhere, or a field declaration: only modifiers
            // before the name on its line (a local `const m = …` is not state)
            let line_start = text[..start].rfind('\n').map(|j| j + 1).unwrap_or(0);
            let head = text[line_start..start].trim();
            let is_field = head.ends_with("this.")
                || head
                    .split_whitespace()
                    .all(|w| matches!(w, "private" | "public" | "protected" | "readonly"));
            if !is_field {
                continue;
            }
            out.push((field.to_string(), Span::new(start, end)));
        }
    }
    out
}

/// The text with `//` and `/* */` comments blanked (strings kept).
fn strip_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '/' && chars.peek() == Some(&'/') {
            for n in chars.by_ref() {
                if n == '\n' {
                    out.push('\n');
                    break;
                }
            }
        } else if c == '/' && chars.peek() == Some(&'*') {
            chars.next();
            let mut prev = ' ';
            for n in chars.by_ref() {
                if prev == '*' && n == '/' {
                    break;
                }
                prev = n;
            }
            out.push(' ');
        } else {
            out.push(c);
        }
    }
    out
}

/// Whether `word` occurs in `text` as a whole word.
fn has_word(text: &str, word: &str) -> bool {
    text.match_indices(word).any(|(i, _)| {
        let ok = |c: Option<char>| !c.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$');
        ok(text[..i].chars().next_back()) && ok(text[i + word.len()..].chars().next())
    })
}

struct Class<'a> {
    ws: &'a Workspace,
    /// The name the class is declared with: findings in its file read the
    /// same whichever Worker or binding reaches it.
    declared: &'a str,
    c: &'a DoClass,
    body: &'a ClassBody,
    text: &'a str,
    /// The class declaration.
    span: Span,
    lang: Lang,
}

impl Class<'_> {
    fn diag(&self, code: Code, span: Span, message: String) -> Diagnostic {
        Diagnostic::new(code, self.c.file.clone(), span, message)
    }
    fn slice(&self, span: Span) -> &str {
        self.text.get(span.start..span.end).unwrap_or("")
    }
    fn name(&self) -> &str {
        self.declared
    }
    /// Whether the class (or a local base) declares `name`; `None` when the
    /// member list cannot be known.
    fn has(&self, name: &str) -> Option<bool> {
        self.c.has_member(self.ws, name)
    }
    /// Whether the runtime class has handler `name` only as the SDK's
    /// default, which panics (a workers-rs `impl` that leaves it out).
    fn defaulted(&self, name: &str) -> bool {
        self.c
            .fact(self.ws)
            .is_some_and(|f| f.defaulted.iter().any(|d| d == name))
    }
    fn called<'u>(&'u self, path: &'u [&'u str]) -> impl Iterator<Item = &'u CtxUse> + 'u {
        self.body.uses_of(path).filter(|u| u.called.is_some())
    }
    fn member_name(&self, u: &CtxUse) -> Option<&str> {
        u.member
            .and_then(|m| self.body.members.get(m))
            .map(|m| m.name.as_str())
    }
    fn in_constructor(&self, u: &CtxUse) -> bool {
        self.body
            .constructor
            .as_ref()
            .is_some_and(|c| u.member == Some(c.member))
    }
}

/// DO201 in Python: an `__init__` that neither calls the base's `__init__`
/// (`super().__init__(ctx, env)`, `DurableObject.__init__(self, …)`) nor
/// sets `self.ctx` / `self.env` itself, in a class that reads them: the
/// base is what sets them, so the first read raises AttributeError.
fn python_init(cx: &mut WorkerCx, k: &Class) {
    let Some(ctor) = &k.body.constructor else {
        return;
    };
    let Some(m) = k.body.members.get(ctor.member) else {
        return;
    };
    let init = k.slice(m.span);
    let code = strip_python_comments(init);
    // the `def __init__(` itself is one
    if code.matches("__init__(").count() > 1 || code.contains("__init__)") {
        return;
    }
    let class_text = strip_python_comments(k.slice(k.span));
    let missing: Vec<&str> = ["ctx", "env"]
        .into_iter()
        .filter(|a| {
            let set = [format!("self.{a} ="), format!("self.{a}=")]
                .iter()
                .any(|p| code.contains(p.as_str()));
            !set && has_word(&class_text, &format!("self.{a}"))
        })
        .collect();
    let Some(first) = missing.first() else {
        return;
    };
    let name = k.name();
    let attrs = missing
        .iter()
        .map(|a| format!("`self.{a}`"))
        .collect::<Vec<_>>()
        .join(" and ");
    let mut d = k.diag(
        Code::DO201,
        m.name_span,
        format!("`{name}.__init__` never calls `super().__init__(ctx, env)`, which is what sets {attrs}: the class reads {}, and the first read raises AttributeError (\"'{name}' object has no attribute '{first}'\")", if missing.len() > 1 { "them" } else { "it" }),
    );
    // `super().__init__(ctx, env)` as the first statement, with the
    // parameters' own names.
    let params: Vec<&str> = ctor
        .params
        .iter()
        .filter_map(|p| p.name.as_deref())
        .collect();
    let body_line = init.lines().skip(1).find(|l| !l.trim().is_empty());
    if let (Some(line), [c, e, ..]) = (body_line, params.as_slice()) {
        if let Some(at) = init.find('\n') {
            let indent: String = line.chars().take_while(|c| c.is_whitespace()).collect();
            d = d.fix(Fix {
                title: format!("Call `super().__init__({c}, {e})` first"),
                edits: vec![Edit {
                    file: k.c.file.clone(),
                    span: Span::new(m.span.start + at + 1, m.span.start + at + 1),
                    text: format!("{indent}super().__init__({c}, {e})\n"),
                }],
                safe: false,
            });
        }
    }
    cx.emit(d);
}

/// Python text without `#` comments (a `#` in a string cuts too: the
/// checks that use it only look for more).
fn strip_python_comments(text: &str) -> String {
    text.lines()
        .map(|l| l.split('#').next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

/// DO201 (super), DO203 (constructor I/O).
fn constructor(cx: &mut WorkerCx, k: &Class) {
    // Python's `__init__`: only whether the base's sets `self.ctx` and
    // `self.env` (its calls are not read for DO203).
    if k.lang == Lang::Python {
        if cx.on(Code::DO201) && k.c.base == DoBase::DurableObject {
            python_init(cx, k);
        }
        return;
    }
    let Some(ctor) = &k.body.constructor else {
        return;
    };
    let Some(m) = k.body.members.get(ctor.member) else {
        return;
    };
    if !m.has_body || m.kind != MemberKind::Constructor {
        return;
    }
    let name = k.name();
    if cx.on(Code::DO201) && k.c.base != DoBase::Legacy {
        match &ctor.super_call {
            None => {
                let mut d = k.diag(
                    Code::DO201,
                    m.name_span,
                    format!("The constructor of Durable Object `{name}` never calls `super(ctx, env)`: constructing it throws a ReferenceError, so the object never starts"),
                );
                if let Some(f) = super_fix(k, m.span) {
                    d = d.fix(f);
                }
                cx.emit(d)
            }
            Some(sc) => {
                if let Some(t) = sc.this_before {
                    cx.emit(k.diag(
                        Code::DO201,
                        t,
                        format!("`this` is used before `super(ctx, env)` in the constructor of `{name}`: it throws a ReferenceError when the object starts"),
                    ));
                } else if let Some(r) = sc.return_before {
                    cx.emit(k.diag(
                        Code::DO201,
                        r,
                        format!("The constructor of `{name}` returns before calling `super(ctx, env)`: it throws a ReferenceError when the object starts"),
                    ));
                }
                let direct = k.c.base == DoBase::DurableObject && k.c.chain.len() == 1;
                if direct && sc.args < 2 && !k.slice(sc.span).contains("...") {
                    let mut d = k.diag(
                        Code::DO201,
                        sc.span,
                        format!("`super` is called with {} argument{} in `{name}`; `DurableObject` needs both `ctx` and `env`: the object fails to start with a TypeError", sc.args, if sc.args == 1 { "" } else { "s" }),
                    );
                    let params = ctor_params(k.slice(m.span));
                    if params.len() >= 2 {
                        d = d.fix(Fix {
                            title: format!("Call `super({}, {})`", params[0].0, params[1].0),
                            edits: vec![Edit {
                                file: k.c.file.clone(),
                                span: sc.span,
                                text: format!("super({}, {})", params[0].0, params[1].0),
                            }],
                            safe: false,
                        });
                    }
                    cx.emit(d);
                }
            }
        }
    }
    if cx.on(Code::DO203) {
        const READS: &[&str] = &["get", "list", "getAlarm"];
        for u in &k.body.ctx_uses {
            if !k.in_constructor(u)
                || u.in_block_concurrency
                || u.nested
                || u.called.is_none()
                || u.path.len() != 2
                || u.path[0] != "storage"
                || !READS.contains(&u.path[1].as_str())
            {
                continue;
            }
            cx.emit(k.diag(
                Code::DO203,
                u.span,
                format!("`storage.{}` in the constructor of `{name}` runs outside `blockConcurrencyWhile`: a request can arrive before it settles. Wrap it in `this.ctx.blockConcurrencyWhile(async () => …)`", u.path[1]),
            ));
        }
        for c in &ctor.calls {
            if c.callee == "fetch" && !c.in_block_concurrency && !c.nested {
                cx.emit(k.diag(
                    Code::DO203,
                    c.span,
                    format!("`fetch` in the constructor of `{name}` runs outside `blockConcurrencyWhile`: a request can arrive before it settles"),
                ));
            }
        }
    }
}

/// DO202 (timers), DO204, DO205, DO206, DO207.
fn handlers(cx: &mut WorkerCx, vc: &VariantCx, k: &Class) {
    let name = k.name();
    if cx.on(Code::DO202) {
        let hibernates = k.called(&["acceptWebSocket"]).next().is_some();
        for t in &k.body.timers {
            // A timer inside a promise's executor (a sleep, a timeout raced
            // against work) ends with the call that awaits it.
            if in_promise_executor(k.text, t.start) {
                continue;
            }
            let which = if k.slice(*t).contains("setInterval") {
                "setInterval"
            } else {
                "setTimeout"
            };
            // A one-off timeout costs only its delay, except where the class
            // hibernates its WebSockets: there any pending timer keeps it
            // awake. An interval never ends on its own.
            if which == "setTimeout" && (!hibernates || short_delay(k.slice(*t))) {
                continue;
            }
            cx.emit(k.diag(
                Code::DO202,
                *t,
                format!("`{which}` in Durable Object `{name}`: a pending timer keeps the object in memory (billed) and stops it from hibernating. Schedule work with `ctx.storage.setAlarm()` instead"),
            ));
        }
    }
    if cx.on(Code::DO204) {
        for u in k.called(&["blockConcurrencyWhile"]) {
            if u.member.is_some() && !k.in_constructor(u) {
                let m = k.member_name(u).unwrap_or("a method");
                cx.emit(k.diag(
                    Code::DO204,
                    u.span,
                    format!("`blockConcurrencyWhile` in `{name}.{m}` holds back every other request to the object while it runs; it is meant for the constructor"),
                ));
            }
        }
    }
    if cx.on(Code::DO205) {
        for u in k.called(&["waitUntil"]) {
            cx.emit(k.diag(
                Code::DO205,
                u.span,
                format!("`ctx.waitUntil` in Durable Object `{name}` does not extend the request: it only keeps the object in memory (billed) until the promise settles"),
            ));
        }
    }
    let set_alarms: Vec<&CtxUse> = k.called(&["storage", "setAlarm"]).collect();
    if cx.on(Code::DO206) {
        let no_handler = k.has("alarm") == Some(false);
        let defaulted = k.defaulted("alarm");
        for u in &set_alarms {
            let rust = k.lang == Lang::Rust;
            if no_handler && defaulted {
                cx.emit(k.diag(
                    Code::DO206,
                    u.span,
                    format!("`set_alarm` in `{name}`, whose `impl DurableObject` has no `alarm` method: when the alarm fires, the SDK's default handler panics (\"alarm() handler not implemented\") and the alarm is retried"),
                ));
            } else if no_handler && rust {
                cx.emit(k.diag(
                    Code::DO206,
                    u.span,
                    format!("`set_alarm` in `{name}`, whose class has no alarm handler (`#[durable_object(…)]` generates only the handlers it names, and an `alarm` method needs `alarm` there): the call throws \"Your Durable Object class must have an alarm() handler in order to call setAlarm()\""),
                ));
            } else if no_handler {
                cx.emit(k.diag(
                    Code::DO206,
                    u.span,
                    format!("`setAlarm` in `{name}`, which has no `alarm()` method: the call throws \"Your Durable Object class must have an alarm() handler in order to call setAlarm()\""),
                ));
            } else if rust {
                // the SDK's `ScheduledTime` from a number is not an epoch time
            } else if let Some(first) = u.called.as_ref().and_then(|c| c.args.first()) {
                if matches!(first.kind, ArgKind::Number) {
                    let lit = k.slice(first.span).replace('_', "");
                    if lit.trim().parse::<f64>().is_ok_and(|t| t <= 0.0) {
                        cx.emit(k.diag(
                            Code::DO206,
                            first.span,
                            "`setAlarm` with a time ≤ 0 throws \"setAlarm() cannot be called with an alarm time <= 0\"".into(),
                        ));
                    }
                }
            }
        }
    }
    if cx.on(Code::DO207) && !set_alarms.is_empty() && delete_all_keeps_alarm(vc) {
        for u in k.called(&["storage", "deleteAll"]) {
            let before = |path: &'static [&'static str]| {
                k.called(path).any(|d| {
                    d.member == u.member && d.member.is_some() && d.span.start < u.span.start
                })
            };
            let cleared = before(&["storage", "deleteAlarm"]);
            // In `alarm()` the alarm that runs is spent: only one set
            // again before the call stays.
            let in_alarm = k.member_name(u) == Some("alarm") && u.via.is_none();
            if !cleared && (!in_alarm || before(&["storage", "setAlarm"])) {
                let (all, alarm) = if k.lang == Lang::Rust {
                    ("delete_all()", "delete_alarm()")
                } else {
                    ("deleteAll()", "deleteAlarm()")
                };
                let mut d = k.diag(
                        Code::DO207,
                        u.span,
                        format!("`{all}` in `{name}`, which sets alarms, leaves a scheduled alarm in place before compatibility date {DELETE_ALL_DELETES_ALARM}: the object wakes again with empty storage. Call `{alarm}` first"),
                    );
                if let Some(f) = delete_alarm_fix(k, u.span) {
                    d = d.fix(f);
                }
                cx.emit(d);
            }
        }
    }
}

/// A constructor's parameters from its text: (name, as written).
fn ctor_params(ctor: &str) -> Vec<(String, String)> {
    let Some(open) = ctor.find('(') else {
        return Vec::new();
    };
    let mut depth = 0i32;
    let mut parts: Vec<String> = Vec::new();
    let mut cur = String::new();
    for c in ctor[open + 1..].chars() {
        match c {
            '(' | '<' | '{' | '[' => depth += 1,
            ')' if depth == 0 => break,
            ')' | '>' | '}' | ']' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(std::mem::take(&mut cur));
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    parts.push(cur);
    parts
        .into_iter()
        .filter(|p| !p.trim().is_empty())
        .filter_map(|p| {
            let written = p.trim().to_string();
            let name = written
                .split_whitespace()
                .find(|w| !matches!(*w, "private" | "public" | "protected" | "readonly"))?
                .split([':', '=', '?'])
                .next()?
                .trim()
                .to_string();
            (!name.is_empty() && !name.starts_with('.')).then_some((name, written))
        })
        .collect()
}

/// `super(ctx, env)` as the constructor's first statement (its parameters
/// completed to two when it has fewer).
fn super_fix(k: &Class, ctor: Span) -> Option<Fix> {
    let text = k.slice(ctor);
    let open = text.find('(')?;
    let mut depth = 0i32;
    let mut close = None;
    for (i, c) in text[open..].char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    close = Some(open + i);
                    break;
                }
            }
            _ => {}
        }
    }
    let close = close?;
    let brace = close + text[close..].find('{')?;
    let mut params = ctor_params(text);
    let mut edits = Vec::new();
    if params.len() < 2 {
        let typed = k.lang.is_typescript();
        let wanted = [("ctx", "DurableObjectState"), ("env", "Env")];
        let mut list: Vec<String> = params.iter().map(|(_, w)| w.clone()).collect();
        for (name, ty) in wanted.iter().skip(params.len()) {
            list.push(if typed {
                format!("{name}: {ty}")
            } else {
                name.to_string()
            });
            params.push((name.to_string(), String::new()));
        }
        edits.push(Edit {
            file: k.c.file.clone(),
            span: Span::new(ctor.start + open + 1, ctor.start + close),
            text: list.join(", "),
        });
    }
    let line_start = k.text[..ctor.start].rfind('\n').map_or(0, |i| i + 1);
    let indent: String = k.text[line_start..ctor.start]
        .chars()
        .take_while(|c| c.is_whitespace())
        .collect();
    let unit = if indent.starts_with('\t') { "\t" } else { "  " };
    edits.push(Edit {
        file: k.c.file.clone(),
        span: Span::new(ctor.start + brace + 1, ctor.start + brace + 1),
        text: format!("\n{indent}{unit}super({}, {});", params[0].0, params[1].0),
    });
    Some(Fix {
        title: format!("Call `super({}, {})` first", params[0].0, params[1].0),
        edits,
        safe: false,
    })
}

/// `deleteAlarm()` on the same storage, on the line before the
/// `deleteAll()` call at `call`.
fn delete_alarm_fix(k: &Class, call: Span) -> Option<Fix> {
    let text = k.slice(call);
    let line_start = k.text[..call.start].rfind('\n').map_or(0, |i| i + 1);
    let line = &k.text[line_start..call.start];
    let indent: String = line.chars().take_while(|c| c.is_whitespace()).collect();
    if k.lang == Lang::Rust {
        // `self.state.storage().delete_all().await?;`: the same statement
        // with `delete_alarm`, awaited and propagated the same way.
        let object = text.rsplit_once(".delete_all")?.0.trim();
        let rest = k.text.get(call.end..)?;
        let tail = rest.split('\n').next()?.trim_end();
        if !tail.starts_with(".await?;") || object.contains('\n') {
            return None;
        }
        return Some(Fix {
            title: "Call `delete_alarm()` before `delete_all()`".into(),
            edits: vec![Edit {
                file: k.c.file.clone(),
                span: Span::new(line_start, line_start),
                text: format!("{indent}{object}.delete_alarm().await?;\n"),
            }],
            safe: false,
        });
    }
    let object = text.rsplit_once(".deleteAll")?.0.trim();
    if k.lang == Lang::Python {
        return Some(Fix {
            title: "Call `deleteAlarm()` before `deleteAll()`".into(),
            edits: vec![Edit {
                file: k.c.file.clone(),
                span: Span::new(line_start, line_start),
                text: format!(
                    "{indent}{}{object}.deleteAlarm()\n",
                    if line.contains("await") { "await " } else { "" }
                ),
            }],
            safe: false,
        });
    }
    let awaited = line.contains("await");
    Some(Fix {
        title: "Call `deleteAlarm()` before `deleteAll()`".into(),
        edits: vec![Edit {
            file: k.c.file.clone(),
            span: Span::new(line_start, line_start),
            text: format!(
                "{indent}{}{object}.deleteAlarm();\n",
                if awaited { "await " } else { "" }
            ),
        }],
        safe: false,
    })
}

/// Whether a `setTimeout(…)` call's delay is absent or a literal of at most
/// a second: a deferral, not a pending wake-up.
fn short_delay(call: &str) -> bool {
    let Some(open) = call.find('(') else {
        return false;
    };
    let inner = call[open + 1..].trim_end().trim_end_matches(')');
    let mut depth = 0i32;
    let mut last_comma = None;
    let mut quote: Option<char> = None;
    for (i, c) in inner.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'' | '`') => quote = Some(c),
            (None, '(' | '[' | '{') => depth += 1,
            (None, ')' | ']' | '}') => depth -= 1,
            (None, ',') if depth == 0 => last_comma = Some(i),
            _ => {}
        }
    }
    match last_comma {
        None => true,
        Some(i) => inner[i + 1..]
            .trim()
            .trim_end_matches(',')
            .replace('_', "")
            .parse::<f64>()
            .is_ok_and(|ms| ms <= 1000.0),
    }
}

/// Whether `at` lies inside the executor of a `new Promise(…)`: one of
/// the (at most three) calls that enclose it is `new Promise`.
fn in_promise_executor(text: &str, at: usize) -> bool {
    let bytes = text.as_bytes();
    let mut depth = 0i32;
    let mut opened = 0;
    let mut i = at.min(bytes.len());
    let floor = at.saturating_sub(4000);
    while i > floor {
        i -= 1;
        match bytes[i] {
            b')' | b'}' | b']' => depth += 1,
            b'(' | b'{' | b'[' if depth > 0 => depth -= 1,
            b'(' => {
                let before = text[..i].trim_end();
                // `new Promise(` or `new Promise<T>(`
                let before = match before.strip_suffix('>') {
                    Some(b) => b.rfind('<').map_or(b, |j| &b[..j]).trim_end(),
                    None => before,
                };
                if before.ends_with("new Promise") {
                    return true;
                }
                opened += 1;
                if opened >= 3 {
                    return false;
                }
            }
            b'{' | b'[' => {}
            _ => {}
        }
    }
    false
}

/// DO301 (SQLite API on KV), DO306 (batch limit).
fn storage(cx: &mut WorkerCx, k: &Class) {
    let name = k.name();
    if cx.on(Code::DO301) && k.c.backend == Some(Backend::Kv) {
        const SQLITE_ONLY: &[&str] = &[
            "sql",
            "kv",
            "transactionSync",
            "getCurrentBookmark",
            "getBookmarkForTime",
            "onNextSessionRestoreBookmark",
        ];
        let (label, at) = k.c.created.clone().unwrap_or_default();
        for u in &k.body.ctx_uses {
            // The first step past `storage`, once per use (`storage.sql`,
            // not also `storage.sql.exec`).
            if u.path.len() < 2
                || u.path[0] != "storage"
                || !SQLITE_ONLY.contains(&u.path[1].as_str())
            {
                continue;
            }
            if u.path.len() > 2
                && k.body.ctx_uses.iter().any(|o| {
                    o.path.len() == 2
                        && o.path[..] == u.path[..2]
                        && o.span.start <= u.span.start
                        && u.span.end <= o.span.end
                })
            {
                continue;
            }
            let api = format!("storage.{}", u.path[1]);
            let mut d = k.diag(
                Code::DO301,
                u.span,
                format!("`{api}` in `{name}`, a KV-backed class ({label}): the SQLite storage API throws on KV-backed Durable Objects. Create the class with `new_sqlite_classes` (a deployed KV class cannot be converted)"),
            );
            if !label.is_empty() {
                d = d.related(
                    cx.cfg_path(),
                    at,
                    format!("`{name}` is created KV-backed here"),
                );
            }
            cx.emit(d);
        }
    }
    if cx.on(Code::DO306) {
        let sev = match k.c.backend {
            Some(Backend::Kv) => Severity::Error,
            Some(Backend::Sqlite) => Severity::Info,
            None => return,
        };
        for op in ["get", "delete"] {
            for u in k.called(&["storage", op]) {
                let Some(first) = u.called.as_ref().and_then(|c| c.args.first()) else {
                    continue;
                };
                if let ArgKind::Array { len, spread: false } = first.kind {
                    if len > BATCH_LIMIT {
                        let backend = if sev == Severity::Error {
                            "KV-backed"
                        } else {
                            "SQLite-backed"
                        };
                        cx.emit(
                            k.diag(
                                Code::DO306,
                                first.span,
                                format!("`storage.{op}` with {len} keys in `{name}` ({backend}): at most {BATCH_LIMIT} keys per call (\"Maximum number of key value pairs is 128. {len} pairs were provided.\")"),
                            )
                            .severity(sev),
                        );
                    }
                }
            }
        }
    }
}

/// DO302–DO305: the queries passed to `sql.exec`.
fn sql_calls(cx: &mut WorkerCx, k: &Class) {
    let name = k.name();
    for u in k.called(&["storage", "sql", "exec"]) {
        let Some(call) = &u.called else { continue };
        let Some(first) = call.args.first() else {
            continue;
        };
        let (text, subst) = match &first.kind {
            ArgKind::Str(s) => (s.clone(), false),
            ArgKind::Template {
                text,
                substitutions,
            } => (text.clone(), *substitutions),
            // `sql.exec(SCHEMA)` with `const SCHEMA = "…"` at the top of the file
            ArgKind::Other => match const_literal(k, k.slice(first.span).trim()) {
                Some(found) => found,
                None => continue,
            },
            _ => continue,
        };
        let query = if subst {
            sql::without_substitutions(&text)
        } else {
            text.clone()
        };
        if cx.on(Code::DO302) {
            let stmts = sql::transaction_statements(&query);
            if let Some(kw) = stmts.first() {
                cx.emit(k.diag(
                    Code::DO302,
                    first.span,
                    format!("`{kw}` in `{exec}` in `{name}`: the runtime refuses transaction statements (\"To execute a transaction, please use the state.storage.transaction() or state.storage.transactionSync() APIs instead of the SQL BEGIN TRANSACTION or SAVEPOINT statements…\"). Use {instead}",
                        exec = if k.lang == Lang::Rust { "sql().exec" } else { "sql.exec" },
                        instead = match k.lang {
                            Lang::Rust => "no transaction statement: consecutive `exec` calls with no `.await` between them commit together (the SDK has no `transactionSync`)",
                            Lang::Python => "`self.ctx.storage.transactionSync(fn)` with a function that runs the statements",
                            _ => "`ctx.storage.transactionSync(() => …)`",
                        }),
                ));
            }
        }
        if cx.on(Code::DO303) {
            let names = sql::reserved_names(&query);
            if !names.is_empty() {
                let list = names
                    .iter()
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(", ");
                cx.emit(k.diag(
                    Code::DO303,
                    first.span,
                    format!("The query in `{name}` names {list}: names starting with `_cf_` are reserved, and the runtime refuses the statement with \"not authorized: SQLITE_AUTH\""),
                ));
            }
        }
        if cx.on(Code::DO304) {
            for a in call.args.iter().skip(1) {
                if let ArgKind::Bool(b) = a.kind {
                    cx.emit(k.diag(
                        Code::DO304,
                        a.span,
                        format!("`{b}` bound to a SQL parameter in `{name}`: SQLite has no boolean type. Bind `{}` instead", u8::from(b)),
                    ));
                }
            }
        }
        // With bindings passed, the substitutions build the statement's
        // shape (a WHERE clause, a list of `?`): the values are bound.
        let binds = call.args.len() > 1;
        if cx.on(Code::DO305) && subst && !binds && has_risky_substitution(&text) {
            cx.emit(k.diag(
                Code::DO305,
                first.span,
                format!("The query in `{name}` is built with `${{…}}`: a value spliced into SQL can change the statement. Pass values as `?` bindings: `sql.exec(\"… WHERE id = ?\", id)`"),
            ));
        }
    }
}

/// Whether some `${…}` substitution of a query template is neither a
/// constant (`${TABLE}`, `${this.TABLE}`) nor a list of `?` placeholders.
fn has_risky_substitution(template: &str) -> bool {
    let mut rest = template;
    while let Some(i) = rest.find("${") {
        let after = &rest[i + 2..];
        let mut depth = 1usize;
        let mut end = after.len();
        for (j, ch) in after.char_indices() {
            match ch {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        end = j;
                        break;
                    }
                }
                _ => {}
            }
        }
        let inner = after[..end].trim();
        let last = inner.rsplit('.').next().unwrap_or(inner);
        let constant = !last.is_empty()
            && last
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
            && last
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_uppercase() || c == '_')
            && inner
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
        let placeholders =
            inner.contains("\"?\"") || inner.contains("'?'") || inner.contains("`?`");
        if !constant && !placeholders {
            return true;
        }
        rest = &after[(end + 1).min(after.len())..];
    }
    false
}

/// DO401, DO403–DO406.
fn websockets(cx: &mut WorkerCx, k: &Class) {
    let name = k.name();
    if cx.on(Code::DO403) {
        for s in &k.body.new_websockets {
            cx.emit(k.diag(
                Code::DO403,
                *s,
                format!("An outgoing WebSocket in Durable Object `{name}`: the object cannot hibernate while it is open and is billed for the whole time"),
            ));
        }
    }
    let accepts: Vec<&CtxUse> = k.called(&["acceptWebSocket"]).collect();
    // A class with `webSocketClose` or `webSocketError` but no
    // `webSocketMessage` may only send (a push socket): only a class with
    // none of the handlers is reported.
    let no_handlers = ["webSocketMessage", "webSocketClose", "webSocketError"]
        .iter()
        .all(|h| k.has(h) == Some(false));
    let rust = k.lang == Lang::Rust;
    if cx.on(Code::DO404) && !accepts.is_empty() && no_handlers {
        for u in &accepts {
            let message = if rust && k.defaulted("webSocketMessage") {
                format!("`accept_web_socket` in `{name}`, whose `impl DurableObject` has no `websocket_message`: the first message a socket receives runs the SDK's default handler, which panics (\"websocket_message() handler not implemented\")")
            } else if rust {
                format!("`accept_web_socket` in `{name}`, whose class has no WebSocket handlers (`#[durable_object(…)]` generates only the handlers it names; `websocket` adds them): the messages its sockets receive have no handler")
            } else {
                format!("`acceptWebSocket` in `{name}`, which has no `webSocketMessage` method: the messages its sockets receive have no handler")
            };
            cx.emit(k.diag(Code::DO404, u.span, message));
        }
    }
    if cx.on(Code::DO405) {
        for u in &accepts {
            let Some(tags) = u.called.as_ref().and_then(|c| c.args.get(1)) else {
                continue;
            };
            if !matches!(tags.kind, ArgKind::Array { .. }) {
                continue;
            }
            let (lits, all) = string_elements(k.slice(tags.span));
            if let Some(long) = lits.iter().find(|t| t.chars().count() > MAX_TAG_LEN) {
                cx.emit(k.diag(
                    Code::DO405,
                    tags.span,
                    format!("A WebSocket tag of {} characters in `{name}`: the runtime refuses tags longer than {MAX_TAG_LEN} (\"… is longer than the max tag length (256 characters).\"){}", long.chars().count(), if rust { ", and the SDK panics on the error" } else { "" }),
                ));
            }
            let mut distinct = lits.clone();
            distinct.sort();
            distinct.dedup();
            if all && distinct.len() > MAX_TAGS {
                cx.emit(k.diag(
                    Code::DO405,
                    tags.span,
                    format!("{} distinct WebSocket tags in `{name}`: the runtime refuses more than {MAX_TAGS} (\"a Hibernatable WebSocket cannot have more than 10 tags\"){}", distinct.len(), if rust { ", and the SDK panics on the error" } else { "" }),
                ));
            }
        }
    }
    if cx.on(Code::DO405) {
        // W-WS-07: the auto-response pair's request and response, at most
        // 2048 bytes each.
        for u in k.called(&["setWebSocketAutoResponse"]) {
            let Some(pair) = u.called.as_ref().and_then(|c| c.args.first()) else {
                continue;
            };
            let text = k.slice(pair.span);
            let Some(args) = text
                .trim()
                .strip_prefix("new WebSocketRequestResponsePair")
                .map(str::trim_start)
                .and_then(|t| t.strip_prefix('('))
                .and_then(|t| t.strip_suffix(')'))
            else {
                continue;
            };
            let (lits, all) = string_elements(&format!("[{args}]"));
            if !all {
                continue;
            }
            for (which, lit) in ["Request", "Response"].iter().zip(&lits) {
                if lit.len() > MAX_AUTO_RESPONSE {
                    cx.emit(k.diag(
                        Code::DO405,
                        pair.span,
                        format!("The auto-response {} in `{name}` is {} bytes: the runtime throws \"{which} cannot be larger than {MAX_AUTO_RESPONSE} bytes. A {} of size {} was provided.\"", which.to_lowercase(), lit.len(), which.to_lowercase(), lit.len()),
                    ));
                }
            }
        }
    }
    if (cx.on(Code::DO401) || cx.on(Code::DO406)) && !k.body.accept_calls.is_empty() {
        let servers = pair_servers(k);
        let hibernated: Vec<(Span, String)> = accepts
            .iter()
            .filter_map(|u| u.called.as_ref()?.args.first())
            .map(|a| {
                let t = k.slice(a.span).trim().trim_start_matches('&').trim();
                (a.span, t.to_string())
            })
            .collect();
        let handler = k.has("webSocketMessage") == Some(true);
        let (hib, message) = if rust {
            ("state.accept_web_socket", "websocket_message")
        } else {
            ("ctx.acceptWebSocket", "webSocketMessage")
        };
        for s in &k.body.accept_calls {
            let call = k.slice(*s);
            let Some(receiver) = call.rsplit_once(".accept").map(|(r, _)| r.trim()) else {
                continue;
            };
            // The pair's scope: the block its declaration is in.
            let Some(scope) = servers
                .iter()
                .find(|(span, n)| n == receiver && span.start <= s.start && s.end <= span.end)
                .map(|(span, _)| *span)
            else {
                continue;
            };
            if hibernated
                .iter()
                .any(|(at, h)| h == receiver && scope.start <= at.start && at.end <= scope.end)
            {
                if cx.on(Code::DO406) {
                    cx.emit(k.diag(
                        Code::DO406,
                        *s,
                        format!("`{receiver}` is accepted with `accept()` and also passed to `{hib}` in `{name}`: the runtime throws \"Cannot call `acceptWebSocket()` if the WebSocket was already accepted via `accept()`\". Keep only `{hib}`"),
                    ));
                }
            } else if cx.on(Code::DO401) {
                // Listeners on the socket: the standard API, chosen on
                // purpose; only a class that also defines the hibernation
                // handler is reported then.
                let listens = [".addEventListener(", ".onmessage", ".events("]
                    .iter()
                    .any(|l| k.text.contains(&format!("{receiver}{l}")));
                if listens && !handler {
                    continue;
                }
                let instead = match k.lang {
                    Lang::Rust => format!("self.state.accept_web_socket(&{receiver})"),
                    Lang::Python => format!("self.ctx.acceptWebSocket({receiver})"),
                    _ => format!("this.ctx.acceptWebSocket({receiver})"),
                };
                let (sev, why) = if handler {
                    (
                        Severity::Error,
                        format!("`{name}` defines `{message}`, which never runs for this socket"),
                    )
                } else {
                    (
                        Severity::Warning,
                        "the object cannot hibernate while the socket is open".to_string(),
                    )
                };
                let mut d = k
                    .diag(
                        Code::DO401,
                        *s,
                        format!("`{receiver}.accept()` in Durable Object `{name}` accepts the socket without hibernation: {why}. Use `{instead}`"),
                    )
                    .severity(sev);
                if k.c.base == DoBase::DurableObject && !rust {
                    d = d.fix(Fix {
                        title: format!("Accept with hibernation: `{instead}`"),
                        edits: vec![Edit {
                            file: k.c.file.clone(),
                            span: *s,
                            text: instead.clone(),
                        }],
                        safe: false,
                    });
                }
                cx.emit(d);
            }
        }
    }
}

/// String literal elements of an array literal's text, and whether every
/// element is one (no spread, no expression).
fn string_elements(array: &str) -> (Vec<String>, bool) {
    let inner = array.trim().trim_start_matches('[').trim_end_matches(']');
    let mut out = Vec::new();
    let mut all = true;
    let mut chars = inner.char_indices().peekable();
    let mut expect_element = true;
    while let Some((_, c)) = chars.next() {
        match c {
            c if c.is_whitespace() => {}
            ',' => expect_element = true,
            '"' | '\'' | '`' if expect_element => {
                let q = c;
                let mut s = String::new();
                let mut closed = false;
                while let Some((_, d)) = chars.next() {
                    if d == '\\' {
                        if let Some((_, e)) = chars.next() {
                            s.push(e);
                        }
                    } else if d == q {
                        closed = true;
                        break;
                    } else {
                        s.push(d);
                    }
                }
                if !closed || (q == '`' && s.contains("${")) {
                    all = false;
                } else {
                    out.push(s);
                }
                expect_element = false;
            }
            _ => {
                all = false;
                // Skip to the next top-level comma.
                let mut depth = 0i32;
                for (_, d) in chars.by_ref() {
                    match d {
                        '(' | '[' | '{' => depth += 1,
                        ')' | ']' | '}' => depth -= 1,
                        ',' if depth <= 0 => break,
                        _ => {}
                    }
                }
                expect_element = true;
            }
        }
    }
    (out, all)
}

/// The server sockets of `WebSocketPair`s the class creates, each with the
/// member it lives in: `const [client, server] = Object.values(pair)`,
/// `const server = pair[1]`, `const { 0: c, 1: server } = new WebSocketPair()`.
fn pair_servers(k: &Class) -> Vec<(Span, String)> {
    let mut out = Vec::new();
    if !k.text.contains("WebSocketPair") {
        return out;
    }
    for m in &k.body.members {
        if !m.has_body {
            continue;
        }
        let Some(member_text) = k.text.get(m.span.start..m.span.end) else {
            continue;
        };
        if !member_text.contains("WebSocketPair") {
            continue;
        }
        let (prefix, suffix) = match k.lang {
            Lang::Rust => ("impl __C {\n", "\n}"),
            // the method's first line lost its indentation to the span
            Lang::Python => ("class __C:\n    ", "\n"),
            _ => ("class __C {\n", "\n}"),
        };
        let wrapped = format!("{prefix}{member_text}{suffix}");
        let Some(tree) = crate::syntax::parse(k.lang, &wrapped, None) else {
            continue;
        };
        let names = match k.lang {
            Lang::Rust => rust_servers_in(tree.root_node(), wrapped.as_bytes()),
            Lang::Python => python_servers_in(tree.root_node(), wrapped.as_bytes()),
            _ => servers_in(tree.root_node(), wrapped.as_bytes()),
        };
        // Back to the file's offsets.
        let base = m.span.start as isize - prefix.len() as isize;
        for (r, n) in names {
            let at = |x: usize| (x as isize + base).max(0) as usize;
            out.push((Span::new(at(r.start), at(r.end)), n));
        }
    }
    out
}

fn strip(mut n: tree_sitter::Node<'_>) -> tree_sitter::Node<'_> {
    while matches!(
        n.kind(),
        "parenthesized_expression"
            | "as_expression"
            | "non_null_expression"
            | "satisfies_expression"
    ) {
        match n.named_child(0) {
            Some(c) => n = c,
            None => break,
        }
    }
    n
}

fn servers_in(root: tree_sitter::Node, src: &[u8]) -> Vec<(std::ops::Range<usize>, String)> {
    let text = |n: tree_sitter::Node| n.utf8_text(src).unwrap_or("").to_string();
    let is_new_pair = |n: tree_sitter::Node| {
        let n = strip(n);
        n.kind() == "new_expression"
            && n.child_by_field_name("constructor")
                .is_some_and(|c| c.utf8_text(src).unwrap_or("") == "WebSocketPair")
    };
    let mut decls = Vec::new();
    let mut stack = vec![root];
    while let Some(n) = stack.pop() {
        if n.kind() == "variable_declarator" {
            decls.push(n);
        }
        let mut c = n.walk();
        stack.extend(n.named_children(&mut c));
    }
    decls.sort_by_key(|n| n.start_byte());
    let mut pairs: Vec<String> = Vec::new();
    let mut servers = Vec::new();
    for d in decls {
        let (Some(name), Some(value)) = (
            d.child_by_field_name("name"),
            d.child_by_field_name("value"),
        ) else {
            continue;
        };
        let value = strip(value);
        let is_pair = |v: tree_sitter::Node| {
            is_new_pair(v) || (v.kind() == "identifier" && pairs.contains(&text(v)))
        };
        match name.kind() {
            "identifier" if is_new_pair(value) => pairs.push(text(name)),
            "identifier" if value.kind() == "subscript_expression" => {
                let (Some(obj), Some(idx)) = (
                    value.child_by_field_name("object"),
                    value.child_by_field_name("index"),
                ) else {
                    continue;
                };
                if is_pair(strip(obj)) && text(idx) == "1" {
                    servers.push((scope(d), text(name)));
                }
            }
            "array_pattern" if value.kind() == "call_expression" => {
                let callee = value
                    .child_by_field_name("function")
                    .map(text)
                    .unwrap_or_default();
                let arg = value
                    .child_by_field_name("arguments")
                    .and_then(|a| a.named_child(0));
                if callee == "Object.values" && arg.is_some_and(|a| is_pair(strip(a))) {
                    let mut c = name.walk();
                    let elems: Vec<_> = name.named_children(&mut c).collect();
                    if let Some(s) = elems.get(1).filter(|e| e.kind() == "identifier") {
                        servers.push((scope(d), text(*s)));
                    }
                }
            }
            "object_pattern" if is_pair(value) => {
                let mut c = name.walk();
                for p in name.named_children(&mut c) {
                    if p.kind() == "pair_pattern"
                        && p.child_by_field_name("key").map(text).as_deref() == Some("1")
                    {
                        if let Some(v) = p
                            .child_by_field_name("value")
                            .filter(|v| v.kind() == "identifier")
                        {
                            servers.push((scope(d), text(v)));
                        }
                    }
                }
            }
            _ => {}
        }
    }
    servers
}

/// The server sockets of Python pairs: `client, server = WebSocketPair.new()`
/// (also `.object_values()`, or through a variable holding the pair). A
/// Python variable's scope is its function.
fn python_servers_in(root: tree_sitter::Node, src: &[u8]) -> Vec<(std::ops::Range<usize>, String)> {
    let text = |n: tree_sitter::Node| n.utf8_text(src).unwrap_or("").to_string();
    let mut assigns = Vec::new();
    let mut stack = vec![root];
    while let Some(n) = stack.pop() {
        if n.kind() == "assignment" {
            assigns.push(n);
        }
        let mut c = n.walk();
        stack.extend(n.named_children(&mut c));
    }
    assigns.sort_by_key(|n| n.start_byte());
    let mut pairs: Vec<String> = Vec::new();
    let mut servers = Vec::new();
    for a in assigns {
        let (Some(left), Some(right)) = (
            a.child_by_field_name("left"),
            a.child_by_field_name("right"),
        ) else {
            continue;
        };
        let value = text(right).replace(char::is_whitespace, "");
        let value = value.strip_suffix(".object_values()").unwrap_or(&value);
        let is_pair = value.ends_with("WebSocketPair.new()") || pairs.iter().any(|p| p == value);
        if !is_pair {
            continue;
        }
        let mut func = a;
        while let Some(p) = func.parent() {
            func = p;
            if p.kind() == "function_definition" {
                break;
            }
        }
        match left.kind() {
            "identifier" => pairs.push(text(left)),
            "pattern_list" | "tuple_pattern" => {
                let mut c = left.walk();
                let items: Vec<_> = left.named_children(&mut c).collect();
                if let Some(s) = items.get(1).filter(|s| s.kind() == "identifier") {
                    servers.push((a.start_byte()..func.end_byte(), text(*s)));
                }
            }
            _ => {}
        }
    }
    // A name bound again later in the function ends the earlier binding.
    let starts: Vec<(usize, String)> = servers.iter().map(|(r, n)| (r.start, n.clone())).collect();
    for (r, n) in servers.iter_mut() {
        if let Some((next, _)) = starts
            .iter()
            .find(|(at, m)| m == n && *at > r.start && *at < r.end)
        {
            r.end = *next;
        }
    }
    servers
}

/// The block a declaration is scoped to (its uses lie within).
fn scope(d: tree_sitter::Node) -> std::ops::Range<usize> {
    let mut n = d;
    while let Some(p) = n.parent() {
        if matches!(
            p.kind(),
            "statement_block"
                | "block"
                | "switch_case"
                | "switch_default"
                | "class_body"
                | "declaration_list"
        ) {
            return p.byte_range();
        }
        n = p;
    }
    n.byte_range()
}

/// The server sockets of workers-rs pairs: `let WebSocketPair { server, .. }
/// = WebSocketPair::new()?` (or `server: s`), `let s = pair.server`, and
/// `pair.server` itself.
fn rust_servers_in(root: tree_sitter::Node, src: &[u8]) -> Vec<(std::ops::Range<usize>, String)> {
    let text = |n: tree_sitter::Node| n.utf8_text(src).unwrap_or("").to_string();
    let mut lets = Vec::new();
    let mut stack = vec![root];
    while let Some(n) = stack.pop() {
        if n.kind() == "let_declaration" {
            lets.push(n);
        }
        let mut c = n.walk();
        stack.extend(n.named_children(&mut c));
    }
    lets.sort_by_key(|n| n.start_byte());
    let mut pairs: Vec<String> = Vec::new();
    let mut servers = Vec::new();
    for d in lets {
        let (Some(pattern), Some(value)) = (
            d.child_by_field_name("pattern"),
            d.child_by_field_name("value"),
        ) else {
            continue;
        };
        let new_pair = text(value).replace(char::is_whitespace, "");
        let new_pair = new_pair.starts_with("WebSocketPair::new()")
            || new_pair.starts_with("worker::WebSocketPair::new()");
        match pattern.kind() {
            "identifier" if new_pair => {
                let p = text(pattern);
                servers.push((scope(d), format!("{p}.server")));
                pairs.push(p);
            }
            "identifier" if value.kind() == "field_expression" => {
                let (Some(obj), Some(field)) = (
                    value.child_by_field_name("value"),
                    value.child_by_field_name("field"),
                ) else {
                    continue;
                };
                if pairs.contains(&text(obj)) && text(field) == "server" {
                    servers.push((scope(d), text(pattern)));
                }
            }
            "struct_pattern" if new_pair => {
                let mut c = pattern.walk();
                for f in pattern.named_children(&mut c) {
                    match f.kind() {
                        "shorthand_field_identifier" if text(f) == "server" => {
                            servers.push((scope(d), "server".into()))
                        }
                        "field_pattern" => {
                            let name = f.child_by_field_name("name").map(text);
                            let bound = f
                                .child_by_field_name("pattern")
                                .filter(|p| p.kind() == "identifier")
                                .map(text);
                            match (name.as_deref(), bound) {
                                (Some("server"), Some(b)) => servers.push((scope(d), b)),
                                (Some("server"), None) => servers.push((scope(d), "server".into())),
                                _ => {}
                            }
                        }
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    servers
}

#[cfg(test)]
mod fix_tests {
    use super::ctor_params;

    #[test]
    fn constructor_parameters_are_read_from_its_text() {
        let names =
            |t: &str| -> Vec<String> { ctor_params(t).into_iter().map(|(n, _)| n).collect() };
        assert_eq!(
            names("constructor(ctx: DurableObjectState, env: Env) {}"),
            ["ctx", "env"]
        );
        assert_eq!(
            names("constructor(private readonly state: DurableObjectState<{ a: 1, b: 2 }>, env?: Env) {}"),
            ["state", "env"]
        );
        assert_eq!(names("constructor(state, env = {}) {}"), ["state", "env"]);
        assert!(names("constructor() {}").is_empty());
        assert_eq!(ctor_params("constructor(ctx: X) {}")[0].1, "ctx: X");
    }
}
