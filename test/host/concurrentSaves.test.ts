/**
 * Issue 12, finding 1, as a figure: three, then ten, generates of one prompt started together (two
 * images each), ten runs of each. Every image must be saved under its own name, and every file must
 * carry the provenance of its own request and image (so no image replaced another). The tally is
 * printed, whether the test passes or not.
 */
import * as assert from "node:assert/strict";
import * as vscode from "vscode";
import { readProvenance } from "../../src/provenance/read";
import { figure } from "../runner/figure";
import type { FakeFal } from "../fake-fal/server";
import { namesIn, scriptedPerson, TEST_KEY, workspaceRoot, withFakeFal, type Testing } from "./util";

const OUT = "generated-images";
const RUNS = 10;

async function clearOutput(): Promise<void> {
  await vscode.workspace.fs.delete(vscode.Uri.joinPath(workspaceRoot(), OUT), { recursive: true, useTrash: false }).then(undefined, () => undefined);
}

function minMedianMax(xs: readonly number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  return `${s[0]}/${s[Math.floor(s.length / 2)]}/${s[s.length - 1]}`;
}

describe("Concurrent generates of one prompt", function () {
  this.timeout(600_000);
  let fake: FakeFal;
  let t: Testing;
  const session = withFakeFal();
  before(async () => {
    ({ fake, t } = session);
    t.setUi(scriptedPerson().ui);
    await vscode.commands.executeCommand("grokImagine.setApiKey", TEST_KEY);
  });
  after(clearOutput);

  for (const together of [3, 10]) {
    it(`${together} at once, 2 images each, ${RUNS} runs: every image saved, all names distinct, none replaced`, async () => {
      const expected = together * 2 * RUNS;
      let returned = 0;
      let distinctReturned = 0;
      let onDisk = 0;
      let ownProvenance = 0;
      const ms: number[] = [];
      const problems: string[] = [];
      for (let run = 1; run <= RUNS; run++) {
        fake.reset();
        await clearOutput();
        const t0 = Date.now();
        const results = await Promise.all(
          Array.from({ length: together }, () => vscode.commands.executeCommand<vscode.Uri[]>("grokImagine.generate", { prompt: "one prompt for all", num_images: 2, output_format: "png" })),
        );
        ms.push(Date.now() - t0);
        const uris = results.flatMap((r) => r ?? []);
        returned += uris.length;
        distinctReturned += new Set(uris.map((u) => u.toString())).size;
        const files = await namesIn(OUT);
        onDisk += files.filter((n) => !n.startsWith(".")).length;
        if (files.some((n) => n.startsWith("."))) problems.push(`run ${run}: temporary files left: ${files.join(", ")}`);
        // Each file must be a different (request, image) of this run's requests.
        const requests = new Set(fake.submits.map((sub) => sub.requestId));
        const seen = new Set<string>();
        for (const name of files.filter((n) => !n.startsWith("."))) {
          const p = readProvenance(await vscode.workspace.fs.readFile(vscode.Uri.joinPath(workspaceRoot(), OUT, name)));
          const id = p ? `${p.requestId}#${p.imageIndex}` : `none:${name}`;
          if (p && requests.has(p.requestId) && !seen.has(id)) ownProvenance++;
          seen.add(id);
        }
        if (uris.length !== together * 2) problems.push(`run ${run}: ${uris.length} of ${together * 2} images returned`);
      }
      figure(
        `concurrent saves: ${together} generates × 2 images at once, ${RUNS} runs: ${returned}/${expected} images returned, ${distinctReturned}/${expected} distinct names, ` +
          `${onDisk}/${expected} files on disk, ${ownProvenance}/${expected} carrying their own request's image; run time min/median/max ${minMedianMax(ms)} ms`,
      );
      assert.deepEqual(problems, []);
      assert.equal(returned, expected, "every image returned");
      assert.equal(distinctReturned, expected, "all names distinct");
      assert.equal(onDisk, expected, "every image on disk");
      assert.equal(ownProvenance, expected, "no image replaced another");
    });
  }
});
