// Send one case's request to a local `wrangler dev` and print the outcome as JSON.
//
// usage: node request.mjs BASE_URL REQUEST_FILE TIMEOUT_MS
//
// REQUEST_FILE: the first line that is not blank or a `#` comment is `METHOD PATH`;
// each later such line is a header `Name: value`. A request with `Upgrade: websocket`
// is a WebSocket handshake: a `101` answer counts as the upgrade succeeding, and the
// socket is closed at once.
//
// stdout: {"status": <number, 0 when there was no answer>, "body": <first 4 KiB>,
//          "error": <string, when the request itself failed>, "ms": <elapsed>}
import http from "node:http";
import { readFileSync } from "node:fs";

const [base, file, timeoutArg] = process.argv.slice(2);
const timeout = Number(timeoutArg || 20000);
const lines = readFileSync(file, "utf8")
  .split("\n")
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith("#"));
const [method, path] = (lines.shift() || "GET /").split(/\s+/);
const headers = {};
for (const l of lines) {
  const i = l.indexOf(":");
  if (i > 0) headers[l.slice(0, i).trim()] = l.slice(i + 1).trim();
}

const started = Date.now();
let done = false;
function finish(result) {
  if (done) return;
  done = true;
  process.stdout.write(JSON.stringify({ ...result, ms: Date.now() - started }) + "\n");
  process.exit(0);
}

const url = new URL(path, base);
const req = http.request(url, { method, headers });
req.setTimeout(timeout, () => {
  finish({ status: 0, body: "", error: `no answer within ${timeout} ms` });
  req.destroy();
});
req.on("upgrade", (res, socket) => {
  socket.destroy();
  finish({ status: res.statusCode, body: "" });
});
req.on("response", (res) => {
  let body = "";
  res.setEncoding("utf8");
  res.on("data", (c) => {
    if (body.length < 4096) body += c;
  });
  res.on("end", () => finish({ status: res.statusCode, body: body.slice(0, 4096) }));
  res.on("error", (e) => finish({ status: res.statusCode, body, error: String(e) }));
});
req.on("error", (e) => finish({ status: 0, body: "", error: String(e) }));
req.end();
