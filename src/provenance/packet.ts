/**
 * Building the XMP packet that records a Provenance (layout: fields.ts). The packet is assembled
 * from its properties, each a complete element; a JPEG whose packet is too large for one segment
 * gets its largest properties in an Extended XMP packet, chosen before any XML is written.
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
 *
 * Pure module (node:crypto for the Extended XMP GUID).
 */

import { DIGITAL_SOURCE_TYPE, GROK, GROK_PREFIX, HAS_EXTENDED_XMP, NS, parameterDisplay, PROMPT_FIELD, XMP_PARAMETERS } from "./fields";
import { md5Hex } from "./hash";
import { MAX_XMP_BYTES } from "./limits";
import { OMITTED_INPUT_KEYS, type Provenance } from "./provenance";

// ---------------------------------------------------------------------------------------------
// Escaping

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

const utf8 = new TextEncoder();
const byteLength = (s: string): number => utf8.encode(s).length;

// ---------------------------------------------------------------------------------------------
// Properties

function storedInput(input: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(input)) if (!OMITTED_INPUT_KEYS.includes(k)) out[k] = v;
  return out;
}

/** Every property of `p`'s packet, in order, each one complete element (its lines joined by LF). */
function properties(p: Provenance): string[] {
  const exact: Record<string, unknown> = {};
  const props: string[] = [];
  const g = (name: string, text: string) => props.push(`   <${GROK_PREFIX}:${name}>${text}</${GROK_PREFIX}:${name}>`);
  const track = (field: string, value: string): string => {
    if (!isExactText(value)) exact[field] = value;
    return xmlText(value);
  };

  const input = storedInput(p.input);
  const prompt = input[PROMPT_FIELD];
  if (typeof prompt === "string") {
    props.push(["   <dc:description>", "    <rdf:Alt>", `     <rdf:li xml:lang="x-default">${xmlText(prompt)}</rdf:li>`, "    </rdf:Alt>", "   </dc:description>"].join("\n"));
  }
  props.push(`   <xmp:CreatorTool>${track("creatorTool", p.creatorTool)}</xmp:CreatorTool>`);
  props.push(`   <xmp:CreateDate>${track("createDate", p.createDate)}</xmp:CreateDate>`);
  props.push(`   <Iptc4xmpExt:DigitalSourceType>${DIGITAL_SOURCE_TYPE[p.kind]}</Iptc4xmpExt:DigitalSourceType>`);
  g(GROK.kind, p.kind);
  g(GROK.endpoint, track("endpoint", p.endpoint));
  g(GROK.requestId, track("requestId", p.requestId));
  if (!Number.isSafeInteger(p.imageIndex)) exact["imageIndex"] = p.imageIndex;
  g(GROK.imageIndex, xmlText(String(p.imageIndex)));
  g(GROK.revisedPrompt, track("revisedPrompt", p.revisedPrompt));
  for (const param of XMP_PARAMETERS) {
    const display = parameterDisplay(input[param.field]);
    if (display !== undefined) g(param.property, xmlText(display));
  }
  g(GROK.input, xmlJson(input));
  if (p.sources) {
    if (p.sources.some((s) => !isExactText(s.path) || !isExactText(s.sha256))) exact["sources"] = p.sources;
    const S = `${GROK_PREFIX}:${GROK.sources}`;
    if (p.sources.length === 0) {
      props.push(`   <${S}><rdf:Seq/></${S}>`);
    } else {
      const lines = [`   <${S}>`, "    <rdf:Seq>"];
      for (const s of p.sources) {
        lines.push(
          '     <rdf:li rdf:parseType="Resource">',
          `      <${GROK_PREFIX}:${GROK.sourcePath}>${xmlText(s.path)}</${GROK_PREFIX}:${GROK.sourcePath}>`,
          `      <${GROK_PREFIX}:${GROK.sourceSha256}>${xmlText(s.sha256)}</${GROK_PREFIX}:${GROK.sourceSha256}>`,
          "     </rdf:li>",
        );
      }
      lines.push("    </rdf:Seq>", `   </${S}>`);
      props.push(lines.join("\n"));
    }
  }
  if (Object.keys(exact).length > 0) g(GROK.exact, xmlJson(exact));
  return props;
}

const SCHEMAS = [`    xmlns:dc="${NS.dc}"`, `    xmlns:xmp="${NS.xmp}"`, `    xmlns:Iptc4xmpExt="${NS.iptcExt}"`, `    xmlns:${GROK_PREFIX}="${NS.grok}"`];

/** The packet (with its `<?xpacket` wrapper) holding `props`, and HasExtendedXMP when a GUID is given. */
function packetText(props: readonly string[], extendedGuid?: string): string {
  const declarations = extendedGuid === undefined ? SCHEMAS : [...SCHEMAS, `    xmlns:xmpNote="${NS.xmpNote}" xmpNote:${HAS_EXTENDED_XMP}="${extendedGuid}"`];
  const last = declarations.length - 1;
  return [
    `<?xpacket begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"?>`,
    `<x:xmpmeta xmlns:x="${NS.x}">`,
    ` <rdf:RDF xmlns:rdf="${NS.rdf}">`,
    `  <rdf:Description rdf:about=""`,
    ...declarations.map((d, i) => (i === last ? `${d}>` : d)),
    ...props,
    "  </rdf:Description>",
    " </rdf:RDF>",
    "</x:xmpmeta>",
    `<?xpacket end="w"?>`,
  ].join("\n");
}

/** An Extended XMP packet: a complete x:xmpmeta document without wrapper (XMP part 3, 1.1.3.1). */
function extendedText(props: readonly string[]): string {
  return [
    `<x:xmpmeta xmlns:x="${NS.x}"><rdf:RDF xmlns:rdf="${NS.rdf}"><rdf:Description rdf:about=""`,
    ...SCHEMAS.map((d, i) => (i === SCHEMAS.length - 1 ? `${d}>` : d)),
    ...props,
    "</rdf:Description></rdf:RDF></x:xmpmeta>",
  ].join("\n");
}

// ---------------------------------------------------------------------------------------------
// Packets

/** The XMP packet (with its `<?xpacket` wrapper) recording `p`. */
export function buildXmpPacket(p: Provenance): string {
  return packetText(properties(p));
}

export type JpegPackets =
  | { readonly ok: true; readonly main: string; readonly extended?: { readonly text: string; readonly guid: string } }
  | { readonly ok: false; readonly reason: string };

/**
 * The packets a JPEG file holds for `p`: the main packet, at most `limit` UTF-8 bytes, and when the
 * whole packet is larger an Extended XMP packet holding the largest properties, whole; the main
 * packet then names it in xmpNote:HasExtendedXMP (its GUID: the MD5 of the extended packet, in upper
 * case hex, as the XMP specification asks).
 */
export function buildJpegPackets(p: Provenance, limit: number): JpegPackets {
  const props = properties(p);
  const whole = packetText(props);
  if (byteLength(whole) <= limit) return { ok: true, main: whole };
  const sized = props.map((xml, index) => ({ index, bytes: byteLength(xml) + 1 /* its LF */ }));
  const largestFirst = [...sized].sort((a, b) => b.bytes - a.bytes || a.index - b.index);
  let size = byteLength(packetText(props, "0".repeat(32)));
  const moved = new Set<number>();
  for (const c of largestFirst) {
    if (size <= limit) break;
    moved.add(c.index);
    size -= c.bytes;
  }
  const tooLarge = { ok: false, reason: "The XMP packet is too large for a JPEG file even with Extended XMP." } as const;
  if (size > limit) return tooLarge;
  const text = extendedText(props.filter((_, i) => moved.has(i)));
  const bytes = utf8.encode(text);
  if (bytes.length > MAX_XMP_BYTES) return tooLarge;
  const guid = md5Hex(bytes).toUpperCase();
  return { ok: true, main: packetText(props.filter((_, i) => !moved.has(i)), guid), extended: { text, guid } };
}
