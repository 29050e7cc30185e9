/**
 * The workspaceState keys under which the core (src/core/index.ts) records work that must go on in
 * the next session. extension.ts reads them at activation, without loading the core, to decide
 * whether it has anything to pick up (pure: no vscode).
 */

/** Jobs waiting at fal, and results not yet saved (jobs/store.ts). */
export const PENDING_KEY = "grokImagine.pendingJobs";
/** Temporary files of saves under way (workspace/tempJournal.ts). */
export const JOURNAL_KEY = "grokImagine.save.temps";

/** True when `value` (what workspaceState holds under one of the keys above) records anything. */
export function recordsWork(value: unknown): boolean {
  return Array.isArray(value) && value.length > 0;
}
