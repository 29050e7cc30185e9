/**
 * `npm start` as the README runs it, and the promise every runner makes: stopped by a signal, it
 * leaves none of its processes behind (VS Code server, extension host, Chromium, fakes).
 */
import * as assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { MARKS_VAR, processesMarked } from "../runner/reaper";
import { tempDir } from "../runner/levels";
import { freePort, launchBrowser, ROOT } from "../runner/vscodeServer";
import { notificationTexts, runFromPalette, shot } from "./session";

/** Starts a runner with a probe mark of the test's own, so that its processes can be found. */
function startRunner(command: string, args: string[], env: NodeJS.ProcessEnv): { child: ChildProcess; probe: string; output: () => string } {
  const probe = `probe-${crypto.randomBytes(4).toString("hex")}`;
  const child = spawn(command, args, {
    cwd: ROOT,
    env: { ...env, [MARKS_VAR]: [process.env[MARKS_VAR], probe].filter(Boolean).join(",") },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let text = "";
  child.stdout?.on("data", (b: Buffer) => (text += b.toString()));
  child.stderr?.on("data", (b: Buffer) => (text += b.toString()));
  return { child, probe, output: () => text };
}

async function waitFor<T>(check: () => T | undefined | false, what: string, timeoutMs: number, output: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}; output:\n${output().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

function cmdline(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, "latin1").split("\0").join(" ");
  } catch {
    return "";
  }
}

/** Sends `signal` to the runner, waits for it to exit, and returns its exit code and what is left. */
async function stopRunner(run: { child: ChildProcess; probe: string }, signal: NodeJS.Signals): Promise<{ code: number | null; left: string[] }> {
  const exited = new Promise<number | null>((resolve) => {
    if (run.child.exitCode !== null) resolve(run.child.exitCode);
    else run.child.once("exit", (code, sig) => resolve(code ?? (sig ? -1 : null)));
  });
  run.child.kill(signal);
  const code = await Promise.race([exited, new Promise<null>((r) => setTimeout(() => r(null), 20_000))]);
  const left = processesMarked(run.probe).map((pid) => `${pid} ${cmdline(pid)}`.slice(0, 200));
  return { code, left };
}

/** Kill what a failed test left, so that it does not spoil the runs after it. */
function killMarked(probe: string): void {
  for (const pid of processesMarked(probe)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // gone
    }
  }
}

describe("npm start, as the README runs it", function () {
  this.timeout(5 * 60_000);

  it("serves the extension on loopback behind a token; with no key, a placeholder image from the stand-in; SIGTERM stops everything", async () => {
    const base = tempDir("start");
    const folder = path.join(base, "workspace");
    const port = await freePort();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      // The installed test VS Code, but start's own data (user settings, stored key) in a fresh place.
      GROK_TEST_CACHE: process.env.GROK_TEST_CACHE ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(process.env.HOME ?? "/root", ".cache"), "grok-imagine-vscode-test"),
      XDG_CACHE_HOME: path.join(base, "cache"),
    };
    delete env.FAL_KEY;
    const t0 = Date.now();
    const run = startRunner("npm", ["start", "--", "--port", String(port), "--folder", folder], env);
    const browser = await launchBrowser();
    try {
      const url = await waitFor(() => run.output().match(new RegExp(`http://127\\.0\\.0\\.1:${port}/\\?\\S+`))?.[0], "the printed address", 180_000, run.output);
      console.log(`      npm start: the workbench answered after ${((Date.now() - t0) / 1000).toFixed(1)} s (printed: ${run.output().match(/answered [\d.]+ s/)?.[0] ?? "?"})`);
      assert.match(url, /[?&]tkn=[0-9a-f]{32}/, "the address carries the connection token");
      const bare = await fetch(`http://127.0.0.1:${port}/`, { redirect: "manual" });
      assert.ok(bare.status === 403 || bare.status === 401, `without the token the server refuses (got ${bare.status})`);
      await bare.body?.cancel();
      assert.match(run.output(), /placeholders from the local stand-in/);

      const page = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
      await page.goto(url, { waitUntil: "domcontentloaded" });
      await page.waitForSelector(".explorer-folders-view .monaco-list-row", { timeout: 90_000 });
      await runFromPalette(page, "Grok Imagine: Generate Image");
      const input = page.locator(".quick-input-widget input");
      await input.waitFor({ state: "visible" });
      await input.fill("a paper boat on a pond");
      await input.press("Enter");
      await page.locator(".quick-input-widget .monaco-list-row", { hasText: "Aspect ratio" }).first().waitFor({ state: "visible" });
      await input.press("Enter");
      const file = path.join(folder, "generated-images", "a-paper-boat-on-a-pond.jpg");
      await waitFor(() => fs.existsSync(file), "the image to be saved", 60_000, run.output);
      const status = page.locator(".statusbar-item", { hasText: "placeholder images" });
      await status.waitFor({ state: "visible", timeout: 15_000 });
      await shot(page, "start-1-generated-with-stand-in");
      const texts = await notificationTexts(page);
      assert.ok(texts.some((t) => /Saved generated-images\/a-paper-boat-on-a-pond\.jpg/.test(t) && /Local stand-in for fal: images are placeholders/.test(t)), JSON.stringify(texts));
      await shot(page, "start-2-notification");
    } finally {
      await browser.close().catch(() => undefined);
      const { code, left } = await stopRunner(run, "SIGTERM");
      killMarked(run.probe);
      assert.deepEqual(left, [], "every process npm start started has ended");
      assert.notEqual(code, null, "npm start ended after SIGTERM");
    }
  });
});

describe("Runners leave no process behind", function () {
  this.timeout(4 * 60_000);

  for (const [name, args] of [
    ["npm test's runner (extension-host level)", ["out/test/runner/runAll.js", "--level", "host"]],
    ["npm run bench's runner", ["out/test/runner/bench.js"]],
  ] as const) {
    it(`${name}: SIGINT while its VS Code server and Chromium run ends them all`, async () => {
      const run = startRunner(process.execPath, [...args], { ...process.env, GROK_TEST_GREP: "" });
      try {
        // Started: a VS Code server and a Chromium of its own are running.
        await waitFor(() => {
          const cmds = processesMarked(run.probe).map(cmdline);
          return cmds.some((c) => c.includes("server-main.js")) && cmds.some((c) => /chrom/i.test(c));
        }, "its VS Code server and Chromium", 120_000, run.output);
        const { code, left } = await stopRunner(run, "SIGINT");
        assert.deepEqual(left, [], "nothing the runner started is left");
        assert.equal(code, 130, "the runner exits with 128 + SIGINT");
      } finally {
        killMarked(run.probe);
      }
    });
  }

  it("npm run bench's runner: benchmarks past their deadline are stopped, fail the run, and leave nothing", async () => {
    // 3 s: the benchmarks in VS Code (a thousand 2k images to make first) and upload.js (which starts a fake fal) need far more.
    const run = startRunner(process.execPath, ["out/test/runner/bench.js"], { ...process.env, GROK_TEST_GREP: "", GROK_BENCH_DEADLINE_MS: "3000" });
    try {
      const code = await new Promise<number | null>((resolve) => run.child.once("exit", (c) => resolve(c)));
      assert.equal(code, 1, `the run fails:\n${run.output().slice(-2000)}`);
      assert.match(run.output(), /no result from the extension host within 3 s/);
      assert.match(run.output(), /upload\.js: no end within 3 s; stopping it/);
      const left = processesMarked(run.probe).map((pid) => `${pid} ${cmdline(pid)}`.slice(0, 200));
      assert.deepEqual(left, [], "nothing the runner started is left");
    } finally {
      killMarked(run.probe);
    }
  });
});
