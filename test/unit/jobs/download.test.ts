import * as assert from "node:assert/strict";
import sharp from "sharp";
import {
  addressProblem,
  claimedFormat,
  ByteBudget,
  downloadAll,
  downloadImage,
  limitToAsked,
  MAX_DATA_URI_CHARS,
  MAX_IMAGE_BYTES,
  MAX_REDIRECTS,
  readCapped,
  resultByteCap,
  verifyImage,
} from "../../../src/jobs/download";
import { GrokError } from "../../../src/fal/errors";
import type { FetchFn } from "../../../src/fal/retry";

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

  it("refuses addresses that are not https", async () => {
    await assert.rejects(downloadImage({ url: "file:///etc/passwd" }, "png", { sleep: noWait }), /not one the extension downloads from/);
  });

  it("claims the format from the data URI or content type, else what was asked", () => {
    assert.equal(claimedFormat({ url: "data:image/webp;base64,AAAA" }, "png"), "webp");
    assert.equal(claimedFormat({ url: "https://x/y", content_type: "image/png" }, "jpeg"), "png");
    assert.equal(claimedFormat({ url: "https://x/y" }, "jpeg"), "jpeg");
  });

  it("asks for all of a job's images at once, and reads their bodies within the byte budget, in order", async () => {
    const png = await image("png");
    let asked = 0;
    let askedPeak = 0;
    let reading = 0;
    let readingPeak = 0;
    const f: FetchFn = async () => {
      asked++;
      askedPeak = Math.max(askedPeak, asked);
      await new Promise((r) => setTimeout(r, 5));
      asked--;
      let started = false;
      const body = new ReadableStream<Uint8Array>({
        async pull(c) {
          if (!started) {
            started = true;
            reading++;
            readingPeak = Math.max(readingPeak, reading);
          }
          await new Promise((r) => setTimeout(r, 20));
          c.enqueue(png);
          reading--;
          c.close();
        },
      }, { highWaterMark: 0 }); // pulled only when read
      return new Response(body, { headers: { "content-length": String(png.length) } });
    };
    const urls = [1, 2, 3, 4].map((i) => ({ url: `https://cdn.example/${i}.png` }));
    // Room for two bodies of this size: two are read at a time.
    const got = await downloadAll(urls, "png", { fetch: f, sleep: noWait, maxBytes: png.length, budget: new ByteBudget(2 * png.length) });
    assert.equal(got.length, 4);
    assert.equal(askedPeak, 4, "all four asked for at once");
    assert.equal(readingPeak, 2, "two bodies read at a time");
    // Room for all four: read side by side.
    readingPeak = 0;
    await downloadAll(urls, "png", { fetch: f, sleep: noWait, maxBytes: png.length, budget: new ByteBudget(4 * png.length) });
    assert.equal(readingPeak, 4);
  });

  it("the byte budget: first come, first served; a body without a length takes the cap; a cancelled wait gives way", async () => {
    const budget = new ByteBudget(100);
    const order: string[] = [];
    const a = await budget.take(60);
    const b = budget.take(60).then((give) => (order.push("b"), give));
    const c = budget.take(10).then((give) => (order.push("c"), give)); // fits, but waits its turn behind b
    await new Promise((r) => setTimeout(r, 5));
    assert.equal(order.length, 0, "both wait");
    a();
    a(); // giving back twice gives once
    const giveB = await b;
    const giveC = await c;
    assert.deepEqual(order, ["b", "c"]);
    const stop = new AbortController();
    const d = budget.take(1000, stop.signal); // more than the whole budget: waits for all of it
    const e = budget.take(10).then((give) => (order.push("e"), give));
    stop.abort();
    await assert.rejects(d, (err: unknown) => err instanceof GrokError && err.kind === "cancelled");
    (await e)();
    assert.deepEqual(order, ["b", "c", "e"], "the cancelled wait no longer holds up the queue");
    giveB();
    giveC();
    (await budget.take(100))();
  });

  it("stops the other downloads of a job at the first failure", async () => {
    const png = await image("png");
    const asked: string[] = [];
    const f: FetchFn = async (input, init) => {
      asked.push(String(input));
      if (String(input).endsWith("/1.png")) return new Response("gone", { status: 404 });
      await new Promise((resolve, reject) => {
        const t = setTimeout(resolve, 2000);
        init?.signal?.addEventListener("abort", () => (clearTimeout(t), reject(Object.assign(new Error("aborted"), { name: "AbortError" }))));
      });
      return new Response(Buffer.from(png));
    };
    const t0 = Date.now();
    await assert.rejects(downloadAll([1, 2, 3, 4].map((i) => ({ url: `https://cdn.example/${i}.png` })), "png", { fetch: f, sleep: noWait, attempts: 1 }), /HTTP 404/);
    assert.ok(Date.now() - t0 < 1500, "the slow one was aborted, not awaited");
    assert.equal(asked.length, 4, "all four were asked for at once, and the three slow ones aborted");
  });
});

/** A body of `total` bytes made on demand, counting how much was pulled from it. */
function endless(total: number, chunk = 64 * 1024): { body: ReadableStream<Uint8Array>; pulled: () => number; cancelled: () => boolean } {
  let pulled = 0;
  let cancelled = false;
  const zeros = new Uint8Array(chunk);
  const body = new ReadableStream<Uint8Array>({
    pull(c) {
      if (pulled >= total) return c.close();
      const n = Math.min(chunk, total - pulled);
      pulled += n;
      c.enqueue(n === chunk ? zeros : zeros.subarray(0, n));
    },
    cancel() {
      cancelled = true;
    },
  }, { highWaterMark: 0 });
  return { body, pulled: () => pulled, cancelled: () => cancelled };
}

describe("downloads under limits", () => {
  const noWait = async () => undefined;
  const MB = 1024 * 1024;

  it("the cap is well above a real 2k image (2048x2048 RGBA PNG of noise) and bounded", () => {
    const worst2k = 2048 * 2048 * 4 + 2048; // 4 bytes a pixel plus a filter byte a row
    assert.ok(MAX_IMAGE_BYTES >= 1.9 * worst2k, `${MAX_IMAGE_BYTES} leaves room over ${worst2k}`);
    assert.ok(MAX_IMAGE_BYTES <= 64 * MB, "and stays far below what would strain the extension host");
  });

  it("refuses a Content-Length above the cap without reading the body, and does not retry", async () => {
    const src = endless(400 * MB);
    let calls = 0;
    const f: FetchFn = async () => (calls++, new Response(src.body, { headers: { "content-length": String(400 * MB) } }));
    await assert.rejects(downloadImage({ url: "https://cdn.example/big.png" }, "png", { fetch: f, sleep: noWait }), (e: unknown) => e instanceof GrokError && e.kind === "refused" && /larger than 32 MB/.test(e.message));
    assert.equal(calls, 1, "not retried");
    assert.ok(src.pulled() <= 64 * 1024, `read ${src.pulled()} bytes`);
    assert.ok(src.cancelled(), "the transfer was cancelled");
  });

  it("stops a body without Content-Length once it passes the cap", async () => {
    const src = endless(400 * MB);
    const f: FetchFn = async () => new Response(src.body);
    await assert.rejects(downloadImage({ url: "https://cdn.example/big.png" }, "png", { fetch: f, sleep: noWait }), (e: unknown) => e instanceof GrokError && e.kind === "refused");
    assert.ok(src.pulled() <= MAX_IMAGE_BYTES + 2 * 64 * 1024, `read ${src.pulled()} bytes, the cap is ${MAX_IMAGE_BYTES}`);
    assert.ok(src.cancelled());
  });

  it("a smaller cap applies the same way", async () => {
    const src = endless(10_000, 1000);
    await assert.rejects(readCapped(new Response(src.body), 4000, "test"), /larger than/);
    assert.ok(src.pulled() <= 5000);
  });

  it("measures an inline (sync_mode) image before decoding it", async () => {
    const huge = `data:image/png;base64,${"A".repeat(MAX_DATA_URI_CHARS + 4)}`;
    await assert.rejects(downloadImage({ url: huge }, "png", { sleep: noWait }), (e: unknown) => e instanceof GrokError && e.kind === "refused");
  });

  const policy = { allowLoopback: false };
  const table: [string, boolean, string?][] = [
    ["https://v3.fal.media/files/x.png", true],
    ["http://v3.fal.media/files/x.png", false, "not https"],
    ["ftp://v3.fal.media/x.png", false, "not https"],
    ["https://127.0.0.1/x.png", false, "loopback"],
    ["https://localhost/x.png", false, "loopback"],
    ["https://[::1]/x.png", false, "loopback"],
    ["https://[::ffff:127.0.0.1]/x.png", false, "loopback"],
    ["https://0x7f.1/x.png", false, "loopback"],
    ["https://10.1.2.3/x.png", false, "private"],
    ["https://172.20.0.1/x.png", false, "private"],
    ["https://192.168.1.1/x.png", false, "private"],
    ["https://169.254.169.254/latest/meta-data", false, "private"],
    ["https://[fe80::1]/x.png", false, "private"],
    ["https://[fd00::1]/x.png", false, "private"],
    ["https://intranet/x.png", false, "private"],
    ["https://user:pw@v3.fal.media/x.png", false, "credentials"],
  ];
  for (const [url, ok, why] of table) {
    it(`${ok ? "fetches" : "refuses"} ${url}${why ? ` (${why})` : ""}`, () => {
      const problem = addressProblem(new URL(url), policy);
      if (ok) assert.equal(problem, undefined);
      else assert.ok(problem, `${url} should be refused`);
    });
  }

  it("loopback (http: too) only when the proxy is on loopback", () => {
    const local = { allowLoopback: true };
    assert.equal(addressProblem(new URL("http://127.0.0.1:4567/files/a.png"), local), undefined);
    assert.equal(addressProblem(new URL("https://localhost/a.png"), local), undefined);
    assert.ok(addressProblem(new URL("http://10.0.0.2/a.png"), local), "private addresses stay refused");
    assert.ok(addressProblem(new URL("http://example.com/a.png"), local), "plain http elsewhere stays refused");
  });

  it("never fetches a refused address", async () => {
    let calls = 0;
    const f: FetchFn = async () => (calls++, new Response("x"));
    await assert.rejects(downloadImage({ url: "http://example.com/a.png" }, "png", { fetch: f, sleep: noWait }), (e: unknown) => e instanceof GrokError && e.kind === "refused" && !/example\.com/.test(e.message));
    assert.equal(calls, 0);
  });

  const redirecting = (hops: Record<string, string>, final: Uint8Array) => {
    const seen: { url: string; redirect?: string }[] = [];
    const f: FetchFn = async (input, init) => {
      const url = String(input);
      seen.push({ url, redirect: init?.redirect });
      const to = hops[url];
      return to !== undefined ? new Response(null, { status: 302, headers: { location: to } }) : new Response(Buffer.from(final));
    };
    return { f, seen };
  };

  it("follows redirects by hand, resolving relative ones", async () => {
    const png = await image("png");
    const { f, seen } = redirecting({ "https://a.example/1.png": "/2.png", "https://a.example/2.png": "https://b.example/3.png" }, png);
    const got = await downloadImage({ url: "https://a.example/1.png" }, "png", { fetch: f, sleep: noWait });
    assert.equal(got.format, "png");
    assert.deepEqual(seen.map((x) => x.url), ["https://a.example/1.png", "https://a.example/2.png", "https://b.example/3.png"]);
    assert.ok(seen.every((x) => x.redirect === "manual"), "fetch never follows on its own");
  });

  for (const [to, why] of [["http://b.example/x.png", "plain http"], ["https://169.254.169.254/latest", "a metadata address"], ["file:///etc/passwd", "a file"], ["https://127.0.0.1/x", "loopback"]] as const) {
    it(`refuses a redirect to ${why}, without fetching it`, async () => {
      const { f, seen } = redirecting({ "https://a.example/1.png": to }, new Uint8Array(0));
      await assert.rejects(downloadImage({ url: "https://a.example/1.png" }, "png", { fetch: f, sleep: noWait }), (e: unknown) => e instanceof GrokError && e.kind === "refused");
      assert.deepEqual(seen.map((x) => x.url), ["https://a.example/1.png"]);
    });
  }

  it(`gives up after ${MAX_REDIRECTS} redirects`, async () => {
    const hops: Record<string, string> = {};
    for (let i = 0; i < 20; i++) hops[`https://a.example/${i}`] = `https://a.example/${i + 1}`;
    const { f, seen } = redirecting(hops, new Uint8Array(0));
    await assert.rejects(downloadImage({ url: "https://a.example/0" }, "png", { fetch: f, sleep: noWait }), /redirected more than/);
    assert.equal(seen.length, MAX_REDIRECTS + 1);
  });

  it("keeps at most the number of images asked for", () => {
    const out = { images: [1, 2, 3, 4].map((i) => ({ url: `https://x/${i}` })), revised_prompt: "" };
    const { output, extra } = limitToAsked(out, 1);
    assert.deepEqual(output.images.map((i) => i.url), ["https://x/1"]);
    assert.equal(extra, 3);
    assert.equal(limitToAsked(out, 4).extra, 0);
  });

  it("reads a bounded result answer: small without sync_mode, room for the inline images with it", () => {
    assert.equal(resultByteCap({ num_images: 4, sync_mode: false }), MB);
    assert.ok(resultByteCap({ num_images: 2, sync_mode: true }) >= 2 * MAX_DATA_URI_CHARS);
    assert.ok(resultByteCap({ num_images: 2, sync_mode: true }) < 3 * MAX_DATA_URI_CHARS);
  });
});
