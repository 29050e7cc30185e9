/**
 * Putting provenance into PNG, JPEG and WebP files and reading their XMP back, without touching the
 * image data: only metadata chunks/segments are added, replaced or (for WebP) the header is
 * extended. Files that carry content credentials (C2PA) are never modified. Each format's layout is
 * described in formats/.
 *
 * Pure module.
 */

import { sniffImageFormat, checkImageComplete } from "../images/sniff";
import { embedJpeg, JPEG_MAX_STANDARD_PACKET, jpegHasContentCredentials, readJpegXmp, type XmpPackets } from "./formats/jpeg";
import { embedPng, pngHasContentCredentials, readPngXmp } from "./formats/png";
import { embedWebp, readWebpXmp, webpHasContentCredentials } from "./formats/webp";
import { MAX_XMP_BYTES } from "./limits";
import { buildJpegPackets, buildXmpPacket } from "./packet";
import type { Provenance } from "./provenance";
import { type ByteReader, runOnBytes } from "./source";

export type { XmpPackets };

export type EmbedResult = { readonly ok: true; readonly bytes: Uint8Array } | { readonly ok: false; readonly reason: string; readonly sidecar: boolean };

/**
 * Whether the file carries C2PA content credentials: a JPEG APP11 JUMBF segment with a `c2pa` box,
 * a PNG `caBX` chunk or a WebP `C2PA` chunk. Never throws; `false` for anything else.
 */
export function hasContentCredentials(bytes: Uint8Array): boolean {
  try {
    switch (sniffImageFormat(bytes)) {
      case "jpeg":
        return jpegHasContentCredentials(bytes);
      case "png":
        return pngHasContentCredentials(bytes);
      case "webp":
        return webpHasContentCredentials(bytes);
      default:
        return false;
    }
  } catch {
    return false;
  }
}

/**
 * `bytes` with `p` embedded as XMP (replacing any XMP already there). Fails, without throwing, for
 * anything but a complete PNG, JPEG or WebP file, for provenance too large to be read back
 * (MAX_XMP_BYTES), and for files with content credentials — then `sidecar` is true: write
 * `sidecarDocument(buildXmpPacket(p))` next to the file instead.
 */
export function embedProvenance(bytes: Uint8Array, p: Provenance): EmbedResult {
  const fail = (reason: string, sidecar = false): EmbedResult => ({ ok: false, reason, sidecar });
  try {
    const format = sniffImageFormat(bytes);
    if (!format) return fail("The file is not a PNG, JPEG or WebP image.");
    const complete = checkImageComplete(bytes, format);
    if (!complete.ok) return fail(complete.reason);
    if (hasContentCredentials(bytes)) {
      return fail("The image carries content credentials (C2PA), which any change would invalidate; write the metadata to a sidecar file.", true);
    }
    const tooLarge = `The provenance is larger than ${MAX_XMP_BYTES} bytes of XMP (a prompt that long is not recorded).`;
    if (format === "jpeg") {
      const packets = buildJpegPackets(p, JPEG_MAX_STANDARD_PACKET);
      if (!packets.ok) return fail(packets.reason);
      const out = embedJpeg(bytes, packets.main, packets.extended);
      return out ? { ok: true, bytes: out } : fail("The XMP packet is too large for a JPEG file.");
    }
    const packet = buildXmpPacket(p);
    if (new TextEncoder().encode(packet).length > MAX_XMP_BYTES) return fail(tooLarge);
    if (format === "png") {
      const out = embedPng(bytes, packet);
      return out ? { ok: true, bytes: out } : fail("The PNG file's chunks could not be walked.");
    }
    const out = embedWebp(bytes, packet);
    return out.ok ? out : fail(out.reason);
  } catch (e) {
    return fail(`The metadata could not be embedded: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/**
 * Reads the XMP packets of a PNG, JPEG or WebP file (by its first 12 bytes), looking only at the
 * metadata before the image data (WebP: the chunk headers, skipping the image data).
 */
export function* readXmpPackets(size: number): ByteReader<XmpPackets | undefined> {
  const head = yield { offset: 0, length: 12 };
  switch (sniffImageFormat(head)) {
    case "png": {
      const main = yield* readPngXmp(size);
      return main === undefined ? undefined : { main };
    }
    case "jpeg":
      return yield* readJpegXmp(size);
    case "webp": {
      const main = yield* readWebpXmp(size);
      return main === undefined ? undefined : { main };
    }
    default:
      return undefined;
  }
}

/** The (main) XMP packet in a PNG, JPEG or WebP file in memory; never throws. */
export function readXmp(bytes: Uint8Array): string | undefined {
  try {
    return runOnBytes(readXmpPackets, bytes)?.main;
  } catch {
    return undefined;
  }
}
