/**
 * The local stand-in for fal that `npm start` runs when the person has no fal key: generate, edit and
 * the gallery then work with placeholder images, and the extension says so everywhere (a status bar
 * item, and every notification). Only an extension started in development mode (as `npm start` does)
 * looks for it; an installed extension never does. As soon as a key is stored (or FAL_KEY is set),
 * requests go to fal again.
 */
import * as vscode from "vscode";

export interface StandIn {
  /** The stand-in's proxy URL (fal's proxy protocol), on loopback. */
  readonly proxyUrl: string;
  /** The key it accepts. */
  readonly key: string;
}

/** What `npm start` passed to the extension host, in development mode only. */
export function standInFrom(mode: vscode.ExtensionMode, env: NodeJS.ProcessEnv = process.env): StandIn | undefined {
  if (mode !== vscode.ExtensionMode.Development) return undefined;
  const proxyUrl = env.GROK_IMAGINE_STANDIN_URL;
  const key = env.GROK_IMAGINE_STANDIN_KEY;
  if (!proxyUrl || !key) return undefined;
  try {
    const u = new URL(proxyUrl);
    if (u.protocol !== "http:" || !["127.0.0.1", "localhost", "[::1]"].includes(u.hostname)) return undefined;
  } catch {
    return undefined;
  }
  return { proxyUrl, key };
}

/** Adds the stand-in note (appended to every notification while the stand-in makes the images). */
export function withStandInNote(message: string): string {
  return vscode.l10n.t('{0} (Local stand-in for fal: images are placeholders. Run "Grok Imagine: Set API Key" to make real ones.)', message);
}

/** The status bar item shown while requests go to the stand-in. */
export function standInStatusItem(): vscode.StatusBarItem {
  const item = vscode.window.createStatusBarItem("grokImagine.standIn", vscode.StatusBarAlignment.Left, 100);
  item.name = vscode.l10n.t("Grok Imagine: local stand-in");
  item.text = "$(beaker) " + vscode.l10n.t("Grok Imagine: placeholder images");
  item.tooltip = vscode.l10n.t("No fal key is set, so images come from the local stand-in for fal that npm start runs: they are placeholders. Click to set a fal API key and make real images.");
  item.command = "grokImagine.setApiKey";
  item.backgroundColor = new vscode.ThemeColor("statusBarItem.warningBackground");
  return item;
}
