/**
 * The job pipeline's stand-in for what activation builds (the gallery, the agent tools, batches,
 * spend): they subscribe to its events and ask it for the running jobs from the start, but the
 * pipeline itself, in the core chunk, is made only when a job is run or something recorded must go on
 * (see extension.ts). Before that there is no job: `list` is empty and `cancel` finds nothing.
 */
import * as vscode from "vscode";
import type { JobOwner, JobPipeline, JobView, Jobs, SavedItem } from "../jobs/pipeline";
import type { Logger } from "../log";
import { leftWork } from "./keys";

export class LazyJobs implements Jobs, vscode.Disposable {
  #pipeline: JobPipeline | undefined;
  readonly #owners = new Map<JobOwner, vscode.Disposable | undefined>();
  readonly #saved = new vscode.EventEmitter<readonly SavedItem[]>();
  readonly #changed = new vscode.EventEmitter<readonly JobView[]>();
  readonly #forwarding: vscode.Disposable[] = [];
  #disposed = false;
  readonly onDidSave = this.#saved.event;
  readonly onDidChange = this.#changed.event;

  /** `make` loads the core chunk and makes the pipeline; it is called once, on first need. */
  constructor(private readonly make: () => JobPipeline) {}

  /** Whether the pipeline has been made (the core chunk loaded). */
  get loaded(): boolean {
    return this.#pipeline !== undefined;
  }

  /**
   * At activation: when the last session left work (see core/keys.ts), the pipeline is made now and
   * picks it up: the temporary files a crash left mid-save are removed, interrupted jobs and batches
   * resumed, results not yet saved offered. Returns whether it was made.
   */
  pickUp(state: { get(key: string): unknown }, log: Pick<Logger, "info" | "error">): boolean {
    if (!leftWork(state)) return false;
    const pipeline = this.pipeline();
    pipeline.removeLeftovers().then(
      (n) => n && log.info("save", `Removed ${n} temporary file${n === 1 ? "" : "s"} an interrupted save left.`),
      (err: unknown) => log.error("save", "Could not remove the temporary files an interrupted save left", err),
    );
    pipeline.resumePending().catch((err: unknown) => log.error("jobs", "Could not resume pending jobs", err));
    return true;
  }

  /** The pipeline, made now if it was not yet (not once the stand-in is disposed: the window is closing). */
  pipeline(): JobPipeline {
    if (this.#disposed) throw new Error("Grok Imagine is shutting down: the job was not started.");
    if (!this.#pipeline) {
      const p = this.make();
      this.#pipeline = p;
      this.#forwarding.push(
        p.onDidSave((items) => this.#saved.fire(items)),
        p.onDidChange((jobs) => this.#changed.fire(jobs)),
      );
      for (const owner of this.#owners.keys()) this.#owners.set(owner, p.adopt(owner));
    }
    return this.#pipeline;
  }

  list(): JobView[] {
    return this.#pipeline?.list() ?? [];
  }

  cancel(id: string): boolean {
    return this.#pipeline?.cancel(id) ?? false;
  }

  run(...args: Parameters<JobPipeline["run"]>): ReturnType<JobPipeline["run"]> {
    return this.pipeline().run(...args);
  }

  runQuiet(...args: Parameters<JobPipeline["runQuiet"]>): ReturnType<JobPipeline["runQuiet"]> {
    return this.pipeline().runQuiet(...args);
  }

  resumeQuiet(...args: Parameters<JobPipeline["resumeQuiet"]>): ReturnType<JobPipeline["resumeQuiet"]> {
    return this.pipeline().resumeQuiet(...args);
  }

  /** An owner of quiet jobs (see JobPipeline.adopt): kept until the pipeline is made, then adopted by it. */
  adopt(owner: JobOwner): vscode.Disposable {
    this.#owners.set(owner, this.#pipeline?.adopt(owner));
    return new vscode.Disposable(() => {
      this.#owners.get(owner)?.dispose();
      this.#owners.delete(owner);
    });
  }

  dispose(): void {
    this.#disposed = true;
    for (const d of this.#forwarding) d.dispose();
    this.#pipeline?.dispose();
    this.#saved.dispose();
    this.#changed.dispose();
  }
}
