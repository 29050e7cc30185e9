/**
 * core/keys.ts: whether the last session left work that makes activation load the core chunk.
 */
import * as assert from "node:assert/strict";
import { JOURNAL_KEY, leftWork, PENDING_KEY } from "../../../src/core/keys";
import { BATCHES_KEY } from "../../../src/batch/keys";

const state = (values: Record<string, unknown>) => ({ get: (key: string) => values[key] });

describe("core/keys: work the last session left", () => {
  it("nothing recorded, or empty records: nothing to pick up", () => {
    assert.equal(leftWork(state({})), false);
    assert.equal(leftWork(state({ [PENDING_KEY]: [], [JOURNAL_KEY]: [], [BATCHES_KEY]: [] })), false);
  });

  it("a pending job, a temporary file or a batch: work to pick up", () => {
    assert.equal(leftWork(state({ [PENDING_KEY]: [{ id: "a" }] })), true);
    assert.equal(leftWork(state({ [JOURNAL_KEY]: [["file:///ws/out", ".a.png.0123456789abcdef.part"]] })), true);
    assert.equal(leftWork(state({ [BATCHES_KEY]: ["b1"] })), true);
  });

  it("other keys and values that are not arrays are not work (the core checks its records when it loads)", () => {
    assert.equal(leftWork(state({ "grokImagine.spend.ledger": [1], [PENDING_KEY]: { length: 3 }, [JOURNAL_KEY]: "x", [BATCHES_KEY]: 7 })), false);
  });

  it("reads the keys the core's stores write", () => {
    assert.equal(PENDING_KEY, "grokImagine.pendingJobs");
    assert.equal(JOURNAL_KEY, "grokImagine.save.temps");
  });
});
