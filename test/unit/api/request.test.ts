/** Validation and request building from the definition (src/api/request.ts, output.ts). */
import assert from "node:assert/strict";
import {
  buildRequest,
  completeRequest,
  describeValue,
  describeValues,
  parseFalOutput,
  validateBody,
  type ApiRequest,
  type BuildResult,
  type FieldError,
  type SettingValues,
  type Values,
} from "../../../src/api";

/** The allowed values, copied by hand from /work/shared/api/grok-imagine-image.md. */
const REFERENCE_RATIOS = [
  "2:1", "20:9", "19.5:9", "16:9", "4:3", "3:2", "1:1", "2:3", "3:4", "9:16", "9:19.5", "9:20", "1:2",
];
const API_DEFAULTS = { num_images: 1, aspect_ratio: "1:1", resolution: "1k", output_format: "jpeg", sync_mode: false };
const GENERATE_FIELDS = ["prompt", "num_images", "aspect_ratio", "resolution", "output_format", "sync_mode"];
const EDIT_ENDPOINT = "xai/grok-imagine-image/edit";

function ok<T>(result: BuildResult<T> | { ok: true; value: T } | { ok: false; errors: FieldError[] }): T {
  if (!result.ok) assert.fail(`expected ok, got errors: ${JSON.stringify(result.errors)}`);
  return result.value;
}

function errors<T>(result: { ok: true; value: T } | { ok: false; errors: FieldError[] }): FieldError[] {
  if (result.ok) assert.fail(`expected errors, got ${JSON.stringify(result.value)}`);
  return result.errors;
}

/** The single error of a failed result, which must be about `field`. */
function singleError<T>(result: { ok: true; value: T } | { ok: false; errors: FieldError[] }, field: string): string {
  const errs = errors(result);
  assert.equal(errs.length, 1, JSON.stringify(errs));
  assert.equal(errs[0]?.field, field);
  return errs[0]?.message ?? "";
}

/** A generate request's values. */
function G(args: unknown, settings?: SettingValues): BuildResult<ApiRequest> {
  return buildRequest("generate", args, settings);
}
function E(args: unknown, settings?: SettingValues): BuildResult<ApiRequest> {
  return buildRequest("edit", args, settings);
}
function vals(r: BuildResult<ApiRequest> | { ok: true; value: ApiRequest } | { ok: false; errors: FieldError[] }): Values {
  return ok(r).values;
}

function gen(args: Record<string, unknown>): BuildResult<ApiRequest> {
  return G({ prompt: "a cat", ...args });
}

function assertListsAll(message: string, field: string, values: readonly string[]): void {
  assert.ok(message.startsWith(field), `message should start with the field name: ${message}`);
  assert.ok(message.includes(values.join(", ")), `message should list ${values.join(", ")}: ${message}`);
  assert.match(message, /\(got .*\)\.$/);
}

describe("api/request: building a generate request", () => {
  it("builds the reference's input example exactly (every field, in order)", () => {
    const prompt =
      "Abstract human silhouette, golden particles ready to burst outward representing joy, data visualization style, emotional expression through particles, artistic scientific";
    const req = ok(G({ prompt }));
    const value = req.body;
    assert.equal(req.endpoint, "xai/grok-imagine-image");
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
      assert.equal(vals(G({ prompt: "x", aspect_ratio: ratio })).aspect_ratio, ratio);
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
      assert.equal(vals(G({ prompt: "x", resolution: r })).resolution, r);
    }
    for (const value of ["1K", "2K", "4k", "1024", "2k ", "", 1, 2, null, false]) {
      assertListsAll(singleError(gen({ resolution: value }), "resolution"), "resolution", ["1k", "2k"]);
    }
    assert.match(singleError(gen({ resolution: "2K" }), "resolution"), /did you mean "2k"/);
  });

  it("accepts and rejects output_format values", () => {
    for (const f of ["jpeg", "png", "webp"]) {
      assert.equal(vals(G({ prompt: "x", output_format: f })).output_format, f);
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
      assert.equal(vals(G({ prompt: "x", num_images: n })).num_images, n);
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
    assert.equal(vals(G({ prompt: "x", sync_mode: true })).sync_mode, true);
    assert.equal(vals(G({ prompt: "x", sync_mode: false })).sync_mode, false);
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
      assert.match(singleError(G(args), "prompt"), pattern);
    }
    const text = "  Un chat  roux,\n très 🐱 \u00a0";
    assert.equal(vals(G({ prompt: text })).prompt, "Un chat  roux,\n très 🐱");
  });

  it("treats undefined args as defaults only (then the prompt is missing) and rejects non-objects", () => {
    const message = singleError(G(undefined), "prompt");
    assert.match(message, /prompt is required/);
    for (const args of [null, "a cat", 42, [], ["a cat"], true]) {
      const errs = errors(G(args));
      assert.equal(errs[0]?.field, "input");
      assert.match(errs[0]?.message ?? "", /must be an object with at least a prompt/);
    }
  });

  it("rejects unknown fields, listing the allowed ones", () => {
    const message = singleError(gen({ seed: 42 }), "seed");
    assert.equal(
      message,
      'Unknown field "seed": the allowed fields are prompt, num_images, aspect_ratio, resolution, output_format, sync_mode, tier.',
    );
    const errs = errors(gen({ Prompt: "x", image_urls: ["https://x/y.png"], negative_prompt: "" }));
    assert.deepEqual(errs.map((e) => e.field), ["Prompt", "image_urls", "negative_prompt"]);
    assert.equal(errs[1]?.message, "image_urls is not supported when you generate: only edit takes it. Remove it.");
    const proto = errors(G(JSON.parse('{"prompt":"x","__proto__":{"a":1}}')));
    assert.deepEqual(proto.map((e) => e.field), ["__proto__"]);
  });

  it("ignores inherited properties and treats undefined fields as absent", () => {
    const args = Object.create({ aspect_ratio: "5:4", prompt: "inherited" }) as Record<string, unknown>;
    args["prompt"] = "own";
    args["num_images"] = undefined;
    const value = vals(G(args));
    assert.equal(value.prompt, "own");
    assert.equal(value.aspect_ratio, "1:1");
    assert.equal(value.num_images, 1);
  });

  it("reports every error at once, in field order", () => {
    const result = G({ prompt: " ", num_images: 0, aspect_ratio: "x", resolution: "x", output_format: "x", sync_mode: "x", extra: 1 });
    assert.deepEqual(errors(result).map((e) => e.field), [
      "prompt", "num_images", "aspect_ratio", "resolution", "output_format", "sync_mode", "extra",
    ]);
  });

  it("merges the settings' defaults (by setting key) under the args", () => {
    const settings = { numImages: 3, aspectRatio: "16:9", resolution: "2k", outputFormat: "png", syncMode: true };
    const expected = { num_images: 3, aspect_ratio: "16:9", resolution: "2k", output_format: "png", sync_mode: true };
    const fromDefaults = G({ prompt: "x" }, settings);
    assert.deepEqual(ok(fromDefaults).body, { prompt: "x", ...expected });
    assert.deepEqual(fromDefaults.warnings, []);
    const overridden = ok(G({ prompt: "x", num_images: 1, aspect_ratio: "9:16", output_format: "webp" }, settings)).body;
    assert.deepEqual(overridden, { prompt: "x", num_images: 1, aspect_ratio: "9:16", resolution: "2k", output_format: "webp", sync_mode: true });
    assert.deepEqual(Object.keys(overridden), GENERATE_FIELDS);
    // Missing settings (partial, none) fall back to the API defaults, silently; other settings are not read.
    for (const d of [undefined, {}, { resolution: "2k" }, { outputFolder: "x", num_images: 4 }]) {
      const r = G({ prompt: "x" }, d);
      assert.deepEqual(ok(r).body, { prompt: "x", ...API_DEFAULTS, ...(d && "resolution" in d ? { resolution: "2k" } : {}) });
      assert.deepEqual(r.warnings, []);
    }
  });

  it("replaces invalid settings by the API defaults, with a warning naming each setting", () => {
    const junk = { numImages: "3", aspectRatio: "5:4", resolution: 2, outputFormat: "jpg", syncMode: "yes", tier: "premium" };
    const result = G({ prompt: "x" }, junk);
    assert.deepEqual(ok(result).body, { prompt: "x", ...API_DEFAULTS });
    assert.equal(ok(result).endpoint, "xai/grok-imagine-image");
    assert.deepEqual(result.warnings.map((w) => w.field), [
      "grokImagine.numImages", "grokImagine.aspectRatio", "grokImagine.resolution", "grokImagine.outputFormat", "grokImagine.syncMode", "grokImagine.tier",
    ]);
    const ratioWarning = result.warnings[1]?.message ?? "";
    assert.match(ratioWarning, /^The setting grokImagine\.aspectRatio is invalid: aspect_ratio must be one of 2:1, .* \(got "5:4"\)\. Using the API default 1:1 instead\.$/);
    assert.match(result.warnings[0]?.message ?? "", /Using the API default 1 instead\.$/);
    // Warnings survive a failed build too.
    const failed = G({}, { numImages: 9 });
    assert.equal(failed.ok, false);
    assert.deepEqual(failed.warnings.map((w) => w.field), ["grokImagine.numImages"]);
    // Settings that are not an object at all are ignored.
    const notObject: unknown = "junk";
    assert.deepEqual(ok(G({ prompt: "x" }, notObject as SettingValues)).body, { prompt: "x", ...API_DEFAULTS });
  });
});

describe("api/request: building an edit request, completing it with the uploaded images", () => {
  it("builds an edit request without image_urls, to the edit endpoint", () => {
    const req = ok(E({ prompt: "  make it night " }));
    assert.equal(req.endpoint, EDIT_ENDPOINT);
    assert.deepEqual(req.body, { prompt: "make it night", num_images: 1, aspect_ratio: "auto", resolution: "1k", output_format: "jpeg", sync_mode: false });
    assert.deepEqual(Object.keys(req.body), ["prompt", "num_images", "aspect_ratio", "resolution", "output_format", "sync_mode"]);
  });

  it("takes aspect_ratio: auto (the default, the first image's ratio) or any of generate's ratios", () => {
    for (const ratio of ["auto", ...REFERENCE_RATIOS]) assert.equal(vals(E({ prompt: "x", aspect_ratio: ratio })).aspect_ratio, ratio);
    assertListsAll(singleError(E({ prompt: "x", aspect_ratio: "5:4" }), "aspect_ratio"), "aspect_ratio", ["auto", ...REFERENCE_RATIOS]);
    assert.match(singleError(E({ prompt: "x", aspect_ratio: "AUTO" }), "aspect_ratio"), /did you mean "auto"/);
    // Generate has no "auto": there is no image to keep the ratio of.
    assert.match(singleError(G({ prompt: "x", aspect_ratio: "auto" }), "aspect_ratio"), /^aspect_ratio must be one of 2:1,/);
  });

  it("reads only the settings the edit operation takes, and validates them", () => {
    const settings = { numImages: 2, aspectRatio: "16:9", resolution: "2k", outputFormat: "webp", syncMode: false };
    const result = E({ prompt: "x" }, settings);
    // grokImagine.aspectRatio is generate's: an edit keeps its source's ratio unless asked.
    assert.deepEqual(ok(result).body, { prompt: "x", num_images: 2, aspect_ratio: "auto", resolution: "2k", output_format: "webp", sync_mode: false });
    assert.deepEqual(result.warnings, []);
    const junk = E({ prompt: "x" }, { aspectRatio: "junk", resolution: "8k" });
    assert.deepEqual(junk.warnings.map((w) => w.field), ["grokImagine.resolution"]);
  });

  it("rejects image_urls and unknown fields in the edit args", () => {
    assert.match(singleError(E({ prompt: "x", image_urls: ["https://a/b.png"] }), "image_urls"), /filled in by the extension after it uploads/);
    assert.equal(
      singleError(E({ prompt: "x", strength: 0.5 }), "strength"),
      'Unknown field "strength": the allowed fields are prompt, num_images, aspect_ratio, resolution, output_format, sync_mode, tier.',
    );
  });

  it("validates every edit field like the generate ones", () => {
    const edit = (args: Record<string, unknown>) => E({ prompt: "x", ...args });
    assert.match(singleError(edit({ num_images: "2" }), "num_images"), /without quotes/);
    assert.match(singleError(edit({ num_images: 5 }), "num_images"), /from 1 to 4/);
    assert.match(singleError(edit({ resolution: "4k" }), "resolution"), /one of 1k, 2k/);
    assert.match(singleError(edit({ output_format: "gif" }), "output_format"), /one of jpeg, png, webp/);
    assert.match(singleError(edit({ sync_mode: 1 }), "sync_mode"), /true or false/);
    assert.match(singleError(E({}), "prompt"), /required/);
  });

  it("completes with 1 to 3 image URLs, matching the reference's edit example", () => {
    const params = ok(E({ prompt: "Make this scene more realistic but still keep the game vibes" }));
    const url = "https://v3b.fal.media/files/b/0a8b911d/Abk8vStrvmSPlzUqI_NN3_image_043.png";
    const full = ok(completeRequest(params, { image_urls: [url] }));
    assert.equal(
      JSON.stringify(full.body),
      JSON.stringify({
        prompt: "Make this scene more realistic but still keep the game vibes",
        num_images: 1, aspect_ratio: "auto", resolution: "1k", output_format: "jpeg", sync_mode: false, image_urls: [url],
      }),
    );
    assert.equal(full.endpoint, EDIT_ENDPOINT);
    assert.equal((ok(completeRequest(params, { image_urls: [url, url, "data:image/png;base64,AAAA"] })).body["image_urls"] as string[]).length, 3);
    assert.match(singleError(completeRequest(params, { image_urls: [] }), "image_urls"), /list of 1 to 3 image URLs .*\(got 0\)/);
    assert.match(singleError(completeRequest(params, { image_urls: [url, url, url, url] }), "image_urls"), /\(got 4\)/);
    assert.match(singleError(completeRequest(params, {}), "image_urls"), /\(got undefined\)/);
    for (const bad of ["", "photo.png", "/tmp/photo.png", "file:///tmp/a.png", "https://", "ftp://x/y.png", "https://a b"]) {
      assert.match(singleError(completeRequest(params, { image_urls: [bad] }), "image_urls"), /^image_urls\[0\] must be an http\(s\) URL or a data: URI/);
    }
  });

  it("validateBody of the edit endpoint needs every field and nothing else", () => {
    const complete = { prompt: "x", num_images: 1, aspect_ratio: "3:4", resolution: "1k", output_format: "png", sync_mode: false, image_urls: ["https://a/b.png"] };
    assert.deepEqual(ok(validateBody(EDIT_ENDPOINT, complete)), complete);
    assert.match(singleError(validateBody(EDIT_ENDPOINT, { ...complete, resolution: undefined }), "resolution"), /resolution is missing/);
    assert.match(singleError(validateBody(EDIT_ENDPOINT, { ...complete, aspect_ratio: undefined }), "aspect_ratio"), /aspect_ratio is missing/);
    assert.match(singleError(validateBody(EDIT_ENDPOINT, { ...complete, seed: 1 }), "seed"), /Unknown field/);
    assert.match(singleError(validateBody(EDIT_ENDPOINT, { ...complete, image_urls: "https://a/b.png" }), "image_urls"), /got "https/);
    assert.match(singleError(validateBody(EDIT_ENDPOINT, { ...complete, image_urls: [42] }), "image_urls"), /image_urls\[0\].*\(got 42\)/);
    assert.equal(errors(validateBody(EDIT_ENDPOINT, null))[0]?.field, "input");
    assert.equal(errors(validateBody("xai/other", complete))[0]?.field, "endpoint");
  });

  it("validateBody of the generate endpoint accepts what buildRequest builds and needs every field", () => {
    const built = ok(G({ prompt: "x", num_images: 4, aspect_ratio: "9:19.5" })).body;
    assert.deepEqual(ok(validateBody("xai/grok-imagine-image", built)), built);
    const { sync_mode: _omitted, ...partial } = built;
    assert.match(singleError(validateBody("xai/grok-imagine-image", partial), "sync_mode"), /sync_mode is missing/);
    assert.match(singleError(validateBody("xai/grok-imagine-image", { ...built, extra: 1 }), "extra"), /Unknown field/);
  });
});

describe("api/request: the quality tier chooses the endpoint", () => {
  it("standard (the default) or quality, from the args or the setting; never in the body", () => {
    const cases: [unknown, SettingValues | undefined, string, string][] = [
      [{ prompt: "x" }, undefined, "xai/grok-imagine-image", "xai/grok-imagine-image/edit"],
      [{ prompt: "x", tier: "quality" }, undefined, "xai/grok-imagine-image/quality/text-to-image", "xai/grok-imagine-image/quality/edit"],
      [{ prompt: "x" }, { tier: "quality" }, "xai/grok-imagine-image/quality/text-to-image", "xai/grok-imagine-image/quality/edit"],
      [{ prompt: "x", tier: "standard" }, { tier: "quality" }, "xai/grok-imagine-image", "xai/grok-imagine-image/edit"],
    ];
    for (const [args, settings, generate, edit] of cases) {
      const g = ok(G(args, settings));
      const e = ok(E(args, settings));
      assert.deepEqual([g.endpoint, e.endpoint], [generate, edit], JSON.stringify([args, settings]));
      assert.ok(!("tier" in g.body) && !("tier" in e.body), "fal never sees the tier");
      assert.equal(g.values["tier"], generate.includes("quality") ? "quality" : "standard");
    }
    assert.equal(ok(completeRequest(ok(E({ prompt: "x", tier: "quality" })), { image_urls: ["https://a/b"] })).endpoint, "xai/grok-imagine-image/quality/edit");
    assert.equal(singleError(G({ prompt: "x", tier: "premium" }), "tier"), 'tier must be one of standard, quality (got "premium").');
    assert.match(singleError(E({ prompt: "x", tier: "Quality" }), "tier"), /did you mean "quality"/);
  });
});

describe("api/request: describeValues and describeValue", () => {
  it("summarises requests", () => {
    const g = vals(G({ prompt: "x", num_images: 2, aspect_ratio: "16:9", resolution: "2k", output_format: "png" }));
    assert.equal(describeValues("generate", g), "2 × 16:9, 2k, png, standard");
    assert.equal(describeValues("generate", { ...g, num_images: 1, sync_mode: true, tier: "quality" }), "1 × 16:9, 2k, png, sync_mode, quality");
    const e = ok(E({ prompt: "x" }));
    assert.equal(describeValues("edit", e.values), "1 × edit, auto, 1k, jpeg, standard");
    assert.equal(describeValues("edit", ok(completeRequest(e, { image_urls: ["https://a/b", "https://a/c"] })).values), "1 × edit, auto, 1k, jpeg, standard, from 2 images");
    assert.equal(describeValues("edit", ok(completeRequest(e, { image_urls: ["https://a/b"] })).values), "1 × edit, auto, 1k, jpeg, standard, from 1 image");
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

describe("api/output: parseFalOutput", () => {
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
