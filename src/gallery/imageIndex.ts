/**
 * The gallery's index: every image in the workspace that records how the extension made it. The
 * list comes from the files (their provenance), is kept in a cache in the workspace storage
 * (`<storageUri>/gallery/index.json`, written through workspace.fs, read as storageFs.ts says) keyed by file URI and checked against
 * each file's size and mtime, and a file system watcher keeps it current. Opening the gallery shows
 * the cache at once; a scan then checks it (stat only, reading only files that changed) and sends
 * the differences.
 */
import * as vscode from "vscode";
import { formatFromExtension, type ImageFormat } from "../images/sniff";
import type { Logger } from "../log";
import { LinkGuard, resolvePath } from "../workspace/resolve";
import { isProvenance, type Provenance } from "../provenance/provenance";
import { imageOfSidecar, isSidecarPath } from "../provenance/sidecar";
import { readImageFile, readSidecar } from "../workspace/provenance";
import { readStorageFile } from "./storageFs";

const C = "gallery";
export const IMAGE_GLOB = "**/*.{png,jpg,jpeg,webp,PNG,JPG,JPEG,WEBP}";
export const EXCLUDE_GLOB = "**/node_modules/**";
/** 2: records keep the whole Provenance (1 kept the gallery's own projection of it). */
const CACHE_VERSION = 2;
/** Files checked (stat, and read when changed) at once during a scan. */
const CONCURRENCY = 16;
/** How often a scan sends what it found so far (a cold build shows images as it goes). */
const BATCH_MS = 200;
/** Watcher events are gathered this long, then handled together. */
const EVENT_DEBOUNCE_MS = 75;

/** What the cache keeps per file (also the files without provenance, so they are not read again). */
interface FileRecord {
  readonly size: number;
  readonly mtime: number;
  readonly format: ImageFormat;
  readonly prov: Provenance | null;
  /**
   * Where the provenance came from: the file itself, its `<name>.xmp` sidecar (files with content
   * credentials keep their bytes), or the request the gallery sent ("job": the file carries none).
   */
  readonly origin: Origin;
}

export interface IndexedImage {
  readonly uri: vscode.Uri;
  readonly key: string;
  readonly size: number;
  readonly mtime: number;
  readonly format: ImageFormat;
  readonly prov: Provenance;
}

export interface IndexChange {
  readonly upsert: readonly IndexedImage[];
  readonly remove: readonly string[];
}

export interface ScanFigures {
  readonly cold: boolean;
  readonly ms: number;
  readonly files: number;
  readonly read: number;
  readonly images: number;
}

type Origin = "file" | "sidecar" | "job";

interface CacheFile {
  version: number;
  records: [key: string, size: number, mtime: number, format: ImageFormat, prov: Provenance | null, origin: Origin][];
}

const SIDECAR_GLOB = "**/*.{png,jpg,jpeg,webp,PNG,JPG,JPEG,WEBP}.xmp";

export function isImagePath(path: string): boolean {
  return /\.(png|jpe?g|webp)$/i.test(path) && !/(^|\/)node_modules\//.test(path);
}

async function pool<T>(items: readonly T[], n: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++];
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
}

export class ImageIndex implements vscode.Disposable {
  readonly #records = new Map<string, FileRecord>();
  /** The image each record stands for, made on first use (see #toImage). */
  readonly #images = new WeakMap<FileRecord, IndexedImage>();
  readonly #changed = new vscode.EventEmitter<IndexChange>();
  readonly onDidChange = this.#changed.event;
  readonly #stateChanged = new vscode.EventEmitter<boolean>();
  /** Fires true when a scan starts, false when it ends. */
  readonly onDidChangeIndexing = this.#stateChanged.event;
  readonly #disposables: vscode.Disposable[] = [];
  #loading?: Promise<void>;
  #scanning?: Promise<ScanFigures>;
  #cacheWasLoaded = false;
  readonly #events = new Map<string, { uri: vscode.Uri; kind: "update" | "delete" | "create" }>();
  /** Images whose sidecar changed since the last batch of events. */
  readonly #sidecarTouched = new Set<string>();
  #eventTimer?: ReturnType<typeof setTimeout>;
  #eventsRunning?: Promise<void>;
  #saveTimer?: ReturnType<typeof setTimeout>;
  #saving?: Promise<void>;
  #disposed = false;
  readonly #storage: vscode.Uri | undefined;
  readonly #log: Logger;

  constructor(storage: vscode.Uri | undefined, log: Logger) {
    this.#storage = storage;
    this.#log = log;
    const watcher = vscode.workspace.createFileSystemWatcher("**/*");
    this.#disposables.push(
      watcher,
      watcher.onDidCreate((u) => this.#queue(u, "create")),
      watcher.onDidChange((u) => isImagePath(u.path) && this.#queue(u, "update")),
      watcher.onDidDelete((u) => this.#queue(u, "delete")),
      vscode.workspace.onDidChangeWorkspaceFolders(() => this.scan().catch((err: unknown) => this.#log.error(C, "Scanning the new workspace folders failed", err))),
      this.#changed,
      this.#stateChanged,
    );
    if (typeof GROK_TEST_HOOKS !== "undefined" && GROK_TEST_HOOKS) {
      this.settled = async () => {
        while (this.#eventTimer !== undefined || this.#eventsRunning || this.#scanning) {
          if (this.#eventTimer !== undefined) {
            clearTimeout(this.#eventTimer);
            this.#runEvents();
          }
          const running = this.#eventsRunning;
          await this.#scanning;
          await running;
          if (this.#eventsRunning === running && this.#eventTimer === undefined) this.#eventsRunning = undefined;
        }
      };
      this.forget = async () => {
        await this.settled?.();
        if (this.#saveTimer !== undefined) await this.save();
        await this.#saving;
        this.#records.clear();
        this.#cacheWasLoaded = false;
        this.#loading = undefined;
      };
    }
  }

  /** Test hook (development build only): resolves once the file events seen so far are handled. */
  declare settled?: () => Promise<void>;
  /** Test hook (development build only): forgets everything in memory (the cache file stays): the next scan is a cold build. */
  declare forget?: () => Promise<void>;

  get cacheUri(): vscode.Uri | undefined {
    return this.#storage ? vscode.Uri.joinPath(this.#storage, "gallery", "index.json") : undefined;
  }

  get indexing(): boolean {
    return this.#scanning !== undefined;
  }

  /** The indexed images (those with provenance), in no order. */
  images(): IndexedImage[] {
    const out: IndexedImage[] = [];
    for (const [key, r] of this.#records) if (r.prov) out.push(this.#toImage(key, r));
    return out;
  }

  get(key: string): IndexedImage | undefined {
    const r = this.#records.get(key);
    return r?.prov ? this.#toImage(key, r) : undefined;
  }

  #toImage(key: string, r: FileRecord): IndexedImage {
    // Made once per record (records are replaced, never changed): the gallery lists every image on
    // each open and change, and parsing a thousand URIs each time was a few ms of the first paint.
    let img = this.#images.get(r);
    if (img?.key !== key) {
      // Its URI is parsed when first asked for: a first paint needs the keys and dates of every
      // image (the newest first) but the URIs of only a few dozen and of one image per folder.
      let uri: vscode.Uri | undefined;
      img = {
        get uri(): vscode.Uri {
          return (uri ??= vscode.Uri.parse(key));
        },
        key,
        size: r.size,
        mtime: r.mtime,
        format: r.format,
        prov: r.prov as Provenance,
      };
      this.#images.set(r, img);
    }
    return img;
  }

  /** Loads the cache once (a missing or damaged cache means a cold build). */
  load(): Promise<void> {
    this.#loading ??= this.#readCache();
    return this.#loading;
  }

  async #readCache(): Promise<void> {
    const uri = this.cacheUri;
    if (!uri) return;
    const t0 = Date.now();
    let parsed: unknown;
    try {
      parsed = JSON.parse(new TextDecoder().decode(await readStorageFile(uri)));
    } catch (err) {
      if (!(err instanceof vscode.FileSystemError && err.code === "FileNotFound")) this.#log.warn(C, `The gallery's index cache could not be read; it is rebuilt. (${String(err)})`);
      return;
    }
    const file = parsed as Partial<CacheFile> | null;
    if (!file || file.version !== CACHE_VERSION || !Array.isArray(file.records)) {
      this.#log.info(C, "The gallery's index cache is from another version; it is rebuilt.");
      return;
    }
    for (const rec of file.records) {
      if (!Array.isArray(rec) || rec.length !== 6) continue;
      const [key, size, mtime, format, prov, origin] = rec;
      if (typeof key !== "string" || typeof size !== "number" || typeof mtime !== "number") continue;
      if (format !== "png" && format !== "jpeg" && format !== "webp") continue;
      if (prov !== null && !isProvenance(prov)) continue;
      this.#records.set(key, { size, mtime, format, prov, origin: origin === "job" || origin === "sidecar" ? origin : "file" });
    }
    this.#cacheWasLoaded = true;
    this.#log.info(C, `Index cache loaded: ${this.#records.size} files in ${Date.now() - t0} ms.`);
  }

  /**
   * Checks every image file of the workspace against the index: new and changed files are read,
   * missing ones dropped. Sends what it finds in batches as it goes. One scan at a time.
   */
  scan(): Promise<ScanFigures> {
    this.#scanning ??= this.#doScan().finally(() => {
      this.#scanning = undefined;
      this.#stateChanged.fire(false);
    });
    return this.#scanning;
  }

  async #doScan(): Promise<ScanFigures> {
    await this.load();
    this.#stateChanged.fire(true);
    const t0 = Date.now();
    const cold = !this.#cacheWasLoaded;
    const [uris, sidecars] = await Promise.all([
      vscode.workspace.findFiles(IMAGE_GLOB, EXCLUDE_GLOB).then((found) => this.#withoutLinksOut(found)),
      vscode.workspace.findFiles(SIDECAR_GLOB, EXCLUDE_GLOB).then((list) => new Set(list.map((u) => imageOfSidecar(u).toString()))),
    ]);
    const seen = new Set<string>();
    let read = 0;
    let upsert: IndexedImage[] = [];
    let remove: string[] = [];
    let lastFlush = Date.now();
    const flush = (force: boolean) => {
      if (!force && Date.now() - lastFlush < BATCH_MS) return;
      lastFlush = Date.now();
      if (upsert.length || remove.length) this.#changed.fire({ upsert, remove });
      upsert = [];
      remove = [];
    };
    await pool(uris, CONCURRENCY, async (uri) => {
      if (this.#disposed) return;
      const key = uri.toString();
      seen.add(key);
      const outcome = await this.#check(uri, sidecars.has(key));
      if (outcome.read) read++;
      if (outcome.upsert) upsert.push(outcome.upsert);
      if (outcome.remove) remove.push(key);
      flush(false);
    });
    for (const key of [...this.#records.keys()]) {
      if (seen.has(key)) continue;
      const had = this.#records.get(key)?.prov;
      this.#records.delete(key);
      if (had) remove.push(key);
    }
    flush(true);
    const figures: ScanFigures = { cold, ms: Date.now() - t0, files: uris.length, read, images: this.images().length };
    this.#cacheWasLoaded = true;
    this.#log.info(C, `Index ${cold ? "built" : "checked"} in ${figures.ms} ms: ${figures.files} image files, ${read} read, ${figures.images} made by Grok Imagine.`);
    this.#scheduleSave(0);
    return figures;
  }

  /**
   * The files that are inside the workspace by the one resolver and not reached through a symbolic
   * link leading out of it (the search follows links; a cloned repository can commit one to
   * anywhere): the others are neither listed, read nor deleted by the gallery. Logged when some are left out.
   */
  async #withoutLinksOut(uris: readonly vscode.Uri[]): Promise<vscode.Uri[]> {
    const guard = new LinkGuard();
    const keep = new Array<boolean>(uris.length).fill(false);
    const links = new Set<string>();
    await pool([...uris.keys()], CONCURRENCY, async (i) => {
      const r = resolvePath(uris[i], vscode.l10n.t("An image"));
      if (!r.ok) return;
      const out = await guard.linkOut(r.folder, r.uri);
      if (out) links.add(vscode.workspace.asRelativePath(out.link, false));
      else keep[i] = true;
    });
    const kept = uris.filter((_, i) => keep[i]);
    if (kept.length < uris.length) {
      this.#log.warn(C, `The gallery leaves out ${uris.length - kept.length} image file${uris.length - kept.length === 1 ? "" : "s"} outside the workspace or behind a symbolic link leading out of it${links.size ? ` (${[...links].slice(0, 5).join(", ")})` : ""}.`);
    }
    return kept;
  }

  /**
   * Brings one file's record up to date; says what changed for the gallery. `hasSidecar`: whether a
   * `<name>.xmp` is known to exist (a scan knows; undefined means look).
   */
  async #check(uri: vscode.Uri, hasSidecar?: boolean): Promise<{ read: boolean; upsert?: IndexedImage; remove?: boolean }> {
    const key = uri.toString();
    const prev = this.#records.get(key);
    let stat: vscode.FileStat;
    try {
      stat = await vscode.workspace.fs.stat(uri);
    } catch {
      if (!prev) return { read: false };
      this.#records.delete(key);
      this.#scheduleSave();
      return { read: false, remove: prev.prov !== null };
    }
    if ((stat.type & vscode.FileType.File) === 0) return { read: false };
    // Unchanged, unless a sidecar appeared for a file without provenance or went from one that used it.
    const sidecarChanged = hasSidecar !== undefined && (prev?.origin === "sidecar" ? !hasSidecar : prev?.prov === null && hasSidecar);
    if (prev && prev.size === stat.size && prev.mtime === stat.mtime && !sidecarChanged) return { read: false };
    // Only the metadata before the image data is read (and none of a file past the readers' caps).
    let found: Awaited<ReturnType<typeof readImageFile>>;
    try {
      found = await readImageFile(uri);
    } catch (err) {
      this.#log.warn(C, `Could not read ${vscode.workspace.asRelativePath(uri)}: ${String(err)}`);
      return { read: false };
    }
    const format = found.format ?? formatFromExtension(uri.path) ?? "png";
    let prov = found.provenance ?? null;
    let origin: Origin = "file";
    if (!prov && hasSidecar !== false) {
      prov = (await readSidecar(uri)) ?? null;
      if (prov) origin = "sidecar";
    }
    const rec: FileRecord = { size: stat.size, mtime: stat.mtime, format, prov, origin };
    this.#records.set(key, rec);
    this.#scheduleSave();
    if (prov) return { read: true, upsert: this.#toImage(key, rec) };
    return { read: true, remove: prev?.prov != null };
  }

  /**
   * Records images the gallery's own request saved. When a file carries its provenance that is
   * used; otherwise (before provenance embedding, or a tool that dropped it) the request's own
   * record is kept for as long as the file stays unchanged.
   */
  async addSaved(uris: readonly vscode.Uri[], provFor: (index: number) => Provenance): Promise<void> {
    const upsert: IndexedImage[] = [];
    for (const [i, uri] of uris.entries()) {
      const outcome = await this.#check(uri);
      const key = uri.toString();
      const rec = this.#records.get(key);
      if (rec && !rec.prov) {
        const withJob: FileRecord = { ...rec, prov: provFor(i), origin: "job" };
        this.#records.set(key, withJob);
        upsert.push(this.#toImage(key, withJob));
      } else if (outcome.upsert) {
        upsert.push(outcome.upsert);
      }
    }
    if (upsert.length) this.#changed.fire({ upsert, remove: [] });
    this.#scheduleSave();
  }

  /** Checks these files now (after the gallery changed them) and sends what changed. */
  async update(uris: readonly vscode.Uri[]): Promise<void> {
    await this.#handleEvents(uris.map((uri) => ({ uri, kind: "update" as const })));
  }

  // -------------------------------------------------------------------------------------------
  // Watcher

  #queue(uri: vscode.Uri, kind: "update" | "delete" | "create"): void {
    if (this.#disposed || /(^|\/)node_modules(\/|$)/.test(uri.path)) return;
    if (isSidecarPath(uri.path)) {
      // A sidecar came, changed or went: its image is checked again, whatever its size and mtime.
      const image = imageOfSidecar(uri);
      this.#sidecarTouched.add(image.toString());
      uri = image;
      kind = "update";
    }
    if (this.#storage && uri.toString().startsWith(this.#storage.toString())) return;
    if (kind !== "delete" && !isImagePath(uri.path) && kind !== "create") return;
    this.#events.set(uri.toString(), { uri, kind });
    if (this.#eventTimer === undefined) this.#eventTimer = setTimeout(() => this.#runEvents(), EVENT_DEBOUNCE_MS);
  }

  #runEvents(): void {
    this.#eventTimer = undefined;
    const batch = [...this.#events.values()];
    this.#events.clear();
    const previous = this.#eventsRunning ?? Promise.resolve();
    this.#eventsRunning = previous
      .then(() => this.#handleEvents(batch))
      .catch((err) => this.#log.error(C, "Updating the index from file events failed", err));
  }

  async #handleEvents(batch: { uri: vscode.Uri; kind: "update" | "delete" | "create" }[]): Promise<void> {
    // Keys whose entry may have changed; what is sent is their state once the batch is done, and
    // only if it changed (a record is replaced whenever it does): a watcher that reports a file
    // twice, or a folder and then its files, sends nothing the page has already.
    const touched = new Map<string, FileRecord | undefined>();
    const note = (key: string) => {
      if (!touched.has(key)) touched.set(key, this.#records.get(key));
    };
    for (const { uri, kind } of batch) {
      const key = uri.toString();
      if (kind === "delete") {
        // A file, or a folder: everything indexed under it goes.
        const prefix = key.endsWith("/") ? key : `${key}/`;
        for (const k of [...this.#records.keys()]) {
          if (k !== key && !k.startsWith(prefix)) continue;
          note(k);
          this.#records.delete(k);
        }
        this.#scheduleSave();
        continue;
      }
      if (isImagePath(uri.path)) {
        note(key);
        if (!(await this.#withoutLinksOut([uri])).length) {
          this.#records.delete(key);
          continue;
        }
        const prev = this.#records.get(key);
        if (this.#sidecarTouched.delete(key) && prev) this.#records.set(key, { ...prev, size: -1 }); // read it again
        await this.#check(uri);
        continue;
      }
      // Something else was created: a folder moved or copied in brings its images along.
      let stat: vscode.FileStat | undefined;
      try {
        stat = await vscode.workspace.fs.stat(uri);
      } catch {
        continue;
      }
      if ((stat.type & vscode.FileType.Directory) === 0) continue;
      const inside = await this.#withoutLinksOut(await vscode.workspace.findFiles(new vscode.RelativePattern(uri, IMAGE_GLOB), EXCLUDE_GLOB));
      for (const u of inside) {
        note(u.toString());
        await this.#check(u);
      }
    }
    const upsert: IndexedImage[] = [];
    const remove: string[] = [];
    for (const [key, was] of touched) {
      const rec = this.#records.get(key);
      if (rec?.prov) {
        if (rec !== was) upsert.push(this.#toImage(key, rec));
      } else if (was?.prov) remove.push(key);
    }
    if (upsert.length || remove.length) this.#changed.fire({ upsert, remove });
  }

  // -------------------------------------------------------------------------------------------
  // Cache file

  #scheduleSave(delayMs = 1000): void {
    if (!this.#storage || this.#disposed) return;
    if (this.#saveTimer !== undefined) clearTimeout(this.#saveTimer);
    this.#saveTimer = setTimeout(() => {
      this.#saveTimer = undefined;
      this.#saveLogged();
    }, delayMs);
  }

  /** Writes the cache now (temporary file, then rename). */
  /** {@link save} in the background, its failure logged. */
  #saveLogged(): void {
    this.save().catch((err: unknown) => this.#log.warn(C, `The gallery's index cache could not be written: ${String(err)}`));
  }

  async save(): Promise<void> {
    const uri = this.cacheUri;
    if (!uri || !this.#storage) return;
    if (this.#saveTimer !== undefined) {
      clearTimeout(this.#saveTimer);
      this.#saveTimer = undefined;
    }
    await this.#saving;
    const file: CacheFile = { version: CACHE_VERSION, records: [] };
    for (const [key, r] of this.#records) file.records.push([key, r.size, r.mtime, r.format, r.prov, r.origin]);
    const bytes = new TextEncoder().encode(JSON.stringify(file));
    const dir = vscode.Uri.joinPath(uri, "..");
    const fs = vscode.workspace.fs;
    const temp = vscode.Uri.joinPath(dir, `.index.${Date.now().toString(36)}.part`);
    this.#saving = (async () => {
      try {
        await fs.createDirectory(dir);
        await fs.writeFile(temp, bytes);
        await fs.rename(temp, uri, { overwrite: true });
      } catch (err) {
        this.#log.warn(C, `The gallery's index cache could not be written: ${String(err)}`);
        await fs.delete(temp).then(undefined, () => undefined);
      }
    })();
    await this.#saving;
  }

  dispose(): void {
    this.#disposed = true;
    if (this.#eventTimer !== undefined) clearTimeout(this.#eventTimer);
    if (this.#saveTimer !== undefined) {
      clearTimeout(this.#saveTimer);
      this.#saveLogged();
    }
    for (const d of this.#disposables) d.dispose();
  }
}
