/**
 * The three crafted images of issue 12 (finding 5), each of which stalled or killed the extension
 * host, now cost a reader next to nothing: no provenance, no exception, within the time budget and
 * a few MB. Also a packet at every cap at once, which must still be read (linear, not refused).
 */
import assert from "node:assert/strict";
import { figure } from "../../runner/figure";
import { craftedImages, hugeExtendedJpeg, manyAttributesPacket, manyNamespacesPacket, pngWithXmp } from "../../fixtures/crafted";
import { readXmp, readXmpPackets } from "../../../src/provenance/embed";
import { MAX_XML_ATTRIBUTES, MAX_XML_DEPTH, MAX_XML_ELEMENTS, MAX_XML_NAMESPACES, MAX_XMP_BYTES } from "../../../src/provenance/limits";
import { parseXmpPacket, readImageMetadata, readProvenance } from "../../../src/provenance/read";
import { bytesSource, runOnBytes } from "../../../src/provenance/source";
import { parseXml } from "../../../src/provenance/xml";
import { assertWithinBudget, MEMORY_BUDGET_BYTES, settledCostOf, timeBudgetMs } from "./cost";

const RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";
const GROK = "https://grok-imagine.vscode/ns/1.0/";

describe("provenance: the crafted images of issue 12", function () {
  this.timeout(60_000);

  for (const image of craftedImages()) {
    it(`${image.name}: no provenance, no exception, within budget (${image.bytes.length} bytes)`, async () => {
      const cost = await settledCostOf(image.bytes.length, () => assert.equal(readProvenance(image.bytes), undefined));
      const ranged = await settledCostOf(image.bytes.length, async () => {
        const found = await readImageMetadata(bytesSource(image.bytes));
        assert.equal(found.provenance, undefined);
        assert.ok(found.format, "still recognised as an image");
      });
      figure(`crafted ${image.file}: read in ${cost.ms.toFixed(2)} ms CPU, ${cost.wallMs.toFixed(2)} ms wall (ranged ${ranged.ms.toFixed(2)} / ${ranged.wallMs.toFixed(2)} ms), memory +${(Math.max(cost.bytes, ranged.bytes) / 1024).toFixed(0)} KB (transient ${(Math.max(cost.transient, ranged.transient) / 1024).toFixed(0)} KB); budget ${timeBudgetMs(image.bytes.length).toFixed(0)} ms / ${MEMORY_BUDGET_BYTES / 1024} KB`);
      assertWithinBudget("readProvenance", image.bytes.length, cost);
      assertWithinBudget("readImageMetadata", image.bytes.length, ranged);
    });
  }

  it("the 4 GB claim allocates nothing; an Extended XMP length is believed only when the bytes present back it", async () => {
    const claimed = hugeExtendedJpeg();
    assert.equal(claimed.length, 362);
    const cost = await settledCostOf(claimed.length, () => readXmp(claimed));
    assert.ok(cost.bytes < 1024 * 1024 && cost.transient < 1024 * 1024, `reading a 362-byte file took ${cost.bytes} bytes (${cost.transient} transient)`);
    assert.ok(readXmp(claimed)?.includes("HasExtendedXMP"), "the main packet is still read");
    assert.equal(runOnBytes(readXmpPackets, claimed)?.extended, undefined);
    // The same file claiming exactly the bytes its one extension segment holds: read. One more: not.
    const extSegment = Buffer.from(claimed).indexOf("http://ns.adobe.com/xmp/extension/\0") - 4;
    const present = Buffer.from(claimed).readUInt16BE(extSegment + 2) - 2 - 35 - 32 - 8;
    assert.equal(present, 61);
    const backed = runOnBytes(readXmpPackets, hugeExtendedJpeg(present));
    assert.equal(backed?.extended, " ".repeat(present));
    assert.equal(runOnBytes(readXmpPackets, hugeExtendedJpeg(present + 1))?.extended, undefined);
    assert.equal(runOnBytes(readXmpPackets, hugeExtendedJpeg(present - 1))?.extended, undefined);
  });

  it("the XML reader refuses past each cap, and reads a packet at every cap at once in linear time", async () => {
    const wrap = (body: string, decls = "") => `<x:xmpmeta xmlns:x="adobe:ns:meta/"${decls}><rdf:RDF xmlns:rdf="${RDF}"><rdf:Description rdf:about="" xmlns:g="${GROK}" g:Endpoint="e">${body}</rdf:Description></rdf:RDF></x:xmpmeta>`;
    const attrs = (n: number) => `<g:Input ${Array.from({ length: n }, (_, i) => `a${i}="x"`).join(" ")}/>`;
    const decls = (n: number) => Array.from({ length: n }, (_, i) => ` xmlns:n${i}="u${i}"`).join("");
    const nest = (n: number) => "<g:Deep>".repeat(n) + "</g:Deep>".repeat(n);
    const elements = (n: number) => "<g:E/>".repeat(n);
    // x:xmpmeta, rdf:RDF and rdf:Description are 3 elements and 3 levels; 3 namespaces are declared.
    assert.ok(parseXml(wrap(attrs(MAX_XML_ATTRIBUTES))));
    assert.equal(parseXml(wrap(attrs(MAX_XML_ATTRIBUTES + 1))), undefined);
    assert.ok(parseXml(wrap("", decls(MAX_XML_NAMESPACES - 3))));
    assert.equal(parseXml(wrap("", decls(MAX_XML_NAMESPACES - 2))), undefined);
    assert.ok(parseXml(wrap(nest(MAX_XML_DEPTH - 3))));
    assert.equal(parseXml(wrap(nest(MAX_XML_DEPTH - 2))), undefined);
    assert.ok(parseXml(wrap(elements(MAX_XML_ELEMENTS - 3))));
    assert.equal(parseXml(wrap(elements(MAX_XML_ELEMENTS - 2))), undefined);
    assert.ok(parseXml(" ".repeat(MAX_XMP_BYTES - 10) + "<a/>"));
    assert.equal(parseXml(" ".repeat(MAX_XMP_BYTES) + "<a/>"), undefined);

    // Every cap at once, padded to the packet cap with text: still read, within budget.
    const elementsLeft = MAX_XML_ELEMENTS - 3 - 1 - (MAX_XML_DEPTH - 4) - 1; // the frame, g:Input, g:Deep, g:Text
    let body = attrs(MAX_XML_ATTRIBUTES) + nest(MAX_XML_DEPTH - 4) + elements(elementsLeft);
    const frame = wrap(body, decls(MAX_XML_NAMESPACES - 3));
    body += `<g:Text>${"t".repeat(MAX_XMP_BYTES - frame.length - 40)}</g:Text>`;
    const packet = wrap(body, decls(MAX_XML_NAMESPACES - 3));
    assert.ok(packet.length <= MAX_XMP_BYTES);
    const cost = await settledCostOf(packet.length, () => assert.ok(parseXml(packet), "a packet at every cap is read"));
    figure(`XML at every cap (${(packet.length / 1024).toFixed(0)} KB, ${MAX_XML_ELEMENTS} elements): ${cost.ms.toFixed(1)} ms CPU (${cost.wallMs.toFixed(1)} ms wall), +${(cost.bytes / 1048576).toFixed(1)} MB retained, ${(cost.transient / 1048576).toFixed(1)} MB transient (budget ${timeBudgetMs(packet.length).toFixed(0)} ms)`);
    assert.ok(cost.ms <= timeBudgetMs(packet.length), `${cost.ms} ms`);
    assert.ok(cost.transient <= 64 * packet.length, `allocated ${cost.transient} bytes`);
    // Its provenance (just an endpoint) is found through the PNG reader too.
    assert.equal(parseXmpPacket(packet), undefined, "no Input and no display properties: not ours");
    assert.equal(readProvenance(pngWithXmp(packet)), undefined);
  });

  it("the crafted packets scaled down to fit the caps are read linearly", async () => {
    // Under the caps the attack shapes are ordinary XML: their cost must still follow their size.
    for (const [name, packet] of [
      ["attributes", manyAttributesPacket(MAX_XML_ATTRIBUTES - 1)],
      ["namespaces and elements", manyNamespacesPacket(MAX_XML_NAMESPACES - 2, MAX_XML_ELEMENTS - 1)],
    ] as const) {
      const cost = await settledCostOf(packet.length, () => assert.ok(parseXml(packet), name));
      figure(`crafted shape under the caps, ${name} (${(packet.length / 1024).toFixed(0)} KB): ${cost.ms.toFixed(2)} ms CPU, ${cost.wallMs.toFixed(2)} ms wall`);
      assertWithinBudget(name, packet.length, cost);
    }
  });
});
