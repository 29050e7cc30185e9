/**
 * The definition against the outside world it describes: fal's reference (endpoints, fields, values),
 * package.json's settings, the JSON Schema agent tools will declare, and the derived forms.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import {
  argumentSchema,
  buildRequest,
  endpointById,
  endpointFor,
  endpointInputSchema,
  ENDPOINTS,
  FIELDS,
  fieldOfSetting,
  fieldsOf,
  filterFields,
  formFields,
  MAX_EDIT_IMAGES,
  OPERATIONS,
  operationOf,
  parameterSettings,
  recordedValues,
  resolveDefaults,
  validateBody,
  xmpProperties,
  type Field,
  type JsonSchema,
} from "../../../src/api";
import { IMAGE_FORMATS } from "../../../src/images/sniff";

const ROOT = path.resolve(__dirname, "../../../..");

interface SettingSchema {
  type?: string;
  default?: unknown;
  enum?: unknown[];
  enumDescriptions?: string[];
  minimum?: number;
  maximum?: number;
  scope?: string;
  description?: string;
  markdownDescription?: string;
}

/** package.json's settings as VS Code shows them: each `%key%` replaced by its English in package.nls.json. */
function packageSettings(): Record<string, SettingSchema> {
  const nls = JSON.parse(fs.readFileSync(path.join(ROOT, "package.nls.json"), "utf8")) as Record<string, string>;
  const text = fs.readFileSync(path.join(ROOT, "package.json"), "utf8");
  const pkg = JSON.parse(text, (_k, v: unknown) => (typeof v === "string" && /^%[^%\s]+%$/.test(v) ? (nls[v.slice(1, -1)] ?? v) : v)) as { contributes: { configuration: { properties: Record<string, SettingSchema> } } };
  return pkg.contributes.configuration.properties;
}

/** The subset of JSON Schema the definition's schemas use, checked by hand (no library in the bundle). */
function conforms(schema: JsonSchema, v: unknown): boolean {
  const s = schema as Record<string, unknown>;
  switch (s["type"]) {
    case "object": {
      if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
      const o = v as Record<string, unknown>;
      const props = s["properties"] as Record<string, JsonSchema>;
      if (!(s["required"] as string[]).every((k) => k in o)) return false;
      return Object.entries(o).every(([k, x]) => (props[k] ? conforms(props[k], x) : s["additionalProperties"] !== false));
    }
    case "string":
      if (typeof v !== "string") return false;
      if (Array.isArray(s["enum"]) && !(s["enum"] as unknown[]).includes(v)) return false;
      return v.length >= ((s["minLength"] as number | undefined) ?? 0) && v.length <= ((s["maxLength"] as number | undefined) ?? Infinity);
    case "integer":
      return typeof v === "number" && Number.isInteger(v) && v >= (s["minimum"] as number) && v <= (s["maximum"] as number);
    case "boolean":
      return typeof v === "boolean";
    case "array":
      return Array.isArray(v) && v.length >= (s["minItems"] as number) && v.length <= (s["maxItems"] as number) && v.every((x) => conforms(s["items"] as JsonSchema, x));
    default:
      return false;
  }
}

describe("api/definition: fal's reference", () => {
  it("has the reference's endpoints, each with its operation and list price (unknown ones unknown)", () => {
    assert.deepEqual(
      ENDPOINTS.map((e) => [e.id, e.operation, e.usdPerImage]),
      [
        ["xai/grok-imagine-image", "generate", 0.02],
        ["xai/grok-imagine-image/edit", "edit", null],
        ["xai/grok-imagine-image/quality/text-to-image", "generate", null],
        ["xai/grok-imagine-image/quality/edit", "edit", null],
      ],
    );
    for (const e of ENDPOINTS) assert.equal(operationOf(e.id), e.operation);
    assert.equal(operationOf("xai/other"), undefined);
    assert.equal(endpointById("xai/other"), undefined);
  });

  it("has the reference's fields, in the order of its input examples", () => {
    assert.deepEqual(fieldsOf("generate").map((f) => f.key), ["prompt", "num_images", "aspect_ratio", "resolution", "output_format", "sync_mode", "tier"]);
    assert.deepEqual(fieldsOf("edit").map((f) => f.key), ["prompt", "num_images", "aspect_ratio", "resolution", "output_format", "sync_mode", "tier", "image_urls"]);
    // The tier is not sent: it chooses the endpoint (the addendum's quality tier has the same inputs).
    assert.deepEqual(FIELDS.filter((f) => f.target === "endpoint").map((f) => f.key), ["tier"]);
    assert.equal(MAX_EDIT_IMAGES, 3);
  });

  it("has the reference's values and defaults", () => {
    const { values } = resolveDefaults("generate", undefined);
    assert.deepEqual(values, { num_images: 1, aspect_ratio: "1:1", resolution: "1k", output_format: "jpeg", sync_mode: false, tier: "standard" });
    const choices = (op: "generate" | "edit", key: string) => {
      const f = fieldsOf(op).find((x) => x.key === key);
      return f?.type === "choice" ? f.choices.map((c) => c.value) : [];
    };
    assert.deepEqual(choices("generate", "aspect_ratio"), ["2:1", "20:9", "19.5:9", "16:9", "4:3", "3:2", "1:1", "2:3", "3:4", "9:16", "9:19.5", "9:20", "1:2"]);
    // The addendum: edit takes aspect_ratio too, "auto" (the default: the first image's ratio) or any of generate's.
    assert.deepEqual(choices("edit", "aspect_ratio"), ["auto", ...choices("generate", "aspect_ratio")]);
    assert.deepEqual(resolveDefaults("edit", undefined).values, { num_images: 1, aspect_ratio: "auto", resolution: "1k", output_format: "jpeg", sync_mode: false, tier: "standard" });
    assert.deepEqual(choices("edit", "resolution"), ["1k", "2k"]);
    assert.deepEqual(choices("edit", "output_format"), ["jpeg", "png", "webp"]);
  });

  it("asks only for file formats the extension can check and save", () => {
    for (const op of OPERATIONS) {
      const f = fieldsOf(op).find((x) => x.key === "output_format");
      assert.ok(f?.type === "choice");
      for (const c of f.choices) assert.ok((IMAGE_FORMATS as readonly string[]).includes(c.value), c.value);
    }
  });

  it("is consistent: unique keys and XMP properties, defaults among the allowed values, an endpoint for every choice", () => {
    assert.equal(new Set(FIELDS.map((f) => f.key)).size, FIELDS.length);
    const xmp = xmpProperties();
    assert.equal(new Set(xmp.map(([, p]) => p)).size, xmp.length);
    for (const op of OPERATIONS) {
      for (const f of fieldsOf(op)) {
        if (f.type === "choice") {
          assert.ok(f.choices.some((c) => c.value === f.default), `${op}.${f.key}`);
          if (f.setting) assert.ok(f.choices.every((c) => c.description) || f.choices.every((c) => !c.description), `${op}.${f.key}: every value of a setting described, or none`);
        }
        if (f.type === "integer") assert.ok(f.default >= f.min && f.default <= f.max, `${op}.${f.key}`);
      }
      // Every combination of the endpoint-choosing fields' values has an endpoint of this operation.
      let combos: Record<string, string>[] = [{}];
      for (const f of fieldsOf(op).filter((x) => x.target === "endpoint")) {
        assert.equal(f.type, "choice", `${f.key} chooses an endpoint, so it is a choice`);
        if (f.type === "choice") combos = combos.flatMap((c) => f.choices.map((x) => ({ ...c, [f.key]: x.value })));
      }
      for (const c of combos) assert.equal(endpointFor(op, c).operation, op);
    }
  });

  it("names the XMP property of every recorded parameter (the names the packet writer uses today)", () => {
    assert.deepEqual(Object.fromEntries(xmpProperties()), { num_images: "NumImages", aspect_ratio: "AspectRatio", resolution: "Resolution", output_format: "OutputFormat", sync_mode: "SyncMode", tier: "Tier" });
  });
});

describe("api/definition: package.json's settings say what the definition says", () => {
  const settings = packageSettings();
  const keys = parameterSettings();

  it("every parameter setting is declared", () => {
    assert.ok(keys.length > 0);
    for (const k of keys) assert.ok(settings[`grokImagine.${k}`], `grokImagine.${k} is declared in package.json`);
  });

  for (const key of parameterSettings()) {
    it(`grokImagine.${key}: type, allowed values, their descriptions and the default`, () => {
      const s = settings[`grokImagine.${key}`];
      const f: Field | undefined = fieldOfSetting(key);
      assert.ok(s && f);
      assert.equal(s.scope, "resource");
      assert.ok((s.description ?? s.markdownDescription ?? "").length > 0, "it is described");
      switch (f.type) {
        case "integer":
          assert.deepEqual([s.type, s.minimum, s.maximum, s.default], ["integer", f.min, f.max, f.default]);
          break;
        case "boolean":
          assert.deepEqual([s.type, s.default], ["boolean", f.default]);
          break;
        case "choice":
          assert.equal(s.type, "string");
          assert.deepEqual(s.enum, f.choices.map((c) => c.value));
          if (f.choices.some((c) => c.description !== undefined)) {
            assert.equal(s.enumDescriptions?.length, f.choices.length, "one description per allowed value");
            assert.deepEqual(s.enumDescriptions, f.choices.map((c) => c.description));
          } else {
            assert.equal(s.enumDescriptions, undefined, "the definition describes none of the values");
          }
          assert.equal(s.default, f.default);
          break;
        default:
          assert.fail(`${f.key} (${f.type}) cannot be a setting`);
      }
    });
  }

  it("a setting read by several operations means the same there", () => {
    for (const key of keys) {
      const takes = OPERATIONS.flatMap((op) => fieldsOf(op).filter((f) => f.setting === key));
      const shapes = takes.map(({ operation: _op, ...rest }) => JSON.stringify(rest));
      assert.equal(new Set(shapes).size, 1, key);
    }
  });
});

describe("api/schema: the JSON Schema of each endpoint's input", () => {
  it("describes every body field, with the definition's constraints", () => {
    for (const e of ENDPOINTS) {
      const schema = endpointInputSchema(e.id);
      assert.ok(schema);
      const props = schema["properties"] as Record<string, JsonSchema>;
      assert.deepEqual(Object.keys(props), fieldsOf(e.operation).filter((f) => f.target !== "endpoint").map((f) => f.key));
      assert.equal(schema["additionalProperties"], false);
      assert.ok((schema["required"] as string[]).includes("prompt"));
      assert.deepEqual(JSON.parse(JSON.stringify(schema)), schema, "it is plain JSON");
    }
    assert.equal(endpointInputSchema("xai/other"), undefined);
    const gen = endpointInputSchema("xai/grok-imagine-image") as Record<string, Record<string, Record<string, unknown>>>;
    assert.deepEqual(gen["properties"]?.["num_images"], { type: "integer", minimum: 1, maximum: 4, default: 1, description: "Number of images to make." });
  });

  it("agrees with validateBody on valid and invalid bodies", () => {
    const url = "https://v3b.fal.media/files/b/0a8b911d/Abk8vStrvmSPlzUqI_NN3_image_043.png";
    for (const e of ENDPOINTS) {
      const schema = endpointInputSchema(e.id) as JsonSchema;
      const built = buildRequest(e.operation, { prompt: "a fox" }, undefined);
      assert.ok(built.ok);
      const body = { ...built.value.body, ...(e.operation === "edit" ? { image_urls: [url] } : {}) };
      const variants: Record<string, unknown>[] = [
        body,
        { ...body, num_images: 4 },
        { ...body, num_images: 5 },
        { ...body, num_images: "2" },
        { ...body, resolution: "4k" },
        { ...body, output_format: "gif" },
        { ...body, sync_mode: "true" },
        { ...body, extra: 1 },
        { ...body, prompt: "" },
      ];
      for (const v of variants) assert.equal(conforms(schema, v), validateBody(e.id, v).ok, `${e.id} ${JSON.stringify(v)}`);
    }
  });

  it("an operation's argument schema has its endpoint-choosing fields and not the uploaded URLs", () => {
    for (const op of OPERATIONS) {
      const props = Object.keys(argumentSchema(op)["properties"] as object);
      assert.deepEqual(props, fieldsOf(op).filter((f) => f.type !== "urls").map((f) => f.key));
      assert.ok(!props.includes("image_urls"));
    }
  });
});

describe("api/forms: what people choose from", () => {
  it("the forms have every field a person sets, each with all its allowed values", () => {
    for (const op of OPERATIONS) {
      const form = formFields(op);
      assert.deepEqual(form.map((f) => f.key), fieldsOf(op).filter((f) => f.type !== "prompt" && f.type !== "urls").map((f) => f.key));
      for (const ff of form) {
        const f = fieldsOf(op).find((x) => x.key === ff.key);
        for (const o of ff.options) assert.ok(buildRequest(op, { prompt: "p", [ff.key]: o.value }, undefined).ok, `${op}.${ff.key}=${String(o.value)}`);
        if (f?.type === "integer") assert.equal(ff.options.length, f.max - f.min + 1);
        if (f?.type === "choice") assert.equal(ff.options.length, f.choices.length);
      }
    }
    assert.deepEqual(formFields("generate").find((f) => f.key === "sync_mode")?.options.map((o) => o.label), ["off", "on"]);
  });

  it("the gallery's filters are the fields marked for it, with every value any operation allows", () => {
    const filters = filterFields();
    assert.deepEqual(filters.map((f) => f.key), FIELDS.filter((f) => f.filter).map((f) => f.key));
    for (const f of filters) {
      for (const op of OPERATIONS) {
        const ff = formFields(op).find((x) => x.key === f.key);
        for (const o of ff?.options ?? []) assert.ok(f.options.some((x) => x.value === o.value), `${f.key}=${String(o.value)}`);
      }
    }
  });

  it("a recorded request reads back as the fields its operation takes (Generate Again, the gallery)", () => {
    const recorded = { prompt: "a fox", num_images: 2, aspect_ratio: "16:9", resolution: "2k", output_format: "png", sync_mode: false, seed: 4, image_urls: ["https://x"] };
    assert.deepEqual(recordedValues("xai/grok-imagine-image", recorded), {
      operation: "generate",
      values: { prompt: "a fox", num_images: 2, aspect_ratio: "16:9", resolution: "2k", output_format: "png", sync_mode: false, tier: "standard" },
    });
    // The tier is recorded by the endpoint (files made before the quality tier read back as standard).
    assert.equal(recordedValues("xai/grok-imagine-image/quality/text-to-image", recorded).values["tier"], "quality");
    assert.deepEqual(recordedValues("xai/grok-imagine-image/quality/edit", { ...recorded, tier: "standard" }).values["tier"], "quality", "the endpoint, not a stray input field");
    const edit = recordedValues("xai/grok-imagine-image/edit", recorded);
    assert.equal(edit.operation, "edit");
    assert.equal(edit.values["aspect_ratio"], "16:9", "an edit's aspect ratio is recorded and read back");
    assert.deepEqual(Object.keys(edit.values), ["prompt", ...formFields("edit").map((f) => f.key)].filter((k) => (k in recorded && k !== "image_urls") || k === "tier"));
    // An endpoint this version does not know: the operation the file says, then generate.
    assert.equal(recordedValues("xai/future", recorded, "edit").operation, "edit");
    assert.equal(recordedValues("xai/future", recorded, "junk").operation, "generate");
    // Junk is dropped, not passed on: objects, over-long text.
    assert.deepEqual(recordedValues("xai/grok-imagine-image", { prompt: "p", resolution: "x".repeat(100), num_images: { n: 1 } }).values, { prompt: "p", tier: "standard" });
  });
});
