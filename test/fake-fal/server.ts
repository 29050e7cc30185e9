/**
 * A local fake of fal.ai's queue + storage API for `xai/grok-imagine-image` (+ `/edit`), reached the way
 * `@fal-ai/client` reaches a fal *proxy*: configure the client with
 *
 *     createFalClient({ credentials: KEY, proxyUrl: { url: fake.url, when: "always" } })
 *
 * and every request goes to `fake.url` with the real target in the `x-fal-target-url` header.
 *
 * Protocol facts mirrored here (read from @fal-ai/client 1.10.1: request.js, queue.js, streaming.js,
 * storage.js, response.js, and from fal's Python client / docs):
 *   - submit:  POST https://queue.fal.run/{owner}/{alias}[/{path}]   (the FULL endpoint id, e.g.
 *              .../xai/grok-imagine-image/edit) → 200 {status:"IN_QUEUE", request_id, response_url,
 *              status_url, cancel_url, queue_position}. The *_url fields point at the app root.
 *   - status:  GET  https://queue.fal.run/{owner}/{alias}/requests/{id}/status?logs=0|1 (app root only,
 *              never the `/edit` path) → 202 while IN_QUEUE/IN_PROGRESS, 200 when COMPLETED.
 *   - stream:  GET  .../requests/{id}/status/stream?logs=0|1 → `text/event-stream`, one `data: {json}\n\n`
 *              event per change (same body as status; `logs` carries only the lines that are new since
 *              the previous event, because the client accumulates them); the server closes the stream
 *              right after the COMPLETED event — the client takes the last event as the final status.
 *   - result:  GET  .../requests/{id} → 200 output JSON + `x-fal-request-id` header (resultResponseHandler
 *              reads the id from that header); a failed request answers its error status/body here.
 *   - cancel:  PUT  .../requests/{id}/cancel → 202 {"status":"CANCELLATION_REQUESTED"} |
 *              400 {"status":"ALREADY_COMPLETED"} | 404 {"status":"NOT_FOUND"}.
 *   - storage: POST https://rest.fal.ai/storage/upload/initiate?storage_type=fal-cdn-v3
 *              {content_type, file_name} → {upload_url, file_url}; then the client PUTs the bytes to
 *              `upload_url` with plain `fetch` — NOT through the proxy and without Authorization — so
 *              upload_url points straight at this server. (>90 MB: `initiate-multipart`, PUT
 *              `{upload_url}/{n}` → {partNumber, etag}, POST `{upload_url}/complete`.)
 *   - sync:    POST https://fal.run/{owner}/{alias}[/{path}] → the output directly (or the error).
 *   - errors:  JSON `{"detail": "..."}` (auth, infra) or `{"detail": [{loc, msg, type, ...}]}` (422,
 *              FastAPI/pydantic); the client turns 422 into `ValidationError`, others into `ApiError`.
 *              Infra failures of a queued request: status COMPLETED with `error` + `error_type`, result
 *              answers `{"detail", "error_type"}` with an `X-Fal-Error-Type` header.
 *   - content_policy_violation: the request goes IN_QUEUE → IN_PROGRESS → COMPLETED (no error on the
 *              status), and `result` answers 422 `{"detail":[{"loc":["body","prompt"],"type":
 *              "content_policy_violation", "msg", "url"}]}` → the client throws `ValidationError`.
 *
 * WHEN VALIDATION HAPPENS (choice, default `validateAt: "run"`): fal's queue accepts any JSON body at
 * submit time; the model app validates it when it runs, so an invalid input is a *successful* submit
 * whose request ends COMPLETED and whose `result` answers the 422 (reported for live fal in
 * TanStack/ai#396: "invalid jobs go IN_PROGRESS → COMPLETED, and the real error (e.g. 422 validation)
 * only surfaces when calling fal.queue.result()"). `validateAt: "submit"` makes submit answer the 422
 * directly instead. The sync route (`fal.run`) always answers the 422 directly.
 *
 * Not verified against live fal (best guesses, documented): the exact `detail` strings of 401/403/404,
 * what `result` answers for a cancelled request (400 {"detail":"Request was cancelled"}), and that
 * `result` on a request not yet completed answers 400 {"detail":"Request is still in progress"}.
 *
 * Prompt markers (handy for manual runs, disable with `promptTriggers: false`): a prompt containing
 * `[fake:content_policy]` ends in a content_policy_violation, `[fake:fail]` in a 500, and
 * `[fake:timeout]` in a gateway timeout (status `error`/`error_type` + 504).
 */
import * as http from "node:http";
import { randomUUID } from "node:crypto";
import type { AddressInfo } from "node:net";
import {
  contentTypeFor,
  deriveImage,
  dimensionsFor,
  dimensionsForRatio,
  extensionFor,
  generateImage,
  hashSeed,
  probeImage,
  reencodeAsOtherFormat,
} from "./images";
import {
  contentPolicyViolation,
  fileDownloadError,
  imageLoadError,
  isRecord,
  jsonInvalidErrors,
  KNOWN_ENDPOINTS,
  validateInput,
  type EndpointKind,
  type NormalizedInput,
  type ValidationErrorEntry,
} from "./validation";

export {
  contentPolicyViolation,
  type NormalizedInput,
  type ValidationErrorEntry,
} from "./validation";
export { dimensionsFor, dimensionsForRatio } from "./images";

// ---------------------------------------------------------------------------------------------------
// Public types
// ---------------------------------------------------------------------------------------------------

export const GENERATE_ENDPOINT = "xai/grok-imagine-image";
export const EDIT_ENDPOINT = "xai/grok-imagine-image/edit";

export type QueueState = "IN_QUEUE" | "IN_PROGRESS" | "COMPLETED";
export type HoldPhase = "none" | "queue" | "run";

/** What a recorded HTTP request was, as the fake understood it. */
export type Operation =
  | "submit"
  | "status"
  | "stream"
  | "result"
  | "cancel"
  | "initiate"
  | "upload"
  | "download"
  | "sync"
  | "control"
  | "unknown";

/** Where a fault applies. `run` = the model run itself fails (the request ends COMPLETED with an error). */
export type FaultTarget =
  | "submit"
  | "status"
  | "stream"
  | "result"
  | "cancel"
  | "initiate"
  | "upload"
  | "download"
  | "sync"
  | "run";

/**
 * - `http`: answer `status` (default 500) with `body` (default: a fal-like body for that status) and
 *   `headers` (429 gets `Retry-After: 1` unless given).
 * - `drop`: destroy the socket without answering (before handling, or after it with `afterHandling`).
 * - `truncate`: send the normal answer's headers (Content-Length = full size unless `honestLength`),
 *   then only `bytes` bytes (default half) and destroy the socket (or end cleanly with `honestLength`).
 * - `wrongType`: downloads: bytes of another image format (or `body`) under the claimed content type;
 *   JSON routes: 200 `text/html`.
 * - `slow`: wait `delayMs` (default 500) before answering; downloads trickle the body over `delayMs`.
 * - `huge`: downloads: a body of `bytes` bytes (default 400 MiB) that starts like the real image and
 *   goes on with zeros, streamed 1 MiB at a time as the client reads it (the fake never holds more
 *   than one chunk), with no Content-Length unless `honestLength` (then the true huge length).
 * - `rewrite`: JSON routes (e.g. `result`): answers `rewrite(body)` instead of the normal body
 *   (in-process tests only: a function cannot travel over `/__fake/inject`).
 */
export type FaultKind = "http" | "drop" | "truncate" | "wrongType" | "slow" | "huge" | "rewrite";

export interface FaultSpec {
  on: FaultTarget;
  kind?: FaultKind;
  status?: number;
  /** object → JSON, string → text/plain, Buffer → raw bytes. */
  body?: unknown;
  headers?: Record<string, string>;
  /** How many matching requests it applies to (default 1); `Infinity` until removed / reset. */
  times?: number;
  delayMs?: number;
  /** `http`/`drop`: let the normal handler run first (side effects happen: e.g. the job is created). */
  afterHandling?: boolean;
  /** `truncate`: announce the truncated length, i.e. a "successful" transfer of a cut file. */
  honestLength?: boolean;
  /** `truncate`: number of body bytes to send (default: half). `huge`: the body's size (default 400 MiB). */
  bytes?: number;
  /** `rewrite`: the answer's new JSON body, from the normal one. */
  rewrite?: (body: unknown) => unknown;
  /** `run`: the status' `error` string (fal sets it for gateway/infra failures). */
  error?: string;
  /** `run`: the status' `error_type` (e.g. `request_timeout`, `runner_disconnected`). */
  errorType?: string;
  /** Restrict the fault to some requests. */
  match?: { requestId?: string; endpoint?: string; pathIncludes?: string };
}

export interface InjectedFault {
  readonly id: number;
  readonly spec: FaultSpec;
  readonly remaining: number;
  readonly hits: number;
  remove(): void;
}

export interface RequestLog {
  message: string;
  level: "STDERR" | "STDOUT" | "ERROR" | "INFO" | "WARN" | "DEBUG";
  source: "USER";
  timestamp: string;
}

export interface RecordedRequest {
  seq: number;
  /** performance.now() when the request arrived. */
  at: number;
  atEpochMs: number;
  method: string;
  /** Path + query the request hit on the fake itself (e.g. `/fal-proxy`). */
  rawUrl: string;
  /** True when it came through the proxy path (with or without `x-fal-target-url`). */
  proxied: boolean;
  targetUrl: string | null;
  host: string | null;
  path: string;
  query: Record<string, string>;
  /** All request headers, lower-cased names, nothing removed. */
  headers: http.IncomingHttpHeaders;
  /** The `<key>` of `Authorization: Key <key>`, or null. */
  key: string | null;
  /** Parsed JSON body, or undefined (no body / not JSON). */
  body: unknown;
  rawBody: Buffer;
  bodyParseError: string | null;
  operation: Operation;
  requestId: string | null;
  endpointId: string | null;
  /** Status sent (null when the connection was dropped before an answer). */
  responseStatus: number | null;
  fault: FaultSpec | null;
  /** The client closed the connection before the answer was complete (it aborted the request). */
  closedByClient: boolean;
}

export interface SubmitRecord {
  at: number;
  atEpochMs: number;
  endpointId: string;
  body: unknown;
  key: string | null;
  /** null when the submit was rejected (422 with `validateAt: "submit"`, unknown endpoint...). */
  requestId: string | null;
  responseStatus: number;
}

export interface CancelRecord {
  at: number;
  atEpochMs: number;
  requestId: string;
  appId: string;
  stateBefore: QueueState | null;
  responseStatus: number;
  outcome: "CANCELLATION_REQUESTED" | "ALREADY_COMPLETED" | "NOT_FOUND";
}

export interface UploadRecord {
  id: string;
  fileName: string;
  /** content_type sent to `initiate`. */
  declaredContentType: string;
  /** Content-Type header of the PUT (null until uploaded). */
  contentType: string | null;
  /** Bytes received (null until uploaded). */
  bytes: Buffer | null;
  fileUrl: string;
  uploadUrl: string;
  multipart: boolean;
  initiatedAt: number;
  uploadedAt: number | null;
}

export interface DownloadRecord {
  at: number;
  atEpochMs: number;
  key: string;
  url: string;
  requestId: string | null;
  status: number | null;
  fault: FaultSpec | null;
}

export interface InputImageRecord {
  index: number;
  url: string;
  source: "upload" | "file" | "data-uri" | "unresolved";
  /** Decoded bytes the "model" received (null if the URL could not be resolved). */
  bytes: Buffer | null;
  contentType: string | null;
}

export interface OutputImage {
  url: string;
  content_type: string;
  file_name: string;
  file_size: number;
  width: number;
  height: number;
}

export interface ImageResult {
  images: OutputImage[];
  revised_prompt: string;
}

export interface JobError {
  status: number;
  body: unknown;
  headers: Record<string, string>;
  /** `error` on the COMPLETED status (infra failures only). */
  statusError: string | null;
  statusErrorType: string | null;
}

export interface FakeJob {
  readonly requestId: string;
  /** Full endpoint id, e.g. `xai/grok-imagine-image/edit`. */
  readonly endpointId: string;
  /** App root used by status/result/cancel, e.g. `xai/grok-imagine-image`. */
  readonly appId: string;
  readonly kind: EndpointKind;
  readonly mode: "queue" | "sync";
  readonly key: string | null;
  /** The body as received. */
  readonly rawInput: unknown;
  /** The input after validation/defaults (null when invalid). */
  readonly input: NormalizedInput | null;
  readonly validationErrors: ValidationErrorEntry[] | null;
  readonly inputImages: InputImageRecord[];
  readonly state: QueueState;
  readonly outcome: "pending" | "ok" | "error" | "cancelled";
  readonly queuePosition: number;
  readonly logs: RequestLog[];
  readonly held: "queue" | "run" | null;
  readonly submittedAt: number;
  readonly submittedAtEpochMs: number;
  readonly startedAt: number | null;
  /** performance.now() at the instant the status became COMPLETED (same tick the stream pushed it). */
  readonly completedAt: number | null;
  readonly completedAtEpochMs: number | null;
  readonly cancelRequestedAt: number | null;
  readonly result: ImageResult | null;
  readonly error: JobError | null;
  /** Encoded output bytes (also kept for `sync_mode`, whose URLs are data URIs). */
  readonly outputs: ReadonlyArray<{ bytes: Buffer; contentType: string; width: number; height: number }>;
}

export interface FakeFalOptions {
  /** Default 0 (ephemeral). */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Path of the proxy endpoint, default `/fal-proxy`. */
  proxyPath?: string;
  /** If set, only this key is accepted (others → 401). */
  acceptKey?: string;
  /** Keys answered 401 `No user found for Key ID and Secret`. */
  rejectKeys?: string[];
  /** Keys answered 403 (account locked / exhausted balance). */
  lockedKeys?: string[];
  /** Time spent IN_QUEUE (default 50 ms). */
  queueMs?: number;
  /** Time spent IN_PROGRESS (default 100 ms). COMPLETED also waits for the images to be encoded. */
  runMs?: number;
  /**
   * Time spent IN_PROGRESS by one request, from its prompt (fal-like spread for benchmarks); undefined
   * falls back to `runMs`. In-process only (a function cannot travel over `/__fake/*`).
   */
  runMsFor?: (prompt: string) => number | undefined;
  /** Number of IN_QUEUE snapshots, queue_position counting down to 0 (default 2: positions 1, 0). */
  queueSteps?: number;
  /** Hold new requests in a phase until `release()` (default "none"). */
  hold?: HoldPhase;
  /** See the module comment (default "run"). */
  validateAt?: "run" | "submit";
  /** PUT cancel on an IN_PROGRESS request: "honor" ends it cancelled (default), "ignore" lets it finish. */
  cancelInProgress?: "honor" | "ignore";
  /** Seed of generated pictures: per request id (default) or per prompt (cache hits across runs). */
  imageSeed?: "request" | "prompt";
  /** Honour `[fake:...]` markers in prompts (default true). */
  promptTriggers?: boolean;
  /** Receives one line per request (for the CLI). */
  log?: (line: string) => void;
}

export interface Timing {
  queueMs: number;
  runMs: number;
  queueSteps: number;
}

export type FakeEvent = "submit" | "state" | "completed";

export interface FakeFal {
  /** Proxy URL for `proxyUrl: { url, when: "always" }`, e.g. `http://127.0.0.1:PORT/fal-proxy`. */
  readonly url: string;
  /** `http://127.0.0.1:PORT`. */
  readonly origin: string;
  readonly port: number;
  /** Every HTTP request, in arrival order. */
  readonly requests: readonly RecordedRequest[];
  readonly submits: readonly SubmitRecord[];
  readonly cancels: readonly CancelRecord[];
  readonly uploads: readonly UploadRecord[];
  readonly downloads: readonly DownloadRecord[];
  /** Jobs by request id (queue and sync). */
  readonly jobs: ReadonlyMap<string, FakeJob>;
  /** Distinct keys seen in `Authorization: Key ...`, in first-seen order. */
  readonly keysSeen: readonly string[];
  readonly lastKey: string | null;
  readonly faults: readonly InjectedFault[];
  readonly timing: Readonly<Timing>;

  /** Adds a fault (see FaultSpec). */
  inject(spec: FaultSpec): InjectedFault;
  /** Shortcut: the next run (optionally of one request) ends in a 422 content_policy_violation. */
  injectContentPolicyViolation(options?: { loc?: Array<string | number>; requestId?: string; times?: number }): InjectedFault;
  clearFaults(): void;
  /** Hold requests submitted from now on in a phase ("none" stops holding new ones). */
  hold(phase: HoldPhase): void;
  /** Lets held requests proceed now (queue → IN_PROGRESS, run → COMPLETED). Returns how many moved. */
  release(requestId?: string): number;
  setTiming(timing: Partial<Timing>): void;
  /** Resolves with the first job (existing or future) matching `predicate`. */
  waitForJob(predicate?: (job: FakeJob) => boolean, timeoutMs?: number): Promise<FakeJob>;
  /** Resolves once the job has reached `state` (immediately if it already has). */
  waitForState(requestId: string, state: QueueState, timeoutMs?: number): Promise<FakeJob>;
  /** Subscribes to job events (listeners run synchronously); returns the unsubscribe function. */
  on(event: FakeEvent, listener: (job: FakeJob) => void): () => void;
  /** Serves `bytes` at a fake file URL (as if uploaded earlier) and returns that URL. */
  storeFile(bytes: Buffer, contentType: string, fileName?: string): string;
  /** Clears records, jobs (timers stopped, streams ended), files, uploads, faults, hold and timing. */
  reset(): void;
  /** Stops the server, ending open connections and streams. */
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------------
// Internals
// ---------------------------------------------------------------------------------------------------

const QUEUE_HOST = "queue.fal.run";
const RUN_HOST = "fal.run";
const REST_HOSTS = ["rest.fal.ai", "rest.alpha.fal.ai"];
const NAMESPACES = ["workflows", "comfy"];
const STATE_ORDER: Record<QueueState, number> = { IN_QUEUE: 0, IN_PROGRESS: 1, COMPLETED: 2 };

interface Reply {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

interface StoredFile {
  bytes: Buffer;
  contentType: string;
  fileName: string;
  requestId: string | null;
}

interface Prepared {
  ok: boolean;
  errors: ValidationErrorEntry[];
  images: Array<{ bytes: Buffer; width: number; height: number }>;
}

interface FaultEntry {
  id: number;
  spec: FaultSpec;
  remaining: number;
  hits: number;
}

interface FaultContext {
  requestId: string | null;
  endpointId: string | null;
  path: string;
}

class Job implements FakeJob {
  state: QueueState = "IN_QUEUE";
  outcome: "pending" | "ok" | "error" | "cancelled" = "pending";
  queuePosition: number;
  logs: RequestLog[] = [];
  held: "queue" | "run" | null;
  startedAt: number | null = null;
  completedAt: number | null = null;
  completedAtEpochMs: number | null = null;
  cancelRequestedAt: number | null = null;
  result: ImageResult | null = null;
  error: JobError | null = null;
  outputs: Array<{ bytes: Buffer; contentType: string; width: number; height: number }> = [];
  inputImages: InputImageRecord[] = [];
  readonly submittedAt = performance.now();
  readonly submittedAtEpochMs = Date.now();
  /** internal */
  timers = new Set<NodeJS.Timeout>();
  listeners = new Set<() => void>();
  prepared: Promise<Prepared> = Promise.resolve({ ok: true, errors: [], images: [] });
  finishing = false;

  constructor(
    readonly requestId: string,
    readonly endpointId: string,
    readonly appId: string,
    readonly kind: EndpointKind,
    readonly mode: "queue" | "sync",
    readonly key: string | null,
    readonly rawInput: unknown,
    readonly input: NormalizedInput | null,
    readonly validationErrors: ValidationErrorEntry[] | null,
    queuePosition: number,
    held: "queue" | "run" | null,
  ) {
    this.queuePosition = queuePosition;
    this.held = held;
  }
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Reply {
  return {
    status,
    headers: { "content-type": "application/json", ...headers },
    body: Buffer.from(JSON.stringify(body)),
  };
}

function text(status: number, body: string, headers: Record<string, string> = {}): Reply {
  return { status, headers: { "content-type": "text/plain; charset=utf-8", ...headers }, body: Buffer.from(body) };
}

function bodyReply(status: number, body: unknown, headers: Record<string, string>): Reply {
  if (Buffer.isBuffer(body)) {
    return { status, headers: { "content-type": "application/octet-stream", ...headers }, body };
  }
  if (typeof body === "string") {
    return text(status, body, headers);
  }
  return json(status, body, headers);
}

/** fal-like default bodies for injected HTTP errors. */
function defaultErrorBody(status: number): unknown {
  switch (status) {
    case 400:
      return { detail: "Bad Request" };
    case 401:
      return { detail: "No user found for Key ID and Secret" };
    case 403:
      return { detail: "User is locked. Reason: Exhausted balance. Top up your balance at fal.ai/dashboard/billing." };
    case 404:
      return { detail: "Not Found" };
    case 422:
      return { detail: [{ loc: ["body"], msg: "Invalid input", type: "value_error" }] };
    case 429:
      return { detail: "Too many requests. Please slow down." };
    case 502:
      return { detail: "Bad Gateway" };
    case 503:
      return { detail: "Service Unavailable", error_type: "runner_scheduling_failure" };
    case 504:
      return { detail: "Request timed out", error_type: "request_timeout" };
    default:
      return { detail: "Internal Server Error" };
  }
}

function parseKey(header: string | undefined): string | null {
  if (header === undefined) {
    return null;
  }
  const match = /^Key\s+(.+)$/i.exec(header.trim());
  return match?.[1] !== undefined ? match[1].trim() : null;
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function sanitizeFileName(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9._-]+/g, "_").replace(/^_+|_+$/g, "");
  return cleaned.length > 0 ? cleaned.slice(0, 120) : "file.bin";
}

function decodeDataUri(uri: string): { bytes: Buffer; contentType: string } | null {
  const match = /^data:([^;,]*)((?:;[^;,]*)*),(.*)$/s.exec(uri);
  if (match === null) {
    return null;
  }
  const contentType = match[1] !== undefined && match[1] !== "" ? match[1] : "text/plain";
  const params = match[2] ?? "";
  const data = match[3] ?? "";
  try {
    const bytes = params.includes(";base64") ? Buffer.from(data, "base64") : Buffer.from(decodeURIComponent(data), "latin1");
    return { bytes, contentType };
  } catch {
    return null;
  }
}

/** (A function so TypeScript does not keep a narrowing of `state` across `await`.) */
function isCompleted(job: FakeJob): boolean {
  return job.state === "COMPLETED";
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Size of a `huge` fault's body unless given: 400 MiB, the figure of issue 12. */
export const HUGE_DEFAULT_BYTES = 400 * 1024 * 1024;
const HUGE_CHUNK_BYTES = 1024 * 1024;

/**
 * Streams `total` bytes: the real image's first bytes, then zeros. One chunk buffer is reused and
 * each write waits for `drain`, so the fake's memory stays at about a chunk whatever `total` is.
 */
async function streamHuge(res: http.ServerResponse, reply: Reply, total: number, honestLength: boolean): Promise<void> {
  const headers: Record<string, string> = { ...reply.headers };
  if (honestLength) headers["content-length"] = String(total);
  res.writeHead(reply.status, headers);
  // The first chunk carries the image's start; every later one is the same (never changed) zeros.
  const first = Buffer.alloc(HUGE_CHUNK_BYTES);
  reply.body.copy(first, 0, 0, Math.min(reply.body.length, HUGE_CHUNK_BYTES));
  const zeros = Buffer.alloc(HUGE_CHUNK_BYTES);
  let sent = 0;
  while (sent < total && !res.destroyed) {
    const n = Math.min(HUGE_CHUNK_BYTES, total - sent);
    const chunk = sent === 0 ? first : zeros;
    const ok = res.write(n === HUGE_CHUNK_BYTES ? chunk : chunk.subarray(0, n));
    sent += n;
    if (!ok) {
      await new Promise<void>((resolve) => {
        const done = () => {
          res.off("drain", done);
          res.off("close", done);
          resolve();
        };
        res.on("drain", done);
        res.on("close", done);
      });
    }
  }
  if (!res.destroyed) res.end();
}

class FakeFalServer implements FakeFal {
  readonly requests: RecordedRequest[] = [];
  readonly submits: SubmitRecord[] = [];
  readonly cancels: CancelRecord[] = [];
  readonly uploads: UploadRecord[] = [];
  readonly downloads: DownloadRecord[] = [];
  readonly jobs = new Map<string, Job>();
  readonly keysSeen: string[] = [];
  lastKey: string | null = null;
  timing: Timing;

  private faultEntries: FaultEntry[] = [];
  private nextFaultId = 1;
  private seq = 0;
  private holdPhase: HoldPhase;
  private files = new Map<string, StoredFile>();
  private pendingUploads = new Map<string, UploadRecord>();
  private multipartParts = new Map<string, Map<number, Buffer>>();
  private streams = new Set<http.ServerResponse>();
  private listeners: Record<FakeEvent, Set<(job: FakeJob) => void>> = {
    submit: new Set(),
    state: new Set(),
    completed: new Set(),
  };
  private closed = false;
  private readonly proxyPath: string;
  origin = "";
  url = "";
  port = 0;

  constructor(
    private readonly server: http.Server,
    private readonly options: FakeFalOptions,
  ) {
    this.proxyPath = options.proxyPath ?? "/fal-proxy";
    this.timing = this.defaultTiming();
    this.holdPhase = options.hold ?? "none";
  }

  private defaultTiming(): Timing {
    return {
      queueMs: this.options.queueMs ?? 50,
      runMs: this.options.runMs ?? 100,
      queueSteps: Math.max(1, Math.floor(this.options.queueSteps ?? 2)),
    };
  }

  setAddress(address: AddressInfo): void {
    const host = address.address.includes(":") ? `[${address.address}]` : address.address;
    this.port = address.port;
    this.origin = `http://${host}:${address.port}`;
    this.url = `${this.origin}${this.proxyPath}`;
  }

  // ---------------------------------------------------------------- public API

  get faults(): InjectedFault[] {
    return this.faultEntries.map((entry) => this.faultHandle(entry));
  }

  private faultHandle(entry: FaultEntry): InjectedFault {
    return {
      id: entry.id,
      spec: entry.spec,
      get remaining() {
        return entry.remaining;
      },
      get hits() {
        return entry.hits;
      },
      remove: () => {
        this.faultEntries = this.faultEntries.filter((e) => e !== entry);
      },
    };
  }

  inject(spec: FaultSpec): InjectedFault {
    const entry: FaultEntry = { id: this.nextFaultId++, spec, remaining: spec.times ?? 1, hits: 0 };
    this.faultEntries.push(entry);
    return this.faultHandle(entry);
  }

  injectContentPolicyViolation(
    options: { loc?: Array<string | number>; requestId?: string; times?: number } = {},
  ): InjectedFault {
    return this.inject({
      on: "run",
      status: 422,
      body: { detail: [contentPolicyViolation(options.loc ?? ["body", "prompt"])] },
      ...(options.times !== undefined ? { times: options.times } : {}),
      ...(options.requestId !== undefined ? { match: { requestId: options.requestId } } : {}),
    });
  }

  clearFaults(): void {
    this.faultEntries = [];
  }

  hold(phase: HoldPhase): void {
    this.holdPhase = phase;
  }

  release(requestId?: string): number {
    let moved = 0;
    for (const job of this.jobs.values()) {
      if (requestId !== undefined && job.requestId !== requestId) {
        continue;
      }
      if (job.held === null || job.state === "COMPLETED") {
        continue;
      }
      const phase = job.held;
      job.held = null;
      moved++;
      if (phase === "queue" && job.state === "IN_QUEUE") {
        this.clearTimers(job);
        this.startRun(job);
      } else if (phase === "run" && job.state === "IN_PROGRESS") {
        this.finishLater(job);
      }
    }
    return moved;
  }

  setTiming(timing: Partial<Timing>): void {
    this.timing = { ...this.timing, ...timing };
    this.timing.queueSteps = Math.max(1, Math.floor(this.timing.queueSteps));
  }

  on(event: FakeEvent, listener: (job: FakeJob) => void): () => void {
    this.listeners[event].add(listener);
    return () => this.listeners[event].delete(listener);
  }

  waitForJob(predicate: (job: FakeJob) => boolean = () => true, timeoutMs = 5000): Promise<FakeJob> {
    for (const job of this.jobs.values()) {
      if (predicate(job)) {
        return Promise.resolve(job);
      }
    }
    return this.waitUntil(
      (job) => predicate(job),
      timeoutMs,
      "waitForJob: no matching job",
    );
  }

  waitForState(requestId: string, state: QueueState, timeoutMs = 5000): Promise<FakeJob> {
    const reached = (job: FakeJob): boolean =>
      job.requestId === requestId && STATE_ORDER[job.state] >= STATE_ORDER[state];
    const existing = this.jobs.get(requestId);
    if (existing !== undefined && reached(existing)) {
      return Promise.resolve(existing);
    }
    return this.waitUntil(reached, timeoutMs, `waitForState: ${requestId} did not reach ${state}`);
  }

  private waitUntil(predicate: (job: FakeJob) => boolean, timeoutMs: number, message: string): Promise<FakeJob> {
    return new Promise((resolve, reject) => {
      const offs: Array<() => void> = [];
      const timer = setTimeout(() => {
        offs.forEach((off) => off());
        reject(new Error(`${message} within ${timeoutMs} ms`));
      }, timeoutMs);
      timer.unref();
      const check = (job: FakeJob): void => {
        if (predicate(job)) {
          clearTimeout(timer);
          offs.forEach((off) => off());
          resolve(job);
        }
      };
      offs.push(this.on("submit", check), this.on("state", check));
    });
  }

  storeFile(bytes: Buffer, contentType: string, fileName = "file.bin"): string {
    const key = `${randomUUID().slice(0, 8)}/${sanitizeFileName(fileName)}`;
    this.files.set(key, { bytes, contentType, fileName, requestId: null });
    return `${this.origin}/files/${key}`;
  }

  reset(): void {
    for (const job of this.jobs.values()) {
      this.clearTimers(job);
      job.listeners.clear();
    }
    for (const res of this.streams) {
      res.end();
    }
    this.streams.clear();
    this.jobs.clear();
    this.files.clear();
    this.pendingUploads.clear();
    this.multipartParts.clear();
    this.requests.length = 0;
    this.submits.length = 0;
    this.cancels.length = 0;
    this.uploads.length = 0;
    this.downloads.length = 0;
    this.keysSeen.length = 0;
    this.lastKey = null;
    this.faultEntries = [];
    this.holdPhase = this.options.hold ?? "none";
    this.timing = this.defaultTiming();
  }

  close(): Promise<void> {
    if (this.closed) {
      return Promise.resolve();
    }
    this.closed = true;
    this.reset();
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  // ---------------------------------------------------------------- events / jobs

  private emit(event: FakeEvent, job: Job): void {
    for (const listener of [...this.listeners[event]]) {
      listener(job);
    }
  }

  /** Tells streams and waiters that the job changed. */
  private notify(job: Job): void {
    for (const listener of [...job.listeners]) {
      listener();
    }
    this.emit("state", job);
  }

  private clearTimers(job: Job): void {
    for (const timer of job.timers) {
      clearTimeout(timer);
    }
    job.timers.clear();
  }

  private schedule(job: Job, ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      job.timers.delete(timer);
      fn();
    }, Math.max(0, ms));
    job.timers.add(timer);
  }

  private addLog(job: Job, message: string, level: RequestLog["level"] = "INFO"): void {
    job.logs.push({ message, level, source: "USER", timestamp: new Date().toISOString() });
  }

  private queueUrls(job: Job): Record<string, string> {
    const base = `https://${QUEUE_HOST}/${job.appId}/requests/${job.requestId}`;
    return { response_url: base, status_url: `${base}/status`, cancel_url: `${base}/cancel` };
  }

  private statusBody(job: Job, logs: RequestLog[] | null): Record<string, unknown> {
    const base: Record<string, unknown> = { status: job.state, request_id: job.requestId, ...this.queueUrls(job) };
    if (job.state === "IN_QUEUE") {
      return { ...base, queue_position: job.queuePosition };
    }
    if (job.state === "IN_PROGRESS") {
      return { ...base, logs };
    }
    const inference =
      job.startedAt !== null && job.completedAt !== null ? (job.completedAt - job.startedAt) / 1000 : null;
    const body: Record<string, unknown> = { ...base, logs, metrics: { inference_time: inference } };
    if (job.error?.statusError !== null && job.error?.statusError !== undefined) {
      body["error"] = job.error.statusError;
      body["error_type"] = job.error.statusErrorType;
    }
    return body;
  }

  private startQueue(job: Job): void {
    if (job.held === "queue") {
      return;
    }
    const { queueMs, queueSteps } = this.timing;
    const stepMs = queueMs / queueSteps;
    for (let i = 1; i < queueSteps; i++) {
      const position = queueSteps - 1 - i;
      this.schedule(job, stepMs * i, () => {
        if (job.state === "IN_QUEUE") {
          job.queuePosition = position;
          this.notify(job);
        }
      });
    }
    this.schedule(job, queueMs, () => {
      if (job.state === "IN_QUEUE" && job.held !== "queue") {
        this.startRun(job);
      }
    });
  }

  private startRun(job: Job): void {
    job.state = "IN_PROGRESS";
    job.queuePosition = 0;
    job.startedAt = performance.now();
    this.addLog(job, `Starting ${job.endpointId} on runner fake-0`);
    this.notify(job);
    if (job.input === null) {
      // Invalid input: the app rejects it as soon as it runs.
      this.finishLater(job);
      return;
    }
    const n = job.input.num_images;
    const runMs = this.options.runMsFor?.(job.input.prompt) ?? this.timing.runMs;
    for (let i = 1; i <= n; i++) {
      this.schedule(job, (runMs * i) / (n + 1), () => {
        if (job.state === "IN_PROGRESS") {
          this.addLog(job, `Generating image ${i}/${n} (${job.input?.resolution ?? "1k"}, ${job.input?.output_format ?? "jpeg"})`);
          this.notify(job);
        }
      });
    }
    this.schedule(job, runMs, () => {
      if (job.state === "IN_PROGRESS" && job.held !== "run") {
        this.finishLater(job);
      }
    });
  }

  /** Waits for the images, decides the outcome, stores the files, then flips to COMPLETED. */
  /** {@link finish} from a timer: a failure there is the fake's own bug, so it is printed. */
  private finishLater(job: Job): void {
    this.finish(job).catch((err: unknown) => console.error("fake fal: finishing a job failed", err));
  }

  private async finish(job: Job): Promise<void> {
    if (job.finishing || job.state === "COMPLETED") {
      return;
    }
    job.finishing = true;
    const prepared = await job.prepared;
    if (isCompleted(job) || !this.jobs.has(job.requestId)) {
      return;
    }
    const error = this.decideError(job, prepared);
    if (error !== null) {
      job.error = error;
      job.outcome = "error";
      this.addLog(job, `Request failed with status ${error.status}`, "ERROR");
    } else {
      this.storeOutputs(job, prepared);
      job.outcome = "ok";
      this.addLog(job, `Generated ${prepared.images.length} image(s)`);
    }
    this.complete(job);
  }

  private complete(job: Job): void {
    this.clearTimers(job);
    job.state = "COMPLETED";
    job.held = null;
    job.completedAt = performance.now();
    job.completedAtEpochMs = Date.now();
    this.notify(job);
    this.emit("completed", job);
  }

  private decideError(job: Job, prepared: Prepared): JobError | null {
    if (job.validationErrors !== null) {
      return { status: 422, body: { detail: job.validationErrors }, headers: {}, statusError: null, statusErrorType: null };
    }
    if (!prepared.ok) {
      return { status: 422, body: { detail: prepared.errors }, headers: {}, statusError: null, statusErrorType: null };
    }
    const fault = this.takeFault("run", { requestId: job.requestId, endpointId: job.endpointId, path: "" });
    if (fault !== null) {
      const status = fault.status ?? 500;
      const errorType = fault.errorType ?? null;
      const statusError = fault.error ?? null;
      const headers: Record<string, string> = { ...(fault.headers ?? {}) };
      if (errorType !== null) {
        headers["x-fal-error-type"] = errorType;
      }
      const body =
        fault.body !== undefined
          ? fault.body
          : statusError !== null || errorType !== null
            ? { detail: statusError ?? "Request failed", error_type: errorType }
            : defaultErrorBody(status);
      return { status, body, headers, statusError, statusErrorType: errorType };
    }
    const prompt = job.input?.prompt ?? "";
    if (this.options.promptTriggers !== false) {
      if (prompt.includes("[fake:content_policy]")) {
        return {
          status: 422,
          body: { detail: [contentPolicyViolation(["body", "prompt"], prompt)] },
          headers: {},
          statusError: null,
          statusErrorType: null,
        };
      }
      if (prompt.includes("[fake:fail]")) {
        return { status: 500, body: { detail: "Internal Server Error" }, headers: {}, statusError: null, statusErrorType: null };
      }
      if (prompt.includes("[fake:timeout]")) {
        return {
          status: 504,
          body: { detail: "Request timed out", error_type: "request_timeout" },
          headers: { "x-fal-error-type": "request_timeout" },
          statusError: "Request timed out",
          statusErrorType: "request_timeout",
        };
      }
    }
    return null;
  }

  private storeOutputs(job: Job, prepared: Prepared): void {
    const input = job.input;
    if (input === null) {
      return;
    }
    const format = input.output_format;
    const contentType = contentTypeFor(format);
    const ext = extensionFor(format);
    const images: OutputImage[] = [];
    prepared.images.forEach((image, index) => {
      const fileName = `${job.requestId.slice(0, 8)}_${index}.${ext}`;
      job.outputs.push({ bytes: image.bytes, contentType, width: image.width, height: image.height });
      let url: string;
      if (input.sync_mode) {
        url = `data:${contentType};base64,${image.bytes.toString("base64")}`;
      } else {
        const key = `${job.requestId}/${fileName}`;
        this.files.set(key, { bytes: image.bytes, contentType, fileName, requestId: job.requestId });
        url = `${this.origin}/files/${key}`;
      }
      images.push({
        url,
        content_type: contentType,
        file_name: fileName,
        file_size: image.bytes.length,
        width: image.width,
        height: image.height,
      });
    });
    const revised =
      job.kind === "edit"
        ? `Edited per instruction: ${input.prompt}`
        : `${input.prompt.trim()} — rendered in rich detail with cinematic lighting.`;
    job.result = { images, revised_prompt: revised };
  }

  /** Resolves edit inputs synchronously (recorded at submit), then encodes the outputs. */
  private prepare(job: Job): Promise<Prepared> {
    const input = job.input;
    if (input === null) {
      return Promise.resolve({ ok: false, errors: [], images: [] });
    }
    if (job.kind === "edit") {
      job.inputImages = input.image_urls.map((url, index) => this.resolveInputImage(url, index));
    }
    const seedBase = this.options.imageSeed === "prompt" ? `${job.endpointId}|${input.prompt}` : job.requestId;
    return (async (): Promise<Prepared> => {
      const errors: ValidationErrorEntry[] = [];
      const sources: Array<{ bytes: Buffer; width: number; height: number }> = [];
      for (const image of job.inputImages) {
        if (image.bytes === null) {
          errors.push(fileDownloadError(image.index, image.url));
          continue;
        }
        const probe = await probeImage(image.bytes);
        if (probe === null) {
          errors.push(imageLoadError(image.index, image.url));
          continue;
        }
        sources.push({ bytes: image.bytes, width: probe.width, height: probe.height });
      }
      if (errors.length > 0) {
        return { ok: false, errors, images: [] };
      }
      const format = input.output_format;
      const first = sources[0];
      // An edit's `auto` ratio (its default) keeps the first image's; any other ratio is made as asked.
      const ratio = input.aspect_ratio ?? "auto";
      const size =
        ratio === "auto" && first !== undefined
          ? dimensionsForRatio(first.width, first.height, input.resolution)
          : dimensionsFor(ratio === "auto" ? "1:1" : ratio, input.resolution);
      const images = await Promise.all(
        Array.from({ length: input.num_images }, async (_, index) => {
          const bytes =
            first !== undefined
              ? await deriveImage(sources[index % sources.length]?.bytes ?? first.bytes, format, size.width, size.height, index)
              : await generateImage(format, size.width, size.height, hashSeed(`${seedBase}#${index}`));
          return { bytes, width: size.width, height: size.height };
        }),
      );
      return { ok: true, errors: [], images };
    })().catch((error: unknown): Prepared => ({
      ok: false,
      errors: [{ loc: ["body"], msg: `fake could not encode images: ${String(error)}`, type: "internal_error" }],
      images: [],
    }));
  }

  private resolveInputImage(url: string, index: number): InputImageRecord {
    if (url.startsWith("data:")) {
      const decoded = decodeDataUri(url);
      return {
        index,
        url,
        source: decoded === null ? "unresolved" : "data-uri",
        bytes: decoded?.bytes ?? null,
        contentType: decoded?.contentType ?? null,
      };
    }
    const prefix = `${this.origin}/files/`;
    if (url.startsWith(prefix)) {
      const key = decodeURIComponent(url.slice(prefix.length).split(/[?#]/)[0] ?? "");
      const file = this.files.get(key);
      if (file !== undefined) {
        const fromUpload = this.uploads.some((u) => u.fileUrl === url);
        return { index, url, source: fromUpload ? "upload" : "file", bytes: file.bytes, contentType: file.contentType };
      }
    }
    // Anything else (including real internet URLs: tests never go online) cannot be downloaded.
    return { index, url, source: "unresolved", bytes: null, contentType: null };
  }

  private createJob(
    endpointId: string,
    appId: string,
    kind: EndpointKind,
    mode: "queue" | "sync",
    key: string | null,
    rawInput: unknown,
    input: NormalizedInput | null,
    errors: ValidationErrorEntry[] | null,
  ): Job {
    const held = mode === "queue" && this.holdPhase !== "none" ? this.holdPhase : null;
    const job = new Job(
      randomUUID(),
      endpointId,
      appId,
      kind,
      mode,
      key,
      rawInput,
      input,
      errors,
      this.timing.queueSteps - 1,
      held,
    );
    job.prepared = this.prepare(job);
    this.jobs.set(job.requestId, job);
    return job;
  }

  // ---------------------------------------------------------------- faults

  private takeFault(target: FaultTarget, ctx: FaultContext): FaultSpec | null {
    for (const entry of this.faultEntries) {
      const { spec } = entry;
      if (spec.on !== target || entry.remaining <= 0) {
        continue;
      }
      const match = spec.match;
      if (match !== undefined) {
        if (match.requestId !== undefined && match.requestId !== ctx.requestId) {
          continue;
        }
        if (match.endpoint !== undefined && match.endpoint !== ctx.endpointId) {
          continue;
        }
        if (match.pathIncludes !== undefined && !ctx.path.includes(match.pathIncludes)) {
          continue;
        }
      }
      entry.remaining--;
      entry.hits++;
      if (entry.remaining <= 0) {
        this.faultEntries = this.faultEntries.filter((e) => e !== entry);
      }
      return spec;
    }
    return null;
  }

  private faultReply(spec: FaultSpec, requestId: string | null): Reply {
    const status = spec.status ?? 500;
    const headers: Record<string, string> = {};
    if (status === 429) {
      headers["retry-after"] = "1";
    }
    if (requestId !== null) {
      headers["x-fal-request-id"] = requestId;
    }
    Object.assign(headers, spec.headers ?? {});
    return bodyReply(status, spec.body !== undefined ? spec.body : defaultErrorBody(status), headers);
  }

  // ---------------------------------------------------------------- HTTP plumbing

  async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) {
      chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
    }
    const rawBody = Buffer.concat(chunks);
    const rawUrl = req.url ?? "/";
    const local = new URL(rawUrl, "http://fake.local");
    const method = (req.method ?? "GET").toUpperCase();
    const proxied = local.pathname === this.proxyPath;
    const targetHeader = headerValue(req.headers["x-fal-target-url"]);
    const key = parseKey(headerValue(req.headers["authorization"]));
    if (key !== null) {
      this.lastKey = key;
      if (!this.keysSeen.includes(key)) {
        this.keysSeen.push(key);
      }
    }

    let target: URL | null = null;
    if (proxied && targetHeader !== undefined) {
      try {
        target = new URL(targetHeader);
      } catch {
        target = null;
      }
    }
    // A target pointing back at this server (e.g. an upload_url sent through the proxy) is served directly.
    const selfTarget = target !== null && `${target.protocol}//${target.host}` === this.origin;
    const effective = target ?? local;

    let body: unknown = undefined;
    let bodyParseError: string | null = null;
    const contentType = headerValue(req.headers["content-type"]) ?? "";
    const isUpload = effective.pathname.startsWith("/upload/");
    if (rawBody.length > 0 && !isUpload && (contentType.includes("json") || proxied)) {
      try {
        body = JSON.parse(rawBody.toString("utf8")) as unknown;
      } catch (error) {
        bodyParseError = error instanceof Error ? error.message : String(error);
      }
    }

    const record: RecordedRequest = {
      seq: ++this.seq,
      at: performance.now(),
      atEpochMs: Date.now(),
      method,
      rawUrl,
      proxied,
      targetUrl: targetHeader ?? null,
      host: proxied ? (target?.host ?? null) : null,
      path: effective.pathname,
      query: Object.fromEntries(effective.searchParams.entries()),
      headers: req.headers,
      key,
      body,
      rawBody,
      bodyParseError,
      operation: "unknown",
      requestId: null,
      endpointId: null,
      responseStatus: null,
      fault: null,
      closedByClient: false,
    };
    this.requests.push(record);
    res.on("close", () => {
      if (!res.writableFinished) record.closedByClient = true;
    });

    const send = (reply: Reply): void => {
      record.responseStatus = reply.status;
      this.writeReply(req, res, reply);
      this.options.log?.(`${method} ${record.targetUrl ?? rawUrl} → ${reply.status}`);
    };

    try {
      if (proxied && !selfTarget) {
        if (targetHeader === undefined || target === null) {
          // What @fal-ai/server-proxy answers without (or with a bad) x-fal-target-url.
          send(text(400, "Invalid request"));
          return;
        }
        await this.handleProxied(req, res, record, target, send);
        return;
      }
      await this.handleDirect(req, res, record, effective, method, send);
    } catch (error) {
      if (!res.headersSent && !res.destroyed) {
        send(json(500, { detail: `fake-fal internal error: ${String(error)}` }));
      }
    }
  }

  private writeReply(req: http.IncomingMessage, res: http.ServerResponse, reply: Reply): void {
    if (res.destroyed) {
      return;
    }
    res.writeHead(reply.status, { ...reply.headers, "content-length": String(reply.body.length) });
    res.end(req.method === "HEAD" ? undefined : reply.body);
  }

  /** Applies a "before" fault. Returns true when the request has been answered/dropped. */
  private async applyBefore(
    spec: FaultSpec | null,
    req: http.IncomingMessage,
    record: RecordedRequest,
    send: (reply: Reply) => void,
  ): Promise<boolean> {
    if (spec === null) {
      return false;
    }
    record.fault = spec;
    const kind = spec.kind ?? "http";
    if (spec.afterHandling === true && (kind === "http" || kind === "drop")) {
      return false;
    }
    if (kind === "drop") {
      req.socket.destroy();
      return true;
    }
    if (kind === "http") {
      send(this.faultReply(spec, record.requestId));
      return true;
    }
    if (kind === "slow" && record.operation !== "download") {
      await delay(spec.delayMs ?? 500);
    }
    return false;
  }

  /** Sends `reply`, transformed by an "after"/payload fault if any. */
  private async sendWithFault(
    spec: FaultSpec | null,
    req: http.IncomingMessage,
    res: http.ServerResponse,
    record: RecordedRequest,
    reply: Reply,
    send: (reply: Reply) => void,
  ): Promise<void> {
    const kind = spec?.kind ?? "http";
    if (spec === null) {
      send(reply);
      return;
    }
    if (spec.afterHandling === true && kind === "drop") {
      req.socket.destroy();
      return;
    }
    if (spec.afterHandling === true && kind === "http") {
      send(this.faultReply(spec, record.requestId));
      return;
    }
    if (kind === "truncate") {
      const sent = Math.max(0, Math.min(reply.body.length, spec.bytes ?? Math.floor(reply.body.length / 2)));
      const length = spec.honestLength === true ? sent : reply.body.length;
      record.responseStatus = reply.status;
      res.writeHead(reply.status, { ...reply.headers, "content-length": String(length) });
      if (spec.honestLength === true) {
        res.end(reply.body.subarray(0, sent));
      } else {
        res.write(reply.body.subarray(0, sent), () => {
          setTimeout(() => req.socket.destroy(), 10);
        });
      }
      return;
    }
    if (kind === "wrongType") {
      if (record.operation === "download") {
        const claimed = reply.headers["content-type"] ?? "application/octet-stream";
        const bytes = Buffer.isBuffer(spec.body)
          ? spec.body
          : typeof spec.body === "string"
            ? Buffer.from(spec.body)
            : await reencodeAsOtherFormat(reply.body, claimed);
        send({ status: reply.status, headers: reply.headers, body: bytes });
      } else {
        send(
          text(200, typeof spec.body === "string" ? spec.body : "<html><body><h1>Welcome</h1></body></html>", {
            "content-type": "text/html; charset=utf-8",
          }),
        );
      }
      return;
    }
    if (kind === "huge" && record.operation === "download") {
      record.responseStatus = reply.status;
      await streamHuge(res, reply, spec.bytes ?? HUGE_DEFAULT_BYTES, spec.honestLength === true);
      return;
    }
    if (kind === "rewrite" && spec.rewrite !== undefined) {
      let original: unknown;
      try {
        original = JSON.parse(reply.body.toString("utf8"));
      } catch {
        original = undefined;
      }
      send(json(reply.status, spec.rewrite(original), Object.fromEntries(Object.entries(reply.headers).filter(([k]) => k !== "content-type"))));
      return;
    }
    if (kind === "slow" && record.operation === "download") {
      record.responseStatus = reply.status;
      res.writeHead(reply.status, { ...reply.headers, "content-length": String(reply.body.length) });
      const pieces = 10;
      const size = Math.ceil(reply.body.length / pieces);
      const stepMs = (spec.delayMs ?? 500) / pieces;
      for (let i = 0; i < pieces && !res.destroyed; i++) {
        res.write(reply.body.subarray(i * size, (i + 1) * size));
        await delay(stepMs);
      }
      res.end();
      return;
    }
    send(reply);
  }

  private authError(key: string | null, header: string | undefined): Reply | null {
    if (header === undefined) {
      return json(401, { detail: "Missing authorization header" });
    }
    if (key === null) {
      return json(401, { detail: "Invalid authorization header. Expected 'Key <key>'" });
    }
    if (this.options.lockedKeys?.includes(key) === true) {
      return json(403, defaultErrorBody(403));
    }
    if (this.options.rejectKeys?.includes(key) === true) {
      return json(401, defaultErrorBody(401));
    }
    if (this.options.acceptKey !== undefined && key !== this.options.acceptKey) {
      return json(401, defaultErrorBody(401));
    }
    return null;
  }

  private async handleProxied(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    record: RecordedRequest,
    target: URL,
    send: (reply: Reply) => void,
  ): Promise<void> {
    const host = target.host;
    const method = record.method;
    const segments = target.pathname.split("/").filter((s) => s.length > 0).map((s) => decodeURIComponent(s));

    type Route = { op: Exclude<FaultTarget, "run">; run: () => Promise<Reply | null> };
    let route: Route | null = null;

    if (host === QUEUE_HOST || host === RUN_HOST) {
      const rootLen = NAMESPACES.includes(segments[0] ?? "") ? 3 : 2;
      const appId = segments.slice(0, rootLen).join("/");
      const rest = segments.slice(rootLen);
      if (host === QUEUE_HOST && rest[0] === "requests" && rest[1] !== undefined) {
        const requestId = rest[1];
        const tail = rest.slice(2).join("/");
        record.requestId = requestId;
        record.endpointId = appId;
        if (method === "GET" && tail === "") {
          route = { op: "result", run: () => Promise.resolve(this.result(appId, requestId)) };
        } else if (method === "GET" && tail === "status") {
          route = { op: "status", run: () => Promise.resolve(this.status(appId, requestId, target)) };
        } else if (method === "GET" && tail === "status/stream") {
          route = { op: "stream", run: () => Promise.resolve(this.stream(res, appId, requestId, target)) };
        } else if (method === "PUT" && tail === "cancel") {
          route = { op: "cancel", run: () => Promise.resolve(this.cancel(record, appId, requestId)) };
        }
      } else if (method === "POST" && segments.length >= 2) {
        const endpointId = segments.join("/");
        record.endpointId = endpointId;
        route =
          host === QUEUE_HOST
            ? { op: "submit", run: () => Promise.resolve(this.submit(record, endpointId, appId)) }
            : { op: "sync", run: () => this.sync(record, endpointId, appId) };
      }
      if (route === null) {
        record.operation = "unknown";
        send(json(404, { detail: "Not Found" }));
        return;
      }
    } else if (REST_HOSTS.includes(host)) {
      const path = target.pathname.replace(/\/+$/, "");
      if (method === "POST" && (path === "/storage/upload/initiate" || path === "/storage/upload/initiate-multipart")) {
        const multipart = path.endsWith("-multipart");
        route = { op: "initiate", run: () => Promise.resolve(this.initiate(record, multipart)) };
      } else {
        record.operation = "unknown";
        send(json(404, { detail: "Not Found" }));
        return;
      }
    } else {
      // Like @fal-ai/server-proxy: targets outside fal's domains are refused.
      record.operation = "unknown";
      send(text(400, "Invalid request"));
      return;
    }

    record.operation = route.op;
    const fault = this.takeFault(route.op, {
      requestId: record.requestId,
      endpointId: record.endpointId,
      path: target.pathname,
    });
    if (await this.applyBefore(fault, req, record, send)) {
      return;
    }
    const authError = this.authError(record.key, headerValue(req.headers["authorization"]));
    if (authError !== null) {
      send(authError);
      return;
    }
    const reply = await route.run();
    if (reply === null) {
      record.responseStatus = res.statusCode;
      this.options.log?.(`${method} ${target.href} → ${res.statusCode} (event stream)`);
      return; // streaming: answered by stream()
    }
    await this.sendWithFault(fault, req, res, record, reply, send);
  }

  private async handleDirect(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    record: RecordedRequest,
    url: URL,
    method: string,
    send: (reply: Reply) => void,
  ): Promise<void> {
    const path = url.pathname;
    if (path.startsWith("/files/") && (method === "GET" || method === "HEAD")) {
      record.operation = "download";
      const key = decodeURIComponent(path.slice("/files/".length));
      const file = this.files.get(key);
      record.requestId = file?.requestId ?? null;
      const download: DownloadRecord = {
        at: record.at,
        atEpochMs: record.atEpochMs,
        key,
        url: `${this.origin}${path}`,
        requestId: record.requestId,
        status: null,
        fault: null,
      };
      this.downloads.push(download);
      const fault = this.takeFault("download", { requestId: record.requestId, endpointId: null, path });
      download.fault = fault;
      const sendAndNote = (reply: Reply): void => {
        download.status = reply.status;
        send(reply);
      };
      if (await this.applyBefore(fault, req, record, sendAndNote)) {
        return;
      }
      if (file === undefined) {
        sendAndNote(json(404, { detail: "File not found" }));
        return;
      }
      download.status = 200;
      await this.sendWithFault(
        fault,
        req,
        res,
        record,
        {
          status: 200,
          headers: {
            "content-type": file.contentType,
            "cache-control": "public, max-age=604800",
            "access-control-allow-origin": "*",
            "content-disposition": `inline; filename="${file.fileName}"`,
          },
          body: file.bytes,
        },
        sendAndNote,
      );
      return;
    }
    if (path.startsWith("/upload/")) {
      record.operation = "upload";
      const fault = this.takeFault("upload", { requestId: null, endpointId: null, path });
      if (await this.applyBefore(fault, req, record, send)) {
        return;
      }
      const reply = this.receiveUpload(record, path.slice("/upload/".length), method);
      await this.sendWithFault(fault, req, res, record, reply, send);
      return;
    }
    if (path.startsWith("/__fake/")) {
      record.operation = "control";
      send(this.control(path.slice("/__fake/".length), method, record.body));
      return;
    }
    if (path === this.proxyPath) {
      send(text(400, "Invalid request"));
      return;
    }
    send(json(404, { detail: "Not Found" }));
  }

  // ---------------------------------------------------------------- queue operations

  private submit(record: RecordedRequest, endpointId: string, appId: string): Reply {
    const kind = KNOWN_ENDPOINTS[endpointId];
    const submit: SubmitRecord = {
      at: record.at,
      atEpochMs: record.atEpochMs,
      endpointId,
      body: record.body,
      key: record.key,
      requestId: null,
      responseStatus: 0,
    };
    this.submits.push(submit);
    const answer = (reply: Reply): Reply => {
      submit.responseStatus = reply.status;
      return reply;
    };
    if (kind === undefined) {
      return answer(json(404, { detail: `Application '${endpointId}' not found` }));
    }
    const outcome =
      record.bodyParseError !== null
        ? { ok: false as const, errors: jsonInvalidErrors(record.bodyParseError) }
        : validateInput(kind, record.body);
    if (!outcome.ok && this.options.validateAt === "submit") {
      return answer(json(422, { detail: outcome.errors }));
    }
    const job = this.createJob(
      endpointId,
      appId,
      kind,
      "queue",
      record.key,
      record.body,
      outcome.ok ? outcome.input : null,
      outcome.ok ? null : outcome.errors,
    );
    record.requestId = job.requestId;
    submit.requestId = job.requestId;
    this.emit("submit", job);
    this.startQueue(job);
    return answer(
      json(
        200,
        {
          status: "IN_QUEUE",
          request_id: job.requestId,
          ...this.queueUrls(job),
          queue_position: job.queuePosition,
        },
        { "x-fal-request-id": job.requestId },
      ),
    );
  }

  private findJob(appId: string, requestId: string): Job | null {
    const job = this.jobs.get(requestId);
    return job !== undefined && job.appId === appId && job.mode === "queue" ? job : null;
  }

  private status(appId: string, requestId: string, target: URL): Reply {
    const job = this.findJob(appId, requestId);
    if (job === null) {
      return json(404, { detail: "Request not found" });
    }
    const withLogs = target.searchParams.get("logs") === "1";
    const body = this.statusBody(job, withLogs ? [...job.logs] : null);
    return json(job.state === "COMPLETED" ? 200 : 202, body, { "x-fal-request-id": job.requestId });
  }

  private stream(res: http.ServerResponse, appId: string, requestId: string, target: URL): Reply | null {
    const job = this.findJob(appId, requestId);
    if (job === null) {
      return json(404, { detail: "Request not found" });
    }
    const withLogs = target.searchParams.get("logs") === "1";
    res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
      connection: "keep-alive",
      "x-fal-request-id": job.requestId,
    });
    res.flushHeaders();
    this.streams.add(res);
    let sentLogs = 0;
    let lastPayload = "";
    const push = (): void => {
      if (res.writableEnded || res.destroyed) {
        return;
      }
      const logs = withLogs ? job.logs.slice(sentLogs) : null;
      const payload = JSON.stringify(this.statusBody(job, logs));
      if (payload === lastPayload) {
        return;
      }
      sentLogs = job.logs.length;
      lastPayload = payload;
      res.write(`data: ${payload}\n\n`);
      if (job.state === "COMPLETED") {
        job.listeners.delete(push);
        this.streams.delete(res);
        res.end();
      }
    };
    job.listeners.add(push);
    res.on("close", () => {
      job.listeners.delete(push);
      this.streams.delete(res);
    });
    push();
    return null;
  }

  private result(appId: string, requestId: string): Reply {
    const job = this.findJob(appId, requestId);
    if (job === null) {
      return json(404, { detail: "Request not found" });
    }
    const idHeader = { "x-fal-request-id": job.requestId };
    if (job.state !== "COMPLETED") {
      return json(
        400,
        { detail: job.state === "IN_QUEUE" ? "Request is still in queue" : "Request is still in progress" },
        idHeader,
      );
    }
    if (job.error !== null) {
      return bodyReply(job.error.status, job.error.body, { ...job.error.headers, ...idHeader });
    }
    return json(200, job.result, idHeader);
  }

  private cancel(record: RecordedRequest, appId: string, requestId: string): Reply {
    const job = this.findJob(appId, requestId);
    const entry: CancelRecord = {
      at: record.at,
      atEpochMs: record.atEpochMs,
      requestId,
      appId,
      stateBefore: job?.state ?? null,
      responseStatus: 0,
      outcome: "NOT_FOUND",
    };
    this.cancels.push(entry);
    if (job === null) {
      entry.responseStatus = 404;
      return json(404, { status: "NOT_FOUND" });
    }
    if (job.state === "COMPLETED") {
      entry.responseStatus = 400;
      entry.outcome = "ALREADY_COMPLETED";
      return json(400, { status: "ALREADY_COMPLETED" }, { "x-fal-request-id": job.requestId });
    }
    entry.responseStatus = 202;
    entry.outcome = "CANCELLATION_REQUESTED";
    job.cancelRequestedAt = performance.now();
    if (job.state === "IN_QUEUE" || this.options.cancelInProgress !== "ignore") {
      this.addLog(job, "Request cancelled by the client", "WARN");
      job.outcome = "cancelled";
      job.error = {
        status: 400,
        body: { detail: "Request was cancelled" },
        headers: {},
        statusError: "Request was cancelled",
        statusErrorType: null,
      };
      this.complete(job);
    }
    return json(202, { status: "CANCELLATION_REQUESTED" }, { "x-fal-request-id": job.requestId });
  }

  private async sync(record: RecordedRequest, endpointId: string, appId: string): Promise<Reply> {
    const kind = KNOWN_ENDPOINTS[endpointId];
    if (kind === undefined) {
      return json(404, { detail: `Application '${endpointId}' not found` });
    }
    const outcome =
      record.bodyParseError !== null
        ? { ok: false as const, errors: jsonInvalidErrors(record.bodyParseError) }
        : validateInput(kind, record.body);
    const job = this.createJob(
      endpointId,
      appId,
      kind,
      "sync",
      record.key,
      record.body,
      outcome.ok ? outcome.input : null,
      outcome.ok ? null : outcome.errors,
    );
    record.requestId = job.requestId;
    this.emit("submit", job);
    job.state = "IN_PROGRESS";
    job.startedAt = performance.now();
    this.notify(job);
    if (outcome.ok) {
      await delay(this.timing.runMs);
    }
    await this.finish(job);
    const idHeader = { "x-fal-request-id": job.requestId };
    if (job.error !== null) {
      return bodyReply(job.error.status, job.error.body, { ...job.error.headers, ...idHeader });
    }
    return json(200, job.result, idHeader);
  }

  // ---------------------------------------------------------------- storage

  private initiate(record: RecordedRequest, multipart: boolean): Reply {
    const body = record.body;
    const errors: ValidationErrorEntry[] = [];
    if (!isRecord(body)) {
      return json(422, { detail: [{ loc: ["body"], msg: "Field required", type: "missing", input: null }] });
    }
    for (const field of ["content_type", "file_name"]) {
      if (typeof body[field] !== "string") {
        errors.push({ loc: ["body", field], msg: "Field required", type: "missing", input: body });
      }
    }
    if (errors.length > 0) {
      return json(422, { detail: errors });
    }
    const fileName = String(body["file_name"]);
    const declared = String(body["content_type"]);
    const id = randomUUID();
    const key = `${id.slice(0, 8)}/${sanitizeFileName(fileName)}`;
    const upload: UploadRecord = {
      id,
      fileName,
      declaredContentType: declared,
      contentType: null,
      bytes: null,
      fileUrl: `${this.origin}/files/${key}`,
      uploadUrl: `${this.origin}/upload/${id}?X-Fake-Signature=${id.slice(0, 12)}`,
      multipart,
      initiatedAt: performance.now(),
      uploadedAt: null,
    };
    this.uploads.push(upload);
    this.pendingUploads.set(id, upload);
    return json(200, { upload_url: upload.uploadUrl, file_url: upload.fileUrl });
  }

  private receiveUpload(record: RecordedRequest, rest: string, method: string): Reply {
    const [id, part] = rest.split("/");
    const upload = id !== undefined ? this.pendingUploads.get(id) : undefined;
    if (upload === undefined) {
      return text(404, "NoSuchUpload");
    }
    const key = upload.fileUrl.slice(`${this.origin}/files/`.length);
    if (upload.multipart && part !== undefined) {
      const parts = this.multipartParts.get(upload.id) ?? new Map<number, Buffer>();
      this.multipartParts.set(upload.id, parts);
      if (method === "PUT" && /^\d+$/.test(part)) {
        const n = Number.parseInt(part, 10);
        parts.set(n, record.rawBody);
        return json(200, { partNumber: n, etag: `"fake-etag-${n}"` });
      }
      if (method === "POST" && part === "complete") {
        const ordered = [...parts.entries()].sort((a, b) => a[0] - b[0]).map(([, b]) => b);
        this.finishUpload(upload, key, Buffer.concat(ordered), upload.declaredContentType);
        return json(200, { status: "ok" });
      }
      return text(405, "Method Not Allowed");
    }
    if (method !== "PUT") {
      return text(405, "Method Not Allowed");
    }
    this.finishUpload(upload, key, record.rawBody, headerValue(record.headers["content-type"]) ?? "application/octet-stream");
    return { status: 200, headers: {}, body: Buffer.alloc(0) };
  }

  private finishUpload(upload: UploadRecord, key: string, bytes: Buffer, contentType: string): void {
    upload.bytes = bytes;
    upload.contentType = contentType;
    upload.uploadedAt = performance.now();
    this.files.set(key, { bytes, contentType, fileName: upload.fileName, requestId: null });
  }

  // ---------------------------------------------------------------- control API (for out-of-process use)

  private control(command: string, method: string, body: unknown): Reply {
    if (command === "state" && method === "GET") {
      return json(200, {
        url: this.url,
        timing: this.timing,
        hold: this.holdPhase,
        keysSeen: this.keysSeen,
        faults: this.faultEntries.map((e) => ({ id: e.id, spec: e.spec, remaining: e.remaining, hits: e.hits })),
        jobs: [...this.jobs.values()].map((job) => ({
          requestId: job.requestId,
          endpointId: job.endpointId,
          state: job.state,
          outcome: job.outcome,
          held: job.held,
          input: job.rawInput,
          completedAtEpochMs: job.completedAtEpochMs,
          result: job.result,
          error: job.error === null ? null : { status: job.error.status, body: job.error.body },
        })),
        uploads: this.uploads.map((u) => ({
          fileName: u.fileName,
          contentType: u.contentType,
          size: u.bytes?.length ?? null,
          fileUrl: u.fileUrl,
        })),
        cancels: this.cancels,
        requestCount: this.requests.length,
      });
    }
    if (method !== "POST") {
      return json(405, { detail: "Method Not Allowed" });
    }
    const args = isRecord(body) ? body : {};
    switch (command) {
      case "reset":
        this.reset();
        return json(200, { ok: true });
      case "inject": {
        if (typeof args["on"] !== "string") {
          return json(422, { detail: "fault needs 'on'" });
        }
        const times = args["times"];
        const spec = {
          ...args,
          times: times === "always" || times === null ? Infinity : typeof times === "number" ? times : 1,
        } as unknown as FaultSpec;
        const fault = this.inject(spec);
        return json(200, { id: fault.id });
      }
      case "clear-faults":
        this.clearFaults();
        return json(200, { ok: true });
      case "hold": {
        const phase = args["phase"];
        if (phase !== "none" && phase !== "queue" && phase !== "run") {
          return json(422, { detail: "phase must be none|queue|run" });
        }
        this.hold(phase);
        return json(200, { ok: true });
      }
      case "release": {
        const id = typeof args["requestId"] === "string" ? args["requestId"] : undefined;
        return json(200, { released: this.release(id) });
      }
      case "timing": {
        const timing: Partial<Timing> = {};
        for (const k of ["queueMs", "runMs", "queueSteps"] as const) {
          const v = args[k];
          if (typeof v === "number") {
            timing[k] = v;
          }
        }
        this.setTiming(timing);
        return json(200, this.timing);
      }
      default:
        return json(404, { detail: `unknown control command '${command}'` });
    }
  }
}

/**
 * Starts the fake on 127.0.0.1 (ephemeral port by default). Remember to `await fake.close()`.
 */
export async function startFakeFal(options: FakeFalOptions = {}): Promise<FakeFal> {
  const server = http.createServer();
  const fake = new FakeFalServer(server, options);
  server.on("request", (req: http.IncomingMessage, res: http.ServerResponse) => {
    fake.handle(req, res).catch(() => {
      if (!res.destroyed) {
        res.destroy();
      }
    });
  });
  // Keep-alive sockets of the test process must not keep `close()` waiting.
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === "string") {
    throw new Error("fake-fal: unexpected server address");
  }
  fake.setAddress(address);
  return fake;
}
