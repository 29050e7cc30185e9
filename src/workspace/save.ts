/**
 * Writing images into the workspace through vscode.workspace.fs (so remote, WSL and virtual
 * workspaces work): each file is written under a hidden temporary name in the same folder, then
 * renamed into place without overwriting. A name taken meanwhile moves the image to the next free
 * name; a failure removes the temporary file, so no half-written image is ever left behind.
 */
import * as vscode from "vscode";
import { pickUniqueNames, takenIn, tempNameFor } from "../images/naming";
import { extensionForFormat, type ImageFormat } from "../images/sniff";
import { sidecarName, sidecarOf } from "../provenance/sidecar";

export interface ImageToSave {
  readonly bytes: Uint8Array;
  readonly format: ImageFormat;
  /** Saved beside the image as `<name>.xmp` (for files whose bytes must stay untouched). */
  readonly sidecar?: string;
}

/** The names in a folder, or undefined when it does not exist yet. */
async function namesIn(folder: vscode.Uri): Promise<string[] | undefined> {
  try {
    return (await vscode.workspace.fs.readDirectory(folder)).map(([name]) => name);
  } catch (err) {
    if (err instanceof vscode.FileSystemError && err.code === "FileNotFound") return undefined;
    throw err;
  }
}

function isFileExists(err: unknown): boolean {
  return err instanceof vscode.FileSystemError && err.code === "FileExists";
}

/** Writes bytes to folder/name atomically; throws FileExists if the name was taken meanwhile. */
export async function writeNew(folder: vscode.Uri, name: string, bytes: Uint8Array): Promise<vscode.Uri> {
  const target = vscode.Uri.joinPath(folder, name);
  const temp = vscode.Uri.joinPath(folder, tempNameFor(name));
  try {
    await vscode.workspace.fs.writeFile(temp, bytes);
    await vscode.workspace.fs.rename(temp, target, { overwrite: false });
    return target;
  } catch (err) {
    await vscode.workspace.fs.delete(temp, { useTrash: false }).then(undefined, () => undefined);
    throw err;
  }
}

/**
 * Saves images as `stem.ext` (or `stem-1.ext`, `stem-2.ext`, … when several or `numbered`), never
 * overwriting an existing file. Resolves to the saved URIs in the images' order.
 */
export async function saveImages(folder: vscode.Uri, stem: string, images: readonly ImageToSave[], numbered: boolean, note: (m: string) => void = () => undefined): Promise<vscode.Uri[]> {
  const saved: vscode.Uri[] = [];
  try {
    let existing = await namesIn(folder);
    if (existing === undefined) {
      await vscode.workspace.fs.createDirectory(folder);
      existing = [];
    }
    void removeStaleTemps(folder, existing);
    const taken = new Set(existing);
    const numberedBatch = numbered || images.length > 1;
    const exts = images.map((i) => extensionForFormat(i.format));
    // One format: pick the batch's names together, so they are consecutive (cat-3, cat-4).
    const planned = exts.every((e) => e === exts[0])
      ? pickUniqueNames(stem, exts[0], images.length, takenIn(taken), { numbered: numberedBatch })
      : [];
    planned.forEach((n) => taken.add(n));
    // Written in parallel; a name someone takes meanwhile moves that image to the next free name.
    const results = await Promise.allSettled(images.map(async (image, i) => {
      let name = planned[i] ?? pickUniqueNames(stem, exts[i], 1, takenIn(taken), { numbered: numberedBatch })[0];
      taken.add(name);
      for (let attempt = 0; ; attempt++) {
        try {
          const uri = await writeNew(folder, name, image.bytes);
          saved.push(uri);
          if (image.sidecar !== undefined && (await writeSidecar(folder, name, image.sidecar, note))) saved.push(sidecarOf(uri));
          return uri;
        } catch (err) {
          if (!isFileExists(err) || attempt > 20) throw err;
          name = pickUniqueNames(stem, exts[i], 1, takenIn(taken), { numbered: numberedBatch })[0];
          taken.add(name);
        }
      }
    }));
    const failure = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failure) throw failure.reason;
    return results.map((r) => (r as PromiseFulfilledResult<vscode.Uri>).value);
  } catch (err) {
    // All or nothing: a batch that could not be saved whole leaves none of its files (nor sidecars).
    for (const uri of saved) await vscode.workspace.fs.delete(uri, { useTrash: false }).then(undefined, () => undefined);
    throw err;
  }
}

/**
 * Writes `<name>.xmp` beside an image; an existing file of that name is left alone (and noted).
 * Resolves to whether it was written (so that a failed batch removes it with its image).
 */
async function writeSidecar(folder: vscode.Uri, imageName: string, doc: string, note: (m: string) => void): Promise<boolean> {
  try {
    await writeNew(folder, sidecarName(imageName), new TextEncoder().encode(doc));
    return true;
  } catch (err) {
    note(isFileExists(err) ? `${sidecarName(imageName)} already exists; its provenance sidecar was not written.` : `The provenance sidecar of ${imageName} could not be written: ${err instanceof Error ? err.message : String(err)}`);
    return false;
  }
}

/** Our temporary names: `.<final name>.<16 hex digits>.part` (see images/naming.ts tempNameFor). */
const TEMP_NAME = /^\..+\.[0-9a-f]{16}\.part$/;
/** A temporary file older than this was left by a window that went away mid-write. */
const STALE_TEMP_MS = 10 * 60_000;

/** Removes temporary files that an interrupted save (a reload, a crash) left in the folder. */
async function removeStaleTemps(folder: vscode.Uri, names: readonly string[]): Promise<void> {
  const now = Date.now();
  await Promise.all(
    names.filter((n) => TEMP_NAME.test(n)).map(async (n) => {
      const uri = vscode.Uri.joinPath(folder, n);
      try {
        if (now - (await vscode.workspace.fs.stat(uri)).mtime > STALE_TEMP_MS) await vscode.workspace.fs.delete(uri, { useTrash: false });
      } catch {
        // gone already, or not ours to remove
      }
    }),
  );
}
