// The workflow that README.md and docs/ci.md show for the action: one text in both, the action
// at the exact tag of this version, the permissions its SARIF upload needs, and only inputs that
// action.yml declares; every action the docs use is at one version across both files.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const read = (f) => fs.readFileSync(path.join(repo, f), "utf8");
const action = parse(read("action.yml"));
const toml = read("Cargo.toml");
const version = toml.split(/^\[/m).find((s) => s.startsWith("package]")).match(/^version\s*=\s*"([^"]+)"/m)[1];
const slug = toml.match(/^repository\s*=\s*"https:\/\/github\.com\/([^"]+)"/m)[1];

const yamlBlocks = (text) => [...text.matchAll(/^```yaml\n([\s\S]*?)^```$/gm)].map((m) => m[1]);
const actionSnippet = (file) => {
  const found = yamlBlocks(read(file)).filter((b) => b.includes(`uses: ${slug}@`));
  assert.equal(found.length, 1, `${file}: one workflow with the action`);
  return found[0];
};

test("README.md and docs/ci.md show the same workflow for the action", () => {
  assert.equal(actionSnippet("README.md"), actionSnippet("docs/ci.md"));
});

test("the workflow pins the action at this version's tag, may upload SARIF, and uses declared inputs", () => {
  const workflow = parse(actionSnippet("README.md"));
  assert.deepEqual(workflow.permissions, { contents: "read", "security-events": "write" });
  const steps = Object.values(workflow.jobs).flatMap((j) => j.steps);
  const ours = steps.filter((s) => (s.uses ?? "").startsWith(`${slug}@`));
  assert.equal(ours.length, 1);
  assert.equal(ours[0].uses, `${slug}@v${version}`);
  for (const name of Object.keys(ours[0].with ?? {})) assert.ok(Object.hasOwn(action.inputs, name), `input ${name}`);
  const upload = steps.find((s) => (s.uses ?? "").startsWith("github/codeql-action/upload-sarif@"));
  assert.equal(upload.with.sarif_file, ours[0].with.sarif);
});

test("every action the docs use has one version in README.md and docs/ci.md, and ours no other tag", () => {
  const versions = new Map();
  for (const file of ["README.md", "docs/ci.md"]) {
    for (const m of read(file).matchAll(/uses:\s*([\w.-]+\/[\w./-]+)@(\S+)/g)) {
      const [, name, ref] = m;
      versions.set(name, [...new Set([...(versions.get(name) ?? []), ref])]);
    }
  }
  for (const [name, refs] of versions) assert.equal(refs.length, 1, `${name}: ${refs.join(", ")}`);
  assert.deepEqual(versions.get(slug), [`v${version}`]);
  assert.ok(versions.has("actions/checkout") && versions.has("github/codeql-action/upload-sarif"));
});
