// The real VS Code workbench (code-server in headless Chromium, driven by
// playwright-core) with the packaged extension: opens a copy of
// examples/chat, reads durable-lsp's findings from the Problems panel, hovers
// a finding in the editor, opens the rule link (a page bundled with the
// extension), and keeps screenshots at target/vscode-e2e-hover.png and
// target/vscode-e2e.png.
//
//   node tests/editors/vscode.mjs CODE_SERVER PLAYWRIGHT_CORE_DIR VSIX
//
// .ci/vscode-e2e installs what it needs and runs it.

import { spawn, execFileSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const [codeServer, playwrightDir, vsix] = process.argv.slice(2);
if (!codeServer || !playwrightDir || !vsix) {
  console.error("usage: node tests/editors/vscode.mjs CODE_SERVER PLAYWRIGHT_CORE_DIR VSIX");
  process.exit(2);
}
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const { chromium } = createRequire(path.join(playwrightDir, "x.js"))("playwright-core");

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "durable-lsp-vscode-"));
const userData = path.join(tmp, "user");
const extensions = path.join(tmp, "extensions");
const work = path.join(tmp, "chat");
fs.mkdirSync(path.join(userData, "User"), { recursive: true });
fs.cpSync(path.join(repo, "examples", "chat"), work, { recursive: true });
fs.writeFileSync(
  path.join(userData, "User", "settings.json"),
  JSON.stringify({
    // only this server in the Problems panel
    "typescript.validate.enable": false,
    "javascript.validate.enable": false,
    "json.validate.enable": false,
    "workbench.startupEditor": "none",
    "workbench.tips.enabled": false,
    "security.workspace.trust.enabled": false,
    "extensions.autoCheckUpdates": false,
    "extensions.autoUpdate": false,
    "telemetry.telemetryLevel": "off",
    "editor.hover.delay": 100,
    "workbench.secondarySideBar.defaultVisibility": "hidden",
    "chat.disableAIFeatures": true,
    // forwarded to the server: DO102 becomes a warning
    "durableLsp.rules": { "DO102": "warning" },
  }),
);
fs.writeFileSync(path.join(userData, "config.yaml"), "bind-addr: 127.0.0.1:0\nauth: none\ncert: false\n");

const base = ["--user-data-dir", userData, "--extensions-dir", extensions];
execFileSync(codeServer, [...base, "--install-extension", path.resolve(vsix)], { stdio: "inherit" });

const port = await new Promise((resolve) => {
  const s = net.createServer().listen(0, "127.0.0.1", () => {
    const p = s.address().port;
    s.close(() => resolve(p));
  });
});
const server = spawn(
  codeServer,
  [
    ...base,
    "--bind-addr", `127.0.0.1:${port}`,
    "--auth", "none",
    "--disable-telemetry",
    "--disable-update-check",
    "--disable-workspace-trust",
    "--config", path.join(userData, "config.yaml"),
    work,
  ],
  { stdio: ["ignore", "pipe", "pipe"], detached: true },
);
let serverLog = "";
server.stdout.on("data", (d) => (serverLog += d));
server.stderr.on("data", (d) => (serverLog += d));

let browser;
let failed = false;
const shot = path.join(repo, "target", "vscode-e2e.png");
fs.mkdirSync(path.dirname(shot), { recursive: true });
let page;
try {
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch {}
    if (i > 120) throw new Error(`code-server did not come up:\n${serverLog}`);
    await new Promise((r) => setTimeout(r, 500));
  }
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      "--disable-quic",
    ],
  });
  page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
  await page.goto(`${url}/?folder=${encodeURIComponent(work)}`);
  await page.waitForSelector(".monaco-workbench", { timeout: 60000 });
  await page.waitForTimeout(1500);

  // Open src/index.ts, then the Problems panel, and wait for the three findings.
  // Quick Open, retried until the file's tab is there (the file index may
  // not be ready on the first try).
  const quickOpen = async (name) => {
    const base = name.split("/").pop();
    for (let attempt = 0; attempt < 5; attempt++) {
      await page.keyboard.press("Escape");
      await page.keyboard.press("Control+P");
      await page.waitForSelector(".quick-input-widget:not([style*='display: none']) input", { timeout: 15000 });
      await page.keyboard.type(name, { delay: 20 });
      const row = await page
        .waitForSelector(`.quick-input-list .monaco-list-row[aria-label*='${base}']`, { timeout: 5000 })
        .catch(() => null);
      if (row) {
        await page.keyboard.press("Enter");
        const tab = await page
          .waitForSelector(`.tabs-container .tab[aria-label*='${base}']`, { timeout: 5000 })
          .catch(() => null);
        if (tab) return;
      }
    }
    throw new Error(`Quick Open did not open ${name}`);
  };
  await quickOpen("src/index.ts");
  await page.keyboard.press("Control+Shift+M");
  const want = ["DO101", "DO102", "DO110"];
  let rows = [];
  for (let i = 0; i < 120; i++) {
    rows = await page.$$eval(".markers-panel .monaco-list-row", (els) => els.map((e) => e.textContent ?? ""));
    if (want.every((c) => rows.some((r) => r.includes(c)))) break;
    await page.waitForTimeout(500);
  }
  const text = rows.join("\n");
  for (const c of want) {
    if (!text.includes(c)) throw new Error(`${c} is not in the Problems panel:\n${text}`);
  }
  if (!text.includes("durable-lsp")) throw new Error(`the findings do not name durable-lsp:\n${text}`);
  const icons = await page.$$eval(".markers-panel .monaco-list-row", (els) =>
    els.map((e) => [e.textContent ?? "", e.innerHTML.includes("codicon-warning") ? "warning" : e.innerHTML.includes("codicon-error") ? "error" : ""]),
  );
  const level = (code) => icons.find(([t, l]) => t.includes(code) && l)?.[1];
  if (level("DO102") !== "warning" || level("DO101") !== "error") {
    throw new Error(`durableLsp.rules did not reach the server: DO102 ${level("DO102")}, DO101 ${level("DO101")}`);
  }
  console.log(`Problems panel: ${want.join(", ")} shown (${rows.length} rows)`);

  // Hover `ROOM` in `env.ROOM` (line 20, column 16): the finding and its rule link.
  await page.click(".monaco-editor .view-lines");
  await page.keyboard.press("Control+G");
  await page.waitForTimeout(300);
  await page.keyboard.type("20:17", { delay: 20 });
  await page.keyboard.press("Enter");
  await page.waitForTimeout(500);
  let hover = "";
  for (let i = 0; i < 20 && !hover.includes("DO110"); i++) {
    await page.keyboard.press("Control+K");
    await page.keyboard.press("Control+I");
    await page.waitForTimeout(700);
    hover = await page
      .$$eval(".monaco-hover:not(.hidden) .hover-contents, .monaco-hover .hover-row", (els) =>
        els.map((e) => e.textContent ?? "").join("\n"),
      )
      .catch(() => "");
  }
  if (!hover.includes("DO110") || !hover.includes("ROOMS")) throw new Error(`hover text:\n${hover}`);
  const links = await page.$$eval(".monaco-hover a", (els) => els.map((e) => e.getAttribute("data-href") ?? e.getAttribute("href") ?? ""));
  // a file URI, which code-server shows as vscode-remote://HOST/PATH
  const rulePage = links.find((l) => l.includes("DO110"));
  const m = /^(?:file|vscode-remote):\/\/[^/]*(\/.*\/docs\/rules\/DO110\.md)$/.exec(rulePage ?? "");
  if (!m || !fs.existsSync(decodeURIComponent(m[1]))) {
    throw new Error(`the rule link is not a bundled page: ${JSON.stringify(links)}`);
  }
  console.log(`Hover: DO110, linking ${m[1].split("/").slice(-3).join("/")} bundled with the extension`);
  await page.screenshot({ path: shot.replace(/\.png$/, "-hover.png") });
  // the link opens the page in the workbench
  await page.click(".monaco-hover a[data-href*='DO110']");
  await page.waitForSelector(".tabs-container .tab[aria-label*='DO110.md']", { timeout: 15000 });
  console.log("The rule link opens DO110.md");

  // The command palette's Check Workspace: --check's findings join the Problems panel.
  await page.keyboard.press("F1");
  await page.waitForSelector(".quick-input-widget:not([style*='display: none']) input", { timeout: 15000 });
  await page.keyboard.type("durable-lsp: Check Workspace", { delay: 20 });
  await page.waitForTimeout(800);
  await page.keyboard.press("Enter");
  let checked = [];
  for (let i = 0; i < 60; i++) {
    checked = (await page.$$eval(".markers-panel .monaco-list-row", (els) => els.map((e) => e.textContent ?? ""))).filter(
      (r) => r.includes("durable-lsp --check"),
    );
    if (want.every((c) => checked.some((r) => r.includes(c)))) break;
    await page.waitForTimeout(500);
  }
  if (!want.every((c) => checked.some((r) => r.includes(c)))) {
    throw new Error(`Check Workspace did not report ${want.join(", ")}:\n${checked.join("\n")}`);
  }
  console.log(`Check Workspace: ${checked.length} findings from durable-lsp --check`);
  await page.screenshot({ path: shot });
  console.log(`Screenshot: ${shot}`);
} catch (e) {
  failed = true;
  console.error(e.stack ?? String(e));
  if (page) await page.screenshot({ path: shot }).catch(() => {});
} finally {
  if (browser) await browser.close().catch(() => {});
  try {
    process.kill(-server.pid, "SIGTERM");
  } catch {}
  fs.rmSync(tmp, { recursive: true, force: true, maxRetries: 3 });
}
process.exit(failed ? 1 : 0);
