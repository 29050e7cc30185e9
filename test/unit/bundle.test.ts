/**
 * What ships: the production build (`node esbuild.js --production`, as `npm run package` makes it)
 * carries no test or benchmark code (src/testHooks.d.ts), and dist/extension.js stays within its
 * size budget. Builds into a temporary folder, so dist/ (which the host tests load) is untouched.
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as os from "node:os";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "..", "..", "..");
// The same number esbuild.js enforces for `npm run package`.
const { EXTENSION_BUDGET_BYTES: BUDGET_BYTES, CHUNKS } = createRequire(__filename)(path.join(ROOT, "esbuild.js")) as { EXTENSION_BUDGET_BYTES: number; CHUNKS: Record<string, string> };

/**
 * The core chunk's stateful modules and classes whose identity matters (the job pipeline, the fal
 * client and its errors, the saver): the core carries them, and nothing else may carry a copy.
 */
const CORE_ONLY = /^src\/(jobs\/(?!records\.ts$)|fal\/(?!(addresses|retry)\.ts$)|workspace\/save)/;
/** extension.js's own (the log, the keys, activation, the chunk loader): no chunk may carry a copy. */
const MAIN_ONLY = /^src\/(log\.ts$|secrets\.ts$|extension\.ts$|chunks\.ts$)/;
const CORE = "core";

/** What breaks the chunk rules, given what each file bundles (esbuild.js writes bundles.json). */
export function chunkProblems(bundles: Readonly<Record<string, readonly string[]>>, chunks: Readonly<Record<string, string>>): string[] {
  const problems: string[] = [];
  const main = bundles["extension"] ?? [];
  for (const input of main) if (CORE_ONLY.test(input)) problems.push(`extension.js bundles ${input}, which is the core chunk's: import it as a type and reach it through the core`);
  for (const [name, entry] of Object.entries(chunks)) {
    if (main.includes(entry)) problems.push(`extension.js bundles ${entry}, the entry of chunk ${name}: import it as a type and load it through src/chunks.ts`);
    for (const input of bundles[name] ?? []) {
      if (MAIN_ONLY.test(input) || (name !== CORE && CORE_ONLY.test(input))) problems.push(`chunk ${name} bundles its own copy of ${input}: pass that in as an argument`);
    }
  }
  return problems;
}

/** Strings that only the test and benchmark hooks contain. */
const EXTENSION_MARKERS = ["grokImagine.testing.gallery", "simulateRestart", "logLines", "benchResult", "#bench-", "this build has no benchmark hooks", "firstPaint"];
const WEBVIEW_MARKERS = ["benchResult", "scrollP90Ms", "filterMaxMs"];

describe("the production build", function () {
  this.timeout(120_000);
  let out = "";
  let extension = "";
  let webview = "";
  let dev = "";

  before(() => {
    out = fs.mkdtempSync(path.join(os.tmpdir(), "grok-imagine-bundle-"));
    // esbuild.js exits non-zero over the budget after writing the files: the budget has its own test.
    for (const [dir, flags] of [["prod", ["--production"]], ["dev", []]] as const) {
      const r = spawnSync(process.execPath, [path.join(ROOT, "esbuild.js"), ...flags, "--out", path.join(out, dir)], { cwd: ROOT, encoding: "utf8" });
      assert.ok(fs.existsSync(path.join(out, dir, "extension.js")), `esbuild.js ${flags.join(" ")} built nothing: ${r.stderr}`);
    }
    extension = fs.readFileSync(path.join(out, "prod", "extension.js"), "utf8");
    webview = fs.readFileSync(path.join(out, "prod", "webview", "gallery.js"), "utf8");
    dev = ["extension.js", ...Object.keys(CHUNKS).map((n) => `${n}.js`), "webview/gallery.js"].map((f) => fs.readFileSync(path.join(out, "dev", f), "utf8")).join("\n");
  });

  after(() => fs.rmSync(out, { recursive: true, force: true }));

  it("the development build has the hooks (so the check below looks for something real)", () => {
    for (const m of [...EXTENSION_MARKERS, ...WEBVIEW_MARKERS]) assert.ok(dev.includes(m), `the development build lacks ${m}`);
  });

  it("dist/extension.js and its chunks carry no test or benchmark hook", () => {
    for (const m of EXTENSION_MARKERS) assert.ok(!extension.includes(m), `the production extension.js contains ${JSON.stringify(m)}`);
    for (const name of Object.keys(CHUNKS)) {
      const text = fs.readFileSync(path.join(out, "prod", `${name}.js`), "utf8");
      for (const m of EXTENSION_MARKERS) assert.ok(!text.includes(m), `the production ${name}.js contains ${JSON.stringify(m)}`);
    }
  });

  it(`dist/extension.js is within its ${BUDGET_BYTES / 1024} KB budget (minified)`, () => {
    const size = Buffer.byteLength(extension);
    console.log(`      dist/extension.js: ${(size / 1024).toFixed(1)} KB of ${BUDGET_BYTES / 1024} KB`);
    assert.ok(size <= BUDGET_BYTES, `${(size / 1024).toFixed(1)} KB is over the ${BUDGET_BYTES / 1024} KB budget (node esbuild.js --production --analyze shows what makes it up)`);
  });

  it("extension.js loads its chunks instead of bundling them, and no chunk copies a stateful module", () => {
    const bundles = JSON.parse(fs.readFileSync(path.join(out, "prod", "bundles.json"), "utf8")) as Record<string, string[]>;
    assert.deepEqual(Object.keys(bundles).sort(), ["extension", ...Object.keys(CHUNKS)].sort());
    assert.deepEqual(chunkProblems(bundles, CHUNKS), []);
    for (const name of Object.keys(CHUNKS)) console.log(`      ${name}.js (loaded on first use): ${(fs.statSync(path.join(out, "prod", `${name}.js`)).size / 1024).toFixed(1)} KB`);
    // The check finds what it is for.
    const planted = chunkProblems(
      {
        extension: ["src/extension.ts", "src/x/index.ts", "src/workspace/save.ts"],
        x: ["src/x/index.ts", "src/jobs/pipeline.ts", "src/fal/addresses.ts", "src/fal/errors.ts"],
        core: ["src/core/index.ts", "src/jobs/pipeline.ts", "src/fal/errors.ts", "src/log.ts"],
      },
      { x: "src/x/index.ts", core: "src/core/index.ts" },
    );
    // extension.js: x's entry and the saver; x: the pipeline and fal's errors; the core: the log.
    assert.equal(planted.length, 5, planted.join("\n"));
    // The core's own modules are no problem in the core.
    assert.deepEqual(chunkProblems({ extension: ["src/extension.ts"], core: ["src/core/index.ts", "src/jobs/pipeline.ts", "src/workspace/save.ts"] }, { core: "src/core/index.ts" }), []);
  });

  it("the gallery's webview script carries no benchmark code", () => {
    for (const m of WEBVIEW_MARKERS) assert.ok(!webview.includes(m), `the production gallery.js contains ${JSON.stringify(m)}`);
  });
});
