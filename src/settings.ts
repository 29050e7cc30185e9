import * as vscode from "vscode";
import { parameterSettings, parsePriceOverrides, type PriceTable, type SettingValues } from "./api";
import { checkProxyUrl, type ProxyCheck } from "./fal/addresses";

/**
 * The one typed accessor for the extension's configuration. Values are read fresh on every call
 * (settings change while VS Code runs); nothing else in the extension calls getConfiguration.
 */
export interface Settings {
  /** Workspace-relative folder for generated images. */
  readonly outputFolder: string;
  /** Raw values of the API parameters' defaults, by setting key (the ones api/ names); api/ validates them. */
  readonly parameters: SettingValues;
  readonly openAfterSave: boolean;
  /** Write each image's provenance (prompt, parameters, request id) into the file as XMP. */
  readonly embedMetadata: boolean;
  /** Where edited images go: beside the first source image, or in the output folder. */
  readonly editOutput: EditOutput;
  /** After an edit, show the source and the first result side by side. */
  readonly showComparison: boolean;
  /**
   * The fal proxy, checked (fal/addresses.ts checkProxyUrl: https, or http to loopback; no
   * credentials), or undefined for direct. Only the user (global) value counts: the proxy receives
   * the API key, so a workspace's .vscode/settings.json must never be able to redirect it.
   */
  readonly proxy: ProxyCheck | undefined;
  /** `grokImagine.prices`: the person's USD per image by endpoint id, valid entries only; `pricesIgnored` names the rest. */
  readonly prices: PriceTable;
  readonly pricesIgnored: readonly string[];
  /** `grokImagine.confirmAboveUsd`: a request estimated above this asks first (≥ 0; anything else is the default). */
  readonly confirmAboveUsd: number;
}

export type EditOutput = "besideSource" | "outputFolder";

export const SECTION = "grokImagine";
export const DEFAULT_OUTPUT_FOLDER = "generated-images";
export const DEFAULT_CONFIRM_ABOVE_USD = 1;

export function readSettings(scope?: vscode.ConfigurationScope): Settings {
  const c = vscode.workspace.getConfiguration(SECTION, scope);
  // outputFolder is a restricted setting: in Restricted Mode only the user's value is honoured.
  const outputFolder = vscode.workspace.isTrusted
    ? c.get<string>("outputFolder", DEFAULT_OUTPUT_FOLDER)
    : (c.inspect<string>("outputFolder")?.globalValue ?? DEFAULT_OUTPUT_FOLDER);
  const proxy = c.inspect<string>("proxyUrl")?.globalValue;
  const prices = parsePriceOverrides(c.get<unknown>("prices"));
  const confirmAboveUsd = c.get<unknown>("confirmAboveUsd");
  return {
    outputFolder: typeof outputFolder === "string" && outputFolder.trim() ? outputFolder.trim() : DEFAULT_OUTPUT_FOLDER,
    parameters: Object.fromEntries(parameterSettings().map((k) => [k, c.get<unknown>(k)])),
    openAfterSave: c.get<boolean>("openAfterSave", true) !== false,
    embedMetadata: c.get<boolean>("embedMetadata", true) !== false,
    editOutput: c.get<unknown>("editOutput") === "outputFolder" ? "outputFolder" : "besideSource",
    showComparison: c.get<boolean>("showComparison", true) !== false,
    proxy: typeof proxy === "string" && proxy.trim() ? checkProxyUrl(proxy) : undefined,
    prices: prices.prices,
    pricesIgnored: prices.ignored,
    // A typo must not turn the check off: only a number ≥ 0 replaces the default.
    confirmAboveUsd: typeof confirmAboveUsd === "number" && Number.isFinite(confirmAboveUsd) && confirmAboveUsd >= 0 ? confirmAboveUsd : DEFAULT_CONFIRM_ABOVE_USD,
  };
}

/**
 * VS Code's Markdown setting `markdown.copyFiles.destination` as it applies to a document (any shape:
 * src/markdown/destination.ts checks it). It decides where files are written, so in Restricted Mode
 * only the user's value counts, as for grokImagine.outputFolder.
 */
export function markdownCopyDestination(document: vscode.Uri): unknown {
  const c = vscode.workspace.getConfiguration("markdown", document);
  return vscode.workspace.isTrusted ? c.get<unknown>("copyFiles.destination") : c.inspect<unknown>("copyFiles.destination")?.globalValue;
}
