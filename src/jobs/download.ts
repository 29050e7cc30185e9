/**
 * Fetching a result's images (pure: fetch and sleep are injected; no vscode). Each image is fetched
 * (or decoded, for sync_mode data URIs), then checked by its bytes: it must be the format it claims
 * and whole. A truncated, wrong-type or failed download is retried, then reported; it is never
 * handed on to be saved.
 */
import { decodeDataUri } from "../images/dataUri";
import { checkImageComplete, formatFromMime, sniffImageFormat, type ImageFormat } from "../images/sniff";
import type { FalImage } from "../api";
import { GrokError } from "../fal/errors";
import { backoffDelay, sleep as realSleep, type FetchFn, type SleepFn } from "../fal/retry";

export interface DownloadedImage {
  readonly bytes: Uint8Array;
  readonly format: ImageFormat;
}

export interface DownloadOptions {
  readonly fetch?: FetchFn;
  readonly sleep?: SleepFn;
  readonly attempts?: number;
  readonly baseDelayMs?: number;
  readonly signal?: AbortSignal;
}

/** Checks that bytes are a whole image of the expected format; returns the format or throws. */
export function verifyImage(bytes: Uint8Array, expected: ImageFormat): ImageFormat {
  const sniffed = sniffImageFormat(bytes);
  if (!sniffed) throw new GrokError("download", "The downloaded file is not an image. Retry saving.", `${bytes.length} bytes, unknown format`);
  if (sniffed !== expected) {
    throw new GrokError("download", `The downloaded image is ${sniffed}, not the ${expected} that was asked for. Retry saving.`, `sniffed ${sniffed}, expected ${expected}`);
  }
  const whole = checkImageComplete(bytes, sniffed);
  if (!whole.ok) throw new GrokError("download", "The downloaded image is incomplete. Retry saving.", whole.reason);
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

async function fetchOnce(image: FalImage, expected: ImageFormat, f: FetchFn, signal?: AbortSignal): Promise<DownloadedImage> {
  if (image.url.startsWith("data:")) {
    const decoded = decodeDataUri(image.url);
    if (!decoded) throw new GrokError("download", "fal returned an image that could not be decoded. Generate again.", "malformed data URI");
    return { bytes: decoded.bytes, format: verifyImage(decoded.bytes, expected) };
  }
  let url: URL;
  try {
    url = new URL(image.url);
  } catch {
    throw new GrokError("download", "fal returned an image address that is not a URL. Generate again.", image.url.slice(0, 200));
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new GrokError("download", "fal returned an image address that cannot be downloaded. Generate again.", url.protocol);
  }
  let res: Response;
  try {
    res = await f(url.toString(), { signal });
  } catch (err) {
    if (signal?.aborted) throw new GrokError("cancelled", "Cancelled.");
    throw new GrokError("download", "Could not download the image: the network is down. Check the connection, then retry saving.", err instanceof Error ? err.message : String(err));
  }
  if (!res.ok) {
    await res.body?.cancel().catch(() => undefined);
    throw new GrokError("download", `Could not download the image (HTTP ${res.status}). Retry saving.`, `GET ${url.host}${url.pathname} → ${res.status}`, res.status);
  }
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await res.arrayBuffer());
  } catch (err) {
    if (signal?.aborted) throw new GrokError("cancelled", "Cancelled.");
    throw new GrokError("download", "The image download broke off. Retry saving.", err instanceof Error ? err.message : String(err));
  }
  return { bytes, format: verifyImage(bytes, expected) };
}

/** Downloads one image, retrying failures (not a malformed answer) with backoff. */
export async function downloadImage(image: FalImage, asked: ImageFormat, opts: DownloadOptions = {}): Promise<DownloadedImage> {
  const f = opts.fetch ?? ((input, init) => fetch(input, init));
  const wait = opts.sleep ?? realSleep;
  const attempts = opts.attempts ?? 3;
  const expected = claimedFormat(image, asked);
  let last: GrokError | undefined;
  for (let i = 0; i < attempts; i++) {
    try {
      return await fetchOnce(image, expected, f, opts.signal);
    } catch (err) {
      if (!(err instanceof GrokError) || err.kind === "cancelled") throw err;
      last = err;
      if (image.url.startsWith("data:")) break; // retrying does not change inline bytes
      if (i + 1 < attempts) {
        try {
          await wait(backoffDelay(i, opts.baseDelayMs ?? 300), opts.signal);
        } catch {
          throw new GrokError("cancelled", "Cancelled.");
        }
      }
    }
  }
  throw last ?? new GrokError("download", "Could not download the image. Retry saving.");
}

/** Downloads all images of a result in parallel. */
export function downloadAll(images: readonly FalImage[], asked: ImageFormat, opts: DownloadOptions = {}): Promise<DownloadedImage[]> {
  return Promise.all(images.map((img) => downloadImage(img, asked, opts)));
}
