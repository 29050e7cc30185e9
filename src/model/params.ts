/**
 * The Grok Imagine Image API (through fal.ai) as data: endpoints, allowed values, defaults and the
 * shapes of requests and responses. Source of truth: the API reference for `xai/grok-imagine-image`
 * and `xai/grok-imagine-image/edit`.
 *
 * Pure module: no `vscode`, no `@fal-ai/client`, no Node APIs (it is also bundled for the webview).
 */

/** fal.ai endpoint ids. */
export const ENDPOINTS = {
  generate: "xai/grok-imagine-image",
  edit: "xai/grok-imagine-image/edit",
} as const;

export type EndpointKind = keyof typeof ENDPOINTS;
export type EndpointId = (typeof ENDPOINTS)[EndpointKind];

/** Every aspect ratio the generate endpoint accepts, widest first (the order of the reference). */
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

/** Inclusive range of `num_images`. */
export const NUM_IMAGES_MIN = 1;
export const NUM_IMAGES_MAX = 4;

/** The edit endpoint takes at most this many source images (and we require at least one). */
export const MAX_EDIT_IMAGES = 3;

/** Body of a request to {@link ENDPOINTS.generate}; built objects always carry every field, in this order. */
export interface GenerateInput {
  prompt: string;
  num_images: number;
  aspect_ratio: AspectRatio;
  resolution: Resolution;
  output_format: OutputFormat;
  sync_mode: boolean;
}

/** Body of a request to {@link ENDPOINTS.edit}; no `aspect_ratio`, plus the source images. */
export interface EditInput {
  prompt: string;
  num_images: number;
  resolution: Resolution;
  output_format: OutputFormat;
  sync_mode: boolean;
  image_urls: string[];
}

/** An edit request before its source images have been uploaded. */
export type EditParams = Omit<EditInput, "image_urls">;

/** One image in a response (fal's `ImageFile`); only `url` is guaranteed. */
export interface FalImage {
  /** https URL, or a `data:` URI when `sync_mode` was true. */
  url: string;
  content_type?: string;
  file_name?: string;
  file_size?: number;
  width?: number;
  height?: number;
}

/** Response of both endpoints. */
export interface FalOutput {
  images: FalImage[];
  revised_prompt: string;
}

/** The values the user can set as defaults (settings); everything but the prompt. */
export interface Defaults {
  num_images: number;
  aspect_ratio: AspectRatio;
  resolution: Resolution;
  output_format: OutputFormat;
  sync_mode: boolean;
}

/** The API's own defaults, from the reference. */
export const API_DEFAULTS: Readonly<Defaults> = Object.freeze({
  num_images: 1,
  aspect_ratio: "1:1",
  resolution: "1k",
  output_format: "jpeg",
  sync_mode: false,
});

/**
 * Defaults as they come from settings: any field may be missing or hold junk. Every `Defaults`
 * (and `Omit<Defaults, "aspect_ratio">`) is assignable to it.
 */
export type DefaultsLike = { readonly [K in keyof Defaults]?: unknown };

/** Fields of the generate request, in body order. */
export const GENERATE_FIELDS = [
  "prompt",
  "num_images",
  "aspect_ratio",
  "resolution",
  "output_format",
  "sync_mode",
] as const satisfies readonly (keyof GenerateInput)[];

/** Fields of the edit request, in body order. */
export const EDIT_FIELDS = [
  "prompt",
  "num_images",
  "resolution",
  "output_format",
  "sync_mode",
  "image_urls",
] as const satisfies readonly (keyof EditInput)[];

/** A problem with one field; `message` is a full sentence a user can act on. */
export interface FieldError {
  field: string;
  message: string;
}

export type Result<T> = { ok: true; value: T } | { ok: false; errors: FieldError[] };

function isOneOf<T extends string>(values: readonly T[], value: unknown): value is T {
  return typeof value === "string" && (values as readonly string[]).includes(value);
}

export function isAspectRatio(value: unknown): value is AspectRatio {
  return isOneOf(ASPECT_RATIOS, value);
}

export function isResolution(value: unknown): value is Resolution {
  return isOneOf(RESOLUTIONS, value);
}

export function isOutputFormat(value: unknown): value is OutputFormat {
  return isOneOf(OUTPUT_FORMATS, value);
}

export function isNumImages(value: unknown): value is number {
  return (
    typeof value === "number" &&
    Number.isInteger(value) &&
    value >= NUM_IMAGES_MIN &&
    value <= NUM_IMAGES_MAX
  );
}
