import * as vscode from "vscode";
import { formatError } from "./format";
import { redactSecrets } from "./redact";

/**
 * The extension's one log: a LogOutputChannel named "Grok Imagine". Every line passes through
 * {@link redact}, so a secret that was registered with {@link Logger.addSecret} never reaches the
 * channel, whatever an error message or a server response happens to contain.
 */
export class Logger implements vscode.Disposable {
  readonly channel: vscode.LogOutputChannel;
  readonly #secrets = new Set<string>();
  /** The last lines written (already redacted), for diagnostics and tests. */
  readonly recent: string[] = [];

  constructor(name = "Grok Imagine") {
    this.channel = vscode.window.createOutputChannel(name, { log: true });
  }

  /** Registers a value (an API key) that must never be written out. */
  addSecret(value: string | undefined): void {
    if (value && value.length >= 4) this.#secrets.add(value);
  }

  redact(text: string): string {
    return redactSecrets(text, this.#secrets);
  }

  info(component: string, message: string): void {
    this.#write("info", `[${component}] ${message}`);
  }
  warn(component: string, message: string): void {
    this.#write("warn", `[${component}] ${message}`);
  }
  error(component: string, message: string, err?: unknown): void {
    const detail = err === undefined ? "" : `: ${formatError(err)}`;
    this.#write("error", `[${component}] ${message}${detail}`);
  }

  #write(level: "info" | "warn" | "error", line: string): void {
    const safe = this.redact(line);
    this.channel[level](safe);
    this.recent.push(`${level}: ${safe}`);
    if (this.recent.length > 1000) this.recent.splice(0, this.recent.length - 1000);
  }

  show(): void {
    this.channel.show(true);
  }

  dispose(): void {
    this.channel.dispose();
  }
}
