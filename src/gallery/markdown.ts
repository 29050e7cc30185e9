/**
 * Markdown image links for the gallery's "Copy Markdown Link" and "Insert Markdown Link": the path
 * relative to the Markdown file (or the workspace folder), the revised prompt as alt text, escaped
 * so that any prompt stays one inline image. Pure: strings only.
 */

/**
 * Alt text that CommonMark reads back as the same words: line breaks (which would end the
 * paragraph or the link) become spaces, control characters go, and every character that could start
 * markup inside the brackets (`\ [ ] ` * _ < > &`) is backslash-escaped.
 */
export function markdownAlt(text: string): string {
  return text
    .replace(/\r\n|[\r\n\u0085\u2028\u2029]/g, " ")
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, "")
    .replace(/[ \t]{2,}/g, " ")
    .trim()
    .replace(/[\\`*_[\]<>&]/g, "\\$&");
}

/** A link destination from path segments: each percent-encoded, parentheses and spaces included. */
export function markdownDestination(relativePath: string): string {
  return relativePath
    .split("/")
    .map((seg) => (seg === "." || seg === ".." ? seg : encodeURIComponent(seg).replace(/[()]/g, (c) => (c === "(" ? "%28" : "%29"))))
    .join("/");
}

/**
 * The relative path from folder `fromDir` to file `to` (both absolute, "/"-separated, as in
 * `Uri.path`): `../images/cat.png`. Same folder gives `cat.png`.
 */
export function relativePath(fromDir: string, to: string): string {
  const from = fromDir.split("/").filter(Boolean);
  const target = to.split("/").filter(Boolean);
  let common = 0;
  while (common < from.length && common < target.length - 1 && from[common] === target[common]) common++;
  const ups = from.slice(common).map(() => "..");
  return [...ups, ...target.slice(common)].join("/");
}

/** `![alt](path)`: `alt` is the revised prompt (else the prompt, else the file name). */
export function markdownImageLink(alt: string, relative: string, fallbackAlt: string): string {
  const text = markdownAlt(alt) || markdownAlt(fallbackAlt);
  return `![${text}](${markdownDestination(relative)})`;
}
