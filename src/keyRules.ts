/** What a fal API key must look like, and where fal issues them (pure: no vscode). */

import * as l10n from "./l10n";

/** Where fal issues API keys; offered when no key is set. */
export const FAL_KEYS_URL = "https://fal.ai/dashboard/keys";

/** Why a typed key cannot be a fal key, or undefined when it can. */
export function keyProblem(value: string): string | undefined {
  const key = value.trim();
  if (!key) return l10n.t("Paste the key from fal.ai (Dashboard → Keys).");
  if (/\s/.test(key)) return l10n.t("A fal key has no spaces in it.");
  // It travels in an HTTP header: anything but printable ASCII would make the request fail with the
  // key quoted in the error.
  if (!/^[\x21-\x7e]+$/.test(key)) return l10n.t("A fal key is made of letters, digits and punctuation only.");
  if (key.length < 8) return l10n.t("That is too short to be a fal key.");
  return undefined;
}
