/**
 * Our fal client's own guards, beyond what the conformance test compares with fal's reference: the
 * status stream's parser, bounded reads, request ids that cannot change a URL's path, and streams
 * that break, stop or answer something else.
 */
import * as assert from "node:assert/strict";
import fc from "fast-check";
import { FalApiError, GrokError } from "../../../src/fal/errors";
import { dispatch, MAX_ANSWER_BYTES, readAnswer, STATUS_RULE, type FalHttpOptions } from "../../../src/fal/http";
import { appIdOf, FalQueue, type QueueStatus } from "../../../src/fal/queue";
import type { FetchFn } from "../../../src/fal/retry";
import { SseParser } from "../../../src/fal/sse";

const parse = (chunks: string[], max = 1 << 20): string[] => {
  const events: string[] = [];
  const p = new SseParser((d) => events.push(d), max);
  for (const c of chunks) p.feed(c);
  return events;
};

describe("the status stream's event parser", () => {
  it("reads data lines, joins an event's lines, skips comments and other fields", () => {
    assert.deepEqual(parse([": keep-alive\n\ndata: {\"a\":1}\n\nevent: x\nid: 3\nretry: 10\ndata:one\ndata: two\n\ndata\n\n"]), ['{"a":1}', "one\ntwo", ""]);
  });

  it("takes LF, CRLF and CR as line ends, also when a CRLF is split between chunks", () => {
    assert.deepEqual(parse(["data: a\r\n\r\ndata: b\r\rdata: c\n\n"]), ["a", "b", "c"]);
    assert.deepEqual(parse(["data: a\r", "\n\r", "\ndata: b\r", "\r"]), ["a", "b"]);
  });

  it("does not dispatch an event the stream never ended with a blank line", () => {
    assert.deepEqual(parse(["data: done\n"]), []);
  });

  it("gives the same events however the text is cut into chunks", () => {
    const text = 'data: {"status":"IN_QUEUE"}\r\n\r\n: ping\n\ndata: {"status":"IN_PROGRESS",\ndata: "logs":[]}\r\rdata: {"status":"COMPLETED"}\n\n';
    const whole = parse([text]);
    assert.equal(whole.length, 3);
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: text.length - 1 }), { maxLength: 12 }), (cuts) => {
        const at = [0, ...cuts.sort((a, b) => a - b), text.length];
        assert.deepEqual(parse(at.slice(1).map((end, i) => text.slice(at[i], end))), whole);
      }),
    );
  });

  it("refuses an event, or a line, longer than its bound instead of holding it", () => {
    assert.throws(() => parse(["data: " + "x".repeat(100) + "\n"], 64), /longer than 64/);
    assert.throws(() => parse(["data: " + "x".repeat(40), "y".repeat(40)], 64), /longer than 64/);
    assert.throws(() => parse(["data: " + "x".repeat(40) + "\n", "data: " + "y".repeat(40) + "\n"], 64), /longer than 64/);
  });
});

/** A fetch that answers from a list and records what it was asked. */
function scripted(answers: Array<() => Response>): { fetch: FetchFn; urls: string[] } {
  const urls: string[] = [];
  const fetch: FetchFn = (input) => {
    urls.push(input instanceof Request ? input.url : input.toString());
    const next = answers[Math.min(urls.length - 1, answers.length - 1)];
    return Promise.resolve(next());
  };
  return { fetch, urls };
}

const json = (body: unknown, status = 200, headers: Record<string, string> = {}) => () => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });
const http = (fetch: FetchFn): FalHttpOptions => ({ key: "k", fetch });

describe("our fal client's guards", () => {
  it("the app of an endpoint is its first two segments (three in a namespace)", () => {
    assert.equal(appIdOf("xai/grok-imagine-image/edit"), "xai/grok-imagine-image");
    assert.equal(appIdOf("xai/grok-imagine-image"), "xai/grok-imagine-image");
    assert.equal(appIdOf("workflows/me/flow/x"), "workflows/me/flow");
  });

  it("a request id that could change the URL's path is refused before anything is sent", async () => {
    const { fetch, urls } = scripted([json({ status: "COMPLETED" })]);
    const q = new FalQueue(http(fetch));
    for (const id of ["../../other", "a/b", "x?y=1", "", "..", "%2e%2e", "a b"]) {
      await assert.rejects(q.status("xai/grok-imagine-image", id, true), (e: unknown) => e instanceof GrokError && e.kind === "notFound", id);
      await assert.rejects(q.result("xai/grok-imagine-image", id), (e: unknown) => e instanceof GrokError && e.kind === "notFound", id);
      await assert.rejects(q.cancel("xai/grok-imagine-image", id), (e: unknown) => e instanceof GrokError && e.kind === "notFound", id);
    }
    assert.deepEqual(urls, []);
  });

  it("a submit answer without a usable request id is a failure, not an id", async () => {
    for (const body of [{}, { request_id: 5 }, { request_id: "../x" }, "text"]) {
      const q = new FalQueue(http(scripted([json(body)]).fetch));
      await assert.rejects(q.submit("xai/grok-imagine-image", {}), (e: unknown) => e instanceof GrokError && e.kind === "failed");
    }
  });

  it("a status is checked down to the fields read", async () => {
    const q = new FalQueue(http(scripted([json({ status: "IN_PROGRESS", queue_position: "1", logs: [{ message: "a" }, null, { message: 3 }, "x"] })]).fetch));
    assert.deepEqual(await q.status("xai/grok-imagine-image", "id-1", true), { status: "IN_PROGRESS", queue_position: undefined, logs: [{ message: "a" }] });
    const bad = new FalQueue(http(scripted([json({ state: "done" })]).fetch));
    await assert.rejects(bad.status("xai/grok-imagine-image", "id-1", true), (e: unknown) => e instanceof FalApiError && e.status === 500);
  });

  it("reads API answers up to a bound, refusing a declared or a streamed answer past it", async () => {
    const big = "x".repeat(MAX_ANSWER_BYTES + 1);
    await assert.rejects(readAnswer(new Response(big, { headers: { "content-type": "application/json" } })), (e: unknown) => e instanceof GrokError && e.kind === "refused");
    const declared = new Response("{}", { headers: { "content-type": "application/json", "content-length": String(MAX_ANSWER_BYTES + 1) } });
    await assert.rejects(readAnswer(declared), (e: unknown) => e instanceof GrokError && e.kind === "refused" && /Content-Length/.test(e.detail));
    await assert.rejects(readAnswer(new Response(`{"detail":"${"y".repeat(100)}"}`, { status: 500, headers: { "content-type": "application/json" } }), 50), (e: unknown) => e instanceof GrokError);
    assert.deepEqual(await readAnswer(new Response('{"a":1}', { headers: { "content-type": "application/json" } }), 7), { a: 1 });
  });

  it("an error answer keeps fal's body, message and request id", async () => {
    const err = await readAnswer(new Response(JSON.stringify({ message: "nope", detail: "x" }), { status: 403, headers: { "content-type": "application/json", "x-fal-request-id": "r1" } })).catch((e: unknown) => e);
    assert.ok(err instanceof FalApiError);
    assert.deepEqual([err.name, err.status, err.message, err.requestId, err.body], ["ApiError", 403, "nope", "r1", { message: "nope", detail: "x" }]);
    const plain = await readAnswer(new Response("down", { status: 502, statusText: "Bad Gateway" })).catch((e: unknown) => e);
    assert.ok(plain instanceof FalApiError);
    assert.equal(plain.message, "HTTP 502: Bad Gateway");
  });

  it("a cancel stops the retries' backoff at once and sends nothing more", async () => {
    const { fetch, urls } = scripted([() => new Response("busy", { status: 503 })]);
    const ac = new AbortController();
    const t0 = Date.now();
    const call = dispatch(http(fetch), { method: "GET", url: "https://queue.fal.run/a/b/requests/x/status", signal: ac.signal, retry: STATUS_RULE }, (r) => readAnswer(r));
    setTimeout(() => ac.abort(), 50);
    await assert.rejects(call, (e: unknown) => e instanceof Error && e.name === "AbortError");
    assert.ok(Date.now() - t0 < 700, `stopped within the first backoff (${Date.now() - t0} ms)`);
    assert.equal(urls.length, 1);
  });

  describe("the status stream", () => {
    const stream = (body: ReadableStream<Uint8Array>, contentType = "text/event-stream") => () => new Response(body, { headers: { "content-type": contentType } });
    const enc = new TextEncoder();

    it("reports each status and resolves to the last when fal closes it", async () => {
      const body = new ReadableStream<Uint8Array>({
        start(c) {
          c.enqueue(enc.encode('data: {"status":"IN_QUEUE","queue_position":0}\n\ndata: {"status":"IN_PRO'));
          c.enqueue(enc.encode('GRESS","logs":[{"message":"step"}]}\n\ndata: {"status":"COMPLETED"}\n\n'));
          c.close();
        },
      });
      const seen: QueueStatus[] = [];
      const last = await new FalQueue(http(scripted([stream(body)]).fetch)).streamStatus("a/b", "id", true, (s) => seen.push(s));
      assert.deepEqual(seen.map((s) => s.status), ["IN_QUEUE", "IN_PROGRESS", "COMPLETED"]);
      assert.equal(last?.status, "COMPLETED");
    });

    it("stopped by its signal: resolves to the last status, without an error", async () => {
      const ac = new AbortController();
      const fetch: FetchFn = (_input, init) =>
        Promise.resolve(
          new Response(
            new ReadableStream<Uint8Array>({
              start(c) {
                c.enqueue(enc.encode('data: {"status":"IN_QUEUE"}\n\n'));
                init?.signal?.addEventListener("abort", () => c.error(new DOMException("aborted", "AbortError")));
              },
            }),
            { headers: { "content-type": "text/event-stream" } },
          ),
        );
      const last = await new FalQueue(http(fetch)).streamStatus("a/b", "id", true, () => ac.abort(), ac.signal);
      assert.equal(last?.status, "IN_QUEUE");
    });

    it("broken off: a FalApiError of status 500 (so the caller polls), not retried", async () => {
      const body = new ReadableStream<Uint8Array>({
        start(c) {
          c.enqueue(enc.encode('data: {"status":"IN_QUEUE"}\n\n'));
          c.error(Object.assign(new TypeError("terminated"), { cause: { code: "UND_ERR_SOCKET" } }));
        },
      });
      const { fetch, urls } = scripted([stream(body)]);
      await assert.rejects(new FalQueue(http(fetch)).streamStatus("a/b", "id", true, () => undefined), (e: unknown) => e instanceof FalApiError && e.status === 500);
      assert.equal(urls.length, 1);
    });

    it("an event that is not JSON rejects; an answer that is not an event stream yields no status", async () => {
      const bad = new ReadableStream<Uint8Array>({ start: (c) => (c.enqueue(enc.encode("data: {nope\n\n")), c.close()) });
      await assert.rejects(new FalQueue(http(scripted([stream(bad)]).fetch)).streamStatus("a/b", "id", true, () => undefined), SyntaxError);
      const other = new ReadableStream<Uint8Array>({ start: (c) => (c.enqueue(enc.encode("<html>")), c.close()) });
      assert.equal(await new FalQueue(http(scripted([stream(other, "text/html")]).fetch)).streamStatus("a/b", "id", true, () => undefined), undefined);
    });
  });
});
