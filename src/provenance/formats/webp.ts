/**
 * XMP in WebP: an `XMP ` chunk and the XMP flag (0x04) in `VP8X`. A simple lossy (`VP8 `) or
 * lossless (`VP8L`) file is converted to the extended layout: a VP8X chunk with the canvas size from
 * the bitstream header (and the alpha flag for VP8L whose alpha_is_used bit is set) is put in front.
 * An existing XMP chunk is replaced in place, otherwise the chunk goes at the end. Reading walks the
 * chunk headers (skipping the image data, which comes before the XMP chunk).
 *
 * Pure module.
 */

import { MAX_WEBP_CHUNKS, MAX_XMP_BYTES } from "../limits";
import { type ByteReader, runOnBytes } from "../source";
import { ascii, bytesOf, concat, le32, u32le } from "../../images/bytes";
import { isRiffWebp } from "../../images/sniff";
import type { Chunk, WalkEnd } from "./chunk";

const VP8X_ICC = 0x20;
const VP8X_ALPHA = 0x10;
const VP8X_EXIF = 0x08;
const VP8X_XMP = 0x04;
const decoder = new TextDecoder();

/**
 * Walks a WebP's chunks within the RIFF size, calling `visit` with each (true stops the walk). Stops
 * at a chunk that does not fit and after `maxChunks`.
 */
export function* walkWebp(size: number, visit: (c: Chunk) => boolean, maxChunks: number): ByteReader<WalkEnd> {
  const header = yield { offset: 0, length: 12 };
  if (header.length < 12 || !isRiffWebp(header)) return "broken";
  const limit = Math.min(size, u32le(header, 4) + 8);
  let off = 12;
  for (let n = 1; off + 8 <= limit; n++) {
    if (n > maxChunks) return "cap";
    const h = yield { offset: off, length: 8 };
    if (h.length < 8) return "broken";
    const type = ascii(h, 0, 4);
    const chunkSize = u32le(h, 4);
    const dataEnd = off + 8 + chunkSize;
    if (dataEnd > limit) return "broken";
    const end = Math.min(dataEnd + (chunkSize % 2), limit);
    if (visit({ type, start: off, end, dataStart: off + 8, dataEnd })) return "stopped";
    off = end;
  }
  return "end";
}

function riffChunk(type: string, data: Uint8Array): Uint8Array {
  const pad = data.length % 2 === 1 ? [Uint8Array.of(0)] : [];
  return concat([bytesOf(type), le32(data.length), data, ...pad]);
}

function vp8xChunk(flags: number, width: number, height: number): Uint8Array {
  const w = width - 1;
  const h = height - 1;
  const data = Uint8Array.of(flags, 0, 0, 0, w & 0xff, (w >> 8) & 0xff, (w >> 16) & 0xff, h & 0xff, (h >> 8) & 0xff, (h >> 16) & 0xff);
  return riffChunk("VP8X", data);
}

/** The canvas size and flags of a simple (VP8/VP8L) WebP's bitstream header, or why not. */
function simpleCanvas(b: Uint8Array, first: Chunk): { width: number; height: number; alpha: boolean } | string {
  const d = first.dataStart;
  const size = first.dataEnd - first.dataStart;
  if (first.type === "VP8 ") {
    // Frame tag (3 bytes, bit 0 = 0 for a key frame), start code 9D 01 2A, 14-bit width and height.
    if (size < 10 || ((b[d] ?? 1) & 1) !== 0 || b[d + 3] !== 0x9d || b[d + 4] !== 0x01 || b[d + 5] !== 0x2a) {
      return "The WebP VP8 bitstream header is not valid.";
    }
    return { width: ((b[d + 6] ?? 0) | ((b[d + 7] ?? 0) << 8)) & 0x3fff, height: ((b[d + 8] ?? 0) | ((b[d + 9] ?? 0) << 8)) & 0x3fff, alpha: false };
  }
  if (first.type === "VP8L") {
    // Signature 0x2F, then 14 bits width-1, 14 bits height-1, 1 bit alpha_is_used, 3 bits version.
    if (size < 5 || b[d] !== 0x2f) return "The WebP VP8L bitstream header is not valid.";
    const bits = u32le(b, d + 1);
    return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1, alpha: ((bits >>> 28) & 1) === 1 };
  }
  return `The WebP file starts with an unknown chunk ${JSON.stringify(first.type)}.`;
}

/**
 * `b` (a complete WebP) with `packet` as its only XMP, or why not. The chunks are copied as runs
 * between the old XMP chunks (no per-chunk copies).
 */
export function embedWebp(b: Uint8Array, packet: string): { ok: true; bytes: Uint8Array } | { ok: false; reason: string } {
  const fail = (reason: string) => ({ ok: false, reason }) as const;
  let first: Chunk | undefined;
  let last: Chunk | undefined;
  const oldXmp: Chunk[] = [];
  let flags = VP8X_XMP;
  runOnBytes(
    (size) =>
      walkWebp(
        size,
        (c) => {
          if (!first) first = c;
          else if (c.type === "XMP ") oldXmp.push(c);
          else if (c.type === "EXIF") flags |= VP8X_EXIF;
          else if (c.type === "ICCP") flags |= VP8X_ICC;
          last = c;
          return false;
        },
        Infinity,
      ),
    b,
    Infinity,
  );
  if (!first || !last) return fail("The WebP file has no chunks.");
  const xmp = riffChunk("XMP ", new TextEncoder().encode(packet));
  const parts: Uint8Array[] = [];
  let from: number;
  const extended = first.type === "VP8X";
  if (extended) {
    if (first.dataEnd - first.dataStart < 10) return fail("The WebP VP8X chunk is too short.");
    const header = b.slice(first.start, first.end);
    header[8] = (header[8] ?? 0) | VP8X_XMP;
    parts.push(header);
    from = first.end;
  } else {
    const canvas = simpleCanvas(b, first);
    if (typeof canvas === "string") return fail(canvas);
    if (canvas.width === 0 || canvas.height === 0) return fail("The WebP image has no size.");
    parts.push(vp8xChunk(flags | (canvas.alpha ? VP8X_ALPHA : 0), canvas.width, canvas.height));
    from = first.start;
  }
  // An extended file keeps its XMP where the first one was; a simple one gets it at the end.
  let placed = !extended;
  for (const c of oldXmp) {
    parts.push(b.subarray(from, c.start));
    if (!placed) parts.push(xmp);
    placed = true;
    from = c.end;
  }
  parts.push(b.subarray(from, last.end));
  // A final chunk of odd size may have left out its padding byte; it gets one.
  if (last.type !== "XMP " && (last.dataEnd - last.dataStart) % 2 === 1 && last.end === last.dataEnd) parts.push(Uint8Array.of(0));
  if (!extended || oldXmp.length === 0) parts.push(xmp);
  const body = concat(parts);
  return { ok: true, bytes: concat([bytesOf("RIFF"), le32(body.length + 4), bytesOf("WEBP"), body]) };
}

/** Whether a WebP in memory has a `C2PA` chunk (content credentials). */
export function webpHasContentCredentials(b: Uint8Array): boolean {
  let found = false;
  runOnBytes((size) => walkWebp(size, (c) => (found = c.type === "C2PA"), Infinity), b, Infinity);
  return found;
}

/** Reads the XMP packet of a WebP: its first `XMP ` chunk. */
export function* readWebpXmp(size: number): ByteReader<string | undefined> {
  let xmp: Chunk | undefined;
  const end = yield* walkWebp(size, (c) => (c.type === "XMP " ? ((xmp = c), true) : false), MAX_WEBP_CHUNKS);
  if (end === "cap" || !xmp) return undefined;
  const length = xmp.dataEnd - xmp.dataStart;
  if (length > MAX_XMP_BYTES) return undefined;
  const data = yield { offset: xmp.dataStart, length };
  let n = data.length;
  while (n > 0 && data[n - 1] === 0) n--; // some writers NUL-terminate
  return decoder.decode(data.subarray(0, n));
}
