/**
 * Reading part of a workspace file. vscode.workspace.fs reads only whole files, so for the `file:`
 * scheme (the extension host runs where those files are) ranges are read with node:fs; any other
 * scheme is read whole through vscode.workspace.fs, and only up to MAX_WHOLE_READ_BYTES.
 */
import { constants as fsConstants } from "node:fs";
import { open } from "node:fs/promises";
import * as vscode from "vscode";
import { bytesSource, type ByteSource } from "../provenance/source";

/**
 * Largest file read whole where ranged reads are not available (virtual file systems). A 2k image
 * from the API is a few MB (a 2048×2048 PNG of noise ~12 MB); the gallery reads up to 16 files at a
 * time, so this bounds that to about half a GB at worst. Larger files there are not read.
 */
export const MAX_WHOLE_READ_BYTES = 32 * 1024 * 1024;

/**
 * Runs `use` with a ranged reader of the file at `uri`, and closes the file after. `undefined`
 * without reading when only whole reads are possible and the file is over `wholeLimit`. Rejects
 * with the file system's errors, and for what is not a regular file (a FIFO or a device named like
 * an image).
 */
export async function withFileSource<T>(uri: vscode.Uri, use: (source: ByteSource) => Promise<T>, wholeLimit = MAX_WHOLE_READ_BYTES): Promise<T | undefined> {
  const notAFile = () => new Error(`${uri.toString(true)} is not a regular file.`);
  if (uri.scheme !== "file") {
    const stat = await vscode.workspace.fs.stat(uri);
    if ((stat.type & vscode.FileType.File) === 0) throw notAFile();
    return stat.size > wholeLimit ? undefined : use(bytesSource(await vscode.workspace.fs.readFile(uri)));
  }
  // O_NONBLOCK: opening a FIFO must not wait for a writer (it is refused just below).
  const handle = await open(uri.fsPath, fsConstants.O_RDONLY | (fsConstants.O_NONBLOCK ?? 0));
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw notAFile();
    const size = stat.size;
    return await use({
      size,
      read: async (offset, length) => {
        const buffer = new Uint8Array(Math.max(0, Math.min(length, size - offset)));
        let got = 0;
        while (got < buffer.length) {
          const { bytesRead } = await handle.read(buffer, got, buffer.length - got, offset + got);
          if (bytesRead === 0) break; // the file shrank meanwhile
          got += bytesRead;
        }
        return buffer.subarray(0, got);
      },
    });
  } finally {
    await handle.close();
  }
}

/** The whole file when it is at most `limit` bytes, else `undefined` (then nothing is read). */
export async function readSmallFile(uri: vscode.Uri, limit: number): Promise<Uint8Array | undefined> {
  return withFileSource(uri, (source) => (source.size > limit ? Promise.resolve(undefined) : source.read(0, source.size)), limit);
}
