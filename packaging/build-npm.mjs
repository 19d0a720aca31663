#!/usr/bin/env node
// Builds the npm packages: `durable-lsp` (the JS shim, packaging/npm/durable-lsp) and
// `@durable-lsp/cli-<os>-<cpu>` (one platform's binary, its manifest written here), and packs
// each into a tarball.
//
//   node packaging/build-npm.mjs [--binary PATH] [--platform linux-x64] [--out DIR]
//                                [--only main|platform]
//
// Without --binary it builds the binary that ships, with Cargo's `dist` profile: for Linux
// (linux-x64, linux-arm64) with cargo-zigbuild (from PyPI, into .e2e/zigvenv) for
// <rust target>.2.17, so the binary runs on glibc 2.17 and newer, checked with readelf; for macOS
// and Windows natively, on their own runners. CI and the release workflow both build this way. --platform defaults to this machine's. The versions of Cargo.toml and of the package (and of its optional dependencies)
// must agree. Tarballs go to --out (default target/npm).
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const mainDir = path.join(repo, "packaging/npm/durable-lsp");

// One row per platform package; the shim's PLATFORMS and package.json's optionalDependencies
// list the same names (checked below).
export const PLATFORMS = {
  "linux-x64": { os: "linux", cpu: "x64", libc: "glibc", rust: "x86_64-unknown-linux-gnu", title: "Linux x64 (glibc 2.17 or newer)" },
  "linux-arm64": { os: "linux", cpu: "arm64", libc: "glibc", rust: "aarch64-unknown-linux-gnu", title: "Linux arm64 (glibc 2.17 or newer)" },
  "darwin-x64": { os: "darwin", cpu: "x64", rust: "x86_64-apple-darwin", title: "macOS x64" },
  "darwin-arm64": { os: "darwin", cpu: "arm64", rust: "aarch64-apple-darwin", title: "macOS arm64" },
  "win32-x64": { os: "win32", cpu: "x64", rust: "x86_64-pc-windows-msvc", title: "Windows x64" },
};

// The Cargo profile of what ships (Cargo.toml's [profile.dist]: stripped, LTO, one codegen unit).
const PROFILE = "dist";

// Pinned tools for the default build.
const ZIGBUILD = ["cargo-zigbuild==0.24.0", "ziglang==0.17.0"];
const GLIBC_MAX = [2, 17];

function die(msg) {
  console.error(`build-npm: ${msg}`);
  process.exit(1);
}

function run(cmd, args, opts = {}) {
  console.error(`+ ${cmd} ${args.join(" ")}`);
  const r = spawnSync(cmd, args, { stdio: "inherit", ...opts });
  if (r.error) die(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) die(`${cmd} exited with ${r.status}`);
}

function capture(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 256 << 20 });
  if (r.error) die(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) die(`${cmd} ${args.join(" ")} exited with ${r.status}: ${r.stderr}`);
  return r.stdout;
}

function parseArgs(argv) {
  const opts = { platform: `${process.platform}-${process.arch}`, out: path.join(repo, "target/npm"), only: null, binary: null };
  for (let i = 0; i < argv.length; i++) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (!["--binary", "--platform", "--out", "--only"].includes(flag)) die(`unknown argument ${flag}`);
    if (value === undefined) die(`${flag} needs a value`);
    opts[flag.slice(2)] = value;
    i++;
  }
  if (opts.only && !["main", "platform"].includes(opts.only)) die("--only takes main or platform");
  if (!PLATFORMS[opts.platform]) die(`no package for platform ${opts.platform}; known: ${Object.keys(PLATFORMS).join(", ")}`);
  opts.out = path.resolve(opts.out);
  if (opts.binary) opts.binary = path.resolve(opts.binary);
  return opts;
}

function cargoField(name) {
  const toml = fs.readFileSync(path.join(repo, "Cargo.toml"), "utf8");
  const pkg = toml.split(/^\[/m).find((s) => s.startsWith("package]"));
  const m = pkg && pkg.match(new RegExp(`^${name}\\s*=\\s*"([^"]+)"`, "m"));
  if (!m) die(`no [package] ${name} in Cargo.toml`);
  return m[1];
}

function cargoVersion() {
  return cargoField("version");
}

// Every package carries the licence from the repository's root.
function copyLicences(dir) {
  for (const f of ["LICENSE", "LICENSE-APACHE"]) fs.copyFileSync(path.join(repo, f), path.join(dir, f));
}

// The package, its optional dependencies, the shim's table and Cargo.toml agree.
function checkManifest(version) {
  const manifest = JSON.parse(fs.readFileSync(path.join(mainDir, "package.json"), "utf8"));
  if (manifest.version !== version) die(`packaging/npm/durable-lsp/package.json has version ${manifest.version}, Cargo.toml ${version}`);
  const home = cargoField("repository");
  if (manifest.homepage !== home) die(`packaging/npm/durable-lsp/package.json has homepage ${manifest.homepage}, Cargo.toml's repository is ${home}`);
  const want = Object.keys(PLATFORMS).map((p) => `@durable-lsp/cli-${p}`).sort();
  const deps = manifest.optionalDependencies || {};
  const have = Object.keys(deps).sort();
  if (JSON.stringify(have) !== JSON.stringify(want)) die(`optionalDependencies ${have.join(", ")} differ from ${want.join(", ")}`);
  for (const [name, v] of Object.entries(deps)) {
    if (v !== version) die(`optionalDependencies.${name} is ${v}, not ${version}: pin each at the package's version`);
  }
  const shim = fs.readFileSync(path.join(mainDir, manifest.bin["durable-lsp"]), "utf8");
  for (const p of Object.keys(PLATFORMS)) {
    if (!shim.includes(`"${p}":`)) die(`the shim's PLATFORMS lacks ${p}`);
  }
}

// Release build for Linux against glibc 2.17 with cargo-zigbuild (from any Linux host).
function zigbuild(target) {
  if (process.platform !== "linux") die("the default build needs a Linux host; pass --binary");
  const venv = path.join(repo, ".e2e/zigvenv");
  const bin = path.join(venv, "bin");
  if (!fs.existsSync(path.join(bin, "cargo-zigbuild"))) {
    run("python3", ["-m", "venv", venv]);
    run(path.join(bin, "pip"), ["install", "-q", ...ZIGBUILD]);
  }
  // The target's standard library; without rustup, the toolchain must already have it.
  const rustup = spawnSync("rustup", ["target", "add", target], { stdio: "inherit" });
  if (rustup.error && rustup.error.code !== "ENOENT") die(`rustup: ${rustup.error.message}`);
  if (!rustup.error && rustup.status !== 0) die(`rustup target add ${target} exited with ${rustup.status}`);
  const env = { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH}` };
  run("cargo", ["zigbuild", "--locked", "--profile", PROFILE, "--target", `${target}.2.17`], { cwd: repo, env });
  return path.join(targetDir(), target, PROFILE, "durable-lsp");
}

// Native build for macOS and Windows, on their own runners.
function nativeBuild(p) {
  const rustup = spawnSync("rustup", ["target", "add", p.rust], { stdio: "inherit" });
  if (!rustup.error && rustup.status !== 0) die(`rustup target add ${p.rust} exited with ${rustup.status}`);
  run("cargo", ["build", "--locked", "--profile", PROFILE, "--target", p.rust], { cwd: repo });
  const exe = p.os === "win32" ? "durable-lsp.exe" : "durable-lsp";
  return path.join(targetDir(), p.rust, PROFILE, exe);
}

function targetDir() {
  return process.env.CARGO_TARGET_DIR ? path.resolve(repo, process.env.CARGO_TARGET_DIR) : path.join(repo, "target");
}

// Every versioned glibc symbol the binary imports is at most GLIBC_MAX.
export function maxGlibc(binary) {
  const out = capture("readelf", ["--dyn-syms", "--wide", binary]);
  let max = null;
  for (const m of out.matchAll(/@GLIBC_(\d+)\.(\d+)(?:\.(\d+))?/g)) {
    const v = [Number(m[1]), Number(m[2]), Number(m[3] || 0)];
    if (!max || v[0] > max[0] || (v[0] === max[0] && (v[1] > max[1] || (v[1] === max[1] && v[2] > max[2])))) max = v;
  }
  return max;
}

function checkGlibc(binary) {
  const max = maxGlibc(binary);
  if (!max) die(`${binary} imports no versioned glibc symbol: is it a Linux gnu binary?`);
  const [a, b] = GLIBC_MAX;
  if (max[0] > a || (max[0] === a && max[1] > b)) die(`${binary} needs GLIBC_${max.join(".")}, newer than ${a}.${b}`);
  const shown = max[2] ? max.join(".") : `${max[0]}.${max[1]}`;
  console.error(`build-npm: the newest glibc symbol version ${path.basename(binary)} needs is GLIBC_${shown} (at most ${a}.${b})`);
}

function npmPack(dir, out) {
  const r = spawnSync("npm", ["pack", "--json", "--pack-destination", out], { cwd: dir, encoding: "utf8", shell: process.platform === "win32" });
  if (r.status !== 0) die(`npm pack in ${dir} failed: ${r.stderr}`);
  const [info] = JSON.parse(r.stdout);
  const file = path.join(out, info.filename);
  console.log(file);
  return file;
}

function buildPlatform(opts, version) {
  const p = PLATFORMS[opts.platform];
  const exe = p.os === "win32" ? "durable-lsp.exe" : "durable-lsp";
  let binary = opts.binary;
  if (!binary) {
    if (p.os === "linux") {
      binary = zigbuild(p.rust);
      checkGlibc(binary);
    } else {
      if (p.os !== process.platform) die(`build ${opts.platform} on its own OS, or pass --binary`);
      binary = nativeBuild(p);
    }
  }
  if (!fs.existsSync(binary)) die(`no binary at ${binary}`);
  if (opts.platform === `${process.platform}-${process.arch}`) {
    const v = capture(binary, ["--version"]).trim();
    if (v !== `durable-lsp ${version}`) die(`${binary} --version says "${v}", not "durable-lsp ${version}"`);
  }
  const stage = path.join(opts.out, "stage", `cli-${opts.platform}`);
  fs.rmSync(stage, { recursive: true, force: true });
  fs.mkdirSync(stage, { recursive: true });
  fs.copyFileSync(binary, path.join(stage, exe));
  fs.chmodSync(path.join(stage, exe), 0o755);
  const manifest = {
    name: `@durable-lsp/cli-${opts.platform}`,
    version,
    description: `The durable-lsp binary for ${p.title}; install durable-lsp, which picks it`,
    homepage: cargoField("repository"),
    repository: { type: "git", url: cargoField("repository") },
    license: "MIT OR Apache-2.0",
    os: [p.os],
    cpu: [p.cpu],
    ...(p.libc ? { libc: [p.libc] } : {}),
    files: [exe, "README.md", "LICENSE", "LICENSE-APACHE"],
    preferUnplugged: true,
  };
  fs.writeFileSync(path.join(stage, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  copyLicences(stage);
  fs.writeFileSync(
    path.join(stage, "README.md"),
    `# ${manifest.name}\n\nThe \`durable-lsp\` binary for ${p.title} (Rust target \`${p.rust}\`).\n\n` +
      "Install [`durable-lsp`](https://www.npmjs.com/package/durable-lsp) instead: it depends on this\n" +
      "package for this platform and runs its binary (`npx durable-lsp --check`).\n",
  );
  return npmPack(stage, opts.out);
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  const version = cargoVersion();
  checkManifest(version);
  fs.mkdirSync(opts.out, { recursive: true });
  if (opts.only !== "main") buildPlatform(opts, version);
  if (opts.only !== "platform") {
    copyLicences(mainDir);
    npmPack(mainDir, opts.out);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
