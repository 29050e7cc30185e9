import * as assert from "node:assert/strict";
import { contentSecurityPolicy, makeNonce } from "../../../src/gallery/csp";

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
});
