/**
 * Writes a batch's results file beside its prompts file, atomically (a temporary file in the same
 * folder, then a rename over the old one: a reader never sees half a file), through
 * vscode.workspace.fs. Writes are spaced out while a batch runs (the whole file each time) and one
 * runs at a time; `flush` writes the latest state now.
 */
import { randomBytes } from "node:crypto";
import { promises as fsp } from "node:fs";
import * as vscode from "vscode";
import type { Logger } from "../log";
import { MAX_RESULTS_BYTES } from "./results";

const wfs = vscode.workspace.fs;
/** While a batch runs, the results file is rewritten at most this often (it is the whole file each time). */
const WRITE_EVERY_MS = 2000;

export async function writeAtomically(target: vscode.Uri, text: string): Promise<void> {
  const name = target.path.slice(target.path.lastIndexOf("/") + 1);
  const temp = vscode.Uri.joinPath(target, "..", `.${name}.${randomBytes(4).toString("hex")}.tmp`);
  try {
    await wfs.writeFile(temp, new TextEncoder().encode(text));
    // A local file is replaced with Node's rename, which is atomic: VS Code's disk provider, asked to
    // overwrite, deletes the old file first, and a reader could then find no results file at all.
    if (target.scheme === "file") await fsp.rename(temp.fsPath, target.fsPath);
    else await wfs.rename(temp, target, { overwrite: true });
  } catch (err) {
    await wfs.delete(temp, { useTrash: false }).then(undefined, () => undefined);
    throw err;
  }
}

/** The earlier results file's text, or "" when there is none (or it is too large to be ours). */
export async function readResults(uri: vscode.Uri): Promise<string> {
  try {
    const stat = await wfs.stat(uri);
    if (stat.size > MAX_RESULTS_BYTES) return "";
    return new TextDecoder().decode(await wfs.readFile(uri));
  } catch {
    return "";
  }
}

export class ResultsWriter {
  #timer: ReturnType<typeof setTimeout> | undefined;
  #chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly target: vscode.Uri,
    private readonly text: () => string,
    private readonly log: Logger,
  ) {}

  /** Writes the latest state soon (at most once per WRITE_EVERY_MS). */
  schedule(): void {
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined;
      this.#write().catch(() => undefined);
    }, WRITE_EVERY_MS);
  }

  /** Writes the latest state now; rejects when the write fails. */
  async flush(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#write();
  }

  #write(): Promise<void> {
    const next = this.#chain.then(() => writeAtomically(this.target, this.text()));
    this.#chain = next.catch((err: unknown) => this.log.error("batch", `Could not write ${vscode.workspace.asRelativePath(this.target)}`, err));
    return next;
  }

  dispose(): void {
    if (this.#timer) clearTimeout(this.#timer);
  }
}
