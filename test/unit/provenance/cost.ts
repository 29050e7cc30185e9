/**
 * What reading one input costs: time and memory, measured around one call. The budgets are issue
 * 12's: at most 50 ms per 100 KB of input (any input gets at least 50 ms: timer resolution and
 * one-off JIT work make shorter budgets noise), and memory growth of at most a few MB.
 *
 * Time is the process's CPU time during the call (user + system, all its threads), which is what a
 * reader costs; wall time is recorded too. On a shared machine wall time also counts the time other
 * processes had the CPU (at a load of 15 on 2 cores, several times the CPU time), which says nothing
 * about the reader: a quadratic reader is just as slow in CPU time.
 *
 * Memory, from a scavenge (young-generation GC) before the call:
 * - transient: heap plus array buffers right after the call, before any GC: what it allocated and had
 *   not yet been collected (young garbage a scavenge freed mid-call does not show). Linear parsing
 *   allocates a small multiple of its input, so this gets a few MB plus 64 bytes per input byte; a
 *   reader that allocates for a claim, or quadratically, is far past it.
 * - growth: what the call leaves behind (heap after a full GC, with its result still held) plus the
 *   array buffers right after it (a buffer allocated for a claimed length shows there even if it is
 *   garbage: 4 GB would). This is the "few MB" budget. It is at most the transient figure, so the
 *   (slow) full GC runs only when that is over the budget.
 */
import * as v8 from "node:v8";
import * as vm from "node:vm";

v8.setFlagsFromString("--expose-gc");
const gc = vm.runInNewContext("gc") as (options?: { type: "minor" | "major" }) => void;

export const MS_PER_100_KB = 50;
/** "A few MB". */
export const MEMORY_BUDGET_BYTES = 4 * 1024 * 1024;
/** Transient allocation allowed per input byte (on top of MEMORY_BUDGET_BYTES). */
export const TRANSIENT_BYTES_PER_INPUT_BYTE = 64;

export function timeBudgetMs(inputBytes: number): number {
  return MS_PER_100_KB * Math.max(1, inputBytes / (100 * 1024));
}

export function transientBudgetBytes(inputBytes: number): number {
  return MEMORY_BUDGET_BYTES + TRANSIENT_BYTES_PER_INPUT_BYTE * inputBytes;
}

export interface Cost {
  /** CPU time, ms. */
  readonly ms: number;
  /** Wall time, ms. */
  readonly wallMs: number;
  /** Growth: retained heap plus array buffers (see above). */
  readonly bytes: number;
  /** Transient: allocated and not yet collected right after the call. */
  readonly transient: number;
}

function heap(): number {
  return process.memoryUsage().heapUsed;
}

function buffers(): number {
  return process.memoryUsage().arrayBuffers;
}

/** Runs `fn` once and says what it cost. Exceptions from `fn` propagate. */
export async function costOf(fn: () => unknown): Promise<Cost> {
  gc({ type: "minor" });
  const heap0 = heap();
  const buffers0 = buffers();
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  let result = fn();
  if (result instanceof Promise) result = (await result) as unknown;
  const cpu = process.cpuUsage(cpu0);
  const wallMs = performance.now() - t0;
  const ms = (cpu.user + cpu.system) / 1000;
  const buffersAfter = Math.max(0, buffers() - buffers0);
  const transient = Math.max(0, heap() - heap0 + buffersAfter);
  if (transient <= MEMORY_BUDGET_BYTES) return { ms, wallMs, bytes: transient, transient };
  gc();
  const retained = heap() - heap0;
  keep(result);
  return { ms, wallMs, bytes: Math.max(0, retained + buffersAfter), transient };
}

const sink: unknown[] = [];
/** Holds the result until after the second GC (so what it retains is counted). */
function keep(v: unknown): void {
  sink.push(v);
  sink.pop();
}

function overBudget(c: Cost, inputBytes: number): boolean {
  return c.ms > timeBudgetMs(inputBytes) || c.bytes > MEMORY_BUDGET_BYTES || c.transient > transientBudgetBytes(inputBytes);
}

/**
 * The cost of `fn` on an input of `inputBytes`, measured up to three times while it is over budget
 * (the machine is shared: one slow run can be the scheduler's; a quadratic reader is slow every
 * time). The lowest of each figure is kept.
 */
export async function settledCostOf(inputBytes: number, fn: () => unknown): Promise<Cost> {
  let best = await costOf(fn);
  for (let k = 0; k < 2 && overBudget(best, inputBytes); k++) {
    const again = await costOf(fn);
    best = { ms: Math.min(best.ms, again.ms), wallMs: Math.min(best.wallMs, again.wallMs), bytes: Math.min(best.bytes, again.bytes), transient: Math.min(best.transient, again.transient) };
  }
  return best;
}

/** Fails with a sentence when `cost` is over any budget. */
export function assertWithinBudget(what: string, inputBytes: number, cost: Cost): void {
  const mb = (n: number) => `${(n / 1048576).toFixed(1)} MB`;
  if (cost.ms > timeBudgetMs(inputBytes)) throw new Error(`${what}: ${cost.ms.toFixed(1)} ms of CPU (${cost.wallMs.toFixed(1)} ms wall) on ${inputBytes} bytes, over ${timeBudgetMs(inputBytes).toFixed(0)} ms`);
  if (cost.bytes > MEMORY_BUDGET_BYTES) throw new Error(`${what}: memory grew ${mb(cost.bytes)} on ${inputBytes} bytes, over ${mb(MEMORY_BUDGET_BYTES)}`);
  if (cost.transient > transientBudgetBytes(inputBytes)) throw new Error(`${what}: allocated ${mb(cost.transient)} on ${inputBytes} bytes, over ${mb(transientBudgetBytes(inputBytes))}`);
}

/** "min/median/max" of a list of numbers, with `digits` decimals. */
export function spread(values: readonly number[], digits = 2): string {
  if (values.length === 0) return "-";
  const s = [...values].sort((a, b) => a - b);
  const median = s.length % 2 ? (s[(s.length - 1) / 2]) : ((s[s.length / 2 - 1]) + (s[s.length / 2])) / 2;
  return `${(s[0]).toFixed(digits)}/${median.toFixed(digits)}/${(s[s.length - 1]).toFixed(digits)}`;
}
