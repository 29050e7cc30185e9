/** Entry point of the Restricted Mode suite (Workspace Trust on, folder not trusted). */
import { runSuiteIn } from "../runner/hostSuite";

export function run(): Promise<void> {
  return runSuiteIn(__dirname, ".test.js", "extension host, Restricted Mode");
}
