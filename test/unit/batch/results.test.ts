import * as assert from "node:assert/strict";
import { planBatch } from "../../../src/batch/plan";
import { countDone, doneInResults, etaMs, formatDuration, MAX_RESULTS_BYTES, resultsText, startStates, tally, type LineState } from "../../../src/batch/results";

describe("batch/results: the results file and what is left", () => {
  const plan = planBatch("txt", "fox\nwhale\nowl\n", {});

  it("one JSON line per request: status, saved paths, request id, error", () => {
    const states: LineState[] = [
      { status: "saved", requestId: "r1", jobId: "j1", paths: ["generated-images/fox.jpg"] },
      { status: "failed", requestId: "r2", error: "fal had a server error" },
      { status: "pending" },
    ];
    const lines = resultsText(plan.lines, states).trimEnd().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(lines[0], { line: 1, key: plan.lines[0].key, prompt: "fox", status: "saved", paths: ["generated-images/fox.jpg"], requestId: "r1" });
    assert.equal(lines[1].error, "fal had a server error");
    assert.equal(lines[2].status, "pending");
    assert.equal("jobId" in lines[0], false, "the job id is the extension's, not the person's");
  });

  it("a second run: saved and kept lines are done, the rest remain", () => {
    const text = resultsText(plan.lines, [{ status: "saved", paths: ["a.jpg"] }, { status: "kept", requestId: "r2" }, { status: "failed", error: "x" }]);
    const done = doneInResults(text + "not json\n{\"key\":5}\n");
    assert.equal(done.size, 2);
    assert.equal(countDone(plan.lines, done), 2);
    const states = startStates(plan.lines, done, true);
    assert.deepEqual(states.map((s) => s.status), ["saved", "kept", "pending"]);
    assert.deepEqual(startStates(plan.lines, done, false).map((s) => s.status), ["pending", "pending", "pending"]);
    // The file moved on: a line inserted on top does not undo the others.
    const moved = planBatch("txt", "new one\nfox\nwhale\nowl\n", {});
    assert.deepEqual(startStates(moved.lines, done, true).map((s) => s.status), ["pending", "saved", "kept", "pending"]);
  });

  it("a results file past its cap is not read", () => {
    assert.equal(doneInResults(" ".repeat(MAX_RESULTS_BYTES + 1)).size, 0);
  });

  it("tally counts done, saved, failed and the spend of the saved lines", () => {
    const t = tally(plan.lines, [{ status: "saved" }, { status: "failed" }, { status: "submitted", requestId: "r", jobId: "j" }]);
    assert.deepEqual(t, { total: 3, done: 2, saved: 1, kept: 0, failed: 1, usd: 0.02 });
    const k = tally(plan.lines, [{ status: "saved" }, { status: "kept" }, { status: "cancelled" }]);
    assert.deepEqual(k, { total: 3, done: 3, saved: 1, kept: 1, failed: 1, usd: 0.04 });
  });

  it("ETA from this run's pace; none before a line finished", () => {
    assert.equal(etaMs(0, 10, 5000), undefined);
    assert.equal(etaMs(5, 10, 5000), 10_000);
    assert.equal(formatDuration(10_000), "10 s");
    assert.equal(formatDuration(125_000), "2 min");
    assert.equal(formatDuration(3_900_000), "1 h 5 min");
  });
});
