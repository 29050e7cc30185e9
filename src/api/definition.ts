/**
 * The Grok Imagine Image API (through fal.ai), defined once, as data: its endpoints and every field of
 * their input. Everything else reads this: validation and request building (request.ts), the JSON
 * Schema (schema.ts), the palette's parameter pick and the gallery's form (forms.ts), settings
 * defaults, provenance, Generate Again and the test fake. Adding a field is one entry here.
 *
 * Source: /work/shared/api/grok-imagine-image.md (fal's reference, and its newer addendum).
 * Pure module: no `vscode`, no `@fal-ai/client`, no Node APIs (the webview bundles it too).
 */

/** What a request does; each operation has one endpoint per tier. */
export const OPERATIONS = ["generate", "edit"] as const;
export type Operation = (typeof OPERATIONS)[number];

export interface EndpointSpec {
  readonly id: string;
  readonly operation: Operation;
  /**
   * The values of the endpoint-choosing fields (`target: "endpoint"`) that send a request here; a
   * field this does not name may have any value.
   */
  readonly route: Readonly<Record<string, string>>;
  /** fal's list price in US dollars per image, or null: not published where we could read it. */
  readonly usdPerImage: number | null;
}

export const ENDPOINTS: readonly EndpointSpec[] = [
  { id: "xai/grok-imagine-image", operation: "generate", route: { tier: "standard" }, usdPerImage: 0.02 },
  { id: "xai/grok-imagine-image/edit", operation: "edit", route: { tier: "standard" }, usdPerImage: null },
  { id: "xai/grok-imagine-image/quality/text-to-image", operation: "generate", route: { tier: "quality" }, usdPerImage: null },
  { id: "xai/grok-imagine-image/quality/edit", operation: "edit", route: { tier: "quality" }, usdPerImage: null },
];

/**
 * One allowed value of a choice field, with the words a person reads where the value alone does not
 * say enough (settings' enumDescriptions, pickers).
 */
export interface Choice {
  readonly value: string;
  readonly description?: string;
}

/** A field's type and constraints for one operation, with its default and the setting that overrides it. */
export type FieldType = (
  | { readonly type: "prompt"; readonly maxLength: number }
  | { readonly type: "integer"; readonly min: number; readonly max: number; readonly default: number }
  | { readonly type: "choice"; readonly choices: readonly Choice[]; readonly default: string; readonly aliases?: Readonly<Record<string, string>> }
  | { readonly type: "boolean"; readonly default: boolean }
  /** A list of image URLs, filled in by the extension after it uploads the files. */
  | { readonly type: "urls"; readonly min: number; readonly max: number }
) & {
  /** `grokImagine.<setting>` holds the person's default for this operation. */
  readonly setting?: string;
};

export interface FieldSpec {
  /** The API's own name (also the argument object's and the form's). */
  readonly key: string;
  /** Short name for people: picker rows, form labels, details. */
  readonly label: string;
  readonly description: string;
  /** Property in the `grok:` XMP namespace that shows the value (prompt: dc:description instead). */
  readonly xmp?: string;
  /** `body` (default): sent in the request; `endpoint`: chooses the endpoint (see EndpointSpec.route). */
  readonly target?: "body" | "endpoint";
  /** The gallery offers a filter by it. */
  readonly filter?: boolean;
  /** The gallery shows its value on each image's card. */
  readonly card?: boolean;
  /** The operations that take it, each with its type, allowed values, default and setting. */
  readonly on: Partial<Record<Operation, FieldType>>;
}

/** Every aspect ratio generate accepts, widest first (the reference's order). */
const RATIOS: readonly Choice[] = ["2:1", "20:9", "19.5:9", "16:9", "4:3", "3:2", "1:1", "2:3", "3:4", "9:16", "9:19.5", "9:20", "1:2"].map((value) => ({ value }));

/** The same type for both operations. */
function both(t: FieldType): Partial<Record<Operation, FieldType>> {
  return { generate: t, edit: t };
}

/** Longest prompt accepted (far beyond what the model reads; bounds what is handled and stored). */
export const MAX_PROMPT_LENGTH = 8000;

/** The fields, in the order of the reference's request bodies. */
export const FIELDS: readonly FieldSpec[] = [
  {
    key: "prompt",
    label: "Prompt",
    description: "Text description of the desired image.",
    on: both({ type: "prompt", maxLength: MAX_PROMPT_LENGTH }),
  },
  {
    key: "num_images",
    label: "Number of images",
    description: "Number of images to make.",
    xmp: "NumImages",
    on: both({ type: "integer", min: 1, max: 4, default: 1, setting: "numImages" }),
  },
  {
    key: "aspect_ratio",
    label: "Aspect ratio",
    description: "Aspect ratio of the image.",
    xmp: "AspectRatio",
    filter: true,
    card: true,
    on: {
      generate: { type: "choice", choices: RATIOS, default: "1:1", setting: "aspectRatio" },
      // No setting: a default ratio for new images would crop every edit; `auto` keeps the source's.
      edit: { type: "choice", choices: [{ value: "auto", description: "Keep the first image's aspect ratio" }, ...RATIOS], default: "auto" },
    },
  },
  {
    key: "resolution",
    label: "Resolution",
    description: "Resolution of the image.",
    xmp: "Resolution",
    filter: true,
    card: true,
    on: both({
      type: "choice",
      choices: [
        { value: "1k", description: "Standard resolution" },
        { value: "2k", description: "High resolution" },
      ],
      default: "1k",
      setting: "resolution",
    }),
  },
  {
    key: "output_format",
    label: "Format",
    description: "File format of the image.",
    xmp: "OutputFormat",
    card: true,
    on: both({
      type: "choice",
      choices: [{ value: "jpeg" }, { value: "png" }, { value: "webp" }],
      default: "jpeg",
      aliases: { jpg: "jpeg", jpe: "jpeg" },
      setting: "outputFormat",
    }),
  },
  {
    key: "sync_mode",
    label: "Sync mode",
    description: "Return the images inline as data URIs; they are then not kept in fal's request history.",
    xmp: "SyncMode",
    on: both({ type: "boolean", default: false, setting: "syncMode" }),
  },
  {
    key: "tier",
    label: "Tier",
    description: "The model's tier: standard, or quality (same inputs).",
    xmp: "Tier",
    target: "endpoint",
    filter: true,
    on: both({
      type: "choice",
      choices: [
        { value: "standard", description: "The standard endpoints" },
        { value: "quality", description: "The quality tier's endpoints" },
      ],
      default: "standard",
      setting: "tier",
    }),
  },
  {
    key: "image_urls",
    label: "Images",
    description: "URLs of the images to edit (the first one names the results).",
    on: { edit: { type: "urls", min: 1, max: 3 } },
  },
];
