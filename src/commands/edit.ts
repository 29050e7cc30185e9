/**
 * Grok Imagine: Edit Image. Edits one to three workspace images with a prompt, through
 * `xai/grok-imagine-image/edit`.
 *
 * Where the images come from:
 * - the Explorer's context menu and the image preview's title bar: VS Code passes `(uri, uris)`, the
 *   clicked file and the whole selection; the clicked file goes first (it names the results);
 * - the palette (no argument): a multi-select picker of the workspace's images, the open image first
 *   and checked;
 * - scripts, keybindings, tests and the agent tool: an argument object `{prompt, images, folder, …}`:
 *   the images, every field the edit operation takes in api/definition.ts but the uploaded URLs (see
 *   edit/args.ts), and optionally the folder for the results; no UI (src/requests/edit.ts).
 *
 * Every file is read through workspace.fs (src/requests/edit.ts) and checked (inside the workspace, not empty, at most
 * 20 MB, a PNG, JPEG or WebP by its bytes) before anything is sent; the problems are shown in one
 * message. The job itself (uploads, submit, progress, cancel, download, verify, save, errors) is the
 * job pipeline's. The results go beside the first source (`photo-edit-1.png`, …) or, with
 * `grokImagine.editOutput: outputFolder`, to the output folder; then the first source and the first
 * result are shown side by side (`grokImagine.showComparison`). Resolves to the saved files.
 */
import * as vscode from "vscode";
import { buildRequest, describeValues, MAX_EDIT_IMAGES, resolveDefaults } from "../api";
import { listNames } from "../edit/sources";
import type { JobPipeline, SavedItem } from "../jobs/pipeline";
import { baseName, checkSources, editFolder, editJob, isUri, prepareEdit, type Given, type Source } from "../requests/edit";
import type { Services } from "../services";
import type { Settings } from "../settings";
import type { ConfirmSpend } from "../spend/index";
import { pickParameters } from "./parameters";
import { estimateText, imagesOf, recentPrompts, refuse, rememberPrompt } from "./shared";
import { errorText } from "../format";

const C = "edit";
/** The image preview that VS Code ships (extension vscode.media-preview). */
export const IMAGE_PREVIEW = "imagePreview.previewEditor";
/** Image files for the palette's picker, any case of the extension. */
const IMAGE_GLOB = "**/*.{[pP][nN][gG],[jJ][pP][gG],[jJ][pP][eE][gG],[wW][eE][bB][pP]}";
const MAX_LISTED = 2000;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !isUri(v);
}

export async function edit(s: Services, jobs: JobPipeline, arg?: unknown, uris?: unknown, confirm?: ConfirmSpend): Promise<vscode.Uri[]> {
  return (await editItems(s, jobs, arg, uris, confirm)).map((item) => item.uri);
}

/** {@link edit}, resolving to what was saved with its provenance (the revised prompt). */
export async function editItems(s: Services, jobs: JobPipeline, arg?: unknown, uris?: unknown, confirm?: ConfirmSpend): Promise<SavedItem[]> {
  // 1. Which files (scripts: the whole request, without UI).
  let given: Given[];
  if (isUri(arg)) {
    const selection = Array.isArray(uris) ? uris.filter(isUri) : [];
    given = [arg, ...selection].map((input) => ({ input, what: vscode.l10n.t("The image") }));
  } else if (isPlainObject(arg)) {
    // Scripts: no UI at all (the agent tool takes the same path).
    const prepared = await prepareEdit(s.ui.current, arg, s.log, (source, result) => showEditComparison(s, source, result));
    if (!prepared.ok) return refuse(s, "edit", prepared.problems);
    const { job, request, sources } = prepared;
    // Above grokImagine.confirmAboveUsd the person is asked first, whoever sent the request.
    if (confirm && !(await confirm(request.endpoint, imagesOf(request), vscode.l10n.t("Edit")))) return [];
    rememberPrompt(s, "edit", job.prompt);
    s.log.info(C, `Editing ${listNames(sources.map((x) => x.label))} (${describeValues("edit", request.values)}), results in ${vscode.workspace.asRelativePath(job.folder)}.`);
    return jobs.run(job);
  } else if (arg === undefined) {
    const picked = await pickImages(s);
    if (!picked) return [];
    given = picked.map((input) => ({ input, what: vscode.l10n.t("The image") }));
  } else {
    return refuse(s, "edit", [vscode.l10n.t('Edit Image takes an image\'s URI, or an object such as {0}.', '{prompt, images: ["photo.png"]}')]);
  }

  // 2-3. Every path through the one resolver, the files read and checked before anything is sent.
  const checked = await checkSources(given, s.log);
  const { first, sources, settings } = checked;
  if (checked.problems.length || !first) return refuse(s, "edit", checked.problems);

  // 4. Where the results go; the prompt and the parameters, from the person.
  let folder: vscode.Uri;
  try {
    folder = await editFolder(first, settings, s.log);
  } catch (err) {
    return refuse(s, "edit", [errorText(err)]);
  }
  const where = settings.editOutput === "outputFolder" ? vscode.l10n.t("in {0}", vscode.workspace.asRelativePath(folder)) : vscode.l10n.t("beside {0}", baseName(first));
  const prompt = await askPrompt(s, sources, settings, where);
  if (!prompt) return [];
  const built = buildRequest("edit", { prompt }, settings.parameters);
  for (const w of built.warnings) s.log.warn("settings", w.message);
  if (!built.ok) return refuse(s, "edit", built.errors.map((e) => e.message));
  const p = await pickParameters(s, built.value, vscode.l10n.t("Edit {0}: {1}", listNames(sources.map((x) => x.fileName)), prompt.length > 60 ? prompt.slice(0, 60) + "…" : prompt), "$(edit) " + vscode.l10n.t("Edit"));
  if (!p) return [];
  if (confirm && !(await confirm(p.endpoint, imagesOf(p), vscode.l10n.t("Edit")))) return [];
  rememberPrompt(s, "edit", prompt);

  // 5. The job. The sources (path in their workspace folder, SHA-256) go into the results' provenance.
  s.log.info(C, `Editing ${listNames(sources.map((x) => x.label))} (${describeValues("edit", p.values)}), results in ${vscode.workspace.asRelativePath(folder)}.`);
  const showFirst = settings.showComparison ? (result: vscode.Uri) => showEditComparison(s, first, result) : undefined;
  return jobs.run(editJob(p, sources, folder, showFirst));
}

/** The image open in the active editor group's image preview, if any. */
function activeImage(): vscode.Uri | undefined {
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  return input instanceof vscode.TabInputCustom && input.viewType === IMAGE_PREVIEW ? input.uri : undefined;
}

interface ImageItem extends vscode.QuickPickItem {
  readonly uri: vscode.Uri;
}

/** The palette's way to choose: the workspace's images, the open one first and checked, at most three. */
async function pickImages(s: Services): Promise<vscode.Uri[] | undefined> {
  const active = activeImage();
  const found = (await vscode.workspace.findFiles(IMAGE_GLOB, "**/node_modules/**", MAX_LISTED))
    .filter((u) => u.toString() !== active?.toString())
    .sort((a, b) => vscode.workspace.asRelativePath(a).localeCompare(vscode.workspace.asRelativePath(b)));
  const all = active ? [active, ...found] : found;
  if (!all.length) {
    void s.ui.current.showInformationMessage(vscode.l10n.t("Grok Imagine: there are no PNG, JPEG or WebP images in this workspace to edit. Add one, or right-click an image in the Explorer."));
    return undefined;
  }
  let checked = new Set(active ? [active.toString()] : []);
  let title = vscode.l10n.t("Grok Imagine: Edit which images? (one to three)");
  for (;;) {
    const items: ImageItem[] = all.map((uri) => {
      const rel = vscode.workspace.asRelativePath(uri);
      const dir = rel.includes("/") ? rel.slice(0, rel.lastIndexOf("/")) : "";
      return { label: baseName(uri), description: uri.toString() === active?.toString() ? (dir ? dir + " · " : "") + vscode.l10n.t("open in the editor") : dir, uri, picked: checked.has(uri.toString()) };
    });
    const picked = await s.ui.current.showQuickPickMany(items, { title, placeHolder: vscode.l10n.t("Check the images to edit, then press Enter"), ignoreFocusOut: true, matchOnDescription: true });
    if (!picked?.length) return undefined;
    if (picked.length <= MAX_EDIT_IMAGES) return picked.map((p) => p.uri);
    checked = new Set(picked.map((p) => p.uri.toString()));
    title = vscode.l10n.t("Grok Imagine: Check at most three images ({0} are checked)", picked.length);
  }
}

/** The prompt box names the images in its title, and says what will be made (the settings' defaults) and where. */
async function askPrompt(s: Services, sources: readonly Source[], settings: Settings, where: string): Promise<string | undefined> {
  const defaults = resolveDefaults("edit", settings.parameters).values;
  const start = buildRequest("edit", { ...defaults, prompt: "-" }, undefined);
  const what = describeValues("edit", defaults);
  // What it costs at these defaults (the parameter pick that follows says it again as they change).
  const cost = start.ok ? ` · ${estimateText(start.value)}` : "";
  return s.ui.current.askText({
    title: vscode.l10n.t("Grok Imagine: Edit {0}", listNames(sources.map((x) => x.fileName))),
    placeholder: vscode.l10n.t("Describe the change (Enter to continue · {0}, {1}{2})", what, where, cost),
    recent: recentPrompts(s, "edit"),
  });
}


/** The first source and the first result side by side, in VS Code's diff view (the image preview draws both). */
export function showEditComparison(s: Services, source: vscode.Uri, result: vscode.Uri): void {
  vscode.commands.executeCommand("vscode.diff", source, result, `${baseName(source)} ↔ ${baseName(result)}`, { preview: false }).then(undefined, (err: unknown) => s.log.error(C, "Could not show the source and the result side by side", err));
}
