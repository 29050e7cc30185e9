/** The pieces every level runner shares: temp folders, summaries, the keys tests use. */
import { spawn } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { Summary } from "./reporter";
import { endMarked, installReaper } from "./reaper";
import { ROOT } from "./vscodeServer";

/** The mark of the runner this level runs in (installed by the runner before it starts anything). */
function reaperMark(): string {
  return installReaper("level").mark;
}
export { listFiles } from "./files";

export const RESULTS_DIR = path.join(ROOT, "test-results");
export const REPORTER = path.join(ROOT, "out", "test", "runner", "reporter.js");
export const MOCHA = path.join(ROOT, "node_modules", "mocha", "bin", "mocha.js");

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `grok-imagine-${prefix}-`));
}

/** A fresh fake API key for one run; the leak scan looks for it everywhere the run wrote. */
export function testKey(label: string): string {
  return `gi-test-${label}-${crypto.randomBytes(12).toString("hex")}`;
}

export function readSummary(file: string, level: string): Summary {
  if (!fs.existsSync(file)) {
    return { level, passed: 0, failed: 1, pending: 0, durationMs: 0, failures: [{ title: `${level}: no result`, error: `the suite wrote no summary (${file})` }] };
  }
  return JSON.parse(fs.readFileSync(file, "utf8")) as Summary;
}

export function failedSummary(level: string, error: unknown): Summary {
  const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
  return { level, passed: 0, failed: 1, pending: 0, durationMs: 0, failures: [{ title: `${level}: runner failed`, error: text }] };
}

/** Runs mocha in a child Node process with the line reporter and returns its summary. */
export async function runMocha(level: string, files: string[], env: NodeJS.ProcessEnv, timeoutMs: number, extra: string[] = []): Promise<Summary> {
  if (files.length === 0) return failedSummary(level, new Error("no test files found"));
  const summaryFile = path.join(tempDir(level), "summary.json");
  const grep = process.env.GROK_TEST_GREP ? ["--grep", process.env.GROK_TEST_GREP] : [];
  const args = [MOCHA, ...grep, "--reporter", REPORTER, "--reporter-option", `summaryFile=${summaryFile}`, "--reporter-option", `level=${level}`, ...extra, ...files];
  // The output goes to the terminal and to test-results/<level>.log, which the key-leak scan reads.
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  const copy = fs.createWriteStream(path.join(RESULTS_DIR, `${level}.log`));
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...env } });
  child.stdout.on("data", (b: Buffer) => (process.stdout.write(b), copy.write(b)));
  child.stderr.on("data", (b: Buffer) => (process.stderr.write(b), copy.write(b)));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill("SIGKILL");
  }, timeoutMs);
  const code = await new Promise<number | null>((resolve) => child.once("exit", (c) => resolve(c)));
  clearTimeout(timer);
  // Killed at its deadline, the level could not stop what it started (servers, browsers): end them.
  if (timedOut) await endMarked(reaperMark());
  await new Promise<void>((resolve) => copy.end(resolve));
  const summary = readSummary(summaryFile, level);
  if (code !== 0 && summary.failed === 0) {
    return { ...summary, failed: summary.failed + 1, failures: [...summary.failures, { title: `${level}: mocha exited ${code}`, error: timedOut ? `killed at its ${timeoutMs / 1000} s deadline` : "the process ended abnormally" }] };
  }
  return summary;
}
