import * as assert from "node:assert/strict";
import { closeNotificationCenter, notificationTexts, runFromPalette, session, shot } from "./session";

describe("A person sets the fal API key", () => {
  it("runs Set API Key from the palette, types the key in a password box and sees the confirmation", async () => {
    const { page, key } = await session();
    await runFromPalette(page, "Grok Imagine: Set API Key");
    const box = page.locator(".quick-input-widget input[type='password']");
    await box.waitFor({ state: "visible" });
    await box.fill(key);
    await shot(page, "set-api-key-1-password-box");
    await box.press("Enter");
    await box.waitFor({ state: "hidden" });
    let texts: string[] = [];
    for (let i = 0; i < 50 && !texts.some((t) => t.includes("API key saved")); i++) {
      texts = await notificationTexts(page);
      if (!texts.some((t) => t.includes("API key saved"))) await page.waitForTimeout(100);
    }
    await shot(page, "set-api-key-2-confirmation");
    assert.ok(texts.some((t) => t.includes("API key saved")), `notifications were: ${JSON.stringify(texts)}`);
    await closeNotificationCenter(page);
  });
});
