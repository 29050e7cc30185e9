/**
 * Grok Imagine: Generate from Prompts File. From the palette (a prompts file picked) or the
 * Explorer's context menu: the file is read and every line validated before anything is sent; the
 * person sees the count, the images in all and the estimated cost, and confirms (or sees the bad
 * lines, with their line numbers). From scripts: the file's Uri, or `{file, concurrency}`: nothing is
 * asked, lines an earlier run already did are skipped, and the command resolves to the results
 * file's Uri when the batch ends (undefined when nothing was sent).
 */
import { randomBytes } from "node:crypto";
import * as vscode from "vscode";
import { formatUsd, sumEstimates } from "../api";
import type { Services } from "../services";
import { readSettings } from "../settings";
import { checkedOutputFolder, resolveChecked } from "../workspace/resolve";
import { formatOf, MAX_FILE_BYTES } from "./parse";
import { planBatch, problemLines } from "./plan";
import { countDone, doneInResults, startStates } from "./results";
import { readResults } from "./resultsFile";
import type { Batches } from "./runner";
import { concurrencyOf, type StoredBatch, type StoredLine } from "./state";

const C = "batch";
/** Prompts files offered by the palette's pick (the workspace's first ones found). */
const MAX_FILES_OFFERED = 200;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof vscode.Uri);
}

function refuse(s: Services, text: string, buttons: string[] = []): undefined {
  s.log.warn(C, text);
  Promise.resolve(s.ui.current.showErrorMessage(vscode.l10n.t("Grok Imagine: {0}", text), ...buttons)).then(
    (choice) => {
      if (choice === vscode.l10n.t("Show Log")) s.log.show();
    },
    (err: unknown) => s.log.error(C, "Could not show a message", err),
  );
  return undefined;
}

async function pickFile(s: Services): Promise<vscode.Uri | undefined> {
  const active = vscode.window.activeTextEditor?.document.uri;
  const files = await vscode.workspace.findFiles("**/*.{txt,jsonl,csv}", "**/{node_modules,.git}/**", MAX_FILES_OFFERED);
  const items = files
    .filter((u) => !u.path.endsWith(".results.jsonl"))
    .sort((a, b) => (a.toString() === active?.toString() ? -1 : b.toString() === active?.toString() ? 1 : a.path.localeCompare(b.path)))
    .map((uri) => ({ label: vscode.workspace.asRelativePath(uri), uri }));
  if (!items.length) {
    void s.ui.current.showInformationMessage(vscode.l10n.t("Grok Imagine: no prompts file (.txt, .jsonl or .csv) in the workspace. Write one prompt per line in a .txt file, then run this again."));
    return undefined;
  }
  const picked = await s.ui.current.showQuickPick(items, { title: vscode.l10n.t("Grok Imagine: Generate from Prompts File"), placeHolder: vscode.l10n.t("The prompts file (one request per line)") });
  return picked?.uri;
}

export async function generateFromFile(s: Services, batches: Batches, arg?: unknown, uris?: unknown): Promise<vscode.Uri | undefined> {
  // The Explorer passes (uri, selected uris); a script passes a Uri alone or {file, concurrency}.
  const interactive = arg === undefined || Array.isArray(uris);
  let fileArg: unknown = arg;
  let concurrencyArg: unknown;
  if (isPlainObject(arg)) {
    fileArg = arg.file;
    concurrencyArg = arg.concurrency;
  }
  if (fileArg === undefined) {
    if (!interactive) return refuse(s, vscode.l10n.t("Generate from Prompts File needs a file: pass its Uri, or {file, concurrency}."));
    fileArg = await pickFile(s);
    if (!fileArg) return undefined;
  }
  const resolved = await resolveChecked(fileArg, vscode.l10n.t("The prompts file"), { writing: false });
  if (!resolved.ok) return refuse(s, resolved.message);
  const file = resolved.uri;
  const format = formatOf(file.path);
  if (!format) return refuse(s, vscode.l10n.t("{0} is not a prompts file: use a .txt (one prompt per line), .jsonl or .csv file.", vscode.workspace.asRelativePath(file)));
  const name = vscode.workspace.asRelativePath(file);
  if (batches.runningFor(file)) return refuse(s, vscode.l10n.t("A batch of {0} is running already: wait for it, or cancel it first.", name));
  const results = vscode.Uri.joinPath(file, "..", `${file.path.slice(file.path.lastIndexOf("/") + 1)}.results.jsonl`);
  const resultsOk = await resolveChecked(results, vscode.l10n.t("The results file"), { writing: true });
  if (!resultsOk.ok) return refuse(s, resultsOk.message);

  const conf = vscode.workspace.getConfiguration("grokImagine");
  const concurrency = concurrencyOf(concurrencyArg ?? conf.get<unknown>("batchConcurrency"));
  if (concurrency.problem) {
    if (concurrencyArg !== undefined) return refuse(s, concurrency.problem.replace("grokImagine.batchConcurrency", "concurrency"));
    s.log.warn("settings", concurrency.problem);
  }

  let text: string;
  try {
    const stat = await vscode.workspace.fs.stat(file);
    if (stat.size > MAX_FILE_BYTES) return refuse(s, vscode.l10n.t("{0} is larger than {1} MB: split it into smaller prompts files.", name, MAX_FILE_BYTES / (1024 * 1024)));
    text = new TextDecoder().decode(await vscode.workspace.fs.readFile(file));
  } catch (err) {
    return refuse(s, vscode.l10n.t("Could not read {0}: {1}", name, err instanceof Error ? err.message : String(err)));
  }
  // The one reader of the settings (spend logs the price entries it ignores).
  const settings = readSettings();
  const plan = planBatch(format, text, settings.parameters, settings.prices);
  if (plan.problems.length) {
    const listed = problemLines(plan.problems);
    s.log.warn(C, `${name}: ${plan.problems.length} bad line(s), nothing was sent:\n  ${listed.join("\n  ")}`);
    return refuse(s, vscode.l10n.t("{0} has {1} bad line(s), so nothing was sent. {2} Fix them and run it again.", name, plan.problems.length, listed.slice(0, 3).join("; ")), [vscode.l10n.t("Show Log")]);
  }

  // Where each line's images go: its own folder, else the output folder of the prompts file's workspace folder.
  let defaultFolder: vscode.Uri;
  try {
    defaultFolder = await checkedOutputFolder(resolved.folder, (m) => s.log.warn("output", m));
  } catch (err) {
    return refuse(s, err instanceof Error ? err.message : String(err));
  }
  const folders = new Map<string, string>();
  for (const f of new Set(plan.lines.map((l) => l.folder).filter((f): f is string => f !== undefined))) {
    const r = await resolveChecked(f, vscode.l10n.t("folder"), { writing: true, relativeTo: resolved.folder.index });
    if (!r.ok) return refuse(s, vscode.l10n.t("{0}: {1} Nothing was sent.", name, r.message));
    folders.set(f, r.uri.toString());
  }
  const lines: StoredLine[] = plan.lines.map((l) => ({ ...l, folderUri: l.folder !== undefined ? (folders.get(l.folder) ?? defaultFolder.toString()) : defaultFolder.toString() }));

  const earlier = doneInResults(await readResults(results));
  const already = countDone(plan.lines, earlier);
  let skipDone = already > 0;
  if (interactive) {
    const todo = (skip: boolean) => plan.lines.filter((l) => !(skip && earlier.has(l.key)));
    const describe = (skip: boolean) => {
      const t = sumEstimates(todo(skip).map((l) => ({ images: l.images, usd: l.usd })));
      return vscode.l10n.t("{0} requests, {1} images in all, estimated {2}.", todo(skip).length, t.images, formatUsd(t.usd));
    };
    const go = vscode.l10n.t("Generate");
    const onlyRest = vscode.l10n.t("Only the {0} Not Done", plan.lines.length - already);
    const all = vscode.l10n.t("All {0} Again", plan.lines.length);
    const detail = already
      ? vscode.l10n.t("An earlier run already saved {0} of its {1} lines (see its .results.jsonl). The rest: {2} All of them: {3} {4} at a time.", already, plan.lines.length, describe(true), describe(false), concurrency.value)
      : vscode.l10n.t("{0} {1} at a time; the results go to {2}.", describe(false), concurrency.value, vscode.workspace.asRelativePath(results));
    if (already === plan.lines.length) {
      const again = await s.ui.current.showModal(vscode.l10n.t("Every line of {0} was done by an earlier run.", name), detail, all);
      if (again !== all) return undefined;
      skipDone = false;
    } else {
      const choice = already ? await s.ui.current.showModal(vscode.l10n.t("Generate from {0}?", name), detail, onlyRest, all) : await s.ui.current.showModal(vscode.l10n.t("Generate from {0}?", name), detail, go);
      if (choice === undefined) return undefined;
      skipDone = choice === onlyRest;
    }
  } else if (already === plan.lines.length) {
    s.log.info(C, `${name}: every line was done by an earlier run; nothing sent.`);
    return results;
  }

  const key = await s.keys.require();
  if (!key) return undefined;
  const states = startStates(plan.lines, earlier, skipDone);
  const batch: StoredBatch = { id: `${Date.now().toString(36)}-${randomBytes(4).toString("hex")}`, file: file.toString(), results: results.toString(), concurrency: concurrency.value, createdAt: Date.now(), lines };
  const sending = states.filter((st) => st.status === "pending").length;
  s.log.info(C, `${name}: sending ${sending} of ${lines.length} requests, ${concurrency.value} at a time (estimated ${formatUsd(sumEstimates(lines.filter((_, i) => states[i].status === "pending").map((l) => ({ images: l.images, usd: l.usd }))).usd)}).`);
  const end = await batches.start(batch, states);
  return end === "suspended" ? undefined : results;
}
