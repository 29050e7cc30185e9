/**
 * The gallery panel (extension host side): one webview panel, its options and page, and the
 * conversation with its script. Every message from the webview is untrusted: its shape is checked by
 * the protocol, then ids are resolved against the index (an image the gallery lists, inside the
 * workspace) before anything runs, and every command goes through an allow-list.
 */
import * as vscode from "vscode";
import type { Jobs, JobView } from "../jobs/pipeline";
import { buildRequest, filterFields, formFields, OPERATIONS, resolveDefaults, type Operation } from "../api";
import {
  parseViewState,
  parseWebviewMessage,
  viewportSize,
  type BenchResults,
  type FormDefaults,
  type FormValues,
  type GalleryEntry,
  type HostMessage,
  type ImageAction,
  type JobInfo,
  type ViewportSize,
  type WebviewMessage,
} from "../protocol";
import type { Services } from "../services";
import { readSettings } from "../settings";
import type { GallerySpend } from "../spend/index";
import { LinkGuard, linkMessage, outputFolderFor, resolvePath } from "../workspace/resolve";
import { makeNonce } from "./csp";
import { galleryHtml, webviewAssetRoots } from "./html";
import { firstInOrder } from "./newest";
import type { ImageIndex, IndexChange, IndexedImage } from "./imageIndex";
import { versionOf, type ThumbnailCache } from "./thumbnails";
import { markdownImageLink, relativePath } from "./markdown";
import type { MarkdownTracker } from "./markdownTarget";
import { promptOf } from "../provenance/provenance";
import { sidecarOf } from "../provenance/sidecar";
import { entryFieldsOf } from "./provenance";
import { InitHandshake } from "./handshake";
import { errorText } from "../format";


const C = "gallery";
/** workspaceState: the image folders of the last session (the webview's roots, known at once). */
const ROOTS_KEY = "grokImagine.gallery.roots";
/**
 * Entries in `init`: the newest, twice as many as the panel showed last time (48 the first time, at
 * least 24), so that the first screen and a scroll are there; the rest follow the first paint. Every
 * entry in `init` is copied and read on the way to that paint.
 */
function initEntries(lastShown: unknown): number {
  if (typeof lastShown !== "number" || !Number.isInteger(lastShown) || lastShown < 1) return 48;
  return Math.max(24, Math.min(240, 2 * lastShown));
}
/** workspaceState: how many cards the gallery showed at its last first paint (its panel's size). */
const CARDS_KEY = "grokImagine.gallery.cardsShown";
/** workspaceState: the names of the thumbnails the last first paint carried (see ThumbnailCache.readNamed). */
const FIRST_THUMBS_KEY = "grokImagine.gallery.firstThumbnails";
/** workspaceState: the grid's size at the last first paint (init's `viewport`). */
const VIEWPORT_KEY = "grokImagine.gallery.viewport";

/**
 * Thumbnails sent inside `init` (the newest images'): as many as the panel showed last time and
 * three more (24 the first time: a large panel's four columns of four rows and two more), at most 48.
 * Each is 5–30 KB of base64 on the way to a paint that waits for it, so no more than that.
 */
function inlineThumbnails(lastShown: unknown): number {
  if (typeof lastShown !== "number" || !Number.isInteger(lastShown) || lastShown < 1) return 24;
  return Math.min(48, lastShown + 3);
}
/** The rest of the entries go at the latest this long after the first paint (see `rendered`). */
const REST_AFTER_MS = 1000;
/**
 * The page waits this long for its first `init` to carry (the index cache and the thumbnails read,
 * usually within 10-30 ms); then it goes without, and `init` follows by message. VS Code takes some
 * 100 ms after the page is set to start loading it, so waiting longer would only add to that.
 */
const PAGE_WAIT_MS = 150;

/** Image actions that are one command on the image's URI. */
const ACTION_COMMANDS: Partial<Record<ImageAction, string>> = {
  open: "vscode.open",
  reveal: "revealInExplorer",
  details: "grokImagine.showDetails",
  generateAgain: "grokImagine.generateAgain",
};

/** The only commands the gallery runs, whatever a message says: the actions' and the forms' (generate, edit). */
export const ALLOWED_COMMANDS: ReadonlySet<string> = new Set([...Object.values(ACTION_COMMANDS), "grokImagine.generate", "grokImagine.edit"]);

export interface PanelDeps {
  readonly s: Services;
  readonly index: ImageIndex;
  readonly thumbs: ThumbnailCache;
  readonly jobs: Jobs;
  readonly markdown: MarkdownTracker;
  /** When Open Gallery (or the restore) started: first paint is measured from here. */
  readonly openedAt: number;
  /**
   * The page's template (read once per window, before the panel is made, so that VS Code makes the
   * panel with its page rather than an empty one first); undefined when it could not be read.
   */
  readonly page: string | undefined;
  /** State the serializer got back after a reload (untrusted until parsed). */
  readonly savedState?: unknown;
  /** Test mode: record what the panel did. */
  readonly trace?: PanelTrace;
  /** The header's spend line (src/spend), when spend is registered. */
  readonly spend?: GallerySpend;
}

interface SortedImage {
  readonly img: IndexedImage;
  readonly created: number;
  readonly path: string;
}

/** What a test can observe of a panel. */
export interface PanelTrace {
  readonly posted: HostMessage[];
  readonly refused: { reason: string; message: unknown }[];
  readonly commands: { id: string; args: unknown[] }[];
  firstPaint?: { ms: number; at: number; entries: number; cards: number };
  thumbnails?: { ms: number; count: number };
  /** The first `init`'s thumbnails: how many it carried, and how many of them were read early. */
  carriedThumbs?: { count: number; early: number };
}

export class GalleryPanel implements vscode.Disposable {
  readonly #disposables: vscode.Disposable[] = [];
  readonly #disposedEmitter = new vscode.EventEmitter<void>();
  readonly onDidDispose = this.#disposedEmitter.event;
  readonly #measured = new vscode.EventEmitter<"paint" | "thumbnails">();
  /** The page reported its first paint, or that the thumbnails then on screen are decoded. */
  readonly onDidMeasure = this.#measured.event;
  /** Which `init` the page has, and whether other messages may follow it (see handshake.ts). */
  readonly #handshake = new InitHandshake();
  /**
   * The last `init`'s number and the images it carried, while the rest waits for the page's paint
   * (so that it does not delay it). Dropped with the page it was for.
   */
  #rest?: { readonly seq: number; readonly sent: ReadonlySet<string> };
  #painted = false;
  /** The last `init`'s spend header was the quick one: the whole one goes once the page has painted. */
  #spendAfterPaint = false;
  #rootKeys = new Set<string>();
  /** The thumbnail cache's names, once read (entries made before that go without thumbnails). */
  #thumbNames?: Set<string>;
  /** Images were found in a folder outside the roots during a scan: widen them when it ends. */
  #widenLater = false;
  #jobsOf?: Jobs;
  #jobsSub?: vscode.Disposable;
  readonly #outbox: HostMessage[] = [];
  /** Benchmark hook (development build only): shows synthetic entries in the webview and measures its grid. */
  declare bench?: (entries: readonly GalleryEntry[]) => Promise<BenchResults>;
  /** Benchmark hook (development build only): the indexed images as the webview gets them. */
  declare entries?: () => GalleryEntry[];
  private declare benchResults?: Map<number, (r: BenchResults) => void>;
  /** When the page first said ready, ms after opening. */
  #readyAt?: number;
  #initAt?: number;
  /** When the index cache and the thumbnails' names were read, and the inline thumbnails (ms after opening). */
  #indexAt?: number;
  #thumbsAt?: number;
  /** The grid size the first `init` carried (see `viewport`), for the first paint's log line. */
  #sentSize?: ViewportSize;
  /** How many thumbnails the first `init` carried, and how many of them were read early (see #start). */
  #carriedThumbs?: { count: number; early: number };
  /** The page's size as first set, in KB. */
  #pageKb?: number;
  #htmlAt?: number;
  /** Set while the page waits for its first `init` (a timer: after PAGE_WAIT_MS it goes without). */
  #pageWait?: ReturnType<typeof setTimeout>;
  /** The page as set carries an `init`. */
  #carried = false;
  #disposed = false;

  constructor(
    readonly panel: vscode.WebviewPanel,
    private readonly d: PanelDeps,
  ) {
    const webview = panel.webview;
    // The same options the panel was created with (VS Code skips an update that changes nothing).
    this.#setOptions(true);
    this.#disposables.push(
      webview.onDidReceiveMessage((m: unknown) => this.handle(m).catch((err: unknown) => this.d.s.log.error(C, "A message from the gallery failed", err))),
      panel.onDidDispose(() => this.dispose()),
      panel.onDidChangeViewState(() => {
        this.#hidden();
        this.#watchJobs();
      }),
      d.index.onDidChange((c) => this.#entriesChanged(c)),
      d.index.onDidChangeIndexing((indexing) => this.#indexingChanged(indexing)),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration("grokImagine")) this.#post({ type: "defaults", defaults: formDefaults(), prices: readSettings().prices });
        if (e.affectsConfiguration("grokImagine.prices") && d.spend) this.#post({ type: "spend", spend: d.spend.header() });
      }),
      ...(d.spend ? [d.spend.onDidChange(() => d.spend && this.#post({ type: "spend", spend: d.spend.header() }))] : []),
      d.markdown.onDidChange(() => this.#post({ type: "context", markdownFile: d.markdown.fileName() })),
      this.#disposedEmitter,
      this.#measured,
    );
    if ((typeof GROK_TEST_HOOKS !== "undefined" && GROK_TEST_HOOKS)) {
      const waiting = new Map<number, (r: BenchResults) => void>();
      let seq = 1;
      this.benchResults = waiting;
      this.entries = () => d.index.images().map((i) => this.#entry(i));
      this.bench = (entries) =>
        new Promise((resolve) => {
          const requestId = seq++;
          waiting.set(requestId, resolve);
          this.#post({ type: "bench", requestId, entries });
        });
    }
    if (d.page === undefined) {
      void d.s.ui.current.showErrorMessage(vscode.l10n.t("Grok Imagine: the gallery's page is missing from the extension. Reinstall the extension."));
    } else {
      // A panel on screen gets its page with the first `init` in it, once the index cache and the
      // newest thumbnails are read (VS Code takes longer than that to make the webview, so the page
      // starts loading no later). One not on screen (restored in a background tab) loads its page
      // only when shown, perhaps much later: it gets the page at once and `init` by message.
      if (!panel.visible) this.#setPage(undefined);
      else {
        this.#pageWait = setTimeout(() => {
          d.s.log.info(C, `The index and the thumbnails were not read within ${PAGE_WAIT_MS} ms: the page goes first, and its images follow.`);
          this.#setPage(undefined);
        }, PAGE_WAIT_MS);
      }
      this.#start(false).catch((err: unknown) => {
        d.s.log.error(C, "Could not start the gallery", err);
        if (this.#pageWait) this.#setPage(undefined); // the page asks again (`ready`) once it runs
      });
    }
    this.#watchJobs();
  }

  /**
   * Sets the page: with the first `init` in it (see index.html), or without (the page then gets
   * `init` by message). Until it is set, VS Code shows nothing; this is done once per panel, and
   * again when a page that carried an `init` goes off screen (see #hidden).
   */
  #setPage(init: Extract<HostMessage, { type: "init" }> | undefined): void {
    clearTimeout(this.#pageWait);
    this.#pageWait = undefined;
    if (this.#disposed || this.d.page === undefined) return;
    const webview = this.panel.webview;
    const html = galleryHtml(this.d.page, webview, this.d.s.context.extensionUri, makeNonce(), init);
    webview.html = html;
    this.#pageKb ??= Math.round(html.length / 1024);
    this.#carried = init !== undefined;
    if ((typeof GROK_TEST_HOOKS !== "undefined" && GROK_TEST_HOOKS) && init) this.d.trace?.posted.push(init);
    this.#htmlAt ??= Date.now() - this.d.openedAt;
  }

  /**
   * The panel went off screen. VS Code loads the page again when it is shown, from the same HTML: a
   * page that carried an `init` would show that old one first. Its HTML loses the `init` (nothing
   * loads while hidden), and the new page's `ready` gets the current one.
   */
  #hidden(): void {
    if (this.panel.visible) return;
    // Whatever page was loading or loaded goes (the panel keeps no context when hidden), and an
    // `init` posted now would not reach the next one: its `ready` is answered.
    this.#handshake.pageGone();
    // Its rest too: sent late (a timer of the page that went), it would reach the next page.
    this.#rest = undefined;
    if (this.#carried) this.#setPage(undefined);
  }

  reveal(): void {
    this.panel.reveal();
  }

  /**
   * Sends `init` once the index and the thumbnails' names are read: unasked right after the page is
   * set (VS Code holds messages until the page has loaded, and its script is inline, so it listens
   * by then), or because the page said `ready` (`asked`: it was loaded again and has nothing).
   * Waiting for the page's `ready` first would add a round trip to every first paint.
   */
  async #start(asked: boolean): Promise<void> {
    // The thumbnails the last first paint carried are read beside the index: the newest images are
    // usually the same, and reading them only once the index had said which they are took 4-20 ms
    // more before the page could be set (which VS Code then takes ~100 ms more to start loading).
    const early = this.d.thumbs.readNamed(this.d.s.context.workspaceState.get<unknown>(FIRST_THUMBS_KEY));
    [, this.#thumbNames] = await Promise.all([this.d.index.load(), this.d.thumbs.load()]);
    this.#indexAt ??= Date.now() - this.d.openedAt;
    if (this.#disposed || (!asked && this.#handshake.ready)) return;
    // `init` carries the newest images (the rest follow the first paint), and the thumbnails of the
    // first of them: the page shows them without asking VS Code for a file each (a round trip
    // through the workbench per image).
    const shown = this.d.s.context.workspaceState.get<unknown>(CARDS_KEY);
    const chunk = initEntries(shown);
    const listed = this.d.index.images();
    let newest = this.#newest(listed, chunk);
    const first = newest.slice(0, inlineThumbnails(shown)).map((i) => i.img);
    const readEarly = await early;
    const inline = await this.d.thumbs.read(first, readEarly);
    this.#thumbsAt ??= Date.now() - this.d.openedAt;
    if (this.#disposed || (!asked && this.#handshake.ready)) return;
    const images = this.d.index.images();
    if (images.length !== listed.length) newest = this.#newest(images, chunk); // changed while the thumbnails were read
    // A page not yet set (the panel on screen) carries `init`; hidden meanwhile, it goes without.
    const carry = this.#pageWait !== undefined && this.panel.visible;
    if (this.#pageWait !== undefined && !carry) this.#setPage(undefined);
    // Widening the roots reloads a page that is set; with none yet, it reloads nothing.
    if (this.#widenRoots(images) && !carry) {
      this.#rememberFolders(images); // the page loaded again may never say `ready` (closed while hidden)
      return;
    }
    const init = { ...this.#initMessage(newest, images.length, inline), seq: this.#handshake.sending(asked) };
    this.#sentSize ??= init.viewport;
    // The rest once the page has painted: made and sent now, they would take the host's and the
    // page's time (a thousand entries to convert, copy and read) before that paint.
    this.#rest = init.rest ? { seq: init.seq, sent: new Set(newest.map((i) => i.path)) } : undefined;
    if (carry) this.#setPage(init);
    else this.#post(init);
    this.#initAt ??= Date.now() - this.d.openedAt;
    // For the next session's first paint, once this one's page is on its way.
    this.#rememberFolders(images);
    // The thumbnails `init` carried (its newest may have changed while they were read), to read early next time.
    const carried = newest.filter((i) => inline.has(i.img.key)).map((i) => this.d.thumbs.nameOf(i.img));
    this.#remember(FIRST_THUMBS_KEY, carried);
    if (!this.#carriedThumbs) {
      this.#carriedThumbs = { count: carried.length, early: carried.filter((name) => readEarly.has(name)).length };
      if ((typeof GROK_TEST_HOOKS !== "undefined" && GROK_TEST_HOOKS) && this.d.trace) this.d.trace.carriedThumbs = this.#carriedThumbs;
    }
    for (const queued of this.#outbox.splice(0)) this.#post(queued);
  }

  // -------------------------------------------------------------------------------------------
  // Resource roots: the webview's own assets and the folders that hold images

  #setOptions(withRemembered: boolean): void {
    const { options, roots } = panelOptions(this.d, withRemembered);
    this.#rootKeys = roots;
    this.panel.webview.options = options;
  }

  /** Keeps `value` in workspace storage for the next session's first paint (written only when it changed). */
  #remember(key: string, value: unknown): void {
    const state = this.d.s.context.workspaceState;
    if (JSON.stringify(state.get<unknown>(key)) !== JSON.stringify(value)) void state.update(key, value);
  }

  /** Remembers the image folders for the next session's first paint. */
  #rememberFolders(images: readonly IndexedImage[]): void {
    this.#remember(ROOTS_KEY, collapse(imageFolders(images)).map((u) => u.toString()));
  }

  /** Widens the webview's roots to every image's folder; true when they changed (which reloads a page that is set). */
  #widenRoots(images: readonly IndexedImage[]): boolean {
    if (byFolder(images).every((i) => this.#covered(i.uri))) return false;
    this.#widenLater = false;
    this.#handshake.reloading();
    // The page loaded again would show the `init` it carried, out of date: it gets the current one by
    // message (the HTML first, so that no page loads with the old one).
    if (this.#carried) this.#setPage(undefined);
    this.#setOptions(false);
    return true;
  }

  #covered(uri: vscode.Uri): boolean {
    const dir = vscode.Uri.joinPath(uri, "..").toString();
    for (const r of this.#rootKeys) if (dir === r || dir.startsWith(`${r}/`)) return true;
    return false;
  }

  // -------------------------------------------------------------------------------------------
  // Host → webview

  /**
   * Sends a message once the webview has said `ready`. Until then, answers wait in the outbox; state
   * updates are dropped, since the `init` that follows `ready` carries all of it.
   */
  #post(message: HostMessage): void {
    if (this.#disposed) return;
    if (!this.#handshake.ready && message.type !== "init") {
      if (message.type === "reply" || ((typeof GROK_TEST_HOOKS !== "undefined" && GROK_TEST_HOOKS) && message.type === "bench")) this.#outbox.push(message);
      return;
    }
    if ((typeof GROK_TEST_HOOKS !== "undefined" && GROK_TEST_HOOKS)) this.d.trace?.posted.push(message);
    void this.panel.webview.postMessage(message).then(undefined, () => undefined);
  }

  #entry(img: IndexedImage): GalleryEntry {
    const p = img.prov;
    const multiRoot = (vscode.workspace.workspaceFolders?.length ?? 0) > 1;
    const thumbs = this.d.thumbs;
    const thumbName = this.#thumbNames && thumbs.folder ? thumbs.nameOf(img) : undefined;
    return {
      id: img.key,
      src: this.panel.webview.asWebviewUri(img.uri).toString(),
      ...(thumbName && thumbs.folder && this.#thumbNames?.has(thumbName) ? { thumb: this.panel.webview.asWebviewUri(vscode.Uri.joinPath(thumbs.folder, thumbName)).toString() } : {}),
      version: versionOf(img),
      name: img.uri.path.slice(img.uri.path.lastIndexOf("/") + 1),
      path: vscode.workspace.asRelativePath(img.uri, multiRoot),
      format: img.format,
      ...entryFieldsOf(p),
      created: createdOf(img),
      size: img.size,
    };
  }

  /** The `k` newest of `images`, newest first (the page sorts the same way). */
  #newest(images: readonly IndexedImage[], k: number): SortedImage[] {
    return firstInOrder(
      images.map((img) => ({ img, created: createdOf(img), path: img.key })),
      k,
      (a, b) => b.created - a.created || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0),
    );
  }

  /**
   * `init` with the newest entries (what a first paint needs); the rest follow in one `entries` after
   * the page's paint (#sendRest). `inline`: thumbnails' bytes by image key, sent inside their entries.
   */
  #initMessage(newest: readonly SortedImage[], total: number, inline: ReadonlyMap<string, Uint8Array>): Omit<Extract<HostMessage, { type: "init" }>, "seq"> {
    const defaults = formDefaults();
    const viewState = this.d.savedState === undefined ? undefined : parseViewState(this.d.savedState, defaults);
    const markdownFile = this.d.markdown.fileName();
    // The header's tooltip names the time zone; the first time, finding its name would hold the
    // page back some 20 ms, so the name follows the paint.
    const spend = this.d.spend?.quickHeader();
    const viewport = viewportSize(this.d.s.context.workspaceState.get<unknown>(VIEWPORT_KEY));
    this.#spendAfterPaint = spend?.complete === false;
    return {
      type: "init",
      entries: newest.map((i) => {
        const e = this.#entry(i.img);
        const bytes = inline.get(i.img.key);
        return bytes ? { ...e, thumbData: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64") } : e;
      }),
      jobs: this.#jobInfos(),
      defaults,
      fields: { generate: formFields("generate"), edit: formFields("edit") },
      filters: filterFields(),
      indexing: this.d.index.indexing,
      ...(viewState ? { viewState } : {}),
      ...(markdownFile ? { markdownFile } : {}),
      ...(vscode.l10n.bundle ? { l10n: vscode.l10n.bundle } : {}),
      prices: readSettings().prices,
      ...(spend ? { spend: spend.header } : {}),
      rest: total > newest.length,
      ...(viewport ? { viewport } : {}),
    };
  }

  /** What `init` left out: every image now indexed that it did not carry (changes meanwhile were sent as they came). */
  #sendRest(): void {
    const pending = this.#rest;
    this.#rest = undefined;
    if (!pending || this.#disposed) return;
    const { seq, sent } = pending;
    const images = this.d.index.images();
    const shown = new Set(byFolder(images).filter((i) => this.#covered(i.uri)).map((i) => folderKey(i.key)));
    const rest = images.filter((img) => !sent.has(img.key) && shown.has(folderKey(img.key)));
    // Sent even when nothing is left (changes since `init` went as they came): the page then knows
    // it has every entry, and a saved scroll position stops waiting for more.
    this.#post({ type: "entries", upsert: rest.map((i) => this.#entry(i)), remove: [], indexing: this.d.index.indexing, rest: seq });
  }

  /**
   * Sends what the index found. Images in a folder the webview may not load from yet need its roots
   * widened, which reloads the page (it then says `ready` again and gets everything): during a scan
   * that waits for the scan's end, so that a cold build reloads the page once, not once per folder.
   */
  #entriesChanged(c: IndexChange): void {
    const shown = c.upsert.filter((i) => this.#covered(i.uri));
    if (shown.length < c.upsert.length) {
      this.#widenLater = true;
      if (!this.d.index.indexing && this.#widenRoots(c.upsert)) return;
    }
    if (shown.length || c.remove.length) this.#post({ type: "entries", upsert: shown.map((i) => this.#entry(i)), remove: [...c.remove], indexing: this.d.index.indexing });
  }

  #indexingChanged(indexing: boolean): void {
    if (!indexing && this.#widenLater) {
      this.#widenLater = false;
      if (this.#widenRoots(this.d.index.images())) return;
    }
    this.#post({ type: "entries", upsert: [], remove: [], indexing });
  }

  #jobInfos(): JobInfo[] {
    return this.d.jobs.list().map(jobInfo);
  }

  /** Follows the job pipeline (subscribes once; later calls only find it already followed). */
  #watchJobs(): void {
    const jobs = this.d.jobs;
    if (jobs === this.#jobsOf) return;
    this.#jobsSub?.dispose();
    this.#jobsOf = jobs;
    this.#jobsSub = jobs.onDidChange(() => this.#post({ type: "jobs", jobs: this.#jobInfos() }));
    this.#post({ type: "jobs", jobs: this.#jobInfos() });
  }

  // -------------------------------------------------------------------------------------------
  // Webview → host

  /** Handles one message from the webview; resolves when it is done (tests await it). */
  async handle(raw: unknown): Promise<void> {
    if (this.#disposed) return;
    const parsed = parseWebviewMessage(raw);
    if (!parsed.ok) return this.#refuse(raw, parsed.reason);
    const m = parsed.value;
    this.#watchJobs();
    try {
      await this.#dispatch(m);
    } catch (err) {
      this.d.s.log.error(C, `The gallery's ${m.type} failed`, err);
      if ("requestId" in m) this.#reply(m.requestId, false, errorText(err));
    }
  }

  #refuse(raw: unknown, reason: string): void {
    const type = typeof raw === "object" && raw !== null && "type" in raw ? String((raw).type).slice(0, 40) : typeof raw;
    this.d.s.log.warn(C, `Refused a message from the gallery webview (${JSON.stringify(type)}): ${reason}.`);
    if ((typeof GROK_TEST_HOOKS !== "undefined" && GROK_TEST_HOOKS)) this.d.trace?.refused.push({ reason, message: raw });
    const requestId = typeof raw === "object" && raw !== null ? (raw as { requestId?: unknown }).requestId : undefined;
    if (typeof requestId === "number" && Number.isSafeInteger(requestId) && requestId >= 0) this.#reply(requestId, false, vscode.l10n.t("The gallery refused that request."));
  }

  #reply(requestId: number, ok: boolean, message?: string): void {
    this.#post({ type: "reply", requestId, ok, ...(message ? { message } : {}) });
  }

  async #dispatch(m: WebviewMessage): Promise<void> {
    if ((typeof GROK_TEST_HOOKS !== "undefined" && GROK_TEST_HOOKS) && m.type === "benchResult") {
      this.benchResults?.get(m.requestId)?.(m.results);
      this.benchResults?.delete(m.requestId);
      return;
    }
    switch (m.type) {
      case "ready":
        this.#readyAt ??= Date.now() - this.d.openedAt;
        // The page that the unasked `init` is on its way to: nothing more to send.
        if (!this.#handshake.pageReady()) return;
        // A page loaded again (hidden and shown, or its folders widened), or one that waited for an
        // `init` that never came (its frame went before it loaded): everything again.
        return this.#start(true);
      case "rendered":
        // Each load of the page paints once; the rest of the entries follow once the thumbnails then
        // on screen are decoded (or a second after the paint, whichever comes first).
        setTimeout(() => this.#sendRest(), REST_AFTER_MS);
        if (this.#spendAfterPaint && this.d.spend) {
          this.#spendAfterPaint = false;
          this.#post({ type: "spend", spend: this.d.spend.header() });
        }
        if (!this.#painted) {
          this.#painted = true;
          this.#remember(CARDS_KEY, m.cards);
          const size = viewportSize({ width: m.width, height: m.height });
          if (size) this.#remember(VIEWPORT_KEY, size);
          // From the command to the page's own timestamp of its painted frame (one machine, one clock).
          const figures = { ms: Math.max(0, Math.round(m.at - this.d.openedAt)), entries: m.entries, cards: m.cards };
          if ((typeof GROK_TEST_HOOKS !== "undefined" && GROK_TEST_HOOKS) && this.d.trace) this.d.trace.firstPaint = { ...figures, at: m.at };
          this.d.s.log.info(C, `First paint ${figures.ms} ms after opening (told ${Date.now() - this.d.openedAt} ms; ${figures.entries} images, ${figures.cards} cards in the DOM on a ${m.width}×${m.height} grid (init carried ${this.#sentSize ? `the size ${this.#sentSize.width}×${this.#sentSize.height}` : "no size"}); host: index read at ${this.#indexAt ?? "?"} ms, ${this.#carriedThumbs?.count ?? "?"} thumbnails (${this.#carriedThumbs?.early ?? "?"} read early) at ${this.#thumbsAt ?? "?"} ms, page (${this.#pageKb ?? "?"} KB) set at ${this.#htmlAt ?? "?"} ms, ready at ${this.#readyAt ?? "?"} ms, init sent at ${this.#initAt ?? "?"} ms; page: started loading at ${Math.round(m.at - m.paintMs - this.d.openedAt)} ms, then script ${m.scriptMs} ms, init ${m.initMs} ms, paint ${m.paintMs} ms after that).`);
          this.#measured.fire("paint");
        }
        return;
      case "thumbnails":
        this.#sendRest();
        if ((typeof GROK_TEST_HOOKS !== "undefined" && GROK_TEST_HOOKS) && this.d.trace) this.d.trace.thumbnails = { ms: m.ms, count: m.count };
        this.#measured.fire("thumbnails");
        this.d.s.log.info(C, `The ${m.count} thumbnails on screen were decoded ${m.ms} ms after the first paint.`);
        return;
      case "thumbnail": {
        const img = this.resolveImage(m.id);
        if (typeof img === "string") return this.#refuse({ type: m.type, id: m.id.slice(0, 200) }, img);
        const refused = await this.d.thumbs.store(img, m.version, m.bytes);
        if (refused) this.#refuse({ type: m.type, id: m.id.slice(0, 200) }, `thumbnail refused: ${refused}`);
        return;
      }
      case "generate":
        return this.#generate(m.requestId, m.input);
      case "edit":
        return this.#edit(m.requestId, m.ids, m.input);
      case "action":
        return this.#action(m.requestId, m.action, m.id);
      case "cancelJob": {
        const job = this.d.jobs.list().find((j) => j.id === m.jobId);
        if (!job) return this.#refuse(m, "no such job is running");
        this.d.jobs.cancel(job.id);
        this.#reply(m.requestId, true);
        return;
      }
    }
  }

  /**
   * Resolves an image id from the webview to an indexed image inside the workspace, or says why not:
   * the id goes through the one resolver (no "." or "..", inside a workspace folder), then must be
   * an image the gallery lists.
   */
  resolveImage(id: string): IndexedImage | string {
    if (!/^[a-z][a-z0-9+.-]+:/i.test(id)) return "the id is not a URI";
    if (/^command:/i.test(id)) return "a command: URI is not an image";
    const r = resolvePath(id, vscode.l10n.t("The image"));
    if (!r.ok) return r.message;
    return this.d.index.get(r.uri.toString()) ?? "the gallery lists no such image";
  }

  /** {@link resolveImage}, and no symbolic link on its way leads out of the workspace (checked now, before acting). */
  async #checkedImage(id: string): Promise<IndexedImage | string> {
    const img = this.resolveImage(id);
    if (typeof img === "string") return img;
    const r = resolvePath(img.uri, vscode.l10n.t("The image"));
    if (!r.ok) return r.message;
    const out = await new LinkGuard().linkOut(r.folder, r.uri);
    return out ? linkMessage(vscode.l10n.t("The image"), img.uri, out, false) : img;
  }

  async #run<T>(id: string, ...args: unknown[]): Promise<T | undefined> {
    if (!ALLOWED_COMMANDS.has(id)) throw new Error(`The gallery does not run ${id}.`);
    if ((typeof GROK_TEST_HOOKS !== "undefined" && GROK_TEST_HOOKS)) this.d.trace?.commands.push({ id, args });
    return vscode.commands.executeCommand<T>(id, ...args);
  }

  #generate(requestId: number, input: FormValues): Promise<void> {
    return this.#request(requestId, "generate", input, []);
  }

  async #edit(requestId: number, ids: readonly string[], input: FormValues): Promise<void> {
    const images: IndexedImage[] = [];
    for (const id of new Set(ids)) {
      const img = await this.#checkedImage(id);
      if (typeof img === "string") return this.#refuse({ type: "edit", requestId, ids }, img);
      images.push(img);
    }
    if (typeof input["prompt"] !== "string" || !input["prompt"].trim()) {
      this.#reply(requestId, false, vscode.l10n.t("Describe the change to make."));
      return;
    }
    return this.#request(requestId, "edit", input, images);
  }

  /** Runs a form's request through its operation's command (edits: on `images`); what it saves joins the gallery. */
  async #request(requestId: number, op: Operation, input: FormValues, images: readonly IndexedImage[]): Promise<void> {
    const built = buildRequest(op, input, readSettings(images[0]?.uri).parameters);
    if (!built.ok) {
      this.#reply(requestId, false, built.errors.map((e) => e.message).join(" "));
      return;
    }
    const { values } = built.value;
    // What the job saves joins the gallery through the job pipeline's onDidSave, with the
    // provenance it really recorded (see GalleryIndex.watchJobs).
    const uris = (await this.#run<vscode.Uri[]>(`grokImagine.${op}`, images.length ? { ...values, images: images.map((i) => i.uri) } : values)) ?? [];
    this.#reply(requestId, true, uris.length === 1 ? vscode.l10n.t("Saved 1 image.") : uris.length ? vscode.l10n.t("Saved {0} images.", uris.length) : undefined);
  }

  async #action(requestId: number, action: ImageAction, id: string): Promise<void> {
    const img = await this.#checkedImage(id);
    if (typeof img === "string") return this.#refuse({ type: "action", requestId, action, id: id.slice(0, 200) }, img);
    const command = ACTION_COMMANDS[action];
    if (command) {
      try {
        if (action === "open") await this.#run(command, img.uri, { preview: false });
        else await this.#run(command, img.uri);
      } catch (err) {
        const missing = !(await vscode.commands.getCommands(true)).includes(command);
        const msg = missing ? vscode.l10n.t("{0} is not available in this version.", actionTitle(action)) : vscode.l10n.t("{0} failed: {1}", actionTitle(action), errorText(err));
        this.d.s.log.warn(C, msg);
        this.#reply(requestId, false, msg);
        return;
      }
      this.#reply(requestId, true);
      return;
    }
    switch (action) {
      case "copyPrompt":
        await vscode.env.clipboard.writeText(promptOf(img.prov));
        this.#reply(requestId, true, vscode.l10n.t("Prompt copied."));
        return;
      case "copyMarkdown":
        await vscode.env.clipboard.writeText(this.markdownLink(img, this.d.markdown.file()));
        this.#reply(requestId, true, vscode.l10n.t("Markdown link copied."));
        return;
      case "insertMarkdown":
        return this.#insertMarkdown(requestId, img);
      case "delete":
        return this.#deleteImage(requestId, img);
      default:
        return this.#refuse({ type: "action", requestId, action, id }, "no handler");
    }
  }

  markdownLink(img: IndexedImage, markdownFile: vscode.Uri | undefined): string {
    let rel: string;
    if (markdownFile && markdownFile.scheme === img.uri.scheme && markdownFile.authority === img.uri.authority) {
      rel = relativePath(markdownFile.path.slice(0, markdownFile.path.lastIndexOf("/")), img.uri.path);
    } else {
      rel = vscode.workspace.asRelativePath(img.uri, false);
    }
    const name = img.uri.path.slice(img.uri.path.lastIndexOf("/") + 1);
    return markdownImageLink(img.prov.revisedPrompt || promptOf(img.prov), rel, name);
  }

  async #insertMarkdown(requestId: number, img: IndexedImage): Promise<void> {
    const file = this.d.markdown.file();
    if (!file) {
      this.#reply(requestId, false, vscode.l10n.t("Open a Markdown file to insert the link into."));
      return;
    }
    const ok = await this.d.markdown.insert(this.markdownLink(img, file));
    const into = this.d.markdown.fileName();
    this.#reply(requestId, ok, !ok ? vscode.l10n.t("The link could not be inserted.") : into ? vscode.l10n.t("Link inserted into {0}.", into) : vscode.l10n.t("Link inserted into the Markdown file."));
  }

  async #deleteImage(requestId: number, img: IndexedImage): Promise<void> {
    const name = vscode.workspace.asRelativePath(img.uri, false);
    const ui = this.d.s.ui.current;
    const fs = vscode.workspace.fs;
    const toTrash = vscode.l10n.t("Move to Trash");
    const choice = await ui.showModal(vscode.l10n.t("Delete {0}?", name), vscode.l10n.t("It is moved to the trash; its prompt and parameters go with it."), toTrash);
    if (choice !== toTrash) {
      this.#reply(requestId, false);
      return;
    }
    try {
      await fs.delete(img.uri, { useTrash: true });
    } catch (err) {
      // Some file systems (a remote one, a virtual one) have no trash: ask again before deleting for good.
      this.d.s.log.warn(C, `Could not move ${name} to the trash: ${String(err)}`);
      const permanently = vscode.l10n.t("Delete Permanently");
      const again = await ui.showModal(vscode.l10n.t("{0} cannot be moved to the trash here. Delete it permanently?", name), vscode.l10n.t("This cannot be undone."), permanently);
      if (again !== permanently) {
        this.#reply(requestId, false);
        return;
      }
      await fs.delete(img.uri, { useTrash: false });
    }
    // Its provenance sidecar (written for files with content credentials) goes with it, the same way.
    const sidecar = sidecarOf(img.uri);
    const hasSidecar = await fs.stat(sidecar).then(() => true, () => false);
    if (hasSidecar) {
      await fs.delete(sidecar, { useTrash: true }).then(undefined, () => fs.delete(sidecar, { useTrash: false })).then(undefined, (err: unknown) => this.d.s.log.warn(C, `Could not delete ${name}.xmp: ${String(err)}`));
    }
    this.d.s.log.info(C, `Deleted ${name}${hasSidecar ? " and its .xmp sidecar" : ""}.`);
    await this.d.index.update([img.uri]);
    this.#reply(requestId, true, vscode.l10n.t("Deleted {0}.", name));
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    clearTimeout(this.#pageWait);
    this.#pageWait = undefined;
    this.#disposedEmitter.fire();
    this.#jobsSub?.dispose();
    for (const d of this.#disposables) d.dispose();
    this.panel.dispose();
  }
}

/**
 * The webview's options: scripts on, command links off, and as resource roots the webview's own
 * folders plus the folders that hold images: each workspace folder's output folder, the folders of
 * the indexed images and (at first, before the index cache is read) those of last time, so that the
 * page can start loading at once. A folder inside another adds nothing.
 */
export function panelOptions(d: Pick<PanelDeps, "s" | "index" | "thumbs">, withRemembered: boolean): { options: vscode.WebviewOptions; roots: Set<string> } {
  const dirs = imageFolders(d.index.images());
  if (withRemembered) {
    const remembered = d.s.context.workspaceState.get<unknown>(ROOTS_KEY);
    for (const r of Array.isArray(remembered) ? (remembered as unknown[]) : []) {
      if (typeof r !== "string") continue;
      const resolved = resolvePath(r, vscode.l10n.t("A remembered folder"));
      if (resolved.ok) dirs.push(resolved.uri);
    }
  }
  const kept = collapse(dirs);
  return {
    options: { enableScripts: true, enableCommandUris: false, localResourceRoots: [...webviewAssetRoots(d.s.context.extensionUri), ...(d.thumbs.folder ? [d.thumbs.folder] : []), ...kept] },
    roots: new Set(kept.map((u) => u.toString())),
  };
}

/** The folder part of an image's key (a URI string): the same for images of one folder. */
function folderKey(key: string): string {
  return key.slice(0, key.lastIndexOf("/"));
}

/** One image of each folder (what is true of a folder is checked once, not for each of its thousand images). */
function byFolder(images: readonly IndexedImage[]): IndexedImage[] {
  const one = new Map<string, IndexedImage>();
  for (const img of images) if (!one.has(folderKey(img.key))) one.set(folderKey(img.key), img);
  return [...one.values()];
}

/** Each workspace folder's output folder and the folders of the indexed images. */
function imageFolders(images: readonly IndexedImage[]): vscode.Uri[] {
  const dirs = new Map<string, vscode.Uri>();
  for (const f of vscode.workspace.workspaceFolders ?? []) dirs.set(outputFolderFor(f.uri).toString(), outputFolderFor(f.uri));
  for (const img of byFolder(images)) {
    const dir = vscode.Uri.joinPath(img.uri, "..");
    dirs.set(dir.toString(), dir);
  }
  return [...dirs.values()];
}

/** When an image was made: its provenance's CreateDate, else the file's mtime (ms since the epoch). */
function createdOf(img: IndexedImage): number {
  const t = Date.parse(img.prov.createDate);
  return Number.isFinite(t) ? t : img.mtime;
}

/** The folders, without those inside another. */
function collapse(uris: vscode.Uri[]): vscode.Uri[] {
  const sorted = [...uris].sort((a, b) => a.path.length - b.path.length);
  const kept: vscode.Uri[] = [];
  for (const u of sorted) {
    const inside = kept.some((k) => k.scheme === u.scheme && k.authority === u.authority && (u.path === k.path || u.path.startsWith(k.path.endsWith("/") ? k.path : `${k.path}/`)));
    if (!inside) kept.push(u);
  }
  return kept;
}

function actionTitle(action: ImageAction): string {
  switch (action) {
    case "details":
      return vscode.l10n.t("Show Details");
    case "generateAgain":
      return vscode.l10n.t("Generate Again");
    case "reveal":
      return vscode.l10n.t("Reveal in Explorer");
    default:
      return vscode.l10n.t("Open");
  }
}

function jobInfo(j: JobView): JobInfo {
  const state = j.state === "running" ? "generating" : j.state === "downloading" || j.state === "saving" ? "saving" : "queued";
  return {
    id: j.id,
    kind: j.kind,
    prompt: j.prompt,
    state,
    ...(state === "queued" && j.position !== undefined ? { position: j.position + 1 } : {}),
    ...(j.lastLog ? { detail: j.lastLog } : {}),
  };
}

/** Each form's defaults: the settings, validated (an invalid setting falls back to the API's default). */
export function formDefaults(): FormDefaults {
  const parameters = readSettings().parameters;
  const [generate, edit] = OPERATIONS.map((op) => resolveDefaults(op, parameters).values);
  return { generate: generate ?? {}, edit: edit ?? {} };
}

