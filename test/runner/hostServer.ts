/**
 * Extension-host level on machines without desktop VS Code: runs the mocha suite in test/host inside
 * the real VS Code server's extension host, with the workbench opened in headless Chromium, and
 * waits for the suite's summary file with a deadline.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Summary } from "./reporter";
import { failedSummary, readSummary, RESULTS_DIR, tempDir } from "./levels";
import { ensureInstalled, launchBrowser, openWorkbench, prepareDirs, remoteUri, ROOT, startServer, workbenchUrl } from "./vscodeServer";

const DEADLINE_MS = Number(process.env.GROK_HOST_DEADLINE_MS ?? 8 * 60_000);

export interface HostRun {
  readonly summary: Summary;
  /** Folders the run wrote (workspace, user data): the leak scan reads them. */
  readonly wroteTo: string[];
}

export interface HostSuite {
  /** Compiled index module VS Code loads as extensionTestsPath. */
  readonly testsPath: string;
  readonly level: string;
  /** test-results/<logName>.log gets the suite's lines. */
  readonly logName: string;
  /** Extra user settings (e.g. Workspace Trust on, for the Restricted Mode suite). */
  readonly userSettings?: Record<string, unknown>;
  /** Files to add to the copy of the fixture workspace (relative path → text). */
  readonly workspaceFiles?: Record<string, string>;
  /** Open these copies of the fixture workspace as one multi-root workspace instead of one folder. */
  readonly rootNames?: readonly string[];
  /** More extensions to install beside ours (absolute folders, each with its package.json): copied into the server's extensions folder. */
  readonly moreExtensions?: readonly string[];
  /** How long the suite may run before it is stopped (default GROK_HOST_DEADLINE_MS, else 8 minutes). */
  readonly deadlineMs?: number;
  /** More environment for the server and its extension host (over this process's). */
  readonly env?: Readonly<Record<string, string>>;
}

export const HOST_SUITE: HostSuite = {
  testsPath: path.join(ROOT, "out", "test", "host", "index"),
  level: "extension host (VS Code server)",
  logName: "host",
};

/**
 * The same extension in Restricted Mode: Workspace Trust on and the folder not trusted, with a
 * workspace setting that Restricted Mode must ignore.
 */
export const RESTRICTED_SUITE: HostSuite = {
  testsPath: path.join(ROOT, "out", "test", "host-restricted", "index"),
  level: "extension host, Restricted Mode",
  logName: "host-restricted",
  userSettings: { "security.workspace.trust.enabled": true, "security.workspace.trust.startupPrompt": "never" },
  workspaceFiles: { ".vscode/settings.json": JSON.stringify({ "grokImagine.outputFolder": "set-by-the-workspace", "grokImagine.numImages": 2 }) },
};

/** The same extension in a workspace of two folders, "alpha" and "beta" (copies of the fixture). */
export const MULTI_ROOT_SUITE: HostSuite = {
  testsPath: path.join(ROOT, "out", "test", "host-multiroot", "index"),
  level: "extension host, multi-root",
  logName: "host-multiroot",
  rootNames: ["alpha", "beta"],
};

export async function runHostServer(key: string, suite: HostSuite = HOST_SUITE): Promise<HostRun> {
  const base = tempDir("host");
  const workspace = path.join(base, "workspace");
  fs.cpSync(path.join(ROOT, "test", "fixtures", "workspace"), workspace, { recursive: true });
  for (const [rel, text] of Object.entries(suite.workspaceFiles ?? {})) {
    fs.mkdirSync(path.dirname(path.join(workspace, rel)), { recursive: true });
    fs.writeFileSync(path.join(workspace, rel), text);
  }
  let opened = workspace;
  if (suite.rootNames?.length) {
    for (const name of suite.rootNames) fs.cpSync(path.join(ROOT, "test", "fixtures", "workspace"), path.join(base, name), { recursive: true });
    opened = path.join(base, "roots.code-workspace");
    fs.writeFileSync(opened, JSON.stringify({ folders: suite.rootNames.map((n) => ({ path: n })) }));
  }
  const dirs = prepareDirs(base, suite.userSettings ?? {});
  for (const dir of suite.moreExtensions ?? []) {
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as { publisher: string; name: string; version: string };
    fs.cpSync(dir, path.join(dirs.extensionsDir, `${manifest.publisher}.${manifest.name}-${manifest.version}`), { recursive: true });
  }
  const summaryFile = path.join(base, "summary.json");
  const logFile = path.join(base, "tests.log");
  fs.writeFileSync(logFile, "");
  fs.rmSync(path.join(RESULTS_DIR, `${suite.logName}.log`), { force: true });
  const wroteTo = [workspace, ...(suite.rootNames ?? []).map((n) => path.join(base, n)), dirs.userDataDir, dirs.serverDataDir];

  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  let browser: Awaited<ReturnType<typeof launchBrowser>> | undefined;
  let printed = 0;
  const flushLog = () => {
    const text = fs.readFileSync(logFile, "utf8");
    if (text.length > printed) {
      process.stdout.write(text.slice(printed));
      fs.mkdirSync(RESULTS_DIR, { recursive: true });
      fs.appendFileSync(path.join(RESULTS_DIR, `${suite.logName}.log`), text.slice(printed));
      printed = text.length;
    }
  };
  try {
    const inst = await ensureInstalled();
    server = await startServer(inst, dirs, {
      ...process.env,
      GROK_TEST_SUMMARY: summaryFile,
      GROK_TEST_LOG: logFile,
      GROK_TEST_LEVEL: suite.level,
      GROK_TEST_KEY: key,
      GROK_TEST_WORKSPACE: workspace,
      GROK_TEST_USER_DATA: dirs.userDataDir,
      ...suite.env,
    });
    browser = await launchBrowser();
    const payload: [string, string][] = [
      ["extensionDevelopmentPath", remoteUri(server, ROOT)],
      ["extensionTestsPath", remoteUri(server, suite.testsPath)],
    ];
    const { page } = await openWorkbench(browser, workbenchUrl(server, opened, payload));
    // GROK_TRACE=<file>: a Chromium performance trace of the workbench and its webviews (all one
    // renderer here), for finding where a page's time goes; each session of a run writes it anew.
    if (process.env.GROK_TRACE) await browser.startTracing(page, { path: process.env.GROK_TRACE, categories: ["devtools.timeline", "disabled-by-default-devtools.timeline", "blink.user_timing", "v8.execute", "loading"] });
    const deadlineMs = suite.deadlineMs ?? DEADLINE_MS;
    const deadline = Date.now() + deadlineMs;
    while (!fs.existsSync(summaryFile)) {
      flushLog();
      if (server.process.exitCode !== null) throw new Error(`the VS Code server exited early:\n${server.output.join("")}`);
      if (Date.now() > deadline) {
        fs.mkdirSync(RESULTS_DIR, { recursive: true });
        await page.screenshot({ path: path.join(RESULTS_DIR, "host-timeout.png") }).catch(() => undefined);
        throw new Error(`no result from the extension host within ${deadlineMs / 1000} s (screenshot: test-results/host-timeout.png)\n${server.output.slice(-40).join("")}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    flushLog();
    return { summary: readSummary(summaryFile, suite.level), wroteTo };
  } catch (err) {
    flushLog();
    return { summary: failedSummary(suite.level, err), wroteTo };
  } finally {
    if (process.env.GROK_TRACE) await browser?.stopTracing().catch(() => undefined);
    await browser?.close().catch(() => undefined);
    await server?.stop();
  }
}
