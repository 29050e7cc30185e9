// Bundles the extension (src/extension.ts -> dist/extension.js) and the webview scripts (media/**).
// Flags: --production (minified, no sourcemap, size budget enforced), --watch.
const esbuild = require("esbuild");
const fs = require("node:fs");
const path = require("node:path");

const production = process.argv.includes("--production");
const watch = process.argv.includes("--watch");
// --analyze: print what makes up dist/extension.js (with --production, what ships).
const analyze = process.argv.includes("--analyze");
const EXTENSION_BUDGET_BYTES = 150 * 1024;

/** Prints errors in the form of the `$esbuild-watch` problem matcher. */
const problemMatcher = {
  name: "problem-matcher",
  setup(build) {
    build.onStart(() => console.log("[watch] build started"));
    build.onEnd((result) => {
      for (const { text, location } of result.errors) {
        console.error(`✘ [ERROR] ${text}`);
        if (location) console.error(`    ${location.file}:${location.line}:${location.column}:`);
      }
      console.log("[watch] build finished");
    });
  },
};

const common = {
  bundle: true,
  minify: production,
  sourcemap: !production,
  sourcesContent: false,
  legalComments: "none",
  charset: "utf8",
  logLevel: "warning",
  plugins: watch ? [problemMatcher] : [],
};

const targets = [
  {
    ...common,
    entryPoints: ["src/extension.ts"],
    outfile: "dist/extension.js",
    format: "cjs",
    platform: "node",
    target: "node20", // VS Code 1.90 (engines.vscode) runs Node 20
    external: ["vscode"],
    metafile: analyze,
  },
  {
    // The gallery webview's script (media/gallery/main.ts imports only src/protocol.ts from src/).
    ...common,
    entryPoints: ["media/gallery/main.ts"],
    outfile: "dist/webview/gallery.js",
    format: "iife",
    platform: "browser",
    target: "es2022",
  },
];

/** The codicon font and its stylesheet, shipped next to the webview script (works offline). */
function copyCodicons() {
  const from = path.join(__dirname, "node_modules", "@vscode", "codicons", "dist");
  const to = path.join(__dirname, "dist", "webview");
  fs.mkdirSync(to, { recursive: true });
  for (const f of ["codicon.css", "codicon.ttf"]) fs.copyFileSync(path.join(from, f), path.join(to, f));
}

function report() {
  const file = path.join(__dirname, "dist", "extension.js");
  const size = fs.statSync(file).size;
  console.log(`dist/extension.js: ${(size / 1024).toFixed(1)} KB${production ? " minified" : ""} (budget ${EXTENSION_BUDGET_BYTES / 1024} KB minified)`);
  if (production && size > EXTENSION_BUDGET_BYTES) {
    console.error(`dist/extension.js is over its ${EXTENSION_BUDGET_BYTES / 1024} KB budget`);
    process.exitCode = 1;
  }
}

async function main() {
  copyCodicons();
  const contexts = await Promise.all(targets.map((t) => esbuild.context(t)));
  if (watch) {
    await Promise.all(contexts.map((c) => c.watch()));
    return;
  }
  const results = await Promise.all(contexts.map((c) => c.rebuild()));
  if (analyze) console.log(await esbuild.analyzeMetafile(results[0].metafile));
  await Promise.all(contexts.map((c) => c.dispose()));
  report();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
