/**
 * Code that only some commands need lives in its own file next to dist/extension.js (a "chunk"), and is
 * loaded the first time one of them runs: activation reads only what every session needs.
 *
 * The core chunk (src/core/index.ts) holds the job pipeline and the commands that start jobs; it is
 * loaded when a job runs, or at activation when the last session left work to pick up.
 *
 * The rules that keep this safe (test/unit/bundle.test.ts checks them on the production build):
 * - extension.js imports a chunk's modules as types only; a chunk is reached through {@link chunk}.
 * - A chunk bundles its own copy of the stateless modules it imports (src/api, src/images, the
 *   l10n helpers…). Nothing stateful and no class whose identity matters (`instanceof`) may be copied:
 *   the job pipeline, the fal client and its errors and the saver are the core's alone (extension.js
 *   carries none of them either), the log and the keys extension.js's; the others get them as arguments.
 * - Each chunk's entry re-exports `useTranslator` from src/l10n.ts; {@link chunk} hands it
 *   `vscode.l10n.t` on load, as activate() does for extension.js's copy.
 */
import * as path from "node:path";
import * as vscode from "vscode";
import type { L10nArg } from "./l10n";

/** What every chunk's entry module exports besides its own functions. */
export interface ChunkModule {
  useTranslator(t: (message: string, ...args: L10nArg[]) => string): void;
}

/** The chunk file's names (esbuild.js builds `dist/<name>.js` from each entry). */
export type ChunkName = "agent" | "markdown" | "spendCommands" | "gallery" | "batch" | "core";

/** A loader for chunk `name`: the first call reads the file, later calls return the same module. */
export function chunk<T extends ChunkModule>(name: ChunkName): () => T {
  let loaded: T | undefined;
  return () => {
    if (!loaded) {
      // A chunk is a CommonJS file beside this one; esbuild leaves a computed require as it is.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const m = require(path.join(__dirname, `${name}.js`)) as T;
      m.useTranslator(vscode.l10n.t);
      loaded = m;
    }
    return loaded;
  };
}
