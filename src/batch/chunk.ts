/** The batch code, a chunk loaded when a batch first runs or one is waiting after a reload (src/chunks.ts). */
export { useTranslator } from "../l10n";
export { Batches } from "./runner";
export { generateFromFile } from "./command";
