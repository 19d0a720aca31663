#!/usr/bin/env node
// Runs the durable-lsp binary of this platform's package (@durable-lsp/cli-<os>-<cpu>,
// an optional dependency of this one) with the same arguments, stdin, stdout and stderr,
// forwards termination signals to it, and exits as it exits.
"use strict";

const { spawn } = require("node:child_process");
const path = require("node:path");

// The platforms with a package; the release workflow builds one per line.
const PLATFORMS = {
  "linux-x64": "x86_64-unknown-linux-gnu (glibc 2.17 or newer)",
  "linux-arm64": "aarch64-unknown-linux-gnu (glibc 2.17 or newer)",
  "darwin-x64": "x86_64-apple-darwin",
  "darwin-arm64": "aarch64-apple-darwin",
  "win32-x64": "x86_64-pc-windows-msvc",
};

const platform = `${process.platform}-${process.arch}`;
const packageName = `@durable-lsp/cli-${platform}`;
const exe = process.platform === "win32" ? "durable-lsp.exe" : "durable-lsp";

function isMusl() {
  if (process.platform !== "linux") return false;
  try {
    const report = process.report && process.report.getReport();
    const header = report && (typeof report === "string" ? JSON.parse(report) : report).header;
    return Boolean(header) && !header.glibcVersionRuntime;
  } catch {
    return false;
  }
}

function alternatives() {
  return [
    "Other ways to run durable-lsp:",
    "  - build it from source (Rust 1.95 or newer): cargo install --locked durable-lsp",
    "  - or point DURABLE_LSP_BINARY at a durable-lsp binary you already have.",
  ].join("\n");
}

function fail(message) {
  process.stderr.write(`durable-lsp: ${message}\n\n${alternatives()}\n`);
  // 2, as for any failure that is not a finding (see `durable-lsp --help`).
  process.exit(2);
}

function describePlatform() {
  return isMusl() ? `${platform} (musl libc)` : platform;
}

function unsupported() {
  const supported = Object.entries(PLATFORMS)
    .map(([p, target]) => `  ${p}  ${target}`)
    .join("\n");
  fail(
    `there is no prebuilt binary for this platform, ${describePlatform()}.\n` +
      `Prebuilt binaries exist for:\n${supported}`,
  );
}

function findBinary() {
  const override = process.env.DURABLE_LSP_BINARY;
  if (override) return override;
  if (!Object.hasOwn(PLATFORMS, platform)) unsupported();
  let manifest;
  try {
    manifest = require.resolve(`${packageName}/package.json`);
  } catch {
    // npm leaves out the glibc package on musl (its `libc` field).
    if (isMusl()) unsupported();
    fail(
      `the package ${packageName}, which holds the binary for ${platform}, is not installed.\n` +
        `npm installs it with durable-lsp as an optional dependency unless optional dependencies\n` +
        `are left out (--omit=optional, --no-optional) or the lockfile was written on another\n` +
        `platform. Reinstall with them (remove node_modules and package-lock.json, then\n` +
        `npm install), or add it directly: npm install --save-dev ${packageName}`,
    );
  }
  return path.join(path.dirname(manifest), exe);
}

const binary = findBinary();
const child = spawn(binary, process.argv.slice(2), { stdio: "inherit", windowsHide: true });

const forwarded = ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT"].filter(
  (s) => process.platform !== "win32" || s === "SIGINT",
);
const handlers = new Map();
for (const signal of forwarded) {
  const handler = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  handlers.set(signal, handler);
  process.on(signal, handler);
}

child.on("error", (err) => {
  if (err.code === "ENOENT" || err.code === "EACCES") {
    fail(`cannot run ${binary} (${err.code}) on ${describePlatform()}.`);
  }
  fail(`cannot run ${binary}: ${err.message}`);
});

child.on("exit", (code, signal) => {
  if (signal) {
    // Die of the same signal, so whoever started this sees what the binary saw.
    for (const [s, h] of handlers) process.removeListener(s, h);
    process.kill(process.pid, signal);
    return;
  }
  process.exit(code === null ? 2 : code);
});
