/**
 * Grok Imagine: Show Image Details and Grok Imagine: Generate Again. Both read what an image carries
 * about how it was made (its provenance) and take the image as VS Code passes it (Explorer: `uri,
 * uris`; editor title: `uri`; palette: the active image).
 */
import * as vscode from "vscode";
import { formatFromExtension } from "../images/sniff";
import { ENDPOINTS, GENERATE_FIELDS } from "../model/params";
import type { Provenance } from "../provenance/provenance";
import { checkSources, provenanceOf } from "../workspace/provenance";
import type { Services } from "../services";

const C = "details";

/** The image a command was run on: its argument, else the image open in the active tab. */
export function targetImage(arg: unknown): vscode.Uri | undefined {
  if (arg instanceof vscode.Uri) return arg;
  if (typeof arg === "string" && arg) return /^[a-z][a-z0-9+.-]+:/i.test(arg) ? vscode.Uri.parse(arg) : undefined;
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  if (input instanceof vscode.TabInputCustom || input instanceof vscode.TabInputText) {
    return formatFromExtension(input.uri.path) ? input.uri : undefined;
  }
  return undefined;
}

async function loadProvenance(s: Services, arg: unknown): Promise<{ uri: vscode.Uri; p: Provenance } | undefined> {
  const uri = targetImage(arg);
  if (!uri) {
    void s.ui.current.showErrorMessage("Grok Imagine: open an image, or right-click one in the Explorer, to see how it was made.");
    return undefined;
  }
  let p: Provenance | undefined;
  try {
    p = await provenanceOf(uri);
  } catch (err) {
    s.log.error(C, `Could not read ${uri.toString()}`, err);
    void s.ui.current.showErrorMessage(`Grok Imagine: ${vscode.workspace.asRelativePath(uri)} could not be read.`);
    return undefined;
  }
  if (!p) {
    void s.ui.current.showInformationMessage(`Grok Imagine: ${vscode.workspace.asRelativePath(uri)} carries no Grok Imagine provenance (it was not made by this extension, or metadata was turned off or stripped).`);
    return undefined;
  }
  return { uri, p };
}

function paramsLine(input: Record<string, unknown>): string {
  return Object.entries(input)
    .filter(([k]) => k !== "prompt")
    .map(([k, v]) => `${k} ${typeof v === "string" ? v : JSON.stringify(v)}`)
    .join(", ");
}

export function describeProvenance(p: Provenance): string {
  const prompt = typeof p.input.prompt === "string" ? p.input.prompt : "";
  const lines = [
    `Prompt: ${prompt}`,
    `Revised prompt: ${p.revisedPrompt || "(none)"}`,
    `Parameters: ${paramsLine(p.input)}`,
    `Endpoint: ${p.endpoint}`,
    `fal request: ${p.requestId} (image ${p.imageIndex + 1})`,
    `Made: ${p.createDate} by ${p.creatorTool}`,
  ];
  if (p.sources?.length) lines.push(`Sources: ${p.sources.map((x) => `${x.path} (SHA-256 ${x.sha256.slice(0, 12)}…)`).join(", ")}`);
  return lines.join("\n");
}

export async function showDetails(s: Services, arg?: unknown): Promise<Provenance | undefined> {
  const found = await loadProvenance(s, arg);
  if (!found) return undefined;
  const { uri, p } = found;
  const copy = "Copy Prompt";
  const again = "Generate Again";
  const edit = "Edit This Image";
  const choice = await s.ui.current.showModal(`${vscode.workspace.asRelativePath(uri)} was made by Grok Imagine (${p.kind === "edit" ? "edited" : "generated"})`, describeProvenance(p), copy, again, edit);
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
  const pick = (keys: readonly string[]) => Object.fromEntries(Object.entries(p.input).filter(([k]) => keys.includes(k)));
  if (p.kind === "generate" || p.endpoint === ENDPOINTS.generate) {
    s.log.info(C, `Generate Again from ${vscode.workspace.asRelativePath(uri)} (request ${p.requestId}).`);
    const folder = vscode.Uri.joinPath(uri, "..");
    return (await vscode.commands.executeCommand<vscode.Uri[]>("grokImagine.generate", { ...pick(GENERATE_FIELDS), folder: folder.toString() })) ?? [];
  }
  const states = await checkSources(uri, p);
  const bad = states.filter((x) => x.state !== "same");
  if (!states.length || bad.length) {
    const what = bad.map((x) => `${x.path} is ${x.state === "missing" ? "missing" : "changed since (its SHA-256 differs)"}`).join("; ");
    s.log.warn(C, `Generate Again of ${uri.toString()} refused: ${what || "no sources recorded"}.`);
    void s.ui.current.showErrorMessage(`Grok Imagine: cannot edit again: ${what || "the image records no source images"}. Restore the source, or edit the current file instead.`);
    return [];
  }
  s.log.info(C, `Generate Again (edit) from ${vscode.workspace.asRelativePath(uri)} (request ${p.requestId}).`);
  const params = pick(["prompt", "num_images", "resolution", "output_format", "sync_mode"]);
  return (await vscode.commands.executeCommand<vscode.Uri[]>("grokImagine.edit", { ...params, images: states.map((x) => x.uri) })) ?? [];
}
