// Bundles the extension (src/extension.ts -> dist/extension.js) and the webview scripts (media/**).
// Flags: --production (minified, no sourcemap, size budget enforced), --watch.
const esbuild = require("esbuild");
const fs = require("node:fs");
const path = require("node:path");

const production = process.argv.includes("--production");
const watch = process.argv.includes("--watch");
// --analyze: print what makes up dist/extension.js (with --production, what ships).
const analyze = process.argv.includes("--analyze");
// --out DIR: build into DIR instead of dist/ (test/unit/bundle.test.ts checks a production build there).
const outAt = process.argv.indexOf("--out");
const outDir = outAt >= 0 ? path.resolve(process.argv[outAt + 1]) : path.join(__dirname, "dist");
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
  // Test and benchmark hooks exist in the development build only (src/testHooks.d.ts).
  define: { GROK_TEST_HOOKS: production ? "false" : "true" },
  plugins: watch ? [problemMatcher] : [],
};

// Code only some commands need, each in its own file beside extension.js, loaded on first use
// (src/chunks.ts says how, and which rules keep that safe; test/unit/bundle.test.ts checks them).
const CHUNKS = {
  agent: "src/agent/index.ts",
  markdown: "src/markdown/index.ts",
  spendCommands: "src/spend/commands.ts",
  batch: "src/batch/chunk.ts",
  // The gallery (panel, page, index, thumbnails), loaded when it is first opened or restored.
  gallery: "src/gallery/index.ts",
  // The job pipeline (fal, downloads, provenance, the saver) and the commands that start jobs.
  core: "src/core/index.ts",
};

/**
 * `import * as vscode from "vscode"` in each module makes esbuild copy the whole API object (hundreds of
 * properties, a getter each) once per importing module when the bundle loads: 29 copies in extension.js,
 * a few ms of activation. Every module's "vscode" is resolved to one module of the bundle that
 * re-exports the real one, so it is copied once per bundle.
 */
const vscodeOnce = {
  name: "vscode-once",
  setup(build) {
    build.onResolve({ filter: /^vscode$/ }, (args) => (args.namespace === "vscode-once" ? { path: "vscode", external: true } : { path: "vscode", namespace: "vscode-once" }));
    build.onLoad({ filter: /.*/, namespace: "vscode-once" }, () => ({ contents: 'export * from "vscode";', loader: "js", resolveDir: __dirname }));
  },
};

const node = {
  ...common,
  plugins: [...common.plugins, vscodeOnce],
  format: "cjs",
  platform: "node",
  target: "node20", // VS Code 1.95 (engines.vscode) runs Node 20
  external: ["vscode"],
  metafile: true,
};

/**
 * The gallery's page as it ships (dist/webview/gallery.html): media/gallery/index.html with its
 * stylesheets (gallery.css and the codicons it uses) and its script inlined, under the page's nonce.
 * A webview fetches each of its files through VS Code (service worker, workbench, file system), and
 * the script cannot run before the stylesheets arrive: inlined, the page paints without waiting on
 * any of them. Only the icon font is still fetched (it does not hold the first paint).
 */
function composeGalleryPage() {
  const media = path.join(__dirname, "media", "gallery");
  const codicons = fs.readFileSync(path.join(__dirname, "node_modules", "@vscode", "codicons", "dist", "codicon.css"), "utf8");
  const sources = ["index.html", "main.ts", "layout.ts", "filter.ts"].map((f) => fs.readFileSync(path.join(media, f), "utf8")).join("\n");
  // Only the icons the page names ("codicon-x" in the HTML, or an icon name as a string in the script).
  const used = (name) => sources.includes(`codicon-${name}`) || sources.includes(`"${name}"`);
  const css = codicons
    .replace(/^\.codicon-([a-z0-9-]+):before \{[^}]*\}\n/gm, (rule, name) => (used(name) ? rule : ""))
    // The font is added by the page's script once the page has loaded (a font fetched before that
    // would hold the page's load event, and VS Code delivers no message to a page before it).
    .replace(/@font-face \{[^}]*\}\n?/, "")
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/\n\s*\n/g, "\n") + fs.readFileSync(path.join(media, "gallery.css"), "utf8");
  const js = fs.readFileSync(path.join(outDir, "webview", "gallery.js"), "utf8").replace(/\n\/\/# sourceMappingURL=.*\n?$/, "\n");
  if (/<\/script/i.test(js) || /<\/style/i.test(css)) throw new Error("the gallery's script or styles contain a closing tag: they cannot be inlined");
  // The page's own placeholders only (csp, nonce, asset paths): nothing in the inlined code may look like one.
  if (/\{\{(csp|nonce|init|(?:dist|media)\/[A-Za-z0-9_./-]+)\}\}/.test(js + css)) throw new Error("the inlined code contains a page placeholder");
  let page = fs.readFileSync(path.join(media, "index.html"), "utf8");
  const links = /<link rel="stylesheet" href="\{\{dist\/webview\/codicon\.css\}\}">\n<link rel="stylesheet" href="\{\{media\/gallery\/gallery\.css\}\}">/;
  const script = /<script nonce="\{\{nonce\}\}" src="\{\{dist\/webview\/gallery\.js\}\}"><\/script>/;
  if (!links.test(page) || !script.test(page) || !page.includes('<script type="application/json" id="init">{{init}}</script>')) throw new Error("media/gallery/index.html no longer links its stylesheets and script as esbuild.js expects");
  page = page
    .replace(links, () => `<style nonce="{{nonce}}">\n${css}</style>`)
    .replace(script, () => `<script nonce="{{nonce}}">\n${js}</script>`)
    .replace("<body>", '<body data-codicon-font="{{dist/webview/codicon.ttf}}">');
  if (/@font-face/.test(css) || !page.includes("data-codicon-font")) throw new Error("the gallery page's icon font is not set up as main.ts expects");
  fs.writeFileSync(path.join(outDir, "webview", "gallery.html"), page);
}

const inlinePage = {
  name: "inline-gallery-page",
  setup(build) {
    build.onEnd((result) => {
      if (!result.errors.length) composeGalleryPage();
    });
  },
};

const targets = [
  { ...node, entryPoints: ["src/extension.ts"], outfile: path.join(outDir, "extension.js") },
  ...Object.entries(CHUNKS).map(([name, entry]) => ({ ...node, entryPoints: [entry], outfile: path.join(outDir, `${name}.js`) })),
  {
    // The gallery webview's script (media/gallery/main.ts imports only src/protocol.ts from src/),
    // minified in every build: it is inlined into the page (see composeGalleryPage).
    ...common,
    minify: true,
    plugins: [...common.plugins, inlinePage],
    entryPoints: ["media/gallery/main.ts"],
    outfile: path.join(outDir, "webview", "gallery.js"),
    format: "iife",
    platform: "browser",
    target: "es2022",
  },
];

/** The codicon font and its stylesheet, shipped next to the webview script (works offline). */
function copyCodicons() {
  const from = path.join(__dirname, "node_modules", "@vscode", "codicons", "dist");
  const to = path.join(outDir, "webview");
  fs.mkdirSync(to, { recursive: true });
  for (const f of ["codicon.css", "codicon.ttf"]) fs.copyFileSync(path.join(from, f), path.join(to, f));
}

function report() {
  const file = path.join(outDir, "extension.js");
  const size = fs.statSync(file).size;
  const chunks = Object.keys(CHUNKS).map((n) => `${n} ${(fs.statSync(path.join(outDir, `${n}.js`)).size / 1024).toFixed(1)}`);
  console.log(`dist/extension.js: ${(size / 1024).toFixed(1)} KB${production ? " minified" : ""} (budget ${EXTENSION_BUDGET_BYTES / 1024} KB minified); loaded on first use: ${chunks.join(", ")} KB`);
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
  if (analyze) for (const r of results) if (r.metafile) console.log(await esbuild.analyzeMetafile(r.metafile));
  // What each file bundles, for test/unit/bundle.test.ts's chunk rules.
  const inputs = {};
  ["extension", ...Object.keys(CHUNKS)].forEach((n, i) => (inputs[n] = Object.keys(results[i].metafile.inputs)));
  fs.writeFileSync(path.join(outDir, "bundles.json"), JSON.stringify(inputs, null, 1));
  await Promise.all(contexts.map((c) => c.dispose()));
  report();
}

module.exports = { EXTENSION_BUDGET_BYTES, CHUNKS };

// Required by a test for its budget, it builds nothing.
if (require.main === module) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
