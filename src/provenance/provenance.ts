/**
 * What made an image: the one type every part of the extension uses for it (the job that stamps an
 * image, the XMP packet, the gallery's index and its cache, Show Image Details, Generate Again).
 *
 * Pure module.
 */

export type ProvenanceKind = "generate" | "edit";

export interface ProvenanceSource {
  /** Workspace-relative (in a multi-root workspace it starts with its folder's name). */
  readonly path: string;
  /** SHA-256 of the file as it was sent, 64 hex digits. */
  readonly sha256: string;
}

export interface Provenance {
  readonly kind: ProvenanceKind;
  /** The fal endpoint, e.g. `xai/grok-imagine-image`. */
  readonly endpoint: string;
  /** The request body as sent. `image_urls`/`image_url` (data URIs for edits) are never stored. */
  readonly input: Readonly<Record<string, unknown>>;
  readonly revisedPrompt: string;
  /** fal's request id. */
  readonly requestId: string;
  /** Index of the image in its request (0-based). */
  readonly imageIndex: number;
  /** Edits: the images that were edited. */
  readonly sources?: readonly ProvenanceSource[];
  /** e.g. "Grok Imagine for VS Code 0.1.0". */
  readonly creatorTool: string;
  /** ISO 8601, as recorded. */
  readonly createDate: string;
}

/** Request-body keys that are never recorded (they carry the source images as data URIs). */
export const OMITTED_INPUT_KEYS: readonly string[] = ["image_urls", "image_url"];

/** The prompt of the request, "" when there is none. */
export function promptOf(p: Provenance): string {
  const prompt = p.input["prompt"];
  return typeof prompt === "string" ? prompt : "";
}

/** A plain object (not null, not an array). */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function isSource(v: unknown): v is ProvenanceSource {
  return isRecord(v) && typeof v["path"] === "string" && typeof v["sha256"] === "string";
}

/** Checks a value read back from storage we keep (the gallery's cache): it must not break a reader. */
export function isProvenance(v: unknown): v is Provenance {
  if (!isRecord(v)) return false;
  const sources = v["sources"];
  return (
    (v["kind"] === "generate" || v["kind"] === "edit") &&
    typeof v["endpoint"] === "string" &&
    isRecord(v["input"]) &&
    typeof v["revisedPrompt"] === "string" &&
    typeof v["requestId"] === "string" &&
    typeof v["imageIndex"] === "number" &&
    (sources === undefined || (Array.isArray(sources) && sources.every(isSource))) &&
    typeof v["creatorTool"] === "string" &&
    typeof v["createDate"] === "string"
  );
}
