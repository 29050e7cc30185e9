import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import type { Page } from "playwright-core";
import { closeNotificationCenter, runFromPalette, session, setKeyViaPalette, shot } from "./session";

/**
 * The text of the active editor as Monaco draws it: its view lines in order from the top, a line
 * wrapped on screen joined again (its spaces are non-breaking).
 */
async function editorText(page: Page): Promise<string> {
  const lines = page.locator(".editor-group-container.active .monaco-editor .view-lines .view-line");
  type Line = { style: { top: string }; textContent: string | null };
  const parts = await lines.evaluateAll((els: Line[]) => els.map((el) => ({ top: parseFloat(el.style.top), text: el.textContent ?? "" })));
  return parts.sort((a, b) => a.top - b.top).map((p) => p.text).join("").replace(/\u00a0/g, " ");
}

async function poll<T>(page: Page, check: () => Promise<T | undefined>, what: string, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await page.waitForTimeout(100);
  }
}

describe("A person generates an image into a Markdown document", () => {
  it("selects a line, runs Generate Image Here from the palette, and sees the link in place of the line and the file in the workspace", async () => {
    const { page, key, fake, workspace } = await session();
    await setKeyViaPalette(page, key);
    const submitsBefore = fake.submits.length;
    // What the other end-to-end files left open (the gallery, images in two groups) goes first.
    await runFromPalette(page, "View: Close All Editor Groups");

    // Open docs/notes.md (quick open), write a line at its end and select it.
    await page.keyboard.press("Control+P");
    const input = page.locator(".quick-input-widget input");
    await input.waitFor({ state: "visible" });
    await input.fill("docs/notes.md");
    // Clicked, not Enter: until the list filters, its first row is a recently opened file.
    const row = page.locator(".quick-input-widget .monaco-list-row", { hasText: "notes.md" }).first();
    await row.waitFor({ state: "visible" });
    await row.click();
    const editor = page.locator(".editor-group-container.active .monaco-editor").first();
    await editor.waitFor({ state: "visible" });
    await page.locator(".tabs-container .tab.active", { hasText: "notes.md" }).waitFor({ state: "visible" });
    await editor.locator(".view-lines").click();
    await page.keyboard.press("Control+End");
    await page.keyboard.press("Enter");
    await page.keyboard.press("Enter");
    await page.keyboard.type("a lighthouse on a cliff at dawn");
    await page.keyboard.press("Shift+Home");
    await shot(page, "markdown-1-selected");

    await runFromPalette(page, "Grok Imagine: Generate Image Here");
    await poll(page, async () => ((await input.inputValue()) === "a lighthouse on a cliff at dawn" ? true : undefined), "the prompt box to start with the selection", 15_000);
    const message = await page.locator(".quick-input-widget .quick-input-message").innerText();
    assert.match(message, /estimated \$\d+\.\d+ · saved in generated-images, linked in place of the selection/);
    await shot(page, "markdown-2-prompt-with-cost");
    await input.press("Enter");

    const file = path.join(workspace, "generated-images", "a-lighthouse-on-a-cliff-at-dawn.jpg");
    await poll(page, async () => (fs.existsSync(file) ? true : undefined), "the image to be saved");
    assert.equal(fake.submits.length, submitsBefore + 1);
    assert.equal((fake.submits.at(-1)?.body as { prompt: string }).prompt, "a lighthouse on a cliff at dawn");

    const link = "![a lighthouse on a cliff at dawn — rendered in rich detail with cinematic lighting.](../generated-images/a-lighthouse-on-a-cliff-at-dawn.jpg)";
    const text = await poll(page, async () => {
      const t = await editorText(page);
      return t.includes(link) ? t : undefined;
    }, "the link in the document");
    assert.ok(!text.includes("dawn![") && !text.endsWith("at dawn"), "the selected line was replaced");
    // The cursor is after the link, not selecting it: typing on does not replace it.
    const status = page.locator(".statusbar-item[id='status.editor.selection']");
    // (Its line depends on what the other end-to-end files wrote into notes.md; its column is past the link.)
    await poll(page, async () => {
      const col = /^Ln \d+, Col (\d+)$/.exec(await status.innerText())?.[1];
      return col !== undefined && Number(col) > link.length ? true : undefined;
    }, "the cursor after the link, nothing selected", 10_000);
    await closeNotificationCenter(page);
    await shot(page, "markdown-3-link-inserted");

    // The Markdown preview beside it shows the image the link points to.
    await runFromPalette(page, "Markdown: Open Preview to the Side");
    const preview = page.locator('iframe.webview.ready[src*="extensionId=vscode.markdown-language-features"]').first().contentFrame().locator("iframe#active-frame").contentFrame();
    const img = preview.locator('img[src*="a-lighthouse-on-a-cliff-at-dawn.jpg"]').first();
    await img.waitFor({ state: "visible", timeout: 20_000 });
    type Img = { complete: boolean; naturalWidth: number; addEventListener(type: "load", f: () => void, o: { once: boolean }): void };
    const width = await img.evaluate((el: Img) => (el.complete && el.naturalWidth > 0 ? el.naturalWidth : new Promise<number>((resolve) => el.addEventListener("load", () => resolve(el.naturalWidth), { once: true }))));
    assert.ok(width > 0, "the preview decoded the image");
    await shot(page, "markdown-4-preview");

    // Put things back for the tests after this one: notes.md unchanged, no editors open.
    await page.locator(".tabs-container .tab", { hasText: /^notes\.md/ }).first().click();
    await runFromPalette(page, "View: Revert and Close Editor");
    await runFromPalette(page, "View: Close All Editors");
  });
});
