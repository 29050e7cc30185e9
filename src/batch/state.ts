/**
 * A batch as recorded in workspace storage, so that a reload finishes it (pure: no vscode). The plan
 * (every line's request) is written once when the batch starts; the lines' states are rewritten as
 * lines are sent and finish. Read back, both are untrusted like the job records (records.ts): a bad
 * batch is reported and dropped, and nothing from it reaches fal or the disk unchecked.
 */
import { isRecord, validateBody } from "../api";
import { IMAGE_FORMATS, type ImageFormat } from "../images/sniff";
import { isRequestId, isSafeStem } from "../jobs/records";
import { MAX_LINES } from "./parse";
import type { PlannedLine } from "./plan";
import type { LineState, LineStatus } from "./results";

export { BATCHES_KEY } from "./keys";
export const planKey = (id: string) => `grokImagine.batch.${id}`;
export const statesKey = (id: string) => `grokImagine.batch.${id}.states`;
/** Batches recorded at once: one per prompts file that is running; more is not something we wrote. */
export const MAX_BATCHES = 8;

/** Where a line's images go: the line's own folder (a URI string) or the batch's. */
export interface StoredLine extends PlannedLine {
  readonly folderUri: string;
}

export interface StoredBatch {
  readonly id: string;
  /** The prompts file and the results file, as URI strings. */
  readonly file: string;
  readonly results: string;
  readonly concurrency: number;
  readonly createdAt: number;
  readonly lines: readonly StoredLine[];
}

const STATUSES: readonly LineStatus[] = ["pending", "submitted", "saved", "failed", "kept", "cancelled"];
export const MIN_CONCURRENCY = 1;
/** fal runs a handful of requests per account at once; more in flight only queue there. */
export const MAX_CONCURRENCY = 16;

const isText = (v: unknown, max: number): v is string => typeof v === "string" && v.length <= max;
const isUri = (v: unknown): v is string => isText(v, 4000) && /^[a-z][a-z0-9+.-]*:/i.test(v) && !/[?#]/.test(v);

function checkLine(raw: unknown, i: number): StoredLine | string {
  if (!isRecord(raw)) return `line ${i}: not an object`;
  const r = raw;
  if (typeof r.line !== "number" || !Number.isInteger(r.line) || r.line < 1) return `line ${i}: no line number`;
  if (!isText(r.key, 64)) return `line ${i}: no key`;
  if (!isText(r.endpoint, 200)) return `line ${i}: no endpoint`;
  const body = validateBody(r.endpoint, r.body, true);
  if (!body.ok) return `line ${i}: ${body.errors.map((e) => e.message).join(" ").slice(0, 200)}`;
  if (!isText(r.prompt, 20_000)) return `line ${i}: no prompt`;
  if (!(typeof r.outputFormat === "string" && (IMAGE_FORMATS as readonly string[]).includes(r.outputFormat))) return `line ${i}: no output format`;
  if (!isSafeStem(r.stem)) return `line ${i}: stem is not a file name`;
  if (typeof r.numbered !== "boolean") return `line ${i}: numbered is not a boolean`;
  if (!isUri(r.folderUri) || decodeURIComponent(r.folderUri).split(/[/\\]/).some((s) => s === "..")) return `line ${i}: folder is not a folder URI`;
  if (typeof r.images !== "number" || !Number.isInteger(r.images) || r.images < 1 || r.images > 16) return `line ${i}: images is not a count`;
  if (r.usd !== null && (typeof r.usd !== "number" || !Number.isFinite(r.usd) || r.usd < 0)) return `line ${i}: usd is not a price`;
  return {
    line: r.line,
    key: r.key,
    prompt: r.prompt,
    endpoint: r.endpoint,
    body: body.value,
    outputFormat: r.outputFormat as ImageFormat,
    stem: r.stem,
    numbered: r.numbered,
    folderUri: r.folderUri,
    images: r.images,
    usd: r.usd,
  };
}

function checkState(raw: unknown): LineState | undefined {
  if (!isRecord(raw) || !STATUSES.includes(raw.status as LineStatus)) return undefined;
  const s: LineState = { status: raw.status as LineStatus };
  if (raw.requestId !== undefined) {
    if (!isRequestId(raw.requestId)) return undefined;
    s.requestId = raw.requestId;
  }
  if (raw.jobId !== undefined) {
    if (!isText(raw.jobId, 100)) return undefined;
    s.jobId = raw.jobId;
  }
  if (raw.paths !== undefined) {
    if (!Array.isArray(raw.paths) || raw.paths.length > 16 || !raw.paths.every((p) => isText(p, 4000))) return undefined;
    s.paths = [...(raw.paths)];
  }
  if (raw.error !== undefined) {
    if (!isText(raw.error, 2000)) return undefined;
    s.error = raw.error;
  }
  // A line recorded as sent names the request it is: without it the line could be sent twice.
  if (s.status === "submitted" && (!s.requestId || !s.jobId)) return undefined;
  return s;
}

export type CheckedBatch = { readonly ok: true; readonly batch: StoredBatch; readonly states: LineState[] } | { readonly ok: false; readonly problem: string };

/** Checks a recorded batch (its plan and its lines' states). */
export function checkBatch(plan: unknown, states: unknown): CheckedBatch {
  const bad = (problem: string): CheckedBatch => ({ ok: false, problem });
  if (!isRecord(plan)) return bad("the plan is not an object");
  const p = plan;
  if (!isText(p.id, 100) || !/^[A-Za-z0-9-]+$/.test(p.id)) return bad("no id");
  if (!isUri(p.file) || !isUri(p.results)) return bad("file or results is not a URI");
  if (typeof p.concurrency !== "number" || !Number.isInteger(p.concurrency) || p.concurrency < MIN_CONCURRENCY || p.concurrency > MAX_CONCURRENCY) return bad("concurrency is out of range");
  if (typeof p.createdAt !== "number" || !Number.isFinite(p.createdAt)) return bad("createdAt is not a time");
  if (!Array.isArray(p.lines) || p.lines.length === 0 || p.lines.length > MAX_LINES) return bad("lines is not a list of requests");
  const lines: StoredLine[] = [];
  for (const [i, raw] of (p.lines as unknown[]).entries()) {
    const l = checkLine(raw, i);
    if (typeof l === "string") return bad(l);
    lines.push(l);
  }
  if (!Array.isArray(states) || states.length !== lines.length) return bad("the lines' states do not match its lines");
  const checked: LineState[] = [];
  for (const [i, raw] of (states as unknown[]).entries()) {
    const s = checkState(raw);
    if (!s) return bad(`the state of line ${lines[i].line} is not valid`);
    checked.push(s);
  }
  return { ok: true, batch: { id: p.id, file: p.file, results: p.results, concurrency: p.concurrency, createdAt: p.createdAt, lines }, states: checked };
}

/** The recorded batch ids (untrusted). */
export function checkIds(raw: unknown): string[] {
  if (!Array.isArray(raw)) return [];
  return (raw as unknown[]).filter((v): v is string => isText(v, 100) && /^[A-Za-z0-9-]+$/.test(v)).slice(0, MAX_BATCHES);
}

/** The concurrency setting, or its default when it is not a whole number in range. */
export function concurrencyOf(raw: unknown, fallback = 4): { value: number; problem?: string } {
  if (raw === undefined || raw === null) return { value: fallback };
  if (typeof raw === "number" && Number.isInteger(raw) && raw >= MIN_CONCURRENCY && raw <= MAX_CONCURRENCY) return { value: raw };
  return { value: fallback, problem: `grokImagine.batchConcurrency must be a whole number from ${MIN_CONCURRENCY} to ${MAX_CONCURRENCY}; using ${fallback}.` };
}
