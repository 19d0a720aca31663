// The release workflow (never run here): it builds a package for every platform that the npm
// package depends on, with the script CI tests, and pins what it uses.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const workflow = parse(fs.readFileSync(path.join(repo, ".github/workflows/release.yml"), "utf8"));
const pkg = JSON.parse(fs.readFileSync(path.join(repo, "packaging/npm/durable-lsp/package.json"), "utf8"));

test("one build per optional dependency, each packed by packaging/build-npm.mjs", () => {
  const matrix = workflow.jobs.build.strategy.matrix.include;
  const platforms = matrix.map((m) => m.platform).sort();
  assert.deepEqual(
    platforms.map((p) => `@durable-lsp/cli-${p}`),
    Object.keys(pkg.optionalDependencies).sort(),
  );
  const runs = workflow.jobs.build.steps.map((s) => s.run || "").join("\n");
  assert.match(runs, /node packaging\/build-npm\.mjs --platform \$\{\{ matrix\.platform \}\} --only platform/);
  const publish = workflow.jobs.publish.steps.map((s) => s.run || "").join("\n");
  assert.match(publish, /node packaging\/build-npm\.mjs --only main/);
  assert.match(publish, /npm publish "\$tgz"[^\n]*\n[\s\S]*npm publish dist\/durable-lsp-\[0-9\]\*\.tgz/, "platform packages before durable-lsp");
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
