/**
 * Spend's commands, run only when a person (or script) asks: Show Spend (with Rebuild) and Show
 * Running Jobs (the status bar item's click). Apart from index.ts so that what activation needs (the
 * ledger's listener, the status bar item, the confirmation) stays small, and this can load lazily.
 */
import * as vscode from "vscode";
import type { JobPipeline } from "../jobs/pipeline";
import type { Provenance } from "../provenance/provenance";
import type { Services } from "../services";
import type { SpendSummary } from "./ledger";
import type { SpendLedger } from "./index";
import { detailText, howCounted, jobStateText, localZone, periods, periodText, shortPrompt, tierText } from "./text";

const C = "spend";

// ---------------------------------------------------------------------------------------------
// Show Spend

interface SpendItem extends vscode.QuickPickItem {
  readonly action?: "rebuild" | "settings";
}

/** What Show Spend resolves to (for scripts and tests): the sums and the text shown. */
export interface ShownSpend {
  readonly summary: SpendSummary;
  readonly text: string;
}

export async function showSpend(s: Services, ledger: SpendLedger, imageSource: (() => Promise<readonly Provenance[]>) | undefined): Promise<ShownSpend> {
  const now = Date.now();
  const summary = ledger.summary(now);
  const zone = localZone(now);
  const items: SpendItem[] = [
    ...periods(summary).map((p) => ({
      label: p.label,
      description: periodText(p.spend),
      ...(p.spend.tiers.length ? { detail: p.spend.tiers.map((x) => tierText(x)).join(" · ") } : {}),
    })),
    { label: "", kind: vscode.QuickPickItemKind.Separator },
    { label: `$(refresh) ${vscode.l10n.t("Rebuild from the Workspace's Images")}`, detail: vscode.l10n.t("Counts again from the provenance in every image file; images deleted since are no longer counted."), action: "rebuild" },
    { label: `$(gear) ${vscode.l10n.t("Prices and Confirmation Settings")}`, action: "settings" },
  ];
  const picked = await s.ui.current.showQuickPick(items, { title: vscode.l10n.t("Grok Imagine: Spend, estimated (days in {0})", zone), placeHolder: howCounted(zone) });
  if (picked?.action === "rebuild") await rebuild(s, ledger, imageSource);
  if (picked?.action === "settings") await vscode.commands.executeCommand("workbench.action.openSettings", "grokImagine.prices grokImagine.confirmAboveUsd");
  return { summary, text: detailText(summary, zone) };
}

async function rebuild(s: Services, ledger: SpendLedger, imageSource: (() => Promise<readonly Provenance[]>) | undefined): Promise<void> {
  if (!imageSource) {
    void s.ui.current.showErrorMessage(vscode.l10n.t("Grok Imagine: the spend ledger cannot be rebuilt in this window (the gallery's index is not available)."));
    return;
  }
  let images: readonly Provenance[];
  try {
    images = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: vscode.l10n.t("Grok Imagine: reading the images' provenance") }, () => imageSource());
  } catch (err) {
    s.log.error(C, "Could not read the images for the spend ledger", err);
    void s.ui.current.showErrorMessage(vscode.l10n.t("Grok Imagine: could not read the workspace's images to rebuild the spend ledger. See the log."), vscode.l10n.t("Show Log")).then((c) => c && s.log.show());
    return;
  }
  const go = vscode.l10n.t("Rebuild");
  const choice = await s.ui.current.showModal(
    vscode.l10n.t("Rebuild the spend ledger from {0} images?", images.length),
    vscode.l10n.t("The counts are replaced by what the images in this workspace record. Images deleted since they were made are no longer counted."),
    go,
  );
  if (choice !== go) return;
  await ledger.rebuild(images);
  const sum = ledger.summary();
  s.log.info(C, `Spend ledger rebuilt from ${images.length} image(s): all time ${periodText(sum.allTime)}.`);
  void s.ui.current.showInformationMessage(vscode.l10n.t("Grok Imagine: spend rebuilt from {0} images: all time {1}.", images.length, periodText(sum.allTime)));
}

interface JobItem extends vscode.QuickPickItem {
  readonly id: string;
}

/** The running jobs in a quick pick; the one picked can be cancelled (asked first). */
export async function showJobs(s: Services, jobs: Pick<JobPipeline, "list" | "cancel">): Promise<void> {
  const list = jobs.list();
  if (!list.length) {
    void s.ui.current.showInformationMessage(vscode.l10n.t("Grok Imagine: no job is running."));
    return;
  }
  const items: JobItem[] = list.map((j) => ({
    id: j.id,
    label: `${j.kind === "edit" ? "$(edit)" : "$(sparkle)"} ${shortPrompt(j.prompt)}`,
    description: jobStateText(j),
    ...(j.requestId ? { detail: vscode.l10n.t("fal request {0}", j.requestId) } : {}),
  }));
  const picked = await s.ui.current.showQuickPick(items, { title: vscode.l10n.t("Grok Imagine: Running Jobs"), placeHolder: vscode.l10n.t("Pick a job to cancel it") });
  if (!picked) return;
  const cancel = vscode.l10n.t("Cancel Job");
  const prompt = list.find((j) => j.id === picked.id)?.prompt ?? "";
  const choice = await s.ui.current.showWarningMessage(vscode.l10n.t("Cancel \"{0}\"? fal is asked to stop it; a result already made is still saved.", shortPrompt(prompt)), cancel);
  if (choice !== cancel) return;
  if (!jobs.cancel(picked.id)) void s.ui.current.showInformationMessage(vscode.l10n.t("Grok Imagine: that job has already ended."));
}
