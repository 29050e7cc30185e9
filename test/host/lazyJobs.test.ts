/**
 * core/lazyJobs.ts: what activation hands the gallery, the agent tools, batches and spend in place of
 * the job pipeline, which it makes (loading the core chunk) only when a job is run. Played here with a
 * pipeline double that records what is asked of it.
 */
import * as assert from "node:assert/strict";
import * as vscode from "vscode";
import { LazyJobs } from "../../src/core/lazyJobs";
import { JOURNAL_KEY, PENDING_KEY } from "../../src/core/keys";
import { BATCHES_KEY } from "../../src/batch/keys";
import type { JobOwner, JobPipeline, JobView, SavedItem } from "../../src/jobs/pipeline";

function double() {
  const saved = new vscode.EventEmitter<readonly SavedItem[]>();
  const changed = new vscode.EventEmitter<readonly JobView[]>();
  const adopted = new Set<JobOwner>();
  const calls: string[] = [];
  let disposed = false;
  const running: JobView[] = [{ id: "j1", kind: "generate", prompt: "a fox", state: "queued" }];
  const pipeline = {
    onDidSave: saved.event,
    onDidChange: changed.event,
    list: () => running,
    cancel: (id: string) => (calls.push(`cancel ${id}`), true),
    run: () => (calls.push("run"), Promise.resolve([])),
    runQuiet: () => (calls.push("runQuiet"), Promise.resolve({ saved: [] })),
    resumeQuiet: () => (calls.push("resumeQuiet"), Promise.resolve({ saved: [] })),
    adopt: (owner: JobOwner) => {
      adopted.add(owner);
      return new vscode.Disposable(() => adopted.delete(owner));
    },
    removeLeftovers: () => (calls.push("removeLeftovers"), Promise.resolve(2)),
    resumePending: () => (calls.push("resumePending"), Promise.resolve()),
    dispose: () => void (disposed = true),
  };
  return { pipeline: pipeline as unknown as JobPipeline, saved, changed, adopted, calls, disposed: () => disposed };
}

const owner = (id: string): JobOwner => ({ id, claims: () => false, suspend: async () => undefined, resume: async () => undefined });

describe("core/lazyJobs: the pipeline's stand-in until a job runs", () => {
  it("makes nothing to list or cancel, and keeps owners, until a job is run; then makes the pipeline once", async () => {
    const d = double();
    let made = 0;
    const jobs = new LazyJobs(() => (made++, d.pipeline));
    const batch = owner("batch");
    jobs.adopt(batch);
    assert.deepEqual(jobs.list(), []);
    assert.equal(jobs.cancel("j1"), false);
    assert.equal(made, 0, "neither listing nor cancelling makes the pipeline");
    assert.equal(jobs.loaded, false);
    await jobs.run({} as Parameters<JobPipeline["run"]>[0]);
    await jobs.runQuiet({} as Parameters<JobPipeline["runQuiet"]>[0], {} as Parameters<JobPipeline["runQuiet"]>[1]);
    assert.equal(made, 1);
    assert.equal(jobs.loaded, true);
    assert.ok(d.adopted.has(batch), "an owner kept before is adopted by the pipeline when it is made");
    assert.deepEqual(d.calls, ["run", "runQuiet"]);
    assert.deepEqual(jobs.list().map((j) => j.id), ["j1"]);
    assert.equal(jobs.cancel("j1"), true);
    jobs.dispose();
    assert.ok(d.disposed(), "disposing the stand-in disposes the pipeline");
  });

  it("passes the pipeline's events on to whoever subscribed before it was made", () => {
    const d = double();
    const jobs = new LazyJobs(() => d.pipeline);
    const saves: number[] = [];
    const changes: number[] = [];
    jobs.onDidSave((items) => saves.push(items.length));
    jobs.onDidChange((views) => changes.push(views.length));
    d.saved.fire([{} as SavedItem]); // not yet made: nothing to pass on
    jobs.pipeline();
    d.saved.fire([{} as SavedItem, {} as SavedItem]);
    d.changed.fire([]);
    assert.deepEqual(saves, [2]);
    assert.deepEqual(changes, [0]);
    jobs.dispose();
  });

  it("activation: nothing left by the last session makes nothing; a pending job, a temporary file or a batch makes the pipeline pick it up", async () => {
    const logged: string[] = [];
    const log = { info: (_c: string, m: string) => void logged.push(m), error: (_c: string, m: string) => void logged.push(`error: ${m}`) };
    const state = (values: Record<string, unknown>) => ({ get: (key: string) => values[key] });
    const idle = double();
    const idleJobs = new LazyJobs(() => idle.pipeline);
    assert.equal(idleJobs.pickUp(state({ [PENDING_KEY]: [], "grokImagine.spend.ledger": [1] }), log), false);
    assert.equal(idleJobs.loaded, false, "the core is not loaded");
    assert.deepEqual(idle.calls, []);
    for (const key of [PENDING_KEY, JOURNAL_KEY, BATCHES_KEY]) {
      const d = double();
      const jobs = new LazyJobs(() => d.pipeline);
      assert.equal(jobs.pickUp(state({ [key]: ["something"] }), log), true, key);
      assert.equal(jobs.loaded, true, key);
      assert.deepEqual(d.calls, ["removeLeftovers", "resumePending"], key);
      jobs.dispose();
    }
    await new Promise((r) => setTimeout(r, 0));
    assert.ok(logged.includes("Removed 2 temporary files an interrupted save left."), logged.join("\n"));
    idleJobs.dispose();
  });

  it("once disposed (the window closing), no pipeline is made for a late command", () => {
    const d = double();
    let made = 0;
    const jobs = new LazyJobs(() => (made++, d.pipeline));
    jobs.dispose();
    assert.throws(() => jobs.pipeline(), /shutting down/);
    assert.equal(made, 0);
    assert.deepEqual(jobs.list(), []);
  });

  it("an owner disposed before or after the pipeline is made is no longer adopted", () => {
    const d = double();
    const jobs = new LazyJobs(() => d.pipeline);
    const early = jobs.adopt(owner("early"));
    const late = owner("late");
    const lateReg = jobs.adopt(late);
    early.dispose();
    jobs.pipeline();
    assert.deepEqual([...d.adopted].map((o) => o.id), ["late"]);
    lateReg.dispose();
    assert.equal(d.adopted.size, 0);
    const after = owner("after");
    jobs.adopt(after);
    assert.ok(d.adopted.has(after), "adopted at once once the pipeline exists");
    jobs.dispose();
  });
});
