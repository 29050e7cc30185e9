/**
 * Reading a Provenance out of parsed XMP: the RDF as XMP uses it (properties of the rdf:Description
 * nodes, simple values, arrays, structs), in element or attribute form, with any prefixes, as our
 * packets, exiftool's rewrites and other writers lay it out.
 *
 * Linear in the document: each element is looked at a constant number of times; the recursion
 * follows the nesting, which the parser caps (MAX_XML_DEPTH).
 *
 * Pure module.
 */

import { DIGITAL_SOURCE_TYPE, GROK, HAS_EXTENDED_XMP, NS, parameterValue, PROMPT_FIELD, XMP_PARAMETERS } from "./fields";
import { isRecord, type Provenance, type ProvenanceKind, type ProvenanceSource } from "./provenance";
import { elementChildren, findFirst, textOf, type XmlAttr, type XmlDocument, type XmlElement } from "./xml";

type RdfValue =
  | { readonly kind: "text"; readonly text: string; readonly lang: string | undefined }
  | { readonly kind: "array"; readonly items: readonly RdfValue[] }
  | { readonly kind: "struct"; readonly fields: ReadonlyMap<string, RdfValue> };

const key = (ns: string, local: string) => `${ns}\u0000${local}`;

function isRdf(el: XmlElement, local: string): boolean {
  return el.ns === NS.rdf && el.local === local;
}

function isPropertyAttr(a: XmlAttr): boolean {
  return a.ns !== NS.rdf && a.ns !== NS.xml && a.ns !== "";
}

function nodeFields(el: XmlElement): Map<string, RdfValue> {
  const fields = new Map<string, RdfValue>();
  for (const a of el.attrs) {
    if (isPropertyAttr(a)) fields.set(key(a.ns, a.local), { kind: "text", text: a.value, lang: undefined });
  }
  for (const c of elementChildren(el)) fields.set(key(c.ns, c.local), propertyValue(c));
  return fields;
}

function unwrapQualified(fields: Map<string, RdfValue>, lang: string | undefined): RdfValue {
  const value = fields.get(key(NS.rdf, "value"));
  if (value) {
    const qLang = fields.get(key(NS.xml, "lang"));
    if (value.kind === "text") return { ...value, lang: value.lang ?? (qLang?.kind === "text" ? qLang.text : lang) };
    return value;
  }
  return { kind: "struct", fields };
}

function propertyValue(el: XmlElement): RdfValue {
  let lang: string | undefined;
  let resource: string | undefined;
  let parseType: string | undefined;
  let shorthand = false;
  for (const a of el.attrs) {
    if (a.ns === NS.xml && a.local === "lang") lang ??= a.value;
    else if (a.ns === NS.rdf && a.local === "resource") resource ??= a.value;
    else if (a.ns === NS.rdf && a.local === "parseType") parseType ??= a.value;
    else if (isPropertyAttr(a)) shorthand = true;
  }
  if (resource !== undefined) return { kind: "text", text: resource, lang };
  if (parseType === "Resource") return unwrapQualified(nodeFields(el), lang);
  const kids = elementChildren(el);
  const first = kids[0];
  if (!first) {
    if (shorthand) return unwrapQualified(nodeFields(el), lang);
    return { kind: "text", text: textOf(el), lang };
  }
  if (kids.length === 1 && (isRdf(first, "Bag") || isRdf(first, "Seq") || isRdf(first, "Alt"))) {
    return { kind: "array", items: elementChildren(first).map(propertyValue) };
  }
  if (kids.length === 1 && isRdf(first, "Description")) return unwrapQualified(nodeFields(first), lang);
  return unwrapQualified(nodeFields(el), lang);
}

/**
 * All properties of all top-level rdf:Description nodes of `docs`, keyed by namespace URI and local
 * name; a later one wins. `undefined` when no document has an rdf:RDF.
 */
function rdfProperties(docs: readonly XmlDocument[]): Map<string, RdfValue> | undefined {
  let props: Map<string, RdfValue> | undefined;
  for (const doc of docs) {
    const rdf = findFirst(doc.root, (e) => isRdf(e, "RDF"));
    if (!rdf) continue;
    props ??= new Map();
    for (const d of elementChildren(rdf)) for (const [k, v] of nodeFields(d)) props.set(k, v);
  }
  return props;
}

function simpleText(v: RdfValue | undefined): string | undefined {
  if (!v) return undefined;
  if (v.kind === "text") return v.text;
  if (v.kind === "array") {
    const chosen = v.items.find((it) => it.kind === "text" && it.lang === "x-default") ?? v.items[0];
    return chosen?.kind === "text" ? chosen.text : undefined;
  }
  return undefined;
}

/** The GUID of the Extended XMP packet a JPEG's main packet names (xmpNote:HasExtendedXMP), if any. */
export function extendedGuid(main: XmlDocument): string | undefined {
  return simpleText(rdfProperties([main])?.get(key(NS.xmpNote, HAS_EXTENDED_XMP)))?.trim();
}

function parseJson(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function sourcesFrom(v: unknown): ProvenanceSource[] | undefined {
  if (!Array.isArray(v)) return undefined;
  const out: ProvenanceSource[] = [];
  for (const s of v as unknown[]) {
    if (!isRecord(s) || typeof s["path"] !== "string" || typeof s["sha256"] !== "string") return undefined;
    out.push({ path: s["path"], sha256: s["sha256"] });
  }
  return out;
}

/**
 * The provenance recorded in XMP documents (a packet; for JPEG its Extended XMP packet after it).
 * `undefined` when they carry no provenance of ours.
 */
export function provenanceFromRdf(docs: readonly XmlDocument[]): Provenance | undefined {
  const props = rdfProperties(docs);
  if (!props) return undefined;
  const grok = (local: string) => props.get(key(NS.grok, local));
  const gText = (local: string) => simpleText(grok(local));

  const endpoint = gText(GROK.endpoint);
  if (endpoint === undefined) return undefined;

  let input: Record<string, unknown>;
  const parsedInput = parseJson(gText(GROK.input));
  if (isRecord(parsedInput)) {
    input = parsedInput;
  } else {
    // Fallback when the JSON was stripped or damaged: rebuild what the display properties hold.
    input = {};
    const prompt = simpleText(props.get(key(NS.dc, "description")));
    if (prompt !== undefined) input[PROMPT_FIELD] = prompt;
    for (const param of XMP_PARAMETERS) {
      const t = gText(param.property);
      if (t !== undefined) input[param.field] = parameterValue(param, t);
    }
    if (Object.keys(input).length === 0) return undefined;
  }

  const kindText = gText(GROK.kind);
  const dst = simpleText(props.get(key(NS.iptcExt, "DigitalSourceType")));
  const kind: ProvenanceKind = kindText === "edit" || kindText === "generate" ? kindText : dst === DIGITAL_SOURCE_TYPE.edit ? "edit" : "generate";

  const fields = {
    endpoint,
    revisedPrompt: gText(GROK.revisedPrompt) ?? "",
    requestId: gText(GROK.requestId) ?? "",
    creatorTool: simpleText(props.get(key(NS.xmp, "CreatorTool"))) ?? "",
    createDate: simpleText(props.get(key(NS.xmp, "CreateDate"))) ?? "",
  };
  let imageIndex = Number.parseInt(gText(GROK.imageIndex) ?? "0", 10) || 0;

  let sources: ProvenanceSource[] | undefined;
  const recorded = grok(GROK.sources);
  if (recorded?.kind === "array") {
    sources = [];
    for (const item of recorded.items) {
      if (item.kind !== "struct") continue;
      sources.push({
        path: simpleText(item.fields.get(key(NS.grok, GROK.sourcePath))) ?? "",
        sha256: simpleText(item.fields.get(key(NS.grok, GROK.sourceSha256))) ?? "",
      });
    }
  } else if (recorded?.kind === "text" && recorded.text.trim() === "") {
    sources = []; // an empty rdf:Seq some writers collapse
  }

  const exact = parseJson(gText(GROK.exact));
  if (isRecord(exact)) {
    for (const f of ["endpoint", "revisedPrompt", "requestId", "creatorTool", "createDate"] as const) {
      const v = exact[f];
      if (typeof v === "string") fields[f] = v;
    }
    if (typeof exact["imageIndex"] === "number") imageIndex = exact["imageIndex"];
    sources = sourcesFrom(exact["sources"]) ?? sources;
  }
  return {
    kind,
    endpoint: fields.endpoint,
    input,
    revisedPrompt: fields.revisedPrompt,
    requestId: fields.requestId,
    imageIndex,
    ...(sources ? { sources } : {}),
    creatorTool: fields.creatorTool,
    createDate: fields.createDate,
  };
}
