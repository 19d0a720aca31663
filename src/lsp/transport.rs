//! The transport: JSON-RPC messages framed on stdin and stdout.
//!
//! Our own framing, because one bad message must not end the server:
//! headers in any order and case, `Content-Type` with or without a
//! charset, garbage before a header skipped, a `Content-Length` past
//! [`MAX_MESSAGE`] skipped (and logged), a wrong `Content-Length` survived
//! (a header is found wherever it starts on a line, and the bytes after a
//! body's one JSON value are read again), a body that is not JSON answered
//! with a parse error (-32700), one that is not a JSON-RPC 2.0 message (a
//! batch, another version, a fractional id) with an invalid request
//! (-32600), a request for an unknown `$/` method with method-not-found.
//! The server keeps serving after each of them. Otherwise it runs the
//! service much as tower-lsp-server's own transport does, with two
//! differences: notifications are applied on the reading loop in arrival
//! order (never behind requests), and requests run concurrently without a
//! cap; responses and server-to-client requests are written as they come.

use futures::channel::mpsc;
use futures::{future, SinkExt, StreamExt};
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tower::Service;
use tower_lsp_server::jsonrpc::{Error, Id, Request, Response};
use tower_lsp_server::ClientSocket;

/// The largest message read; larger ones are skipped.
pub const MAX_MESSAGE: usize = 64 * 1024 * 1024;
/// How long handlers may still run after `exit` or the end of input.
const GRACE: std::time::Duration = std::time::Duration::from_millis(500);
/// The longest header line kept; longer lines are garbage.
const MAX_HEADER_LINE: usize = 8 * 1024;

/// One frame read from the input.
#[derive(Debug, PartialEq)]
pub enum Frame {
    Body(Vec<u8>),
    /// Skipped, with the reason (logged).
    Skipped(String),
    End,
}

/// Reads frames, resynchronising after anything malformed: a
/// `Content-Length:` header is found wherever it starts on a line (after
/// the tail of a body that was longer than announced, or glued to
/// garbage), and a body longer than its one JSON value (a length counted
/// too long) gives the bytes after that value back to the input.
pub struct FrameReader<R> {
    input: BufReader<R>,
    /// Bytes given back: read before `input`.
    pending: std::collections::VecDeque<u8>,
}

const CONTENT_LENGTH: &[u8] = b"content-length:";

/// Where `Content-Length:` starts in `line`, in any case.
fn content_length_at(line: &[u8]) -> Option<usize> {
    line.windows(CONTENT_LENGTH.len())
        .position(|w| w.eq_ignore_ascii_case(CONTENT_LENGTH))
}

impl<R: AsyncRead + Unpin> FrameReader<R> {
    pub fn new(input: R) -> Self {
        FrameReader {
            input: BufReader::new(input),
            pending: std::collections::VecDeque::new(),
        }
    }

    /// One header line without its line break; `None` at the end.
    async fn line(&mut self) -> Option<Vec<u8>> {
        let mut buf = Vec::new();
        while let Some(b) = self.pending.pop_front() {
            if b == b'\n' {
                if buf.last() == Some(&b'\r') {
                    buf.pop();
                }
                return Some(buf);
            }
            if buf.len() < MAX_HEADER_LINE {
                buf.push(b);
            }
        }
        loop {
            let chunk = self.input.fill_buf().await.ok()?;
            if chunk.is_empty() {
                return if buf.is_empty() { None } else { Some(buf) };
            }
            match chunk.iter().position(|b| *b == b'\n') {
                Some(i) => {
                    if buf.len() < MAX_HEADER_LINE {
                        buf.extend_from_slice(&chunk[..i]);
                    }
                    self.input.consume(i + 1);
                    if buf.last() == Some(&b'\r') {
                        buf.pop();
                    }
                    return Some(buf);
                }
                None => {
                    let n = chunk.len();
                    if buf.len() < MAX_HEADER_LINE {
                        buf.extend_from_slice(chunk);
                    }
                    self.input.consume(n);
                }
            }
        }
    }

    /// `len` bytes of body: the given-back ones first.
    async fn body(&mut self, len: usize) -> Option<Vec<u8>> {
        let mut body = Vec::with_capacity(len);
        while body.len() < len {
            match self.pending.pop_front() {
                Some(b) => body.push(b),
                None => break,
            }
        }
        let have = body.len();
        body.resize(len, 0);
        self.input.read_exact(&mut body[have..]).await.ok()?;
        Some(body)
    }

    pub async fn next(&mut self) -> Frame {
        let mut length: Option<usize> = None;
        let mut bad_length: Option<String> = None;
        let mut garbage = 0usize;
        let mut headers = 0usize;
        loop {
            let Some(mut line) = self.line().await else {
                return Frame::End;
            };
            if line.is_empty() {
                if headers == 0 {
                    continue; // a stray blank line between frames
                }
                break;
            }
            // A header glued to what came before it (the tail of a body
            // shorter than announced, garbage): a new message starts there.
            if let Some(i) = content_length_at(&line).filter(|i| *i > 0) {
                garbage += i;
                line.drain(..i);
                length = None;
                bad_length = None;
                headers = 0;
            }
            let text = String::from_utf8_lossy(&line);
            let Some((name, value)) = text.split_once(':') else {
                // garbage before a header: skip the line
                garbage += line.len();
                continue;
            };
            headers += 1;
            let name = name.trim();
            if name.eq_ignore_ascii_case("content-length") {
                match value.trim().parse::<u64>() {
                    Ok(n) => length = Some(n.min(usize::MAX as u64) as usize),
                    Err(_) => bad_length = Some(value.trim().to_string()),
                }
            } else if name.eq_ignore_ascii_case("content-type") {
                let v = value.to_ascii_lowercase();
                if let Some(cs) = v.split(';').find_map(|p| p.trim().strip_prefix("charset=")) {
                    let cs = cs.trim().trim_matches('"');
                    if cs != "utf-8" && cs != "utf8" {
                        crate::log!(Warn, "Content-Type charset {cs} is read as utf-8");
                    }
                }
            }
        }
        if garbage > 0 {
            crate::log!(
                Warn,
                "skipped {garbage} bytes that were not a message header"
            );
        }
        let Some(len) = length else {
            return Frame::Skipped(match bad_length {
                Some(v) => format!("a message header has an invalid Content-Length ({v:?})"),
                None => "a message header has no Content-Length".into(),
            });
        };
        if len > MAX_MESSAGE {
            // Not read: what follows is scanned for the next header, so a
            // lying header cannot make the server wait for bytes that never
            // come.
            return Frame::Skipped(format!(
                "a message header announces {len} bytes, over the {MAX_MESSAGE}-byte limit"
            ));
        }
        let Some(mut body) = self.body(len).await else {
            return Frame::End;
        };
        // A length counted too long: the body holds one JSON value and the
        // start of what follows, which goes back to the input.
        if let Some(end) = overlong(&body) {
            crate::log!(
                Warn,
                "a message was {} bytes shorter than its Content-Length; the rest is read again",
                body.len() - end
            );
            for b in body.drain(end..).rev() {
                self.pending.push_front(b);
            }
        }
        Frame::Body(body)
    }
}

/// Where the one JSON value of `body` ends, when bytes other than
/// whitespace follow it.
fn overlong(body: &[u8]) -> Option<usize> {
    if serde_json::from_slice::<serde::de::IgnoredAny>(body).is_ok() {
        return None;
    }
    let mut values =
        serde_json::Deserializer::from_slice(body).into_iter::<serde::de::IgnoredAny>();
    values.next()?.ok()?;
    let end = values.byte_offset();
    (end < body.len()).then_some(end)
}

/// What a frame's body is.
#[derive(Debug)]
pub enum Incoming {
    Request(Request),
    Response(Response),
    /// An error to answer with, and why (logged).
    Invalid(Response, String),
}

/// Classifies a body: a request, a response to one of ours, or an error.
pub fn parse(body: &[u8]) -> Incoming {
    let value: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(e) => {
            return Incoming::Invalid(
                Response::from_error(Id::Null, Error::parse_error()),
                format!("a message is not JSON: {e}"),
            )
        }
    };
    let id = value
        .get("id")
        .and_then(|i| serde_json::from_value::<Id>(i.clone()).ok())
        .unwrap_or(Id::Null);
    let invalid = |why: String| {
        Incoming::Invalid(
            Response::from_error(id.clone(), Error::invalid_request()),
            why,
        )
    };
    if value.is_array() {
        return invalid(
            "a batch of messages (JSON-RPC batches are not part of the protocol)".into(),
        );
    }
    if value.get("jsonrpc") != Some(&Value::String("2.0".into())) {
        return invalid(format!(
            "a message is not JSON-RPC 2.0 (jsonrpc: {})",
            value.get("jsonrpc").unwrap_or(&Value::Null)
        ));
    }
    if value.get("method").is_some() {
        return match serde_json::from_value::<Request>(value.clone()) {
            Ok(r) => Incoming::Request(r),
            Err(e) => invalid(format!("an invalid request: {e}")),
        };
    }
    if value.get("result").is_some() || value.get("error").is_some() {
        return match serde_json::from_value::<Response>(value) {
            Ok(r) => Incoming::Response(r),
            Err(e) => invalid(format!("an invalid response: {e}")),
        };
    }
    invalid("a message that is neither a request nor a response".into())
}

fn frame(v: &impl serde::Serialize) -> Vec<u8> {
    let body = serde_json::to_vec(v).unwrap_or_default();
    let mut out = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    out.extend_from_slice(&body);
    out
}

/// Serves `service` on `input`/`output` until `exit` or the end of input;
/// returns whether `exit` ended it.
pub async fn serve<I, O, S>(input: I, output: O, socket: ClientSocket, mut service: S) -> bool
where
    I: AsyncRead + Unpin,
    O: AsyncWrite + Unpin,
    S: Service<Request, Response = Option<Response>> + Send + 'static,
    S::Error: std::fmt::Display,
    S::Future: Send + 'static,
{
    let (client_requests, mut client_responses) = socket.split();
    // Server-to-client requests stop with the input (the service keeps
    // clients alive in tasks that never end).
    let (mut client_requests, abort) = futures::stream::abortable(client_requests);
    let (out_tx, mut out_rx) = mpsc::unbounded::<Vec<u8>>();
    let (task_tx, task_rx) = mpsc::channel::<future::BoxFuture<'static, Option<Response>>>(100);

    let write = async move {
        let mut output = output;
        while let Some(bytes) = out_rx.next().await {
            if output.write_all(&bytes).await.is_err() || output.flush().await.is_err() {
                break;
            }
        }
    };
    let responses_out = out_tx.clone();
    // After `exit` or the end of input, requests still running get a short
    // grace period: a handler waiting on a client that will never answer
    // must not keep the process alive.
    let (ended_tx, ended_rx) = tokio::sync::oneshot::channel::<()>();
    let run_tasks = async move {
        // No cap: a request waiting for an analysis holds nothing another
        // request needs.
        let mut done = task_rx.buffer_unordered(usize::MAX);
        let grace = async {
            let _ = ended_rx.await;
            tokio::time::sleep(GRACE).await;
        };
        tokio::pin!(grace);
        loop {
            tokio::select! {
                r = done.next() => match r {
                    Some(Some(r)) => {
                        let _ = responses_out.unbounded_send(frame(&r));
                    }
                    Some(None) => {}
                    None => break,
                },
                _ = &mut grace => {
                    crate::log!(Warn, "handlers still running at exit are dropped");
                    break;
                }
            }
        }
    };
    let requests_out = out_tx.clone();
    let to_client = async move {
        while let Some(req) = client_requests.next().await {
            let _ = requests_out.unbounded_send(frame(&req));
        }
    };
    let read = async move {
        let mut exited = false;
        let mut task_tx = task_tx;
        let mut frames = FrameReader::new(input);
        loop {
            let body = match frames.next().await {
                Frame::End => break,
                Frame::Skipped(why) => {
                    crate::log!(Error, "{why}; the message is skipped");
                    continue;
                }
                Frame::Body(b) => b,
            };
            match parse(&body) {
                Incoming::Invalid(resp, why) => {
                    crate::log!(Error, "{why}; answered with an error");
                    let _ = out_tx.unbounded_send(frame(&resp));
                }
                Incoming::Response(r) => {
                    let _ = client_responses.send(r).await;
                }
                Incoming::Request(req) => {
                    let method = req.method().to_string();
                    if method.starts_with("$/") && req.id().is_some() {
                        let id = req.id().cloned().unwrap_or(Id::Null);
                        let _ = out_tx.unbounded_send(frame(&Response::from_error(
                            id,
                            Error::method_not_found(),
                        )));
                        continue;
                    }
                    if let Err(e) = future::poll_fn(|cx| service.poll_ready(cx)).await {
                        crate::log!(Error, "the service stopped: {e}");
                        break;
                    }
                    let notification = req.id().is_none();
                    let fut = service.call(req);
                    if notification {
                        // Applied here, in arrival order, whatever requests
                        // are in flight (`$/cancelRequest` included). No
                        // notification handler waits for the client.
                        if let Err(e) = fut.await {
                            crate::log!(Error, "a notification failed: {e}");
                        }
                        if method == "exit" {
                            exited = true;
                            break;
                        }
                        continue;
                    }
                    let fut: future::BoxFuture<'static, Option<Response>> = Box::pin(async move {
                        match fut.await {
                            Ok(r) => r,
                            Err(e) => {
                                crate::log!(Error, "a request failed: {e}");
                                None
                            }
                        }
                    });
                    if task_tx.send(fut).await.is_err() {
                        break;
                    }
                    if method == "exit" {
                        exited = true;
                        break;
                    }
                }
            }
        }
        drop(task_tx);
        drop(out_tx);
        abort.abort();
        let _ = ended_tx.send(());
        exited
    };
    // The writer ends once every sender is gone: the reader's, the request
    // tasks' (after the last answer) and the client requests' (aborted).
    let (exited, _, _, _) = futures::join!(read, run_tasks, to_client, write);
    exited
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn frames(input: &[u8]) -> Vec<Frame> {
        let mut r = FrameReader::new(input);
        let mut out = Vec::new();
        loop {
            let f = r.next().await;
            if f == Frame::End {
                return out;
            }
            out.push(f);
        }
    }

    #[tokio::test]
    async fn headers_in_any_order_and_case() {
        let input = b"content-type: application/vscode-jsonrpc\r\ncontent-length: 2\r\n\r\n{}Content-Length: 4\nContent-Type: application/vscode-jsonrpc; charset=utf-8\n\nnull";
        assert_eq!(
            frames(input).await,
            [Frame::Body(b"{}".to_vec()), Frame::Body(b"null".to_vec())]
        );
    }

    #[tokio::test]
    async fn garbage_and_oversized_frames_are_skipped() {
        let mut input = b"garbage\r\nmore garbage\r\nContent-Length: 2\r\n\r\n{}".to_vec();
        input.extend_from_slice(format!("Content-Length: {}\r\n\r\n", MAX_MESSAGE + 1).as_bytes());
        input.extend(std::iter::repeat_n(b'x', 100_000));
        input.extend_from_slice(b"\r\nContent-Length: 2\r\n\r\n[]");
        input.extend_from_slice(b"X-Other: 1\r\n\r\nContent-Length: 2\r\n\r\n{}");
        let f = frames(&input).await;
        assert_eq!(f[0], Frame::Body(b"{}".to_vec()));
        assert!(matches!(&f[1], Frame::Skipped(w) if w.contains("over the")));
        // the oversized body is scanned as garbage up to the next header
        assert_eq!(f[2], Frame::Body(b"[]".to_vec()));
        assert!(matches!(&f[3], Frame::Skipped(w) if w.contains("no Content-Length")));
        assert_eq!(f[4], Frame::Body(b"{}".to_vec()));
    }

    #[tokio::test]
    async fn lengths_too_short_or_too_long_resynchronise() {
        // one byte short: the body's last byte is glued to the next header
        let short = b"Content-Length: 3\r\n\r\n[1]]Content-Length: 2\r\n\r\n{}";
        let f = frames(short).await;
        assert_eq!(
            f,
            [Frame::Body(b"[1]".to_vec()), Frame::Body(b"{}".to_vec())]
        );
        // two bytes long: the value is kept, the rest read again
        let long = b"Content-Length: 4\r\n\r\n{}Content-Length: 2\r\n\r\n[]";
        let f = frames(long).await;
        assert_eq!(
            f,
            [Frame::Body(b"{}".to_vec()), Frame::Body(b"[]".to_vec())]
        );
        // a body swallowing a whole message gives it back
        let longer =
            b"Content-Length: 26\r\n\r\n{}Content-Length: 4\r\n\r\nnullContent-Length: 2\r\n\r\n[]";
        let f = frames(longer).await;
        assert_eq!(
            f,
            [
                Frame::Body(b"{}".to_vec()),
                Frame::Body(b"null".to_vec()),
                Frame::Body(b"[]".to_vec())
            ]
        );
        assert_eq!(overlong(b"{} "), None);
        assert_eq!(overlong(b"{\"a\":1}Con"), Some(7));
        assert_eq!(overlong(b"{\"a\":"), None);
    }

    #[test]
    fn bodies_that_are_not_json_rpc_get_the_protocol_errors() {
        let code = |b: &[u8]| match parse(b) {
            Incoming::Invalid(r, _) => serde_json::to_value(&r).unwrap()["error"]["code"]
                .as_i64()
                .unwrap(),
            other => panic!("{other:?}"),
        };
        assert_eq!(code(b"{not json"), -32700);
        assert_eq!(
            code(b"[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"x\"}]"),
            -32600
        );
        assert_eq!(
            code(b"{\"jsonrpc\":\"1.0\",\"id\":1,\"method\":\"x\"}"),
            -32600
        );
        assert_eq!(
            code(b"{\"jsonrpc\":\"2.0\",\"id\":1.5,\"method\":\"x\"}"),
            -32600
        );
        assert_eq!(code(b"{\"jsonrpc\":\"2.0\"}"), -32600);
        assert!(matches!(
            parse(b"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"hover\"}"),
            Incoming::Request(_)
        ));
        assert!(matches!(
            parse(b"{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":null}"),
            Incoming::Response(_)
        ));
    }
}
