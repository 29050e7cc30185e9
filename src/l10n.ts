/**
 * How text a person reads is localized (pure: no vscode). The one pattern, for every module:
 *
 * - VS Code glue (a module that imports `vscode`) wraps each user-facing string in
 *   `l10n.t("English with {0} placeholders", arg)`: whole sentences with placeholders, never
 *   sentences glued together from pieces, and a separate string for each plural form.
 * - A pure module (no `vscode` import: src/api, src/fal/errors.ts, src/keyRules.ts, …) cannot reach
 *   `vscode.l10n`, so it writes `l10n.t("English with {0}", arg)` with `import * as l10n from "./l10n"`
 *   (the same call shape, so `npx @vscode/l10n-dev export ./src` extracts both kinds into
 *   l10n/bundle.l10n.json). activate() hands `vscode.l10n.t` to {@link useTranslator} before anything
 *   else runs; until then (plain mocha) the English is formatted here.
 * - Manifest strings (command titles, settings, walkthrough) are `%key%` in package.json with the
 *   English in package.nls.json.
 *
 * A translation is then files (l10n/bundle.l10n.<lang>.json, package.nls.<lang>.json), not code.
 * Why not `@vscode/l10n` here: it is meant for subprocesses, not the extension host, and it would add
 * about 4 KB to a bundle with 1 KB to spare; this does the same for the host in a few lines.
 */

export type L10nArg = string | number | boolean;
type Translate = (message: string, ...args: L10nArg[]) => string;

/** `{0}`, `{1}`… replaced by the arguments, as `vscode.l10n.t` does when it has no translation. */
export function english(message: string, ...args: L10nArg[]): string {
  return message.replace(/\{(\d+)\}/g, (whole, i: string) => (Number(i) < args.length ? String(args[Number(i)]) : whole));
}

/**
 * The display language's translator. Set once per extension host by activate(); a display language
 * change reloads the window, so it never changes while the extension runs.
 */
let translate: Translate = english;

/** Called once by activate() with `vscode.l10n.t`. */
export function useTranslator(t: Translate): void {
  translate = t;
}

/**
 * A translator from a bundle (`vscode.l10n.bundle`: English message → translation), for the gallery's
 * webview, which gets the host's bundle in its `init` message; English when there is none.
 */
export function bundleTranslator(bundle: Readonly<Record<string, unknown>> | undefined): Translate {
  return (message, ...args) => {
    const translated = bundle && Object.hasOwn(bundle, message) ? bundle[message] : undefined;
    return english(typeof translated === "string" ? translated : message, ...args);
  };
}

/** A user-facing message in the display language: `t("Saved {0}.", name)`. */
export function t(message: string, ...args: L10nArg[]): string {
  return translate(message, ...args);
}
