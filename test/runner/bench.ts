/**
 * `npm run bench`: the figures the issues name, each printed and checked against its bound.
 * Benchmarks that need VS Code run in the VS Code server like the host suite; the rest in Node.
 * Ends with `N passed, N failed` (one per figure) and exits non-zero when a bound is missed.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Summary } from "./reporter";
import { failedSummary, runMocha, testKey } from "./levels";
import { runHostServer } from "./hostServer";
import { ROOT } from "./vscodeServer";

async function main(): Promise<number> {
  const summaries: Summary[] = [];
  const host = await runHostServer(testKey("bench"), {
    testsPath: path.join(ROOT, "out", "test", "bench", "host", "index"),
    level: "benchmarks in VS Code",
    logName: "bench-host",
  }).catch((err: unknown) => ({ summary: failedSummary("benchmarks in VS Code", err), wroteTo: [] }));
  summaries.push(host.summary);
  const nodeBenches = fs.existsSync(path.join(ROOT, "out", "test", "bench"))
    ? fs.readdirSync(path.join(ROOT, "out", "test", "bench")).filter((f) => f.endsWith(".bench.js")).map((f) => path.join(ROOT, "out", "test", "bench", f))
    : [];
  if (nodeBenches.length) summaries.push(await runMocha("benchmarks in Node", nodeBenches, {}, 10 * 60_000, ["--timeout", "600000"]));
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

main().then((code) => process.exit(code));
