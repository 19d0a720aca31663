// The npm packages as a user gets them: the tarballs that packaging/build-npm.mjs packed
// (DURABLE_LSP_NPM, default target/npm) installed into an empty project, offline, with an empty
// cache, so the unpublished sibling platform packages are never looked up; then the shim runs
// --check on the bundled example and serves LSP on stdio.
//
//   node packaging/build-npm.mjs --binary target/debug/durable-lsp && node --test tests/npm/
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const tarballs = path.resolve(repo, process.env.DURABLE_LSP_NPM || "target/npm");
const version = fs.readFileSync(path.join(repo, "Cargo.toml"), "utf8").match(/^version\s*=\s*"([^"]+)"/m)[1];
const platform = `${process.platform}-${process.arch}`;
const mainTgz = path.join(tarballs, `durable-lsp-${version}.tgz`);
const platformTgz = path.join(tarballs, `durable-lsp-cli-${platform}-${version}.tgz`);
const npmCmd = process.platform === "win32" ? "npm.cmd" : "npm";

// An empty project with the given tarballs installed offline; returns its folder.
function project(t, ...tgzs) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "durable-lsp-npm-"));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.writeFileSync(path.join(dir, "package.json"), '{ "name": "app", "version": "1.0.0", "private": true }\n');
  const r = spawnSync(
    npmCmd,
    ["install", "--no-save", "--offline", "--cache", path.join(dir, ".npm-cache"), "--no-audit", "--no-fund", "--loglevel", "silly", ...tgzs],
    { cwd: dir, encoding: "utf8", env: { ...process.env, npm_config_registry: "http://127.0.0.1:9/" } },
  );
  assert.equal(r.status, 0, `npm install failed:\n${r.stderr}`);
  // npm asks for the siblings' manifests (to read their os/cpu) but, offline, only of its cache,
  // which is empty: nothing goes over the network.
  const fetched = r.stderr.split("\n").filter((l) => /npm http fetch/.test(l));
  assert.deepEqual(fetched, [], "no registry request");
  assert.match(r.stderr, /@durable-lsp\/cli-darwin-arm64@/, "the sibling platform packages were considered");
  assert.equal(JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")).dependencies, undefined);
  fs.cpSync(path.join(repo, "examples/chat"), path.join(dir, "chat"), { recursive: true });
  return dir;
}

function npx(dir, args, env = {}) {
  return spawnSync(process.platform === "win32" ? "npx.cmd" : "npx", ["--offline", "durable-lsp", ...args], {
    cwd: dir,
    encoding: "utf8",
    env: { ...process.env, npm_config_registry: "http://127.0.0.1:9/", ...env },
  });
}

function shimPath(dir) {
  return path.join(dir, "node_modules/durable-lsp/bin/durable-lsp.js");
}

// LSP framing over the child's stdout: resolves with the next message whose id is `id`.
function lspClient(child) {
  let buf = Buffer.alloc(0);
  const waiting = new Map();
  const seen = new Map();
  child.stdout.on("data", (chunk) => {
    buf = Buffer.concat([buf, chunk]);
    for (;;) {
      const end = buf.indexOf("\r\n\r\n");
      if (end < 0) return;
      const len = Number(/Content-Length: *(\d+)/i.exec(buf.subarray(0, end).toString())[1]);
      if (buf.length < end + 4 + len) return;
      const msg = JSON.parse(buf.subarray(end + 4, end + 4 + len).toString());
      buf = buf.subarray(end + 4 + len);
      if (msg.id !== undefined && msg.method === undefined) {
        if (waiting.has(msg.id)) waiting.get(msg.id)(msg);
        else seen.set(msg.id, msg);
      }
    }
  });
  const send = (msg) => {
    const body = Buffer.from(JSON.stringify({ jsonrpc: "2.0", ...msg }));
    child.stdin.write(`Content-Length: ${body.length}\r\n\r\n`);
    child.stdin.write(body);
  };
  const request = (id, method, params) => {
    send({ id, method, params });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer to ${method}`)), 20000);
      const done = (m) => (clearTimeout(timer), resolve(m));
      if (seen.has(id)) done(seen.get(id));
      else waiting.set(id, done);
    });
  };
  return { send, request };
}

function exited(child) {
  return new Promise((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
}

async function initialize(client, dir) {
  const res = await client.request(1, "initialize", {
    processId: process.pid,
    rootUri: `file://${path.join(dir, "chat")}`,
    capabilities: {},
  });
  assert.equal(res.result.serverInfo.name, "durable-lsp");
  assert.equal(res.result.serverInfo.version, version);
  assert.ok(res.result.capabilities.hoverProvider, "hover is offered");
  return res;
}

test("the tarballs install offline and the shim runs --check on the example", (t) => {
  assert.ok(fs.existsSync(mainTgz), `${mainTgz} (run packaging/build-npm.mjs first)`);
  assert.ok(fs.existsSync(platformTgz), `${platformTgz} (run packaging/build-npm.mjs first)`);
  const dir = project(t, mainTgz, platformTgz);
  const installed = fs.readdirSync(path.join(dir, "node_modules/@durable-lsp"));
  assert.deepEqual(installed, [`cli-${platform}`], "only this platform's package");

  const v = npx(dir, ["--version"]);
  assert.equal(v.status, 0, v.stderr);
  assert.equal(v.stdout.trim(), `durable-lsp ${version}`);

  const human = npx(dir, ["--check", "chat", "--format", "human", "--color", "never"]);
  assert.equal(human.status, 1, `exit 1 on errors\n${human.stdout}${human.stderr}`);
  const headers = human.stdout.split("\n").filter((l) => /^(error|warning|info|hint)\[/.test(l));
  assert.deepEqual(
    headers.map((l) => l.slice(0, l.indexOf("]") + 1)),
    ["error[DO110]", "error[DO101]", "error[DO102]"],
  );
  assert.match(human.stdout, /--> chat\/src\/index\.ts:20:16/);
  assert.match(human.stdout, /--> chat\/wrangler\.jsonc:11:43/);
  assert.match(human.stdout, /Checked 1 Worker \(6 files\): 3 errors, 0 warnings, 0 infos, 0 hints\./);

  const json = npx(dir, ["--check", "chat", "--format", "json"]);
  assert.equal(json.status, 1, json.stderr);
  const report = JSON.parse(json.stdout);
  assert.deepEqual(
    report.diagnostics.map((d) => `${d.code} ${d.file}:${d.line}:${d.column}`),
    ["DO110 chat/src/index.ts:20:16", "DO101 chat/wrangler.jsonc:11:43", "DO102 chat/wrangler.jsonc:12:42"],
  );
  assert.equal(report.summary.errors, 3);

  const clean = npx(dir, ["--explain", "DO101"]);
  assert.equal(clean.status, 0, clean.stderr);
  assert.match(clean.stdout, /^# DO101: class-not-exported/);
});

test("the server starts through the shim: initialize, shutdown, exit", async (t) => {
  const dir = project(t, mainTgz, platformTgz);
  const child = spawn(path.join(dir, "node_modules/.bin/durable-lsp"), [], { cwd: dir, stdio: ["pipe", "pipe", "pipe"] });
  const done = exited(child);
  const client = lspClient(child);
  await initialize(client, dir);
  client.send({ method: "initialized", params: {} });
  const shut = await client.request(2, "shutdown", null);
  assert.equal(shut.result, null);
  assert.equal(shut.error, undefined);
  client.send({ method: "exit" });
  assert.deepEqual(await done, { code: 0, signal: null }, "the shim exits as the server does");
});

test("a signal sent to the shim reaches the server", { skip: process.platform !== "linux" }, async (t) => {
  const dir = project(t, mainTgz, platformTgz);
  const child = spawn(process.execPath, [shimPath(dir)], { cwd: dir, stdio: ["pipe", "pipe", "pipe"] });
  const done = exited(child);
  await initialize(lspClient(child), dir);
  const children = fs.readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, "utf8").trim().split(/\s+/);
  assert.equal(children.length, 1, "the shim runs one process");
  const server = Number(children[0]);
  assert.match(fs.readFileSync(`/proc/${server}/cmdline`, "utf8"), /durable-lsp/);
  child.kill("SIGTERM");
  assert.deepEqual(await done, { code: null, signal: "SIGTERM" }, "the shim dies of the server's signal");
  assert.equal(fs.existsSync(`/proc/${server}`), false, "the server is gone");
});

test("without the platform package the shim names it and the alternatives", (t) => {
  const dir = project(t, mainTgz);
  assert.equal(fs.existsSync(path.join(dir, "node_modules/@durable-lsp")), false);
  const r = npx(dir, ["--check", "chat"]);
  assert.equal(r.status, 2, r.stderr);
  assert.equal(r.stdout, "");
  assert.match(r.stderr, new RegExp(`the package @durable-lsp/cli-${platform}, which holds the binary for ${platform}, is not installed`));
  assert.match(r.stderr, /cargo install --locked durable-lsp/);
  assert.match(r.stderr, /DURABLE_LSP_BINARY/);

  // A platform with no package at all (process.platform faked before the shim loads).
  const fake = path.join(dir, "freebsd.cjs");
  fs.writeFileSync(fake, 'Object.defineProperty(process, "platform", { value: "freebsd" });\n');
  const u = spawnSync(process.execPath, ["--require", fake, shimPath(dir), "--check", "chat"], { cwd: dir, encoding: "utf8" });
  assert.equal(u.status, 2, u.stderr);
  assert.match(u.stderr, new RegExp(`no prebuilt binary for this platform, freebsd-${process.arch}`));
  for (const p of ["linux-x64", "linux-arm64", "darwin-x64", "darwin-arm64", "win32-x64"]) {
    assert.match(u.stderr, new RegExp(`\\n  ${p} `), `lists ${p}`);
  }
  assert.match(u.stderr, /cargo install --locked durable-lsp/);

  // musl libc, where npm leaves out the glibc-only Linux packages.
  if (process.platform === "linux") {
    const musl = path.join(dir, "musl.cjs");
    fs.writeFileSync(musl, "process.report.getReport = () => ({ header: { osName: 'Linux' } });\n");
    const m = spawnSync(process.execPath, ["--require", musl, shimPath(dir), "--check", "chat"], { cwd: dir, encoding: "utf8" });
    assert.equal(m.status, 2, m.stderr);
    assert.match(m.stderr, new RegExp(`no prebuilt binary for this platform, ${platform} \\(musl libc\\)`));
  }

  // DURABLE_LSP_BINARY wins over the packages; a wrong one is reported, not thrown.
  const missing = path.join(dir, "no-such-binary");
  const o = npx(dir, ["--version"], { DURABLE_LSP_BINARY: missing });
  assert.equal(o.status, 2);
  assert.match(o.stderr, /cannot run .*no-such-binary \(ENOENT\)/);
});

test("build-npm.mjs refuses a package whose version is not Cargo.toml's", (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "durable-lsp-build-"));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.cpSync(path.join(repo, "packaging"), path.join(dir, "packaging"), { recursive: true });
  const cargo = fs.readFileSync(path.join(repo, "Cargo.toml"), "utf8");
  const build = (args) =>
    spawnSync(process.execPath, [path.join(dir, "packaging/build-npm.mjs"), "--only", "main", "--out", path.join(dir, "out"), ...args], { encoding: "utf8" });

  fs.writeFileSync(path.join(dir, "Cargo.toml"), cargo.replace(/^version = "[^"]+"/m, 'version = "9.9.9"'));
  const r = build([]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, new RegExp(`package\\.json has version ${version}, Cargo\\.toml 9\\.9\\.9`));

  fs.writeFileSync(path.join(dir, "Cargo.toml"), cargo);
  const manifest = path.join(dir, "packaging/npm/durable-lsp/package.json");
  const pkg = JSON.parse(fs.readFileSync(manifest, "utf8"));
  pkg.optionalDependencies["@durable-lsp/cli-win32-x64"] = "^0.0.1";
  fs.writeFileSync(manifest, JSON.stringify(pkg));
  const o = build([]);
  assert.equal(o.status, 1);
  assert.match(o.stderr, /optionalDependencies\.@durable-lsp\/cli-win32-x64 is \^0\.0\.1/);

  const p = build(["--platform", "sunos-x64"]);
  assert.equal(p.status, 1);
  assert.match(p.stderr, /no package for platform sunos-x64/);
});
