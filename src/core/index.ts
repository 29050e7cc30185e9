/**
 * The core chunk (dist/core.js, see src/chunks.ts): the job pipeline and everything it carries (the
 * fal client, downloads, provenance, the saver), and the commands that start jobs or read an image's
 * provenance. Loaded the first time one of them is needed: a command that runs, a job a reload
 * interrupted, a batch to finish. An activation with nothing to pick up reads none of it.
 *
 * The one pipeline of the window is made here, by core/lazyJobs.ts, and handed to everything else.
 */
export { useTranslator } from "../l10n";
export { JobPipeline } from "../jobs/pipeline";
export { generate, generateItems } from "../commands/generate";
export { edit, editItems } from "../commands/edit";
export { generateAgain, showDetails } from "../commands/details";
export { prepareGenerate } from "../requests/generate";
export { prepareEdit } from "../requests/edit";
