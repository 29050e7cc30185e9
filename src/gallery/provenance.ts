/**
 * The gallery's thin adapter over the provenance module (src/images/xmp.ts): it reads what an image
 * file records about how it was made, and keeps only what the gallery shows and searches. The XMP
 * itself is read and written only by images/xmp.ts.
 */
import { recordedValues } from "../api";
import { parseXmpPacket, readProvenance as readXmpProvenance, type Provenance } from "../images/xmp";
import type { EntryParams, ImageKind } from "../protocol";

export type { Provenance };

/** What the gallery keeps of an image's provenance (plain JSON: it goes into the index cache). */
export interface ImageProvenance {
  readonly kind: ImageKind;
  readonly endpoint: string;
  readonly prompt: string;
  readonly revisedPrompt: string;
  readonly params: EntryParams;
  readonly requestId: string;
  readonly imageIndex: number;
  readonly sources: readonly string[];
  /** ISO 8601 as recorded ("" when not). */
  readonly createDate: string;
  readonly creatorTool: string;
}

/** The provenance a PNG, JPEG or WebP file carries, or undefined; never throws. */
export function readImageProvenance(bytes: Uint8Array): ImageProvenance | undefined {
  let p: Provenance | undefined;
  try {
    p = readXmpProvenance(bytes);
  } catch {
    return undefined;
  }
  return p ? fromProvenance(p) : undefined;
}

/** The provenance in a `<name>.xmp` sidecar document (written beside files with content credentials). */
export function readSidecarProvenance(text: string): ImageProvenance | undefined {
  let p: Provenance | undefined;
  try {
    p = parseXmpPacket(text);
  } catch {
    return undefined;
  }
  return p ? fromProvenance(p) : undefined;
}

export function fromProvenance(p: Provenance): ImageProvenance {
  const input = p.input;
  // The fields the definition lists for the endpoint's operation, and what the endpoint stands for.
  const { prompt: _prompt, ...params }: EntryParams = recordedValues(String(p.endpoint), input, p.kind).values;
  const prompt = input["prompt"];
  return {
    kind: p.kind === "edit" ? "edit" : "generate",
    endpoint: String(p.endpoint),
    prompt: typeof prompt === "string" ? prompt : "",
    revisedPrompt: typeof p.revisedPrompt === "string" ? p.revisedPrompt : "",
    params,
    requestId: typeof p.requestId === "string" ? p.requestId : "",
    imageIndex: Number.isFinite(p.imageIndex) ? p.imageIndex : 0,
    sources: (p.sources ?? []).map((s) => s.path).filter((s) => typeof s === "string"),
    createDate: typeof p.createDate === "string" ? p.createDate : "",
    creatorTool: typeof p.creatorTool === "string" ? p.creatorTool : "",
  };
}

/** Checks a cached value (the cache file is ours, but a damaged one must not break the gallery). */
export function isImageProvenance(v: unknown): v is ImageProvenance {
  if (typeof v !== "object" || v === null) return false;
  const o = v as Record<string, unknown>;
  return (
    (o["kind"] === "generate" || o["kind"] === "edit") &&
    typeof o["endpoint"] === "string" &&
    typeof o["prompt"] === "string" &&
    typeof o["revisedPrompt"] === "string" &&
    typeof o["params"] === "object" &&
    o["params"] !== null &&
    typeof o["requestId"] === "string" &&
    typeof o["imageIndex"] === "number" &&
    Array.isArray(o["sources"]) &&
    (o["sources"] as unknown[]).every((s) => typeof s === "string") &&
    typeof o["createDate"] === "string" &&
    typeof o["creatorTool"] === "string"
  );
}
