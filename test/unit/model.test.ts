import assert from "node:assert/strict";
import {
  API_DEFAULTS,
  ASPECT_RATIOS,
  type Defaults,
  EDIT_FIELDS,
  ENDPOINTS,
  type FieldError,
  GENERATE_FIELDS,
  isAspectRatio,
  isNumImages,
  isOutputFormat,
  isResolution,
  MAX_EDIT_IMAGES,
  OUTPUT_FORMATS,
  RESOLUTIONS,
} from "../../src/model/params";
import {
  type BuildResult,
  buildEditRequest,
  buildGenerateRequest,
  describeInput,
  describeValue,
  validateEditInput,
  validateGenerateInput,
  withImageUrls,
} from "../../src/model/request";
import { parseFalOutput } from "../../src/model/output";

/** The allowed values, copied by hand from /work/shared/api/grok-imagine-image.md. */
const REFERENCE_RATIOS = [
  "2:1", "20:9", "19.5:9", "16:9", "4:3", "3:2", "1:1", "2:3", "3:4", "9:16", "9:19.5", "9:20", "1:2",
];

function ok<T>(result: BuildResult<T> | { ok: true; value: T } | { ok: false; errors: FieldError[] }): T {
  if (!result.ok) assert.fail(`expected ok, got errors: ${JSON.stringify(result.errors)}`);
  return result.value;
}

function errors<T>(result: { ok: true; value: T } | { ok: false; errors: FieldError[] }): FieldError[] {
  if (result.ok) assert.fail(`expected errors, got ${JSON.stringify(result.value)}`);
  return result.errors;
}

/** The single error of a failed result, which must be about `field`. */
function singleError<T>(
  result: { ok: true; value: T } | { ok: false; errors: FieldError[] },
  field: string,
): string {
  const errs = errors(result);
  assert.equal(errs.length, 1, JSON.stringify(errs));
  assert.equal(errs[0]?.field, field);
  return errs[0]?.message ?? "";
}

function gen(args: Record<string, unknown>): BuildResult<unknown> {
  return buildGenerateRequest({ prompt: "a cat", ...args }, API_DEFAULTS);
}

function assertListsAll(message: string, field: string, values: readonly string[]): void {
  assert.ok(message.startsWith(field), `message should start with the field name: ${message}`);
  assert.ok(message.includes(values.join(", ")), `message should list ${values.join(", ")}: ${message}`);
  assert.match(message, /\(got .*\)\.$/);
}

describe("model/params", () => {
  it("has the reference's endpoints, values and defaults", () => {
    assert.deepEqual(ENDPOINTS, { generate: "xai/grok-imagine-image", edit: "xai/grok-imagine-image/edit" });
    assert.deepEqual([...ASPECT_RATIOS], REFERENCE_RATIOS);
    assert.deepEqual([...RESOLUTIONS], ["1k", "2k"]);
    assert.deepEqual([...OUTPUT_FORMATS], ["jpeg", "png", "webp"]);
    assert.deepEqual({ ...API_DEFAULTS }, {
      num_images: 1, aspect_ratio: "1:1", resolution: "1k", output_format: "jpeg", sync_mode: false,
    });
    assert.ok(Object.isFrozen(API_DEFAULTS));
    assert.equal(MAX_EDIT_IMAGES, 3);
    assert.deepEqual([...GENERATE_FIELDS], ["prompt", "num_images", "aspect_ratio", "resolution", "output_format", "sync_mode"]);
    assert.deepEqual([...EDIT_FIELDS], ["prompt", "num_images", "resolution", "output_format", "sync_mode", "image_urls"]);
  });

  it("type guards accept exactly the allowed values", () => {
    for (const r of REFERENCE_RATIOS) assert.ok(isAspectRatio(r));
    for (const bad of ["5:4", "1:1 ", "", 1, null, undefined]) assert.equal(isAspectRatio(bad), false);
    assert.ok(isResolution("2k") && !isResolution("2K"));
    assert.ok(isOutputFormat("webp") && !isOutputFormat("jpg"));
    for (const n of [1, 2, 3, 4]) assert.ok(isNumImages(n));
    for (const n of [0, 5, 2.5, "2", NaN]) assert.equal(isNumImages(n), false);
  });
});

describe("model/request: buildGenerateRequest", () => {
  it("builds the reference's input example exactly (every field, in order)", () => {
    const prompt =
      "Abstract human silhouette, golden particles ready to burst outward representing joy, data visualization style, emotional expression through particles, artistic scientific";
    const value = ok(buildGenerateRequest({ prompt }, API_DEFAULTS));
    const example = `{
      "prompt": "${prompt}",
      "num_images": 1,
      "aspect_ratio": "1:1",
      "resolution": "1k",
      "output_format": "jpeg",
      "sync_mode": false
    }`;
    assert.equal(JSON.stringify(value), JSON.stringify(JSON.parse(example)));
    assert.deepEqual(Object.keys(value), [...GENERATE_FIELDS]);
  });

  it("accepts all 13 aspect ratios", () => {
    for (const ratio of REFERENCE_RATIOS) {
      const value = ok(buildGenerateRequest({ prompt: "x", aspect_ratio: ratio }, API_DEFAULTS));
      assert.equal(value.aspect_ratio, ratio);
    }
  });

  it("rejects anything else as aspect_ratio, naming the field and listing every ratio", () => {
    const bad: unknown[] = [
      "5:4", "1:1 ", " 1:1", "1:1.0", "01:1", "1.1", "16/9", "16x9", "9:21", "21:9", "2:1:1", "", "auto",
      1, 1.5, null, true, ["1:1"], { w: 1, h: 1 },
    ];
    for (const value of bad) {
      const message = singleError(gen({ aspect_ratio: value }), "aspect_ratio");
      assertListsAll(message, "aspect_ratio", REFERENCE_RATIOS);
    }
    assert.equal(
      singleError(gen({ aspect_ratio: "5:4" }), "aspect_ratio"),
      'aspect_ratio must be one of 2:1, 20:9, 19.5:9, 16:9, 4:3, 3:2, 1:1, 2:3, 3:4, 9:16, 9:19.5, 9:20, 1:2 (got "5:4").',
    );
    assert.match(singleError(gen({ aspect_ratio: "1:1 " }), "aspect_ratio"), /got "1:1 "; did you mean "1:1"\?/);
    assert.match(singleError(gen({ aspect_ratio: null }), "aspect_ratio"), /\(got null\)\.$/);
    assert.match(singleError(gen({ aspect_ratio: ["1:1"] }), "aspect_ratio"), /\(got a list\)\.$/);
  });

  it("accepts and rejects resolution values", () => {
    for (const r of ["1k", "2k"]) {
      assert.equal(ok(buildGenerateRequest({ prompt: "x", resolution: r }, API_DEFAULTS)).resolution, r);
    }
    for (const value of ["1K", "2K", "4k", "1024", "2k ", "", 1, 2, null, false]) {
      assertListsAll(singleError(gen({ resolution: value }), "resolution"), "resolution", ["1k", "2k"]);
    }
    assert.match(singleError(gen({ resolution: "2K" }), "resolution"), /did you mean "2k"/);
  });

  it("accepts and rejects output_format values", () => {
    for (const f of ["jpeg", "png", "webp"]) {
      assert.equal(ok(buildGenerateRequest({ prompt: "x", output_format: f }, API_DEFAULTS)).output_format, f);
    }
    for (const value of ["jpg", "JPEG", "PNG", "gif", "image/png", ".png", "", 0, null]) {
      assertListsAll(singleError(gen({ output_format: value }), "output_format"), "output_format", ["jpeg", "png", "webp"]);
    }
    assert.match(singleError(gen({ output_format: "jpg" }), "output_format"), /did you mean "jpeg"/);
    assert.match(singleError(gen({ output_format: "PNG" }), "output_format"), /did you mean "png"/);
    assert.doesNotMatch(singleError(gen({ output_format: "gif" }), "output_format"), /did you mean/);
  });

  it("accepts num_images 1..4 and rejects everything else, numeric strings included", () => {
    for (const n of [1, 2, 3, 4, 4.0]) {
      assert.equal(ok(buildGenerateRequest({ prompt: "x", num_images: n }, API_DEFAULTS)).num_images, n);
    }
    for (const value of [0, 5, -1, 2.5, 1.0000001, NaN, Infinity, -Infinity, 1e21, "2", "", " 3 ", "two", null, true, [2]]) {
      const message = singleError(gen({ num_images: value }), "num_images");
      assert.ok(message.startsWith("num_images must be a whole number from 1 to 4"), message);
      assert.match(message, /\(got .*\)\.$/);
    }
    const stringMessage = singleError(gen({ num_images: "2" }), "num_images");
    assert.match(stringMessage, /got the text "2"; write it without quotes/);
    assert.match(singleError(gen({ num_images: 5 }), "num_images"), /\(got 5\)\.$/);
  });

  it("accepts only booleans as sync_mode", () => {
    assert.equal(ok(buildGenerateRequest({ prompt: "x", sync_mode: true }, API_DEFAULTS)).sync_mode, true);
    assert.equal(ok(buildGenerateRequest({ prompt: "x", sync_mode: false }, API_DEFAULTS)).sync_mode, false);
    for (const value of ["true", "false", 1, 0, null, "", []]) {
      const message = singleError(gen({ sync_mode: value }), "sync_mode");
      assert.ok(message.startsWith("sync_mode must be true or false (got "), message);
    }
  });

  it("requires a non-empty prompt, sends it trimmed and otherwise unchanged", () => {
    const cases: [unknown, RegExp][] = [
      [undefined, /^prompt is required/],
      ["", /^prompt must not be empty/],
      ["  \n\t ", /^prompt must not be empty/],
      [42, /^prompt must be text.*\(got 42\)/],
      [null, /^prompt must be text.*\(got null\)/],
      [["a cat"], /^prompt must be text.*\(got a list\)/],
    ];
    for (const [prompt, pattern] of cases) {
      const args = prompt === undefined ? {} : { prompt };
      assert.match(singleError(buildGenerateRequest(args, API_DEFAULTS), "prompt"), pattern);
    }
    const text = "  Un chat  roux,\n très 🐱 \u00a0";
    assert.equal(ok(buildGenerateRequest({ prompt: text }, API_DEFAULTS)).prompt, "Un chat  roux,\n très 🐱");
  });

  it("treats undefined args as defaults only (then the prompt is missing) and rejects non-objects", () => {
    const message = singleError(buildGenerateRequest(undefined, API_DEFAULTS), "prompt");
    assert.match(message, /prompt is required/);
    for (const args of [null, "a cat", 42, [], ["a cat"], true]) {
      const errs = errors(buildGenerateRequest(args, API_DEFAULTS));
      assert.equal(errs[0]?.field, "input");
      assert.match(errs[0]?.message ?? "", /must be an object with at least a prompt/);
    }
  });

  it("rejects unknown fields, listing the allowed ones", () => {
    const message = singleError(gen({ seed: 42 }), "seed");
    assert.equal(
      message,
      'Unknown field "seed": the allowed fields are prompt, num_images, aspect_ratio, resolution, output_format, sync_mode.',
    );
    const errs = errors(gen({ Prompt: "x", image_urls: ["https://x/y.png"], negative_prompt: "" }));
    assert.deepEqual(errs.map((e) => e.field), ["Prompt", "image_urls", "negative_prompt"]);
    const proto = errors(buildGenerateRequest(JSON.parse('{"prompt":"x","__proto__":{"a":1}}'), API_DEFAULTS));
    assert.deepEqual(proto.map((e) => e.field), ["__proto__"]);
  });

  it("ignores inherited properties and treats undefined fields as absent", () => {
    const args: Record<string, unknown> = Object.create({ aspect_ratio: "5:4", prompt: "inherited" });
    args["prompt"] = "own";
    args["num_images"] = undefined;
    const value = ok(buildGenerateRequest(args, API_DEFAULTS));
    assert.equal(value.prompt, "own");
    assert.equal(value.aspect_ratio, "1:1");
    assert.equal(value.num_images, 1);
  });

  it("reports every error at once, in field order", () => {
    const result = buildGenerateRequest(
      { prompt: " ", num_images: 0, aspect_ratio: "x", resolution: "x", output_format: "x", sync_mode: "x", extra: 1 },
      API_DEFAULTS,
    );
    assert.deepEqual(errors(result).map((e) => e.field), [
      "prompt", "num_images", "aspect_ratio", "resolution", "output_format", "sync_mode", "extra",
    ]);
  });

  it("merges defaults under the args", () => {
    const defaults: Defaults = { num_images: 3, aspect_ratio: "16:9", resolution: "2k", output_format: "png", sync_mode: true };
    const fromDefaults = buildGenerateRequest({ prompt: "x" }, defaults);
    assert.deepEqual(ok(fromDefaults), { prompt: "x", ...defaults });
    assert.deepEqual(fromDefaults.warnings, []);
    const overridden = ok(buildGenerateRequest({ prompt: "x", num_images: 1, aspect_ratio: "9:16", output_format: "webp" }, defaults));
    assert.deepEqual(overridden, {
      prompt: "x", num_images: 1, aspect_ratio: "9:16", resolution: "2k", output_format: "webp", sync_mode: true,
    });
    assert.deepEqual(Object.keys(overridden), [...GENERATE_FIELDS]);
    // Missing defaults (partial settings, no settings) fall back to the API defaults, silently.
    for (const d of [undefined, {}, { resolution: "2k" }]) {
      const r = buildGenerateRequest({ prompt: "x" }, d);
      assert.deepEqual(ok(r), { prompt: "x", ...API_DEFAULTS, ...(d ?? {}) });
      assert.deepEqual(r.warnings, []);
    }
  });

  it("replaces invalid defaults by the API defaults, with a warning per setting", () => {
    const junk = { num_images: "3", aspect_ratio: "5:4", resolution: 2, output_format: "jpg", sync_mode: "yes" };
    const result = buildGenerateRequest({ prompt: "x" }, junk);
    assert.deepEqual(ok(result), { prompt: "x", ...API_DEFAULTS });
    assert.deepEqual(result.warnings.map((w) => w.field), [
      "defaults.num_images", "defaults.aspect_ratio", "defaults.resolution", "defaults.output_format", "defaults.sync_mode",
    ]);
    const ratioWarning = result.warnings[1]?.message ?? "";
    assert.match(ratioWarning, /^The default aspect_ratio setting is invalid: aspect_ratio must be one of 2:1, .* \(got "5:4"\)\. Using the API default 1:1 instead\.$/);
    assert.match(result.warnings[0]?.message ?? "", /Using the API default 1 instead\.$/);
    // An invalid default that the args override is not reported.
    const overridden = buildGenerateRequest({ prompt: "x", aspect_ratio: "4:3" }, { aspect_ratio: "5:4" });
    assert.equal(ok(overridden).aspect_ratio, "4:3");
    assert.deepEqual(overridden.warnings, []);
    // Warnings survive a failed build too.
    const failed = buildGenerateRequest({}, { num_images: 9 });
    assert.equal(failed.ok, false);
    assert.deepEqual(failed.warnings.map((w) => w.field), ["defaults.num_images"]);
    // A defaults value that is not an object at all is ignored.
    const notObject: unknown = "junk";
    assert.deepEqual(ok(buildGenerateRequest({ prompt: "x" }, notObject as Defaults)), { prompt: "x", ...API_DEFAULTS });
  });
});

describe("model/request: buildEditRequest and the complete edit input", () => {
  it("builds an edit request without aspect_ratio and without image_urls", () => {
    const value = ok(buildEditRequest({ prompt: "  make it night " }, API_DEFAULTS));
    assert.deepEqual(value, { prompt: "make it night", num_images: 1, resolution: "1k", output_format: "jpeg", sync_mode: false });
    assert.deepEqual(Object.keys(value), ["prompt", "num_images", "resolution", "output_format", "sync_mode"]);
  });

  it("rejects aspect_ratio with an edit-specific message, even a valid ratio", () => {
    for (const ratio of ["1:1", "16:9", "5:4"]) {
      const message = singleError(buildEditRequest({ prompt: "x", aspect_ratio: ratio }, API_DEFAULTS), "aspect_ratio");
      assert.equal(
        message,
        "aspect_ratio is not supported when editing: the edit endpoint xai/grok-imagine-image/edit has no aspect_ratio parameter. Remove it.",
      );
    }
  });

  it("ignores an aspect_ratio default (the settings object is shared) but validates the others", () => {
    const defaults: Defaults = { num_images: 2, aspect_ratio: "16:9", resolution: "2k", output_format: "webp", sync_mode: false };
    const result = buildEditRequest({ prompt: "x" }, defaults);
    assert.deepEqual(ok(result), { prompt: "x", num_images: 2, resolution: "2k", output_format: "webp", sync_mode: false });
    assert.deepEqual(result.warnings, []);
    const junk = buildEditRequest({ prompt: "x" }, { aspect_ratio: "junk", resolution: "8k" });
    assert.deepEqual(junk.warnings.map((w) => w.field), ["defaults.resolution"]);
  });

  it("rejects image_urls and unknown fields in the edit args", () => {
    assert.match(
      singleError(buildEditRequest({ prompt: "x", image_urls: ["https://a/b.png"] }, API_DEFAULTS), "image_urls"),
      /filled in by the extension after it uploads/,
    );
    assert.equal(
      singleError(buildEditRequest({ prompt: "x", strength: 0.5 }, API_DEFAULTS), "strength"),
      'Unknown field "strength": the allowed fields are prompt, num_images, resolution, output_format, sync_mode.',
    );
  });

  it("validates every edit field like the generate ones", () => {
    const edit = (args: Record<string, unknown>) => buildEditRequest({ prompt: "x", ...args }, API_DEFAULTS);
    assert.match(singleError(edit({ num_images: "2" }), "num_images"), /without quotes/);
    assert.match(singleError(edit({ num_images: 5 }), "num_images"), /from 1 to 4/);
    assert.match(singleError(edit({ resolution: "4k" }), "resolution"), /one of 1k, 2k/);
    assert.match(singleError(edit({ output_format: "gif" }), "output_format"), /one of jpeg, png, webp/);
    assert.match(singleError(edit({ sync_mode: 1 }), "sync_mode"), /true or false/);
    assert.match(singleError(buildEditRequest({}, API_DEFAULTS), "prompt"), /required/);
  });

  it("completes with 1 to 3 image URLs, matching the reference's edit example", () => {
    const params = ok(buildEditRequest({ prompt: "Make this scene more realistic but still keep the game vibes" }, API_DEFAULTS));
    const url = "https://v3b.fal.media/files/b/0a8b911d/Abk8vStrvmSPlzUqI_NN3_image_043.png";
    const full = ok(withImageUrls(params, [url]));
    assert.equal(
      JSON.stringify(full),
      JSON.stringify({
        prompt: "Make this scene more realistic but still keep the game vibes",
        num_images: 1, resolution: "1k", output_format: "jpeg", sync_mode: false, image_urls: [url],
      }),
    );
    assert.equal(ok(withImageUrls(params, [url, url, "data:image/png;base64,AAAA"])).image_urls.length, 3);
    assert.match(singleError(withImageUrls(params, []), "image_urls"), /list of 1 to 3 image URLs .*\(got 0\)/);
    assert.match(singleError(withImageUrls(params, [url, url, url, url]), "image_urls"), /\(got 4\)/);
    for (const bad of ["", "photo.png", "/tmp/photo.png", "file:///tmp/a.png", "https://", "ftp://x/y.png", "https://a b"]) {
      assert.match(singleError(withImageUrls(params, [bad]), "image_urls"), /^image_urls\[0\] must be an http\(s\) URL or a data: URI/);
    }
  });

  it("validateEditInput needs every field and no aspect_ratio", () => {
    const complete = {
      prompt: "x", num_images: 1, resolution: "1k", output_format: "png", sync_mode: false, image_urls: ["https://a/b.png"],
    };
    assert.deepEqual(ok(validateEditInput(complete)), complete);
    assert.match(singleError(validateEditInput({ ...complete, resolution: undefined }), "resolution"), /resolution is missing/);
    assert.match(singleError(validateEditInput({ ...complete, aspect_ratio: "1:1" }), "aspect_ratio"), /edit endpoint/);
    assert.match(singleError(validateEditInput({ ...complete, image_urls: "https://a/b.png" }), "image_urls"), /got "https/);
    assert.match(singleError(validateEditInput({ ...complete, image_urls: [42] }), "image_urls"), /image_urls\[0\].*\(got 42\)/);
    assert.equal(errors(validateEditInput(null))[0]?.field, "input");
  });

  it("validateGenerateInput accepts what buildGenerateRequest builds and needs every field", () => {
    const built = ok(buildGenerateRequest({ prompt: "x", num_images: 4, aspect_ratio: "9:19.5" }, API_DEFAULTS));
    assert.deepEqual(ok(validateGenerateInput(built)), built);
    const { sync_mode: _omitted, ...partial } = built;
    assert.match(singleError(validateGenerateInput(partial), "sync_mode"), /sync_mode is missing/);
    assert.match(singleError(validateGenerateInput({ ...built, extra: 1 }), "extra"), /Unknown field/);
  });
});

describe("model/request: describeInput and describeValue", () => {
  it("summarises requests", () => {
    const g = ok(buildGenerateRequest({ prompt: "x", num_images: 2, aspect_ratio: "16:9", resolution: "2k", output_format: "png" }, API_DEFAULTS));
    assert.equal(describeInput(g), "2 × 16:9, 2k, png");
    assert.equal(describeInput({ ...g, num_images: 1, sync_mode: true }), "1 × 16:9, 2k, png, sync");
    const e = ok(buildEditRequest({ prompt: "x" }, API_DEFAULTS));
    assert.equal(describeInput(e), "1 × edit, 1k, jpeg");
    assert.equal(describeInput(ok(withImageUrls(e, ["https://a/b", "https://a/c"]))), "1 × edit of 2 images, 1k, jpeg");
    assert.equal(describeInput(ok(withImageUrls(e, ["https://a/b"]))), "1 × edit of 1 image, 1k, jpeg");
  });

  it("renders received values unambiguously and briefly", () => {
    assert.equal(describeValue("2"), '"2"');
    assert.equal(describeValue(2), "2");
    assert.equal(describeValue(null), "null");
    assert.equal(describeValue({}), "an object");
    assert.equal(describeValue(() => 1), "a function");
    assert.equal(describeValue("x".repeat(500)), `"${"x".repeat(60)}…"`);
  });
});

describe("model/output: parseFalOutput", () => {
  it("accepts the reference's output example", () => {
    const data: unknown = JSON.parse('{"images":[{"url":"https://v3b.fal.media/files/b/0a8b90b7/9avg_nKJmcVinjQHJR_Ja.jpg"}],"revised_prompt":""}');
    assert.deepEqual(ok(parseFalOutput(data)), {
      images: [{ url: "https://v3b.fal.media/files/b/0a8b90b7/9avg_nKJmcVinjQHJR_Ja.jpg" }],
      revised_prompt: "",
    });
  });

  it("keeps well-typed optional image fields and drops the rest", () => {
    const value = ok(parseFalOutput({
      images: [{ url: "data:image/png;base64,AA==", content_type: "image/png", width: 1024, height: "768", file_size: 10, extra: 1 }],
      revised_prompt: "better",
      seed: 3,
    }));
    assert.deepEqual(value, {
      images: [{ url: "data:image/png;base64,AA==", content_type: "image/png", width: 1024, file_size: 10 }],
      revised_prompt: "better",
    });
    assert.equal(ok(parseFalOutput({ images: [{ url: "https://a/b" }] })).revised_prompt, "");
  });

  it("rejects responses without usable images", () => {
    for (const data of [null, "x", [], {}, { images: [] }, { images: "https://a" }]) {
      assert.equal(parseFalOutput(data).ok, false);
    }
    const errs = errors(parseFalOutput({ images: [{ url: "https://a" }, { url: "" }, {}] }));
    assert.deepEqual(errs.map((e) => e.field), ["images[1]", "images[2]"]);
  });
});
