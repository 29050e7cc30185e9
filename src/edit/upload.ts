/**
 * Sending an edit's source images to fal's storage, all at once, and stopping at Cancel.
 *
 * Cancel stops both: the returned promise rejects with a "cancelled" error the moment the signal
 * aborts, so the job never submits, and the same signal goes to each upload, which FalService wires
 * into the requests themselves (the initiate call and the PUT), so uploads in flight are torn down.
 *
 * Pure module: the upload function is injected (FalService.upload in the extension, the same with
 * the fake fal in the benchmark).
 */
import { GrokError } from "../fal/errors";
import { mimeForFormat, type ImageFormat } from "../images/sniff";
import * as l10n from "../l10n";

export interface SourceImage {
  /** The name the upload is given in the storage (part of its URL). */
  readonly fileName: string;
  readonly bytes: Uint8Array;
  /** The format its bytes say (not its extension). */
  readonly format: ImageFormat;
}

export type UploadFn = (bytes: Uint8Array, mime: string, fileName: string, signal: AbortSignal) => Promise<string>;

function cancelled(): GrokError {
  return new GrokError("cancelled", l10n.t("Cancelled."));
}

/**
 * Uploads every image in parallel; resolves to their URLs in the images' order. Rejects with the
 * first failure, or with a "cancelled" error as soon as `signal` aborts (see the module comment).
 */
export function uploadAll(images: readonly SourceImage[], upload: UploadFn, signal: AbortSignal): Promise<string[]> {
  if (signal.aborted) return Promise.reject(cancelled());
  return new Promise<string[]>((resolve, reject) => {
    const onAbort = () => reject(cancelled());
    signal.addEventListener("abort", onAbort, { once: true });
    Promise.all(images.map((img) => upload(img.bytes, mimeForFormat(img.format), img.fileName, signal))).then(
      (urls) => {
        signal.removeEventListener("abort", onAbort);
        if (signal.aborted) reject(cancelled());
        else resolve(urls);
      },
      (err: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(signal.aborted ? cancelled() : err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}
