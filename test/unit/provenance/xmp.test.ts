import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as zlib from "node:zlib";
import sharp from "sharp";
import { checkImageComplete, type ImageFormat, sniffImageFormat } from "../../../src/images/sniff";
import { embedProvenance, hasContentCredentials, readXmp } from "../../../src/provenance/embed";
import { DIGITAL_SOURCE_TYPE } from "../../../src/provenance/fields";
import { crc32 } from "../../../src/provenance/formats/png";
import { md5Hex } from "../../../src/provenance/hash";
import { MAX_XMP_BYTES } from "../../../src/provenance/limits";
import { buildXmpPacket } from "../../../src/provenance/packet";
import type { Provenance } from "../../../src/provenance/provenance";
import { parseXmpPacket, readProvenance } from "../../../src/provenance/read";
import { sidecarDocument } from "../../../src/provenance/sidecar";
import { parseXml } from "../../../src/provenance/xml";

// ---------------------------------------------------------------------------------------------
// Helpers

const latin1 = (b: Uint8Array, at: number, n: number) => Buffer.from(b.subarray(at, at + n)).toString("latin1");
const bytes = (s: string) => new Uint8Array(Buffer.from(s, "latin1"));
const utf8 = (s: string) => new TextEncoder().encode(s);

function concat(...parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

function be32(n: number): Uint8Array {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return new Uint8Array(b);
}

function count(haystack: Uint8Array, needle: string): number {
  const h = Buffer.from(haystack);
  let n = 0;
  for (let i = h.indexOf(needle, 0, "latin1"); i >= 0; i = h.indexOf(needle, i + 1, "latin1")) n++;
  return n;
}

function noise(channels: 3 | 4, width = 301, height = 257): sharp.Sharp {
  return sharp({
    create: {
      width,
      height,
      channels,
      background: { r: 128, g: 128, b: 128, alpha: 0.5 },
      noise: { type: "gaussian", mean: 128, sigma: 40 },
    },
  });
}

async function bytesOf(image: sharp.Sharp): Promise<Uint8Array> {
  return new Uint8Array(await image.toBuffer());
}

interface PngChunk {
  type: string;
  data: Uint8Array;
  crc: number;
}

function pngChunks(b: Uint8Array): PngChunk[] {
  const out: PngChunk[] = [];
  const buf = Buffer.from(b);
  for (let off = 8; off + 12 <= buf.length; ) {
    const length = buf.readUInt32BE(off);
    const type = buf.toString("latin1", off + 4, off + 8);
    out.push({ type, data: b.subarray(off + 8, off + 8 + length), crc: buf.readUInt32BE(off + 8 + length) });
    off += 12 + length;
    if (type === "IEND") break;
  }
  return out;
}

function pngChunk(type: string, data: Uint8Array): Uint8Array {
  const td = concat(bytes(type), data);
  return concat(be32(data.length), td, be32(zlib.crc32(td)));
}

/** `png` with `chunk` inserted right after IHDR. */
function insertAfterIhdr(png: Uint8Array, ...chunks: Uint8Array[]): Uint8Array {
  return concat(png.subarray(0, 33), ...chunks, png.subarray(33));
}

interface RiffChunk {
  type: string;
  data: Uint8Array;
}

function webpChunks(b: Uint8Array): RiffChunk[] {
  const out: RiffChunk[] = [];
  const buf = Buffer.from(b);
  for (let off = 12; off + 8 <= buf.length; ) {
    const size = buf.readUInt32LE(off + 4);
    out.push({ type: buf.toString("latin1", off, off + 4), data: b.subarray(off + 8, off + 8 + size) });
    off += 8 + size + (size % 2);
  }
  return out;
}

interface JpegSegment {
  marker: number;
  data: Uint8Array;
}

function jpegSegments(b: Uint8Array): JpegSegment[] {
  const out: JpegSegment[] = [];
  const buf = Buffer.from(b);
  for (let off = 2; off + 4 <= buf.length; ) {
    const marker = buf[off + 1] ?? 0;
    if (marker === 0xda) break;
    const length = buf.readUInt16BE(off + 2);
    out.push({ marker, data: b.subarray(off + 4, off + 2 + length) });
    off += 2 + length;
  }
  return out;
}

const XMP_HEADER = "http://ns.adobe.com/xap/1.0/\0";
const EXT_HEADER = "http://ns.adobe.com/xmp/extension/\0";

function segmentKind(s: JpegSegment): string {
  const name = `APP${s.marker - 0xe0}`;
  if (s.marker === 0xe1 && latin1(s.data, 0, XMP_HEADER.length) === XMP_HEADER) return "XMP";
  if (s.marker === 0xe1 && latin1(s.data, 0, EXT_HEADER.length) === EXT_HEADER) return "ExtXMP";
  if (s.marker === 0xe1 && latin1(s.data, 0, 5) === "Exif\0") return "Exif";
  if (s.marker === 0xe0 && latin1(s.data, 0, 5) === "JFIF\0") return "JFIF";
  if (s.marker >= 0xe0 && s.marker <= 0xef) return name;
  return `FF${s.marker.toString(16).toUpperCase()}`;
}

const JFIF_APP0 = Uint8Array.of(0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00);

/** Inserts `segment` right after SOI. */
function afterSoi(jpeg: Uint8Array, ...segments: Uint8Array[]): Uint8Array {
  return concat(jpeg.subarray(0, 2), ...segments, jpeg.subarray(2));
}

function jpegSegment(marker: number, payload: Uint8Array): Uint8Array {
  const length = payload.length + 2;
  return concat(Uint8Array.of(0xff, marker, length >> 8, length & 0xff), payload);
}

/** A WebP with `chunks` appended and the RIFF size fixed. */
function appendWebpChunks(webp: Uint8Array, ...chunks: RiffChunk[]): Uint8Array {
  const parts: Uint8Array[] = [webp];
  for (const c of chunks) {
    const size = Buffer.alloc(4);
    size.writeUInt32LE(c.data.length);
    parts.push(bytes(c.type), new Uint8Array(size), c.data);
    if (c.data.length % 2) parts.push(Uint8Array.of(0));
  }
  const out = Buffer.from(concat(...parts));
  out.writeUInt32LE(out.length - 8, 4);
  return new Uint8Array(out);
}

async function pixels(b: Uint8Array): Promise<Buffer> {
  return sharp(Buffer.from(b)).raw().toBuffer();
}

/** Well-formedness (and namespace well-formedness) according to libxml2, via librsvg in sharp. */
async function libxml2Accepts(xml: string): Promise<true | string> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"><metadata>${xml.replace(/^\uFEFF/, "")}</metadata><rect width="1" height="1"/></svg>`;
  try {
    await sharp(Buffer.from(svg, "utf8")).png().toBuffer();
    return true;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

type ExifToolRecord = Record<string, unknown>;

/** Runs exiftool; fails (never skips) when it is not installed. */
function exiftool(args: string[]): string {
  try {
    return execFileSync("exiftool", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch (e) {
    const code = typeof e === "object" && e !== null && "code" in e ? (e as { code: unknown }).code : undefined;
    if (code === "ENOENT") {
      throw new Error("exiftool is not installed: install it (Debian/Ubuntu: apt-get install libimage-exiftool-perl) to run these tests.");
    }
    throw e;
  }
}

function exiftoolJson(files: string[]): ExifToolRecord[] {
  const parsed: unknown = JSON.parse(exiftool(["-j", "-struct", "-charset", "utf8", "-XMP:all", ...files]));
  assert.ok(Array.isArray(parsed));
  return parsed as ExifToolRecord[];
}

// ---------------------------------------------------------------------------------------------
// Provenance samples

const SHA_A = crypto.createHash("sha256").update("a").digest("hex");
const SHA_B = crypto.createHash("sha256").update("b").digest("hex");

function generated(over: Partial<Provenance> = {}): Provenance {
  return {
    kind: "generate",
    endpoint: "xai/grok-imagine-image",
    input: { prompt: "a lighthouse at dusk, watercolor", num_images: 2, aspect_ratio: "16:9", resolution: "1k", output_format: "png", sync_mode: false },
    revisedPrompt: "A watercolor painting of a lighthouse standing on a rocky shore at dusk.",
    requestId: "764cabcf-b745-4b3e-ae38-1200304cf45b",
    imageIndex: 1,
    creatorTool: "Grok Imagine for VS Code 0.1.0",
    createDate: "2025-06-01T12:34:56.789Z",
    ...over,
  };
}

function edited(over: Partial<Provenance> = {}): Provenance {
  return {
    kind: "edit",
    endpoint: "xai/grok-imagine-image/edit",
    input: {
      prompt: "make the cat wear a tiny hat",
      num_images: 1,
      resolution: "2k",
      output_format: "jpeg",
      sync_mode: true,
      image_urls: ["data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk", "data:image/jpeg;base64,/9j/4AAQSkZJRg=="],
    },
    revisedPrompt: "A cat wearing a tiny top hat.",
    requestId: "req_01J2ABCDEF",
    imageIndex: 0,
    sources: [
      { path: "assets/cat.png", sha256: SHA_A },
      { path: "photos/me & you <2>.jpg", sha256: SHA_B },
    ],
    creatorTool: "Grok Imagine for VS Code 0.1.0",
    createDate: "2025-06-02T08:00:00Z",
    ...over,
  };
}

/** What reading back must give: the provenance, without the data URIs of the request body. */
function expected(p: Provenance): Provenance {
  const input = { ...p.input };
  delete input["image_urls"];
  return { ...p, input };
}

const EMOJI_PROMPT = "😀🎨🌅🐈‍⬛👩🏽‍🚀".repeat(1) + "🦊".repeat(10_000); // ≈ 40 KB of UTF-8

const HOSTILE: readonly (readonly [string, string])[] = [
  ["XML specials", `a & b < c > d " e ' f &amp; &lt;tag&gt; &#x41; &bogus;`],
  ["CDATA end", "x ]]> y ]]]]><![CDATA[ z ]]>"],
  ["packet trailer", '<?xpacket end="w"?></rdf:li></rdf:Alt></dc:description></rdf:Description></rdf:RDF></x:xmpmeta>'],
  ["every C0 control and DEL", Array.from({ length: 32 }, (_, i) => String.fromCharCode(i)).join("") + "\u007f after"],
  ["CR LF and tabs", "line1\r\nline2\rline3\n\tindented\t"],
  ["lone surrogates", "high \ud800 low \udfff reversed \udc00\ud800 end"],
  ["noncharacters", "\ufffe\uffff\ufffd"],
  ["RTL and zero-width", "\u202eevil\u202c \u200b\u200c\u200d\u2060\ufeff \u0645\u0631\u062d\u0628\u0627 \u05e9\u05dc\u05d5\u05dd"],
  ["leading and trailing whitespace", "   padded   \n"],
  ["JSON-ish", '{"prompt":"x","\\u0000":null} \\ \\n'],
  ["10 KB of emoji", EMOJI_PROMPT],
];

// ---------------------------------------------------------------------------------------------

interface Fixture {
  name: string;
  format: ImageFormat;
  bytes: Uint8Array;
}

describe("provenance: XMP packets, embedding and reading", function () {
  this.timeout(20_000); // sharp's first load; the whole suite runs in a few seconds

  const fixtures: Fixture[] = [];
  const fixture = (name: string): Uint8Array => {
    const f = fixtures.find((x) => x.name === name);
    if (!f) throw new Error(`no fixture ${name}`);
    return f.bytes;
  };
  let tmp = "";

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "grok-imagine-xmp-"));
    const jpeg = await bytesOf(noise(3).jpeg({ quality: 80 }));
    const jpegExif = await bytesOf(noise(3).jpeg().withExif({ IFD0: { Copyright: "fixture", Artist: "sharp" } }));
    const png = await bytesOf(noise(3).png());
    const text = pngChunk("tEXt", bytes("Comment\0hello from a tEXt chunk"));
    const itxt = pngChunk("iTXt", concat(bytes("Description\0\0\0\0\0"), utf8("an iTXt that is not XMP ✓")));
    fixtures.push(
      { name: "WebP lossy (VP8)", format: "webp", bytes: await bytesOf(noise(3).webp({ quality: 60 })) },
      { name: "WebP lossless (VP8L)", format: "webp", bytes: await bytesOf(noise(3).webp({ lossless: true })) },
      { name: "WebP lossless with alpha (VP8L)", format: "webp", bytes: await bytesOf(noise(4).webp({ lossless: true })) },
      { name: "WebP lossless odd size (VP8L)", format: "webp", bytes: await bytesOf(noise(3, 1, 3).webp({ lossless: true })) },
      { name: "WebP lossy with alpha (VP8X+ALPH)", format: "webp", bytes: await bytesOf(noise(4).webp({ quality: 60 })) },
      { name: "WebP with EXIF (VP8X)", format: "webp", bytes: await bytesOf(noise(3).webp().withExif({ IFD0: { Copyright: "fixture" } })) },
      { name: "WebP with foreign XMP (VP8X)", format: "webp", bytes: await bytesOf(noise(3).webp().withXmp('<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/></x:xmpmeta>')) },
      { name: "JPEG with JFIF", format: "jpeg", bytes: afterSoi(jpeg, JFIF_APP0) },
      { name: "JPEG with EXIF", format: "jpeg", bytes: jpegExif },
      { name: "JPEG with JFIF and EXIF", format: "jpeg", bytes: afterSoi(jpegExif, JFIF_APP0) },
      { name: "JPEG without JFIF or EXIF", format: "jpeg", bytes: jpeg },
      { name: "JPEG with foreign XMP", format: "jpeg", bytes: await bytesOf(noise(3).jpeg().withXmp('<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/></x:xmpmeta>')) },
      { name: "PNG", format: "png", bytes: png },
      { name: "PNG with tEXt and iTXt", format: "png", bytes: insertAfterIhdr(png, text, itxt) },
      { name: "PNG with alpha and foreign XMP", format: "png", bytes: await bytesOf(noise(4).png().withXmp('<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/></x:xmpmeta>')) },
    );
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
    const alphaBit = (n: string) => ((Buffer.from(fixture(n)).readUInt32LE(21) >>> 28) & 1) as number;
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
        const packet = buildXmpPacket(p);
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
      const packet = buildXmpPacket(generated());
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

  describe("exiftool", () => {
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
});
