/**
 * Entry point of the extension-host suite, loaded by VS Code as extensionTestsPath. The same module
 * serves both runners: @vscode/test-electron (desktop VS Code) and the VS Code server runner.
 */
import * as path from "node:path";
import Mocha from "mocha";
import { listFiles } from "../runner/files";

export function run(): Promise<void> {
  const mocha = new Mocha({
    ui: "bdd",
    timeout: 30_000,
    reporter: path.join(__dirname, "..", "runner", "reporter.js"),
    reporterOptions: { level: process.env.GROK_TEST_LEVEL ?? "extension host" },
    // GROK_TEST_GREP runs only matching tests (for working on one feature); the full run sets none.
    ...(process.env.GROK_TEST_GREP ? { grep: process.env.GROK_TEST_GREP } : {}),
  });
  for (const f of listFiles(__dirname, ".test.js")) mocha.addFile(f);
  return new Promise((resolve, reject) => {
    mocha.run((failures) => (failures > 0 ? reject(new Error(`${failures} extension-host tests failed`)) : resolve()));
  });
}
