/**
 * Input validation of the fake Grok Imagine endpoints, written to match what fal's FastAPI/pydantic
 * (v2) apps answer: HTTP 422 with `{"detail": [{loc, msg, type, input, ctx?}]}`.
 *
 * The fields, their types, allowed values and defaults are the extension's own definition of the API
 * (src/api/definition.ts), read per operation: the fake has no list of its own, so a field added there
 * is served here too, and every endpoint of an operation takes the same input.
 *
 * Choices (not spelled out by the reference):
 *   - pydantic "lax" coercions are mirrored for the common cases: "2" and 2.0 are accepted as the int 2,
 *     "true"/"false"/"1"/"0"/"yes"/"no"/1/0 as booleans. Strings are never coerced from numbers.
 *   - Unknown fields are ignored (pydantic's default `extra="ignore"`); the ignored names are reported
 *     back (`ignored`).
 *   - A list of URLs is not marked required in the reference, but an edit without a source image cannot
 *     work; the fake answers 422 `missing` when it is absent and `too_short` when it is empty.
 *   - Choice fields answer `literal_error` (fal apps declare these as `Literal[...]`).
 */
import { ENDPOINTS, fieldsOf, type Operation } from "../../src/api";
import type { ImageFormat } from "../../src/images/sniff";

export type AspectRatio = string;
export type Resolution = string;
export type OutputFormat = ImageFormat;

export type EndpointKind = Operation;

/** The endpoints the fake serves, by id: every endpoint of the definition. */
export const KNOWN_ENDPOINTS: Readonly<Record<string, EndpointKind>> = Object.fromEntries(ENDPOINTS.map((e) => [e.id, e.operation]));

/** One entry of a FastAPI/pydantic 422 `detail` list (fal's "model error" shape). */
export interface ValidationErrorEntry {
  loc: Array<string | number>;
  msg: string;
  type: string;
  input?: unknown;
  ctx?: Record<string, unknown>;
  url?: string;
}

/**
 * Input after validation and defaults: `values` holds every field of the operation; the rest are the
 * values the fake's model reads (`image_urls` is empty and `aspect_ratio` null when not taken).
 */
export interface NormalizedInput {
  values: Record<string, unknown>;
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
  let n: number | null;
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

function boolean(body: Record<string, unknown>, field: string, fallback: boolean, errors: ValidationErrorEntry[]): boolean {
  if (!(field in body)) {
    return fallback;
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

function imageUrls(body: Record<string, unknown>, field: string, min: number, max: number, errors: ValidationErrorEntry[]): string[] {
  if (!(field in body)) {
    errors.push({ loc: ["body", field], msg: "Field required", type: "missing", input: body });
    return [];
  }
  const value = body[field];
  if (!Array.isArray(value)) {
    errors.push({ loc: ["body", field], msg: "Input should be a valid list", type: "list_type", input: value });
    return [];
  }
  const urls: string[] = [];
  value.forEach((item: unknown, index: number) => {
    if (typeof item === "string") {
      urls.push(item);
    } else {
      errors.push({
        loc: ["body", field, index],
        msg: "Input should be a valid string",
        type: "string_type",
        input: item,
      });
    }
  });
  if (value.length < min) {
    errors.push({
      loc: ["body", field],
      msg: `List should have at least ${min} item${min === 1 ? "" : "s"} after validation, not ${value.length}`,
      type: "too_short",
      input: value,
      ctx: { field_type: "List", min_length: min, actual_length: value.length },
    });
  } else if (value.length > max) {
    errors.push({
      loc: ["body", field],
      msg: `List should have at most ${max} items after validation, not ${value.length}`,
      type: "too_long",
      input: value,
      ctx: { field_type: "List", max_length: max, actual_length: value.length },
    });
  }
  return urls;
}

/**
 * Validates a parsed JSON body by the definition's fields of the operation. `body` is `undefined`
 * when the request had no body at all.
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
  const values: Record<string, unknown> = {};
  const fields = fieldsOf(kind).filter((f) => f.target !== "endpoint");
  for (const f of fields) {
    switch (f.type) {
      case "prompt":
        if (!(f.key in body)) {
          errors.push({ loc: ["body", f.key], msg: "Field required", type: "missing", input: body });
        } else if (typeof body[f.key] !== "string") {
          errors.push({ loc: ["body", f.key], msg: "Input should be a valid string", type: "string_type", input: body[f.key] });
        } else {
          values[f.key] = body[f.key];
        }
        break;
      case "integer":
        values[f.key] = integer(body, f.key, f.min, f.max, f.default, errors);
        break;
      case "choice":
        values[f.key] = literal(body, f.key, f.choices.map((c) => c.value), f.default, errors);
        break;
      case "boolean":
        values[f.key] = boolean(body, f.key, f.default, errors);
        break;
      case "urls":
        values[f.key] = imageUrls(body, f.key, f.min, f.max, errors);
        break;
    }
  }
  const known = fields.map((f) => f.key);
  const ignored = Object.keys(body).filter((k) => !known.includes(k));
  if (errors.length > 0) {
    return { ok: false, errors };
  }
  const text = (k: string, d: string): string => (typeof values[k] === "string" ? (values[k]) : d);
  const format = text("output_format", "jpeg");
  return {
    ok: true,
    input: {
      values,
      prompt: text("prompt", ""),
      num_images: typeof values["num_images"] === "number" ? values["num_images"] : 1,
      aspect_ratio: typeof values["aspect_ratio"] === "string" ? values["aspect_ratio"] : null,
      resolution: text("resolution", "1k"),
      output_format: format === "png" || format === "webp" ? format : "jpeg",
      sync_mode: values["sync_mode"] === true,
      image_urls: Array.isArray(values["image_urls"]) ? (values["image_urls"] as string[]) : [],
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
