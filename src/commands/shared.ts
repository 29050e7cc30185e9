/**
 * What the generate and edit commands share: recent prompts, and refusing a request before it is sent.
 */
import * as vscode from "vscode";
import { estimate, formatUsd, type ApiRequest } from "../api";
import { readSettings } from "../settings";
import type { Services } from "../services";

const RECENT_KEYS = { generate: "grokImagine.recentPrompts", edit: "grokImagine.recentEditPrompts" } as const;
const MAX_RECENT = 20;

export type PromptKind = keyof typeof RECENT_KEYS;

/** The prompts used lately for this kind of request, newest first. */
export function recentPrompts(s: Services, kind: PromptKind): string[] {
  return s.context.globalState.get<string[]>(RECENT_KEYS[kind], []);
}

/** Puts a prompt at the top of the recent ones, in the background (a failure is only logged). */
export function rememberPrompt(s: Services, kind: PromptKind, prompt: string): void {
  const recent = recentPrompts(s, kind).filter((p) => p !== prompt);
  void s.context.globalState
    .update(RECENT_KEYS[kind], [prompt, ...recent].slice(0, MAX_RECENT))
    .then(undefined, (err: unknown) => s.log.error(kind, "Could not remember the prompt", err));
}

/** Shows every problem of a request in one message and logs it; nothing is sent. Resolves to no files. */
export function refuse(s: Services, kind: PromptKind, problems: readonly string[]): [] {
  const text = problems.join(" ");
  s.log.warn(kind, `${kind === "edit" ? "Edit" : "Generate"} request not sent: ${text}`);
  void s.ui.current.showErrorMessage(vscode.l10n.t("Grok Imagine: {0}", text));
  return [];
}

/** How many images a request asks for (num_images; one when it names none). */
export function imagesOf(req: ApiRequest): number {
  const n = Number(req.values["num_images"] ?? 1);
  return Number.isInteger(n) && n > 0 ? n : 1;
}

/** "Estimated cost: $0.08 (4 images)", or "… price unknown …", at the list price or grokImagine.prices. */
export function estimateText(req: ApiRequest): string {
  const images = imagesOf(req);
  const e = estimate(req.endpoint, images, readSettings().prices);
  return images === 1
    ? vscode.l10n.t("Estimated cost: {0} (1 image)", formatUsd(e.usd))
    : vscode.l10n.t("Estimated cost: {0} ({1} images)", formatUsd(e.usd), images);
}
