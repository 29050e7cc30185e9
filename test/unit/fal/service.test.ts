import * as assert from "node:assert/strict";
import { FalService, MAX_RESULT_BYTES, POLL_FIRST_MS, POLL_MAX_MS } from "../../../src/fal/service";
import { GrokError } from "../../../src/fal/errors";
import { startFakeFal, type FakeFal } from "../../fake-fal/server";

const ENDPOINT = "xai/grok-imagine-image";

describe("FalService against the fake fal", function () {
  this.timeout(20_000);
  let fake: FakeFal;
  before(async () => (fake = await startFakeFal({ queueMs: 10, runMs: 20 })));
  beforeEach(() => fake.reset());
  after(() => fake.close());

  const service = (extra: Partial<ConstructorParameters<typeof FalService>[0]> = {}) => new FalService({ key: "test-key", proxyUrl: fake.url, ...extra });
  const submit = (fal: FalService, sync = false) => fal.submit(ENDPOINT, { prompt: "a cat", num_images: 1, aspect_ratio: "1:1", resolution: "1k", output_format: "jpeg", sync_mode: sync });

  it("reads a result up to a byte cap, and refuses one larger", async () => {
    const fal = service();
    const id = await submit(fal);
    await fal.waitUntilDone(ENDPOINT, id, () => undefined);
    const ok = await fal.result(ENDPOINT, id);
    assert.equal(ok.images.length, 1);
    fake.inject({ on: "result", kind: "rewrite", rewrite: (body) => ({ ...(body as object), padding: "x".repeat(MAX_RESULT_BYTES) }) });
    await assert.rejects(fal.result(ENDPOINT, id), (e: unknown) => e instanceof GrokError && e.kind === "refused" && /larger than 1 MB/.test(e.message));
    fake.inject({ on: "result", kind: "rewrite", rewrite: (body) => ({ ...(body as object), padding: "x".repeat(5000) }) });
    await assert.rejects(fal.result(ENDPOINT, id, undefined, 4000), (e: unknown) => e instanceof GrokError && e.kind === "refused");
  });

  it("when the status stream fails, polls no faster than once a second, backing off", async () => {
    const waits: number[] = [];
    let twelfth = () => undefined as void;
    const twelve = new Promise<void>((resolve) => (twelfth = resolve));
    const fal = service({ sleep: (ms) => Promise.resolve(void (waits.push(ms) === 12 && twelfth())) });
    fake.inject({ on: "stream", kind: "http", status: 500, times: Infinity });
    fake.hold("queue");
    const id = await submit(fal);
    const done = fal.waitUntilDone(ENDPOINT, id, () => undefined);
    // Each poll answers IN_QUEUE until released; let a dozen go by.
    await twelve;
    fake.release(id);
    await done;
    assert.ok(waits.length >= 12);
    assert.equal(waits[0], POLL_FIRST_MS);
    assert.ok(waits.every((w) => w >= 1000), `every wait ≥ 1 s: ${waits.join(", ")}`);
    assert.ok(waits.every((w, i) => i === 0 || w >= waits[i - 1]), "never faster than before");
    assert.equal(Math.max(...waits), POLL_MAX_MS, "growing up to the cap");
  });

  it("a status stream refused with 404 is not polled: the request is unknown to fal (or to a mistyped proxy)", async () => {
    const waits: number[] = [];
    const fal = service({ sleep: (ms) => Promise.resolve(void waits.push(ms)) });
    await assert.rejects(fal.waitUntilDone(ENDPOINT, "00000000-0000-0000-0000-000000000000", () => undefined), (e: unknown) => e instanceof GrokError && e.kind === "notFound");
    assert.deepEqual(waits, []);
  });
});

describe("FalService and the proxy setting", function () {
  this.timeout(20_000);
  let fake: FakeFal;
  before(async () => (fake = await startFakeFal({ queueMs: 10, runMs: 20 })));
  beforeEach(() => fake.reset());
  after(() => fake.close());

  it("is not made with a proxy that would leak the key, and says why without quoting it", () => {
    for (const url of ["http://proxy.example.com/fal", `http://user:pw-123@${new URL(fake.url).host}/fal-proxy`]) {
      assert.throws(() => new FalService({ key: "k", proxyUrl: url }), (e: unknown) => e instanceof GrokError && e.kind === "settings" && !e.message.includes("pw-123"));
    }
    assert.equal(fake.requests.length, 0, "nothing was sent");
  });

  it("uploads PUT their bytes only to an https address (or loopback beside a loopback proxy)", async () => {
    const fal = new FalService({ key: "k", proxyUrl: fake.url });
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const ok = await fal.upload(png, "image/png", "a.png");
    assert.match(ok, /^http:\/\/127\.0\.0\.1:\d+\//);
    for (const target of ["http://uploads.example.com/put/1", "https://192.168.1.20/put/1"]) {
      fake.inject({ on: "initiate", kind: "rewrite", rewrite: (body) => ({ ...(body as object), upload_url: target }) });
      const before = fake.requests.length;
      await assert.rejects(fal.upload(png, "image/png", "a.png"), (e: unknown) => e instanceof GrokError && e.kind === "refused");
      assert.deepEqual(fake.requests.slice(before).map((r) => r.operation), ["initiate"], "only the initiate call, through the proxy, was made");
    }
  });
});
