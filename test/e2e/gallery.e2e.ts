import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import type { Frame, FrameLocator, Page } from "playwright-core";
import { HOSTILE_PROMPTS, imageWithProvenance } from "../host/galleryFixtures";
import { runFromPalette, session, setKeyViaPalette, setTheme, shot } from "./session";

/** The gallery's webview (not an image preview, which is a webview too), two frames down. */
const GALLERY_IFRAME = 'iframe.webview.ready[src*="extensionId=grok-imagine.grok-imagine-vscode"] >> visible=true';

/** The gallery's content: two frames down inside its webview. */
function galleryFrame(page: Page): FrameLocator {
  return page.frameLocator(GALLERY_IFRAME).frameLocator("iframe#active-frame");
}

/** The gallery's document as a Playwright Frame (to ask its window what ran). */
async function galleryDocument(page: Page): Promise<Frame> {
  const inner = await page.frameLocator(GALLERY_IFRAME).locator("iframe#active-frame").elementHandle();
  const frame = await inner?.contentFrame();
  assert.ok(frame, "the gallery's frame");
  return frame;
}

/** Opens a workspace file by name with Quick Open, as a person does (again if the first Enter went astray). */
async function openFile(page: Page, name: string): Promise<void> {
  const quick = page.locator(".quick-input-widget input");
  const tab = page.locator(".tabs-container .tab.active", { hasText: name });
  for (let attempt = 1; ; attempt++) {
    await page.keyboard.press("Control+P");
    await quick.waitFor({ state: "visible" });
    await quick.fill(name);
    // The row in focus (the one Enter opens) is the file's, once the list has followed the typing.
    await page.locator(".quick-input-widget .monaco-list-row.focused", { hasText: name }).first().waitFor({ state: "visible" });
    await quick.press("Enter");
    try {
      await tab.waitFor({ state: "visible", timeout: 5_000 });
      return;
    } catch (err) {
      if (attempt >= 3) throw err;
      await page.keyboard.press("Escape");
    }
  }
}

/**
 * Runs in every frame loaded while it is installed: in the gallery's page, an `entries` message
 * marked `rest` (counted in `window.__grokRestCame`) waits until an `entries` with a change has been
 * handled (at most 15 s). Everything else passes as it came.
 */
const HOLD_REST_UNTIL_A_CHANGE = `(() => {
  const add = window.addEventListener.bind(window);
  const order = (window.__grokOrder = []);
  const seen = new WeakSet();
  window.addEventListener = (type, listener, options) => {
    if (type !== "message" || typeof listener !== "function") return add(type, listener, options);
    const held = [];
    let changed = false;
    const release = () => {
      changed = true;
      for (const ev of held.splice(0)) deliver(ev);
    };
    // The order the page took them in: "change" (an entries with images) and "rest".
    const deliver = (ev) => {
      const d = ev.data;
      if (typeof d === "object" && d !== null && d.type === "entries" && !seen.has(ev)) {
        seen.add(ev);
        if (typeof d.rest === "number") order.push("rest");
        else if (Array.isArray(d.upsert) && d.upsert.length > 0) order.push("change");
      }
      listener(ev);
    };
    add(type, (ev) => {
      const d = ev.data;
      const entries = typeof d === "object" && d !== null && d.type === "entries";
      if (entries && typeof d.rest === "number") window.__grokRestCame = (window.__grokRestCame || 0) + 1;
      if (entries && typeof d.rest === "number" && !changed) {
        held.push(ev);
        setTimeout(release, 15000);
        return;
      }
      deliver(ev);
      if (entries && d.rest === undefined && Array.isArray(d.upsert) && d.upsert.length > 0) release();
    }, options);
  };
})();`;

async function showGalleryTab(page: Page): Promise<void> {
  await page.locator(".tabs-container .tab", { hasText: "Grok Imagine Gallery" }).first().click();
  await galleryFrame(page).locator("#grid").waitFor({ state: "attached" });
}

describe("A person uses the gallery", () => {
  const hostile = `${HOSTILE_PROMPTS.img} ${HOSTILE_PROMPTS.script} ${HOSTILE_PROMPTS.bidi}`;

  after(async () => {
    // The fake fal and the workbench are shared with the other end-to-end files: leave them clean.
    const { fake, page } = await session();
    fake.reset();
    await setTheme(page, "Dark Modern", "vs-dark").catch(() => undefined);
  });

  it("sees the workspace's images, generates one from the form, finds it, reveals it and links it from Markdown", async function () {
    this.timeout(180_000);
    const { page, key, workspace } = await session();
    // Images made earlier (by a teammate, say): their provenance is inside the files.
    const art = path.join(workspace, "art");
    fs.mkdirSync(art, { recursive: true });
    const day = (d: number) => new Date(Date.UTC(2025, 0, d, 12)).toISOString();
    fs.writeFileSync(path.join(art, "red-fox.png"), await imageWithProvenance({ prompt: "a red fox in fresh snow", revisedPrompt: "A red fox standing in fresh powder snow at dawn", seed: 11, size: 256, createDate: day(3) }));
    fs.writeFileSync(path.join(art, "hostile.png"), await imageWithProvenance({ prompt: hostile, revisedPrompt: HOSTILE_PROMPTS.script, seed: 12, size: 256, createDate: day(2) }));
    fs.writeFileSync(path.join(art, "fox-edit.webp"), await imageWithProvenance({ prompt: "make the fox blue", kind: "edit", format: "webp", seed: 13, size: 256, createDate: day(4), sources: [{ path: "art/red-fox.png", sha256: "0".repeat(64) }] }));

    await setKeyViaPalette(page, key);
    // A Markdown file is open: links go into it.
    await page.keyboard.press("Control+P");
    const quick = page.locator(".quick-input-widget input");
    await quick.fill("notes.md");
    await page.locator(".quick-input-widget .monaco-list-row", { hasText: "notes.md" }).first().waitFor({ state: "visible" });
    await quick.press("Enter");
    await page.locator(".tabs-container .tab", { hasText: "notes.md" }).waitFor({ state: "visible" });
    await page.locator(".monaco-editor .view-lines").first().click();
    await page.keyboard.press("Control+End");
    await page.keyboard.press("Enter");

    await runFromPalette(page, "Grok Imagine: Open Gallery");
    const g = galleryFrame(page);
    const fox = g.locator(".card", { hasText: "a red fox in fresh snow" });
    await fox.waitFor({ state: "visible", timeout: 30_000 });
    await g.locator(".card", { hasText: "make the fox blue" }).waitFor({ state: "visible" });

    // Hostile prompts are text: the markup shows as typed, and nothing in it ran.
    const bad = g.locator(".card", { hasText: "onerror" });
    await bad.waitFor({ state: "visible" });
    assert.equal(await bad.locator(".prompt").textContent(), hostile);
    assert.equal(await bad.locator(".prompt *").count(), 0, "no element was made from the prompt");
    await bad.locator(".meta").click();
    await g.locator("#details dd", { hasText: "onerror" }).first().waitFor({ state: "visible" });
    assert.equal(await g.locator("#details dd img, #details dd script").count(), 0);
    const doc = await galleryDocument(page);
    assert.equal(await doc.evaluate("window.__grokPwned"), undefined, "no script from a prompt ran");
    assert.notEqual(await doc.evaluate("document.title"), "pwned");
    await fox.locator(".meta").click();
    await g.locator("#details h2", { hasText: "red-fox.png" }).waitFor({ state: "visible" });
    await shot(page, "gallery-1-open");

    // Every action is reachable by keyboard: arrows move between images, Space selects for an edit.
    await fox.focus();
    await page.keyboard.press("ArrowRight");
    const next = g.locator(".card.active");
    assert.doesNotMatch((await next.textContent()) ?? "", /a red fox in fresh snow/);
    await page.keyboard.press("Space");
    await g.locator("#selection", { hasText: "1 of 3 selected" }).waitFor({ state: "visible" });
    // The edit bar says what an edit costs: fal publishes no price for edits, so it says so.
    await g.locator("#editEstimate", { hasText: /^Estimated price unknown$/ }).waitFor({ state: "visible" });
    await g.locator("#clearSelection").click();
    await g.locator("#selection").waitFor({ state: "hidden" });
    await page.keyboard.press("Control+F");
    await g.locator("#search:focus").waitFor({ state: "attached" });

    // The estimated cost beside Generate follows the form (fal's list price: $0.02 an image).
    await g.locator("#estimate", { hasText: /^Estimated \$0\.02$/ }).waitFor({ state: "visible" });
    await g.locator("#num_images").selectOption("3");
    await g.locator("#estimate", { hasText: /^Estimated \$0\.06 for 3 images$/ }).waitFor({ state: "visible" });
    await g.locator("#num_images").selectOption("1");
    await g.locator("#estimate", { hasText: /^Estimated \$0\.02$/ }).waitFor({ state: "visible" });

    // Generate from the form: the job shows at the top, then the new image appears.
    await g.locator("#prompt").fill("a paper boat on a pond");
    await g.locator("#generate").click();
    const job = g.locator(".job", { hasText: "a paper boat on a pond" });
    await job.waitFor({ state: "visible", timeout: 15_000 });
    assert.match((await job.textContent()) ?? "", /Queued|Generating|Saving/);
    assert.equal(await job.getByRole("button", { name: /Cancel/ }).count(), 1);
    await shot(page, "gallery-2-job");
    const file = path.join(workspace, "generated-images", "a-paper-boat-on-a-pond.jpg");
    const deadline = Date.now() + 30_000;
    while (!fs.existsSync(file) && Date.now() < deadline) await page.waitForTimeout(100);
    assert.ok(fs.existsSync(file), "the image was saved");
    // openAfterSave shows the new image over the gallery; the person goes back to the gallery tab.
    await page.locator(".tabs-container .tab", { hasText: "a-paper-boat-on-a-pond.jpg" }).waitFor({ state: "visible", timeout: 15_000 });
    await showGalleryTab(page);
    const boat = g.locator(".card", { hasText: "a paper boat on a pond" });
    await boat.waitFor({ state: "visible", timeout: 15_000 });
    // The header counts what was saved (this workspace's ledger: the other end-to-end files' images
    // too, edits among them, whose price is unknown).
    const spend = g.locator("#spendText", { hasText: /^Spend today: [1-9]\d* images?, \$\d+\.\d\d( \(\d+ of them at an unknown price\))? · this month: .* · all time: / });
    await spend.waitFor({ state: "visible", timeout: 15_000 });
    assert.match((await g.locator("#spend").getAttribute("title")) ?? "", /Standard: [1-9]\d* images?, \$/);
    await shot(page, "gallery-spend");

    // Search finds it.
    await g.locator("#search").fill("paper boat");
    await g.locator("#count", { hasText: /^1 of \d+ images/ }).waitFor({ state: "visible" });
    assert.equal(await g.locator(".card:visible").count(), 1);
    await boat.locator(".meta").click();
    await shot(page, "gallery-3-search");

    // Reveal it in the Explorer.
    await boat.getByRole("button", { name: /^Reveal in Explorer/ }).click();
    await page.locator(".explorer-folders-view .monaco-list-row.selected", { hasText: "a-paper-boat-on-a-pond.jpg" }).waitFor({ state: "visible", timeout: 15_000 });

    // Insert its Markdown link into notes.md, at the cursor.
    await boat.getByRole("button", { name: /^Insert Markdown Link into notes\.md/ }).click();
    const notes = page.locator(".monaco-editor .view-lines", { hasText: "](../generated-images/a-paper-boat-on-a-pond.jpg)" });
    await notes.waitFor({ state: "visible", timeout: 15_000 });
    const text = (await notes.textContent()) ?? "";
    assert.match(text, /!\[.+\]\(\.\.\/generated-images\/a-paper-boat-on-a-pond\.jpg\)/);
    assert.ok(text.indexOf("Notes for the docs folder") < text.indexOf("!["), `the link went where the cursor was, after the text: ${text}`);
    await shot(page, "gallery-4-markdown-link");

    // Show Spend: the same sums in a quick pick, by tier, with the time zone the days are counted in.
    await runFromPalette(page, "Grok Imagine: Show Spend");
    const today = page.locator(".quick-input-widget .monaco-list-row", { hasText: /Today \(\d{4}-\d\d-\d\d\)/ });
    await today.first().waitFor({ state: "visible", timeout: 15_000 });
    assert.match((await today.first().textContent()) ?? "", /[1-9]\d* images?, \$\d+\.\d\d.*Standard: /);
    await page.locator(".quick-input-widget .quick-input-title", { hasText: /Spend, estimated \(days in .*UTC[+-]\d\d:\d\d\)/ }).waitFor({ state: "visible" });
    await shot(page, "show-spend");
    await page.keyboard.press("Escape");
    await page.locator(".quick-input-widget").waitFor({ state: "hidden" });

    // The same gallery in the dark, light and high-contrast themes, with the whole editor area.
    await page.locator(".monaco-editor .view-lines", { hasText: "Notes for the docs folder" }).click();
    await page.keyboard.press("Control+S");
    await page.keyboard.press("Control+W");
    await page.locator(".tabs-container .tab", { hasText: "Grok Imagine Gallery" }).first().waitFor({ state: "visible" });
    await showGalleryTab(page);
    await g.locator("#search").fill("");
    await g.locator(".card", { hasText: "a red fox in fresh snow" }).locator(".meta").click();
    await g.locator("body.vscode-dark").waitFor({ state: "attached", timeout: 20_000 });
    await shot(page, "gallery-dark");
    await setTheme(page, "Light Modern", "vs");
    await g.locator("body.vscode-light").waitFor({ state: "attached", timeout: 20_000 });
    await shot(page, "gallery-light");
    await setTheme(page, "Dark High Contrast", "hc-black");
    await g.locator("body.vscode-high-contrast").waitFor({ state: "attached", timeout: 20_000 });
    await shot(page, "gallery-high-contrast");
  });

  it("switches to another tab and back, and finds the gallery scrolled where it was", async function () {
    this.timeout(120_000);
    const { page, workspace } = await session();
    // A Markdown file open in the same editor group as the gallery (its tab hides the gallery).
    await openFile(page, "notes.md");
    await runFromPalette(page, "Grok Imagine: Open Gallery");
    const g = galleryFrame(page);
    const count = g.locator("#count");
    await count.filter({ hasText: /^\d+ images?$/ }).waitFor({ state: "visible", timeout: 30_000 });
    const before = Number(/^\d+/.exec((await count.textContent()) ?? "")?.[0]);
    // More images than the panel's first message carries (twice the cards it shows), the rest after.
    // Made beside the workspace and moved in at once, as a folder copied in would be: the index takes
    // them in one change, and no event for them is still on its way when the test goes on.
    const staging = fs.mkdtempSync(path.join(path.dirname(workspace), "many-"));
    for (let i = 0; i < 90; i++) {
      fs.writeFileSync(path.join(staging, `m-${String(i).padStart(2, "0")}.png`), await imageWithProvenance({ prompt: `many number ${i}`, seed: 100 + i, size: 48, createDate: new Date(Date.UTC(2024, 0, 1) + i * 60_000).toISOString() }));
    }
    // And one whose prompt is hostile (for the gallery opened again, below).
    fs.writeFileSync(path.join(staging, "hostile.png"), await imageWithProvenance({ prompt: `${hostile} (again)`, seed: 98, size: 48 }));
    const many = path.join(workspace, "many");
    fs.renameSync(staging, many);
    // Every one of them found (a count short of it would let more arrive while the test goes on).
    await count.filter({ hasText: new RegExp(`^${before + 91} images$`) }).waitFor({ state: "visible", timeout: 30_000 });
    // The oldest images are at the bottom: the person scrolls there.
    const bottom = Number(await (await galleryDocument(page)).evaluate('(() => { const v = document.getElementById("viewport"); v.scrollTop = v.scrollHeight; return v.scrollTop; })()'));
    assert.ok(bottom > 1000, `scrolled to ${bottom}`);
    await g.locator(".card", { hasText: "many number 0" }).waitFor({ state: "visible" });
    // The order that lost the position before: an image saved while the gallery was hidden, told to
    // the page loaded again before the rest of its entries. The next gallery page holds back the
    // message with the rest until another change has come first.
    const hold = await page.addInitScript({ content: HOLD_REST_UNTIL_A_CHANGE });
    try {
      // Another file's tab in the same editor group hides the gallery; VS Code drops its page.
      await page.locator(".tabs-container .tab", { hasText: "notes.md" }).first().click();
      await page.locator(GALLERY_IFRAME).waitFor({ state: "detached" });
      await showGalleryTab(page);
      // The page loaded again starts with the newest images and gets the rest after its first paint.
      await g.locator(".card:not([hidden])").first().waitFor({ state: "visible", timeout: 15_000 });
      const came = async () => Number(await (await galleryDocument(page)).evaluate("window.__grokRestCame ?? 0"));
      for (const t0 = Date.now(); (await came()) === 0; ) {
        assert.ok(Date.now() - t0 < 15_000, "the rest of the entries came to the page");
        await page.waitForTimeout(50);
      }
    } finally {
      // (Only this page: a later one, in this file or another, gets its messages as they come.)
      await hold.dispose();
    }
    fs.writeFileSync(path.join(many, "late.png"), await imageWithProvenance({ prompt: "a late arrival", seed: 99, size: 48 }));
    await count.filter({ hasText: new RegExp(`^${before + 92} images$`) }).waitFor({ state: "visible", timeout: 30_000 });
    // The oldest image comes back into view, at the same place.
    await g.locator(".card", { hasText: "many number 0" }).waitFor({ state: "visible", timeout: 15_000 });
    const doc0 = await galleryDocument(page);
    // The page took a change before the rest (the order this part is about), and one rest.
    const order = JSON.parse(String(await doc0.evaluate("JSON.stringify(window.__grokOrder)"))) as string[];
    assert.ok(order.indexOf("change") >= 0 && order.indexOf("change") < order.indexOf("rest"), `order: ${order.join(", ")}`);
    assert.equal(order.filter((o) => o === "rest").length, 1, `order: ${order.join(", ")}`);
    const back = Number(await doc0.evaluate('document.getElementById("viewport").scrollTop'));
    // (A few pixels off at most: the bar above the grid can differ while the icon font loads.)
    assert.ok(Math.abs(back - bottom) <= 40, `scrolled to ${back}, was ${bottom}`);
    await shot(page, "gallery-scroll-kept");
    // Closed and opened again, the gallery's page carries its first images (the hostile prompt's
    // among them): shown as text, and nothing from them ran.
    await runFromPalette(page, "View: Close Editor");
    await page.locator(GALLERY_IFRAME).waitFor({ state: "detached" });
    await runFromPalette(page, "Grok Imagine: Open Gallery");
    const bad = g.locator(".card", { hasText: "onerror" }).filter({ hasText: "(again)" });
    await bad.waitFor({ state: "visible", timeout: 30_000 });
    assert.equal(await bad.locator(".prompt *").count(), 0, "no element was made from the prompt");
    const doc = await galleryDocument(page);
    assert.equal(await doc.evaluate("window.__grokPwned"), undefined, "no script from a prompt ran");
    assert.equal(await doc.evaluate('document.getElementById("init")'), null, "the data block is read and gone");
    // The workspace is shared with the other end-to-end files: the images go.
    fs.rmSync(many, { recursive: true, force: true });
    await count.filter({ hasText: new RegExp(`^${before} images?$`) }).waitFor({ state: "visible", timeout: 30_000 });
  });
});
