/**
 * What people choose from, derived from the definition: the fields of the palette's parameter pick
 * and of the gallery's forms (sent to the webview in its init message), the gallery's filters, and
 * how a recorded request (provenance) reads back as field values. Pure module.
 */
import { FIELDS, OPERATIONS, type Operation } from "./definition";
import { endpointById, fieldsOf, isOperation, type Field } from "./fields";
import { own, showValue, type Scalar } from "./request";

export interface FormOption {
  readonly value: Scalar;
  readonly label: string;
  readonly description?: string;
}

/** A field a person sets (not the prompt, not the URL lists), with every value it may take. */
export interface FormField {
  readonly key: string;
  readonly label: string;
  /** What it does, in a sentence (the palette's row detail, the form's tooltip). */
  readonly description: string;
  readonly type: "integer" | "choice" | "boolean";
  readonly options: readonly FormOption[];
  /** Shown on the gallery's cards. */
  readonly card?: boolean;
}

/** Longest text a form or a recorded parameter may hold (the longest allowed value is far shorter). */
export const MAX_PARAM_TEXT = 64;

function formField(f: Field): FormField | undefined {
  const common = { key: f.key, label: f.label, description: f.description, ...(f.card ? { card: true } : {}) };
  switch (f.type) {
    case "integer":
      return { ...common, type: "integer", options: Array.from({ length: f.max - f.min + 1 }, (_, i) => ({ value: f.min + i, label: String(f.min + i) })) };
    case "choice":
      return { ...common, type: "choice", options: f.choices.map((c) => ({ value: c.value, label: c.value, ...(c.description ? { description: c.description } : {}) })) };
    case "boolean":
      return { ...common, type: "boolean", options: [false, true].map((v) => ({ value: v, label: showValue(v) })) };
    default:
      return undefined;
  }
}

/** The fields of `op` a person sets, in the definition's order. */
export function formFields(op: Operation): FormField[] {
  return fieldsOf(op).flatMap((f) => formField(f) ?? []);
}

/** Whether `v` is one of the field's options. */
export function isOption(field: FormField, v: unknown): v is Scalar {
  return field.options.some((o) => o.value === v);
}

/** The fields the gallery filters by, each with every value any operation allows. */
export function filterFields(): FormField[] {
  return FIELDS.filter((spec) => spec.filter).flatMap((spec) => {
    const options = new Map<Scalar, FormOption>();
    let first: FormField | undefined;
    for (const op of OPERATIONS) {
      const f = fieldsOf(op).find((x) => x.key === spec.key);
      const ff = f ? formField(f) : undefined;
      if (!ff) continue;
      first ??= ff;
      for (const o of ff.options) if (!options.has(o.value)) options.set(o.value, o);
    }
    return first ? [{ ...first, options: [...options.values()] }] : [];
  });
}

/**
 * A recorded request (provenance: its endpoint and body) read back as field values: the scalar
 * values of the fields its operation takes, and the values its endpoint stands for (its route). The
 * operation comes from the endpoint, else from `kind`. The values are not validated: a command that
 * runs them again does that, and names what is wrong.
 */
export function recordedValues(endpointId: string, input: Readonly<Record<string, unknown>>, kind?: string): { operation: Operation; values: Record<string, Scalar> } {
  const endpoint = endpointById(endpointId);
  const operation = endpoint?.operation ?? (isOperation(kind) ? kind : "generate");
  const values: Record<string, Scalar> = {};
  for (const f of fieldsOf(operation)) {
    const v = own(input, f.key);
    if ((typeof v === "string" && (f.type === "prompt" || v.length <= MAX_PARAM_TEXT)) || typeof v === "boolean" || (typeof v === "number" && Number.isFinite(v))) values[f.key] = v;
  }
  for (const [k, v] of Object.entries(endpoint?.route ?? {})) values[k] = v;
  return { operation, values };
}

/** The XMP property (`grok:` namespace) that shows each field's value, by the field's API name. */
export function xmpProperties(): (readonly [key: string, property: string])[] {
  return FIELDS.flatMap((f) => (f.xmp ? [[f.key, f.xmp] as const] : []));
}
