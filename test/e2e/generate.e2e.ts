import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { closeNotificationCenter, imagePreviewsPainted, notificationTexts, runFromPalette, session, setKeyViaPalette, shot } from "./session";

describe("A person generates an image from the command palette", () => {
  it("types a prompt, accepts the defaults, and sees the new image in the Explorer, opened", async () => {
    const { page, key, fake, workspace } = await session();
    await setKeyViaPalette(page, key);
    await runFromPalette(page, "Grok Imagine: Generate Image");
    const input = page.locator(".quick-input-widget input");
    await input.waitFor({ state: "visible" });
    await input.fill("a lighthouse at dusk, watercolor");
    await shot(page, "generate-1-prompt");
    await input.press("Enter");
    const sendRow = page.locator(".quick-input-widget .monaco-list-row", { hasText: "Generate" }).first();
    await sendRow.waitFor({ state: "visible" });
    await page.locator(".quick-input-widget .monaco-list-row", { hasText: "Aspect ratio" }).first().waitFor({ state: "visible" });
    await shot(page, "generate-2-parameters");
    await input.press("Enter");

    const file = path.join(workspace, "generated-images", "a-lighthouse-at-dusk-watercolor.jpg");
    const deadline = Date.now() + 30_000;
    while (!fs.existsSync(file) && Date.now() < deadline) await page.waitForTimeout(100);
    assert.ok(fs.existsSync(file), "the image was saved in the workspace");
    assert.equal(fake.submits.length, 1);
    assert.deepEqual(fake.submits[0].body, { prompt: "a lighthouse at dusk, watercolor", num_images: 1, aspect_ratio: "1:1", resolution: "1k", output_format: "jpeg", sync_mode: false });

    // The Explorer shows it and an editor tab has it open.
    const row = page.locator(".explorer-folders-view .monaco-list-row", { hasText: "a-lighthouse-at-dusk-watercolor.jpg" });
    await row.waitFor({ state: "visible", timeout: 15_000 });
    const tab = page.locator(".tabs-container .tab", { hasText: "a-lighthouse-at-dusk-watercolor.jpg" });
    await tab.waitFor({ state: "visible", timeout: 15_000 });
    await imagePreviewsPainted(page);
    await shot(page, "generate-3-saved-and-open");
    const texts = await notificationTexts(page);
    assert.ok(texts.some((t) => /Saved generated-images\/a-lighthouse-at-dusk-watercolor\.jpg/.test(t)), JSON.stringify(texts));
    await shot(page, "generate-4-notification");
    await closeNotificationCenter(page);
  });
});
