/**
 * Runs the mocha files of one folder inside the extension host (VS Code loads an index module that
 * calls this). Shared by the extension-host test suite and the in-VS-Code benchmarks.
 */
import * as path from "node:path";
import Mocha from "mocha";
import { listFiles } from "./files";

export function runSuiteIn(dir: string, suffix: string, level: string): Promise<void> {
  const mocha = new Mocha({
    ui: "bdd",
    timeout: 30_000,
    reporter: path.join(__dirname, "reporter.js"),
    reporterOptions: { level: process.env.GROK_TEST_LEVEL ?? level },
    // GROK_TEST_GREP runs only matching tests (for working on one feature); the full run sets none.
    ...(process.env.GROK_TEST_GREP ? { grep: process.env.GROK_TEST_GREP } : {}),
  });
  for (const f of listFiles(dir, suffix)) mocha.addFile(f);
  return new Promise((resolve, reject) => {
    mocha.run((failures) => (failures > 0 ? reject(new Error(`${failures} ${level} tests failed`)) : resolve()));
  });
}
