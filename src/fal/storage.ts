/**
 * fal's storage upload, the requests its reference client (@fal-ai/client 1.10.1, storage.js) makes:
 * the initiate call to fal's REST API (through the proxy when there is one, with the key), then a
 * PUT of the bytes to the one-time address fal answers (straight there, without the key). Pure.
 */
import { GrokError } from "./errors";
import { DEFAULT_RULE, dispatch, readAnswer, type FalHttpOptions } from "./http";
import * as l10n from "../l10n";

const INITIATE_URL = "https://rest.fal.ai/storage/upload/initiate?storage_type=fal-cdn-v3";
/**
 * The reference switches to a multipart upload above 90 MB; the extension's sources are capped far
 * below that (edit/sources.ts), so only the single PUT is implemented and a larger file is refused.
 */
export const MAX_SINGLE_UPLOAD_BYTES = 90 * 1024 * 1024;

/** How long fal keeps an upload, as the reference names the durations (storage.js). */
export const EXPIRY_SECONDS = { immediate: 60, "1h": 3600, "1d": 86400, "7d": 604800, "30d": 2592000, "1y": 31536000 } as const;
export type Expiry = keyof typeof EXPIRY_SECONDS;

/**
 * Uploads `bytes`; resolves to the URL fal serves them from. `signal` stops both requests. The PUT
 * goes through `http.fetch` too (which FalService wraps with its address checks).
 */
export async function upload(http: FalHttpOptions, bytes: Uint8Array, mime: string, fileName: string, expiresIn: Expiry, signal?: AbortSignal): Promise<string> {
  if (bytes.byteLength > MAX_SINGLE_UPLOAD_BYTES) throw new GrokError("refused", l10n.t("This image is too large to upload to fal in one piece."), `${bytes.byteLength} bytes`);
  const contentType = mime || "application/octet-stream";
  const answer = await dispatch(
    http,
    {
      method: "POST",
      url: INITIATE_URL,
      body: { content_type: contentType, file_name: fileName || `${Date.now()}.${contentType.split("/")[1]?.split(/[-;]/)[0] ?? "bin"}` },
      headers: { "x-fal-object-lifecycle": JSON.stringify({ expiration_duration_seconds: EXPIRY_SECONDS[expiresIn] }) },
      signal,
      retry: DEFAULT_RULE,
    },
    (res) => readAnswer(res, http.maxAnswerBytes),
  );
  const { upload_url: uploadUrl, file_url: fileUrl } = (answer && typeof answer === "object" ? answer : {}) as { upload_url?: unknown; file_url?: unknown };
  if (typeof uploadUrl !== "string" || typeof fileUrl !== "string") {
    throw new GrokError("server", l10n.t("fal's storage did not say where to upload the image. Retry in a moment."), JSON.stringify(answer)?.slice(0, 200));
  }
  // A copy the fetch may own (the caller's view may be of a larger, shared buffer).
  const body = new Uint8Array(bytes.byteLength);
  body.set(bytes);
  const res = await http.fetch(uploadUrl, { method: "PUT", body, headers: { "content-type": contentType }, signal });
  await readAnswer(res, http.maxAnswerBytes);
  return fileUrl;
}
