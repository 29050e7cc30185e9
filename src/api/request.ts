/**
 * Validating and building requests from the definition (pure module).
 *
 * Decisions (strict: nothing is coerced, nothing is dropped silently):
 * - `args` must be a plain object (or `undefined`: defaults only, which then fails for the missing
 *   prompt). A field whose value is `undefined` counts as absent; `null` is an invalid value.
 * - the prompt must be text that is not empty after trimming; the trimmed text is sent.
 * - integers must be JSON numbers (`"2"` is refused, with a message saying to drop the quotes).
 * - choices must match exactly (`"PNG"`, `"jpg"` are refused; the message suggests the right spelling).
 * - booleans must be booleans (`"true"`, `1` are refused).
 * - unknown fields are errors that list the allowed ones; a field only the other operation takes, and
 *   a list of URLs the extension fills in after uploading, get their own messages.
 * - the defaults come from settings (by setting key) and are validated too: a missing one means the
 *   API's default; an invalid one also falls back to it and is reported in `warnings` (field
 *   `grokImagine.<setting>`), so bad settings never make a request fail.
 * - every error is collected, in field order. Built values hold every field the operation takes, in
 *   the definition's order, so request bodies are complete and deterministic.
 */
import { MAX_PROMPT_LENGTH, OPERATIONS, type Operation } from "./definition";
import { endpointById, endpointFor, fieldsOf, type Field } from "./fields";
import * as l10n from "../l10n";

export type Scalar = string | number | boolean;
export type Value = Scalar | readonly string[];
/** Field values by the API's names. */
export type Values = Readonly<Record<string, Value>>;

/** A problem with one field; `message` is a full sentence a person can act on. */
export interface FieldError {
  readonly field: string;
  readonly message: string;
}

export type Result<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly errors: FieldError[] };
/** A {@link Result} that may also carry warnings (about invalid settings). */
export type BuildResult<T> = Result<T> & { readonly warnings: FieldError[] };

/** The raw values of the parameter settings, by setting key (any may be missing or hold junk). */
export type SettingValues = Readonly<Record<string, unknown>>;

/** A request, validated and complete. */
export interface ApiRequest {
  readonly operation: Operation;
  /** The endpoint it goes to (chosen by the endpoint fields' values). */
  readonly endpoint: string;
  /** Every field the operation takes, endpoint-choosing ones included (argument objects, forms). */
  readonly values: Values;
  /** What fal receives: the body fields only. */
  readonly body: Values;
}

type Check = { ok: true; value: Value } | { ok: false; message: string };

const MAX_SHOWN_STRING = 60;

/** A short, unambiguous rendering of a received value for error messages. */
export function describeValue(value: unknown): string {
  if (typeof value === "string") {
    const shown = value.length > MAX_SHOWN_STRING ? `${value.slice(0, MAX_SHOWN_STRING)}…` : value;
    return JSON.stringify(shown);
  }
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") return String(value);
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "an object";
  return `a ${typeof value}`;
}

const URL_PATTERN = /^(?:https?:\/\/[^\s/?#]+[^\s]*|data:[^,]*,[\s\S]*)$/i;

/** Checks one value against the field's type for its operation. */
export function checkField(f: Field, value: unknown): Check {
  const k = f.key;
  switch (f.type) {
    case "prompt": {
      if (value === undefined) return { ok: false, message: l10n.t("{0} is required: describe the image you want.", k) };
      if (typeof value !== "string") return { ok: false, message: l10n.t("{0} must be text describing the image (got {1}).", k, describeValue(value)) };
      const trimmed = value.trim();
      if (trimmed === "") return { ok: false, message: l10n.t("{0} must not be empty or only whitespace: describe the image you want.", k) };
      if (trimmed.length > f.maxLength) return { ok: false, message: l10n.t("{0} must be at most {1} characters (got {2}).", k, f.maxLength, trimmed.length) };
      return { ok: true, value: trimmed };
    }
    case "integer": {
      if (typeof value === "number" && Number.isInteger(value) && value >= f.min && value <= f.max) return { ok: true, value };
      if (typeof value === "string" && /^\s*[+-]?\d+(\.\d+)?\s*$/.test(value)) {
        return { ok: false, message: l10n.t("{0} must be a whole number from {1} to {2}, given as a number, not text (got the text {3}; write it without quotes).", k, f.min, f.max, describeValue(value)) };
      }
      return { ok: false, message: l10n.t("{0} must be a whole number from {1} to {2} (got {3}).", k, f.min, f.max, describeValue(value)) };
    }
    case "choice": {
      const allowed = f.choices.map((c) => c.value);
      if (typeof value === "string" && allowed.includes(value)) return { ok: true, value };
      let match: string | undefined;
      if (typeof value === "string") {
        const folded = value.trim().toLowerCase();
        match = allowed.find((a) => a.toLowerCase() === folded) ?? (f.aliases && Object.hasOwn(f.aliases, folded) ? f.aliases[folded] : undefined);
      }
      return {
        ok: false,
        message:
          match === undefined
            ? l10n.t("{0} must be one of {1} (got {2}).", k, allowed.join(", "), describeValue(value))
            : l10n.t('{0} must be one of {1} (got {2}; did you mean "{3}"?).', k, allowed.join(", "), describeValue(value), match),
      };
    }
    case "boolean":
      return typeof value === "boolean" ? { ok: true, value } : { ok: false, message: l10n.t("{0} must be true or false (got {1}).", k, describeValue(value)) };
    case "urls": {
      const problem = (got: string | number): Check => ({ ok: false, message: l10n.t("{0} must be a list of {1} to {2} image URLs (http(s) or data: URIs) (got {3}).", k, f.min, f.max, got) });
      if (!Array.isArray(value)) return problem(describeValue(value));
      const items: readonly unknown[] = value;
      if (items.length < f.min || items.length > f.max) return problem(items.length);
      for (let i = 0; i < items.length; i++) {
        const item = items[i];
        if (typeof item !== "string" || !URL_PATTERN.test(item)) {
          return { ok: false, message: l10n.t("{0} must be an http(s) URL or a data: URI (got {1}).", `${k}[${i}]`, describeValue(item)) };
        }
      }
      return { ok: true, value: [...(items as string[])] };
    }
  }
}

/** The API's own default of a field, or undefined when it has none (prompt, URLs). */
export function apiDefault(f: Field): Scalar | undefined {
  return f.type === "integer" || f.type === "choice" || f.type === "boolean" ? f.default : undefined;
}

/** A plain object (not null, not an array): what untrusted JSON must be before its fields are read. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** An own property; `undefined` for absent or inherited ones. */
export function own(obj: Readonly<Record<string, unknown>>, key: string): unknown {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}

/**
 * The default of each field of `op` that has one: the setting's value when it is valid, else the
 * API's default (and a warning naming the setting).
 */
export function resolveDefaults(op: Operation, settings: SettingValues | undefined): { values: Record<string, Scalar>; warnings: FieldError[] } {
  const values: Record<string, Scalar> = {};
  const warnings: FieldError[] = [];
  for (const f of fieldsOf(op)) {
    const fallback = apiDefault(f);
    if (fallback === undefined) continue;
    values[f.key] = fallback;
    const configured = f.setting && isRecord(settings) ? own(settings, f.setting) : undefined;
    if (configured === undefined) continue;
    const r = checkField(f, configured);
    if (r.ok) values[f.key] = r.value as Scalar;
    else warnings.push({ field: `grokImagine.${f.setting}`, message: l10n.t("The setting {0} is invalid: {1} Using the API default {2} instead.", `grokImagine.${f.setting}`, r.message, String(fallback)) });
  }
  return { values, warnings };
}

function otherOperationTakes(op: Operation, key: string): Operation | undefined {
  return OPERATIONS.find((o) => o !== op && fieldsOf(o).some((f) => f.key === key));
}

function unknownFields(op: Operation, args: Readonly<Record<string, unknown>>, allowed: readonly string[], errors: FieldError[]): void {
  for (const key of Object.keys(args)) {
    if (allowed.includes(key)) continue;
    const f = fieldsOf(op).find((x) => x.key === key);
    const other = otherOperationTakes(op, key);
    let message: string;
    if (f?.type === "urls") message = l10n.t("{0} is filled in by the extension after it uploads the source images: pass the images to {1} separately, not as {0}.", key, op);
    else if (other) message = l10n.t("{0} is not supported when you {1}: only {2} takes it. Remove it.", key, op, other);
    else message = l10n.t("Unknown field {0}: the allowed fields are {1}.", JSON.stringify(key), allowed.join(", "));
    errors.push({ field: key, message });
  }
}

function split(op: Operation, values: Values): ApiRequest {
  const endpoint = endpointFor(op, values).id;
  const body: Record<string, Value> = {};
  for (const f of fieldsOf(op)) {
    const v = values[f.key];
    if (f.target !== "endpoint" && v !== undefined) body[f.key] = v;
  }
  return { operation: op, endpoint, values, body };
}

/**
 * Validates `args` (untrusted: command arguments, tool input, webview messages) and merges it over
 * the defaults (from settings, by setting key; may hold junk) into a complete request of `op`, but
 * for the URL lists, which {@link completeRequest} adds after the uploads.
 */
export function buildRequest(op: Operation, args: unknown, settings: SettingValues | undefined): BuildResult<ApiRequest> {
  const errors: FieldError[] = [];
  let a: Readonly<Record<string, unknown>> = {};
  if (isRecord(args)) a = args;
  else if (args !== undefined) errors.push({ field: "input", message: l10n.t("The {0} request must be an object with at least a prompt (got {1}).", op, describeValue(args)) });
  const { values: defaults, warnings } = resolveDefaults(op, settings);
  const values: Record<string, Value> = {};
  const allowed: string[] = [];
  for (const f of fieldsOf(op)) {
    if (f.type === "urls") continue;
    allowed.push(f.key);
    const given = own(a, f.key);
    const fallback = defaults[f.key];
    if (given === undefined && fallback !== undefined) {
      values[f.key] = fallback;
      continue;
    }
    const r = checkField(f, given);
    if (r.ok) values[f.key] = r.value;
    else {
      errors.push({ field: f.key, message: r.message });
      if (fallback !== undefined) values[f.key] = fallback;
    }
  }
  unknownFields(op, a, allowed, errors);
  if (errors.length > 0) return { ok: false, errors, warnings };
  return { ok: true, value: split(op, values), warnings };
}

/** Adds the URL lists (the uploaded images) to a built request, validating them. */
export function completeRequest(req: ApiRequest, lists: Readonly<Record<string, readonly string[]>>): Result<ApiRequest> {
  const errors: FieldError[] = [];
  const values: Record<string, Value> = { ...req.values };
  for (const f of fieldsOf(req.operation)) {
    if (f.type !== "urls") continue;
    const r = checkField(f, own(lists, f.key));
    if (r.ok) values[f.key] = r.value;
    else errors.push({ field: f.key, message: r.message });
  }
  const ordered: Record<string, Value> = {};
  for (const f of fieldsOf(req.operation)) if (values[f.key] !== undefined) ordered[f.key] = values[f.key];
  return errors.length ? { ok: false, errors } : { ok: true, value: split(req.operation, ordered) };
}

/**
 * Validates a request body for an endpoint: every body field valid and nothing else. `complete`
 * (the default) also wants every field present; a body recorded by an earlier version of the
 * extension (before the API gained a field) is checked with `complete: false`, which still wants
 * the prompt and the images.
 */
export function validateBody(endpointId: string, body: unknown, complete = true): Result<Values> {
  const endpoint = endpointById(endpointId);
  if (!endpoint) return { ok: false, errors: [{ field: "endpoint", message: l10n.t("{0} is not an endpoint of this API.", endpointId) }] };
  const op = endpoint.operation;
  if (!isRecord(body)) return { ok: false, errors: [{ field: "input", message: l10n.t("The {0} request must be an object (got {1}).", op, describeValue(body)) }] };
  const fields = fieldsOf(op).filter((f) => f.target !== "endpoint");
  const keys = fields.map((f) => f.key);
  const errors: FieldError[] = [];
  const out: Record<string, Value> = {};
  for (const f of fields) {
    const v = own(body, f.key);
    if (v === undefined && f.type !== "prompt") {
      // A field the API gained after the body was recorded; the images are never optional.
      if (!complete && f.type !== "urls") continue;
      errors.push({ field: f.key, message: l10n.t("{0} is missing: a complete {1} request needs every field ({2}).", f.key, op, keys.join(", ")) });
      continue;
    }
    const r = checkField(f, v);
    if (r.ok) out[f.key] = r.value;
    else errors.push({ field: f.key, message: r.message });
  }
  for (const key of Object.keys(body)) {
    if (!keys.includes(key)) errors.push({ field: key, message: l10n.t("Unknown field {0}: {1} takes {2}.", JSON.stringify(key), endpointId, keys.join(", ")) });
  }
  return errors.length ? { ok: false, errors } : { ok: true, value: out };
}

/** How a value reads for people: choices as they are, booleans on/off, lists counted. */
export function showValue(v: Value | undefined): string {
  if (v === undefined) return "";
  if (typeof v === "boolean") return v ? "on" : "off";
  if (Array.isArray(v)) return `${v.length} image${v.length === 1 ? "" : "s"}`;
  return String(v);
}

/**
 * A short summary for progress and log lines, without the prompt: the value of every other field,
 * in the definition's order (`2 × 16:9, 2k, png`; booleans by name when on: `, sync_mode`).
 */
export function describeValues(op: Operation, values: Readonly<Record<string, unknown>>): string {
  const parts: string[] = [];
  let count = "";
  for (const f of fieldsOf(op)) {
    const v = values[f.key];
    if (v === undefined || f.type === "prompt") continue;
    if (f.type === "integer" && count === "") count = `${showValue(v as Value)} × `;
    else if (f.type === "boolean") {
      if (v === true) parts.push(f.key);
    } else if (f.type === "urls") parts.push(`from ${showValue(v as Value)}`);
    else parts.push(showValue(v as Value));
  }
  return `${count}${op === "edit" ? "edit, " : ""}${parts.join(", ")}`;
}

export { MAX_PROMPT_LENGTH };
