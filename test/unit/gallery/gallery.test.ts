/** The gallery's pure parts: the message protocol's checks, Markdown links, search, grid arithmetic. */
import assert from "node:assert/strict";
import { defaultViewState, MAX_THUMB_BYTES, parseViewState, parseWebviewMessage, viewportSize, type FormDefaults, type GalleryEntry } from "../../../src/protocol";
import { markdownAlt, markdownDestination, markdownImageLink, relativePath } from "../../../src/gallery/markdown";
import { compareEntries, fold, haystack, makeFilter, matches } from "../../../media/gallery/filter";
import { cardPosition, gridMetrics, moveIndex, scrollStillWanted, scrollToShow, totalHeight, visibleRange } from "../../../media/gallery/layout";

const DEFAULTS: FormDefaults = {
  generate: { num_images: 1, aspect_ratio: "1:1", resolution: "1k", output_format: "jpeg", sync_mode: false, tier: "standard" },
  edit: { num_images: 1, aspect_ratio: "auto", resolution: "1k", output_format: "jpeg", sync_mode: false, tier: "standard" },
};
const FORM = { prompt: "a fox", num_images: 2, aspect_ratio: "16:9", resolution: "2k", output_format: "png", sync_mode: false, tier: "quality" };

describe("Gallery protocol: messages from the webview are checked before anything runs", () => {
  it("accepts each well-formed message", () => {
    const good: unknown[] = [
      { type: "ready" },
      { type: "rendered", at: 1, entries: 10, cards: 4, scriptMs: 50, initMs: 60, paintMs: 80, width: 900, height: 640 },
      { type: "thumbnails", ms: 12, count: 4 },
      { type: "generate", requestId: 1, input: FORM },
      { type: "edit", requestId: 2, ids: ["file:///w/a.png", "file:///w/b.png"], input: { ...DEFAULTS.edit, prompt: "make it blue" } },
      { type: "action", requestId: 3, action: "reveal", id: "file:///w/a.png" },
      { type: "cancelJob", requestId: 4, jobId: "abc-1" },
      { type: "thumbnail", id: "file:///w/a.png", version: "123:456", bytes: new Uint8Array([0x52, 0x49, 0x46, 0x46]) },
    ];
    for (const m of good) {
      const r = parseWebviewMessage(m);
      assert.ok(r.ok, `${JSON.stringify(m)}: ${r.ok ? "" : r.reason}`);
      assert.deepEqual(r.value, m);
    }
  });

  const bad: [string, unknown, RegExp][] = [
    ["not an object", "ready", /not an object/],
    ["an array", [{ type: "ready" }], /not an object/],
    ["no type", { requestId: 1 }, /no type/],
    ["an unknown type", { type: "runCommand", command: "workbench.action.terminal.new" }, /unknown message type/],
    ["an extra field", { type: "ready", html: "<b>" }, /unexpected field "html"/],
    ["a missing field", { type: "action", requestId: 1, action: "open" }, /missing field "id"/],
    ["an action not offered", { type: "action", requestId: 1, action: "workbench.action.terminal.new", id: "file:///w/a.png" }, /not one the gallery offers/],
    ["a command as action", { type: "action", requestId: 1, action: "command:workbench.action.terminal.new", id: "x" }, /not one the gallery offers/],
    ["a number as id", { type: "action", requestId: 1, action: "open", id: 42 }, /id must be/],
    ["an empty id", { type: "action", requestId: 1, action: "open", id: "" }, /id must be/],
    ["a huge id", { type: "action", requestId: 1, action: "open", id: "x".repeat(5000) }, /id must be/],
    ["a negative requestId", { type: "action", requestId: -1, action: "open", id: "x" }, /requestId/],
    ["a fractional requestId", { type: "cancelJob", requestId: 1.5, jobId: "x" }, /requestId/],
    ["four images in an edit", { type: "edit", requestId: 1, ids: ["a", "b", "c", "d"], input: { ...DEFAULTS.edit, prompt: "p" } }, /1 to 3/],
    ["no images in an edit", { type: "edit", requestId: 1, ids: [], input: { ...DEFAULTS.edit, prompt: "p" } }, /1 to 3/],
    ["an object among the ids", { type: "edit", requestId: 1, ids: [{}], input: { ...DEFAULTS.edit, prompt: "p" } }, /image ids/],
    ["an unknown form field", { type: "generate", requestId: 1, input: { ...FORM, seed: 4 } }, /unexpected field "seed"/],
    ["a missing form field", { type: "generate", requestId: 1, input: { prompt: "x" } }, /missing field/],
    ["a text num_images", { type: "generate", requestId: 1, input: { ...FORM, num_images: "2" } }, /num_images/],
    ["a text sync_mode", { type: "generate", requestId: 1, input: { ...FORM, sync_mode: "true" } }, /sync_mode/],
    ["an edit with the URLs the host fills in", { type: "edit", requestId: 1, ids: ["a"], input: { ...DEFAULTS.edit, prompt: "p", image_urls: ["http://x"] } }, /unexpected field "image_urls"/],
    ["an edit with the prompt outside its input", { type: "edit", requestId: 1, ids: ["a"], prompt: "p", input: DEFAULTS.edit }, /unexpected field "prompt"/],
    ["an over-long prompt", { type: "generate", requestId: 1, input: { ...FORM, prompt: "x".repeat(9000) } }, /prompt/],
    ["a non-number figure", { type: "rendered", at: "now", entries: 1, cards: 1, scriptMs: 1, initMs: 1, paintMs: 1, width: 1, height: 1 }, /numbers/],
    ["a paint without the grid's size", { type: "rendered", at: 1, entries: 1, cards: 1, scriptMs: 1, initMs: 1, paintMs: 1 }, /missing field "width"/],
    ["a text grid size", { type: "rendered", at: 1, entries: 1, cards: 1, scriptMs: 1, initMs: 1, paintMs: 1, width: "900", height: 1 }, /numbers/],
    ["inherited fields only", Object.create({ type: "ready" }) as unknown, /no type/],
    ["a thumbnail as text", { type: "thumbnail", id: "file:///w/a.png", version: "1:2", bytes: "UklGRg==" }, /bytes must be bytes/],
    ["a thumbnail as an array of numbers", { type: "thumbnail", id: "file:///w/a.png", version: "1:2", bytes: [0x52, 0x49] }, /bytes must be bytes/],
    ["an empty thumbnail", { type: "thumbnail", id: "file:///w/a.png", version: "1:2", bytes: new Uint8Array(0) }, /1 to 98304 bytes, not 0/],
    ["a thumbnail over the cap", { type: "thumbnail", id: "file:///w/a.png", version: "1:2", bytes: new Uint8Array(MAX_THUMB_BYTES + 1) }, /not 98305/],
    ["a thumbnail with a long version", { type: "thumbnail", id: "file:///w/a.png", version: "9".repeat(41), bytes: new Uint8Array(4) }, /version/],
    ["a thumbnail without its image", { type: "thumbnail", id: "", version: "1:2", bytes: new Uint8Array(4) }, /id must be/],
  ];
  for (const [what, message, reason] of bad) {
    it(`refuses ${what}`, () => {
      const r = parseWebviewMessage(message);
      assert.equal(r.ok, false);
      if (!r.ok) assert.match(r.reason, reason);
    });
  }
});

describe("Gallery view state: a saved state is untrusted too", () => {
  it("keeps good fields and replaces bad ones with defaults", () => {
    const v = parseViewState(
      { query: "fox", kind: "edit", format: "gif", params: { resolution: "2k", aspect_ratio: "5:4", seed: "1", tier: "quality" }, scrollTop: -5, active: "file:///a.png", selected: ["a", 3, "b", "c", "d"], formOpen: false, form: { prompt: "p", num_images: 9, aspect_ratio: "16:9", resolution: "4k", output_format: "png", sync_mode: "yes", tier: "quality" }, editForm: { num_images: 2, resolution: 2, tier: "fast" }, editPrompt: 7 },
      DEFAULTS,
    );
    assert.deepEqual(v, {
      query: "fox",
      kind: "edit",
      format: "all",
      params: { resolution: "2k", tier: "quality" },
      scrollTop: 0,
      active: "file:///a.png",
      selected: ["a", "b", "c"],
      formOpen: false,
      form: { prompt: "p", num_images: 1, aspect_ratio: "16:9", resolution: "1k", output_format: "png", sync_mode: false, tier: "quality" },
      editForm: { num_images: 2, aspect_ratio: "auto", resolution: "1k", output_format: "jpeg", sync_mode: false, tier: "standard" },
      editPrompt: "",
    });
  });
  it("is undefined for something that is not a state; the default state has the settings' defaults", () => {
    assert.equal(parseViewState("x", DEFAULTS), undefined);
    assert.equal(parseViewState(null, DEFAULTS), undefined);
    assert.deepEqual(parseViewState({}, DEFAULTS), defaultViewState(DEFAULTS));
    assert.deepEqual(defaultViewState(DEFAULTS).form, { prompt: "", ...DEFAULTS.generate });
    assert.deepEqual(defaultViewState(DEFAULTS).editForm, DEFAULTS.edit);
  });
});

describe("Gallery Markdown links", () => {
  it("escapes the alt text so any prompt stays one image link", () => {
    assert.equal(markdownAlt("a [red] fox\nin *snow*"), "a \\[red\\] fox in \\*snow\\*");
    assert.equal(markdownAlt("back\\slash `code` <b>&amp; _u_"), "back\\\\slash \\`code\\` \\<b\\>\\&amp; \\_u\\_");
    assert.equal(markdownAlt("line1\r\nline2\rline3\u2028line4"), "line1 line2 line3 line4");
    assert.equal(markdownAlt("  tab\there \u0007bell  "), "tab\there bell");
  });
  it("percent-encodes the destination, parentheses and spaces included", () => {
    assert.equal(markdownDestination("../generated images/fox (1).png"), "../generated%20images/fox%20%281%29.png");
    assert.equal(markdownDestination("a/ü.png"), "a/%C3%BC.png");
  });
  it("makes paths relative to the Markdown file's folder", () => {
    assert.equal(relativePath("/w/docs", "/w/generated-images/fox.png"), "../generated-images/fox.png");
    assert.equal(relativePath("/w", "/w/generated-images/fox.png"), "generated-images/fox.png");
    assert.equal(relativePath("/w/a/b/c", "/w/a/x.png"), "../../x.png");
    assert.equal(relativePath("/w/img", "/w/img/fox.png"), "fox.png");
  });
  it("builds the link, falling back to the file name for the alt text", () => {
    assert.equal(markdownImageLink("A fox ] (x)", "../i/fox.png", "fox.png"), "![A fox \\] (x)](../i/fox.png)");
    assert.equal(markdownImageLink("", "fox.png", "fox.png"), "![fox.png](fox.png)");
    assert.equal(markdownImageLink("\n\n", "fox.png", "fox_1.png"), "![fox\\_1.png](fox.png)");
  });
});

function entry(over: Partial<GalleryEntry>): GalleryEntry {
  return {
    id: "file:///w/a.png", src: "", name: "a.png", path: "a.png", format: "png", kind: "generate",
    prompt: "", revisedPrompt: "", params: {}, created: 0, sources: [], size: 1, requestId: "", version: "1:0", ...over,
  };
}

describe("Gallery search and filters", () => {
  const fox = entry({ prompt: "A Red FOX in the snow", revisedPrompt: "a crimson fox", name: "red-fox.png", path: "img/red-fox.png", kind: "generate", format: "png" });
  const cat = entry({ prompt: "cat", name: "cat.jpg", path: "img/cat.jpg", kind: "edit", format: "jpeg" });
  it("matches every word in prompt, revised prompt or file name, ignoring case", () => {
    assert.ok(matches(fox, haystack(fox), makeFilter("fox SNOW", "all", "all", {})));
    assert.ok(matches(fox, haystack(fox), makeFilter("crimson", "all", "all", {})));
    assert.ok(matches(fox, haystack(fox), makeFilter("red-fox.png", "all", "all", {})));
    assert.ok(!matches(fox, haystack(fox), makeFilter("fox dog", "all", "all", {})));
  });
  it("ignores zero-width and direction characters, and folds compatibility forms", () => {
    const hidden = entry({ prompt: "f\u200bo\u202ex \uFF26OX" });
    assert.ok(matches(hidden, haystack(hidden), makeFilter("fox fox", "all", "all", {})));
    assert.equal(fold("Ａ\u200dB"), "ab");
  });
  it("filters by kind and format", () => {
    assert.ok(matches(cat, haystack(cat), makeFilter("", "edit", "jpeg", {})));
    assert.ok(!matches(cat, haystack(cat), makeFilter("", "generate", "all", {})));
    assert.ok(!matches(fox, haystack(fox), makeFilter("", "all", "webp", {})));
  });
  it("filters by recorded parameters, as text", () => {
    const wide = entry({ params: { aspect_ratio: "16:9", num_images: 2 } });
    assert.ok(matches(wide, haystack(wide), makeFilter("", "all", "all", { aspect_ratio: "16:9", num_images: "2" })));
    assert.ok(!matches(wide, haystack(wide), makeFilter("", "all", "all", { aspect_ratio: "1:1" })));
    assert.ok(!matches(wide, haystack(wide), makeFilter("", "all", "all", { resolution: "1k" })), "a parameter not recorded does not match");
    const quality = entry({ params: { tier: "quality" } });
    assert.ok(matches(quality, haystack(quality), makeFilter("", "all", "all", { tier: "quality" })));
    assert.ok(!matches(wide, haystack(wide), makeFilter("", "all", "all", { tier: "quality" })));
  });
  it("sorts newest first, then by path", () => {
    const list = [entry({ created: 1, path: "b" }), entry({ created: 3, path: "z" }), entry({ created: 1, path: "a" })];
    assert.deepEqual(list.sort(compareEntries).map((e) => e.path), ["z", "a", "b"]);
  });
});

describe("Gallery grid virtualization", () => {
  const opts = { minCardWidth: 176, captionHeight: 104, gap: 12, padding: 12 };
  it("fits as many columns as the width allows", () => {
    assert.equal(gridMetrics(800, opts).columns, 4);
    assert.equal(gridMetrics(100, opts).columns, 1);
    const m = gridMetrics(800, opts);
    assert.ok(m.columns * m.cardWidth + (m.columns - 1) * m.gap <= 800 - 2 * m.padding);
  });
  it("renders only the rows in view (plus one around) of 10,000 images", () => {
    const m = gridMetrics(800, opts);
    const count = 10_000;
    const h = totalHeight(count, m);
    assert.equal(h, 2 * m.padding + Math.ceil(count / m.columns) * m.rowHeight - m.gap);
    const r = visibleRange(h / 2, 600, count, m, 1);
    assert.ok(r.end - r.first <= (Math.ceil(600 / m.rowHeight) + 3) * m.columns, `${r.end - r.first} cards`);
    const last = visibleRange(h - 600, 600, count, m, 1);
    assert.equal(last.end, count);
    assert.deepEqual(visibleRange(0, 600, 0, m), { first: 0, end: 0 });
    const p = cardPosition(5, m);
    assert.deepEqual(p, { x: m.padding + 1 * (m.cardWidth + m.gap), y: m.padding + m.rowHeight });
  });
  it("moves the active card with the keys, clamped, and scrolls it into view", () => {
    const m = gridMetrics(800, opts);
    assert.equal(moveIndex(0, "ArrowRight", 10, m, 600), 1);
    assert.equal(moveIndex(0, "ArrowLeft", 10, m, 600), 0);
    assert.equal(moveIndex(1, "ArrowDown", 10, m, 600), 5);
    assert.equal(moveIndex(9, "ArrowDown", 10, m, 600), 9);
    assert.equal(moveIndex(3, "End", 10, m, 600), 9);
    assert.equal(moveIndex(-1, "ArrowDown", 10, m, 600), 0);
    assert.equal(moveIndex(0, "Home", 0, m, 600), -1);
    assert.equal(scrollToShow(0, 500, 600, m), 0);
    const below = scrollToShow(40, 0, 600, m);
    assert.ok(below > 0 && cardPosition(40, m).y + m.cardHeight <= below + 600);
    assert.equal(scrollToShow(1, 0, 600, m), 0);
  });
  it("keeps a saved scroll position it could not reach while entries are to come, and only then", () => {
    // Clamped short of it: waits while the rest is to come (another change that came first does not end the wait).
    assert.equal(scrollStillWanted(5000, 1200, true), 5000);
    // Reached (to the pixel the browser rounds to): done.
    assert.equal(scrollStillWanted(5000, 5000, true), undefined);
    assert.equal(scrollStillWanted(5000.4, 5000, true), undefined);
    // Nothing more to come (the rest came, or `init` had every entry): where the browser got is where it stays.
    assert.equal(scrollStillWanted(5000, 1200, false), undefined);
  });
});

describe("Gallery: the grid size remembered for the next first paint (viewportSize)", () => {
  it("takes whole pixels from 1 to 100,000 each way", () => {
    assert.deepEqual(viewportSize({ width: 900, height: 640 }), { width: 900, height: 640 });
    assert.deepEqual(viewportSize({ width: 1, height: 100_000 }), { width: 1, height: 100_000 });
  });
  it("gives nothing for anything else (workspace storage and messages are untrusted)", () => {
    for (const v of [undefined, null, 42, "900x640", [900, 640], {}, { width: 900 }, { width: 0, height: 10 }, { width: 10, height: -1 }, { width: 10.5, height: 10 }, { width: 100_001, height: 10 }, { width: Infinity, height: 10 }, { width: NaN, height: 10 }, { width: "900", height: 640 }, Object.create({ width: 900, height: 640 }) as unknown]) {
      assert.equal(viewportSize(v), undefined, JSON.stringify(v));
    }
  });
});
