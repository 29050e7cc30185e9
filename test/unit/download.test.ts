import * as assert from "node:assert/strict";
import sharp from "sharp";
import { claimedFormat, downloadAll, downloadImage, verifyImage } from "../../src/jobs/download";
import { GrokError } from "../../src/fal/errors";
import type { FetchFn } from "../../src/fal/retry";

async function image(format: "png" | "jpeg" | "webp"): Promise<Uint8Array> {
  const img = sharp({ create: { width: 24, height: 16, channels: 3, background: { r: 200, g: 40, b: 90 } } });
  return new Uint8Array(await img.toFormat(format).toBuffer());
}

function serving(bodies: (Uint8Array | number)[]): { f: FetchFn; calls: string[] } {
  const calls: string[] = [];
  const f: FetchFn = async (input) => {
    const body = bodies[Math.min(calls.length, bodies.length - 1)];
    calls.push(String(input));
    if (typeof body === "number") return new Response("nope", { status: body });
    return new Response(Buffer.from(body), { status: 200 });
  };
  return { f, calls };
}

describe("downloading and verifying images", () => {
  const noWait = async () => undefined;

  it("accepts a whole image of the claimed format", async () => {
    const png = await image("png");
    assert.equal(verifyImage(png, "png"), "png");
    const { f } = serving([png]);
    const got = await downloadImage({ url: "https://cdn.example/a.png", content_type: "image/png" }, "jpeg", { fetch: f, sleep: noWait });
    assert.equal(got.format, "png");
    assert.deepEqual(got.bytes, png);
  });

  it("retries a truncated download and then succeeds", async () => {
    const jpeg = await image("jpeg");
    const { f, calls } = serving([jpeg.subarray(0, jpeg.length - 40), jpeg]);
    const got = await downloadImage({ url: "https://cdn.example/a.jpg" }, "jpeg", { fetch: f, sleep: noWait });
    assert.equal(calls.length, 2);
    assert.equal(got.bytes.length, jpeg.length);
  });

  it("reports a wrong-type download after retrying, never returning its bytes", async () => {
    const webp = await image("webp");
    const { f, calls } = serving([webp]);
    await assert.rejects(downloadImage({ url: "https://cdn.example/a.jpg", content_type: "image/jpeg" }, "jpeg", { fetch: f, sleep: noWait, attempts: 3 }), (e: unknown) => e instanceof GrokError && e.kind === "download" && /webp/.test(e.message));
    assert.equal(calls.length, 3);
  });

  it("reports HTTP errors and non-images", async () => {
    const { f } = serving([503]);
    await assert.rejects(downloadImage({ url: "https://cdn.example/a.png" }, "png", { fetch: f, sleep: noWait }), /HTTP 503/);
    const text = serving([new TextEncoder().encode("<html>not an image</html>")]);
    await assert.rejects(downloadImage({ url: "https://cdn.example/a.png" }, "png", { fetch: text.f, sleep: noWait }), /not an image/);
  });

  it("decodes sync_mode data URIs and checks them", async () => {
    const png = await image("png");
    const url = `data:image/png;base64,${Buffer.from(png).toString("base64")}`;
    const got = await downloadImage({ url }, "jpeg", { fetch: serving([500]).f, sleep: noWait });
    assert.equal(got.format, "png");
    assert.deepEqual(Buffer.from(got.bytes), Buffer.from(png));
    const bad = `data:image/png;base64,${Buffer.from(png.subarray(0, 30)).toString("base64")}`;
    await assert.rejects(downloadImage({ url: bad }, "png", { sleep: noWait }), /incomplete/);
  });

  it("refuses addresses that are not http(s)", async () => {
    await assert.rejects(downloadImage({ url: "file:///etc/passwd" }, "png", { sleep: noWait }), /cannot be downloaded/);
  });

  it("claims the format from the data URI or content type, else what was asked", () => {
    assert.equal(claimedFormat({ url: "data:image/webp;base64,AAAA" }, "png"), "webp");
    assert.equal(claimedFormat({ url: "https://x/y", content_type: "image/png" }, "jpeg"), "png");
    assert.equal(claimedFormat({ url: "https://x/y" }, "jpeg"), "jpeg");
  });

  it("downloads several images in parallel", async () => {
    const png = await image("png");
    let inFlight = 0;
    let peak = 0;
    const f: FetchFn = async () => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, 20));
      inFlight--;
      return new Response(Buffer.from(png));
    };
    const got = await downloadAll([1, 2, 3, 4].map((i) => ({ url: `https://cdn.example/${i}.png` })), "png", { fetch: f, sleep: noWait });
    assert.equal(got.length, 4);
    assert.equal(peak, 4);
  });
});
