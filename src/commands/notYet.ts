import type { Services } from "../services";

/** Placeholder for a capability whose issue has not landed yet: says so instead of failing silently. */
export async function notBuiltYet(s: Services, what: string): Promise<[]> {
  s.log.info("commands", `${what} was run, but it is not built yet.`);
  void s.ui.current.showInformationMessage(`Grok Imagine: ${what} is not built yet. It is coming in a later version.`);
  return [];
}
