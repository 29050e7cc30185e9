/** Helpers for extension-host tests: the extension's test API and a scripted person. */
import * as assert from "node:assert/strict";
import * as vscode from "vscode";
import type { GrokImagineApi } from "../../src/extension";
import type { JobView } from "../../src/jobs/pipeline";
import type { Ui } from "../../src/ui";
import { startFakeFal, type FakeFal, type FakeFalOptions } from "../fake-fal/server";

export const EXTENSION_ID = "grok-imagine.grok-imagine-vscode";

export async function activateExtension(): Promise<NonNullable<GrokImagineApi["testing"]>> {
  const ext = vscode.extensions.getExtension<GrokImagineApi>(EXTENSION_ID);
  assert.ok(ext, `extension ${EXTENSION_ID} is not installed in this VS Code`);
  const api = await ext.activate();
  assert.ok(api.testing, "the extension exposes its test API only in test mode; VS Code did not run it in test mode");
  return api.testing;
}

/** The messages a scripted person saw, by kind. */
export interface SeenMessages {
  info: string[];
  warning: string[];
  error: string[];
  inputs: vscode.InputBoxOptions[];
  modals: { message: string; detail: string }[];
}

/**
 * Plays a person: answers input boxes from `inputs` in order (undefined = pressed Escape), picks
 * message buttons with `choose` (undefined = dismissed), and records everything shown.
 */
export function scriptedPerson(opts: {
  inputs?: (string | undefined)[];
  choose?: (message: string, items: string[]) => string | undefined;
} = {}): { ui: Partial<Ui>; seen: SeenMessages } {
  const seen: SeenMessages = { info: [], warning: [], error: [], inputs: [], modals: [] };
  const inputs = [...(opts.inputs ?? [])];
  const answer = <T extends string>(list: string[], message: string, items: T[]): Thenable<T | undefined> => {
    list.push(message);
    const picked = opts.choose?.(message, items);
    return Promise.resolve(items.find((i) => i === picked));
  };
  const ui: Partial<Ui> = {
    showInputBox: (options) => {
      seen.inputs.push(options);
      return Promise.resolve(inputs.shift());
    },
    showInformationMessage: (m, ...items) => answer(seen.info, m, items),
    showWarningMessage: (m, ...items) => answer(seen.warning, m, items),
    showErrorMessage: (m, ...items) => answer(seen.error, m, items),
    showModal: (m, detail, ...items) => {
      seen.modals.push({ message: m, detail });
      const picked = opts.choose?.(m, items);
      return Promise.resolve(items.find((i) => i === picked));
    },
    openExternal: () => Promise.resolve(true),
  };
  return { ui, seen };
}

/**
 * Resolves with the first running job that matches, as the job pipeline announces it (its
 * onDidChange event; also checked at once), or fails with `what` after `timeoutMs`.
 */
export function whenJob(t: Testing, match: (job: JobView) => boolean, what: string, timeoutMs = 10_000): Promise<JobView> {
  return new Promise((resolve, reject) => {
    const done = (job: JobView | undefined): boolean => {
      if (!job) return false;
      clearTimeout(timer);
      sub.dispose();
      resolve(job);
      return true;
    };
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
    }, timeoutMs);
    const sub = t.pipeline().onDidChange((jobs) => done(jobs.find(match)));
    done(t.jobs().find(match));
  });
}

/**
 * Waits until `check` returns a truthy value (polled), or fails with `what` after `timeoutMs`: for
 * conditions nothing announces (the fake fal's state, files written by other processes).
 */
export async function until<T>(check: () => T | Promise<T>, what: string, timeoutMs = 10_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export function workspaceRoot(): vscode.Uri {
  const f = vscode.workspace.workspaceFolders?.[0];
  assert.ok(f, "no workspace folder open");
  return f.uri;
}

/** Names in a workspace folder (relative path), [] when it does not exist. */
export async function namesIn(relative: string): Promise<string[]> {
  try {
    return (await vscode.workspace.fs.readDirectory(vscode.Uri.joinPath(workspaceRoot(), relative))).map(([n]) => n).sort();
  } catch {
    return [];
  }
}

export async function setUserSetting(key: string, value: unknown): Promise<void> {
  await vscode.workspace.getConfiguration("grokImagine").update(key, value, vscode.ConfigurationTarget.Global);
}

/** The key this run uses: random per run (the leak scan looks for it afterwards). */
export const TEST_KEY = process.env.GROK_TEST_KEY ?? `gi-test-local-${Date.now()}`;

export type Testing = Awaited<ReturnType<typeof activateExtension>>;

export interface FakeFalSession {
  readonly fake: FakeFal;
  readonly t: Testing;
}

/**
 * What every test of a fake-fal session starts from: the fake's log and faults cleared, a new scripted
 * person playing the UI (`options` as scriptedPerson takes them), and the test key stored.
 */
export async function freshPerson(session: FakeFalSession, options?: Parameters<typeof scriptedPerson>[0]): Promise<ReturnType<typeof scriptedPerson>> {
  session.fake.reset();
  const person = scriptedPerson(options);
  session.t.setUi(person.ui);
  await vscode.commands.executeCommand("grokImagine.setApiKey", TEST_KEY);
  return person;
}

/**
 * Registers hooks in the calling `describe`: before its tests, a fake fal is started and made the
 * user's grokImagine.proxyUrl (with openAfterSave off and any other `settings`); after them, the
 * settings are cleared, the scripted person dismissed and the fake closed. Read `fake` and `t` in a
 * later hook or a test.
 */
export function withFakeFal(options: FakeFalOptions = { queueMs: 20, runMs: 40 }, settings: Record<string, unknown> = {}): FakeFalSession {
  let fake: FakeFal | undefined;
  let t: Testing | undefined;
  let keys: string[] = [];
  before(async () => {
    fake = await startFakeFal(options);
    t = await activateExtension();
    const all: Record<string, unknown> = { proxyUrl: fake.url, openAfterSave: false, ...settings };
    keys = Object.keys(all);
    for (const k of keys) await setUserSetting(k, all[k]);
  });
  after(async () => {
    t?.resetUi();
    for (const k of keys) await setUserSetting(k, undefined);
    await fake?.close();
  });
  return {
    get fake(): FakeFal {
      assert.ok(fake, "the fake fal is started by a before hook");
      return fake;
    },
    get t(): Testing {
      assert.ok(t, "the extension is activated by a before hook");
      return t;
    },
  };
}
