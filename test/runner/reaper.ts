/**
 * Every runner (`npm test`, `npm run bench`, `npm start`) ends every process it started, on SIGINT,
 * SIGTERM, SIGHUP, its own deadline or its normal end, however deep they sit: the VS Code server and
 * its extension host run in their own process group (so a terminal's Ctrl-C does not reach them),
 * Chromium is started by Playwright, mocha levels start their own servers.
 *
 * Each runner adds a mark of its own to GROK_RUNNER_MARKS in its environment before it starts
 * anything; every descendant inherits it (spawn passes process.env on), so the runner finds them all
 * by reading /proc/<pid>/environ, even those whose parent has died. Linux only, like the test VS Code;
 * elsewhere it finds nothing and the runners' own stop() calls remain.
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";

export const MARKS_VAR = "GROK_RUNNER_MARKS";

/** The pids of live processes (other than this one) whose environment carries `mark`. */
export function processesMarked(mark: string): number[] {
  let entries: string[];
  try {
    entries = fs.readdirSync("/proc");
  } catch {
    return [];
  }
  const needle = `${MARKS_VAR}=`;
  const found: number[] = [];
  for (const e of entries) {
    if (!/^\d+$/.test(e) || Number(e) === process.pid) continue;
    let env: string;
    try {
      env = fs.readFileSync(`/proc/${e}/environ`, "latin1");
    } catch {
      continue; // gone, or a zombie: nothing to end
    }
    const line = env.split("\0").find((l) => l.startsWith(needle));
    if (line && line.slice(needle.length).split(",").includes(mark)) found.push(Number(e));
  }
  return found;
}

function signalAll(pids: readonly number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

/** Ends every process carrying `mark`: SIGTERM, then SIGKILL for those still there after `graceMs`. */
export async function endMarked(mark: string, graceMs = 3000): Promise<void> {
  let left = processesMarked(mark);
  if (!left.length) return;
  signalAll(left, "SIGTERM");
  const deadline = Date.now() + graceMs;
  while (left.length && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    left = processesMarked(mark);
  }
  signalAll(left, "SIGKILL");
}

export interface Reaper {
  /** This runner's mark: every process it starts from now on carries it. */
  readonly mark: string;
  /** Ends every process this runner started (also done on signals and at exit). */
  endAll(graceMs?: number): Promise<void>;
}

let installed: Reaper | undefined;

/**
 * Marks this process's future children and arranges for them to end with it. `onSignal` runs first
 * on SIGINT/SIGTERM/SIGHUP (a runner closes its browser, prints where it stopped), then everything
 * still marked is ended and the process exits with 128 + the signal's number.
 */
export function installReaper(label: string, onSignal?: (signal: NodeJS.Signals) => Promise<void> | void): Reaper {
  if (installed) return installed;
  const mark = `${label}-${process.pid}-${crypto.randomBytes(4).toString("hex")}`;
  process.env[MARKS_VAR] = [process.env[MARKS_VAR], mark].filter(Boolean).join(",");
  const reaper: Reaper = { mark, endAll: (graceMs) => endMarked(mark, graceMs) };
  installed = reaper;
  const codes: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 };
  let ending = false;
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.on(sig, () => {
      if (ending) return;
      ending = true;
      console.error(`\n[${label}] ${sig}: stopping everything it started…`);
      // Whatever happens in onSignal, the processes end and the runner exits within a few seconds.
      const hardStop = setTimeout(() => {
        signalAll(processesMarked(mark), "SIGKILL");
        process.exit(128 + (codes[sig] ?? 15));
      }, 8000);
      Promise.resolve()
        .then(() => onSignal?.(sig))
        .catch(() => undefined)
        .then(() => reaper.endAll())
        .catch(() => undefined)
        .finally(() => {
          clearTimeout(hardStop);
          process.exit(128 + (codes[sig] ?? 15));
        })
        .catch(() => undefined);
    });
  }
  // A normal end, an uncaught error or process.exit(): nothing may outlive the runner.
  process.on("exit", () => signalAll(processesMarked(mark), "SIGKILL"));
  return reaper;
}
