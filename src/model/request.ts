/**
 * Building and validating request bodies for the generate and edit endpoints.
 *
 * Decisions (strict: nothing is coerced, nothing is dropped silently):
 * - `args` must be a plain object (or `undefined`, meaning "defaults only", which then fails for the
 *   missing prompt). A field whose value is `undefined` counts as absent; `null` is an invalid value.
 * - `prompt` must be a string that is not empty after trimming; the trimmed text is sent.
 * - `num_images` must be a JSON number that is an integer 1..4. Numeric strings such as `"2"` are
 *   rejected, with a message telling the caller to drop the quotes.
 * - Enum values must match exactly (`"PNG"`, `"1:1 "`, `"jpg"` are rejected; the message suggests
 *   the right spelling when there is an obvious one).
 * - `sync_mode` must be a boolean (`"true"`, `1` are rejected).
 * - Unknown fields are errors that list the allowed fields. `aspect_ratio` on an edit gets its own
 *   message; so does `image_urls` passed to {@link buildEditRequest} (it is filled in after upload).
 * - The defaults (from settings) are validated too. A missing default silently means the API
 *   default; an invalid default also falls back to the API default, and is reported in `warnings`
 *   (field `defaults.<name>`) so the caller can tell the user to fix the setting. Bad settings never
 *   make a request fail.
 * - All errors are collected (not just the first), in field order.
 * - Built objects contain every field, in the order of the API reference, so request bodies are
 *   complete and deterministic.
 */

import {
  API_DEFAULTS,
  ASPECT_RATIOS,
  type AspectRatio,
  type Defaults,
  type DefaultsLike,
  EDIT_FIELDS,
  type EditInput,
  type EditParams,
  ENDPOINTS,
  type FieldError,
  GENERATE_FIELDS,
  type GenerateInput,
  MAX_EDIT_IMAGES,
  NUM_IMAGES_MAX,
  NUM_IMAGES_MIN,
  OUTPUT_FORMATS,
  type OutputFormat,
  RESOLUTIONS,
  type Resolution,
  type Result,
} from "./params";

/** A {@link Result} that may also carry warnings (about invalid defaults). */
export type BuildResult<T> = Result<T> & { warnings: FieldError[] };

type Check<T> = { ok: true; value: T } | { ok: false; message: string };

const MAX_SHOWN_STRING = 60;

/** A short, unambiguous rendering of a received value for error messages. */
export function describeValue(value: unknown): string {
  if (typeof value === "string") {
    const shown =
      value.length > MAX_SHOWN_STRING ? `${value.slice(0, MAX_SHOWN_STRING)}…` : value;
    return JSON.stringify(shown);
  }
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") {
    return String(value);
  }
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "an object";
  return `a ${typeof value}`;
}

function checkEnum<T extends string>(
  field: string,
  allowed: readonly T[],
  value: unknown,
  aliases: Readonly<Record<string, T>> = {},
): Check<T> {
  if (typeof value === "string" && (allowed as readonly string[]).includes(value)) {
    return { ok: true, value: value as T };
  }
  let hint = "";
  if (typeof value === "string") {
    const folded = value.trim().toLowerCase();
    const match =
      allowed.find((a) => a.toLowerCase() === folded) ??
      (Object.prototype.hasOwnProperty.call(aliases, folded) ? aliases[folded] : undefined);
    if (match !== undefined) hint = `; did you mean "${match}"?`;
  }
  return {
    ok: false,
    message: `${field} must be one of ${allowed.join(", ")} (got ${describeValue(value)}${hint}).`,
  };
}

function checkAspectRatio(value: unknown): Check<AspectRatio> {
  return checkEnum("aspect_ratio", ASPECT_RATIOS, value);
}

function checkResolution(value: unknown): Check<Resolution> {
  return checkEnum("resolution", RESOLUTIONS, value);
}

function checkOutputFormat(value: unknown): Check<OutputFormat> {
  return checkEnum("output_format", OUTPUT_FORMATS, value, { jpg: "jpeg", jpe: "jpeg" });
}

function checkNumImages(value: unknown): Check<number> {
  const base = `num_images must be a whole number from ${NUM_IMAGES_MIN} to ${NUM_IMAGES_MAX}`;
  if (typeof value === "number") {
    if (Number.isInteger(value) && value >= NUM_IMAGES_MIN && value <= NUM_IMAGES_MAX) {
      return { ok: true, value };
    }
    return { ok: false, message: `${base} (got ${describeValue(value)}).` };
  }
  if (typeof value === "string" && /^\s*[+-]?\d+(\.\d+)?\s*$/.test(value)) {
    return {
      ok: false,
      message: `${base}, given as a number, not text (got the text ${describeValue(value)}; write it without quotes).`,
    };
  }
  return { ok: false, message: `${base} (got ${describeValue(value)}).` };
}

function checkSyncMode(value: unknown): Check<boolean> {
  if (typeof value === "boolean") return { ok: true, value };
  return {
    ok: false,
    message: `sync_mode must be true or false (got ${describeValue(value)}).`,
  };
}

function checkPrompt(value: unknown): Check<string> {
  if (value === undefined) {
    return { ok: false, message: "prompt is required: describe the image you want." };
  }
  if (typeof value !== "string") {
    return {
      ok: false,
      message: `prompt must be text describing the image (got ${describeValue(value)}).`,
    };
  }
  const trimmed = value.trim();
  if (trimmed === "") {
    return {
      ok: false,
      message: "prompt must not be empty or only whitespace: describe the image you want.",
    };
  }
  return { ok: true, value: trimmed };
}

const URL_PATTERN = /^(?:https?:\/\/[^\s/?#]+[^\s]*|data:[^,]*,[\s\S]*)$/i;

function checkImageUrls(value: unknown): Check<string[]> {
  const base = `image_urls must be a list of 1 to ${MAX_EDIT_IMAGES} image URLs (http(s) or data: URIs)`;
  if (!Array.isArray(value)) {
    return { ok: false, message: `${base} (got ${describeValue(value)}).` };
  }
  const items: readonly unknown[] = value;
  if (items.length < 1 || items.length > MAX_EDIT_IMAGES) {
    return { ok: false, message: `${base} (got ${items.length}).` };
  }
  const urls: string[] = [];
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    if (typeof item !== "string" || !URL_PATTERN.test(item)) {
      return {
        ok: false,
        message: `image_urls[${i}] must be an http(s) URL or a data: URI (got ${describeValue(item)}).`,
      };
    }
    urls.push(item);
  }
  return { ok: true, value: urls };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function hasOwn(obj: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(obj, key);
}

/** Reads an own property; `undefined` for absent or inherited ones. */
function own(obj: Record<string, unknown>, key: string): unknown {
  return hasOwn(obj, key) ? obj[key] : undefined;
}

type OptionalField = "num_images" | "aspect_ratio" | "resolution" | "output_format" | "sync_mode";

const CHECKS: { readonly [K in OptionalField]: (value: unknown) => Check<Defaults[K]> } = {
  num_images: checkNumImages,
  aspect_ratio: checkAspectRatio,
  resolution: checkResolution,
  output_format: checkOutputFormat,
  sync_mode: checkSyncMode,
};

const API_DEFAULT_TEXT: { readonly [K in OptionalField]: string } = {
  num_images: String(API_DEFAULTS.num_images),
  aspect_ratio: API_DEFAULTS.aspect_ratio,
  resolution: API_DEFAULTS.resolution,
  output_format: API_DEFAULTS.output_format,
  sync_mode: String(API_DEFAULTS.sync_mode),
};

class Collector {
  readonly errors: FieldError[] = [];
  readonly warnings: FieldError[] = [];

  /** Resolves a field from the args, else from the defaults, else the API default. */
  field<K extends OptionalField>(
    key: K,
    args: Record<string, unknown>,
    defaults: DefaultsLike | undefined,
  ): Defaults[K] {
    const check = CHECKS[key] as (value: unknown) => Check<Defaults[K]>;
    const given = own(args, key);
    if (given !== undefined) {
      const result = check(given);
      if (result.ok) return result.value;
      this.errors.push({ field: key, message: result.message });
      return API_DEFAULTS[key];
    }
    return this.defaultFor(key, defaults, check);
  }

  defaultFor<K extends OptionalField>(
    key: K,
    defaults: DefaultsLike | undefined,
    check: (value: unknown) => Check<Defaults[K]>,
  ): Defaults[K] {
    const fallback = API_DEFAULTS[key];
    if (defaults === undefined || defaults === null || typeof defaults !== "object") {
      return fallback;
    }
    const configured: unknown = hasOwn(defaults, key) ? defaults[key] : undefined;
    if (configured === undefined) return fallback;
    const result = check(configured);
    if (result.ok) return result.value;
    this.warnings.push({
      field: `defaults.${key}`,
      message: `The default ${key} setting is invalid: ${result.message} Using the API default ${API_DEFAULT_TEXT[key]} instead.`,
    });
    return fallback;
  }

  prompt(args: Record<string, unknown>): string {
    const result = checkPrompt(own(args, "prompt"));
    if (result.ok) return result.value;
    this.errors.push({ field: "prompt", message: result.message });
    return "";
  }

  unknownFields(
    args: Record<string, unknown>,
    allowed: readonly string[],
    special: Readonly<Record<string, string>>,
  ): void {
    for (const key of Object.keys(args)) {
      if (allowed.includes(key)) continue;
      if (hasOwn(special, key)) {
        this.errors.push({ field: key, message: special[key] ?? "" });
      } else {
        this.errors.push({
          field: key,
          message: `Unknown field ${JSON.stringify(key)}: the allowed fields are ${allowed.join(", ")}.`,
        });
      }
    }
  }

  finish<T>(value: T): BuildResult<T> {
    return this.errors.length === 0
      ? { ok: true, value, warnings: this.warnings }
      : { ok: false, errors: this.errors, warnings: this.warnings };
  }
}

function argsObject(args: unknown, collector: Collector, what: string): Record<string, unknown> {
  if (args === undefined) return {};
  if (isRecord(args)) return args;
  collector.errors.push({
    field: "input",
    message: `The ${what} request must be an object with at least a prompt (got ${describeValue(args)}).`,
  });
  return {};
}

const EDIT_ASPECT_RATIO_MESSAGE = `aspect_ratio is not supported when editing: the edit endpoint ${ENDPOINTS.edit} has no aspect_ratio parameter. Remove it.`;

/**
 * Validates `args` (untrusted: command arguments, tool input, webview messages) and merges it over
 * `defaults` (from settings, may hold junk) into a complete generate request.
 */
export function buildGenerateRequest(
  args: unknown,
  defaults: DefaultsLike | undefined,
): BuildResult<GenerateInput> {
  const c = new Collector();
  const a = argsObject(args, c, "generate");
  const value: GenerateInput = {
    prompt: c.prompt(a),
    num_images: c.field("num_images", a, defaults),
    aspect_ratio: c.field("aspect_ratio", a, defaults),
    resolution: c.field("resolution", a, defaults),
    output_format: c.field("output_format", a, defaults),
    sync_mode: c.field("sync_mode", a, defaults),
  };
  c.unknownFields(a, GENERATE_FIELDS, {});
  return c.finish(value);
}

/**
 * Like {@link buildGenerateRequest} for the edit endpoint, without `image_urls` (they are known only
 * after the source images are uploaded; add them with {@link withImageUrls}). An `aspect_ratio` in
 * `args` is an error; one in `defaults` is ignored (the same settings object serves both).
 */
export function buildEditRequest(
  args: unknown,
  defaults: DefaultsLike | undefined,
): BuildResult<EditParams> {
  const c = new Collector();
  const a = argsObject(args, c, "edit");
  const value: EditParams = {
    prompt: c.prompt(a),
    num_images: c.field("num_images", a, defaults),
    resolution: c.field("resolution", a, defaults),
    output_format: c.field("output_format", a, defaults),
    sync_mode: c.field("sync_mode", a, defaults),
  };
  c.unknownFields(
    a,
    EDIT_FIELDS.filter((f) => f !== "image_urls"),
    {
      aspect_ratio: EDIT_ASPECT_RATIO_MESSAGE,
      image_urls:
        "image_urls is filled in by the extension after it uploads the source images: pass the images to edit separately, not as image_urls.",
    },
  );
  return c.finish(value);
}

/** Completes an edit request with the uploaded source image URLs (1..3), validating them. */
export function withImageUrls(params: EditParams, imageUrls: readonly string[]): Result<EditInput> {
  return validateEditInput({ ...params, image_urls: [...imageUrls] });
}

function validateComplete<T>(
  input: unknown,
  fields: readonly string[],
  checks: Readonly<Record<string, (value: unknown) => Check<unknown>>>,
  special: Readonly<Record<string, string>>,
  what: string,
): Result<T> {
  const c = new Collector();
  const a = argsObject(input, c, what);
  const out: Record<string, unknown> = {};
  for (const field of fields) {
    const check = checks[field];
    if (check === undefined) continue;
    const value = own(a, field);
    if (value === undefined) {
      c.errors.push({
        field,
        message:
          field === "prompt"
            ? "prompt is required: describe the image you want."
            : `${field} is missing: a complete ${what} request needs every field (${fields.join(", ")}).`,
      });
      continue;
    }
    const result = check(value);
    if (result.ok) out[field] = result.value;
    else c.errors.push({ field, message: result.message });
  }
  c.unknownFields(a, fields, special);
  if (c.errors.length > 0) return { ok: false, errors: c.errors };
  // Every field was checked above, so `out` has exactly the shape of T.
  return { ok: true, value: out as T };
}

/** Validates a complete generate request body (every field present and valid, nothing else). */
export function validateGenerateInput(input: unknown): Result<GenerateInput> {
  return validateComplete<GenerateInput>(
    input,
    GENERATE_FIELDS,
    { prompt: checkPrompt, ...CHECKS },
    {},
    "generate",
  );
}

/** Validates a complete edit request body, including `image_urls` (1..3 http(s) or data: URLs). */
export function validateEditInput(input: unknown): Result<EditInput> {
  return validateComplete<EditInput>(
    input,
    EDIT_FIELDS,
    {
      prompt: checkPrompt,
      num_images: checkNumImages,
      resolution: checkResolution,
      output_format: checkOutputFormat,
      sync_mode: checkSyncMode,
      image_urls: checkImageUrls,
    },
    { aspect_ratio: EDIT_ASPECT_RATIO_MESSAGE },
    "edit",
  );
}

/**
 * A short summary for progress and log lines, without the prompt:
 * `2 × 16:9, 2k, png` for a generation, `1 × edit of 2 images, 1k, jpeg` for an edit
 * (`1 × edit, …` before the image URLs are known); `, sync` is appended when `sync_mode` is on.
 */
export function describeInput(input: GenerateInput | EditParams | EditInput): string {
  let shape: string;
  if ("aspect_ratio" in input) {
    shape = input.aspect_ratio;
  } else if ("image_urls" in input) {
    const n = input.image_urls.length;
    shape = `edit of ${n} image${n === 1 ? "" : "s"}`;
  } else {
    shape = "edit";
  }
  const sync = input.sync_mode ? ", sync" : "";
  return `${input.num_images} × ${shape}, ${input.resolution}, ${input.output_format}${sync}`;
}
