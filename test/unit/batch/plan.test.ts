import * as assert from "node:assert/strict";
import { planBatch, problemLines } from "../../../src/batch/plan";
import { MAX_PROBLEMS_LISTED } from "../../../src/batch/parse";

describe("batch/plan: validating and pricing a prompts file", () => {
  it("a .txt file: one standard request per prompt, priced from the table", () => {
    const p = planBatch("txt", "a red fox\na blue whale\n", {});
    assert.deepEqual(p.problems, []);
    assert.equal(p.lines.length, 2);
    assert.equal(p.lines[0].endpoint, "xai/grok-imagine-image");
    assert.equal(p.lines[0].stem, "a-red-fox");
    assert.equal(p.lines[0].body.prompt, "a red fox");
    assert.deepEqual(p.total, { images: 2, usd: 0.04 });
  });

  it("a .jsonl line carries API fields, tier, name and folder; quality's unknown price stays unknown", () => {
    const p = planBatch("jsonl", '{"prompt":"icon","num_images":3,"name":"Item Icon","folder":"icons","output_format":"png"}\n{"prompt":"hero","tier":"quality"}\n', {});
    assert.deepEqual(p.problems, []);
    const [a, b] = p.lines;
    assert.equal(a.stem, "item-icon");
    assert.equal(a.folder, "icons");
    assert.equal(a.images, 3);
    assert.equal(a.numbered, true);
    assert.equal(a.outputFormat, "png");
    assert.equal(b.endpoint, "xai/grok-imagine-image/quality/text-to-image");
    assert.equal(b.usd, null);
    assert.deepEqual(p.total, { images: 4, usd: null });
  });

  it("CSV cells are read as the field's type (numbers, booleans)", () => {
    const p = planBatch("csv", "prompt,num_images,sync_mode\nfox,2,TRUE\n", {});
    assert.deepEqual(p.problems, []);
    assert.equal(p.lines[0].body.num_images, 2);
    assert.equal(p.lines[0].body.sync_mode, true);
  });

  it("every bad line is reported with its line number, nothing is planned from a file with one", () => {
    const p = planBatch("jsonl", '{"prompt":"ok"}\n{"prompt":""}\n{"prompt":"x","num_images":9}\n{"prompt":"x","image_urls":["https://a/b.png"]}\n{"prompt":"x","name":7}\n', {});
    assert.deepEqual(p.problems.map((x) => x.line), [2, 3, 4, 5]);
    assert.match(problemLines(p.problems)[1], /^line 3: num_images must be a whole number from 1 to/);
    const csv = planBatch("csv", "prompt,num_images\nfox,two\n", {});
    assert.match(csv.problems[0].message, /num_images/);
  });

  it("settings give the defaults (and a bad setting falls back to the API's)", () => {
    const p = planBatch("txt", "fox", { aspectRatio: "16:9", numImages: "lots" });
    assert.equal(p.lines[0].body.aspect_ratio, "16:9");
    assert.equal(p.lines[0].body.num_images, 1);
  });

  it("price overrides apply", () => {
    const p = planBatch("txt", "a\nb", {}, { "xai/grok-imagine-image": 0.5 });
    assert.equal(p.total.usd, 1);
  });

  it("keys find a line again whatever its line number; repeats of one request get their own keys", () => {
    const a = planBatch("txt", "fox\nwhale\nfox", {});
    const b = planBatch("txt", "# moved\n\nwhale\nfox\nfox", {});
    assert.equal(new Set(a.lines.map((l) => l.key)).size, 3);
    assert.deepEqual(a.lines.map((l) => l.key).sort(), b.lines.map((l) => l.key).sort());
    const c = planBatch("txt", "fox, in 16:9", {});
    assert.notEqual(c.lines[0].key, a.lines[0].key);
  });

  it("an empty file is a problem, and the list of problems is capped", () => {
    assert.match(planBatch("txt", "# only\n\n", {}).problems[0].message, /no prompts/);
    const many = planBatch("jsonl", "{}\n".repeat(MAX_PROBLEMS_LISTED + 10), {});
    const listed = problemLines(many.problems);
    assert.equal(listed.length, MAX_PROBLEMS_LISTED + 1);
    assert.match(listed.at(-1) ?? "", /and 10 more/);
  });
});
