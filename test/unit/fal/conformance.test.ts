/**
 * Our fal client (src/fal/queue.ts, storage.ts, http.ts) against fal's reference client
 * (@fal-ai/client, a devDependency for this purpose): each operation runs once with each client
 * against the fake fal, which records every request it receives, and the two must send the same
 * requests (method, proxy path, target URL, every header but user-agent, body bytes) and read the
 * same answers (values, and errors' name, status, message, body and request id). Each case runs
 * through the proxy (fal's proxy protocol) and directly: then a test fetch hands fal's URLs to the
 * fake, and the test checks that neither client sent x-fal-target-url itself.
 */
import * as assert from "node:assert/strict";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { createFalClient, type FalClient } from "@fal-ai/client";
import sharp from "sharp";
import { FalApiError } from "../../../src/fal/errors";
import { USER_AGENT, type FalHttpOptions } from "../../../src/fal/http";
import { FalQueue, type QueueStatus } from "../../../src/fal/queue";
import { upload } from "../../../src/fal/storage";
import type { FetchFn } from "../../../src/fal/retry";
import { listFiles } from "../../runner/files";
import { startFakeFal, type FakeFal, type FaultSpec, type RecordedRequest } from "../../fake-fal/server";

const KEY = "conformance-key:secret";
// Typed as plain strings: the reference's generated types alias these endpoints to another model's input.
const GEN: string = "xai/grok-imagine-image";
const EDIT: string = "xai/grok-imagine-image/edit";
const UNKNOWN_ID = "00000000-0000-4000-8000-000000000000";
const INPUT = { prompt: "a lighthouse at dusk", num_images: 1, aspect_ratio: "1:1", resolution: "1k", output_format: "jpeg" };
/** A real 8×8 PNG (the fake decodes the images an edit names). */
let PNG = Buffer.alloc(0);

type Mode = "proxy" | "direct";

/** The operations both clients offer, in one shape. */
interface Client {
  readonly name: string;
  submit(endpoint: string, input: object): Promise<unknown>;
  status(endpoint: string, id: string): Promise<unknown>;
  stream(endpoint: string, id: string, onEvent: () => void): Promise<unknown>;
  result(endpoint: string, id: string): Promise<unknown>;
  cancel(endpoint: string, id: string): Promise<unknown>;
  upload(bytes: Uint8Array, mime: string, name: string): Promise<unknown>;
}

interface Status {
  status?: unknown;
  queue_position?: unknown;
  logs?: unknown;
}

/** The fields of a status the extension reads (our client checks and keeps only these). */
function statusView(s: unknown): object {
  const { status, queue_position, logs } = (s ?? {}) as Status;
  return { status, queue_position, logs: Array.isArray(logs) ? logs.map((l) => (l as { message?: unknown }).message) : undefined };
}

function reference(fake: FakeFal, mode: Mode, fetch: FetchFn): Client {
  const fal: FalClient = createFalClient({
    credentials: KEY,
    proxyUrl: mode === "proxy" ? { url: fake.url, when: "always" } : undefined,
    fetch,
    suppressLocalCredentialsWarning: true,
  });
  return {
    name: "@fal-ai/client",
    submit: async (endpoint, input) => (await fal.queue.submit(endpoint, { input: input as Record<string, unknown> })).request_id,
    status: async (endpoint, id) => statusView(await fal.queue.status(endpoint, { requestId: id, logs: true })),
    stream: async (endpoint, id, onEvent) => {
      const events: object[] = [];
      const s = await fal.queue.streamStatus(endpoint, { requestId: id, logs: true });
      s.on("data", (d) => (events.push(statusView(d)), onEvent()));
      const done = await s.done();
      return { events, done: statusView(done) };
    },
    result: async (endpoint, id) => (await fal.queue.result(endpoint, { requestId: id })).data as unknown,
    cancel: async (endpoint, id) => void (await fal.queue.cancel(endpoint, { requestId: id })),
    upload: (bytes, mime, name) => fal.storage.upload(new File([Buffer.from(bytes)], name, { type: mime }), { lifecycle: { expiresIn: "7d" } }),
  };
}

function ours(fake: FakeFal, mode: Mode, fetch: FetchFn): Client {
  const http: FalHttpOptions = { key: KEY, proxyUrl: mode === "proxy" ? fake.url : undefined, fetch };
  const queue = new FalQueue(http);
  return {
    name: "src/fal",
    submit: (endpoint, input) => queue.submit(endpoint, input),
    status: async (endpoint, id) => statusView(await queue.status(endpoint, id, true)),
    stream: async (endpoint, id, onEvent) => {
      const events: object[] = [];
      const done = await queue.streamStatus(endpoint, id, true, (s: QueueStatus) => (events.push(statusView(s)), onEvent()));
      return { events, done: statusView(done) };
    },
    result: (endpoint, id) => queue.result(endpoint, id),
    cancel: (endpoint, id) => queue.cancel(endpoint, id),
    upload: (bytes, mime, name) => upload(http, bytes, mime, name, "7d"),
  };
}

/** What a client handed to fetch (before the direct mode's hand-over to the fake). */
interface Handed {
  readonly url: string;
  readonly targetHeader: string | null;
}

/**
 * The fetch each client gets. Through the proxy: the real fetch. Directly: fal's own hosts are handed
 * to the fake's proxy path with the URL in x-fal-target-url (the fake cannot be queue.fal.run), so
 * the fake records the same target either way.
 */
function fetchFor(fake: FakeFal, mode: Mode, handed: Handed[]): FetchFn {
  return (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    const headers = new Headers(init?.headers);
    handed.push({ url, targetHeader: headers.get("x-fal-target-url") });
    if (mode === "proxy" || new URL(url).origin === fake.origin) return fetch(input, init);
    headers.set("x-fal-target-url", url);
    return fetch(fake.url, { ...init, headers });
  };
}

/** Ids differ from run to run (request ids, upload keys): each becomes a placeholder. */
function withoutIds<T>(value: T): T {
  const text = JSON.stringify(value) ?? "null";
  return JSON.parse(
    text
      .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, "<id>")
      .replace(/\/upload\/[0-9a-f]{8}\//g, "/upload/<key>/")
      .replace(/\/files\/[0-9a-f]{8}\//g, "/files/<key>/")
      .replace(/\b[0-9a-f]{8}(_\d+\.\w+)/g, "<id8>$1")
      .replace(/(X-Fake-Signature=)[0-9a-f-]+/g, "$1<signature>"),
  ) as T;
}

interface Sent {
  method: string;
  rawUrl: string;
  proxied: boolean;
  target: string | null;
  headers: Record<string, unknown>;
  body: string;
}

function sent(r: RecordedRequest): Sent {
  const headers: Record<string, unknown> = { ...r.headers };
  delete headers["user-agent"];
  const json = (r.headers["content-type"] ?? "").includes("json");
  const body = r.rawBody.length === 0 ? "" : json ? r.rawBody.toString("utf8") : `sha256:${createHash("sha256").update(r.rawBody).digest("hex")}`;
  return withoutIds({ method: r.method, rawUrl: r.rawUrl, proxied: r.proxied, target: r.targetUrl, headers, body });
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: { name: string; status?: number; message: string; body?: unknown; requestId?: string } };

async function outcome(p: Promise<unknown>): Promise<Outcome> {
  try {
    return { ok: true, value: withoutIds(await p) };
  } catch (e) {
    if (e instanceof FalApiError || (e instanceof Error && "status" in e)) {
      const { name, message, status, body, requestId } = e as FalApiError;
      return { ok: false, error: withoutIds({ name, message, status, body, requestId }) };
    }
    return { ok: false, error: { name: e instanceof Error ? e.name : "?", message: e instanceof Error ? e.message : String(e) } };
  }
}

interface Case {
  readonly name: string;
  /** Before the recorded part: faults, a job to act on. Returns the request id the operation uses. */
  readonly setup?: (fake: FakeFal, setupClient: FalClient) => Promise<string>;
  readonly run: (c: Client, id: string, fake: FakeFal) => Promise<unknown>;
  /** How many requests each client must send (both send the same). */
  readonly requests: number;
  readonly ok: boolean;
}

/** A setup that only injects a fault. */
const fault = (spec: FaultSpec) => (fake: FakeFal): Promise<string> => (fake.inject(spec), Promise.resolve(""));

const submitted = (opts: { hold?: boolean; done?: boolean; endpoint?: string } = {}) =>
  async (fake: FakeFal, fal: FalClient): Promise<string> => {
    if (opts.hold) fake.hold("queue");
    const input = opts.endpoint === EDIT ? { ...INPUT, image_urls: [fake.storeFile(PNG, "image/png", "photo.png")] } : INPUT;
    const { request_id: id } = await fal.queue.submit(opts.endpoint ?? GEN, { input });
    if (opts.done) await fake.waitForState(id, "COMPLETED");
    return id;
  };

const CASES: Case[] = [
  { name: "submit", run: (c) => c.submit(GEN, INPUT), requests: 1, ok: true },
  { name: "submit to a path under the app (/edit)", run: (c) => c.submit(EDIT, { ...INPUT, image_urls: ["https://example.com/a.png"] }), requests: 1, ok: true },
  { name: "submit answered 401", setup: fault({ on: "submit", kind: "http", status: 401 }), run: (c) => c.submit(GEN, INPUT), requests: 1, ok: false },
  {
    name: "submit answered 422 (fal's detail list)",
    setup: fault({ on: "submit", kind: "http", status: 422, body: { detail: [{ loc: ["body", "prompt"], msg: "Prompt is too long", type: "value_error" }] } }),
    run: (c) => c.submit(GEN, INPUT),
    requests: 1,
    ok: false,
  },
  { name: "submit answered 429 once: retried after a backoff", setup: fault({ on: "submit", kind: "http", status: 429, headers: { "retry-after": "0" } }), run: (c) => c.submit(GEN, INPUT), requests: 2, ok: true },
  { name: "submit answered 500: not sent again", setup: fault({ on: "submit", kind: "http", status: 500 }), run: (c) => c.submit(GEN, INPUT), requests: 1, ok: false },
  { name: "status with logs", setup: submitted({ done: true }), run: (c, id) => c.status(GEN, id), requests: 1, ok: true },
  { name: "status of an /edit request (app root)", setup: submitted({ done: true, endpoint: EDIT }), run: (c, id) => c.status(EDIT, id), requests: 1, ok: true },
  { name: "status of a request fal does not know: 404", run: (c) => c.status(GEN, UNKNOWN_ID), requests: 1, ok: false },
  { name: "status answered 500 once: retried", setup: async (f, fal) => { const id = await submitted({ done: true })(f, fal); f.inject({ on: "status", kind: "http", status: 500 }); return id; }, run: (c, id) => c.status(GEN, id), requests: 2, ok: true },
  {
    name: "status stream of a queued request, to COMPLETED",
    setup: submitted({ hold: true }),
    run: (c, id, fake) => {
      let released = false;
      return c.stream(GEN, id, () => {
        if (released) return;
        released = true;
        fake.release(id);
      });
    },
    requests: 1,
    ok: true,
  },
  { name: "status stream of a completed request", setup: submitted({ done: true }), run: (c, id) => c.stream(GEN, id, () => undefined), requests: 1, ok: true },
  { name: "status stream of a request fal does not know: 404", run: (c) => c.stream(GEN, UNKNOWN_ID, () => undefined), requests: 1, ok: false },
  { name: "status stream answered 500: reported, not retried", setup: async (f, fal) => { const id = await submitted({ done: true })(f, fal); f.inject({ on: "stream", kind: "http", status: 500 }); return id; }, run: (c, id) => c.stream(GEN, id, () => undefined), requests: 1, ok: false },
  { name: "result", setup: submitted({ done: true }), run: (c, id) => c.result(GEN, id), requests: 1, ok: true },
  { name: "result of an /edit request (app root)", setup: submitted({ done: true, endpoint: EDIT }), run: (c, id) => c.result(EDIT, id), requests: 1, ok: true },
  {
    name: "result refused by the content policy: 422",
    setup: async (f, fal) => (f.injectContentPolicyViolation(), submitted({ done: true })(f, fal)),
    run: (c, id) => c.result(GEN, id),
    requests: 1,
    ok: false,
  },
  {
    name: "result of an edit submitted without images: fal's 422 at run time",
    setup: async (f, fal) => {
      const { request_id: id } = await fal.queue.submit(EDIT, { input: INPUT });
      await f.waitForState(id, "COMPLETED");
      return id;
    },
    run: (c, id) => c.result(EDIT, id),
    requests: 1,
    ok: false,
  },
  { name: "result of a request fal does not know: 404", run: (c) => c.result(GEN, UNKNOWN_ID), requests: 1, ok: false },
  { name: "result answered 429 once: retried", setup: async (f, fal) => { const id = await submitted({ done: true })(f, fal); f.inject({ on: "result", kind: "http", status: 429, headers: { "retry-after": "0" } }); return id; }, run: (c, id) => c.result(GEN, id), requests: 2, ok: true },
  { name: "cancel of a queued request", setup: submitted({ hold: true }), run: (c, id) => c.cancel(GEN, id), requests: 1, ok: true },
  { name: "cancel of a completed request: 400 ALREADY_COMPLETED", setup: submitted({ done: true }), run: (c, id) => c.cancel(GEN, id), requests: 1, ok: false },
  { name: "cancel of a request fal does not know: 404", run: (c) => c.cancel(GEN, UNKNOWN_ID), requests: 1, ok: false },
  { name: "upload: initiate with a 7-day lifecycle, then PUT", run: (c) => c.upload(PNG, "image/png", "photo.png"), requests: 2, ok: true },
  { name: "upload whose initiate is answered 401", setup: fault({ on: "initiate", kind: "http", status: 401 }), run: (c) => c.upload(PNG, "image/png", "photo.png"), requests: 1, ok: false },
  { name: "upload whose PUT is answered 500", setup: fault({ on: "upload", kind: "http", status: 500 }), run: (c) => c.upload(PNG, "image/png", "photo.png"), requests: 2, ok: false },
];

describe("our fal client sends and reads what fal's reference client does", function () {
  this.timeout(60_000);
  let fake: FakeFal;
  // Same prompt, same pictures: results of the two runs can be compared byte for byte.
  before(async () => {
    fake = await startFakeFal({ queueMs: 10, runMs: 20, imageSeed: "prompt" });
    PNG = await sharp({ create: { width: 8, height: 8, channels: 3, background: { r: 200, g: 80, b: 20 } } }).png().toBuffer();
  });
  after(() => fake.close());

  async function runWith(make: typeof reference, mode: Mode, c: Case): Promise<{ outcome: Outcome; sent: Sent[]; handed: Handed[]; userAgents: unknown[] }> {
    fake.reset();
    const setupClient = createFalClient({ credentials: KEY, proxyUrl: { url: fake.url, when: "always" }, suppressLocalCredentialsWarning: true });
    const id = c.setup ? await c.setup(fake, setupClient) : "";
    const from = fake.requests.length;
    const handed: Handed[] = [];
    const result = await outcome(c.run(make(fake, mode, fetchFor(fake, mode, handed)), id, fake));
    const recorded = fake.requests.slice(from).filter((r) => r.operation !== "download");
    return { outcome: result, sent: recorded.map(sent), handed, userAgents: recorded.map((r) => r.headers["user-agent"]) };
  }

  for (const mode of ["proxy", "direct"] as const) {
    describe(mode === "proxy" ? "through the proxy" : "directly", () => {
      for (const c of CASES) {
        it(c.name, async () => {
          const ref = await runWith(reference, mode, c);
          const our = await runWith(ours, mode, c);
          assert.equal(ref.sent.length, c.requests, `the reference sent ${ref.sent.length} requests: ${JSON.stringify(ref.sent.map((s) => `${s.method} ${s.target ?? s.rawUrl}`))}`);
          assert.equal(ref.outcome.ok, c.ok, `the reference ${ref.outcome.ok ? "succeeded" : `failed: ${JSON.stringify(ref.outcome)}`}`);
          assert.deepEqual(our.sent, ref.sent, "the same requests");
          assert.deepEqual(our.outcome, ref.outcome, "the same answer read");
          // fal's API calls carry the caller's name (the reference's, ours); the PUT, fetch's default.
          for (const [i, ua] of our.userAgents.entries()) {
            const theirs = ref.userAgents[i];
            assert.equal(ua, /^@fal-ai\/client\/\d/.test(String(theirs)) ? USER_AGENT : theirs, `user-agent of request ${i + 1}`);
          }
          if (mode === "direct") {
            for (const h of [...ref.handed, ...our.handed]) {
              assert.equal(h.targetHeader, null, "no proxy header when talking to fal directly");
              assert.match(h.url, /^https:\/\/(queue\.fal\.run|rest\.fal\.ai)\/|^http:\/\/127\.0\.0\.1:\d+\/upload\//);
            }
          }
        });
      }
    });
  }

  it("covers each operation, each error status and both ways to fal", () => {
    const names = CASES.map((c) => c.name).join("\n");
    for (const word of ["submit", "status with", "status stream", "result", "cancel", "upload", "401", "404", "422", "429", "500"]) assert.match(names, new RegExp(word));
  });
});

describe("@fal-ai/client is fal's reference for the tests only", () => {
  const ROOT = path.resolve(__dirname, "..", "..", "..", "..");

  it("nothing in src/ imports it", () => {
    const files = listFiles(path.join(ROOT, "src"), ".ts");
    assert.ok(files.length > 20, `found ${files.length} modules`);
    for (const file of files) {
      const text = fs.readFileSync(file, "utf8");
      assert.doesNotMatch(text, /(from\s+|import\s*\(\s*|require\(\s*)["']@fal-ai\//, `${path.relative(ROOT, file)} imports @fal-ai/…`);
    }
  });

  it("is a devDependency, not shipped", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { dependencies?: Record<string, string>; devDependencies?: Record<string, string> };
    assert.equal(pkg.dependencies?.["@fal-ai/client"], undefined);
    assert.ok(pkg.devDependencies?.["@fal-ai/client"]);
  });
});
