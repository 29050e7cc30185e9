/**
 * What the agent tools say: the confirmation the person reads before anything is sent (in the display
 * language, through src/l10n.ts), and the text the model reads back (English: it is the model's
 * input, not the person's): the saved files, the revised prompt, a Markdown link
 * to embed each one, or what stopped the request and what to change. Pure module: strings only.
 */
import { formatUsd } from "../api/price";
import { markdownAlt, markdownImageLink } from "../gallery/markdown";
import * as l10n from "../l10n";

/** A prompt longer than this is cut in the confirmation (the whole of it is sent). */
export const MAX_SHOWN_PROMPT = 300;

export interface Confirmation {
  readonly operation: "generate" | "edit";
  readonly prompt: string;
  readonly images: number;
  readonly tier: string;
  /** US dollars for the whole request, or null when unknown. */
  readonly usd: number | null;
  /** Workspace-relative folder the files go to ("" for the workspace folder itself). */
  readonly folder: string;
  /** For edits: the sources, workspace-relative. */
  readonly sources?: readonly string[];
}

function shownPrompt(prompt: string): string {
  return markdownAlt(prompt.length > MAX_SHOWN_PROMPT ? `${prompt.slice(0, MAX_SHOWN_PROMPT)}…` : prompt);
}

/** A workspace-relative path as Markdown code, whatever characters it holds. */
function codePath(path: string): string {
  const p = (path || ".").replace(/[\r\n]/g, " ");
  const ticks = "`".repeat(Math.max(0, ...Array.from(p.matchAll(/`+/g), (m) => m[0].length)) + 1);
  return `${ticks}${ticks.length > 1 ? " " : ""}${p}${ticks.length > 1 ? " " : ""}${ticks}`;
}

/** The title and Markdown body of the confirmation shown before a tool sends anything. */
export function confirmationText(c: Confirmation): { title: string; message: string } {
  const title = c.operation === "edit" ? l10n.t("Edit images with Grok Imagine?") : l10n.t("Generate images with Grok Imagine?");
  const lines = [
    l10n.t("**Prompt:** {0}", shownPrompt(c.prompt)),
    ...(c.sources?.length ? [l10n.t("**Images to edit:** {0}", c.sources.map(codePath).join(", "))] : []),
    l10n.t("**Images:** {0} · **Tier:** {1}", c.images, c.tier),
    l10n.t("**Estimated cost:** {0} (charged to your fal account)", c.usd === null ? l10n.t("price unknown") : formatUsd(c.usd)),
    l10n.t("**Saved in:** {0}", codePath(c.folder)),
  ];
  return { title, message: lines.join("  \n") };
}

/** The progress line while a tool runs. */
export function invocationText(c: Pick<Confirmation, "operation" | "images">): string {
  if (c.operation === "edit") return c.images === 1 ? l10n.t("Editing with Grok Imagine…") : l10n.t("Editing with Grok Imagine ({0} images)…", c.images);
  return c.images === 1 ? l10n.t("Generating an image with Grok Imagine…") : l10n.t("Generating {0} images with Grok Imagine…", c.images);
}

export interface SavedFile {
  /** Workspace-relative path. */
  readonly path: string;
  readonly revisedPrompt: string;
  /** Where its provenance went (the pipeline's SavedItem.written). */
  readonly written: "embedded" | "sidecar" | "none";
}

const PROVENANCE: Record<SavedFile["written"], string> = {
  embedded: "recorded in the file (XMP)",
  sidecar: "recorded in a .xmp file beside it",
  none: "not recorded (grokImagine.embedMetadata is off, or the file could not carry it)",
};

/**
 * What the model reads after the files are saved: one part that sums up, then one per file with its
 * path, its revised prompt and a Markdown image link (path relative to the workspace folder).
 */
export function savedText(tool: string, prompt: string, files: readonly SavedFile[], note?: string): string[] {
  const n = files.length;
  const head = [
    `${tool}: saved ${n === 1 ? "1 image" : `${n} images`} in the workspace.`,
    "Each path below is relative to the workspace folder. To show an image in a Markdown file, use the link given, with the path made relative to that Markdown file.",
    ...(note ? [note] : []),
  ].join("\n");
  return [
    head,
    ...files.map((f, i) =>
      [
        `Image ${i + 1}: ${f.path}`,
        `Revised prompt (what the model drew): ${JSON.stringify(f.revisedPrompt || prompt)}`,
        `Markdown: ${markdownImageLink(f.revisedPrompt, f.path, prompt || fileName(f.path))}`,
        `Provenance (prompt, parameters, fal request id): ${PROVENANCE[f.written]}.`,
      ].join("\n"),
    ),
  ];
}

function fileName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/** The request was refused before anything was sent: every problem, and that the call can be repeated. */
export function refusedText(tool: string, problems: readonly string[]): string {
  return [
    `${tool} did not run: nothing was sent and no file was written.`,
    ...problems.map((p) => `- ${p}`),
    `Change the input as described and call ${tool} again.`,
  ].join("\n");
}

/** fal or the pipeline ended the request: fal's reason (already a sentence that says what to do). */
export function failedText(tool: string, kind: string, message: string): string {
  const what =
    kind === "contentPolicy"
      ? "Rephrase the prompt (leave out what the content policy refuses), then call it again."
      : kind === "validation"
        ? "Change the field named above, then call it again."
        : kind === "auth"
          ? "Ask the person to set a valid fal API key with the command \"Grok Imagine: Set API Key\"; do not retry before that."
          : kind === "settings"
            ? "Ask the person to fix the setting named above; do not retry before that."
            : "Tell the person; they can retry from the notification or with \"Grok Imagine: Retry Saving Unsaved Images\" when a result was kept.";
  return `${tool} did not save an image: ${message}\n${what}`;
}

/** No fal key is set: the tool never asks for one itself (a prompt would stall the agent). */
export function noKeyText(tool: string): string {
  return `${tool} did not run: no fal API key is set, so nothing was sent. Ask the person to run the command "Grok Imagine: Set API Key" (keys are issued at https://fal.ai/dashboard/keys), then call ${tool} again.`;
}

/** Restricted Mode: the tools do not spend the person's money on an untrusted workspace's behalf. */
export function restrictedText(tool: string): string {
  return `${tool} did not run: this workspace is in Restricted Mode, where Grok Imagine's agent tools are off (a file in an untrusted workspace could steer the agent into paid requests). Ask the person to trust the workspace (command "Workspaces: Manage Workspace Trust") or to use the command "Grok Imagine: Generate Image" themselves.`;
}
