import * as assert from "node:assert/strict";
import { checkRecord, checkRecords, MAX_RECORDS } from "../../../src/jobs/records";

const STASH = "file:///storage/ws/unsaved";

function good(): Record<string, unknown> {
  return {
    id: "m1abc-0",
    kind: "generate",
    endpoint: "xai/grok-imagine-image",
    input: { prompt: "a cat", num_images: 2, aspect_ratio: "1:1", resolution: "1k", output_format: "png", sync_mode: false },
    prompt: "a cat",
    outputFormat: "png",
    folder: "file:///work/ws/generated-images",
    stem: "a-cat",
    numbered: true,
    requestId: "2b7c3f5e-1d2a-4c59-9f1e-0123456789ab",
    createdAt: 1_700_000_000_000,
    state: "waiting",
  };
}

describe("pending job records read back from storage", () => {
  it("a record the extension wrote passes, with every field", () => {
    const full = {
      ...good(),
      kind: "edit",
      endpoint: "xai/grok-imagine-image/edit",
      input: { prompt: "make it blue", num_images: 1, resolution: "1k", output_format: "jpeg", sync_mode: false, image_urls: ["https://v3.fal.media/files/a.png"] },
      sources: [{ path: "images/photo.png", sha256: "a".repeat(64) }],
      state: "unsaved",
      output: { images: [{ url: "https://v3.fal.media/files/out.jpg", content_type: "image/jpeg" }], revised_prompt: "blue" },
      stash: [`${STASH}/m1abc-0-0.jpg`],
      revisedPrompt: "blue",
      problem: "disk full",
      cancelRequested: true,
    };
    const c = checkRecord(full, STASH);
    assert.ok(c.ok, c.ok ? "" : c.problem);
    assert.deepEqual(c.record.stash, full.stash);
    assert.equal(c.record.output?.images[0].url, "https://v3.fal.media/files/out.jpg");
    assert.equal(checkRecord({ ...good(), state: "unknown" }, STASH).ok, true);
  });

  const broken: [string, (r: Record<string, unknown>) => unknown, RegExp][] = [
    ["not an object", () => "junk", /not an object/],
    ["null", () => null, /not an object/],
    ["no id", (r) => ({ ...r, id: undefined }), /id/],
    ["an unknown kind", (r) => ({ ...r, kind: "upscale" }), /kind/],
    ["an endpoint with ..", (r) => ({ ...r, endpoint: "xai/../admin" }), /endpoint/],
    ["no input", (r) => ({ ...r, input: undefined }), /input/],
    ["an input whose num_images is 40", (r) => ({ ...r, input: { ...(r.input as object), num_images: 40 } }), /num_images/],
    ["an input with an object inside", (r) => ({ ...r, input: { ...(r.input as object), extra: { nested: true } } }), /Unknown field "extra"/],
    ["an edit without image_urls", (r) => ({ ...r, kind: "edit", endpoint: "xai/grok-imagine-image/edit" }), /image_urls/],
    ["a generate record on the edit endpoint", (r) => ({ ...r, endpoint: "xai/grok-imagine-image/edit" }), /not one of the generate endpoints/],
    ["a folder with ..", (r) => ({ ...r, folder: "file:///work/ws/../../etc" }), /folder/],
    ["a folder with encoded ..", (r) => ({ ...r, folder: "file:///work/ws/%2e%2e/etc" }), /folder/],
    ["a folder that is not a URI", (r) => ({ ...r, folder: "/work/ws/out" }), /folder/],
    ["a stem with a slash", (r) => ({ ...r, stem: "../escape" }), /stem/],
    ["a request id that changes the status path", (r) => ({ ...r, requestId: "../../admin" }), /requestId/],
    ["a request id with a query", (r) => ({ ...r, requestId: "abc?x=1" }), /requestId/],
    ["an unknown state", (r) => ({ ...r, state: "done" }), /state/],
    ["a stash file outside the extension's storage", (r) => ({ ...r, stash: ["file:///home/me/thesis.pdf"] }), /stash/],
    ["a stash file that climbs out of it", (r) => ({ ...r, stash: [`${STASH}/../../secret`] }), /stash/],
    ["an output without images", (r) => ({ ...r, output: { images: [] } }), /output/],
    ["sources without hashes", (r) => ({ ...r, sources: [{ path: "a.png" }] }), /sources/],
    ["a createdAt that is not a time", (r) => ({ ...r, createdAt: "yesterday" }), /createdAt/],
    ["a prompt of a megabyte", (r) => ({ ...r, prompt: "x".repeat(1 << 20) }), /prompt/],
  ];
  for (const [what, make, why] of broken) {
    it(`refuses ${what}, saying why`, () => {
      const c = checkRecord(make(good()), STASH);
      assert.equal(c.ok, false);
      if (!c.ok) assert.match(c.problem, why);
    });
  }

  it("a bad record is set aside and the others are kept", () => {
    const second = { ...good(), id: "m1abc-1" };
    const { records, bad } = checkRecords([good(), { ...good(), id: "m1abc-x", stem: "a/b" }, 42, second, { ...second }], STASH);
    assert.deepEqual(records.map((r) => r.id), ["m1abc-0", "m1abc-1"]);
    assert.deepEqual(bad.map((b) => b.problem), ["stem is not a file name", "not an object", "a second record with id m1abc-1"]);
  });

  it("a stored value that is not a list is set aside whole; nothing stored is no records", () => {
    assert.equal(checkRecords({ not: "a list" }, STASH).bad.length, 1);
    assert.deepEqual(checkRecords(undefined, STASH), { records: [], bad: [] });
  });

  it(`keeps at most ${MAX_RECORDS} records`, () => {
    const many = Array.from({ length: MAX_RECORDS + 5 }, (_, i) => ({ ...good(), id: `id-${i}` }));
    const { records, bad } = checkRecords(many, STASH);
    assert.equal(records.length, MAX_RECORDS);
    assert.equal(bad.length, 5);
  });
});
