/**
 * Recognising the image formats the API produces (JPEG, PNG, WebP) by their bytes, and telling a
 * complete file from a truncated one (a download cut short, a partial write).
 *
 * Pure module: works on `Uint8Array` only, no Node APIs.
 */

import { ascii, startsWithBytes as startsWith, u16be, u32be, u32le } from "./bytes";

export type ImageFormat = "png" | "jpeg" | "webp";

export const IMAGE_FORMATS: readonly ImageFormat[] = ["jpeg", "png", "webp"];

export type Completeness = { ok: true } | { ok: false; reason: string };

/** The 8 bytes every PNG starts with (also read by provenance/formats/png.ts). */
export const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] as const;

/** "RIFF", a size, "WEBP": a WebP file's first 12 bytes (also read by provenance/formats/webp.ts). */
export function isRiffWebp(bytes: Uint8Array): boolean {
  return ascii(bytes, 0, 4) === "RIFF" && ascii(bytes, 8, 4) === "WEBP";
}

/** A JPEG marker that has no length: TEM, RST0–RST7 (also read by provenance/formats/jpeg.ts). */
export function isStandaloneMarker(marker: number): boolean {
  return marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7);
}

/** The format of `bytes` by their magic numbers, or `undefined` for anything else (GIF, text, …). */
export function sniffImageFormat(bytes: Uint8Array): ImageFormat | undefined {
  if (startsWith(bytes, PNG_SIGNATURE)) return "png";
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return "jpeg";
  if (bytes.length >= 12 && isRiffWebp(bytes)) return "webp";
  return undefined;
}

function truncated(detail: string): Completeness {
  return { ok: false, reason: `The file is truncated: ${detail}.` };
}

function corrupt(detail: string): Completeness {
  return { ok: false, reason: `The file is damaged: ${detail}.` };
}

/**
 * PNG: after the signature, walks the chunks (4-byte length, type, data, CRC), checking that each
 * fits in the file, that IHDR comes first, that there is image data, and that an IEND chunk
 * (length 0, fixed CRC) is reached. Bytes after IEND are ignored.
 */
function checkPng(bytes: Uint8Array): Completeness {
  if (!startsWith(bytes, PNG_SIGNATURE)) {
    if (bytes.length < PNG_SIGNATURE.length && PNG_SIGNATURE.every((v, i) => i >= bytes.length || bytes[i] === v)) {
      return truncated(`only ${bytes.length} bytes of the PNG signature`);
    }
    return { ok: false, reason: "The file is not a PNG image (no PNG signature)." };
  }
  let off: number = PNG_SIGNATURE.length;
  let first = true;
  let sawData = false;
  for (;;) {
    if (off === bytes.length) return truncated("it ends without an IEND chunk");
    if (off + 8 > bytes.length) return truncated(`a chunk header at byte ${off} is cut off`);
    const length = u32be(bytes, off);
    const type = ascii(bytes, off + 4, 4);
    if (length > 0x7fffffff) return corrupt(`chunk ${JSON.stringify(type)} at byte ${off} has an impossible length`);
    if (!/^[A-Za-z]{4}$/.test(type)) return corrupt(`invalid chunk type at byte ${off}`);
    if (first && (type !== "IHDR" || length !== 13)) return corrupt("the first chunk is not IHDR");
    first = false;
    const end = off + 12 + length;
    if (end > bytes.length) {
      return truncated(`chunk ${type} at byte ${off} needs ${end - off} bytes but only ${bytes.length - off} remain`);
    }
    if (type === "IDAT") sawData = true;
    if (type === "IEND") {
      if (length !== 0) return corrupt("the IEND chunk is not empty");
      if (u32be(bytes, off + 8) !== 0xae426082) return corrupt("the IEND chunk has a wrong checksum");
      if (!sawData) return corrupt("there is no image data (IDAT)");
      return { ok: true };
    }
    off = end;
  }
}

/**
 * JPEG: must start with SOI (FF D8) and reach EOI (FF D9) by walking the marker segments (each with
 * its 2-byte length) and the entropy-coded data after each SOS (in which FF 00 is a stuffed byte
 * and FF D0–D7 a restart marker). Walking the structure, rather than looking at the last two
 * bytes, avoids taking an embedded thumbnail's EOI for the end of the file. Bytes after EOI (zero
 * padding, appended data such as a second MPF picture) are ignored.
 */
function checkJpeg(bytes: Uint8Array): Completeness {
  const n = bytes.length;
  if (n < 2 || bytes[0] !== 0xff || bytes[1] !== 0xd8) {
    return { ok: false, reason: "The file is not a JPEG image (no SOI marker)." };
  }
  let off = 2;
  for (;;) {
    if (off >= n) return truncated("it ends before the end-of-image marker (FF D9)");
    if (bytes[off] !== 0xff) return corrupt(`expected a marker at byte ${off}`);
    while (off < n && bytes[off] === 0xff) off++; // the marker's FF and any fill bytes
    if (off >= n) return truncated("it ends inside a marker");
    const marker = bytes[off] ?? 0;
    off++;
    if (marker === 0xd9) return { ok: true };
    if (marker === 0x00 || marker === 0xd8) {
      return corrupt(`unexpected marker FF ${marker.toString(16).padStart(2, "0").toUpperCase()} at byte ${off - 2}`);
    }
    if (isStandaloneMarker(marker)) continue; // TEM, RSTn: no length
    if (off + 2 > n) return truncated("it ends inside a segment header");
    const length = u16be(bytes, off);
    if (length < 2) return corrupt(`a segment at byte ${off - 2} has an invalid length`);
    if (off + length > n) return truncated(`a segment at byte ${off - 2} needs ${length} bytes but only ${n - off} remain`);
    off += length;
    if (marker === 0xda) {
      // Entropy-coded data runs until a marker other than a stuffed 00 or a restart marker.
      for (;;) {
        // The next FF, found natively (a byte-by-byte loop here was most of a save's verify and stamp time).
        off = off < n ? bytes.indexOf(0xff, off) : -1;
        if (off < 0) return truncated("it ends inside the image data");
        if (off + 1 >= n) return truncated("it ends inside the image data");
        const next = bytes[off + 1] ?? 0;
        if (next === 0x00 || (next >= 0xd0 && next <= 0xd7)) {
          off += 2;
          continue;
        }
        break; // off is at the FF of the next marker (or of fill bytes before it)
      }
    }
  }
}

/**
 * WebP: "RIFF", a little-endian size, "WEBP". The size must account for exactly the bytes present
 * (size + 8, or size + 9 when an odd size was padded), and the chunks inside must fit it, the
 * first being VP8, VP8L or VP8X.
 */
function checkWebp(bytes: Uint8Array): Completeness {
  const n = bytes.length;
  if (n < 12) {
    const prefix = ascii(bytes, 0, Math.min(4, n));
    if ("RIFF".startsWith(prefix)) return truncated(`only ${n} bytes, less than a WebP header`);
    return { ok: false, reason: "The file is not a WebP image (no RIFF/WEBP header)." };
  }
  if (!isRiffWebp(bytes)) return { ok: false, reason: "The file is not a WebP image (no RIFF/WEBP header)." };
  const size = u32le(bytes, 4);
  const declared = size + 8;
  if (size < 4) return corrupt("the RIFF size is too small");
  if (n < declared) return truncated(`the header declares ${declared} bytes but only ${n} are present`);
  if (n > declared && !(size % 2 === 1 && n === declared + 1)) {
    return corrupt(`the header declares ${declared} bytes but ${n} are present`);
  }
  let off = 12;
  let first = true;
  while (off < declared) {
    if (off + 8 > declared) return corrupt(`a chunk header at byte ${off} does not fit the declared size`);
    const type = ascii(bytes, off, 4);
    const chunkSize = u32le(bytes, off + 4);
    if (first && type !== "VP8 " && type !== "VP8L" && type !== "VP8X") {
      return corrupt("the first chunk is not VP8, VP8L or VP8X");
    }
    first = false;
    const end = off + 8 + chunkSize;
    if (end > declared) return corrupt(`chunk ${JSON.stringify(type)} at byte ${off} runs past the declared size`);
    off = end + (chunkSize % 2); // chunks are padded to an even size; the last pad may be omitted
  }
  if (first) return corrupt("it has no image chunk");
  return { ok: true };
}

/**
 * Whether `bytes` is a whole file of `format`: detects truncation (and gross structural damage) by
 * walking the container structure. It does not decode pixels or verify checksums of data chunks.
 */
export function checkImageComplete(bytes: Uint8Array, format: ImageFormat): Completeness {
  if (bytes.length === 0) return { ok: false, reason: "The file is empty." };
  switch (format) {
    case "png":
      return checkPng(bytes);
    case "jpeg":
      return checkJpeg(bytes);
    case "webp":
      return checkWebp(bytes);
  }
}

const MIME: { readonly [F in ImageFormat]: string } = {
  jpeg: "image/jpeg",
  png: "image/png",
  webp: "image/webp",
};

const EXTENSION: { readonly [F in ImageFormat]: string } = {
  jpeg: ".jpg",
  png: ".png",
  webp: ".webp",
};

/** `image/jpeg`, `image/png`, `image/webp`. */
export function mimeForFormat(format: ImageFormat): string {
  return MIME[format];
}

/** The file extension we write, with its dot: `.jpg`, `.png`, `.webp`. */
export function extensionForFormat(format: ImageFormat): string {
  return EXTENSION[format];
}

/**
 * The format of a MIME type, ignoring case, surrounding space and parameters
 * (`image/PNG; charset=x` → png). Also accepts the common non-standard `image/jpg`, `image/pjpeg`
 * and `image/x-png`. `undefined` for anything else.
 */
export function formatFromMime(mime: string): ImageFormat | undefined {
  const essence = (mime.split(";")[0] ?? "").trim().toLowerCase();
  switch (essence) {
    case "image/jpeg":
    case "image/jpg":
    case "image/pjpeg":
      return "jpeg";
    case "image/png":
    case "image/x-png":
      return "png";
    case "image/webp":
      return "webp";
    default:
      return undefined;
  }
}

/**
 * The format of a file extension, case-insensitively: `.jpg`, `.jpeg`, `.jpe` → jpeg, `.png`,
 * `.webp`. Accepts the extension with or without its dot, or a whole file name or path (the part
 * after the last dot is used). `undefined` for anything else.
 */
export function formatFromExtension(extOrName: string): ImageFormat | undefined {
  const dot = extOrName.lastIndexOf(".");
  const ext = (dot >= 0 ? extOrName.slice(dot + 1) : extOrName).toLowerCase();
  switch (ext) {
    case "jpg":
    case "jpeg":
    case "jpe":
      return "jpeg";
    case "png":
      return "png";
    case "webp":
      return "webp";
    default:
      return undefined;
  }
}
