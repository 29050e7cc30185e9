import * as vscode from "vscode";
import { Logger } from "./log";
import { ApiKeyStore, type ResolvedKey } from "./secrets";
import { UiHolder, type Ui } from "./ui";
import type { Services } from "./services";
import { clearApiKey, setApiKey } from "./commands/apiKey";
import { notBuiltYet } from "./commands/notYet";

/** What activate() returns. `testing` exists only when VS Code runs the extension's tests. */
export interface GrokImagineApi {
  readonly testing?: {
    /** Plays the person's part: replaces the window functions the extension uses. */
    setUi(partial: Partial<Ui>): void;
    resetUi(): void;
    /** The key a request would use now, and where it came from. */
    resolveKey(): Promise<ResolvedKey | undefined>;
    /** The last lines of the log, already redacted. */
    logLines(): readonly string[];
  };
}

export function activate(context: vscode.ExtensionContext): GrokImagineApi {
  const log = new Logger();
  const ui = new UiHolder();
  const keys = new ApiKeyStore(context.secrets, log, ui);
  context.subscriptions.push(log, keys);
  const s: Services = { context, log, ui, keys };

  const register = (id: string, handler: (...args: unknown[]) => unknown) =>
    context.subscriptions.push(vscode.commands.registerCommand(id, handler));
  register("grokImagine.setApiKey", (arg) => setApiKey(s, arg));
  register("grokImagine.clearApiKey", () => clearApiKey(s));
  register("grokImagine.showLog", () => log.show());
  register("grokImagine.generate", () => notBuiltYet(s, "Generate Image"));
  register("grokImagine.edit", () => notBuiltYet(s, "Edit Image"));
  register("grokImagine.openGallery", () => notBuiltYet(s, "The gallery"));

  log.info("extension", `Activated (VS Code ${vscode.version}, ${vscode.env.remoteName ?? "local"}).`);

  if (context.extensionMode !== vscode.ExtensionMode.Test) return {};
  return {
    testing: {
      setUi: (partial) => ui.replace(partial),
      resetUi: () => ui.reset(),
      resolveKey: () => keys.get(),
      logLines: () => [...log.recent],
    },
  };
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
