import assert from "node:assert/strict";
import { estimate, formatUsd, parsePriceOverrides, pricePerImage, sumEstimates } from "../../../src/api";

describe("api/price", () => {
  it("reads fal's list price and leaves unpublished prices unknown", () => {
    assert.equal(pricePerImage("xai/grok-imagine-image"), 0.02);
    assert.equal(pricePerImage("xai/grok-imagine-image/quality/edit"), null);
    assert.equal(pricePerImage("not/an-endpoint"), null);
  });

  it("lets the person's overrides win, and drops junk without throwing", () => {
    const { prices, ignored } = parsePriceOverrides({
      "xai/grok-imagine-image/edit": 0.04,
      "xai/grok-imagine-image": -1,
      "xai/grok-imagine-image/quality/edit": "0.1",
      "someone/else": 0.5,
      "xai/grok-imagine-image/quality/text-to-image": 1e9,
    });
    assert.deepEqual(prices, { "xai/grok-imagine-image/edit": 0.04 });
    assert.deepEqual(ignored.sort(), ["someone/else", "xai/grok-imagine-image", "xai/grok-imagine-image/quality/edit", "xai/grok-imagine-image/quality/text-to-image"]);
    assert.equal(pricePerImage("xai/grok-imagine-image/edit", prices), 0.04);
    assert.deepEqual(parsePriceOverrides(undefined), { prices: {}, ignored: [] });
    assert.deepEqual(parsePriceOverrides([1]).ignored, ["(not an object)"]);
    assert.deepEqual(parsePriceOverrides("x").ignored, ["(not an object)"]);
    // A prototype key is not a price.
    assert.deepEqual(parsePriceOverrides(JSON.parse('{"__proto__": 1}')).prices, {});
  });

  it("estimates and sums, unknown when any part is unknown", () => {
    assert.deepEqual(estimate("xai/grok-imagine-image", 4), { images: 4, usd: 0.08 });
    assert.deepEqual(estimate("xai/grok-imagine-image/edit", 2), { images: 2, usd: null });
    assert.deepEqual(sumEstimates([estimate("xai/grok-imagine-image", 3), estimate("xai/grok-imagine-image", 1)]), { images: 4, usd: 0.08 });
    assert.deepEqual(sumEstimates([estimate("xai/grok-imagine-image", 3), estimate("xai/grok-imagine-image/edit", 1)]), { images: 4, usd: null });
    // 0.1 + 0.2 style drift does not show.
    assert.equal(sumEstimates(Array.from({ length: 3 }, () => ({ images: 1, usd: 0.1 }))).usd, 0.3);
  });

  it("formats dollars for people", () => {
    assert.equal(formatUsd(0.08), "$0.08");
    assert.equal(formatUsd(0.005), "$0.005");
    assert.equal(formatUsd(0), "$0.00");
    assert.equal(formatUsd(null), "price unknown");
  });
});
