import * as assert from "node:assert/strict";
import { splitEditArgs } from "../../../src/edit/args";
import { checkSource, countProblem, formatSize, listNames, MAX_SOURCE_BYTES, sizeProblem, uniqueBy } from "../../../src/edit/sources";
import { uploadAll, type SourceImage, type UploadFn } from "../../../src/edit/upload";
import { GrokError } from "../../../src/fal/errors";

const PNG_SIG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** A minimal whole PNG: signature, IHDR, one IDAT, IEND (CRCs are not checked by the walker, IEND's is). */
function tinyPng(): Uint8Array {
  const chunk = (type: string, data: number[], crc = [0, 0, 0, 0]) => [0, 0, 0, data.length, ...[...type].map((c) => c.charCodeAt(0)), ...data, ...crc];
  return new Uint8Array([...PNG_SIG, ...chunk("IHDR", new Array<number>(13).fill(1)), ...chunk("IDAT", [1, 2, 3]), ...chunk("IEND", [], [0xae, 0x42, 0x60, 0x82])]);
}

class FakeUri {
  constructor(readonly path: string) {}
}
const isFakeUri = (v: unknown): v is FakeUri => v instanceof FakeUri;

describe("Edit: which files may be sent", () => {
  it("names lists the way a sentence does", () => {
    assert.equal(listNames([]), "");
    assert.equal(listNames(["a.png"]), "a.png");
    assert.equal(listNames(["a.png", "b.jpg"]), "a.png and b.jpg");
    assert.equal(listNames(["a.png", "b.jpg", "c.webp"]), "a.png, b.jpg and c.webp");
  });

  it("sizes in bytes, KB and MB", () => {
    assert.equal(formatSize(1), "1 byte");
    assert.equal(formatSize(812), "812 bytes");
    assert.equal(formatSize(14_540), "14.2 KB");
    assert.equal(formatSize(MAX_SOURCE_BYTES), "20.0 MB");
  });

  it("one to three images; more says to select at most three", () => {
    assert.equal(countProblem(1), undefined);
    assert.equal(countProblem(3), undefined);
    assert.equal(countProblem(4), "Select at most three images to edit: 4 files are selected.");
    assert.match(countProblem(0) ?? "", /Select one to three images/);
  });

  it("the size bound is 20 MiB: at the bound it passes, one byte over it is refused, empty is refused", () => {
    assert.equal(MAX_SOURCE_BYTES, 20 * 1024 * 1024);
    assert.equal(sizeProblem("a.png", MAX_SOURCE_BYTES), undefined);
    assert.equal(sizeProblem("big.png", MAX_SOURCE_BYTES + 1), "big.png is 20,971,521 bytes (the limit is 20,971,520); images over 20 MB cannot be edited. Make it smaller first.");
    assert.equal(sizeProblem("big.png", 31 * 1024 * 1024), "big.png is 31.0 MB; images over 20 MB cannot be edited. Make it smaller first.");
    assert.equal(sizeProblem("e.png", 0), "e.png is empty: there is no image in it.");
  });

  it("judges a file by its bytes, not its name", () => {
    const png = checkSource("photo.png", tinyPng());
    assert.deepEqual(png, { ok: true, format: "png" });
    const jpegNamedPng = checkSource("really-a-jpeg.png", new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 4, 0, 0, 0xff, 0xd9]));
    assert.equal(jpegNamedPng.ok && jpegNamedPng.format, "jpeg");
    const text = checkSource("notes.png", new TextEncoder().encode("not an image at all"));
    assert.deepEqual(text, { ok: false, message: "notes.png is not a PNG, JPEG or WebP image." });
    const gif = checkSource("anim.gif", new TextEncoder().encode("GIF89a......"));
    assert.equal(gif.ok, false);
    assert.deepEqual(checkSource("e.webp", new Uint8Array()), { ok: false, message: "e.webp is empty: there is no image in it." });
  });

  it("a file that starts like an image but is cut short is sent, with a warning for the log", () => {
    const cut = tinyPng().slice(0, 30);
    const r = checkSource("cut.png", cut);
    assert.equal(r.ok, true);
    assert.match((r.ok && r.warning) || "", /^cut\.png: The file is truncated/);
  });

  it("a selection that names a file twice keeps it once, first place first", () => {
    assert.deepEqual(uniqueBy(["b", "a", "b", "c", "a"], (x) => x), ["b", "a", "c"]);
  });
});

describe("Edit: the argument object", () => {
  it("splits images from the endpoint's fields, keeping URIs and paths in order", () => {
    const u = new FakeUri("/w/a.png");
    const r = splitEditArgs({ prompt: "p", images: [u, " images/b.jpg "], num_images: 2 }, isFakeUri);
    assert.deepEqual(r.fields, { prompt: "p", num_images: 2 });
    assert.deepEqual(r.images, [u, "images/b.jpg"]);
    assert.deepEqual(r.errors, []);
  });

  it("says what images must be when missing, not a list, or holding something else", () => {
    assert.match(splitEditArgs({ prompt: "p" }, isFakeUri).errors[0]?.message ?? "", /images is required/);
    assert.match(splitEditArgs({ prompt: "p", images: "a.png" }, isFakeUri).errors[0]?.message ?? "", /one to three workspace-relative paths or URIs \(got "a\.png"\)/);
    assert.match(splitEditArgs({ prompt: "p", images: new FakeUri("/a.png") }, isFakeUri).errors[0]?.message ?? "", /put it in a list/);
    const bad = splitEditArgs({ prompt: "p", images: ["a.png", 5, ""] }, isFakeUri);
    assert.deepEqual(bad.errors.map((e) => e.field), ["images[1]", "images[2]"]);
    assert.deepEqual(bad.images, ["a.png"]);
  });
});

describe("Edit: uploading the sources", () => {
  const img = (name: string): SourceImage => ({ fileName: name, bytes: new Uint8Array([1, 2, 3]), format: name.endsWith(".png") ? "png" : "jpeg" });

  /** Uploads that finish only when the test says so; records what was asked and when. */
  function controlledUploads() {
    const calls: { name: string; mime: string; finish: (url: string) => void; fail: (e: unknown) => void }[] = [];
    const upload: UploadFn = (_bytes, mime, name) =>
      new Promise<string>((resolve, reject) => calls.push({ name, mime, finish: resolve, fail: reject }));
    return { calls, upload };
  }

  it("starts every upload at once and keeps the images' order in the URLs", async () => {
    const { calls, upload } = controlledUploads();
    const done = uploadAll([img("a.png"), img("b.jpg"), img("c.png")], upload, new AbortController().signal);
    assert.equal(calls.length, 3, "all three started before any finished");
    assert.deepEqual(calls.map((c) => [c.name, c.mime]), [["a.png", "image/png"], ["b.jpg", "image/jpeg"], ["c.png", "image/png"]]);
    calls[2]?.finish("u3");
    calls[0]?.finish("u1");
    calls[1]?.finish("u2");
    assert.deepEqual(await done, ["u1", "u2", "u3"]);
  });

  it("Cancel stops waiting at once, even though the uploads in flight cannot be stopped", async () => {
    const { calls, upload } = controlledUploads();
    const ac = new AbortController();
    const done = uploadAll([img("a.png"), img("b.png")], upload, ac.signal);
    calls[0]?.finish("u1");
    ac.abort();
    await assert.rejects(done, (e: unknown) => e instanceof GrokError && e.kind === "cancelled");
    calls[1]?.finish("u2"); // finishing later changes nothing
  });

  it("an upload that fails fails the whole; an aborted signal uploads nothing", async () => {
    const { calls, upload } = controlledUploads();
    const done = uploadAll([img("a.png"), img("b.png")], upload, new AbortController().signal);
    calls[1]?.fail(new GrokError("network", "fal could not be reached."));
    await assert.rejects(done, (e: unknown) => e instanceof GrokError && e.kind === "network");

    const fresh = controlledUploads();
    const ac = new AbortController();
    ac.abort();
    await assert.rejects(uploadAll([img("a.png")], fresh.upload, ac.signal), (e: unknown) => e instanceof GrokError && e.kind === "cancelled");
    assert.equal(fresh.calls.length, 0);
  });
});
