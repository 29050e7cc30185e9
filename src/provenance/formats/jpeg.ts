/**
 * XMP in JPEG: an APP1 segment `http://ns.adobe.com/xap/1.0/\0` + packet, after SOI and the leading
 * APP0 (JFIF/JFXX) and APP1 (Exif) segments; embedding removes existing standard and extended XMP
 * segments. A packet over 65502 bytes is split per the XMP specification (part 3, 1.1.3.1) by
 * packet.ts: the largest properties go to an Extended XMP packet stored in
 * `http://ns.adobe.com/xmp/extension/\0` APP1 segments (GUID = MD5 of the extended packet, total
 * length, offset, ≤ 65458 bytes of data each), and the main packet names it in
 * xmpNote:HasExtendedXMP. Reading returns both packets; the RDF reader reads them together.
 *
 * Pure module.
 */

import { extendedGuid } from "../rdf";
import { MAX_JPEG_MARKERS, MAX_XMP_BYTES } from "../limits";
import { type ByteReader, runOnBytes } from "../source";
import { parseXml } from "../xml";
import { ascii, be32, bytesOf, concat, indexOfBytes, startsWithBytes, u16be, u32be } from "../../images/bytes";
import { isStandaloneMarker } from "../../images/sniff";
import type { WalkEnd } from "./chunk";

export interface Segment {
  readonly marker: number;
  readonly start: number;
  readonly end: number;
  /** After the 2-byte length. */
  readonly dataStart: number;
}

export interface XmpPackets {
  readonly main: string;
  /** The Extended XMP packet the main packet names, when it is present and whole. */
  readonly extended?: string;
}

const XMP_HEADER = bytesOf("http://ns.adobe.com/xap/1.0/\0");
const EXT_HEADER = bytesOf("http://ns.adobe.com/xmp/extension/\0");
/** Extension segment: header, GUID (32 hex digits), total length, offset. */
const EXT_PREFIX = EXT_HEADER.length + 32 + 4 + 4;
const EXIF_HEADER = bytesOf("Exif\0");
/** Largest standard packet: 65535 - 2 (length) - 29 (header), less 2 as the XMP spec asks. */
export const JPEG_MAX_STANDARD_PACKET = 65502;
/** Largest Extended XMP chunk per segment: 65535 - 2 - 35 (header) - 32 (GUID) - 4 - 4. */
const JPEG_MAX_EXTENDED_CHUNK = 65458;
const decoder = new TextDecoder();
const encoder = new TextEncoder();


/** Bytes of a segment's data a walk hands its visitor: enough to tell XMP and Extended XMP apart. */
const PEEK = EXT_PREFIX;

/**
 * Walks a JPEG's marker segments from after SOI up to the scan (SOS) or EOI, calling `visit` with
 * each that has a length and the first PEEK bytes of its data (true stops the walk). `rest` is where SOS/EOI starts
 * (the file's size otherwise).
 */
export function* walkJpeg(size: number, visit: (s: Segment, peek: Uint8Array) => boolean, maxMarkers: number): ByteReader<{ end: WalkEnd; rest: number }> {
  let off = 2;
  const broken = { end: "broken", rest: size } as const;
  for (let n = 1; off < size; n++) {
    if (n > maxMarkers) return { end: "cap", rest: size };
    const h = yield { offset: off, length: 4 + PEEK };
    if (h.length < 2 || h[0] !== 0xff) return broken;
    const marker = h[1] ?? 0;
    if (marker === 0xff) {
      // Fill bytes: the marker starts at the last FF of the run (skipped a read at a time).
      let run = 1;
      while (run + 1 < h.length && h[run + 1] === 0xff) run++;
      off += run;
      continue;
    }
    if (marker === 0xda || marker === 0xd9) return { end: "data", rest: off };
    if (isStandaloneMarker(marker)) {
      // TEM and RSTn have no length (and no business before the scan); a run of them is one step.
      let run = 2;
      while (run + 1 < h.length && h[run] === 0xff && isStandaloneMarker(h[run + 1] ?? 0)) run += 2;
      off += run;
      continue;
    }
    if (h.length < 4) return broken;
    const length = u16be(h, 2);
    const end = off + 2 + length;
    if (length < 2 || end > size) return broken;
    if (visit({ marker, start: off, end, dataStart: off + 4 }, h.subarray(4, Math.min(h.length, 2 + length)))) return { end: "stopped", rest: size };
    off = end;
  }
  return broken;
}

function isApp1With(b: Uint8Array, s: Segment, header: Uint8Array): boolean {
  return s.marker === 0xe1 && s.dataStart + header.length <= s.end && startsWithBytes(b, header, s.dataStart);
}

function app1(header: Uint8Array, payload: Uint8Array[]): Uint8Array {
  const length = 2 + header.length + payload.reduce((n, p) => n + p.length, 0);
  return concat([Uint8Array.of(0xff, 0xe1, length >>> 8, length & 0xff), header, ...payload]);
}

/** `b` (a complete JPEG) with `main` (and `extended`) as its only XMP. */
export function embedJpeg(b: Uint8Array, main: string, extended?: { readonly text: string; readonly guid: string }): Uint8Array | undefined {
  const mainBytes = encoder.encode(main);
  if (mainBytes.length > JPEG_MAX_STANDARD_PACKET) return undefined;
  const xmpSegments: Uint8Array[] = [app1(XMP_HEADER, [mainBytes])];
  if (extended) {
    const ext = encoder.encode(extended.text);
    for (let off = 0; off < ext.length; off += JPEG_MAX_EXTENDED_CHUNK) {
      const piece = ext.subarray(off, Math.min(ext.length, off + JPEG_MAX_EXTENDED_CHUNK));
      xmpSegments.push(app1(EXT_HEADER, [bytesOf(extended.guid), be32(ext.length), be32(off), piece]));
    }
  }
  // The new segments go after the leading APP0 (JFIF/JFXX) and Exif segments; the old XMP goes.
  const old: Segment[] = [];
  let insertAt: number | undefined;
  const walked = runOnBytes(
    (size) =>
      walkJpeg(
        size,
        (s) => {
          if (isApp1With(b, s, XMP_HEADER) || isApp1With(b, s, EXT_HEADER)) old.push(s);
          else if (insertAt === undefined && !(s.marker === 0xe0 || isApp1With(b, s, EXIF_HEADER))) insertAt = s.start;
          return false;
        },
        Infinity,
      ),
    b,
    Infinity,
  );
  if (walked?.end !== "data") return undefined;
  const at = insertAt ?? walked.rest;
  // Everything but the old XMP segments, in order, with the new ones at `at`.
  const parts: Uint8Array[] = [];
  let from = 0;
  let inserted = false;
  for (const [start, end] of [...old.map((s) => [s.start, s.end] as const), [b.length, b.length] as const]) {
    if (!inserted && at <= start) {
      parts.push(b.subarray(from, at), ...xmpSegments);
      from = at;
      inserted = true;
    }
    parts.push(b.subarray(from, start));
    from = end;
  }
  return concat(parts);
}

const JUMB = bytesOf("jumb");
const C2PA = bytesOf("c2pa");

/** Whether a JPEG in memory has an APP11 JUMBF segment with a `c2pa` box (content credentials). */
export function jpegHasContentCredentials(b: Uint8Array): boolean {
  let found = false;
  const isC2pa = (s: Segment) => s.marker === 0xeb && indexOfBytes(b, JUMB, s.dataStart, s.end) >= 0 && indexOfBytes(b, C2PA, s.dataStart, s.end) >= 0;
  runOnBytes((size) => walkJpeg(size, (s) => (found = isC2pa(s)), Infinity), b, Infinity);
  return found;
}

interface ExtensionPiece {
  readonly dataStart: number;
  readonly length: number;
  readonly guid: string;
  readonly total: number;
  readonly offset: number;
}

/**
 * Reads the XMP of a JPEG: the first standard XMP segment before the scan, and the Extended XMP
 * packet it names when its pieces are all there. The extended packet's claimed length is believed
 * only once the pieces present tile it exactly, and only up to MAX_XMP_BYTES.
 */
export function* readJpegXmp(size: number): ByteReader<XmpPackets | undefined> {
  let main: Segment | undefined;
  const pieces: ExtensionPiece[] = [];
  const walked = yield* walkJpeg(
    size,
    (s, head) => {
      if (s.marker !== 0xe1) return false;
      if (!main && startsWithBytes(head, XMP_HEADER)) main = s;
      else if (startsWithBytes(head, EXT_HEADER) && head.length === EXT_PREFIX) {
        pieces.push({
          dataStart: s.dataStart + EXT_PREFIX,
          length: s.end - s.dataStart - EXT_PREFIX,
          guid: ascii(head, EXT_HEADER.length, 32),
          total: u32be(head, EXT_HEADER.length + 32),
          offset: u32be(head, EXT_HEADER.length + 36),
        });
      }
      return false;
    },
    MAX_JPEG_MARKERS,
  );
  if (walked.end === "cap" || !main) return undefined;
  const mainText = decoder.decode(yield { offset: main.dataStart + XMP_HEADER.length, length: main.end - main.dataStart - XMP_HEADER.length });
  const doc = parseXml(mainText);
  const guid = doc ? extendedGuid(doc) : undefined;
  if (!guid) return { main: mainText };

  const mine = pieces.filter((p) => p.guid === guid).sort((a, b) => a.offset - b.offset);
  const total = mine[0]?.total ?? -1;
  if (total < 0 || total > MAX_XMP_BYTES || mine.some((p) => p.total !== total)) return { main: mainText };
  let covered = 0;
  for (const p of mine) {
    if (p.offset !== covered) return { main: mainText }; // a gap, or pieces that overlap
    covered += p.length;
  }
  if (covered !== total) return { main: mainText };
  // The claimed length is now backed by bytes present in the file.
  const ext = new Uint8Array(total);
  for (const p of mine) {
    const data = yield { offset: p.dataStart, length: p.length };
    if (data.length !== p.length) return { main: mainText };
    ext.set(data, p.offset);
  }
  return { main: mainText, extended: decoder.decode(ext) };
}
