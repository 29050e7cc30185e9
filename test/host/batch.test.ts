/**
 * Generate from Prompts File in the real extension host against the fake fal: what is sent, what is
 * saved, the results file, one summary instead of a message per line, the bad-lines report, a second
 * run doing only what is left, Cancel, a reload halfway, and files outside the workspace refused.
 */
import * as assert from "node:assert/strict";
import * as vscode from "vscode";
import type { FakeFal } from "../fake-fal/server";
import { freshPerson, namesIn, scriptedPerson, setUserSetting, until, workspaceRoot, withFakeFal, type Testing } from "./util";

const OUT = "generated-images";
const DIR = "batch-prompts";

interface ResultRow {
  line: number;
  status: string;
  prompt: string;
  paths?: string[];
  requestId?: string;
  error?: string;
}

async function writeFile(name: string, text: string): Promise<vscode.Uri> {
  const uri = vscode.Uri.joinPath(workspaceRoot(), DIR, name);
  await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(text));
  return uri;
}

async function readResults(file: vscode.Uri): Promise<ResultRow[]> {
  const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(vscode.Uri.parse(`${file.toString()}.results.jsonl`)));
  // A batch that has finished no line yet has an empty results file (a resumed one rewrites it too).
  return text.split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l) as ResultRow);
}

function runBatch(arg: unknown, uris?: unknown): Thenable<vscode.Uri | undefined> {
  return vscode.commands.executeCommand<vscode.Uri | undefined>("grokImagine.generateFromFile", arg, uris);
}

/** Accepted submits by prompt (a 429 answered before fal took it is not a submit). */
function submitsByPrompt(fake: FakeFal): Map<string, number> {
  const m = new Map<string, number>();
  for (const s of fake.submits) {
    if (!s.requestId) continue;
    const p = (s.body as { prompt: string }).prompt;
    m.set(p, (m.get(p) ?? 0) + 1);
  }
  return m;
}

async function clear(): Promise<void> {
  for (const d of [OUT, DIR]) await vscode.workspace.fs.delete(vscode.Uri.joinPath(workspaceRoot(), d), { recursive: true, useTrash: false }).then(undefined, () => undefined);
}

describe("Generate from Prompts File", function () {
  this.timeout(120_000);
  let fake: FakeFal;
  let t: Testing;
  let person: ReturnType<typeof scriptedPerson>;
  const session = withFakeFal({ queueMs: 20, runMs: 60 });
  before(() => ({ fake, t } = session));
  beforeEach(async () => {
    person = await freshPerson(session);
    await clear();
  });
  after(clear);

  it("from a script: every line sent once, saved, written to <file>.results.jsonl; a failing line does not stop the others; one summary", async () => {
    const prompts = ["a red fox", "a blue whale", "an owl [fake:content_policy]", "a green frog", "# a comment", "", "a grey cat", "a pink pig"];
    const file = await writeFile("animals.txt", prompts.join("\n"));
    const results = await runBatch({ file, concurrency: 2 });
    assert.equal(results?.toString(), `${file.toString()}.results.jsonl`);
    const rows = await readResults(file);
    assert.deepEqual(rows.map((r) => [r.line, r.status]), [[1, "saved"], [2, "saved"], [3, "failed"], [4, "saved"], [7, "saved"], [8, "saved"]]);
    assert.ok(rows.every((r) => r.requestId), "every line has its request id");
    assert.match(rows[2].error ?? "", /content policy/);
    assert.deepEqual(rows[0].paths, [`${OUT}/a-red-fox.jpg`]);
    assert.deepEqual(await namesIn(OUT), ["a-blue-whale.jpg", "a-green-frog.jpg", "a-grey-cat.jpg", "a-pink-pig.jpg", "a-red-fox.jpg"]);
    assert.deepEqual([...submitsByPrompt(fake).values()], [1, 1, 1, 1, 1, 1], "each line sent exactly once");
    assert.equal(person.seen.info.filter((m) => /Saved/.test(m)).length, 0, "no message per line");
    assert.equal(person.seen.error.length, 0, "a failing line is in the summary, not a message of its own");
    assert.match(person.seen.warning.at(-1) ?? "", /batch of .*animals\.txt is done: 5 of 6 saved, 1 not \(\$0\.10\)/);
    assert.deepEqual(await namesIn(DIR), ["animals.txt", "animals.txt.results.jsonl"], "no temporary file left beside it");
    assert.equal(t.pendingJobs().length, 0, "no job record left");
    assert.deepEqual(t.workspaceState().get("grokImagine.batches"), [], "the batch's record is gone once it is done");

    // The same file again: only the line not yet done is sent.
    const before = fake.submits.length;
    await runBatch(file);
    assert.equal(fake.submits.length - before, 1);
    assert.equal((fake.submits.at(-1)?.body as { prompt: string }).prompt, "an owl [fake:content_policy]");
    const again = await readResults(file);
    assert.deepEqual(again.map((r) => r.status), ["saved", "saved", "failed", "saved", "saved", "saved"]);
    assert.deepEqual(again[0].paths, [`${OUT}/a-red-fox.jpg`], "the earlier run's results are kept");
  });

  it(".jsonl and .csv lines carry fields, name and folder; the person confirms the count and the estimated cost", async () => {
    const confirming = scriptedPerson({ choose: (m, items) => (/Generate from/.test(m) ? items[0] : undefined) });
    t.setUi(confirming.ui);
    const jsonl = await writeFile("set.jsonl", '{"prompt":"shield icon","name":"shield","folder":"batch-prompts/icons","output_format":"png","num_images":2}\n{"prompt":"sword icon","aspect_ratio":"16:9"}\n');
    // From the Explorer: (uri, selected uris).
    await runBatch(jsonl, [jsonl]);
    const modal = confirming.seen.modals.at(-1);
    assert.match(modal?.message ?? "", /Generate from .*set\.jsonl\?/);
    assert.match(modal?.detail ?? "", /2 requests, 3 images in all, estimated \$0\.06/);
    assert.deepEqual(await namesIn(`${DIR}/icons`), ["shield-1.png", "shield-2.png"]);
    assert.deepEqual(await namesIn(OUT), ["sword-icon.jpg"]);
    assert.equal((fake.submits.find((s) => (s.body as { prompt: string }).prompt === "sword icon")?.body as { aspect_ratio: string }).aspect_ratio, "16:9");

    const csv = await writeFile("set.csv", 'prompt,num_images,name\r\n"a shield, round",1,round-shield\r\n');
    await runBatch(csv, [csv]);
    assert.deepEqual(await namesIn(OUT), ["round-shield.jpg", "sword-icon.jpg"]);
    assert.equal((fake.submits.at(-1)?.body as { prompt: string }).prompt, "a shield, round");

    // Declined: nothing sent.
    const declining = scriptedPerson({ choose: () => undefined });
    t.setUi(declining.ui);
    const n = fake.submits.length;
    const other = await writeFile("other.txt", "a tree\n");
    assert.equal(await runBatch(other, [other]), undefined);
    assert.equal(fake.submits.length, n);
  });

  it("bad lines: nothing is sent, and the person gets them with their line numbers", async () => {
    const file = await writeFile("bad.jsonl", '{"prompt":"fine"}\n{"prompt":"x","num_images":99}\nnot json\n{"prompt":"y","evil":1}\n');
    assert.equal(await runBatch(file), undefined);
    assert.equal(fake.requests.length, 0, "nothing reached fal");
    assert.match(person.seen.error.at(-1) ?? "", /bad\.jsonl has 3 bad line\(s\), so nothing was sent\. line 2: num_images.*line 3: not valid JSON.*line 4: Unknown field "evil"/);
    assert.ok(t.logLines().some((l) => /line 4: Unknown field/.test(l)));
  });

  it("a file outside the workspace, or not a prompts file, is refused", async () => {
    assert.equal(await runBatch(vscode.Uri.file("/etc/hostname.txt")), undefined);
    assert.match(person.seen.error.at(-1) ?? "", /outside|not inside|workspace/i);
    const png = await writeFile("x.png", "x");
    assert.equal(await runBatch(png), undefined);
    assert.match(person.seen.error.at(-1) ?? "", /not a prompts file/);
    assert.equal(await runBatch({ file: png, concurrency: 99 }), undefined);
    assert.equal(fake.requests.length, 0);
  });

  it("Cancel: the requests in flight are cancelled at fal and no more are sent", async () => {
    fake.hold("run");
    const file = await writeFile("cancel.txt", Array.from({ length: 8 }, (_, i) => `cancel me ${i}`).join("\n"));
    const running = runBatch({ file, concurrency: 2 });
    await until(() => [...fake.jobs.values()].filter((j) => j.state === "IN_PROGRESS").length === 2, "two requests running at fal");
    assert.equal(t.cancelBatches(), 1);
    await running;
    assert.equal(fake.submits.length, 2, "no more were sent");
    await until(() => fake.cancels.length === 2, "both cancelled at fal");
    const rows = await readResults(file);
    assert.deepEqual(rows.map((r) => r.status), Array(8).fill("cancelled"));
    fake.hold("none");
  });

  it("a reload halfway: the next start finishes the batch, following what fal took and sending nothing twice", async () => {
    const prompts = Array.from({ length: 12 }, (_, i) => `reload ${i}`);
    const file = await writeFile("reload.txt", prompts.join("\n"));
    const first = runBatch({ file, concurrency: 3 });
    await until(async () => (await namesIn(OUT)).length >= 5, "five lines saved", 30_000);
    await t.simulateRestart();
    assert.equal(await first, undefined, "the interrupted run resolves to nothing; the next start finishes it");
    await until(async () => (await namesIn(DIR)).includes("reload.txt.results.jsonl") && (await readResults(file)).filter((r) => r.status === "saved").length === prompts.length, "every line saved after the restart", 60_000);
    await until(() => (t.workspaceState().get<string[]>("grokImagine.batches") ?? []).length === 0, "the batch's record to go");
    const sent = submitsByPrompt(fake);
    assert.equal(sent.size, 12);
    assert.ok([...sent.values()].every((n) => n === 1), `sent twice: ${[...sent].filter(([, n]) => n > 1).map(([p]) => p).join(", ")}`);
    assert.equal((await namesIn(OUT)).length, 12, "each saved once");
    assert.deepEqual((await readResults(file)).map((r) => r.status), Array(12).fill("saved"), "one row per line, each saved");
    assert.match(person.seen.info.at(-1) ?? "", /reload\.txt is done: 12 of 12 saved/);
  });

  it("recorded batch ids that are not valid are dropped at the next start (kept, every activation would load the batch code for them)", async () => {
    // A batch of this session first, so that the batch code is loaded (a new window loads it for a recorded id).
    await runBatch({ file: await writeFile("one.txt", "a lighthouse at dusk") });
    await t.workspaceState().update("grokImagine.batches", ["../escape", 7, "x".repeat(300)]);
    await t.simulateRestart();
    await until(() => (t.workspaceState().get<unknown[]>("grokImagine.batches") ?? [1]).length === 0, "the invalid ids to be dropped");
  });

  it("a burst of 429s: the batch waits once and finishes; lines fal refused are sent again, none twice", async () => {
    const file = await writeFile("burst.txt", Array.from({ length: 10 }, (_, i) => `burst ${i}`).join("\n"));
    fake.inject({ on: "submit", kind: "http", status: 429, times: 6 });
    await runBatch({ file, concurrency: 4 });
    const rows = await readResults(file);
    assert.deepEqual(rows.map((r) => r.status), Array(10).fill("saved"));
    assert.ok([...submitsByPrompt(fake).values()].every((n) => n === 1));
    assert.ok(t.logLines().some((l) => /fal asked to slow down \d time/.test(l)));
  });
});

describe("Generate from Prompts File: settings", function () {
  this.timeout(60_000);
  const session = withFakeFal({ queueMs: 10, runMs: 20 });
  it("a bad grokImagine.batchConcurrency falls back to 4 and says so in the log", async () => {
    await freshPerson(session);
    await setUserSetting("batchConcurrency", 0);
    try {
      const file = await writeFile("conc.txt", "one\n");
      await runBatch(file);
      assert.ok(session.t.logLines().some((l) => /batchConcurrency must be a whole number from 1 to 16; using 4/.test(l)));
    } finally {
      await setUserSetting("batchConcurrency", undefined);
      await clear();
    }
  });
});
