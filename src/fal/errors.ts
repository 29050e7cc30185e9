/**
 * Every failure the person can meet, as one error type with a kind and a message that says what to
 * do. fal's own errors (FalApiError, shaped like its reference client's ApiError), transport failures
 * and our download checks all end up here; nothing else in the extension inspects fal's error shapes.
 */

import * as l10n from "../l10n";

export type FailureKind =
  | "auth" // the key was refused: set another
  | "validation" // fal refused a field: fix it
  | "contentPolicy" // the prompt was refused: change it (never retried)
  | "rateLimited" // 429 after retries: retry later
  | "server" // 5xx after retries: retry
  | "network" // fal could not be reached: check the connection, retry
  | "download" // the image could not be fetched or was not a whole image: retry saving
  | "notFound" // fal no longer knows the request (or a mistyped proxy answers 404): kept, Discard offered
  | "refused" // fal's answer was refused (an image too large, an address we do not fetch): not retried
  | "settings" // a setting is wrong (grokImagine.proxyUrl): fix it; nothing was sent
  | "cancelled"
  | "failed"; // anything else

/** An HTTP error answer from fal, shaped like the reference client's ApiError / ValidationError. */
export class FalApiError extends Error {
  readonly status: number;
  readonly body: unknown;
  /** fal's `x-fal-request-id`, or "". */
  readonly requestId: string;
  /** `x-fal-request-timeout-type` ("user" when a start timeout the caller set ran out). */
  readonly timeoutType: string | undefined;
  constructor(a: { message: string; status: number; body?: unknown; requestId?: string; timeoutType?: string }) {
    super(a.message);
    // The reference client throws ValidationError for a 422 and ApiError otherwise.
    this.name = a.status === 422 ? "ValidationError" : "ApiError";
    this.status = a.status;
    this.body = a.body;
    this.requestId = a.requestId ?? "";
    this.timeoutType = a.timeoutType;
  }
}

export class GrokError extends Error {
  constructor(
    readonly kind: FailureKind,
    /** One or two sentences for the person: what happened and what to do. */
    message: string,
    /** Details for the log (status, fal's body). */
    readonly detail = "",
    readonly status?: number,
  ) {
    super(message);
    this.name = "GrokError";
  }
  /** Worth a "Retry" button. */
  get retryable(): boolean {
    return this.kind === "rateLimited" || this.kind === "server" || this.kind === "network" || this.kind === "download";
  }
}

interface DetailEntry {
  readonly loc?: readonly unknown[];
  readonly msg?: unknown;
  readonly type?: unknown;
}

function detailEntries(body: unknown): DetailEntry[] {
  if (!body || typeof body !== "object") return [];
  const detail = (body as { detail?: unknown }).detail;
  if (Array.isArray(detail)) return detail.filter((d): d is DetailEntry => !!d && typeof d === "object");
  if (typeof detail === "string") return [{ loc: ["body"], msg: detail, type: "value_error" }];
  return [];
}

function fieldOf(entry: DetailEntry): string {
  const loc = (entry.loc ?? []).filter((p) => p !== "body").map(String);
  return loc.length ? loc.join(".") : "request";
}

function bodyText(body: unknown): string {
  if (body === undefined) return "";
  try {
    return JSON.stringify(body).slice(0, 2000);
  } catch {
    return "(a body that is not JSON)";
  }
}

function isAbort(err: unknown): boolean {
  for (let e = err, i = 0; e && typeof e === "object" && i < 5; e = (e as { cause?: unknown }).cause, i++) {
    const name = (e as { name?: unknown }).name;
    if (name === "AbortError") return true;
  }
  return false;
}

function isNetwork(err: unknown): boolean {
  if (err instanceof TypeError && /fetch failed|network|terminated/i.test(err.message)) return true;
  for (let e = err, i = 0; e && typeof e === "object" && i < 5; e = (e as { cause?: unknown }).cause, i++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && /^(E[A-Z]+|UND_ERR_[A-Z_]+)$/.test(code)) return true;
  }
  return false;
}

/** Maps anything thrown while talking to fal into a GrokError. */
export function toGrokError(err: unknown): GrokError {
  if (err instanceof GrokError) return err;
  if (isAbort(err)) return new GrokError("cancelled", l10n.t("Cancelled."));
  if (err instanceof FalApiError) {
    const status = err.status;
    const body: unknown = err.body;
    const detail = `HTTP ${status} ${err.message}${err.requestId ? ` (request ${err.requestId})` : ""} ${bodyText(body)}`.trim();
    const entries = detailEntries(body);
    const policy = entries.find((e) => e.type === "content_policy_violation");
    if (policy) {
      return new GrokError("contentPolicy", l10n.t("fal's content policy refused this prompt. Change the prompt and try again."), detail, status);
    }
    if (status === 401 || status === 403) {
      return new GrokError("auth", l10n.t('fal refused the API key (HTTP {0}). Set a valid key with "Grok Imagine: Set API Key".', status), detail, status);
    }
    if (status === 422 || status === 400) {
      const parts = entries.map((e) => `${fieldOf(e)}: ${typeof e.msg === "string" ? e.msg : l10n.t("invalid value")}`);
      const what = parts.length ? parts.join("; ") : err.message;
      return new GrokError("validation", l10n.t("fal rejected the request ({0}). Fix the value and try again.", what), detail, status);
    }
    if (status === 404) {
      return new GrokError("notFound", l10n.t("fal answered that it does not know this request (HTTP 404). If you set grokImagine.proxyUrl, check that it is right."), detail, status);
    }
    if (status === 429) {
      return new GrokError("rateLimited", l10n.t("fal is limiting requests right now (HTTP 429). Wait a moment, then retry."), detail, status);
    }
    if (status >= 500) {
      return new GrokError("server", l10n.t("fal had a server error (HTTP {0}). Retry in a moment.", status), detail, status);
    }
    return new GrokError("failed", l10n.t("fal answered HTTP {0}: {1}", status, err.message), detail, status);
  }
  if (isNetwork(err)) {
    const msg = err instanceof Error ? err.message : String(err);
    return new GrokError("network", l10n.t("Could not reach fal: the network or the proxy is down. Check the connection, then retry."), msg);
  }
  const msg = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return new GrokError("failed", l10n.t("Something went wrong: {0}", err instanceof Error ? err.message : String(err)), msg);
}
