// The language server over stdio, driven by vscode-languageserver-protocol,
// the library under VS Code's language client.
"use strict";
const { test, after } = require("node:test");
const assert = require("node:assert/strict");
const cp = require("node:child_process");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { pathToFileURL } = require("node:url");
const rpc = require("vscode-languageserver-protocol/node");

const REPO = path.resolve(__dirname, "..", "..");
const BIN = process.env.DURABLE_LSP || path.join(REPO, "target", "debug", "durable-lsp");

function project(fixture) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "durable-lsp-node-"));
  fs.cpSync(path.join(REPO, "tests", "fixtures", fixture), dir, { recursive: true });
  return fs.realpathSync(dir);
}

const uri = (p) => pathToFileURL(p).href;

// Every server started, so that a failing test cannot leave one running (and the run hanging).
const children = [];
after(() => {
  for (const c of children) c.kill();
});

async function start(root, capabilities = {}) {
  const child = cp.spawn(BIN, [], { stdio: ["pipe", "pipe", "ignore"] });
  children.push(child);
  const conn = rpc.createProtocolConnection(
    new rpc.StreamMessageReader(child.stdout),
    new rpc.StreamMessageWriter(child.stdin)
  );
  const published = new Map();
  const waiters = [];
  conn.onNotification(rpc.PublishDiagnosticsNotification.type, (p) => {
    published.set(p.uri, p.diagnostics);
    for (const w of [...waiters]) w();
  });
  conn.onRequest(rpc.RegistrationRequest.type, () => null);
  conn.listen();
  const init = await conn.sendRequest(rpc.InitializeRequest.type, {
    processId: process.pid,
    rootUri: uri(root),
    workspaceFolders: [{ uri: uri(root), name: "root" }],
    capabilities,
  });
  await conn.sendNotification(rpc.InitializedNotification.type, {});
  const diagnostics = (file, pred) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching diagnostics for ${file}`)), 15000);
      const check = () => {
        const d = published.get(uri(file));
        if (d && pred(d)) {
          clearTimeout(timer);
          waiters.splice(waiters.indexOf(check), 1);
          resolve(d);
        }
      };
      waiters.push(check);
      check();
    });
  const stop = async () => {
    const exited = new Promise((r) => child.once("exit", r));
    const t0 = Date.now();
    await conn.sendRequest(rpc.ShutdownRequest.type);
    await conn.sendNotification(rpc.ExitNotification.type);
    await exited;
    conn.dispose();
    return Date.now() - t0;
  };
  return { conn, init, diagnostics, stop };
}

const codes = (d) => d.map((x) => x.code);

test("cross-file diagnostics, hover and a prompt exit", async () => {
  const root = project("do101-class-not-exported");
  const cfg = path.join(root, "wrangler.toml");
  const src = path.join(root, "src", "index.ts");
  const s = await start(root, { general: { positionEncodings: ["utf-16"] } });
  assert.equal(s.init.capabilities.positionEncoding, "utf-16");

  const d = await s.diagnostics(cfg, (d) => codes(d).filter((c) => c === "DO101").length === 2);
  const first = d.find((x) => x.range.start.line === 6);
  assert.equal(first.codeDescription.href, "https://github.com/durable-lsp/durable-lsp/blob/v0.1.0/docs/rules/DO101.md");
  assert.equal(first.source, "durable-lsp");
  assert.equal(first.relatedInformation[0].location.uri, uri(src));

  const h = await s.conn.sendRequest(rpc.HoverRequest.type, {
    textDocument: { uri: uri(cfg) },
    position: { line: 6, character: 16 },
  });
  assert.match(h.contents.value, /docs\/rules\/DO101\.md/);
  const text = fs.readFileSync(src, "utf8");
  const lines = text.split("\n");
  const apiLine = lines.findIndex((l) => l.includes("env.COUNTER.idFromName"));
  const api = await s.conn.sendRequest(rpc.HoverRequest.type, {
    textDocument: { uri: uri(src) },
    position: { line: apiLine, character: lines[apiLine].indexOf("idFromName") + 1 },
  });
  assert.match(api.contents.value, /https:\/\/developers\.cloudflare\.com\//);

  // exporting the class in the (open) source clears DO101 on the unopened config
  await s.conn.sendNotification(rpc.DidOpenTextDocumentNotification.type, {
    textDocument: { uri: uri(src), languageId: "typescript", version: 1, text },
  });
  const line = lines.findIndex((l) => l.startsWith("class Counter"));
  await s.conn.sendNotification(rpc.DidChangeTextDocumentNotification.type, {
    textDocument: { uri: uri(src), version: 2 },
    contentChanges: [{ range: { start: { line, character: 0 }, end: { line, character: 0 } }, text: "export " }],
  });
  await s.diagnostics(cfg, (d) => codes(d).filter((c) => c === "DO101").length === 1);

  // a change on disk, announced by the client, is seen
  fs.writeFileSync(cfg, fs.readFileSync(cfg, "utf8").replace('class_name = "MainObject"', 'class_name = "Aliased"'));
  await s.conn.sendNotification(rpc.DidChangeWatchedFilesNotification.type, {
    changes: [{ uri: uri(cfg), type: rpc.FileChangeType.Changed }],
  });
  await s.diagnostics(cfg, (d) => !codes(d).includes("DO101"));

  const ms = await s.stop();
  assert.ok(ms < 1000, `shutdown and exit took ${ms} ms`);
});

test("columns after a non-BMP character follow the negotiated encoding", async () => {
  const expected = { "utf-16": 57, "utf-8": 60, "utf-32": 56 };
  for (const [enc, col] of Object.entries(expected)) {
    const root = project("ok-basic");
    const cfg = path.join(root, "wrangler.toml");
    fs.writeFileSync(
      cfg,
      'name = "w"\nmain = "src/index.ts"\ndurable_objects.bindings = [{ name = "😀é", class_name = "Nope" }]\n[[migrations]]\ntag = "v1"\nnew_sqlite_classes = ["Nope"]\n'
    );
    const s = await start(root, { general: { positionEncodings: [enc] } });
    assert.equal(s.init.capabilities.positionEncoding, enc);
    const d = await s.diagnostics(cfg, (d) => codes(d).includes("DO101"));
    assert.equal(d.find((x) => x.code === "DO101").range.start.character, col, enc);
    await s.stop();
  }
});

test("pull diagnostics for a client that can be asked to re-pull", async () => {
  const root = project("do101-class-not-exported");
  const cfg = path.join(root, "wrangler.toml");
  const child = cp.spawn(BIN, [], { stdio: ["pipe", "pipe", "ignore"] });
  const conn = rpc.createProtocolConnection(new rpc.StreamMessageReader(child.stdout), new rpc.StreamMessageWriter(child.stdin));
  let refreshed;
  const refresh = new Promise((r) => (refreshed = r));
  conn.onRequest(rpc.DiagnosticRefreshRequest.type, () => {
    refreshed();
    return null;
  });
  conn.listen();
  const init = await conn.sendRequest(rpc.InitializeRequest.type, {
    processId: process.pid,
    rootUri: uri(root),
    capabilities: { textDocument: { diagnostic: { dynamicRegistration: false } }, workspace: { diagnostics: { refreshSupport: true } } },
  });
  assert.equal(init.capabilities.diagnosticProvider.interFileDependencies, true);
  await conn.sendNotification(rpc.InitializedNotification.type, {});
  await refresh;
  const report = await conn.sendRequest(rpc.WorkspaceDiagnosticRequest.type, { previousResultIds: [] });
  const item = report.items.find((i) => i.uri === uri(cfg));
  assert.deepEqual(codes(item.items), ["DO101", "DO101"]);
  await conn.sendRequest(rpc.ShutdownRequest.type);
  await conn.sendNotification(rpc.ExitNotification.type);
  conn.dispose();
});
