/**
 * What reading one input costs: wall time and memory growth, measured around one call. The budgets
 * are issue 12's: at most 50 ms per 100 KB of input (any input gets at least 50 ms: timer resolution
 * and one-off JIT work make shorter budgets noise), and memory growth of at most a few MB.
 *
 * Memory growth is the heap plus array buffers right after the call, less their size after a full
 * GC before it: what the call allocated and still holds, large allocations included (a 4 GB buffer
 * shows; short-lived young garbage a scavenge freed mid-call does not).
 */
import * as v8 from "node:v8";
import * as vm from "node:vm";

v8.setFlagsFromString("--expose-gc");
const gc = vm.runInNewContext("gc") as () => void;

export const MS_PER_100_KB = 50;
/** "A few MB". */
export const MEMORY_BUDGET_BYTES = 4 * 1024 * 1024;

export function timeBudgetMs(inputBytes: number): number {
  return MS_PER_100_KB * Math.max(1, inputBytes / (100 * 1024));
}

export interface Cost {
  readonly ms: number;
  readonly bytes: number;
}

function used(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/** Runs `fn` once, after a full GC, and says what it cost. Exceptions from `fn` propagate. */
export async function costOf(fn: () => unknown): Promise<Cost> {
  gc();
  const before = used();
  const t0 = performance.now();
  const r = fn();
  if (r instanceof Promise) await r;
  const ms = performance.now() - t0;
  return { ms, bytes: Math.max(0, used() - before) };
}

/**
 * The cost of `fn` on an input of `inputBytes`, measured up to three times while it is over budget
 * (the machine is shared: one slow run can be the scheduler's; a quadratic reader is slow every
 * time). The lowest time and memory seen are kept.
 */
export async function settledCostOf(inputBytes: number, fn: () => unknown): Promise<Cost> {
  let best = await costOf(fn);
  for (let k = 0; k < 2 && (best.ms > timeBudgetMs(inputBytes) || best.bytes > MEMORY_BUDGET_BYTES); k++) {
    const again = await costOf(fn);
    best = { ms: Math.min(best.ms, again.ms), bytes: Math.min(best.bytes, again.bytes) };
  }
  return best;
}

/** "min/median/max" of a list of numbers, with `digits` decimals. */
export function spread(values: readonly number[], digits = 2): string {
  if (values.length === 0) return "-";
  const s = [...values].sort((a, b) => a - b);
  const median = s.length % 2 ? (s[(s.length - 1) / 2] as number) : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
  return `${(s[0] as number).toFixed(digits)}/${median.toFixed(digits)}/${(s[s.length - 1] as number).toFixed(digits)}`;
}
