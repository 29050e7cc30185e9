/**
 * The only code that talks to fal: submit, wait (status stream, with polling as the fallback),
 * result, cancel and storage upload, for one key and proxy, through our own small client of fal's
 * protocol (queue.ts, storage.ts, http.ts; test/unit/fal/conformance.test.ts holds it to fal's
 * reference client). Errors leave here as GrokError (see errors.ts).
 */
import { parseFalOutput, type FalOutput } from "../api";
import { addressProblem, checkProxyUrl, type UrlPolicy } from "./addresses";
import { FalApiError, GrokError, toGrokError } from "./errors";
import { gatedFetch, type RequestGate } from "./gate";
import type { FalHttpOptions } from "./http";
import { FalQueue, type QueueStatus } from "./queue";
import { retryingFetch, sleep as realSleep, type FetchFn, type SleepFn } from "./retry";
import { upload } from "./storage";
import * as l10n from "../l10n";

export interface FalConnection {
  readonly key: string;
  /**
   * fal proxy URL (see grokImagine.proxyUrl): fal's API calls (submit, status, result, cancel, the
   * start of an upload) then go there with the target in `x-fal-target-url`. It must pass
   * {@link checkProxyUrl}; the constructor throws a "settings" GrokError otherwise.
   */
  readonly proxyUrl?: string;
  readonly fetch?: FetchFn;
  /** Waits between status polls (the fallback when the status stream fails). */
  readonly sleep?: SleepFn;
  /** Submits pass through it: requests that share one (a batch's) share one pacing on 429. */
  readonly submitGate?: RequestGate;
}

export type QueueProgress =
  | { readonly state: "queued"; readonly position?: number }
  | { readonly state: "running"; readonly lastLog?: string }
  | { readonly state: "completed" };

export type CancelOutcome = "cancelled" | "alreadyCompleted" | "unknown";

/** How long fal keeps the source images an edit uploads. */
export const UPLOAD_EXPIRY = "7d";

/**
 * Status polling, when the status stream is unavailable: first after 1 s, then each wait 1.5 times
 * longer, up to 5 s. A request takes seconds to a minute, so this adds at most a few seconds to one,
 * and a stream that keeps failing costs a dozen status calls a minute instead of hundreds (which fal
 * would answer with 429s).
 */
export const POLL_FIRST_MS = 1000;
export const POLL_GROWTH = 1.5;
export const POLL_MAX_MS = 5000;

/** Largest answer read for a result without inline images: its image list is a few hundred bytes. */
export const MAX_RESULT_BYTES = 1024 * 1024;

export class FalService {
  private readonly http: FalHttpOptions;
  private readonly queue: FalQueue;
  /** The queue submits go through (through the gate, when there is one). */
  private readonly submitQueue: FalQueue;
  private readonly baseFetch: FetchFn;
  private readonly proxyUrl: string | undefined;
  private readonly sleep: SleepFn;
  /** Where requests that do not go through the proxy may go. */
  readonly policy: UrlPolicy;

  constructor(private readonly conn: FalConnection) {
    let loopback = false;
    if (conn.proxyUrl !== undefined) {
      const proxy = checkProxyUrl(conn.proxyUrl);
      if (!proxy.ok) throw new GrokError("settings", proxy.problem);
      this.proxyUrl = proxy.url;
      loopback = proxy.loopback;
    }
    this.policy = { allowLoopback: loopback };
    const base = conn.fetch ?? ((input, init) => fetch(input, init));
    this.baseFetch = guardDirect(base, this.proxyUrl, this.policy);
    this.sleep = conn.sleep ?? realSleep;
    this.http = this.httpWith(this.baseFetch);
    this.queue = new FalQueue(this.http);
    this.submitQueue = conn.submitGate ? new FalQueue(this.httpWith(gatedFetch(this.baseFetch, conn.submitGate))) : this.queue;
  }

  private httpWith(f: FetchFn, maxAnswerBytes?: number): FalHttpOptions {
    return { key: this.conn.key, proxyUrl: this.proxyUrl, fetch: retryingFetch(f), maxAnswerBytes };
  }

  /**
   * Puts a request in fal's queue; resolves to its request id. It takes no AbortSignal on purpose: a
   * POST that reached fal may be queued and charged even if we stop listening, so the caller waits
   * for the id and cancels the request by it.
   */
  async submit(endpoint: string, input: object): Promise<string> {
    try {
      return await this.submitQueue.submit(endpoint, input);
    } catch (err) {
      throw toGrokError(err);
    }
  }

  /**
   * Resolves when the request is COMPLETED, reporting queue position and logs on the way. Uses the
   * status stream, which pushes COMPLETED the moment it happens; if the stream breaks, polls.
   */
  async waitUntilDone(endpoint: string, requestId: string, onProgress: (p: QueueProgress) => void, signal?: AbortSignal): Promise<void> {
    const report = (s: QueueStatus) => onProgress(toProgress(s));
    if (signal?.aborted) throw new GrokError("cancelled", l10n.t("Cancelled."));
    try {
      const done = await this.queue.streamStatus(endpoint, requestId, true, report, signal);
      if (done && done.status === "COMPLETED") {
        report(done);
        return;
      }
    } catch (err) {
      if (signal?.aborted) throw new GrokError("cancelled", l10n.t("Cancelled."));
      const e = toGrokError(err);
      if (e.kind === "auth" || e.kind === "notFound" || e.kind === "validation") throw e;
      // The stream is an optimisation; fall back to polling below.
    }
    if (signal?.aborted) throw new GrokError("cancelled", l10n.t("Cancelled."));
    await this.poll(endpoint, requestId, report, signal);
  }

  private async poll(endpoint: string, requestId: string, report: (s: QueueStatus) => void, signal?: AbortSignal): Promise<void> {
    for (let wait = POLL_FIRST_MS; ; wait = Math.min(POLL_MAX_MS, Math.round(wait * POLL_GROWTH))) {
      let status: QueueStatus;
      try {
        status = await this.queue.status(endpoint, requestId, true, signal);
      } catch (err) {
        throw toGrokError(err);
      }
      report(status);
      if (status.status === "COMPLETED") return;
      try {
        await this.sleep(wait, signal);
      } catch {
        throw new GrokError("cancelled", l10n.t("Cancelled."));
      }
    }
  }

  /**
   * The request's output, read through a counter that stops it past `maxBytes` (default {@link MAX_RESULT_BYTES}; a sync_mode answer carries its images
   * inline and needs more: the caller says how much).
   */
  async result(endpoint: string, requestId: string, signal?: AbortSignal, maxBytes = MAX_RESULT_BYTES): Promise<FalOutput> {
    let data: unknown;
    try {
      data = await new FalQueue(this.httpWith(limitBodies(this.baseFetch, maxBytes), maxBytes)).result(endpoint, requestId, signal);
    } catch (err) {
      throw toGrokError(err);
    }
    const parsed = parseFalOutput(data);
    if (!parsed.ok) {
      // Treated like a server fault: the request is kept and can be fetched again by its id.
      throw new GrokError("server", l10n.t("fal's answer had no usable images. Retry saving in a moment."), parsed.errors.map((e) => e.message).join("; "));
    }
    return parsed.value;
  }

  /** Asks fal to cancel the request. A request that already finished is paid for: the caller keeps it. */
  async cancel(endpoint: string, requestId: string): Promise<CancelOutcome> {
    try {
      await this.queue.cancel(endpoint, requestId);
      return "cancelled";
    } catch (err) {
      if (err instanceof FalApiError && err.status === 400) {
        const body: unknown = err.body;
        if (body && typeof body === "object" && (body as { status?: unknown }).status === "ALREADY_COMPLETED") return "alreadyCompleted";
      }
      return "unknown";
    }
  }

  /**
   * Uploads bytes to fal's storage; resolves to the URL fal serves them from. `signal` stops the
   * upload in flight (both the initiate call and the PUT carry it).
   */
  async upload(bytes: Uint8Array, mime: string, fileName: string, signal?: AbortSignal): Promise<string> {
    if (signal?.aborted) throw new GrokError("cancelled", l10n.t("Cancelled."));
    try {
      // A person's source images should not stay at a public URL for ever: a week covers the queue,
      // a reload and Retry Saving.
      return await upload(this.http, bytes, mime, fileName, UPLOAD_EXPIRY, signal);
    } catch (err) {
      if (signal?.aborted) throw new GrokError("cancelled", l10n.t("Cancelled."));
      throw toGrokError(err);
    }
  }
}

/**
 * A fetch that lets through what goes to the proxy, and checks everything else (fal's own hosts
 * without a proxy; the storage address an upload PUTs the image bytes to, which fal's answer names)
 * with {@link addressProblem}: nothing is sent in clear or to a private address.
 */
function guardDirect(f: FetchFn, proxyUrl: string | undefined, policy: UrlPolicy): FetchFn {
  return (input, init) => {
    const target = input instanceof Request ? input.url : String(input);
    if (proxyUrl === undefined || !target.startsWith(proxyUrl)) {
      let url: URL;
      try {
        url = new URL(target);
      } catch {
        return Promise.reject(new GrokError("refused", l10n.t("fal answered with an address that is not a URL, so nothing was sent to it. Retry; if it repeats, check grokImagine.proxyUrl."), target.slice(0, 200)));
      }
      const problem = addressProblem(url, policy);
      if (problem) {
        return Promise.reject(new GrokError("refused", l10n.t("fal answered with an address the extension does not send to ({0}), so nothing was sent to it. Retry; if it repeats, check grokImagine.proxyUrl.", problem), `${url.protocol}//${url.host}${url.pathname.slice(0, 80)}: ${problem}`));
      }
    }
    return f(input, init);
  };
}

/** A fetch whose answers are stopped past `max` bytes (a Content-Length above it is refused unread). */
function limitBodies(f: FetchFn, max: number): FetchFn {
  const refused = (what: string) =>
    new GrokError("refused", l10n.t("fal's answer is larger than {0} MB, far more than a result of this model, so it was not read. Retry Saving in a while, or Discard it; if it repeats, check grokImagine.proxyUrl.", Math.round(max / (1024 * 1024))), what);
  return async (input, init) => {
    const res = await f(input, init);
    const declared = res.headers.get("content-length");
    if (declared !== null && /^\d+$/.test(declared.trim()) && Number(declared.trim()) > max) {
      await res.body?.cancel().catch(() => undefined);
      throw refused(`Content-Length ${declared.trim()} > ${max}`);
    }
    if (!res.body) return res;
    let total = 0;
    const counted = res.body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          total += chunk.byteLength;
          if (total > max) controller.error(refused(`more than ${max} bytes`));
          else controller.enqueue(chunk);
        },
      }),
    );
    return new Response(counted, { status: res.status, statusText: res.statusText, headers: res.headers });
  };
}

function toProgress(s: QueueStatus): QueueProgress {
  if (s.status === "IN_QUEUE") return { state: "queued", position: s.queue_position };
  if (s.status === "IN_PROGRESS") {
    const logs = s.logs ?? [];
    const last = logs.length ? logs[logs.length - 1].message : undefined;
    return { state: "running", lastLog: last };
  }
  return { state: "completed" };
}
