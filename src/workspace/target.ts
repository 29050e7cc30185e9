/**
 * Where new images go: the output folder (setting, workspace-relative) of the right workspace folder.
 * With several folders the person is asked once per request; with none, for a save location. Every
 * folder is resolved by the one resolver (src/workspace/resolve.ts): inside the workspace, no `.` or
 * `..`, no symbolic link leading out of it.
 */
import * as vscode from "vscode";
import type { Ui } from "../ui";
import { checkedOutputFolder, outputFolderFor, resolveChecked } from "./resolve";

/**
 * The folder new images of a request go to. `requested` (an argument) wins: a workspace folder's name,
 * or a URI or path (absolute, or relative to the first folder) of a folder inside the workspace.
 * Without UI (`interactive` false) and several folders, the folder of the active editor, else the
 * first. Resolves to undefined when the person declines; throws (with the message to show) when the
 * folder is refused.
 */
export async function chooseOutputFolder(ui: Ui, interactive: boolean, requested: unknown, log: (m: string) => void): Promise<vscode.Uri | undefined> {
  const folders = vscode.workspace.workspaceFolders ?? [];
  const given = !(requested === undefined || (typeof requested === "string" && !requested.trim()));
  if (given) {
    if (typeof requested === "string") {
      const byName = folders.find((f) => f.name === requested);
      if (byName) return checkedOutputFolder(byName, log);
    } else if (!(requested instanceof vscode.Uri)) {
      throw new Error(vscode.l10n.t('"folder" must be a workspace folder\'s name, or the URI or path of a folder inside the workspace (got {0}).', requested === null ? "null" : typeof requested));
    }
    const r = await resolveChecked(requested, '"folder"', { writing: true });
    if (!r.ok) throw new Error(r.message);
    return r.uri;
  }
  if (folders.length === 1) return checkedOutputFolder(folders[0], log);
  if (folders.length > 1) {
    if (!interactive) {
      const active = vscode.window.activeTextEditor?.document.uri;
      const f = (active && vscode.workspace.getWorkspaceFolder(active)) || (folders[0]);
      return checkedOutputFolder(f, log);
    }
    const picked = await ui.showQuickPick(
      folders.map((f) => ({ label: f.name, description: vscode.workspace.asRelativePath(outputFolderFor(f.uri), true), folder: f })),
      { title: vscode.l10n.t("Grok Imagine: Save the images in which workspace folder?"), ignoreFocusOut: true },
    );
    return picked ? checkedOutputFolder(picked.folder, log) : undefined;
  }
  if (!interactive) throw new Error(vscode.l10n.t("No folder is open: open a folder first, then generate again."));
  const chosen = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, canSelectMany: false, openLabel: vscode.l10n.t("Save Images Here"), title: vscode.l10n.t("Grok Imagine: Where should the images be saved?") });
  return chosen?.[0];
}
