/**
 * Real, decodable images for the fake fal server, encoded with sharp.
 *
 * Dimensions (a choice; the reference only says "1k standard, 2k high resolution"): the long side is
 * 1024 px for `1k` and 2048 px for `2k`; the short side follows the aspect ratio, rounded to the
 * nearest multiple of 8. E.g. 16:9 @1k → 1024×576, 9:19.5 @2k → 944×2048, 1:1 @2k → 2048×2048.
 *
 * Content: a seeded picture (two-colour gradient, soft blobs, some grain) painted at 1/8 of the size
 * and upscaled with a cubic kernel, so every (seed) gives a visibly different, photo-like image in a
 * few tens of milliseconds. Encoded images are cached by (format, width, height, seed).
 *
 * Edits: the output is derived from the first source image (cover-resized to the output size, hue
 * rotated per output index), so a screenshot shows that the edit "used" the source.
 */
import sharp from "sharp";
import { type AspectRatio, type OutputFormat, type Resolution } from "./validation";

export interface Dimensions {
  width: number;
  height: number;
}

export function longSide(resolution: Resolution): number {
  return resolution === "2k" ? 2048 : 1024;
}

function roundTo8(n: number): number {
  return Math.max(8, Math.round(n / 8) * 8);
}

/** Output size for a ratio `w:h` (any positive numbers) at a resolution. */
export function dimensionsForRatio(ratioW: number, ratioH: number, resolution: Resolution): Dimensions {
  const long = longSide(resolution);
  if (ratioW >= ratioH) {
    return { width: long, height: roundTo8((long * ratioH) / ratioW) };
  }
  return { width: roundTo8((long * ratioW) / ratioH), height: long };
}

/** Output size for one of the 13 aspect ratio literals. */
export function dimensionsFor(aspectRatio: AspectRatio, resolution: Resolution): Dimensions {
  const [w, h] = aspectRatio.split(":").map((part) => Number.parseFloat(part));
  if (w === undefined || h === undefined || !(w > 0) || !(h > 0)) {
    throw new Error(`bad aspect ratio ${aspectRatio}`);
  }
  return dimensionsForRatio(w, h, resolution);
}

export function contentTypeFor(format: OutputFormat): string {
  return `image/${format}`;
}

/** File extension fal uses in URLs (the reference's example URLs end in `.jpg` for jpeg). */
export function extensionFor(format: OutputFormat): string {
  return format === "jpeg" ? "jpg" : format;
}

/** 32-bit FNV-1a of a string, used to derive seeds from request ids / prompts. */
export function hashSeed(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

function xorshift(seed: number): () => number {
  let s = seed >>> 0 || 0x9e3779b9;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

function encode(pipeline: sharp.Sharp, format: OutputFormat): Promise<Buffer> {
  switch (format) {
    case "jpeg":
      return pipeline.jpeg({ quality: 90 }).toBuffer();
    case "png":
      return pipeline.png({ compressionLevel: 4 }).toBuffer();
    case "webp":
      return pipeline.webp({ quality: 85, effort: 1 }).toBuffer();
  }
}

const CACHE_LIMIT = 48;
const cache = new Map<string, Promise<Buffer>>();

function remember(key: string, make: () => Promise<Buffer>): Promise<Buffer> {
  const hit = cache.get(key);
  if (hit !== undefined) {
    // refresh LRU position
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  const promise = make();
  cache.set(key, promise);
  promise.catch(() => cache.delete(key));
  while (cache.size > CACHE_LIMIT) {
    const oldest = cache.keys().next().value;
    if (oldest === undefined) {
      break;
    }
    cache.delete(oldest);
  }
  return promise;
}

/** Paints the small seeded picture (RGB, 3 channels) that gets upscaled. */
function paint(width: number, height: number, seed: number): Buffer {
  const rand = xorshift(Math.imul(seed, 2654435761) >>> 0);
  const buf = Buffer.alloc(width * height * 3);
  const c1 = [rand() * 255, rand() * 255, rand() * 255];
  const c2 = [rand() * 255, rand() * 255, rand() * 255];
  const angle = rand() * Math.PI * 2;
  const dx = Math.cos(angle);
  const dy = Math.sin(angle);
  const blobs = Array.from({ length: 5 + Math.floor(rand() * 4) }, () => ({
    x: rand() * width,
    y: rand() * height,
    r: (0.08 + rand() * 0.3) * Math.max(width, height),
    c: [rand() * 255, rand() * 255, rand() * 255],
  }));
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const t = Math.min(1, Math.max(0, 0.5 + ((x / width - 0.5) * dx + (y / height - 0.5) * dy)));
      const i = (y * width + x) * 3;
      for (let k = 0; k < 3; k++) {
        let v = (c1[k] ?? 0) * (1 - t) + (c2[k] ?? 0) * t;
        for (const b of blobs) {
          const d = Math.hypot(x - b.x, y - b.y) / b.r;
          if (d < 1) {
            const a = (1 - d * d) * 0.85;
            v = v * (1 - a) + (b.c[k] ?? 0) * a;
          }
        }
        v += (rand() - 0.5) * 24;
        buf[i + k] = Math.max(0, Math.min(255, Math.round(v)));
      }
    }
  }
  return buf;
}

/** A generated image of exactly `width`×`height` in `format`, cached by (format, size, seed). */
export function generateImage(format: OutputFormat, width: number, height: number, seed: number): Promise<Buffer> {
  return remember(`gen:${format}:${width}x${height}:${seed}`, async () => {
    const w = Math.max(2, Math.round(width / 8));
    const h = Math.max(2, Math.round(height / 8));
    const small = paint(w, h, seed);
    const pipeline = sharp(small, { raw: { width: w, height: h, channels: 3 } }).resize(width, height, {
      kernel: "cubic",
      fit: "fill",
    });
    return encode(pipeline, format);
  });
}

/** Width/height of an encoded image as displayed (EXIF orientation applied), or null if undecodable. */
export async function probeImage(bytes: Buffer): Promise<(Dimensions & { format: string }) | null> {
  try {
    const meta = await sharp(bytes).metadata();
    if (meta.width === undefined || meta.height === undefined) {
      return null;
    }
    const swap = meta.orientation !== undefined && meta.orientation >= 5;
    return {
      width: swap ? meta.height : meta.width,
      height: swap ? meta.width : meta.height,
      format: meta.format ?? "unknown",
    };
  } catch {
    return null;
  }
}

/** An "edited" image: the source, oriented, cover-resized to the output size and hue-rotated. */
export async function deriveImage(
  source: Buffer,
  format: OutputFormat,
  width: number,
  height: number,
  index: number,
): Promise<Buffer> {
  const pipeline = sharp(source)
    .rotate()
    .resize(width, height, { fit: "cover" })
    .modulate({ hue: 60 + index * 75, saturation: 1.25 })
    .removeAlpha();
  return encode(pipeline, format);
}

/** Re-encodes `bytes` into a different format than `claimed` (for the "wrongType" download fault). */
export async function reencodeAsOtherFormat(bytes: Buffer, claimed: string): Promise<Buffer> {
  const target: OutputFormat = claimed.includes("png") ? "jpeg" : "png";
  try {
    return await encode(sharp(bytes), target);
  } catch {
    return generateImage(target, 64, 64, 1);
  }
}
