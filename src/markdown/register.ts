/**
 * Generate Image Here and Edit Image Here, registered at activation; their code (index.ts) is a chunk
 * loaded when one first runs (src/chunks.ts).
 */
import * as vscode from "vscode";
import { chunk } from "../chunks";
import type * as Markdown from "./index";

const markdown = chunk<typeof Markdown>("markdown");

export function registerMarkdown(context: vscode.ExtensionContext, deps: Markdown.MarkdownDeps): void {
  context.subscriptions.push(
    vscode.commands.registerCommand("grokImagine.generateHere", (arg: unknown) => markdown().generateHere(deps, arg)),
    vscode.commands.registerCommand("grokImagine.editHere", (arg: unknown) => markdown().editHere(deps, arg)),
  );
}
