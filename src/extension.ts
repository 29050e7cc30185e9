import * as vscode from "vscode";
import { Logger } from "./log";
import { useTranslator } from "./l10n";
import { ApiKeyStore, type ResolvedKey } from "./secrets";
import { notedUi, UiHolder, windowUi, type Ui } from "./ui";
import { standInFrom, standInStatusItem, withStandInNote } from "./standin";
import type { Services } from "./services";
import { clearApiKey, setApiKey } from "./commands/apiKey";
import { registerGallery } from "./gallery/register";
import { registerAgentTools } from "./agent/register";
import { registerBatch } from "./batch/index";
import { registerMarkdown } from "./markdown/register";
import type { JobPipeline, JobView } from "./jobs/pipeline";
import { registerSpend, type Spend } from "./spend/index";
import { chunk } from "./chunks";
import type * as Core from "./core/index";
import { LazyJobs } from "./core/lazyJobs";

/** When this bundle's own code began to run (everything it imports is evaluated by then): for the activation time in the log. */
const evaluatedAt = performance.now();

/** What activate() returns. `testing` exists only when VS Code runs the extension's tests. */
export interface GrokImagineApi {
  readonly testing?: {
    /** Plays the person's part: replaces the window functions the extension uses. */
    setUi(partial: Partial<Ui>): void;
    resetUi(): void;
    /** The key a request would use now, and where it came from. */
    resolveKey(): Promise<ResolvedKey | undefined>;
    /** Jobs running now; cancel one as the progress notification's Cancel does. */
    jobs(): readonly JobView[];
    cancelJob(id: string): boolean;
    /** Jobs recorded in workspace storage (waiting or unsaved). */
    pendingJobs(): readonly unknown[];
    /**
     * What a window reload does to jobs: the running ones stop waiting (not cancelled at fal), then
     * the pipeline resumes what workspace storage recorded, as the next activation would.
     */
    simulateRestart(): Promise<void>;
    /** The job pipeline itself (to run a request and see what it saved, or await onDidSave). */
    pipeline(): JobPipeline;
    discardPending(): Promise<void>;
    /** The workspace storage the extension keeps its job records in (tests plant bad ones). */
    workspaceState(): vscode.Memento;
    /** The last lines of the log, already redacted. */
    logLines(): readonly string[];
    /** Spend: the ledger, the confirmation, the status bar item's state. */
    spend(): Spend;
    /** Cancels the running batches, as their progress notification's Cancel does. */
    cancelBatches(): number;
    /** performance.now() (this process's clock): the bundle evaluated, activate() began, activate() returned; whether activation loaded the core chunk. */
    readonly activation: { readonly evaluated: number; readonly began: number; readonly returned: number; readonly coreLoaded: boolean };
  };
}

export function activate(context: vscode.ExtensionContext): GrokImagineApi {
  // Pure modules' messages (src/l10n.ts) in the display language, before anything can say one.
  useTranslator(vscode.l10n.t);
  const began = performance.now();
  const log = new Logger();
  // npm start without a fal key: a local stand-in makes placeholder images, and every notification
  // and a status bar item say so for as long as no real key is set.
  const standIn = standInFrom(context.extensionMode);
  let usingStandIn = false;
  const baseUi = standIn ? notedUi(windowUi, (m) => (usingStandIn ? withStandInNote(m) : m)) : windowUi;
  const ui = new UiHolder(baseUi);
  const keys = new ApiKeyStore(context.secrets, log, ui, process.env, standIn);
  context.subscriptions.push(log, keys);
  if (standIn) {
    const item = standInStatusItem();
    const refresh = (): void => {
      keys.get().then((k) => {
        usingStandIn = k?.source === "standIn";
        if (usingStandIn) item.show();
        else item.hide();
        // The walkthrough's first step: "try it without a key" instead of "set your key".
        vscode.commands.executeCommand("setContext", "grokImagine.usingStandIn", usingStandIn).then(undefined, (err: unknown) => log.error("extension", "Could not set the walkthrough's context", err));
      }, (err: unknown) => log.error("extension", "Could not read the API key", err));
    };
    refresh();
    context.subscriptions.push(item, keys.onDidChange(refresh));
    log.info("extension", `Development mode with npm start's local stand-in for fal at ${standIn.proxyUrl}: used while no key is set.`);
  }
  const s: Services = { context, log, ui, keys };
  // The pipeline and the commands that start jobs are the core chunk, loaded on first use (below:
  // at once when the last session left work to pick up).
  const core = chunk<typeof Core>("core");
  const jobs = new LazyJobs(() => new (core().JobPipeline)(s));
  context.subscriptions.push(jobs);
  const uris = (items: readonly { uri: vscode.Uri }[]) => items.map((i) => i.uri);
  // Spend: the ledger of what jobs saved, Show Spend, the confirmation above grokImagine.confirmAboveUsd, the jobs' status bar item.
  const spend = registerSpend(context, { s, jobs });

  const register = (id: string, handler: (...args: unknown[]) => unknown) =>
    context.subscriptions.push(vscode.commands.registerCommand(id, handler));
  register("grokImagine.setApiKey", (arg) => setApiKey(s, arg));
  register("grokImagine.clearApiKey", () => clearApiKey(s));
  register("grokImagine.showLog", () => log.show());
  register("grokImagine.generate", (arg) => core().generate(s, jobs.pipeline(), arg, spend.confirm));
  register("grokImagine.showDetails", (arg) => core().showDetails(s, arg));
  register("grokImagine.generateAgain", (arg) => core().generateAgain(s, arg));
  register("grokImagine.retrySaving", async () => uris(await jobs.pipeline().retryAllUnsaved()));
  register("grokImagine.edit", (arg, uris) => core().edit(s, jobs.pipeline(), arg, uris, spend.confirm));
  // The same command under the title "Edit with Grok Imagine", for the Explorer and the image's title bar.
  register("grokImagine.editFromMenu", (arg, uris) => core().edit(s, jobs.pipeline(), arg, uris, spend.confirm));
  context.subscriptions.push(...registerGallery(s, jobs, spend.gallery));
  registerAgentTools(context, { s, jobs, prepare: { generate: (...a) => core().prepareGenerate(...a), edit: (...a) => core().prepareEdit(...a) } });
  // Generate Image Here and Edit Image Here in Markdown documents, through the commands' own runners.
  registerMarkdown(context, { s, generate: (arg, place) => core().generateItems(s, jobs.pipeline(), arg, place, spend.confirm), edit: (arg) => core().editItems(s, jobs.pipeline(), arg, undefined, spend.confirm) });
  const batches = registerBatch(s, jobs);
  context.subscriptions.push(...batches.disposables);

  // What the last session left (temporary files of a save, interrupted jobs and batches, results not
  // yet saved) is picked up: only then is the core loaded at activation.
  jobs.pickUp(context.workspaceState, log);

  log.info("extension", `Activated in ${(performance.now() - began).toFixed(1)} ms (VS Code ${vscode.version}, ${vscode.env.remoteName ?? "local"}).`);

  // Only in the development build the tests run, and only in a test session (see testHooks.d.ts).
  if (typeof GROK_TEST_HOOKS !== "undefined" && GROK_TEST_HOOKS && context.extensionMode === vscode.ExtensionMode.Test) {
    return {
      testing: {
        setUi: (partial) => (ui.current = { ...baseUi, ...partial }),
        resetUi: () => (ui.current = baseUi),
        resolveKey: () => keys.get(),
        jobs: () => jobs.list(),
        cancelJob: (id) => jobs.cancel(id),
        pendingJobs: () => jobs.pipeline().pending?.() ?? [],
        discardPending: async () => jobs.pipeline().discardAll?.(),
        workspaceState: () => context.workspaceState,
        simulateRestart: () => jobs.pipeline().restart(),
        pipeline: () => jobs.pipeline(),
        logLines: () => [...log.recent],
        spend: () => spend,
        cancelBatches: () => batches.cancelAll(),
        activation: { evaluated: evaluatedAt, began, returned: performance.now(), coreLoaded: jobs.loaded },
      },
    };
  }
  return {};
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
