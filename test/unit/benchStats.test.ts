/** The benchmarks' arithmetic (test/runner/stats.ts): what every figure of `npm run bench` is printed with. */
import * as assert from "node:assert/strict";
import { fmt, interleaved, median, pairwise, summarize } from "../runner/stats";

describe("benchmark statistics", () => {
  it("median of odd and even counts; NaN for none", () => {
    assert.equal(median([5, 1, 3]), 3);
    assert.equal(median([4, 1, 3, 2]), 2.5);
    assert.ok(Number.isNaN(median([])));
  });
  it("min / median / max as printed", () => {
    assert.deepEqual(summarize([30, 10, 20]), { n: 3, min: 10, median: 20, max: 30 });
    assert.equal(fmt([30, 10, 20]), "min 10 / median 20 / max 30 ms (n=3)");
    assert.equal(fmt([1.234, 2], "", 2), "min 1.23 / median 1.62 / max 2.00 (n=2)");
  });
  it("pairs runs of the same round", () => {
    assert.deepEqual(pairwise([10, 20, 30], [1, 2], (a, b) => a - b), [9, 18]);
  });
  it("interleaves the steps, rotating which goes first each round", async () => {
    const order: string[] = [];
    await interleaved(3, [async (r) => void order.push(`a${r}`), async (r) => void order.push(`b${r}`), async (r) => void order.push(`c${r}`)]);
    assert.deepEqual(order, ["a0", "b0", "c0", "b1", "c1", "a1", "c2", "a2", "b2"]);
  });
});
