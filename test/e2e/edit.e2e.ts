import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import type { Page } from "playwright-core";
import { closeNotificationCenter, imagePreviewsPainted, notificationTexts, runFromPalette, session, setKeyViaPalette, shot } from "./session";

function explorerRow(page: Page, name: string) {
  return page.locator(".explorer-folders-view .monaco-list-row", { has: page.locator(".label-name", { hasText: new RegExp(`^${name.replace(/\./g, "\\.")}$`) }) });
}

/**
 * Selects exactly these Explorer rows as a person does (click the first, Ctrl/Cmd-click the rest),
 * and waits until the Explorer shows them selected. A click the Explorer drops while it re-renders
 * (a file that a test before saved appears) is clicked again, as a person would.
 */
async function selectRows(page: Page, names: readonly string[]): Promise<void> {
  const mod = process.platform === "darwin" ? "Meta" : "Control";
  const selected = async (name: string) => (await explorerRow(page, name).getAttribute("aria-selected")) === "true";
  for (let attempt = 1; ; attempt++) {
    await explorerRow(page, names[0]).click();
    for (const name of names.slice(1)) {
      if (!(await selected(name))) await explorerRow(page, name).click({ modifiers: [mod] });
    }
    const rows = page.locator(".explorer-folders-view .monaco-list-row[aria-selected='true']");
    const deadline = Date.now() + 2_000;
    while (Date.now() < deadline && (await rows.count()) !== names.length) await page.waitForTimeout(50);
    const states = await Promise.all(names.map(selected));
    if ((await rows.count()) === names.length && states.every(Boolean)) return;
    if (attempt >= 3) throw new Error(`the Explorer did not select ${names.join(", ")} (selected: ${(await rows.allInnerTexts()).join(", ")})`);
  }
}

/** Polls `check` until it gives a value (the notification list fills in as messages arrive). */
async function until<T>(page: Page, check: () => Promise<T | undefined>, what: string): Promise<T> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await page.waitForTimeout(100);
  }
}

/** Shows the newest notification's whole text in the open notification center. */
async function expandNewestNotification(page: Page): Promise<void> {
  const newest = page.locator(".notifications-center .monaco-list-row").first();
  await newest.hover();
  const expand = newest.getByRole("button", { name: "Expand Notification" });
  if (await expand.count()) await expand.click();
}

async function waitForFile(page: Page, file: string, what: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!fs.existsSync(file) && Date.now() < deadline) await page.waitForTimeout(100);
  assert.ok(fs.existsSync(file), what);
}

/** The `images` folder of the fixture workspace, expanded in the Explorer. */
async function expandImages(page: Page): Promise<void> {
  const folder = explorerRow(page, "images");
  await folder.waitFor({ state: "visible" });
  if ((await folder.getAttribute("aria-expanded")) !== "true") await folder.click();
  await explorerRow(page, "photo.png").waitFor({ state: "visible" });
}

/**
 * Runs a context menu's item: the pointer rests on it (it is highlighted), then clicks it.
 * `beforeClick` runs while it is highlighted.
 */
async function chooseFromMenu(page: Page, title: string, beforeClick?: () => Promise<unknown>): Promise<void> {
  const item = page.locator(".monaco-menu .action-item", { hasText: title }).first();
  await item.waitFor({ state: "visible" });
  await item.hover();
  await page.locator(".monaco-menu .action-item.focused", { hasText: title }).waitFor({ state: "visible" });
  await beforeClick?.();
  await item.click();
  // Now and then (in a long session) the workbench lets a click on a highlighted item pass without
  // running it; Enter on the highlighted item runs it as a person's keyboard would.
  if (!(await item.waitFor({ state: "hidden", timeout: 2_000 }).then(() => true, () => false))) {
    await page.keyboard.press("Enter");
    await item.waitFor({ state: "hidden" });
  }
}

describe("A person edits workspace images from the Explorer", () => {
  after(async () => {
    // The fake fal and the workbench are shared with the other end-to-end files: leave them clean.
    const { page, fake } = await session();
    fake.reset();
    await page.keyboard.press("Escape");
    await runFromPalette(page, "View: Close All Editors");
  });

  it("right-clicks an image, picks Edit with Grok Imagine, says what to change, and sees the result beside the original", async () => {
    const { page, key, fake, workspace } = await session();
    await setKeyViaPalette(page, key);
    fake.reset();
    await expandImages(page);
    await explorerRow(page, "photo.png").click({ button: "right" });
    await chooseFromMenu(page, "Edit with Grok Imagine", () => shot(page, "edit-1-context-menu"));

    const input = page.locator(".quick-input-widget input");
    await input.waitFor({ state: "visible" });
    const title = page.locator(".quick-input-widget .quick-input-title");
    await title.filter({ hasText: "Edit photo.png" }).waitFor({ state: "visible" });
    assert.match(await input.getAttribute("placeholder") ?? "", /Describe the change .*beside photo\.png/);
    await shot(page, "edit-2-prompt-empty");
    await input.fill("make it a starry night");
    await shot(page, "edit-2-prompt-typed");
    await input.press("Enter");
    // The parameters, each changeable; Enter on the first row sends.
    await page.locator(".quick-input-widget .monaco-list-row", { hasText: "Edit" }).first().waitFor({ state: "visible" });
    await page.locator(".quick-input-widget .monaco-list-row", { hasText: "Resolution" }).first().waitFor({ state: "visible" });
    await shot(page, "edit-2-parameters");
    await input.press("Enter");

    const result = path.join(workspace, "images", "photo-edit-1.jpg");
    await waitForFile(page, result, "the edited image was saved beside the original");
    assert.equal(fake.submits.length, 1);
    const body = fake.submits[0]?.body as { prompt: string; image_urls: string[] };
    assert.equal(body.prompt, "make it a starry night");
    const job = fake.jobs.get(fake.submits[0]?.requestId ?? "");
    assert.ok(job?.inputImages[0]?.bytes?.equals(fs.readFileSync(path.join(workspace, "images", "photo.png"))), "fal received the file's bytes");

    // The Explorer lists the new file beside the original, and the two are shown side by side.
    await explorerRow(page, "photo-edit-1.jpg").waitFor({ state: "visible", timeout: 15_000 });
    const tab = page.locator(".tabs-container .tab", { hasText: "photo.png ↔ photo-edit-1.jpg" });
    await tab.waitFor({ state: "visible", timeout: 15_000 });
    await page.locator(".editor-group-container.active .side-by-side-editor").waitFor({ state: "visible" });
    const original = page.locator("iframe.webview.original.ready");
    const modified = page.locator("iframe.webview.modified.ready");
    await original.waitFor({ state: "visible", timeout: 15_000 });
    await modified.waitFor({ state: "visible", timeout: 15_000 });
    const [left, right] = [await original.boundingBox(), await modified.boundingBox()];
    assert.ok(left && right && left.x + left.width <= right.x && left.width > 300 && right.width > 300, `the source on the left, the result on the right: ${JSON.stringify([left, right])}`);
    assert.equal(await page.locator(".tabs-container .tab", { hasText: /^photo-edit-1\.jpg/ }).count(), 0, "the result is not opened a second time");
    await imagePreviewsPainted(page, 2);
    await shot(page, "edit-3-side-by-side");
    const texts = await notificationTexts(page);
    assert.ok(texts.some((t) => /Saved images\/photo-edit-1\.jpg/.test(t)), JSON.stringify(texts));
    await closeNotificationCenter(page);
  });

  it("selects four files and is told to select at most three; with a non-image among them, it is named", async () => {
    const { page, fake } = await session();
    fake.reset();
    await expandImages(page);
    await selectRows(page, ["flower.jpg", "logo.webp", "photo.png", "photo-edit-1.jpg"]);
    await explorerRow(page, "photo.png").click({ button: "right" });
    await chooseFromMenu(page, "Edit with Grok Imagine");
    const tooMany = await until(page, async () => (await notificationTexts(page)).find((t) => /at most three/.test(t)), "the message about too many files");
    assert.equal(tooMany, "Grok Imagine: Select at most three images to edit: 4 files are selected.");
    await expandNewestNotification(page);
    await shot(page, "edit-4-too-many");
    await closeNotificationCenter(page);
    assert.equal(fake.submits.length + fake.uploads.length, 0, "nothing was sent");

    // Now two images and a Markdown file (README.md in the workspace root).
    await selectRows(page, ["flower.jpg", "logo.webp", "README.md"]);
    await explorerRow(page, "logo.webp").click({ button: "right" });
    await chooseFromMenu(page, "Edit with Grok Imagine");
    const named = await until(page, async () => (await notificationTexts(page)).find((t) => /README/.test(t)), "the message naming the non-image");
    assert.equal(named, "Grok Imagine: README.md is not a PNG, JPEG or WebP image.");
    await expandNewestNotification(page);
    await shot(page, "edit-5-not-an-image");
    await closeNotificationCenter(page);
    assert.equal(fake.submits.length + fake.uploads.length, 0, "nothing was sent");
  });
});
