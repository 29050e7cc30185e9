/**
 * Issue 12's figure: the worst stall of the extension host's event loop while the gallery indexes a
 * workspace holding the crafted images (an XMP element with 40,000 attributes, a packet with 4,000
 * namespace declarations over 40,000 elements, a JPEG whose Extended XMP claims 4 GB) must be at
 * most 100 ms. Before, the first stalled the host 8.5 s and the second killed it.
 *
 * The stall is measured inside the extension host (this test runs there): Node's event-loop delay
 * histogram (monitorEventLoopDelay) and a 5 ms interval timer's lateness, from before the files are
 * written (the index's watcher reads each as it arrives) through a cold build of the index (cache
 * deleted, every file read again).
 */
import * as assert from "node:assert/strict";
import { monitorEventLoopDelay } from "node:perf_hooks";
import * as vscode from "vscode";
import type { GalleryTesting } from "../../src/gallery/index";
import { craftedImages, manyNamespacesPacket } from "../fixtures/crafted";
import { figure } from "../runner/figure";
import { imageWithProvenance, plainImage } from "./galleryFixtures";
import { activateExtension, until, workspaceRoot } from "./util";

const DIR = "stall-crafted";
/** Copies of each crafted image: enough that the index reads them concurrently, as in a real tree. */
const COPIES = 8;
const STALL_BUDGET_MS = 100;

function ws(relative: string): vscode.Uri {
  return vscode.Uri.joinPath(workspaceRoot(), ...relative.split("/"));
}

/** Watches the event loop: the delay histogram and an interval timer's lateness, in ms. */
function watchEventLoop(): { stop(): { worst: number; p99: number; mean: number } } {
  const histogram = monitorEventLoopDelay({ resolution: 5 });
  histogram.enable();
  const PERIOD = 5;
  let worstLate = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    worstLate = Math.max(worstLate, now - last - PERIOD);
    last = now;
  }, PERIOD);
  return {
    stop() {
      clearInterval(timer);
      histogram.disable();
      return { worst: Math.max(histogram.max / 1e6, worstLate), p99: histogram.percentile(99) / 1e6, mean: histogram.mean / 1e6 };
    },
  };
}

describe("Gallery: crafted images cannot stall the extension host", function () {
  this.timeout(180_000);
  let g: GalleryTesting;
  const crafted = craftedImages();
  const made = ["made.png", "made.jpg", "made.webp"];

  before(async () => {
    await activateExtension();
    const found = await vscode.commands.executeCommand<GalleryTesting>("grokImagine.testing.gallery");
    assert.ok(found, "the gallery's test hook is registered in test mode");
    g = found;
    await g.index().scan(); // the index is live: its watcher reads files as they arrive
  });

  after(async () => {
    await vscode.workspace.fs.delete(ws(DIR), { recursive: true, useTrash: false }).then(undefined, () => undefined);
    await g?.index().settled();
  });

  it(`indexes them, as they arrive and in a cold build, with the event loop never stalled more than ${STALL_BUDGET_MS} ms`, async () => {
    const index = g.index();
    // The same watch while idle, for scale: on a loaded machine the loop is late even with nothing to do.
    const idle = watchEventLoop();
    await new Promise((r) => setTimeout(r, 1000));
    const baseline = idle.stop();

    const watch = watchEventLoop();
    // 1. The files arrive: the index's watcher reads each one (the crafted ones first).
    await vscode.workspace.fs.createDirectory(ws(DIR));
    for (let k = 0; k < COPIES; k++) {
      for (const c of crafted) await vscode.workspace.fs.writeFile(ws(`${DIR}/${k}-${c.file}`), c.bytes);
    }
    // A plain image whose sidecar is the crafted packet.
    await vscode.workspace.fs.writeFile(ws(`${DIR}/plain.png`), await plainImage("png"));
    await vscode.workspace.fs.writeFile(ws(`${DIR}/plain.png.xmp`), new TextEncoder().encode(manyNamespacesPacket()));
    for (const [i, format] of (["png", "jpeg", "webp"] as const).entries()) {
      await vscode.workspace.fs.writeFile(ws(`${DIR}/${made[i]}`), await imageWithProvenance({ prompt: `made as ${format}`, format, seed: 40 }));
    }
    const listed = () => index.images().map((i) => vscode.workspace.asRelativePath(i.uri));
    await until(() => made.every((m) => listed().includes(`${DIR}/${m}`)), "the watcher to bring in the images written last", 60_000);
    await index.settled();
    const arrived = watch.stop();

    // 2. A cold build: memory and cache gone, every image file in the workspace is read.
    const cold = watchEventLoop();
    await index.forget();
    if (index.cacheUri) await vscode.workspace.fs.delete(index.cacheUri).then(undefined, () => undefined);
    const scan = await index.scan();
    const built = cold.stop();

    const worst = Math.max(arrived.worst, built.worst);
    figure(`gallery indexing ${crafted.length * COPIES} crafted images (+ a crafted sidecar, ${scan.files} image files in all): worst event-loop stall ${worst.toFixed(1)} ms; as they arrived: worst ${arrived.worst.toFixed(1)} ms, p99 ${arrived.p99.toFixed(1)} ms; cold build (${scan.read} read in ${scan.ms} ms): worst ${built.worst.toFixed(1)} ms, p99 ${built.p99.toFixed(1)} ms; idle for scale: worst ${baseline.worst.toFixed(1)} ms, p99 ${baseline.p99.toFixed(1)} ms`);
    assert.ok(scan.cold, "a cold build");
    assert.ok(scan.read >= crafted.length * COPIES + 4, `every file was read (${scan.read})`);
    for (const c of crafted) assert.ok(!listed().some((p) => p.endsWith(c.file)), `${c.file} carries no provenance of ours`);
    assert.ok(!listed().includes(`${DIR}/plain.png`), "the crafted sidecar gives no provenance");
    for (const m of made) assert.ok(listed().includes(`${DIR}/${m}`), `${m} is still found`);
    assert.ok(worst <= STALL_BUDGET_MS, `the event loop stalled ${worst.toFixed(1)} ms (budget ${STALL_BUDGET_MS} ms)`);
  });
});
