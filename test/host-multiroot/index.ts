/** Entry point of the multi-root suite (two workspace folders, "alpha" and "beta"). */
import { runSuiteIn } from "../runner/hostSuite";

export function run(): Promise<void> {
  return runSuiteIn(__dirname, ".test.js", "extension host, multi-root");
}
