/**
 * Grok Imagine: Show Image Details and Grok Imagine: Generate Again. Both read what an image carries
 * about how it was made (its provenance) and take the image as VS Code passes it (Explorer: `uri,
 * uris`; editor title: `uri`; palette: the active image).
 */
import * as vscode from "vscode";
import { formatFromExtension } from "../images/sniff";
import { recordedValues } from "../api";
import type { Provenance } from "../provenance/provenance";
import { checkSources, provenanceOf } from "../workspace/provenance";
import type { Services } from "../services";
import { resolveChecked } from "../workspace/resolve";

const C = "details";

/**
 * The image a command was run on: its argument (a URI or URI string, through the one resolver:
 * inside the workspace, no link out of it), else the image open in the active tab (which the person
 * opened). Undefined when there is none; a string says why the argument is refused.
 */
export async function targetImage(arg: unknown): Promise<vscode.Uri | string | undefined> {
  if (arg instanceof vscode.Uri || (typeof arg === "string" && arg)) {
    const r = await resolveChecked(arg, vscode.l10n.t("The image"), { writing: false });
    return r.ok ? r.uri : r.message;
  }
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  if (input instanceof vscode.TabInputCustom || input instanceof vscode.TabInputText) {
    return formatFromExtension(input.uri.path) ? input.uri : undefined;
  }
  return undefined;
}

async function loadProvenance(s: Services, arg: unknown): Promise<{ uri: vscode.Uri; p: Provenance } | undefined> {
  const uri = await targetImage(arg);
  if (!uri) {
    void s.ui.current.showErrorMessage(vscode.l10n.t("Grok Imagine: open an image, or right-click one in the Explorer, to see how it was made."));
    return undefined;
  }
  if (typeof uri === "string") {
    s.log.warn(C, uri);
    void s.ui.current.showErrorMessage(vscode.l10n.t("Grok Imagine: {0}", uri));
    return undefined;
  }
  let p: Provenance | undefined;
  try {
    p = await provenanceOf(uri);
  } catch (err) {
    s.log.error(C, `Could not read ${uri.toString()}`, err);
    void s.ui.current.showErrorMessage(vscode.l10n.t("Grok Imagine: {0} could not be read.", vscode.workspace.asRelativePath(uri)));
    return undefined;
  }
  if (!p) {
    void s.ui.current.showInformationMessage(vscode.l10n.t("Grok Imagine: {0} carries no Grok Imagine provenance (it was not made by this extension, or metadata was turned off or stripped).", vscode.workspace.asRelativePath(uri)));
    return undefined;
  }
  return { uri, p };
}

/** The recorded parameters the definition lists (the tier read from the endpoint), without the prompt. */
function paramsLine(p: Provenance): string {
  return Object.entries(recordedValues(p.endpoint, p.input, p.kind).values)
    .filter(([k]) => k !== "prompt")
    .map(([k, v]) => `${k} ${String(v)}`)
    .join(", ");
}

export function describeProvenance(p: Provenance): string {
  const prompt = typeof p.input.prompt === "string" ? p.input.prompt : "";
  const lines = [
    vscode.l10n.t("Prompt: {0}", prompt),
    vscode.l10n.t("Revised prompt: {0}", p.revisedPrompt || vscode.l10n.t("(none)")),
    vscode.l10n.t("Parameters: {0}", paramsLine(p)),
    vscode.l10n.t("Endpoint: {0}", p.endpoint),
    vscode.l10n.t("fal request: {0} (image {1})", p.requestId, p.imageIndex + 1),
    vscode.l10n.t("Made: {0} by {1}", p.createDate, p.creatorTool),
  ];
  if (p.sources?.length) lines.push(vscode.l10n.t("Sources: {0}", p.sources.map((x) => `${x.path} (SHA-256 ${x.sha256.slice(0, 12)}…)`).join(", ")));
  return lines.join("\n");
}

export async function showDetails(s: Services, arg?: unknown): Promise<Provenance | undefined> {
  const found = await loadProvenance(s, arg);
  if (!found) return undefined;
  const { uri, p } = found;
  const copy = vscode.l10n.t("Copy Prompt");
  const again = vscode.l10n.t("Generate Again");
  const edit = vscode.l10n.t("Edit This Image");
  const name = vscode.workspace.asRelativePath(uri);
  const title = p.kind === "edit" ? vscode.l10n.t("{0} was made by Grok Imagine (edited)", name) : vscode.l10n.t("{0} was made by Grok Imagine (generated)", name);
  const choice = await s.ui.current.showModal(title, describeProvenance(p), copy, again, edit);
  if (choice === copy) await vscode.env.clipboard.writeText(typeof p.input.prompt === "string" ? p.input.prompt : "");
  if (choice === again) await generateAgain(s, uri);
  if (choice === edit) await vscode.commands.executeCommand("grokImagine.edit", uri, [uri]);
  return p;
}

/**
 * Runs the request that made an image again: same endpoint, prompt and parameters; for edits the
 * same sources, when they still exist unchanged (same SHA-256). New images go beside the old one
 * (generate) or beside the sources (edit). Resolves to the saved files.
 */
export async function generateAgain(s: Services, arg?: unknown): Promise<vscode.Uri[]> {
  const found = await loadProvenance(s, arg);
  if (!found) return [];
  const { uri, p } = found;
  // The recorded fields the definition lists for that operation, and what the endpoint stands for.
  const { operation, values } = recordedValues(p.endpoint, p.input, p.kind);
  if (operation === "generate") {
    s.log.info(C, `Generate Again from ${vscode.workspace.asRelativePath(uri)} (request ${p.requestId}).`);
    const folder = vscode.Uri.joinPath(uri, "..");
    return (await vscode.commands.executeCommand<vscode.Uri[]>("grokImagine.generate", { ...values, folder: folder.toString() })) ?? [];
  }
  // The recorded source paths come from the file (anyone can write them): each goes through the one
  // resolver, relative to the image's workspace folder, before anything is read.
  const folders = vscode.workspace.workspaceFolders ?? [];
  const own = vscode.workspace.getWorkspaceFolder(uri);
  const refused: string[] = [];
  for (const [i, src] of (p.sources ?? []).entries()) {
    const named = folders.length > 1 && folders.some((f) => f.name === src.path.split(/[\\/]/)[0]);
    const r = await resolveChecked(src.path, vscode.l10n.t("Source {0}", i + 1), { writing: false, relativeTo: named || !own ? undefined : own.index });
    if (!r.ok) refused.push(r.message);
  }
  if (refused.length) {
    s.log.warn(C, `Generate Again of ${uri.toString()} refused: ${refused.join(" ")}`);
    void s.ui.current.showErrorMessage(vscode.l10n.t("Grok Imagine: cannot edit again: {0} Edit the current file instead.", refused.join(" ")));
    return [];
  }
  const states = await checkSources(uri, p);
  const bad = states.filter((x) => x.state !== "same");
  if (!states.length || bad.length) {
    const what = bad.map((x) => (x.state === "missing" ? vscode.l10n.t("{0} is missing", x.path) : vscode.l10n.t("{0} is changed since (its SHA-256 differs)", x.path))).join("; ");
    s.log.warn(C, `Generate Again of ${uri.toString()} refused: ${what || "no sources recorded"}.`);
    void s.ui.current.showErrorMessage(vscode.l10n.t("Grok Imagine: cannot edit again: {0}. Restore the source, or edit the current file instead.", what || vscode.l10n.t("the image records no source images")));
    return [];
  }
  s.log.info(C, `Generate Again (edit) from ${vscode.workspace.asRelativePath(uri)} (request ${p.requestId}).`);
  return (await vscode.commands.executeCommand<vscode.Uri[]>("grokImagine.edit", { ...values, images: states.map((x) => x.uri) })) ?? [];
}
