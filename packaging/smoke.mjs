#!/usr/bin/env node
// The smoke test of a built binary, run on each platform's own runner before anything is
// published (.github/workflows/release.yml) and on the linux-x64 build in CI:
//
//   node packaging/smoke.mjs PATH/TO/durable-lsp
//
// 1. `--version` prints `durable-lsp <Cargo.toml's version>`;
// 2. `--check --format json examples/chat` exits 1 with exactly DO101, DO102 and DO110, one each;
// 3. as a language server on stdio: `initialize` (rooted at examples/chat) answers with hover and
//    serverInfo.name "durable-lsp", `shutdown` answers, and after `exit` the process ends with 0
//    within 10 seconds.
//
// One line per passed check; on the first failure, a message and exit code 1. Plain Node, no
// dependencies.
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const example = path.join(repo, "examples", "chat");
const TIMEOUT_MS = 10_000;

function fail(msg) {
  console.error(`smoke: FAILED: ${msg}`);
  process.exit(1);
}

function pass(msg) {
  console.log(`smoke: ok: ${msg}`);
}

function cargoVersion() {
  const toml = fs.readFileSync(path.join(repo, "Cargo.toml"), "utf8");
  const pkg = toml.split(/^\[/m).find((s) => s.startsWith("package]"));
  const m = pkg && pkg.match(/^version\s*=\s*"([^"]+)"/m);
  if (!m) fail("no [package] version in Cargo.toml");
  return m[1];
}

// Runs the binary to its end; a binary that does not start, hangs or is killed fails here.
function run(binary, args) {
  const r = spawnSync(binary, args, { cwd: repo, encoding: "utf8", timeout: 60_000, maxBuffer: 64 << 20 });
  const shown = `durable-lsp ${args.join(" ")}`;
  if (r.error) fail(`${shown}: ${r.error.message}`);
  if (r.signal) fail(`${shown} was killed by ${r.signal}\n${r.stderr}`);
  return r;
}

function checkVersion(binary, version) {
  const r = run(binary, ["--version"]);
  const out = r.stdout.trim();
  if (r.status !== 0) fail(`--version exited with ${r.status}\n${r.stderr}`);
  if (out !== `durable-lsp ${version}`) fail(`--version printed "${out}", not "durable-lsp ${version}" (Cargo.toml)`);
  pass(`--version prints "${out}"`);
}

function checkExample(binary) {
  const args = ["--check", "--format", "json", "examples/chat"];
  const r = run(binary, args);
  if (r.status !== 1) fail(`${args.join(" ")} exited with ${r.status}, not 1 (errors)\n${r.stdout}${r.stderr}`);
  let report;
  try {
    report = JSON.parse(r.stdout);
  } catch (e) {
    fail(`${args.join(" ")} did not print JSON (${e.message}):\n${r.stdout}`);
  }
  const codes = (report.diagnostics ?? []).map((d) => d.code).sort();
  const want = ["DO101", "DO102", "DO110"];
  if (JSON.stringify(codes) !== JSON.stringify(want)) {
    fail(`${args.join(" ")} found [${codes.join(", ")}], not exactly [${want.join(", ")}]`);
  }
  pass(`${args.join(" ")} exits 1 with ${want.join(", ")}, one each`);
}

// LSP over stdio: Content-Length framed JSON-RPC messages.
function frame(msg) {
  const body = Buffer.from(JSON.stringify(msg), "utf8");
  return Buffer.concat([Buffer.from(`Content-Length: ${body.length}\r\n\r\n`, "ascii"), body]);
}

function checkServer(binary) {
  return new Promise((resolve) => {
    const child = spawn(binary, [], { cwd: repo, stdio: ["pipe", "pipe", "pipe"] });
    let stderr = "";
    let step = "initialize";
    let exited = false;
    const timer = setTimeout(() => die(`the language server did not finish within ${TIMEOUT_MS / 1000} s (waiting for: ${step})`), TIMEOUT_MS);
    const die = (msg) => {
      clearTimeout(timer);
      if (!exited) child.kill("SIGKILL");
      fail(`${msg}${stderr ? `\nserver stderr:\n${stderr}` : ""}`);
    };
    child.on("error", (e) => die(`the language server did not start: ${e.message}`));
    child.stderr.on("data", (d) => (stderr += d));
    child.stdin.on("error", () => {}); // a server that died is reported by its exit below
    const send = (msg) => child.stdin.write(frame(msg));

    const waiting = new Map(); // id → what to do with the response
    const request = (id, method, params, then) => {
      waiting.set(id, then);
      send({ jsonrpc: "2.0", id, method, params });
    };
    const onMessage = (msg) => {
      if (msg.method !== undefined) {
        // A request from the server gets an empty answer; notifications need none.
        if (msg.id !== undefined) send({ jsonrpc: "2.0", id: msg.id, result: null });
        return;
      }
      const then = waiting.get(msg.id);
      if (!then) return die(`a response to no request: ${JSON.stringify(msg)}`);
      waiting.delete(msg.id);
      if (msg.error) return die(`${step} answered with an error: ${JSON.stringify(msg.error)}`);
      then(msg.result);
    };

    let buf = Buffer.alloc(0);
    child.stdout.on("data", (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      for (;;) {
        const end = buf.indexOf("\r\n\r\n");
        if (end < 0) return;
        const header = buf.subarray(0, end).toString("ascii");
        const m = header.match(/^Content-Length:\s*(\d+)\s*$/im);
        if (!m) return die(`a message without Content-Length: ${JSON.stringify(header)}`);
        const length = Number(m[1]);
        if (buf.length < end + 4 + length) return;
        const body = buf.subarray(end + 4, end + 4 + length).toString("utf8");
        buf = buf.subarray(end + 4 + length);
        let msg;
        try {
          msg = JSON.parse(body);
        } catch (e) {
          return die(`a message that is not JSON (${e.message}): ${body}`);
        }
        onMessage(msg);
      }
    });

    child.on("exit", (code, signal) => {
      exited = true;
      clearTimeout(timer);
      if (step !== "exit") return die(`the language server ended (${signal ?? `exit code ${code}`}) while waiting for: ${step}`);
      if (code !== 0) return die(`after shutdown and exit the language server ended with ${signal ?? `exit code ${code}`}, not 0`);
      pass("the language server exits with 0 after shutdown and exit");
      resolve();
    });

    const rootUri = pathToFileURL(example).href;
    request(
      1,
      "initialize",
      {
        processId: process.pid,
        clientInfo: { name: "durable-lsp smoke test" },
        rootUri,
        workspaceFolders: [{ uri: rootUri, name: "chat" }],
        capabilities: {},
      },
      (result) => {
        const caps = result?.capabilities;
        if (!caps?.hoverProvider) return die(`initialize: capabilities.hoverProvider is ${JSON.stringify(caps?.hoverProvider)}`);
        if (result.serverInfo?.name !== "durable-lsp") {
          return die(`initialize: serverInfo.name is ${JSON.stringify(result.serverInfo?.name)}, not "durable-lsp"`);
        }
        pass(`initialize (root ${rootUri}) answers with hoverProvider and serverInfo ${result.serverInfo.name} ${result.serverInfo.version ?? ""}`.trimEnd());
        step = "shutdown";
        request(2, "shutdown", null, () => {
          pass("shutdown answers");
          step = "exit";
          send({ jsonrpc: "2.0", method: "exit" });
          child.stdin.end();
        });
      },
    );
  });
}

async function main() {
  const [binaryArg, ...rest] = process.argv.slice(2);
  if (!binaryArg || rest.length) {
    console.error("usage: node packaging/smoke.mjs PATH/TO/durable-lsp");
    process.exit(2);
  }
  const binary = path.resolve(binaryArg);
  if (!fs.existsSync(binary)) fail(`no binary at ${binary}`);
  console.log(`smoke: ${binary}`);
  checkVersion(binary, cargoVersion());
  checkExample(binary);
  await checkServer(binary);
  console.log("smoke: all checks passed");
}

await main();
