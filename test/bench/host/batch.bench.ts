/**
 * Batch figures (issue 15), in the real extension host against the fake fal with fal-like timing:
 *  1. 200 lines, concurrency 4, each request running a random 0.5–2 s (seeded), with a burst of 429s
 *     (every submit refused for 2 s) in the middle: every line saved exactly once, no request
 *     submitted twice (accepted submits counted at the fake), wall time ≤ 1.2 × ideal (sum of the
 *     run times ÷ concurrency), extension host memory growth < 50 MB;
 *  2. the same batch interrupted by a reload halfway (the test API's simulateRestart): finished after
 *     the restart, nothing sent twice, every line saved once.
 * Each prints its numbers and fails when a bound is missed. GROK_BENCH_BATCH_LINES changes the size
 * (the bounds stay).
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs/promises";
import { performance } from "node:perf_hooks";
import * as v8 from "node:v8";
import * as vm from "node:vm";
import * as vscode from "vscode";
import { startFakeFal, type FakeFal } from "../../fake-fal/server";
import { figure } from "../../runner/figure";
import { fmt, median, parseTimings } from "../../runner/stats";
import { activateExtension, setUserSetting, TEST_KEY, workspaceRoot } from "../../host/util";

const LINES = Number(process.env.GROK_BENCH_BATCH_LINES ?? 200);
const CONCURRENCY = 4;
const MIN_RUN_MS = 500;
const MAX_RUN_MS = 2000;
/** How long fal refuses every submit with 429 in the middle of the batch. */
const BURST_MS = 2000;
const OUT = "generated-images";
const DIR = "batch-bench";

/** A small seeded generator (mulberry32): the same spread of run times on every run. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The median time between consecutive stages of the jobs whose log lines are given ("timings (ms) a +1, b +5, …"). */
function stageMedians(lines: readonly string[]): string {
  const deltas = new Map<string, number[]>();
  for (const l of lines) {
    const m = /timings \(ms\) ([^;]*)/.exec(l);
    if (!m) continue;
    // Stages are "+ms since the job began" (deltas shown); a note such as "verify 1.2" is a duration.
    let prev = 0;
    for (const [name, at] of parseTimings(m[1])) {
      const offset = m[1].includes(`${name} +`);
      deltas.set(name, [...(deltas.get(name) ?? []), offset ? at - prev : at]);
      if (offset) prev = at;
    }
  }
  return [...deltas].map(([k, xs]) => `${k} ${median(xs).toFixed(1)}`).join(", ");
}


/** A real garbage collection (the host does not expose gc; V8 can be asked to). */
function collect(): () => void {
  v8.setFlagsFromString("--expose-gc");
  const gc = vm.runInNewContext("gc") as () => void;
  return gc;
}

describe("Batch benchmarks", function () {
  this.timeout(20 * 60_000);
  let fake: FakeFal;
  let t: Awaited<ReturnType<typeof activateExtension>>;
  const runMs = new Map<string, number>();
  const prompts = (tag: string) => {
    const rand = seeded(15);
    return Array.from({ length: LINES }, (_, i) => {
      const p = `${tag} line ${i}`;
      runMs.set(p, Math.round(MIN_RUN_MS + rand() * (MAX_RUN_MS - MIN_RUN_MS)));
      return p;
    });
  };
  const root = () => workspaceRoot();
  const clear = async () => {
    for (const d of [OUT, DIR]) await vscode.workspace.fs.delete(vscode.Uri.joinPath(root(), d), { recursive: true, useTrash: false }).then(undefined, () => undefined);
  };
  const writePrompts = async (name: string, lines: string[]) => {
    const uri = vscode.Uri.joinPath(root(), DIR, name);
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(lines.join("\n") + "\n"));
    return uri;
  };
  const results = async (file: vscode.Uri) =>
    new TextDecoder()
      .decode(await vscode.workspace.fs.readFile(vscode.Uri.parse(`${file.toString()}.results.jsonl`)))
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l) as { status: string; paths?: string[]; requestId?: string });
  /** Accepted submits per prompt at the fake (a 429 is not a submit fal took). */
  const accepted = (tag: string) => {
    const m = new Map<string, number>();
    for (const s of fake.submits) {
      const p = (s.body as { prompt?: string }).prompt ?? "";
      if (s.requestId && p.startsWith(tag)) m.set(p, (m.get(p) ?? 0) + 1);
    }
    return m;
  };
  const checkOnce = async (tag: string, file: vscode.Uri) => {
    const rows = await results(file);
    const notSaved = rows.filter((r) => r.status !== "saved");
    assert.equal(notSaved.length, 0, `${notSaved.length} line(s) not saved: ${JSON.stringify(notSaved.slice(0, 3))}`);
    const sent = accepted(tag);
    const twice = [...sent].filter(([, n]) => n > 1);
    assert.equal(sent.size, LINES, `${sent.size} of ${LINES} lines reached fal`);
    assert.deepEqual(twice, [], "a line was submitted twice");
    const paths = rows.flatMap((r) => r.paths ?? []);
    assert.equal(new Set(paths).size, LINES, "each line saved once, to its own file");
    const onDisk = (await vscode.workspace.fs.readDirectory(vscode.Uri.joinPath(root(), OUT))).filter(([n]) => n.startsWith(tag));
    assert.equal(onDisk.length, LINES, `${onDisk.length} files on disk for ${LINES} lines`);
    return rows;
  };

  before(async () => {
    // The run time is the whole of a request at fal: its time in the queue is negligible here.
    fake = await startFakeFal({ queueMs: 1, queueSteps: 1, runMs: 100, runMsFor: (p) => runMs.get(p) });
    t = await activateExtension();
    t.setUi({ showInformationMessage: () => Promise.resolve(undefined), showWarningMessage: () => Promise.resolve(undefined) });
    await setUserSetting("proxyUrl", fake.url);
    await setUserSetting("openAfterSave", false);
    await vscode.commands.executeCommand("grokImagine.setApiKey", TEST_KEY);
    await clear();
  });
  after(async () => {
    t.resetUi();
    await setUserSetting("proxyUrl", undefined);
    await setUserSetting("openAfterSave", undefined);
    await clear();
    await fake.close();
  });

  it(`${LINES} lines, concurrency ${CONCURRENCY}, 0.5–2 s each, a 429 burst in the middle: each saved once, nothing sent twice, wall ≤ 1.2 × ideal, memory growth < 50 MB`, async () => {
    const gc = collect();
    // Warm up (modules, connections) so the memory baseline is the steady state.
    await vscode.commands.executeCommand("grokImagine.generateFromFile", { file: await writePrompts("warm.txt", ["warm a", "warm b", "warm c", "warm d"]), concurrency: CONCURRENCY });
    fake.reset();
    await new Promise((r) => setTimeout(r, 2000));
    gc();
    gc();
    const mem0 = process.memoryUsage();
    const lines = prompts("bench");
    const ideal = lines.reduce((sum, p) => sum + (runMs.get(p) ?? 0), 0) / CONCURRENCY;
    const file = await writePrompts("bench.txt", lines);
    // The burst: once half the lines are done at fal, every submit is answered 429 for BURST_MS.
    let completed = 0;
    let burstAt = 0;
    const off = fake.on("completed", () => {
      if (++completed !== Math.floor(LINES / 2)) return;
      burstAt = performance.now();
      const fault = fake.inject({ on: "submit", kind: "http", status: 429, times: Infinity });
      setTimeout(() => fault.remove(), BURST_MS);
    });
    const t0 = performance.now();
    await vscode.commands.executeCommand("grokImagine.generateFromFile", { file, concurrency: CONCURRENCY });
    const wall = performance.now() - t0;
    off();
    const rows = await checkOnce("bench", file);
    const refused = fake.requests.filter((r) => r.operation === "submit" && r.responseStatus === 429).length;
    // Per line: from COMPLETED at fal to its file on disk (the rename keeps the write's mtime).
    const lags: number[] = [];
    for (const r of rows) {
      const job = r.requestId ? fake.jobs.get(r.requestId) : undefined;
      const p = r.paths?.[0];
      if (!job?.completedAtEpochMs || !p) continue;
      lags.push((await fs.stat(vscode.Uri.joinPath(root(), p).fsPath)).mtimeMs - job.completedAtEpochMs);
    }
    const acceptedCount = accepted("bench").size;
    // Where the time went at fal: how busy the CONCURRENCY slots were, and how long a slot stood
    // empty between a request finishing and the next one arriving (the n-th completion frees the
    // slot the (n + CONCURRENCY)-th submit takes).
    const benchJobs = [...fake.jobs.values()].filter((j) => ((j.input?.prompt ?? "")).startsWith("bench"));
    const measuredIdeal = benchJobs.reduce((sum, j) => sum + ((j.completedAt ?? 0) - j.submittedAt), 0) / CONCURRENCY;
    const busy = measuredIdeal / wall;
    const completions = benchJobs.map((j) => j.completedAt ?? 0).sort((a, b) => a - b);
    const arrivals = benchJobs.map((j) => j.submittedAt).sort((a, b) => a - b);
    const turnaround = completions.slice(0, arrivals.length - CONCURRENCY).map((c, n) => arrivals[n + CONCURRENCY] - c);
    // The fake runs in this process and keeps every image it made: it lets go of them before the
    // measure, so that what is left is the extension's.
    fake.reset();
    // What is still settling (the last writes, timers of a second) ends before the measure.
    await new Promise((r) => setTimeout(r, 2000));
    gc();
    gc();
    const mem1 = process.memoryUsage();
    const growHeap = (mem1.heapUsed + mem1.external - mem0.heapUsed - mem0.external) / 1048576;
    const growRss = (mem1.rss - mem0.rss) / 1048576;
    // The ideal: each request's duration at fal (from its submit arriving to its COMPLETED, as the
    // fake measured it: the run time it was given plus the fake's own work, such as encoding the
    // image) summed, ÷ concurrency. The run times alone are printed too.
    const ratio = wall / measuredIdeal;
    figure(`batch of ${LINES}, concurrency ${CONCURRENCY}: wall ${(wall / 1000).toFixed(1)} s; ideal ${(measuredIdeal / 1000).toFixed(1)} s (requests' durations at fal ÷ ${CONCURRENCY}), ratio ${ratio.toFixed(3)} (bound 1.2); against the run times alone (${(ideal / 1000).toFixed(1)} s) ${(wall / ideal).toFixed(3)}`);
    figure(`429 burst of ${BURST_MS} ms at ${((burstAt - t0) / 1000).toFixed(1)} s: ${refused} submit(s) answered 429, ${acceptedCount} accepted, none twice`);
    figure(`request run times at the fake: ${fmt(lines.map((p) => runMs.get(p) ?? 0))}`);
    figure(`COMPLETED at fal → image on disk, per line: ${fmt(lags)}`);
    figure(`fal's ${CONCURRENCY} slots busy ${(busy * 100).toFixed(1)}% of the wall time; a slot empty between a request finishing and the next arriving: ${fmt(turnaround)}`);
    figure(`median ms between a job's stages (the last ${Math.min(LINES, 1000)} logged): ${stageMedians(t.logLines().filter((l) => l.includes("timings (ms)")).slice(-LINES))}`);
    figure(`extension host memory growth after the batch (after a GC): heap+external ${growHeap.toFixed(1)} MB (bound 50), rss ${growRss.toFixed(1)} MB`);
    assert.ok(refused > 0, "the burst of 429s happened");
    assert.ok(ratio <= 1.2, `wall ${(wall / 1000).toFixed(1)} s is ${ratio.toFixed(3)} × the ideal ${(measuredIdeal / 1000).toFixed(1)} s`);
    assert.ok(growHeap < 50, `memory grew ${growHeap.toFixed(1)} MB`);
  });

  it(`the same ${LINES} lines interrupted by a reload halfway: finished after the restart, nothing sent twice`, async () => {
    fake.reset();
    const lines = prompts("reload");
    const file = await writePrompts("reload.txt", lines);
    let saved = 0;
    let restarted: Promise<void> | undefined;
    const t0 = performance.now();
    const sub = t.pipeline().onDidSave(() => {
      if (++saved === Math.floor(LINES / 2)) restarted = t.simulateRestart();
    });
    const first = await vscode.commands.executeCommand<vscode.Uri | undefined>("grokImagine.generateFromFile", { file, concurrency: CONCURRENCY });
    assert.equal(first, undefined, "the run the reload interrupted resolves to nothing");
    assert.ok(restarted, "the reload happened");
    await restarted;
    const tRestart = performance.now();
    const savedBefore = saved;
    // The next "activation" finishes it in the background: wait for its record to go.
    await new Promise<void>((resolve, reject) => {
      const deadline = setTimeout(() => reject(new Error("the batch did not finish within 5 minutes of the restart")), 5 * 60_000);
      const check = () => {
        if ((t.workspaceState().get<string[]>("grokImagine.batches") ?? []).length === 0) {
          clearTimeout(deadline);
          resolve();
        } else setTimeout(check, 100);
      };
      check();
    });
    sub.dispose();
    const wall = performance.now() - t0;
    await checkOnce("reload", file);
    figure(`reload after ${savedBefore} of ${LINES} saved (${((tRestart - t0) / 1000).toFixed(1)} s): finished ${((performance.now() - tRestart) / 1000).toFixed(1)} s after the restart, ${(wall / 1000).toFixed(1)} s in all; ${accepted("reload").size} lines sent, none twice; ${LINES} files`);
  });
});
