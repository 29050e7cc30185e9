/**
 * Stamping provenance onto images before their one atomic save (pure: no vscode). Each image gets
 * an XMP packet inside the file; one that carries content credentials (C2PA) keeps its bytes and gets
 * the same packet as a sidecar document instead; one that cannot take metadata is saved as it came,
 * with the reason for the log.
 */
import type { ImageFormat } from "../images/sniff";
import { buildXmpPacket, embedXmp, sidecarDocument, type Provenance } from "../images/xmp";

export interface StampedImage {
  readonly bytes: Uint8Array;
  readonly format: ImageFormat;
  /** A standalone .xmp document to save beside the image (content credentials present). */
  readonly sidecar?: string;
  /** Why the image carries no provenance, when it does not. */
  readonly note?: string;
}

export interface ProvenanceBase {
  readonly kind: "generate" | "edit";
  readonly endpoint: string;
  readonly input: object;
  readonly revisedPrompt: string;
  readonly requestId: string;
  readonly sources?: readonly { readonly path: string; readonly sha256: string }[];
  readonly creatorTool: string;
  readonly createDate: string;
}

export function provenanceFor(base: ProvenanceBase, imageIndex: number): Provenance {
  const input: Record<string, unknown> = { ...(base.input as Record<string, unknown>) };
  return {
    kind: base.kind,
    endpoint: base.endpoint,
    input,
    revisedPrompt: base.revisedPrompt,
    requestId: base.requestId,
    imageIndex,
    ...(base.sources ? { sources: base.sources.map((s) => ({ path: s.path, sha256: s.sha256 })) } : {}),
    creatorTool: base.creatorTool,
    createDate: base.createDate,
  };
}

export function stamp(image: { bytes: Uint8Array; format: ImageFormat }, p: Provenance): StampedImage {
  const packet = buildXmpPacket(p);
  const r = embedXmp(image.bytes, packet);
  if (r.ok) return { bytes: r.bytes, format: image.format };
  if (r.sidecar) return { bytes: image.bytes, format: image.format, sidecar: sidecarDocument(packet), note: r.reason };
  return { bytes: image.bytes, format: image.format, note: r.reason };
}
