import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { contentSecurityPolicy, fillPage, makeNonce } from "../../../src/gallery/csp";

const ROOT = path.resolve(__dirname, "..", "..", "..", "..");
const PAGE = "media/gallery/index.html";

describe("the gallery page's Content-Security-Policy", () => {
  it("allows nothing by default, our script by nonce, and our own styles, fonts and images", () => {
    const csp = contentSecurityPolicy("https://file+.vscode-resource.vscode-cdn.net", "abc123==");
    const directives = new Map(csp.split("; ").map((d) => [d.split(" ")[0], d.split(" ").slice(1).join(" ")]));
    assert.equal(directives.get("default-src"), "'none'");
    assert.equal(directives.get("script-src"), "'nonce-abc123=='");
    for (const d of ["img-src", "style-src", "font-src"]) assert.equal(directives.get(d), "https://file+.vscode-resource.vscode-cdn.net", d);
    assert.equal(directives.get("base-uri"), "'none'");
    assert.equal(directives.get("form-action"), "'none'");
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*/);
  });
  it("makes a fresh 128-bit nonce for every load", () => {
    const nonces = new Set(Array.from({ length: 200 }, () => makeNonce()));
    assert.equal(nonces.size, 200);
    for (const n of nonces) assert.equal(Buffer.from(n, "base64").length, 16);
  });
  it("fills the shipped page: the policy, the nonce on the one script, every asset through asWebviewUri", () => {
    const asked: string[] = [];
    const html = fillPage(fs.readFileSync(path.join(ROOT, PAGE), "utf8"), "vscode-src", "N0nce==", (p) => {
      asked.push(p);
      return `https://res/${p}`;
    });
    assert.doesNotMatch(html, /\{\{|\}\}/, "no placeholder is left");
    assert.ok(html.includes(`content="${contentSecurityPolicy("vscode-src", "N0nce==")}"`));
    assert.deepEqual(asked.sort(), ["dist/webview/codicon.css", "dist/webview/gallery.js", "media/gallery/gallery.css"]);
    assert.equal(html.split('nonce="N0nce=="').length, 2, "the one script carries the nonce");
    assert.match(html, /<script nonce="N0nce==" src="https:\/\/res\/dist\/webview\/gallery\.js"><\/script>/);
    assert.doesNotMatch(html, / on[a-z]+=|style=|<script(?![^>]*nonce)/i, "no inline handlers, styles or scripts without the nonce");
  });
  it("ships the page in the package (.vscodeignore)", function () {
    this.timeout(60_000);
    const vsce = path.join(ROOT, "node_modules", "@vscode", "vsce", "vsce");
    const r = spawnSync(process.execPath, [vsce, "ls", "--no-dependencies"], { cwd: ROOT, encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    assert.ok(r.stdout.split(/\r?\n/).includes(PAGE), `vsce ls lists no ${PAGE}:\n${r.stdout}`);
  });
});
