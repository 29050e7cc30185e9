import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as vscode from "vscode";
import { startFakeFal, type FakeFal } from "../fake-fal/server";
import { sniffImageFormat } from "../../src/images/sniff";
import { namesIn, scriptedPerson, setUserSetting, TEST_KEY, until, whenJob, workspaceRoot, withFakeFal, type Testing, freshPerson } from "./util";

const OUT = "generated-images";

async function generate(arg?: unknown): Promise<vscode.Uri[]> {
  return (await vscode.commands.executeCommand<vscode.Uri[]>("grokImagine.generate", arg)) ?? [];
}

async function clearOutput(): Promise<void> {
  await vscode.workspace.fs.delete(vscode.Uri.joinPath(workspaceRoot(), OUT), { recursive: true, useTrash: false }).then(undefined, () => undefined);
}

describe("Generate Image", function () {
  this.timeout(60_000);
  let fake: FakeFal;
  let t: Testing;
  let person: ReturnType<typeof scriptedPerson>;

  const session = withFakeFal();
  before(() => ({ fake, t } = session));
  beforeEach(async () => {
    person = await freshPerson(session);
    await clearOutput();
  });

  it("with an argument object: sends exactly that request and saves the images, named after the prompt", async () => {
    const uris = await generate({ prompt: "A red fox in the snow", num_images: 2, aspect_ratio: "16:9", output_format: "png" });
    assert.deepEqual(uris.map((u) => vscode.workspace.asRelativePath(u)), [`${OUT}/a-red-fox-in-the-snow-1.png`, `${OUT}/a-red-fox-in-the-snow-2.png`]);
    for (const u of uris) assert.equal(sniffImageFormat(await vscode.workspace.fs.readFile(u)), "png");
    assert.equal(fake.submits.length, 1);
    assert.deepEqual(fake.submits[0].body, { prompt: "A red fox in the snow", num_images: 2, aspect_ratio: "16:9", resolution: "1k", output_format: "png", sync_mode: false });
    assert.ok(fake.submits[0].key === TEST_KEY, "the key fal saw is the stored one");
    assert.deepEqual(await namesIn(OUT), ["a-red-fox-in-the-snow-1.png", "a-red-fox-in-the-snow-2.png"], "no temporary files left");
    assert.match(person.seen.info.at(-1) ?? "", /Saved 2 images.*Revised prompt/);
  });

  it("takes the defaults from settings", async () => {
    await setUserSetting("outputFormat", "webp");
    try {
      const [u] = await generate({ prompt: "tiny house" });
      assert.equal(vscode.workspace.asRelativePath(u), `${OUT}/tiny-house.webp`);
      assert.equal(sniffImageFormat(await vscode.workspace.fs.readFile(u)), "webp");
      assert.equal((fake.submits[0].body as { output_format: string }).output_format, "webp");
    } finally {
      await setUserSetting("outputFormat", undefined);
    }
  });

  it("the quality tier (setting or argument) goes to its own endpoint with the same body", async () => {
    await setUserSetting("tier", "quality");
    try {
      await generate({ prompt: "quality by setting" });
      await generate({ prompt: "standard by argument", tier: "standard" });
    } finally {
      await setUserSetting("tier", undefined);
    }
    await generate({ prompt: "quality by argument", tier: "quality" });
    assert.deepEqual(fake.submits.map((x) => x.endpointId), ["xai/grok-imagine-image/quality/text-to-image", "xai/grok-imagine-image", "xai/grok-imagine-image/quality/text-to-image"]);
    for (const x of fake.submits) assert.ok(!("tier" in (x.body as object)), "fal never sees the tier");
    assert.deepEqual(await generate({ prompt: "x", tier: "premium" }), []);
    assert.match(person.seen.error.at(-1) ?? "", /tier must be one of standard, quality/);
  });

  it("with sync_mode decodes the inline images", async () => {
    const [u] = await generate({ prompt: "inline cat", sync_mode: true, output_format: "jpeg" });
    assert.equal(sniffImageFormat(await vscode.workspace.fs.readFile(u)), "jpeg");
    assert.equal(fake.downloads.length, 0, "nothing downloaded: the image came in the answer");
  });

  it("never overwrites a file that is already there", async () => {
    const folder = vscode.Uri.joinPath(workspaceRoot(), OUT);
    await vscode.workspace.fs.createDirectory(folder);
    const mine = new TextEncoder().encode("the person's own file");
    await vscode.workspace.fs.writeFile(vscode.Uri.joinPath(folder, "taken-name.jpg"), mine);
    await vscode.workspace.fs.writeFile(vscode.Uri.joinPath(folder, "TAKEN-NAME-2.JPG"), mine);
    const [u] = await generate({ prompt: "taken name" });
    assert.equal(vscode.workspace.asRelativePath(u), `${OUT}/taken-name-3.jpg`);
    assert.deepEqual(Buffer.from(await vscode.workspace.fs.readFile(vscode.Uri.joinPath(folder, "taken-name.jpg"))), Buffer.from(mine));
    assert.deepEqual(await namesIn(OUT), ["TAKEN-NAME-2.JPG", "taken-name-3.jpg", "taken-name.jpg"]);
  });

  it("takes the folder as a Uri too, and leaves alone temporary files it did not write", async () => {
    const folder = vscode.Uri.joinPath(workspaceRoot(), "docs", "art");
    await vscode.workspace.fs.createDirectory(folder);
    // Another window's (or an interrupted) save: not this job's to remove, however old.
    const old = vscode.Uri.joinPath(folder, ".old.jpg.0123456789abcdef.part");
    await vscode.workspace.fs.writeFile(old, new Uint8Array([1, 2, 3]));
    const hourAgo = new Date(Date.now() - 3600_000);
    fs.utimesSync(old.fsPath, hourAgo, hourAgo);
    try {
      const [u] = await generate({ prompt: "into docs", folder });
      assert.equal(vscode.workspace.asRelativePath(u), "docs/art/into-docs.jpg");
      assert.deepEqual((await vscode.workspace.fs.readDirectory(folder)).map(([n]) => n).sort(), [".old.jpg.0123456789abcdef.part", "into-docs.jpg"]);
    } finally {
      await vscode.workspace.fs.delete(folder, { recursive: true, useTrash: false });
    }
  });

  it("refuses a wrong value before sending anything, naming the field and the allowed values", async () => {
    const uris = await generate({ prompt: "x", aspect_ratio: "5:4", num_images: 7 });
    assert.deepEqual(uris, []);
    assert.equal(fake.submits.length, 0);
    const msg = person.seen.error.at(-1) ?? "";
    assert.match(msg, /aspect_ratio must be one of 2:1, 20:9, 19\.5:9, 16:9, 4:3, 3:2, 1:1, 2:3, 3:4, 9:16, 9:19\.5, 9:20, 1:2/);
    assert.match(msg, /num_images/);
    const empty = await generate({ prompt: "   " });
    assert.deepEqual(empty, []);
    assert.match(person.seen.error.at(-1) ?? "", /prompt/);
  });

  for (const phase of ["queue", "run"] as const) {
    it(`Cancel while ${phase === "queue" ? "queued" : "running"} cancels the request at fal and leaves no file`, async () => {
      fake.hold(phase);
      const pending = generate({ prompt: `cancel me ${phase}` });
      const job = await fake.waitForJob();
      if (phase === "run") await fake.waitForState(job.requestId, "IN_PROGRESS");
      const running = await whenJob(t, (j) => j.requestId === job.requestId && j.state === (phase === "queue" ? "queued" : "running"), "the job to show its state");
      assert.ok(t.cancelJob(running.id));
      assert.deepEqual(await pending, []);
      assert.deepEqual(fake.cancels.map((c) => c.requestId), [job.requestId], "PUT …/requests/{id}/cancel reached fal");
      assert.deepEqual(await namesIn(OUT), []);
      await until(() => t.pendingJobs().length === 0, "the record to go once fal says the request ended cancelled");
    });
  }

  it("a request that fal finishes although it was cancelled is kept and offered, not lost", async () => {
    const stubborn = await startFakeFal({ queueMs: 10, runMs: 40, cancelInProgress: "ignore", hold: "run" });
    await setUserSetting("proxyUrl", stubborn.url);
    try {
      const pending = generate({ prompt: "stubborn run" });
      const job = await stubborn.waitForJob();
      await stubborn.waitForState(job.requestId, "IN_PROGRESS");
      const running = await whenJob(t, (j) => j.requestId === job.requestId && j.state === "running", "the job to run");
      assert.ok(t.cancelJob(running.id));
      assert.deepEqual(await pending, [], "Cancel returns at once");
      assert.equal(stubborn.cancels[0]?.outcome, "CANCELLATION_REQUESTED");
      stubborn.release(job.requestId);
      await until(() => person.seen.warning.some((w) => /finished at fal anyway/.test(w)), "the person to be told it finished anyway");
      assert.deepEqual(await namesIn(OUT), [], "nothing the person cancelled is written unasked");
      assert.equal(t.pendingJobs().length, 1, "the paid-for result is kept");
      const saved = (await vscode.commands.executeCommand<vscode.Uri[]>("grokImagine.retrySaving")) ?? [];
      assert.deepEqual(saved.map((u) => vscode.workspace.asRelativePath(u)), [`${OUT}/stubborn-run.jpg`]);
      assert.deepEqual(t.pendingJobs(), []);
    } finally {
      await setUserSetting("proxyUrl", fake.url);
      await stubborn.close();
    }
  });

  it("a request that finished before the cancel arrived is paid for: its images are still saved", async () => {
    fake.hold("run");
    fake.inject({ on: "stream", kind: "slow", delayMs: 10_000, times: Infinity });
    fake.inject({ on: "status", kind: "slow", delayMs: 10_000, times: Infinity });
    const pending = generate({ prompt: "late cancel" });
    const job = await fake.waitForJob();
    await fake.waitForState(job.requestId, "IN_PROGRESS");
    fake.release(job.requestId);
    await fake.waitForState(job.requestId, "COMPLETED");
    const running = await whenJob(t, (j) => j.requestId === job.requestId, "the job");
    t.cancelJob(running.id);
    const uris = await pending;
    assert.equal(fake.cancels[0]?.outcome, "ALREADY_COMPLETED");
    assert.equal(uris.length, 1);
    assert.match(person.seen.info.at(-1) ?? "", /already finished when you cancelled/);
  });

  it("a job interrupted by a reload is completed by the next activation", async () => {
    fake.hold("run");
    const first = generate({ prompt: "survives reload" });
    const job = await fake.waitForJob();
    await until(() => t.pendingJobs().length === 1, "the job to be recorded in workspace storage");
    await t.simulateRestart();
    assert.deepEqual(await first, [], "the old window's job stopped waiting");
    assert.equal(fake.cancels.length, 0, "a reload does not cancel the request at fal");
    fake.release(job.requestId);
    await until(async () => (await namesIn(OUT)).includes("survives-reload.jpg"), "the resumed job to save its image");
    await until(() => t.pendingJobs().length === 0, "the record to be cleared");
  });

  describe("failures: a message that says what to do, and no file", () => {
    it("a refused key (401) offers Set API Key", async () => {
      fake.inject({ on: "submit", kind: "http", status: 401 });
      assert.deepEqual(await generate({ prompt: "bad key" }), []);
      assert.match(person.seen.error.at(-1) ?? "", /refused the API key.*Set API Key/);
      assert.deepEqual(await namesIn(OUT), []);
    });

    it("a content-policy refusal says to change the prompt and is not retried", async () => {
      fake.injectContentPolicyViolation();
      assert.deepEqual(await generate({ prompt: "something refused" }), []);
      assert.match(person.seen.error.at(-1) ?? "", /content policy/);
      assert.equal(fake.submits.length, 1);
      assert.deepEqual(await namesIn(OUT), []);
      assert.deepEqual(t.pendingJobs(), []);
    });

    it("fal's 422 names the field and fal's message", async () => {
      fake.inject({ on: "submit", kind: "http", status: 422, body: { detail: [{ loc: ["body", "prompt"], msg: "Prompt is too long", type: "value_error" }] } });
      assert.deepEqual(await generate({ prompt: "long" }), []);
      assert.match(person.seen.error.at(-1) ?? "", /prompt: Prompt is too long/);
    });

    it("a 500 on the result is retried and then succeeds", async () => {
      fake.inject({ on: "result", kind: "http", status: 500, times: 2 });
      const uris = await generate({ prompt: "flaky server" });
      assert.equal(uris.length, 1);
      assert.equal(fake.requests.filter((r) => r.operation === "result").length, 3);
    });

    it("a 500 on submit is not sent again (fal may have queued it), and says Retry", async () => {
      fake.inject({ on: "submit", kind: "http", status: 500, times: 1 });
      const buttons: string[][] = [];
      t.setUi({ ...person.ui, showErrorMessage: (m: string, ...items: string[]) => (person.seen.error.push(m), buttons.push(items), Promise.resolve(undefined)) });
      assert.deepEqual(await generate({ prompt: "flaky submit" }), []);
      assert.equal(fake.requests.filter((r) => r.operation === "submit").length, 1);
      assert.match(person.seen.error.at(-1) ?? "", /server error \(HTTP 500\)/);
      assert.ok(buttons.at(-1)?.includes("Retry"));
    });

    it("429s that do not stop are retried with backoff, then reported with Retry", async function () {
      this.timeout(90_000);
      fake.inject({ on: "submit", kind: "http", status: 429, headers: { "retry-after": "0" }, times: Infinity });
      const seenButtons: string[][] = [];
      t.setUi({ ...person.ui, showErrorMessage: (m: string, ...items: string[]) => (person.seen.error.push(m), seenButtons.push(items), Promise.resolve(undefined)) });
      assert.deepEqual(await generate({ prompt: "rate limited" }), []);
      assert.ok(fake.requests.filter((r) => r.operation === "submit").length > 1, "it was retried");
      assert.match(person.seen.error.at(-1) ?? "", /limiting requests.*retry/i);
      assert.ok(seenButtons.at(-1)?.includes("Retry"));
    });

    it("a network that is down is reported as such", async function () {
      this.timeout(90_000);
      fake.inject({ on: "submit", kind: "drop", times: Infinity });
      assert.deepEqual(await generate({ prompt: "offline" }), []);
      assert.match(person.seen.error.at(-1) ?? "", /network/);
      assert.deepEqual(await namesIn(OUT), []);
    });

    it("a truncated download is retried, then kept and offered again, and saved once it works", async () => {
      fake.inject({ on: "download", kind: "truncate", times: Infinity });
      assert.deepEqual(await generate({ prompt: "cut short" }), []);
      assert.match(person.seen.error.at(-1) ?? "", /incomplete|broke off/);
      assert.deepEqual(await namesIn(OUT), [], "a truncated image is never saved");
      const kept = t.pendingJobs();
      assert.equal(kept.length, 1, "the paid-for result is kept");
      fake.clearFaults();
      const downloadsBefore = fake.downloads.length;
      await vscode.commands.executeCommand("grokImagine.retrySaving");
      await until(async () => (await namesIn(OUT)).includes("cut-short.jpg"), "Retry Saving to save the image");
      assert.ok(fake.downloads.length > downloadsBefore);
      assert.equal(fake.submits.length, 1, "no second request was paid for");
      assert.deepEqual(t.pendingJobs(), []);
    });

    it("a download of the wrong type is never saved", async () => {
      fake.inject({ on: "download", kind: "wrongType", times: Infinity });
      assert.deepEqual(await generate({ prompt: "wrong bytes" }), []);
      assert.match(person.seen.error.at(-1) ?? "", /not the jpeg/);
      assert.deepEqual(await namesIn(OUT), []);
      await t.discardPending();
    });
  });
});
