/**
 * `npm run bench`: the figures the issues name, each printed and checked against its bound.
 * Benchmarks that need VS Code run in the VS Code server like the host suite; the rest in Node.
 * Ends with `N passed, N failed` (one per figure) and exits non-zero when a bound is missed.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type { Summary } from "./reporter";
import { failedSummary, testKey } from "./levels";
import { runHostServer } from "./hostServer";
import { installReaper } from "./reaper";
import { ROOT } from "./vscodeServer";

async function main(): Promise<number> {
  // Killed (Ctrl-C, a CI timeout) it leaves no VS Code server, extension host or benchmark behind.
  installReaper("bench");
  const summaries: Summary[] = [];
  const host = await runHostServer(testKey("bench"), {
    testsPath: path.join(ROOT, "out", "test", "bench", "host", "index"),
    level: "benchmarks in VS Code",
    logName: "bench-host",
  }).catch((err: unknown) => ({ summary: failedSummary("benchmarks in VS Code", err), wroteTo: [] }));
  summaries.push(host.summary);
  // Stand-alone benchmarks (test/bench/*.ts): each is a script that prints its figure and exits
  // non-zero when the bound is missed.
  const dir = path.join(ROOT, "out", "test", "bench");
  for (const f of fs.existsSync(dir) ? fs.readdirSync(dir).filter((n) => n.endsWith(".js")) : []) {
    console.log(`\n=== ${f} ===`);
    // Not spawnSync: the runner must stay able to handle SIGINT/SIGTERM while a benchmark runs.
    const child = spawn(process.execPath, [path.join(dir, f)], { stdio: "inherit" });
    const status = await new Promise<number | null>((resolve) => child.once("exit", (c) => resolve(c)));
    const ok = status === 0;
    summaries.push({ level: `benchmark ${f}`, passed: ok ? 1 : 0, failed: ok ? 0 : 1, pending: 0, durationMs: 0, failures: ok ? [] : [{ title: f, error: `exit ${status}` }] });
  }
  let passed = 0;
  let failed = 0;
  for (const s of summaries) {
    passed += s.passed;
    failed += s.failed;
    console.log(`${s.level.padEnd(40)} ${s.passed} passed ${s.failed} failed`);
  }
  console.log(`${passed} passed, ${failed} failed`);
  return failed > 0 || passed === 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    console.log("0 passed, 1 failed");
    process.exit(1);
  },
);
