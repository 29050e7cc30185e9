/**
 * `npm run test:soak`: the extension-host level, run again and again, to show that no test depends on
 * timing the code does not guarantee. Runs the whole host level (its three sessions) N times in a row
 * (default 5), then once more with a busy CPU (a process spinning on one core), and prints the tally.
 * Exits non-zero when any run had a failure.
 *   node out/test/runner/soak.js [--runs 5] [--no-busy]
 */
import { spawn } from "node:child_process";
import { MULTI_ROOT_SUITE, RESTRICTED_SUITE, runHostServer, type HostSuite } from "./hostServer";
import { testKey } from "./levels";
import { installReaper } from "./reaper";
import { ensureInstalled } from "./vscodeServer";

async function hostLevel(): Promise<{ passed: number; failed: number; failures: string[] }> {
  let passed = 0;
  let failed = 0;
  const failures: string[] = [];
  for (const suite of [undefined, RESTRICTED_SUITE, MULTI_ROOT_SUITE] as (HostSuite | undefined)[]) {
    const { summary } = await runHostServer(testKey("soak"), suite);
    passed += summary.passed;
    failed += summary.failed;
    failures.push(...summary.failures.map((f) => `${summary.level}: ${f.title}`));
  }
  return { passed, failed, failures };
}

async function main(): Promise<number> {
  installReaper("soak");
  const argv = process.argv.slice(2);
  const runsAt = argv.indexOf("--runs");
  const runs = runsAt >= 0 ? Number(argv[runsAt + 1]) : 5;
  const busy = !argv.includes("--no-busy");
  await ensureInstalled();
  const rows: string[] = [];
  let failedRuns = 0;
  const total = runs + (busy ? 1 : 0);
  for (let i = 1; i <= total; i++) {
    const withBusyCpu = busy && i === total;
    // Another process spinning on one core for the whole run (the machine has two).
    const spinner = withBusyCpu ? spawn(process.execPath, ["-e", "for(;;){}"], { stdio: "ignore" }) : undefined;
    const t0 = Date.now();
    const r = await hostLevel().finally(() => spinner?.kill("SIGKILL"));
    const row = `run ${i}${withBusyCpu ? " (busy CPU)" : ""}: ${r.passed} passed, ${r.failed} failed, ${((Date.now() - t0) / 1000).toFixed(0)} s`;
    console.log(`\n[soak] ${row}`);
    for (const f of r.failures) console.log(`[soak]   ✗ ${f}`);
    rows.push(row);
    if (r.failed > 0 || r.passed === 0) failedRuns++;
  }
  console.log("\n=== host level, repeated ===");
  for (const r of rows) console.log(r);
  console.log(`${total - failedRuns} passed, ${failedRuns} failed`);
  return failedRuns > 0 ? 1 : 0;
}

main().then((code) => process.exit(code), (err: unknown) => {
  console.error(err);
  console.log("0 passed, 1 failed");
  process.exit(1);
});
