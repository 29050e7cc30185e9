import type * as vscode from "vscode";
import type { Logger } from "./log";
import type { ApiKeyStore } from "./secrets";
import type { UiHolder } from "./ui";

/** The long-lived objects that activate() builds once and hands to every command. */
export interface Services {
  readonly context: vscode.ExtensionContext;
  readonly log: Logger;
  readonly ui: UiHolder;
  readonly keys: ApiKeyStore;
}
