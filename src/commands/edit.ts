import type * as vscode from "vscode";
import type { JobManager } from "../jobs/manager";
import type { Services } from "../services";
import { notBuiltYet } from "./notYet";

/**
 * Grok Imagine: Edit Image. Receives what VS Code passes from the Explorer (`uri, uris`), the editor
 * title (`uri`), or an argument object for scripts. Resolves to the saved files.
 */
export async function edit(s: Services, _jobs: JobManager, _arg?: unknown, _uris?: unknown): Promise<vscode.Uri[]> {
  return notBuiltYet(s, "Edit Image");
}
