/**
 * Putting an XMP packet into PNG, JPEG and WebP files and reading it back, without touching the
 * image data: only metadata chunks/segments are added, replaced or (for WebP) the header is
 * extended. Files that carry content credentials (C2PA) are never modified.
 *
 * Pure module: `Uint8Array`, `TextEncoder`, `TextDecoder` only.
 *
 *   PNG   an uncompressed `iTXt` chunk, keyword `XML:com.adobe.xmp`, just before the first IDAT;
 *         existing XMP chunks (iTXt, and the zTXt/tEXt with that keyword libvips/ImageMagick write)
 *         are removed. (Compressed XMP iTXt written by other tools is not
 *         read: that would need inflate.)
 *   JPEG  an APP1 segment `http://ns.adobe.com/xap/1.0/\0` + packet, after SOI and the leading
 *         APP0 (JFIF/JFXX) and APP1 (Exif) segments; existing standard and extended XMP segments are
 *         removed. A packet over 65502 bytes is split per the XMP spec (part 3, 1.1.3.1): the largest
 *         properties move to an Extended XMP packet stored in `http://ns.adobe.com/xmp/extension/\0`
 *         APP1 segments (GUID = MD5 of the extended packet, total length, offset, ≤ 65458 bytes of
 *         data each) and the main packet gets `xmpNote:HasExtendedXMP` = GUID. `readXmp` merges them.
 *   WebP  an `XMP ` chunk and the XMP flag (0x04) in `VP8X`. A simple lossy (`VP8 `) or lossless
 *         (`VP8L`) file is converted to the extended layout: a VP8X chunk with the canvas size from
 *         the bitstream header (and the alpha flag for VP8L whose alpha_is_used bit is set) is put in
 *         front. An existing XMP chunk is replaced in place, otherwise the chunk goes at the end.
 */

import { checkImageComplete, sniffImageFormat } from "./sniff";
import { extendedGuid, mergeExtended, parseXml, splitPacket } from "./xmpPacket";

export type EmbedResult = { ok: true; bytes: Uint8Array } | { ok: false; reason: string; sidecar: boolean };

const encoder = new TextEncoder();
const decoder = new TextDecoder();

// ---------------------------------------------------------------------------------------------
// Byte helpers

function ascii(b: Uint8Array, at: number, length: number): string {
  let s = "";
  for (let i = at; i < at + length && i < b.length; i++) s += String.fromCharCode(b[i] ?? 0);
  return s;
}

function bytesOf(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
  return out;
}

function startsWithBytes(b: Uint8Array, prefix: Uint8Array, at = 0): boolean {
  if (b.length < at + prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (b[at + i] !== prefix[i]) return false;
  return true;
}

function indexOfBytes(b: Uint8Array, needle: Uint8Array, from = 0, to = b.length): number {
  const first = needle[0];
  const last = to - needle.length;
  for (let i = from; i <= last; i++) {
    if (b[i] === first && startsWithBytes(b, needle, i)) return i;
  }
  return -1;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

const u16be = (b: Uint8Array, at: number) => ((b[at] ?? 0) << 8) | (b[at + 1] ?? 0);
const u32be = (b: Uint8Array, at: number) =>
  (((b[at] ?? 0) << 24) >>> 0) + ((b[at + 1] ?? 0) << 16) + ((b[at + 2] ?? 0) << 8) + (b[at + 3] ?? 0);
const u32le = (b: Uint8Array, at: number) =>
  ((b[at] ?? 0) | ((b[at + 1] ?? 0) << 8) | ((b[at + 2] ?? 0) << 16)) + (b[at + 3] ?? 0) * 0x1000000;

function be32(n: number): Uint8Array {
  return Uint8Array.of((n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
}

function le32(n: number): Uint8Array {
  return Uint8Array.of(n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff);
}

// ---------------------------------------------------------------------------------------------
// CRC-32 (PNG) and MD5 (Extended XMP GUID)

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (ISO 3309, as PNG uses it) of `bytes`. */
export function crc32(bytes: Uint8Array, crc = 0): number {
  let c = (crc ^ 0xffffffff) >>> 0;
  for (let i = 0; i < bytes.length; i++) c = (CRC_TABLE[(c ^ (bytes[i] ?? 0)) & 0xff] ?? 0) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const MD5_S = [7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21];
const MD5_K = Array.from({ length: 64 }, (_, i) => Math.floor(Math.abs(Math.sin(i + 1)) * 2 ** 32) >>> 0);

/** MD5 of `bytes` as 32 lowercase hex digits (RFC 1321). */
export function md5Hex(bytes: Uint8Array): string {
  const n = bytes.length;
  const padded = new Uint8Array((((n + 8) >> 6) + 1) * 64);
  padded.set(bytes);
  padded[n] = 0x80;
  const view = new DataView(padded.buffer);
  view.setUint32(padded.length - 8, (n * 8) >>> 0, true);
  view.setUint32(padded.length - 4, Math.floor(n / 0x20000000), true);
  let a0 = 0x67452301;
  let b0 = 0xefcdab89;
  let c0 = 0x98badcfe;
  let d0 = 0x10325476;
  const m = new Uint32Array(16);
  for (let off = 0; off < padded.length; off += 64) {
    for (let j = 0; j < 16; j++) m[j] = view.getUint32(off + j * 4, true);
    let a = a0;
    let b = b0;
    let c = c0;
    let d = d0;
    for (let i = 0; i < 64; i++) {
      let f: number;
      let g: number;
      if (i < 16) [f, g] = [(b & c) | (~b & d), i];
      else if (i < 32) [f, g] = [(d & b) | (~d & c), (5 * i + 1) % 16];
      else if (i < 48) [f, g] = [b ^ c ^ d, (3 * i + 5) % 16];
      else [f, g] = [c ^ (b | ~d), (7 * i) % 16];
      const s = MD5_S[(i >> 4) * 4 + (i % 4)] ?? 0;
      const sum = (a + f + (MD5_K[i] ?? 0) + (m[g] ?? 0)) >>> 0;
      a = d;
      d = c;
      c = b;
      b = (b + ((sum << s) | (sum >>> (32 - s)))) >>> 0;
    }
    a0 = (a0 + a) >>> 0;
    b0 = (b0 + b) >>> 0;
    c0 = (c0 + c) >>> 0;
    d0 = (d0 + d) >>> 0;
  }
  let hex = "";
  for (const w of [a0, b0, c0, d0]) {
    for (let k = 0; k < 4; k++) hex += ((w >>> (8 * k)) & 0xff).toString(16).padStart(2, "0");
  }
  return hex;
}

// ---------------------------------------------------------------------------------------------
// Container walkers (tolerant: they stop at the first structural problem)

interface Chunk {
  type: string;
  /** Whole chunk, header to CRC/padding. */
  start: number;
  end: number;
  dataStart: number;
  dataEnd: number;
}

function pngChunks(b: Uint8Array): Chunk[] {
  const out: Chunk[] = [];
  let off = 8;
  while (off + 12 <= b.length) {
    const length = u32be(b, off);
    const type = ascii(b, off + 4, 4);
    const end = off + 12 + length;
    if (length > 0x7fffffff || end > b.length) break;
    out.push({ type, start: off, end, dataStart: off + 8, dataEnd: off + 8 + length });
    if (type === "IEND") break;
    off = end;
  }
  return out;
}

function webpChunks(b: Uint8Array): Chunk[] {
  const out: Chunk[] = [];
  const limit = Math.min(b.length, u32le(b, 4) + 8);
  let off = 12;
  while (off + 8 <= limit) {
    const type = ascii(b, off, 4);
    const size = u32le(b, off + 4);
    const dataEnd = off + 8 + size;
    if (dataEnd > limit) break;
    const end = Math.min(dataEnd + (size % 2), limit);
    out.push({ type, start: off, end, dataStart: off + 8, dataEnd });
    off = end;
  }
  return out;
}

interface Segment {
  marker: number;
  start: number;
  end: number;
  /** After the 2-byte length. */
  dataStart: number;
}

/** JPEG header segments up to (not including) SOS, and where the rest starts. */
function jpegSegments(b: Uint8Array): { segments: Segment[]; rest: number } {
  const segments: Segment[] = [];
  let off = 2;
  while (off < b.length) {
    if (b[off] !== 0xff) break;
    let m = off;
    while (m < b.length && b[m] === 0xff) m++;
    const marker = b[m] ?? 0;
    const markerStart = m - 1;
    if (marker === 0xda || marker === 0xd9) return { segments, rest: markerStart };
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      segments.push({ marker, start: markerStart, end: m + 1, dataStart: m + 1 });
      off = m + 1;
      continue;
    }
    if (m + 3 > b.length) break;
    const length = u16be(b, m + 1);
    const end = m + 1 + length;
    if (length < 2 || end > b.length) break;
    segments.push({ marker, start: markerStart, end, dataStart: m + 3 });
    off = end;
  }
  return { segments, rest: b.length };
}

// ---------------------------------------------------------------------------------------------
// Content credentials

const JUMB = bytesOf("jumb");
const C2PA = bytesOf("c2pa");

/**
 * Whether the file carries C2PA content credentials: a JPEG APP11 JUMBF segment with a `c2pa` box,
 * a PNG `caBX` chunk or a WebP `C2PA` chunk. Never throws; `false` for anything else.
 */
export function hasContentCredentials(bytes: Uint8Array): boolean {
  try {
    switch (sniffImageFormat(bytes)) {
      case "jpeg":
        return jpegSegments(bytes).segments.some(
          (s) =>
            s.marker === 0xeb &&
            indexOfBytes(bytes, JUMB, s.dataStart, s.end) >= 0 &&
            indexOfBytes(bytes, C2PA, s.dataStart, s.end) >= 0,
        );
      case "png":
        return pngChunks(bytes).some((c) => c.type === "caBX");
      case "webp":
        return webpChunks(bytes).some((c) => c.type === "C2PA");
      default:
        return false;
    }
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// PNG

const PNG_XMP_KEYWORD = bytesOf("XML:com.adobe.xmp\0");

function pngChunk(type: string, data: Uint8Array): Uint8Array {
  const typeAndData = concat([bytesOf(type), data]);
  return concat([be32(data.length), typeAndData, be32(crc32(typeAndData))]);
}

function isPngXmp(b: Uint8Array, c: Chunk): boolean {
  return c.type === "iTXt" && startsWithBytes(b, PNG_XMP_KEYWORD, c.dataStart);
}

/** XMP in any PNG text chunk: our iTXt, or the zTXt/tEXt some tools (libvips, ImageMagick) write. */
function isAnyPngXmp(b: Uint8Array, c: Chunk): boolean {
  return (c.type === "iTXt" || c.type === "zTXt" || c.type === "tEXt") && startsWithBytes(b, PNG_XMP_KEYWORD, c.dataStart);
}

function embedPng(b: Uint8Array, packet: string): EmbedResult {
  const chunks = pngChunks(b);
  // keyword \0, compression flag 0, method 0, empty language tag \0, empty translated keyword \0
  const data = concat([PNG_XMP_KEYWORD, Uint8Array.of(0, 0, 0, 0), encoder.encode(packet)]);
  const xmp = pngChunk("iTXt", data);
  const parts: Uint8Array[] = [b.subarray(0, 8)];
  let placed = false;
  for (const c of chunks) {
    if (isAnyPngXmp(b, c)) continue;
    if (!placed && (c.type === "IDAT" || c.type === "IEND")) {
      parts.push(xmp);
      placed = true;
    }
    parts.push(b.subarray(c.start, c.end));
  }
  return { ok: true, bytes: concat(parts) };
}

function readPngXmp(b: Uint8Array): string | undefined {
  for (const c of pngChunks(b)) {
    if (!isPngXmp(b, c)) continue;
    let p = c.dataStart + PNG_XMP_KEYWORD.length;
    const compressed = b[p];
    p += 2;
    if (compressed !== 0) continue;
    for (let k = 0; k < 2; k++) {
      // language tag and translated keyword, each NUL-terminated
      while (p < c.dataEnd && b[p] !== 0) p++;
      p++;
    }
    if (p > c.dataEnd) continue;
    return decoder.decode(b.subarray(p, c.dataEnd));
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// JPEG

const XMP_HEADER = bytesOf("http://ns.adobe.com/xap/1.0/\0");
const EXT_HEADER = bytesOf("http://ns.adobe.com/xmp/extension/\0");
const EXIF_HEADER = bytesOf("Exif\0");
/** Largest standard packet: 65535 - 2 (length) - 29 (header), less 2 as the XMP spec asks. */
export const JPEG_MAX_STANDARD_PACKET = 65502;
/** Largest Extended XMP chunk per segment: 65535 - 2 - 35 (header) - 32 (GUID) - 4 - 4. */
const JPEG_MAX_EXTENDED_CHUNK = 65458;

function app1(header: Uint8Array, payload: Uint8Array[]): Uint8Array {
  const length = 2 + header.length + payload.reduce((n, p) => n + p.length, 0);
  return concat([Uint8Array.of(0xff, 0xe1, length >>> 8, length & 0xff), header, ...payload]);
}

function isApp1With(b: Uint8Array, s: Segment, header: Uint8Array): boolean {
  return s.marker === 0xe1 && startsWithBytes(b, header, s.dataStart) && s.dataStart + header.length <= s.end;
}

function embedJpeg(b: Uint8Array, packet: string): EmbedResult {
  const split = splitPacket(packet, JPEG_MAX_STANDARD_PACKET);
  if (!split.ok) return { ok: false, reason: split.reason, sidecar: false };
  const xmpSegments: Uint8Array[] = [];
  if (split.extended === undefined) {
    xmpSegments.push(app1(XMP_HEADER, [encoder.encode(split.main)]));
  } else {
    const ext = encoder.encode(split.extended);
    const guid = md5Hex(ext).toUpperCase();
    const main = encoder.encode(split.setGuid(guid));
    if (main.length > JPEG_MAX_STANDARD_PACKET) {
      return { ok: false, reason: "The XMP packet is too large for a JPEG file.", sidecar: false };
    }
    xmpSegments.push(app1(XMP_HEADER, [main]));
    for (let off = 0; off < ext.length; off += JPEG_MAX_EXTENDED_CHUNK) {
      const chunk = ext.subarray(off, Math.min(ext.length, off + JPEG_MAX_EXTENDED_CHUNK));
      xmpSegments.push(app1(EXT_HEADER, [bytesOf(guid), be32(ext.length), be32(off), chunk]));
    }
  }

  const { segments, rest } = jpegSegments(b);
  const kept = segments.filter((s) => !isApp1With(b, s, XMP_HEADER) && !isApp1With(b, s, EXT_HEADER));
  let at = 0;
  while (at < kept.length) {
    const s = kept[at];
    if (!s || !(s.marker === 0xe0 || isApp1With(b, s, EXIF_HEADER))) break;
    at++;
  }
  const parts: Uint8Array[] = [b.subarray(0, 2)];
  kept.forEach((s, i) => {
    if (i === at) parts.push(...xmpSegments);
    parts.push(b.subarray(s.start, s.end));
  });
  if (at === kept.length) parts.push(...xmpSegments);
  parts.push(b.subarray(rest));
  return { ok: true, bytes: concat(parts) };
}

function readJpegXmp(b: Uint8Array): string | undefined {
  const { segments } = jpegSegments(b);
  const standard = segments.find((s) => isApp1With(b, s, XMP_HEADER));
  if (!standard) return undefined;
  const main = decoder.decode(b.subarray(standard.dataStart + XMP_HEADER.length, standard.end));
  const doc = parseXml(main);
  const guid = doc ? extendedGuid(doc) : undefined;
  if (!guid) return main;

  let total = -1;
  const pieces: { offset: number; data: Uint8Array }[] = [];
  for (const s of segments) {
    if (!isApp1With(b, s, EXT_HEADER)) continue;
    const p = s.dataStart + EXT_HEADER.length;
    if (p + 40 > s.end || ascii(b, p, 32) !== guid) continue;
    const length = u32be(b, p + 32);
    if (total >= 0 && length !== total) return main;
    total = length;
    pieces.push({ offset: u32be(b, p + 36), data: b.subarray(p + 40, s.end) });
  }
  if (total < 0) return main;
  pieces.sort((x, y) => x.offset - y.offset);
  const ext = new Uint8Array(total);
  let covered = 0;
  for (const piece of pieces) {
    if (piece.offset > covered || piece.offset + piece.data.length > total) return main;
    ext.set(piece.data, piece.offset);
    covered = Math.max(covered, piece.offset + piece.data.length);
  }
  if (covered !== total) return main;
  return mergeExtended(main, decoder.decode(ext));
}

// ---------------------------------------------------------------------------------------------
// WebP

const VP8X_ICC = 0x20;
const VP8X_ALPHA = 0x10;
const VP8X_EXIF = 0x08;
const VP8X_XMP = 0x04;

function riffChunk(type: string, data: Uint8Array): Uint8Array {
  const pad = data.length % 2 === 1 ? [Uint8Array.of(0)] : [];
  return concat([bytesOf(type), le32(data.length), data, ...pad]);
}

/** A chunk's bytes with its padding byte, even when a final odd chunk omitted it. */
function wholeChunk(b: Uint8Array, c: Chunk): Uint8Array {
  const size = c.dataEnd - c.dataStart;
  if (size % 2 === 0 || c.end > c.dataEnd) return b.subarray(c.start, c.end);
  return concat([b.subarray(c.start, c.dataEnd), Uint8Array.of(0)]);
}

function vp8xChunk(flags: number, width: number, height: number): Uint8Array {
  const w = width - 1;
  const h = height - 1;
  const data = Uint8Array.of(flags, 0, 0, 0, w & 0xff, (w >> 8) & 0xff, (w >> 16) & 0xff, h & 0xff, (h >> 8) & 0xff, (h >> 16) & 0xff);
  return riffChunk("VP8X", data);
}

function embedWebp(b: Uint8Array, packet: string): EmbedResult {
  const fail = (reason: string): EmbedResult => ({ ok: false, reason, sidecar: false });
  const chunks = webpChunks(b);
  const first = chunks[0];
  if (!first) return fail("The WebP file has no chunks.");
  const xmp = riffChunk("XMP ", encoder.encode(packet));
  const parts: Uint8Array[] = [];

  if (first.type === "VP8X") {
    if (first.dataEnd - first.dataStart < 10) return fail("The WebP VP8X chunk is too short.");
    const header = b.slice(first.start, first.end);
    header[8] = (header[8] ?? 0) | VP8X_XMP;
    parts.push(header);
    let placed = false;
    for (const c of chunks.slice(1)) {
      if (c.type === "XMP ") {
        if (!placed) parts.push(xmp);
        placed = true;
        continue;
      }
      parts.push(wholeChunk(b, c));
    }
    if (!placed) parts.push(xmp);
  } else {
    const d = first.dataStart;
    const size = first.dataEnd - first.dataStart;
    let width: number;
    let height: number;
    let flags = VP8X_XMP;
    if (first.type === "VP8 ") {
      // Frame tag (3 bytes, bit 0 = 0 for a key frame), start code 9D 01 2A, 14-bit width and height.
      if (size < 10 || ((b[d] ?? 1) & 1) !== 0 || b[d + 3] !== 0x9d || b[d + 4] !== 0x01 || b[d + 5] !== 0x2a) {
        return fail("The WebP VP8 bitstream header is not valid.");
      }
      width = ((b[d + 6] ?? 0) | ((b[d + 7] ?? 0) << 8)) & 0x3fff;
      height = ((b[d + 8] ?? 0) | ((b[d + 9] ?? 0) << 8)) & 0x3fff;
    } else if (first.type === "VP8L") {
      // Signature 0x2F, then 14 bits width-1, 14 bits height-1, 1 bit alpha_is_used, 3 bits version.
      if (size < 5 || b[d] !== 0x2f) return fail("The WebP VP8L bitstream header is not valid.");
      const bits = u32le(b, d + 1);
      width = (bits & 0x3fff) + 1;
      height = ((bits >>> 14) & 0x3fff) + 1;
      if ((bits >>> 28) & 1) flags |= VP8X_ALPHA;
    } else {
      return fail(`The WebP file starts with an unknown chunk ${JSON.stringify(first.type)}.`);
    }
    if (width === 0 || height === 0) return fail("The WebP image has no size.");
    const others = chunks.slice(1).filter((c) => c.type !== "XMP ");
    if (others.some((c) => c.type === "EXIF")) flags |= VP8X_EXIF;
    if (others.some((c) => c.type === "ICCP")) flags |= VP8X_ICC;
    parts.push(vp8xChunk(flags, width, height), wholeChunk(b, first));
    for (const c of others) parts.push(wholeChunk(b, c));
    parts.push(xmp);
  }
  const body = concat(parts);
  return { ok: true, bytes: concat([bytesOf("RIFF"), le32(body.length + 4), bytesOf("WEBP"), body]) };
}

function readWebpXmp(b: Uint8Array): string | undefined {
  const c = webpChunks(b).find((x) => x.type === "XMP ");
  if (!c) return undefined;
  let end = c.dataEnd;
  while (end > c.dataStart && b[end - 1] === 0) end--; // some writers NUL-terminate
  return decoder.decode(b.subarray(c.dataStart, end));
}

// ---------------------------------------------------------------------------------------------
// Entry points

/**
 * `bytes` with `packet` embedded (replacing any XMP already there). Fails, without throwing, for
 * anything but a complete PNG, JPEG or WebP file, for a packet that is not well-formed XML, and for
 * files with content credentials — then `sidecar` is true: write `sidecarDocument(packet)` next to
 * the file instead.
 */
export function embedXmp(bytes: Uint8Array, packet: string): EmbedResult {
  const fail = (reason: string, sidecar = false): EmbedResult => ({ ok: false, reason, sidecar });
  try {
    const format = sniffImageFormat(bytes);
    if (!format) return fail("The file is not a PNG, JPEG or WebP image.");
    const complete = checkImageComplete(bytes, format);
    if (!complete.ok) return fail(complete.reason);
    if (hasContentCredentials(bytes)) {
      return fail("The image carries content credentials (C2PA), which any change would invalidate; write the metadata to a sidecar file.", true);
    }
    if (!parseXml(packet)) return fail("The XMP packet is not well-formed XML.");
    switch (format) {
      case "png":
        return embedPng(bytes, packet);
      case "jpeg":
        return embedJpeg(bytes, packet);
      case "webp":
        return embedWebp(bytes, packet);
    }
  } catch (e) {
    return fail(`The metadata could not be embedded: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** The XMP packet in a PNG, JPEG (merged with its Extended XMP) or WebP file; never throws. */
export function readXmp(bytes: Uint8Array): string | undefined {
  try {
    switch (sniffImageFormat(bytes)) {
      case "png":
        return readPngXmp(bytes);
      case "jpeg":
        return readJpegXmp(bytes);
      case "webp":
        return readWebpXmp(bytes);
      default:
        return undefined;
    }
  } catch {
    return undefined;
  }
}
