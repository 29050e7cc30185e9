/** Describing thrown values for messages and the log (pure: no vscode). */

/** One line (plus the cause chain) describing any thrown value. */
export function formatError(err: unknown): string {
  if (err instanceof Error) {
    const cause = err.cause === undefined ? "" : ` (cause: ${formatError(err.cause)})`;
    return `${err.name}: ${err.message}${cause}`;
  }
  if (typeof err === "string") return err;
  try {
    return JSON.stringify(err);
  } catch {
    return String(err);
  }
}

/** A thrown value's message alone (for text a person reads; the log gets {@link formatError}). */
export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
