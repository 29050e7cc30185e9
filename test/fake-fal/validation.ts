/**
 * Input validation of the fake `xai/grok-imagine-image` (+ `/edit`) endpoints, written to match what
 * fal's FastAPI/pydantic (v2) apps answer: HTTP 422 with `{"detail": [{loc, msg, type, input, ctx?}]}`.
 *
 * Source of truth for the fields: /work/shared/api/grok-imagine-image.md.
 *   generate: prompt (str, required), num_images (int 1..4, default 1), aspect_ratio (13 literals,
 *             default "1:1"), resolution ("1k"|"2k", default "1k"), output_format ("jpeg"|"png"|"webp",
 *             default "jpeg"), sync_mode (bool, default false).
 *   edit:     the same without aspect_ratio, plus image_urls (list[str], max 3).
 *
 * Choices (not spelled out by the reference):
 *   - pydantic "lax" coercions are mirrored for the common cases: "2" and 2.0 are accepted as the int 2,
 *     "true"/"false"/"1"/"0"/"yes"/"no"/1/0 as booleans. Strings are never coerced from numbers.
 *   - Unknown fields are ignored (pydantic's default `extra="ignore"`), so `aspect_ratio` sent to the
 *     edit endpoint is accepted and ignored; the ignored names are reported back (`ignored`).
 *   - `image_urls` is not marked required in the reference, but an edit without a source image cannot
 *     work; the fake answers 422 `missing` when it is absent and `too_short` when it is empty.
 *   - Enum fields answer `literal_error` (fal apps declare these as `Literal[...]`).
 */

export const ASPECT_RATIOS = [
  "2:1",
  "20:9",
  "19.5:9",
  "16:9",
  "4:3",
  "3:2",
  "1:1",
  "2:3",
  "3:4",
  "9:16",
  "9:19.5",
  "9:20",
  "1:2",
] as const;
export type AspectRatio = (typeof ASPECT_RATIOS)[number];

export const RESOLUTIONS = ["1k", "2k"] as const;
export type Resolution = (typeof RESOLUTIONS)[number];

export const OUTPUT_FORMATS = ["jpeg", "png", "webp"] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export const NUM_IMAGES_MIN = 1;
export const NUM_IMAGES_MAX = 4;
export const MAX_EDIT_IMAGES = 3;

export type EndpointKind = "generate" | "edit";

/** One entry of a FastAPI/pydantic 422 `detail` list (fal's "model error" shape). */
export interface ValidationErrorEntry {
  loc: Array<string | number>;
  msg: string;
  type: string;
  input?: unknown;
  ctx?: Record<string, unknown>;
  url?: string;
}

/** Input after validation and defaults. `image_urls` is empty for generate; `aspect_ratio` is null for edit. */
export interface NormalizedInput {
  prompt: string;
  num_images: number;
  aspect_ratio: AspectRatio | null;
  resolution: Resolution;
  output_format: OutputFormat;
  sync_mode: boolean;
  image_urls: string[];
  /** Body fields the endpoint does not know (ignored, as pydantic does by default). */
  ignored: string[];
}

export type ValidationOutcome =
  | { ok: true; input: NormalizedInput }
  | { ok: false; errors: ValidationErrorEntry[] };

const GENERATE_FIELDS = ["prompt", "num_images", "aspect_ratio", "resolution", "output_format", "sync_mode"];
const EDIT_FIELDS = ["prompt", "num_images", "resolution", "output_format", "sync_mode", "image_urls"];

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** pydantic's rendering of the allowed values of a Literal: `'a', 'b' or 'c'`. */
function expectedList(values: readonly string[]): string {
  const quoted = values.map((v) => `'${v}'`);
  if (quoted.length <= 1) {
    return quoted.join("");
  }
  return `${quoted.slice(0, -1).join(", ")} or ${quoted[quoted.length - 1]}`;
}

function literal<T extends string>(
  body: Record<string, unknown>,
  field: string,
  allowed: readonly T[],
  fallback: T,
  errors: ValidationErrorEntry[],
): T {
  if (!(field in body)) {
    return fallback;
  }
  const value = body[field];
  const match = allowed.find((a) => a === value);
  if (match !== undefined) {
    return match;
  }
  const expected = expectedList(allowed);
  errors.push({
    loc: ["body", field],
    msg: `Input should be ${expected}`,
    type: "literal_error",
    input: value,
    ctx: { expected },
  });
  return fallback;
}

function integer(
  body: Record<string, unknown>,
  field: string,
  min: number,
  max: number,
  fallback: number,
  errors: ValidationErrorEntry[],
): number {
  if (!(field in body)) {
    return fallback;
  }
  const value = body[field];
  let n: number | null = null;
  if (typeof value === "number") {
    if (!Number.isFinite(value)) {
      errors.push({ loc: ["body", field], msg: "Input should be a finite number", type: "finite_number", input: value });
      return fallback;
    }
    if (!Number.isInteger(value)) {
      errors.push({
        loc: ["body", field],
        msg: "Input should be a valid integer, got a number with a fractional part",
        type: "int_from_float",
        input: value,
      });
      return fallback;
    }
    n = value;
  } else if (typeof value === "string") {
    const trimmed = value.trim();
    if (!/^[+-]?\d+$/.test(trimmed)) {
      errors.push({
        loc: ["body", field],
        msg: "Input should be a valid integer, unable to parse string as an integer",
        type: "int_parsing",
        input: value,
      });
      return fallback;
    }
    n = Number.parseInt(trimmed, 10);
  } else {
    errors.push({ loc: ["body", field], msg: "Input should be a valid integer", type: "int_type", input: value });
    return fallback;
  }
  if (n < min) {
    errors.push({
      loc: ["body", field],
      msg: `Input should be greater than or equal to ${min}`,
      type: "greater_than_equal",
      input: value,
      ctx: { ge: min },
    });
    return fallback;
  }
  if (n > max) {
    errors.push({
      loc: ["body", field],
      msg: `Input should be less than or equal to ${max}`,
      type: "less_than_equal",
      input: value,
      ctx: { le: max },
    });
    return fallback;
  }
  return n;
}

const TRUE_STRINGS = ["1", "on", "t", "true", "y", "yes"];
const FALSE_STRINGS = ["0", "off", "f", "false", "n", "no"];

function boolean(body: Record<string, unknown>, field: string, errors: ValidationErrorEntry[]): boolean {
  if (!(field in body)) {
    return false;
  }
  const value = body[field];
  if (typeof value === "boolean") {
    return value;
  }
  if (value === 0 || value === 1) {
    return value === 1;
  }
  if (typeof value === "string") {
    const lower = value.trim().toLowerCase();
    if (TRUE_STRINGS.includes(lower)) {
      return true;
    }
    if (FALSE_STRINGS.includes(lower)) {
      return false;
    }
    errors.push({
      loc: ["body", field],
      msg: "Input should be a valid boolean, unable to interpret input",
      type: "bool_parsing",
      input: value,
    });
    return false;
  }
  errors.push({ loc: ["body", field], msg: "Input should be a valid boolean", type: "bool_type", input: value });
  return false;
}

function imageUrls(body: Record<string, unknown>, errors: ValidationErrorEntry[]): string[] {
  if (!("image_urls" in body)) {
    errors.push({ loc: ["body", "image_urls"], msg: "Field required", type: "missing", input: body });
    return [];
  }
  const value = body["image_urls"];
  if (!Array.isArray(value)) {
    errors.push({ loc: ["body", "image_urls"], msg: "Input should be a valid list", type: "list_type", input: value });
    return [];
  }
  const urls: string[] = [];
  value.forEach((item: unknown, index: number) => {
    if (typeof item === "string") {
      urls.push(item);
    } else {
      errors.push({
        loc: ["body", "image_urls", index],
        msg: "Input should be a valid string",
        type: "string_type",
        input: item,
      });
    }
  });
  if (value.length === 0) {
    errors.push({
      loc: ["body", "image_urls"],
      msg: "List should have at least 1 item after validation, not 0",
      type: "too_short",
      input: value,
      ctx: { field_type: "List", min_length: 1, actual_length: 0 },
    });
  } else if (value.length > MAX_EDIT_IMAGES) {
    errors.push({
      loc: ["body", "image_urls"],
      msg: `List should have at most ${MAX_EDIT_IMAGES} items after validation, not ${value.length}`,
      type: "too_long",
      input: value,
      ctx: { field_type: "List", max_length: MAX_EDIT_IMAGES, actual_length: value.length },
    });
  }
  return urls;
}

/**
 * Validates a parsed JSON body. `body` is `undefined` when the request had no body at all.
 */
export function validateInput(kind: EndpointKind, body: unknown): ValidationOutcome {
  if (body === undefined || body === null) {
    return { ok: false, errors: [{ loc: ["body"], msg: "Field required", type: "missing", input: null }] };
  }
  if (!isRecord(body)) {
    return {
      ok: false,
      errors: [
        {
          loc: ["body"],
          msg: "Input should be a valid dictionary or object to extract fields from",
          type: "model_attributes_type",
          input: body,
        },
      ],
    };
  }
  const errors: ValidationErrorEntry[] = [];
  let prompt = "";
  if (!("prompt" in body)) {
    errors.push({ loc: ["body", "prompt"], msg: "Field required", type: "missing", input: body });
  } else if (typeof body["prompt"] !== "string") {
    errors.push({ loc: ["body", "prompt"], msg: "Input should be a valid string", type: "string_type", input: body["prompt"] });
  } else {
    prompt = body["prompt"];
  }
  const numImages = integer(body, "num_images", NUM_IMAGES_MIN, NUM_IMAGES_MAX, 1, errors);
  const aspectRatio = kind === "generate" ? literal(body, "aspect_ratio", ASPECT_RATIOS, "1:1", errors) : null;
  const resolution = literal(body, "resolution", RESOLUTIONS, "1k", errors);
  const outputFormat = literal(body, "output_format", OUTPUT_FORMATS, "jpeg", errors);
  const syncMode = boolean(body, "sync_mode", errors);
  const urls = kind === "edit" ? imageUrls(body, errors) : [];
  const known = kind === "generate" ? GENERATE_FIELDS : EDIT_FIELDS;
  const ignored = Object.keys(body).filter((k) => !known.includes(k));
  if (errors.length > 0) {
    return { ok: false, errors };
  }
  return {
    ok: true,
    input: {
      prompt,
      num_images: numImages,
      aspect_ratio: aspectRatio,
      resolution,
      output_format: outputFormat,
      sync_mode: syncMode,
      image_urls: urls,
      ignored,
    },
  };
}

/** The 422 body fal answers for a JSON body that does not parse. */
export function jsonInvalidErrors(error: string): ValidationErrorEntry[] {
  return [{ loc: ["body", 0], msg: "JSON decode error", type: "json_invalid", input: {}, ctx: { error } }];
}

/** The 422 entry fal returns when a content checker flags an input (see docs.fal.ai/errors). */
export function contentPolicyViolation(
  loc: Array<string | number> = ["body", "prompt"],
  input?: unknown,
): ValidationErrorEntry {
  return {
    loc,
    msg: "The content could not be processed because it contained material flagged by a content checker.",
    type: "content_policy_violation",
    url: "https://docs.fal.ai/errors#content_policy_violation",
    ...(input === undefined ? {} : { input }),
  };
}

/** 422 entry for an `image_urls` item that could not be fetched (fal's `file_download_error`). */
export function fileDownloadError(index: number, url: string): ValidationErrorEntry {
  return {
    loc: ["body", "image_urls", index],
    msg: "Failed to download the file. Please check if the URL is accessible.",
    type: "file_download_error",
    url: "https://docs.fal.ai/errors#file_download_error",
    input: url,
  };
}

/** 422 entry for an `image_urls` item whose bytes are not a decodable image (fal's `image_load_error`). */
export function imageLoadError(index: number, url: string): ValidationErrorEntry {
  return {
    loc: ["body", "image_urls", index],
    msg: "Failed to load the image. Please ensure the image file is not corrupted and is in a supported format.",
    type: "image_load_error",
    url: "https://docs.fal.ai/errors#image_load_error",
    input: url.length > 200 ? `${url.slice(0, 200)}...` : url,
  };
}
