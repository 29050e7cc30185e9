/**
 * JSON Schemas (draft 2020-12) derived from the definition: an endpoint's request body, and the
 * argument object of an operation (what the commands and, later, the agent tools take). Pure module.
 */
import type { Operation } from "./definition";
import { endpointById, fieldsOf, type Field } from "./fields";

export interface JsonSchema {
  readonly [key: string]: unknown;
}

function fieldSchema(f: Field): JsonSchema {
  const d = { description: f.description };
  switch (f.type) {
    case "prompt":
      return { type: "string", minLength: 1, maxLength: f.maxLength, ...d };
    case "integer":
      return { type: "integer", minimum: f.min, maximum: f.max, default: f.default, ...d };
    case "choice":
      return { type: "string", enum: f.choices.map((c) => c.value), default: f.default, ...d };
    case "boolean":
      return { type: "boolean", default: f.default, ...d };
    case "urls":
      return { type: "array", items: { type: "string", format: "uri" }, minItems: f.min, maxItems: f.max, ...d };
  }
}

function objectSchema(fields: readonly Field[], title: string): JsonSchema {
  return {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    title,
    type: "object",
    properties: Object.fromEntries(fields.map((f) => [f.key, fieldSchema(f)])),
    required: fields.filter((f) => f.type === "prompt" || f.type === "urls").map((f) => f.key),
    additionalProperties: false,
  };
}

/** The schema of an endpoint's request body (what fal receives), or undefined for an unknown id. */
export function endpointInputSchema(endpointId: string): JsonSchema | undefined {
  const e = endpointById(endpointId);
  if (!e) return undefined;
  return objectSchema(fieldsOf(e.operation).filter((f) => f.target !== "endpoint"), `Input of ${e.id}`);
}

/**
 * The schema of an operation's argument object: every field it takes, endpoint-choosing ones
 * included, but not the URL lists (the extension uploads the files and fills them in).
 */
export function argumentSchema(op: Operation): JsonSchema {
  return objectSchema(fieldsOf(op).filter((f) => f.type !== "urls"), `Grok Imagine ${op} arguments`);
}
