/**
 * The pending-record store: jobs that have not finished saving, in the workspace's storage (so a
 * reload, a quit or a network drop never loses a paid-for result), and the stash files that hold
 * images that could not be written to the workspace. Every record read back is checked
 * (records.ts); a bad one is logged and moved to a separate key, and the rest go on.
 */
import * as vscode from "vscode";
import { extensionForFormat, formatFromExtension, type ImageFormat } from "../images/sniff";
import type { Logger } from "../log";
import type { ImageToSave } from "../workspace/save";
import { checkRecords, type PendingRecord } from "./records";

import { PENDING_KEY } from "../core/keys";

/** Records that failed their check, kept (the last few) for a person or a later version to look at. */
const SET_ASIDE_KEY = "grokImagine.pendingJobs.setAside";
const MAX_SET_ASIDE = 20;
const C = "jobs";
const wfs = vscode.workspace.fs;

export class PendingStore {
  readonly #state: vscode.Memento;
  readonly #storageRoot: vscode.Uri;
  readonly #log: Logger;
  constructor(state: vscode.Memento, storageRoot: vscode.Uri, log: Logger) {
    this.#state = state;
    this.#storageRoot = storageRoot;
    this.#log = log;
  }

  get #stashDir(): vscode.Uri {
    return vscode.Uri.joinPath(this.#storageRoot, "unsaved");
  }

  /** Every good record. Bad ones found on the way are set aside (logged once, removed from the list). */
  all(): PendingRecord[] {
    const raw = this.#state.get<unknown>(PENDING_KEY);
    const { records, bad } = checkRecords(raw, this.#stashDir.toString());
    if (bad.length) this.#setAside(records, bad);
    return records;
  }

  get(id: string): PendingRecord | undefined {
    return this.all().find((r) => r.id === id);
  }

  async put(rec: PendingRecord): Promise<void> {
    await this.#write([...this.all().filter((r) => r.id !== rec.id), rec]);
  }

  async drop(id: string): Promise<void> {
    await this.#write(this.all().filter((r) => r.id !== id));
  }

  /** Forgets a record and deletes its stash files. */
  async discard(id: string): Promise<void> {
    const rec = this.get(id);
    await this.drop(id);
    await this.dropStash(rec?.stash);
  }

  #setAside(good: readonly PendingRecord[], bad: readonly { raw: unknown; problem: string }[]): void {
    for (const b of bad) this.#log.warn(C, `A stored job record was set aside, not resumed: ${b.problem}.`);
    const before = this.#state.get<unknown>(SET_ASIDE_KEY);
    const kept = [...(Array.isArray(before) ? (before as unknown[]) : []), ...bad.map((b) => ({ problem: b.problem, record: b.raw }))].slice(-MAX_SET_ASIDE);
    // Memento.update changes the value in memory at once; writing it to disk runs on its own.
    this.#state.update(SET_ASIDE_KEY, kept).then(undefined, (err: unknown) => this.#log.error(C, "Could not set the bad records aside", err));
    this.#write([...good]).catch((err: unknown) => this.#log.error(C, "Could not rewrite the job records", err));
  }

  async #write(records: PendingRecord[]): Promise<void> {
    await this.#state.update(PENDING_KEY, records);
    this.refreshContext(records);
  }

  /** Shows "Retry Saving Unsaved Images" in the palette only when there is something to save. */
  refreshContext(records: readonly PendingRecord[] = this.all()): void {
    vscode.commands.executeCommand("setContext", "grokImagine.hasUnsaved", records.some((r) => r.state !== "waiting")).then(undefined, (err: unknown) => this.#log.error(C, "Could not update the palette's context", err));
  }

  /** Keeps images that could not be written to the workspace; resolves to their stash files. */
  async stash(id: string, images: readonly ImageToSave[]): Promise<string[]> {
    const dir = this.#stashDir;
    await wfs.createDirectory(dir);
    const out: string[] = [];
    for (const [i, img] of images.entries()) {
      const u = vscode.Uri.joinPath(dir, `${id}-${i}${extensionForFormat(img.format)}`);
      await wfs.writeFile(u, img.bytes);
      out.push(u.toString());
    }
    return out;
  }

  async readStash(stash: readonly string[], fallback: ImageFormat): Promise<ImageToSave[]> {
    const images: ImageToSave[] = [];
    for (const s of stash) {
      const u = vscode.Uri.parse(s);
      images.push({ bytes: await wfs.readFile(u), format: formatFromExtension(u.path) ?? fallback });
    }
    return images;
  }

  async dropStash(stash: readonly string[] | undefined): Promise<void> {
    for (const s of stash ?? []) await wfs.delete(vscode.Uri.parse(s), { useTrash: false }).then(undefined, () => undefined);
  }
}
