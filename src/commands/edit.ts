/**
 * Grok Imagine: Edit Image. Edits one to three workspace images with a prompt, through
 * `xai/grok-imagine-image/edit`.
 *
 * Where the images come from:
 * - the Explorer's context menu and the image preview's title bar: VS Code passes `(uri, uris)`, the
 *   clicked file and the whole selection; the clicked file goes first (it names the results);
 * - the palette (no argument): a multi-select picker of the workspace's images, the open image first
 *   and checked;
 * - scripts, keybindings and tests: an argument object `{prompt, images, num_images, resolution,
 *   output_format, sync_mode}` (see edit/args.ts), no UI.
 *
 * Every file is read through workspace.fs and checked (inside the workspace, not empty, at most
 * 20 MB, a PNG, JPEG or WebP by its bytes) before anything is sent; the problems are shown in one
 * message. The job itself (uploads, submit, progress, cancel, download, verify, save, errors) is the
 * JobManager's. The results go beside the first source (`photo-edit-1.png`, …) or, with
 * `grokImagine.editOutput: outputFolder`, to the output folder; then the first source and the first
 * result are shown side by side (`grokImagine.showComparison`). Resolves to the saved files.
 */
import * as vscode from "vscode";
import { splitEditArgs, parseImageRef, type ImageRef } from "../edit/args";
import { checkSource, countProblem, listNames, sizeProblem, uniqueBy } from "../edit/sources";
import { uploadAll, type SourceImage } from "../edit/upload";
import { GrokError } from "../fal/errors";
import { editStemFromSource } from "../images/naming";
import { extensionForFormat } from "../images/sniff";
import type { JobManager } from "../jobs/manager";
import { ENDPOINTS, MAX_EDIT_IMAGES, type EditParams, type FieldError } from "../model/params";
import { buildEditRequest, describeInput, withImageUrls } from "../model/request";
import { sha256Hex } from "../provenance/hash";
import type { Services } from "../services";
import { readSettings, type Settings } from "../settings";
import { outputFolderFor } from "../workspace/target";
import { defaultsFrom } from "./generate";
import { recentPrompts, refuse, rememberPrompt } from "./shared";

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

export async function edit(s: Services, jobs: JobManager, arg?: unknown, uris?: unknown): Promise<vscode.Uri[]> {
  // 1. Which files, and (for scripts) which parameters.
  let refs: vscode.Uri[];
  let scripted: { fields: Record<string, unknown>; errors: FieldError[] } | undefined;
  if (isUri(arg)) {
    const selection = Array.isArray(uris) ? uris.filter(isUri) : [];
    refs = [arg, ...selection];
  } else if (isPlainObject(arg)) {
    const split = splitEditArgs(arg, isUri);
    refs = split.images.map(resolveRef);
    scripted = { fields: split.fields, errors: split.errors };
  } else if (arg === undefined) {
    const picked = await pickImages(s);
    if (!picked) return [];
    refs = picked;
  } else {
    return refuse(s, "edit", ["Edit Image takes an image's URI, or an object such as {prompt, images: [\"photo.png\"]}."]);
  }
  refs = uniqueBy(refs, (u) => u.toString());

  // 2. The parameters of a scripted request are checked with the files, so one message says it all.
  const first = refs[0];
  const settings = readSettings(first);
  let params: EditParams | undefined;
  const problems: string[] = [];
  if (scripted) {
    const built = buildEditRequest(scripted.fields, defaultsFrom(settings));
    for (const w of built.warnings) s.log.warn("settings", w.message);
    problems.push(...scripted.errors.map((e) => e.message));
    if (built.ok) params = built.value;
    else problems.push(...built.errors.map((e) => e.message));
  }

  // 3. The files, read and checked before anything is sent.
  const loaded = await loadSources(refs, s);
  problems.push(...loaded.problems);
  if (problems.length || !first) return refuse(s, "edit", problems.length ? problems : [countProblem(0) ?? ""]);
  const sources = loaded.sources;

  // 4. Where the results go; the prompt, for the person.
  const folder = settings.editOutput === "outputFolder" ? outputFolderForSource(first, s) : vscode.Uri.joinPath(first, "..");
  if (!params) {
    const where = settings.editOutput === "outputFolder" ? `in ${vscode.workspace.asRelativePath(folder)}` : `beside ${baseName(first)}`;
    const prompt = await askPrompt(s, sources, settings, where);
    if (!prompt) return [];
    const built = buildEditRequest({ prompt }, defaultsFrom(settings));
    for (const w of built.warnings) s.log.warn("settings", w.message);
    if (!built.ok) return refuse(s, "edit", built.errors.map((e) => e.message));
    params = built.value;
  }
  rememberPrompt(s, "edit", params.prompt);

  // 5. The job. The sources (path in their workspace folder, SHA-256) go into the results' provenance.
  const p = params;
  // With several workspace folders the path starts with its folder's name, so it can be found again.
  const multiRoot = (vscode.workspace.workspaceFolders?.length ?? 0) > 1;
  const sourceRefs = await Promise.all(sources.map(async (x) => ({ path: vscode.workspace.asRelativePath(x.uri, multiRoot), sha256: await sha256Hex(x.bytes) })));
  s.log.info(C, `Editing ${listNames(sources.map((x) => x.label))} (${describeInput(p)}), results in ${vscode.workspace.asRelativePath(folder)}.`);
  return jobs.run({
    kind: "edit",
    endpoint: ENDPOINTS.edit,
    input: async (signal, fal) => {
      // Neutral names: the person's file names would otherwise be in public URLs and fal's history.
      const named = sources.map((x, i) => ({ ...x, fileName: `image-${i + 1}${extensionForFormat(x.format)}` }));
      const urls = await uploadAll(named, (bytes, mime, name, sig) => fal.upload(bytes, mime, name, sig), signal);
      const body = withImageUrls(p, urls);
      if (!body.ok) throw new GrokError("failed", "The uploaded images could not be put in the request. Retry.", body.errors.map((e) => e.message).join(" "));
      return body.value;
    },
    prompt: p.prompt,
    outputFormat: p.output_format,
    folder,
    stem: editStemFromSource(baseName(first)),
    numbered: true,
    showFirst: settings.showComparison ? (result) => void showComparison(s, first, result) : undefined,
    sources: sourceRefs,
  });
}

function outputFolderForSource(source: vscode.Uri, s: Services): vscode.Uri {
  const ws = vscode.workspace.getWorkspaceFolder(source);
  // loadSources refused files outside the workspace, so ws is there; the fallback is for the type.
  return ws ? outputFolderFor(ws.uri, (m) => s.log.warn("output", m)) : vscode.Uri.joinPath(source, "..");
}

/** A string from the argument object as a URI (see edit/args.ts); checked to be inside the workspace later. */
function resolveRef(ref: ImageRef<vscode.Uri>): vscode.Uri {
  if (isUri(ref)) return ref;
  const parsed = parseImageRef(ref);
  const folders = vscode.workspace.workspaceFolders ?? [];
  const root = folders[0]?.uri;
  switch (parsed.kind) {
    case "uri":
      return vscode.Uri.parse(ref, true);
    case "absolute":
      return !root || root.scheme === "file" ? vscode.Uri.file(parsed.path) : root.with({ path: parsed.path.replace(/\\/g, "/") });
    case "relative": {
      const [head, ...rest] = parsed.segments;
      const named = folders.length > 1 ? folders.find((f) => f.name === head) : undefined;
      if (named) return vscode.Uri.joinPath(named.uri, ...rest);
      return root ? vscode.Uri.joinPath(root, ...parsed.segments) : vscode.Uri.file(ref);
    }
  }
}

/** Reads and checks the files; problems are sentences naming the file. */
async function loadSources(refs: readonly vscode.Uri[], s: Services): Promise<{ sources: Source[]; problems: string[] }> {
  const problems: string[] = [];
  const tooMany = countProblem(refs.length);
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
  if (!vscode.workspace.getWorkspaceFolder(uri)) {
    return `${name} is outside the workspace: only images in the open folder${(vscode.workspace.workspaceFolders?.length ?? 0) > 1 ? "s" : ""} can be edited.`;
  }
  let stat: vscode.FileStat;
  try {
    stat = await vscode.workspace.fs.stat(uri);
  } catch {
    return `${name} does not exist.`;
  }
  if (stat.type & vscode.FileType.Directory) return `${name} is a folder, not an image.`;
  const bySize = sizeProblem(name, stat.size);
  if (bySize) return bySize;
  let bytes: Uint8Array;
  try {
    bytes = await vscode.workspace.fs.readFile(uri);
  } catch (err) {
    return `${name} could not be read (${err instanceof Error ? err.message : String(err)}).`;
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
    void s.ui.current.showInformationMessage("Grok Imagine: there are no PNG, JPEG or WebP images in this workspace to edit. Add one, or right-click an image in the Explorer.");
    return undefined;
  }
  let checked = new Set(active ? [active.toString()] : []);
  let title = `Grok Imagine: Edit which images? (one to three)`;
  for (;;) {
    const items: ImageItem[] = all.map((uri) => {
      const rel = vscode.workspace.asRelativePath(uri);
      const dir = rel.includes("/") ? rel.slice(0, rel.lastIndexOf("/")) : "";
      return { label: baseName(uri), description: uri.toString() === active?.toString() ? `${dir ? dir + " · " : ""}open in the editor` : dir, uri, picked: checked.has(uri.toString()) };
    });
    const picked = await s.ui.current.showQuickPickMany(items, { title, placeHolder: "Check the images to edit, then press Enter", ignoreFocusOut: true, matchOnDescription: true });
    if (!picked?.length) return undefined;
    if (picked.length <= MAX_EDIT_IMAGES) return picked.map((p) => p.uri);
    checked = new Set(picked.map((p) => p.uri.toString()));
    title = `Grok Imagine: Check at most three images (${picked.length} are checked)`;
  }
}

/** The prompt box names the images in its title, and says what will be made and where. */
async function askPrompt(s: Services, sources: readonly Source[], settings: Settings, where: string): Promise<string | undefined> {
  const shape = buildEditRequest({ prompt: "x" }, defaultsFrom(settings));
  const n = shape.ok ? shape.value.num_images : 1;
  const what = shape.ok ? `${n} result${n === 1 ? "" : "s"}, ${shape.value.resolution} ${shape.value.output_format}, ${where}` : where;
  return s.ui.current.askText({
    title: `Grok Imagine: Edit ${listNames(sources.map((x) => x.fileName))}`,
    placeholder: `Describe the change (Enter to edit · ${what})`,
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
