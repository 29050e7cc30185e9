/**
 * Markdown image links in a document: the one under the cursor (`![alt](destination "title")`,
 * CommonMark's inline image, on one line), what its destination points to, and the link text for a
 * new image (relative to the document, escaped as the gallery's links are: gallery/markdown.ts).
 *
 * The document is untrusted: only the cursor's line is read, lines longer than {@link MAX_LINE_CHARS}
 * are not parsed, and only links of at most {@link MAX_LINK_CHARS} starting that far before the
 * cursor are tried, so a hostile line costs at most MAX_LINK_CHARS² steps. Pure module.
 */
import { markdownImageLink, relativePath } from "../gallery/markdown";
import { dirName, normalizePath } from "./destination";

/** Longer lines are not searched for a link (a minified blob, not prose). */
export const MAX_LINE_CHARS = 20_000;
/**
 * The longest link read, from `![` to `)`: a real one (alt text, a path, a title) is well under
 * this; the bound keeps a line of unclosed `![` or `(` linear to scan (each start reads at most this far).
 */
export const MAX_LINK_CHARS = 1000;

export interface ImageLink {
  /** Columns on the line: the `!` and just after the closing `)`. */
  readonly start: number;
  readonly end: number;
  readonly alt: string;
  /** The destination as written (without `<>`), backslash escapes removed. */
  readonly destination: string;
}

/** Skips a bracketed alt text starting at `[` (nested brackets balanced, `\` escapes); the index after `]`, or -1. */
function skipAlt(line: string, open: number, limit: number): number {
  let depth = 0;
  for (let i = open; i < limit; i++) {
    const c = line[i];
    if (c === "\\") i++;
    else if (c === "[") depth++;
    else if (c === "]" && --depth === 0) return i + 1;
  }
  return -1;
}

function skipSpaces(line: string, i: number, limit: number): number {
  while (i < limit && (line[i] === " " || line[i] === "\t")) i++;
  return i;
}

/** The destination and title inside `(…)` starting after `(`; the index after `)`, or undefined. */
function parseTarget(line: string, from: number, limit: number): { destination: string; end: number } | undefined {
  let i = skipSpaces(line, from, limit);
  let destination = "";
  if (line[i] === "<") {
    i++;
    for (; i < limit && line[i] !== ">"; i++) {
      if (line[i] === "<") return undefined;
      if (line[i] === "\\" && i + 1 < limit) i++;
      destination += line[i];
    }
    if (line[i] !== ">") return undefined;
    i++;
  } else {
    let depth = 0;
    for (; i < limit; i++) {
      const c = line[i];
      if (c === " " || c === "\t") break;
      if (c === "\\" && i + 1 < limit && /[!-/:-@[-`{-~]/.test(line[i + 1])) {
        destination += line[++i];
        continue;
      }
      if (c === "(") depth++;
      else if (c === ")") {
        if (depth === 0) break;
        depth--;
      }
      destination += c;
    }
  }
  i = skipSpaces(line, i, limit);
  const quote = line[i];
  if (quote === '"' || quote === "'" || quote === "(") {
    const close = quote === "(" ? ")" : quote;
    i++;
    while (i < limit && line[i] !== close) i += line[i] === "\\" ? 2 : 1;
    if (i >= limit) return undefined;
    i = skipSpaces(line, i + 1, limit);
  }
  return line[i] === ")" ? { destination, end: i + 1 } : undefined;
}

/** The inline image link whose text contains column `column` (its ends included), if any. */
export function imageLinkAt(line: string, column: number): ImageLink | undefined {
  if (line.length > MAX_LINE_CHARS) return undefined;
  // A link around the cursor starts at most MAX_LINK_CHARS before it: only those starts are tried.
  const first = line.indexOf("![", Math.max(0, column - MAX_LINK_CHARS));
  for (let start = first; start >= 0; start = line.indexOf("![", start + 1)) {
    if (start > column) return undefined;
    if (start > 0 && line[start - 1] === "\\") continue;
    const limit = Math.min(line.length, start + MAX_LINK_CHARS);
    const altEnd = skipAlt(line, start + 1, limit);
    if (altEnd < 0 || line[altEnd] !== "(") continue;
    const target = parseTarget(line, altEnd + 1, limit);
    if (!target) continue;
    if (column <= target.end) return { start, end: target.end, alt: line.slice(start + 2, altEnd - 1), destination: target.destination };
    start = target.end - 1;
  }
  return undefined;
}

export type LinkTarget =
  /** A path, already percent-decoded and normalised, as a full URI path. */
  | { readonly kind: "path"; readonly path: string }
  /** An address on the web or elsewhere (`https:`, `data:`, `//host/…`). */
  | { readonly kind: "remote"; readonly scheme: string }
  | { readonly kind: "empty" };

function percentDecode(text: string): string {
  return text.replace(/(%[0-9A-Fa-f]{2})+/g, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      return run;
    }
  });
}

/**
 * Where a link's destination points, as VS Code's Markdown preview reads it: relative to the
 * document's folder, or to the workspace folder when it starts with `/`; the query and fragment
 * are not part of the file. `workspaceFolderPath` is undefined when the document is in none (then
 * `/` means the document's folder, as VS Code does).
 */
export function linkTarget(destination: string, documentPath: string, workspaceFolderPath?: string): LinkTarget {
  const text = destination.trim();
  if (!text) return { kind: "empty" };
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(text);
  // A Windows drive letter (C:\…) is a path, not a scheme; everything else with a scheme is not a file here.
  if (scheme && !/^[a-z]:[\\/]/i.test(text)) return { kind: "remote", scheme: scheme[1].toLowerCase() };
  if (text.startsWith("//")) return { kind: "remote", scheme: "//" };
  const plain = percentDecode(text.replace(/[?#].*$/, ""));
  if (!plain) return { kind: "empty" };
  const base = plain.startsWith("/") ? (workspaceFolderPath ?? dirName(documentPath)) : dirName(documentPath);
  return { kind: "path", path: normalizePath(`${base}/${plain}`) };
}

/** `![revised prompt](relative/path.jpg)` for an image at `imagePath` (a URI path), relative to the document. */
export function imageLinkFor(documentPath: string, imagePath: string, alt: string): string {
  const name = imagePath.slice(imagePath.lastIndexOf("/") + 1);
  return markdownImageLink(alt, relativePath(dirName(documentPath), imagePath), name);
}
