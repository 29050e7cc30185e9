/** The thumbnails a gallery open reads before its index: only names the cache makes, each once, at most a first paint's worth. */
import assert from "node:assert/strict";
import { earlyThumbnailNames, MAX_EARLY_THUMBNAILS } from "../../../src/gallery/earlyThumbnails";

const name = (i: number) => `${i.toString(16).padStart(40, "0")}.webp`;

describe("Gallery: thumbnails read before the index (earlyThumbnailNames)", () => {
  it("keeps the cache's own names, in order, each once", () => {
    assert.deepEqual(earlyThumbnailNames([name(1), name(2), name(1), name(3)]), [name(1), name(2), name(3)]);
  });

  it("reads no path and nothing that is not a name the cache makes (workspace storage is untrusted)", () => {
    const hostile: unknown[] = [
      "../../../../etc/passwd",
      "/etc/passwd",
      `${"a".repeat(40)}.webp/../../x`,
      `../${"a".repeat(40)}.webp`,
      `${"A".repeat(40)}.webp`,
      `${"a".repeat(39)}.webp`,
      `${"a".repeat(40)}.png`,
      `${"a".repeat(40)}.webp\n`,
      42,
      null,
      { name: name(1) },
      [name(1)],
    ];
    assert.deepEqual(earlyThumbnailNames(hostile), []);
    assert.deepEqual(earlyThumbnailNames([...hostile, name(7)]), [name(7)]);
  });

  it(`reads at most ${MAX_EARLY_THUMBNAILS}, however long the list`, () => {
    const many = Array.from({ length: 5000 }, (_, i) => name(i));
    assert.deepEqual(earlyThumbnailNames(many), many.slice(0, MAX_EARLY_THUMBNAILS));
  });

  it("gives nothing for anything but a list", () => {
    for (const v of [undefined, null, name(1), 42, { 0: name(1), length: 1 }]) assert.deepEqual(earlyThumbnailNames(v), []);
  });
});
