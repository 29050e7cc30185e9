/**
 * Grok Imagine: Generate Image. From the palette: a prompt (recent ones offered), then the parameters
 * with their defaults, changeable before sending. From scripts, keybindings and tests: an argument
 * object with the API's own field names (every field of the generate operation in api/definition.ts:
 * `{prompt, num_images, aspect_ratio, …}`, plus `folder`: a workspace folder's name or a folder URI),
 * no UI. Resolves to the saved files.
 */
import * as vscode from "vscode";
import { buildRequest, type ApiRequest } from "../api";
import { stemFromPrompt } from "../images/naming";
import type { JobPipeline } from "../jobs/pipeline";
import type { Services } from "../services";
import type { ConfirmSpend } from "../spend/index";
import { readSettings, type Settings } from "../settings";
import { chooseOutputFolder } from "../workspace/target";
import { pickParameters } from "./parameters";
import { imagesOf, outputFormatOf, recentPrompts, refuse, rememberPrompt } from "./shared";
import { errorText } from "../format";

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof vscode.Uri);
}

export async function generate(s: Services, jobs: JobPipeline, arg?: unknown, confirm?: ConfirmSpend): Promise<vscode.Uri[]> {
  const interactive = !isPlainObject(arg);
  const settings = readSettings();
  let req: ApiRequest | undefined;
  let folderArg: unknown;
  if (!interactive) {
    const { folder, ...fields } = arg;
    folderArg = folder;
    const built = buildRequest("generate", fields, settings.parameters);
    for (const w of built.warnings) s.log.warn("settings", w.message);
    if (!built.ok) {
      return refuse(s, "generate", built.errors.map((e) => e.message));
    }
    req = built.value;
  } else {
    req = await askForRequest(s, settings);
    if (!req) return [];
  }

  let folder: vscode.Uri | undefined;
  try {
    folder = await chooseOutputFolder(s.ui.current, interactive, folderArg, (m) => s.log.warn("output", m));
  } catch (err) {
    return refuse(s, "generate", [errorText(err)]);
  }
  if (!folder) return [];
  // Above grokImagine.confirmAboveUsd the person is asked first, whoever sent the request.
  if (confirm && !(await confirm(req.endpoint, imagesOf(req), vscode.l10n.t("Generate")))) return [];
  const prompt = String(req.values["prompt"]);
  rememberPrompt(s, "generate", prompt);
  const saved = await jobs.run({
    kind: "generate",
    endpoint: req.endpoint,
    input: req.body,
    prompt,
    outputFormat: outputFormatOf(req),
    folder,
    stem: stemFromPrompt(prompt),
    numbered: imagesOf(req) > 1,
  });
  return saved.map((item) => item.uri);
}

/** Prompt, then the parameters (defaults from settings), each changeable, then send. */
async function askForRequest(s: Services, settings: Settings): Promise<ApiRequest | undefined> {
  const recent = recentPrompts(s, "generate");
  const prompt = await s.ui.current.askText({ title: vscode.l10n.t("Grok Imagine: Generate Image"), placeholder: vscode.l10n.t("Describe the image to generate (Enter to continue)"), recent });
  if (!prompt) return undefined;
  const start = buildRequest("generate", { prompt }, settings.parameters);
  for (const w of start.warnings) s.log.warn("settings", w.message);
  if (!start.ok) {
    refuse(s, "generate", start.errors.map((e) => e.message));
    return undefined;
  }
  return pickParameters(s, start.value, vscode.l10n.t("Generate: {0}", prompt.length > 60 ? prompt.slice(0, 60) + "…" : prompt), "$(sparkle) " + vscode.l10n.t("Generate"));
}
