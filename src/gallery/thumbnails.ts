/**
 * The gallery's thumbnail cache: one small image per indexed image, in the workspace storage
 * (`<storageUri>/gallery/thumbs/`, written through workspace.fs, read as storageFs.ts says), so that a warm open decodes a few KB per
 * card instead of a 2k original. The extension has no image decoder (no native code ships): the
 * webview, which decodes the original anyway the first time it shows it, scales it down and sends
 * the small image back; that message is untrusted, so it is checked here before anything is written.
 *
 * A thumbnail's name is a digest of the image's URI, size and mtime: a changed file gets a new name
 * (the old thumbnail is never shown for it), and {@link prune} removes the names no image has.
 */
import { createHash } from "node:crypto";
import * as vscode from "vscode";
import { checkImageComplete, sniffImageFormat } from "../images/sniff";
import type { Logger } from "../log";
import { MAX_THUMB_BYTES } from "../protocol";
import type { IndexedImage } from "./imageIndex";
import { earlyThumbnailNames } from "./earlyThumbnails";
import { readStorageFile, readStorageNames } from "./storageFs";

const fs = vscode.workspace.fs;

/** The version of an image a thumbnail was made of (the webview sends it back with the thumbnail). */
export function versionOf(img: Pick<IndexedImage, "size" | "mtime">): string {
  return `${img.size}:${img.mtime}`;
}

export class ThumbnailCache {
  /** The folder, or undefined without a workspace (no storage: no cache). */
  readonly folder: vscode.Uri | undefined;
  /** Names in the folder (read once, then kept current by this object). */
  #names?: Promise<Set<string>>;
  readonly #writing = new Set<Promise<void>>();

  constructor(
    storage: vscode.Uri | undefined,
    private readonly log: Logger,
  ) {
    this.folder = storage && vscode.Uri.joinPath(storage, "gallery", "thumbs");
  }

  /** Reads the folder's names (once); resolves when they are known. Never rejects. */
  load(): Promise<Set<string>> {
    this.#names ??= this.folder
      ? readStorageNames(this.folder).then(
          (names) => new Set(names),
          () => new Set<string>(),
        )
      : Promise.resolve(new Set<string>());
    return this.#names;
  }

  /** The file name of `img`'s thumbnail (whether it exists or not). */
  nameOf(img: IndexedImage): string {
    return `${createHash("sha256").update(`${img.key}\n${versionOf(img)}`).digest("hex").slice(0, 40)}.webp`;
  }

  /** `img`'s thumbnail, when the cache has one for this very version of the file (after {@link load}). */
  async uriOf(img: IndexedImage): Promise<vscode.Uri | undefined> {
    const names = await this.load();
    const name = this.nameOf(img);
    return this.folder && names.has(name) ? vscode.Uri.joinPath(this.folder, name) : undefined;
  }

  /**
   * The bytes of those of `images` whose thumbnail the cache has (by image key); unreadable ones are
   * left out. Those in `early` (read by {@link readNamed} before the images were known) are not read again.
   */
  async read(images: readonly IndexedImage[], early?: ReadonlyMap<string, Uint8Array>): Promise<Map<string, Uint8Array>> {
    const names = await this.load();
    const folder = this.folder;
    const out = new Map<string, Uint8Array>();
    if (!folder) return out;
    await Promise.all(
      images.map(async (img) => {
        const name = this.nameOf(img);
        if (!names.has(name)) return;
        const bytes = early?.get(name) ?? (await this.#readOne(folder, name));
        if (bytes) out.set(img.key, bytes);
      }),
    );
    return out;
  }

  /**
   * Reads thumbnails by name, before the index says which images they are for: the names the
   * last first paint carried (`names`, as remembered in workspace storage: untrusted, so only names
   * this cache could have made are read, and only as many as a first paint carries: see
   * earlyThumbnails.ts). A name is a digest of an image's URI and version, so a thumbnail read here
   * is used only for the image it was made of (see {@link read}). Never rejects; a name not in the
   * cache is left out.
   */
  async readNamed(names: unknown): Promise<Map<string, Uint8Array>> {
    const folder = this.folder;
    const out = new Map<string, Uint8Array>();
    if (!folder) return out;
    const wanted = earlyThumbnailNames(names);
    await Promise.all(
      wanted.map(async (name) => {
        const bytes = await this.#readOne(folder, name);
        if (bytes) out.set(name, bytes);
      }),
    );
    return out;
  }

  async #readOne(folder: vscode.Uri, name: string): Promise<Uint8Array | undefined> {
    const bytes = await readStorageFile(vscode.Uri.joinPath(folder, name)).then(undefined, () => undefined);
    // What the cache holds was checked when it was stored; its size is checked again, as it is read back.
    return bytes && bytes.length > 0 && bytes.length <= MAX_THUMB_BYTES ? bytes : undefined;
  }

  /**
   * Checks and stores a thumbnail the webview made of `img` (the caller checked that `img` is an
   * indexed image and `version` its current version). Resolves to why it was refused, or undefined.
   */
  async store(img: IndexedImage, version: string, bytes: Uint8Array): Promise<string | undefined> {
    const folder = this.folder;
    if (!folder) return "no workspace storage";
    if (version !== versionOf(img)) return "the image changed since";
    if (bytes.length === 0 || bytes.length > MAX_THUMB_BYTES) return `${bytes.length} bytes (at most ${MAX_THUMB_BYTES})`;
    const format = sniffImageFormat(bytes);
    if (format !== "webp" && format !== "jpeg") return "not a WebP or JPEG image";
    const whole = checkImageComplete(bytes, format);
    if (!whole.ok) return whole.reason;
    const names = await this.load();
    const name = this.nameOf(img);
    if (names.has(name)) return undefined;
    names.add(name); // one write per thumbnail, whatever else arrives meanwhile
    const work = (async () => {
      // Written under a temporary name and renamed: a reader never sees half a thumbnail.
      const temp = vscode.Uri.joinPath(folder, `.${name}.${process.pid}.tmp`);
      try {
        await fs.writeFile(temp, bytes);
        await fs.rename(temp, vscode.Uri.joinPath(folder, name), { overwrite: true });
      } catch (err) {
        names.delete(name);
        await fs.delete(temp, { useTrash: false }).then(undefined, () => undefined);
        this.log.warn("gallery", `Could not store a thumbnail: ${String(err)}`);
      }
    })();
    this.#writing.add(work);
    work.then(
      () => this.#writing.delete(work),
      () => this.#writing.delete(work),
    );
    return undefined;
  }

  /** Resolves once every thumbnail accepted so far is written (or failed). */
  async settled(): Promise<void> {
    while (this.#writing.size) await Promise.all([...this.#writing]);
  }

  /** Removes the thumbnails of images that are gone or changed (after a scan: `images` is every image). */
  async prune(images: readonly IndexedImage[]): Promise<number> {
    const folder = this.folder;
    if (!folder) return 0;
    const names = await this.load();
    const wanted = new Set(images.map((i) => this.nameOf(i)));
    let removed = 0;
    for (const n of [...names]) {
      if (wanted.has(n)) continue;
      names.delete(n);
      removed++;
      await fs.delete(vscode.Uri.joinPath(folder, n), { useTrash: false }).then(undefined, () => undefined);
    }
    return removed;
  }
}
