import * as assert from "node:assert/strict";
import { planBatch } from "../../../src/batch/plan";
import { checkBatch, checkIds, concurrencyOf, MAX_BATCHES } from "../../../src/batch/state";

describe("batch/state: a recorded batch read back is untrusted", () => {
  const lines = planBatch("txt", "fox\nwhale\n", {}).lines.map((l) => ({ ...l, folderUri: "file:///ws/generated-images" }));
  const plan = { id: "b-1", file: "file:///ws/p.txt", results: "file:///ws/p.txt.results.jsonl", concurrency: 4, createdAt: 1, lines };
  const states = [{ status: "submitted", requestId: "0f1e2d3c-aaaa", jobId: "j1" }, { status: "pending" }];

  it("a good batch passes, its bodies re-checked by the API definition", () => {
    const c = checkBatch(JSON.parse(JSON.stringify(plan)), states);
    assert.ok(c.ok);
    assert.equal(c.batch.lines[0].body.prompt, "fox");
  });

  it("refuses what could send a crafted request, write outside, or send a line twice", () => {
    const bad = (patch: (p: Record<string, unknown>) => void, st: unknown = states) => {
      const p = JSON.parse(JSON.stringify(plan)) as Record<string, unknown>;
      patch(p);
      const c = checkBatch(p, st);
      assert.equal(c.ok, false);
      return c.ok ? "" : c.problem;
    };
    assert.match(bad((p) => ((p.lines as Record<string, Record<string, unknown>>[])[0].body.evil = 1)), /Unknown field/);
    assert.match(bad((p) => ((p.lines as Record<string, unknown>[])[0].endpoint = "evil/app")), /line 0/);
    assert.match(bad((p) => ((p.lines as Record<string, unknown>[])[0].stem = "../x")), /stem/);
    assert.match(bad((p) => ((p.lines as Record<string, unknown>[])[0].folderUri = "file:///ws/%2e%2e/out")), /folder/);
    assert.match(bad((p) => (p.concurrency = 1000)), /concurrency/);
    assert.match(bad(() => undefined, [{ status: "submitted" }, { status: "pending" }]), /state of line 1/);
    assert.match(bad(() => undefined, [{ status: "saved", requestId: "../../admin" }, { status: "pending" }]), /state of line 1/);
    assert.match(bad(() => undefined, [{ status: "pending" }]), /do not match/);
  });

  it("ids are capped and checked; the concurrency setting is validated", () => {
    assert.deepEqual(checkIds(["a-1", "../x", 5, "b"]), ["a-1", "b"]);
    assert.equal(checkIds(Array.from({ length: 20 }, (_, i) => `b${i}`)).length, MAX_BATCHES);
    assert.deepEqual(concurrencyOf(undefined), { value: 4 });
    assert.deepEqual(concurrencyOf(8), { value: 8 });
    assert.equal(concurrencyOf(0).value, 4);
    assert.match(concurrencyOf(2.5).problem ?? "", /whole number from 1 to 16/);
  });
});
