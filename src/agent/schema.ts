/**
 * The agent tools' names and input schemas, derived from the API definition: the operation's argument
 * schema (src/api/schema.ts) without the API's defaults (the person's settings decide what an omitted
 * field is), plus `folder`, and for edit `images` as workspace-relative paths. package.json's
 * `languageModelTools` must declare exactly these (test/unit/agent/agent.test.ts holds it to them).
 * Pure module.
 */
import { argumentSchema, fieldsOf, type JsonSchema, type Operation } from "../api";

export interface ToolSpec {
  readonly name: string;
  readonly operation: Operation;
  readonly toolReferenceName: string;
}

export const GENERATE_TOOL: ToolSpec = { name: "grok_imagine_generate", operation: "generate", toolReferenceName: "grokImagine" };
export const EDIT_TOOL: ToolSpec = { name: "grok_imagine_edit", operation: "edit", toolReferenceName: "grokImagineEdit" };
export const AGENT_TOOLS: readonly ToolSpec[] = [GENERATE_TOOL, EDIT_TOOL];

const FOLDER_TEXT: Record<Operation, string> = {
  generate: "Workspace-relative folder to save the images in (created if missing), or a workspace folder's name. Omit it to use the person's output folder (setting grokImagine.outputFolder).",
  edit: "Workspace-relative folder to save the results in (created if missing), or a workspace folder's name. Omit it to save them where the person's setting grokImagine.editOutput says (beside the first image, by default).",
};

function isSchema(v: unknown): v is JsonSchema {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The input schema of the tool for `op`, as package.json declares it. */
export function toolInputSchema(op: Operation): JsonSchema {
  const base = argumentSchema(op);
  const fields = fieldsOf(op);
  const properties: Record<string, JsonSchema> = {};
  const baseProps = isSchema(base.properties) ? base.properties : {};
  for (const [key, value] of Object.entries(baseProps)) {
    if (!isSchema(value)) continue;
    const { default: apiDefault, description, ...rest } = value;
    const f = fields.find((x) => x.key === key);
    const omit = f?.setting
      ? ` Omit it to use the person's setting grokImagine.${f.setting}${apiDefault === undefined ? "" : ` (${JSON.stringify(apiDefault)} unless they changed it)`}.`
      : apiDefault === undefined
        ? ""
        : ` Omit it for ${JSON.stringify(apiDefault)}.`;
    properties[key] = { ...rest, description: `${String(description)}${omit}` };
  }
  const required = Array.isArray(base.required) ? base.required.filter((k): k is string => typeof k === "string") : [];
  if (op === "edit") {
    const urls = fields.find((f) => f.type === "urls");
    const [min, max] = urls?.type === "urls" ? [urls.min, urls.max] : [1, 3];
    properties["images"] = {
      type: "array",
      items: { type: "string", minLength: 1 },
      minItems: min,
      maxItems: max,
      description: `The PNG, JPEG or WebP images to edit, as paths relative to the workspace folder (e.g. "assets/logo.png"), ${min} to ${max}. The first one names the results.`,
    };
    required.push("images");
  }
  properties["folder"] = { type: "string", description: FOLDER_TEXT[op] };
  return { type: "object", properties, required, additionalProperties: false };
}
