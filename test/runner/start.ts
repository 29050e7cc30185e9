/**
 * `npm start`: the extension running in VS Code in the browser, for a person to try.
 *
 *     npm start [-- --port 8123] [-- --folder /path/to/a/workspace]
 *
 * Installs the test VS Code if the cache lacks it (the installer and cache of the tests), then starts
 * the VS Code server with this extension loaded in development mode on a demo workspace (a copy of
 * the test fixture, kept in `demo-workspace/` of the clone, git-ignored), listening on loopback and
 * requiring a connection token that is part of the printed address. Without FAL_KEY in the
 * environment it also starts the local stand-in for fal (test/fake-fal) and tells the extension
 * where it is: when no key is stored either, the extension uses it, and says so (status bar and
 * every notification). Runs until Ctrl-C (or SIGTERM), which stops everything it started.
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startFakeFal, type FakeFal } from "../fake-fal/server";
import { installReaper } from "./reaper";
import { ensureInstalled, remoteUri, ROOT, startServer, workbenchUrl, type RunningServer, type ServerDirs } from "./vscodeServer";

/** The key the stand-in accepts; the extension uses it only while it talks to the stand-in. */
const STANDIN_KEY = "local-stand-in";
const DEFAULT_PORT = 8123;

interface Options {
  readonly port: number;
  readonly folder: string;
}

function usage(problem: string): never {
  console.error(`${problem}\nusage: npm start [-- --port N] [-- --folder PATH]`);
  process.exit(2);
}

function parseArgs(argv: readonly string[]): Options {
  let port = Number(process.env.PORT ?? DEFAULT_PORT);
  let folder = path.join(ROOT, "demo-workspace");
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split("=", 2);
    const value = inline ?? argv[++i];
    if (flag === "--port") port = Number(value);
    else if (flag === "--folder") folder = path.resolve(value ?? "");
    else usage(`unknown argument ${argv[i]}`);
    if (value === undefined) usage(`${flag} needs a value`);
  }
  if (!Number.isInteger(port) || port < 1 || port > 65535) usage(`--port must be a port number (got ${port})`);
  return { port, folder };
}

/** The demo workspace: made from the test fixture the first time, then kept (images made stay). */
function prepareFolder(folder: string): void {
  if (fs.existsSync(folder)) {
    if (!fs.statSync(folder).isDirectory()) usage(`--folder ${folder} is not a folder`);
    return;
  }
  fs.cpSync(path.join(ROOT, "test", "fixtures", "workspace"), folder, { recursive: true });
  console.log(`Made the demo workspace ${folder} (a copy of test/fixtures/workspace).`);
}

/** Kept between runs, so that a key a person stores (Set API Key) stays stored. */
function prepareServerDirs(): ServerDirs {
  const base = path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache"), "grok-imagine-vscode-test", "start");
  const dirs: ServerDirs = {
    userDataDir: path.join(base, "user-data"),
    serverDataDir: path.join(base, "server-data"),
    extensionsDir: path.join(base, "extensions"),
  };
  for (const d of [dirs.userDataDir, dirs.serverDataDir, dirs.extensionsDir]) fs.mkdirSync(d, { recursive: true });
  const settings = path.join(dirs.userDataDir, "User", "settings.json");
  if (!fs.existsSync(settings)) {
    // First run only: a person's later changes to their settings stay theirs.
    fs.mkdirSync(path.dirname(settings), { recursive: true });
    fs.writeFileSync(settings, JSON.stringify({ "workbench.startupEditor": "none", "workbench.secondarySideBar.defaultVisibility": "hidden", "telemetry.telemetryLevel": "off", "extensions.autoCheckUpdates": false, "update.mode": "none" }, null, 2));
  }
  return dirs;
}

async function answers(url: string): Promise<boolean> {
  try {
    const r = await fetch(url, { redirect: "manual", signal: AbortSignal.timeout(5000) });
    return r.status === 200 || r.status === 302;
  } catch {
    return false;
  }
}

async function main(): Promise<void> {
  const t0 = Date.now();
  const opts = parseArgs(process.argv.slice(2));
  let server: RunningServer | undefined;
  let fake: FakeFal | undefined;
  let stopping = false;
  installReaper("start", async () => {
    stopping = true;
    await server?.stop();
    await fake?.close();
  });

  const inst = await ensureInstalled();
  prepareFolder(opts.folder);
  const dirs = prepareServerDirs();
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (!process.env.FAL_KEY) {
    fake = await startFakeFal({ queueMs: 800, runMs: 2500, queueSteps: 3, acceptKey: STANDIN_KEY });
    // Read by the extension only in development mode (see src/standin.ts).
    env.GROK_IMAGINE_STANDIN_URL = fake.url;
    env.GROK_IMAGINE_STANDIN_KEY = STANDIN_KEY;
  }
  const token = crypto.randomBytes(16).toString("hex");
  try {
    server = await startServer(inst, dirs, env, { port: opts.port, connectionToken: token });
  } catch (err) {
    console.error(`Could not start VS Code on port ${opts.port}: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}\nIs the port taken? Choose another: npm start -- --port N`);
    await fake?.close();
    process.exit(1);
  }
  const page = new URL(workbenchUrl(server, opts.folder, [["extensionDevelopmentPath", remoteUri(server, ROOT)]]));
  page.searchParams.set("tkn", token);
  if (!(await answers(page.toString()))) throw new Error(`the workbench at ${server.origin} does not answer`);
  const seconds = ((Date.now() - t0) / 1000).toFixed(1);
  console.log("");
  console.log(`Grok Imagine is running in VS Code (workbench answered ${seconds} s after the command).`);
  console.log(fake
    ? `No FAL_KEY: while no key is stored, images are placeholders from the local stand-in for fal (${fake.url}).\nTo make real images, run "Grok Imagine: Set API Key" in the workbench, or start with FAL_KEY=… npm start.`
    : "FAL_KEY is set: requests go to fal.ai and are charged to that key.");
  console.log(`Workspace: ${opts.folder}`);
  console.log(`Open this address in a browser on this machine (it carries the connection token):\n\n  ${page.toString()}\n`);
  console.log("Press Ctrl-C to stop.");
  server.process.once("exit", (code) => {
    if (stopping) return;
    console.error(`The VS Code server stopped (exit ${code}).`);
    process.exit(1);
  });
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exit(1);
});
