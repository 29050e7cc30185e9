import * as vscode from "vscode";
import type { Logger } from "./log";
import type { StandIn } from "./standin";
import type { UiHolder } from "./ui";
import { FAL_KEYS_URL, keyProblem } from "./keyRules";

const SECRET_ID = "grokImagine.falApiKey";
const COMPONENT = "key";

export type KeySource = "secretStorage" | "environment" | "standIn";
export interface ResolvedKey {
  readonly key: string;
  readonly source: KeySource;
}

/**
 * The fal API key: kept in VS Code's SecretStorage (never settings, state, logs or files), with the
 * FAL_KEY environment variable (fal's own convention) as the fallback when none is stored.
 */
export class ApiKeyStore implements vscode.Disposable {
  readonly #changed = new vscode.EventEmitter<void>();
  /** Fires when the stored key changes, in this window or another one. */
  readonly onDidChange = this.#changed.event;
  readonly #subscription: vscode.Disposable;

  constructor(
    private readonly secrets: vscode.SecretStorage,
    private readonly log: Logger,
    private readonly ui: UiHolder,
    private readonly env: NodeJS.ProcessEnv = process.env,
    /** `npm start`'s local stand-in for fal, used only while no real key is set. */
    readonly standIn?: StandIn,
  ) {
    this.#subscription = secrets.onDidChange((e) => {
      if (e.key !== SECRET_ID) return;
      this.#stored = undefined;
      this.log.info(COMPONENT, "The API key changed (in this or another window).");
      this.#changed.fire();
    });
  }

  /**
   * The stored key as last read: SecretStorage is a round trip to the workbench (tens of ms on a busy
   * machine) that every job would wait for; it is read again after a change here or in another window.
   */
  #stored?: Thenable<string | undefined>;

  async get(): Promise<ResolvedKey | undefined> {
    const read = (this.#stored ??= this.secrets.get(SECRET_ID));
    let stored: string | undefined;
    try {
      stored = await read;
    } catch (err) {
      if (this.#stored === read) this.#stored = undefined; // not kept: the next call reads again
      throw err;
    }
    if (stored) {
      this.log.addSecret(stored);
      return { key: stored, source: "secretStorage" };
    }
    const fromEnv = this.env.FAL_KEY?.trim();
    if (fromEnv && keyProblem(fromEnv)) {
      this.log.warn(COMPONENT, `FAL_KEY is set but cannot be a fal key (${keyProblem(fromEnv)}); it is not used.`);
    } else if (fromEnv) {
      this.log.addSecret(fromEnv);
      return { key: fromEnv, source: "environment" };
    }
    if (this.standIn) return { key: this.standIn.key, source: "standIn" };
    return undefined;
  }

  async set(value: string): Promise<void> {
    const problem = keyProblem(value);
    if (problem) throw new Error(problem);
    const key = value.trim();
    this.log.addSecret(key);
    this.#stored = undefined;
    await this.secrets.store(SECRET_ID, key);
    this.#stored = undefined;
    this.log.info(COMPONENT, "API key saved in secret storage.");
  }

  async clear(): Promise<boolean> {
    const had = (await this.secrets.get(SECRET_ID)) !== undefined;
    this.#stored = undefined;
    await this.secrets.delete(SECRET_ID);
    this.#stored = undefined;
    this.log.info(COMPONENT, had ? "API key removed from secret storage." : "No API key was stored.");
    return had;
  }

  /** Asks for a key in a password input; stores and returns it, or undefined if dismissed. */
  async promptAndStore(title = vscode.l10n.t("Grok Imagine: fal API Key")): Promise<string | undefined> {
    const value = await this.ui.current.showInputBox({
      title,
      prompt: vscode.l10n.t("Paste your fal API key. It is kept in VS Code's secret storage."),
      placeHolder: "key-id:key-secret",
      password: true,
      ignoreFocusOut: true,
      validateInput: (v) => keyProblem(v),
    });
    if (value === undefined || keyProblem(value)) return undefined;
    await this.set(value);
    return value.trim();
  }

  /**
   * The key a request should use. With none stored or in FAL_KEY, asks the person for one (with a link
   * to where fal issues keys) instead of failing; undefined when they decline.
   */
  async require(): Promise<string | undefined> {
    const existing = await this.get();
    if (existing) return existing.key;
    this.log.info(COMPONENT, "No API key is set; asking for one.");
    const enter = vscode.l10n.t("Enter API Key");
    const getKey = vscode.l10n.t("Get a Key at fal.ai");
    const choice = await this.ui.current.showWarningMessage(
      vscode.l10n.t("Grok Imagine needs a fal API key to make images. Enter your key, or get one at fal.ai."),
      enter,
      getKey,
    );
    if (choice === getKey) await this.ui.current.openExternal(vscode.Uri.parse(FAL_KEYS_URL));
    // Dismissed: nothing more is asked.
    const key = choice === enter || choice === getKey ? await this.promptAndStore() : undefined;
    if (!key) this.log.info(COMPONENT, "No API key was given; nothing was sent.");
    return key;
  }

  dispose(): void {
    this.#subscription.dispose();
    this.#changed.dispose();
  }
}
