import assert from "node:assert/strict";
import sharp from "sharp";
import { concat as concatBytes } from "../../../src/images/bytes";
import {
  checkImageComplete,
  extensionForFormat,
  formatFromExtension,
  formatFromMime,
  type ImageFormat,
  mimeForFormat,
  sniffImageFormat,
} from "../../../src/images/sniff";

interface Sample {
  name: string;
  format: ImageFormat;
  bytes: Uint8Array;
}

function noise(channels: 3 | 4, size = 16): sharp.Sharp {
  return sharp({
    create: {
      width: size,
      height: size,
      channels,
      background: { r: 128, g: 128, b: 128, alpha: 0.5 },
      noise: { type: "gaussian", mean: 128, sigma: 40 },
    },
  });
}

async function bytesOf(image: sharp.Sharp): Promise<Uint8Array> {
  return new Uint8Array(await image.toBuffer());
}

const concat = (...parts: Uint8Array[]): Uint8Array => concatBytes(parts);

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

describe("images/sniff", function () {
  this.timeout(10_000); // sharp's first load

  const samples: Sample[] = [];
  let gif: Uint8Array = new Uint8Array();

  before(async () => {
    samples.push(
      { name: "PNG rgb", format: "png", bytes: await bytesOf(noise(3).png()) },
      { name: "PNG rgba", format: "png", bytes: await bytesOf(noise(4).png({ compressionLevel: 0 })) },
      { name: "JPEG baseline", format: "jpeg", bytes: await bytesOf(noise(3).jpeg({ quality: 80 })) },
      { name: "JPEG progressive", format: "jpeg", bytes: await bytesOf(noise(3).jpeg({ progressive: true })) },
      { name: "JPEG with EXIF", format: "jpeg", bytes: await bytesOf(noise(3).jpeg().withExif({ IFD0: { Copyright: "test" } })) },
      { name: "WebP lossy", format: "webp", bytes: await bytesOf(noise(3).webp({ quality: 50 })) },
      { name: "WebP lossy + alpha", format: "webp", bytes: await bytesOf(noise(4).webp({ quality: 50 })) },
      { name: "WebP lossless", format: "webp", bytes: await bytesOf(noise(3).webp({ lossless: true })) },
    );
    gif = await bytesOf(noise(3).gif());
  });

  it("sniffs real PNG, JPEG and WebP files", () => {
    assert.equal(samples.length, 8);
    for (const s of samples) assert.equal(sniffImageFormat(s.bytes), s.format, s.name);
    // The variants really are different encodings.
    const webpChunk = (b: Uint8Array) => new TextDecoder().decode(b.subarray(12, 16));
    assert.deepEqual(samples.filter((s) => s.format === "webp").map((s) => webpChunk(s.bytes)), ["VP8 ", "VP8X", "VP8L"]);
  });

  it("does not sniff non-images or other formats", () => {
    const cases: [string, Uint8Array][] = [
      ["empty", new Uint8Array()],
      ["text", text("hello, world\n")],
      ["JSON", text('{"images":[]}')],
      ["GIF", gif],
      ["WAVE", text("RIFF\x24\x00\x00\x00WAVEfmt ")],
      ["BMP", text("BM6\x00\x00\x00")],
      ["one FF", Uint8Array.of(0xff)],
      ["FF D8 only", Uint8Array.of(0xff, 0xd8)],
      ["7 bytes of the PNG signature", Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a)],
      ["RIFF without WEBP", text("RIFF\x04\x00\x00\x00")],
    ];
    assert.equal(new TextDecoder().decode(gif.subarray(0, 6)), "GIF89a");
    for (const [name, bytes] of cases) assert.equal(sniffImageFormat(bytes), undefined, name);
  });

  it("finds every sample complete", () => {
    for (const s of samples) assert.deepEqual(checkImageComplete(s.bytes, s.format), { ok: true }, s.name);
  });

  it("detects every truncation of PNG, JPEG and WebP files", () => {
    for (const s of samples) {
      for (let cut = 0; cut < s.bytes.length; cut++) {
        const result = checkImageComplete(s.bytes.subarray(0, cut), s.format);
        if (result.ok) assert.fail(`${s.name} cut at ${cut} of ${s.bytes.length} was taken as complete`);
        assert.ok(result.reason.length > 0);
      }
    }
  });

  it("explains truncation in a sentence", () => {
    const png = samples[0]?.bytes ?? new Uint8Array();
    const result = checkImageComplete(png.subarray(0, png.length - 2), "png");
    assert.equal(result.ok, false);
    if (!result.ok) assert.match(result.reason, /^The file is truncated: chunk IEND at byte \d+ needs 12 bytes but only 10 remain\.$/);
    const empty = checkImageComplete(new Uint8Array(), "jpeg");
    assert.deepEqual(empty, { ok: false, reason: "The file is empty." });
  });

  it("accepts data after the end of PNG and JPEG files, but not after WebP's declared size", () => {
    for (const s of samples) {
      const padded = concat(s.bytes, new Uint8Array(16));
      assert.equal(checkImageComplete(padded, s.format).ok, s.format !== "webp", s.name);
    }
    const webp = samples.find((s) => s.format === "webp")?.bytes ?? new Uint8Array();
    const extra = checkImageComplete(concat(webp, Uint8Array.of(0)), "webp");
    assert.equal(extra.ok, false);
    if (!extra.ok) assert.match(extra.reason, /declares \d+ bytes but \d+ are present/);
  });

  it("rejects bytes of another format", () => {
    for (const s of samples) {
      for (const other of ["png", "jpeg", "webp"] as const) {
        if (other === s.format) continue;
        assert.equal(checkImageComplete(s.bytes, other).ok, false, `${s.name} as ${other}`);
      }
    }
    for (const format of ["png", "jpeg", "webp"] as const) {
      assert.equal(checkImageComplete(gif, format).ok, false);
      assert.equal(checkImageComplete(text("not an image at all"), format).ok, false);
    }
  });

  it("does not take an EOI inside a JPEG segment for the end of the file", () => {
    const jpeg = samples.find((s) => s.name === "JPEG baseline")?.bytes ?? new Uint8Array();
    // An APP15 segment after SOI whose payload ends with FF D9, like an embedded thumbnail.
    const payload = Uint8Array.of(0x01, 0x02, 0xff, 0xd8, 0xff, 0xd9);
    const segment = concat(Uint8Array.of(0xff, 0xef, 0x00, payload.length + 2), payload);
    const withApp = concat(jpeg.subarray(0, 2), segment, jpeg.subarray(2));
    assert.deepEqual(checkImageComplete(withApp, "jpeg"), { ok: true });
    const cutAfterThumbnail = withApp.subarray(0, 2 + segment.length);
    assert.deepEqual([...cutAfterThumbnail.subarray(-2)], [0xff, 0xd9]);
    assert.equal(checkImageComplete(cutAfterThumbnail, "jpeg").ok, false);
    for (let cut = 0; cut < withApp.length; cut++) {
      assert.equal(checkImageComplete(withApp.subarray(0, cut), "jpeg").ok, false, `cut at ${cut}`);
    }
  });

  it("walks restart markers, stuffed bytes and fill bytes in JPEG scan data", () => {
    const jpeg = Uint8Array.of(
      0xff, 0xd8, // SOI
      0xff, 0xdd, 0x00, 0x04, 0x00, 0x01, // DRI
      0xff, 0xda, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3f, 0x00, // SOS
      0x12, 0x34, 0xff, 0x00, 0x56, 0xff, 0xd0, 0x78, 0xff, 0xd1, 0x9a, 0xff, 0xff, // scan data, RST0, RST1, fill
      0xff, 0xd9, // EOI
    );
    assert.equal(sniffImageFormat(jpeg), "jpeg");
    assert.deepEqual(checkImageComplete(jpeg, "jpeg"), { ok: true });
    for (let cut = 0; cut < jpeg.length; cut++) {
      assert.equal(checkImageComplete(jpeg.subarray(0, cut), "jpeg").ok, false, `cut at ${cut}`);
    }
  });

  it("detects damaged structure", () => {
    const png = samples[0]?.bytes ?? new Uint8Array();
    const badCrc = png.slice();
    badCrc[badCrc.length - 1] = 0;
    assert.equal(checkImageComplete(badCrc, "png").ok, false);
    const noIhdr = png.slice();
    noIhdr[12] = "X".charCodeAt(0);
    assert.equal(checkImageComplete(noIhdr, "png").ok, false);
    const hugeLength = png.slice();
    hugeLength[33] = 0xff; // length of the chunk after IHDR
    assert.equal(checkImageComplete(hugeLength, "png").ok, false);

    const webp = samples.find((s) => s.name === "WebP lossless")?.bytes ?? new Uint8Array();
    const biggerChunk = webp.slice();
    biggerChunk[16] = (biggerChunk[16] ?? 0) + 2; // VP8L chunk size larger than the RIFF size allows
    assert.equal(checkImageComplete(biggerChunk, "webp").ok, false);

    const jpeg = samples.find((s) => s.name === "JPEG baseline")?.bytes ?? new Uint8Array();
    const notMarker = jpeg.slice();
    notMarker[2] = 0x00; // FF D8 00 …: no marker after SOI
    assert.equal(checkImageComplete(notMarker, "jpeg").ok, false);
  });

  it("maps formats to MIME types and extensions and back", () => {
    assert.equal(mimeForFormat("jpeg"), "image/jpeg");
    assert.equal(mimeForFormat("png"), "image/png");
    assert.equal(mimeForFormat("webp"), "image/webp");
    assert.equal(extensionForFormat("jpeg"), ".jpg");
    assert.equal(extensionForFormat("png"), ".png");
    assert.equal(extensionForFormat("webp"), ".webp");
    for (const format of ["jpeg", "png", "webp"] as const) {
      assert.equal(formatFromMime(mimeForFormat(format)), format);
      assert.equal(formatFromExtension(extensionForFormat(format)), format);
    }
    assert.equal(formatFromMime("IMAGE/PNG"), "png");
    assert.equal(formatFromMime(" image/jpeg ; charset=binary"), "jpeg");
    assert.equal(formatFromMime("image/jpg"), "jpeg");
    for (const bad of ["image/gif", "text/plain", "", "image/", "png", "image/svg+xml"]) assert.equal(formatFromMime(bad), undefined);
    for (const ext of [".jpg", ".JPG", ".jpeg", ".JPEG", ".jpe", "jpg", "Jpe", "photo.JPG", "/a/b.c/photo.jpeg"]) {
      assert.equal(formatFromExtension(ext), "jpeg", ext);
    }
    assert.equal(formatFromExtension(".PNG"), "png");
    assert.equal(formatFromExtension("x.WebP"), "webp");
    for (const bad of [".gif", ".jfif", "", ".", "photo", "photo.png.bak", ".tiff"]) assert.equal(formatFromExtension(bad), undefined, bad);
  });
});
