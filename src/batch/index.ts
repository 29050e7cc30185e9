/**
 * Batches: a prompts file becomes a folder of images. The one entry extension.ts calls; the pipeline
 * and services arrive as parameters (this folder keeps no state of its own outside them).
 */
import * as vscode from "vscode";
import type { JobPipeline } from "../jobs/pipeline";
import type { Services } from "../services";
import { generateFromFile } from "./command";
import { Batches } from "./runner";

export interface BatchEntry {
  readonly disposables: vscode.Disposable[];
  /** Cancels the running batches as their notifications' Cancel does (for the test API). */
  cancelAll(): number;
}

export function registerBatch(s: Services, jobs: JobPipeline): BatchEntry {
  const batches = new Batches(s, jobs);
  return {
    disposables: [
      batches,
      // Its interrupted batches are resumed with the pipeline's jobs (resumePending), and suspended with them.
      jobs.adopt(batches),
      vscode.commands.registerCommand("grokImagine.generateFromFile", (arg: unknown, uris: unknown) => generateFromFile(s, batches, arg, uris)),
    ],
    cancelAll: () => batches.cancelAll(),
  };
}
