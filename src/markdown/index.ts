/**
 * Images in Markdown documents: Grok Imagine: Generate Image Here and Edit Image Here.
 *
 * Generate Image Here (`grokImagine.generateHere`): the prompt defaults to the selected text; the
 * image is saved where VS Code's own Markdown drop and paste would put a file
 * (`markdown.copyFiles.destination`, destination.ts), else in the output folder; then
 * `![revised prompt](relative/path)` replaces the selection, or goes at the cursor, as one edit.
 * From scripts, `{prompt, …the generate operation's fields}` acts on the active Markdown editor with
 * no UI (the prompt defaults to the selection there too).
 *
 * Edit Image Here (`grokImagine.editHere`): the image link under the cursor is resolved (relative to
 * the document, inside the workspace), edited by the edit command's own pipeline (its prompt and
 * parameters, or `{prompt, …fields}` from scripts), and the result's link goes right after it.
 *
 * The person may go on editing while the job runs: the place they chose is followed through their
 * edits (tracking.ts). If the document was closed meanwhile, it is not reopened to be changed behind
 * their back (it may have been closed without saving, renamed or deleted, and the place no longer
 * means anything): the image is saved, and a message says where, with the link to copy.
 *
 * Every path goes through the one resolver (src/workspace/resolve.ts). The jobs run through the
 * commands' own runners, handed in by extension.ts, so this folder imports no stateful module.
 */
import * as vscode from "vscode";
import { buildRequest, estimate, formatUsd, describeValues } from "../api";
import type { Placement } from "../commands/generate";
import type { SavedItem } from "../jobs/pipeline";
import type { Services } from "../services";
import { extensionForFormat, IMAGE_FORMATS } from "../images/sniff";
import { stemFromPrompt } from "../images/naming";
import { markdownCopyDestination, readSettings } from "../settings";
import { checkedOutputFolder, resolveChecked } from "../workspace/resolve";
import { errorText } from "../format";
import { copyDestination, destinationStem } from "./destination";
import { imageLinkAt, imageLinkFor, linkTarget } from "./links";
import { applyChanges, place, type TrackedPlace } from "./tracking";

export { useTranslator } from "../l10n";

const C = "markdown";

export interface MarkdownDeps {
  readonly s: Services;
  /** The Generate Image command's runner (commands/generate.ts generateItems), with the images' place. */
  readonly generate: (arg: Record<string, unknown>, place?: Placement) => Promise<SavedItem[]>;
  /** The Edit Image command's runner (commands/edit.ts editItems): an image's Uri (asks), or `{prompt, images, …}`. */
  readonly edit: (arg: vscode.Uri | Record<string, unknown>) => Promise<SavedItem[]>;
}

/** The prompt box shows at most this much of the selection (a whole chapter selected is not a prompt). */
const MAX_SELECTION_PROMPT = 4000;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof vscode.Uri);
}


/** Shows a refusal (what to do) and logs it; resolves to no files. */
function refuse(s: Services, text: string): [] {
  s.log.warn(C, text);
  void s.ui.current.showErrorMessage(vscode.l10n.t("Grok Imagine: {0}", text));
  return [];
}

/** The active editor if it shows a Markdown document saved in a workspace folder, else the reason. */
function markdownEditor(command: string): { editor: vscode.TextEditor; folder: vscode.WorkspaceFolder } | string {
  const editor = vscode.window.activeTextEditor;
  if (!editor || editor.document.languageId !== "markdown") return vscode.l10n.t("{0} works in a Markdown editor: open a Markdown file and put the cursor where the image should go.", command);
  const folder = vscode.workspace.getWorkspaceFolder(editor.document.uri);
  if (!folder) return vscode.l10n.t("{0} links the image relative to the document: save {1} inside the workspace first.", command, label(editor.document.uri));
  return { editor, folder };
}

function label(uri: vscode.Uri): string {
  return vscode.workspace.getWorkspaceFolder(uri) ? vscode.workspace.asRelativePath(uri) : uri.path.slice(uri.path.lastIndexOf("/") + 1);
}

// ---------------------------------------------------------------------------------------------
// Following the chosen place

/** The place chosen in a document, followed through its edits until disposed. */
class PlaceTracker implements vscode.Disposable {
  #place: TrackedPlace;
  #closed = false;
  readonly #subs: vscode.Disposable[];

  constructor(readonly document: vscode.TextDocument, start: number, end: number) {
    this.#place = place(start, end);
    this.#subs = [
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.document === document) this.#place = applyChanges(this.#place, e.contentChanges);
      }),
      vscode.workspace.onDidCloseTextDocument((d) => {
        if (d === document) this.#closed = true;
      }),
    ];
  }

  get place(): TrackedPlace {
    return this.#place;
  }

  /** Closed, or no longer in any tab (VS Code keeps a document open a while after its tab is closed). */
  get closed(): boolean {
    if (this.#closed || this.document.isClosed) return true;
    const uri = this.document.uri.toString();
    return !vscode.window.tabGroups.all.some((g) => g.tabs.some((t) => t.input instanceof vscode.TabInputText && t.input.uri.toString() === uri));
  }

  dispose(): void {
    for (const d of this.#subs) d.dispose();
  }
}

/**
 * Puts `text` at the tracked place as one edit (one undo). A closed document is left alone: the
 * person is told where the images are, with the link to copy. Resolves to whether it went in.
 */
async function insertAt(s: Services, tracker: PlaceTracker, text: string, saved: readonly SavedItem[]): Promise<boolean> {
  const doc = tracker.document;
  const name = label(doc.uri);
  if (tracker.closed) {
    const where = saved.map((i) => vscode.workspace.asRelativePath(i.uri)).join(", ");
    s.log.info(C, `${name} was closed while the image was made: the link was not inserted. Saved ${where}.`);
    const copy = vscode.l10n.t("Copy Link");
    const choice = await s.ui.current.showInformationMessage(vscode.l10n.t("Grok Imagine: saved {0}. {1} was closed, so the link was not inserted; copy it to paste it yourself.", where, name), copy);
    if (choice === copy) await vscode.env.clipboard.writeText(text);
    return false;
  }
  const p = tracker.place;
  const range = new vscode.Range(doc.positionAt(p.start), doc.positionAt(p.end));
  const stillThere = vscode.window.visibleTextEditors.filter((e) => e.document === doc && e.selections.length === 1 && e.selection.isEqual(range));
  let ok = false;
  try {
    // Through the editor where the person still is (VS Code's workspace edits are made minimal,
    // which leaves the link selected from its alt text on); else as a workspace edit. One undo each.
    const editor = stillThere[0];
    if (editor) {
      ok = await editor.edit((b) => b.replace(range, text));
    } else {
      const edit = new vscode.WorkspaceEdit();
      edit.replace(doc.uri, range, text);
      ok = await vscode.workspace.applyEdit(edit);
    }
  } catch (err) {
    s.log.error(C, `Could not insert the link into ${name}`, err);
  }
  const at = `line ${range.start.line + 1}, column ${range.start.character + 1}`;
  if (!ok) {
    s.log.warn(C, `The link could not be inserted into ${name} at ${at}: ${text}`);
    const copy = vscode.l10n.t("Copy Link");
    const choice = await s.ui.current.showWarningMessage(vscode.l10n.t("Grok Imagine: the image is saved, but the link could not be inserted into {0}. Copy it to paste it yourself.", name), copy);
    if (choice === copy) await vscode.env.clipboard.writeText(text);
    return false;
  }
  // An editor whose selection was still the chosen place would select the link (or keep the cursor
  // before it): its cursor goes after the link, so that typing on neither replaces it nor lands
  // before it. An editor where the person has moved elsewhere is left alone.
  const end = doc.positionAt(doc.offsetAt(range.start) + text.length);
  for (const e of stillThere) e.selection = new vscode.Selection(end, end);
  const how = p.deleted
    ? " (the text chosen for it was deleted while the image was made, so the link went where it was)"
    : p.touched
      ? " (the text chosen for it was edited while the image was made)"
      : "";
  s.log.info(C, `Link inserted into ${name} at ${at}${how}.`);
  return true;
}

// ---------------------------------------------------------------------------------------------
// Generate Image Here

interface Place {
  readonly folder: vscode.Uri;
  readonly stem: string;
  /** How the folder is named to the person. */
  readonly shown: string;
  /** The markdown.copyFiles.destination entry (its glob) that decided it, if one did. */
  readonly fromSetting?: string;
}

/** Where the image goes: markdown.copyFiles.destination when an entry matches the document, else the output folder. */
async function imagePlace(s: Services, doc: vscode.Uri, folder: vscode.WorkspaceFolder, prompt: string, ext: string): Promise<Place | string> {
  const stem = stemFromPrompt(prompt);
  const dest = copyDestination(markdownCopyDestination(doc), {
    documentPath: doc.path,
    workspaceFolderPath: folder.uri.path,
    workspaceFolderPaths: (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.path),
    fileName: `${stem}${ext}`,
  });
  if (dest.ignored.length) s.log.warn(C, `markdown.copyFiles.destination: ignored ${dest.ignored.join(", ")} (each entry maps a glob to a destination text).`);
  if (dest.kind === "refused") return vscode.l10n.t('markdown.copyFiles.destination "{0}": {1}. Fix the setting, or remove the entry to save in the output folder.', dest.glob, dest.message);
  if (dest.kind === "none") {
    try {
      const out = await checkedOutputFolder(folder, (m) => s.log.warn("output", m));
      return { folder: out, stem, shown: vscode.workspace.asRelativePath(out) };
    } catch (err) {
      return errorText(err);
    }
  }
  const r = await resolveChecked(doc.with({ path: dest.path }), `markdown.copyFiles.destination "${dest.glob}" gives a path that`, { writing: true });
  if (!r.ok) return r.message;
  const target = vscode.Uri.joinPath(r.uri, "..");
  return { folder: target, stem: stemFromPrompt(destinationStem(dest.path)), shown: vscode.workspace.asRelativePath(target), fromSetting: dest.glob };
}

export async function generateHere(deps: MarkdownDeps, arg: unknown): Promise<vscode.Uri[]> {
  const { s } = deps;
  const title = vscode.l10n.t("Generate Image Here");
  const scripted = isPlainObject(arg) ? arg : undefined;
  if (arg !== undefined && !scripted && !(arg instanceof vscode.Uri)) return refuse(s, vscode.l10n.t("Generate Image Here takes an object such as {prompt: \"a lighthouse at dusk\"}."));
  const found = markdownEditor(title);
  if (typeof found === "string") return refuse(s, found);
  const { editor, folder } = found;
  const doc = editor.document;
  const sel = editor.selection;
  // Followed from now: a script's caller, or the person, may go on editing.
  const tracker = new PlaceTracker(doc, doc.offsetAt(sel.start), doc.offsetAt(sel.end));
  try {
    const selected = doc.getText(sel).replace(/\s+/g, " ").trim().slice(0, MAX_SELECTION_PROMPT);
    const settings = readSettings(doc.uri);
    let fields: Record<string, unknown>;
    if (scripted) {
      fields = scripted.prompt === undefined && selected ? { ...scripted, prompt: selected } : { ...scripted };
    } else {
      // One image goes here; its parameters are the settings' (the prompt box says which, and the cost).
      const start = buildRequest("generate", { prompt: selected || "-", num_images: 1 }, settings.parameters);
      if (!start.ok) return refuse(s, start.errors.map((e) => e.message).join(" "));
      const ext = extensionForFormat(IMAGE_FORMATS.find((f) => f === start.value.values["output_format"]) ?? "jpeg");
      const where = await imagePlace(s, doc.uri, folder, selected || "image", ext);
      if (typeof where === "string") return refuse(s, where);
      const cost = formatUsd(estimate(start.value.endpoint, 1, readSettings().prices).usd);
      const prompt = await s.ui.current.showInputBox({
        title: vscode.l10n.t("Grok Imagine: Generate Image Here"),
        value: selected,
        placeHolder: vscode.l10n.t("Describe the image to generate"),
        prompt: sel.isEmpty
          ? vscode.l10n.t("{0} · estimated {1} · saved in {2}, linked at the cursor", describeValues("generate", start.value.values), cost, where.shown)
          : vscode.l10n.t("{0} · estimated {1} · saved in {2}, linked in place of the selection", describeValues("generate", start.value.values), cost, where.shown),
        ignoreFocusOut: true,
      });
      if (!prompt?.trim()) return [];
      fields = { prompt: prompt.trim(), num_images: 1 };
    }
    // The place for the prompt's own file name (the request itself is checked by the generate runner).
    let placement: Placement | undefined;
    if (fields["folder"] === undefined) {
      const built = buildRequest("generate", fields, settings.parameters);
      const format = built.ok ? IMAGE_FORMATS.find((f) => f === built.value.values["output_format"]) : undefined;
      const where = await imagePlace(s, doc.uri, folder, typeof fields["prompt"] === "string" ? fields["prompt"] : "image", extensionForFormat(format ?? "jpeg"));
      if (typeof where === "string") return refuse(s, where);
      // The image is linked in the document: it is not opened over it.
      placement = { folder: where.folder, stem: where.stem, showFirst: () => undefined };
      s.log.info(C, `Generate Image Here in ${label(doc.uri)}: the image goes to ${where.shown} (${where.fromSetting ? `markdown.copyFiles.destination "${where.fromSetting}"` : "the output folder"}).`);
    }
    const saved = await deps.generate(fields, placement);
    if (!saved.length) return [];
    const alt = typeof fields["prompt"] === "string" ? fields["prompt"] : "";
    const links = saved.map((item) => imageLinkFor(doc.uri.path, item.uri.path, item.provenance.revisedPrompt || alt)).join(" ");
    await insertAt(s, tracker, links, saved);
    return saved.map((item) => item.uri);
  } finally {
    tracker.dispose();
  }
}

// ---------------------------------------------------------------------------------------------
// Edit Image Here

function promptOf(item: SavedItem): string {
  const p = item.provenance.input["prompt"];
  return typeof p === "string" ? p : "";
}

export async function editHere(deps: MarkdownDeps, arg: unknown): Promise<vscode.Uri[]> {
  const { s } = deps;
  const title = vscode.l10n.t("Edit Image Here");
  const scripted = isPlainObject(arg) ? arg : undefined;
  if (arg !== undefined && !scripted && !(arg instanceof vscode.Uri)) return refuse(s, vscode.l10n.t("Edit Image Here takes an object such as {prompt: \"make it night\"}."));
  if (scripted && scripted["images"] !== undefined) return refuse(s, vscode.l10n.t("Edit Image Here edits the image linked under the cursor: leave out images (Edit Image takes them)."));
  const found = markdownEditor(title);
  if (typeof found === "string") return refuse(s, found);
  const { editor, folder } = found;
  const doc = editor.document;
  const cursor = editor.selection.active;
  const line = doc.lineAt(cursor.line).text;
  const link = imageLinkAt(line, cursor.character);
  if (!link) return refuse(s, vscode.l10n.t("Put the cursor on a Markdown image link such as ![alt](images/photo.png), then run Edit Image Here again."));
  const target = linkTarget(link.destination, doc.uri.path, folder.uri.path);
  if (target.kind === "empty") return refuse(s, vscode.l10n.t("The image link under the cursor has no destination: give it the image's path, such as ![alt](images/photo.png)."));
  if (target.kind === "remote") {
    return refuse(s, vscode.l10n.t("The image link under the cursor points to a {0} address, not a file in the workspace: save the image into the workspace, link to it, and run Edit Image Here again.", target.scheme === "//" ? "web" : `${target.scheme}:`));
  }
  const r = await resolveChecked(doc.uri.with({ path: target.path }), vscode.l10n.t("The image linked under the cursor,"), { writing: false });
  if (!r.ok) return refuse(s, r.message);
  const tracker = new PlaceTracker(doc, doc.offsetAt(new vscode.Position(cursor.line, link.end)), doc.offsetAt(new vscode.Position(cursor.line, link.end)));
  try {
    s.log.info(C, `Edit Image Here: ${label(r.uri)}, linked in ${label(doc.uri)} at line ${cursor.line + 1}.`);
    const saved = await deps.edit(scripted ? { ...scripted, images: [r.uri] } : r.uri);
    if (!saved.length) return [];
    const links = saved.map((item) => imageLinkFor(doc.uri.path, item.uri.path, item.provenance.revisedPrompt || promptOf(item))).join(" ");
    await insertAt(s, tracker, ` ${links}`, saved);
    return saved.map((item) => item.uri);
  } finally {
    tracker.dispose();
  }
}
