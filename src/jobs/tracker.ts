/**
 * The jobs running now: one place that registers a job, shows it in a cancellable progress
 * notification, lets the gallery and tests list and cancel it, and removes it when it ends, firing
 * onDidChange at each step. Every entry point's job goes through {@link JobTracker.track}, so they
 * cannot drift apart.
 *
 * Two ways a job stops early: **cancel** (the person: the pipeline then cancels the request at fal)
 * and **suspend** (the window is going away, or a test restarts the pipeline: the request is left
 * running at fal and its record resumes it).
 */
import { performance } from "node:perf_hooks";
import * as vscode from "vscode";
import type { JobKind } from "./records";

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

/** A running job, as the pipeline's steps see it. */
export interface TrackedJob {
  readonly id: string;
  /** Aborts on cancel or suspend. */
  readonly signal: AbortSignal;
  /** Aborts on suspend only (downloads of a result fal already made stop only then). */
  readonly stopSignal: AbortSignal;
  /** The job was suspended, not cancelled: leave its record for the next start, cancel nothing at fal. */
  readonly suspended: boolean;
  update(patch: Partial<JobView>): void;
  /** The progress notification's line. */
  say(message: string): void;
  /** Records when a stage ended, for the timings in the log. */
  mark(stage: string): void;
  /** Adds a figure that is not a point in time (e.g. "verify 1.2": ms spent in all the images' checks) to the timings. */
  note(figure: string): void;
  /** "stage +ms, …" since the job started, then the notes. */
  timings(): string;
}

/**
 * How a job shows: its own cancellable progress notification, or quietly (no notification), cancelled
 * when the caller's signal aborts.
 */
export type JobDisplay = { readonly title: string; readonly cancellable: boolean } | { readonly quiet: AbortSignal };

interface Entry {
  view: JobView;
  readonly cancel: AbortController;
  readonly stop: AbortController;
  done: Promise<unknown>;
}

export class JobTracker implements vscode.Disposable {
  readonly #active = new Map<string, Entry>();
  readonly #changed = new vscode.EventEmitter<readonly JobView[]>();
  readonly onDidChange = this.#changed.event;

  list(): JobView[] {
    return [...this.#active.values()].map((e) => e.view);
  }

  has(id: string): boolean {
    return this.#active.has(id);
  }

  /** The person's cancel (the progress notification's Cancel, the gallery's). */
  cancel(id: string): boolean {
    const e = this.#active.get(id);
    if (!e) return false;
    e.cancel.abort();
    return true;
  }

  /**
   * Runs `body` as a job: registered and announced, shown in a progress notification whose Cancel
   * aborts `job.signal`, then removed and announced again, however it ends.
   */
  track<T>(view: JobView, progress: JobDisplay, body: (job: TrackedJob) => Promise<T>): Promise<T> {
    const cancel = new AbortController();
    const stop = new AbortController();
    const signal = AbortSignal.any([cancel.signal, stop.signal]);
    const t0 = performance.now();
    const marks: [string, number][] = [];
    const notes: string[] = [];
    const entry: Entry = { view, cancel, stop, done: Promise.resolve() };
    let report: (message: string) => void = () => undefined;
    const job: TrackedJob = {
      id: view.id,
      signal,
      stopSignal: stop.signal,
      get suspended() {
        return stop.signal.aborted;
      },
      update: (patch) => {
        if (this.#active.get(view.id) !== entry) return;
        entry.view = { ...entry.view, ...patch };
        this.#changed.fire(this.list());
      },
      say: (message) => report(message),
      mark: (stage) => {
        marks.push([stage, performance.now()]);
      },
      note: (figure) => {
        notes.push(figure);
      },
      timings: () => [...marks.map(([k, t]) => `${k} +${Math.round(t - t0)}`), ...notes].join(", "),
    };
    this.#active.set(view.id, entry);
    this.#changed.fire(this.list());
    let run: Thenable<T>;
    if ("quiet" in progress) {
      // Shown by its caller (a batch's one notification): the caller's signal is its Cancel.
      const onAbort = () => cancel.abort();
      if (progress.quiet.aborted) cancel.abort();
      else progress.quiet.addEventListener("abort", onAbort, { once: true });
      run = body(job).finally(() => progress.quiet.removeEventListener("abort", onAbort));
    } else {
      run = vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: progress.title, cancellable: progress.cancellable }, (p, token) => {
        report = (message) => p.report({ message });
        token.onCancellationRequested(() => cancel.abort());
        return body(job);
      });
    }
    const done = Promise.resolve(run).finally(() => {
      if (this.#active.get(view.id) === entry) this.#active.delete(view.id);
      this.#changed.fire(this.list());
    });
    entry.done = done;
    return done;
  }

  /** Suspends every job (nothing is cancelled at fal) and resolves once they have all ended. */
  async suspendAll(): Promise<void> {
    const entries = [...this.#active.values()];
    for (const e of entries) e.stop.abort();
    await Promise.allSettled(entries.map((e) => e.done));
  }

  dispose(): void {
    for (const e of this.#active.values()) e.stop.abort();
    this.#changed.dispose();
  }
}
