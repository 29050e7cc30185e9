/**
 * Entry point of the extension-host suite, loaded by VS Code as extensionTestsPath. The same module
 * serves both runners: @vscode/test-electron (desktop VS Code) and the VS Code server runner.
 */
import { runSuiteIn } from "../runner/hostSuite";

export function run(): Promise<void> {
  return runSuiteIn(__dirname, ".test.js", "extension host");
}
