/**
 * Reading an image's provenance in the workspace: from the file itself (only its metadata, read in
 * ranges), or from its `<name>.xmp` sidecar when the file carries content credentials. Also the
 * source checks of Generate Again.
 */
import * as vscode from "vscode";
import { sha256Hex } from "../provenance/hash";
import type { Provenance } from "../provenance/provenance";
import { parseXmpPacket, readImageMetadata, type ImageMetadata } from "../provenance/read";
import { MAX_SIDECAR_BYTES, sidecarOf } from "../provenance/sidecar";
import { readSmallFile, withFileSource } from "./fileSource";

/** The format and provenance a workspace image records in itself. Rejects only with I/O errors. */
export async function readImageFile(uri: vscode.Uri): Promise<ImageMetadata> {
  return (await withFileSource(uri, readImageMetadata)) ?? { format: undefined, provenance: undefined };
}

/** The provenance in an image's sidecar, `undefined` when there is none (or it is not ours, or too large). */
export async function readSidecar(image: vscode.Uri): Promise<Provenance | undefined> {
  try {
    const bytes = await readSmallFile(sidecarOf(image), MAX_SIDECAR_BYTES);
    return bytes ? parseXmpPacket(new TextDecoder().decode(bytes)) : undefined;
  } catch {
    return undefined;
  }
}

/** An image's provenance: in the file, else in its sidecar. Rejects when the image cannot be read. */
export async function provenanceOf(uri: vscode.Uri): Promise<Provenance | undefined> {
  return (await readImageFile(uri)).provenance ?? (await readSidecar(uri));
}

/**
 * A source path recorded in provenance (workspace-relative; in a multi-root workspace it starts
 * with its folder's name), resolved against that folder, else the image's own folder root.
 */
export function resolveSource(image: vscode.Uri, path: string): vscode.Uri {
  const segments = path.split(/[\\/]+/).filter((p) => p && p !== "." && p !== "..");
  const folders = vscode.workspace.workspaceFolders ?? [];
  const named = folders.length > 1 ? folders.find((f) => f.name === segments[0]) : undefined;
  if (named) return vscode.Uri.joinPath(named.uri, ...segments.slice(1));
  const root = vscode.workspace.getWorkspaceFolder(image)?.uri ?? folders[0]?.uri;
  return root ? vscode.Uri.joinPath(root, ...segments) : vscode.Uri.file(path);
}

export type SourceState = { readonly uri: vscode.Uri; readonly path: string; readonly state: "same" | "missing" | "changed" };

export async function checkSources(image: vscode.Uri, p: Provenance): Promise<SourceState[]> {
  return Promise.all(
    (p.sources ?? []).map(async (s) => {
      const uri = resolveSource(image, s.path);
      let bytes: Uint8Array;
      try {
        bytes = await vscode.workspace.fs.readFile(uri);
      } catch {
        return { uri, path: s.path, state: "missing" as const };
      }
      return { uri, path: s.path, state: sha256Hex(bytes) === s.sha256.toLowerCase() ? ("same" as const) : ("changed" as const) };
    }),
  );
}
