/**
 * Grok Imagine: Generate Image. From the palette: a prompt (recent ones offered), then the parameters
 * with their defaults, changeable before sending. From scripts, keybindings and tests: an argument
 * object with the API's own field names (every field of the generate operation in api/definition.ts:
 * `{prompt, num_images, aspect_ratio, …}`, plus `folder`: a workspace folder's name or a folder URI),
 * no UI. Resolves to the saved files.
 */
import * as vscode from "vscode";
import { buildRequest, type ApiRequest } from "../api";
import type { JobPipeline, JobRequest, SavedItem } from "../jobs/pipeline";
import { generateJob, prepareGenerate } from "../requests/generate";
import type { Services } from "../services";
import type { ConfirmSpend } from "../spend/index";
import { readSettings, type Settings } from "../settings";
import { chooseOutputFolder } from "../workspace/target";
import { pickParameters } from "./parameters";
import { imagesOf, recentPrompts, refuse, rememberPrompt } from "./shared";
import { errorText } from "../format";

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof vscode.Uri);
}

/** Where an entry point that knows the place (Generate Image Here) wants the images, instead of the output folder. */
export interface Placement {
  /** Already through the one resolver (src/workspace/resolve.ts). */
  readonly folder: vscode.Uri;
  /** The file name without extension; by default made from the prompt. */
  readonly stem?: string;
  /** Shows the first image the caller's way instead of opening it (see JobRequest.showFirst). */
  readonly showFirst?: (first: vscode.Uri) => void;
}

export async function generate(s: Services, jobs: JobPipeline, arg?: unknown, confirm?: ConfirmSpend): Promise<vscode.Uri[]> {
  return (await generateItems(s, jobs, arg, undefined, confirm)).map((item) => item.uri);
}

/** {@link generate}, resolving to what was saved with its provenance (the revised prompt); `place` replaces the output folder. */
export async function generateItems(s: Services, jobs: JobPipeline, arg?: unknown, place?: Placement, confirm?: ConfirmSpend): Promise<SavedItem[]> {
  let req: ApiRequest | undefined;
  let job: JobRequest;
  if (isPlainObject(arg)) {
    const prepared = await prepareGenerate(s.ui.current, arg, s.log, place?.folder);
    if (!prepared.ok) return refuse(s, "generate", prepared.problems);
    req = prepared.request;
    job = prepared.job;
  } else {
    req = await askForRequest(s, readSettings());
    if (!req) return [];
    let folder = place?.folder;
    try {
      folder ??= await chooseOutputFolder(s.ui.current, true, undefined, (m) => s.log.warn("output", m));
    } catch (err) {
      return refuse(s, "generate", [errorText(err)]);
    }
    if (!folder) return [];
    job = generateJob(req, folder);
  }
  // Above grokImagine.confirmAboveUsd the person is asked first, whoever sent the request.
  if (confirm && !(await confirm(req.endpoint, imagesOf(req), vscode.l10n.t("Generate")))) return [];
  rememberPrompt(s, "generate", job.prompt);
  if (place) job = { ...job, stem: place.stem ?? job.stem, ...(place.showFirst ? { showFirst: place.showFirst } : {}) };
  return jobs.run(job);
}

/** Prompt, then the parameters (defaults from settings), each changeable, then send. */
async function askForRequest(s: Services, settings: Settings): Promise<ApiRequest | undefined> {
  const recent = recentPrompts(s, "generate");
  const prompt = await s.ui.current.askText({ title: "Grok Imagine: Generate Image", placeholder: "Describe the image to generate (Enter to continue)", recent });
  if (!prompt) return undefined;
  const start = buildRequest("generate", { prompt }, settings.parameters);
  for (const w of start.warnings) s.log.warn("settings", w.message);
  if (!start.ok) {
    refuse(s, "generate", start.errors.map((e) => e.message));
    return undefined;
  }
  return pickParameters(s, start.value, `Generate: ${prompt.length > 60 ? prompt.slice(0, 60) + "…" : prompt}`, "$(sparkle) Generate");
}
