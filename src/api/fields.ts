/**
 * The definition read per operation and per endpoint: which fields an operation takes (with that
 * operation's type, values, default and setting), which endpoint a request goes to, and back.
 * Pure module.
 */
import { ENDPOINTS, FIELDS, OPERATIONS, type EndpointSpec, type FieldSpec, type FieldType, type Operation } from "./definition";

/** A field as one operation takes it. */
export type Field = Omit<FieldSpec, "on"> & FieldType & { readonly operation: Operation };

const byOperation = new Map<Operation, readonly Field[]>(
  OPERATIONS.map((op) => [
    op,
    FIELDS.flatMap((spec): Field[] => {
      const t = spec.on[op];
      if (!t) return [];
      const { on: _on, ...common } = spec;
      return [{ ...common, ...t, operation: op }];
    }),
  ]),
);

/** The fields `op` takes, in the definition's order. */
export function fieldsOf(op: Operation): readonly Field[] {
  return byOperation.get(op) ?? [];
}

export function isOperation(v: unknown): v is Operation {
  return typeof v === "string" && (OPERATIONS as readonly string[]).includes(v);
}

/** The endpoint with this id, if it is one of the API's. */
export function endpointById(id: string): EndpointSpec | undefined {
  return ENDPOINTS.find((e) => e.id === id);
}

/** The operation an endpoint id performs (for provenance read back from a file). */
export function operationOf(endpointId: string): Operation | undefined {
  return endpointById(endpointId)?.operation;
}

/** The endpoint a request of `op` with these values goes to: the first whose route they match. */
export function endpointFor(op: Operation, values: Readonly<Record<string, unknown>>): EndpointSpec {
  const found = ENDPOINTS.find((e) => e.operation === op && Object.entries(e.route).every(([k, v]) => values[k] === v));
  // The definition's test holds that every combination of endpoint-field values has an endpoint.
  if (!found) throw new Error(`No ${op} endpoint for ${JSON.stringify(values)}`);
  return found;
}

/** Every `grokImagine.*` setting that holds a parameter default, once each. */
export function parameterSettings(): string[] {
  const keys = new Set<string>();
  for (const op of OPERATIONS) for (const f of fieldsOf(op)) if (f.setting) keys.add(f.setting);
  return [...keys];
}

/** The field a setting sets, as the first operation that reads that setting takes it. */
export function fieldOfSetting(setting: string): Field | undefined {
  for (const op of OPERATIONS) {
    const f = fieldsOf(op).find((x) => x.setting === setting);
    if (f) return f;
  }
  return undefined;
}

/** The most images one edit takes (the edit operation's list of image URLs). */
export const MAX_EDIT_IMAGES: number = fieldsOf("edit").reduce((n, f) => (f.type === "urls" ? f.max : n), 0);
