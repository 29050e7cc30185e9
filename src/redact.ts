/**
 * Hiding secrets in text that is about to be shown or written (pure: no vscode). Every known secret
 * is replaced, so is whatever follows `Authorization: Key`, whoever's key it is, and so is the user
 * information of any URL (`https://user:password@host` → `https://***@host`): a proxy URL with a
 * password must never reach a message or the log, even if one slips past the setting's check.
 */
export function redactSecrets(text: string, secrets: Iterable<string>): string {
  let out = text;
  for (const s of secrets) if (s) out = out.split(s).join("***");
  return redactUserinfo(out.replace(/(Authorization["']?\s*[:=]\s*["']?Key\s+)[^\s"',}]+/gi, "$1***"));
}

/** Replaces the user information of every URL in a text. */
export function redactUserinfo(text: string): string {
  return text.replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@"'<>]*@/gi, "$1***@");
}
