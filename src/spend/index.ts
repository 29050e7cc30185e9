/**
 * Spend: what requests cost, before and after. One entry, {@link registerSpend}, that extension.ts
 * calls with the long-lived objects it needs (the job pipeline, the services) and that returns what
 * other parts use: the ledger, the confirmation before an expensive request, and the gallery's link.
 *
 * - the ledger (ledger.ts): images per local day per endpoint, kept in workspaceState from every
 *   job's onDidSave, rebuildable from the workspace's images' provenance (the gallery's index);
 * - Grok Imagine: Show Spend (`grokImagine.showSpend`): today, this month, all time, by tier;
 * - `grokImagine.confirmAboveUsd` (confirm.ts): above it a request asks first;
 * - a status bar item while jobs run, whose click lists them with Cancel (`grokImagine.showJobs`).
 *
 * Imports values only from stateless modules (api/, settings, this folder's pure modules); the
 * stateful objects arrive as parameters.
 */
import * as vscode from "vscode";
import { estimate, type Estimate } from "../api";
import type { JobPipeline, JobView, SavedItem } from "../jobs/pipeline";
import type { Provenance } from "../provenance/provenance";
import type { SpendHeader } from "../protocol";
import type { Services } from "../services";
import { readSettings } from "../settings";
import { confirmSpend } from "./confirm";
import { addImages, emptyLedger, ledgerFrom, parseLedger, summarize, type CountedImage, type Ledger, type SpendSummary } from "./ledger";
import { detailText, headerText, howCounted, jobStateText, jobsSummary, periods, periodText, shortPrompt, tierText, zoneLabel, type Localize } from "./text";

export { confirmSpend, needsConfirm } from "./confirm";

const C = "spend";
/** workspaceState: the ledger (one small object: a number per day and endpoint). */
export const LEDGER_KEY = "grokImagine.spend.ledger";

const t: Localize = (message, ...args) => vscode.l10n.t(message, ...args);

/** What registerSpend needs: the services and the job pipeline's events and controls. */
export interface SpendDeps {
  readonly s: Services;
  readonly jobs: Pick<JobPipeline, "onDidSave" | "onDidChange" | "list" | "cancel">;
}

/** Asks before an expensive request: resolves true when it may be sent (see confirm.ts for the rule). */
export type ConfirmSpend = (endpoint: string, images: number, what: string) => Promise<boolean>;

/** What the gallery reads of spend: its header's line, when it changes, and where Rebuild reads images. */
export interface GallerySpend {
  header(): SpendHeader;
  readonly onDidChange: vscode.Event<void>;
  /** The gallery lends the ledger its index: every image's provenance, the workspace scanned first. */
  setImageSource(source: () => Promise<readonly Provenance[]>): vscode.Disposable;
}

export interface Spend {
  readonly ledger: SpendLedger;
  /** Before a request of `images` at `endpoint`: asks when its estimate is above grokImagine.confirmAboveUsd. */
  readonly confirm: ConfirmSpend;
  /** The same for an estimate made elsewhere (a batch's sum). */
  confirmEstimate(est: Estimate, what: string): Promise<boolean>;
  readonly gallery: GallerySpend;
  /** The status bar item's state (what a person sees of it). */
  readonly status: JobsStatus;
}

export function registerSpend(context: vscode.ExtensionContext, deps: SpendDeps): Spend {
  const { s, jobs } = deps;
  const ledger = new SpendLedger(context.workspaceState, s.log);
  const status = new JobsStatus(jobs);
  let imageSource: (() => Promise<readonly Provenance[]>) | undefined;
  context.subscriptions.push(
    ledger,
    status,
    jobs.onDidSave((items) => ledger.addSaved(items)),
    vscode.commands.registerCommand("grokImagine.showSpend", () => showSpend(s, ledger, imageSource)),
    vscode.commands.registerCommand("grokImagine.showJobs", () => showJobs(s, jobs)),
  );
  logIgnoredPrices(context, s);
  const confirmEstimate = async (est: Estimate, what: string): Promise<boolean> => {
    const ok = await confirmSpend((m, d, ...items) => s.ui.current.showModal(m, d, ...items), est, readSettings().confirmAboveUsd, what, t);
    if (!ok) s.log.info(C, `${what} not sent: estimated ${est.usd === null ? "at an unknown price" : `$${est.usd}`} for ${est.images} image(s), above grokImagine.confirmAboveUsd, and not confirmed.`);
    return ok;
  };
  return {
    ledger,
    status,
    confirm: (endpoint, images, what) => confirmEstimate(estimate(endpoint, images, readSettings().prices), what),
    confirmEstimate,
    gallery: {
      header: () => ledger.header(),
      onDidChange: ledger.onDidChange,
      setImageSource: (source) => {
        imageSource = source;
        return new vscode.Disposable(() => {
          if (imageSource === source) imageSource = undefined;
        });
      },
    },
  };
}

/** Invalid `grokImagine.prices` entries: logged once per value of the setting, and ignored. */
function logIgnoredPrices(context: vscode.ExtensionContext, s: Services): void {
  let last = "";
  const check = () => {
    const ignored = readSettings().pricesIgnored;
    const now = ignored.join(", ");
    if (now && now !== last) s.log.warn(C, `grokImagine.prices: ignored ${ignored.length} entr${ignored.length === 1 ? "y" : "ies"} (${now}): each key must be an endpoint id such as "xai/grok-imagine-image" and each value US dollars per image, from 0 to 100.`);
    last = now;
  };
  check();
  context.subscriptions.push(vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration("grokImagine.prices") && check()));
}

/** The time zone days are counted in, for the words that say so. */
function zoneNow(now: number): string {
  let name: string | undefined;
  try {
    name = Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch {
    name = undefined;
  }
  return zoneLabel(now, name);
}

// ---------------------------------------------------------------------------------------------
// The ledger, kept in workspaceState

export class SpendLedger implements vscode.Disposable {
  #ledger: Ledger;
  /** Writes to workspaceState one after another (the newest value wins). */
  #writing: Promise<void> = Promise.resolve();
  readonly #changed = new vscode.EventEmitter<void>();
  /** Fires when the counts change, and at local midnight (today becomes another day). */
  readonly onDidChange = this.#changed.event;
  #midnight?: ReturnType<typeof setTimeout>;

  constructor(
    private readonly state: vscode.Memento,
    private readonly log: Services["log"],
  ) {
    this.#ledger = parseLedger(state.get<unknown>(LEDGER_KEY));
    this.#armMidnight();
  }

  get value(): Ledger {
    return this.#ledger;
  }

  summary(now = Date.now()): SpendSummary {
    return summarize(this.#ledger, now, readSettings().prices);
  }

  header(now = Date.now()): SpendHeader {
    const sum = this.summary(now);
    return { text: headerText(sum, t), detail: detailText(sum, zoneNow(now), t) };
  }

  /** Counts what a job saved (each image's provenance: endpoint, request id, time). */
  addSaved(items: readonly SavedItem[]): Promise<void> {
    if (!items.length) return this.#writing;
    return this.#set(addImages(this.#ledger, items.map((i) => counted(i.provenance)), Date.now()));
  }

  /** Replaces the counts with those of `images` (Rebuild). */
  rebuild(images: readonly Provenance[]): Promise<void> {
    return this.#set(ledgerFrom(images.map(counted), Date.now()));
  }

  /** Forgets every count. */
  clear(): Promise<void> {
    return this.#set(emptyLedger());
  }

  #set(next: Ledger): Promise<void> {
    this.#ledger = next;
    this.#changed.fire();
    this.#writing = this.#writing.then(() =>
      this.state.update(LEDGER_KEY, next).then(undefined, (err: unknown) => this.log.error(C, "Could not record the spend ledger in workspace storage", err)),
    );
    return this.#writing;
  }

  #armMidnight(): void {
    const now = new Date();
    const next = new Date(now.getFullYear(), now.getMonth(), now.getDate() + 1, 0, 0, 1);
    this.#midnight = setTimeout(() => {
      this.#changed.fire();
      this.#armMidnight();
    }, next.getTime() - now.getTime());
  }

  dispose(): void {
    clearTimeout(this.#midnight);
    this.#changed.dispose();
  }
}

function counted(p: Provenance): CountedImage {
  return { endpoint: p.endpoint, requestId: p.requestId, at: Date.parse(p.createDate) };
}

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

async function showSpend(s: Services, ledger: SpendLedger, imageSource: (() => Promise<readonly Provenance[]>) | undefined): Promise<ShownSpend> {
  const now = Date.now();
  const summary = ledger.summary(now);
  const zone = zoneNow(now);
  const items: SpendItem[] = [
    ...periods(summary, t).map((p) => ({
      label: p.label,
      description: periodText(p.spend, t),
      ...(p.spend.tiers.length ? { detail: p.spend.tiers.map((x) => tierText(x, t)).join(" · ") } : {}),
    })),
    { label: "", kind: vscode.QuickPickItemKind.Separator },
    { label: `$(refresh) ${t("Rebuild from the Workspace's Images")}`, detail: t("Counts again from the provenance in every image file; images deleted since are no longer counted."), action: "rebuild" },
    { label: `$(gear) ${t("Prices and Confirmation Settings")}`, action: "settings" },
  ];
  const picked = await s.ui.current.showQuickPick(items, { title: t("Grok Imagine: Spend (estimated)"), placeHolder: howCounted(zone, t) });
  if (picked?.action === "rebuild") await rebuild(s, ledger, imageSource);
  if (picked?.action === "settings") await vscode.commands.executeCommand("workbench.action.openSettings", "grokImagine.prices grokImagine.confirmAboveUsd");
  return { summary, text: detailText(summary, zone, t) };
}

async function rebuild(s: Services, ledger: SpendLedger, imageSource: (() => Promise<readonly Provenance[]>) | undefined): Promise<void> {
  if (!imageSource) {
    void s.ui.current.showErrorMessage(t("Grok Imagine: the spend ledger cannot be rebuilt in this window (the gallery's index is not available)."));
    return;
  }
  let images: readonly Provenance[];
  try {
    images = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: t("Grok Imagine: reading the images' provenance") }, () => imageSource());
  } catch (err) {
    s.log.error(C, "Could not read the images for the spend ledger", err);
    void s.ui.current.showErrorMessage(t("Grok Imagine: could not read the workspace's images to rebuild the spend ledger. See the log."), t("Show Log")).then((c) => c && s.log.show());
    return;
  }
  const go = t("Rebuild");
  const choice = await s.ui.current.showModal(
    t("Rebuild the spend ledger from {0} images?", images.length),
    t("The counts are replaced by what the images in this workspace record. Images deleted since they were made are no longer counted."),
    go,
  );
  if (choice !== go) return;
  await ledger.rebuild(images);
  const sum = ledger.summary();
  s.log.info(C, `Spend ledger rebuilt from ${images.length} image(s): all time ${periodText(sum.allTime)}.`);
  void s.ui.current.showInformationMessage(t("Grok Imagine: spend rebuilt from {0} images: all time {1}.", images.length, periodText(sum.allTime, t)));
}

// ---------------------------------------------------------------------------------------------
// Running jobs: the status bar item and its list

/** The status bar item that shows while jobs run: how many and their state; a click lists them. */
export class JobsStatus implements vscode.Disposable {
  readonly #item = vscode.window.createStatusBarItem("grokImagine.jobs", vscode.StatusBarAlignment.Left, 0);
  readonly #sub: vscode.Disposable;
  #visible = false;

  constructor(jobs: Pick<JobPipeline, "onDidChange" | "list">) {
    this.#item.name = t("Grok Imagine Jobs");
    this.#item.command = "grokImagine.showJobs";
    this.#sub = jobs.onDidChange((list) => this.#update(list));
    this.#update(jobs.list());
  }

  /** Whether the item is on the status bar now. */
  get visible(): boolean {
    return this.#visible;
  }

  get text(): string {
    return this.#item.text;
  }

  get tooltip(): string {
    return typeof this.#item.tooltip === "string" ? this.#item.tooltip : "";
  }

  #update(list: readonly JobView[]): void {
    if (!list.length) {
      this.#item.hide();
      this.#visible = false;
      return;
    }
    this.#item.text = `$(loading~spin) ${jobsSummary(list, t)}`;
    this.#item.tooltip = [t("Grok Imagine: running jobs (click to see them and cancel one)"), ...list.map((j) => `${jobStateText(j, t)}: ${shortPrompt(j.prompt)}`)].join("\n");
    this.#item.accessibilityInformation = { label: t("Grok Imagine: {0}", jobsSummary(list, t)) };
    this.#item.show();
    this.#visible = true;
  }

  dispose(): void {
    this.#sub.dispose();
    this.#item.dispose();
  }
}

interface JobItem extends vscode.QuickPickItem {
  readonly id: string;
}

/** The running jobs in a quick pick; the one picked can be cancelled (asked first). */
async function showJobs(s: Services, jobs: Pick<JobPipeline, "list" | "cancel">): Promise<void> {
  const list = jobs.list();
  if (!list.length) {
    void s.ui.current.showInformationMessage(t("Grok Imagine: no job is running."));
    return;
  }
  const items: JobItem[] = list.map((j) => ({
    id: j.id,
    label: `${j.kind === "edit" ? "$(edit)" : "$(sparkle)"} ${shortPrompt(j.prompt)}`,
    description: jobStateText(j, t),
    ...(j.requestId ? { detail: t("fal request {0}", j.requestId) } : {}),
  }));
  const picked = await s.ui.current.showQuickPick(items, { title: t("Grok Imagine: Running Jobs"), placeHolder: t("Pick a job to cancel it") });
  if (!picked) return;
  const cancel = t("Cancel Job");
  const prompt = list.find((j) => j.id === picked.id)?.prompt ?? "";
  const choice = await s.ui.current.showWarningMessage(t("Cancel \"{0}\"? fal is asked to stop it; a result already made is still saved.", shortPrompt(prompt)), cancel);
  if (choice !== cancel) return;
  if (!jobs.cancel(picked.id)) void s.ui.current.showInformationMessage(t("Grok Imagine: that job has already ended."));
}
