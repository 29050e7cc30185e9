/**
 * The first-run walkthrough, as a person meets it: opened from the palette, its steps in order, its
 * pictures drawn in the theme's colours (dark, light, high contrast: screenshots), and a step ticked
 * off by doing what it says.
 */
import * as assert from "node:assert/strict";
import type { FrameLocator, Page } from "playwright-core";
import { runFromPalette, session, setTheme, shot } from "./session";

/** The few DOM facts the page-side callbacks read (the e2e code compiles without the DOM library). */
interface Styles {
  readonly fill: string;
  readonly stroke: string;
  readonly backgroundColor: string;
  getPropertyValue(name: string): string;
}
interface PageGlobals {
  getComputedStyle(el: unknown): Styles;
  document: { createElement(tag: string): { style: { backgroundColor: string }; remove(): void } };
}
interface Box {
  append(node: unknown): void;
}

const STEP = (id: string) => `.getting-started-step[data-step-id="grok-imagine.grok-imagine-vscode#start#${id}"]`;

/** The picture of the open step: inside the walkthrough's media webview, two frames down. */
function media(page: Page): FrameLocator {
  return page.frameLocator(".getting-started-media iframe.webview >> visible=true").frameLocator("iframe#active-frame");
}

/** The computed fill of the picture's background (its first shape), once the SVG is drawn. */
async function backgroundFill(page: Page): Promise<string> {
  const frame = media(page).locator("svg rect").first();
  await frame.waitFor({ state: "attached", timeout: 20_000 });
  return frame.evaluate((el) => (globalThis as unknown as PageGlobals).getComputedStyle(el).fill);
}

/** The editor background the workbench itself paints, as rgb(). */
async function editorBackground(page: Page): Promise<string> {
  return page.locator(".monaco-workbench").evaluate((el: Box) => {
    const g = globalThis as unknown as PageGlobals;
    const probe = g.document.createElement("div");
    probe.style.backgroundColor = g.getComputedStyle(el).getPropertyValue("--vscode-editor-background");
    el.append(probe);
    const c = g.getComputedStyle(probe).backgroundColor;
    probe.remove();
    return c;
  });
}

describe("A person new to the extension follows its walkthrough", () => {
  after(async () => {
    const { page } = await session();
    await setTheme(page, "Dark Modern", "vs-dark").catch(() => undefined);
  });

  it("opens it from the palette, sees the steps and their pictures in dark, light and high-contrast themes, and ticks a step off by doing it", async function () {
    this.timeout(240_000);
    const { page } = await session();
    // Whatever the other files left open: the walkthrough shows its pictures only when it has the width.
    await runFromPalette(page, "View: Close All Editor Groups");
    await page.locator(".tabs-container .tab").first().waitFor({ state: "detached" });
    await runFromPalette(page, "Welcome: Open Walkthrough");
    const input = page.locator(".quick-input-widget input");
    await input.fill("Grok Imagine");
    await page.locator(".quick-input-widget .monaco-list-row.focused", { hasText: "Get started with Grok Imagine" }).waitFor({ state: "visible" });
    await input.press("Enter");

    // The steps, in order; without npm start's stand-in, the key step (not "try without a key").
    await page.locator(".getting-started-category h2, .category-title", { hasText: "Get started with Grok Imagine" }).first().waitFor({ state: "visible", timeout: 20_000 });
    const titles = await page.locator(".getting-started-step .step-title").allInnerTexts();
    assert.deepEqual(titles.map((t) => t.trim()), ["Set your fal API key", "Generate an image", "Edit an image from the Explorer", "Open the gallery", "Ask your agent"]);

    // Its picture is drawn in the theme's colours: the SVG's background is the editor's.
    const dark = await backgroundFill(page);
    assert.equal(dark, await editorBackground(page), "the picture's background is the dark theme's editor background");
    console.log(`      dark: picture background ${dark}: ${await shot(page, "walkthrough-dark")}`);

    // Doing what a step says ticks it off: Open Gallery from the step opens the gallery.
    await page.locator(STEP("gallery")).click();
    await page.locator(`${STEP("gallery")}.expanded`).waitFor({ state: "visible" });
    assert.equal(await page.locator(STEP("gallery")).getAttribute("aria-checked"), "false");
    await page.locator(`${STEP("gallery")} a`, { hasText: "Open Gallery" }).first().click();
    await page.locator(".tabs-container .tab", { hasText: "Grok Imagine Gallery" }).first().waitFor({ state: "visible", timeout: 30_000 });
    await page.locator(".tabs-container .tab", { hasText: "Welcome" }).first().click();
    await page.locator(`${STEP("gallery")}[aria-checked="true"]`).waitFor({ state: "attached", timeout: 20_000 });

    // Light and high contrast: the picture follows the theme.
    await setTheme(page, "Light Modern", "vs");
    await page.locator(STEP("generate")).click();
    const light = await backgroundFill(page);
    assert.equal(light, await editorBackground(page), "the picture's background is the light theme's editor background");
    assert.notEqual(light, dark);
    console.log(`      light: picture background ${light}: ${await shot(page, "walkthrough-light")}`);

    await setTheme(page, "Dark High Contrast", "hc-black");
    await page.locator(STEP("edit")).click();
    const hc = await backgroundFill(page);
    assert.equal(hc, await editorBackground(page), "the picture's background is the high-contrast theme's editor background");
    const border = await media(page).locator("svg rect").first().evaluate((el) => (globalThis as unknown as PageGlobals).getComputedStyle(el).stroke);
    assert.notEqual(border, "none", "high contrast: the picture has its contrast border");
    console.log(`      high contrast: picture background ${hc}, border ${border}: ${await shot(page, "walkthrough-hc")}`);
    await page.locator(".tabs-container .tab", { hasText: "Grok Imagine Gallery" }).first().click();
    await page.keyboard.press("Control+W");
  });
});
