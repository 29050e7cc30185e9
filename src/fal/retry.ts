/**
 * A fetch wrapper under our fal client (pure: no vscode). The client (http.ts, with the rules of
 * fal's reference client) already retries 429/502/503/504 and transport failures with exponential
 * backoff, but it ignores `Retry-After` and retries a 500 only for a status. This wrapper adds both: it waits out a server's Retry-After before handing a
 * 429/503 back to the client's own retry, and retries a 500 of an idempotent request (status,
 * result, cancel; not the submit POST) a few times itself.
 */
export type FetchFn = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;
export type SleepFn = (ms: number, signal?: AbortSignal) => Promise<void>;

export interface RetryPolicy {
  /** Retries of a 500 answer (the client does not retry those). */
  readonly serverErrorRetries: number;
  readonly baseDelayMs: number;
  /** Longest Retry-After honoured before giving the answer back; longer waits are the person's call. */
  readonly maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { serverErrorRetries: 2, baseDelayMs: 500, maxRetryAfterMs: 20_000 };

/** Milliseconds a Retry-After header asks for (seconds or an HTTP date), or undefined. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

export function backoffDelay(attempt: number, baseMs: number, maxMs = 30_000): number {
  return Math.min(maxMs, baseMs * 2 ** attempt);
}

/** Why a wait was stopped: the signal's reason, as fetch rejects with it (an AbortError by default). */
function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new DOMException("This operation was aborted", "AbortError");
}

export const sleep: SleepFn = (ms, signal) =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortReason(signal));
    const t = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      if (signal) reject(abortReason(signal));
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });

export function retryingFetch(inner: FetchFn, policy: RetryPolicy = DEFAULT_RETRY_POLICY, wait: SleepFn = sleep): FetchFn {
  return async (input, init) => {
    for (let attempt = 0; ; attempt++) {
      const response = await inner(input, init);
      if (response.status === 429 || response.status === 503) {
        const ms = parseRetryAfter(response.headers.get("retry-after"));
        if (ms !== undefined && ms <= policy.maxRetryAfterMs) await wait(ms, init?.signal ?? undefined);
        return response;
      }
      // Never for a POST: a submit that fal stored before failing would be queued (and paid) twice.
      const idempotent = (init?.method ?? "GET").toUpperCase() !== "POST";
      if (response.status === 500 && idempotent && attempt < policy.serverErrorRetries && !init?.signal?.aborted) {
        await response.body?.cancel().catch(() => undefined);
        await wait(backoffDelay(attempt, policy.baseDelayMs), init?.signal ?? undefined);
        continue;
      }
      return response;
    }
  };
}
