import * as assert from "node:assert/strict";
import { FalApiError, toGrokError, GrokError } from "../../src/fal/errors";
import { redactSecrets } from "../../src/redact";
import { backoffDelay, parseRetryAfter, retryingFetch, type FetchFn } from "../../src/fal/retry";

describe("fal error mapping", () => {
  const api = (status: number, body?: unknown) => new FalApiError({ message: `HTTP ${status}`, status, body, requestId: "req-1" });

  it("401 and 403: the key was refused, with what to do", () => {
    for (const status of [401, 403]) {
      const e = toGrokError(api(status, { detail: "Invalid key" }));
      assert.equal(e.kind, "auth");
      assert.match(e.message, /Set API Key/);
      assert.equal(e.retryable, false);
    }
  });

  it("422 names the field and fal's message", () => {
    const e = toGrokError(api(422, { detail: [{ loc: ["body", "aspect_ratio"], msg: "Input should be '1:1' or '16:9'", type: "literal_error" }] }));
    assert.equal(e.kind, "validation");
    assert.match(e.message, /aspect_ratio: Input should be '1:1' or '16:9'/);
  });

  it("content_policy_violation is its own kind, never retried", () => {
    const e = toGrokError(api(422, { detail: [{ loc: ["body", "prompt"], msg: "flagged", type: "content_policy_violation" }] }));
    assert.equal(e.kind, "contentPolicy");
    assert.match(e.message, /content policy/);
    assert.equal(e.retryable, false);
  });

  it("429 and 5xx are retryable with a message that says retry", () => {
    assert.equal(toGrokError(api(429)).kind, "rateLimited");
    for (const s of [500, 502, 503, 504]) {
      const e = toGrokError(api(s));
      assert.equal(e.kind, "server");
      assert.ok(e.retryable);
      assert.match(e.message, /Retry/);
    }
  });

  it("network failures and aborts", () => {
    const net = toGrokError(new TypeError("fetch failed", { cause: Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }) }));
    assert.equal(net.kind, "network");
    assert.match(net.message, /network/);
    const abort = toGrokError(Object.assign(new Error("aborted"), { name: "AbortError" }));
    assert.equal(abort.kind, "cancelled");
    const g = new GrokError("download", "x");
    assert.equal(toGrokError(g), g);
  });

  it("a key quoted by a failing request is hidden before it is shown or logged", () => {
    const key = "abcd1234-ef56:0123456789abcdef";
    const thrown = new TypeError(`Headers.append: "Key ${key}\n" is an invalid header value.`);
    const e = toGrokError(thrown);
    const shown = redactSecrets(`${e.message} ${e.detail}`, [key]);
    assert.ok(!shown.includes(key), "the key is gone");
    assert.match(shown, /\*\*\*/);
  });
});

describe("retry policy", () => {
  it("parses Retry-After as seconds or a date", () => {
    assert.equal(parseRetryAfter("3"), 3000);
    assert.equal(parseRetryAfter("0.5"), 500);
    assert.equal(parseRetryAfter(new Date(10_000).toUTCString(), 4_000), 6000);
    assert.equal(parseRetryAfter("soon"), undefined);
    assert.equal(parseRetryAfter(null), undefined);
  });

  it("backs off exponentially up to a cap", () => {
    assert.deepEqual([0, 1, 2, 3].map((a) => backoffDelay(a, 100, 500)), [100, 200, 400, 500]);
  });

  const responses = (statuses: number[], headers: Record<string, string> = {}) => {
    const calls: number[] = [];
    const f: FetchFn = () => {
      const status = statuses[Math.min(calls.length, statuses.length - 1)];
      calls.push(status);
      return Promise.resolve(new Response(status === 200 ? "{}" : "err", { status, headers }));
    };
    return { f, calls };
  };

  it("retries a 500 itself, then gives up with the last answer", async () => {
    const waits: number[] = [];
    const { f, calls } = responses([500, 500, 500, 500]);
    const r = await retryingFetch(f, { serverErrorRetries: 2, baseDelayMs: 10, maxRetryAfterMs: 1000 }, (ms) => Promise.resolve(void waits.push(ms)))("http://x");
    assert.equal(r.status, 500);
    assert.equal(calls.length, 3);
    assert.deepEqual(waits, [10, 20]);
  });

  it("a 500 then 200 succeeds", async () => {
    const { f, calls } = responses([500, 200]);
    const r = await retryingFetch(f, { serverErrorRetries: 2, baseDelayMs: 1, maxRetryAfterMs: 1000 }, () => Promise.resolve())("http://x");
    assert.equal(r.status, 200);
    assert.equal(calls.length, 2);
  });

  it("waits out Retry-After on a 429 before handing it to the client's own retry", async () => {
    const waits: number[] = [];
    const { f, calls } = responses([429], { "retry-after": "2" });
    const r = await retryingFetch(f, { serverErrorRetries: 2, baseDelayMs: 1, maxRetryAfterMs: 5000 }, (ms) => Promise.resolve(void waits.push(ms)))("http://x");
    assert.equal(r.status, 429);
    assert.equal(calls.length, 1);
    assert.deepEqual(waits, [2000]);
  });

  it("does not wait for a Retry-After longer than the cap", async () => {
    const waits: number[] = [];
    const { f } = responses([503], { "retry-after": "3600" });
    await retryingFetch(f, { serverErrorRetries: 2, baseDelayMs: 1, maxRetryAfterMs: 5000 }, (ms) => Promise.resolve(void waits.push(ms)))("http://x");
    assert.deepEqual(waits, []);
  });
});

describe("redaction", () => {
  it("replaces every known secret, wherever it stands", () => {
    assert.equal(redactSecrets("a SECRETKEY b SECRETKEY", ["SECRETKEY"]), "a *** b ***");
    assert.equal(redactSecrets(JSON.stringify({ key: "SECRETKEY" }), ["SECRETKEY"]), '{"key":"***"}');
  });
  it("hides any key after an Authorization header, even one it was not told about", () => {
    assert.equal(redactSecrets("Authorization: Key other-key-123", []), "Authorization: Key ***");
    assert.equal(redactSecrets('{"Authorization":"Key other-key-123"}', []), '{"Authorization":"Key ***"}');
  });
  it("leaves text without secrets alone", () => {
    assert.equal(redactSecrets("fal answered HTTP 500", ["SECRETKEY"]), "fal answered HTTP 500");
  });
});
