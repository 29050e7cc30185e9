/**
 * The messages between the gallery panel (extension host, src/gallery/) and its webview
 * (media/gallery/). Both sides import this file, and it imports only pure modules (api/), so the
 * webview bundle and the extension agree on every shape at compile time.
 *
 * Conversation:
 *   webview → `ready` (after every load) · host → `init` (entries, jobs, the forms' fields and
 *   defaults, the filters, saved view state)
 *   webview → `rendered` once the first `init` is painted (the first-paint figure is measured up to it)
 *   host → `entries` / `jobs` / `defaults` / `context` / `spend` whenever something changes
 *   webview → `generate` | `edit` | `action` | `cancelJob`, each with a `requestId`;
 *   host → `reply` with that `requestId` once it is done (or refused)
 *
 * Everything the webview sends is untrusted: {@link parseWebviewMessage} checks the shape (known type,
 * exactly the expected fields, types, lengths); the host then checks what only it can (the image is
 * one it indexed inside the workspace, the job is running) before doing anything.
 */

import { filterFields, formFields, isOption, isRecord, own, MAX_EDIT_IMAGES, MAX_PARAM_TEXT, MAX_PROMPT_LENGTH, OPERATIONS, type FormField, type Operation, type PriceTable, type Scalar } from "./api";

import { IMAGE_FORMATS, type ImageFormat } from "./images/sniff";


export { buildRequest, estimate, formatUsd, MAX_EDIT_IMAGES, MAX_PROMPT_LENGTH, type FormField, type Operation, type PriceTable, type Scalar } from "./api";

/** The webview panel's view type (also its serializer's and its activation event's). */
export const GALLERY_VIEW_TYPE = "grokImagine.gallery";

/** Longest image id (a file URI string) the panel accepts. */
export const MAX_ID_LENGTH = 4096;
/** Thumbnails' long side in px: a card is 176–260 CSS px wide, so this is sharp at 1× and good at 1.5×. */
export const THUMB_SIDE = 256;
/**
 * The largest thumbnail the host accepts from the webview: at {@link THUMB_SIDE} px as WebP of
 * quality 0.8 a photo comes to 5–30 KB; 96 KB leaves room for noisy pictures and refuses anything
 * that is not a thumbnail.
 */
export const MAX_THUMB_BYTES = 96 * 1024;

// ---------------------------------------------------------------------------------------------
// Data

export type ImageKind = Operation;

/** One image in the gallery, as the webview shows it. All text is shown with textContent. */
export interface GalleryEntry {
  /** The file's URI as a string: the key both sides use, never shown. */
  readonly id: string;
  /** The image through `asWebviewUri`. */
  readonly src: string;
  readonly name: string;
  /** Workspace-relative path (with the folder's name in multi-root workspaces). */
  readonly path: string;
  readonly format: ImageFormat;
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
  /** The cached thumbnail through `asWebviewUri`, when there is one for this version of the file. */
  readonly thumb?: string;
  /**
   * The cached thumbnail itself (WebP or JPEG), base64, for the newest entries of `init`. Text, not
   * bytes: a message that carries an ArrayBuffer reached the page some 50 ms later than one without
   * (measured in the gallery benchmark), and `init` is what the first paint waits for.
   */
  readonly thumbData?: string;
  /** The file's version (size and mtime): a thumbnail the webview makes is sent back with it. */
  readonly version: string;
}

/**
 * The request's parameters as recorded, by the API's field names (api/forms.ts `recordedValues`:
 * the fields the definition lists, and what the endpoint stands for); absent when not recorded.
 */
export type EntryParams = Readonly<Record<string, Scalar>>;

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

/** A form's values by the API's field names (the generate form's include the prompt). */
export type FormValues = Readonly<Record<string, Scalar>>;

/** Each form's starting values (the settings' defaults, validated), without the prompt. */
export type FormDefaults = Readonly<Record<Operation, FormValues>>;

/** The fields of each form (api/forms.ts), sent in `init`: the webview renders exactly these. */
export type FormFields = Readonly<Record<Operation, readonly FormField[]>>;

export const KIND_FILTERS = ["all", ...OPERATIONS] as const;
export type KindFilter = (typeof KIND_FILTERS)[number];
/** Filters by the saved file's format. */
export type FormatFilter = "all" | ImageFormat;
export const FORMAT_FILTERS: readonly FormatFilter[] = ["all", ...IMAGE_FORMATS];

/** What the webview keeps with getState/setState, and what the serializer hands back after a reload. */
export interface ViewState {
  readonly query: string;
  readonly kind: KindFilter;
  readonly format: FormatFilter;
  /** Filters by a recorded parameter (api/forms.ts `filterFields`): field → value as text; absent = all. */
  readonly params: Readonly<Record<string, string>>;
  readonly scrollTop: number;
  /** The focused image. */
  readonly active?: string;
  /** Images selected for an edit (at most {@link MAX_EDIT_IMAGES}). */
  readonly selected: readonly string[];
  readonly formOpen: boolean;
  /** The generate form, prompt included. */
  readonly form: FormValues;
  /** The edit bar's parameters (its prompt is `editPrompt`). */
  readonly editForm: FormValues;
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

/** The gallery header's spend line and its tooltip (src/spend: today, this month, all time, by tier). */
export interface SpendHeader {
  readonly text: string;
  readonly detail: string;
}

/** The gallery grid's visible size, CSS pixels. */
export interface ViewportSize {
  readonly width: number;
  readonly height: number;
}

/** `value` if it is a size a grid can have (whole pixels, 1 to 100,000 each way), else undefined. */
export function viewportSize(value: unknown): ViewportSize | undefined {
  if (!isRecord(value)) return undefined;
  const width = own(value, "width");
  const height = own(value, "height");
  const ok = (n: unknown): n is number => typeof n === "number" && Number.isInteger(n) && n >= 1 && n <= 100_000;
  return ok(width) && ok(height) ? { width, height } : undefined;
}

export type HostMessage =
  | {
      readonly type: "init";
      /** Numbers the inits: a page takes only one newer than the one it has (see gallery/handshake.ts). */
      readonly seq: number;
      readonly entries: readonly GalleryEntry[];
      readonly jobs: readonly JobInfo[];
      readonly defaults: FormDefaults;
      readonly fields: FormFields;
      /** The parameters the gallery filters by, each with every value it may have. */
      readonly filters: readonly FormField[];
      /** The index is still being built or checked. */
      readonly indexing: boolean;
      /** Saved state handed back by the serializer (the webview prefers its own getState). */
      readonly viewState?: ViewState;
      readonly markdownFile?: string;
      /** The display language's translations (`vscode.l10n.bundle`); absent in English. See src/l10n.ts. */
      readonly l10n?: Readonly<Record<string, string>>;
      /** US dollars per image by endpoint id: the person's grokImagine.prices (the form estimates with api/price.ts). */
      readonly prices: PriceTable;
      readonly spend?: SpendHeader;
      /** More entries follow the page's paint of this `init`, in an `entries` marked `rest`. */
      readonly rest: boolean;
      /**
       * The grid's size at the page's last first paint (workspace storage), when known: the page's
       * first render lays its cards out for it without measuring (which would lay the page out once
       * more before its first frame); the frame's own render measures and corrects it.
       */
      readonly viewport?: ViewportSize;
    }
  | {
      readonly type: "entries";
      readonly upsert: readonly GalleryEntry[];
      readonly remove: readonly string[];
      readonly indexing: boolean;
      /**
       * The entries the `init` numbered so left out (perhaps none left by now): a page that has that
       * `init` then has every entry.
       */
      readonly rest?: number;
    }
  | { readonly type: "jobs"; readonly jobs: readonly JobInfo[] }
  | { readonly type: "defaults"; readonly defaults: FormDefaults; readonly prices: PriceTable }
  | { readonly type: "spend"; readonly spend: SpendHeader }
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
      /** The grid's size in CSS pixels once painted (the next `init` carries it: see `viewport`). */
      readonly width: number;
      readonly height: number;
    }
  /** The thumbnails on screen at first paint have all been decoded, `ms` after that paint. */
  | { readonly type: "thumbnails"; readonly ms: number; readonly count: number }
  /** A thumbnail the webview made of an image it showed at full size (untrusted bytes: the host checks them). */
  | { readonly type: "thumbnail"; readonly id: string; readonly version: string; readonly bytes: Uint8Array }
  | { readonly type: "generate"; readonly requestId: number; readonly input: FormValues }
  /** `input`: the edit form's values and the prompt. */
  | { readonly type: "edit"; readonly requestId: number; readonly ids: readonly string[]; readonly input: FormValues }
  | { readonly type: "action"; readonly requestId: number; readonly action: ImageAction; readonly id: string }
  | { readonly type: "cancelJob"; readonly requestId: number; readonly jobId: string }
  | { readonly type: "benchResult"; readonly requestId: number; readonly results: BenchResults };

export type WebviewMessageType = WebviewMessage["type"];

// ---------------------------------------------------------------------------------------------
// Validation of what the webview sends (untrusted input)

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

function fail<T>(reason: string): Parsed<T> {
  return { ok: false, reason };
}

/** Exactly these keys (plus `type`), no others. */
function checkKeys(o: Record<string, unknown>, keys: readonly string[]): string | undefined {
  for (const k of Object.keys(o)) {
    if (k !== "type" && !keys.includes(k)) return `unexpected field ${JSON.stringify(k.slice(0, 40))}`;
  }
  for (const k of keys) if (!Object.hasOwn(o, k)) return `missing field ${JSON.stringify(k)}`;
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

/** A form's values: exactly the prompt and the operation's form fields, each of its field's type. */
function parseForm(op: Operation, v: unknown): Parsed<FormValues> {
  if (!isRecord(v)) return fail("input must be an object");
  const fields = formFields(op);
  const bad = checkKeys(v, ["prompt", ...fields.map((f) => f.key)]);
  if (bad) return fail(`input: ${bad}`);
  const out: Record<string, Scalar> = {};
  const prompt = v["prompt"];
  if (!isText(prompt, MAX_PROMPT_LENGTH)) return fail(`input.prompt must be text of at most ${MAX_PROMPT_LENGTH} characters`);
  out["prompt"] = prompt;
  for (const f of fields) {
    const x = v[f.key];
    const ok = f.type === "integer" ? isFiniteNumber(x) : f.type === "boolean" ? typeof x === "boolean" : isText(x, MAX_PARAM_TEXT);
    if (!ok) return fail(`input.${f.key} must be ${f.type === "integer" ? "a number" : f.type === "boolean" ? "true or false" : "short text"}`);
    out[f.key] = x as Scalar;
  }
  return { ok: true, value: out };
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
      const keys = ["at", "entries", "cards", "scriptMs", "initMs", "paintMs", "width", "height"] as const;
      bad = shape(keys);
      if (bad) return fail(bad);
      if (!keys.every((k) => isFiniteNumber(raw[k]))) return fail(`${keys.join(", ")} must be numbers`);
      const n = (k: (typeof keys)[number]) => raw[k] as number;
      return { ok: true, value: { type, at: n("at"), entries: n("entries"), cards: n("cards"), scriptMs: n("scriptMs"), initMs: n("initMs"), paintMs: n("paintMs"), width: n("width"), height: n("height") } };
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
      const form = parseForm("generate", raw["input"]);
      if (!form.ok) return form;
      return { ok: true, value: { type, requestId: raw["requestId"], input: form.value } };
    }
    case "edit": {
      bad = shape(["requestId", "ids", "input"]);
      if (bad) return fail(bad);
      const { requestId, ids } = raw;
      if (!isRequestId(requestId)) return fail("bad requestId");
      if (!Array.isArray(ids) || ids.length < 1 || ids.length > MAX_EDIT_IMAGES) return fail(`ids must list 1 to ${MAX_EDIT_IMAGES} images`);
      const list: unknown[] = ids;
      if (!list.every((i): i is string => isText(i, MAX_ID_LENGTH) && i.length > 0)) return fail("ids must be image ids");
      const form = parseForm("edit", raw["input"]);
      if (!form.ok) return form;
      return { ok: true, value: { type, requestId, ids: list, input: form.value } };
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
    case "thumbnail": {
      bad = shape(["id", "version", "bytes"]);
      if (bad) return fail(bad);
      const { id, version, bytes } = raw;
      if (!isText(id, MAX_ID_LENGTH) || id.length === 0) return fail("id must be an image id");
      if (!isText(version, 40)) return fail("version must be short text");
      // Typed arrays and ArrayBuffers cross the webview boundary as such; nothing else is bytes.
      const data = bytes instanceof Uint8Array ? bytes : bytes instanceof ArrayBuffer ? new Uint8Array(bytes) : undefined;
      if (!data) return fail("bytes must be bytes");
      if (data.length === 0 || data.length > MAX_THUMB_BYTES) return fail(`a thumbnail is 1 to ${MAX_THUMB_BYTES} bytes, not ${data.length}`);
      return { ok: true, value: { type, id, version, bytes: data } };
    }
    case "cancelJob": {
      bad = shape(["requestId", "jobId"]);
      if (bad) return fail(bad);
      const { requestId, jobId } = raw;
      if (!isRequestId(requestId)) return fail("bad requestId");
      if (!isText(jobId, 200) || jobId.length === 0) return fail("jobId must be a job id");
      return { ok: true, value: { type, requestId, jobId } };
    }
    default:
      // Only the development build's benchmark asks for benchResult; the shipped panel never does.
      if ((typeof GROK_TEST_HOOKS !== "undefined" && GROK_TEST_HOOKS) && type === "benchResult") {
        bad = shape(["requestId", "results"]);
        if (bad) return fail(bad);
        if (!isRequestId(raw["requestId"])) return fail("bad requestId");
        const results = parseBench(raw["results"]);
        if (!results.ok) return results;
        return { ok: true, value: { type, requestId: raw["requestId"], results: results.value } };
      }
      return fail(`unknown message type ${JSON.stringify(type.slice(0, 80))}`);
  }
}

/** The state a fresh panel starts with. */
export function defaultViewState(defaults: FormDefaults): ViewState {
  return {
    query: "",
    kind: "all",
    format: "all",
    params: {},
    scrollTop: 0,
    selected: [],
    formOpen: true,
    form: { prompt: "", ...defaults.generate },
    editForm: defaults.edit,
    editPrompt: "",
  };
}

/** A saved form: each field's value when it is one of its options, else the default. */
function parseSavedForm(op: Operation, raw: unknown, defaults: FormValues): Record<string, Scalar> {
  const out: Record<string, Scalar> = {};
  for (const f of formFields(op)) {
    const v = isRecord(raw) ? own(raw, f.key) : undefined;
    const d = defaults[f.key];
    if (isOption(f, v)) out[f.key] = v;
    else if (d !== undefined) out[f.key] = d;
  }
  return out;
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
  const text = isRecord(formRaw) ? own(formRaw, "prompt") : undefined;
  const paramsRaw = own(raw, "params");
  const params: Record<string, string> = {};
  for (const f of filterFields()) {
    const v = isRecord(paramsRaw) ? own(paramsRaw, f.key) : undefined;
    if (typeof v === "string" && f.options.some((o) => String(o.value) === v)) params[f.key] = v;
  }
  const formOpen = own(raw, "formOpen");
  return {
    query: str("query", 500, ""),
    kind: typeof kind === "string" && (KIND_FILTERS as readonly string[]).includes(kind) ? (kind as KindFilter) : "all",
    format: typeof format === "string" && (FORMAT_FILTERS as readonly string[]).includes(format) ? (format as FormatFilter) : "all",
    params,
    scrollTop: isFiniteNumber(scrollTop) && scrollTop >= 0 ? scrollTop : 0,
    ...(isText(active, MAX_ID_LENGTH) && active ? { active } : {}),
    selected,
    formOpen: typeof formOpen === "boolean" ? formOpen : base.formOpen,
    form: { prompt: isText(text, MAX_PROMPT_LENGTH) ? text : "", ...parseSavedForm("generate", formRaw, defaults.generate) },
    editForm: parseSavedForm("edit", own(raw, "editForm"), defaults.edit),
    editPrompt: str("editPrompt", MAX_PROMPT_LENGTH, ""),
  };
}
