/**
 * The mocha reporter every level uses: spec-like lines as tests finish (to stdout, and appended to
 * `logFile` when given, which is how the extension host inside the VS Code server reports back), and
 * a JSON summary written to `summaryFile` when the run ends. The runners read that summary; a missing
 * summary is itself a failure.
 */
import * as fs from "node:fs";
import type * as Mocha from "mocha";

export interface Summary {
  readonly level: string;
  readonly passed: number;
  readonly failed: number;
  readonly pending: number;
  readonly durationMs: number;
  readonly failures: readonly { readonly title: string; readonly error: string }[];
}

interface ReporterOptions {
  readonly summaryFile?: string;
  readonly logFile?: string;
  readonly level?: string;
}

function optionsOf(raw: Mocha.MochaOptions | undefined): ReporterOptions {
  const ro = raw?.reporterOptions as Record<string, unknown> | undefined;
  const str = (k: string) => (typeof ro?.[k] === "string" ? (ro[k]) : undefined);
  return {
    summaryFile: str("summaryFile") ?? process.env.GROK_TEST_SUMMARY,
    logFile: str("logFile") ?? process.env.GROK_TEST_LOG,
    level: str("level") ?? process.env.GROK_TEST_LEVEL,
  };
}

function errorText(err: unknown): string {
  if (err instanceof Error) return err.stack ?? `${err.name}: ${err.message}`;
  return String(err);
}

export class LineReporter {
  constructor(runner: Mocha.Runner, mochaOptions?: Mocha.MochaOptions) {
    const opts = optionsOf(mochaOptions);
    const level = opts.level ?? "tests";
    const started = Date.now();
    let passed = 0;
    let failed = 0;
    let pending = 0;
    const failures: { title: string; error: string }[] = [];
    let depth = 0;

    const emit = (line: string) => {
      process.stdout.write(line + "\n");
      if (opts.logFile) fs.appendFileSync(opts.logFile, line + "\n");
    };
    const indent = () => "  ".repeat(Math.max(depth, 0));

    runner.on("suite", (suite: Mocha.Suite) => {
      if (suite.root) return;
      emit(`${indent()}${suite.title}`);
      depth++;
    });
    runner.on("suite end", (suite: Mocha.Suite) => {
      if (!suite.root) depth--;
    });
    runner.on("pass", (test: Mocha.Test) => {
      passed++;
      emit(`${indent()}✓ ${test.title} (${test.duration ?? 0} ms)`);
    });
    runner.on("pending", (test: Mocha.Test) => {
      pending++;
      emit(`${indent()}- ${test.title} (pending)`);
    });
    runner.on("fail", (test: Mocha.Test | Mocha.Hook, err: unknown) => {
      failed++;
      const title = test.fullTitle();
      failures.push({ title, error: errorText(err) });
      emit(`${indent()}✗ ${test.title}`);
    });
    runner.once("end", () => {
      failures.forEach((f, i) => emit(`\n  ${i + 1}) ${f.title}\n${f.error.replace(/^/gm, "     ")}`));
      emit(`${level}: ${passed} passing, ${failed} failing${pending ? `, ${pending} pending` : ""}`);
      const summary: Summary = { level, passed, failed, pending, durationMs: Date.now() - started, failures };
      if (opts.summaryFile) {
        // Written whole, then renamed: a runner polling for the file never reads half of it.
        fs.writeFileSync(opts.summaryFile + ".tmp", JSON.stringify(summary, null, 2));
        fs.renameSync(opts.summaryFile + ".tmp", opts.summaryFile);
      }
    });
  }
}

// mocha --reporter <path> loads the module's export itself.
module.exports = LineReporter;
(module.exports as { LineReporter: unknown }).LineReporter = LineReporter;
