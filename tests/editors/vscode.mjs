// The real VS Code workbench (code-server in headless Chromium, driven by
// playwright-core) with the packaged extension: opens a copy of
// examples/chat, reads durable-lsp's findings from the Problems panel, hovers
// a finding in the editor, opens the rule link (a page bundled with the
// extension), completes after `this.ctx.storage.`, applies a quick fix
// with Ctrl+. and sees its Problems row go, and keeps screenshots at
// target/vscode-e2e-hover.png, -completion.png and target/vscode-e2e.png.
//
// Then two more sessions: an untrusted workspace whose .vscode/settings.json
// names another server binary (ignored: the bundled one runs), and the
// universal .vsix with no server anywhere (the extension says so).
//
//   node tests/editors/vscode.mjs CODE_SERVER PLAYWRIGHT_CORE_DIR VSIX UNIVERSAL_VSIX
//
// .ci/vscode-e2e installs what it needs and runs it.

import { spawn, execFileSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const [codeServer, playwrightDir, vsix, universal] = process.argv.slice(2);
if (!codeServer || !playwrightDir || !vsix || !universal) {
  console.error("usage: node tests/editors/vscode.mjs CODE_SERVER PLAYWRIGHT_CORE_DIR VSIX UNIVERSAL_VSIX");
  process.exit(2);
}
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const { chromium } = createRequire(path.join(playwrightDir, "x.js"))("playwright-core");

const shot = path.join(repo, "target", "vscode-e2e.png");
fs.mkdirSync(path.dirname(shot), { recursive: true });

/**
 * One code-server with `ext` installed, on a copy of examples/chat (plus
 * `extraFiles`), in headless Chromium; runs `body(page)`. `trust`: the
 * workspace-trust feature on (the workspace starts untrusted). `env`: the
 * server's environment (PATH decides what the extension finds).
 */
async function session({ name, ext, trust = false, extraFiles = {}, env = process.env, settings = {} }, body) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), `durable-lsp-vscode-${name}-`));
  const userData = path.join(tmp, "user");
  const extensions = path.join(tmp, "extensions");
  const work = path.join(tmp, "chat");
  fs.mkdirSync(path.join(userData, "User"), { recursive: true });
  fs.cpSync(path.join(repo, "examples", "chat"), work, { recursive: true });
  for (const [rel, text] of Object.entries(extraFiles)) {
    fs.mkdirSync(path.dirname(path.join(work, rel)), { recursive: true });
    fs.writeFileSync(path.join(work, rel), text);
  }
  const settingsFile = path.join(userData, "User", "settings.json");
  fs.writeFileSync(
    settingsFile,
    JSON.stringify({
      // TypeScript's own checker off, so the panel shows this server's findings;
      // the JSON language server stays on beside it
      "typescript.validate.enable": false,
      "javascript.validate.enable": false,
      "workbench.startupEditor": "none",
      "workbench.tips.enabled": false,
      "security.workspace.trust.enabled": trust,
      "security.workspace.trust.startupPrompt": "never",
      "extensions.autoCheckUpdates": false,
      "extensions.autoUpdate": false,
      "telemetry.telemetryLevel": "off",
      "editor.hover.delay": 100,
      "workbench.secondarySideBar.defaultVisibility": "hidden",
      "chat.disableAIFeatures": true,
      ...settings,
    }),
  );
  fs.writeFileSync(path.join(userData, "config.yaml"), "bind-addr: 127.0.0.1:0\nauth: none\ncert: false\n");
  const dirs = ["--user-data-dir", userData, "--extensions-dir", extensions];
  execFileSync(codeServer, [...dirs, "--install-extension", path.resolve(ext)], { stdio: "inherit" });
  const port = await new Promise((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
  const args = [
    ...dirs,
    "--bind-addr", `127.0.0.1:${port}`,
    "--auth", "none",
    "--disable-telemetry",
    "--disable-update-check",
    "--config", path.join(userData, "config.yaml"),
    work,
  ];
  if (!trust) args.push("--disable-workspace-trust");
  const server = spawn(codeServer, args, { stdio: ["ignore", "pipe", "pipe"], detached: true, env });
  let serverLog = "";
  server.stdout.on("data", (d) => (serverLog += d));
  server.stderr.on("data", (d) => (serverLog += d));
  let browser;
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
    await body(page, { settingsFile, work });
  } catch (e) {
    if (page) await page.screenshot({ path: shot.replace(/\.png$/, `-${name}-failed.png`) }).catch(() => {});
    throw e;
  } finally {
    if (browser) await browser.close().catch(() => {});
    try {
      process.kill(-server.pid, "SIGTERM");
    } catch {}
    fs.rmSync(tmp, { recursive: true, force: true, maxRetries: 3 });
  }
}

// Quick Open, retried until the file's tab is there (the file index may
// not be ready on the first try).
const quickOpen = async (page, name) => {
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

/** The Problems panel's rows, waiting (up to 60 s) until `done(rows)`. */
async function problems(page, done) {
  let rows = [];
  for (let i = 0; i < 120; i++) {
    rows = await page.$$eval(".markers-panel .monaco-list-row", (els) => els.map((e) => e.textContent ?? ""));
    if (done(rows)) break;
    await page.waitForTimeout(500);
  }
  return rows;
}

/** The text of durable-lsp's output channel. */
async function outputChannel(page) {
  await page.keyboard.press("F1");
  await page.waitForSelector(".quick-input-widget:not([style*='display: none']) input", { timeout: 15000 });
  await page.keyboard.type("durable-lsp: Show Output", { delay: 20 });
  await page.waitForTimeout(800);
  await page.keyboard.press("Enter");
  await page.waitForTimeout(1500);
  // wrapped lines joined, spaces collapsed
  const lines = await page.$$eval(".output-view .view-line", (els) => els.map((e) => e.textContent ?? "")).catch(() => []);
  return lines.join(" ").replace(/\s+/g, " ");
}

const want = ["DO101", "DO102", "DO110"];
let failed = false;

// 1. The platform .vsix on the example: findings, rule levels, hover, rule page, --check.
try {
  await session(
    {
      name: "main",
      ext: vsix,
      // forwarded to the server: DO102 becomes a warning
      settings: { "durableLsp.rules": { DO102: "warning" } },
    },
    async (page, { work }) => {
      await quickOpen(page, "src/index.ts");
      await page.keyboard.press("Control+Shift+M");
      const rows = await problems(page, (rows) => want.every((c) => rows.some((r) => r.includes(c))));
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

      // The example opens with exactly its three planted findings: with wrangler.jsonc open too,
      // VS Code's own JSON language server adds nothing (no trailing-comma or $schema warnings).
      await quickOpen(page, "wrangler.jsonc");
      await page.waitForTimeout(6000);
      await page.keyboard.press("Control+Shift+M");
      await page.waitForTimeout(1000);
      const markers = await page.$$eval(".markers-panel .monaco-list-row", (els) =>
        els
          .filter((e) => /codicon-(error|warning|info)\b/.test(e.innerHTML))
          .map((e) => e.textContent ?? ""),
      );
      const planted = markers.filter((t) => want.some((c) => t.includes(c)));
      if (markers.length !== want.length || planted.length !== want.length) {
        throw new Error(`the Problems panel should hold exactly ${want.join(", ")}, it holds ${markers.length}:\n${markers.join("\n")}`);
      }
      console.log(`Problems panel with wrangler.jsonc open: exactly ${markers.length} findings`);
      await quickOpen(page, "src/index.ts");

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

      // A settings change reaches the running server: DO102 off in the
      // workspace settings, the server's DO102 goes (the --check rows, which
      // read no editor settings, stay).
      fs.mkdirSync(path.join(work, ".vscode"), { recursive: true });
      fs.writeFileSync(path.join(work, ".vscode", "settings.json"), JSON.stringify({ "durableLsp.rules": { DO102: "off" } }));
      const live = (rows) => rows.filter((r) => r.includes("durable-lsp(") || (r.includes("durable-lsp") && !r.includes("--check")));
      const after = await problems(page, (rows) => !live(rows).some((r) => r.includes("DO102")));
      if (live(after).some((r) => r.includes("DO102")) || !live(after).some((r) => r.includes("DO101"))) {
        throw new Error(`durableLsp.rules changed, the server did not follow:\n${after.join("\n")}\noutput: ${await outputChannel(page)}`);
      }
      console.log("Settings: DO102 turned off while running; the server's DO102 is gone, DO101 stays");

      // Completion: `this.ctx.storage.` typed into ChatRoom's method shows the storage API in the
      // suggest widget (SQL included: ChatRoom is SQLite-backed).
      await quickOpen(page, "src/rooms/chat-room.ts");
      const chatRoom = fs.readFileSync(path.join(work, "src", "rooms", "chat-room.ts"), "utf8").split("\n");
      const methodLine = chatRoom.findIndex((l) => /^\s+(async\s+)?fetch\(/.test(l));
      if (methodLine < 0) throw new Error("no fetch method in chat-room.ts");
      await page.click(".monaco-editor .view-lines");
      await page.keyboard.press("Control+G");
      await page.waitForTimeout(300);
      await page.keyboard.type(`${methodLine + 1}`, { delay: 20 });
      await page.keyboard.press("Enter");
      await page.keyboard.press("End");
      await page.keyboard.press("Enter");
      await page.keyboard.type("this.ctx.storage.", { delay: 40 });
      const suggest = async (want) => {
        let rows = [];
        for (let i = 0; i < 40; i++) {
          rows = await page
            .$$eval(".suggest-widget.visible .monaco-list-row", (els) => els.map((e) => e.getAttribute("aria-label") ?? e.textContent ?? ""))
            .catch(() => []);
          if (rows.some((r) => r.includes(want))) break;
          if (i % 10 === 9) await page.keyboard.press("Control+Space");
          await page.waitForTimeout(250);
        }
        if (!rows.some((r) => r.includes(want))) {
          throw new Error(`the suggest widget after this.ctx.storage. lacks ${want}:\n${rows.join("\n")}`);
        }
        return rows;
      };
      const shown = await suggest("setAlarm");
      // the list shows a screenful: narrow it to SQLite's synchronous transaction
      await page.keyboard.type("transactionS", { delay: 40 });
      await suggest("transactionSync");
      console.log(`Completion after this.ctx.storage.: ${shown.length} rows shown, setAlarm among them; transactionSync after narrowing`);
      await page.screenshot({ path: shot.replace(/\.png$/, "-completion.png") });
      await page.keyboard.press("Escape");
      for (let i = 0; i < 4; i++) await page.keyboard.press("Control+Z");

      // A quick fix: on DO101 (`Presence`, wrangler.jsonc 11:43), Ctrl+. offers the export; applied,
      // it edits src/index.ts and the Problems row goes.
      await quickOpen(page, "wrangler.jsonc");
      await page.click(".monaco-editor .view-lines");
      await page.keyboard.press("Control+G");
      await page.waitForTimeout(300);
      await page.keyboard.type("11:45", { delay: 20 });
      await page.keyboard.press("Enter");
      await page.waitForTimeout(500);
      let offered = [];
      for (let i = 0; i < 20; i++) {
        await page.keyboard.press("Control+.");
        await page.waitForTimeout(700);
        offered = await page
          .$$eval(".action-widget .monaco-list-row, .context-view .action-item", (els) => els.map((e) => e.textContent ?? ""))
          .catch(() => []);
        if (offered.some((t) => t.includes("Export `Presence`") || t.includes("Export Presence"))) break;
        await page.keyboard.press("Escape");
      }
      const row = offered.findIndex((t) => t.includes("Export `Presence`") || t.includes("Export Presence"));
      if (row < 0) throw new Error(`Ctrl+. on DO101 offers:\n${offered.join("\n")}`);
      await page.click(`.action-widget .monaco-list-row >> nth=${row}`);
      const fixedRows = await problems(page, (rows) => !live(rows).some((r) => r.includes("DO101")));
      if (live(fixedRows).some((r) => r.includes("DO101"))) {
        throw new Error(`the quick fix did not clear DO101:\n${fixedRows.join("\n")}`);
      }
      console.log("Quick fix: Ctrl+. on DO101 exported Presence from the entry; its Problems row is gone");
      console.log(`Screenshot: ${shot}`);
    },
  );
} catch (e) {
  failed = true;
  console.error(e.stack ?? String(e));
}

// 2. An untrusted workspace cannot choose the binary: its settings name one
// that does not exist, and the bundled server runs all the same.
try {
  await session(
    {
      name: "untrusted",
      ext: vsix,
      trust: true,
      extraFiles: {
        ".vscode/settings.json": JSON.stringify({
          "durableLsp.server.path": "/nonexistent/durable-lsp",
          "durableLsp.server.extraArgs": ["--unknown-flag"],
        }),
      },
    },
    async (page) => {
      await quickOpen(page, "src/index.ts");
      await page.keyboard.press("Control+Shift+M");
      const rows = await problems(page, (rows) => want.every((c) => rows.some((r) => r.includes(c))));
      if (!want.every((c) => rows.some((r) => r.includes(c)))) {
        throw new Error(`untrusted workspace: no findings (the workspace chose the binary?):\n${rows.join("\n")}`);
      }
      const log = await outputChannel(page);
      if (!log.includes("from the binary bundled with the extension") || log.includes("/nonexistent")) {
        throw new Error(`untrusted workspace: the output says:\n${log}`);
      }
      console.log("Untrusted workspace: its server.path and extraArgs are ignored; the bundled server runs");
    },
  );
} catch (e) {
  failed = true;
  console.error(e.stack ?? String(e));
}

// 3. The universal .vsix with no durable-lsp on PATH: an error that names the fixes.
try {
  const bare = fs.mkdtempSync(path.join(os.tmpdir(), "durable-lsp-nopath-"));
  // HOME too: the workbench resolves the login shell's environment, whose profile may put a
  // durable-lsp on PATH (~/.cargo/bin after `cargo install`)
  const env = { ...process.env, HOME: bare, PATH: [path.dirname(process.execPath), "/usr/bin", "/bin", bare].join(path.delimiter) };
  await session({ name: "nobinary", ext: universal, env }, async (page) => {
    let note = "";
    for (let i = 0; i < 60 && !note.includes("no server binary found"); i++) {
      note = await page.$$eval(".notifications-toasts .notification-list-item", (els) => els.map((e) => e.textContent ?? "").join("\n"));
      await page.waitForTimeout(500);
    }
    if (!note.includes("no server binary found") || !note.includes("npm i -g durable-lsp") || !note.includes("Open Settings")) {
      throw new Error(`no binary: the notification says:\n${note}`);
    }
    console.log("No binary: the extension says so and names the fixes");
  });
} catch (e) {
  failed = true;
  console.error(e.stack ?? String(e));
}
process.exit(failed ? 1 : 0);
