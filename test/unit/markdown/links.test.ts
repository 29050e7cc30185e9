/** markdown/links.ts: the image link under the cursor, where it points, and the link for a new image. */
import assert from "node:assert/strict";
import { imageLinkAt, imageLinkFor, linkTarget, MAX_LINE_CHARS, MAX_LINK_CHARS } from "../../../src/markdown/links";

describe("markdown/links: image links in a document", () => {
  it("finds the inline image link the cursor is on, its ends included", () => {
    const line = "See ![a fox](images/fox.png) and ![owl](<my owl.png> \"title\") here.";
    const foxEnd = line.indexOf(")") + 1;
    const owlStart = line.indexOf("![owl");
    const owlEnd = line.indexOf(") here") + 1;
    assert.deepEqual(imageLinkAt(line, 6), { start: 4, end: foxEnd, alt: "a fox", destination: "images/fox.png" });
    assert.equal(imageLinkAt(line, 4)?.destination, "images/fox.png");
    assert.equal(imageLinkAt(line, foxEnd)?.destination, "images/fox.png", "just after the link");
    assert.equal(imageLinkAt(line, foxEnd + 2), undefined, "between the links");
    assert.deepEqual(imageLinkAt(line, owlStart + 10), { start: owlStart, end: owlEnd, alt: "owl", destination: "my owl.png" });
    assert.equal(imageLinkAt(line, owlEnd + 2), undefined);
  });

  it("reads nested brackets, parentheses, escapes and titles", () => {
    assert.equal(imageLinkAt("![a [b] c](x_(1).png)", 3)?.destination, "x_(1).png");
    assert.equal(imageLinkAt("![a](x\\).png 'it''s')", 1), undefined, "an unclosed title is no link");
    assert.equal(imageLinkAt("![a](x\\).png (t))", 1)?.destination, "x).png");
    assert.equal(imageLinkAt("\\![not](a.png)", 3), undefined, "an escaped ! is a plain link");
    assert.equal(imageLinkAt("[link](a.png)", 2), undefined, "a link is not an image");
    assert.equal(imageLinkAt("![broken(a.png)", 2), undefined);
    assert.equal(imageLinkAt("x".repeat(MAX_LINE_CHARS + 1) + "![a](b.png)", MAX_LINE_CHARS + 3), undefined, "a line too long is not read");
  });

  it("reads a hostile line in bounded time (min/median/max printed), and no link longer than the bound", function () {
    this.timeout(20_000);
    const lines = ["![".repeat(MAX_LINE_CHARS / 2), "![a](".repeat(MAX_LINE_CHARS / 5), "![" + "[".repeat(MAX_LINE_CHARS - 2)];
    const times: number[] = [];
    for (const line of lines) {
      for (let i = 0; i < 3; i++) {
        const t0 = process.hrtime.bigint();
        assert.equal(imageLinkAt(line, line.length - 1), undefined);
        times.push(Number(process.hrtime.bigint() - t0) / 1e6);
      }
    }
    times.sort((a, b) => a - b);
    console.log(`      ${MAX_LINE_CHARS}-character lines of unclosed links: min ${times[0].toFixed(1)} ms, median ${times[4].toFixed(1)} ms, max ${times[8].toFixed(1)} ms`);
    // At most MAX_LINK_CHARS starts of at most MAX_LINK_CHARS steps each: a million, well under a second.
    assert.ok(times[4] < 1000, `median ${times[4]} ms`);
    const long = `![a](${"x".repeat(MAX_LINK_CHARS)}.png)`;
    assert.equal(imageLinkAt(long, 2), undefined);
  });

  it("resolves a destination relative to the document, or to the workspace folder with /", () => {
    assert.deepEqual(linkTarget("images/fox.png", "/ws/docs/a.md", "/ws"), { kind: "path", path: "/ws/docs/images/fox.png" });
    assert.deepEqual(linkTarget("../img/my%20fox.png?v=2#x", "/ws/docs/a.md", "/ws"), { kind: "path", path: "/ws/img/my fox.png" });
    assert.deepEqual(linkTarget("/img/fox.png", "/ws/docs/a.md", "/ws"), { kind: "path", path: "/ws/img/fox.png" });
    assert.deepEqual(linkTarget("../../../../etc/x.png", "/ws/docs/a.md", "/ws"), { kind: "path", path: "/etc/x.png" }, "the resolver refuses it afterwards");
  });

  it("names remote addresses instead of resolving them", () => {
    assert.deepEqual(linkTarget("https://example.com/a.png", "/ws/a.md", "/ws"), { kind: "remote", scheme: "https" });
    assert.deepEqual(linkTarget("data:image/png;base64,AAAA", "/ws/a.md", "/ws"), { kind: "remote", scheme: "data" });
    assert.deepEqual(linkTarget("//cdn.example.com/a.png", "/ws/a.md", "/ws"), { kind: "remote", scheme: "//" });
    assert.deepEqual(linkTarget("  ", "/ws/a.md", "/ws"), { kind: "empty" });
  });

  it("links a new image relative to the document, escaped as the gallery's links are", () => {
    assert.equal(imageLinkFor("/ws/docs/a.md", "/ws/docs/images/fox (1).jpg", "A *red* fox [v2]"), "![A \\*red\\* fox \\[v2\\]](images/fox%20%281%29.jpg)");
    assert.equal(imageLinkFor("/ws/docs/a.md", "/ws/generated-images/owl.png", "line\nbreak"), "![line break](../generated-images/owl.png)");
    assert.equal(imageLinkFor("/ws/a.md", "/ws/owl.png", ""), "![owl.png](owl.png)");
  });
});
