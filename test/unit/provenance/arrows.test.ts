/**
 * provenance/ is pure (ARCHITECTURE.md): no module in it imports vscode or @fal-ai/client, so plain
 * mocha tests it and nothing in it can reach the editor or the network.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { listFiles } from "../../runner/files";

const SRC = path.resolve(__dirname, "../../../../src");

describe("provenance: what it may import", () => {
  it("no module in src/provenance imports vscode or @fal-ai/client", () => {
    const files = listFiles(path.join(SRC, "provenance"), ".ts");
    assert.ok(files.length >= 10, `found ${files.length} modules`);
    for (const file of files) {
      const text = fs.readFileSync(file, "utf8");
      const imports = [...text.matchAll(/(?:import|export)\s[^;]*?from\s+"([^"]+)"|require\("([^"]+)"\)/g)].map((m) => m[1] ?? m[2]);
      for (const spec of imports) {
        assert.ok(spec !== "vscode" && !spec?.startsWith("@fal-ai/"), `${path.relative(SRC, file)} imports ${spec}`);
        if (spec?.startsWith(".")) {
          const target = path.resolve(path.dirname(file), spec);
          assert.ok(target.startsWith(path.join(SRC, "provenance")) || target.startsWith(path.join(SRC, "images")), `${path.relative(SRC, file)} imports ${spec}, outside provenance/ and images/`);
        }
      }
    }
  });
});
