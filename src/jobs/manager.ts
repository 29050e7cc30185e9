/**
 * One job runner for every entry point (palette, Explorer, gallery, scripts): submit, wait with
 * progress, cancel at fal, download + verify, save, open. Each job is recorded in the workspace's
 * storage before it waits, so a reload, a quit or a network drop never loses a paid-for result: the
 * next activation resumes it, and a result that could not be saved is kept and offered again.
 */
import { performance } from "node:perf_hooks";
import * as vscode from "vscode";
import { GrokError, toGrokError } from "../fal/errors";
import { FalService, type QueueProgress } from "../fal/service";
import type { ImageFormat } from "../images/sniff";
import { describeInput } from "../model/request";
import type { EditInput, FalOutput, GenerateInput } from "../model/params";
import type { Services } from "../services";
import { readSettings } from "../settings";
import { saveImages, type ImageToSave } from "../workspace/save";
import { downloadAll, limitToAsked, resultByteCap, type UrlPolicy } from "./download";
import { GALLERY_VIEW_TYPE } from "../protocol";
import type { JobKind, PendingRecord, RequestBody, SourceRef } from "./records";
import { PendingStore } from "./store";
import { provenanceFor, stamp, type ProvenanceBase } from "../provenance/stamp";

export type { JobKind, RequestBody, SourceRef } from "./records";
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

export type JobState = "preparing" | "submitting" | "queued" | "running" | "downloading" | "saving";

export interface JobView {
  readonly id: string;
  readonly kind: JobKind;
  readonly prompt: string;
  readonly state: JobState;
  readonly position?: number;
  readonly lastLog?: string;
  readonly requestId?: string;
}

const C = "jobs";

interface Active {
  view: JobView;
  readonly abort: AbortController;
  /** Stage timestamps (ms since the job started) for the log. */
  readonly marks?: [string, number][];
}

function mark(a: Active | undefined, stage: string): void {
  if (!a?.marks) return;
  const start = a.marks[0]?.[1] ?? performance.now();
  if (!a.marks.length) a.marks.push(["start", start]);
  a.marks.push([stage, performance.now()]);
}

function timings(a: Active | undefined): string {
  if (!a?.marks?.length) return "";
  const t0 = a.marks[0][1];
  return a.marks.slice(1).map(([k, t]) => `${k} +${Math.round(t - t0)}`).join(", ");
}

export class JobManager implements vscode.Disposable {
  private readonly active = new Map<string, Active>();
  /** JobRequest.showFirst of the running jobs that have one, by job id. */
  private readonly showsFirst = new Map<string, (first: vscode.Uri) => void>();
  private readonly changed = new vscode.EventEmitter<readonly JobView[]>();
  readonly onDidChange = this.changed.event;
  private seq = 0;
  private disposed = false;

  private readonly store: PendingStore;

  constructor(private readonly s: Services) {
    this.store = new PendingStore(s.context.workspaceState, s.context.storageUri ?? s.context.globalStorageUri, s.log);
  }

  /** Runs `work` without waiting for it; a failure is logged, never left unhandled. */
  private background(what: string, work: Thenable<unknown>): void {
    work.then(undefined, (err: unknown) => this.s.log.error(C, what, err));
  }

  list(): JobView[] {
    return [...this.active.values()].map((a) => a.view);
  }

  /** Stops waiting and cancels the request at fal; a result already made is still saved. */
  cancel(id: string): boolean {
    const a = this.active.get(id);
    if (!a) return false;
    a.abort.abort();
    return true;
  }

  cancelAll(): void {
    for (const id of this.active.keys()) this.cancel(id);
  }

  pending(): readonly PendingRecord[] {
    return this.store.all();
  }

  private putPending(rec: PendingRecord): Promise<void> {
    return this.store.put(rec);
  }

  private dropPending(id: string): Promise<void> {
    return this.store.drop(id);
  }

  /** Retries every kept result that is not being worked on now; resolves to all files saved. */
  async retryAllUnsaved(): Promise<vscode.Uri[]> {
    const todo = this.pending().filter((r) => r.state !== "waiting" && !this.active.has(r.id));
    if (!todo.length) {
      this.background("Could not show a message", this.s.ui.current.showInformationMessage("Grok Imagine: there are no unsaved images."));
      return [];
    }
    const saved: vscode.Uri[] = [];
    for (const r of todo) saved.push(...(await this.retrySaving(r.id)));
    return saved;
  }

  /** Forgets every kept result (and its stashed files). */
  discardAll(): Promise<void> {
    return this.store.discardAll();
  }

  private update(a: Active, patch: Partial<JobView>): void {
    a.view = { ...a.view, ...patch };
    this.changed.fire(this.list());
  }

  /** A client for this key and the proxy setting; a wrong proxy setting throws a "settings" GrokError. */
  private fal(key: string): FalService {
    const proxy = readSettings().proxy;
    if (proxy && !proxy.ok) throw new GrokError("settings", proxy.problem);
    return new FalService({ key, proxyUrl: proxy?.url });
  }

  /** Result images may come from loopback only when the proxy is there too (a local fake or proxy). */
  private urlPolicy(): UrlPolicy {
    const proxy = readSettings().proxy;
    return { allowLoopback: proxy?.ok === true && proxy.loopback };
  }

  /** fal's result, with no more images than were asked for (extras are logged, never saved). */
  private async resultOf(rec: PendingRecord, fal: FalService): Promise<FalOutput> {
    const { output, extra } = limitToAsked(await fal.result(rec.endpoint, rec.requestId, undefined, resultByteCap(rec.input)), rec.input.num_images);
    if (extra) this.s.log.warn(C, `Request ${rec.requestId}: fal's result lists ${extra} image(s) more than the ${rec.input.num_images} asked for; only ${rec.input.num_images} are kept.`);
    return output;
  }

  /** Runs a job with a cancellable progress notification; resolves to the saved files ([] if none). */
  async run(req: JobRequest): Promise<vscode.Uri[]> {
    const key = await this.s.keys.require();
    if (!key) return [];
    const id = `${Date.now().toString(36)}-${(this.seq++).toString(36)}`;
    const a: Active = { view: { id, kind: req.kind, prompt: req.prompt, state: "preparing" }, abort: new AbortController(), marks: [] };
    mark(a, "asked");
    this.active.set(id, a);
    if (req.showFirst) this.showsFirst.set(id, req.showFirst);
    this.changed.fire(this.list());
    try {
      return await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Grok Imagine: ${req.kind === "edit" ? "editing" : "generating"}`, cancellable: true },
        (progress, token) => {
          token.onCancellationRequested(() => a.abort.abort());
          return this.execute(req, id, a, key, (m) => progress.report({ message: m }));
        },
      );
    } finally {
      this.active.delete(id);
      this.showsFirst.delete(id);
      this.changed.fire(this.list());
    }
  }

  private async execute(req: JobRequest, id: string, a: Active, key: string, say: (m: string) => void): Promise<vscode.Uri[]> {
    const signal = a.abort.signal;
    const t0 = Date.now();
    let fal: FalService;
    let input: RequestBody;
    let requestId: string | undefined;
    try {
      fal = this.fal(key);
      if (typeof req.input === "function") {
        say("Uploading images…");
        input = await req.input(signal, fal);
      } else {
        input = req.input;
      }
      this.update(a, { state: "submitting" });
      say("Sending the request…");
      mark(a, "prepared");
      // Not aborted mid-flight: a POST that reached fal may be queued (and paid for) even if we stop
      // listening, so it runs to its answer and a cancel follows below.
      requestId = await fal.submit(req.endpoint, input);
      mark(a, "submitted");
      this.s.log.info(C, `Submitted ${req.endpoint} request ${requestId}: ${describeInput(input)}; prompt ${JSON.stringify(req.prompt)}.`);
    } catch (err) {
      return this.fail(req, toGrokError(err), undefined);
    }
    const rec: PendingRecord = {
      id, kind: req.kind, endpoint: req.endpoint, input, prompt: req.prompt, outputFormat: req.outputFormat,
      folder: req.folder.toString(), stem: req.stem, numbered: req.numbered, requestId, createdAt: t0, state: "waiting",
      ...(req.sources ? { sources: req.sources } : {}),
    };
    // The record is in workspace storage (in memory at once) before waiting starts; writing it to
    // disk runs alongside the wait instead of delaying it.
    const recorded = this.putPending(rec);
    mark(a, "recorded");
    if (signal.aborted && this.disposed) {
      // The window went away while the submit was in flight: the record resumes it next time.
      await recorded;
      return [];
    }
    this.update(a, { state: "queued", requestId });
    const [uris] = await Promise.all([this.finish(rec, fal, a, say), recorded]);
    return uris;
  }

  /** Waits for a submitted request, then downloads and saves its images. Shared with resume. */
  private async finish(rec: PendingRecord, fal: FalService, a: Active, say: (m: string) => void): Promise<vscode.Uri[]> {
    const signal = a.abort.signal;
    const tSubmit = Date.now();
    let tRun: number | undefined;
    let cancelledLate = false;
    try {
      await fal.waitUntilDone(rec.endpoint, rec.requestId, (p: QueueProgress) => {
        if (p.state === "queued") {
          this.update(a, { state: "queued", position: p.position });
          say(p.position !== undefined ? `Queued at fal (position ${p.position + 1})…` : "Queued at fal…");
        } else if (p.state === "running") {
          tRun ??= Date.now();
          this.update(a, { state: "running", lastLog: p.lastLog });
          say(p.lastLog ? `Generating: ${p.lastLog}` : "Generating…");
        }
      }, signal);
    } catch (err) {
      const e = toGrokError(err);
      if (e.kind !== "cancelled" && !signal.aborted) return this.fail(rec, e, rec);
      if (this.disposed) return []; // the window is going away: the record stays for the next activation
      const outcome = await fal.cancel(rec.endpoint, rec.requestId);
      this.s.log.info(C, `Cancel asked for request ${rec.requestId}: fal answered ${outcome}.`);
      if (outcome !== "alreadyCompleted") {
        // fal may still finish a request it had started (and charge for it): follow it to its end in
        // the background, and keep its images if it does, without saving what the person cancelled.
        this.background(`Following the cancelled request ${rec.requestId} failed`, this.followCancelled(rec, fal));
        return [];
      }
      cancelledLate = true; // it finished before the cancel arrived: it is paid for, so keep it
    }
    mark(a, "completed");
    const tDone = Date.now();
    let output: FalOutput;
    try {
      output = await this.resultOf(rec, fal);
      mark(a, "result");
    } catch (err) {
      return this.fail(rec, toGrokError(err), rec);
    }
    this.s.log.info(C, `Request ${rec.requestId} completed: queued ${((tRun ?? tDone) - tSubmit)} ms, ran ${tRun ? tDone - tRun : 0} ms, ${output.images.length} image(s).`);
    if (!rec.input.sync_mode) {
      rec.output = output;
      this.background("Could not record the result", this.putPending(rec));
    }
    return this.saveOutput(rec, output, a, say, cancelledLate);
  }

  /**
   * After Cancel: waits for fal to end the request. Cancelled there: the record goes. Finished anyway
   * (the model did not stop): it was paid for, so its result is kept as unsaved and offered.
   */
  private async followCancelled(rec: PendingRecord, fal: FalService): Promise<void> {
    let output: FalOutput;
    try {
      await fal.waitUntilDone(rec.endpoint, rec.requestId, () => undefined);
      output = await this.resultOf(rec, fal);
    } catch (err) {
      const e = toGrokError(err);
      if (e.kind === "network" || e.kind === "server" || e.kind === "rateLimited") {
        // Unknown: keep the record so that the next activation (or Retry Saving) asks fal again.
        rec.state = "unsaved";
        rec.problem = `cancelled, but whether fal stopped it is unknown (${e.message})`;
        await this.putPending(rec);
        this.s.log.warn(C, `Request ${rec.requestId}: ${rec.problem}`);
        return;
      }
      this.s.log.info(C, `Request ${rec.requestId} ended cancelled at fal (${e.kind}).`);
      await this.dropPending(rec.id);
      return;
    }
    this.s.log.warn(C, `Request ${rec.requestId} finished at fal although it was cancelled; keeping its ${output.images.length} image(s).`);
    rec.state = "unsaved";
    rec.problem = "the request finished at fal although you cancelled it";
    rec.revisedPrompt = output.revised_prompt;
    if (rec.input.sync_mode) {
      try {
        rec.stash = await this.store.stash(rec.id, await downloadAll(output.images, rec.outputFormat, { policy: this.urlPolicy() }));
      } catch (err) {
        this.s.log.error(C, `Could not keep the images of request ${rec.requestId}`, err);
      }
    } else {
      rec.output = output;
    }
    await this.putPending(rec);
    const n = output.images.length;
    const choice = await this.s.ui.current.showWarningMessage(
      `Grok Imagine: the request you cancelled ("${rec.prompt.slice(0, 60)}") finished at fal anyway, so it may be charged. Its ${n === 1 ? "image was" : `${n} images were`} kept, not saved.`,
      "Save Them",
      "Discard",
    );
    if (choice === "Save Them") await this.retrySaving(rec.id);
    if (choice === "Discard") await this.discard(rec.id);
  }

  private discard(id: string): Promise<void> {
    return this.store.discard(id);
  }

  private async saveOutput(rec: PendingRecord, output: FalOutput, a: Active | undefined, say: (m: string) => void, cancelledLate: boolean): Promise<vscode.Uri[]> {
    if (a) this.update(a, { state: "downloading" });
    say(`Downloading ${output.images.length} image${output.images.length === 1 ? "" : "s"}…`);
    let images: ImageToSave[];
    try {
      images = await downloadAll(output.images, rec.outputFormat, { policy: this.urlPolicy() });
      mark(a, "downloaded");
    } catch (err) {
      return this.fail(rec, toGrokError(err), rec);
    }
    return this.saveBytes(rec, images, output.revised_prompt, a, say, cancelledLate);
  }

  private async saveBytes(rec: PendingRecord, images: ImageToSave[], revised: string, a: Active | undefined, say: (m: string) => void, cancelledLate: boolean): Promise<vscode.Uri[]> {
    if (a) this.update(a, { state: "saving" });
    say("Saving…");
    const folder = vscode.Uri.parse(rec.folder);
    const toSave = readSettings(folder).embedMetadata ? this.stampAll(rec, images, revised) : images;
    let uris: vscode.Uri[];
    try {
      uris = await saveImages(folder, rec.stem, toSave, rec.numbered, (m) => this.s.log.warn(C, m));
      mark(a, "saved");
    } catch (err) {
      const detail = err instanceof Error ? err.message : String(err);
      rec.state = "unsaved";
      rec.problem = `The images could not be written to ${vscode.workspace.asRelativePath(folder)}: ${detail}`;
      rec.stash = await this.store.stash(rec.id, images);
      rec.revisedPrompt = revised;
      await this.putPending(rec);
      return this.fail(rec, new GrokError("failed", `${rec.problem}. They are kept; fix the folder and choose Retry Saving.`, detail), rec);
    }
    await Promise.all([this.dropPending(rec.id), this.store.dropStash(rec.stash)]);
    mark(a, "cleared");
    this.s.log.info(C, `Request ${rec.requestId}: timings (ms) ${timings(a)}; wrote ${uris.map((u) => vscode.workspace.asRelativePath(u)).join(", ")}. Revised prompt: ${JSON.stringify(revised)}`);
    this.announce(rec, uris, revised, cancelledLate);
    return uris;
  }

  /** Adds each image's provenance (XMP) in memory, before the one atomic save. */
  private stampAll(rec: PendingRecord, images: readonly ImageToSave[], revised: string): ImageToSave[] {
    const base: ProvenanceBase = {
      kind: rec.kind,
      endpoint: rec.endpoint,
      input: rec.input,
      revisedPrompt: revised,
      requestId: rec.requestId,
      sources: rec.sources,
      creatorTool: `Grok Imagine for VS Code ${String((this.s.context.extension.packageJSON as { version?: unknown }).version ?? "")}`.trim(),
      createDate: new Date().toISOString(),
    };
    return images.map((img, i) => {
      const stamped = stamp(img, provenanceFor(base, i));
      if (stamped.note) this.s.log.info(C, `Image ${i + 1} of request ${rec.requestId}: ${stamped.sidecar !== undefined ? "provenance goes to a sidecar .xmp" : "saved without provenance"} (${stamped.note}).`);
      return stamped;
    });
  }

  private announce(rec: PendingRecord, uris: vscode.Uri[], revised: string, cancelledLate: boolean): void {
    const showFirst = this.showsFirst.get(rec.id);
    if (readSettings(uris[0]).openAfterSave) {
      // Started from the gallery: open beside it rather than over it.
      const active = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
      const beside = active instanceof vscode.TabInputWebview && active.viewType.endsWith(GALLERY_VIEW_TYPE);
      const viewColumn = beside ? vscode.ViewColumn.Beside : undefined;
      uris.forEach((u, i) => {
        if (i === 0 && showFirst) return;
        this.background(`Could not open ${u.toString()}`, vscode.commands.executeCommand("vscode.open", u, { preview: false, preserveFocus: i > 0, viewColumn }));
      });
    }
    showFirst?.(uris[0]);
    const where = vscode.workspace.asRelativePath(uris[0]);
    const what = uris.length === 1 ? `Saved ${where}.` : `Saved ${uris.length} images (${where}, …).`;
    const late = cancelledLate ? " The request had already finished when you cancelled, so its images were kept." : "";
    const rp = revised ? ` Revised prompt: "${revised.length > 300 ? revised.slice(0, 300) + "…" : revised}"` : "";
    this.background("Could not show a message", this.s.ui.current.showInformationMessage(`Grok Imagine: ${what}${late}${rp}`));
  }

  /**
   * Shows a failure with what to do, and logs it. A request fal already has (rec) is kept when the
   * failure may pass (network, 5xx, download, key): "Retry Saving" fetches its result again by id
   * instead of paying for a new one.
   */
  private async fail(req: JobRequest | PendingRecord, e: GrokError, rec: PendingRecord | undefined): Promise<vscode.Uri[]> {
    if (e.kind === "cancelled") return [];
    // A 404 for a request fal took is kept: it may be a mistyped proxy, not a request fal forgot.
    const unknown = rec !== undefined && e.kind === "notFound";
    const keep = rec !== undefined && (rec.state !== "waiting" || e.retryable || e.kind === "auth" || e.kind === "refused" || e.kind === "settings" || unknown);
    let message = e.message;
    if (rec && unknown) {
      rec.state = "unknown";
      rec.problem = `fal does not know request ${rec.requestId} (HTTP 404)`;
      message = `fal does not know the request for "${rec.prompt.slice(0, 60)}" (HTTP 404): it may have expired, or grokImagine.proxyUrl is not the one it was sent through. It is kept: fix the proxy and choose Retry Saving, or Discard it.`;
      await this.putPending(rec);
    } else if (rec && keep) {
      rec.state = "unsaved";
      rec.problem ??= e.message;
      await this.putPending(rec);
    } else if (rec) {
      await this.dropPending(rec.id);
    }
    this.s.log.error(C, `${req.endpoint}${rec ? ` request ${rec.requestId}` : ""} failed (${e.kind}): ${e.message}${e.detail ? ` [${e.detail}]` : ""}`);
    const buttons: string[] = [];
    if (e.kind === "auth") buttons.push("Set API Key");
    if (e.kind === "settings") buttons.push("Open Settings");
    if (keep) buttons.push("Retry Saving");
    if (keep && (unknown || e.kind === "refused")) buttons.push("Discard");
    else if (e.retryable && !rec && "input" in req) buttons.push("Retry");
    buttons.push("Show Log");
    const chosen = this.s.ui.current.showErrorMessage(this.s.log.redact(`Grok Imagine: ${message}`), ...buttons).then(async (choice) => {
      if (choice === "Set API Key") await vscode.commands.executeCommand("grokImagine.setApiKey");
      if (choice === "Open Settings") await vscode.commands.executeCommand("workbench.action.openSettings", "grokImagine.proxyUrl");
      if (choice === "Show Log") this.s.log.show();
      if (choice === "Retry Saving" && rec) await this.retrySaving(rec.id);
      if (choice === "Discard" && rec) await this.discard(rec.id);
      if (choice === "Retry" && !rec) await this.run(req as JobRequest);
    });
    this.background("The failure's follow-up failed", chosen);
    return [];
  }

  /** Saves a kept result again (after a failed download or write). */
  async retrySaving(id: string): Promise<vscode.Uri[]> {
    const rec = this.pending().find((r) => r.id === id);
    if (!rec || this.active.has(id)) return []; // gone, or being saved right now (no second copy)
    const a: Active = { view: { id, kind: rec.kind, prompt: rec.prompt, state: "downloading", requestId: rec.requestId }, abort: new AbortController() };
    this.active.set(id, a);
    try {
      return await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: "Grok Imagine: saving" }, async (progress) => {
        const say = (m: string) => progress.report({ message: m });
        if (rec.stash?.length) {
          const images = await this.store.readStash(rec.stash, rec.outputFormat);
          return this.saveBytes(rec, images, rec.revisedPrompt ?? rec.output?.revised_prompt ?? "", a, say, false);
        }
        if (rec.output) return this.saveOutput(rec, rec.output, a, say, false);
        // Only the request id survived: ask fal again.
        const key = await this.s.keys.get();
        if (!key) return [];
        const fal = this.fal(key.key);
        return this.finish(rec, fal, a, say);
      });
    } finally {
      this.active.delete(id);
      this.changed.fire(this.list());
    }
  }

  /** Called on activation: completes jobs a reload or quit interrupted, offers unsaved results. */
  async resumePending(): Promise<void> {
    const records = this.pending();
    this.store.refreshContext(records);
    if (!records.length) return;
    const key = await this.s.keys.get();
    for (const rec of records) {
      if (rec.state === "waiting" && key) {
        this.s.log.info(C, `Resuming request ${rec.requestId} (${rec.endpoint}) interrupted by a reload.`);
        const a: Active = { view: { id: rec.id, kind: rec.kind, prompt: rec.prompt, state: "queued", requestId: rec.requestId }, abort: new AbortController() };
        this.active.set(rec.id, a);
        const resumed = vscode.window
          .withProgress({ location: vscode.ProgressLocation.Notification, title: "Grok Imagine: resuming", cancellable: true }, (progress, token) => {
            token.onCancellationRequested(() => a.abort.abort());
            return this.finish(rec, this.fal(key.key), a, (m) => progress.report({ message: m }));
          })
          .then(undefined, (err: unknown) => this.s.log.error(C, `Resuming ${rec.requestId} failed`, err))
          .then(() => {
            this.active.delete(rec.id);
            this.changed.fire(this.list());
          });
        this.background(`Resuming ${rec.requestId} failed`, resumed);
      } else {
        const n = rec.output?.images.length ?? rec.stash?.length ?? 0;
        const text =
          rec.state === "unknown"
            ? `Grok Imagine: fal does not know the request for "${rec.prompt.slice(0, 80)}" (HTTP 404). If grokImagine.proxyUrl was mistyped, fix it and choose Retry Saving; otherwise Discard it.`
            : `Grok Imagine: ${n || "The"} image${n === 1 ? "" : "s"} for "${rec.prompt.slice(0, 80)}" ${n === 1 ? "was" : "were"} not saved${rec.problem ? ` (${rec.problem})` : ""}.`;
        const offered = this.s.ui.current.showWarningMessage(text, "Retry Saving", "Discard").then(async (choice) => {
          if (choice === "Retry Saving") await this.retrySaving(rec.id);
          if (choice === "Discard") await this.discard(rec.id);
        });
        this.background(`Offering the kept result of ${rec.requestId} failed`, offered);
      }
    }
  }

  /** On deactivation (reload, quit) jobs stop waiting but are not cancelled at fal: they resume. */
  dispose(): void {
    this.disposed = true;
    for (const a of this.active.values()) a.abort.abort();
    this.changed.dispose();
  }
}
