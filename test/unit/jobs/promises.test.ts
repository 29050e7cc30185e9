/**
 * No promise of the jobs pipeline goes unhandled: in src/jobs/, src/fal/ and src/extension.ts a
 * promise that is not awaited is handed a rejection handler (`.then(_, onRejected)`, `.catch(...)`,
 * or the notifier's `later()`), never thrown away with `void`. (The extension-host suite also
 * listens for unhandledRejection while the jobs run.)
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { listFiles } from "../../runner/files";

const ROOT = path.resolve(__dirname, "..", "..", "..", "..");
const FILES = [...listFiles(path.join(ROOT, "src", "jobs"), ".ts"), ...listFiles(path.join(ROOT, "src", "fal"), ".ts"), path.join(ROOT, "src", "extension.ts")];

/** The code without comments and string contents (so that prose and messages cannot match). */
function codeOf(text: string): string {
  return text
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/\/\/.*$/gm, "")
    .replace(/`(?:\\[\s\S]|[^`\\])*`|"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'/g, '""');
}

/** `void expr` used as an operator (a type `void` is followed by `;`, `)`, `>`, `|`, `,`, `{`, `]` or `=`). */
const VOID_OPERATOR = /(^|[^\w.$])void\s+(?![;)>|,{\]=}\s])/;

describe("promises in the jobs pipeline", () => {
  it("the files are there to check", () => {
    assert.ok(FILES.some((f) => f.endsWith("pipeline.ts")) && FILES.some((f) => f.endsWith("service.ts")), FILES.join(", "));
  });

  for (const file of FILES) {
    it(`${path.relative(ROOT, file)}: no promise thrown away with void`, () => {
      const code = codeOf(fs.readFileSync(file, "utf8"));
      const hits = code.split("\n").filter((line) => VOID_OPERATOR.test(line));
      assert.deepEqual(hits.map((l) => l.trim()), []);
    });
  }

  it("the check finds a void operator when there is one", () => {
    const sample = codeOf('function f(): void {}\nconst g = (): Promise<void> => x;\nvoid this.run(req);\nx.then(() => void later());\nconst s = "void here";');
    const hits = sample.split("\n").filter((line) => VOID_OPERATOR.test(line));
    assert.deepEqual(hits.map((l) => l.trim()), ["void this.run(req);", "x.then(() => void later());"]);
  });
});
