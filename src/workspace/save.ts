/**
 * Writing images into the workspace. The rules (names reserved per folder, a move that never
 * replaces, all or nothing, cleanup of only what the job wrote) are saver.ts; this picks how the
 * folder is written and checks it first:
 * - `file:` folders through node:fs (diskFolder.ts), where "give this name unless it exists" is one
 *   atomic call, so it holds against any other writer;
 * - other schemes (remote, virtual) through vscode.workspace.fs, whose `rename(…, {overwrite:
 *   false})` is "exists? then move": the reservations make it safe between this window's jobs, not
 *   against another program writing the same name in the same instant.
 * Before writing, the folder goes through the one resolver again (a job may have been started long
 * before, or in the previous session): inside the workspace, no symbolic link leading out of it.
 */
import * as vscode from "vscode";
import { extensionForFormat, type ImageFormat } from "../images/sniff";
import { tempNameFor } from "../images/naming";
import { DiskFolder } from "./diskFolder";
import { checkWritableFolder } from "./resolve";
import { NameTakenError, SaveCore, type Folder, type SaveStage, type Written } from "./saver";
import { TempJournal, type MementoLike } from "./tempJournal";

export interface ImageToSave {
  readonly bytes: Uint8Array;
  readonly format: ImageFormat;
  /** Saved beside the image as `<name>.xmp` (for files whose bytes must stay untouched). */
  readonly sidecar?: string;
}

const wfs = vscode.workspace.fs;

/** A folder of a file system other than the local disk, through vscode.workspace.fs. */
class WorkspaceFsFolder implements Folder {
  readonly key: string;

  constructor(private readonly uri: vscode.Uri) {
    this.key = uri.toString();
  }

  async list(): Promise<string[] | undefined> {
    try {
      return (await wfs.readDirectory(this.uri)).map(([name]) => name);
    } catch (err) {
      if (err instanceof vscode.FileSystemError && err.code === "FileNotFound") return undefined;
      throw err;
    }
  }

  async create(): Promise<void> {
    await wfs.createDirectory(this.uri);
  }

  async writeNew(name: string, temp: string, bytes: Uint8Array, written?: () => void): Promise<Written> {
    const target = vscode.Uri.joinPath(this.uri, name);
    const tempUri = vscode.Uri.joinPath(this.uri, temp);
    try {
      await wfs.writeFile(tempUri, bytes);
      written?.();
      await wfs.rename(tempUri, target, { overwrite: false });
    } catch (err) {
      await wfs.delete(tempUri, { useTrash: false }).then(undefined, () => undefined);
      if (err instanceof vscode.FileSystemError && err.code === "FileExists") throw new NameTakenError(name);
      throw err;
    }
    const st = await wfs.stat(target);
    return { name, id: `${st.size}:${st.mtime}:${st.ctime}` };
  }

  async removeWritten(w: Written): Promise<void> {
    const target = vscode.Uri.joinPath(this.uri, w.name);
    const st = await wfs.stat(target);
    if (`${st.size}:${st.mtime}:${st.ctime}` === w.id) await wfs.delete(target, { useTrash: false });
  }
}

/** The folder to write `uri` through: the local disk for `file:`, workspace.fs otherwise. */
export function folderFor(uri: vscode.Uri): Folder {
  return uri.scheme === "file" ? new DiskFolder(uri.fsPath) : new WorkspaceFsFolder(uri);
}

/**
 * Temporary names recorded in the journal ahead of a save (while its job waits at fal), so that the
 * save writes its first byte without waiting for a record to reach VS Code's storage.
 */
export interface PreparedTemps {
  readonly folder: string;
  /** Names not used yet. */
  readonly names: string[];
  /** Resolves once they are recorded. */
  readonly recorded: Promise<void>;
}

/**
 * Saves images for the extension's jobs. One per activation (activate() builds it): its
 * reservations cover every job of this window, whichever job runner started them.
 */
export class ImageSaver {
  readonly #core = new SaveCore();
  readonly #journal: TempJournal;

  /** `state`: where temporary files are recorded while they exist (the workspace's storage). */
  constructor(
    state: MementoLike,
    private readonly checkFolder: (folder: vscode.Uri) => Promise<void> = checkWritableFolder,
    private readonly open: (folder: vscode.Uri) => Folder = folderFor,
  ) {
    this.#journal = new TempJournal(state);
  }

  /**
   * Removes the temporary files that a save of the previous session (interrupted by a crash or a
   * reload) recorded and left: those only. Resolves to how many there were.
   */
  removeLeftovers(): Promise<number> {
    return this.#journal.removeLeftovers(async (folder, temp) => {
      const uri = vscode.Uri.parse(folder, true);
      await this.checkFolder(uri); // (a folder that now leads out of the workspace is left alone)
      await wfs.delete(vscode.Uri.joinPath(uri, temp), { useTrash: false });
    });
  }

  /**
   * Records `count` temporary names for a save into `folder` ahead of time. Whatever the save does
   * not use is forgotten by {@link release}. (A name is written only under its recorded folder.)
   */
  prepare(folder: vscode.Uri, count: number): PreparedTemps {
    const names = Array.from({ length: count }, () => tempNameFor("grok-imagine"));
    const key = folder.toString();
    return { folder: key, names, recorded: this.#journal.add(key, ...names) };
  }

  /** Forgets the names a save did not use (in the background: a stale record removes nothing). */
  release(prepared: PreparedTemps): void {
    const unused = prepared.names.splice(0);
    if (unused.length) this.#journal.forget(prepared.folder, ...unused).catch(() => undefined);
  }

  /**
   * Saves images as `stem.ext` (or `stem-1.ext`, `stem-2.ext`, … when several or `numbered`), never
   * replacing a file. Resolves to the saved URIs in the images' order; throws (with a message to
   * show) when the folder is refused or the batch could not be written whole.
   */
  async save(folder: vscode.Uri, stem: string, images: readonly ImageToSave[], numbered: boolean, note: (m: string) => void = () => undefined, mark?: (stage: SaveStage | "checked") => void, prepared?: PreparedTemps): Promise<vscode.Uri[]> {
    const key = folder.toString();
    const pool = prepared?.folder === key ? prepared : undefined;
    await Promise.all([this.checkFolder(folder), pool?.recorded]);
    mark?.("checked");
    const names = await this.#core.save(
      this.open(folder),
      stem,
      images.map((i) => ({ bytes: i.bytes, ext: extensionForFormat(i.format), ...(i.sidecar !== undefined ? { sidecar: i.sidecar } : {}) })),
      numbered,
      note,
      { add: (temp) => this.#journal.add(key, temp), forget: (temp) => this.#journal.forget(key, temp), take: () => pool?.names.pop() },
      mark,
    );
    return names.map((n) => vscode.Uri.joinPath(folder, n));
  }
}
