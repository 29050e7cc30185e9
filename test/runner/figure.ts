import * as fs from "node:fs";

/**
 * Prints a benchmark figure where a reader of the run sees it: stdout, and the suite's log file when
 * it runs inside VS Code (whose stdout nobody reads).
 */
export function figure(line: string): void {
  const text = `  figure: ${line}`;
  console.log(text);
  if (process.env.GROK_TEST_LOG) fs.appendFileSync(process.env.GROK_TEST_LOG, text + "\n");
}
