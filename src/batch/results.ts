/**
 * The batch's per-line state, its results file (`<file>.results.jsonl`: one JSON object per line of
 * the prompts file that made a request) and what a second run has left to do. Pure: no vscode.
 */
import type { PlannedLine } from "./plan";

/**
 * - `pending`: not sent yet; `submitted`: fal took it (its request id is recorded, so after a reload
 *   it is followed, never sent again); `saved`: its images are in the workspace;
 * - `failed`: it ended without images (the error says why); `kept`: fal made its images but they
 *   could not be saved: they are kept (Retry Saving Unsaved Images), so a second run leaves it alone;
 * - `cancelled`: the person cancelled the batch before it was done.
 */
export type LineStatus = "pending" | "submitted" | "saved" | "failed" | "kept" | "cancelled";

export interface LineState {
  status: LineStatus;
  requestId?: string;
  /** The pipeline's job id (its record's id), to follow the request after a reload. */
  jobId?: string;
  /** Workspace-relative paths of the saved images. */
  paths?: string[];
  error?: string;
}

/** One line of the results file. */
export interface ResultLine {
  readonly line: number;
  readonly key: string;
  readonly prompt: string;
  readonly status: LineStatus;
  readonly paths?: readonly string[];
  readonly requestId?: string;
  readonly error?: string;
}

/** The results file read back is untrusted too: past this it is not read (a run's file is far smaller). */
export const MAX_RESULTS_BYTES = 8 * 1024 * 1024;

/** Lines that need nothing more: their images are saved, or made and kept (paid for). */
export function isDone(status: LineStatus): boolean {
  return status === "saved" || status === "kept";
}

export function resultLine(p: PlannedLine, s: LineState): ResultLine {
  return {
    line: p.line,
    key: p.key,
    prompt: p.prompt,
    status: s.status,
    ...(s.paths?.length ? { paths: s.paths } : {}),
    ...(s.requestId ? { requestId: s.requestId } : {}),
    ...(s.error ? { error: s.error } : {}),
  };
}

/** The results file's text: one JSON object per line, in the prompts file's order. */
export function resultsText(lines: readonly PlannedLine[], states: readonly LineState[]): string {
  return lines.map((p, i) => JSON.stringify(resultLine(p, states[i])) + "\n").join("");
}

/**
 * What an earlier run's results file says is done, by line key (with its saved paths and request
 * id). Lines that are not JSON objects with a text key and a done status are ignored.
 */
export function doneInResults(text: string): Map<string, LineState> {
  const done = new Map<string, LineState>();
  if (text.length > MAX_RESULTS_BYTES) return done;
  for (const raw of text.split("\n")) {
    if (!raw.trim()) continue;
    let v: unknown;
    try {
      v = JSON.parse(raw);
    } catch {
      continue;
    }
    if (typeof v !== "object" || v === null) continue;
    const r = v as Record<string, unknown>;
    if (typeof r.key !== "string" || r.key.length > 64 || (r.status !== "saved" && r.status !== "kept")) continue;
    const paths = Array.isArray(r.paths) ? r.paths.filter((p): p is string => typeof p === "string" && p.length <= 4000).slice(0, 16) : undefined;
    done.set(r.key, {
      status: r.status,
      ...(paths?.length ? { paths } : {}),
      ...(typeof r.requestId === "string" && r.requestId.length <= 128 ? { requestId: r.requestId } : {}),
    });
  }
  return done;
}

/** The starting state of each planned line: done ones copied from an earlier run (when `skipDone`), the rest pending. */
export function startStates(lines: readonly PlannedLine[], earlier: ReadonlyMap<string, LineState>, skipDone: boolean): LineState[] {
  return lines.map((p) => {
    const e = skipDone ? earlier.get(p.key) : undefined;
    return e && isDone(e.status) ? { ...e } : { status: "pending" };
  });
}

/** How many lines an earlier run already did. */
export function countDone(lines: readonly PlannedLine[], earlier: ReadonlyMap<string, LineState>): number {
  return lines.filter((p) => isDone(earlier.get(p.key)?.status ?? "pending")).length;
}

export interface Tally {
  readonly total: number;
  readonly done: number;
  readonly saved: number;
  /** Made by fal but not saved: kept for Retry Saving Unsaved Images. */
  readonly kept: number;
  readonly failed: number;
  /** Estimated cost of the saved and kept lines (paid for); null when any of them has no known price. */
  readonly usd: number | null;
}

export function tally(lines: readonly PlannedLine[], states: readonly LineState[]): Tally {
  let saved = 0;
  let kept = 0;
  let failed = 0;
  let done = 0;
  let usd: number | null = 0;
  states.forEach((s, i) => {
    if (s.status === "saved") saved++;
    if (s.status === "kept") kept++;
    if (s.status === "saved" || s.status === "kept") {
      const u = lines[i].usd;
      usd = usd === null || u === null ? null : usd + u;
    }
    if (s.status === "failed" || s.status === "cancelled") failed++;
    if (s.status !== "pending" && s.status !== "submitted") done++;
  });
  return { total: lines.length, done, saved, kept, failed, usd: usd === null ? null : Math.round(usd * 1e6) / 1e6 };
}

/**
 * Time left, from this run's pace: the lines finished since `startedAt` and the time they took
 * (lines finished by an earlier run do not count). Undefined until a line has finished.
 */
export function etaMs(finishedThisRun: number, remaining: number, elapsedMs: number): number | undefined {
  if (finishedThisRun <= 0 || elapsedMs <= 0) return undefined;
  return Math.round((elapsedMs / finishedThisRun) * remaining);
}

export function formatDuration(ms: number): string {
  const s = Math.max(1, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}
