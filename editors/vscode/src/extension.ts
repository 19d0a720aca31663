// The durable-lsp extension: starts the language server over stdio, forwards
// the extension's settings to it, and runs `--check` on demand.

import * as cp from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import * as vscode from "vscode";
import {
  LanguageClient,
  LanguageClientOptions,
  ServerOptions,
} from "vscode-languageclient/node";

const SECTION = "durableLsp";
const EXE = process.platform === "win32" ? "durable-lsp.exe" : "durable-lsp";

let client: LanguageClient | undefined;
let output: vscode.OutputChannel;
let checkResults: vscode.DiagnosticCollection;

/** Where the server binary comes from, and why that one. */
interface Resolved {
  command: string;
  source: string;
}

/**
 * The server binary: the `durableLsp.server.path` setting, else the binary
 * bundled in a platform-specific package, else `durable-lsp` on PATH. In an
 * untrusted workspace VS Code hides the workspace's value of the setting
 * (it is a restricted configuration), so only the user's own value counts.
 */
function resolveServer(context: vscode.ExtensionContext): Resolved | undefined {
  const configured = vscode.workspace
    .getConfiguration(SECTION)
    .get<string>("server.path", "")
    .trim();
  if (configured) {
    let p = configured;
    const folder = vscode.workspace.workspaceFolders?.[0];
    if (!path.isAbsolute(p) && folder) {
      p = path.join(folder.uri.fsPath, p);
    }
    return { command: p, source: "the durableLsp.server.path setting" };
  }
  const bundled = context.asAbsolutePath(path.join("server", EXE));
  if (isExecutable(bundled)) {
    return { command: bundled, source: "the binary bundled with the extension" };
  }
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, EXE);
    if (isExecutable(candidate)) {
      return { command: candidate, source: "PATH" };
    }
  }
  return undefined;
}

function isExecutable(p: string): boolean {
  try {
    fs.accessSync(p, process.platform === "win32" ? fs.constants.F_OK : fs.constants.X_OK);
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

/**
 * The settings the server reads (its `durable-lsp` section): rule levels,
 * the deploy base, the source size limit and where rule links point. An empty `docsBaseUrl` means
 * the rule pages shipped in this extension, as file URIs, so links open
 * offline.
 */
function serverSettings(context: vscode.ExtensionContext): Record<string, unknown> {
  const c = vscode.workspace.getConfiguration(SECTION);
  const docs = c.get<string>("docsBaseUrl", "").trim();
  const settings: Record<string, unknown> = {
    rules: c.get<Record<string, string>>("rules", {}),
    maxSourceMB: c.get<number>("maxSourceMB", 4),
    docsBaseUrl: docs || vscode.Uri.file(context.asAbsolutePath(path.join("docs", "rules"))).toString(),
  };
  const base = c.get<string>("baseRef", "").trim();
  if (base) settings.baseRef = base;
  return settings;
}

async function start(context: vscode.ExtensionContext): Promise<void> {
  const resolved = resolveServer(context);
  if (!resolved) {
    const msg =
      "durable-lsp: no server binary found. Install the extension for your platform (it bundles one), " +
      "run `npm i -g durable-lsp` or `cargo install --locked durable-lsp`, or set durableLsp.server.path.";
    output.appendLine(msg);
    const choice = await vscode.window.showErrorMessage(msg, "Open Settings");
    if (choice === "Open Settings") {
      await vscode.commands.executeCommand("workbench.action.openSettings", "durableLsp.server.path");
    }
    return;
  }
  const args = vscode.workspace.getConfiguration(SECTION).get<string[]>("server.extraArgs", []);
  output.appendLine(`Starting ${resolved.command} ${args.join(" ")} (from ${resolved.source})`);

  // stdio, the server's default (no transport named: the client adds no flag)
  const run = { command: resolved.command, args };
  const serverOptions: ServerOptions = { run, debug: run };
  const configs = "**/{wrangler,wrangler.*}.{toml,json,jsonc}";
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: "file", language: "typescript" },
      { scheme: "file", language: "typescriptreact" },
      { scheme: "file", language: "javascript" },
      { scheme: "file", language: "javascriptreact" },
      { scheme: "file", language: "rust" },
      { scheme: "file", language: "python" },
      // configs by name only: VS Code's own settings files are JSONC too
      { scheme: "file", pattern: configs },
      { scheme: "file", pattern: "**/durable-lsp.toml" },
    ],
    outputChannel: output,
    initializationOptions: serverSettings(context),
    middleware: {
      workspace: {
        // the server asks for its `durable-lsp` section; answer with ours
        configuration: (params, token, next) => {
          if (params.items.some((i) => i.section === "durable-lsp")) {
            return params.items.map((i) => (i.section === "durable-lsp" ? serverSettings(context) : null));
          }
          return next(params, token);
        },
      },
    },
  };
  client = new LanguageClient(SECTION, "durable-lsp", serverOptions, clientOptions);
  try {
    await client.start();
  } catch (e) {
    output.appendLine(`The server did not start: ${e}`);
    void vscode.window.showErrorMessage(`durable-lsp: the server did not start (${resolved.command}). See the output.`);
  }
}

async function stop(): Promise<void> {
  const c = client;
  client = undefined;
  if (c) {
    try {
      await c.stop();
    } catch (e) {
      output.appendLine(`Stopping the server: ${e}`);
    }
  }
}

/** One finding of `--check --format json`. */
interface CheckDiagnostic {
  code: string;
  severity: string;
  file: string;
  line: number;
  column: number;
  end_line: number;
  end_column: number;
  message: string;
  url: string;
}

const SEVERITY: Record<string, vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  info: vscode.DiagnosticSeverity.Information,
  hint: vscode.DiagnosticSeverity.Hint,
};

/** Runs `--check` on every workspace folder into the Problems panel. */
async function checkWorkspace(context: vscode.ExtensionContext): Promise<void> {
  const resolved = resolveServer(context);
  const folders = vscode.workspace.workspaceFolders ?? [];
  if (!resolved || folders.length === 0) {
    void vscode.window.showWarningMessage(
      resolved ? "durable-lsp: open a folder to check." : "durable-lsp: no server binary found (see the output).",
    );
    return;
  }
  checkResults.clear();
  const byFile = new Map<string, vscode.Diagnostic[]>();
  let total = 0;
  for (const folder of folders) {
    const cwd = folder.uri.fsPath;
    output.appendLine(`${resolved.command} --check --format json . (in ${cwd})`);
    const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>(
      (resolve) => {
        cp.execFile(
          resolved.command,
          ["--check", "--format", "json", "."],
          { cwd, maxBuffer: 64 * 1024 * 1024 },
          (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr }),
        );
      },
    );
    if (code !== 0 && code !== 1) {
      output.appendLine(`--check failed (exit ${code}): ${stderr.trim()}`);
      void vscode.window.showErrorMessage(`durable-lsp --check failed in ${folder.name}; see the output.`);
      continue;
    }
    let report: { diagnostics: CheckDiagnostic[] };
    try {
      report = JSON.parse(stdout);
    } catch (e) {
      output.appendLine(`--check printed no JSON: ${e}`);
      continue;
    }
    for (const d of report.diagnostics) {
      const file = path.resolve(cwd, d.file);
      const range = new vscode.Range(d.line - 1, d.column - 1, d.end_line - 1, d.end_column - 1);
      const diag = new vscode.Diagnostic(range, d.message, SEVERITY[d.severity] ?? vscode.DiagnosticSeverity.Error);
      diag.source = "durable-lsp --check";
      diag.code = { value: d.code, target: vscode.Uri.parse(d.url) };
      const list = byFile.get(file) ?? [];
      list.push(diag);
      byFile.set(file, list);
      total += 1;
    }
  }
  for (const [file, list] of byFile) {
    checkResults.set(vscode.Uri.file(file), list);
  }
  output.appendLine(`--check: ${total} finding(s) in ${byFile.size} file(s)`);
  await vscode.commands.executeCommand("workbench.actions.view.problems");
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  output = vscode.window.createOutputChannel("durable-lsp");
  checkResults = vscode.languages.createDiagnosticCollection("durable-lsp-check");
  context.subscriptions.push(
    output,
    checkResults,
    vscode.commands.registerCommand("durableLsp.restartServer", async () => {
      await stop();
      await start(context);
    }),
    vscode.commands.registerCommand("durableLsp.showOutput", () => output.show(true)),
    vscode.commands.registerCommand("durableLsp.checkWorkspace", () => checkWorkspace(context)),
    vscode.workspace.onDidChangeConfiguration(async (e) => {
      if (e.affectsConfiguration(`${SECTION}.server`)) {
        output.appendLine("The server settings changed: restarting.");
        await stop();
        await start(context);
      } else if (
        client &&
        ["rules", "baseRef", "docsBaseUrl", "maxSourceMB"].some((k) => e.affectsConfiguration(`${SECTION}.${k}`))
      ) {
        output.appendLine("The settings changed: sending them to the server.");
        await client.sendNotification("workspace/didChangeConfiguration", {
          settings: { "durable-lsp": serverSettings(context) },
        });
      }
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(async () => {
      output.appendLine("The workspace is trusted now: restarting with its settings.");
      await stop();
      await start(context);
    }),
  );
  await start(context);
}

export async function deactivate(): Promise<void> {
  await stop();
}
