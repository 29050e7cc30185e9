/**
 * A generate request without UI: the argument object (`{prompt, …API fields, folder}`) of scripts,
 * keybindings and the agent tools, checked and turned into what the job pipeline runs, or the
 * problems that stop it (each a sentence naming the field). The one place the command's scripted path
 * and the agent tool build their request; stateless vscode glue.
 */
import * as vscode from "vscode";
import { buildRequest, type ApiRequest } from "../api";
import { errorText } from "../format";
import { stemFromPrompt } from "../images/naming";
import type { JobRequest } from "../jobs/pipeline";
import { readSettings } from "../settings";
import type { Ui } from "../ui";
import { chooseOutputFolder } from "../workspace/target";
import { outputFormatOf } from "./format";

export type Prepared = { readonly ok: true; readonly job: JobRequest; readonly request: ApiRequest } | { readonly ok: false; readonly problems: string[] };

/** Where the warnings go (a setting with a bad value, a refused output folder setting). */
export interface PrepareLog {
  warn(component: string, message: string): void;
}

/** What the pipeline runs for a checked request, its images saved in `folder`. */
export function generateJob(req: ApiRequest, folder: vscode.Uri): JobRequest {
  const prompt = String(req.values["prompt"]);
  return {
    kind: "generate",
    endpoint: req.endpoint,
    input: req.body,
    prompt,
    outputFormat: outputFormatOf(req),
    folder,
    stem: stemFromPrompt(prompt),
    numbered: Number(req.values["num_images"] ?? 1) > 1,
  };
}

/**
 * The argument object, checked (defaults from the settings), with its output folder resolved
 * (`folder`: a workspace folder's name or a folder inside the workspace; else the output folder).
 */
export async function prepareGenerate(ui: Ui, arg: Readonly<Record<string, unknown>>, log: PrepareLog, placed?: vscode.Uri): Promise<Prepared> {
  const { folder: folderArg, ...fields } = arg;
  const built = buildRequest("generate", fields, readSettings().parameters);
  for (const w of built.warnings) log.warn("settings", w.message);
  if (!built.ok) return { ok: false, problems: built.errors.map((e) => e.message) };
  // A caller that knows the place (Generate Image Here) has resolved it already.
  if (placed) return { ok: true, job: generateJob(built.value, placed), request: built.value };
  let folder: vscode.Uri | undefined;
  try {
    folder = await chooseOutputFolder(ui, false, folderArg, (m) => log.warn("output", m));
  } catch (err) {
    return { ok: false, problems: [errorText(err)] };
  }
  // Without UI a folder is always chosen or refused; this is for the type.
  if (!folder) return { ok: false, problems: [vscode.l10n.t("No folder is open: open a folder first, then generate again.")] };
  return { ok: true, job: generateJob(built.value, folder), request: built.value };
}
