/**
 * The one resolver for every path a caller gives: command arguments (generate's `folder`, edit's
 * `images`), the gallery's messages, paths recorded in provenance, the output folder setting. The
 * rules are src/workspace/paths.ts (pure, tested as a table); this applies them to the open
 * workspace folders and adds what needs the disk: no segment from the workspace folder down to the
 * path may be a symbolic link leading out of the workspace (a cloned repository can commit its
 * `generated-images` as a link to anywhere).
 *
 * Links are followed with node:fs (lstat, realpath) for `file:` URIs; for other schemes, where
 * workspace.fs says a segment is a link but not where it leads, the link is refused.
 */
import * as fs from "node:fs/promises";
import * as path from "node:path";
import * as vscode from "vscode";
import { DEFAULT_OUTPUT_FOLDER, readSettings } from "../settings";
import { isPathInside, linkRefusalText, refusalText, resolvePathText, resolveSettingFolder, resolveUriParts, type PathResult, type ResolveOptions, type RootParts } from "./paths";

export type Resolved =
  | { readonly ok: true; readonly uri: vscode.Uri; readonly folder: vscode.WorkspaceFolder }
  | { readonly ok: false; readonly message: string };

/** Whether VS Code compares paths of this URI without case (as its getWorkspaceFolder does). */
function ignoresCase(uri: vscode.Uri): boolean {
  return uri.scheme === "file" && (process.platform === "win32" || process.platform === "darwin");
}

function rootsOf(folders: readonly vscode.WorkspaceFolder[]): RootParts[] {
  return folders.map((f) => ({ scheme: f.uri.scheme, authority: f.uri.authority, path: f.uri.path, name: f.name, ignoreCase: ignoresCase(f.uri) }));
}

/** How a caller's input is named in a message (bounded: it may be anything). */
export function shown(input: unknown): string {
  const text = input instanceof vscode.Uri ? input.toString(true) : typeof input === "string" ? input : typeof input;
  return JSON.stringify(text.length > 200 ? `${text.slice(0, 200)}…` : text);
}

function answer(r: PathResult, input: unknown, what: string, folders: readonly vscode.WorkspaceFolder[]): Resolved {
  if (!r.ok) return { ok: false, message: refusalText(r.reason, `${what} ${shown(input)}`) };
  const folder = folders[r.root];
  return { ok: true, uri: r.segments.length ? vscode.Uri.joinPath(folder.uri, ...r.segments) : folder.uri, folder };
}

/**
 * Where a caller's path points inside the workspace (a `vscode.Uri`, a URI string, an absolute or a
 * workspace-relative path), or a message saying why it is refused; `what` names it there
 * (`"folder"`, `images[1]`). Only the path: see {@link resolveChecked} for links.
 */
export function resolvePath(input: unknown, what: string, options: ResolveOptions = {}): Resolved {
  const folders = vscode.workspace.workspaceFolders ?? [];
  const roots = rootsOf(folders);
  if (input instanceof vscode.Uri) return answer(resolveUriParts(input, roots), input, what, folders);
  if (typeof input === "string") return answer(resolvePathText(input, roots, options), input, what, folders);
  return { ok: false, message: vscode.l10n.t("{0} must be a path or a URI (got {1}).", what, input === null ? "null" : typeof input) };
}

/** A symbolic link on the way to a path that leads out of the workspace (`target` undefined: it cannot be followed). */
export interface LinkOut {
  readonly link: vscode.Uri;
  readonly target?: string;
}

type Step = LinkOut | "ok" | "missing";

/**
 * Finds symbolic links leading out of the workspace. One guard remembers what it saw (a scan of many
 * files in few folders looks at each folder once); make a new one for each operation.
 */
export class LinkGuard {
  readonly #steps = new Map<string, Promise<Step>>();
  #realRoots?: Promise<string[]>;

  constructor(private readonly folders: readonly vscode.WorkspaceFolder[] = vscode.workspace.workspaceFolders ?? []) {}

  /**
   * The first link from `folder` down to `uri` (inclusive; `uri` is `folder` joined with segments)
   * that leads out of the workspace, if any. Segments that do not exist yet end the walk.
   */
  async linkOut(folder: vscode.WorkspaceFolder, uri: vscode.Uri): Promise<LinkOut | undefined> {
    const base = folder.uri.path.endsWith("/") ? folder.uri.path : `${folder.uri.path}/`;
    const rest = uri.path.length > base.length ? uri.path.slice(base.length) : "";
    const segments = rest.split("/").filter((s) => s !== "");
    for (let i = 1; i <= segments.length; i++) {
      const prefix = vscode.Uri.joinPath(folder.uri, ...segments.slice(0, i));
      const key = prefix.toString();
      let step = this.#steps.get(key);
      if (!step) {
        step = this.#step(prefix);
        this.#steps.set(key, step);
      }
      const s = await step;
      if (s === "missing") return undefined;
      if (s !== "ok") return s;
    }
    return undefined;
  }

  async #step(uri: vscode.Uri): Promise<Step> {
    if (uri.scheme !== "file") {
      try {
        const st = await vscode.workspace.fs.stat(uri);
        return st.type & vscode.FileType.SymbolicLink ? { link: uri } : "ok";
      } catch {
        return "missing";
      }
    }
    const p = uri.fsPath;
    try {
      if (!(await fs.lstat(p)).isSymbolicLink()) return "ok";
    } catch {
      return "missing";
    }
    let real: string;
    try {
      real = await fs.realpath(p);
    } catch {
      return { link: uri }; // a link to nothing: where it would create things is not known
    }
    const roots = await this.#roots();
    return roots.some((r) => isPathInside(r, real, path.sep === "\\" ? "\\" : "/")) ? "ok" : { link: uri, target: real };
  }

  #roots(): Promise<string[]> {
    this.#realRoots ??= Promise.all(
      this.folders.filter((f) => f.uri.scheme === "file").map((f) => fs.realpath(f.uri.fsPath).catch(() => f.uri.fsPath)),
    );
    return this.#realRoots;
  }
}

/** A link's refusal, naming the link by its workspace-relative path. */
export function linkMessage(what: string, input: unknown, out: LinkOut, writing: boolean): string {
  return linkRefusalText(`${what} ${shown(input)}`, vscode.workspace.asRelativePath(out.link, false), out.target, writing);
}

/**
 * {@link resolvePath}, then the link check: for paths that are read (and sent) or written to.
 * `writing` only changes what the message tells the person to do.
 */
export async function resolveChecked(input: unknown, what: string, options: ResolveOptions & { readonly writing: boolean }): Promise<Resolved> {
  const r = resolvePath(input, what, options);
  if (!r.ok) return r;
  const out = await new LinkGuard().linkOut(r.folder, r.uri);
  return out ? { ok: false, message: linkMessage(what, input, out, options.writing) } : r;
}

/**
 * The output folder of a workspace folder, from `grokImagine.outputFolder` (workspace-relative). A
 * setting that would leave its folder is logged and the default used instead. Lexical only (for the
 * gallery's resource roots); images are written through {@link checkedOutputFolder}.
 */
export function outputFolderFor(root: vscode.Uri, log?: (msg: string) => void): vscode.Uri {
  const setting = readSettings(root).outputFolder;
  const folders = vscode.workspace.workspaceFolders ?? [];
  let index = folders.findIndex((f) => f.uri.toString() === root.toString());
  const roots = index >= 0 ? rootsOf(folders) : rootsOf([{ uri: root, name: "", index: 0 }]);
  if (index < 0) index = 0;
  let r = resolveSettingFolder(setting, roots, index);
  if (!r.ok) {
    log?.(`${refusalText(r.reason, `grokImagine.outputFolder "${setting}"`)} Using "${DEFAULT_OUTPUT_FOLDER}".`);
    r = { ok: true, root: index, segments: [DEFAULT_OUTPUT_FOLDER] };
  }
  return r.segments.length ? vscode.Uri.joinPath(root, ...r.segments) : root;
}

/** The output folder of a workspace folder, refused (with a message) when a link takes it out of the workspace. */
export async function checkedOutputFolder(folder: vscode.WorkspaceFolder, log?: (msg: string) => void): Promise<vscode.Uri> {
  const uri = outputFolderFor(folder.uri, log);
  const out = await new LinkGuard().linkOut(folder, uri);
  if (out) throw new Error(linkRefusalText(vscode.l10n.t("The output folder"), vscode.workspace.asRelativePath(out.link, false), out.target, true));
  return uri;
}

/**
 * The last check before images are written to `folder` (a job may have been started long before, or
 * in a previous session): inside the workspace, and no link out on the way. With no folder open,
 * the person chose the save location in a dialog: that is accepted as it is.
 */
export async function checkWritableFolder(folder: vscode.Uri): Promise<void> {
  if (!(vscode.workspace.workspaceFolders ?? []).length) return;
  const r = await resolveChecked(folder, vscode.l10n.t("The folder"), { writing: true });
  if (!r.ok) throw new Error(r.message);
}
