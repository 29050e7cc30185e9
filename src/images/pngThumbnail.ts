/**
 * A small copy of a PNG, for the agent tools' preview: a 1k PNG from the model is a few MB, far more
 * than a chat turn should carry, and nothing in the extension host can scale an image. Decodes what
 * the model and most tools write (8 bits per sample, not interlaced; grey, RGB, palette, with or
 * without alpha), averages it down to at most `maxSide` pixels a side and writes an RGBA PNG. Anything
 * else (16-bit, interlaced, broken, too big) gives undefined: no preview, never a wrong one.
 *
 * The file may be anything a workspace holds, so memory is bounded by its header before inflating:
 * at most {@link MAX_THUMBNAIL_SOURCE_PIXELS} pixels, and inflate stops at the size the header implies.
 * Pure module (node:zlib only).
 */
import { deflateSync, inflateSync } from "node:zlib";
import { crc32, pngChunks } from "../provenance/formats/png";
import { be32, bytesOf, concat, u32be } from "./bytes";
import { PNG_SIGNATURE } from "./sniff";

/**
 * The largest source decoded: 8 Mpx (32 MB as RGBA while it is scaled). The model's 2k images are
 * about 4 Mpx; a bigger PNG in a workspace gets no preview rather than a large allocation.
 */
export const MAX_THUMBNAIL_SOURCE_PIXELS = 8 * 1024 * 1024;

const CHANNELS: Readonly<Record<number, number>> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** Undoes the scanline filters in place; false on an unknown filter type. */
function unfilter(raw: Uint8Array, height: number, stride: number, bpp: number): boolean {
  for (let y = 0; y < height; y++) {
    const row = y * (stride + 1);
    const filter = raw[row];
    const cur = row + 1;
    const prev = cur - (stride + 1);
    for (let x = 0; x < stride; x++) {
      const a = x >= bpp ? raw[cur + x - bpp] : 0;
      const b = y > 0 ? raw[prev + x] : 0;
      const c = y > 0 && x >= bpp ? raw[prev + x - bpp] : 0;
      let v = raw[cur + x];
      if (filter === 1) v += a;
      else if (filter === 2) v += b;
      else if (filter === 3) v += (a + b) >> 1;
      else if (filter === 4) v += paeth(a, b, c);
      else if (filter !== 0) return false;
      raw[cur + x] = v & 0xff;
    }
  }
  return true;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const typeAndData = concat([bytesOf(type), data]);
  return concat([be32(data.length), typeAndData, be32(crc32(typeAndData))]);
}

/** An RGBA PNG of `width`×`height` pixels. */
export function encodeRgbaPng(rgba: Uint8Array, width: number, height: number): Uint8Array {
  const stride = width * 4;
  const rows = new Uint8Array(height * (stride + 1));
  for (let y = 0; y < height; y++) rows.set(rgba.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  const ihdr = concat([be32(width), be32(height), Uint8Array.of(8, 6, 0, 0, 0)]);
  return concat([Uint8Array.from(PNG_SIGNATURE), chunk("IHDR", ihdr), chunk("IDAT", deflateSync(rows)), chunk("IEND", new Uint8Array(0))]);
}

/** `png` scaled down to at most `maxSide` pixels a side (as it is when already that small), or undefined. */
export function pngThumbnail(png: Uint8Array, maxSide: number): Uint8Array | undefined {
  const chunks = pngChunks(png);
  const head = chunks?.[0];
  if (!chunks || head?.type !== "IHDR" || head.dataEnd - head.dataStart !== 13) return undefined;
  const d = head.dataStart;
  const width = u32be(png, d);
  const height = u32be(png, d + 4);
  const [depth, colorType, , , interlace] = png.subarray(d + 8, d + 13);
  const channels = CHANNELS[colorType];
  if (depth !== 8 || interlace !== 0 || !channels || width < 1 || height < 1 || width * height > MAX_THUMBNAIL_SOURCE_PIXELS) return undefined;
  if (Math.max(width, height) <= maxSide) return png;

  let palette: Uint8Array | undefined;
  let paletteAlpha: Uint8Array | undefined;
  const data: Uint8Array[] = [];
  for (const c of chunks) {
    if (c.type === "PLTE") palette = png.subarray(c.dataStart, c.dataEnd);
    else if (c.type === "tRNS") paletteAlpha = png.subarray(c.dataStart, c.dataEnd);
    else if (c.type === "IDAT") data.push(png.subarray(c.dataStart, c.dataEnd));
  }
  if (colorType === 3 && !palette) return undefined;
  const stride = width * channels;
  const expected = height * (stride + 1);
  let raw: Uint8Array;
  try {
    raw = inflateSync(concat(data), { maxOutputLength: expected });
  } catch {
    return undefined; // broken, or more data than the header says
  }
  if (raw.length !== expected || !unfilter(raw, height, stride, channels)) return undefined;

  // Each target pixel is the average of the source pixels it covers (alpha-weighted colour).
  const scale = Math.max(width, height) / maxSide;
  const tw = Math.max(1, Math.round(width / scale));
  const th = Math.max(1, Math.round(height / scale));
  const sums = new Float64Array(tw * th * 5); // r·a, g·a, b·a, a, count
  const rgba = [0, 0, 0, 0];
  for (let y = 0; y < height; y++) {
    const ty = Math.min(th - 1, Math.floor((y * th) / height));
    const row = y * (stride + 1) + 1;
    for (let x = 0; x < width; x++) {
      const p = row + x * channels;
      if (colorType === 3) {
        const i = raw[p];
        rgba[0] = palette?.[i * 3] ?? 0;
        rgba[1] = palette?.[i * 3 + 1] ?? 0;
        rgba[2] = palette?.[i * 3 + 2] ?? 0;
        rgba[3] = paletteAlpha?.[i] ?? 255;
      } else if (channels <= 2) {
        rgba[0] = rgba[1] = rgba[2] = raw[p];
        rgba[3] = channels === 2 ? raw[p + 1] : 255;
      } else {
        rgba[0] = raw[p];
        rgba[1] = raw[p + 1];
        rgba[2] = raw[p + 2];
        rgba[3] = channels === 4 ? raw[p + 3] : 255;
      }
      const t = (ty * tw + Math.min(tw - 1, Math.floor((x * tw) / width))) * 5;
      const a = rgba[3];
      sums[t] += rgba[0] * a;
      sums[t + 1] += rgba[1] * a;
      sums[t + 2] += rgba[2] * a;
      sums[t + 3] += a;
      sums[t + 4] += 1;
    }
  }
  const out = new Uint8Array(tw * th * 4);
  for (let i = 0; i < tw * th; i++) {
    const s = i * 5;
    const a = sums[s + 3];
    const n = sums[s + 4] || 1;
    out[i * 4] = a ? Math.round(sums[s] / a) : 0;
    out[i * 4 + 1] = a ? Math.round(sums[s + 1] / a) : 0;
    out[i * 4 + 2] = a ? Math.round(sums[s + 2] / a) : 0;
    out[i * 4 + 3] = Math.round(a / n);
  }
  return encodeRgbaPng(out, tw, th);
}
