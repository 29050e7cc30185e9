/**
 * The GET that image downloads use (pure: Node's http/https, no vscode). It answers like fetch (a
 * Response whose body streams) but differs where a download needs it to:
 *
 * - it never follows redirects (download.ts follows them by hand, checking every hop);
 * - it asks for no compression, so the bytes counted are the bytes sent;
 * - the body is handed on as the socket delivers it, without copies, and the socket is paused while
 *   nobody reads. Global fetch (undici) copies every chunk twice on its way to the reader, so a body
 *   stopped at the cap costs the extension host about three times the cap before the garbage is
 *   collected; this costs about the cap.
 *
 * In VS Code's extension host, http/https carry the editor's proxy settings, as fetch does.
 */
import * as http from "node:http";
import * as https from "node:https";
import type { FetchFn } from "../fal/retry";

/**
 * Bytes received but not yet read that make the socket pause: 256 KiB, a few socket reads, so that
 * the transfer runs at network speed while a stalled reader holds almost nothing.
 */
const READ_AHEAD_BYTES = 256 * 1024;

/** Statuses whose Response may not have a body. */
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error && reason.name === "AbortError" ? reason : Object.assign(new Error("The download was aborted."), { name: "AbortError", cause: reason });
}

export const httpGet: FetchFn = (input, init) =>
  new Promise<Response>((resolve, reject) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const client = url.protocol === "https:" ? https : url.protocol === "http:" ? http : undefined;
    if (!client) return reject(new TypeError(`httpGet cannot fetch ${url.protocol} addresses`));
    if ((init?.method ?? "GET").toUpperCase() !== "GET") return reject(new TypeError("httpGet only GETs"));
    const signal = init?.signal ?? undefined;
    if (signal?.aborted) return reject(abortError(signal));
    const req = client.get(url, { headers: { accept: "image/*", "accept-encoding": "identity" } }, (res) => {
      const status = res.statusCode ?? 0;
      const headers = new Headers();
      try {
        if (status < 200 || status > 599) throw new Error(`The server answered HTTP status ${status}.`);
        for (const [name, value] of Object.entries(res.headers)) {
          if (Array.isArray(value)) for (const v of value) headers.append(name, v);
          else if (value !== undefined) headers.set(name, value);
        }
      } catch (err) {
        res.destroy();
        return reject(err instanceof Error ? err : new Error(String(err)));
      }
      let body: ReadableStream<Uint8Array> | null = null;
      if (NULL_BODY.has(status)) {
        res.resume();
      } else {
        body = new ReadableStream<Uint8Array>(
          {
            start(controller) {
              res.on("data", (chunk: Buffer) => {
                controller.enqueue(chunk);
                if ((controller.desiredSize ?? 0) <= 0) res.pause();
              });
              res.once("end", () => controller.close());
              res.once("error", (err) => controller.error(signal?.aborted ? abortError(signal) : err));
              res.once("close", () => {
                signal?.removeEventListener("abort", onAbort);
                if (!res.complete) controller.error(signal?.aborted ? abortError(signal) : new Error("The connection closed before the body ended."));
              });
            },
            pull() {
              res.resume();
            },
            cancel() {
              res.destroy();
            },
          },
          // At most READ_AHEAD_BYTES wait for the reader; past that the socket is paused.
          new ByteLengthQueuingStrategy({ highWaterMark: READ_AHEAD_BYTES }),
        );
      }
      resolve(new Response(body, { status, statusText: res.statusMessage ?? "", headers }));
    });
    const onAbort = () => req.destroy(abortError(signal as AbortSignal));
    signal?.addEventListener("abort", onAbort, { once: true });
    req.once("error", (err) => {
      signal?.removeEventListener("abort", onAbort);
      reject(signal?.aborted ? abortError(signal) : err);
    });
  });
