/**
 * Grok Imagine: Generate Image. From the palette: a prompt (recent ones offered), then the parameters
 * with their defaults, changeable before sending. From scripts, keybindings and tests: an argument
 * object with the API's own field names (`{prompt, num_images, aspect_ratio, resolution,
 * output_format, sync_mode}`, plus `folder`: a workspace folder's name or a folder URI), no UI.
 * Resolves to the saved files.
 */
import * as vscode from "vscode";
import { stemFromPrompt } from "../images/naming";
import { ASPECT_RATIOS, ENDPOINTS, OUTPUT_FORMATS, RESOLUTIONS, type DefaultsLike, type GenerateInput } from "../model/params";
import { buildGenerateRequest, describeInput } from "../model/request";
import type { JobPipeline } from "../jobs/pipeline";
import type { Services } from "../services";
import { readSettings, type Settings } from "../settings";
import { chooseOutputFolder } from "../workspace/target";
import { recentPrompts, refuse, rememberPrompt } from "./shared";

export function defaultsFrom(settings: Settings): DefaultsLike {
  return {
    num_images: settings.numImages,
    aspect_ratio: settings.aspectRatio,
    resolution: settings.resolution,
    output_format: settings.outputFormat,
    sync_mode: settings.syncMode,
  };
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof vscode.Uri);
}

export async function generate(s: Services, jobs: JobPipeline, arg?: unknown): Promise<vscode.Uri[]> {
  const interactive = !isPlainObject(arg);
  const settings = readSettings();
  let input: GenerateInput | undefined;
  let folderArg: unknown;
  if (!interactive) {
    const { folder, ...fields } = arg;
    folderArg = folder;
    const built = buildGenerateRequest(fields, defaultsFrom(settings));
    for (const w of built.warnings) s.log.warn("settings", w.message);
    if (!built.ok) {
      return refuse(s, "generate", built.errors.map((e) => e.message));
    }
    input = built.value;
  } else {
    input = await askForRequest(s, settings);
    if (!input) return [];
  }

  let folder: vscode.Uri | undefined;
  try {
    folder = await chooseOutputFolder(s.ui.current, interactive, folderArg, (m) => s.log.warn("output", m));
  } catch (err) {
    return refuse(s, "generate", [err instanceof Error ? err.message : String(err)]);
  }
  if (!folder) return [];
  rememberPrompt(s, "generate", input.prompt);
  const saved = await jobs.run({
    kind: "generate",
    endpoint: ENDPOINTS.generate,
    input,
    prompt: input.prompt,
    outputFormat: input.output_format,
    folder,
    stem: stemFromPrompt(input.prompt),
    numbered: input.num_images > 1,
  });
  return saved.map((item) => item.uri);
}

type ParamKey = "num_images" | "aspect_ratio" | "resolution" | "output_format" | "sync_mode";
interface ParamItem extends vscode.QuickPickItem {
  readonly key?: ParamKey;
  readonly send?: boolean;
}

const CHOICES: Record<ParamKey, { label: string; values: readonly (string | number | boolean)[] }> = {
  num_images: { label: "Number of images", values: [1, 2, 3, 4] },
  aspect_ratio: { label: "Aspect ratio", values: ASPECT_RATIOS },
  resolution: { label: "Resolution", values: RESOLUTIONS },
  output_format: { label: "Format", values: OUTPUT_FORMATS },
  sync_mode: { label: "Sync mode (images inline, not kept in fal's history)", values: [false, true] },
};

function show(v: string | number | boolean): string {
  return typeof v === "boolean" ? (v ? "on" : "off") : String(v);
}

/** Prompt, then the parameters (defaults from settings), each changeable, then send. */
async function askForRequest(s: Services, settings: Settings): Promise<GenerateInput | undefined> {
  const recent = recentPrompts(s, "generate");
  const prompt = await s.ui.current.askText({ title: "Grok Imagine: Generate Image", placeholder: "Describe the image to generate (Enter to continue)", recent });
  if (!prompt) return undefined;
  const start = buildGenerateRequest({ prompt }, defaultsFrom(settings));
  for (const w of start.warnings) s.log.warn("settings", w.message);
  if (!start.ok) {
    refuse(s, "generate", start.errors.map((e) => e.message));
    return undefined;
  }
  let input: GenerateInput = start.value;
  for (;;) {
    const items: ParamItem[] = [
      { label: "$(sparkle) Generate", description: describeInput(input), send: true, alwaysShow: true },
      { label: "", kind: vscode.QuickPickItemKind.Separator },
      ...(Object.keys(CHOICES) as ParamKey[]).map((key) => ({ label: CHOICES[key].label, description: show(input[key]), key })),
    ];
    const picked = await s.ui.current.showQuickPick(items, { title: `Generate: ${prompt.length > 60 ? prompt.slice(0, 60) + "…" : prompt}`, placeHolder: "Enter to generate, or pick a parameter to change it", ignoreFocusOut: true });
    if (!picked) return undefined;
    if (picked.send || !picked.key) return input;
    const key = picked.key;
    const valueItems = CHOICES[key].values.map((v) => ({ label: show(v), value: v, picked: v === input[key] }));
    const value = await s.ui.current.showQuickPick(valueItems, { title: CHOICES[key].label, placeHolder: `Current: ${show(input[key])}` });
    if (value) {
      const next = buildGenerateRequest({ ...input, [key]: value.value }, undefined);
      if (next.ok) input = next.value;
    }
  }
}
