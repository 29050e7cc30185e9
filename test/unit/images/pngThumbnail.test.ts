/**
 * The agent tools' preview of a PNG: scaled down by averaging, checked against an average computed
 * from sharp's own decoding; every PNG kind the model or common tools write; and nothing (never a
 * wrong picture, never a big allocation) for what it does not decode.
 */
import assert from "node:assert/strict";
import { inflateSync } from "node:zlib";
import sharp from "sharp";
import { be32 } from "../../../src/images/bytes";
import { MAX_THUMBNAIL_SOURCE_PIXELS, pngThumbnail } from "../../../src/images/pngThumbnail";
import { crc32, pngChunks } from "../../../src/provenance/formats/png";

function noise(width: number, height: number, channels: 3 | 4, seed = 1): Buffer {
  const b = Buffer.alloc(width * height * channels);
  let x = seed;
  for (let i = 0; i < b.length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  if (channels === 4) for (let i = 3; i < b.length; i += 4) b[i] = 255; // opaque: the average is plain
  return b;
}

async function rawOf(png: Uint8Array): Promise<{ data: Buffer; width: number; height: number; channels: number }> {
  const { data, info } = await sharp(png).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: info.channels };
}

describe("images/pngThumbnail", () => {
  it("halves a noisy RGB PNG (several scanline filters) to the exact 2×2 averages", async () => {
    const [w, h] = [64, 48];
    const src = noise(w, h, 3);
    const png = await sharp(src, { raw: { width: w, height: h, channels: 3 } }).png({ adaptiveFiltering: true, compressionLevel: 9 }).toBuffer();
    const chunks = pngChunks(png) ?? [];
    const rows = inflateSync(Buffer.concat(chunks.filter((c) => c.type === "IDAT").map((c) => png.subarray(c.dataStart, c.dataEnd))));
    const filters = new Set(Array.from({ length: h }, (_, y) => rows[y * (w * 3 + 1)]));
    assert.ok(filters.size >= 3, `the source uses several filter types (${[...filters].join(", ")})`);
    const thumb = pngThumbnail(png, 32);
    assert.ok(thumb, "a thumbnail");
    const t = await rawOf(thumb);
    assert.deepEqual([t.width, t.height, t.channels], [32, 24, 4]);
    const decoded = await rawOf(png);
    for (let y = 0; y < 24; y++) {
      for (let x = 0; x < 32; x++) {
        for (let c = 0; c < 3; c++) {
          let sum = 0;
          for (const [dx, dy] of [[0, 0], [1, 0], [0, 1], [1, 1]]) sum += decoded.data[((2 * y + dy) * w + 2 * x + dx) * 4 + c];
          assert.equal(t.data[(y * 32 + x) * 4 + c], Math.round(sum / 4), `pixel ${x},${y} channel ${c}`);
        }
        assert.equal(t.data[(y * 32 + x) * 4 + 3], 255);
      }
    }
  });

  it("keeps the aspect ratio and bounds the longer side", async () => {
    const png = await sharp({ create: { width: 1024, height: 256, channels: 3, background: "#3366cc" } }).png().toBuffer();
    const t = await rawOf(pngThumbnail(png, 512) ?? new Uint8Array());
    assert.deepEqual([t.width, t.height], [512, 128]);
    assert.deepEqual([...t.data.subarray(0, 4)], [0x33, 0x66, 0xcc, 255]);
  });

  it("reads grey, grey with alpha, RGBA and 8-bit palette PNGs (with transparency)", async () => {
    const base = sharp({ create: { width: 40, height: 40, channels: 4, background: { r: 200, g: 100, b: 50, alpha: 0.5 } } });
    const kinds: [string, Buffer][] = [
      ["grey", await sharp({ create: { width: 40, height: 40, channels: 3, background: "#808080" } }).toColourspace("b-w").png().toBuffer()],
      ["grey+alpha", await base.clone().toColourspace("b-w").png().toBuffer()],
      ["rgba", await base.clone().png().toBuffer()],
      ["palette", await base.clone().png({ palette: true, colours: 256, dither: 0 }).toBuffer()],
    ];
    for (const [kind, png] of kinds) {
      const thumb = pngThumbnail(png, 10);
      assert.ok(thumb, `${kind}: a thumbnail`);
      const [want, got] = [await rawOf(png), await rawOf(thumb)];
      assert.deepEqual([got.width, got.height], [10, 10], kind);
      for (let c = 0; c < 4; c++) assert.ok(Math.abs(got.data[c] - want.data[c]) <= 1, `${kind}: channel ${c} ${got.data[c]} ≈ ${want.data[c]}`);
    }
  });

  it("an image already that small is returned as it is", async () => {
    const png = await sharp({ create: { width: 20, height: 10, channels: 3, background: "#000" } }).png().toBuffer();
    assert.equal(pngThumbnail(png, 20), png);
  });

  it("nothing for what it does not decode: interlaced, 16-bit, not a PNG, broken data", async () => {
    const big = sharp(noise(64, 64, 3), { raw: { width: 64, height: 64, channels: 3 } });
    assert.equal(pngThumbnail(await big.clone().png({ progressive: true }).toBuffer(), 16), undefined, "interlaced");
    assert.equal(pngThumbnail(await big.clone().toColourspace("rgb16").png().toBuffer(), 16), undefined, "16-bit");
    assert.equal(pngThumbnail(await big.clone().jpeg().toBuffer(), 16), undefined, "JPEG");
    const png = Buffer.from(await big.clone().png().toBuffer());
    const idat = png.indexOf("IDAT");
    png[idat + 20] ^= 0xff; // inside the deflate stream (the CRC is not checked: inflate or the filters catch it)
    assert.equal(pngThumbnail(png, 16), undefined, "broken data");
  });

  it("a header that claims more pixels than the bound is refused before inflating", () => {
    const side = Math.ceil(Math.sqrt(MAX_THUMBNAIL_SOURCE_PIXELS)) + 1;
    const chunk = (type: string, data: Uint8Array): Buffer => {
      const td = Buffer.concat([Buffer.from(type, "latin1"), data]);
      return Buffer.concat([Buffer.from(be32(data.length)), td, Buffer.from(be32(crc32(td)))]);
    };
    const ihdr = Buffer.concat([Buffer.from(be32(side)), Buffer.from(be32(side)), Buffer.from([8, 2, 0, 0, 0])]);
    const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk("IHDR", ihdr), chunk("IDAT", new Uint8Array(16)), chunk("IEND", new Uint8Array(0))]);
    assert.equal(pngThumbnail(png, 64), undefined);
  });
});
