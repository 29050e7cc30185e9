/** Entry point of the benchmarks that run inside VS Code (through the same runners as the host suite). */
import { runSuiteIn } from "../../runner/hostSuite";

export function run(): Promise<void> {
  return runSuiteIn(__dirname, ".bench.js", "benchmarks in VS Code");
}
