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
    const what = uris.length === 1 ? `Saved ${where}.` : `Saved ${uris.length} images (${where}, …).`;
    const late = opts.cancelledLate ? " The request had already finished when you cancelled, so its images were kept." : "";
    const rp = revised ? ` Revised prompt: "${revised.length > 300 ? revised.slice(0, 300) + "…" : revised}"` : "";
    this.later("Could not show a message", this.s.ui.current.showInformationMessage(`Grok Imagine: ${what}${late}${rp}`));
  }

  /**
   * A failure: the message (redacted) with its buttons. Resolves to the choice the pipeline acts on;
   * the others are done here.
   */
  async failed(message: string, buttons: readonly FailButton[]): Promise<FailChoice | undefined> {
    const choice = await this.s.ui.current.showErrorMessage(this.s.log.redact(`Grok Imagine: ${message}`), ...buttons);
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
    return this.s.ui.current.showWarningMessage(
      `Grok Imagine: the request you cancelled ("${prompt.slice(0, 60)}") finished at fal anyway, so it may be charged. Its ${n === 1 ? "image was" : `${n} images were`} kept, not saved.`,
      "Save Them",
      "Discard",
    );
  }

  /** At the start of a session: a kept result (unsaved, or unknown to fal) is offered again. */
  offerKept(rec: { readonly state: string; readonly prompt: string; readonly problem?: string; readonly images: number }): Thenable<"Retry Saving" | "Discard" | undefined> {
    const n = rec.images;
    const text =
      rec.state === "unknown"
        ? `Grok Imagine: fal does not know the request for "${rec.prompt.slice(0, 80)}" (HTTP 404). If grokImagine.proxyUrl was mistyped, fix it and choose Retry Saving; otherwise Discard it.`
        : `Grok Imagine: ${n || "The"} image${n === 1 ? "" : "s"} for "${rec.prompt.slice(0, 80)}" ${n === 1 ? "was" : "were"} not saved${rec.problem ? ` (${rec.problem})` : ""}.`;
    return this.s.ui.current.showWarningMessage(this.s.log.redact(text), "Retry Saving", "Discard");
  }

  nothingToSave(): void {
    this.later("Could not show a message", this.s.ui.current.showInformationMessage("Grok Imagine: there are no unsaved images."));
  }
}
