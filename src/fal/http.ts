/**
 * One call to fal's API the way fal's reference client (@fal-ai/client 1.10.1, request.js, response.js,
 * retry.js, middleware.js) makes it: the same headers, the same proxy protocol, the same retries and
 * the same error shapes, so that what fal (or a fal proxy) sees is what it would see from its own
 * client. test/unit/fal/conformance.test.ts runs both against the fake fal and compares them.
 */
import { FalApiError, GrokError } from "./errors";
import { sleep, type FetchFn } from "./retry";

/** fal's proxy protocol: the request goes to the proxy, the real target travels in this header. */
export const TARGET_URL_HEADER = "x-fal-target-url";
/** Says who calls (fal's client sends `@fal-ai/client/<version>` here). */
export const USER_AGENT = "grok-imagine-vscode (fal queue protocol of @fal-ai/client 1.10.1)";
const REQUEST_ID_HEADER = "x-fal-request-id";
const TIMEOUT_TYPE_HEADER = "x-fal-request-timeout-type";

/**
 * Largest API answer read (submit, status, cancel, the start of an upload, and error bodies): these
 * are a few hundred bytes, a status with logs a few KB. A result is bounded by its caller instead
 * (see FalService.result), which passes its own limit.
 */
export const MAX_ANSWER_BYTES = 1024 * 1024;

export interface RetryRule {
  readonly maxRetries: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  readonly statuses: readonly number[];
}

/** The reference client's retry rules (retry.js DEFAULT_RETRY_OPTIONS, queue.js). */
const RETRYABLE = [429, 502, 503, 504] as const;
export const DEFAULT_RULE: RetryRule = { maxRetries: 3, baseDelayMs: 1000, maxDelayMs: 30_000, statuses: RETRYABLE };
/** Submit and result. */
export const QUEUE_RULE: RetryRule = { maxRetries: 3, baseDelayMs: 1000, maxDelayMs: 60_000, statuses: RETRYABLE };
/** Status is read-only, so a 500 is retried too. */
export const STATUS_RULE: RetryRule = { maxRetries: 5, baseDelayMs: 1000, maxDelayMs: 30_000, statuses: [...RETRYABLE, 500] };

/** Transport failures worth another try (retry.js RETRYABLE_NETWORK_ERROR_CODES). */
const RETRYABLE_CODES = new Set([
  "ECONNABORTED",
  "ECONNREFUSED",
  "ECONNRESET",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EPIPE",
  "ETIMEDOUT",
  "UND_ERR_BODY_TIMEOUT",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_SOCKET",
]);

function retryableNetworkError(err: unknown): boolean {
  let transport = false;
  // A cause chain is short; the bound keeps a cyclic one from looping.
  for (let e = err, i = 0; e && typeof e === "object" && i < 10; e = (e as { cause?: unknown }).cause, i++) {
    const { name, code } = e as { name?: unknown; code?: unknown };
    // A cancel or a caller's timeout is intent, never retried.
    if (name === "AbortError" || name === "TimeoutError") return false;
    if (typeof code === "string" && RETRYABLE_CODES.has(code)) transport = true;
  }
  return transport || (err instanceof TypeError && /fetch failed/i.test(err.message));
}

function retryable(err: unknown, rule: RetryRule): boolean {
  if (err instanceof FalApiError) return !(err.status === 504 && err.timeoutType === "user") && rule.statuses.includes(err.status);
  return retryableNetworkError(err);
}

/** Exponential backoff, doubling, capped, with ±25% jitter (retry.js calculateBackoffDelay). */
export function retryDelay(attempt: number, rule: RetryRule, random = Math.random): number {
  const d = Math.min(rule.baseDelayMs * 2 ** attempt, rule.maxDelayMs);
  return Math.max(0, d + 0.25 * d * (random() * 2 - 1));
}

function tooLarge(max: number, what: string): GrokError {
  return new GrokError("refused", `fal's answer is larger than ${Math.round(max / 1024)} KB, far more than this kind of answer, so it was not read. Retry; if it repeats, check grokImagine.proxyUrl.`, what);
}

/** Reads a body as text, stopping past `max` bytes (a Content-Length above it is refused unread). */
async function readText(res: Response, max: number): Promise<string> {
  if (!res.body) return "";
  const declared = Number(res.headers.get("content-length") ?? NaN);
  if (declared > max) {
    await res.body.cancel().catch(() => undefined);
    throw tooLarge(max, `Content-Length ${declared} > ${max}`);
  }
  const reader = res.body.getReader() as ReadableStreamDefaultReader<Uint8Array>;
  const decoder = new TextDecoder();
  let text = "";
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return text + decoder.decode();
    total += value.byteLength;
    if (total > max) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(max, `more than ${max} bytes`);
    }
    text += decoder.decode(value, { stream: true });
  }
}

/**
 * fal's answer, read the way response.js defaultResponseHandler reads it: a JSON body as JSON, any
 * other as text; an error status as a FalApiError carrying the JSON body (and its `message`).
 */
export async function readAnswer(res: Response, max = MAX_ANSWER_BYTES): Promise<unknown> {
  const contentType = res.headers.get("content-type") ?? "";
  const json = contentType.includes("application/json");
  const requestId = res.headers.get(REQUEST_ID_HEADER) || undefined;
  const timeoutType = res.headers.get(TIMEOUT_TYPE_HEADER) || undefined;
  if (!res.ok) {
    if (json) {
      const body: unknown = JSON.parse(await readText(res, max));
      const message = body && typeof body === "object" ? (body as { message?: unknown }).message : undefined;
      throw new FalApiError({ message: typeof message === "string" && message ? message : res.statusText, status: res.status, body, requestId, timeoutType });
    }
    await res.body?.cancel().catch(() => undefined);
    throw new FalApiError({ message: `HTTP ${res.status}: ${res.statusText}`, status: res.status, requestId, timeoutType });
  }
  const text = await readText(res, max);
  return json ? (JSON.parse(text) as unknown) : text;
}

export interface FalHttpOptions {
  readonly key: string;
  /** A checked proxy URL (FalService checks it), or undefined to talk to fal directly. */
  readonly proxyUrl?: string;
  readonly fetch: FetchFn;
  /** Largest answer read (default {@link MAX_ANSWER_BYTES}). */
  readonly maxAnswerBytes?: number;
}

export interface FalCall {
  readonly method: "GET" | "POST" | "PUT";
  readonly url: string;
  readonly body?: unknown;
  /** Extra headers (lower-case names). */
  readonly headers?: Record<string, string>;
  readonly signal?: AbortSignal;
  readonly retry: RetryRule;
}

/** Sends one API call (through the proxy when there is one) and retries it the reference's way. */
export async function dispatch<T>(opts: FalHttpOptions, call: FalCall, read: (res: Response) => Promise<T>): Promise<T> {
  const headers: Record<string, string> = {
    authorization: `Key ${opts.key}`,
    accept: "application/json",
    "content-type": "application/json",
    "user-agent": USER_AGENT,
    ...call.headers,
  };
  let url = call.url;
  if (opts.proxyUrl !== undefined) {
    headers[TARGET_URL_HEADER] = call.url;
    url = opts.proxyUrl;
  }
  const body = call.method !== "GET" && call.body !== undefined ? JSON.stringify(call.body) : undefined;
  for (let attempt = 0; ; attempt++) {
    try {
      const res = await opts.fetch(url, { method: call.method, headers, body, signal: call.signal });
      return await read(res);
    } catch (err) {
      if (attempt >= call.retry.maxRetries || !retryable(err, call.retry) || call.signal?.aborted) throw err;
      await sleep(retryDelay(attempt, call.retry), call.signal);
    }
  }
}
