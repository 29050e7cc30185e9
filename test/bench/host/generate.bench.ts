/**
 * Generate's figures, measured in the real extension host against the fake fal, each against a
 * floor measured in the same run and failing over its bound (issue 16):
 *  1. from the fake marking a request COMPLETED to the first image on disk: median ≤ 25 ms, worst ≤ 60 ms;
 *  2. the extension's whole path (submit → wait → download → verify → stamp → save), 4 images at 2k,
 *     ≤ 1.05 × the floor: the raw @fal-ai/client `subscribe` in streaming mode, a plain download of
 *     the images and a write of each through vscode.workspace.fs (which the extension must use too);
 *     interleaved with it, in a rotating order, so that load on the machine falls on both alike.
 * Each of the extension's stages (stamp, verify, write, name, …) is printed for the 4 × 2k runs,
 * with the save stage against writing the same bytes through workspace.fs.
 * Every figure: min / median / max over its runs (GROK_BENCH_RUNS, default 15: with 9 the median of the whole
 * path and of its floor each moved by 10-20 ms between clean runs, as much as the bound allows).
 */
import * as assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import * as fs from "node:fs/promises";
import { performance } from "node:perf_hooks";
import * as vscode from "vscode";
import { createFalClient } from "@fal-ai/client";
import { startFakeFal, type FakeFal } from "../../fake-fal/server";
import { startFakeFalProcess } from "../../fake-fal/process";
import { figure } from "../../runner/figure";
import { fmt, interleaved, median, parseTimings } from "../../runner/stats";
import { activateExtension, setUserSetting, TEST_KEY, workspaceRoot } from "../../host/util";

const WHOLE_PROMPT = "whole path";

const RUNS = Math.max(7, Number(process.env.GROK_BENCH_RUNS ?? 15));
const BOUNDS = { completedMedianMs: 25, completedWorstMs: 60, wholePathRatio: 1.05 };

describe("Generate benchmarks", function () {
  this.timeout(15 * 60_000);
  let fake: FakeFal;
  let t: Awaited<ReturnType<typeof activateExtension>>;
  const out = () => vscode.Uri.joinPath(workspaceRoot(), "generated-images");

  before(async () => {
    // Pictures seeded by prompt, and so made once per prompt: the whole path's runs share one prompt,
    // so that the fake does not encode 4 × 2k JPEGs (on this machine's two cores) during every run of
    // either path, which weighed on whichever ran beside it.
    fake = await startFakeFal({ queueMs: 50, runMs: 150, imageSeed: "prompt" });
    t = await activateExtension();
    t.setUi({ showInformationMessage: () => Promise.resolve(undefined) });
    await setUserSetting("proxyUrl", fake.url);
    await setUserSetting("openAfterSave", false);
    await vscode.commands.executeCommand("grokImagine.setApiKey", TEST_KEY);
  });
  after(async () => {
    await vscode.workspace.fs.delete(out(), { recursive: true, useTrash: false }).then(undefined, () => undefined);
    await setUserSetting("proxyUrl", undefined);
    await setUserSetting("openAfterSave", undefined);
    await fake.close();
  });

  describe("COMPLETED at fal → first image on disk", () => {
    const lags: number[] = [];
    /** Each run's stages, from its "timings (ms)" log line. */
    const timings: string[] = [];
    before(async () => {
      for (let i = -1; i < RUNS; i++) {
        fake.reset();
        const uris = (await vscode.commands.executeCommand<vscode.Uri[]>("grokImagine.generate", { prompt: `latency ${i}`, num_images: 1 })) ?? [];
        assert.equal(uris.length, 1);
        const job = [...fake.jobs.values()][0];
        assert.ok(job.completedAtEpochMs);
        // The file's mtime is when its last byte was written (giving it its name keeps it).
        const written = Math.min(...(await Promise.all(uris.map((u) => fs.stat(u.fsPath)))).map((s) => s.mtimeMs));
        if (i < 0) continue; // run -1 loads what the first job needs
        lags.push(written - job.completedAtEpochMs);
        timings.push((t.logLines().filter((l) => l.includes("timings (ms)")).at(-1) ?? "").replace(/.*timings \(ms\) /, "").replace(/; wrote.*/, ""));
      }
      figure(`COMPLETED → first image on disk, 1 image at 1k: ${fmt(lags)} (in order: ${lags.map((l) => l.toFixed(0)).join(", ")}) (bounds: median ${BOUNDS.completedMedianMs} ms, worst ${BOUNDS.completedWorstMs} ms)`);
      // The slowest run's stages say where its time went (the first one that was slow is named).
      const worst = lags.indexOf(Math.max(...lags));
      figure(`the slowest run's timings (run ${worst + 1}): ${timings[worst]}`);
      figure(`the last run's timings: ${timings.at(-1)}`);
    });
    it(`median ≤ ${BOUNDS.completedMedianMs} ms`, () => {
      assert.equal(lags.length, RUNS);
      assert.ok(median(lags) <= BOUNDS.completedMedianMs, `COMPLETED → first image on disk: ${fmt(lags)}`);
    });
    it(`worst ≤ ${BOUNDS.completedWorstMs} ms`, () => {
      assert.equal(lags.length, RUNS);
      assert.ok(Math.max(...lags) <= BOUNDS.completedWorstMs, `COMPLETED → first image on disk: ${fmt(lags)}`);
    });
  });

  describe("whole path for 4 images at 2k against its floor (raw streaming subscribe + download + workspace.fs write)", () => {
    const ext: number[] = [];
    const floor: number[] = [];
    const rawPolling: number[] = [];

    let falProcess: ChildProcess | undefined;
    after(() => falProcess?.kill());

    before(async () => {
      // fal in a process of its own, as fal's servers are: serving 4 × 2.2 MB on the extension host's
      // thread weighed on both paths unevenly (per-round ratios 0.7-1.4 with it in process).
      const own = await startFakeFalProcess(["--queue-ms", "50", "--run-ms", "150", "--image-seed", "prompt"]);
      falProcess = own.child;
      await setUserSetting("proxyUrl", own.url);
      const input = { num_images: 4, resolution: "2k", aspect_ratio: "1:1", output_format: "jpeg", sync_mode: false } as const;
      const rawDir = vscode.Uri.joinPath(workspaceRoot(), "raw-baseline");
      await vscode.workspace.fs.createDirectory(rawDir);
      const client = createFalClient({ credentials: TEST_KEY, proxyUrl: { url: own.url, when: "always" }, suppressLocalCredentialsWarning: true });
      // The client's generated types alias this model to another one's input; call it untyped.
      const subscribe = client.subscribe.bind(client) as unknown as (id: string, o: { input: object; mode: "polling" | "streaming" }) => Promise<{ data: unknown }>;
      const rawOnce = async (i: number, mode: "polling" | "streaming") => {
        const t0 = performance.now();
        const res = await subscribe("xai/grok-imagine-image", { input: { prompt: WHOLE_PROMPT, ...input }, mode });
        const images = (res.data as { images: { url: string }[] }).images;
        await Promise.all(
          images.map(async (img, k) => {
            const bytes = new Uint8Array(await (await fetch(img.url)).arrayBuffer());
            await vscode.workspace.fs.writeFile(vscode.Uri.joinPath(rawDir, `raw-${mode}-${i}-${k}.jpg`), bytes);
          }),
        );
        return performance.now() - t0;
      };
      const extOnce = async () => {
        const t0 = performance.now();
        const uris = (await vscode.commands.executeCommand<vscode.Uri[]>("grokImagine.generate", { prompt: WHOLE_PROMPT, ...input })) ?? [];
        assert.equal(uris.length, 4);
        return performance.now() - t0;
      };
      await extOnce(); // warm both paths (module loading, connections)
      await rawOnce(-1, "streaming");
      await rawOnce(-1, "polling");
      await interleaved(RUNS, [
        async () => void ext.push(await extOnce()),
        async (i) => void floor.push(await rawOnce(i, "streaming")),
        async (i) => void rawPolling.push(await rawOnce(i, "polling")),
      ]);
      // The log keeps its last 1,000 lines: the extension's runs are found by the files they wrote.
      const timings = t
        .logLines()
        .filter((l) => l.includes("timings (ms)") && /; wrote [^;]*\bwhole-path-/.test(l))
        .slice(-RUNS)
        .map((l) => parseTimings(l.replace(/.*timings \(ms\) /, "").replace(/; wrote.*/, "")));
      figure(`extension whole path, 4 × 2k: ${fmt(ext)}`);
      figure(`floor: raw subscribe (streaming) + download + workspace.fs write: ${fmt(floor)}`);
      figure(`raw subscribe (polling, the client's default) + download + workspace.fs write: ${fmt(rawPolling)} (for information)`);
      figure(`ratio extension / floor: median/median ${(median(ext) / median(floor)).toFixed(3)}; per round ${fmt(ext.map((e, i) => e / floor[i]), "", 3)} (bound ${BOUNDS.wholePathRatio})`);
      // Each stage of the extension's runs: the time between the marks that bound it.
      const stage = (from: string, to: string) => timings.map((m) => (m.get(to) ?? NaN) - (m.get(from) ?? NaN)).filter(Number.isFinite);
      const rows: [string, number[]][] = [
        ["submit (prepared → submitted)", stage("prepared", "submitted")],
        ["wait at fal (recorded → completed)", stage("recorded", "completed")],
        ["result (completed → result)", stage("completed", "result")],
        ["download, 4 images (result → downloaded)", stage("result", "downloaded")],
        ["verify, all 4 images (sum)", timings.map((m) => m.get("verify") ?? NaN).filter(Number.isFinite)],
        ["stamp (downloaded → stamped)", stage("downloaded", "stamped")],
        ["check the folder (stamped → checked)", stage("stamped", "checked")],
        ["list and pick names (checked → listed)", stage("checked", "listed")],
        ["write the temporary files (listed → written)", stage("listed", "written")],
        ["give them their names (written → named)", stage("written", "named")],
        ["end the save (named → saved)", stage("named", "saved")],
        ["downloaded → saved", stage("downloaded", "saved")],
        ["forget the record (saved → cleared)", stage("saved", "cleared")],
      ];
      for (const [name, xs] of rows) figure(`  stage ${name}: ${fmt(xs, "ms", 1)}`);
      assert.equal(timings.length, RUNS, "each of the extension's runs logged its stages");
      // The save stage's own floor: the same bytes written through workspace.fs, 4 at once.
      const blob = new Uint8Array(2_200_000).map((_, i) => (i * 2654435761) >>> 24);
      const wsfs: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        const t0 = performance.now();
        await Promise.all([0, 1, 2, 3].map((k) => vscode.workspace.fs.writeFile(vscode.Uri.joinPath(rawDir, `ws-${i}-${k}.bin`), blob)));
        wsfs.push(performance.now() - t0);
      }
      figure(`  for comparison, writing 4 × 2.2 MB through vscode.workspace.fs: ${fmt(wsfs, "ms", 1)}`);
      await vscode.workspace.fs.delete(rawDir, { recursive: true, useTrash: false });
    });

    it(`whole path ≤ ${BOUNDS.wholePathRatio} × the floor (medians of ${RUNS} interleaved runs)`, () => {
      assert.equal(ext.length, RUNS);
      const ratio = median(ext) / median(floor);
      assert.ok(ratio <= BOUNDS.wholePathRatio, `ratio ${ratio.toFixed(3)} is over ${BOUNDS.wholePathRatio} (extension ${fmt(ext)}, floor ${fmt(floor)})`);
    });
  });
});
