/**
 * The benchmarks' arithmetic (pure): every figure is a series of runs, printed as min / median / max,
 * and compared with a floor measured in the same run (a ratio or a difference), so that load on a
 * shared machine weighs on both.
 */

export interface Summary {
  readonly n: number;
  readonly min: number;
  readonly median: number;
  readonly max: number;
}

/** The median (the mean of the middle two for an even count); NaN for no values. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  if (!s.length) return NaN;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function summarize(xs: readonly number[]): Summary {
  return { n: xs.length, min: xs.length ? Math.min(...xs) : NaN, median: median(xs), max: xs.length ? Math.max(...xs) : NaN };
}

/** "min 12 / median 15 / max 30 ms (n=7)". */
export function fmt(xs: readonly number[], unit = "ms", digits = 0): string {
  const s = summarize(xs);
  const f = (v: number) => v.toFixed(digits);
  return `min ${f(s.min)} / median ${f(s.median)} / max ${f(s.max)}${unit ? ` ${unit}` : ""} (n=${s.n})`;
}

/** Pairs `a[i]` with `b[i]` (runs interleaved in the same iteration) by `op`. */
export function pairwise(a: readonly number[], b: readonly number[], op: (x: number, y: number) => number): number[] {
  return a.slice(0, Math.min(a.length, b.length)).map((x, i) => op(x, b[i]));
}

/**
 * Runs `steps` `runs` times, interleaved, in an order that rotates each round: drift on the machine and
 * whatever one step leaves behind (garbage, warm caches) falls on every step alike.
 */
export async function interleaved(runs: number, steps: readonly ((round: number) => Promise<void>)[]): Promise<void> {
  for (let r = 0; r < runs; r++) {
    for (let k = 0; k < steps.length; k++) await steps[(r + k) % steps.length](r);
  }
}

/** "downloaded +412, stamped +415, …, verify 1.2" → stage → ms since the job started (notes as they are). */
export function parseTimings(line: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const part of line.split(", ")) {
    const m = /^(\w+) \+?(-?[\d.]+)$/.exec(part.trim());
    if (m) out.set(m[1], Number(m[2]));
  }
  return out;
}
