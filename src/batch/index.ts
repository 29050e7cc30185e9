/**
 * Generate from Prompts File, registered at activation. Its code (chunk.ts) loads when the command
 * first runs, or at once when a batch was recorded before a reload, so that the batch finishes.
 */
import * as vscode from "vscode";
import { chunk } from "../chunks";
import type { JobOwner, Jobs } from "../jobs/pipeline";
import type { Services } from "../services";
import type * as BatchChunk from "./chunk";
import { BATCH_OWNER, BATCHES_KEY } from "./keys";

const load = chunk<typeof BatchChunk>("batch");

export interface BatchEntry {
  readonly disposables: vscode.Disposable[];
  /** Cancels the running batches as their notifications' Cancel does (for the test API). */
  cancelAll(): number;
}

export function registerBatch(s: Services, jobs: Jobs): BatchEntry {
  let batches: BatchChunk.Batches | undefined;
  const real = (): BatchChunk.Batches => (batches ??= new (load().Batches)(s, jobs));
  // A batch recorded before a reload: loaded now, so that its jobs are claimed and it is finished.
  const recorded = s.context.workspaceState.get<unknown>(BATCHES_KEY);
  if (Array.isArray(recorded) && recorded.length > 0) real();
  // Until a batch runs there is nothing of its own to claim, suspend or resume.
  const owner: JobOwner = {
    id: BATCH_OWNER,
    claims: (jobId) => batches?.claims(jobId) ?? false,
    suspend: async () => batches?.suspend(),
    resume: async () => batches?.resume(),
  };
  return {
    disposables: [
      { dispose: () => batches?.dispose() },
      // Its interrupted batches are resumed with the pipeline's jobs (resumePending), and suspended with them.
      jobs.adopt(owner),
      vscode.commands.registerCommand("grokImagine.generateFromFile", (arg: unknown, uris: unknown) => load().generateFromFile(s, real(), arg, uris)),
    ],
    cancelAll: () => batches?.cancelAll() ?? 0,
  };
}
