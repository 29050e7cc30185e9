/**
 * Drives the local fake fal server (test/fake-fal/server.ts) with the REAL @fal-ai/client, configured
 * exactly as the extension configures it for tests: `proxyUrl: { url: fake.url, when: "always" }`.
 */
import * as assert from "node:assert/strict";
import sharp from "sharp";
import { ApiError, ValidationError, createFalClient, type FalClient, type QueueStatus } from "@fal-ai/client";
import {
  EDIT_ENDPOINT,
  GENERATE_ENDPOINT,
  dimensionsFor,
  startFakeFal,
  type FakeFal,
  type RecordedRequest,
} from "../fake-fal/server";

// Typed as plain strings: the client's generated types alias these endpoints to another model's input.
const GEN: string = GENERATE_ENDPOINT;
const EDIT: string = EDIT_ENDPOINT;

interface Img {
  url: string;
  content_type: string;
  file_name: string;
  file_size: number;
  width: number;
  height: number;
}

function isObj(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function imagesOf(data: unknown): { images: Img[]; revised_prompt: string } {
  assert.ok(isObj(data), "result data is an object");
  const images = data["images"];
  assert.ok(Array.isArray(images), "images is an array");
  const out: Img[] = images.map((raw: unknown) => {
    assert.ok(isObj(raw));
    const { url, content_type, file_name, file_size, width, height } = raw;
    assert.equal(typeof url, "string");
    assert.equal(typeof content_type, "string");
    assert.equal(typeof file_name, "string");
    assert.equal(typeof file_size, "number");
    assert.equal(typeof width, "number");
    assert.equal(typeof height, "number");
    return {
      url: String(url),
      content_type: String(content_type),
      file_name: String(file_name),
      file_size: Number(file_size),
      width: Number(width),
      height: Number(height),
    };
  });
  assert.equal(typeof data["revised_prompt"], "string");
  return { images: out, revised_prompt: String(data["revised_prompt"]) };
}

async function download(url: string): Promise<{ bytes: Buffer; contentType: string | null; status: number }> {
  const res = await fetch(url);
  return { bytes: Buffer.from(await res.arrayBuffer()), contentType: res.headers.get("content-type"), status: res.status };
}

function makePng(width: number, height: number, color: { r: number; g: number; b: number }): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: color } }).png().toBuffer();
}

function detailOf(error: unknown): Array<Record<string, unknown>> {
  assert.ok(error instanceof ApiError, `expected ApiError, got ${String(error)}`);
  const body: unknown = error.body;
  assert.ok(isObj(body));
  const detail = body["detail"];
  assert.ok(Array.isArray(detail), "detail is a list");
  return detail.map((entry: unknown) => {
    assert.ok(isObj(entry));
    return entry;
  });
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  assert.fail("expected the promise to reject");
}

describe("fake fal server", function () {
  this.timeout(8000);
  let fake: FakeFal;
  let fal: FalClient;

  before(async () => {
    fake = await startFakeFal({ queueMs: 20, runMs: 40, queueSteps: 3 });
    fal = createFalClient({ credentials: "test-key", proxyUrl: { url: fake.url, when: "always" } });
  });
  after(() => fake.close());
  afterEach(() => fake.reset());

  const proxyFetch = (target: string, init: RequestInit & { key?: string | null } = {}): Promise<Response> => {
    const headers: Record<string, string> = { "x-fal-target-url": target, "content-type": "application/json" };
    if (init.key !== null) {
      headers["authorization"] = `Key ${init.key ?? "test-key"}`;
    }
    return fetch(fake.url, { ...init, headers: { ...headers, ...(init.headers as Record<string, string> | undefined) } });
  };

  describe("generate via subscribe", () => {
    it("returns num_images real images of the requested format and size, served by the fake", async () => {
      const updates: string[] = [];
      const result = await fal.subscribe(GEN, {
        input: { prompt: "a lighthouse", num_images: 2, aspect_ratio: "16:9", resolution: "2k", output_format: "png" },
        pollInterval: 5,
        logs: true,
        onQueueUpdate: (u: QueueStatus) => updates.push(u.status),
      });
      const { images, revised_prompt } = imagesOf(result.data);
      assert.equal(images.length, 2);
      assert.ok(revised_prompt.length > 0);
      assert.match(result.requestId, /^[0-9a-f-]{36}$/);
      assert.ok(updates.includes("COMPLETED"));
      const expected = dimensionsFor("16:9", "2k");
      assert.deepEqual(expected, { width: 2048, height: 1152 });
      const seen = new Set<string>();
      for (const image of images) {
        assert.ok(image.url.startsWith(`${fake.origin}/files/`), image.url);
        assert.equal(image.content_type, "image/png");
        assert.equal(image.width, 2048);
        assert.equal(image.height, 1152);
        const got = await download(image.url);
        assert.equal(got.status, 200);
        assert.equal(got.contentType, "image/png");
        assert.equal(got.bytes.length, image.file_size);
        const meta = await sharp(got.bytes).metadata();
        assert.equal(meta.format, "png");
        assert.equal(meta.width, 2048);
        assert.equal(meta.height, 1152);
        seen.add(got.bytes.toString("base64").slice(-4000));
      }
      assert.equal(seen.size, 2, "the images differ");

      // What the client sent: full endpoint id on submit, app root elsewhere, the key every time.
      const submit = fake.submits[0];
      assert.ok(submit !== undefined);
      assert.equal(submit.endpointId, GENERATE_ENDPOINT);
      assert.equal(submit.key, "test-key");
      const job = fake.jobs.get(result.requestId);
      assert.ok(job !== undefined);
      assert.equal(job.state, "COMPLETED");
      assert.equal(job.outcome, "ok");
      assert.ok(job.completedAt !== null && job.completedAt >= job.submittedAt);
      assert.ok(job.completedAtEpochMs !== null && job.completedAtEpochMs >= job.submittedAtEpochMs);
      const queued = fake.requests.filter((r: RecordedRequest) => r.host === "queue.fal.run");
      assert.ok(queued.every((r) => r.headers["authorization"] === "Key test-key"));
      assert.ok(queued.some((r) => r.targetUrl === `https://queue.fal.run/xai/grok-imagine-image/requests/${result.requestId}/status?logs=1`));
      assert.ok(queued.some((r) => r.targetUrl === `https://queue.fal.run/xai/grok-imagine-image/requests/${result.requestId}`));
      assert.deepEqual(fake.keysSeen, ["test-key"]);
    });

    it("works in streaming mode and reports the queue position counting down", async () => {
      const updates: QueueStatus[] = [];
      const fakePositions: number[] = [];
      const off = fake.on("state", (job) => {
        if (job.state === "IN_QUEUE") {
          fakePositions.push(job.queuePosition);
        }
      });
      fake.setTiming({ queueMs: 90 });
      const result = await fal.subscribe(GEN, {
        input: { prompt: "streamed", output_format: "webp", aspect_ratio: "9:19.5" },
        mode: "streaming",
        logs: true,
        onQueueUpdate: (u: QueueStatus) => updates.push(u),
      });
      const { images } = imagesOf(result.data);
      assert.equal(images.length, 1);
      const meta = await sharp((await download(images[0]?.url ?? "")).bytes).metadata();
      assert.equal(meta.format, "webp");
      assert.deepEqual({ w: meta.width, h: meta.height }, { w: 472, h: 1024 });
      const statuses = updates.map((u) => u.status);
      assert.equal(statuses[statuses.length - 1], "COMPLETED");
      assert.ok(statuses.includes("IN_PROGRESS"));
      off();
      // The fake counts 2 (at submit) → 1 → 0; the stream (connected a moment after submit) pushes
      // every change it is connected for, so it sees a decreasing tail of that sequence.
      assert.deepEqual(fakePositions, [1, 0]);
      assert.equal(fake.submits.length, 1);
      const positions = updates.flatMap((u) => (u.status === "IN_QUEUE" ? [u.queue_position] : []));
      assert.ok(positions.length >= 1 && positions[positions.length - 1] === 0, `positions ${positions.join(",")}`);
      assert.deepEqual(positions, [2, 1, 0].slice(3 - positions.length));
      const last = updates[updates.length - 1];
      assert.ok(last !== undefined && last.status === "COMPLETED");
      assert.ok(last.logs.length >= 2, "logs accumulated over the stream without duplicates");
      assert.equal(new Set(last.logs.map((l) => l.message)).size, last.logs.length);
    });

    it("sync_mode returns data URIs", async () => {
      const result = await fal.subscribe(GEN, {
        input: { prompt: "inline", sync_mode: true, output_format: "jpeg", num_images: 2 },
        pollInterval: 5,
      });
      const { images } = imagesOf(result.data);
      assert.equal(images.length, 2);
      for (const image of images) {
        assert.ok(image.url.startsWith("data:image/jpeg;base64,"));
        const bytes = Buffer.from(image.url.slice("data:image/jpeg;base64,".length), "base64");
        assert.equal(bytes.length, image.file_size);
        const meta = await sharp(bytes).metadata();
        assert.equal(meta.format, "jpeg");
        assert.deepEqual({ w: meta.width, h: meta.height }, { w: 1024, h: 1024 });
      }
    });

    it("fal.run (sync) returns the output directly, and 422 directly for bad input", async () => {
      const ok = await fal.run(GEN, { input: { prompt: "direct" } });
      assert.equal(imagesOf(ok.data).images.length, 1);
      assert.match(ok.requestId, /^[0-9a-f-]{36}$/);
      const error = await rejection(fal.run(GEN, { input: { prompt: "direct", num_images: 0 } }));
      assert.ok(error instanceof ValidationError);
      assert.equal(error.status, 422);
      assert.equal(detailOf(error)[0]?.["type"], "greater_than_equal");
    });
  });

  describe("queue operations one by one", () => {
    it("submit + status with logs + streamStatus + result for an edit of an uploaded image", async () => {
      const source = await makePng(300, 200, { r: 200, g: 30, b: 30 });
      const url = await fal.storage.upload(new Blob([source], { type: "image/png" }));
      const upload = fake.uploads[0];
      assert.ok(upload !== undefined && upload.bytes !== null);
      assert.ok(upload.bytes.equals(source), "uploaded bytes are the source bytes");
      assert.equal(upload.contentType, "image/png");
      assert.equal(upload.fileUrl, url);
      assert.ok(url.startsWith(`${fake.origin}/files/`));
      // The PUT went straight to upload_url (not through the proxy) and without the key.
      const put = fake.requests.find((r) => r.operation === "upload");
      assert.ok(put !== undefined && !put.proxied && put.key === null);
      assert.ok(fake.requests.some((r) => r.targetUrl === "https://rest.fal.ai/storage/upload/initiate?storage_type=fal-cdn-v3"));

      fake.hold("run");
      const submitted = await fal.queue.submit(EDIT, {
        input: { prompt: "make it blue", image_urls: [url], resolution: "1k", output_format: "jpeg", num_images: 2 },
      });
      const id = submitted.request_id;
      assert.equal(submitted.status, "IN_QUEUE");
      assert.equal(submitted.status_url, `https://queue.fal.run/xai/grok-imagine-image/requests/${id}/status`);
      assert.equal(submitted.response_url, `https://queue.fal.run/xai/grok-imagine-image/requests/${id}`);
      assert.equal(submitted.cancel_url, `https://queue.fal.run/xai/grok-imagine-image/requests/${id}/cancel`);
      assert.equal(fake.submits[0]?.endpointId, EDIT_ENDPOINT);
      assert.ok(fake.requests.some((r) => r.targetUrl === "https://queue.fal.run/xai/grok-imagine-image/edit"));

      await fake.waitForState(id, "IN_PROGRESS");
      const running = await fal.queue.status(EDIT, { requestId: id, logs: true });
      assert.equal(running.status, "IN_PROGRESS");
      assert.equal(running.request_id, id);
      assert.equal(running.status_url, submitted.status_url);
      assert.equal(running.response_url, submitted.response_url);
      assert.ok(running.status === "IN_PROGRESS" && running.logs.length >= 1);
      for (const log of running.status === "IN_PROGRESS" ? running.logs : []) {
        assert.equal(typeof log.message, "string");
        assert.equal(log.source, "USER");
        assert.ok(!Number.isNaN(Date.parse(log.timestamp)));
      }
      const early = await rejection(fal.queue.result(EDIT, { requestId: id }));
      assert.ok(early instanceof ApiError && early.status === 400);

      const stream = await fal.queue.streamStatus(EDIT, { requestId: id, logs: true });
      const events: Array<{ status: string; at: number }> = [];
      stream.on("data", (data: unknown) => {
        if (isObj(data) && typeof data["status"] === "string") {
          events.push({ status: data["status"], at: performance.now() });
        }
      });
      // Wait until the stream delivered its first (IN_PROGRESS) event before completing the job.
      while (events.length === 0) {
        await new Promise((resolve) => setImmediate(resolve));
      }
      assert.equal(fake.release(id), 1);
      const final = await stream.done();
      assert.ok(isObj(final));
      assert.equal(final["status"], "COMPLETED");
      const job = fake.jobs.get(id);
      assert.ok(job !== undefined && job.completedAt !== null);
      const completedEvent = events.find((e) => e.status === "COMPLETED");
      assert.ok(completedEvent !== undefined);
      const lag = completedEvent.at - job.completedAt;
      assert.ok(lag >= 0 && lag < 100, `COMPLETED pushed ${lag.toFixed(1)} ms after it happened`);

      const done = await fal.queue.status(EDIT, { requestId: id, logs: false });
      assert.equal(done.status, "COMPLETED");
      const result = await fal.queue.result(EDIT, { requestId: id });
      assert.equal(result.requestId, id);
      const { images } = imagesOf(result.data);
      assert.equal(images.length, 2);
      // Edit output follows the source's aspect ratio (3:2) at 1k.
      for (const image of images) {
        const meta = await sharp((await download(image.url)).bytes).metadata();
        assert.equal(meta.format, "jpeg");
        assert.deepEqual({ w: meta.width, h: meta.height }, { w: 1024, h: 680 });
      }
      assert.equal(job.inputImages.length, 1);
      assert.equal(job.inputImages[0]?.source, "upload");
      assert.ok(job.inputImages[0]?.bytes?.equals(source));
    });

    it("cancel while queued: 202, recorded, the request ends cancelled and result fails", async () => {
      fake.hold("queue");
      const { request_id: id } = await fal.queue.submit(GEN, { input: { prompt: "never mind" } });
      const queued = await fal.queue.status(GEN, { requestId: id });
      assert.equal(queued.status, "IN_QUEUE");
      await fal.queue.cancel(GEN, { requestId: id });
      assert.equal(fake.cancels.length, 1);
      assert.deepEqual(
        { id: fake.cancels[0]?.requestId, before: fake.cancels[0]?.stateBefore, outcome: fake.cancels[0]?.outcome, code: fake.cancels[0]?.responseStatus },
        { id, before: "IN_QUEUE", outcome: "CANCELLATION_REQUESTED", code: 202 },
      );
      assert.equal(fake.jobs.get(id)?.outcome, "cancelled");
      const status = await fal.queue.status(GEN, { requestId: id });
      assert.equal(status.status, "COMPLETED");
      const failed = await rejection(fal.queue.result(GEN, { requestId: id }));
      assert.ok(failed instanceof ApiError);
      assert.equal(failed.status, 400);
      const again = await rejection(fal.queue.cancel(GEN, { requestId: id }));
      assert.ok(again instanceof ApiError && again.status === 400);
      assert.ok(isObj(again.body) && again.body["status"] === "ALREADY_COMPLETED");
      const unknown = await rejection(fal.queue.cancel(GEN, { requestId: "00000000-0000-4000-8000-000000000000" }));
      assert.ok(unknown instanceof ApiError && unknown.status === 404);
      assert.deepEqual(fake.cancels.map((c) => c.outcome), ["CANCELLATION_REQUESTED", "ALREADY_COMPLETED", "NOT_FOUND"]);
    });

    it("serves the quality tier's endpoints with the same inputs (every endpoint of the API's definition)", async () => {
      const wide = await fal.subscribe("xai/grok-imagine-image/quality/text-to-image", { input: { prompt: "a lighthouse", aspect_ratio: "16:9" }, pollInterval: 5 });
      assert.deepEqual(imagesOf(wide.data).images.map((i) => [i.width, i.height]), [[1024, 576]]);
      const dataUri = `data:image/png;base64,${(await makePng(100, 200, { r: 10, g: 10, b: 200 })).toString("base64")}`;
      const edited = await fal.subscribe("xai/grok-imagine-image/quality/edit", { input: { prompt: "tint", image_urls: [dataUri] }, pollInterval: 5 });
      assert.deepEqual(imagesOf(edited.data).images.map((i) => [i.width, i.height]), [[512, 1024]]);
      assert.deepEqual(fake.submits.map((x) => x.endpointId), ["xai/grok-imagine-image/quality/text-to-image", "xai/grok-imagine-image/quality/edit"]);
      assert.deepEqual([...fake.jobs.values()].map((j) => j.kind), ["generate", "edit"]);
      const error = await rejection(fal.subscribe("xai/grok-imagine-image/quality/edit", { input: { prompt: "p" }, pollInterval: 5 }));
      assert.deepEqual(detailOf(error)[0]?.["loc"], ["body", "image_urls"], "validated like /edit");
      const unknown = await proxyFetch("https://queue.fal.run/xai/grok-imagine-image/quality/video", { method: "POST", body: JSON.stringify({ prompt: "p" }) });
      assert.equal(unknown.status, 404);
    });

    it("status/result under the full /edit path are not routes (app root only)", async () => {
      const { request_id: id } = await fal.queue.submit(EDIT, {
        input: { prompt: "x", image_urls: [fake.storeFile(await makePng(8, 8, { r: 1, g: 2, b: 3 }), "image/png", "a.png")] },
      });
      const res = await proxyFetch(`https://queue.fal.run/xai/grok-imagine-image/edit/requests/${id}/status`);
      assert.equal(res.status, 404);
    });
  });

  describe("edit inputs", () => {
    it("accepts data URIs, records decoded bytes, and keeps the first image's ratio (aspect_ratio auto)", async () => {
      const source = await makePng(100, 200, { r: 10, g: 200, b: 10 });
      const dataUri = `data:image/png;base64,${source.toString("base64")}`;
      const result = await fal.subscribe(EDIT, {
        input: { prompt: "tint", image_urls: [dataUri], output_format: "png", seed: 1 },
        pollInterval: 5,
      });
      const { images } = imagesOf(result.data);
      assert.deepEqual({ w: images[0]?.width, h: images[0]?.height }, { w: 512, h: 1024 });
      const job = fake.jobs.get(result.requestId);
      assert.ok(job !== undefined && job.input !== null);
      assert.equal(job.input.aspect_ratio, "auto", "the default");
      assert.deepEqual(job.input.ignored, ["seed"]);
      assert.equal(job.inputImages[0]?.source, "data-uri");
      assert.ok(job.inputImages[0]?.bytes?.equals(source));
    });

    it("an edit with an aspect_ratio makes images of that ratio; a wrong one is refused", async () => {
      const dataUri = `data:image/png;base64,${(await makePng(100, 200, { r: 10, g: 10, b: 200 })).toString("base64")}`;
      const result = await fal.subscribe(EDIT, { input: { prompt: "wide", image_urls: [dataUri], aspect_ratio: "16:9" }, pollInterval: 5 });
      const { images } = imagesOf(result.data);
      assert.deepEqual({ w: images[0]?.width, h: images[0]?.height }, { w: 1024, h: 576 });
      const error = await rejection(fal.subscribe(EDIT, { input: { prompt: "p", image_urls: [dataUri], aspect_ratio: "5:4" }, pollInterval: 5 }));
      assert.equal(detailOf(error)[0]?.["type"], "literal_error");
    });

    it("an image URL the fake cannot serve fails with file_download_error (never goes online)", async () => {
      const error = await rejection(
        fal.subscribe(EDIT, { input: { prompt: "x", image_urls: ["https://example.com/cat.png"] }, pollInterval: 5 }),
      );
      assert.ok(error instanceof ValidationError);
      const entry = detailOf(error)[0];
      assert.equal(entry?.["type"], "file_download_error");
      assert.deepEqual(entry?.["loc"], ["body", "image_urls", 0]);
    });
  });

  describe("validation (fal validates when the request runs)", () => {
    const cases: Array<{ name: string; endpoint: string; input: Record<string, unknown>; loc: Array<string | number>; type: string }> = [
      { name: "bad aspect_ratio", endpoint: GEN, input: { prompt: "p", aspect_ratio: "5:4" }, loc: ["body", "aspect_ratio"], type: "literal_error" },
      { name: "num_images 5", endpoint: GEN, input: { prompt: "p", num_images: 5 }, loc: ["body", "num_images"], type: "less_than_equal" },
      { name: "missing prompt", endpoint: GEN, input: { num_images: 1 }, loc: ["body", "prompt"], type: "missing" },
      { name: "resolution 4k", endpoint: GEN, input: { prompt: "p", resolution: "4k" }, loc: ["body", "resolution"], type: "literal_error" },
      { name: "output_format gif", endpoint: GEN, input: { prompt: "p", output_format: "gif" }, loc: ["body", "output_format"], type: "literal_error" },
      { name: "sync_mode 'maybe'", endpoint: GEN, input: { prompt: "p", sync_mode: "maybe" }, loc: ["body", "sync_mode"], type: "bool_parsing" },
      {
        name: "edit with 4 image_urls",
        endpoint: EDIT,
        input: { prompt: "p", image_urls: ["data:,a", "data:,b", "data:,c", "data:,d"] },
        loc: ["body", "image_urls"],
        type: "too_long",
      },
      { name: "edit without image_urls", endpoint: EDIT, input: { prompt: "p" }, loc: ["body", "image_urls"], type: "missing" },
    ];
    for (const c of cases) {
      it(`${c.name} → submit accepted, result 422 ${c.type}`, async () => {
        const error = await rejection(fal.subscribe(c.endpoint, { input: c.input, pollInterval: 5 }));
        assert.ok(error instanceof ValidationError, String(error));
        assert.equal(error.status, 422);
        const entry = detailOf(error)[0];
        assert.deepEqual(entry?.["loc"], c.loc);
        assert.equal(entry?.["type"], c.type);
        assert.equal(typeof entry?.["msg"], "string");
        assert.ok(fake.submits[0]?.requestId !== null, "the queue accepted the submit");
        assert.equal(fake.submits[0]?.responseStatus, 200);
      });
    }

    it("aspect_ratio message lists the 13 values like pydantic", async () => {
      const error = await rejection(fal.subscribe(GEN, { input: { prompt: "p", aspect_ratio: "1:3" }, pollInterval: 5 }));
      assert.equal(
        detailOf(error)[0]?.["msg"],
        "Input should be '2:1', '20:9', '19.5:9', '16:9', '4:3', '3:2', '1:1', '2:3', '3:4', '9:16', '9:19.5', '9:20' or '1:2'",
      );
    });

    it("validateAt: 'submit' answers 422 on submit instead", async () => {
      const strict = await startFakeFal({ validateAt: "submit" });
      try {
        const client = createFalClient({ credentials: "k", proxyUrl: { url: strict.url, when: "always" } });
        const error = await rejection(client.queue.submit(GEN, { input: { prompt: "p", num_images: 5 } }));
        assert.ok(error instanceof ValidationError);
        assert.equal(strict.jobs.size, 0);
        assert.equal(strict.submits[0]?.responseStatus, 422);
      } finally {
        await strict.close();
      }
    });
  });

  describe("auth", () => {
    it("401 without a key, 400 without a target URL", async () => {
      const res = await proxyFetch("https://queue.fal.run/xai/grok-imagine-image", {
        method: "POST",
        body: JSON.stringify({ prompt: "p" }),
        key: null,
      });
      assert.equal(res.status, 401);
      const body: unknown = await res.json();
      assert.ok(isObj(body) && typeof body["detail"] === "string");
      assert.equal(fake.jobs.size, 0);
      const bare = await fetch(fake.url, { method: "POST", body: "{}" });
      assert.equal(bare.status, 400);
    });

    it("rejects keys that do not match acceptKey (401) and locked keys (403), recording the key", async () => {
      const strict = await startFakeFal({ acceptKey: "good", lockedKeys: ["broke"] });
      try {
        const wrong = createFalClient({ credentials: "bad", proxyUrl: { url: strict.url, when: "always" } });
        const e401 = await rejection(wrong.queue.submit(GEN, { input: { prompt: "p" } }));
        assert.ok(e401 instanceof ApiError && e401.status === 401);
        const broke = createFalClient({ credentials: "broke", proxyUrl: { url: strict.url, when: "always" } });
        const e403 = await rejection(broke.queue.submit(GEN, { input: { prompt: "p" } }));
        assert.ok(e403 instanceof ApiError && e403.status === 403);
        const good = createFalClient({ credentials: "good", proxyUrl: { url: strict.url, when: "always" } });
        const ok = await good.queue.submit(GEN, { input: { prompt: "p" } });
        assert.equal(typeof ok.request_id, "string");
        assert.deepEqual(strict.keysSeen, ["bad", "broke", "good"]);
        assert.equal(strict.lastKey, "good");
      } finally {
        await strict.close();
      }
    });
  });

  describe("fault injection", () => {
    const submitTarget = "https://queue.fal.run/xai/grok-imagine-image";
    const submitBody = JSON.stringify({ prompt: "p" });

    it("429 with Retry-After once, then normal again", async () => {
      const fault = fake.inject({ on: "submit", status: 429 });
      const limited = await proxyFetch(submitTarget, { method: "POST", body: submitBody });
      assert.equal(limited.status, 429);
      assert.equal(limited.headers.get("retry-after"), "1");
      const body: unknown = await limited.json();
      assert.ok(isObj(body) && typeof body["detail"] === "string");
      assert.equal(fault.hits, 1);
      assert.equal(fake.jobs.size, 0);
      const ok = await proxyFetch(submitTarget, { method: "POST", body: submitBody });
      assert.equal(ok.status, 200);
      assert.equal(fake.faults.length, 0);
    });

    it("500 on result (client sees ApiError), 422 with custom detail on submit", async () => {
      const { request_id: id } = await fal.queue.submit(GEN, { input: { prompt: "p" } });
      await fake.waitForState(id, "COMPLETED");
      fake.inject({ on: "result", status: 500 });
      const error = await rejection(fal.queue.result(GEN, { requestId: id }));
      assert.ok(error instanceof ApiError && error.status === 500);
      fake.inject({ on: "submit", status: 422, body: { detail: [{ loc: ["body", "prompt"], msg: "nope", type: "value_error" }] } });
      const invalid = await rejection(fal.queue.submit(GEN, { input: { prompt: "p" } }));
      assert.ok(invalid instanceof ValidationError);
      assert.equal(invalid.getFieldErrors("prompt")[0]?.msg, "nope");
    });

    it("drop destroys the connection", async () => {
      fake.inject({ on: "status", kind: "drop" });
      const { request_id: id } = await fal.queue.submit(GEN, { input: { prompt: "p" } });
      const error = await rejection(proxyFetch(`${submitTarget}/requests/${id}/status`));
      assert.ok(error instanceof TypeError, String(error));
      assert.equal(fake.requests.filter((r) => r.operation === "status").length, 1);
    });

    it("drop after handling: the submit happened but the answer was lost", async () => {
      fake.inject({ on: "submit", kind: "drop", afterHandling: true });
      await rejection(proxyFetch(submitTarget, { method: "POST", body: submitBody }));
      assert.equal(fake.jobs.size, 1);
    });

    it("truncated and wrong-type downloads", async () => {
      const result = await fal.subscribe(GEN, { input: { prompt: "p", output_format: "png" }, pollInterval: 5 });
      const url = imagesOf(result.data).images[0]?.url ?? "";
      const full = await download(url);

      fake.inject({ on: "download", kind: "truncate" });
      const cut = await fetch(url);
      assert.equal(cut.headers.get("content-length"), String(full.bytes.length));
      await rejection(cut.arrayBuffer());

      fake.inject({ on: "download", kind: "truncate", honestLength: true });
      const short = await download(url);
      assert.equal(short.status, 200);
      assert.equal(short.bytes.length, Math.floor(full.bytes.length / 2));

      fake.inject({ on: "download", kind: "wrongType" });
      const wrong = await download(url);
      assert.equal(wrong.contentType, "image/png");
      assert.equal((await sharp(wrong.bytes).metadata()).format, "jpeg");

      fake.inject({ on: "download", status: 403, body: "AccessDenied" });
      assert.equal((await download(url)).status, 403);
      assert.deepEqual(fake.downloads.map((d) => d.status), [200, 200, 200, 200, 403]);
    });

    it("slow answers take at least delayMs", async () => {
      fake.inject({ on: "submit", kind: "slow", delayMs: 150 });
      const t0 = performance.now();
      const res = await proxyFetch(submitTarget, { method: "POST", body: submitBody });
      assert.equal(res.status, 200);
      assert.ok(performance.now() - t0 >= 140);
    });

    it("upload PUT failure rejects storage.upload", async () => {
      fake.inject({ on: "upload", status: 500, body: "InternalError" });
      const error = await rejection(fal.storage.upload(new Blob([Buffer.from("abc")], { type: "image/png" })));
      assert.ok(error instanceof ApiError && error.status === 500);
    });

    it("content_policy_violation: COMPLETED, then result 422 of type content_policy_violation", async () => {
      fake.injectContentPolicyViolation();
      const { request_id: id } = await fal.queue.submit(GEN, { input: { prompt: "something flagged" } });
      await fake.waitForState(id, "COMPLETED");
      const status = await fal.queue.status(GEN, { requestId: id });
      assert.equal(status.status, "COMPLETED");
      assert.ok(isObj(status) && !("error" in status));
      const error = await rejection(fal.queue.result(GEN, { requestId: id }));
      assert.ok(error instanceof ValidationError);
      assert.equal(error.fieldErrors[0]?.type, "content_policy_violation");
      assert.deepEqual(error.fieldErrors[0]?.loc, ["body", "prompt"]);
    });

    it("prompt marker [fake:content_policy] does the same without code", async () => {
      const error = await rejection(fal.subscribe(GEN, { input: { prompt: "x [fake:content_policy]" }, pollInterval: 5 }));
      assert.ok(error instanceof ValidationError);
      assert.equal(detailOf(error)[0]?.["type"], "content_policy_violation");
    });

    it("a run-time infra failure shows error/error_type on the status and on the result", async () => {
      fake.inject({ on: "run", status: 504, error: "Request timed out", errorType: "request_timeout" });
      const { request_id: id } = await fal.queue.submit(GEN, { input: { prompt: "p" } });
      await fake.waitForState(id, "COMPLETED");
      const statusRes = await proxyFetch(`${submitTarget}/requests/${id}/status`);
      const status: unknown = await statusRes.json();
      assert.ok(isObj(status));
      assert.deepEqual([status["status"], status["error"], status["error_type"]], ["COMPLETED", "Request timed out", "request_timeout"]);
      const res = await proxyFetch(`${submitTarget}/requests/${id}`);
      assert.equal(res.status, 504);
      assert.equal(res.headers.get("x-fal-error-type"), "request_timeout");
      assert.equal(res.headers.get("x-fal-request-id"), id);
    });

    it("the HTTP control API injects faults for out-of-process users", async () => {
      const res = await fetch(`${fake.origin}/__fake/inject`, {
        method: "POST",
        body: JSON.stringify({ on: "submit", status: 503, times: 2 }),
        headers: { "content-type": "application/json" },
      });
      assert.equal(res.status, 200);
      assert.equal((await proxyFetch(submitTarget, { method: "POST", body: submitBody })).status, 503);
      assert.equal((await proxyFetch(submitTarget, { method: "POST", body: submitBody })).status, 503);
      assert.equal((await proxyFetch(submitTarget, { method: "POST", body: submitBody })).status, 200);
      const state: unknown = await (await fetch(`${fake.origin}/__fake/state`)).json();
      assert.ok(isObj(state) && Array.isArray(state["jobs"]) && state["jobs"].length === 1);
    });
  });

  describe("holding and timing", () => {
    it("held requests stay queued until released, COMPLETED instant is recorded", async () => {
      fake.hold("queue");
      const { request_id: id } = await fal.queue.submit(GEN, { input: { prompt: "wait" } });
      const before = fake.jobs.get(id);
      assert.equal(before?.state, "IN_QUEUE");
      assert.equal(before?.held, "queue");
      const completed: number[] = [];
      const off = fake.on("completed", (job) => {
        if (job.requestId === id) {
          completed.push(performance.now());
        }
      });
      fake.release(id);
      const job = await fake.waitForState(id, "COMPLETED");
      off();
      assert.equal(completed.length, 1);
      assert.ok(job.completedAt !== null && job.startedAt !== null && job.completedAt >= job.startedAt);
      assert.ok(Math.abs((completed[0] ?? 0) - job.completedAt) < 5);
    });
  });
});
