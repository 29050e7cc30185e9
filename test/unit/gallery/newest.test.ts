/** gallery/newest.ts: the first k in order, checked against a full (stable) sort. */
import * as assert from "node:assert/strict";
import { firstInOrder } from "../../../src/gallery/newest";

interface Item {
  readonly created: number;
  readonly path: string;
  readonly n: number;
}
const newestFirst = (a: Item, b: Item) => b.created - a.created || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);

/** A small seeded generator: the same cases every run. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe("gallery/newest: the newest k without sorting everything", () => {
  it("gives what a full sort's first k gives, for sizes around k, with ties in time and in path", () => {
    const r = random(7);
    for (let round = 0; round < 300; round++) {
      const n = Math.floor(r() * 120);
      const k = Math.floor(r() * 60);
      // Few distinct times and paths, so that ties happen (and the stable order shows).
      const items: Item[] = Array.from({ length: n }, (_, i) => ({ created: Math.floor(r() * 20), path: `p${Math.floor(r() * 15)}`, n: i }));
      const expected = [...items].sort(newestFirst).slice(0, k);
      assert.deepEqual(firstInOrder(items, k, newestFirst), expected, `n=${n} k=${k}`);
    }
  });
  it("k of 0 or less gives nothing; k above the count gives them all, in order", () => {
    const items: Item[] = [3, 1, 2].map((created, n) => ({ created, path: "a", n }));
    assert.deepEqual(firstInOrder(items, 0, newestFirst), []);
    assert.deepEqual(firstInOrder(items, -1, newestFirst), []);
    assert.deepEqual(firstInOrder(items, 10, newestFirst).map((i) => i.created), [3, 2, 1]);
  });
});
