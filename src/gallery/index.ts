import * as vscode from "vscode";
export { useTranslator } from "../l10n";
import type { Jobs, SavedItem } from "../jobs/pipeline";
import type { Provenance } from "../provenance/provenance";
import { GALLERY_VIEW_TYPE, type GalleryEntry, type BenchResults } from "../protocol";
import type { Services } from "../services";
import type { GallerySpend } from "../spend/index";
import { readGalleryPage } from "./html";
import { ImageIndex, type IndexedImage } from "./imageIndex";
import { MarkdownTracker } from "./markdownTarget";
import { GalleryPanel, panelOptions, type PanelTrace } from "./panel";
import { ThumbnailCache } from "./thumbnails";


/**
 * The gallery, loaded on first use from its own bundle (dist/gallery.js; see register.ts, which
 * registers its command and serializer at activation): the panel, its page, the index of images
 * (made on first use and kept current from then on) and the thumbnail cache.
 */

/** The gallery's index, with the test hooks of the development build. */
export type TestedIndex = ImageIndex & Required<Pick<ImageIndex, "settled" | "forget">>;

/** What the extension-host tests can reach of the gallery. */
export interface GalleryTesting {
  open(): Promise<void>;
  panel(): vscode.WebviewPanel | undefined;
  /** What the current panel posted, refused and ran. */
  trace(): PanelTrace | undefined;
  /** Handles `message` exactly as if the webview had sent it; resolves when done. */
  receive(message: unknown): Promise<void>;
  /** Resolves with the first paint of the current panel (after Open Gallery or a restore). */
  firstPaint(): Promise<{ ms: number; at: number; entries: number; cards: number }>;
  /** Resolves with how long after the first paint the thumbnails then on screen were decoded. */
  thumbnails(): Promise<number>;
  /** Resolves once the thumbnails sent so far are stored in the cache (or refused). */
  thumbnailsSettled(): Promise<void>;
  /** The thumbnail cache's folder, and the name it gives an image's thumbnail. */
  thumbnailFolder(): vscode.Uri | undefined;
  thumbnailName(img: IndexedImage): string;
  /** Removes the thumbnails of images no longer listed (what the session's first scan does); how many. */
  pruneThumbnails(): Promise<number>;
  /** What a window reload does: the panel goes, the index's memory goes (its cache stays). */
  simulateReload(): Promise<void>;
  /** The index, with its test hooks. */
  index(): TestedIndex;
  readonly serializer: vscode.WebviewPanelSerializer;
  /** Shows `count` synthetic entries (copies of the indexed ones) in the webview and measures. */
  bench(count: number): Promise<BenchResults>;
  markdownLink(id: string, markdownFile?: vscode.Uri): string;
  close(): void;
}

export class Gallery implements vscode.Disposable {
  /** @internal read by the development build\'s test hooks (galleryTesting) */
  imageIndex?: ImageIndex;
  /** @internal read by the development build\'s test hooks (galleryTesting) */
  thumbCache?: ThumbnailCache;
  #markdown?: MarkdownTracker;
  /** @internal read by the development build\'s test hooks (galleryTesting) */
  current?: GalleryPanel;
  /** @internal read by the development build\'s test hooks (galleryTesting) */
  checked = false;
  /** @internal read by the development build\'s test hooks (galleryTesting) */
  panelTrace?: PanelTrace;
  /** @internal read by the development build\'s test hooks (galleryTesting) */
  readonly painted = new vscode.EventEmitter<void>();
  /** The page's template, read from the extension's files once per window (again after a failed read). */
  #page?: Promise<string>;
  readonly serializer: vscode.WebviewPanelSerializer = {
    deserializeWebviewPanel: (panel, state: unknown) => this.restore(panel, state),
  };

  constructor(
    private readonly s: Services,
    private readonly jobs: Jobs,
    private readonly spend?: GallerySpend,
  ) {}

  /** Every indexed image's provenance, after a scan of the workspace (Rebuild of the spend ledger). */
  async allProvenance(): Promise<Provenance[]> {
    const index = this.index();
    await index.scan();
    this.checked = true;
    return index.images().map((i) => i.prov);
  }

  /** Images a job saved, once the gallery has an index (before that, its first scan finds them). */
  addSaved(items: readonly SavedItem[]): void {
    if (!this.imageIndex || !items.length) return;
    this.imageIndex.addSaved(items.map((i) => i.uri), (i) => items[i].provenance).catch((err: unknown) => this.s.log.error("gallery", "Could not add saved images to the gallery", err));
  }

  /** @internal */
  index(): ImageIndex {
    this.imageIndex ??= new ImageIndex(this.s.context.storageUri, this.s.log);
    return this.imageIndex;
  }

  /** @internal */
  thumbs(): ThumbnailCache {
    this.thumbCache ??= new ThumbnailCache(this.s.context.storageUri, this.s.log);
    return this.thumbCache;
  }

  /** Open Gallery: shows the panel (one per window), creating it when needed. */
  async open(): Promise<void> {
    const t0 = Date.now();
    if (this.current) {
      this.current.reveal();
      return;
    }
    const page = await this.#readPage();
    const meanwhile = this.current as GalleryPanel | undefined; // opened while the text was read
    if (meanwhile) {
      meanwhile.reveal();
      return;
    }
    const { options } = panelOptions({ s: this.s, index: this.index(), thumbs: this.thumbs() }, true);
    const panel = vscode.window.createWebviewPanel(GALLERY_VIEW_TYPE, vscode.l10n.t("Grok Imagine Gallery"), vscode.ViewColumn.Active, options);
    this.#attach(panel, t0, undefined, page);
  }

  /** The serializer's path after a window reload: the same panel, with the state the webview saved. */
  async restore(panel: vscode.WebviewPanel, state: unknown): Promise<void> {
    const t0 = Date.now();
    const page = await this.#readPage();
    if (this.current) this.current.dispose(); // one gallery per window
    this.#attach(panel, t0, state, page);
  }

  /** The page's template, read once per window (again after a failed read, which is logged). */
  async #readPage(): Promise<string | undefined> {
    // The index cache and the thumbnails' names start loading meanwhile: the panel's page waits for
    // them to carry its first images. Neither rejects (each logs what it could not read).
    this.index().load().catch(() => undefined);
    this.thumbs().load().catch(() => undefined);
    this.#page ??= readGalleryPage(this.s.context.extensionUri);
    try {
      return await this.#page;
    } catch (err) {
      this.#page = undefined;
      this.s.log.error("gallery", "Could not read the gallery's page (dist/webview/gallery.html)", err);
      return undefined;
    }
  }

  /** Makes the panel's host side, its page set at once. */
  #attach(panel: vscode.WebviewPanel, openedAt: number, savedState: unknown, page: string | undefined): void {
    const index = this.index();
    this.#markdown ??= new MarkdownTracker((m) => this.s.log.info("gallery", m));
    // The panel reads the index cache and the thumbnails' names once its page is on its way.
    const thumbs = this.thumbs();
    this.panelTrace = (typeof GROK_TEST_HOOKS !== "undefined" && GROK_TEST_HOOKS) && this.s.context.extensionMode === vscode.ExtensionMode.Test ? { posted: [], refused: [], commands: [] } : undefined;
    const p = new GalleryPanel(panel, {
      s: this.s,
      index,
      thumbs,
      jobs: this.jobs,
      markdown: this.#markdown,
      page,
      openedAt,
      savedState,
      ...(this.spend ? { spend: this.spend } : {}),
      ...((typeof GROK_TEST_HOOKS !== "undefined" && GROK_TEST_HOOKS) && this.panelTrace ? { trace: this.panelTrace } : {}),
    });
    this.current = p;
    // Once per session the index is checked against the files (teammates' commits, changes made
    // while VS Code was closed); the watcher keeps it current after that. The check starts once the
    // panel has painted, so that it does not slow the first paint (or after a while, if it never does).
    const check = () => {
      if (this.checked) return;
      this.checked = true;
      clearTimeout(fallback);
      void index
        .scan()
        // Thumbnails of images gone or changed go too, once the scan knows every image.
        .then(() => thumbs.prune(index.images()))
        .catch((err) => this.s.log.error("gallery", "Scanning the workspace for images failed", err));
    };
    const fallback = setTimeout(check, 3000);
    p.onDidMeasure((what) => {
      if (what === "paint") check();
      this.painted.fire();
    });
    p.onDidDispose(() => {
      clearTimeout(fallback);
      if (this.current === p) this.current = undefined;
    });
  }

  dispose(): void {
    this.current?.dispose();
    this.imageIndex?.dispose();
    this.#markdown?.dispose();
    this.painted.dispose();
  }
}

/** What the extension-host tests reach of the gallery: the development build only (production has none). */
export const galleryTesting: ((g: Gallery) => GalleryTesting) | undefined = typeof GROK_TEST_HOOKS !== "undefined" && GROK_TEST_HOOKS ? testingOf : undefined;

function testingOf(g: Gallery): GalleryTesting {
  return {
    open: () => g.open(),
    panel: () => g.current?.panel,
    trace: () => g.panelTrace,
    receive: async (m) => {
      if (!g.current) throw new Error("the gallery is not open");
      await g.current.handle(m);
    },
    firstPaint: () => whenTraced(g, (t) => t.firstPaint),
    thumbnails: () => whenTraced(g, (t) => t.thumbnails?.ms),
    thumbnailsSettled: () => g.thumbs().settled(),
    thumbnailFolder: () => g.thumbs().folder,
    thumbnailName: (img) => g.thumbs().nameOf(img),
    pruneThumbnails: async () => {
      await g.thumbs().settled();
      return g.thumbs().prune(g.index().images());
    },
    simulateReload: async () => {
      g.current?.dispose();
      await g.imageIndex?.forget?.();
      await g.thumbCache?.settled();
      g.thumbCache = undefined; // what it read of its folder goes with the window
      g.checked = false;
    },
    index: () => {
      const index = g.index();
      const { settled, forget } = index;
      if (!settled || !forget) throw new Error("this build has no test hooks");
      return Object.assign(index, { settled, forget });
    },
    serializer: g.serializer,
    bench: async (count) => {
      const panel = g.current;
      if (!panel) throw new Error("the gallery is not open");
      const real = panel.entries?.() ?? [];
      if (!real.length) throw new Error("the benchmark needs at least one indexed image");
      const entries: GalleryEntry[] = Array.from({ length: count }, (_, i) => {
        const e = real[i % real.length];
        return { ...e, id: `${e.id}#bench-${i}`, prompt: `${e.prompt} #${i}`, created: e.created - i * 1000 };
      });
      if (!panel.bench) throw new Error("this build has no benchmark hooks");
      return panel.bench(entries);
    },
    markdownLink: (id, md) => {
      const panel = g.current;
      const img = panel?.resolveImage(id);
      if (!panel || !img || typeof img === "string") throw new Error(`not an image: ${typeof img === "string" ? img : "no panel"}`);
      return panel.markdownLink(img, md);
    },
    close: () => g.current?.dispose(),
  };
}

/** Resolves once the current panel's trace has what `pick` looks for. */
function whenTraced<T>(g: Gallery, pick: (t: PanelTrace) => T | undefined): Promise<T> {
  return new Promise((resolve) => {
    const check = () => {
      const v = g.panelTrace ? pick(g.panelTrace) : undefined;
      if (v !== undefined) {
        sub.dispose();
        resolve(v);
      }
    };
    const sub = g.painted.event(check);
    check();
  });
}
