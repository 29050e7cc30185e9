/**
 * Checking the response of every endpoint (`{ images: [{ url, ... }], revised_prompt }`), which
 * arrives as untyped JSON.
 *
 * Decisions: `images` must be a list of at least one object with a non-empty string `url`; the
 * optional `ImageFile` fields are copied when they have the right type and dropped otherwise (they
 * are informational). `revised_prompt` is documented as required, but a missing or non-string one
 * becomes `""` rather than failing a request whose images did arrive. Other fields are ignored.
 */

import { isRecord, type FieldError, type Result } from "./request";

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

/** Response of every endpoint. */
export interface FalOutput {
  images: FalImage[];
  revised_prompt: string;
}

function optionalString(obj: Record<string, unknown>, key: string): string | undefined {
  const v = obj[key];
  return typeof v === "string" ? v : undefined;
}

function optionalNumber(obj: Record<string, unknown>, key: string): number | undefined {
  const v = obj[key];
  return typeof v === "number" && Number.isFinite(v) ? v : undefined;
}

/** Validates and normalises a response body of either endpoint. */
export function parseFalOutput(data: unknown): Result<FalOutput> {
  if (!isRecord(data)) {
    return {
      ok: false,
      errors: [{ field: "output", message: "The response is not an object with images." }],
    };
  }
  const rawImages = data["images"];
  if (!Array.isArray(rawImages) || rawImages.length === 0) {
    return {
      ok: false,
      errors: [{ field: "images", message: "The response contains no images." }],
    };
  }
  const list: readonly unknown[] = rawImages;
  const errors: FieldError[] = [];
  const images: FalImage[] = [];
  list.forEach((raw, i) => {
    if (!isRecord(raw) || typeof raw["url"] !== "string" || raw["url"] === "") {
      errors.push({ field: `images[${i}]`, message: `Image ${i + 1} in the response has no URL.` });
      return;
    }
    const image: FalImage = { url: raw["url"] };
    const contentType = optionalString(raw, "content_type");
    if (contentType !== undefined) image.content_type = contentType;
    const fileName = optionalString(raw, "file_name");
    if (fileName !== undefined) image.file_name = fileName;
    const fileSize = optionalNumber(raw, "file_size");
    if (fileSize !== undefined) image.file_size = fileSize;
    const width = optionalNumber(raw, "width");
    if (width !== undefined) image.width = width;
    const height = optionalNumber(raw, "height");
    if (height !== undefined) image.height = height;
    images.push(image);
  });
  if (errors.length > 0) return { ok: false, errors };
  const revised = data["revised_prompt"];
  return { ok: true, value: { images, revised_prompt: typeof revised === "string" ? revised : "" } };
}
