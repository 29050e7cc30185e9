/**
 * Fuzzing every reader of untrusted image bytes and XMP text (issue 12, finding 5) with fast-check:
 * mutated real files, generated PNG/JPEG/WebP containers, generated and mutated XMP, and the attack
 * shapes (many attributes, elements, declarations, nesting, chunks) at sizes up to a few hundred KB.
 *
 * Each input goes to every reader: sniffing, the completeness check (all three formats), XMP
 * extraction per format (whole bytes and ranged), XMP parsing and RDF reading, content-credential
 * detection, and embedding. A run fails when an exception escapes a reader, when a reader takes more
 * than 50 ms per 100 KB of input, or when memory grows by more than a few MB (see cost.ts).
 *
 * The seed is random per run and printed (fast-check prints it again with the smallest failing
 * input); GROK_FUZZ_SEED replays one, GROK_FUZZ_RUNS runs more.
 */
import assert from "node:assert/strict";
import * as crypto from "node:crypto";
import * as zlib from "node:zlib";
import fc from "fast-check";
import sharp from "sharp";
import { figure } from "../../runner/figure";
import { hugeExtendedJpeg, manyAttributesPng, manyNamespacesPng } from "../../fixtures/crafted";
import { checkImageComplete, sniffImageFormat } from "../../../src/images/sniff";
import { embedProvenance, hasContentCredentials, readXmp } from "../../../src/provenance/embed";
import { buildXmpPacket } from "../../../src/provenance/packet";
import type { Provenance } from "../../../src/provenance/provenance";
import { parseXmpPacket, readImageMetadata, readProvenance } from "../../../src/provenance/read";
import { bytesSource } from "../../../src/provenance/source";
import { parseXml } from "../../../src/provenance/xml";
import { assertWithinBudget, type Cost, settledCostOf, spread } from "./cost";

const SEED = process.env.GROK_FUZZ_SEED ? Number(process.env.GROK_FUZZ_SEED) : Date.now() % 2 ** 31;
const RUNS = Number(process.env.GROK_FUZZ_RUNS ?? 100);

const RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";
const GROK = "https://grok-imagine.vscode/ns/1.0/";
const DC = "http://purl.org/dc/elements/1.1/";
const NOTE = "http://ns.adobe.com/xmp/note/";

const utf8 = (s: string) => new TextEncoder().encode(s);
const latin1 = (s: string) => new Uint8Array(Buffer.from(s, "latin1"));
const concat = (...parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));
const be32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return new Uint8Array(b);
};
const le32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return new Uint8Array(b);
};

function sample(prompt = "a lighthouse at dusk"): Provenance {
  return {
    kind: "edit",
    endpoint: "xai/grok-imagine-image/edit",
    input: { prompt, num_images: 1, resolution: "1k", output_format: "png", sync_mode: false },
    revisedPrompt: `${prompt}, revised`,
    requestId: "req-fuzz",
    imageIndex: 0,
    sources: [{ path: "a & b.png", sha256: "0".repeat(64) }],
    creatorTool: "Grok Imagine for VS Code (fuzz)",
    createDate: "2025-06-01T00:00:00Z",
  };
}

// ---------------------------------------------------------------------------------------------
// Readers and budgets

type Reader = (input: Uint8Array) => unknown;

const BYTE_READERS: readonly [string, Reader][] = [
  ["sniffImageFormat", (b) => sniffImageFormat(b)],
  ["checkImageComplete", (b) => [checkImageComplete(b, "png"), checkImageComplete(b, "jpeg"), checkImageComplete(b, "webp")]],
  ["readXmp", (b) => readXmp(b)],
  ["readProvenance", (b) => readProvenance(b)],
  ["readImageMetadata (ranged)", (b) => readImageMetadata(bytesSource(b))],
  ["hasContentCredentials", (b) => hasContentCredentials(b)],
  ["embedProvenance", (b) => embedProvenance(b, sample())],
];

/** XMP text goes to the parsers, and inside each container to the per-format extraction. */
const TEXT_READERS: readonly [string, (s: string) => unknown][] = [
  ["parseXml", (s) => parseXml(s)],
  ["parseXmpPacket", (s) => parseXmpPacket(s)],
];
const CONTAINERS: readonly [string, (s: string) => Uint8Array][] = [
  ["PNG", (s) => pngWith(s)],
  ["JPEG", (s) => jpegWith(s)],
  ["WebP", (s) => webpWith(s)],
];

const costs = new Map<string, { size: number; cost: Cost }[]>();

async function measure(name: string, size: number, fn: () => unknown): Promise<void> {
  const cost = await settledCostOf(size, fn);
  let list = costs.get(name);
  if (!list) costs.set(name, (list = []));
  list.push({ size, cost });
  assertWithinBudget(name, size, cost);
}

async function throughBytes(input: Uint8Array): Promise<void> {
  for (const [name, read] of BYTE_READERS) await measure(name, input.length, () => read(input));
}

async function throughText(input: string): Promise<void> {
  const size = utf8(input).length;
  for (const [name, read] of TEXT_READERS) await measure(name, size, () => read(input));
  for (const [format, wrap] of CONTAINERS) {
    const file = wrap(input); // built before measuring: the container's bytes are the input
    await measure(`readProvenance (XMP in ${format})`, file.length, () => readProvenance(file));
    await measure(`readImageMetadata (XMP in ${format})`, file.length, () => readImageMetadata(bytesSource(file)));
  }
}

// ---------------------------------------------------------------------------------------------
// Containers

function pngChunk(type: string, data: Uint8Array, length = data.length): Uint8Array {
  const td = concat(latin1(type), data);
  return concat(be32(length), td, be32(zlib.crc32(td)));
}

const PNG_SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);
const IHDR = pngChunk("IHDR", Uint8Array.of(0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0));
const IDAT = pngChunk("IDAT", new Uint8Array(zlib.deflateSync(Buffer.from([0, 0x80]))));
const IEND = pngChunk("IEND", new Uint8Array());
const xmpItxt = (text: string) => pngChunk("iTXt", concat(latin1("XML:com.adobe.xmp\0\0\0\0\0"), utf8(text)));

function pngWith(text: string): Uint8Array {
  return concat(PNG_SIGNATURE, IHDR, xmpItxt(text), IDAT, IEND);
}

function jpegSegment(marker: number, payload: Uint8Array): Uint8Array {
  const length = Math.min(0xffff, payload.length + 2);
  return concat(Uint8Array.of(0xff, marker, length >> 8, length & 0xff), payload.subarray(0, length - 2));
}
const XMP_APP1 = "http://ns.adobe.com/xap/1.0/\0";
const EXT_APP1 = "http://ns.adobe.com/xmp/extension/\0";
const SCAN = Uint8Array.of(0xff, 0xda, 0, 8, 1, 1, 0, 0, 0x3f, 0, 0x12, 0x34, 0xff, 0x00, 0x56, 0xff, 0xd0, 0x78, 0xff, 0xd9);

function jpegWith(text: string): Uint8Array {
  const bytes = utf8(text);
  if (bytes.length <= 65502) return concat(Uint8Array.of(0xff, 0xd8), jpegSegment(0xe1, concat(latin1(XMP_APP1), bytes)), SCAN);
  // Too large for one segment: the text goes as the Extended XMP packet of a small main packet.
  const guid = crypto.createHash("md5").update(bytes).digest("hex").toUpperCase();
  const main = `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="${RDF}"><rdf:Description rdf:about="" xmlns:xmpNote="${NOTE}" xmpNote:HasExtendedXMP="${guid}"/></rdf:RDF></x:xmpmeta>`;
  const parts = [Uint8Array.of(0xff, 0xd8), jpegSegment(0xe1, concat(latin1(XMP_APP1), utf8(main)))];
  for (let off = 0; off < bytes.length; off += 65458) parts.push(jpegSegment(0xe1, concat(latin1(EXT_APP1 + guid), be32(bytes.length), be32(off), bytes.subarray(off, off + 65458))));
  return concat(...parts, SCAN);
}

function riff(chunks: Uint8Array[], size?: number): Uint8Array {
  const body = concat(latin1("WEBP"), ...chunks);
  return concat(latin1("RIFF"), le32(size ?? body.length), body);
}
function riffChunk(type: string, data: Uint8Array, size = data.length): Uint8Array {
  return concat(latin1(type), le32(size), data, data.length % 2 ? Uint8Array.of(0) : new Uint8Array());
}
const VP8L = riffChunk("VP8L", Uint8Array.of(0x2f, 0, 0, 0, 0, 0x88, 0x88, 0x08, 0x08));

function webpWith(text: string): Uint8Array {
  return riff([riffChunk("VP8X", Uint8Array.of(0x04, 0, 0, 0, 0, 0, 0, 0, 0, 0)), VP8L, riffChunk("XMP ", utf8(text))]);
}

// ---------------------------------------------------------------------------------------------
// Arbitraries: XMP text

const NAMES = ["rdf:RDF", "rdf:Description", "rdf:li", "rdf:Seq", "rdf:Alt", "rdf:Bag", "rdf:value", "x:xmpmeta", "grokimagine:Endpoint", "grokimagine:Input", "grokimagine:Sources", "grokimagine:Path", "grokimagine:Exact", "dc:description", "xmpNote:HasExtendedXMP", "a", "b:c", "n0:e"];
const ATTRS = [
  `xmlns:rdf="${RDF}"`,
  `xmlns:grokimagine="${GROK}"`,
  `xmlns:x="adobe:ns:meta/"`,
  `xmlns:dc="${DC}"`,
  `xmlns:xmpNote="${NOTE}"`,
  'xmlns="urn:default"',
  'xmlns=""',
  'xmlns:xml="http://www.w3.org/XML/1998/namespace"',
  'rdf:parseType="Resource"',
  'xml:lang="x-default"',
  'rdf:resource="urn:r"',
  'rdf:about=""',
  'grokimagine:Endpoint="xai/e"',
  'grokimagine:Input="{&quot;prompt&quot;:&quot;p&quot;}"',
  'xmpNote:HasExtendedXMP="0123456789ABCDEF0123456789ABCDEF"',
  'a="1"',
  "a='2'",
  'b="&lt;&#x41;&#65;"',
  'c="&bogus;"',
  'd="<"',
];
const TEXTS = ["&amp;", "&#x41;", "&#1114112;", "&bogus;", "&", "]]>", "<![CDATA[ x <y> ]]>", "<!-- c -->", "<!-- a -- b -->", "<?pi x?>", "<?xml version='1.0'?>", "\u0001", "\ud800", "\r\n", '{"prompt":"x"}', "<!DOCTYPE a>"];

const xmlTree = fc.letrec<{ node: string; element: string }>((tie) => ({
  node: fc.oneof({ depthSize: "small", withCrossShrink: true }, fc.string({ maxLength: 12 }), fc.constantFrom(...TEXTS), tie("element")),
  element: fc
    .record({ name: fc.constantFrom(...NAMES), attrs: fc.uniqueArray(fc.constantFrom(...ATTRS), { maxLength: 5 }), children: fc.array(tie("node"), { maxLength: 4 }), close: fc.constantFrom("match", "match", "match", "self", "other") })
    .map(({ name, attrs, children, close }) => {
      const open = `<${name}${attrs.map((a) => ` ${a}`).join("")}`;
      if (close === "self" && children.length === 0) return `${open}/>`;
      return `${open}>${children.join("")}</${close === "other" ? "a" : name}>`;
    }),
}));

/** A generated tree inside a real packet frame (so the RDF reader sees it), or on its own. */
const generatedXmp = fc.tuple(xmlTree.element, fc.boolean()).map(([tree, framed]) =>
  framed ? `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="${RDF}"><rdf:Description rdf:about="" xmlns:grokimagine="${GROK}" xmlns:dc="${DC}" xmlns:xmpNote="${NOTE}">${tree}</rdf:Description></rdf:RDF></x:xmpmeta>` : tree,
);

/** The attack shapes, repeated up to 40,000 times: what a quadratic reader chokes on. */
const SHAPES: readonly ((i: number) => string)[] = [
  (i) => ` a${i}="x"`, // attributes on one element
  (i) => ` xmlns:n${i}="u${i}"`, // namespace declarations
  () => "<grokimagine:E/>", // sibling elements
  () => "<rdf:li>x</rdf:li>", // array items
  () => "<b>", // nesting (closed after)
  () => "&amp;&#x41;", // entities
  () => "<!-- c -->", // comments
  (i) => ` b${i % 50}="x"`, // duplicate attributes
];
const scaledXmp = fc.record({ shape: fc.nat({ max: SHAPES.length - 1 }), count: fc.integer({ min: 1, max: 40_000 }) }).map(({ shape, count }) => {
  const unit = SHAPES[shape];
  const many = Array.from({ length: count }, (_, i) => unit(i)).join("");
  const head = `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="${RDF}"><rdf:Description rdf:about="" xmlns:grokimagine="${GROK}" grokimagine:Endpoint="e"`;
  const tail = "</rdf:Description></rdf:RDF></x:xmpmeta>";
  if (shape === 0 || shape === 1 || shape === 7) return `${head}${many}>${tail}`;
  if (shape === 3) return `${head}><grokimagine:Sources><rdf:Seq>${many}</rdf:Seq></grokimagine:Sources>${tail}`;
  if (shape === 4) return `${head}>${many}${"</b>".repeat(count)}${tail}`;
  return `${head}>${many}${tail}`;
});

/** Our own packet, cut, spliced and repeated: almost right is where readers go wrong. */
const mutatedPacket = fc
  .record({
    prompt: fc.string({ maxLength: 40, unit: "grapheme" }),
    edits: fc.array(fc.record({ at: fc.nat(), length: fc.nat({ max: 200 }), insert: fc.oneof(fc.constantFrom(...TEXTS, ...ATTRS.map((a) => ` ${a}`), "<", ">", '"', "/>", "</rdf:li>"), fc.string({ maxLength: 8 })), times: fc.integer({ min: 1, max: 300 }) }), { minLength: 1, maxLength: 4 }),
  })
  .map(({ prompt, edits }) => {
    let s = buildXmpPacket(sample(prompt));
    for (const e of edits) {
      const at = e.at % (s.length + 1);
      const cut = s.slice(at, at + e.length);
      s = s.slice(0, at) + (e.times > 1 ? cut.repeat(e.times) : e.insert) + s.slice(at + (e.times > 1 ? 0 : e.length));
    }
    return s;
  });

const xmpText = fc.oneof(generatedXmp, scaledXmp, mutatedPacket);

// ---------------------------------------------------------------------------------------------
// Arbitraries: image bytes

interface Seed {
  readonly name: string;
  readonly bytes: Uint8Array;
  /** Offsets of structure (chunk types, markers, XMP): where mutations do the most harm. */
  readonly marks: readonly number[];
}

const MARKS = ["IHDR", "IDAT", "IEND", "iTXt", "zTXt", "caBX", "\xff\xe1", "\xff\xda", "\xff\xdb", "\xff\xeb", "RIFF", "VP8X", "VP8 ", "VP8L", "XMP ", "ALPH", "EXIF", "http://ns.adobe.com", "HasExtendedXMP", "<x:xmpmeta", "<rdf:", "xmlns", "grokimagine:Input", "&amp;", "rdf:li"];

function marksOf(b: Uint8Array): number[] {
  const buf = Buffer.from(b);
  const out: number[] = [0, 4, 8, 12];
  for (const m of MARKS) for (let i = buf.indexOf(m, 0, "latin1"); i >= 0 && out.length < 2000; i = buf.indexOf(m, i + 1, "latin1")) out.push(i);
  return out;
}

const position = fc.oneof(
  fc.record({ kind: fc.constant("any" as const), n: fc.nat() }),
  fc.record({ kind: fc.constant("head" as const), n: fc.nat() }),
  fc.record({ kind: fc.constant("mark" as const), n: fc.nat(), delta: fc.integer({ min: -8, max: 16 }) }),
);
type Position = typeof position extends fc.Arbitrary<infer P> ? P : never;

function at(p: Position, seed: Seed, length: number): number {
  if (length === 0) return 0;
  if (p.kind === "any") return p.n % length;
  if (p.kind === "head") return p.n % Math.min(length, 2048);
  const mark = seed.marks[p.n % seed.marks.length] ?? 0;
  return Math.max(0, Math.min(length - 1, mark + p.delta));
}

const LENGTHS = [0, 1, 2, 0x7f, 0xff, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff];
const mutation = fc.oneof(
  fc.record({ kind: fc.constant("byte" as const), p: position, value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant("u32" as const), p: position, value: fc.oneof(fc.constantFrom(...LENGTHS), fc.nat()), le: fc.boolean() }),
  fc.record({ kind: fc.constant("u16" as const), p: position, value: fc.constantFrom(0, 1, 2, 3, 0xfffe, 0xffff) }),
  fc.record({ kind: fc.constant("cut" as const), p: position }),
  fc.record({ kind: fc.constant("delete" as const), p: position, length: fc.integer({ min: 1, max: 300 }) }),
  fc.record({ kind: fc.constant("insert" as const), p: position, bytes: fc.uint8Array({ maxLength: 48 }) }),
  fc.record({ kind: fc.constant("repeat" as const), p: position, length: fc.integer({ min: 1, max: 96 }), times: fc.integer({ min: 2, max: 3000 }) }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

/** Mutated inputs stay under this size (a few hundred KB: the budgets scale with size anyway). */
const MAX_MUTATED_BYTES = 320 * 1024;

function mutate(seed: Seed, edits: readonly Mutation[]): Uint8Array {
  let b = Buffer.from(seed.bytes);
  for (const m of edits) {
    const i = at(m.p, seed, b.length);
    switch (m.kind) {
      case "byte":
        if (b.length) b[i] = m.value;
        break;
      case "u32":
        if (i + 4 <= b.length) {
          if (m.le) b.writeUInt32LE(m.value >>> 0, i);
          else b.writeUInt32BE(m.value >>> 0, i);
        }
        break;
      case "u16":
        if (i + 2 <= b.length) b.writeUInt16BE(m.value, i);
        break;
      case "cut":
        b = b.subarray(0, i);
        break;
      case "delete":
        b = Buffer.concat([b.subarray(0, i), b.subarray(i + m.length)]);
        break;
      case "insert":
        b = Buffer.concat([b.subarray(0, i), m.bytes, b.subarray(i)]);
        break;
      case "repeat": {
        const piece = b.subarray(i, i + m.length);
        const times = Math.min(m.times, Math.floor(MAX_MUTATED_BYTES / Math.max(1, piece.length)));
        b = Buffer.concat([b.subarray(0, i), ...Array<Buffer>(times).fill(piece), b.subarray(i)]);
        break;
      }
    }
    if (b.length > MAX_MUTATED_BYTES) b = b.subarray(0, MAX_MUTATED_BYTES);
  }
  return new Uint8Array(b);
}

const GUIDS = ["0123456789ABCDEF0123456789ABCDEF", "FEDCBA9876543210FEDCBA9876543210"];

/** A PNG of generated chunks: XMP iTXt, image data, text, credentials, unknown, with lying lengths. */
const generatedPng = fc
  .array(
    fc.oneof(
      xmpText.map((t) => xmpItxt(t)),
      fc.constantFrom(IHDR, IDAT, IEND),
      fc.record({ type: fc.constantFrom("tEXt", "zTXt", "iTXt", "caBX", "eXIf", "IDAT", "abcd"), data: fc.uint8Array({ maxLength: 64 }), lie: fc.option(fc.constantFrom(...LENGTHS)) }).map((c) => pngChunk(c.type, c.data, c.lie ?? c.data.length)),
      fc.integer({ min: 1, max: 20_000 }).map((n) => concat(...Array<Uint8Array>(n).fill(pngChunk("tEXt", latin1("k\0v"))))),
    ),
    { maxLength: 8 },
  )
  .map((chunks) => concat(PNG_SIGNATURE, ...chunks));

/** A JPEG of generated segments: XMP and Extended XMP (with claims true and false), fill bytes, markers. */
const generatedJpeg = fc
  .array(
    fc.oneof(
      xmpText.map((t) => jpegSegment(0xe1, concat(latin1(XMP_APP1), utf8(t)))),
      fc.record({ guid: fc.constantFrom(...GUIDS), total: fc.oneof(fc.constantFrom(...LENGTHS), fc.nat({ max: 300_000 })), offset: fc.oneof(fc.constantFrom(0, 65458, 0xffffffff), fc.nat({ max: 300_000 })), data: fc.oneof(fc.uint8Array({ maxLength: 128 }), xmpText.map(utf8)) }).map((e) => jpegSegment(0xe1, concat(latin1(EXT_APP1 + e.guid), be32(e.total), be32(e.offset), e.data))),
      fc.constantFrom(...GUIDS).map((g) => jpegSegment(0xe1, concat(latin1(XMP_APP1), utf8(`<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="${RDF}"><rdf:Description xmlns:xmpNote="${NOTE}" xmpNote:HasExtendedXMP="${g}"/></rdf:RDF></x:xmpmeta>`)))),
      fc.record({ marker: fc.integer({ min: 0xc0, max: 0xfe }), data: fc.uint8Array({ maxLength: 64 }) }).map((s) => jpegSegment(s.marker, s.data)),
      fc.integer({ min: 1, max: 50_000 }).map((n) => new Uint8Array(n).fill(0xff)), // fill bytes
      fc.integer({ min: 1, max: 20_000 }).map((n) => concat(...Array<Uint8Array>(n).fill(Uint8Array.of(0xff, 0xd0)))), // restart markers
      fc.constant(SCAN),
    ),
    { maxLength: 8 },
  )
  .map((segments) => concat(Uint8Array.of(0xff, 0xd8), ...segments));

/** A WebP of generated chunks, with a RIFF size and chunk sizes that may lie. */
const generatedWebp = fc
  .record({
    chunks: fc.array(
      fc.oneof(
        xmpText.map((t) => riffChunk("XMP ", utf8(t))),
        fc.constantFrom(VP8L, riffChunk("VP8X", Uint8Array.of(0x3c, 0, 0, 0, 0, 0, 0, 0, 0, 0)), riffChunk("VP8 ", Uint8Array.of(0x10, 0, 0, 0x9d, 0x01, 0x2a, 1, 0, 1, 0))),
        fc.record({ type: fc.constantFrom("XMP ", "EXIF", "ICCP", "ALPH", "C2PA", "ANMF", "VP8 ", "abcd"), data: fc.uint8Array({ maxLength: 64 }), lie: fc.option(fc.constantFrom(...LENGTHS)) }).map((c) => riffChunk(c.type, c.data, c.lie ?? c.data.length)),
        fc.integer({ min: 1, max: 20_000 }).map((n) => concat(...Array<Uint8Array>(n).fill(riffChunk("ANMF", new Uint8Array(2))))),
      ),
      { maxLength: 8 },
    ),
    size: fc.option(fc.constantFrom(...LENGTHS)),
  })
  .map(({ chunks, size }) => riff(chunks, size ?? undefined));

// ---------------------------------------------------------------------------------------------

describe("provenance: fuzzing every reader", function () {
  this.timeout(10 * 60_000);
  const seeds: Seed[] = [];
  const params = { seed: SEED, numRuns: RUNS, endOnFailure: true };

  before(async () => {
    figure(`fuzz seed ${SEED} (replay with GROK_FUZZ_SEED=${SEED}), ${RUNS} runs per property`);
    const noise = (channels: 3 | 4) => sharp({ create: { width: 24, height: 16, channels, background: { r: 200, g: 90, b: 20, alpha: 0.5 }, noise: { type: "gaussian", mean: 128, sigma: 30 } } });
    const images: [string, sharp.Sharp][] = [
      ["PNG", noise(4).png()],
      ["JPEG", noise(3).jpeg().withExif({ IFD0: { Copyright: "fuzz" } })],
      ["WebP lossy", noise(3).webp()],
      ["WebP lossless", noise(4).webp({ lossless: true })],
      ["WebP with alpha", noise(4).webp({ quality: 50 })],
    ];
    for (const [name, image] of images) {
      const plain = new Uint8Array(await image.toBuffer());
      const stamped = embedProvenance(plain, sample());
      assert.ok(stamped.ok, name);
      seeds.push({ name: `${name} with provenance`, bytes: stamped.bytes, marks: marksOf(stamped.bytes) });
      seeds.push({ name, bytes: plain, marks: marksOf(plain) });
    }
    const jpeg = new Uint8Array(await noise(3).jpeg().toBuffer());
    const extended = embedProvenance(jpeg, sample("an Extended XMP prompt ".repeat(4000)));
    assert.ok(extended.ok);
    seeds.push({ name: "JPEG with Extended XMP", bytes: extended.bytes, marks: marksOf(extended.bytes) });
    for (const [name, bytes] of [["crafted attributes", manyAttributesPng(2_000)], ["crafted namespaces", manyNamespacesPng(300, 2_000)], ["crafted extended", hugeExtendedJpeg()]] as const) {
      seeds.push({ name, bytes, marks: marksOf(bytes) });
    }
  });

  after(() => {
    for (const [name, list] of costs) {
      const per100 = list.map((x) => x.cost.ms / Math.max(1, x.size / 102_400));
      const mb = (f: (c: Cost) => number) => (Math.max(...list.map((x) => f(x.cost))) / 1048576).toFixed(2);
      const wall100 = list.map((x) => x.cost.wallMs / Math.max(1, x.size / 102_400));
      figure(`fuzz ${name}: ${list.length} inputs of ${spread(list.map((x) => x.size / 1024), 1)} KB; CPU ms per 100 KB (min/median/max) ${spread(per100)} (wall ${spread(wall100)}); memory growth max ${mb((c) => c.bytes)} MB, transient max ${mb((c) => c.transient)} MB`);
    }
  });

  /** Runs a property; on failure, says which input (its size and start) and why, in a few lines. */
  async function check<T>(arb: fc.Arbitrary<T>, run: (input: T) => Promise<void>): Promise<void> {
    const details = await fc.check(fc.asyncProperty(arb, run), params);
    if (!details.failed) return;
    const input = details.counterexample?.[0];
    const shown =
      typeof input === "string"
        ? `${input.length} characters: ${JSON.stringify(input.slice(0, 300))}${input.length > 300 ? "…" : ""}`
        : input instanceof Uint8Array
          ? `${input.length} bytes: ${Buffer.from(input.subarray(0, 160)).toString("hex")}${input.length > 160 ? "…" : ""}`
          : JSON.stringify(input)?.slice(0, 400);
    const why = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
    throw new Error(`${why}\n  input (${shown})\n  replay: GROK_FUZZ_SEED=${details.seed} (path ${details.counterexamplePath ?? "-"})`);
  }

  it("mutated PNG, JPEG and WebP files", async () => {
    const mutated = fc.tuple(fc.nat(), fc.array(mutation, { minLength: 1, maxLength: 6 })).map(([pick, edits]) => mutate(seeds[pick % seeds.length], edits));
    await check(mutated, throughBytes);
  });

  it("generated PNG files", async () => {
    await check(generatedPng, throughBytes);
  });

  it("generated JPEG files", async () => {
    await check(generatedJpeg, throughBytes);
  });

  it("generated WebP files", async () => {
    await check(generatedWebp, throughBytes);
  });

  it("generated, scaled and mutated XMP, on its own and inside each format", async () => {
    await check(xmpText, throughText);
  });
});
