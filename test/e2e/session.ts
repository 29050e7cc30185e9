/**
 * One VS Code session for all end-to-end tests: the VS Code server with the extension under
 * development, the workbench in headless Chromium, and (when given) the fake fal behind the user's
 * proxyUrl. Loaded with `mocha --require`; its root hook closes everything at the end.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Browser, Page } from "playwright-core";
import { listFiles } from "../runner/files";
import { RESULTS_DIR, tempDir } from "../runner/levels";
import { startFakeFal, type FakeFal } from "../fake-fal/server";
import { ensureInstalled, launchBrowser, openWorkbench, prepareDirs, remoteUri, ROOT, startServer, workbenchUrl, type RunningServer } from "../runner/vscodeServer";

export interface Session {
  readonly page: Page;
  readonly workspace: string;
  readonly userDataDir: string;
  readonly key: string;
  /** The fake fal behind the user's grokImagine.proxyUrl. */
  readonly fake: FakeFal;
}

let current: Promise<Session> | undefined;
let server: RunningServer | undefined;
let browser: Browser | undefined;
const closers: (() => Promise<void>)[] = [];

/** Runs `close` when the session ends (the fake fal, for instance). */
export function onSessionEnd(close: () => Promise<void>): void {
  closers.push(close);
}

export interface SessionOptions {
  /** User settings for this session (proxyUrl for the fake, a theme, …). */
  readonly userSettings?: Record<string, unknown>;
}

export function session(opts: SessionOptions = {}): Promise<Session> {
  current ??= start(opts);
  return current;
}

async function start(opts: SessionOptions): Promise<Session> {
  const key = process.env.GROK_TEST_KEY;
  if (!key) throw new Error("GROK_TEST_KEY is not set: run the e2e level through runAll");
  const base = tempDir("e2e");
  const workspace = path.join(base, "workspace");
  fs.cpSync(path.join(ROOT, "test", "fixtures", "workspace"), workspace, { recursive: true });
  const fake = await startFakeFal({ queueMs: 300, runMs: 600 });
  closers.push(() => fake.close());
  const dirs = prepareDirs(base, { "workbench.colorTheme": "Default Dark Modern", "grokImagine.proxyUrl": fake.url, ...opts.userSettings });
  if (process.env.GROK_E2E_WROTE) {
    fs.writeFileSync(process.env.GROK_E2E_WROTE, JSON.stringify([workspace, dirs.userDataDir, dirs.serverDataDir]));
  }
  const env = { ...process.env };
  delete env.FAL_KEY; // a person without FAL_KEY in their environment
  server = await startServer(await ensureInstalled(), dirs, env);
  browser = await launchBrowser();
  const payload: [string, string][] = [["extensionDevelopmentPath", remoteUri(server, ROOT)]];
  const { page } = await openWorkbench(browser, workbenchUrl(server, workspace, payload));
  await page.waitForSelector(".explorer-folders-view .monaco-list-row", { timeout: 60_000 });
  return { page, workspace, userDataDir: dirs.userDataDir, key, fake };
}

export async function shot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, `e2e-${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

/**
 * Runs a command from the palette by its full title ("Grok Imagine: Set API Key"). Right after the
 * workbench opens, the palette may not list extension commands yet: then it closes and tries again.
 */
export async function runFromPalette(page: Page, title: string): Promise<void> {
  const input = page.locator(".quick-input-widget input");
  for (let attempt = 1; ; attempt++) {
    await page.keyboard.press("F1");
    await input.waitFor({ state: "visible" });
    await input.fill(`>${title}`);
    const row = page.locator(".quick-input-widget .monaco-list-row", { hasText: title }).first();
    try {
      await row.waitFor({ state: "visible", timeout: 5_000 });
      await input.press("Enter");
      return;
    } catch (err) {
      if (attempt >= 6) throw err;
      await page.keyboard.press("Escape");
    }
  }
}

/** Picks a colour theme as a person does: Ctrl+K Ctrl+T, type its label ("Light Modern"), Enter. */
export async function setTheme(page: Page, theme: string, workbenchClass: string): Promise<void> {
  // Keys go to the workbench, not into the webview: focus the side bar's title first.
  await page.locator(".sidebar .composite.title").first().click();
  await page.keyboard.press("Control+K");
  await page.keyboard.press("Control+T");
  const input = page.locator(".quick-input-widget input");
  // The picker lists the built-in themes once they have loaded.
  await page.locator(".quick-input-widget .monaco-list-row", { hasText: "Dark Modern" }).first().waitFor({ state: "visible" });
  await input.fill(theme);
  await page.locator(".quick-input-widget .monaco-list-row.focused", { hasText: theme }).first().waitFor({ state: "visible" });
  await page.keyboard.press("Enter");
  await input.waitFor({ state: "hidden" });
  await page.locator(`.monaco-workbench.${workbenchClass}`).waitFor({ state: "attached", timeout: 20_000 });
}

/** A person sets the key through the palette (as the Set API Key test does). */
export async function setKeyViaPalette(page: Page, key: string): Promise<void> {
  await runFromPalette(page, "Grok Imagine: Set API Key");
  const box = page.locator(".quick-input-widget input[type='password']");
  await box.waitFor({ state: "visible" });
  await box.fill(key);
  await box.press("Enter");
  await box.waitFor({ state: "hidden" });
}

/** Waits until `count` of VS Code's image previews show a decoded picture (before a screenshot). */
export async function imagePreviewsPainted(page: Page, count = 1): Promise<void> {
  const previews = 'iframe.webview.ready[src*="extensionId=vscode.media-preview"]';
  await page.locator(previews).nth(count - 1).waitFor({ state: "attached", timeout: 15_000 });
  for (let i = 0; i < count; i++) {
    const img = page.locator(previews).nth(i).contentFrame().locator("iframe#active-frame").contentFrame().locator("img").first();
    await img.waitFor({ state: "visible", timeout: 15_000 });
    type Img = { complete: boolean; naturalWidth: number; addEventListener(type: "load", f: () => void, o: { once: boolean }): void };
    await img.evaluate((el: Img) => (el.complete && el.naturalWidth > 0 ? undefined : new Promise<void>((resolve) => el.addEventListener("load", () => resolve(), { once: true }))));
  }
}

/** Opens the notification center and returns the texts of the notifications it lists. */
export async function notificationTexts(page: Page): Promise<string[]> {
  const center = page.locator(".notifications-center.visible");
  if (!(await center.isVisible())) {
    await page.locator(".statusbar-item[id='status.notifications'], .statusbar-item .codicon-bell, .statusbar-item .codicon-bell-dot").first().click();
    await center.waitFor({ state: "visible" });
  }
  return page.locator(".notifications-center .notification-list-item-message").allInnerTexts();
}

export async function closeNotificationCenter(page: Page): Promise<void> {
  if (await page.locator(".notifications-center.visible").isVisible()) await page.keyboard.press("Escape");
}

export const mochaHooks = {
  async afterEach(this: Mocha.Context): Promise<void> {
    const test = this.currentTest;
    if (test?.state !== "failed" || !current) return;
    const { page, userDataDir } = await current;
    await shot(page, `FAILED-${test.title.replace(/[^a-z0-9]+/gi, "-").slice(0, 60)}`).catch(() => undefined);
    // CI keeps only what is printed: the extension's own log says what it did meanwhile.
    for (const file of listFiles(path.join(userDataDir, "logs"), "Grok Imagine.log")) {
      const lines = fs.readFileSync(file, "utf8").trimEnd().split("\n");
      console.log(`      the extension's log (${file}), last ${Math.min(40, lines.length)} lines:\n${lines.slice(-40).map((l) => `        ${l}`).join("\n")}`);
    }
  },
  async afterAll(this: Mocha.Context): Promise<void> {
    this.timeout(60_000);
    for (const c of closers.splice(0)) await c().catch(() => undefined);
    await browser?.close().catch(() => undefined);
    await server?.stop();
  },
};
