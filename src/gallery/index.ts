import * as vscode from "vscode";
import type { JobManager } from "../jobs/manager";
import type { Services } from "../services";
import { notBuiltYet } from "../commands/notYet";

/**
 * The gallery: registers the Open Gallery command (and, later, its webview serializer). `jobs` is a
 * getter because the job runner can be replaced (tests simulate a reload).
 */
export function registerGallery(s: Services, _jobs: () => JobManager): vscode.Disposable[] {
  return [vscode.commands.registerCommand("grokImagine.openGallery", () => notBuiltYet(s, "The gallery"))];
}
