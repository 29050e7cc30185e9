/**
 * Fetching a result's images (pure: fetch and sleep are injected; no vscode). fal's answer is
 * untrusted input, so each image is fetched under limits before anything is kept:
 *
 * - the address must be `https:` to a public host (loopback too, only when the proxy is on loopback);
 *   redirects are followed by hand, each hop checked the same way, at most {@link MAX_REDIRECTS};
 * - the body is streamed and counted, and the download is stopped past {@link MAX_IMAGE_BYTES}
 *   (a Content-Length above it is refused before reading); inline `data:` images (sync_mode) are
 *   measured before they are decoded;
 * - a job's images download at once, their bodies read within one budget of
 *   {@link DOWNLOAD_BUDGET_BYTES} (each takes its Content-Length, or the cap without one, before its
 *   body is read), and the first failure stops the rest;
 * - the bytes must be a whole image of the claimed format.
 *
 * A truncated, wrong-type or failed download is retried, then reported; a refused one (too large, an
 * address not allowed) is reported at once. Neither is ever handed on to be saved.
 */
import { decodeDataUri } from "../images/dataUri";
import { checkImageComplete, formatFromMime, sniffImageFormat, type ImageFormat } from "../images/sniff";
import type { FalImage } from "../api";
import { GrokError } from "../fal/errors";
import { addressProblem, type UrlPolicy } from "../fal/addresses";

export { addressProblem, type UrlPolicy } from "../fal/addresses";
import { backoffDelay, sleep as realSleep, type FetchFn, type SleepFn } from "../fal/retry";
import { httpGet } from "./httpGet";
import { errorText } from "../format";
import * as l10n from "../l10n";

/**
 * The largest image body accepted: 32 MiB. The model's largest output is 2k, at most 2048×2048
 * (4.2 megapixels). Its results are 0.3–8 MB; the worst case the format allows at 8 bits a channel is
 * an incompressible (noise) RGBA PNG, 4 bytes a pixel plus a filter byte a row: 16.8 MB. The cap is
 * nearly twice that. Anything larger is not an image this model made, and buffering it could take the
 * extension host (and every extension in it) down; reading up to the cap and dropping it costs the
 * host about 2.5 times the cap at its peak (fetch copies what it reads), which stays under 100 MB.
 */
export const MAX_IMAGE_BYTES = 32 * 1024 * 1024;

/** Longest inline (data:) image accepted: the base64 text of {@link MAX_IMAGE_BYTES}, plus its header. */
export const MAX_DATA_URI_CHARS = Math.ceil(MAX_IMAGE_BYTES / 3) * 4 + 256;

/**
 * The bytes of image bodies one job reads at once: two images at the cap (what a broken or hostile
 * server can make it hold), or all four of a real result (2k images are a few MB each), which then
 * download side by side instead of two after two.
 */
export const DOWNLOAD_BUDGET_BYTES = 2 * MAX_IMAGE_BYTES;

/**
 * Bytes shared by downloads: each takes what its body may hold before it reads it (first come, first
 * served) and gives it back when done.
 */
export class ByteBudget {
  #free: number;
  readonly #waiting: { readonly n: number; readonly go: () => void }[] = [];

  constructor(readonly total: number) {
    this.#free = total;
  }

  /** Resolves, once `n` bytes (at most the whole budget) are free, to the function that gives them back. */
  async take(n: number, signal?: AbortSignal): Promise<() => void> {
    const want = Math.max(0, Math.min(n, this.total));
    if (this.#waiting.length || want > this.#free) {
      await new Promise<void>((resolve, reject) => {
        const entry = { n: want, go: () => (signal?.removeEventListener("abort", onAbort), resolve()) };
        const onAbort = () => {
          const at = this.#waiting.indexOf(entry);
          if (at >= 0) this.#waiting.splice(at, 1);
          this.#drain();
          reject(cancelled());
        };
        if (signal?.aborted) return reject(cancelled());
        signal?.addEventListener("abort", onAbort, { once: true });
        this.#waiting.push(entry);
      });
    } else {
      this.#free -= want;
    }
    let given = false;
    return () => {
      if (given) return;
      given = true;
      this.#free += want;
      this.#drain();
    };
  }

  #drain(): void {
    for (let w = this.#waiting[0]; w && w.n <= this.#free; w = this.#waiting[0]) {
      this.#waiting.shift();
      this.#free -= w.n;
      w.go();
    }
  }
}

/** Redirect hops followed per image: CDNs use one or two; more is a loop or an attempt to wander. */
export const MAX_REDIRECTS = 5;

export interface DownloadedImage {
  readonly bytes: Uint8Array;
  readonly format: ImageFormat;
}

export interface DownloadOptions {
  /** Default {@link httpGet}. */
  readonly fetch?: FetchFn;
  readonly sleep?: SleepFn;
  readonly attempts?: number;
  readonly baseDelayMs?: number;
  readonly signal?: AbortSignal;
  readonly policy?: UrlPolicy;
  /** Byte cap per image (default {@link MAX_IMAGE_BYTES}). */
  readonly maxBytes?: number;
  /** Images fetched at once (default: all of them; their bodies are read within the budget). */
  readonly concurrency?: number;
  /** The bytes of bodies read at once (default {@link DOWNLOAD_BUDGET_BYTES}); downloadAll shares one among a job's images. */
  readonly budget?: ByteBudget;
  /** Told how long each image's check (format and completeness) took, in ms (for the job's timings). */
  readonly verified?: (ms: number) => void;
}

const MB = 1024 * 1024;
const mb = (n: number) => `${Math.round((n / MB) * 10) / 10} MB`;

function tooLarge(what: string, max: number): GrokError {
  return new GrokError(
    "refused",
    l10n.t("fal's image is larger than {0}, far more than any image this model makes, so it was not downloaded. Retry Saving in a while, or Discard it; if it repeats, check grokImagine.proxyUrl.", mb(max)),
    what,
  );
}

/** Checks that bytes are a whole image of the expected format; returns the format or throws. */
export function verifyImage(bytes: Uint8Array, expected: ImageFormat): ImageFormat {
  const sniffed = sniffImageFormat(bytes);
  if (!sniffed) throw new GrokError("download", l10n.t("The downloaded file is not an image. Retry saving."), `${bytes.length} bytes, unknown format`);
  if (sniffed !== expected) {
    throw new GrokError("download", l10n.t("The downloaded image is {0}, not the {1} that was asked for. Retry saving.", sniffed, expected), `sniffed ${sniffed}, expected ${expected}`);
  }
  const whole = checkImageComplete(bytes, sniffed);
  if (!whole.ok) throw new GrokError("download", l10n.t("The downloaded image is incomplete. Retry saving."), whole.reason);
  return sniffed;
}

/** The format an image claims: its data URI or content_type, else what was asked for. */
export function claimedFormat(image: FalImage, asked: ImageFormat): ImageFormat {
  if (image.url.startsWith("data:")) {
    const mime = image.url.slice(5, image.url.search(/[;,]/));
    return formatFromMime(mime) ?? asked;
  }
  return (image.content_type && formatFromMime(image.content_type)) || asked;
}

const cancelled = () => new GrokError("cancelled", l10n.t("Cancelled."));

/** Where a URL is, for the log: host and path, never its query (signed URLs carry tokens there). */
function where(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname.length > 80 ? url.pathname.slice(0, 80) + "…" : url.pathname}`;
}

/**
 * Reads a body, counting; stops (and cancels the transfer) past `max`. A Content-Length above `max`
 * is refused before reading anything; one below it sizes the buffer once.
 */
export async function readCapped(res: Response, max: number, what: string, signal?: AbortSignal, budget?: ByteBudget): Promise<Uint8Array> {
  const declared = res.headers.get("content-length");
  const length = declared !== null && /^\d+$/.test(declared.trim()) ? Number(declared.trim()) : undefined;
  if (length !== undefined && length > max) {
    await res.body?.cancel().catch(() => undefined);
    throw tooLarge(`${what}: Content-Length ${length} > ${max}`, max);
  }
  const body: ReadableStream<Uint8Array> | null = res.body;
  if (!body) return new Uint8Array(0);
  // What this body may hold is taken from the job's budget before it is read (its transfer waits).
  let release: (() => void) | undefined;
  try {
    release = await budget?.take(length ?? max, signal);
  } catch (err) {
    await body.cancel().catch(() => undefined);
    throw err;
  }
  try {
    return await readBody(body, max, length, what, signal);
  } finally {
    release?.();
  }
}

async function readBody(body: ReadableStream<Uint8Array>, max: number, length: number | undefined, what: string, signal?: AbortSignal): Promise<Uint8Array> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > max) {
        await reader.cancel().catch(() => undefined);
        throw tooLarge(`${what}: more than ${max} bytes${length !== undefined ? ` (Content-Length said ${length})` : " (no Content-Length)"}`, max);
      }
      chunks.push(value);
    }
  } catch (err) {
    if (err instanceof GrokError) throw err;
    if (signal?.aborted) throw cancelled();
    throw new GrokError("download", l10n.t("The image download broke off. Retry saving."), `${what}: ${errorText(err)}`);
  } finally {
    reader.releaseLock();
  }
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

/** GETs a URL, following redirects by hand so that every hop is checked; resolves to the final answer. */
async function getChecked(start: URL, f: FetchFn, policy: UrlPolicy, signal?: AbortSignal): Promise<{ res: Response; url: URL }> {
  let url = start;
  for (let hop = 0; ; hop++) {
    const problem = addressProblem(url, policy);
    if (problem) {
      throw new GrokError("refused", l10n.t("fal's image address is not one the extension downloads from ({0}), so it was not fetched. Discard the result; if it repeats, check grokImagine.proxyUrl.", problem), `${hop ? `redirect hop ${hop} to ` : ""}${where(url)}: ${problem}`);
    }
    let res: Response;
    try {
      res = await f(url.toString(), { signal, redirect: "manual" });
    } catch (err) {
      if (signal?.aborted) throw cancelled();
      throw new GrokError("download", l10n.t("Could not download the image: the network is down. Check the connection, then retry saving."), errorText(err));
    }
    const location = res.status >= 300 && res.status < 400 ? res.headers.get("location") : null;
    if (location === null) return { res, url };
    await res.body?.cancel().catch(() => undefined);
    if (hop >= MAX_REDIRECTS) {
      throw new GrokError("refused", l10n.t("fal's image address redirected more than {0} times, so it was not followed. Retry Saving in a while, or Discard it.", MAX_REDIRECTS), `${where(start)}: too many redirects`);
    }
    try {
      url = new URL(location, url);
    } catch {
      throw new GrokError("refused", l10n.t("fal's image address redirected to something that is not a URL. Retry Saving in a while, or Discard it."), `${where(url)} → ${location.slice(0, 200)}`);
    }
  }
}

async function fetchOnce(image: FalImage, expected: ImageFormat, f: FetchFn, opts: DownloadOptions, max: number): Promise<DownloadedImage> {
  if (image.url.startsWith("data:")) {
    const maxChars = Math.ceil(max / 3) * 4 + 256;
    if (image.url.length > maxChars) throw tooLarge(`inline image of ${image.url.length} characters`, max);
    const decoded = decodeDataUri(image.url);
    if (!decoded) throw new GrokError("download", l10n.t("fal returned an image that could not be decoded. Generate again."), "malformed data URI");
    return { bytes: decoded.bytes, format: timedVerify(decoded.bytes, expected, opts) };
  }
  let url: URL;
  try {
    url = new URL(image.url);
  } catch {
    throw new GrokError("refused", l10n.t("fal returned an image address that is not a URL, so it was not fetched. Discard the result."), image.url.slice(0, 200));
  }
  const { res, url: final } = await getChecked(url, f, opts.policy ?? { allowLoopback: false }, opts.signal);
  if (!res.ok) {
    await res.body?.cancel().catch(() => undefined);
    throw new GrokError("download", l10n.t("Could not download the image (HTTP {0}). Retry saving.", res.status), `GET ${where(final)} → ${res.status}`, res.status);
  }
  const bytes = await readCapped(res, max, `GET ${where(final)}`, opts.signal, opts.budget);
  return { bytes, format: timedVerify(bytes, expected, opts) };
}

function timedVerify(bytes: Uint8Array, expected: ImageFormat, opts: DownloadOptions): ImageFormat {
  const t0 = performance.now();
  try {
    return verifyImage(bytes, expected);
  } finally {
    opts.verified?.(performance.now() - t0);
  }
}

/** Downloads one image, retrying failures (not a refused or malformed answer) with backoff. */
export async function downloadImage(image: FalImage, asked: ImageFormat, opts: DownloadOptions = {}): Promise<DownloadedImage> {
  const f = opts.fetch ?? httpGet;
  const wait = opts.sleep ?? realSleep;
  const attempts = opts.attempts ?? 3;
  const max = opts.maxBytes ?? MAX_IMAGE_BYTES;
  const expected = claimedFormat(image, asked);
  let last: GrokError | undefined;
  for (let i = 0; i < attempts; i++) {
    try {
      return await fetchOnce(image, expected, f, opts, max);
    } catch (err) {
      if (!(err instanceof GrokError) || err.kind === "cancelled" || err.kind === "refused") throw err;
      if (opts.signal?.aborted) throw cancelled();
      last = err;
      if (image.url.startsWith("data:")) break; // retrying does not change inline bytes
      if (i + 1 < attempts) {
        try {
          await wait(backoffDelay(i, opts.baseDelayMs ?? 300), opts.signal);
        } catch {
          throw cancelled();
        }
      }
    }
  }
  throw last ?? new GrokError("download", l10n.t("Could not download the image. Retry saving."));
}

/**
 * Downloads the images of one result, all at once within the byte budget, in order. The first failure stops the others
 * (their transfers are aborted) and is what the promise rejects with.
 */
export async function downloadAll(images: readonly FalImage[], asked: ImageFormat, opts: DownloadOptions = {}): Promise<DownloadedImage[]> {
  opts = { ...opts, budget: opts.budget ?? new ByteBudget(DOWNLOAD_BUDGET_BYTES) };
  const stop = new AbortController();
  const signal = opts.signal ? AbortSignal.any([opts.signal, stop.signal]) : stop.signal;
  const out: DownloadedImage[] = new Array<DownloadedImage>(images.length);
  let next = 0;
  let failure: { err: unknown } | undefined;
  const worker = async () => {
    while (!failure && next < images.length) {
      const i = next++;
      try {
        out[i] = await downloadImage(images[i], asked, { ...opts, signal });
      } catch (err) {
        failure ??= { err };
        stop.abort();
      }
    }
  };
  const width = Math.max(1, Math.min(opts.concurrency ?? images.length, images.length));
  await Promise.all(Array.from({ length: width }, worker));
  if (failure) {
    // A cancel of the caller's own wins over the error that the stop caused in the other workers.
    if (opts.signal?.aborted) throw cancelled();
    throw failure.err;
  }
  return out;
}

/**
 * At most the number of images that were asked for: a result listing more is trimmed (the caller
 * logs `extra`), so an answer cannot make the extension download and save more than was paid for.
 */
export function limitToAsked<T extends { readonly images: readonly FalImage[] }>(output: T, asked: number): { output: T; extra: number } {
  const keep = Math.max(1, Math.floor(asked));
  if (output.images.length <= keep) return { output, extra: 0 };
  return { output: { ...output, images: output.images.slice(0, keep) }, extra: output.images.length - keep };
}

/**
 * How much of fal's result answer to read. With sync_mode the images come inline as data URIs, so
 * the answer may be as large as the images asked for; otherwise it lists addresses and stays small.
 */
export function resultByteCap(input: Readonly<Record<string, unknown>>): number {
  const small = 1024 * 1024;
  return input.sync_mode === true ? imagesAsked(input) * MAX_DATA_URI_CHARS + small : small;
}

/** How many images a request body asked for (the API's num_images; 1 when it is absent). */
export function imagesAsked(input: Readonly<Record<string, unknown>>): number {
  const n = input.num_images;
  return typeof n === "number" && Number.isFinite(n) ? Math.max(1, Math.floor(n)) : 1;
}
