/**
 * The messages between the gallery panel (extension host, src/gallery/) and its webview
 * (media/gallery/). Both sides import this file, and it imports only pure modules (model/), so the
 * webview bundle and the extension agree on every shape at compile time.
 *
 * Conversation:
 *   webview → `ready` (after every load) · host → `init` (entries, jobs, form defaults, saved view state)
 *   webview → `rendered` once the first `init` is painted (the first-paint figure is measured up to it)
 *   host → `entries` / `jobs` / `defaults` / `context` whenever something changes
 *   webview → `generate` | `edit` | `action` | `cancelJob`, each with a `requestId`;
 *   host → `reply` with that `requestId` once it is done (or refused)
 *
 * Everything the webview sends is untrusted: {@link parseWebviewMessage} checks the shape (known type,
 * exactly the expected fields, types, lengths); the host then checks what only it can (the image is
 * one it indexed inside the workspace, the job is running) before doing anything.
 */

import {
  ASPECT_RATIOS,
  GENERATE_FIELDS,
  MAX_EDIT_IMAGES,
  NUM_IMAGES_MAX,
  NUM_IMAGES_MIN,
  OUTPUT_FORMATS,
  RESOLUTIONS,
  type AspectRatio,
  type OutputFormat,
  type Resolution,
} from "./model/params";

export {
  API_DEFAULTS,
  ASPECT_RATIOS,
  MAX_EDIT_IMAGES,
  NUM_IMAGES_MAX,
  NUM_IMAGES_MIN,
  OUTPUT_FORMATS,
  RESOLUTIONS,
  type AspectRatio,
  type OutputFormat,
  type Resolution,
} from "./model/params";
export { buildGenerateRequest } from "./model/request";

/** The webview panel's view type (also its serializer's and its activation event's). */
export const GALLERY_VIEW_TYPE = "grokImagine.gallery";

/** Longest prompt the panel accepts (far beyond what the API takes, to bound what is handled). */
export const MAX_PROMPT_LENGTH = 8000;
/** Longest image id (a file URI string) the panel accepts. */
export const MAX_ID_LENGTH = 4096;

// ---------------------------------------------------------------------------------------------
// Data

export type ImageKind = "generate" | "edit";

/** One image in the gallery, as the webview shows it. All text is shown with textContent. */
export interface GalleryEntry {
  /** The file's URI as a string: the key both sides use, never shown. */
  readonly id: string;
  /** The image through `asWebviewUri`. */
  readonly src: string;
  readonly name: string;
  /** Workspace-relative path (with the folder's name in multi-root workspaces). */
  readonly path: string;
  readonly format: OutputFormat;
  readonly kind: ImageKind;
  readonly prompt: string;
  readonly revisedPrompt: string;
  readonly params: EntryParams;
  /** When it was made (provenance CreateDate, else the file's mtime), ms since the epoch. */
  readonly created: number;
  /** Edits: the source images as recorded (workspace-relative paths). */
  readonly sources: readonly string[];
  readonly size: number;
  readonly requestId: string;
}

/** The request's scalar parameters, as recorded; absent when not recorded. */
export interface EntryParams {
  readonly num_images?: number;
  readonly aspect_ratio?: string;
  readonly resolution?: string;
  readonly output_format?: string;
  readonly sync_mode?: boolean;
}

/** A job in flight, as the panel shows it. */
export interface JobInfo {
  readonly id: string;
  readonly kind: ImageKind;
  readonly prompt: string;
  readonly state: "queued" | "generating" | "saving";
  /** Queue position, 1 = next. */
  readonly position?: number;
  readonly detail?: string;
}

/** The form's starting values (the settings' defaults, validated). */
export interface FormDefaults {
  readonly num_images: number;
  readonly aspect_ratio: AspectRatio;
  readonly resolution: Resolution;
  readonly output_format: OutputFormat;
  readonly sync_mode: boolean;
}

/** What the generate form sends: every field of the API's request, as typed. */
export interface GenerateForm {
  readonly prompt: string;
  readonly num_images: number;
  readonly aspect_ratio: string;
  readonly resolution: string;
  readonly output_format: string;
  readonly sync_mode: boolean;
}

export const KIND_FILTERS = ["all", "generate", "edit"] as const;
export type KindFilter = (typeof KIND_FILTERS)[number];
export const FORMAT_FILTERS = ["all", ...OUTPUT_FORMATS] as const;
export type FormatFilter = (typeof FORMAT_FILTERS)[number];

/** What the webview keeps with getState/setState, and what the serializer hands back after a reload. */
export interface ViewState {
  readonly query: string;
  readonly kind: KindFilter;
  readonly format: FormatFilter;
  readonly scrollTop: number;
  /** The focused image. */
  readonly active?: string;
  /** Images selected for an edit (at most {@link MAX_EDIT_IMAGES}). */
  readonly selected: readonly string[];
  readonly formOpen: boolean;
  readonly form: GenerateForm;
  readonly editPrompt: string;
}

/** What an image's buttons do; the host maps each to a command or a module (an allow-list). */
export const IMAGE_ACTIONS = [
  "open",
  "reveal",
  "details",
  "generateAgain",
  "copyPrompt",
  "copyMarkdown",
  "insertMarkdown",
  "delete",
] as const;
export type ImageAction = (typeof IMAGE_ACTIONS)[number];

/** Figures the webview measures on request (a benchmark of the virtualized grid). */
export interface BenchResults {
  readonly entries: number;
  /** Time to take in the entries and paint. */
  readonly applyMs: number;
  /** Cards in the DOM after painting (virtualization keeps this near the visible count). */
  readonly cards: number;
  /** Scroll jumps (40): the slowest, the 90th percentile and the mean time to re-render and lay out. */
  readonly scrollMaxMs: number;
  readonly scrollP90Ms: number;
  readonly scrollMeanMs: number;
  /** Typing a query: the slowest filter + paint. */
  readonly filterMaxMs: number;
}

// ---------------------------------------------------------------------------------------------
// Messages

export type HostMessage =
  | {
      readonly type: "init";
      readonly entries: readonly GalleryEntry[];
      readonly jobs: readonly JobInfo[];
      readonly defaults: FormDefaults;
      /** The index is still being built or checked. */
      readonly indexing: boolean;
      /** Saved state handed back by the serializer (the webview prefers its own getState). */
      readonly viewState?: ViewState;
      readonly markdownFile?: string;
    }
  | {
      readonly type: "entries";
      readonly upsert: readonly GalleryEntry[];
      readonly remove: readonly string[];
      readonly indexing: boolean;
    }
  | { readonly type: "jobs"; readonly jobs: readonly JobInfo[] }
  | { readonly type: "defaults"; readonly defaults: FormDefaults }
  /** The Markdown file a link would be inserted into (its name), or none. */
  | { readonly type: "context"; readonly markdownFile?: string }
  | { readonly type: "reply"; readonly requestId: number; readonly ok: boolean; readonly message?: string }
  | { readonly type: "bench"; readonly requestId: number; readonly entries: readonly GalleryEntry[] };

export type WebviewMessage =
  | { readonly type: "ready" }
  | {
      readonly type: "rendered";
      /** Date.now() in the webview when the frame was painted. */
      readonly at: number;
      readonly entries: number;
      readonly cards: number;
      /** The page's own clock (ms since it started loading): script running, `init` received, painted. */
      readonly scriptMs: number;
      readonly initMs: number;
      readonly paintMs: number;
    }
  /** The thumbnails on screen at first paint have all been decoded, `ms` after that paint. */
  | { readonly type: "thumbnails"; readonly ms: number; readonly count: number }
  | { readonly type: "generate"; readonly requestId: number; readonly input: GenerateForm }
  | { readonly type: "edit"; readonly requestId: number; readonly ids: readonly string[]; readonly prompt: string }
  | { readonly type: "action"; readonly requestId: number; readonly action: ImageAction; readonly id: string }
  | { readonly type: "cancelJob"; readonly requestId: number; readonly jobId: string }
  | { readonly type: "benchResult"; readonly requestId: number; readonly results: BenchResults };

export type WebviewMessageType = WebviewMessage["type"];

// ---------------------------------------------------------------------------------------------
// Validation of what the webview sends (untrusted input)

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function own(o: Record<string, unknown>, k: string): unknown {
  return Object.prototype.hasOwnProperty.call(o, k) ? o[k] : undefined;
}

function fail<T>(reason: string): Parsed<T> {
  return { ok: false, reason };
}

/** Exactly these keys (plus `type`), no others. */
function checkKeys(o: Record<string, unknown>, keys: readonly string[]): string | undefined {
  for (const k of Object.keys(o)) {
    if (k !== "type" && !keys.includes(k)) return `unexpected field ${JSON.stringify(k.slice(0, 40))}`;
  }
  for (const k of keys) if (!Object.prototype.hasOwnProperty.call(o, k)) return `missing field ${JSON.stringify(k)}`;
  return undefined;
}

function isRequestId(v: unknown): v is number {
  return typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
}

function isText(v: unknown, max: number): v is string {
  return typeof v === "string" && v.length <= max;
}

function isFiniteNumber(v: unknown): v is number {
  return typeof v === "number" && Number.isFinite(v);
}

function parseForm(v: unknown): Parsed<GenerateForm> {
  if (!isRecord(v)) return fail("input must be an object");
  const bad = checkKeys(v, GENERATE_FIELDS);
  if (bad) return fail(`input: ${bad}`);
  const { prompt, num_images, aspect_ratio, resolution, output_format, sync_mode } = v;
  if (!isText(prompt, MAX_PROMPT_LENGTH)) return fail(`input.prompt must be text of at most ${MAX_PROMPT_LENGTH} characters`);
  if (!isFiniteNumber(num_images)) return fail("input.num_images must be a number");
  if (!isText(aspect_ratio, 16) || !isText(resolution, 16) || !isText(output_format, 16)) {
    return fail("input.aspect_ratio, resolution and output_format must be short text");
  }
  if (typeof sync_mode !== "boolean") return fail("input.sync_mode must be true or false");
  return { ok: true, value: { prompt, num_images, aspect_ratio, resolution, output_format, sync_mode } };
}

function parseBench(v: unknown): Parsed<BenchResults> {
  if (!isRecord(v)) return fail("results must be an object");
  const keys = ["entries", "applyMs", "cards", "scrollMaxMs", "scrollP90Ms", "scrollMeanMs", "filterMaxMs"] as const;
  const bad = checkKeys(v, keys);
  if (bad) return fail(`results: ${bad}`);
  for (const k of keys) if (!isFiniteNumber(v[k])) return fail(`results.${k} must be a number`);
  return { ok: true, value: v as unknown as BenchResults };
}

/**
 * Checks the shape of a message from the webview: a known `type`, exactly its fields, each of the
 * right type and size. It does not decide whether an id names a real image: the host does that.
 */
export function parseWebviewMessage(raw: unknown): Parsed<WebviewMessage> {
  if (!isRecord(raw)) return fail("not an object");
  const type = own(raw, "type");
  if (typeof type !== "string") return fail("no type");
  const shape = (keys: readonly string[]) => checkKeys(raw, keys);
  let bad: string | undefined;
  switch (type) {
    case "ready":
      bad = shape([]);
      return bad ? fail(bad) : { ok: true, value: { type } };
    case "rendered": {
      const keys = ["at", "entries", "cards", "scriptMs", "initMs", "paintMs"] as const;
      bad = shape(keys);
      if (bad) return fail(bad);
      if (!keys.every((k) => isFiniteNumber(raw[k]))) return fail(`${keys.join(", ")} must be numbers`);
      const n = (k: (typeof keys)[number]) => raw[k] as number;
      return { ok: true, value: { type, at: n("at"), entries: n("entries"), cards: n("cards"), scriptMs: n("scriptMs"), initMs: n("initMs"), paintMs: n("paintMs") } };
    }
    case "thumbnails": {
      bad = shape(["ms", "count"]);
      if (bad) return fail(bad);
      const { ms, count } = raw;
      if (!isFiniteNumber(ms) || !isFiniteNumber(count)) return fail("ms and count must be numbers");
      return { ok: true, value: { type, ms, count } };
    }
    case "generate": {
      bad = shape(["requestId", "input"]);
      if (bad) return fail(bad);
      if (!isRequestId(raw["requestId"])) return fail("bad requestId");
      const form = parseForm(raw["input"]);
      if (!form.ok) return form;
      return { ok: true, value: { type, requestId: raw["requestId"], input: form.value } };
    }
    case "edit": {
      bad = shape(["requestId", "ids", "prompt"]);
      if (bad) return fail(bad);
      const { requestId, ids, prompt } = raw;
      if (!isRequestId(requestId)) return fail("bad requestId");
      if (!Array.isArray(ids) || ids.length < 1 || ids.length > MAX_EDIT_IMAGES) return fail(`ids must list 1 to ${MAX_EDIT_IMAGES} images`);
      const list: unknown[] = ids;
      if (!list.every((i): i is string => isText(i, MAX_ID_LENGTH) && i.length > 0)) return fail("ids must be image ids");
      if (!isText(prompt, MAX_PROMPT_LENGTH)) return fail("prompt must be text");
      return { ok: true, value: { type, requestId, ids: list, prompt } };
    }
    case "action": {
      bad = shape(["requestId", "action", "id"]);
      if (bad) return fail(bad);
      const { requestId, action, id } = raw;
      if (!isRequestId(requestId)) return fail("bad requestId");
      if (typeof action !== "string" || !(IMAGE_ACTIONS as readonly string[]).includes(action)) {
        return fail(`action ${JSON.stringify(String(action).slice(0, 80))} is not one the gallery offers`);
      }
      if (!isText(id, MAX_ID_LENGTH) || id.length === 0) return fail("id must be an image id");
      return { ok: true, value: { type, requestId, action: action as ImageAction, id } };
    }
    case "cancelJob": {
      bad = shape(["requestId", "jobId"]);
      if (bad) return fail(bad);
      const { requestId, jobId } = raw;
      if (!isRequestId(requestId)) return fail("bad requestId");
      if (!isText(jobId, 200) || jobId.length === 0) return fail("jobId must be a job id");
      return { ok: true, value: { type, requestId, jobId } };
    }
    case "benchResult": {
      bad = shape(["requestId", "results"]);
      if (bad) return fail(bad);
      if (!isRequestId(raw["requestId"])) return fail("bad requestId");
      const results = parseBench(raw["results"]);
      if (!results.ok) return results;
      return { ok: true, value: { type, requestId: raw["requestId"], results: results.value } };
    }
    default:
      return fail(`unknown message type ${JSON.stringify(type.slice(0, 80))}`);
  }
}

/** The state a fresh panel starts with. */
export function defaultViewState(defaults: FormDefaults): ViewState {
  return {
    query: "",
    kind: "all",
    format: "all",
    scrollTop: 0,
    selected: [],
    formOpen: true,
    form: { prompt: "", ...defaults },
    editPrompt: "",
  };
}

/**
 * A saved view state (from getState, or handed to the serializer after a reload: untrusted), with
 * every bad or missing field replaced by its default. `undefined` when it is not an object at all.
 */
export function parseViewState(raw: unknown, defaults: FormDefaults): ViewState | undefined {
  if (!isRecord(raw)) return undefined;
  const base = defaultViewState(defaults);
  const str = (k: string, max: number, d: string) => {
    const v = own(raw, k);
    return isText(v, max) ? v : d;
  };
  const kind = own(raw, "kind");
  const format = own(raw, "format");
  const scrollTop = own(raw, "scrollTop");
  const active = own(raw, "active");
  const selectedRaw = own(raw, "selected");
  const selected = Array.isArray(selectedRaw)
    ? (selectedRaw as unknown[]).filter((s): s is string => isText(s, MAX_ID_LENGTH) && s.length > 0).slice(0, MAX_EDIT_IMAGES)
    : [];
  const formRaw = own(raw, "form");
  let form = base.form;
  if (isRecord(formRaw)) {
    const n = own(formRaw, "num_images");
    const pick = <T extends string>(k: string, allowed: readonly T[], d: T): T => {
      const v = own(formRaw, k);
      return typeof v === "string" && (allowed as readonly string[]).includes(v) ? (v as T) : d;
    };
    const text = own(formRaw, "prompt");
    const sync = own(formRaw, "sync_mode");
    form = {
      prompt: isText(text, MAX_PROMPT_LENGTH) ? text : "",
      num_images: typeof n === "number" && Number.isInteger(n) && n >= NUM_IMAGES_MIN && n <= NUM_IMAGES_MAX ? n : defaults.num_images,
      aspect_ratio: pick("aspect_ratio", ASPECT_RATIOS, defaults.aspect_ratio),
      resolution: pick("resolution", RESOLUTIONS, defaults.resolution),
      output_format: pick("output_format", OUTPUT_FORMATS, defaults.output_format),
      sync_mode: typeof sync === "boolean" ? sync : defaults.sync_mode,
    };
  }
  const formOpen = own(raw, "formOpen");
  return {
    query: str("query", 500, ""),
    kind: typeof kind === "string" && (KIND_FILTERS as readonly string[]).includes(kind) ? (kind as KindFilter) : "all",
    format: typeof format === "string" && (FORMAT_FILTERS as readonly string[]).includes(format) ? (format as FormatFilter) : "all",
    scrollTop: isFiniteNumber(scrollTop) && scrollTop >= 0 ? scrollTop : 0,
    ...(isText(active, MAX_ID_LENGTH) && active ? { active } : {}),
    selected,
    formOpen: typeof formOpen === "boolean" ? formOpen : base.formOpen,
    form,
    editPrompt: str("editPrompt", MAX_PROMPT_LENGTH, ""),
  };
}
