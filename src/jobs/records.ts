/**
 * The record kept in workspace storage for each job that has not finished saving (pure: no vscode),
 * and its check. A record read back is untrusted: storage written by an older or newer version of
 * the extension, or edited by hand, must not stop the others from resuming, write outside the
 * workspace, delete files that are not ours, or send a crafted request id to fal. Each record is
 * checked field by field; a bad one is reported with the reason and set aside.
 */
import { endpointById, isRecord, parseFalOutput, validateBody, type FalOutput, type Values } from "../api";
import { IMAGE_FORMATS, type ImageFormat } from "../images/sniff";

export type JobKind = "generate" | "edit";
export type RequestBody = Values;

function isOutputFormat(v: unknown): v is ImageFormat {
  return typeof v === "string" && (IMAGE_FORMATS as readonly string[]).includes(v);
}

export interface SourceRef {
  readonly path: string;
  readonly sha256: string;
}

/**
 * - `waiting`: submitted, its result not yet fetched (resumed on activation);
 * - `unsaved`: a result fal made that could not be saved (offered: Retry Saving, Discard);
 * - `unknown`: fal answered 404 for it (the request expired, or a mistyped proxy answered): kept, and
 *   offered with Retry Saving (after fixing the proxy) or Discard, never dropped silently.
 */
export type RecordState = "waiting" | "unsaved" | "unknown";

export interface PendingRecord {
  readonly id: string;
  readonly kind: JobKind;
  readonly endpoint: string;
  readonly input: RequestBody;
  readonly prompt: string;
  readonly outputFormat: ImageFormat;
  /** The output folder, as a URI string. */
  readonly folder: string;
  readonly stem: string;
  readonly numbered: boolean;
  readonly requestId: string;
  readonly createdAt: number;
  readonly sources?: readonly SourceRef[];
  /** The batch (or other owner) that ran it quietly: after a reload it follows its own waiting jobs. */
  readonly owner?: string;
  state: RecordState;
  /** The person cancelled it: if fal finishes it anyway, it is kept and offered, never saved unasked. */
  cancelRequested?: boolean;
  /** The result's URLs (never sync_mode data, which is stashed to files instead). */
  output?: FalOutput;
  /** Files in extension storage holding images that could not be written to the workspace. */
  stash?: string[];
  /** The revised prompt, kept with stashed images (a sync_mode result has no stored output). */
  revisedPrompt?: string;
  problem?: string;
}

/** Longest text field accepted in a record (prompts are far shorter; fal caps them). */
const MAX_TEXT = 20_000;
/** Records kept at most; more is not something this extension wrote. */
export const MAX_RECORDS = 200;

export type Checked = { readonly ok: true; readonly record: PendingRecord } | { readonly ok: false; readonly problem: string };

const isText = (v: unknown, max = MAX_TEXT): v is string => typeof v === "string" && v.length <= max;

/** A file-name stem: one path segment, no separators, not `.` or `..`, no control characters. */
export function isSafeStem(v: unknown): v is string {
  return typeof v === "string" && v.length > 0 && v.length <= 200 && !/[/\\\u0000-\u001f]/.test(v) && v !== "." && v !== "..";
}

/** fal's request ids are UUIDs; anything that could change the path of a status URL is refused. */
export function isRequestId(v: unknown): v is string {
  return typeof v === "string" && /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/.test(v);
}

/** A URI string with a scheme, no `.`/`..` path segments, no query or fragment. */
function isFolderUri(v: unknown): v is string {
  if (typeof v !== "string" || v.length > 4000 || !/^[a-z][a-z0-9+.-]*:/i.test(v) || /[?#]/.test(v)) return false;
  let path: string;
  try {
    path = decodeURIComponent(v.replace(/^[a-z][a-z0-9+.-]*:(\/\/[^/]*)?/i, ""));
  } catch {
    return false;
  }
  return !path.split(/[/\\]/).some((seg) => seg === "." || seg === "..");
}

/** The request body, checked against the API definition of the endpoint it was sent to. */
function checkInput(v: unknown, endpoint: string, kind: JobKind): { ok: true; input: RequestBody } | { ok: false; problem: string } {
  if (endpointById(endpoint)?.operation !== kind) return { ok: false, problem: `endpoint ${endpoint.slice(0, 80)} is not one of the ${kind} endpoints` };
  // Not `complete`: a record an earlier version wrote lacks the fields the API gained since.
  const checked = validateBody(endpoint, v, false);
  return checked.ok ? { ok: true, input: checked.value } : { ok: false, problem: `input: ${checked.errors.map((e) => e.message).join(" ").slice(0, 300)}` };
}

/**
 * Checks one stored record. `stashDir` is the URI string of the folder stash files live in: a stash
 * entry elsewhere would make Discard delete someone else's file.
 */
export function checkRecord(raw: unknown, stashDir: string): Checked {
  const bad = (problem: string): Checked => ({ ok: false, problem });
  if (!isRecord(raw)) return bad("not an object");
  const r = raw;
  if (!isText(r.id, 100) || !r.id) return bad("no id");
  if (r.kind !== "generate" && r.kind !== "edit") return bad("kind is neither generate nor edit");
  // One of the definition's endpoint ids, exactly (checkInput): nothing else reaches a fal URL.
  if (typeof r.endpoint !== "string") return bad("endpoint is not an endpoint id");
  const input = checkInput(r.input, r.endpoint, r.kind);
  if (!input.ok) return bad(input.problem);
  if (!isText(r.prompt)) return bad("prompt is not text");
  if (!isOutputFormat(r.outputFormat)) return bad("outputFormat is not an image format");
  if (!isFolderUri(r.folder)) return bad("folder is not a folder URI");
  if (!isSafeStem(r.stem)) return bad("stem is not a file name");
  if (typeof r.numbered !== "boolean") return bad("numbered is not a boolean");
  if (!isRequestId(r.requestId)) return bad("requestId is not a fal request id");
  if (typeof r.createdAt !== "number" || !Number.isFinite(r.createdAt)) return bad("createdAt is not a time");
  if (r.state !== "waiting" && r.state !== "unsaved" && r.state !== "unknown") return bad("state is not waiting, unsaved or unknown");
  if (r.cancelRequested !== undefined && typeof r.cancelRequested !== "boolean") return bad("cancelRequested is not a boolean");
  if (r.sources !== undefined && !(Array.isArray(r.sources) && r.sources.length <= 16 && r.sources.every((x) => isRecord(x) && isText(x.path, 4000) && typeof x.sha256 === "string" && /^[0-9a-f]{64}$/.test(x.sha256)))) {
    return bad("sources are not a list of {path, sha256}");
  }
  let output: FalOutput | undefined;
  if (r.output !== undefined) {
    const parsed = parseFalOutput(r.output);
    if (!parsed.ok) return bad(`output: ${parsed.errors.map((e) => e.message).join(" ")}`);
    output = parsed.value;
  }
  const prefix = stashDir.endsWith("/") ? stashDir : `${stashDir}/`;
  if (r.stash !== undefined && !(Array.isArray(r.stash) && r.stash.length <= 16 && r.stash.every((s) => typeof s === "string" && s.startsWith(prefix) && /^[A-Za-z0-9._-]+$/.test(s.slice(prefix.length))))) {
    return bad("stash is not a list of files in the extension's storage");
  }
  if (r.revisedPrompt !== undefined && !isText(r.revisedPrompt)) return bad("revisedPrompt is not text");
  if (r.problem !== undefined && !isText(r.problem)) return bad("problem is not text");
  if (r.owner !== undefined && !(isText(r.owner, 100) && /^[A-Za-z0-9:-]+$/.test(r.owner))) return bad("owner is not an owner id");
  const record: PendingRecord = {
    id: r.id,
    kind: r.kind,
    endpoint: r.endpoint,
    input: input.input,
    prompt: r.prompt,
    outputFormat: r.outputFormat,
    folder: r.folder,
    stem: r.stem,
    numbered: r.numbered,
    requestId: r.requestId,
    createdAt: r.createdAt,
    state: r.state,
    ...(r.sources ? { sources: (r.sources as SourceRef[]).map((x) => ({ path: x.path, sha256: x.sha256 })) } : {}),
    ...(r.cancelRequested ? { cancelRequested: true } : {}),
    ...(output ? { output } : {}),
    ...(r.stash ? { stash: [...(r.stash as string[])] } : {}),
    ...(r.revisedPrompt !== undefined ? { revisedPrompt: r.revisedPrompt } : {}),
    ...(r.problem !== undefined ? { problem: r.problem } : {}),
    ...(typeof r.owner === "string" ? { owner: r.owner } : {}),
  };
  return { ok: true, record };
}

/** Splits what storage holds into good records and set-aside ones (with why), one pass. */
export function checkRecords(raw: unknown, stashDir: string): { records: PendingRecord[]; bad: { raw: unknown; problem: string }[] } {
  if (raw === undefined) return { records: [], bad: [] };
  if (!Array.isArray(raw)) return { records: [], bad: [{ raw, problem: "the stored list is not a list" }] };
  const records: PendingRecord[] = [];
  const bad: { raw: unknown; problem: string }[] = [];
  const seen = new Set<string>();
  for (const [i, item] of (raw as unknown[]).entries()) {
    if (i >= MAX_RECORDS) {
      bad.push({ raw: item, problem: `more than ${MAX_RECORDS} records` });
      continue;
    }
    const c = checkRecord(item, stashDir);
    if (!c.ok) bad.push({ raw: item, problem: c.problem });
    else if (seen.has(c.record.id)) bad.push({ raw: item, problem: `a second record with id ${c.record.id}` });
    else {
      seen.add(c.record.id);
      records.push(c.record);
    }
  }
  return { records, bad };
}

