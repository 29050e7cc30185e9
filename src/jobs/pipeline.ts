/**
 * The one job pipeline every entry point calls (palette, Explorer, gallery, Generate Again,
 * scripts): submit, wait with progress, cancel at fal, download under limits, stamp provenance, save,
 * announce. It resolves to what it saved: each image's Uri and its provenance.
 *
 * Each job is recorded (store.ts) before it waits, so a reload, a quit or a network drop never loses
 * a paid-for result: the next start resumes it, and a result that could not be saved is kept and
 * offered again. The pieces: store.ts (records and stash), tracker.ts (running jobs, progress,
 * cancel), notifier.ts (messages, opening editors), download.ts (limits); this file only orders them.
 */
import * as vscode from "vscode";
import { GrokError, toGrokError } from "../fal/errors";
import { FalService, type QueueProgress } from "../fal/service";
import type { Provenance } from "../provenance/provenance";
import type { ImageFormat } from "../images/sniff";
import { describeValues, type FalOutput } from "../api";
import { provenanceFor, stamp, type ProvenanceBase } from "../provenance/stamp";
import type { Services } from "../services";
import { readSettings } from "../settings";
import { ImageSaver, type ImageToSave, type PreparedTemps } from "../workspace/save";
import { downloadAll, imagesAsked, limitToAsked, resultByteCap, type UrlPolicy } from "./download";
import { JobNotifier, type FailChoice } from "./notifier";
import type { JobKind, PendingRecord, RequestBody, SourceRef } from "./records";
import { PendingStore } from "./store";
import { JobTracker, type JobDisplay, type JobView, type TrackedJob } from "./tracker";
import type { RequestGate } from "../fal/gate";
import { errorText } from "../format";

export type { JobKind, RequestBody, SourceRef } from "./records";
export type { JobState, JobView } from "./tracker";

/** What an entry point hands the pipeline. */
export interface JobRequest {
  readonly kind: JobKind;
  readonly endpoint: string;
  /** The request body, complete, or a step that makes it (uploads for edits) inside the job. */
  readonly input: RequestBody | ((signal: AbortSignal, fal: FalService) => Promise<RequestBody>);
  readonly prompt: string;
  readonly outputFormat: ImageFormat;
  readonly folder: vscode.Uri;
  readonly stem: string;
  readonly numbered: boolean;
  /**
   * Shows the first saved image the caller's way (edit's side-by-side view), whatever openAfterSave
   * says; openAfterSave then opens only the others.
   */
  readonly showFirst?: (first: vscode.Uri) => void;
  /** For edits: the source images (workspace-relative path, SHA-256), recorded in the provenance. */
  readonly sources?: readonly SourceRef[];
}

/** What a caller that is not a person at a notification needs (an agent tool). */
export interface RunOptions {
  /** Cancels the job as the progress notification's Cancel does (the request is cancelled at fal). */
  readonly signal?: AbortSignal;
  /** Told what ended the job when it fails (it is shown and logged as for every job, too). */
  readonly onFailure?: (e: GrokError) => void;
}

/**
 * How a batch runs a job: quietly (the batch shows one notification for all its jobs, and reports
 * failures itself), with the batch's pacing, told the request id the moment fal gives it.
 */
export interface QuietOptions {
  /** Recorded with the job: after a reload, its waiting record is left to this owner (see adopt). */
  readonly owner: string;
  /** Aborting it cancels the job, at fal too, as a notification's Cancel does. */
  readonly signal: AbortSignal;
  /** The submit passes through it (one pacing for all of the owner's requests when fal answers 429). */
  readonly gate?: RequestGate;
  /** Called (and awaited) once fal gave the request id and the job is recorded, before waiting. */
  readonly onSubmitted?: (requestId: string, jobId: string) => Thenable<void> | void;
  /** Called when fal has finished the request (what is left is fetching and saving its images). */
  readonly onCompleted?: () => void;
}

/** What a quiet job came to. `kept`: fal's result is kept in the job records (Retry Saving offers it). */
export type JobOutcome =
  | { readonly status: "saved"; readonly items: SavedItem[]; readonly requestId?: string }
  | { readonly status: "failed"; readonly error: GrokError; readonly kept: boolean; readonly requestId?: string }
  | { readonly status: "cancelled"; readonly requestId?: string }
  /** The window went away (or a test restarted the pipeline): the record resumes it next time. */
  | { readonly status: "suspended"; readonly requestId?: string }
  /** resumeQuiet: no record of that job (it finished, or its record was set aside). */
  | { readonly status: "missing" };

/** Runs many jobs of its own (a batch) and finishes them itself after a reload. */
export interface JobOwner {
  readonly id: string;
  /** Whether it will follow this waiting job of its own itself (it knows the job and is not done with it). */
  claims(jobId: string): boolean;
  /** The window is going away: start no more jobs; resolves once its running ones have ended. */
  suspend(): Promise<void>;
  /** At the start of a session (after a reload): pick up the interrupted work. */
  resume(): Promise<void>;
}

/** A quiet job's outcome as the steps find it. */
interface QuietRun {
  readonly opts: QuietOptions;
  requestId?: string;
  error?: GrokError;
  kept?: boolean;
  suspended?: boolean;
}

/** One saved image and what made it. */
export interface SavedItem {
  readonly uri: vscode.Uri;
  readonly provenance: Provenance;
  /** Where the provenance was written: into the file, a sidecar `.xmp` beside it, or nowhere. */
  readonly written: "embedded" | "sidecar" | "none";
}

/** How a step ends when it cannot go on (for fail). */
interface FailContext {
  readonly endpoint: string;
  /** The request fal took, if it got that far. */
  readonly rec?: PendingRecord;
  /** Sends the request again (only when none was taken). */
  readonly retry?: () => Promise<unknown>;
  /** The job, when no request was taken yet (ctx.rec names it otherwise). */
  readonly jobId?: string;
  /** A quiet job: the failure goes back to its caller instead of a message. */
  readonly quiet?: QuietRun;
}

interface SaveOptions {
  readonly cancelledLate: boolean;
  readonly showFirst?: (first: vscode.Uri) => void;
  /** Temporary names recorded while the job waited (see ImageSaver.prepare). */
  readonly temps?: PreparedTemps;
}

const C = "jobs";

/**
 * What the parts of the extension that do not start jobs themselves use of the pipeline (the gallery,
 * the agent tools, batches, spend): extension.ts hands them a stand-in (core/lazyJobs.ts) that makes
 * the pipeline, in the core chunk, the first time a job is run.
 */
export type Jobs = Pick<JobPipeline, "list" | "cancel" | "run" | "runQuiet" | "resumeQuiet" | "adopt" | "onDidSave" | "onDidChange">;

export class JobPipeline implements vscode.Disposable {
  readonly #tracker = new JobTracker();
  readonly #store: PendingStore;
  readonly #notify: JobNotifier;
  readonly #savedEmitter = new vscode.EventEmitter<readonly SavedItem[]>();
  /** Fires with what each job saved, whoever started it (the gallery indexes it from here). */
  readonly onDidSave = this.#savedEmitter.event;
  /** Fires with the running jobs whenever one starts, changes state or ends. */
  readonly onDidChange = this.#tracker.onDidChange;
  /** Aborted when the pipeline is suspended: background work (following a cancelled request) stops. */
  #session = new AbortController();
  readonly #followers = new Set<Promise<void>>();
  /** RunOptions.onFailure by job id, while the job runs. */
  readonly #failureListeners = new Map<string, (e: GrokError) => void>();
  /** Quiet jobs running now, by job id. */
  readonly #quiet = new Map<string, QuietRun>();
  readonly #owners = new Set<JobOwner>();
  #seq = 0;

  /** Writes every job's images; its name reservations span all jobs of this window. */
  readonly #saver: ImageSaver;

  constructor(private readonly s: Services) {
    this.#saver = new ImageSaver(s.context.workspaceState);
    this.#store = new PendingStore(s.context.workspaceState, s.context.storageUri ?? s.context.globalStorageUri, s.log);
    this.#notify = new JobNotifier(s);
    if (typeof GROK_TEST_HOOKS !== "undefined" && GROK_TEST_HOOKS) {
      const store = this.#store;
      this.pending = () => store.all();
      this.discardAll = async () => {
        for (const r of store.all()) await store.discard(r.id);
      };
    }
  }

  /** Test hook (development build only): the records kept in workspace storage (waiting, unsaved, unknown to fal). */
  declare pending?: () => readonly PendingRecord[];
  /** Test hook (development build only): forgets every kept result (and its stashed files). */
  declare discardAll?: () => Promise<void>;

  list(): JobView[] {
    return this.#tracker.list();
  }

  /** Stops waiting and cancels the request at fal; a result already made is still saved. */
  cancel(id: string): boolean {
    return this.#tracker.cancel(id);
  }

  // -------------------------------------------------------------------------------------------
  // Entry points

  /** Runs a request with a cancellable progress notification; resolves to what was saved ([] if nothing). */
  async run(req: JobRequest, opts: RunOptions = {}): Promise<SavedItem[]> {
    const key = await this.s.keys.require();
    if (!key || opts.signal?.aborted) return [];
    const id = `${Date.now().toString(36)}-${(this.#seq++).toString(36)}`;
    // npm start's stand-in says so in the progress notification too (the others carry its note).
    const standIn = key === this.s.keys.standIn?.key;
    const title =
      req.kind === "edit"
        ? standIn ? vscode.l10n.t("Grok Imagine: editing placeholder images (local stand-in for fal)") : vscode.l10n.t("Grok Imagine: editing")
        : standIn ? vscode.l10n.t("Grok Imagine: generating placeholder images (local stand-in for fal)") : vscode.l10n.t("Grok Imagine: generating");
    if (opts.onFailure) this.#failureListeners.set(id, opts.onFailure);
    const done = this.#job({ id, kind: req.kind, prompt: req.prompt, state: "preparing" }, { title, cancellable: true }, (job) => this.#submit(req, job, key));
    // The job is tracked from here on, so the caller's cancel is the tracker's (which cancels at fal).
    const onAbort = (): void => {
      this.cancel(id);
    };
    opts.signal?.addEventListener("abort", onAbort, { once: true });
    try {
      return await done;
    } finally {
      opts.signal?.removeEventListener("abort", onAbort);
      this.#failureListeners.delete(id);
    }
  }

  /**
   * Runs a request without a notification of its own (a batch shows one for all), and resolves to
   * what came of it, failures included, instead of showing them. Needs a key already set (the
   * caller asked for it once).
   */
  async runQuiet(req: JobRequest, opts: QuietOptions): Promise<JobOutcome> {
    const key = await this.s.keys.get();
    if (!key) return { status: "failed", kept: false, error: new GrokError("auth", vscode.l10n.t("No fal API key is set. Set one with \"Grok Imagine: Set API Key\".")) };
    const id = `${Date.now().toString(36)}-${(this.#seq++).toString(36)}`;
    return this.#runQuiet(id, opts, (q) => this.#job({ id, kind: req.kind, prompt: req.prompt, state: "preparing" }, q, (job) => this.#submit(req, job, key.key)));
  }

  /**
   * Follows a job an owner ran quietly before a reload (its record is waiting), quietly again; a job
   * with no record resolves to "missing", one whose result is kept to "failed" with kept.
   */
  async resumeQuiet(id: string, opts: QuietOptions): Promise<JobOutcome> {
    const rec = this.#store.get(id);
    if (!rec) return { status: "missing" };
    if (this.#tracker.has(id)) return { status: "failed", kept: false, requestId: rec.requestId, error: new GrokError("failed", vscode.l10n.t("This request is being followed already.")) };
    // Cancelled before the reload: resumePending follows it to its end (never saved unasked).
    if (rec.cancelRequested) return { status: "cancelled", requestId: rec.requestId };
    if (rec.state !== "waiting") return { status: "failed", kept: true, requestId: rec.requestId, error: new GrokError("failed", rec.problem ?? vscode.l10n.t("Its result is kept unsaved.")) };
    const key = await this.s.keys.get();
    let fal: FalService;
    try {
      if (!key) throw new GrokError("auth", vscode.l10n.t("No fal API key is set. Set one with \"Grok Imagine: Set API Key\"."));
      fal = this.#connect(key.key);
    } catch (err) {
      return { status: "failed", kept: true, requestId: rec.requestId, error: toGrokError(err) };
    }
    this.s.log.info(C, `Resuming request ${rec.requestId} (${rec.endpoint}) for ${rec.owner ?? opts.owner}, interrupted by a reload.`);
    return this.#runQuiet(id, opts, (q) => {
      q.requestId = rec.requestId;
      return this.#job({ id, kind: rec.kind, prompt: rec.prompt, state: "queued", requestId: rec.requestId }, q, (job) => this.#follow(rec, fal, job, { cancelledLate: false }));
    });
  }

  async #runQuiet(id: string, opts: QuietOptions, run: (q: QuietRun) => Promise<SavedItem[]>): Promise<JobOutcome> {
    const q: QuietRun = { opts };
    this.#quiet.set(id, q);
    try {
      const items = await run(q);
      if (items.length) return { status: "saved", items, requestId: q.requestId };
      if (q.error) return { status: "failed", error: q.error, kept: q.kept === true, requestId: q.requestId };
      return { status: q.suspended ? "suspended" : "cancelled", requestId: q.requestId };
    } finally {
      this.#quiet.delete(id);
    }
  }

  /**
   * An owner of quiet jobs: at the next start its waiting records are left to it (it resumes them
   * with resumeQuiet), and it is suspended and resumed with the pipeline.
   */
  adopt(owner: JobOwner): vscode.Disposable {
    this.#owners.add(owner);
    return new vscode.Disposable(() => this.#owners.delete(owner));
  }

  /** Saves a kept result again (after a failed download or write, or a 404); resolves to what was saved. */
  async retrySaving(id: string): Promise<SavedItem[]> {
    const rec = this.#store.get(id);
    if (!rec || this.#tracker.has(id)) return []; // gone, or being saved right now (no second copy)
    return this.#job({ id, kind: rec.kind, prompt: rec.prompt, state: "downloading", requestId: rec.requestId }, { title: "Grok Imagine: saving", cancellable: false }, async (job) => {
      if (rec.stash?.length) {
        const images = await this.#store.readStash(rec.stash, rec.outputFormat);
        return this.#saveBytes(rec, images, rec.revisedPrompt ?? rec.output?.revised_prompt ?? "", job, { cancelledLate: false });
      }
      if (rec.output) return this.#saveOutput(rec, rec.output, job, { cancelledLate: false });
      // Only the request id survived: ask fal again.
      const key = await this.s.keys.require();
      if (!key) return [];
      let fal: FalService;
      try {
        fal = this.#connect(key);
      } catch (err) {
        return this.#fail(toGrokError(err), { endpoint: rec.endpoint, rec });
      }
      return this.#follow(rec, fal, job, { cancelledLate: false });
    });
  }

  /** Retries every kept result that is not being worked on now; resolves to all that was saved. */
  async retryAllUnsaved(): Promise<SavedItem[]> {
    const todo = this.#store.all().filter((r) => r.state !== "waiting" && !this.#tracker.has(r.id));
    if (!todo.length) {
      this.#notify.nothingToSave();
      return [];
    }
    const saved: SavedItem[] = [];
    for (const r of todo) saved.push(...(await this.retrySaving(r.id)));
    return saved;
  }

  discard(id: string): Promise<void> {
    return this.#store.discard(id);
  }

  /**
   * Called at the start of a session: resumes the requests a reload or quit interrupted (in the
   * background) and offers the kept results. Bad records are set aside by the store.
   */
  async resumePending(): Promise<void> {
    const all = this.#store.all();
    this.#store.refreshContext(all);
    // An owner's waiting jobs that it still knows are its to follow (quietly, with the rest of its
    // work); any other (its owner gone, its record lost) is resumed here like every job.
    const claimed = (r: PendingRecord) => r.state === "waiting" && !r.cancelRequested && [...this.#owners].some((o) => o.id === r.owner && o.claims(r.id));
    const records = all.filter((r) => !claimed(r));
    for (const o of this.#owners) this.#notify.later(`Resuming the interrupted work of ${o.id} failed`, o.resume());
    if (!records.length) return;
    const waiting = records.filter((r) => r.state === "waiting");
    const key = waiting.length ? await this.s.keys.get() : undefined;
    let fal: FalService | undefined;
    if (key && waiting.length) {
      try {
        fal = this.#connect(key.key);
      } catch (err) {
        // One message for all of them; they stay recorded and resume once the setting is fixed.
        const e = toGrokError(err);
        this.s.log.error(C, `${waiting.length} interrupted request(s) not resumed (${e.kind}): ${e.message}`);
        this.#notify.later("Could not show a message", this.#notify.failed(`${e.message} (${waiting.length} interrupted request${waiting.length === 1 ? " waits" : "s wait"} for it.)`, ["Open Settings", "Show Log"]));
      }
    }
    for (const rec of records) {
      if (rec.state === "waiting" && fal && rec.cancelRequested) {
        this.#follower(rec, fal);
      } else if (rec.state === "waiting" && fal) {
        const client = fal;
        this.s.log.info(C, `Resuming request ${rec.requestId} (${rec.endpoint}) interrupted by a reload.`);
        this.#notify.later(
          `Resuming ${rec.requestId} failed`,
          this.#job({ id: rec.id, kind: rec.kind, prompt: rec.prompt, state: "queued", requestId: rec.requestId }, { title: "Grok Imagine: resuming", cancellable: true }, (job) => this.#follow(rec, client, job, { cancelledLate: false })),
        );
      } else if (rec.state !== "waiting" || !key) {
        const images = rec.output?.images.length ?? rec.stash?.length ?? 0;
        const offered = this.#notify.offerKept({ state: rec.state, prompt: rec.prompt, problem: rec.problem, images }).then(async (choice) => {
          if (choice === "Retry Saving") await this.retrySaving(rec.id);
          if (choice === "Discard") await this.discard(rec.id);
        });
        this.#notify.later(`Offering the kept result of ${rec.requestId} failed`, offered);
      }
    }
  }

  /**
   * What a window going away does: every job stops waiting (nothing is cancelled at fal; the records
   * stay). Resolves once they have stopped.
   */
  async suspend(): Promise<void> {
    // Owners first stop starting jobs; then every job stops; then the owners have recorded where they are.
    const owners = [...this.#owners].map((o) => o.suspend());
    this.#session.abort();
    await this.#tracker.suspendAll();
    await Promise.allSettled(owners);
    await Promise.allSettled([...this.#followers]);
    this.#session = new AbortController();
  }

  /** What a window reload does, in place: suspend, then resume what the records hold. */
  async restart(): Promise<void> {
    await this.suspend();
    await this.resumePending();
  }

  /** Removes the temporary files a crash left mid-save (this extension's, recorded); resolves to how many. */
  removeLeftovers(): Promise<number> {
    return this.#saver.removeLeftovers();
  }

  dispose(): void {
    this.#session.abort();
    this.#tracker.dispose();
    this.#savedEmitter.dispose();
  }

  // -------------------------------------------------------------------------------------------
  // Steps

  /** Every job, whichever entry point: tracked with progress; a failure nobody foresaw is logged and shown. */
  #job(view: JobView, display: JobDisplay | QuietRun, body: (job: TrackedJob) => Promise<SavedItem[]>): Promise<SavedItem[]> {
    const quiet = "opts" in display ? display : undefined;
    return this.#tracker.track(view, quiet ? { quiet: quiet.opts.signal } : (display as JobDisplay), async (job) => {
      try {
        return await body(job);
      } catch (err) {
        const e = toGrokError(err);
        if (e.kind === "cancelled") return [];
        this.#failureListeners.get(view.id)?.(e);
        this.s.log.error(C, `Job ${view.id} (${view.kind}) failed unexpectedly`, err);
        if (quiet) {
          quiet.error = e;
          return [];
        }
        this.#notify.later("Could not show a message", this.#notify.failed(e.message, ["Show Log"]));
        return [];
      } finally {
        if (quiet) quiet.suspended = job.suspended;
      }
    });
  }

  /** A client for this key and the proxy setting; a wrong proxy setting throws a "settings" GrokError. */
  #connect(key: string, submitGate?: RequestGate): FalService {
    // npm start's stand-in key goes to the stand-in, never to fal or the user's proxy.
    const standIn = this.s.keys.standIn;
    if (standIn && key === standIn.key) return new FalService({ key, proxyUrl: standIn.proxyUrl, submitGate });
    const proxy = readSettings().proxy;
    if (proxy && !proxy.ok) throw new GrokError("settings", proxy.problem);
    return new FalService({ key, proxyUrl: proxy?.url, submitGate });
  }

  /**
   * Result images may come from loopback only when the proxy is there too (a local fake or proxy),
   * or in npm start's development session, whose stand-in for fal serves them from loopback.
   */
  #urlPolicy(): UrlPolicy {
    const proxy = readSettings().proxy;
    return { allowLoopback: (proxy?.ok === true && proxy.loopback) || this.s.keys.standIn !== undefined };
  }

  /** Prepares (uploads), submits, records, then follows the request. */
  async #submit(req: JobRequest, job: TrackedJob, key: string): Promise<SavedItem[]> {
    const t0 = Date.now();
    let fal: FalService;
    let input: RequestBody;
    let requestId: string;
    const quiet = this.#quiet.get(job.id);
    try {
      fal = this.#connect(key, quiet?.opts.gate);
      if (typeof req.input === "function") {
        job.say("Uploading images…");
        input = await req.input(job.signal, fal);
      } else {
        input = req.input;
      }
      job.update({ state: "submitting" });
      job.say("Sending the request…");
      job.mark("prepared");
      // Not aborted mid-flight: a POST that reached fal may be queued (and paid for) even if we stop
      // listening, so it runs to its answer and a cancel follows.
      requestId = await fal.submit(req.endpoint, input);
      job.mark("submitted");
      this.s.log.info(C, `Submitted ${req.endpoint} request ${requestId}: ${describeValues(req.kind, input)}; prompt ${JSON.stringify(req.prompt)}.`);
    } catch (err) {
      return this.#fail(toGrokError(err), { endpoint: req.endpoint, retry: () => this.run(req), jobId: job.id, quiet });
    }
    const rec: PendingRecord = {
      id: job.id, kind: req.kind, endpoint: req.endpoint, input, prompt: req.prompt, outputFormat: req.outputFormat,
      folder: req.folder.toString(), stem: req.stem, numbered: req.numbered, requestId, createdAt: t0, state: "waiting",
      ...(req.sources ? { sources: req.sources } : {}),
      ...(quiet ? { owner: quiet.opts.owner } : {}),
    };
    // The record is in workspace storage (in memory at once) before waiting starts; writing it to
    // disk runs alongside the wait instead of delaying it.
    const recorded = this.#store.put(rec);
    job.mark("recorded");
    if (quiet) {
      quiet.requestId = requestId;
      // In memory at once; the owner records the line as sent before anything else can happen to it.
      await quiet.opts.onSubmitted?.(requestId, job.id);
    }
    if (job.suspended) {
      // The window went away while the submit was in flight: the record resumes it next time.
      await recorded;
      return [];
    }
    job.update({ state: "queued", requestId });
    // While fal works, the save's temporary names are recorded: the save then writes at once.
    const temps = this.#saver.prepare(req.folder, 2 * imagesAsked(input)); // each image and its sidecar, if any
    try {
      const [items] = await Promise.all([this.#follow(rec, fal, job, { cancelledLate: false, showFirst: req.showFirst, temps }), recorded]);
      return items;
    } finally {
      this.#saver.release(temps);
    }
  }

  /** Waits for a submitted request, then fetches, downloads and saves its result. */
  async #follow(rec: PendingRecord, fal: FalService, job: TrackedJob, opts: SaveOptions): Promise<SavedItem[]> {
    const tSubmit = Date.now();
    let tRun: number | undefined;
    let cancelledLate = opts.cancelledLate;
    const quiet = this.#quiet.get(job.id);
    try {
      await fal.waitUntilDone(rec.endpoint, rec.requestId, (p: QueueProgress) => {
        if (p.state === "queued") {
          job.update({ state: "queued", position: p.position });
          job.say(p.position !== undefined ? `Queued at fal (position ${p.position + 1})…` : "Queued at fal…");
        } else if (p.state === "running") {
          tRun ??= Date.now();
          job.update({ state: "running", lastLog: p.lastLog });
          job.say(p.lastLog ? `Generating: ${p.lastLog}` : "Generating…");
        }
      }, job.signal);
    } catch (err) {
      const e = toGrokError(err);
      if (e.kind !== "cancelled" && !job.signal.aborted) return this.#fail(e, { endpoint: rec.endpoint, rec, quiet });
      if (job.suspended) return []; // the window is going away: the record stays for the next start
      const outcome = await fal.cancel(rec.endpoint, rec.requestId);
      this.s.log.info(C, `Cancel asked for request ${rec.requestId}: fal answered ${outcome}.`);
      if (outcome !== "alreadyCompleted") {
        // fal may still finish a request it had started (and charge for it): follow it to its end in
        // the background, and keep its images if it does, without saving what the person cancelled.
        rec.cancelRequested = true;
        await this.#store.put(rec);
        this.#follower(rec, fal);
        return [];
      }
      cancelledLate = true; // it finished before the cancel arrived: it is paid for, so keep it
    }
    job.mark("completed");
    quiet?.opts.onCompleted?.();
    const tDone = Date.now();
    let output: FalOutput;
    try {
      output = await this.#resultOf(rec, fal, job.stopSignal);
      job.mark("result");
    } catch (err) {
      return this.#fail(toGrokError(err), { endpoint: rec.endpoint, rec, quiet });
    }
    this.s.log.info(C, `Request ${rec.requestId} completed: queued ${(tRun ?? tDone) - tSubmit} ms, ran ${tRun ? tDone - tRun : 0} ms, ${output.images.length} image(s).`);
    if (!rec.input.sync_mode) {
      rec.output = output;
      this.#notify.later("Could not record the result", this.#store.put(rec));
    }
    return this.#saveOutput(rec, output, job, { ...opts, cancelledLate });
  }

  /** fal's result, with no more images than were asked for (extras are logged, never saved). */
  async #resultOf(rec: PendingRecord, fal: FalService, signal?: AbortSignal): Promise<FalOutput> {
    const asked = imagesAsked(rec.input);
    const { output, extra } = limitToAsked(await fal.result(rec.endpoint, rec.requestId, signal, resultByteCap(rec.input)), asked);
    if (extra) this.s.log.warn(C, `Request ${rec.requestId}: fal's result lists ${extra} image(s) more than the ${asked} asked for; only ${asked} are kept.`);
    return output;
  }

  /** Follows a cancelled request in the background (stopped by suspend; resumed at the next start). */
  #follower(rec: PendingRecord, fal: FalService): void {
    const work = this.#followCancelled(rec, fal, this.#session.signal).finally(() => this.#followers.delete(work));
    this.#followers.add(work);
    this.#notify.later(`Following the cancelled request ${rec.requestId} failed`, work);
  }

  /**
   * After Cancel: waits for fal to end the request. Cancelled there: the record goes. Finished anyway
   * (the model did not stop): it was paid for, so its result is kept as unsaved and offered.
   */
  async #followCancelled(rec: PendingRecord, fal: FalService, signal: AbortSignal): Promise<void> {
    let output: FalOutput;
    try {
      await fal.waitUntilDone(rec.endpoint, rec.requestId, () => undefined, signal);
      output = await this.#resultOf(rec, fal, signal);
    } catch (err) {
      if (signal.aborted) return; // suspended: the record (cancelRequested) is followed again next time
      const e = toGrokError(err);
      // A 404 here ends it like a cancel: the person asked for it to stop, and fal no longer has it.
      if (e.kind === "network" || e.kind === "server" || e.kind === "rateLimited") {
        // Unknown: keep the record so that the next start (or Retry Saving) asks fal again.
        rec.state = "unsaved";
        rec.problem = `cancelled, but whether fal stopped it is unknown (${e.message})`;
        await this.#store.put(rec);
        this.s.log.warn(C, `Request ${rec.requestId}: ${rec.problem}`);
        return;
      }
      this.s.log.info(C, `Request ${rec.requestId} ended cancelled at fal (${e.kind}).`);
      await this.#store.drop(rec.id);
      return;
    }
    this.s.log.warn(C, `Request ${rec.requestId} finished at fal although it was cancelled; keeping its ${output.images.length} image(s).`);
    rec.state = "unsaved";
    rec.problem = "the request finished at fal although you cancelled it";
    rec.revisedPrompt = output.revised_prompt;
    if (rec.input.sync_mode) {
      try {
        rec.stash = await this.#store.stash(rec.id, await downloadAll(output.images, rec.outputFormat, { policy: this.#urlPolicy(), signal }));
      } catch (err) {
        this.s.log.error(C, `Could not keep the images of request ${rec.requestId}`, err);
      }
    } else {
      rec.output = output;
    }
    await this.#store.put(rec);
    const choice = await this.#notify.keptAfterCancel(rec.prompt, output.images.length);
    if (choice === "Save Them") await this.retrySaving(rec.id);
    if (choice === "Discard") await this.discard(rec.id);
  }

  async #saveOutput(rec: PendingRecord, output: FalOutput, job: TrackedJob, opts: SaveOptions): Promise<SavedItem[]> {
    job.update({ state: "downloading" });
    job.say(`Downloading ${output.images.length} image${output.images.length === 1 ? "" : "s"}…`);
    let images: ImageToSave[];
    try {
      // A result fal made is paid for: the person's Cancel does not stop its download, a suspend does.
      let verifyMs = 0;
      images = await downloadAll(output.images, rec.outputFormat, { policy: this.#urlPolicy(), signal: job.stopSignal, verified: (ms) => (verifyMs += ms) });
      job.mark("downloaded");
      job.note(`verify ${verifyMs.toFixed(1)}`);
    } catch (err) {
      return this.#fail(toGrokError(err), { endpoint: rec.endpoint, rec, quiet: this.#quiet.get(job.id) });
    }
    return this.#saveBytes(rec, images, output.revised_prompt, job, opts);
  }

  async #saveBytes(rec: PendingRecord, images: readonly ImageToSave[], revised: string, job: TrackedJob, opts: SaveOptions): Promise<SavedItem[]> {
    job.update({ state: "saving" });
    job.say("Saving…");
    const folder = vscode.Uri.parse(rec.folder);
    const provenance = this.#provenanceOf(rec, revised, images.length);
    const stamped = readSettings(folder).embedMetadata ? images.map((img, i) => this.#stampOne(rec, img, provenance[i], i)) : images.map((img) => ({ image: img, written: "none" as const }));
    job.mark("stamped");
    let uris: vscode.Uri[];
    try {
      uris = await this.#saver.save(folder, rec.stem, stamped.map((x) => x.image), rec.numbered, (m) => this.s.log.warn(C, m), (stage) => job.mark(stage), opts.temps);
      job.mark("saved");
    } catch (err) {
      const detail = errorText(err);
      rec.state = "unsaved";
      rec.problem = `The images could not be written to ${vscode.workspace.asRelativePath(folder)}: ${detail}`;
      rec.stash = await this.#store.stash(rec.id, images);
      rec.revisedPrompt = revised;
      await this.#store.put(rec);
      return this.#fail(new GrokError("failed", `${rec.problem}. They are kept; fix the folder and choose Retry Saving.`, detail), { endpoint: rec.endpoint, rec, quiet: this.#quiet.get(job.id) });
    }
    // The record leaves workspace storage in memory at once (Memento.update), so nothing in this
    // session offers it again; its write to disk, a round trip to the workbench, and the stash's
    // removal go on without the job waiting for them.
    this.#notify.later(`Could not forget the saved request ${rec.requestId}`, Promise.all([this.#store.drop(rec.id), this.#store.dropStash(rec.stash)]));
    job.mark("cleared");
    this.s.log.info(C, `Request ${rec.requestId}: timings (ms) ${job.timings()}; wrote ${uris.map((u) => vscode.workspace.asRelativePath(u)).join(", ")}. Revised prompt: ${JSON.stringify(revised)}`);
    const items: SavedItem[] = uris.map((uri, i) => ({ uri, provenance: provenance[i], written: stamped[i].written }));
    if (!this.#quiet.has(job.id)) this.#notify.saved(uris, revised, opts);
    this.#savedEmitter.fire(items);
    return items;
  }

  /** Each image's provenance: what made it, whether or not it is written into the file. */
  #provenanceOf(rec: PendingRecord, revised: string, count: number): Provenance[] {
    const base: ProvenanceBase = {
      kind: rec.kind,
      endpoint: rec.endpoint,
      input: rec.input,
      revisedPrompt: revised,
      requestId: rec.requestId,
      sources: rec.sources,
      creatorTool: creatorTool(this.s.context.extension.packageJSON),
      createDate: new Date().toISOString(),
    };
    return Array.from({ length: count }, (_, i) => provenanceFor(base, i));
  }

  /** Adds an image's provenance (XMP) in memory, before the one atomic save. */
  #stampOne(rec: PendingRecord, image: ImageToSave, p: Provenance, i: number): { image: ImageToSave; written: SavedItem["written"] } {
    const stamped = stamp(image, p);
    if (stamped.note) this.s.log.info(C, `Image ${i + 1} of request ${rec.requestId}: ${stamped.sidecar !== undefined ? "provenance goes to a sidecar .xmp" : "saved without provenance"} (${stamped.note}).`);
    return { image: stamped, written: stamped.sidecar !== undefined ? "sidecar" : stamped.note ? "none" : "embedded" };
  }

  /**
   * Shows a failure with what to do, and logs it. A request fal already took (ctx.rec) is kept when
   * the failure may pass (network, 5xx, download, key, a refused answer, a proxy setting) or when fal
   * answers 404 (a mistyped proxy is enough): "Retry Saving" asks for its result again by id instead
   * of paying for a new one, "Discard" forgets it.
   */
  async #fail(e: GrokError, ctx: FailContext): Promise<SavedItem[]> {
    if (e.kind === "cancelled") return [];
    const rec = ctx.rec;
    const jobId = rec?.id ?? ctx.jobId;
    if (jobId !== undefined) this.#failureListeners.get(jobId)?.(e);
    const unknown = rec !== undefined && e.kind === "notFound";
    const keep = rec !== undefined && (rec.state !== "waiting" || e.retryable || unknown || e.kind === "auth" || e.kind === "refused" || e.kind === "settings");
    let message = e.message;
    if (rec && unknown) {
      rec.state = "unknown";
      rec.problem = `fal does not know request ${rec.requestId} (HTTP 404)`;
      message = `fal does not know the request for "${rec.prompt.slice(0, 60)}" (HTTP 404): it may have expired, or grokImagine.proxyUrl is not the one it was sent through. It is kept: fix the proxy and choose Retry Saving, or Discard it.`;
      await this.#store.put(rec);
    } else if (rec && keep) {
      if (rec.state === "waiting") rec.state = "unsaved";
      rec.problem ??= e.message;
      await this.#store.put(rec);
    } else if (rec) {
      await this.#store.drop(rec.id);
    }
    this.s.log.error(C, `${ctx.endpoint}${rec ? ` request ${rec.requestId}` : ""} failed (${e.kind}): ${e.message}${e.detail ? ` [${e.detail}]` : ""}`);
    if (ctx.quiet) {
      // Its owner reports it (one summary for a batch, not a message per line).
      ctx.quiet.error = e;
      ctx.quiet.kept = keep;
      return [];
    }
    const buttons: ("Set API Key" | "Open Settings" | "Show Log" | FailChoice)[] = [];
    if (e.kind === "auth") buttons.push("Set API Key");
    if (e.kind === "settings") buttons.push("Open Settings");
    if (keep) buttons.push("Retry Saving");
    if (keep && (unknown || e.kind === "refused")) buttons.push("Discard");
    else if (!rec && e.retryable && ctx.retry) buttons.push("Retry");
    buttons.push("Show Log");
    const followUp = this.#notify.failed(message, buttons).then(async (choice) => {
      if (choice === "Retry Saving" && rec) await this.retrySaving(rec.id);
      if (choice === "Discard" && rec) await this.discard(rec.id);
      if (choice === "Retry" && ctx.retry) await ctx.retry();
    });
    this.#notify.later("The failure's follow-up failed", followUp);
    return [];
  }
}

/** "Grok Imagine for VS Code <version>", from the extension's package.json. */
function creatorTool(packageJson: unknown): string {
  const version = typeof packageJson === "object" && packageJson !== null ? (packageJson as { version?: unknown }).version : undefined;
  return `Grok Imagine for VS Code ${typeof version === "string" ? version : ""}`.trim();
}
