/**
 * Reading an image's provenance in the workspace: from the file itself, or from its `<name>.xmp`
 * sidecar when the file carries content credentials. Also the source checks of Generate Again.
 */
import * as vscode from "vscode";
import { parseXmpPacket, readProvenance, type Provenance } from "../images/xmp";

export type { Provenance };

export async function provenanceOf(uri: vscode.Uri): Promise<Provenance | undefined> {
  const bytes = await vscode.workspace.fs.readFile(uri);
  const inside = readProvenance(bytes);
  if (inside) return inside;
  try {
    const sidecar = await vscode.workspace.fs.readFile(uri.with({ path: `${uri.path}.xmp` }));
    return parseXmpPacket(new TextDecoder().decode(sidecar));
  } catch {
    return undefined;
  }
}

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  const digest = new Uint8Array(await globalThis.crypto.subtle.digest("SHA-256", copy));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
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
      return { uri, path: s.path, state: (await sha256Hex(bytes)) === s.sha256.toLowerCase() ? ("same" as const) : ("changed" as const) };
    }),
  );
}
