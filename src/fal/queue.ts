/**
 * fal's queue API, the requests its reference client (@fal-ai/client 1.10.1, queue.js, streaming.js)
 * makes for submit, status, the status stream, result and cancel. Pure: no vscode.
 */
import { FalApiError, GrokError } from "./errors";
import { DEFAULT_RULE, dispatch, QUEUE_RULE, readAnswer, STATUS_RULE, type FalHttpOptions } from "./http";
import { SseParser } from "./sse";
import * as l10n from "../l10n";

const QUEUE_BASE = "https://queue.fal.run";
/** Endpoint ids whose app id takes three segments (utils.js ENDPOINT_NAMESPACES). */
const NAMESPACES = ["workflows", "comfy"];
/**
 * Largest event of the status stream read: one event is a status with the log lines that are new
 * since the previous one (a few KB); a megabyte is far past that and still harmless to hold.
 */
export const MAX_STREAM_EVENT_CHARS = 1024 * 1024;

export interface QueueLog {
  readonly message: string;
}

/** A request's status as fal reports it; only what the extension reads, checked. */
export interface QueueStatus {
  readonly status: string;
  readonly queue_position?: number;
  readonly logs?: readonly QueueLog[];
}

/** The app a request belongs to: the endpoint id's first two segments (three in a namespace). */
export function appIdOf(endpointId: string): string {
  const parts = endpointId.split("/");
  return parts.slice(0, NAMESPACES.includes(parts[0]) ? 3 : 2).join("/");
}

/**
 * fal's request ids are UUIDs. One read from a record or an answer goes into a URL path with the
 * key: anything that could change the path (`/`, `..`, `?`) is refused before it is sent.
 */
const REQUEST_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

function checkRequestId(id: unknown): string {
  if (typeof id === "string" && REQUEST_ID.test(id)) return id;
  throw new GrokError("notFound", l10n.t("This is not a request id fal gives, so nothing was sent about it."), `request id ${JSON.stringify(id)?.slice(0, 80)}`);
}

/** Checks the JSON of a status (fal's or anyone's in its place) down to the fields read. */
export function toQueueStatus(data: unknown): QueueStatus {
  if (!data || typeof data !== "object" || typeof (data as { status?: unknown }).status !== "string") {
    throw new FalApiError({ message: "fal's status answer has no status", status: 500, body: typeof data === "string" ? data.slice(0, 200) : undefined });
  }
  const { status, queue_position, logs } = data as { status: string; queue_position?: unknown; logs?: unknown };
  return {
    status,
    queue_position: typeof queue_position === "number" ? queue_position : undefined,
    logs: Array.isArray(logs) ? logs.filter((l): l is QueueLog => !!l && typeof l === "object" && typeof (l as { message?: unknown }).message === "string") : undefined,
  };
}

/**
 * What the status stream's reader throws to leave {@link dispatch} without a retry: the reference
 * reports an error answer or a broken stream at once (only a failure to connect is retried).
 */
class StreamEnded extends Error {
  constructor(readonly inner: unknown) {
    super("the status stream ended in an error");
  }
}

export class FalQueue {
  constructor(private readonly http: FalHttpOptions) {}

  private requestUrl(endpointId: string, requestId: string, path = ""): string {
    return `${QUEUE_BASE}/${appIdOf(endpointId)}/requests/${checkRequestId(requestId)}${path}`;
  }

  /** POST https://queue.fal.run/<endpoint id>; resolves to fal's request id. */
  async submit(endpointId: string, input: object): Promise<string> {
    const answer = await dispatch(
      this.http,
      { method: "POST", url: `${QUEUE_BASE}/${endpointId}`, body: input, headers: { "x-fal-queue-priority": "normal" }, retry: QUEUE_RULE },
      (res) => readAnswer(res, this.http.maxAnswerBytes),
    );
    const id = answer && typeof answer === "object" ? (answer as { request_id?: unknown }).request_id : undefined;
    if (typeof id !== "string" || !REQUEST_ID.test(id)) {
      throw new GrokError("failed", l10n.t("fal accepted the request but its answer named no request id, so its result cannot be fetched. Try again; if it repeats, check grokImagine.proxyUrl."), JSON.stringify(answer)?.slice(0, 200));
    }
    return id;
  }

  /** GET …/requests/<id>/status?logs=1|0. */
  async status(endpointId: string, requestId: string, logs: boolean, signal?: AbortSignal): Promise<QueueStatus> {
    const url = `${this.requestUrl(endpointId, requestId, "/status")}?logs=${logs ? 1 : 0}`;
    return toQueueStatus(await dispatch(this.http, { method: "GET", url, signal, retry: STATUS_RULE }, (res) => readAnswer(res, this.http.maxAnswerBytes)));
  }

  /** GET …/requests/<id>: the output (the answer's JSON). */
  async result(endpointId: string, requestId: string, signal?: AbortSignal): Promise<unknown> {
    return dispatch(this.http, { method: "GET", url: this.requestUrl(endpointId, requestId), signal, retry: QUEUE_RULE }, (res) => readAnswer(res, this.http.maxAnswerBytes));
  }

  /** PUT …/requests/<id>/cancel. Rejects with fal's answer (400 ALREADY_COMPLETED, 404) as a FalApiError. */
  async cancel(endpointId: string, requestId: string, signal?: AbortSignal): Promise<void> {
    await dispatch(this.http, { method: "PUT", url: this.requestUrl(endpointId, requestId, "/cancel"), signal, retry: DEFAULT_RULE }, (res) => readAnswer(res, this.http.maxAnswerBytes));
  }

  /**
   * GET …/requests/<id>/status/stream?logs=1|0 (server-sent events, one status each). Calls onStatus
   * for each, and resolves to the last one when fal closes the stream (after COMPLETED), or to the
   * last one (or undefined) when `signal` aborts it. An error answer rejects with a FalApiError; a
   * broken stream rejects with one of status 500, as the reference client's stream does.
   */
  async streamStatus(endpointId: string, requestId: string, logs: boolean, onStatus: (s: QueueStatus) => void, signal?: AbortSignal): Promise<QueueStatus | undefined> {
    const url = `${this.requestUrl(endpointId, requestId, "/status/stream")}?logs=${logs ? 1 : 0}`;
    let last: QueueStatus | undefined;
    try {
      // The reference adds its own `accept` to the default one; fetch joins the two.
      return await dispatch(this.http, { method: "GET", url, signal, headers: { accept: "application/json, text/event-stream" }, retry: DEFAULT_RULE }, async (res) => {
        // An error answer is not retried: the reference reports it from the stream at once.
        if (!res.ok) {
          try {
            await readAnswer(res, this.http.maxAnswerBytes);
          } catch (err) {
            throw new StreamEnded(err);
          }
        }
        if (!res.body) throw new StreamEnded(new FalApiError({ message: "Response body is empty.", status: 400, requestId: res.headers.get("x-fal-request-id") ?? undefined }));
        if (!(res.headers.get("content-type") ?? "").startsWith("text/event-stream")) {
          // Not a status stream (the reference hands the raw bytes on as data): no status from it.
          await res.body.cancel().catch(() => undefined);
          return undefined;
        }
        const parser = new SseParser((data) => {
          last = toQueueStatus(JSON.parse(data));
          onStatus(last);
        }, MAX_STREAM_EVENT_CHARS);
        const reader = res.body.getReader() as ReadableStreamDefaultReader<Uint8Array>;
        const decoder = new TextDecoder();
        try {
          for (;;) {
            const { done, value } = await reader.read();
            if (done) break;
            parser.feed(decoder.decode(value, { stream: true }));
          }
          parser.feed(decoder.decode());
        } catch (err) {
          await reader.cancel().catch(() => undefined);
          throw new StreamEnded(err);
        }
        return last;
      });
    } catch (err) {
      if (signal?.aborted) return last;
      const e = err instanceof StreamEnded ? err.inner : err;
      if (e instanceof FalApiError || e instanceof GrokError || e instanceof SyntaxError) throw e;
      const message = e instanceof Error ? e.message : String(e);
      throw new FalApiError({ message: message || "An unknown error occurred", status: 500 });
    }
  }
}
