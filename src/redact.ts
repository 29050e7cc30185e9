/**
 * Hiding secrets in text that is about to be shown or written (pure: no vscode). Every known secret
 * is replaced, and so is whatever follows `Authorization: Key`, whoever's key it is.
 */
export function redactSecrets(text: string, secrets: Iterable<string>): string {
  let out = text;
  for (const s of secrets) if (s) out = out.split(s).join("***");
  return out.replace(/(Authorization["']?\s*[:=]\s*["']?Key\s+)[^\s"',}]+/gi, "$1***");
}
