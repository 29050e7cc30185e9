/**
 * Grok Imagine: Edit Image. Edits one to three workspace images with a prompt, through
 * `xai/grok-imagine-image/edit`.
 *
 * Where the images come from:
 * - the Explorer's context menu and the image preview's title bar: VS Code passes `(uri, uris)`, the
 *   clicked file and the whole selection; the clicked file goes first (it names the results);
 * - the palette (no argument): a multi-select picker of the workspace's images, the open image first
 *   and checked;
 * - scripts, keybindings and tests: an argument object `{prompt, images, …}`: the images, and every
 *   field the edit operation takes in api/definition.ts but the uploaded URLs (see edit/args.ts), no UI.
 *
 * Every file is read through workspace.fs and checked (inside the workspace, not empty, at most
 * 20 MB, a PNG, JPEG or WebP by its bytes) before anything is sent; the problems are shown in one
 * message. The job itself (uploads, submit, progress, cancel, download, verify, save, errors) is the
 * job pipeline's. The results go beside the first source (`photo-edit-1.png`, …) or, with
 * `grokImagine.editOutput: outputFolder`, to the output folder; then the first source and the first
 * result are shown side by side (`grokImagine.showComparison`). Resolves to the saved files.
 */
import * as vscode from "vscode";
import { buildRequest, completeRequest, describeValues, fieldsOf, MAX_EDIT_IMAGES, resolveDefaults, type ApiRequest, type FieldError } from "../api";
import { splitEditArgs } from "../edit/args";
import { checkSource, countProblem, listNames, sizeProblem, uniqueBy } from "../edit/sources";
import { uploadAll, type SourceImage } from "../edit/upload";
import { GrokError } from "../fal/errors";
import { editStemFromSource } from "../images/naming";
import { extensionForFormat } from "../images/sniff";
import type { JobPipeline } from "../jobs/pipeline";
import { sha256Hex } from "../provenance/hash";
import type { Services } from "../services";
import type { ConfirmSpend } from "../spend/index";
import { readSettings, type Settings } from "../settings";
import { checkedOutputFolder, resolveChecked } from "../workspace/resolve";
import { pickParameters } from "./parameters";
import { estimateText, imagesOf, outputFormatOf, recentPrompts, refuse, rememberPrompt } from "./shared";
import { errorText } from "../format";

const C = "edit";
/** The image preview that VS Code ships (extension vscode.media-preview). */
export const IMAGE_PREVIEW = "imagePreview.previewEditor";
/** Image files for the palette's picker, any case of the extension. */
const IMAGE_GLOB = "**/*.{[pP][nN][gG],[jJ][pP][gG],[jJ][pP][eE][gG],[wW][eE][bB][pP]}";
const MAX_LISTED = 2000;
/** Reading more files than this just to name the non-images in a too-big selection is not worth it. */
const MAX_CHECKED = 10;

interface Source extends SourceImage {
  readonly uri: vscode.Uri;
  /** How the file is named in messages: its workspace-relative path. */
  readonly label: string;
}

function isUri(v: unknown): v is vscode.Uri {
  return v instanceof vscode.Uri;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !isUri(v);
}

function baseName(uri: vscode.Uri): string {
  return uri.path.slice(uri.path.lastIndexOf("/") + 1);
}

function label(uri: vscode.Uri): string {
  return vscode.workspace.getWorkspaceFolder(uri) ? vscode.workspace.asRelativePath(uri) : uri.scheme === "file" ? uri.fsPath : uri.toString(true);
}

export async function edit(s: Services, jobs: JobPipeline, arg?: unknown, uris?: unknown, confirm?: ConfirmSpend): Promise<vscode.Uri[]> {
  // 1. Which files, and (for scripts) which parameters.
  let given: Given[];
  let scripted: { fields: Record<string, unknown>; errors: FieldError[] } | undefined;
  if (isUri(arg)) {
    const selection = Array.isArray(uris) ? uris.filter(isUri) : [];
    given = [arg, ...selection].map((input) => ({ input, what: vscode.l10n.t("The image") }));
  } else if (isPlainObject(arg)) {
    const split = splitEditArgs(arg, isUri);
    given = split.images.map((input, i) => ({ input, what: `images[${i}]` }));
    scripted = { fields: split.fields, errors: split.errors };
  } else if (arg === undefined) {
    const picked = await pickImages(s);
    if (!picked) return [];
    given = picked.map((input) => ({ input, what: vscode.l10n.t("The image") }));
  } else {
    return refuse(s, "edit", [vscode.l10n.t('Edit Image takes an image\'s URI, or an object such as {0}.', '{prompt, images: ["photo.png"]}')]);
  }
  // Every path through the one resolver: inside the workspace, no "." or "..", no link out of it.
  given = uniqueBy(given, (g) => (isUri(g.input) ? g.input.toString() : String(g.input)));
  const resolved = await resolveSources(given);
  const refs = uniqueBy(resolved.uris, (u) => u.toString());

  // 2. The parameters of a scripted request are checked with the files, so one message says it all.
  const first = refs[0];
  const settings = readSettings(first);
  let params: ApiRequest | undefined;
  const problems: string[] = [...resolved.problems];
  if (scripted) {
    const built = buildRequest("edit", scripted.fields, settings.parameters);
    for (const w of built.warnings) s.log.warn("settings", w.message);
    problems.push(...scripted.errors.map((e) => e.message));
    if (built.ok) params = built.value;
    else problems.push(...built.errors.map((e) => e.message));
  }

  // 3. The files, read and checked before anything is sent.
  const loaded = await loadSources(refs, s, given.length);
  problems.push(...loaded.problems);
  if (problems.length || !first) return refuse(s, "edit", problems.length ? problems : [countProblem(0) ?? ""]);
  const sources = loaded.sources;

  // 4. Where the results go; the prompt, for the person.
  let folder: vscode.Uri;
  try {
    folder = settings.editOutput === "outputFolder" ? await outputFolderForSource(first, s) : vscode.Uri.joinPath(first, "..");
  } catch (err) {
    return refuse(s, "edit", [errorText(err)]);
  }
  if (!params) {
    const where = settings.editOutput === "outputFolder" ? vscode.l10n.t("in {0}", vscode.workspace.asRelativePath(folder)) : vscode.l10n.t("beside {0}", baseName(first));
    const prompt = await askPrompt(s, sources, settings, where);
    if (!prompt) return [];
    const built = buildRequest("edit", { prompt }, settings.parameters);
    for (const w of built.warnings) s.log.warn("settings", w.message);
    if (!built.ok) return refuse(s, "edit", built.errors.map((e) => e.message));
    params = await pickParameters(s, built.value, vscode.l10n.t("Edit {0}: {1}", listNames(sources.map((x) => x.fileName)), prompt.length > 60 ? prompt.slice(0, 60) + "…" : prompt), "$(edit) " + vscode.l10n.t("Edit"));
    if (!params) return [];
  }
  // Above grokImagine.confirmAboveUsd the person is asked first, whoever sent the request.
  if (confirm && !(await confirm(params.endpoint, imagesOf(params), vscode.l10n.t("Edit")))) return [];
  const prompt = String(params.values["prompt"]);
  rememberPrompt(s, "edit", prompt);

  // 5. The job. The sources (path in their workspace folder, SHA-256) go into the results' provenance.
  const p = params;
  // With several workspace folders the path starts with its folder's name, so it can be found again.
  const multiRoot = (vscode.workspace.workspaceFolders?.length ?? 0) > 1;
  const sourceRefs = sources.map((x) => ({ path: vscode.workspace.asRelativePath(x.uri, multiRoot), sha256: sha256Hex(x.bytes) }));
  s.log.info(C, `Editing ${listNames(sources.map((x) => x.label))} (${describeValues("edit", p.values)}), results in ${vscode.workspace.asRelativePath(folder)}.`);
  // The field that carries the uploaded images (the definition's list of URLs).
  const urlsField = fieldsOf("edit").find((f) => f.type === "urls")?.key ?? "image_urls";
  const saved = await jobs.run({
    kind: "edit",
    endpoint: p.endpoint,
    input: async (signal, fal) => {
      // Neutral names: the person's file names would otherwise be in public URLs and fal's history.
      const named = sources.map((x, i) => ({ ...x, fileName: `image-${i + 1}${extensionForFormat(x.format)}` }));
      const urls = await uploadAll(named, (bytes, mime, name, sig) => fal.upload(bytes, mime, name, sig), signal);
      const complete = completeRequest(p, { [urlsField]: urls });
      if (!complete.ok) throw new GrokError("failed", vscode.l10n.t("The uploaded images could not be put in the request. Retry."), complete.errors.map((e) => e.message).join(" "));
      return complete.value.body;
    },
    prompt,
    outputFormat: outputFormatOf(p),
    folder,
    stem: editStemFromSource(baseName(first)),
    numbered: true,
    showFirst: settings.showComparison
      ? (result) => {
          showComparison(s, first, result).catch((err: unknown) => s.log.error(C, "Could not show the comparison", err));
        }
      : undefined,
    sources: sourceRefs,
  });
  return saved.map((item) => item.uri);
}

async function outputFolderForSource(source: vscode.Uri, s: Services): Promise<vscode.Uri> {
  const ws = vscode.workspace.getWorkspaceFolder(source);
  // The sources were resolved inside the workspace, so ws is there; the fallback is for the type.
  return ws ? checkedOutputFolder(ws, (m) => s.log.warn("output", m)) : vscode.Uri.joinPath(source, "..");
}

interface Given {
  readonly input: unknown;
  /** How it is named in a message: `images[1]`, or "The image" for a file picked in the UI. */
  readonly what: string;
}

/**
 * The files through the one resolver (src/workspace/resolve.ts): a refused one is a problem naming it,
 * and nothing of it is read. Too many to edit: not resolved at all (the count says it).
 */
async function resolveSources(given: readonly Given[]): Promise<{ uris: vscode.Uri[]; problems: string[] }> {
  if (given.length > MAX_CHECKED) return { uris: [], problems: [] };
  const results = await Promise.all(given.map((g) => resolveChecked(g.input, g.what, { writing: false })));
  const uris: vscode.Uri[] = [];
  const problems: string[] = [];
  for (const r of results) {
    if (r.ok) uris.push(r.uri);
    else problems.push(r.message);
  }
  return { uris, problems };
}

/** Reads and checks the files; problems are sentences naming the file. */
async function loadSources(refs: readonly vscode.Uri[], s: Services, givenCount: number): Promise<{ sources: Source[]; problems: string[] }> {
  const problems: string[] = [];
  // Paths the resolver refused have their own message; the count is of the files given.
  const count = givenCount > MAX_CHECKED ? givenCount : refs.length;
  const tooMany = count === 0 && givenCount > 0 ? undefined : countProblem(count);
  if (tooMany) problems.push(tooMany);
  if (refs.length > MAX_CHECKED) return { sources: [], problems };
  const results = await Promise.all(refs.map((uri) => loadSource(uri, s)));
  const sources: Source[] = [];
  for (const r of results) {
    if (typeof r === "string") problems.push(r);
    else sources.push(r);
  }
  return { sources, problems };
}

async function loadSource(uri: vscode.Uri, s: Services): Promise<Source | string> {
  const name = label(uri);
  let stat: vscode.FileStat;
  try {
    stat = await vscode.workspace.fs.stat(uri);
  } catch {
    return vscode.l10n.t("{0} does not exist.", name);
  }
  if (stat.type & vscode.FileType.Directory) return vscode.l10n.t("{0} is a folder, not an image.", name);
  const bySize = sizeProblem(name, stat.size);
  if (bySize) return bySize;
  let bytes: Uint8Array;
  try {
    bytes = await vscode.workspace.fs.readFile(uri);
  } catch (err) {
    return vscode.l10n.t("{0} could not be read ({1}).", name, errorText(err));
  }
  const checked = checkSource(name, bytes);
  if (!checked.ok) return checked.message;
  if (checked.warning) s.log.warn(C, `${checked.warning} It is sent anyway.`);
  return { uri, label: name, fileName: baseName(uri), bytes, format: checked.format };
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
  const what = describeValues("edit", defaults) + (start.ok ? ` · ${estimateText(start.value)}` : "");
  return s.ui.current.askText({
    title: vscode.l10n.t("Grok Imagine: Edit {0}", listNames(sources.map((x) => x.fileName))),
    placeholder: vscode.l10n.t("Describe the change (Enter to continue · {0}, {1})", what, where),
    recent: recentPrompts(s, "edit"),
  });
}


/** The first source and the first result side by side, in VS Code's diff view (the image preview draws both). */
async function showComparison(s: Services, source: vscode.Uri, result: vscode.Uri): Promise<void> {
  try {
    await vscode.commands.executeCommand("vscode.diff", source, result, `${baseName(source)} ↔ ${baseName(result)}`, { preview: false });
  } catch (err) {
    s.log.error(C, "Could not show the source and the result side by side", err);
  }
}
