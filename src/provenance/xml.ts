/**
 * A small namespace-aware XML parser for XMP packets, linear in its input and capped (see
 * limits.ts). It rejects DOCTYPEs (no entity expansion), characters XML 1.0 does not allow,
 * unbalanced tags, unknown entities, undeclared prefixes and duplicate attributes.
 *
 * Linear: every construct is consumed once; duplicate attributes are found through a Set; a prefix
 * is resolved by walking the (at most MAX_XML_DEPTH) scopes that declare something, which are shared
 * by reference rather than copied into every element.
 *
 * Pure module: strings only.
 */

import { MAX_XML_ATTRIBUTES, MAX_XML_DEPTH, MAX_XML_ELEMENTS, MAX_XML_NAMESPACES, MAX_XMP_BYTES } from "./limits";

export const XML_NS = "http://www.w3.org/XML/1998/namespace";

/** Characters XML 1.0 allows (with the `u` flag a lone surrogate is its own code point, excluded). */
export const XML_INVALID = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

export interface XmlAttr {
  readonly qname: string;
  readonly ns: string;
  readonly local: string;
  readonly value: string;
}

export interface XmlElement {
  readonly type: "element";
  readonly qname: string;
  readonly ns: string;
  readonly local: string;
  /** Attributes other than namespace declarations. */
  readonly attrs: readonly XmlAttr[];
  readonly children: readonly XmlNode[];
}

export interface XmlTextNode {
  readonly type: "text";
  readonly text: string;
}

export type XmlNode = XmlElement | XmlTextNode;

export interface XmlDocument {
  readonly root: XmlElement;
}

/**
 * A document is refused. Callers only learn "not XML" (parseXml returns undefined), so the reason is
 * the comment beside each throw, not a message string shipped for nobody to read.
 */
class XmlError extends Error {}

/** Namespace bindings declared by one element, and the scope it sits in. */
interface Scope {
  readonly decls: ReadonlyMap<string, string>;
  readonly parent: Scope | undefined;
}

interface OpenElement {
  readonly el: XmlElement & { children: XmlNode[] };
  readonly scope: Scope;
}

/** Shared by every element without attributes. */
const NO_ATTRIBUTES: XmlAttr[] = [];

/** A name's first character: A-Z a-z _ and U+00C0 up (a simplification of XML's NameStartChar, with `:` left to colonOf). */
function isNameStart(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f || (c >= 0xc0 && c <= 0xfffd);
}

/** A name's other characters: also digits, `.`, `-`, `:` and U+00B7. */
function isNameChar(c: number): boolean {
  return isNameStart(c) || (c >= 0x30 && c <= 0x39) || c === 0x2e || c === 0x2d || c === 0x3a || c === 0xb7;
}
const CHAR_REF = /^#(?:x([0-9A-Fa-f]{1,6})|([0-9]{1,7}))$/;

/** Longest entity body we know: `#x10FFFF` or `#1114111` (named ones are shorter). */
const MAX_ENTITY_BODY = 8;

function decodeEntity(body: string): string {
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
  const m = CHAR_REF.exec(body);
  if (!m) throw new XmlError(); // unknown entity
  const code = m[1] !== undefined ? parseInt(m[1], 16) : parseInt(m[2] ?? "", 10);
  if (code > 0x10ffff) throw new XmlError(); // character reference out of range
  const ch = String.fromCodePoint(code);
  if (XML_INVALID.test(ch)) throw new XmlError(); // character reference to a character XML does not allow
  return ch;
}

/** `raw` with its entity and character references replaced (one pass, pieces joined once). */
function decodeEntities(raw: string): string {
  let amp = raw.indexOf("&");
  if (amp < 0) return raw;
  const parts: string[] = [];
  let from = 0;
  while (amp >= 0) {
    const semi = raw.indexOf(";", amp + 1);
    // A reference is short; a far `;` (or none) means a bare & (and ends the parse: no rescans).
    if (semi < 0 || semi - amp - 1 > MAX_ENTITY_BODY) throw new XmlError(); // bare &
    if (amp > from) parts.push(raw.slice(from, amp));
    parts.push(decodeEntity(raw.slice(amp + 1, semi)));
    from = semi + 1;
    amp = raw.indexOf("&", from);
  }
  if (from < raw.length) parts.push(raw.slice(from));
  return parts.join("");
}

/** The namespace bound to `prefix`: at most one Map lookup per enclosing element that declares something. */
function lookup(scope: Scope | undefined, prefix: string): string | undefined {
  for (let s = scope; s; s = s.parent) {
    const uri = s.decls.get(prefix);
    if (uri !== undefined) return uri;
  }
  return undefined;
}

function resolve(scope: Scope, prefix: string): string {
  const uri = lookup(scope, prefix);
  if (uri === undefined) throw new XmlError(); // undeclared prefix
  return uri;
}

/** Parses a whole XML document; `undefined` when it is not well-formed or goes past a cap. Never throws. */
export function parseXml(input: string): XmlDocument | undefined {
  try {
    return parse(input);
  } catch {
    return undefined; // not well-formed (XmlError), or past a cap
  }
}

function parse(input: string): XmlDocument {
  // A UTF-16 code unit is at least one UTF-8 byte, so this bounds the packet's bytes too.
  if (input.length > MAX_XMP_BYTES) throw new XmlError(); // too large
  const src = input.replace(/\r\n?/g, "\n");
  if (XML_INVALID.test(src)) throw new XmlError(); // character not allowed in XML
  const n = src.length;
  let i = src.charCodeAt(0) === 0xfeff ? 1 : 0;
  let root: XmlElement | undefined;
  const stack: OpenElement[] = [];
  const rootScope: Scope = { decls: new Map([["xml", XML_NS]]), parent: undefined };
  let elements = 0;
  let namespaces = 0;

  const expect = (s: string) => {
    if (!src.startsWith(s, i)) throw new XmlError(); // expected <s>
    i += s.length;
  };
  const name = (): string => {
    const from = i;
    if (!isNameStart(src.charCodeAt(i))) throw new XmlError(); // expected a name
    while (isNameChar(src.charCodeAt(++i)));
    return src.slice(from, i);
  };
  const space = (): number => {
    const from = i;
    for (let c = src.charCodeAt(i); c === 0x20 || c === 0x09 || c === 0x0a; c = src.charCodeAt(++i));
    return i - from;
  };
  const until = (s: string): string => {
    const j = src.indexOf(s, i);
    if (j < 0) throw new XmlError(); // unterminated <s>
    const body = src.slice(i, j);
    i = j + s.length;
    return body;
  };
  /** Where a qualified name's prefix ends (its colon), -1 when it has none. */
  const colonOf = (q: string): number => {
    const c = q.indexOf(":");
    if (c === 0 || c === q.length - 1 || (c > 0 && q.includes(":", c + 1))) throw new XmlError(); // bad qualified name
    return c;
  };

  while (i < n) {
    const top = stack[stack.length - 1];
    if (src.charCodeAt(i) !== 0x3c /* < */) {
      const j = src.indexOf("<", i);
      const raw = src.slice(i, j < 0 ? n : j);
      i = j < 0 ? n : j;
      if (!top) {
        if (raw.trim() !== "") throw new XmlError(); // text outside the root element
        continue;
      }
      if (raw.includes("]]>")) throw new XmlError(); // ]]> in text
      top.el.children.push({ type: "text", text: decodeEntities(raw) });
      continue;
    }
    if (src.startsWith("<?", i)) {
      i += 2;
      const target = name();
      const body = until("?>");
      if (body !== "" && !/^[ \t\n]/.test(body)) throw new XmlError(); // bad processing instruction
      if (target.toLowerCase() === "xml" && (target !== "xml" || root || stack.length > 0)) {
        throw new XmlError(); // misplaced XML declaration
      }
      continue;
    }
    if (src.startsWith("<!--", i)) {
      i += 4;
      const body = until("-->");
      if (body.includes("--") || body.endsWith("-")) throw new XmlError(); // -- in a comment
      continue;
    }
    if (src.startsWith("<![CDATA[", i)) {
      if (!top) throw new XmlError(); // CDATA outside the root element
      i += 9;
      top.el.children.push({ type: "text", text: until("]]>") });
      continue;
    }
    if (src.startsWith("<!", i)) throw new XmlError(); // DOCTYPE and other declarations are not accepted
    if (src.startsWith("</", i)) {
      if (!top) throw new XmlError(); // end tag without start tag
      i += 2;
      const q = name();
      space();
      expect(">");
      if (q !== top.el.qname) throw new XmlError(); // mismatched end tag
      stack.pop();
      continue;
    }
    // Start tag.
    if (!top && root) throw new XmlError(); // a second root element
    if (++elements > MAX_XML_ELEMENTS) throw new XmlError(); // too many elements
    if (stack.length >= MAX_XML_DEPTH) throw new XmlError(); // nested too deep
    i += 1;
    const qname = name();
    // Attributes as name, value, name, value…; a Set finds duplicates (checking each attribute
    // against the others was quadratic). Allocated only for elements that have attributes.
    let raw: string[] | undefined;
    let seenNames: Set<string> | undefined;
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
      if (!hadSpace) throw new XmlError(); // expected space, > or />
      raw ??= [];
      seenNames ??= new Set();
      if (raw.length >= 2 * MAX_XML_ATTRIBUTES) throw new XmlError(); // too many attributes
      const aName = name();
      space();
      expect("=");
      space();
      const quote = src[i];
      if (quote !== '"' && quote !== "'") throw new XmlError(); // attribute value without quotes
      i += 1;
      const value = until(quote);
      if (value.includes("<")) throw new XmlError(); // < in an attribute value
      if (seenNames.has(aName)) throw new XmlError(); // duplicate attribute
      seenNames.add(aName);
      raw.push(aName, decodeEntities(value.replace(/[\t\n]/g, " ")));
    }
    let scope: Scope = top ? top.scope : rootScope;
    let attrs: XmlAttr[] = NO_ATTRIBUTES;
    if (raw) {
      let decls: Map<string, string> | undefined;
      for (let k = 0; k < raw.length; k += 2) {
        const q = raw[k];
        const value = raw[k + 1];
        const isDefault = q === "xmlns";
        if (!isDefault && !q.startsWith("xmlns:")) continue;
        const prefix = isDefault ? "" : q.slice(6);
        if (prefix === "xmlns" || (prefix === "xml") !== (value === XML_NS) || (!isDefault && value === "")) {
          throw new XmlError(); // bad namespace declaration
        }
        if (++namespaces > MAX_XML_NAMESPACES) throw new XmlError(); // too many namespace declarations
        (decls ??= new Map()).set(prefix, value);
      }
      // An element that declares nothing shares its parent's scope (copying the scope into every
      // element made memory grow with elements × declarations).
      if (decls) scope = { decls, parent: scope };
      attrs = [];
      const seenExpanded = raw.length > 2 ? new Set<string>() : undefined;
      for (let k = 0; k < raw.length; k += 2) {
        const q = raw[k];
        if (q === "xmlns" || q.startsWith("xmlns:")) continue;
        const c = colonOf(q);
        const local = c < 0 ? q : q.slice(c + 1);
        const ns = c < 0 ? "" : resolve(scope, q.slice(0, c));
        if (seenExpanded) {
          const expanded = `${ns}\u0000${local}`;
          if (seenExpanded.has(expanded)) throw new XmlError(); // duplicate attribute
          seenExpanded.add(expanded);
        }
        attrs.push({ qname: q, ns, local, value: raw[k + 1] });
      }
    }
    const c = colonOf(qname);
    const ns = c < 0 ? (lookup(scope, "") ?? "") : resolve(scope, qname.slice(0, c));
    const el = { type: "element" as const, qname, ns, local: c < 0 ? qname : qname.slice(c + 1), attrs, children: [] as XmlNode[] };
    if (top) top.el.children.push(el);
    else root = el;
    if (!selfClosing) stack.push({ el, scope });
  }
  if (stack.length > 0) throw new XmlError(); // unclosed element
  if (!root) throw new XmlError(); // no root element
  return { root };
}

/** The element children of `el`. */
export function elementChildren(el: XmlElement): XmlElement[] {
  const out: XmlElement[] = [];
  for (const c of el.children) if (c.type === "element") out.push(c);
  return out;
}

/** The text directly inside `el`. */
export function textOf(el: XmlElement): string {
  let s = "";
  for (const c of el.children) if (c.type === "text") s += c.text;
  return s;
}

/** The first element, breadth first, that `pred` accepts. */
export function findFirst(root: XmlElement, pred: (e: XmlElement) => boolean): XmlElement | undefined {
  const queue: XmlElement[] = [root];
  for (let k = 0; k < queue.length; k++) {
    const e = queue[k];
    if (pred(e)) return e;
    for (const c of e.children) if (c.type === "element") queue.push(c);
  }
  return undefined;
}
