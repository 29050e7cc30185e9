/**
 * The agent tools, registered at activation (VS Code lists them from package.json, and calls the
 * registered object); their code (index.ts) is a chunk loaded on the first confirmation or call
 * (src/chunks.ts).
 */
import * as vscode from "vscode";
import { chunk } from "../chunks";
import type * as Agent from "./index";
import { EDIT_TOOL, GENERATE_TOOL } from "./schema";

const agent = chunk<typeof Agent>("agent");

type Input = Record<string, unknown>;

/** Stands in for the tool until it is first used. */
class LazyTool implements vscode.LanguageModelTool<Input> {
  #tool: vscode.LanguageModelTool<Input> | undefined;

  constructor(
    private readonly name: string,
    private readonly deps: Agent.AgentDeps,
  ) {}

  #real(): vscode.LanguageModelTool<Input> {
    return (this.#tool ??= agent().createTool(this.name, this.deps));
  }

  prepareInvocation(options: vscode.LanguageModelToolInvocationPrepareOptions<Input>, token: vscode.CancellationToken): vscode.ProviderResult<vscode.PreparedToolInvocation> {
    return this.#real().prepareInvocation?.(options, token);
  }

  invoke(options: vscode.LanguageModelToolInvocationOptions<Input>, token: vscode.CancellationToken): vscode.ProviderResult<vscode.LanguageModelToolResult> {
    return this.#real().invoke(options, token);
  }
}

export function registerAgentTools(context: vscode.ExtensionContext, deps: Agent.AgentDeps): void {
  for (const spec of [GENERATE_TOOL, EDIT_TOOL]) context.subscriptions.push(vscode.lm.registerTool<Input>(spec.name, new LazyTool(spec.name, deps)));
}
