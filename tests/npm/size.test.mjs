// What ships stays small: the linux-x64 npm package and the linux-x64 .vsix, as
// packaging/build-npm.mjs (Cargo profile `dist`) and editors/vscode/scripts/package.mjs build
// them, under 8 MB and 10 MB; and each carries the licence and nothing it does not need.
//
//   node packaging/build-npm.mjs --platform linux-x64 && bash .ci/vscode-package <binary>
//   node --test tests/npm/size.test.mjs
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const tarballs = path.resolve(repo, process.env.DURABLE_LSP_NPM || "target/npm");
const version = fs.readFileSync(path.join(repo, "Cargo.toml"), "utf8").match(/^version\s*=\s*"([^"]+)"/m)[1];
const MB = 1024 * 1024;

const npmTgz = path.join(tarballs, `durable-lsp-cli-linux-x64-${version}.tgz`);
const mainTgz = path.join(tarballs, `durable-lsp-${version}.tgz`);
const vsix = path.join(repo, "editors/vscode", `durable-lsp-linux-x64-${version}.vsix`);

function size(file) {
  assert.ok(fs.existsSync(file), `${file} was not built`);
  return fs.statSync(file).size;
}

function entries(archive) {
  const r = archive.endsWith(".vsix")
    ? spawnSync("unzip", ["-Z1", archive], { encoding: "utf8" })
    : spawnSync("tar", ["-tzf", archive], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.split("\n").filter(Boolean);
}

test("the linux-x64 npm package is under 8 MB and its binary is stripped", () => {
  const n = size(npmTgz);
  console.log(`${path.basename(npmTgz)}: ${(n / MB).toFixed(2)} MB`);
  assert.ok(n < 8 * MB, `${(n / MB).toFixed(2)} MB`);
  const bin = path.join(tarballs, "stage", "cli-linux-x64", "durable-lsp");
  const syms = spawnSync("readelf", ["--section-headers", "--wide", bin], { encoding: "utf8" });
  if (syms.status === 0) {
    assert.doesNotMatch(syms.stdout, /\.symtab|\.debug_/, "the binary that ships carries symbols or debug info");
  }
});

test("the linux-x64 .vsix is under 10 MB", () => {
  const n = size(vsix);
  console.log(`${path.basename(vsix)}: ${(n / MB).toFixed(2)} MB`);
  assert.ok(n < 10 * MB, `${(n / MB).toFixed(2)} MB`);
});

test("every package carries the licence, and the .vsix no dot-files", () => {
  for (const tgz of [npmTgz, mainTgz]) {
    const names = entries(tgz);
    for (const f of ["package/LICENSE", "package/LICENSE-APACHE"]) assert.ok(names.includes(f), `${path.basename(tgz)} lacks ${f}`);
  }
  const names = entries(vsix);
  // vsce stores the licence as LICENSE.txt
  assert.ok(names.includes("extension/LICENSE.txt") || names.includes("extension/LICENSE"), "the .vsix lacks LICENSE");
  assert.ok(names.includes("extension/LICENSE-APACHE"), "the .vsix lacks LICENSE-APACHE");
  const dot = names.filter((n) => n.startsWith("extension/") && !n.includes("/node_modules/") && path.basename(n).startsWith("."));
  assert.deepEqual(dot, [], "dot-files in the .vsix");
});
