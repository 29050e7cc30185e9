/**
 * The XMP packet that records how an image was made: building it, reading it back, and the small
 * namespace-aware XML parser both need (plus the text surgery JPEG's Extended XMP needs).
 *
 * Pure module: strings only, no Node APIs.
 *
 * Layout (one `rdf:Description`, every property as an element):
 *
 *   dc:description                 rdf:Alt, x-default = the prompt (display form, see below)
 *   xmp:CreatorTool                "Grok Imagine for VS Code 0.1.0"
 *   xmp:CreateDate                 ISO 8601, as given
 *   Iptc4xmpExt:DigitalSourceType  …/trainedAlgorithmicMedia (generate) or
 *                                  …/compositeWithTrainedAlgorithmicMedia (edit)
 *   grokimagine:Kind               generate | edit
 *   grokimagine:Endpoint           e.g. xai/grok-imagine-image
 *   grokimagine:RequestId          fal's request id
 *   grokimagine:ImageIndex         index of the image in its request (0-based)
 *   grokimagine:RevisedPrompt      the model's revised prompt (display form)
 *   grokimagine:NumImages, AspectRatio, Resolution, OutputFormat, SyncMode
 *                                  the scalar request parameters, for people and tools (display only)
 *   grokimagine:Input              the request body as sent, minus image_urls/image_url, as JSON
 *   grokimagine:Sources            edits: rdf:Seq of structs {grokimagine:Path, grokimagine:SHA256}
 *   grokimagine:Exact              only when needed: JSON object holding the exact value of every
 *                                  other text field whose display form is not exact
 *
 * Exactness. XML 1.0 cannot carry most C0 control characters, U+FFFE/U+FFFF or lone surrogates at
 * all, and tools normalise tab/CR in some positions. So text is written in a *display form*: XML
 * specials escaped as entities, tab and CR as character references, the other C0 controls as their
 * Unicode "control pictures" (U+2400 + code, e.g. U+0001 → ␁), U+FFFE/U+FFFF and lone surrogates as
 * U+FFFD. The display form is exact whenever the text has none of those characters (only LF and
 * characters ≥ U+0020), which is the normal case. The request body (`Input`, which holds the prompt)
 * is always stored as JSON, whose `\uXXXX` escapes read back exactly; JSON's output is additionally
 * made XML-safe (`\ufffe`, `\uffff`). Any other field whose display form is lossy gets its exact
 * value in the `Exact` JSON object, which the reader lays over the display values. No CDATA is used,
 * and `>` is always escaped, so `]]>` or `<?xpacket end="w"?>` in a prompt are plain text.
 */

export const NS = {
  x: "adobe:ns:meta/",
  rdf: "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
  xml: "http://www.w3.org/XML/1998/namespace",
  xmlns: "http://www.w3.org/2000/xmlns/",
  dc: "http://purl.org/dc/elements/1.1/",
  xmp: "http://ns.adobe.com/xap/1.0/",
  xmpNote: "http://ns.adobe.com/xmp/note/",
  iptcExt: "http://iptc.org/std/Iptc4xmpExt/2008-02-29/",
  grok: "https://grok-imagine.vscode/ns/1.0/",
} as const;

export const GROK_PREFIX = "grokimagine";

export const DIGITAL_SOURCE_TYPE = {
  generate: "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia",
  edit: "http://cv.iptc.org/newscodes/digitalsourcetype/compositeWithTrainedAlgorithmicMedia",
} as const;

export interface Provenance {
  kind: "generate" | "edit";
  endpoint: string;
  /** The request body as sent. `image_urls`/`image_url` (data URIs for edits) are never stored. */
  input: Record<string, unknown>;
  revisedPrompt: string;
  requestId: string;
  imageIndex: number;
  sources?: { path: string; sha256: string }[];
  creatorTool: string;
  createDate: string;
}

/** Request-body keys that are left out of the packet (they carry the source images as data URIs). */
export const OMITTED_INPUT_KEYS: readonly string[] = ["image_urls", "image_url"];

// ---------------------------------------------------------------------------------------------
// Escaping

/** Characters XML 1.0 allows (with the `u` flag a lone surrogate is its own code point, excluded). */
const XML_INVALID = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
const XML_INVALID_G = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;
/** Text whose display form is not exact: any C0 control but LF, and anything XML cannot carry. */
const NOT_EXACT = /[^\n\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

function escapeSpecials(s: string): string {
  return s.replace(/[&<>"']/g, (c) => {
    switch (c) {
      case "&":
        return "&amp;";
      case "<":
        return "&lt;";
      case ">":
        return "&gt;";
      case '"':
        return "&quot;";
      default:
        return "&apos;";
    }
  });
}

/** The display form of `s`, escaped for element content or attribute values. */
export function xmlText(s: string): string {
  const safe = escapeSpecials(s).replace(XML_INVALID_G, (c) => {
    const code = c.charCodeAt(0);
    if (code < 0x20) return String.fromCharCode(0x2400 + code);
    return "\uFFFD";
  });
  return safe.replace(/[\t\r]/g, (c) => (c === "\t" ? "&#x9;" : "&#xD;"));
}

/** Whether `s` reads back unchanged from its display form. */
export function isExactText(s: string): boolean {
  return !NOT_EXACT.test(s);
}

/** JSON whose every character XML can carry, escaped for element content. */
function xmlJson(value: unknown): string {
  const json = JSON.stringify(value).replace(/[\uFFFE\uFFFF]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
  return escapeSpecials(json);
}

// ---------------------------------------------------------------------------------------------
// Building

const PARAMS: readonly (readonly [key: string, property: string])[] = [
  ["num_images", "NumImages"],
  ["aspect_ratio", "AspectRatio"],
  ["resolution", "Resolution"],
  ["output_format", "OutputFormat"],
  ["sync_mode", "SyncMode"],
];

function storedInput(input: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(input)) if (!OMITTED_INPUT_KEYS.includes(k)) out[k] = v;
  return out;
}

function scalarDisplay(v: unknown): string | undefined {
  if (typeof v === "string") return v;
  if (typeof v === "number" && Number.isFinite(v)) return String(v);
  if (typeof v === "boolean") return v ? "True" : "False";
  return undefined;
}

/** The XMP packet (with its `<?xpacket` wrapper) recording `p`. */
export function buildXmpPacket(p: Provenance): string {
  const exact: Record<string, unknown> = {};
  const lines: string[] = [];
  const g = (name: string, text: string) => lines.push(`   <${GROK_PREFIX}:${name}>${text}</${GROK_PREFIX}:${name}>`);
  const track = (field: string, value: string): string => {
    if (!isExactText(value)) exact[field] = value;
    return xmlText(value);
  };

  const input = storedInput(p.input);
  const prompt = input["prompt"];
  if (typeof prompt === "string") {
    lines.push(
      "   <dc:description>",
      "    <rdf:Alt>",
      `     <rdf:li xml:lang="x-default">${xmlText(prompt)}</rdf:li>`,
      "    </rdf:Alt>",
      "   </dc:description>",
    );
  }
  lines.push(`   <xmp:CreatorTool>${track("creatorTool", p.creatorTool)}</xmp:CreatorTool>`);
  lines.push(`   <xmp:CreateDate>${track("createDate", p.createDate)}</xmp:CreateDate>`);
  lines.push(`   <Iptc4xmpExt:DigitalSourceType>${DIGITAL_SOURCE_TYPE[p.kind]}</Iptc4xmpExt:DigitalSourceType>`);
  g("Kind", p.kind);
  g("Endpoint", track("endpoint", p.endpoint));
  g("RequestId", track("requestId", p.requestId));
  if (!Number.isSafeInteger(p.imageIndex)) exact["imageIndex"] = p.imageIndex;
  g("ImageIndex", xmlText(String(p.imageIndex)));
  g("RevisedPrompt", track("revisedPrompt", p.revisedPrompt));
  for (const [key, property] of PARAMS) {
    const display = scalarDisplay(input[key]);
    if (display !== undefined) g(property, xmlText(display));
  }
  g("Input", xmlJson(input));
  if (p.sources) {
    if (p.sources.some((s) => !isExactText(s.path) || !isExactText(s.sha256))) exact["sources"] = p.sources;
    if (p.sources.length === 0) {
      lines.push(`   <${GROK_PREFIX}:Sources><rdf:Seq/></${GROK_PREFIX}:Sources>`);
    } else {
      lines.push(`   <${GROK_PREFIX}:Sources>`, "    <rdf:Seq>");
      for (const s of p.sources) {
        lines.push(
          '     <rdf:li rdf:parseType="Resource">',
          `      <${GROK_PREFIX}:Path>${xmlText(s.path)}</${GROK_PREFIX}:Path>`,
          `      <${GROK_PREFIX}:SHA256>${xmlText(s.sha256)}</${GROK_PREFIX}:SHA256>`,
          "     </rdf:li>",
        );
      }
      lines.push("    </rdf:Seq>", `   </${GROK_PREFIX}:Sources>`);
    }
  }
  if (Object.keys(exact).length > 0) g("Exact", xmlJson(exact));

  return [
    `<?xpacket begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"?>`,
    `<x:xmpmeta xmlns:x="${NS.x}">`,
    ` <rdf:RDF xmlns:rdf="${NS.rdf}">`,
    `  <rdf:Description rdf:about=""`,
    `    xmlns:dc="${NS.dc}"`,
    `    xmlns:xmp="${NS.xmp}"`,
    `    xmlns:Iptc4xmpExt="${NS.iptcExt}"`,
    `    xmlns:${GROK_PREFIX}="${NS.grok}">`,
    ...lines,
    "  </rdf:Description>",
    " </rdf:RDF>",
    "</x:xmpmeta>",
    `<?xpacket end="w"?>`,
  ].join("\n");
}

// ---------------------------------------------------------------------------------------------
// A small namespace-aware XML parser. Rejects DOCTYPEs (no entity expansion), characters XML 1.0
// does not allow, unbalanced tags, unknown entities and undeclared prefixes. Offsets refer to the
// parsed string after line-end normalisation (CR LF and CR become LF), which `parseXml` returns.

export interface XmlAttr {
  qname: string;
  ns: string;
  local: string;
  value: string;
  /** Source range of `name="value"`. */
  start: number;
  end: number;
}

export interface XmlElement {
  type: "element";
  qname: string;
  ns: string;
  local: string;
  /** Attributes other than namespace declarations. */
  attrs: XmlAttr[];
  /** Namespace declarations made on this element: prefix ("" for the default) → URI. */
  decls: Map<string, string>;
  /** Bindings in scope at the parent (before this element's own declarations). */
  parentScope: ReadonlyMap<string, string>;
  children: XmlNode[];
  parent: XmlElement | undefined;
  /** `<` of the start tag, after its `>`, `<` of the end tag (= contentStart when empty), after the end tag. */
  start: number;
  contentStart: number;
  contentEnd: number;
  end: number;
}

export interface XmlTextNode {
  type: "text";
  text: string;
}

export type XmlNode = XmlElement | XmlTextNode;

export interface XmlDocument {
  source: string;
  root: XmlElement;
}

class XmlError extends Error {}

const NAME = /[A-Za-z_\u00C0-\uFFFD][A-Za-z0-9_.\-:\u00B7\u00C0-\uFFFD]*/y;
const SPACE = /[ \t\n]*/y;

function decodeEntities(raw: string): string {
  if (!raw.includes("&")) return raw;
  return raw.replace(/&([^;&<]*);|&/g, (whole, body: string | undefined) => {
    if (body === undefined) throw new XmlError("bare &");
    switch (body) {
      case "lt":
        return "<";
      case "gt":
        return ">";
      case "amp":
        return "&";
      case "quot":
        return '"';
      case "apos":
        return "'";
    }
    const m = /^#(?:x([0-9A-Fa-f]{1,6})|([0-9]{1,7}))$/.exec(body);
    if (!m) throw new XmlError(`unknown entity ${whole}`);
    const code = m[1] !== undefined ? parseInt(m[1], 16) : parseInt(m[2] ?? "", 10);
    if (code > 0x10ffff) throw new XmlError("character reference out of range");
    const ch = String.fromCodePoint(code);
    if (XML_INVALID.test(ch)) throw new XmlError("character reference to a character XML does not allow");
    return ch;
  });
}

/** Parses a whole XML document; `undefined` when it is not well-formed (namespace-aware). */
export function parseXml(input: string): XmlDocument | undefined {
  try {
    return parseXmlOrThrow(input);
  } catch (e) {
    if (e instanceof XmlError || e instanceof RangeError) return undefined;
    throw e;
  }
}

function parseXmlOrThrow(input: string): XmlDocument {
  const src = input.replace(/\r\n?/g, "\n");
  if (XML_INVALID.test(src)) throw new XmlError("character not allowed in XML");
  const n = src.length;
  let i = src.charCodeAt(0) === 0xfeff ? 1 : 0;
  let root: XmlElement | undefined;
  const stack: XmlElement[] = [];
  const rootScope: ReadonlyMap<string, string> = new Map([["xml", NS.xml]]);

  const expect = (s: string) => {
    if (!src.startsWith(s, i)) throw new XmlError(`expected ${s} at ${i}`);
    i += s.length;
  };
  const name = (): string => {
    NAME.lastIndex = i;
    const m = NAME.exec(src);
    if (!m) throw new XmlError(`expected a name at ${i}`);
    i += m[0].length;
    return m[0];
  };
  const space = (): number => {
    SPACE.lastIndex = i;
    const m = SPACE.exec(src);
    const len = m ? m[0].length : 0;
    i += len;
    return len;
  };
  const until = (s: string): string => {
    const j = src.indexOf(s, i);
    if (j < 0) throw new XmlError(`unterminated construct, expected ${s}`);
    const body = src.slice(i, j);
    i = j + s.length;
    return body;
  };
  const splitQName = (q: string): [string, string] => {
    const c = q.indexOf(":");
    if (c < 0) return ["", q];
    const prefix = q.slice(0, c);
    const local = q.slice(c + 1);
    if (prefix === "" || local === "" || local.includes(":")) throw new XmlError(`bad qualified name ${q}`);
    return [prefix, local];
  };

  while (i < n) {
    const top = stack[stack.length - 1];
    if (src.charCodeAt(i) !== 0x3c /* < */) {
      const j = src.indexOf("<", i);
      const raw = src.slice(i, j < 0 ? n : j);
      i = j < 0 ? n : j;
      if (!top) {
        if (raw.trim() !== "") throw new XmlError("text outside the root element");
        continue;
      }
      if (raw.includes("]]>")) throw new XmlError("]]> in text");
      top.children.push({ type: "text", text: decodeEntities(raw) });
      continue;
    }
    if (src.startsWith("<?", i)) {
      i += 2;
      const target = name();
      const body = until("?>");
      if (body !== "" && !/^[ \t\n]/.test(body)) throw new XmlError("bad processing instruction");
      if (target.toLowerCase() === "xml" && (target !== "xml" || root || stack.length > 0)) {
        throw new XmlError("misplaced XML declaration");
      }
      continue;
    }
    if (src.startsWith("<!--", i)) {
      i += 4;
      const body = until("-->");
      if (body.includes("--") || body.endsWith("-")) throw new XmlError("-- in a comment");
      continue;
    }
    if (src.startsWith("<![CDATA[", i)) {
      if (!top) throw new XmlError("CDATA outside the root element");
      i += 9;
      top.children.push({ type: "text", text: until("]]>") });
      continue;
    }
    if (src.startsWith("<!", i)) throw new XmlError("DOCTYPE and other declarations are not accepted");
    if (src.startsWith("</", i)) {
      if (!top) throw new XmlError("end tag without start tag");
      const tagStart = i;
      i += 2;
      const q = name();
      space();
      expect(">");
      if (q !== top.qname) throw new XmlError(`</${q}> closes <${top.qname}>`);
      top.contentEnd = tagStart;
      top.end = i;
      stack.pop();
      continue;
    }
    // Start tag.
    if (!top && root) throw new XmlError("a second root element");
    const start = i;
    i += 1;
    const qname = name();
    const rawAttrs: { qname: string; value: string; start: number; end: number }[] = [];
    let selfClosing = false;
    for (;;) {
      const hadSpace = space() > 0;
      if (src.startsWith("/>", i)) {
        i += 2;
        selfClosing = true;
        break;
      }
      if (src.startsWith(">", i)) {
        i += 1;
        break;
      }
      if (!hadSpace) throw new XmlError(`expected space, > or /> at ${i}`);
      const aStart = i;
      const aName = name();
      space();
      expect("=");
      space();
      const quote = src[i];
      if (quote !== '"' && quote !== "'") throw new XmlError("attribute value without quotes");
      i += 1;
      const raw = until(quote);
      if (raw.includes("<")) throw new XmlError("< in an attribute value");
      const value = decodeEntities(raw.replace(/[\t\n]/g, " "));
      if (rawAttrs.some((a) => a.qname === aName)) throw new XmlError(`duplicate attribute ${aName}`);
      rawAttrs.push({ qname: aName, value, start: aStart, end: i });
    }
    const parentScope = top ? scopeOf(top) : rootScope;
    const decls = new Map<string, string>();
    for (const a of rawAttrs) {
      if (a.qname === "xmlns") decls.set("", a.value);
      else if (a.qname.startsWith("xmlns:")) {
        const prefix = a.qname.slice(6);
        if (prefix === "xmlns" || (prefix === "xml") !== (a.value === NS.xml) || a.value === "") {
          throw new XmlError(`bad namespace declaration ${a.qname}`);
        }
        decls.set(prefix, a.value);
      }
    }
    const scope = new Map(parentScope);
    for (const [k, v] of decls) scope.set(k, v);
    const resolve = (prefix: string, isAttr: boolean): string => {
      if (prefix === "") return isAttr ? "" : (scope.get("") ?? "");
      const uri = scope.get(prefix);
      if (uri === undefined) throw new XmlError(`undeclared prefix ${prefix}`);
      return uri;
    };
    const [ePrefix, eLocal] = splitQName(qname);
    const attrs: XmlAttr[] = [];
    for (const a of rawAttrs) {
      if (a.qname === "xmlns" || a.qname.startsWith("xmlns:")) continue;
      const [p, l] = splitQName(a.qname);
      const ns = resolve(p, true);
      if (attrs.some((b) => b.ns === ns && b.local === l)) throw new XmlError(`duplicate attribute ${a.qname}`);
      attrs.push({ qname: a.qname, ns, local: l, value: a.value, start: a.start, end: a.end });
    }
    const el: XmlElement = {
      type: "element",
      qname,
      ns: resolve(ePrefix, false),
      local: eLocal,
      attrs,
      decls,
      parentScope,
      children: [],
      parent: top,
      start,
      contentStart: i,
      contentEnd: i,
      end: i,
    };
    scopes.set(el, scope);
    if (top) top.children.push(el);
    else root = el;
    if (!selfClosing) stack.push(el);
  }
  if (stack.length > 0) throw new XmlError(`<${stack[stack.length - 1]?.qname ?? ""}> is not closed`);
  if (!root) throw new XmlError("no root element");
  return { source: src, root };
}

const scopes = new WeakMap<XmlElement, ReadonlyMap<string, string>>();

function scopeOf(el: XmlElement): ReadonlyMap<string, string> {
  const s = scopes.get(el);
  if (s) return s;
  const computed = new Map(el.parentScope);
  for (const [k, v] of el.decls) computed.set(k, v);
  return computed;
}

function elementChildren(el: XmlElement): XmlElement[] {
  return el.children.filter((c): c is XmlElement => c.type === "element");
}

function textOf(el: XmlElement): string {
  let s = "";
  for (const c of el.children) if (c.type === "text") s += c.text;
  return s;
}

function isRdf(el: XmlElement, local: string): boolean {
  return el.ns === NS.rdf && el.local === local;
}

function findFirst(el: XmlElement, pred: (e: XmlElement) => boolean): XmlElement | undefined {
  const todo: XmlElement[] = [el];
  while (todo.length > 0) {
    const e = todo.shift();
    if (!e) break;
    if (pred(e)) return e;
    todo.push(...elementChildren(e));
  }
  return undefined;
}

/**
 * The source text of `el`, made self-contained: every namespace binding it inherits is declared on
 * it, so it can be moved into another document.
 */
export function detachedElementText(doc: XmlDocument, el: XmlElement): string {
  const decls: string[] = [];
  for (const [prefix, uri] of el.parentScope) {
    if (prefix === "xml" || el.decls.has(prefix)) continue;
    decls.push(` ${prefix === "" ? "xmlns" : `xmlns:${prefix}`}="${escapeSpecials(uri)}"`);
  }
  const at = el.start + 1 + el.qname.length;
  return doc.source.slice(el.start, at) + decls.join("") + doc.source.slice(at, el.end);
}

// ---------------------------------------------------------------------------------------------
// RDF, as XMP uses it: properties of the rdf:Description nodes, simple values, arrays, structs.

type RdfValue =
  | { kind: "text"; text: string; lang: string | undefined }
  | { kind: "array"; items: RdfValue[] }
  | { kind: "struct"; fields: Map<string, RdfValue> };

const key = (ns: string, local: string) => `${ns}\u0000${local}`;

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
  const attr = (ns: string, local: string) => el.attrs.find((a) => a.ns === ns && a.local === local)?.value;
  const lang = attr(NS.xml, "lang");
  const resource = attr(NS.rdf, "resource");
  if (resource !== undefined) return { kind: "text", text: resource, lang };
  if (attr(NS.rdf, "parseType") === "Resource") return unwrapQualified(nodeFields(el), lang);
  const kids = elementChildren(el);
  const first = kids[0];
  if (!first) {
    const shorthand = el.attrs.filter(isPropertyAttr);
    if (shorthand.length > 0) return unwrapQualified(nodeFields(el), lang);
    return { kind: "text", text: textOf(el), lang };
  }
  if (kids.length === 1 && (isRdf(first, "Bag") || isRdf(first, "Seq") || isRdf(first, "Alt"))) {
    return { kind: "array", items: elementChildren(first).map(propertyValue) };
  }
  if (kids.length === 1 && isRdf(first, "Description")) return unwrapQualified(nodeFields(first), lang);
  return unwrapQualified(nodeFields(el), lang);
}

/** All properties of all top-level rdf:Description nodes, keyed by namespace URI and local name. */
function rdfProperties(doc: XmlDocument): Map<string, RdfValue> | undefined {
  const rdf = findFirst(doc.root, (e) => isRdf(e, "RDF"));
  if (!rdf) return undefined;
  const props = new Map<string, RdfValue>();
  for (const d of elementChildren(rdf)) for (const [k, v] of nodeFields(d)) props.set(k, v);
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

// ---------------------------------------------------------------------------------------------
// Reading a packet back

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function parseJson(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function sourcesFrom(v: unknown): { path: string; sha256: string }[] | undefined {
  if (!Array.isArray(v)) return undefined;
  const out: { path: string; sha256: string }[] = [];
  for (const s of v as unknown[]) {
    if (!isRecord(s) || typeof s["path"] !== "string" || typeof s["sha256"] !== "string") return undefined;
    out.push({ path: s["path"], sha256: s["sha256"] });
  }
  return out;
}

/**
 * The provenance recorded in an XMP packet (or any XMP document, e.g. a sidecar, or one rewritten by
 * exiftool: attribute or element form, any prefixes, extra whitespace between elements, several
 * rdf:Description nodes). `undefined` when the text is not XML or carries no provenance of ours.
 */
export function parseXmpPacket(xml: string): Provenance | undefined {
  try {
    return parseXmpPacketOrThrow(xml);
  } catch (e) {
    if (e instanceof RangeError) return undefined; // absurdly deep nesting
    throw e;
  }
}

function parseXmpPacketOrThrow(xml: string): Provenance | undefined {
  const doc = parseXml(xml);
  if (!doc) return undefined;
  const props = rdfProperties(doc);
  if (!props) return undefined;
  const grok = (local: string) => props.get(key(NS.grok, local));
  const gText = (local: string) => simpleText(grok(local));

  const endpoint = gText("Endpoint");
  if (endpoint === undefined) return undefined;

  let input: Record<string, unknown>;
  const parsedInput = parseJson(gText("Input"));
  if (isRecord(parsedInput)) {
    input = parsedInput;
  } else {
    // Fallback when the JSON was stripped or damaged: rebuild what the display properties hold.
    input = {};
    const prompt = simpleText(props.get(key(NS.dc, "description")));
    if (prompt !== undefined) input["prompt"] = prompt;
    for (const [k, property] of PARAMS) {
      const t = gText(property);
      if (t === undefined) continue;
      if (k === "num_images") input[k] = Number(t);
      else if (k === "sync_mode") input[k] = /^true$/i.test(t);
      else input[k] = t;
    }
    if (Object.keys(input).length === 0) return undefined;
  }

  const kindText = gText("Kind");
  const dst = simpleText(props.get(key(NS.iptcExt, "DigitalSourceType")));
  const kind: Provenance["kind"] =
    kindText === "edit" || kindText === "generate" ? kindText : dst === DIGITAL_SOURCE_TYPE.edit ? "edit" : "generate";

  const p: Provenance = {
    kind,
    endpoint,
    input,
    revisedPrompt: gText("RevisedPrompt") ?? "",
    requestId: gText("RequestId") ?? "",
    imageIndex: Number.parseInt(gText("ImageIndex") ?? "0", 10) || 0,
    creatorTool: simpleText(props.get(key(NS.xmp, "CreatorTool"))) ?? "",
    createDate: simpleText(props.get(key(NS.xmp, "CreateDate"))) ?? "",
  };

  const sources = grok("Sources");
  if (sources?.kind === "array") {
    const list: { path: string; sha256: string }[] = [];
    for (const item of sources.items) {
      if (item.kind !== "struct") continue;
      list.push({
        path: simpleText(item.fields.get(key(NS.grok, "Path"))) ?? "",
        sha256: simpleText(item.fields.get(key(NS.grok, "SHA256"))) ?? "",
      });
    }
    p.sources = list;
  } else if (sources?.kind === "text" && sources.text.trim() === "") {
    p.sources = []; // an empty rdf:Seq some writers collapse
  }

  const exact = parseJson(gText("Exact"));
  if (isRecord(exact)) {
    for (const f of ["endpoint", "revisedPrompt", "requestId", "creatorTool", "createDate"] as const) {
      const v = exact[f];
      if (typeof v === "string") p[f] = v;
    }
    if (typeof exact["imageIndex"] === "number") p.imageIndex = exact["imageIndex"];
    const s = sourcesFrom(exact["sources"]);
    if (s) p.sources = s;
  }
  return p;
}

// ---------------------------------------------------------------------------------------------
// Extended XMP (JPEG): splitting a packet in two, and merging the two back

const HAS_EXTENDED = "HasExtendedXMP";

/** The GUID named by xmpNote:HasExtendedXMP, if any. */
export function extendedGuid(doc: XmlDocument): string | undefined {
  const props = rdfProperties(doc);
  const v = simpleText(props?.get(key(NS.xmpNote, HAS_EXTENDED)));
  return v?.trim();
}

interface Range {
  start: number;
  end: number;
}

function removeRanges(src: string, ranges: Range[], insertAt?: { at: number; text: string }): string {
  const edits = ranges.map((r) => ({ ...r, text: "" }));
  if (insertAt) edits.push({ start: insertAt.at, end: insertAt.at, text: insertAt.text });
  edits.sort((a, b) => b.start - a.start || b.end - a.end);
  let out = src;
  for (const e of edits) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}

/** Source ranges of every xmpNote:HasExtendedXMP property (element or attribute form). */
function hasExtendedRanges(doc: XmlDocument): Range[] {
  const rdf = findFirst(doc.root, (e) => isRdf(e, "RDF"));
  if (!rdf) return [];
  const out: Range[] = [];
  for (const d of elementChildren(rdf)) {
    for (const a of d.attrs) if (a.ns === NS.xmpNote && a.local === HAS_EXTENDED) out.push({ start: a.start - 1, end: a.end });
    for (const c of elementChildren(d)) if (c.ns === NS.xmpNote && c.local === HAS_EXTENDED) out.push(c);
  }
  return out;
}

const utf8 = new TextEncoder();
const byteLength = (s: string) => utf8.encode(s).length;

export type SplitResult =
  | { ok: true; main: string; extended: string | undefined; setGuid: (guid: string) => string }
  | { ok: false; reason: string };

/**
 * Splits `packet` so that its main part is at most `limit` UTF-8 bytes: the largest properties move,
 * whole, to an extended packet (a complete x:xmpmeta document without wrapper), and the main part
 * gets an xmpNote:HasExtendedXMP property whose value `setGuid` fills in (the caller computes the MD5
 * of the extended packet). Existing HasExtendedXMP properties are dropped.
 */
export function splitPacket(packet: string, limit: number): SplitResult {
  const doc = parseXml(packet);
  if (!doc) return { ok: false, reason: "The XMP packet is not well-formed XML." };
  const stale = hasExtendedRanges(doc);
  const base = stale.length > 0 ? removeRanges(doc.source, stale) : doc.source;
  if (byteLength(base) <= limit) {
    return { ok: true, main: base, extended: undefined, setGuid: () => base };
  }
  const baseDoc = stale.length > 0 ? parseXml(base) : doc;
  if (!baseDoc) return { ok: false, reason: "The XMP packet is not well-formed XML." };
  const rdf = findFirst(baseDoc.root, (e) => isRdf(e, "RDF"));
  const descriptions = rdf ? elementChildren(rdf) : [];
  const firstDescription = descriptions[0];
  if (!firstDescription) return { ok: false, reason: "The XMP packet has no rdf:Description." };

  // The GUID goes in attribute form on the start tag of the description (the host) that loses a
  // property, as Adobe writes it: exiftool's writer finds it with /:HasExtendedXMP\s*=\s*"/.
  const descriptionsWithKids = descriptions.filter((d) => elementChildren(d).length > 0);
  const candidates = descriptionsWithKids
    .flatMap((d) => elementChildren(d))
    .map((el) => ({ el, bytes: byteLength(baseDoc.source.slice(el.start, el.end)) }))
    .sort((a, b) => b.bytes - a.bytes);
  const largest = candidates[0];
  if (!largest) return { ok: false, reason: "The XMP packet is too large for a JPEG file even with Extended XMP." };
  const host = largest.el.parent ?? firstDescription;
  const hostScope = scopeOf(host);
  let prefix = "xmpNote";
  for (let k = 2; hostScope.has(prefix) && hostScope.get(prefix) !== NS.xmpNote; k++) prefix = `xmpNote${k}`;
  const decl = hostScope.get(prefix) === NS.xmpNote ? "" : ` xmlns:${prefix}="${NS.xmpNote}"`;
  const marker = (guid: string) => `${decl} ${prefix}:${HAS_EXTENDED}="${guid}"`;
  let size = byteLength(base) + byteLength(marker("0".repeat(32)));
  const moved: XmlElement[] = [];
  for (const c of candidates) {
    if (size <= limit) break;
    moved.push(c.el);
    size -= c.bytes;
  }
  if (size > limit) return { ok: false, reason: "The XMP packet is too large for a JPEG file even with Extended XMP." };

  moved.sort((a, b) => a.start - b.start);
  const extended =
    `<x:xmpmeta xmlns:x="${NS.x}"><rdf:RDF xmlns:rdf="${NS.rdf}"><rdf:Description rdf:about="">` +
    moved.map((el) => detachedElementText(baseDoc, el)).join("") +
    "</rdf:Description></rdf:RDF></x:xmpmeta>";
  const tagEnd = baseDoc.source.lastIndexOf(">", host.contentStart - 1);
  const setGuid = (guid: string) => removeRanges(baseDoc.source, moved, { at: tagEnd, text: marker(guid) });
  return { ok: true, main: setGuid("0".repeat(32)), extended, setGuid };
}

/**
 * Merges an extended packet into the main packet: its rdf:Description nodes go into the main
 * packet's rdf:RDF, and the main packet's HasExtendedXMP goes. `main` unchanged when either is not
 * XML.
 */
export function mergeExtended(main: string, extended: string): string {
  const mainDoc = parseXml(main);
  const extDoc = parseXml(extended);
  if (!mainDoc || !extDoc) return main;
  const mainRdf = findFirst(mainDoc.root, (e) => isRdf(e, "RDF"));
  const extRdf = findFirst(extDoc.root, (e) => isRdf(e, "RDF"));
  if (!mainRdf || !extRdf) return main;
  if (mainDoc.source.slice(mainRdf.start, mainRdf.contentStart).endsWith("/>")) return main; // <rdf:RDF/>
  const text = elementChildren(extRdf)
    .map((d) => detachedElementText(extDoc, d))
    .join("\n");
  return removeRanges(mainDoc.source, hasExtendedRanges(mainDoc), { at: mainRdf.contentEnd, text });
}

/** A standalone .xmp sidecar document holding `packet`'s XMP (x:xmpmeta in an xpacket wrapper). */
export function sidecarDocument(packet: string): string {
  const body = packet
    .replace(/^\uFEFF/, "")
    .replace(/<\?xpacket[^?]*\?>/g, "")
    .trim();
  return `<?xpacket begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"?>\n${body}\n<?xpacket end="w"?>\n`;
}
