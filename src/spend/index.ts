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
 * The two commands' own code is in commands.ts (what activation does not need).
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
import { chunk } from "../chunks";
import type * as SpendCommands from "./commands";
import { detailText, headerText, jobStateText, jobsSummary, localZone, quickZone, shortPrompt } from "./text";

export { confirmSpend, needsConfirm } from "./confirm";
export type { ShownSpend } from "./commands";

const C = "spend";
/** workspaceState: the ledger (one small object: a number per day and endpoint). */
/** Show Spend and Show Running Jobs: loaded when one first runs (src/chunks.ts). */
const commands = chunk<typeof SpendCommands>("spendCommands");

export const LEDGER_KEY = "grokImagine.spend.ledger";


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
  /** For a first paint: see SpendLedger.quickHeader (the whole header can follow it). */
  quickHeader(): { header: SpendHeader; complete: boolean };
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
    vscode.commands.registerCommand("grokImagine.showSpend", () => commands().showSpend(s, ledger, imageSource)),
    vscode.commands.registerCommand("grokImagine.showJobs", () => commands().showJobs(s, jobs)),
  );
  logIgnoredPrices(context, s);
  const confirmEstimate = async (est: Estimate, what: string): Promise<boolean> => {
    const ok = await confirmSpend((m, d, ...items) => s.ui.current.showModal(m, d, ...items), est, readSettings().confirmAboveUsd, what);
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
      quickHeader: () => ledger.quickHeader(),
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
    return this.#header(now, localZone(now));
  }

  /** The same line; its tooltip names the zone by its offset alone until the name was first asked for (`complete` false). */
  quickHeader(now = Date.now()): { header: SpendHeader; complete: boolean } {
    const zone = quickZone(now);
    return { header: this.#header(now, zone.label), complete: zone.named };
  }

  #header(now: number, zone: string): SpendHeader {
    const sum = this.summary(now);
    return { text: headerText(sum), detail: detailText(sum, zone) };
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
// Running jobs: the status bar item and its list

/** The status bar item that shows while jobs run: how many and their state; a click lists them. */
export class JobsStatus implements vscode.Disposable {
  readonly #item = vscode.window.createStatusBarItem("grokImagine.jobs", vscode.StatusBarAlignment.Left, 0);
  readonly #sub: vscode.Disposable;
  #visible = false;

  constructor(jobs: Pick<JobPipeline, "onDidChange" | "list">) {
    this.#item.name = vscode.l10n.t("Grok Imagine Jobs");
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
    this.#item.text = `$(loading~spin) ${jobsSummary(list)}`;
    this.#item.tooltip = [vscode.l10n.t("Grok Imagine: running jobs (click to see them and cancel one)"), ...list.map((j) => `${jobStateText(j)}: ${shortPrompt(j.prompt)}`)].join("\n");
    this.#item.accessibilityInformation = { label: vscode.l10n.t("Grok Imagine: {0}", jobsSummary(list)) };
    this.#item.show();
    this.#visible = true;
  }

  dispose(): void {
    this.#sub.dispose();
    this.#item.dispose();
  }
}
