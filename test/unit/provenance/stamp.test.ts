/** Stamping provenance onto an image before its save: in the file, or in a sidecar for files with content credentials. */
import assert from "node:assert/strict";
import sharp from "sharp";
import { MAX_XMP_BYTES } from "../../../src/provenance/limits";
import type { Provenance } from "../../../src/provenance/provenance";
import { stamp } from "../../../src/provenance/stamp";

function provenance(prompt: string): Provenance {
  return {
    kind: "generate",
    endpoint: "xai/grok-imagine-image",
    input: { prompt, num_images: 1, output_format: "jpeg" },
    revisedPrompt: "",
    requestId: "req-stamp",
    imageIndex: 0,
    creatorTool: "Grok Imagine for VS Code (tests)",
    createDate: "2025-06-01T00:00:00Z",
  };
}

describe("provenance: stamping", () => {
  it("writes a sidecar for an image with content credentials, unless the reader would refuse it", async () => {
    const jpeg = new Uint8Array(await sharp({ create: { width: 8, height: 8, channels: 3, background: "#345" } }).jpeg().toBuffer());
    // An APP11 JUMBF segment with a c2pa box right after SOI: content credentials.
    const jumbf = Buffer.concat([Buffer.from("JP"), Buffer.from([0, 1, 0, 0, 0, 1]), Buffer.from("jumb"), Buffer.from("c2pa")]);
    const app11 = Buffer.concat([Buffer.from([0xff, 0xeb, 0, jumbf.length + 2]), jumbf]);
    const signed = new Uint8Array(Buffer.concat([jpeg.subarray(0, 2), app11, jpeg.subarray(2)]));
    const small = stamp({ bytes: signed, format: "jpeg" }, provenance("signed"));
    assert.ok(small.sidecar?.includes("grokimagine:Endpoint"));
    assert.equal(small.bytes, signed);
    const huge = stamp({ bytes: signed, format: "jpeg" }, provenance("x".repeat(MAX_XMP_BYTES)));
    assert.equal(huge.sidecar, undefined);
    assert.match(huge.note ?? "", /no sidecar/);
  });
});
