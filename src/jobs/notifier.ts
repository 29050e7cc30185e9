/**
 * What the jobs say and show: the saved images opened (beside the gallery when it is in front), the
 * "Saved …" message, failures with the buttons that help, and kept results offered again. Buttons
 * that need only VS Code (Set API Key, Open Settings, Show Log) are handled here; the others come
 * back to the pipeline as the choice.
 */
import * as vscode from "vscode";
import { GALLERY_VIEW_TYPE } from "../protocol";
import type { Services } from "../services";
import { readSettings } from "../settings";

const C = "jobs";

/** Buttons of a failure message that the pipeline acts on. */
export type FailChoice = "Retry" | "Retry Saving" | "Discard";
type FailButton = FailChoice | "Set API Key" | "Open Settings" | "Show Log";
type Button = FailButton | "Save Them";

/** A button's label in the display language (the choice itself stays the English id). */
function label(b: Button): string {
  switch (b) {
    case "Retry":
      return vscode.l10n.t("Retry");
    case "Retry Saving":
      return vscode.l10n.t("Retry Saving");
    case "Discard":
      return vscode.l10n.t("Discard");
    case "Set API Key":
      return vscode.l10n.t("Set API Key");
    case "Open Settings":
      return vscode.l10n.t("Open Settings");
    case "Show Log":
      return vscode.l10n.t("Show Log");
    case "Save Them":
      return vscode.l10n.t("Save Them");
  }
}

/** Shows `message` with buttons labelled in the display language; resolves to the chosen button's id. */
async function ask<B extends Button>(show: (message: string, ...items: string[]) => Thenable<string | undefined>, message: string, buttons: readonly B[]): Promise<B | undefined> {
  const labels = buttons.map(label);
  const picked = await show(message, ...labels);
  return picked === undefined ? undefined : buttons[labels.indexOf(picked)];
}

export class JobNotifier {
  constructor(private readonly s: Services) {}

  /** Runs `work` without waiting for it; a failure is logged, never left unhandled. */
  later(what: string, work: Thenable<unknown>): void {
    work.then(undefined, (err: unknown) => this.s.log.error(C, what, err));
  }

  /**
   * Saved: opens the images (openAfterSave; `showFirst` shows the first one its own way) and says
   * where they are, with the revised prompt.
   */
  saved(uris: readonly vscode.Uri[], revised: string, opts: { readonly cancelledLate: boolean; readonly showFirst?: (first: vscode.Uri) => void }): void {
    if (!uris.length) return;
    if (readSettings(uris[0]).openAfterSave) {
      // Started from the gallery: open beside it rather than over it.
      const active = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
      const beside = active instanceof vscode.TabInputWebview && active.viewType.endsWith(GALLERY_VIEW_TYPE);
      const viewColumn = beside ? vscode.ViewColumn.Beside : undefined;
      uris.forEach((u, i) => {
        if (i === 0 && opts.showFirst) return;
        this.later(`Could not open ${u.toString()}`, vscode.commands.executeCommand("vscode.open", u, { preview: false, preserveFocus: i > 0, viewColumn }));
      });
    }
    opts.showFirst?.(uris[0]);
    const where = vscode.workspace.asRelativePath(uris[0]);
    const what = uris.length === 1 ? vscode.l10n.t("Grok Imagine: Saved {0}.", where) : vscode.l10n.t("Grok Imagine: Saved {0} images ({1}, …).", uris.length, where);
    const late = opts.cancelledLate ? " " + vscode.l10n.t("The request had already finished when you cancelled, so its images were kept.") : "";
    const rp = revised ? " " + vscode.l10n.t('Revised prompt: "{0}"', revised.length > 300 ? revised.slice(0, 300) + "…" : revised) : "";
    this.later("Could not show a message", this.s.ui.current.showInformationMessage(what + late + rp));
  }

  /**
   * A failure: the message (redacted) with its buttons. Resolves to the choice the pipeline acts on;
   * the others are done here.
   */
  async failed(message: string, buttons: readonly FailButton[]): Promise<FailChoice | undefined> {
    const ui = this.s.ui.current;
    const choice = await ask((m, ...items) => ui.showErrorMessage(m, ...items), this.s.log.redact(vscode.l10n.t("Grok Imagine: {0}", message)), buttons);
    switch (choice) {
      case "Set API Key":
        await vscode.commands.executeCommand("grokImagine.setApiKey");
        return undefined;
      case "Open Settings":
        await vscode.commands.executeCommand("workbench.action.openSettings", "grokImagine.proxyUrl");
        return undefined;
      case "Show Log":
        this.s.log.show();
        return undefined;
      default:
        return choice;
    }
  }

  /** A request the person cancelled finished at fal anyway: its images are kept, not saved. */
  keptAfterCancel(prompt: string, n: number): Thenable<"Save Them" | "Discard" | undefined> {
    const ui = this.s.ui.current;
    return ask(
      (m, ...items) => ui.showWarningMessage(m, ...items),
      n === 1
        ? vscode.l10n.t('Grok Imagine: the request you cancelled ("{0}") finished at fal anyway, so it may be charged. Its image was kept, not saved.', prompt.slice(0, 60))
        : vscode.l10n.t('Grok Imagine: the request you cancelled ("{0}") finished at fal anyway, so it may be charged. Its {1} images were kept, not saved.', prompt.slice(0, 60), n),
      ["Save Them", "Discard"] as const,
    );
  }

  /** At the start of a session: a kept result (unsaved, or unknown to fal) is offered again. */
  offerKept(rec: { readonly state: string; readonly prompt: string; readonly problem?: string; readonly images: number }): Thenable<"Retry Saving" | "Discard" | undefined> {
    const n = rec.images;
    const prompt = rec.prompt.slice(0, 80);
    const why = rec.problem ? ` (${rec.problem})` : "";
    const text =
      rec.state === "unknown"
        ? vscode.l10n.t('Grok Imagine: fal does not know the request for "{0}" (HTTP 404). If grokImagine.proxyUrl was mistyped, fix it and choose Retry Saving; otherwise Discard it.', prompt)
        : n === 1
          ? vscode.l10n.t('Grok Imagine: 1 image for "{0}" was not saved{1}.', prompt, why)
          : n
            ? vscode.l10n.t('Grok Imagine: {0} images for "{1}" were not saved{2}.', n, prompt, why)
            : vscode.l10n.t('Grok Imagine: The images for "{0}" were not saved{1}.', prompt, why);
    const ui = this.s.ui.current;
    return ask((m, ...items) => ui.showWarningMessage(m, ...items), this.s.log.redact(text), ["Retry Saving", "Discard"] as const);
  }

  nothingToSave(): void {
    this.later("Could not show a message", this.s.ui.current.showInformationMessage(vscode.l10n.t("Grok Imagine: there are no unsaved images.")));
  }
}
