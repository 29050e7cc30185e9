import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { contentSecurityPolicy, dataBlockJson, fillPage, makeNonce } from "../../../src/gallery/csp";

const ROOT = path.resolve(__dirname, "..", "..", "..", "..");
/** The page as shipped (esbuild.js makes it; `npm test` builds before the unit level). */
const PAGE = "dist/webview/gallery.html";

describe("the gallery page's Content-Security-Policy", () => {
  it("allows nothing by default, our script and inline styles by nonce, and our own styles, fonts and images", () => {
    const csp = contentSecurityPolicy("https://file+.vscode-resource.vscode-cdn.net", "abc123==");
    const directives = new Map(csp.split("; ").map((d) => [d.split(" ")[0], d.split(" ").slice(1).join(" ")]));
    assert.equal(directives.get("default-src"), "'none'");
    assert.equal(directives.get("script-src"), "'nonce-abc123=='");
    assert.equal(directives.get("style-src"), "https://file+.vscode-resource.vscode-cdn.net 'nonce-abc123=='");
    assert.equal(directives.get("img-src"), "https://file+.vscode-resource.vscode-cdn.net data:");
    assert.equal(directives.get("font-src"), "https://file+.vscode-resource.vscode-cdn.net");
    assert.equal(directives.get("base-uri"), "'none'");
    assert.equal(directives.get("form-action"), "'none'");
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*|blob:/);
    // data: for images only (the thumbnails init carries), never for a script, style or font.
    for (const [name, value] of directives) if (name !== "img-src") assert.doesNotMatch(value, /data:/, name);
  });
  it("makes a fresh 128-bit nonce for every load", () => {
    const nonces = new Set(Array.from({ length: 200 }, () => makeNonce()));
    assert.equal(nonces.size, 200);
    for (const n of nonces) assert.equal(Buffer.from(n, "base64").length, 16);
  });
  it("fills the shipped page: the policy, the nonce on the one script and the one style, the font through asWebviewUri", () => {
    const asked: string[] = [];
    const html = fillPage(fs.readFileSync(path.join(ROOT, PAGE), "utf8"), "vscode-src", "N0nce==", (p) => {
      asked.push(p);
      return `https://res/${p}`;
    });
    assert.doesNotMatch(html, /\{\{(csp|nonce|init|dist\/|media\/)/, "no placeholder is left");
    assert.ok(html.includes(`content="${contentSecurityPolicy("vscode-src", "N0nce==")}"`));
    assert.deepEqual(asked.sort(), ["dist/webview/codicon.ttf"]);
    assert.equal(html.split('nonce="N0nce=="').length, 3, "the one script and the one style carry the nonce");
    assert.equal(html.match(/<script\b/gi)?.length, 2, "one script, and the data block");
    assert.ok(html.includes('<script type="application/json" id="init"></script>'), "an empty data block when no init is given");
    assert.equal(html.match(/<style\b/gi)?.length, 1, "one style element");
    assert.match(html, /<script nonce="N0nce==">\n/);
    assert.match(html, /<style nonce="N0nce==">\n/);
    assert.match(html, /<body data-codicon-font="https:\/\/res\/dist\/webview\/codicon\.ttf">/, "the icon font, for the script to add once the page has loaded");
    assert.doesNotMatch(html, /@font-face/, "no font the page would fetch before it has loaded");
    const markup = html.replace(/<script nonce="N0nce==">[\s\S]*?<\/script>/, "").replace(/<style nonce="N0nce==">[\s\S]*?<\/style>/, "").replace('<script type="application/json" id="init"></script>', "");
    assert.doesNotMatch(markup, / on[a-z]+=|style=|<script|<style/i, "no inline handlers, styles or scripts outside the two under the nonce and the data block");
  });
  it("carries the first init in the data block, as JSON that no prompt can end or turn into markup", () => {
    const hostile = ["</script><script>alert(1)</script>", "<!--<script>", "</SCRIPT >", "a & b > c", "\u2028\u2029", "{{csp}} {{nonce}} {{init}}", "$& $1 $$"];
    const init = { type: "init", seq: 1, entries: hostile.map((prompt, i) => ({ id: `file:///w/${i}.png`, prompt })) };
    const html = fillPage(fs.readFileSync(path.join(ROOT, PAGE), "utf8"), "vscode-src", "N0nce==", (p) => `https://res/${p}`, init);
    const block = /<script type="application\/json" id="init">([\s\S]*?)<\/script>/i.exec(html);
    assert.ok(block);
    const text = block[1] ?? "";
    assert.doesNotMatch(text, /[<>&\u2028\u2029]/, "nothing the HTML parser could read as markup");
    assert.deepEqual(JSON.parse(text), init, "the same value back");
    // The rest of the page is as without the init: the block ends where it should.
    assert.equal(html.match(/<script\b/gi)?.length, 2);
    assert.equal(html.split('nonce="N0nce=="').length, 3);
    assert.equal(dataBlockJson("</script>"), '"\\u003c/script\\u003e"');
  });
  it("ships the page in the package (.vscodeignore)", function () {
    this.timeout(60_000);
    const vsce = path.join(ROOT, "node_modules", "@vscode", "vsce", "vsce");
    const r = spawnSync(process.execPath, [vsce, "ls", "--no-dependencies"], { cwd: ROOT, encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    assert.ok(r.stdout.split(/\r?\n/).includes(PAGE), `vsce ls lists no ${PAGE}:\n${r.stdout}`);
  });
});
