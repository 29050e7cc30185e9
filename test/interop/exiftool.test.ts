/**
 * Interoperability: what the extension writes, exiftool (the reference reader of XMP) reads; and what
 * exiftool rewrites, the extension still reads. Needs exiftool (Debian: libimage-exiftool-perl), which
 * test/server/install.sh installs: this level runs after it, not with the plain-Node unit level.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { embedProvenance, readXmp } from "../../src/provenance/embed";
import { DIGITAL_SOURCE_TYPE } from "../../src/provenance/fields";
import { buildXmpPacket } from "../../src/provenance/packet";
import type { Provenance } from "../../src/provenance/provenance";
import { readProvenance } from "../../src/provenance/read";
import { sidecarDocument } from "../../src/provenance/sidecar";

import { EMOJI_PROMPT, HOSTILE, edited, exiftool, exiftoolJson, expected, generated, buildFixtures, fixtureNamed, type Fixture } from "../fixtures/xmpImages";

describe("exiftool reads the provenance the extension writes", function () {
  this.timeout(20_000);
  const fixtures: Fixture[] = [];
  const fixture = (name: string): Uint8Array => fixtureNamed(fixtures, name);
  let tmp = "";

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "grok-imagine-exiftool-"));
    fixtures.push(...(await buildFixtures()));
  });

  after(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });
  it("reads Description, CreatorTool and DigitalSourceType from PNG, JPEG, WebP and a sidecar", () => {
    const files: [string, Provenance][] = [];
    const write = (name: string, b: Uint8Array, p: Provenance) => {
      const file = path.join(tmp, name);
      fs.writeFileSync(file, b);
      files.push([file, p]);
    };
    const embed = (fixtureName: string, p: Provenance): Uint8Array => {
      const r = embedProvenance(fixture(fixtureName), p);
      assert.ok(r.ok, fixtureName);
      return r.bytes;
    };
    write("out.png", embed("PNG with tEXt and iTXt", generated()), generated());
    write("out.jpg", embed("JPEG with JFIF and EXIF", edited()), edited());
    write("lossy.webp", embed("WebP lossy (VP8)", generated()), generated());
    write("lossless.webp", embed("WebP lossless with alpha (VP8L)", edited()), edited());
    write("extended.webp", embed("WebP lossy with alpha (VP8X+ALPH)", generated()), generated());
    const bigP = edited({ input: { prompt: EMOJI_PROMPT }, revisedPrompt: EMOJI_PROMPT });
    write("big.jpg", embed("JPEG with EXIF", bigP), bigP);
    fs.writeFileSync(path.join(tmp, "signed.xmp"), sidecarDocument(buildXmpPacket(edited())));
    files.push([path.join(tmp, "signed.xmp"), edited()]);

    const records = exiftoolJson(files.map(([f]) => f));
    assert.equal(records.length, files.length);
    for (const [file, p] of files) {
      const r = records.find((x) => x["SourceFile"] === file);
      assert.ok(r, file);
      assert.equal(r["Description"], p.input["prompt"], file);
      assert.equal(r["CreatorTool"], "Grok Imagine for VS Code 0.1.0", file);
      assert.equal(r["DigitalSourceType"], DIGITAL_SOURCE_TYPE[p.kind], file);
      assert.equal(r["Endpoint"], p.endpoint, file);
      assert.equal(r["RequestId"], p.requestId, file);
      assert.equal(r["RevisedPrompt"], p.revisedPrompt, file);
      assert.equal(r["Input"], JSON.stringify(expected(p).input), file);
      if (p.sources) {
        assert.deepEqual(r["Sources"], p.sources.map((s) => ({ Path: s.path, Sha256: s.sha256 })), file);
      }
    }
    const big = records.find((x) => x["SourceFile"] === path.join(tmp, "big.jpg"));
    assert.match(String(big?.["HasExtendedXMP"]), /^[0-9A-F]{32}$/);
  });

  it("still reads back exactly after exiftool rewrites the XMP", () => {
    const cases: [string, Uint8Array, Provenance][] = [];
    const hostile = edited({ input: { prompt: HOSTILE.slice(0, -1).map(([, s]) => s).join(" | ") }, revisedPrompt: "  two\nlines\t", requestId: "id\u0000x" });
    const big = generated({ input: { prompt: EMOJI_PROMPT }, revisedPrompt: EMOJI_PROMPT });
    for (const [fixtureName, p, ext] of [
      ["PNG", hostile, "png"],
      ["JPEG with JFIF", hostile, "jpg"],
      ["WebP lossless (VP8L)", hostile, "webp"],
      ["JPEG with EXIF", big, "jpg"],
    ] as const) {
      const r = embedProvenance(fixture(fixtureName), p);
      assert.ok(r.ok);
      const file = path.join(tmp, `rewrite-${cases.length}.${ext}`);
      fs.writeFileSync(file, r.bytes);
      cases.push([file, r.bytes, p]);
    }
    exiftool(["-overwrite_original", "-XMP-dc:Title=retitled", "-XMP-xmp:Rating=3", ...cases.map(([f]) => f)]);
    for (const [file, before, p] of cases) {
      const after = new Uint8Array(fs.readFileSync(file));
      assert.ok(!Buffer.from(after).equals(Buffer.from(before)), `${file} was rewritten`);
      assert.ok(readXmp(after)?.includes("retitled"), `${file}: exiftool's packet is read`);
      assert.deepEqual(readProvenance(after), expected(p), file);
    }
  });
});
