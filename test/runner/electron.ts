/**
 * Extension-host level on desktop VS Code, for people with a display and internet: downloads VS Code
 * through @vscode/test-electron and runs the same suite (test/host) in it.
 *   npm run test:electron
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { runTests } from "@vscode/test-electron";
import { readSummary, tempDir, testKey } from "./levels";
import { ROOT } from "./vscodeServer";

async function main(): Promise<number> {
  const base = tempDir("electron");
  const workspace = path.join(base, "workspace");
  fs.cpSync(path.join(ROOT, "test", "fixtures", "workspace"), workspace, { recursive: true });
  const summaryFile = path.join(base, "summary.json");
  try {
    await runTests({
      extensionDevelopmentPath: ROOT,
      extensionTestsPath: path.join(ROOT, "out", "test", "host", "index"),
      launchArgs: [workspace, "--disable-extensions", `--user-data-dir=${path.join(base, "user-data")}`, "--disable-workspace-trust"],
      extensionTestsEnv: {
        GROK_TEST_KEY: testKey("electron"),
        GROK_TEST_SUMMARY: summaryFile,
        GROK_TEST_LEVEL: "extension host (desktop VS Code)",
        GROK_TEST_WORKSPACE: workspace,
        GROK_TEST_USER_DATA: path.join(base, "user-data"),
      },
    });
  } catch (err) {
    console.error(err);
  }
  const s = readSummary(summaryFile, "extension host (desktop VS Code)");
  console.log(`${s.passed} passed, ${s.failed} failed`);
  return s.failed > 0 || s.passed === 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    console.log("0 passed, 1 failed");
    process.exit(1);
  },
);
