// Packages the extension: compiles it, copies the rule pages from
// docs/rules/ (so rule links open offline) and the licence from the
// repository's root, and, with --binary, bundles a
// server binary for one platform (a platform-specific .vsix).
//
//   node scripts/package.mjs [--binary PATH --target linux-x64] [--out FILE]
//
// Without --binary the .vsix finds `durable-lsp` on PATH or through the
// durableLsp.server.path setting.

import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const repo = path.resolve(here, "..", "..");
const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const binary = opt("--binary");
const target = opt("--target");
if (binary && !target) {
  console.error("--binary needs --target (linux-x64, darwin-arm64, win32-x64, …)");
  process.exit(2);
}
const version = JSON.parse(fs.readFileSync(path.join(here, "package.json"), "utf8")).version;
const out = path.resolve(opt("--out") ?? path.join(here, `durable-lsp${target ? "-" + target : ""}-${version}.vsix`));

// the rule pages
const docs = path.join(here, "docs", "rules");
fs.rmSync(path.join(here, "docs"), { recursive: true, force: true });
fs.mkdirSync(docs, { recursive: true });
for (const f of fs.readdirSync(path.join(repo, "docs", "rules"))) {
  if (f.endsWith(".md")) fs.copyFileSync(path.join(repo, "docs", "rules", f), path.join(docs, f));
}

// the licence, from the repository's root (one copy, shipped in every package)
for (const f of ["LICENSE", "LICENSE-APACHE"]) fs.copyFileSync(path.join(repo, f), path.join(here, f));

// the server
const server = path.join(here, "server");
fs.rmSync(server, { recursive: true, force: true });
if (binary) {
  fs.mkdirSync(server);
  const exe = target.startsWith("win32") ? "durable-lsp.exe" : "durable-lsp";
  fs.copyFileSync(path.resolve(binary), path.join(server, exe));
  fs.chmodSync(path.join(server, exe), 0o755);
}

const bin = (name) => path.join(here, "node_modules", ".bin", name);
execFileSync(bin("tsc"), ["-p", here], { stdio: "inherit" });
const vsce = ["package", "--out", out];
if (target) vsce.push("--target", target);
execFileSync(bin("vsce"), vsce, { cwd: here, stdio: ["ignore", "inherit", "inherit"] });
console.log(out);
