/**
 * The workspaceState keys under which the core (src/core/index.ts) records work that must go on in
 * the next session. extension.ts reads them at activation, without loading the core, to decide
 * whether it has anything to pick up (pure: no vscode).
 */
import { BATCHES_KEY } from "../batch/keys";

/** Jobs waiting at fal, and results not yet saved (jobs/store.ts). */
export const PENDING_KEY = "grokImagine.pendingJobs";
/** Temporary files of saves under way (workspace/tempJournal.ts). */
export const JOURNAL_KEY = "grokImagine.save.temps";

/**
 * Whether the last session left work for the core to pick up: jobs waiting at fal or results not
 * saved, temporary files of a save to remove, or batches to finish (batch/keys.ts). Each is an array
 * in workspaceState; anything else there (absent, empty, damaged) is nothing to pick up here (the
 * core's own checks deal with a damaged record when it next loads).
 */
export function leftWork(state: { get(key: string): unknown }): boolean {
  return [PENDING_KEY, JOURNAL_KEY, BATCHES_KEY].some((key) => {
    const value = state.get(key);
    return Array.isArray(value) && value.length > 0;
  });
}
