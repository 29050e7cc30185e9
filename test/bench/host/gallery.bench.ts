/**
 * The gallery's figures, measured in the real VS Code (extension host + webview in Chromium) and
 * failing over their bounds (issue 16):
 *   - cold index build of 1,000 images ≤ 5 s;
 *   - first paint after Open Gallery with a warm index ≤ the floor + 100 ms, the floor being a blank
 *     webview panel with the gallery's CSP and a one-line script opened in the same run, interleaved
 *     with the gallery's opens (medians of ≥ 7 each; the gallery's first open of the session counts);
 *     each open follows a simulated window reload (memory gone, the caches read again);
 *   - the thumbnails on screen decoded ≤ 150 ms after that first paint on a warm open (the
 *     thumbnail cache made by the first open), with 1,000 images at 2k (2048 px);
 *   - 10,000 entries: only what is visible is in the DOM, and scrolling and filtering stay quick.
 * Part of `npm run bench`; alone: GROK_TEST_GREP='Gallery' npm run bench. GROK_GALLERY_IMAGES changes
 * the number of images (default 1000), GROK_GALLERY_SIDE their size, GROK_GALLERY_OPENS the opens.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as vscode from "vscode";
import { generateImage } from "../../fake-fal/images";
import type { GalleryTesting } from "../../../src/gallery/index";
import { withProvenance, type Format } from "../../host/galleryFixtures";
import { activateExtension, workspaceRoot } from "../../host/util";
import { figure } from "../../runner/figure";
import { fmt, interleaved, median, pairwise } from "../../runner/stats";
import { blankFirstPaint } from "./floor";

const COUNT = Number(process.env.GROK_GALLERY_IMAGES ?? 1000);
/** Scrolling: 90% of jumps within 50 ms and a mean within one 60 Hz frame; any single jump can meet a GC pause. */
const BOUNDS = { coldBuildMs: 5000, overFloorMs: 100, thumbnailsMs: 150, scrollP90Ms: 50, scrollMeanMs: 16.7, filterMs: 100, domCards: 300 };
/** Opens of the gallery, and of the blank webview, interleaved (issue 16: at least 7). */
const OPENS = Math.max(7, Number(process.env.GROK_GALLERY_OPENS ?? 7));
/** The images' long side: fal's 2k. */
const SIDE = Number(process.env.GROK_GALLERY_SIDE ?? 2048);
const DIR = "gallery-bench";
const WORDS = ["fox", "boat", "lighthouse", "forest", "city", "robot", "garden", "desert", "harbor", "moon"];


describe("Gallery benchmarks", function () {
  this.timeout(300_000);
  let g: GalleryTesting;
  let t: Awaited<ReturnType<typeof activateExtension>>;
  const dir = () => path.join(workspaceRoot().fsPath, DIR);

  before(async () => {
    t = await activateExtension();
    const got = await vscode.commands.executeCommand<GalleryTesting>("grokImagine.testing.gallery");
    assert.ok(got);
    g = got;
    // Images as fal makes them at 2k (2048 px), mostly JPEG (the API's default), some PNG and WebP;
    // each carries its own provenance, so each is a different file.
    const t0 = Date.now();
    const bases: Record<Format, Uint8Array[]> = { jpeg: [], png: [], webp: [] };
    for (const seed of [1, 2, 3, 4]) bases.jpeg.push(new Uint8Array(await generateImage("jpeg", SIDE, SIDE, seed)));
    bases.png.push(new Uint8Array(await generateImage("png", SIDE, SIDE, 5)));
    bases.webp.push(new Uint8Array(await generateImage("webp", SIDE, SIDE, 6)));
    fs.mkdirSync(dir(), { recursive: true });
    let bytes = 0;
    for (let i = 0; i < COUNT; i++) {
      const format: Format = i % 20 === 0 ? "png" : i % 10 === 1 ? "webp" : "jpeg";
      const list = bases[format];
      const base = list[i % list.length];
      const prompt = `${WORDS[i % WORDS.length]} number ${i} in the style of ${WORDS[(i * 7) % WORDS.length]}`;
      const data = withProvenance(base, { prompt, format, seed: i, createDate: new Date(Date.UTC(2025, 0, 1) + i * 60_000).toISOString() });
      bytes += data.length;
      fs.writeFileSync(path.join(dir(), `bench-${String(i).padStart(5, "0")}.${format === "jpeg" ? "jpg" : format}`), data);
    }
    figure(`workspace: ${COUNT} images, ${(bytes / 1e6).toFixed(0)} MB (made in ${Date.now() - t0} ms)`);
    // Whatever the watcher picked up meanwhile is done before anything is measured.
    await g.index().scan();
    await g.index().settled();
  });

  after(async () => {
    g?.close();
    fs.rmSync(dir(), { recursive: true, force: true });
    await g?.index().scan();
  });

  it(`cold index build of ${COUNT} images ≤ ${BOUNDS.coldBuildMs} ms`, async () => {
    const index = g.index();
    const cache = index.cacheUri;
    assert.ok(cache);
    await index.forget();
    await vscode.workspace.fs.delete(cache).then(undefined, () => undefined);
    const cold = await index.scan();
    assert.equal(cold.cold, true);
    assert.ok(index.images().length >= COUNT, `${index.images().length} images indexed`);
    figure(`cold index build: ${cold.ms} ms for ${cold.files} image files (${cold.read} read) (bound ${BOUNDS.coldBuildMs} ms)`);
    await index.save();
    const warm = await index.scan();
    figure(`warm index check (stat only): ${warm.ms} ms, ${warm.read} files read`);
    assert.equal(warm.read, 0);
    assert.ok(cold.ms <= BOUNDS.coldBuildMs, `cold build took ${cold.ms} ms`);
  });

  describe("first paint and thumbnails, against a blank webview opened in the same run", () => {
    const gallery: number[] = [];
    const floor: number[] = [];
    /** Visible thumbnails decoded after first paint, on opens whose thumbnails were cached (warm). */
    const warmThumbs: number[] = [];
    let coldThumbs: number | undefined;

    before(async function () {
      this.timeout(600_000);
      // Whatever VS Code does the first time any webview opens in a window (its service worker,
      // its page) is done once here, counted in neither series.
      await blankFirstPaint();
      const openGallery = async () => {
        await g.simulateReload();
        const t0 = Date.now();
        await vscode.commands.executeCommand("grokImagine.openGallery");
        const paint = await g.firstPaint();
        assert.ok(paint.cards > 0 && paint.entries >= Math.min(COUNT, 24), `painted with ${paint.entries} entries\n${t.logLines().filter((l) => /gallery/.test(l)).slice(-8).join("\n")}`);
        gallery.push(paint.at - t0);
        const thumbs = await g.thumbnails();
        if (coldThumbs === undefined && gallery.length === 1) coldThumbs = thumbs;
        else warmThumbs.push(thumbs);
        // The check of the files and the thumbnails made meanwhile end before anything else is timed.
        await g.index().settled();
        await g.thumbnailsSettled();
        g.close();
      };
      // The gallery's first open of the session comes first (a person's first open counts).
      const floorStarted: number[] = [];
      await interleaved(OPENS, [
        openGallery,
        async () => {
          const b = await blankFirstPaint();
          floor.push(b.ms);
          floorStarted.push(b.startedMs);
        },
      ]);
      for (const l of t.logLines().filter((x) => /First paint|Index cache loaded|thumbnails on screen/.test(x)).slice(-3 * OPENS)) figure(l.replace(/^info: \[gallery\] /, ""));
      figure(`blank webview (the floor): ${fmt(floor)}; its page started loading at ${fmt(floorStarted)}`);
      figure(`gallery first paint, warm index: ${fmt(gallery)}`);
      figure(`gallery − floor, same round: ${fmt(pairwise(gallery, floor, (a, b) => a - b))}; median − median ${(median(gallery) - median(floor)).toFixed(0)} ms (bound +${BOUNDS.overFloorMs} ms)`);
      figure(`visible thumbnails decoded after first paint: first open (cache made) ${coldThumbs} ms; warm opens ${fmt(warmThumbs)} (bound ${BOUNDS.thumbnailsMs} ms)`);
    });

    it(`first paint after Open Gallery with a warm index ≤ the blank webview's + ${BOUNDS.overFloorMs} ms (medians of ${OPENS} opens each, the first included)`, () => {
      assert.equal(gallery.length, OPENS);
      const over = median(gallery) - median(floor);
      assert.ok(over <= BOUNDS.overFloorMs, `the gallery's median first paint is ${over.toFixed(0)} ms over the blank webview's (${fmt(gallery)} vs ${fmt(floor)})`);
    });

    it(`visible thumbnails decoded ≤ ${BOUNDS.thumbnailsMs} ms after first paint on a warm open (median)`, () => {
      assert.ok(warmThumbs.length >= OPENS - 1);
      assert.ok(median(warmThumbs) <= BOUNDS.thumbnailsMs, `visible thumbnails decoded ${fmt(warmThumbs)} after first paint`);
    });
  });

  it("10,000 entries: only the visible cards exist, and scrolling and filtering stay quick", async () => {
    await vscode.commands.executeCommand("grokImagine.openGallery");
    await g.firstPaint();
    const r = await g.bench(10_000);
    figure(
      `10,000 entries: ${r.cards} cards in the DOM; taking them in ${r.applyMs} ms; scroll jumps: 90% within ${r.scrollP90Ms} ms, mean ${r.scrollMeanMs} ms, max ${r.scrollMaxMs} ms; filter max ${r.filterMaxMs} ms (bounds: ${BOUNDS.domCards} cards, p90 ${BOUNDS.scrollP90Ms} ms, mean ${BOUNDS.scrollMeanMs} ms, filter ${BOUNDS.filterMs} ms)`,
    );
    assert.equal(r.entries, 10_000);
    assert.ok(r.cards <= BOUNDS.domCards, `${r.cards} cards in the DOM`);
    assert.ok(r.scrollP90Ms <= BOUNDS.scrollP90Ms, `90% of scroll jumps within ${r.scrollP90Ms} ms`);
    assert.ok(r.scrollMeanMs <= BOUNDS.scrollMeanMs, `scroll jumps took ${r.scrollMeanMs} ms on average`);
    assert.ok(r.filterMaxMs <= BOUNDS.filterMs, `a filter took ${r.filterMaxMs} ms`);
  });
});
