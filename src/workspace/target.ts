/**
 * Where new images go: the output folder (setting, workspace-relative) of the right workspace folder.
 * With several folders the person is asked once per request; with none, for a save location.
 */
import * as vscode from "vscode";
import { DEFAULT_OUTPUT_FOLDER, readSettings } from "../settings";
import type { Ui } from "../ui";

/** Splits a workspace-relative folder setting into safe segments; undefined if it would escape. */
export function safeSegments(relative: string): string[] | undefined {
  const parts = relative.split(/[\\/]+/).filter((p) => p !== "" && p !== ".");
  if (/^([a-zA-Z]:|[\\/])/.test(relative.trim())) return undefined;
  if (parts.some((p) => p === ".." || /[<>:"|?*\u0000-\u001f]/.test(p))) return undefined;
  return parts;
}

export function outputFolderFor(root: vscode.Uri, log?: (msg: string) => void): vscode.Uri {
  const setting = readSettings(root).outputFolder;
  let segments = safeSegments(setting);
  if (!segments) {
    log?.(`grokImagine.outputFolder "${setting}" leaves the workspace folder; using "${DEFAULT_OUTPUT_FOLDER}".`);
    segments = [DEFAULT_OUTPUT_FOLDER];
  }
  return segments.length ? vscode.Uri.joinPath(root, ...segments) : root;
}

/** The workspace folder holding a URI, when one does. */
export function folderOf(uri: vscode.Uri): vscode.WorkspaceFolder | undefined {
  return vscode.workspace.getWorkspaceFolder(uri);
}

/**
 * The folder new images of a request go to. `requested` (an argument) wins: a workspace folder's name
 * or a URI/path inside the workspace. Without UI (`interactive` false) and several folders, the folder
 * of the active editor, else the first. Resolves to undefined when the person declines.
 */
export async function chooseOutputFolder(ui: Ui, interactive: boolean, requested: unknown, log: (m: string) => void): Promise<vscode.Uri | undefined> {
  const folders = vscode.workspace.workspaceFolders ?? [];
  if (requested instanceof vscode.Uri) {
    if (folderOf(requested)) return requested;
    throw new Error(`"folder" must be a folder inside the workspace (got ${requested.toString()}).`);
  }
  if (typeof requested === "string" && requested.trim()) {
    const byName = folders.find((f) => f.name === requested);
    if (byName) return outputFolderFor(byName.uri, log);
    const asUri = /^[a-z][a-z0-9+.-]+:/i.test(requested) ? vscode.Uri.parse(requested) : undefined;
    if (asUri && folderOf(asUri)) return asUri;
    throw new Error(`"folder" must name a workspace folder or a folder inside the workspace (got "${requested}").`);
  }
  if (folders.length === 1) return outputFolderFor(folders[0].uri, log);
  if (folders.length > 1) {
    if (!interactive) {
      const active = vscode.window.activeTextEditor?.document.uri;
      const f = (active && folderOf(active)) || folders[0];
      return outputFolderFor(f.uri, log);
    }
    const picked = await ui.showQuickPick(
      folders.map((f) => ({ label: f.name, description: vscode.workspace.asRelativePath(outputFolderFor(f.uri), true), folder: f })),
      { title: "Grok Imagine: Save the images in which workspace folder?", ignoreFocusOut: true },
    );
    return picked ? outputFolderFor(picked.folder.uri, log) : undefined;
  }
  if (!interactive) throw new Error("No folder is open: open a folder, or pass \"folder\" with a folder URI.");
  const chosen = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, canSelectMany: false, openLabel: "Save Images Here", title: "Grok Imagine: Where should the images be saved?" });
  return chosen?.[0];
}
