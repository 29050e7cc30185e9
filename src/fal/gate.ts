/**
 * A gate that requests pass through before they are sent, so that several requests (a batch's
 * submits) share one pacing when fal answers 429: one backoff for all instead of a retry storm per
 * request. The gate itself lives with whoever shares it (src/batch/gate.ts); this file only says how
 * a fetch goes through one. Pure: no vscode.
 */
import { parseRetryAfter, type FetchFn } from "./retry";

export interface GateTicket {
  /** The answer's status (0: no answer, the request failed), and a 429's Retry-After in ms. */
  answered(status: number, retryAfterMs: number | undefined): void;
}

export interface RequestGate {
  /** Resolves when a request may be sent now; rejects when `signal` aborts first. */
  enter(signal?: AbortSignal): Promise<GateTicket>;
}

/**
 * How many times one request is sent again through the gate after a 429 before the 429 is handed
 * back to the client (whose own retries then go through the gate again): with the gate's doubling
 * backoff that is about a minute of waiting, longer than fal's bursts of rate limiting usually last.
 */
export const MAX_GATED_TRIES = 6;

/**
 * A fetch whose requests pass `gate` first and report their answer to it. A 429 means fal did not
 * take the request, so it is safe to send again: that happens here, after the gate's shared wait.
 */
export function gatedFetch(f: FetchFn, gate: RequestGate): FetchFn {
  return async (input, init) => {
    for (let attempt = 1; ; attempt++) {
      const ticket = await gate.enter(init?.signal ?? undefined);
      let res: Response;
      try {
        res = await f(input, init);
      } catch (err) {
        ticket.answered(0, undefined);
        throw err;
      }
      ticket.answered(res.status, res.status === 429 ? parseRetryAfter(res.headers.get("retry-after")) : undefined);
      if (res.status !== 429 || attempt >= MAX_GATED_TRIES) return res;
      await res.body?.cancel().catch(() => undefined);
    }
  };
}
