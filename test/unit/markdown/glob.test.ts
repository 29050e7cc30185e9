/**
 * markdown/glob.ts against picomatch (what VS Code's Markdown extension matches copyFiles globs with,
 * `dot: true`): the same answers on a table of globs people write and on generated paths, and linear
 * time on globs made to backtrack.
 */
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import fc from "fast-check";
import { expandBraces, globMatches, MAX_ALTERNATIVES } from "../../../src/markdown/glob";

const picomatch = createRequire(__filename)("picomatch") as { isMatch(path: string, glob: string, options: { dot: boolean }): boolean };
const oracle = (glob: string, path: string): boolean => picomatch.isMatch(path, glob, { dot: true });

const GLOBS = [
  "**/*.md", "**/*", "**", "**/docs/**", "/ws/docs/*.md", "/ws/**/*.md", "**/*.{md,markdown}", "**/README.md",
  "**/notes?.md", "**/[a-c]*.md", "**/*.MD", "**/docs/*/*.md", "**/.github/*.md", "**/a*b*c.md",
  "/ws/blog/**", "**/blog/**/index.md", "**/{docs,blog}/**/*.md", "**/*.md.txt", "**/x\\*y.md",
  "**/*.*", "*.*", "**/*.?*", "**/.*", "**/docs/**/***", "**/docs/***", "**/d*/**/***",
];
const PATHS = [
  "/ws/notes.md", "/ws/docs/notes.md", "/ws/docs/a/b/notes.md", "/ws/README.md", "/ws/docs/README.md", "/ws/notes1.md",
  "/ws/notes12.md", "/ws/apple.md", "/ws/zebra.md", "/ws/NOTES.MD", "/ws/docs/x/y.md", "/ws/.github/pr.md", "/ws/abxbc.md",
  "/ws/blog/2024/index.md", "/ws/blog/index.md", "/ws/blog", "/ws/other.markdown", "/ws/x*y.md", "/ws/xay.md", "/other/docs/a.md",
  "/ws/docs", "/ws/docs/", "/ws/a.md.txt", "/ws/notes.", "notes.", "/ws/.md", "/ws/a.b.",
];

describe("markdown/glob: copyFiles globs", () => {
  it("answers as picomatch does on globs people write", () => {
    for (const g of GLOBS) for (const p of PATHS) assert.equal(globMatches(g, p), oracle(g, p), `${g} on ${p}`);
  });

  it("negates a class with [!…] as with [^…] (picomatch 2.3 reads [!a] as never matching)", () => {
    assert.equal(globMatches("**/[!a]*.md", "/ws/notes.md"), true);
    assert.equal(globMatches("**/[!a]*.md", "/ws/apple.md"), false);
    assert.equal(oracle("**/[^a]*.md", "/ws/notes.md"), true);
  });

  it("answers as picomatch does on generated paths", function () {
    this.timeout(30_000); // picomatch compiles a regular expression per call: slow on a loaded machine
    // A document's URI path has no "." or ".." segment (picomatch never matches those, nor "...").
    const seg = fc.stringMatching(/^[a-c.]{1,4}$/).filter((s) => !/^\.+$/.test(s));
    const path = fc.array(seg, { minLength: 1, maxLength: 5 }).map((s) => `/${s.join("/")}`);
    // "**" as a whole segment only: picomatch reads "**" inside a segment differently with and without braces.
    // Nor two stars side by side inside a segment ("a**", "**{a,c}"), for the same reason; the table
    // above holds the "***" segment.
    const part = fc.array(fc.constantFrom("a", "b", ".", "*", "?", "[ab]", "{a,c}"), { minLength: 1, maxLength: 3 }).map((p) => p.join("")).filter((p) => !p.includes("**"));
    const glob = fc.array(fc.oneof(part, fc.constant("**")), { minLength: 1, maxLength: 4 }).map((segs) => `**/${segs.join("/")}`);
    fc.assert(fc.property(glob, path, (g, p) => globMatches(g, p) === oracle(g, p)), { numRuns: 1500 });
  });

  it("expands braces, nested too, and caps their number", () => {
    assert.deepEqual(expandBraces("a{b,c{d,e}}f"), ["abf", "acdf", "acef"]);
    assert.deepEqual(expandBraces("{x}"), ["{x}"]);
    assert.equal(expandBraces("{a,b}".repeat(7)), undefined, `2^7 > ${MAX_ALTERNATIVES}`);
    assert.equal(globMatches("{a,b}".repeat(7), "/ab"), false);
  });

  it("takes linear time on globs made to backtrack (min/median/max printed)", () => {
    const glob = "**/" + "*a".repeat(40) + "b";
    const path = "/" + "a".repeat(4000);
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = process.hrtime.bigint();
      assert.equal(globMatches(glob, path), false);
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    times.sort((a, b) => a - b);
    console.log(`      glob of 40 stars on a 4000-character path: min ${times[0].toFixed(1)} ms, median ${times[2].toFixed(1)} ms, max ${times[4].toFixed(1)} ms`);
    // 83 tokens × 4001 positions is 0.3 M steps; a backtracking matcher takes far longer than a second.
    assert.ok(times[2] < 500, `median ${times[2]} ms`);
  });
});
