import * as vscode from "vscode";
import type { Services } from "../services";
import { formatError } from "../format";

/**
 * Grok Imagine: Set API Key. With a string argument (`executeCommand('grokImagine.setApiKey', KEY)`)
 * stores it without asking; otherwise asks in a password input. Resolves to true when a key was stored.
 */
export async function setApiKey(s: Services, arg?: unknown): Promise<boolean> {
  try {
    if (typeof arg === "string") {
      await s.keys.set(arg);
    } else if (!(await s.keys.promptAndStore())) {
      return false;
    }
  } catch (err) {
    s.log.error("key", "Could not save the API key", err);
    void s.ui.current.showErrorMessage(vscode.l10n.t("Grok Imagine: the API key was not saved. {0}", formatError(err)));
    return false;
  }
  void s.ui.current.showInformationMessage(vscode.l10n.t("Grok Imagine: API key saved in VS Code's secret storage."));
  return true;
}

/** Grok Imagine: Clear API Key. Resolves to true when a stored key was removed. */
export async function clearApiKey(s: Services): Promise<boolean> {
  const had = await s.keys.clear();
  const envNote = process.env.FAL_KEY?.trim() ? " " + vscode.l10n.t("The FAL_KEY environment variable is still set and will be used.") : "";
  void s.ui.current.showInformationMessage(
    (had ? vscode.l10n.t("Grok Imagine: API key removed from secret storage.") : vscode.l10n.t("Grok Imagine: no API key was stored.")) + envNote,
  );
  return had;
}
