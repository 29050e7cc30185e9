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

/** Why a document is refused (the message is for debugging; callers only learn "not XML"). */
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

const NAME = /[A-Za-z_\u00C0-\uFFFD][A-Za-z0-9_.\-:\u00B7\u00C0-\uFFFD]*/y;
const CHAR_REF = /^#(?:x([0-9A-Fa-f]{1,6})|([0-9]{1,7}))$/;

function decodeEntities(raw: string): string {
  if (!raw.includes("&")) return raw;
  return raw.replace(/&([^;&<]*);|&/g, (_, body: string | undefined) => {
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
    const m = CHAR_REF.exec(body);
    if (!m) throw new XmlError("unknown entity");
    const code = m[1] !== undefined ? parseInt(m[1], 16) : parseInt(m[2] ?? "", 10);
    if (code > 0x10ffff) throw new XmlError("character reference out of range");
    const ch = String.fromCodePoint(code);
    if (XML_INVALID.test(ch)) throw new XmlError("character reference to a character XML does not allow");
    return ch;
  });
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
  if (uri === undefined) throw new XmlError("undeclared prefix");
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
  if (input.length > MAX_XMP_BYTES) throw new XmlError("too large");
  const src = input.replace(/\r\n?/g, "\n");
  if (XML_INVALID.test(src)) throw new XmlError("character not allowed in XML");
  const n = src.length;
  let i = src.charCodeAt(0) === 0xfeff ? 1 : 0;
  let root: XmlElement | undefined;
  const stack: OpenElement[] = [];
  const rootScope: Scope = { decls: new Map([["xml", XML_NS]]), parent: undefined };
  let elements = 0;
  let namespaces = 0;

  const expect = (s: string) => {
    if (!src.startsWith(s, i)) throw new XmlError("expected " + s);
    i += s.length;
  };
  const name = (): string => {
    NAME.lastIndex = i;
    const m = NAME.exec(src);
    if (!m) throw new XmlError("expected a name");
    i += m[0].length;
    return m[0];
  };
  const space = (): number => {
    const from = i;
    for (let c = src.charCodeAt(i); c === 0x20 || c === 0x09 || c === 0x0a; c = src.charCodeAt(++i));
    return i - from;
  };
  const until = (s: string): string => {
    const j = src.indexOf(s, i);
    if (j < 0) throw new XmlError("unterminated " + s);
    const body = src.slice(i, j);
    i = j + s.length;
    return body;
  };
  const splitQName = (q: string): [string, string] => {
    const c = q.indexOf(":");
    if (c < 0) return ["", q];
    const prefix = q.slice(0, c);
    const local = q.slice(c + 1);
    if (prefix === "" || local === "" || local.includes(":")) throw new XmlError("bad qualified name");
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
      top.el.children.push({ type: "text", text: decodeEntities(raw) });
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
      top.el.children.push({ type: "text", text: until("]]>") });
      continue;
    }
    if (src.startsWith("<!", i)) throw new XmlError("DOCTYPE and other declarations are not accepted");
    if (src.startsWith("</", i)) {
      if (!top) throw new XmlError("end tag without start tag");
      i += 2;
      const q = name();
      space();
      expect(">");
      if (q !== top.el.qname) throw new XmlError("mismatched end tag");
      stack.pop();
      continue;
    }
    // Start tag.
    if (!top && root) throw new XmlError("a second root element");
    if (++elements > MAX_XML_ELEMENTS) throw new XmlError("too many elements");
    if (stack.length >= MAX_XML_DEPTH) throw new XmlError("nested too deep");
    i += 1;
    const qname = name();
    const rawAttrs: { qname: string; value: string }[] = [];
    const seenNames = new Set<string>(); // a Set: checking each attribute against the others was quadratic
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
      if (!hadSpace) throw new XmlError("expected space, > or />");
      if (rawAttrs.length >= MAX_XML_ATTRIBUTES) throw new XmlError("too many attributes");
      const aName = name();
      space();
      expect("=");
      space();
      const quote = src[i];
      if (quote !== '"' && quote !== "'") throw new XmlError("attribute value without quotes");
      i += 1;
      const raw = until(quote);
      if (raw.includes("<")) throw new XmlError("< in an attribute value");
      if (seenNames.has(aName)) throw new XmlError("duplicate attribute");
      seenNames.add(aName);
      rawAttrs.push({ qname: aName, value: decodeEntities(raw.replace(/[\t\n]/g, " ")) });
    }
    const parentScope = top ? top.scope : rootScope;
    let decls: Map<string, string> | undefined;
    for (const a of rawAttrs) {
      let prefix: string;
      if (a.qname === "xmlns") prefix = "";
      else if (a.qname.startsWith("xmlns:")) {
        prefix = a.qname.slice(6);
        if (prefix === "xmlns" || (prefix === "xml") !== (a.value === XML_NS) || a.value === "") {
          throw new XmlError("bad namespace declaration");
        }
      } else continue;
      if (++namespaces > MAX_XML_NAMESPACES) throw new XmlError("too many namespace declarations");
      (decls ??= new Map()).set(prefix, a.value);
    }
    // An element that declares nothing shares its parent's scope (copying it into every element
    // made memory grow with elements × declarations).
    const scope: Scope = decls ? { decls, parent: parentScope } : parentScope;
    const [ePrefix, eLocal] = splitQName(qname);
    const attrs: XmlAttr[] = [];
    const seenExpanded = rawAttrs.length > 1 ? new Set<string>() : undefined;
    for (const a of rawAttrs) {
      if (a.qname === "xmlns" || a.qname.startsWith("xmlns:")) continue;
      const [p, l] = splitQName(a.qname);
      const ns = p === "" ? "" : resolve(scope, p);
      if (seenExpanded) {
        const expanded = `${ns}\u0000${l}`;
        if (seenExpanded.has(expanded)) throw new XmlError("duplicate attribute");
        seenExpanded.add(expanded);
      }
      attrs.push({ qname: a.qname, ns, local: l, value: a.value });
    }
    const ns = ePrefix === "" ? (lookup(scope, "") ?? "") : resolve(scope, ePrefix);
    const el = { type: "element" as const, qname, ns, local: eLocal, attrs, children: [] as XmlNode[] };
    if (top) top.el.children.push(el);
    else root = el;
    if (!selfClosing) stack.push({ el, scope });
  }
  if (stack.length > 0) throw new XmlError("unclosed element");
  if (!root) throw new XmlError("no root element");
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
    const e = queue[k] as XmlElement;
    if (pred(e)) return e;
    for (const c of e.children) if (c.type === "element") queue.push(c);
  }
  return undefined;
}
