import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { listFiles } from "../runner/files";

const ROOT = path.resolve(__dirname, "..", "..", "..");
// The bundle's map of what it takes from @fal-ai/client (plain JS, used by esbuild.js).
const { FAL_EXPORTS } = require(path.join(ROOT, "build", "falEntry.js")) as { FAL_EXPORTS: Record<string, string> };

/** Value (not type) names imported from "@fal-ai/client" anywhere in src/. */
function importedValues(): Map<string, string> {
  const found = new Map<string, string>();
  for (const file of listFiles(path.join(ROOT, "src"), ".ts")) {
    const text = fs.readFileSync(file, "utf8");
    for (const m of text.matchAll(/import\s+(type\s+)?\{([^}]*)\}\s+from\s+"@fal-ai\/client"/g)) {
      if (m[1]) continue;
      for (const part of m[2].split(",").map((p) => p.trim()).filter(Boolean)) {
        if (part.startsWith("type ")) continue;
        found.set(part.split(/\s+as\s+/)[0], path.relative(ROOT, file));
      }
    }
    assert.doesNotMatch(text, /import\s+\*\s+as\s+\w+\s+from\s+"@fal-ai\/client"/, `${file}: a namespace import would miss the bundle's list`);
  }
  return found;
}

describe("the bundle's entry into @fal-ai/client", () => {
  it("lists every value src/ imports from the package", () => {
    const values = importedValues();
    assert.ok(values.size > 0, "src/ imports something from @fal-ai/client");
    for (const [name, file] of values) assert.ok(name in FAL_EXPORTS, `${file} imports ${name}, which build/falEntry.js does not map`);
  });

  it("maps each name to the module that really exports it", () => {
    for (const [name, file] of Object.entries(FAL_EXPORTS)) {
      const mod = require(path.join(ROOT, "node_modules", "@fal-ai", "client", "src", file)) as Record<string, unknown>;
      assert.equal(typeof mod[name], "function", `${name} is not exported by @fal-ai/client/src/${file}`);
    }
  });
});
