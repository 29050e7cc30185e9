/**
 * Stamping provenance onto images before their one atomic save. Each image gets an XMP packet inside
 * the file; one that carries content credentials (C2PA) keeps its bytes and gets the same packet as
 * a sidecar document instead; one that cannot take metadata is saved as it came, with the reason
 * for the log.
 *
 * Pure module.
 */
import type { ImageFormat } from "../images/sniff";
import { embedProvenance } from "./embed";
import { MAX_XMP_BYTES } from "./limits";
import { buildXmpPacket } from "./packet";
import type { Provenance } from "./provenance";
import { sidecarDocument } from "./sidecar";

export interface StampedImage {
  readonly bytes: Uint8Array;
  readonly format: ImageFormat;
  /** A standalone .xmp document to save beside the image (content credentials present). */
  readonly sidecar?: string;
  /** Why the image carries no provenance, when it does not. */
  readonly note?: string;
}

/** What one request made, shared by its images: a Provenance but for each image's index. */
export type ProvenanceBase = Omit<Provenance, "imageIndex" | "input"> & { readonly input: object };

/** The provenance of the request's image number `imageIndex`. */
export function provenanceFor(base: ProvenanceBase, imageIndex: number): Provenance {
  return {
    kind: base.kind,
    endpoint: base.endpoint,
    input: { ...(base.input as Record<string, unknown>) },
    revisedPrompt: base.revisedPrompt,
    requestId: base.requestId,
    imageIndex,
    ...(base.sources ? { sources: base.sources.map((s) => ({ path: s.path, sha256: s.sha256 })) } : {}),
    creatorTool: base.creatorTool,
    createDate: base.createDate,
  };
}

export function stamp(image: { bytes: Uint8Array; format: ImageFormat }, p: Provenance): StampedImage {
  const r = embedProvenance(image.bytes, p);
  if (r.ok) return { bytes: r.bytes, format: image.format };
  if (r.sidecar) {
    const doc = sidecarDocument(buildXmpPacket(p));
    // A sidecar that the reader would refuse (past MAX_XMP_BYTES) is not worth writing.
    if (new TextEncoder().encode(doc).length > MAX_XMP_BYTES) return { bytes: image.bytes, format: image.format, note: `${r.reason} The provenance is larger than ${MAX_XMP_BYTES} bytes of XMP, so no sidecar is written either.` };
    return { bytes: image.bytes, format: image.format, sidecar: doc, note: r.reason };
  }
  return { bytes: image.bytes, format: image.format, note: r.reason };
}
