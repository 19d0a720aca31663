// The release workflow (never run here): it builds a package for every platform that the npm
// package depends on, with the script CI tests, on a runner of that platform; smoke-tests each
// packed binary there before anything is published; attaches a .vsix per platform (and the
// universal one) to the GitHub release; and pins what it uses. The steps that move files between
// jobs (unpacking a package, packaging every .vsix, uploading them to the release) run here under
// bash with stand-ins for node, npm and gh.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const workflow = parse(fs.readFileSync(path.join(repo, ".github/workflows/release.yml"), "utf8"));
const pkg = JSON.parse(fs.readFileSync(path.join(repo, "packaging/npm/durable-lsp/package.json"), "utf8"));
const { build, vsix, release, publish, crate } = workflow.jobs;
const platforms = build.strategy.matrix.include.map((m) => m.platform).sort();
const VSCE_TARGETS = ["linux-x64", "linux-arm64", "linux-armhf", "darwin-x64", "darwin-arm64", "win32-x64", "win32-arm64", "alpine-x64", "alpine-arm64"];

const stepNamed = (job, re) => {
  const found = job.steps.filter((s) => re.test(s.name ?? ""));
  assert.equal(found.length, 1, `one step named ${re}`);
  return found[0];
};
const stepRunning = (job, re) => {
  const found = job.steps.filter((s) => re.test(s.run ?? ""));
  assert.equal(found.length, 1, `one step running ${re}`);
  return found[0];
};
const usesIndex = (job, action) => job.steps.findIndex((s) => (s.uses ?? "").startsWith(`${action}@`));

// Runs one step's script under bash in `cwd`: `${{ matrix.X }}` and `${{ github.X }}` filled in,
// the job's and the step's env set, `stubs` (name → bash script) first on PATH.
function runStep(t, step, { cwd, job = {}, matrix = {}, env = {}, stubs = {} }) {
  const bin = fs.mkdtempSync(path.join(os.tmpdir(), "durable-lsp-release-bin-"));
  t.after(() => fs.rmSync(bin, { recursive: true, force: true }));
  for (const [name, script] of Object.entries(stubs)) fs.writeFileSync(path.join(bin, name), `#!/usr/bin/env bash\n${script}`, { mode: 0o755 });
  const github = { token: "the-token", repository: "durable-lsp/durable-lsp" };
  const expand = (text) =>
    String(text).replace(/\$\{\{\s*([^}]+?)\s*\}\}/g, (_, expr) => {
      const [scope, name] = expr.split(".");
      if (scope === "matrix" && Object.hasOwn(matrix, name)) return matrix[name];
      if (scope === "github" && Object.hasOwn(github, name)) return github[name];
      assert.fail(`no stand-in for \${{ ${expr} }}`);
    });
  const stepEnv = {};
  for (const [k, v] of Object.entries({ ...job.env, ...step.env })) stepEnv[k] = expand(v);
  const script = path.join(bin, "step.sh");
  fs.writeFileSync(script, expand(step.run));
  const r = spawnSync("bash", ["--noprofile", "--norc", "-eo", "pipefail", script], {
    cwd,
    encoding: "utf8",
    env: { PATH: `${bin}:${process.env.PATH}`, HOME: cwd, LOGS: cwd, GITHUB_REF_NAME: "v0.1.0", GITHUB_REPOSITORY: github.repository, ...env, ...stepEnv },
  });
  return { status: r.status, output: r.stdout + r.stderr };
}

// npm tarballs as build-npm.mjs packs them: package/<the binary>.
function packPlatforms(t, dir, names) {
  const src = fs.mkdtempSync(path.join(os.tmpdir(), "durable-lsp-release-pkg-"));
  t.after(() => fs.rmSync(src, { recursive: true, force: true }));
  fs.mkdirSync(dir, { recursive: true });
  for (const p of names) {
    const exe = p.startsWith("win32") ? "durable-lsp.exe" : "durable-lsp";
    fs.mkdirSync(path.join(src, p, "package"), { recursive: true });
    fs.writeFileSync(path.join(src, p, "package", exe), `binary for ${p}\n`, { mode: 0o755 });
    const r = spawnSync("tar", ["-czf", path.join(dir, `durable-lsp-cli-${p}-0.1.0.tgz`), "-C", path.join(src, p), "package"]);
    assert.equal(r.status, 0, String(r.stderr));
  }
}

function tempDir(t) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "durable-lsp-release-"));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test("one build per optional dependency, each built and packed by packaging/build-npm.mjs alone", () => {
  assert.deepEqual(
    platforms.map((p) => `@durable-lsp/cli-${p}`),
    Object.keys(pkg.optionalDependencies).sort(),
  );
  const runs = build.steps.map((s) => s.run || "").join("\n");
  assert.match(runs, /node packaging\/build-npm\.mjs --platform \$\{\{ matrix\.platform \}\} --only platform --out dist\n/);
  assert.doesNotMatch(runs, /--binary/, "build-npm.mjs builds the binary itself (Cargo profile dist) on every runner");
  assert.doesNotMatch(runs, /cargo build/, "no separate cargo build");
  assert.ok(!stepRunning(build, /build-npm\.mjs/).if, "on every platform");
  const publishRuns = publish.steps.map((s) => s.run || "").join("\n");
  assert.match(publishRuns, /node packaging\/build-npm\.mjs --only main/);
  assert.match(publishRuns, /npm publish "\$tgz"[^\n]*\n[\s\S]*npm publish dist\/durable-lsp-\[0-9\]\*\.tgz/, "platform packages before durable-lsp");
});

test("every platform is built on a runner of its own OS and CPU, so its smoke test runs natively", () => {
  const native = {
    "linux-x64": /^ubuntu-\d+\.\d+$/,
    "linux-arm64": /^ubuntu-\d+\.\d+-arm$/,
    "darwin-x64": /^macos-\d+-intel$/,
    "darwin-arm64": /^macos-\d+$/,
    "win32-x64": /^windows-\d+$/,
  };
  for (const m of build.strategy.matrix.include) {
    assert.ok(native[m.platform], `a runner rule for ${m.platform}`);
    assert.match(m.runner, native[m.platform], `${m.platform} on ${m.runner}`);
  }
});

test("each platform smoke-tests its packed binary with packaging/smoke.mjs before uploading it", () => {
  assert.ok(fs.existsSync(path.join(repo, "packaging/smoke.mjs")));
  const smoke = stepRunning(build, /node packaging\/smoke\.mjs/);
  assert.ok(!smoke.if, "on every platform");
  const at = (s) => build.steps.indexOf(s);
  assert.ok(at(stepRunning(build, /build-npm\.mjs/)) < at(smoke), "after the build");
  assert.ok(at(smoke) < usesIndex(build, "actions/upload-artifact"), "before the upload");
  assert.equal((build.defaults?.run?.shell ?? smoke.shell), "bash", "bash on Windows too");
});

test("the smoke test runs the binary out of the platform's npm tarball (durable-lsp.exe on Windows)", (t) => {
  const unpack = stepRunning(build, /tar -xzf/);
  const smoke = stepRunning(build, /node packaging\/smoke\.mjs/);
  for (const m of build.strategy.matrix.include) {
    const cwd = tempDir(t);
    packPlatforms(t, path.join(cwd, "dist"), [m.platform]);
    const runnerOs = m.platform.startsWith("win32") ? "Windows" : m.platform.startsWith("darwin") ? "macOS" : "Linux";
    const env = { RUNNER_OS: runnerOs };
    const u = runStep(t, unpack, { cwd, job: build, matrix: m, env });
    assert.equal(u.status, 0, u.output);
    const s = runStep(t, smoke, {
      cwd, job: build, matrix: m, env,
      stubs: { node: 'printf "%s\\n" "$@" > "$LOGS/node.log"; [ -f "$2" ] || { echo "no binary at $2"; exit 1; }' },
    });
    assert.equal(s.status, 0, s.output);
    const exe = m.platform.startsWith("win32") ? "durable-lsp.exe" : "durable-lsp";
    assert.deepEqual(fs.readFileSync(path.join(cwd, "node.log"), "utf8").split("\n").slice(0, -1), ["packaging/smoke.mjs", `ship/package/${exe}`]);
    assert.equal(fs.readFileSync(path.join(cwd, "ship/package", exe), "utf8"), `binary for ${m.platform}\n`);
  }
});

test("a .vsix for every platform the release builds, each bundling that platform's binary, and the universal one", (t) => {
  assert.deepEqual([vsix.needs].flat(), ["build"], "from the smoke-tested builds");
  const listed = vsix.env.PLATFORMS.split(/\s+/).sort();
  assert.deepEqual(listed, platforms, "the same platforms as the build");
  for (const p of listed) assert.ok(VSCE_TARGETS.includes(p), `${p} is a vsce target`);
  assert.equal(vsix.steps[usesIndex(vsix, "actions/download-artifact")].with.pattern, "npm-*");
  const version = stepNamed(vsix, /version/).run;
  assert.match(version, /editors\/vscode\/package\.json/, "the .vsix names carry the extension's version: it must be the crate's");

  // The packaging step, with a node that records each package.mjs call and leaves the .vsix that
  // package.mjs names (durable-lsp[-<target>]-<version>.vsix in editors/vscode).
  const cwd = tempDir(t);
  packPlatforms(t, path.join(cwd, "dist"), platforms);
  fs.mkdirSync(path.join(cwd, "editors/vscode"), { recursive: true });
  const node = `
[ "$1" = editors/vscode/scripts/package.mjs ] || { echo "unexpected node $*"; exit 1; }
printf '%s\\n' "$*" >> "$LOGS/package.log"
target=""; binary=""
while [ $# -gt 0 ]; do case "$1" in --target) target=$2 ;; --binary) binary=$2 ;; esac; shift; done
if [ -n "$binary" ]; then cat "$binary" >> "$LOGS/bundled.log"; fi
touch "editors/vscode/durable-lsp\${target:+-$target}-0.1.0.vsix"
`;
  const step = stepRunning(vsix, /package\.mjs/);
  const r = runStep(t, step, { cwd, job: vsix, stubs: { node, npm: 'echo "npm $*" >> "$LOGS/npm.log"' } });
  assert.equal(r.status, 0, r.output);
  assert.match(fs.readFileSync(path.join(cwd, "npm.log"), "utf8"), /^npm ci --prefix editors\/vscode/);
  const calls = fs.readFileSync(path.join(cwd, "package.log"), "utf8").split("\n").slice(0, -1);
  const want = platforms.map((p) => {
    const exe = p.startsWith("win32") ? "durable-lsp.exe" : "durable-lsp";
    return `editors/vscode/scripts/package.mjs --binary ship/${p}/package/${exe} --target ${p}`;
  });
  assert.deepEqual(calls.slice().sort(), [...want, "editors/vscode/scripts/package.mjs"].sort());
  const bundled = fs.readFileSync(path.join(cwd, "bundled.log"), "utf8").split("\n").slice(0, -1).sort();
  assert.deepEqual(bundled, platforms.map((p) => `binary for ${p}`), "each .vsix gets its own platform's binary");
  const upload = vsix.steps[usesIndex(vsix, "actions/upload-artifact")].with;
  assert.equal(upload.path, "editors/vscode/*.vsix");
  assert.equal(upload.name, "vsix");
  const made = fs.readdirSync(path.join(cwd, "editors/vscode")).filter((f) => f.endsWith(".vsix")).sort();
  assert.deepEqual(made, [...platforms.map((p) => `durable-lsp-${p}-0.1.0.vsix`), "durable-lsp-0.1.0.vsix"].sort());
});

test("the GitHub release is created for the tag after every smoke-tested build, with every .vsix attached", (t) => {
  assert.deepEqual([release.needs].flat().sort(), ["build", "vsix"]);
  assert.deepEqual(release.permissions, { contents: "write" });
  const download = release.steps[usesIndex(release, "actions/download-artifact")].with;
  assert.deepEqual(download, { name: "vsix", path: "vsix" });
  const step = stepRunning(release, /gh release/);
  assert.equal(step.env.GH_TOKEN, "${{ github.token }}");
  assert.match(step.run, /gh release create "\$GITHUB_REF_NAME" --verify-tag/);

  const files = [...platforms.map((p) => `durable-lsp-${p}-0.1.0.vsix`), "durable-lsp-0.1.0.vsix"].sort();
  for (const exists of [false, true]) {
    const cwd = tempDir(t);
    fs.mkdirSync(path.join(cwd, "vsix"));
    for (const f of files) fs.writeFileSync(path.join(cwd, "vsix", f), "");
    const gh = `printf '%s\\n' "$*" >> "$LOGS/gh.log"; [ "$GH_TOKEN" = the-token ] || exit 9; [ "$1 $2" != "release view" ] || [ -n "$RELEASE_EXISTS" ]`;
    const r = runStep(t, step, { cwd, job: release, env: exists ? { RELEASE_EXISTS: "1" } : {}, stubs: { gh } });
    assert.equal(r.status, 0, r.output);
    const calls = fs.readFileSync(path.join(cwd, "gh.log"), "utf8").split("\n").slice(0, -1);
    const created = calls.filter((c) => c.startsWith("release create"));
    assert.equal(created.length, exists ? 0 : 1, exists ? "a re-run keeps the release" : "the release is created");
    if (!exists) assert.match(created[0], /^release create v0\.1\.0 --verify-tag /);
    const uploads = calls.filter((c) => c.startsWith("release upload"));
    assert.equal(uploads.length, 1);
    assert.equal(uploads[0], `release upload v0.1.0 ${files.map((f) => `vsix/${f}`).join(" ")} --clobber`, "every .vsix attached");
  }
});

test("npm and crates.io publish only smoke-tested builds; only the release job may write", () => {
  for (const job of [publish, crate]) assert.ok([job.needs].flat().includes("build"));
  assert.deepEqual(workflow.permissions, { contents: "read" });
  for (const [name, job] of Object.entries(workflow.jobs)) {
    if (name !== "release") assert.notEqual(job.permissions?.contents, "write", name);
  }
});

test("actions, runners and toolchains are pinned to exact versions", () => {
  for (const [name, job] of Object.entries(workflow.jobs)) {
    for (const step of job.steps) {
      if (step.uses) assert.match(step.uses, /^[\w-]+\/[\w-]+@v\d+\.\d+\.\d+$/, `${name}: ${step.uses}`);
    }
    const runners = job.strategy ? job.strategy.matrix.include.map((m) => m.runner) : [job["runs-on"]];
    for (const r of runners) assert.doesNotMatch(r, /latest/, `${name}: runner ${r}`);
  }
  assert.match(workflow.env.RUST_TOOLCHAIN, /^\d+\.\d+\.\d+$/);
  assert.match(workflow.env.NODE_VERSION, /^\d+\.\d+\.\d+$/);
});
