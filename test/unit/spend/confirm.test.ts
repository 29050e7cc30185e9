import assert from "node:assert/strict";
import { confirmSpend, confirmText, needsConfirm } from "../../../src/spend/confirm";
import { english, useTranslator } from "../../../src/l10n";

describe("spend/confirm", () => {
  it("asks above the threshold only, and for an unknown price only when the threshold is 0", () => {
    assert.equal(needsConfirm({ images: 4, usd: 0.08 }, 1), false);
    assert.equal(needsConfirm({ images: 4, usd: 1 }, 1), false);
    assert.equal(needsConfirm({ images: 4, usd: 1.000001 }, 1), true);
    assert.equal(needsConfirm({ images: 1, usd: 0.02 }, 0), true);
    assert.equal(needsConfirm({ images: 1, usd: 0 }, 0), false);
    assert.equal(needsConfirm({ images: 4, usd: null }, 1), false);
    assert.equal(needsConfirm({ images: 4, usd: null }, 0), true);
  });

  it("says the cost and the limit, and sends only on Send", async () => {
    const asked: { message: string; detail: string; items: string[] }[] = [];
    let answer: string | undefined = "Send";
    const ask = (message: string, detail: string, ...items: string[]) => {
      asked.push({ message, detail, items });
      return Promise.resolve(answer);
    };
    assert.equal(await confirmSpend(ask, { images: 4, usd: 0.08 }, 1, "Generate"), true);
    assert.equal(asked.length, 0, "within the limit nothing is asked");
    assert.equal(await confirmSpend(ask, { images: 60, usd: 1.2 }, 1, "Batch"), true);
    assert.deepEqual(asked[0], { message: "Batch: 60 images for an estimated $1.20?", detail: "This is above your limit of $1.00 (grokImagine.confirmAboveUsd) for a request without asking.", items: ["Send"] });
    answer = undefined;
    assert.equal(await confirmSpend(ask, { images: 60, usd: 1.2 }, 1, "Batch"), false);
    answer = "Something else";
    assert.equal(await confirmSpend(ask, { images: 2, usd: null }, 0, "Edit"), false);
    assert.match(asked[2].message, /Edit: 2 images for an estimated price unknown\?/);
    assert.match(asked[2].detail, /confirmAboveUsd is 0/);
  });

  it("goes through the display language's translator", () => {
    useTranslator((m, ...a) => `«${m}»${a.join("|")}`);
    try {
      assert.match(confirmText({ images: 1, usd: 2 }, 1, "Generate").message, /^«\{0\}: \{1\} for an estimated \{2\}\?»Generate\|«1 image»\|\$2\.00$/);
    } finally {
      useTranslator(english);
    }
  });
});
