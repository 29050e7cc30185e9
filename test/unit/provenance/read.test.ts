/**
 * Reading a file's provenance in ranges (what the gallery's index does): only the metadata before
 * the image data is read, whatever the file's size, and the answer is the one reading the whole
 * file gives.
 */
import assert from "node:assert/strict";
import sharp from "sharp";
import { figure } from "../../runner/figure";
import { embedProvenance } from "../../../src/provenance/embed";
import { MAX_METADATA_BYTES } from "../../../src/provenance/limits";
import type { Provenance } from "../../../src/provenance/provenance";
import { readImageMetadata, readProvenance } from "../../../src/provenance/read";
import { type ByteReader, type ByteSource, bytesSource, runOnBytes, runOnSource } from "../../../src/provenance/source";

function provenance(prompt: string): Provenance {
  return {
    kind: "generate",
    endpoint: "xai/grok-imagine-image",
    input: { prompt, num_images: 1, aspect_ratio: "1:1", resolution: "1k", output_format: "png", sync_mode: false },
    revisedPrompt: `${prompt}, revised`,
    requestId: "req-ranged",
    imageIndex: 0,
    creatorTool: "Grok Imagine for VS Code (tests)",
    createDate: "2025-06-01T00:00:00Z",
  };
}

/** A ByteSource over `bytes` that counts what is read. */
function counting(bytes: Uint8Array): ByteSource & { reads: number; bytesRead: number } {
  const s = {
    size: bytes.length,
    reads: 0,
    bytesRead: 0,
    read(offset: number, length: number): Promise<Uint8Array> {
      s.reads++;
      const out = bytes.subarray(offset, offset + length);
      s.bytesRead += out.length;
      return Promise.resolve(out);
    },
  };
  return s;
}

describe("provenance: reading only the metadata", function () {
  this.timeout(60_000);
  const big: { name: string; bytes: Uint8Array; p: Provenance; metadata: number }[] = [];

  before(async () => {
    const noise = () => sharp({ create: { width: 1024, height: 1024, channels: 3, background: { r: 9, g: 99, b: 199 }, noise: { type: "gaussian", mean: 128, sigma: 50 } } });
    const long = "a long prompt ".repeat(8000); // ~112 KB: Extended XMP in JPEG
    for (const [name, image, prompt] of [
      ["PNG", noise().png(), "a png"],
      ["JPEG", noise().jpeg({ quality: 95 }), "a jpeg"],
      ["JPEG with Extended XMP", noise().jpeg({ quality: 95 }), long],
      ["WebP (XMP after the image data)", noise().webp({ quality: 95 }), "a webp"],
      ["lossless WebP", noise().webp({ lossless: true }), "a lossless webp"],
    ] as const) {
      const p = provenance(prompt);
      const plain = new Uint8Array(await image.toBuffer());
      const r = embedProvenance(plain, p);
      assert.ok(r.ok, name);
      // What embedding added (the XMP and its containers), which a reader must read.
      big.push({ name, bytes: r.bytes, p, metadata: r.bytes.length - plain.length });
    }
  });

  it("reads a large image's provenance from a few KB of it, the same as reading it whole", async () => {
    for (const f of big) {
      const source = counting(f.bytes);
      const found = await readImageMetadata(source);
      assert.deepEqual(found.provenance, readProvenance(f.bytes), f.name);
      assert.equal(found.provenance?.input["prompt"], f.p.input["prompt"], f.name);
      figure(`ranged read of a ${(f.bytes.length / 1048576).toFixed(1)} MB ${f.name} holding ${(f.metadata / 1024).toFixed(1)} KB of XMP: ${source.bytesRead} bytes in ${source.reads} reads`);
      // The XMP, plus a read-ahead window (4 KB) per header far from the one before.
      assert.ok(source.bytesRead <= f.metadata + 64 * 1024, `${f.name}: read ${source.bytesRead} of ${f.bytes.length} bytes`);
    }
  });

  it("knows the format of a file without provenance and of one it cannot read", async () => {
    const plain = new Uint8Array(await sharp({ create: { width: 8, height: 8, channels: 3, background: "#123" } }).png().toBuffer());
    assert.deepEqual(await readImageMetadata(bytesSource(plain)), { format: "png", provenance: undefined });
    assert.deepEqual(await readImageMetadata(bytesSource(new TextEncoder().encode("GIF89a not ours"))), { format: undefined, provenance: undefined });
    assert.deepEqual(await readImageMetadata(bytesSource(new Uint8Array())), { format: undefined, provenance: undefined });
  });

  it("stops a reader that asks for more than MAX_METADATA_BYTES, that throws, or that asks for nonsense", async () => {
    const file = new Uint8Array(3 * MAX_METADATA_BYTES);
    function* greedy(size: number): ByteReader<number> {
      let got = 0;
      for (let off = 0; off < size; off += 65536) got += (yield { offset: off, length: 65536 }).length;
      return got;
    }
    assert.equal(runOnBytes(greedy, file), undefined);
    assert.equal(await runOnSource(greedy, bytesSource(file)), undefined);
    assert.equal(runOnBytes(greedy, file.subarray(0, MAX_METADATA_BYTES)), MAX_METADATA_BYTES);
    function* throwing(): ByteReader<number> {
      yield { offset: 0, length: 1 };
      throw new Error("a reader's bug");
    }
    assert.equal(runOnBytes(throwing, file), undefined);
    assert.equal(await runOnSource(throwing, bytesSource(file)), undefined);
    function* nonsense(): ByteReader<number> {
      yield { offset: -1, length: Number.NaN };
      return 1;
    }
    assert.equal(runOnBytes(nonsense, file), undefined);
    assert.equal(await runOnSource(nonsense, bytesSource(file)), undefined);
  });

  it("answers reads past the end of the file with fewer bytes", async () => {
    function* pastEnd(): ByteReader<number[]> {
      const a = yield { offset: 8, length: 10 };
      const b = yield { offset: 100, length: 4 };
      return [a.length, b.length];
    }
    const file = new Uint8Array(12);
    assert.deepEqual(runOnBytes(pastEnd, file), [4, 0]);
    assert.deepEqual(await runOnSource(pastEnd, counting(file)), [4, 0]);
  });
});
