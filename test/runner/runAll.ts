/**
 * The README's test command ends here: runs every level (lint, unit, interop with exiftool, extension host,
 * end to end, key-leak scan), prints each level's summary, then one line that sums them all, `N passed, N failed`, and
 * exits non-zero when anything failed or nothing ran.
 *   node out/test/runner/runAll.js [--level lint|unit|interop|host|e2e|leak ...]
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type { Summary } from "./reporter";
import { failedSummary, listFiles, RESULTS_DIR, runMocha, testKey } from "./levels";
import { MULTI_ROOT_SUITE, RESTRICTED_SUITE, runHostServer } from "./hostServer";
import { installReaper } from "./reaper";
import { ensureInstalled, ROOT } from "./vscodeServer";

const OUT_TEST = path.join(ROOT, "out", "test");
type Level = "lint" | "unit" | "interop" | "host" | "e2e" | "leak";
const ALL: Level[] = ["lint", "unit", "interop", "host", "e2e", "leak"];

function chosenLevels(argv: string[]): Level[] {
  const picked: Level[] = [];
  argv.forEach((a, i) => {
    if (a === "--level") {
      const v = argv[i + 1] as Level;
      if (!ALL.includes(v)) throw new Error(`unknown level ${v}; use one of ${ALL.join(", ")}`);
      picked.push(v);
    }
  });
  return picked.length ? picked : ALL;
}

/** ESLint over the whole project: one test that fails with ESLint's report. */
async function runLint(): Promise<Summary> {
  const t0 = Date.now();
  const child = spawn(process.execPath, [path.join(ROOT, "node_modules", "eslint", "bin", "eslint.js"), "--max-warnings", "0", "."], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let report = "";
  child.stdout.on("data", (b: Buffer) => (report += b.toString()));
  child.stderr.on("data", (b: Buffer) => (report += b.toString()));
  const code = await new Promise<number | null>((resolve) => child.once("exit", (c) => resolve(c)));
  const ok = code === 0;
  console.log(`  ${ok ? "✓" : "✗"} eslint . (${Date.now() - t0} ms)`);
  if (!ok) console.log(report);
  return { level: "lint", passed: ok ? 1 : 0, failed: ok ? 0 : 1, pending: 0, durationMs: Date.now() - t0, failures: ok ? [] : [{ title: "eslint .", error: report.trim() || `eslint exited ${code}` }] };
}

function banner(text: string): void {
  console.log(`\n=== ${text} ${"=".repeat(Math.max(0, 70 - text.length))}`);
}

async function main(): Promise<number> {
  const levels = chosenLevels(process.argv.slice(2));
  // Ctrl-C, SIGTERM, a level's deadline or the end of the run: no server, browser or fake outlives it.
  installReaper("npm-test");
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  const started = Date.now();
  // Every level but unit needs what test/server/install.sh brings (exiftool for interop, the VS Code
  // server and Chromium for the others): install it first, once, on a fresh machine. The unit level
  // is plain Node and needs nothing but npm ci.
  if (levels.some((l) => l !== "unit" && l !== "lint")) await ensureInstalled();
  const summaries: Summary[] = [];
  const leakRoots: string[] = [RESULTS_DIR];
  const keys: string[] = [];

  if (levels.includes("lint")) {
    banner("lint (ESLint with typescript-eslint's type-checked rules)");
    summaries.push(await runLint());
  }
  if (levels.includes("unit")) {
    banner("unit (mocha, plain Node)");
    summaries.push(await runMocha("unit", listFiles(path.join(OUT_TEST, "unit"), ".test.js"), {}, 5 * 60_000));
  }
  if (levels.includes("interop")) {
    banner("interoperability (mocha, plain Node, with exiftool)");
    summaries.push(await runMocha("interop", listFiles(path.join(OUT_TEST, "interop"), ".test.js"), {}, 5 * 60_000));
  }
  if (levels.includes("host")) {
    banner("extension host (mocha inside the VS Code server)");
    const key = testKey("host");
    keys.push(key);
    try {
      for (const suite of [undefined, RESTRICTED_SUITE, MULTI_ROOT_SUITE]) {
        const run = await runHostServer(key, suite);
        leakRoots.push(...run.wroteTo);
        summaries.push(run.summary);
      }
    } catch (err) {
      summaries.push(failedSummary("extension host", err));
    }
  }
  if (levels.includes("e2e")) {
    banner("end to end (Playwright drives the workbench in Chromium)");
    const key = testKey("e2e");
    keys.push(key);
    const wroteFile = path.join(RESULTS_DIR, ".e2e-wrote.json");
    fs.rmSync(wroteFile, { force: true });
    summaries.push(await runMocha("e2e", listFiles(path.join(OUT_TEST, "e2e"), ".e2e.js"), { GROK_TEST_KEY: key, GROK_E2E_WROTE: wroteFile }, 15 * 60_000, ["--timeout", "120000", "--require", path.join(OUT_TEST, "e2e", "session.js")]));
    if (fs.existsSync(wroteFile)) leakRoots.push(...(JSON.parse(fs.readFileSync(wroteFile, "utf8")) as string[]));
  }
  if (levels.includes("leak")) {
    banner("key-leak scan (everything the runs wrote)");
    summaries.push(await runMocha("leak", listFiles(path.join(OUT_TEST, "leak"), ".test.js"), {
      GROK_LEAK_KEYS: JSON.stringify(keys),
      GROK_LEAK_ROOTS: JSON.stringify(leakRoots),
    }, 5 * 60_000));
  }

  // A level that ran no test fails (a renamed folder must not turn CI green), except when
  // GROK_TEST_GREP picked only some tests on purpose.
  if (!process.env.GROK_TEST_GREP) {
    for (const [i, s] of summaries.entries()) {
      if (s.passed + s.failed === 0) summaries[i] = { ...s, failed: 1, failures: [{ title: `${s.level}: no test ran`, error: "the level found no tests to run" }] };
    }
  }

  banner("summary");
  let passed = 0;
  let failed = 0;
  for (const s of summaries) {
    passed += s.passed;
    failed += s.failed;
    console.log(`${s.level.padEnd(40)} ${String(s.passed).padStart(4)} passed ${String(s.failed).padStart(4)} failed${s.pending ? ` ${s.pending} pending` : ""}`);
    for (const f of s.failures) console.log(`  ✗ ${f.title}\n${f.error.split("\n").slice(0, 8).map((l) => "      " + l).join("\n")}`);
  }
  // The foundation's figure: the whole run, with a warm cache, within 10 minutes on this 2-core machine.
  const seconds = (Date.now() - started) / 1000;
  console.log(`total time ${seconds.toFixed(1)} s (bound 600 s)`);
  if (seconds > 600 && levels.length === ALL.length) {
    failed++;
    console.log(`  ✗ the whole run took ${seconds.toFixed(0)} s, over its 600 s bound`);
  }
  console.log(`${passed} passed, ${failed} failed`);
  return failed > 0 || passed === 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    console.log("0 passed, 1 failed");
    process.exit(1);
  },
);
