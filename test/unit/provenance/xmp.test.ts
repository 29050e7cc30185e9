import assert from "node:assert/strict";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as zlib from "node:zlib";
import sharp from "sharp";
import { checkImageComplete, sniffImageFormat } from "../../../src/images/sniff";
import { embedProvenance, hasContentCredentials, readXmp } from "../../../src/provenance/embed";
import { DIGITAL_SOURCE_TYPE } from "../../../src/provenance/fields";
import { crc32 } from "../../../src/provenance/formats/png";
import { md5Hex } from "../../../src/provenance/hash";
import { MAX_XMP_BYTES } from "../../../src/provenance/limits";
import { buildXmpPacket } from "../../../src/provenance/packet";
import { parseXmpPacket, readProvenance } from "../../../src/provenance/read";
import { sidecarDocument } from "../../../src/provenance/sidecar";
import { parseXml } from "../../../src/provenance/xml";

import { EMOJI_PROMPT, EXT_HEADER, HOSTILE, RiffChunk, SHA_A, SHA_B, XMP_HEADER, afterSoi, appendWebpChunks, be32, buildFixtures, bytes, concat, count, edited, expected, fixtureNamed, generated, insertAfterIhdr, jpegSegment, jpegSegments, latin1, libxml2Accepts, pixels, pngChunk, pngChunks, segmentKind, utf8, webpChunks , type Fixture } from "../../fixtures/xmpImages";
// ---------------------------------------------------------------------------------------------


describe("provenance: XMP packets, embedding and reading", function () {
  this.timeout(20_000); // sharp's first load; the whole suite runs in a few seconds

  const fixtures: Fixture[] = [];
  const fixture = (name: string): Uint8Array => fixtureNamed(fixtures, name);
  let tmp = "";

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "grok-imagine-xmp-"));
    fixtures.push(...(await buildFixtures()));
  });

  after(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it("has fixtures of every layout", () => {
    const firstChunk = (n: string) => webpChunks(fixture(n)).map((c) => c.type);
    assert.deepEqual(firstChunk("WebP lossy (VP8)"), ["VP8 "]);
    assert.deepEqual(firstChunk("WebP lossless (VP8L)"), ["VP8L"]);
    assert.deepEqual(firstChunk("WebP lossless with alpha (VP8L)"), ["VP8L"]);
    assert.deepEqual(firstChunk("WebP lossy with alpha (VP8X+ALPH)"), ["VP8X", "ALPH", "VP8 "]);
    assert.deepEqual(firstChunk("WebP with EXIF (VP8X)"), ["VP8X", "VP8 ", "EXIF"]);
    assert.deepEqual(firstChunk("WebP with foreign XMP (VP8X)"), ["VP8X", "VP8 ", "XMP "]);
    const alphaBit = (n: string) => ((Buffer.from(fixture(n)).readUInt32LE(21) >>> 28) & 1);
    assert.equal(alphaBit("WebP lossless (VP8L)"), 0);
    assert.equal(alphaBit("WebP lossless with alpha (VP8L)"), 1);
    const kinds = (n: string) => jpegSegments(fixture(n)).map(segmentKind).filter((k) => k.startsWith("APP") || k === "JFIF" || k === "Exif" || k === "XMP");
    assert.deepEqual(kinds("JPEG with JFIF"), ["JFIF"]);
    assert.deepEqual(kinds("JPEG with EXIF"), ["Exif"]);
    assert.deepEqual(kinds("JPEG with JFIF and EXIF"), ["JFIF", "Exif"]);
    assert.deepEqual(kinds("JPEG without JFIF or EXIF"), []);
    assert.deepEqual(kinds("JPEG with foreign XMP"), ["XMP"]);
    assert.deepEqual(pngChunks(fixture("PNG with tEXt and iTXt")).map((c) => c.type).slice(0, 3), ["IHDR", "tEXt", "iTXt"]);
    for (const f of fixtures) assert.deepEqual(checkImageComplete(f.bytes, f.format), { ok: true }, f.name);
  });

  describe("packets", () => {
    it("records every field in the documented properties", () => {
      const packet = buildXmpPacket(edited());
      assert.ok(packet.startsWith('<?xpacket begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"?>'));
      assert.ok(packet.endsWith('<?xpacket end="w"?>'));
      assert.match(packet, /<dc:description>\s*<rdf:Alt>\s*<rdf:li xml:lang="x-default">make the cat wear a tiny hat<\/rdf:li>/);
      assert.match(packet, /<xmp:CreatorTool>Grok Imagine for VS Code 0\.1\.0<\/xmp:CreatorTool>/);
      assert.match(packet, /<xmp:CreateDate>2025-06-02T08:00:00Z<\/xmp:CreateDate>/);
      assert.ok(packet.includes(`<Iptc4xmpExt:DigitalSourceType>${DIGITAL_SOURCE_TYPE.edit}</Iptc4xmpExt:DigitalSourceType>`));
      assert.ok(packet.includes('xmlns:grokimagine="https://grok-imagine.vscode/ns/1.0/"'));
      assert.match(packet, /<grokimagine:Endpoint>xai\/grok-imagine-image\/edit<\/grokimagine:Endpoint>/);
      assert.match(packet, /<grokimagine:RequestId>req_01J2ABCDEF<\/grokimagine:RequestId>/);
      assert.match(packet, /<grokimagine:ImageIndex>0<\/grokimagine:ImageIndex>/);
      assert.match(packet, /<grokimagine:SyncMode>True<\/grokimagine:SyncMode>/);
      assert.match(packet, /<grokimagine:Path>photos\/me &amp; you &lt;2&gt;\.jpg<\/grokimagine:Path>/);
      assert.ok(packet.includes(`<grokimagine:SHA256>${SHA_B}</grokimagine:SHA256>`));
      assert.ok(!packet.includes("data:image"), "data URIs are not stored");
      assert.ok(!packet.includes("image_urls"));
      assert.ok(!packet.includes("grokimagine:Exact"), "clean text needs no exact copy");
      assert.ok(buildXmpPacket(generated()).includes(DIGITAL_SOURCE_TYPE.generate));
      assert.ok(!buildXmpPacket(generated()).includes("grokimagine:Sources"));
    });

    it("reads back exactly what was written", () => {
      for (const p of [generated(), edited(), edited({ sources: [] }), generated({ input: { prompt: "", extra: { nested: [1, "two", null] } } })]) {
        assert.deepEqual(parseXmpPacket(buildXmpPacket(p)), expected(p));
      }
    });

    it("reads back hostile text exactly, in every field", async () => {
      for (const [name, s] of HOSTILE) {
        const p = edited({
          input: { prompt: s, num_images: 1, resolution: "1k", output_format: "png", sync_mode: false, [s]: s },
          revisedPrompt: s,
          requestId: s.slice(0, 200),
          endpoint: `xai/${s.slice(0, 50)}`,
          sources: [{ path: `dir/${s.slice(0, 80)}.png`, sha256: SHA_A }],
          creatorTool: `Tool ${s.slice(0, 20)}`,
          createDate: s.slice(0, 30),
        });
        const packet = buildXmpPacket(p);
        assert.deepEqual(parseXmpPacket(packet), expected(p), name);
        assert.ok(parseXml(packet), `${name}: own parser accepts the packet`);
        assert.equal(await libxml2Accepts(packet), true, `${name}: libxml2 accepts the packet`);
        assert.ok(!packet.slice(60, -20).includes("<?xpacket"), `${name}: no packet trailer inside`);
        assert.ok(!packet.includes("]]>"), `${name}: no ]]>`);
        assert.ok(!/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/.test(packet), `${name}: no characters XML forbids`);
        assert.ok(!/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(packet), `${name}: no lone surrogates`);
      }
    });

    it("keeps the human-readable description readable for hostile prompts", () => {
      const packet = buildXmpPacket(generated({ input: { prompt: "a\u0001b\u0000c\ud800d\ttab" } }));
      assert.match(packet, /<rdf:li xml:lang="x-default">a\u2401b\u2400c\ufffdd&#x9;tab<\/rdf:li>/);
      assert.match(packet, /<grokimagine:Input>\{&quot;prompt&quot;:&quot;a\\u0001b\\u0000c\\ud800d\\ttab&quot;\}<\/grokimagine:Input>/);
    });

    it("parses attribute forms, other prefixes, several descriptions and typed structs", () => {
      const xml = `<?xml version="1.0" encoding="UTF-8"?>
<!-- written by another tool -->
<x:xapmeta xmlns:x='adobe:ns:meta/' xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'>
 <rdf:RDF>
  <rdf:Description rdf:about='' xmlns:g='https://grok-imagine.vscode/ns/1.0/'
     g:Kind='edit' g:Endpoint='xai/grok-imagine-image/edit' g:RequestId="r&#x2D;1"
     g:ImageIndex='3' g:RevisedPrompt="two&#10;lines">
   <g:Input><![CDATA[{"prompt":"p <b>","num_images":1}]]></g:Input>
   <g:Sources>
    <rdf:Seq>
     <rdf:li><rdf:Description g:Path='a.png' g:SHA256='${SHA_A}'/></rdf:li>
     <rdf:li g:Path='b.png' g:SHA256='${SHA_B}'/>
     <rdf:li rdf:parseType='Resource'><g:Path>c.png</g:Path><g:SHA256>${SHA_A}</g:SHA256></rdf:li>
    </rdf:Seq>
   </g:Sources>
  </rdf:Description>
  <rdf:Description rdf:about='' xmlns:xap='http://ns.adobe.com/xap/1.0/' xap:CreatorTool='T 1'>
   <xap:CreateDate>2025-01-01T00:00:00Z</xap:CreateDate>
  </rdf:Description>
 </rdf:RDF>
</x:xapmeta>`;
      assert.deepEqual(parseXmpPacket(xml), {
        kind: "edit",
        endpoint: "xai/grok-imagine-image/edit",
        input: { prompt: "p <b>", num_images: 1 },
        revisedPrompt: "two\nlines",
        requestId: "r-1",
        imageIndex: 3,
        sources: [
          { path: "a.png", sha256: SHA_A },
          { path: "b.png", sha256: SHA_B },
          { path: "c.png", sha256: SHA_A },
        ],
        creatorTool: "T 1",
        createDate: "2025-01-01T00:00:00Z",
      });
    });

    it("falls back to the display properties when the JSON is gone", () => {
      const packet = buildXmpPacket(generated()).replace(/<grokimagine:Input>.*<\/grokimagine:Input>/, "");
      assert.deepEqual(parseXmpPacket(packet)?.input, { prompt: "a lighthouse at dusk, watercolor", num_images: 2, aspect_ratio: "16:9", resolution: "1k", output_format: "png", sync_mode: false });
    });

    it("rejects non-XML and XMP without provenance", () => {
      for (const s of ["", "not xml", "<a>", "<a></b>", "<a>&</a>", "<a>\u0001</a>", "<a>]]></a>", "<x:a/>", '<a b="1" b="2"/>', "<!DOCTYPE a><a/>", "<a>&#1;</a>", "<a/><b/>"]) {
        assert.equal(parseXml(s), undefined, JSON.stringify(s));
        assert.equal(parseXmpPacket(s), undefined, JSON.stringify(s));
      }
      assert.equal(parseXmpPacket('<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" dc:format="image/png"/></rdf:RDF></x:xmpmeta>'), undefined);
      // Absurd nesting inside a property: no stack overflow escapes. (The parser now refuses it at its
      // depth cap, MAX_XML_DEPTH, where it used to build the whole tree.)
      const deep = buildXmpPacket(generated()).replace("<grokimagine:Endpoint>", `<grokimagine:Endpoint>${"<b>".repeat(30_000)}${"</b>".repeat(30_000)}`);
      assert.equal(parseXml(deep), undefined);
      assert.equal(parseXmpPacket(deep), undefined);
    });

    it("implements CRC-32 and MD5 correctly", () => {
      const samples = [new Uint8Array(), utf8("a"), utf8("The quick brown fox jumps over the lazy dog"), crypto.randomBytes(55), crypto.randomBytes(56), crypto.randomBytes(64), crypto.randomBytes(100_003)];
      for (const s of samples) {
        assert.equal(crc32(s), zlib.crc32(s));
        assert.equal(md5Hex(s), crypto.createHash("md5").update(s).digest("hex"));
      }
    });
  });

  describe("embedding", () => {
    it("round-trips every layout without touching the pixels", async () => {
      for (const f of fixtures) {
        const p = f.name.includes("JPEG") ? edited() : generated();
        const result = embedProvenance(f.bytes, p);
        assert.ok(result.ok, `${f.name}: ${result.ok ? "" : result.reason}`);
        const after = result.bytes;
        assert.deepEqual(readProvenance(after), expected(p), f.name);
        assert.equal(sniffImageFormat(after), f.format, f.name);
        assert.deepEqual(checkImageComplete(after, f.format), { ok: true }, f.name);
        assert.ok((await pixels(after)).equals(await pixels(f.bytes)), `${f.name}: pixels differ`);
        const [m0, m1] = await Promise.all([sharp(Buffer.from(f.bytes)).metadata(), sharp(Buffer.from(after)).metadata()]);
        assert.equal(m1.format, m0.format, f.name);
        assert.equal(m1.width, m0.width, f.name);
        assert.equal(m1.height, m0.height, f.name);
        assert.equal(m1.hasAlpha, m0.hasAlpha, f.name);
        assert.ok(m1.xmp && Buffer.from(m1.xmp).toString("utf8").includes("grokimagine:Endpoint"), `${f.name}: libvips sees the XMP`);
        assert.equal(hasContentCredentials(after), false);
      }
    });

    it("writes PNG XMP as an uncompressed iTXt before the first IDAT, with valid CRCs, keeping other text", () => {
      const before = fixture("PNG with tEXt and iTXt");
      const result = embedProvenance(before, generated());
      assert.ok(result.ok);
      const chunks = pngChunks(result.bytes);
      const types = chunks.map((c) => c.type);
      const xmpAt = chunks.findIndex((c) => c.type === "iTXt" && latin1(c.data, 0, 18) === "XML:com.adobe.xmp\0");
      assert.ok(xmpAt > 0 && xmpAt < types.indexOf("IDAT"));
      assert.deepEqual([...(chunks[xmpAt]?.data.subarray(18, 22) ?? [])], [0, 0, 0, 0], "not compressed, no language");
      assert.deepEqual(types.filter((_, i) => i !== xmpAt), pngChunks(before).map((c) => c.type));
      assert.deepEqual(types.slice(0, 3), ["IHDR", "tEXt", "iTXt"]);
      for (const c of chunks) assert.equal(c.crc, zlib.crc32(concat(bytes(c.type), c.data)), c.type);
      // Everything but the new chunk is byte-identical, in order.
      const rest = chunks.filter((_, i) => i !== xmpAt);
      assert.deepEqual(rest.map((c) => Buffer.from(c.data).toString("hex")), pngChunks(before).map((c) => Buffer.from(c.data).toString("hex")));
    });

    it("puts JPEG XMP after JFIF and EXIF, keeping every other segment", () => {
      for (const [name, order] of [
        ["JPEG with JFIF", ["JFIF", "XMP"]],
        ["JPEG with EXIF", ["Exif", "XMP"]],
        ["JPEG with JFIF and EXIF", ["JFIF", "Exif", "XMP"]],
        ["JPEG without JFIF or EXIF", ["XMP"]],
        ["JPEG with foreign XMP", ["XMP"]],
      ] as const) {
        const before = fixture(name);
        const result = embedProvenance(before, edited());
        assert.ok(result.ok, name);
        const kinds = jpegSegments(result.bytes).map(segmentKind);
        assert.deepEqual(kinds.slice(0, order.length), [...order], name);
        assert.equal(kinds.filter((k) => k === "XMP").length, 1, name);
        const others = (b: Uint8Array) => jpegSegments(b).filter((s) => !["XMP", "ExtXMP"].includes(segmentKind(s))).map((s) => Buffer.from(s.data).toString("hex"));
        assert.deepEqual(others(result.bytes), others(before), name);
      }
    });

    it("removes XMP segments wherever they are and writes the new ones once, after JFIF and EXIF", () => {
      const before = fixture("JPEG with JFIF and EXIF");
      const sos = Buffer.from(before).indexOf(Buffer.from([0xff, 0xda]));
      const xmpAt = (text: string) => jpegSegment(0xe1, concat(bytes(XMP_HEADER), utf8(text)));
      const extAt = jpegSegment(0xe1, concat(bytes(EXT_HEADER), bytes("0".repeat(32)), be32(3), be32(0), bytes("abc")));
      const late = concat(before.subarray(0, sos), xmpAt('<x:xmpmeta xmlns:x="adobe:ns:meta/"/>'), extAt, extAt, before.subarray(sos));
      const result = embedProvenance(late, edited());
      assert.ok(result.ok);
      const kinds = jpegSegments(result.bytes).map(segmentKind);
      assert.deepEqual(kinds.slice(0, 3), ["JFIF", "Exif", "XMP"]);
      assert.equal(kinds.filter((k) => k === "XMP" || k === "ExtXMP").length, 1);
      assert.deepEqual(readProvenance(result.bytes), expected(edited()));
      const others = (b: Uint8Array) => jpegSegments(b).filter((x) => !["XMP", "ExtXMP"].includes(segmentKind(x))).map((x) => Buffer.from(x.data).toString("hex"));
      assert.deepEqual(others(result.bytes), others(before));
      assert.deepEqual(checkImageComplete(result.bytes, "jpeg"), { ok: true });
    });

    it("converts simple WebP to the extended layout with the right canvas and flags", async () => {
      for (const [name, alpha] of [
        ["WebP lossy (VP8)", false],
        ["WebP lossless (VP8L)", false],
        ["WebP lossless with alpha (VP8L)", true],
        ["WebP lossless odd size (VP8L)", false],
      ] as const) {
        const before = fixture(name);
        const result = embedProvenance(before, generated());
        assert.ok(result.ok, name);
        const after = Buffer.from(result.bytes);
        assert.equal(after.readUInt32LE(4), after.length - 8, `${name}: RIFF size`);
        const chunks = webpChunks(result.bytes);
        assert.deepEqual(chunks.map((c) => c.type), ["VP8X", webpChunks(before)[0]?.type, "XMP "], name);
        const vp8x = Buffer.from(chunks[0]?.data ?? new Uint8Array());
        assert.equal(vp8x.length, 10);
        assert.equal(vp8x[0], alpha ? 0x14 : 0x04, `${name}: flags`);
        const meta = await sharp(Buffer.from(before)).metadata();
        assert.equal(vp8x.readUIntLE(4, 3) + 1, meta.width, `${name}: canvas width`);
        assert.equal(vp8x.readUIntLE(7, 3) + 1, meta.height, `${name}: canvas height`);
        assert.ok(Buffer.from(chunks[1]?.data ?? []).equals(Buffer.from(webpChunks(before)[0]?.data ?? [])), `${name}: bitstream untouched`);
      }
    });

    it("sets the XMP flag of extended WebP and keeps its chunks", () => {
      for (const name of ["WebP lossy with alpha (VP8X+ALPH)", "WebP with EXIF (VP8X)", "WebP with foreign XMP (VP8X)"]) {
        const before = fixture(name);
        const result = embedProvenance(before, generated());
        assert.ok(result.ok, name);
        const after = Buffer.from(result.bytes);
        assert.equal(after.readUInt32LE(4), after.length - 8, `${name}: RIFF size`);
        const b0 = webpChunks(before);
        const b1 = webpChunks(result.bytes);
        assert.equal((b1[0]?.data[0] ?? 0) & 0x04, 0x04, `${name}: XMP flag`);
        assert.equal((b1[0]?.data[0] ?? 0) & ~0x04, (b0[0]?.data[0] ?? 0) & ~0x04, `${name}: other flags`);
        assert.deepEqual([...(b1[0]?.data.subarray(1) ?? [])], [...(b0[0]?.data.subarray(1) ?? [])], `${name}: canvas`);
        assert.equal(b1.filter((c) => c.type === "XMP ").length, 1, name);
        const nonXmp = (cs: RiffChunk[]) => cs.slice(1).filter((c) => c.type !== "XMP ").map((c) => `${c.type}:${Buffer.from(c.data).toString("hex")}`);
        assert.deepEqual(nonXmp(b1), nonXmp(b0), name);
      }
    });

    it("replaces rather than duplicates when embedding again", () => {
      for (const f of fixtures) {
        const first = embedProvenance(f.bytes, generated({ requestId: "first" }));
        assert.ok(first.ok);
        const second = embedProvenance(first.bytes, edited({ requestId: "second" }));
        assert.ok(second.ok);
        assert.deepEqual(readProvenance(second.bytes), expected(edited({ requestId: "second" })), f.name);
        const container = f.format === "png" ? "XML:com.adobe.xmp" : f.format === "jpeg" ? XMP_HEADER : "XMP ";
        if (f.name === "PNG with alpha and foreign XMP") {
          assert.deepEqual(pngChunks(f.bytes).filter((c) => latin1(c.data, 0, 18) === "XML:com.adobe.xmp\0").map((c) => c.type), ["zTXt"], "libvips writes XMP as zTXt");
        }
        assert.equal(count(second.bytes, container), 1, `${f.name}: one XMP container ${f.format === "webp" ? webpChunks(second.bytes).map((c) => c.type).join() : ""}`);
        assert.equal(count(second.bytes, "<grokimagine:Endpoint>"), 1, f.name);
        assert.equal(count(second.bytes, "first"), 0, f.name);
        // Embedding the same packet again is idempotent.
        const third = embedProvenance(second.bytes, edited({ requestId: "second" }));
        assert.ok(third.ok);
        assert.ok(Buffer.from(third.bytes).equals(Buffer.from(second.bytes)), `${f.name}: idempotent`);
      }
    });

    it("embeds hostile prompts in PNG, JPEG and WebP and reads them back exactly", async () => {
      const targets = ["PNG", "JPEG with JFIF and EXIF", "WebP lossy (VP8)", "WebP lossy with alpha (VP8X+ALPH)"];
      for (const [name, s] of HOSTILE) {
        const p = edited({ input: { prompt: s, num_images: 1, output_format: "png" }, revisedPrompt: s, requestId: s.slice(0, 40) });
        for (const t of targets) {
          const result = embedProvenance(fixture(t), p);
          assert.ok(result.ok, `${name} in ${t}: ${result.ok ? "" : result.reason}`);
          assert.deepEqual(readProvenance(result.bytes), expected(p), `${name} in ${t}`);
          const xmp = readXmp(result.bytes);
          assert.ok(xmp !== undefined && parseXml(xmp) !== undefined, `${name} in ${t}: read packet is XML`);
        }
      }
      // Pixels are still intact after the largest one.
      const big = embedProvenance(fixture("JPEG with JFIF and EXIF"), edited({ input: { prompt: EMOJI_PROMPT } }));
      assert.ok(big.ok);
      assert.ok((await pixels(big.bytes)).equals(await pixels(fixture("JPEG with JFIF and EXIF"))));
      assert.deepEqual(checkImageComplete(big.bytes, "jpeg"), { ok: true });
    });

    it("stores JPEG packets over 64 KB as Extended XMP with an MD5 GUID", () => {
      const p = edited({ input: { prompt: EMOJI_PROMPT }, revisedPrompt: EMOJI_PROMPT + EMOJI_PROMPT });
      const packet = buildXmpPacket(p);
      assert.ok(utf8(packet).length > 150_000);
      const result = embedProvenance(fixture("JPEG with EXIF"), p);
      assert.ok(result.ok);
      const segments = jpegSegments(result.bytes);
      const kinds = segments.map(segmentKind);
      const extCount = kinds.filter((k) => k === "ExtXMP").length;
      assert.ok(extCount >= 2, "over 150 KB needs at least two extension segments");
      assert.deepEqual(kinds.slice(0, 2 + extCount), ["Exif", "XMP", ...Array<string>(extCount).fill("ExtXMP")]);
      const main = segments.find((s) => segmentKind(s) === "XMP");
      assert.ok(main && main.data.length - XMP_HEADER.length <= 65502);
      const mainText = Buffer.from(main.data.subarray(XMP_HEADER.length)).toString("utf8");
      const guid = /xmpNote:HasExtendedXMP="([0-9A-F]{32})"/.exec(mainText)?.[1];
      assert.ok(guid, "main packet names the extension");
      assert.ok(parseXml(mainText), "main packet is XML on its own");
      const ext = segments.filter((s) => segmentKind(s) === "ExtXMP");
      const pieces = ext.map((s) => {
        const d = Buffer.from(s.data.subarray(EXT_HEADER.length));
        assert.equal(d.toString("latin1", 0, 32), guid);
        assert.ok(s.data.length + 2 <= 65535);
        return { total: d.readUInt32BE(32), offset: d.readUInt32BE(36), data: d.subarray(40) };
      });
      const total = pieces[0]?.total ?? 0;
      const whole = Buffer.concat(pieces.sort((a, b) => a.offset - b.offset).map((x) => x.data));
      assert.equal(whole.length, total);
      assert.equal(crypto.createHash("md5").update(whole).digest("hex").toUpperCase(), guid);
      assert.ok(parseXml(whole.toString("utf8")), "extended packet is XML");
      assert.deepEqual(readProvenance(result.bytes), expected(p));
      // Re-embedding a small packet removes the extension.
      const small = embedProvenance(result.bytes, generated());
      assert.ok(small.ok);
      assert.deepEqual(jpegSegments(small.bytes).map(segmentKind).filter((k) => k.includes("XMP")), ["XMP"]);
      assert.deepEqual(readProvenance(small.bytes), expected(generated()));
    });

    it("fails cleanly for malformed input and never throws", () => {
      const junk: [string, Uint8Array][] = [
        ["empty", new Uint8Array()],
        ["text", utf8("hello, world")],
        ["GIF", bytes("GIF89a\x01\x00\x01\x00\x00\x00\x00;")],
        ["PNG signature only", fixture("PNG").subarray(0, 8)],
        ["JPEG SOI only", Uint8Array.of(0xff, 0xd8, 0xff)],
        ["RIFF WEBP header only", bytes("RIFF\x04\x00\x00\x00WEBP")],
        ["WebP with a bad VP8 header", (() => {
          const b = fixture("WebP lossy (VP8)").slice();
          b[23] = 0; // start code 9D 01 2A broken
          return b;
        })()],
      ];
      for (const f of fixtures) {
        const step = Math.max(1, Math.floor(f.bytes.length / 53));
        for (let cut = 0; cut < f.bytes.length; cut += step) junk.push([`${f.name} cut at ${cut}`, f.bytes.subarray(0, cut)]);
        junk.push([`${f.name} cut before the end`, f.bytes.subarray(0, f.bytes.length - 1)]);
      }
      for (const [name, b] of junk) {
        const result = embedProvenance(b, generated());
        assert.equal(result.ok, false, name);
        if (!result.ok) {
          assert.equal(result.sidecar, false, name);
          assert.ok(result.reason.length > 10, name);
        }
        assert.equal(hasContentCredentials(b), false, name);
        assert.equal(readProvenance(b), undefined, name);
      }
      // Reading never throws on any truncation of an embedded file.
      for (const f of fixtures) {
        const result = embedProvenance(f.bytes, edited({ input: { prompt: EMOJI_PROMPT } }));
        assert.ok(result.ok);
        const step = Math.max(1, Math.floor(result.bytes.length / 67));
        for (let cut = 0; cut < result.bytes.length; cut += step) {
          const got = readProvenance(result.bytes.subarray(0, cut));
          if (got !== undefined) assert.deepEqual(got, expected(edited({ input: { prompt: EMOJI_PROMPT } })));
        }
      }
      // Provenance too large to be read back (MAX_XMP_BYTES) is not embedded, in any format.
      const huge = generated({ input: { prompt: "x".repeat(MAX_XMP_BYTES) } });
      for (const name of ["PNG", "JPEG with EXIF", "WebP lossy (VP8)"]) {
        const tooLarge = embedProvenance(fixture(name), huge);
        assert.equal(tooLarge.ok, false, name);
        if (!tooLarge.ok) assert.equal(tooLarge.sidecar, false, name);
      }
    });
  });

  describe("content credentials", () => {
    /** A JUMBF superbox (jumb) with its description box (jumd): type UUID, toggles, label. */
    const superbox = (label: string, type = "c2pa") => {
      const jumd = concat(be32(8 + 16 + 1 + label.length + 1), bytes("jumd"), bytes(type), Uint8Array.of(0x00, 0x11, 0x00, 0x10, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71), Uint8Array.of(0x03), bytes(`${label}\0`));
      return concat(be32(8 + jumd.length), bytes("jumb"), jumd);
    };
    /** A JPEG APP11 payload: JPEG XT header (CI "JP", En, Z), then the superbox. */
    const app11 = (label: string, type = "c2pa") => concat(bytes("JP"), Uint8Array.of(0x00, 0x01), be32(1), superbox(label, type));
    let signed: Fixture[] = [];

    before(() => {
      const webp = fixture("WebP with EXIF (VP8X)");
      signed = [
        { name: "JPEG with APP11 C2PA", format: "jpeg", bytes: afterSoi(fixture("JPEG with JFIF"), jpegSegment(0xeb, app11("c2pa"))) },
        { name: "PNG with caBX", format: "png", bytes: insertAfterIhdr(fixture("PNG"), pngChunk("caBX", superbox("c2pa"))) },
        { name: "WebP with C2PA", format: "webp", bytes: appendWebpChunks(webp, { type: "C2PA", data: superbox("c2pa") }) },
      ];
    });

    it("detects C2PA in JPEG, PNG and WebP and asks for a sidecar", async () => {
      for (const f of signed) {
        assert.deepEqual(checkImageComplete(f.bytes, f.format), { ok: true }, f.name);
        assert.ok((await pixels(f.bytes)).length > 0, `${f.name} still decodes`);
        assert.equal(hasContentCredentials(f.bytes), true, f.name);
        const copy = f.bytes.slice();
        const result = embedProvenance(f.bytes, generated());
        assert.equal(result.ok, false, f.name);
        if (!result.ok) {
          assert.equal(result.sidecar, true, f.name);
          assert.match(result.reason, /content credentials/i);
        }
        assert.ok(Buffer.from(f.bytes).equals(Buffer.from(copy)), `${f.name}: input untouched`);
      }
      for (const f of fixtures) assert.equal(hasContentCredentials(f.bytes), false, f.name);
    });

    it("does not take other JUMBF or chunks for content credentials", () => {
      const otherJumbf = afterSoi(fixture("JPEG with JFIF"), jpegSegment(0xeb, app11("jpeg360", "jp36")));
      assert.equal(count(otherJumbf, "c2pa"), 0);
      assert.equal(hasContentCredentials(otherJumbf), false);
      const app12 = afterSoi(fixture("JPEG with JFIF"), jpegSegment(0xec, bytes("jumb c2pa")));
      assert.equal(hasContentCredentials(app12), false);
      const pngText = insertAfterIhdr(fixture("PNG"), pngChunk("tEXt", bytes("caBX\0c2pa jumb")));
      assert.equal(hasContentCredentials(pngText), false);
      assert.equal(embedProvenance(pngText, generated()).ok, true);
    });

    it("makes a sidecar document that parses back", async () => {
      const p = edited({ input: { prompt: HOSTILE.map(([, s]) => s).join(" | ") } });
      const doc = sidecarDocument(buildXmpPacket(p));
      assert.ok(doc.startsWith("<?xpacket begin="));
      assert.ok(doc.trimEnd().endsWith('<?xpacket end="w"?>'));
      assert.equal(count(utf8(doc), "<?xpacket"), 2);
      assert.deepEqual(parseXmpPacket(doc), expected(p));
      assert.equal(await libxml2Accepts(doc), true);
      // A packet without wrapper (as readXmp may return from other tools) gets one.
      const bare = sidecarDocument('<x:xmpmeta xmlns:x="adobe:ns:meta/"/>');
      assert.equal(bare, '<?xpacket begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"?>\n<x:xmpmeta xmlns:x="adobe:ns:meta/"/>\n<?xpacket end="w"?>\n');
    });
  });

});
