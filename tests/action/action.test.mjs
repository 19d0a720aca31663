// The GitHub Action at the repository root, run as a runner would: action.yml is parsed, each
// composite step's `${{ }}` expressions are filled in from the inputs (their defaults, then the
// `with:` of each case) and a GitHub context, and its script runs under bash with stand-ins for
// npm and git on PATH. The stand-in durable-lsp that "npm install" leaves records its arguments,
// so the tests see the exact command each input produces.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const action = parse(fs.readFileSync(path.join(repo, "action.yml"), "utf8"));

const NPM = `#!/usr/bin/env bash
printf '%s\\n' "$@" > "$LOGS/npm"
prefix=""; while [ $# -gt 0 ]; do [ "$1" = --prefix ] && prefix=$2; shift; done
mkdir -p "$prefix/node_modules/.bin"
cat > "$prefix/node_modules/.bin/durable-lsp" <<'EOS'
#!/usr/bin/env bash
if [ "$1" = --version ]; then echo "durable-lsp 0.1.0"; exit 0; fi
printf '%s\\n' "$@" > "$LOGS/durable-lsp"
exit "\${FAKE_EXIT:-0}"
EOS
chmod +x "$prefix/node_modules/.bin/durable-lsp"
`;
const GIT = `#!/usr/bin/env bash
printf '%s ' "$@" >> "$LOGS/git"; echo >> "$LOGS/git"
if [ "$1" = rev-parse ]; then [ -n "$FAKE_HAS_BASE" ]; exit; fi
exit 0
`;

// Fills in `${{ … }}`: inputs, runner.temp and the github context; anything else fails the test,
// so a new expression in action.yml needs a stand-in here.
function expand(text, ctx) {
  return String(text).replace(/\$\{\{\s*([^}]+?)\s*\}\}/g, (_, expr) => {
    const [scope, name] = expr.split(".");
    if (scope === "inputs") {
      assert.ok(Object.hasOwn(action.inputs, name), `action.yml uses undeclared input ${name}`);
      return ctx.inputs[name];
    }
    if (scope === "runner" && name === "temp") return ctx.temp;
    if (scope === "github" && Object.hasOwn(ctx.github, name)) return ctx.github[name];
    assert.fail(`no stand-in for \${{ ${expr} }}`);
  });
}

// Runs every step; returns what durable-lsp, npm and git were called with and how it ended.
function runAction(t, { with: given = {}, github = {}, env = {} } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "durable-lsp-action-"));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const [bin, logs, temp, workspace] = ["bin", "logs", "temp", "workspace"].map((d) => {
    fs.mkdirSync(path.join(dir, d));
    return path.join(dir, d);
  });
  fs.writeFileSync(path.join(bin, "npm"), NPM, { mode: 0o755 });
  fs.writeFileSync(path.join(bin, "git"), GIT, { mode: 0o755 });
  const inputs = {};
  for (const [name, spec] of Object.entries(action.inputs)) inputs[name] = String(spec.default ?? "");
  for (const [name, value] of Object.entries(given)) {
    assert.ok(Object.hasOwn(action.inputs, name), `no input ${name}`);
    inputs[name] = value;
  }
  const ctx = { inputs, temp, github: { event_name: "push", base_ref: "", ...github } };
  const githubPath = path.join(dir, "github_path");
  fs.writeFileSync(githubPath, "");
  let status = 0;
  let output = "";
  for (const step of action.runs.steps) {
    assert.equal(step.shell, "bash", `${step.name}: bash, as on every runner`);
    const stepEnv = {};
    for (const [k, v] of Object.entries(step.env || {})) stepEnv[k] = expand(v, ctx);
    assert.doesNotMatch(step.run, /\$\{\{/, `${step.name}: inputs reach the script through env, never pasted into it`);
    const script = path.join(dir, "step.sh");
    fs.writeFileSync(script, step.run);
    const r = spawnSync("bash", ["--noprofile", "--norc", "-eo", "pipefail", script], {
      cwd: workspace,
      encoding: "utf8",
      env: { PATH: `${bin}:${process.env.PATH}`, HOME: dir, LOGS: logs, GITHUB_PATH: githubPath, ...env, ...stepEnv },
    });
    output += r.stdout + r.stderr;
    status = r.status;
    if (status !== 0) break;
  }
  const read = (f) => (fs.existsSync(path.join(logs, f)) ? fs.readFileSync(path.join(logs, f), "utf8") : null);
  const lines = (f) => read(f)?.split("\n").slice(0, -1) ?? null;
  return { status, output, argv: lines("durable-lsp"), npm: lines("npm"), git: lines("git"), githubPath: fs.readFileSync(githubPath, "utf8"), workspace, temp };
}

test("action.yml is a composite action with the documented inputs, each used", () => {
  assert.equal(action.runs.using, "composite");
  assert.deepEqual(Object.keys(action.inputs).sort(), ["args", "base", "paths", "sarif", "version"]);
  assert.equal(action.inputs.version.default, "latest");
  assert.equal(action.inputs.paths.default, ".");
  assert.equal(action.inputs.sarif.default, "");
  assert.equal(action.inputs.base.default, "");
  const used = JSON.stringify(action.runs.steps);
  for (const name of Object.keys(action.inputs)) assert.match(used, new RegExp(`\\$\\{\\{ inputs\\.${name} \\}\\}`), name);
});

test("defaults on push: latest from npm, GitHub annotations on .", (t) => {
  const r = runAction(t);
  assert.equal(r.status, 0, r.output);
  assert.equal(r.npm.at(-1), "durable-lsp@latest");
  assert.deepEqual(r.npm.slice(r.npm.indexOf("--prefix"), r.npm.indexOf("--prefix") + 2), ["--prefix", path.join(r.temp, "durable-lsp")]);
  assert.deepEqual(r.argv, ["--check", "--format", "github", "."]);
  assert.equal(r.git, null, "no git on push without base");
  assert.equal(r.githubPath.trim(), path.join(r.temp, "durable-lsp/node_modules/.bin"), "later steps find durable-lsp on PATH");
  assert.match(r.output, /durable-lsp 0\.1\.0/, "the installed version is printed");
});

test("on pull_request: --base origin/<base branch>, fetched when the checkout lacks it", (t) => {
  const pr = { event_name: "pull_request", base_ref: "main" };
  const r = runAction(t, { github: pr });
  assert.equal(r.status, 0, r.output);
  assert.deepEqual(r.argv, ["--check", "--format", "github", "--base", "origin/main", "."]);
  assert.deepEqual(r.git, [
    "rev-parse --verify --quiet origin/main^{commit} ",
    "fetch --no-tags --depth=1 origin +refs/heads/main:refs/remotes/origin/main ",
  ]);

  const present = runAction(t, { github: pr, env: { FAKE_HAS_BASE: "1" } });
  assert.deepEqual(present.argv, ["--check", "--format", "github", "--base", "origin/main", "."]);
  assert.deepEqual(present.git, ["rev-parse --verify --quiet origin/main^{commit} "], "no fetch when present");

  const given = runAction(t, { github: pr, with: { base: "v2.0.0" } });
  assert.deepEqual(given.argv, ["--check", "--format", "github", "--base", "v2.0.0", "."]);
  assert.equal(given.git, null, "a given base is used as it is");

  const push = runAction(t, { with: { base: "HEAD~1" } });
  assert.deepEqual(push.argv, ["--check", "--format", "github", "--base", "HEAD~1", "."]);
});

test("version, sarif, args and paths reach npm and the command", (t) => {
  const r = runAction(t, {
    with: { version: "0.1.0", sarif: "reports/durable-lsp.sarif", args: "--deny-warnings  --color never", paths: "workers/chat\nworkers/billing  apps/api\n" },
  });
  assert.equal(r.status, 0, r.output);
  assert.equal(r.npm.at(-1), "durable-lsp@0.1.0");
  assert.deepEqual(r.argv, [
    "--check", "--format", "github",
    "--format", "sarif", "--output", "reports/durable-lsp.sarif",
    "--deny-warnings", "--color", "never",
    "workers/chat", "workers/billing", "apps/api",
  ]);
  assert.ok(fs.statSync(path.join(r.workspace, "reports")).isDirectory(), "the SARIF file's folder exists");
});

test("inputs are data, not shell: nothing in them runs", (t) => {
  const r = runAction(t, { with: { args: "$(touch pwned) `touch pwned2`", paths: "a;touch pwned3", sarif: "x $(touch pwned4)" } });
  assert.equal(r.status, 0, r.output);
  assert.deepEqual(r.argv, [
    "--check", "--format", "github", "--format", "sarif", "--output", "x $(touch pwned4)",
    "$(touch", "pwned)", "`touch", "pwned2`", "a;touch", "pwned3",
  ]);
  assert.deepEqual(fs.readdirSync(r.workspace), []);
});

test("findings fail the step with durable-lsp's exit code", (t) => {
  assert.equal(runAction(t, { env: { FAKE_EXIT: "1" } }).status, 1);
  assert.equal(runAction(t, { env: { FAKE_EXIT: "2" } }).status, 2);
});
