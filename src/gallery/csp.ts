/**
 * The gallery page's Content-Security-Policy and its per-load nonce (pure: no vscode). Nothing but our
 * own script (by nonce) and our own stylesheets, fonts and images (by the webview's source) loads.
 */

/** 128 random bits from the platform's crypto, base64: a new one for every load. */
export function makeNonce(): string {
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

/** The policy for a page whose resources come from `cspSource` and whose one script carries `nonce`. */
export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    // data: only for images: the thumbnails `init` carries (base64) are shown as data: URLs.
    `img-src ${cspSource} data:`,
    // The page's own stylesheet is inlined under the nonce (see esbuild.js); nothing else inline.
    `style-src ${cspSource} 'nonce-${nonce}'`,
    `font-src ${cspSource}`,
    `script-src 'nonce-${nonce}'`,
    "base-uri 'none'",
    "form-action 'none'",
  ].join("; ");
}

/**
 * The page (dist/webview/gallery.html, made by esbuild.js from media/gallery/index.html) for one
 * load: `{{csp}}` becomes the policy, `{{nonce}}` the nonce, `{{dist/…}}` or `{{media/…}}` the URI
 * `asset` gives for that path from the extension's root, and `{{init}}` (the text of the page's
 * `application/json` data block) `init` as JSON that cannot end that block, or nothing. Nothing else
 * is touched (the page inlines its script and styles, whose text may hold braces), and what is filled
 * in is not read again.
 */
export function fillPage(template: string, cspSource: string, nonce: string, asset: (path: string) => string, init?: unknown): string {
  return template.replace(/\{\{(csp|nonce|init|(?:dist|media)\/[A-Za-z0-9_./-]+)\}\}/g, (_, k: string) =>
    k === "csp" ? contentSecurityPolicy(cspSource, nonce) : k === "nonce" ? nonce : k === "init" ? (init === undefined ? "" : dataBlockJson(init)) : asset(k),
  );
}

/**
 * `value` as JSON to put inside `<script type="application/json">`: every `<`, `>` and `&` escaped
 * (`\u003c`…), so that no text in it (a prompt that says `</script>` or `<!--`) can end the block or
 * change how the HTML parser reads it; JSON.parse gives the same value back. U+2028 and U+2029 are
 * escaped too, so that the text is also a valid JavaScript literal.
 */
export function dataBlockJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}
