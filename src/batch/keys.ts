/** Names the batch code and its registration share (a pure module: extension.js and the batch chunk both carry it). */

/** The owner name recorded with a batch's jobs (JobOwner.id). */
export const BATCH_OWNER = "batch";
/** workspaceState: the ids of the batches recorded (running, or interrupted by a reload). */
export const BATCHES_KEY = "grokImagine.batches";
