/**
 * XMP in PNG: an uncompressed `iTXt` chunk, keyword `XML:com.adobe.xmp`, just before the first
 * IDAT. Embedding removes existing XMP chunks (iTXt, and the zTXt/tEXt with that keyword
 * libvips/ImageMagick write). Reading looks at the chunks before the image data (where we, exiftool
 * and libvips put it); compressed XMP iTXt written by other tools is not read (that would need
 * inflate).
 *
 * Pure module.
 */

import { MAX_PNG_CHUNKS, MAX_XMP_BYTES } from "../limits";
import { type ByteReader, runOnBytes } from "../source";
import { ascii, be32, bytesOf, concat, startsWithBytes, u32be } from "../../images/bytes";
import { PNG_SIGNATURE } from "../../images/sniff";
import type { Chunk, WalkEnd } from "./chunk";

const XMP_KEYWORD = bytesOf("XML:com.adobe.xmp\0");
/** iTXt after the keyword: compression flag and method, then the language tag and translated keyword (NUL-terminated; both short in practice, 256 bytes each is room to spare). */
const ITXT_OVERHEAD = XMP_KEYWORD.length + 2 + 256 + 256;
const decoder = new TextDecoder();

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/**
 * CRC-32 (ISO 3309, as PNG uses it) of `bytes`. (node:zlib has crc32 only from Node 20.15; VS Code
 * 1.90's extension host runs an older Node 20.)
 */
export function crc32(bytes: Uint8Array, crc = 0): number {
  let c = (crc ^ 0xffffffff) >>> 0;
  for (let i = 0; i < bytes.length; i++) c = (CRC_TABLE[(c ^ (bytes[i] ?? 0)) & 0xff] ?? 0) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}


/** Bytes of a chunk's data a walk hands its visitor: enough to tell an uncompressed XMP iTXt. */
const PEEK = XMP_KEYWORD.length + 2;

/**
 * Walks a PNG's chunks from after the signature, calling `visit` with each and the first PEEK bytes
 * of its data (true stops the walk). Stops at IEND, at the first IDAT when `stopAtData`, at a chunk
 * that does not fit the file, and after `maxChunks`.
 */
export function* walkPng(size: number, visit: (c: Chunk, peek: Uint8Array) => boolean, stopAtData: boolean, maxChunks: number): ByteReader<WalkEnd> {
  const signature = yield { offset: 0, length: PNG_SIGNATURE.length };
  if (!startsWithBytes(signature, PNG_SIGNATURE)) return "broken";
  let off: number = PNG_SIGNATURE.length;
  for (let n = 1; off + 12 <= size; n++) {
    if (n > maxChunks) return "cap";
    const h = yield { offset: off, length: 8 + PEEK };
    if (h.length < 8) return "broken";
    const length = u32be(h, 0);
    const type = ascii(h, 4, 4);
    const end = off + 12 + length;
    if (length > 0x7fffffff || end > size) return "broken";
    if (stopAtData && type === "IDAT") return "data";
    if (visit({ type, start: off, end, dataStart: off + 8, dataEnd: off + 8 + length }, h.subarray(8, Math.min(h.length, 8 + length)))) return "stopped";
    if (type === "IEND") return "end";
    off = end;
  }
  return "broken";
}

/** The chunks of a PNG in memory, when the walk reaches IEND. */
export function pngChunks(b: Uint8Array): Chunk[] | undefined {
  const chunks: Chunk[] = [];
  const end = runOnBytes((size) => walkPng(size, (c) => (chunks.push(c), false), false, Infinity), b, Infinity);
  return end === "end" ? chunks : undefined;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const typeAndData = concat([bytesOf(type), data]);
  return concat([be32(data.length), typeAndData, be32(crc32(typeAndData))]);
}

/** XMP in any PNG text chunk: our iTXt, or the zTXt/tEXt some tools (libvips, ImageMagick) write. */
function isAnyXmp(b: Uint8Array, c: Chunk): boolean {
  return (c.type === "iTXt" || c.type === "zTXt" || c.type === "tEXt") && startsWithBytes(b, XMP_KEYWORD, c.dataStart);
}

/** `b` (a complete PNG) with `packet` as its only XMP, just before the first IDAT. */
export function embedPng(b: Uint8Array, packet: string): Uint8Array | undefined {
  const chunks = pngChunks(b);
  if (!chunks) return undefined;
  // keyword \0, compression flag 0, method 0, empty language tag \0, empty translated keyword \0
  const xmp = chunk("iTXt", concat([XMP_KEYWORD, Uint8Array.of(0, 0, 0, 0), new TextEncoder().encode(packet)]));
  const parts: Uint8Array[] = [b.subarray(0, PNG_SIGNATURE.length)];
  let placed = false;
  for (const c of chunks) {
    if (isAnyXmp(b, c)) continue;
    if (!placed && (c.type === "IDAT" || c.type === "IEND")) {
      parts.push(xmp);
      placed = true;
    }
    parts.push(b.subarray(c.start, c.end));
  }
  return concat(parts);
}

/** Reads the XMP packet of a PNG: the first uncompressed XMP iTXt before the image data. */
export function* readPngXmp(size: number): ByteReader<string | undefined> {
  // Uncompressed XMP iTXt chunks (a compressed one has a non-zero flag after the keyword).
  const texts: Chunk[] = [];
  const isXmp = (c: Chunk, peek: Uint8Array) => c.type === "iTXt" && startsWithBytes(peek, XMP_KEYWORD) && peek[XMP_KEYWORD.length] === 0;
  const end = yield* walkPng(size, (c, peek) => (isXmp(c, peek) && texts.push(c), false), true, MAX_PNG_CHUNKS);
  if (end === "cap") return undefined;
  for (const c of texts) {
    if (c.dataEnd - c.dataStart > MAX_XMP_BYTES + ITXT_OVERHEAD) return undefined;
    const data = yield { offset: c.dataStart, length: c.dataEnd - c.dataStart };
    let p = XMP_KEYWORD.length + 2;
    for (let k = 0; k < 2; k++) {
      // language tag and translated keyword, each NUL-terminated
      while (p < data.length && data[p] !== 0) p++;
      p++;
    }
    if (p > data.length) continue;
    return decoder.decode(data.subarray(p));
  }
  return undefined;
}

/** Whether a PNG in memory has a `caBX` chunk (content credentials). */
export function pngHasContentCredentials(b: Uint8Array): boolean {
  let found = false;
  runOnBytes((size) => walkPng(size, (c) => (found = c.type === "caBX"), false, Infinity), b, Infinity);
  return found;
}
