/**
 * Benchmark: the size of what ships (issue 16: dist/extension.js ≤ 150 KB minified, the budget
 * esbuild.js enforces). Builds the production bundle into a temporary folder, prints each shipped
 * script's size and exits non-zero when extension.js is over its budget.
 *
 *     npx tsc -p . && node out/test/bench/bundle.js
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as os from "node:os";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "..", "..", "..");

function main(): number {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "grok-bundle-"));
  try {
    const r = spawnSync(process.execPath, [path.join(ROOT, "esbuild.js"), "--production", "--out", out], { cwd: ROOT, encoding: "utf8" });
    if (r.status !== 0 && !fs.existsSync(path.join(out, "extension.js"))) {
      console.error(r.stdout, r.stderr);
      return 1;
    }
    const { EXTENSION_BUDGET_BYTES } = createRequire(__filename)(path.join(ROOT, "esbuild.js")) as { EXTENSION_BUDGET_BYTES: number };
    const size = fs.statSync(path.join(out, "extension.js")).size;
    for (const f of fs.readdirSync(out, { recursive: true }) as string[]) {
      if (/\.(js|html)$/.test(f)) console.log(`  ${f}: ${(fs.statSync(path.join(out, f)).size / 1024).toFixed(1)} KB`);
    }
    const ok = size <= EXTENSION_BUDGET_BYTES;
    console.log(`figure: dist/extension.js is ${(size / 1024).toFixed(1)} KB minified (bound ${EXTENSION_BUDGET_BYTES / 1024} KB): ${ok ? "met" : "NOT MET"}`);
    return ok ? 0 : 1;
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}

process.exit(main());
