/**
 * Runs batches: a few lines at a time through the one job pipeline (quietly: the batch shows ONE
 * progress notification), their submits paced together by one gate when fal answers 429, each line
 * recorded in workspace storage as it is sent and as it ends. A line that fails does not stop the
 * others. Cancel cancels the requests in flight at fal and sends no more. A reload suspends the
 * batch; the next start finishes it, following the lines fal already took (by request id) and
 * sending only the ones it never took.
 */
import * as vscode from "vscode";
import { formatUsd } from "../api";
import type { JobOutcome, JobOwner, Jobs, QuietOptions } from "../jobs/pipeline";
import type { Services } from "../services";
import { resolveChecked } from "../workspace/resolve";
import { PacingGate } from "./gate";
import { etaMs, formatDuration, resultsText, tally, type LineState } from "./results";
import { ResultsWriter } from "./resultsFile";
import { BATCHES_KEY, checkBatch, checkIds, planKey, statesKey, type StoredBatch, type StoredLine } from "./state";

const C = "batch";
/** Lines being fetched and saved after fal finished them, per slot at fal (see Slots below). */
const MAX_SAVING_PER_SLOT = 2;

/** A counting semaphore: at most `n` holders; acquire waits for a release. */
class Slots {
  #free: number;
  #waiting: (() => void)[] = [];
  constructor(n: number) {
    this.#free = n;
  }
  acquire(): Promise<void> {
    if (this.#free > 0) {
      this.#free--;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#waiting.push(resolve));
  }
  release(): void {
    const next = this.#waiting.shift();
    if (next) next();
    else this.#free++;
  }
}
export { BATCH_OWNER } from "./keys";
import { BATCH_OWNER } from "./keys";

/** How a batch run ended. */
export type BatchEnd = "done" | "cancelled" | "suspended";

interface Running {
  readonly batch: StoredBatch;
  readonly cancel: AbortController;
  suspended: boolean;
  done: Promise<BatchEnd>;
}

export class Batches implements JobOwner, vscode.Disposable {
  readonly id = BATCH_OWNER;
  readonly #running = new Map<string, Running>();

  constructor(
    private readonly s: Services,
    private readonly jobs: Jobs,
  ) {}

  get #state(): vscode.Memento {
    return this.s.context.workspaceState;
  }

  /** The batch running now for this prompts file, if any. */
  runningFor(file: vscode.Uri): StoredBatch | undefined {
    return [...this.#running.values()].find((r) => r.batch.file === file.toString())?.batch;
  }

  /** Records a new batch (its plan once, its lines' states) and runs it; resolves when it ends. */
  async start(batch: StoredBatch, states: LineState[]): Promise<BatchEnd> {
    await this.#state.update(planKey(batch.id), batch);
    await this.#state.update(statesKey(batch.id), states);
    await this.#state.update(BATCHES_KEY, [...checkIds(this.#state.get(BATCHES_KEY)).filter((id) => id !== batch.id), batch.id]);
    return this.#launch(batch, states, false);
  }

  /** Cancels every running batch, as its notification's Cancel does; resolves to how many. */
  cancelAll(): number {
    for (const r of this.#running.values()) r.cancel.abort();
    return this.#running.size;
  }

  claims(jobId: string): boolean {
    for (const id of checkIds(this.#state.get(BATCHES_KEY))) {
      const states = this.#state.get<unknown>(statesKey(id));
      if (Array.isArray(states) && (states as unknown[]).some((s) => typeof s === "object" && s !== null && (s as LineState).status === "submitted" && (s as LineState).jobId === jobId)) return true;
    }
    return false;
  }

  async suspend(): Promise<void> {
    const all = [...this.#running.values()];
    for (const r of all) r.suspended = true;
    await Promise.allSettled(all.map((r) => r.done));
  }

  /** Finishes the batches a reload interrupted (in the background); a bad record is logged and dropped. */
  async resume(): Promise<void> {
    // Ids that fail the check are dropped from the record: kept, they would make every activation
    // load the batch code and the core for nothing (core/keys.ts leftWork).
    const raw = this.#state.get<unknown>(BATCHES_KEY);
    const ids = checkIds(raw);
    if (Array.isArray(raw) && ids.length !== raw.length) {
      this.s.log.warn(C, `${raw.length - ids.length} recorded batch id(s) were not valid and are dropped.`);
      await this.#state.update(BATCHES_KEY, ids);
    }
    for (const id of ids) {
      if (this.#running.has(id)) continue;
      const checked = checkBatch(this.#state.get(planKey(id)), this.#state.get(statesKey(id)));
      if (!checked.ok) {
        this.s.log.warn(C, `A recorded batch was dropped, not resumed: ${checked.problem}.`);
        await this.#forget(id);
        continue;
      }
      const b = checked.batch;
      // The folders are checked again: the workspace may have changed since (a link planted).
      const refused = await this.#refusedFolder(b.lines);
      if (refused) {
        this.s.log.error(C, `The batch of ${b.file} was not resumed: ${refused}`);
        void this.s.ui.current.showErrorMessage(vscode.l10n.t("Grok Imagine: the batch of {0} was not resumed: {1}", vscode.workspace.asRelativePath(vscode.Uri.parse(b.file)), refused));
        await this.#forget(id);
        continue;
      }
      this.s.log.info(C, `Resuming the batch of ${b.file} (${checked.states.filter((st) => st.status === "pending" || st.status === "submitted").length} lines left).`);
      void this.#launch(b, checked.states, true).catch((err: unknown) => this.s.log.error(C, "Resuming a batch failed", err));
    }
  }

  async #refusedFolder(lines: readonly StoredLine[]): Promise<string | undefined> {
    for (const f of new Set(lines.map((l) => l.folderUri))) {
      const r = await resolveChecked(vscode.Uri.parse(f), "The folder", { writing: true });
      if (!r.ok) return r.message;
    }
    return undefined;
  }

  async #forget(id: string): Promise<void> {
    await this.#state.update(planKey(id), undefined);
    await this.#state.update(statesKey(id), undefined);
    await this.#state.update(BATCHES_KEY, checkIds(this.#state.get(BATCHES_KEY)).filter((x) => x !== id));
  }

  #launch(batch: StoredBatch, states: LineState[], resumed: boolean): Promise<BatchEnd> {
    const running: Running = { batch, cancel: new AbortController(), suspended: false, done: Promise.resolve<BatchEnd>("done") };
    this.#running.set(batch.id, running);
    running.done = this.#run(running, states, resumed).finally(() => this.#running.delete(batch.id));
    return running.done;
  }

  async #run(r: Running, states: LineState[], resumed: boolean): Promise<BatchEnd> {
    const { batch } = r;
    const fileUri = vscode.Uri.parse(batch.file);
    const resultsUri = vscode.Uri.parse(batch.results);
    const name = vscode.workspace.asRelativePath(fileUri);
    const writer = new ResultsWriter(resultsUri, () => resultsText(batch.lines, states), this.s.log);
    const gate = new PacingGate();
    // Lines fal took before a reload go first (they are running there already), then the rest in order.
    const queue = [...states.keys()].filter((i) => states[i].status === "submitted").concat([...states.keys()].filter((i) => states[i].status === "pending"));
    // Memento.update changes the value in memory at once (what a reload reads back); the write to
    // disk is VS Code's and is not waited for between lines.
    const save = () => {
      this.#state.update(statesKey(batch.id), states).then(undefined, (err: unknown) => this.s.log.error(C, "Could not record the batch's progress", err));
    };
    const t0 = Date.now();
    let finished = 0;
    const title = resumed ? vscode.l10n.t("Grok Imagine: resuming the batch {0}", name) : vscode.l10n.t("Grok Imagine: batch {0}", name);
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (progress, token) => {
      token.onCancellationRequested(() => r.cancel.abort());
      let shown = 0;
      const report = () => {
        const t = tally(batch.lines, states);
        const eta = etaMs(finished, t.total - t.done, Date.now() - t0);
        const parts = [vscode.l10n.t("{0}/{1} done", t.done, t.total)];
        if (t.failed) parts.push(vscode.l10n.t("{0} failed", t.failed));
        if (eta !== undefined && t.done < t.total) parts.push(vscode.l10n.t("about {0} left", formatDuration(eta)));
        parts.push(vscode.l10n.t("{0} so far", formatUsd(t.usd)));
        const pct = (t.done / t.total) * 100;
        progress.report({ message: parts.join(" · "), increment: pct - shown });
        shown = pct;
      };
      report();
      const one = async (i: number, atFalDone: () => void): Promise<void> => {
        const line = batch.lines[i];
        const opts: QuietOptions = {
          owner: BATCH_OWNER,
          signal: r.cancel.signal,
          gate,
          onSubmitted: (requestId, jobId) => {
            states[i] = { status: "submitted", requestId, jobId };
            save();
          },
          onCompleted: atFalDone,
        };
        const before = states[i];
        const outcome = before.status === "submitted" && before.jobId ? await this.jobs.resumeQuiet(before.jobId, opts) : await this.jobs.runQuiet(requestOf(line), opts);
        const after = stateAfter(outcome, states[i]);
        if (!after) return; // suspended: the record (and the line's state) resume it next time
        states[i] = after;
        if (after.status === "failed") this.s.log.warn(C, `${name} line ${line.line} failed: ${after.error ?? ""}`);
        finished++;
        save();
        writer.schedule();
        report();
      };
      // `concurrency` requests at fal at once: a line's slot frees when fal has finished it, and its
      // images are fetched and saved while the next line runs. Lines still being fetched or saved
      // are bounded too (a slow disk must not let them pile up).
      const atFal = new Slots(batch.concurrency);
      const inFlight = new Set<Promise<void>>();
      for (;;) {
        await atFal.acquire();
        while (inFlight.size >= MAX_SAVING_PER_SLOT * batch.concurrency) await Promise.race(inFlight);
        // After Cancel only the lines fal already took are visited (to cancel them there).
        const at = r.cancel.signal.aborted ? queue.findIndex((i) => states[i].status === "submitted") : 0;
        if (r.suspended || at < 0 || !queue.length) {
          atFal.release();
          break;
        }
        const [i] = queue.splice(at, 1);
        let released = false;
        const release = () => {
          if (!released) atFal.release();
          released = true;
        };
        const work: Promise<void> = one(i, release)
          .catch((err: unknown) => this.s.log.error(C, `${name} line ${batch.lines[i].line} failed unexpectedly`, err))
          .finally(() => {
            release();
            inFlight.delete(work);
          });
        inFlight.add(work);
      }
      await Promise.allSettled([...inFlight]);
    });
    writer.dispose();
    if (r.suspended) {
      await writer.flush().catch(() => undefined);
      this.s.log.info(C, `The batch of ${name} stopped for a reload; the next start finishes it.`);
      return "suspended";
    }
    const cancelled = r.cancel.signal.aborted;
    for (const [i, st] of states.entries()) if (st.status === "pending") states[i] = { status: "cancelled", error: "not sent: the batch was cancelled" };
    let wrote = true;
    try {
      await writer.flush();
    } catch (err) {
      wrote = false;
      this.s.log.error(C, `Could not write ${vscode.workspace.asRelativePath(resultsUri)}`, err);
    }
    await this.#forget(batch.id);
    const t = tally(batch.lines, states);
    const kept = t.kept ? vscode.l10n.t(", {0} made but not saved (kept: Retry Saving Unsaved Images)", t.kept) : "";
    const not = t.failed ? vscode.l10n.t(", {0} not", t.failed) : "";
    const summary = cancelled
      ? vscode.l10n.t("cancelled: {0} of {1} saved{2}{3} ({4}).", t.saved, t.total, kept, not, formatUsd(t.usd))
      : vscode.l10n.t("done: {0} of {1} saved{2}{3} ({4}).", t.saved, t.total, kept, not, formatUsd(t.usd));
    this.s.log.info(C, `The batch of ${name} is ${summary} ${gate.closes ? `fal asked to slow down ${gate.closes} time(s).` : ""}`);
    const text = wrote
      ? vscode.l10n.t("Grok Imagine: the batch of {0} is {1} Results: {2}.", name, summary, vscode.workspace.asRelativePath(resultsUri))
      : vscode.l10n.t("Grok Imagine: the batch of {0} is {1} The results file could not be written (see the log).", name, summary);
    const showResults = vscode.l10n.t("Show Results");
    const showLog = vscode.l10n.t("Show Log");
    const show = t.failed || t.kept ? this.s.ui.current.showWarningMessage(text, showResults, showLog) : this.s.ui.current.showInformationMessage(text, showResults);
    void Promise.resolve(show).then((choice) => {
      if (choice === showResults) return vscode.commands.executeCommand("vscode.open", resultsUri);
      if (choice === showLog) this.s.log.show();
      return undefined;
    }).then(undefined, (err: unknown) => this.s.log.error(C, "Could not show the batch's summary", err));
    return cancelled ? "cancelled" : "done";
  }

  dispose(): void {
    for (const r of this.#running.values()) r.suspended = true;
  }
}

/** The pipeline's request for one line. */
function requestOf(line: StoredLine) {
  return {
    kind: "generate" as const,
    endpoint: line.endpoint,
    input: line.body,
    prompt: line.prompt,
    outputFormat: line.outputFormat,
    folder: vscode.Uri.parse(line.folderUri),
    stem: line.stem,
    numbered: line.numbered,
  };
}

/** A line's state after its job; undefined when the job was suspended (the state stays as it is). */
function stateAfter(o: JobOutcome, before: LineState): LineState | undefined {
  const requestId = ("requestId" in o ? o.requestId : undefined) ?? before.requestId;
  const rid = requestId ? { requestId } : {};
  switch (o.status) {
    case "saved":
      return { status: "saved", ...rid, paths: o.items.map((it) => vscode.workspace.asRelativePath(it.uri, false)) };
    case "failed":
      return { status: o.kept ? "kept" : "failed", ...rid, error: o.kept ? `${o.error.message} (its images are kept: Retry Saving Unsaved Images)` : o.error.message };
    case "cancelled":
      return { status: "cancelled", ...rid, error: "cancelled" };
    case "missing":
      // Sent before a reload, and its job record is gone: it is not sent again (it may be saved already).
      return { status: "failed", ...rid, error: "interrupted after it was sent, and its job record is gone; it was not sent again" };
    case "suspended":
      return undefined;
  }
}
