/**
 * The language model tools of agent mode: `grok_imagine_generate` (#grokImagine) and
 * `grok_imagine_edit` (#grokImagineEdit). Each takes the commands' argument object (the API's fields,
 * `folder`, and for edit `images`), checks it the commands' way (src/requests/), asks the person to
 * confirm with what it will cost and where the files go, runs the one job pipeline (progress,
 * provenance, never overwriting, resume after reload, cancel at fal), and answers the model with the
 * saved files' paths, the revised prompt and Markdown to embed them, plus a small preview image where
 * VS Code has LanguageModelDataPart. A request that cannot run comes back as text that says what to
 * change; a cancelled one as VS Code's CancellationError (it then cancels the request at fal).
 *
 * One entry, {@link registerAgentTools}; the pipeline and the services arrive as parameters.
 */
import * as vscode from "vscode";
import { estimate } from "../api/price";
import { isRecord } from "../api/request";
import type { GrokError } from "../fal/errors";
import { pngThumbnail } from "../images/pngThumbnail";
import { mimeForFormat, sniffImageFormat } from "../images/sniff";
import type { Jobs, SavedItem } from "../jobs/pipeline";
import type { prepareEdit } from "../requests/edit";
import type { prepareGenerate, PrepareLog } from "../requests/generate";
import type { Services } from "../services";
import { readSettings } from "../settings";
import { EDIT_TOOL, GENERATE_TOOL, type ToolSpec } from "./schema";
import { confirmationText, failedText, invocationText, noKeyText, refusedText, restrictedText, savedText, type Confirmation } from "./text";

export { useTranslator } from "../l10n";

const C = "agent";

/**
 * The preview image handed to the model: the first result, at most this many bytes. A 1k JPEG or WebP
 * from the model is about 100–400 KB and goes as it is; a PNG (a few MB) goes scaled down to
 * {@link PREVIEW_SIDE}. Anything still bigger gets no preview (the text says so): every later turn
 * of the chat carries it.
 */
export const MAX_PREVIEW_BYTES = 1024 * 1024;
/** A PNG preview's longer side: enough to see what was made, at most 1 MB of pixels before compression. */
export const PREVIEW_SIDE = 512;
/** A PNG bigger than this is not read for a preview (the model's are a few MB). */
const MAX_PNG_READ_BYTES = 32 * 1024 * 1024;

export interface AgentDeps {
  readonly s: Services;
  readonly jobs: Jobs;
  /** The commands' own request checks (the core chunk's: the errors they throw are its GrokError). */
  readonly prepare: { readonly generate: typeof prepareGenerate; readonly edit: typeof prepareEdit };
}

type Input = Record<string, unknown>;

/** LanguageModelDataPart, where this VS Code has it (finalized after engines.vscode's 1.95). */
interface DataPartClass {
  image(data: Uint8Array, mime: string): unknown;
}

function dataPartClass(): DataPartClass | undefined {
  const c: unknown = (vscode as unknown as Record<string, unknown>)["LanguageModelDataPart"];
  return typeof c === "function" && typeof (c as unknown as Partial<DataPartClass>).image === "function" ? (c as unknown as DataPartClass) : undefined;
}

function text(parts: readonly string[], extra: readonly unknown[] = []): vscode.LanguageModelToolResult {
  // The 1.95 typings list text and prompt-tsx parts only; data parts exist at runtime in later versions.
  return new vscode.LanguageModelToolResult([...parts.map((p) => new vscode.LanguageModelTextPart(p)), ...(extra as vscode.LanguageModelTextPart[])]);
}

const silent: PrepareLog = { warn: () => undefined };

function relative(uri: vscode.Uri): string {
  const multiRoot = (vscode.workspace.workspaceFolders?.length ?? 0) > 1;
  const inside = vscode.workspace.getWorkspaceFolder(uri);
  if (!inside) return uri.scheme === "file" ? uri.fsPath : uri.toString(true);
  return inside.uri.toString() === uri.toString() ? (multiRoot ? inside.name : "") : vscode.workspace.asRelativePath(uri, multiRoot);
}

class ImageTool implements vscode.LanguageModelTool<Input> {
  constructor(
    private readonly spec: ToolSpec,
    private readonly deps: AgentDeps,
  ) {}

  /** The argument object checked the commands' way (src/requests/): the job, or the problems. */
  #prepare(input: Input, log: PrepareLog): ReturnType<typeof prepareGenerate> {
    const ui = this.deps.s.ui.current;
    return this.spec.operation === "edit" ? this.deps.prepare.edit(ui, input, log) : this.deps.prepare.generate(ui, input, log);
  }

  async prepareInvocation(options: vscode.LanguageModelToolInvocationPrepareOptions<Input>): Promise<vscode.PreparedToolInvocation> {
    const input: unknown = options.input;
    const op = this.spec.operation;
    // Nothing will be sent when the request is refused: invoke says why, without a confirmation first.
    if (!vscode.workspace.isTrusted || !isRecord(input)) return { invocationMessage: invocationText({ operation: op, images: 1 }) };
    const prepared = await this.#prepare(input, silent);
    if (!prepared.ok) return { invocationMessage: invocationText({ operation: op, images: 1 }) };
    const values = prepared.request.values;
    const images = Number(values["num_images"] ?? 1);
    const overrides = readSettings().prices;
    const c: Confirmation = {
      operation: op,
      prompt: prepared.job.prompt,
      images,
      tier: String(values["tier"] ?? "standard"),
      usd: estimate(prepared.request.endpoint, images, overrides).usd,
      folder: relative(prepared.job.folder),
      sources: prepared.job.sources?.map((x) => x.path),
    };
    return { invocationMessage: invocationText(c), confirmationMessages: confirmationText(c) };
  }

  async invoke(options: vscode.LanguageModelToolInvocationOptions<Input>, token: vscode.CancellationToken): Promise<vscode.LanguageModelToolResult> {
    const { s, jobs } = this.deps;
    const name = this.spec.name;
    const input: unknown = options.input;
    if (!vscode.workspace.isTrusted) return this.#refused(restrictedText(name));
    if (!isRecord(input)) return this.#refused(refusedText(name, ["The input must be an object such as {\"prompt\": \"…\"}."]));
    const prepared = await this.#prepare(input, s.log);
    if (!prepared.ok) return this.#refused(refusedText(name, prepared.problems));
    // The tool never prompts for a key: a notification waiting for the person would stall the agent.
    if (!(await s.keys.get())) return this.#refused(noKeyText(name));
    if (token.isCancellationRequested) throw new vscode.CancellationError();

    const cancel = new AbortController();
    const sub = token.onCancellationRequested(() => cancel.abort());
    let failure: GrokError | undefined;
    let saved: SavedItem[];
    try {
      s.log.info(C, `${name}: running a ${this.spec.operation} request for the agent.`);
      saved = await jobs.run(prepared.job, { signal: cancel.signal, onFailure: (e) => (failure ??= e) });
    } finally {
      sub.dispose();
    }
    // A result that finished before the cancel arrived is paid for and saved: the model hears of it.
    if (saved.length) return this.#saved(prepared.job.prompt, saved, token.isCancellationRequested);
    if (token.isCancellationRequested) throw new vscode.CancellationError();
    const f: GrokError | undefined = failure;
    if (f) return text([failedText(name, f.kind, s.log.redact(f.message))]);
    return text([`${name} did not save an image; the log ("Grok Imagine: Show Log") says why. Tell the person.`]);
  }

  #refused(message: string): vscode.LanguageModelToolResult {
    this.deps.s.log.warn(C, message);
    return text([message]);
  }

  async #saved(prompt: string, items: readonly SavedItem[], cancelledLate: boolean): Promise<vscode.LanguageModelToolResult> {
    const files = items.map((i) => ({ path: relative(i.uri), revisedPrompt: i.provenance.revisedPrompt, written: i.written }));
    const preview = await this.#preview(items[0]);
    const notes = [
      ...(cancelledLate ? ["The request had finished at fal before the cancel arrived, so its images were kept."] : []),
      ...(preview.note ? [preview.note] : []),
    ];
    return text(savedText(this.spec.name, prompt, files, notes.join(" ") || undefined), preview.part ? [preview.part] : []);
  }

  /** A preview of the first image for the model, where VS Code can carry one and the file is small. */
  async #preview(item: SavedItem | undefined): Promise<{ part?: unknown; note?: string }> {
    const DataPart = dataPartClass();
    if (!item || !DataPart) return {};
    try {
      const stat = await vscode.workspace.fs.stat(item.uri);
      const isPng = item.uri.path.toLowerCase().endsWith(".png");
      const tooBig = `No preview is attached: the first image is ${Math.round(stat.size / 1024)} KB.`;
      if (stat.size > (isPng ? MAX_PNG_READ_BYTES : MAX_PREVIEW_BYTES)) return { note: tooBig };
      const bytes = await vscode.workspace.fs.readFile(item.uri);
      const format = sniffImageFormat(bytes);
      if (!format) return {};
      const preview = format === "png" ? pngThumbnail(bytes, PREVIEW_SIDE) : bytes;
      if (!preview || preview.length > MAX_PREVIEW_BYTES) return { note: tooBig };
      const scaled = preview !== bytes ? ` (scaled down to at most ${PREVIEW_SIDE} pixels a side)` : "";
      return { part: DataPart.image(preview, mimeForFormat(format)), note: `A preview of the first image${scaled} is attached.` };
    } catch (err) {
      this.deps.s.log.error(C, "Could not read the saved image for the preview", err);
      return {};
    }
  }
}

/** Registers both tools (package.json's languageModelTools declares them). */
/** The tool called `name` (a name of schema.ts's tools). */
export function createTool(name: string, deps: AgentDeps): vscode.LanguageModelTool<Input> {
  const spec = [GENERATE_TOOL, EDIT_TOOL].find((t) => t.name === name);
  if (!spec) throw new Error(`No tool ${name}`);
  return new ImageTool(spec, deps);
}
