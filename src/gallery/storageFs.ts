/**
 * Reads from the extension's own storage (`context.storageUri`) on the paths a first paint waits on:
 * the gallery's index cache and its thumbnails. When that storage is a local folder of the extension
 * host (`file:`), Node reads it directly; `vscode.workspace.fs` takes a round trip through the
 * workbench there, which the gallery benchmark measured at 60-170 ms while VS Code was busy making
 * the panel. Any other scheme (a virtual or web storage) goes through `workspace.fs`. Workspace
 * files are never read here: they go through workspace.fs and the one path resolver.
 */
import { promises as fsp } from "node:fs";
import * as vscode from "vscode";

function notFound(err: unknown, uri: vscode.Uri): unknown {
  const code = (err as { code?: unknown } | null)?.code;
  return code === "ENOENT" || code === "ENOTDIR" ? vscode.FileSystemError.FileNotFound(uri) : err;
}

export async function readStorageFile(uri: vscode.Uri): Promise<Uint8Array> {
  if (uri.scheme !== "file") return vscode.workspace.fs.readFile(uri);
  try {
    return new Uint8Array(await fsp.readFile(uri.fsPath));
  } catch (err) {
    throw notFound(err, uri);
  }
}

/** The names in a storage folder (files and folders alike). */
export async function readStorageNames(uri: vscode.Uri): Promise<string[]> {
  if (uri.scheme !== "file") return (await vscode.workspace.fs.readDirectory(uri)).map(([name]) => name);
  try {
    return await fsp.readdir(uri.fsPath);
  } catch (err) {
    throw notFound(err, uri);
  }
}
