// The GitHub Action at the repository root, run as a runner would: action.yml is parsed, each
// composite step's `${{ }}` expressions are filled in from the inputs (their defaults, then the
// `with:` of each case), a GitHub context and the outputs of earlier steps, and its script runs
// under bash with stand-ins for npm, cargo and git on PATH (GITHUB_ACTION_PATH is this checkout
// unless a case gives another). The stand-in durable-lsp that "npm install" or "cargo install"
// leaves records its arguments, so the tests see the exact command each input produces.
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

// The checkout's own version, as Cargo.toml's [package] section gives it.
function packageVersion(toml) {
  const section = toml.split(/^\[/m).find((s) => s.startsWith("package]"));
  return section.match(/^version\s*=\s*"([^"]+)"/m)[1];
}
const OWN = packageVersion(fs.readFileSync(path.join(repo, "Cargo.toml"), "utf8"));

// A durable-lsp that records its arguments; written by the npm and cargo stand-ins.
const FAKE_BINARY = `#!/usr/bin/env bash
if [ "$1" = --version ]; then echo "durable-lsp \${FAKE_BINARY_VERSION:-0.1.0}"; exit 0; fi
printf '%s\\n' "$@" > "$LOGS/durable-lsp"
exit "\${FAKE_EXIT:-0}"
`;
// npm view: FAKE_NPM_VERSIONS unset means every version is published (latest is 0.1.2); empty
// means no durable-lsp package at all (E404); else the published versions, and a missing one is
// E404 as npm 11 says it, or an empty answer as older npm gives with FAKE_NPM_QUIET=1.
// FAKE_NPM_DOWN=1 fails like a network error. npm install drops the fake binary into --prefix.
const NPM = `#!/usr/bin/env bash
if [ "$1" = view ]; then
  printf '%s\\n' "$@" > "$LOGS/npm-view"
  [ -n "\${FAKE_NPM_DOWN:-}" ] && { echo "npm error code ENOTFOUND" >&2; exit 1; }
  v=\${2#durable-lsp@}
  if [ -z "\${FAKE_NPM_VERSIONS+set}" ]; then
    [ "$v" = latest ] && v=0.1.2
    echo "$v"; exit 0
  fi
  if [ -z "$FAKE_NPM_VERSIONS" ]; then
    echo "npm error code E404" >&2; echo "npm error 404 Not Found - GET https://registry.npmjs.org/durable-lsp" >&2; exit 1
  fi
  for have in $FAKE_NPM_VERSIONS; do
    if [ "$have" = "$v" ] || [ "$v" = latest ]; then echo "$have"; exit 0; fi
  done
  [ -n "\${FAKE_NPM_QUIET:-}" ] && exit 0
  echo "npm error code E404" >&2; echo "npm error 404 No match found for version $v" >&2; exit 1
fi
printf '%s\\n' "$@" > "$LOGS/npm"
prefix=""; while [ $# -gt 0 ]; do [ "$1" = --prefix ] && prefix=$2; shift; done
mkdir -p "$prefix/node_modules/.bin"
cat > "$prefix/node_modules/.bin/durable-lsp" <<'EOS'
${FAKE_BINARY}EOS
chmod +x "$prefix/node_modules/.bin/durable-lsp"
`;
// cargo: records its arguments; cargo install drops the fake binary into <--root>/bin.
const CARGO = `#!/usr/bin/env bash
if [ "$1" = --version ]; then echo "cargo 1.95.0 (stand-in)"; exit 0; fi
printf '%s\\n' "$@" > "$LOGS/cargo"
root=""; while [ $# -gt 0 ]; do [ "$1" = --root ] && root=$2; shift; done
mkdir -p "$root/bin"
cat > "$root/bin/durable-lsp" <<'EOS'
${FAKE_BINARY}EOS
chmod +x "$root/bin/durable-lsp"
`;
const GIT = `#!/usr/bin/env bash
printf '%s ' "$@" >> "$LOGS/git"; echo >> "$LOGS/git"
if [ "$1" = rev-parse ]; then [ -n "$FAKE_HAS_BASE" ]; exit; fi
exit 0
`;

// PATH for the steps: the stand-ins first; with noCargo, every folder that holds a real cargo is
// replaced by a copy of it without one (links to everything else), so no cargo can be found.
function stepPath(bin, dir, noCargo) {
  const dirs = process.env.PATH.split(path.delimiter);
  if (!noCargo) return [bin, ...dirs].join(path.delimiter);
  return dirs
    .map((d, i) => {
      if (!fs.existsSync(path.join(d, "cargo"))) return d;
      const shadow = path.join(dir, "no-cargo", String(i));
      fs.mkdirSync(shadow, { recursive: true });
      for (const e of fs.readdirSync(d)) if (e !== "cargo") fs.symlinkSync(path.join(d, e), path.join(shadow, e));
      return shadow;
    })
    .join(path.delimiter);
}

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
    if (scope === "steps") {
      const [, id, outputs, key] = expr.split(".");
      assert.equal(outputs, "outputs", expr);
      assert.ok(Object.hasOwn(ctx.steps, id), `\${{ ${expr} }}: no earlier step with id ${id}`);
      assert.ok(Object.hasOwn(ctx.steps[id], key), `\${{ ${expr} }}: step ${id} set no output ${key}`);
      return ctx.steps[id][key];
    }
    assert.fail(`no stand-in for \${{ ${expr} }}`);
  });
}

// Runs every step; returns what durable-lsp, npm, cargo and git were called with and how it
// ended. actionPath stands for GITHUB_ACTION_PATH (default: this checkout); noCargo hides cargo.
function runAction(t, { with: given = {}, github = {}, env = {}, actionPath = repo, noCargo = false } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "durable-lsp-action-"));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const [bin, logs, temp, workspace] = ["bin", "logs", "temp", "workspace"].map((d) => {
    fs.mkdirSync(path.join(dir, d));
    return path.join(dir, d);
  });
  fs.writeFileSync(path.join(bin, "npm"), NPM, { mode: 0o755 });
  if (!noCargo) fs.writeFileSync(path.join(bin, "cargo"), CARGO, { mode: 0o755 });
  fs.writeFileSync(path.join(bin, "git"), GIT, { mode: 0o755 });
  const inputs = {};
  for (const [name, spec] of Object.entries(action.inputs)) inputs[name] = String(spec.default ?? "");
  for (const [name, value] of Object.entries(given)) {
    assert.ok(Object.hasOwn(action.inputs, name), `no input ${name}`);
    inputs[name] = value;
  }
  const ctx = { inputs, temp, github: { event_name: "push", base_ref: "", ...github }, steps: {} };
  const githubPath = path.join(dir, "github_path");
  fs.writeFileSync(githubPath, "");
  const PATH = stepPath(bin, dir, noCargo);
  let status = 0;
  let output = "";
  for (const step of action.runs.steps) {
    assert.equal(step.shell, "bash", `${step.name}: bash, as on every runner`);
    const stepEnv = {};
    for (const [k, v] of Object.entries(step.env || {})) stepEnv[k] = expand(v, ctx);
    assert.doesNotMatch(step.run, /\$\{\{/, `${step.name}: inputs reach the script through env, never pasted into it`);
    const script = path.join(dir, "step.sh");
    fs.writeFileSync(script, step.run);
    const githubOutput = path.join(dir, "github_output");
    fs.writeFileSync(githubOutput, "");
    const r = spawnSync("bash", ["--noprofile", "--norc", "-eo", "pipefail", script], {
      cwd: workspace,
      encoding: "utf8",
      env: {
        PATH, HOME: dir, LOGS: logs, GITHUB_PATH: githubPath, GITHUB_OUTPUT: githubOutput, GITHUB_ACTION_PATH: actionPath,
        ...env, ...stepEnv,
      },
    });
    output += r.stdout + r.stderr;
    status = r.status;
    if (step.id) {
      ctx.steps[step.id] = {};
      for (const line of fs.readFileSync(githubOutput, "utf8").split("\n")) {
        const eq = line.indexOf("=");
        if (eq > 0) ctx.steps[step.id][line.slice(0, eq)] = line.slice(eq + 1);
      }
    }
    if (status !== 0) break;
  }
  const read = (f) => (fs.existsSync(path.join(logs, f)) ? fs.readFileSync(path.join(logs, f), "utf8") : null);
  const lines = (f) => read(f)?.split("\n").slice(0, -1) ?? null;
  return {
    status, output, argv: lines("durable-lsp"), npm: lines("npm"), npmView: lines("npm-view"), cargo: lines("cargo"), git: lines("git"),
    githubPath: fs.readFileSync(githubPath, "utf8"), workspace, temp,
  };
}

test("action.yml is a composite action with the documented inputs, each used", () => {
  assert.equal(action.runs.using, "composite");
  assert.deepEqual(Object.keys(action.inputs).sort(), ["args", "base", "paths", "sarif", "version"]);
  assert.equal(action.inputs.version.default, "", "empty: the Action's own version");
  assert.equal(action.inputs.paths.default, ".");
  assert.equal(action.inputs.sarif.default, "");
  assert.equal(action.inputs.base.default, "");
  const used = JSON.stringify(action.runs.steps);
  for (const name of Object.keys(action.inputs)) assert.match(used, new RegExp(`\\$\\{\\{ inputs\\.${name} \\}\\}`), name);
});

test("defaults on push: the Action's own version from npm, GitHub annotations on .", (t) => {
  const r = runAction(t);
  assert.equal(r.status, 0, r.output);
  assert.deepEqual(r.npmView, ["view", `durable-lsp@${OWN}`, "version"], "asks npm for exactly Cargo.toml's version");
  assert.equal(r.npm.at(-1), `durable-lsp@${OWN}`, "a pinned version, never latest");
  assert.equal(r.npm[0], "install");
  assert.deepEqual(r.npm.slice(r.npm.indexOf("--prefix"), r.npm.indexOf("--prefix") + 2), ["--prefix", path.join(r.temp, "durable-lsp")]);
  assert.equal(r.cargo, null, "nothing is built when npm has it");
  assert.deepEqual(r.argv, ["--check", "--format", "github", "."]);
  assert.equal(r.git, null, "no git on push without base");
  assert.equal(r.githubPath.trim(), path.join(r.temp, "durable-lsp/node_modules/.bin"), "later steps find durable-lsp on PATH");
  assert.match(r.output, new RegExp(`installing durable-lsp@${OWN.replaceAll(".", "\\.")} from npm`), "the path taken is logged");
  assert.match(r.output, /durable-lsp 0\.1\.0/, "the installed version is printed");
});

test("the own version is [package] version of the Cargo.toml at GITHUB_ACTION_PATH", (t) => {
  const actionPath = fs.mkdtempSync(path.join(os.tmpdir(), "durable-lsp-action-path-"));
  t.after(() => fs.rmSync(actionPath, { recursive: true, force: true }));
  fs.writeFileSync(
    path.join(actionPath, "Cargo.toml"),
    '[workspace]\nversion = "9.9.9"\n\n[package]\nname = "durable-lsp"\nversion = "0.4.2"\r\nrust-version = "1.95"\n\n' +
      '[dependencies]\nfoo = { version = "1" }\n[package.metadata.x]\nversion = "8.8.8"\n',
  );
  const r = runAction(t, { actionPath });
  assert.equal(r.status, 0, r.output);
  assert.equal(r.npm.at(-1), "durable-lsp@0.4.2");

  fs.writeFileSync(path.join(actionPath, "Cargo.toml"), '[workspace]\nmembers = ["a"]\n');
  const none = runAction(t, { actionPath });
  assert.equal(none.status, 1);
  assert.match(none.output, /::error title=durable-lsp::no \[package\] version in .*Cargo\.toml/);
  assert.equal(none.npmView, null);
});

test("an explicit version is passed through as it is: 0.1.2, latest", (t) => {
  for (const version of ["0.1.2", "latest"]) {
    const r = runAction(t, { with: { version } });
    assert.equal(r.status, 0, r.output);
    assert.deepEqual(r.npmView, ["view", `durable-lsp@${version}`, "version"]);
    assert.equal(r.npm.at(-1), `durable-lsp@${version}`);
    assert.equal(r.cargo, null);
  }
});

test("npm lacking the Action's own version: cargo install --locked --path <action path>", (t) => {
  for (const env of [{ FAKE_NPM_VERSIONS: "" }, { FAKE_NPM_VERSIONS: "0.0.9" }, { FAKE_NPM_VERSIONS: "0.0.9", FAKE_NPM_QUIET: "1" }]) {
    const r = runAction(t, { env });
    assert.equal(r.status, 0, r.output);
    assert.equal(r.npm, null, `${JSON.stringify(env)}: nothing installed from npm`);
    const prefix = path.join(r.temp, "durable-lsp");
    assert.deepEqual(r.cargo, ["install", "--locked", "--path", repo, "--root", prefix], JSON.stringify(env));
    assert.match(r.output, new RegExp(`durable-lsp@${OWN.replaceAll(".", "\\.")} is not on npm; building it from the Action's checkout`));
    assert.equal(r.githubPath.trim(), path.join(prefix, "bin"), "later steps find durable-lsp on PATH");
    assert.match(r.output, /durable-lsp 0\.1\.0/, "the built version is printed");
    assert.deepEqual(r.argv, ["--check", "--format", "github", "."], "the check runs the built binary");
  }
  // An explicit version equal to the Action's own is built the same way.
  const same = runAction(t, { with: { version: OWN }, env: { FAKE_NPM_VERSIONS: "" } });
  assert.equal(same.status, 0, same.output);
  assert.deepEqual(same.cargo.slice(0, 4), ["install", "--locked", "--path", repo]);
});

test("npm lacking an explicit version fails with a message, and builds nothing", (t) => {
  for (const [version, env] of [["0.0.8", { FAKE_NPM_VERSIONS: `${OWN} 0.0.9` }], ["0.0.8", { FAKE_NPM_VERSIONS: "" }], ["latest", { FAKE_NPM_VERSIONS: "" }]]) {
    const r = runAction(t, { with: { version }, env });
    assert.equal(r.status, 1, r.output);
    assert.match(r.output, new RegExp(`::error title=durable-lsp::durable-lsp@${version.replaceAll(".", "\\.")} is not on npm\\. Only this Action's own version \\(${OWN.replaceAll(".", "\\.")}`));
    assert.equal(r.npm, null);
    assert.equal(r.cargo, null);
    assert.equal(r.argv, null, "no check runs");
  }
});

test("npm lacking the own version and no cargo: the message says Rust is needed", (t) => {
  const r = runAction(t, { env: { FAKE_NPM_VERSIONS: "" }, noCargo: true });
  assert.equal(r.status, 1, r.output);
  assert.match(r.output, new RegExp(`::error title=durable-lsp::durable-lsp ${OWN.replaceAll(".", "\\.")} is not on npm yet.*needs Rust \\(cargo, 1\\.\\d+ or newer\\).*no cargo on PATH`));
  assert.equal(r.cargo, null);
  assert.equal(r.argv, null);
});

test("npm failing for another reason (the network) stops with npm's message, no build", (t) => {
  const r = runAction(t, { env: { FAKE_NPM_DOWN: "1" } });
  assert.equal(r.status, 1, r.output);
  assert.match(r.output, /npm error code ENOTFOUND/);
  assert.match(r.output, /::error title=durable-lsp::npm view durable-lsp@\S+ failed \(exit 1\)/);
  assert.equal(r.cargo, null);
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
    with: { version: "0.1.2", sarif: "reports/durable-lsp.sarif", args: "--deny-warnings  --color never", paths: "workers/chat\nworkers/billing  apps/api\n" },
  });
  assert.equal(r.status, 0, r.output);
  assert.equal(r.npm.at(-1), "durable-lsp@0.1.2");
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
