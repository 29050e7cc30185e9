/**
 * An edit request up to what the job pipeline runs, for the edit command (every way it is started)
 * and the agent tool: the source images through the one resolver (inside the workspace, no `.` or
 * `..`, no link out of it), read and checked (not empty, at most 20 MB, a PNG, JPEG or WebP by its
 * bytes) before anything is sent, the problems as sentences naming each file; the folder the results
 * go to; the job (uploads inside it, the sources' paths and SHA-256 in the provenance). Stateless
 * vscode glue.
 */
import * as vscode from "vscode";
import { buildRequest, completeRequest, fieldsOf, type ApiRequest, type FieldError } from "../api";
import { splitEditArgs } from "../edit/args";
import { checkSource, countProblem, sizeProblem, uniqueBy } from "../edit/sources";
import { uploadAll, type SourceImage } from "../edit/upload";
import { GrokError } from "../fal/errors";
import { errorText } from "../format";
import { editStemFromSource } from "../images/naming";
import { extensionForFormat } from "../images/sniff";
import type { JobRequest } from "../jobs/pipeline";
import { sha256Hex } from "../provenance/hash";
import { readSettings, type Settings } from "../settings";
import type { Ui } from "../ui";
import { checkedOutputFolder, resolveChecked } from "../workspace/resolve";
import { chooseOutputFolder } from "../workspace/target";
import { outputFormatOf } from "./format";
import type { PrepareLog } from "./generate";

const C = "edit";
/** Reading more files than this just to name the non-images in a too-big selection is not worth it. */
const MAX_CHECKED = 10;

export interface Source extends SourceImage {
  readonly uri: vscode.Uri;
  /** How the file is named in messages: its workspace-relative path. */
  readonly label: string;
}

export interface Given {
  readonly input: unknown;
  /** How it is named in a message: `images[1]`, or "The image" for a file picked in the UI. */
  readonly what: string;
}

export function isUri(v: unknown): v is vscode.Uri {
  return v instanceof vscode.Uri;
}

export function baseName(uri: vscode.Uri): string {
  return uri.path.slice(uri.path.lastIndexOf("/") + 1);
}

function label(uri: vscode.Uri): string {
  return vscode.workspace.getWorkspaceFolder(uri) ? vscode.workspace.asRelativePath(uri) : uri.scheme === "file" ? uri.fsPath : uri.toString(true);
}

/** The sources, checked, with the scripted parameters (if any) checked alongside: one list of problems. */
export interface CheckedSources {
  readonly first: vscode.Uri | undefined;
  readonly sources: Source[];
  readonly settings: Settings;
  /** The built request of scripted parameters (undefined: none given, or refused). */
  readonly params: ApiRequest | undefined;
  readonly problems: string[];
}

/**
 * Resolves, reads and checks the files `given` names; with `scripted`, builds its parameters (defaults
 * from the settings of the first file's folder) so that one message says every problem.
 */
export async function checkSources(given: readonly Given[], log: PrepareLog, scripted?: { fields: Record<string, unknown>; errors: readonly FieldError[] }): Promise<CheckedSources> {
  const unique = uniqueBy(given, (g) => (isUri(g.input) ? g.input.toString() : String(g.input)));
  const resolved = await resolveSources(unique);
  const refs = uniqueBy(resolved.uris, (u) => u.toString());
  const first = refs[0];
  const settings = readSettings(first);
  let params: ApiRequest | undefined;
  const problems: string[] = [...resolved.problems];
  if (scripted) {
    const built = buildRequest("edit", scripted.fields, settings.parameters);
    for (const w of built.warnings) log.warn("settings", w.message);
    problems.push(...scripted.errors.map((e) => e.message));
    if (built.ok) params = built.value;
    else problems.push(...built.errors.map((e) => e.message));
  }
  const loaded = await loadSources(refs, log, unique.length);
  problems.push(...loaded.problems);
  if (!problems.length && !first) problems.push(countProblem(0) ?? "");
  return { first, sources: loaded.sources, settings, params, problems };
}

/** Where the results of editing `first` go (grokImagine.editOutput); throws with the message to show. */
export async function editFolder(first: vscode.Uri, settings: Settings, log: PrepareLog): Promise<vscode.Uri> {
  if (settings.editOutput !== "outputFolder") return vscode.Uri.joinPath(first, "..");
  const ws = vscode.workspace.getWorkspaceFolder(first);
  // The sources were resolved inside the workspace, so ws is there; the fallback is for the type.
  return ws ? checkedOutputFolder(ws, (m) => log.warn("output", m)) : vscode.Uri.joinPath(first, "..");
}

/** What the pipeline runs: uploads the sources inside the job, then the edit; `showFirst` as JobRequest's. */
export function editJob(p: ApiRequest, sources: readonly Source[], folder: vscode.Uri, showFirst?: (first: vscode.Uri) => void): JobRequest {
  // With several workspace folders the path starts with its folder's name, so it can be found again.
  const multiRoot = (vscode.workspace.workspaceFolders?.length ?? 0) > 1;
  const sourceRefs = sources.map((x) => ({ path: vscode.workspace.asRelativePath(x.uri, multiRoot), sha256: sha256Hex(x.bytes) }));
  // The field that carries the uploaded images (the definition's list of URLs).
  const urlsField = fieldsOf("edit").find((f) => f.type === "urls")?.key ?? "image_urls";
  const first = sources[0];
  return {
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
    prompt: String(p.values["prompt"]),
    outputFormat: outputFormatOf(p),
    folder,
    stem: editStemFromSource(first ? baseName(first.uri) : "image"),
    numbered: true,
    showFirst,
    sources: sourceRefs,
  };
}

export type PreparedEdit =
  | { readonly ok: true; readonly job: JobRequest; readonly request: ApiRequest; readonly sources: readonly Source[]; readonly settings: Settings }
  | { readonly ok: false; readonly problems: string[] };

/**
 * The argument object `{prompt, images, folder, …API fields}` without UI: every problem at once, or
 * the job. `folder` (optional) puts the results there instead of where grokImagine.editOutput says;
 * `showFirst` shows the first source and the first result (the command's comparison).
 */
export async function prepareEdit(ui: Ui, arg: Readonly<Record<string, unknown>>, log: PrepareLog, showFirst?: (source: vscode.Uri, result: vscode.Uri) => void): Promise<PreparedEdit> {
  const { folder: folderArg, ...rest } = arg;
  const split = splitEditArgs(rest, isUri);
  const given = split.images.map((input, i) => ({ input, what: `images[${i}]` }));
  const checked = await checkSources(given, log, { fields: split.fields, errors: split.errors });
  const { first, params } = checked;
  if (checked.problems.length || !first || !params) return { ok: false, problems: checked.problems };
  let folder: vscode.Uri | undefined;
  try {
    const given = !(folderArg === undefined || (typeof folderArg === "string" && !folderArg.trim()));
    folder = given ? await chooseOutputFolder(ui, false, folderArg, (m) => log.warn("output", m)) : await editFolder(first, checked.settings, log);
  } catch (err) {
    return { ok: false, problems: [errorText(err)] };
  }
  if (!folder) return { ok: false, problems: [vscode.l10n.t('"folder" must be a workspace folder\'s name, or a folder inside the workspace.')] };
  const show = showFirst && checked.settings.showComparison ? (result: vscode.Uri) => showFirst(first, result) : undefined;
  return { ok: true, job: editJob(params, checked.sources, folder, show), request: params, sources: checked.sources, settings: checked.settings };
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
async function loadSources(refs: readonly vscode.Uri[], log: PrepareLog, givenCount: number): Promise<{ sources: Source[]; problems: string[] }> {
  const problems: string[] = [];
  // Paths the resolver refused have their own message; the count is of the files given.
  const count = givenCount > MAX_CHECKED ? givenCount : refs.length;
  const tooMany = count === 0 && givenCount > 0 ? undefined : countProblem(count);
  if (tooMany) problems.push(tooMany);
  if (refs.length > MAX_CHECKED) return { sources: [], problems };
  const results = await Promise.all(refs.map((uri) => loadSource(uri, log)));
  const sources: Source[] = [];
  for (const r of results) {
    if (typeof r === "string") problems.push(r);
    else sources.push(r);
  }
  return { sources, problems };
}

async function loadSource(uri: vscode.Uri, log: PrepareLog): Promise<Source | string> {
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
  if (checked.warning) log.warn(C, `${checked.warning} It is sent anyway.`);
  return { uri, label: name, fileName: baseName(uri), bytes, format: checked.format };
}
