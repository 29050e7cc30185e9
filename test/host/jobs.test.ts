/**
 * The jobs pipeline against a misbehaving fal (the fake's faults): answers that are too large, list
 * too many images or point elsewhere; records and polling; the proxy setting.
 */
import * as assert from "node:assert/strict";
import * as vscode from "vscode";
import type { FakeFal } from "../fake-fal/server";
import type { SavedItem } from "../../src/jobs/pipeline";
import { provenanceOf } from "../../src/workspace/provenance";
import { figure } from "../runner/figure";
import { namesIn, scriptedPerson, setUserSetting, TEST_KEY, until, workspaceRoot, withFakeFal, type Testing, freshPerson } from "./util";

const OUT = "generated-images";
const MB = 1024 * 1024;

async function generate(arg?: unknown): Promise<vscode.Uri[]> {
  return (await vscode.commands.executeCommand<vscode.Uri[]>("grokImagine.generate", arg)) ?? [];
}

async function clearOutput(): Promise<void> {
  await vscode.workspace.fs.delete(vscode.Uri.joinPath(workspaceRoot(), OUT), { recursive: true, useTrash: false }).then(undefined, () => undefined);
}

/** Runs `work` while sampling the extension host's memory; resolves to its result and the peak growth. */
async function measuringMemory<T>(work: () => Promise<T>): Promise<{ value: T; rssMb: number; externalMb: number }> {
  const base = process.memoryUsage();
  let peakRss = base.rss;
  let peakExternal = base.external + base.arrayBuffers;
  const sample = () => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakExternal = Math.max(peakExternal, m.external);
  };
  const timer = setInterval(sample, 5);
  try {
    const value = await work();
    sample();
    return { value, rssMb: (peakRss - base.rss) / MB, externalMb: (peakExternal - base.external) / MB };
  } finally {
    clearInterval(timer);
  }
}

describe("Jobs: fal's answers are held to limits", function () {
  this.timeout(120_000);
  let fake: FakeFal;
  let t: Testing;
  let person: ReturnType<typeof scriptedPerson>;

  const session = withFakeFal();
  before(() => ({ fake, t } = session));
  beforeEach(async () => {
    person = await freshPerson(session);
    await clearOutput();
  });
  afterEach(() => t.discardPending());

  for (const declared of [false, true]) {
    it(`a 400 MB image body${declared ? " (declared in Content-Length)" : " (no Content-Length)"}: stopped, nothing saved, a message, host memory grows ≤ 100 MB`, async () => {
      // The fake runs in this same process and encodes its pictures with sharp: one ordinary job
      // first, so that what is measured is the huge answer, not the fake's encoder warming up.
      assert.equal((await generate({ prompt: "a warm-up", output_format: "png" })).length, 1);
      await clearOutput();
      fake.inject({ on: "download", kind: "huge", bytes: 400 * MB, honestLength: declared, times: Infinity });
      const downloadsBefore = fake.downloads.length;
      const t0 = Date.now();
      const { value: uris, rssMb, externalMb } = await measuringMemory(() => generate({ prompt: "a huge answer", output_format: "png" }));
      const ms = Date.now() - t0;
      figure(`400 MB image body${declared ? " with Content-Length" : ", chunked"}: extension host peak growth rss ${rssMb.toFixed(1)} MB, buffers ${externalMb.toFixed(1)} MB, answered in ${ms} ms (bound 100 MB)`);
      assert.deepEqual(uris, []);
      assert.deepEqual(await namesIn(OUT), [], "nothing saved");
      assert.match(person.seen.error.at(-1) ?? "", /larger than 32 MB/);
      // rss depends on whether the process has grown this far before (freed pages are reused), so the
      // buffers (Node's external memory: what the download itself held) are held to the bound too.
      assert.ok(rssMb <= 100, `the extension host grew ${rssMb.toFixed(1)} MB`);
      assert.ok(externalMb <= 100, `the extension host's buffers grew ${externalMb.toFixed(1)} MB`);
      assert.equal(fake.downloads.length - downloadsBefore, 1, "a refused body is not downloaded again");
      assert.ok(t.logLines().some((l) => /refused|larger than/.test(l)), "the log says why");
    });
  }

  it("a result listing more images than asked for: only those asked for are saved, the rest logged", async () => {
    fake.inject({
      on: "result",
      kind: "rewrite",
      rewrite: (body) => {
        const b = body as { images: unknown[] };
        return { ...b, images: [b.images[0], b.images[0], b.images[0], b.images[0]] };
      },
    });
    const uris = await generate({ prompt: "just one", num_images: 1 });
    assert.deepEqual(uris.map((u) => vscode.workspace.asRelativePath(u)), [`${OUT}/just-one.jpg`]);
    assert.deepEqual(await namesIn(OUT), ["just-one.jpg"]);
    assert.equal(fake.downloads.length, 1, "the extras were not even downloaded");
    assert.ok(t.logLines().some((l) => /lists 3 image\(s\) more than the 1 asked for/.test(l)));
  });

  it("an image address that is not https (and not the local proxy's) is refused without fetching it", async () => {
    fake.inject({ on: "result", kind: "rewrite", rewrite: (body) => ({ ...(body as object), images: [{ url: "http://example.invalid/a.jpg", content_type: "image/jpeg" }] }) });
    assert.deepEqual(await generate({ prompt: "plain http" }), []);
    assert.match(person.seen.error.at(-1) ?? "", /not one the extension downloads from/);
    assert.deepEqual(await namesIn(OUT), []);
    assert.ok(t.logLines().some((l) => /http: is not https:/.test(l)));
  });

  it("a redirect is checked at every hop: one to a private address is not followed", async () => {
    fake.inject({ on: "download", kind: "http", status: 302, headers: { location: "https://169.254.169.254/latest/meta-data/" }, times: Infinity });
    assert.deepEqual(await generate({ prompt: "redirected" }), []);
    assert.match(person.seen.error.at(-1) ?? "", /not one the extension downloads from/);
    assert.ok(t.logLines().some((l) => /redirect hop 1 .*private/.test(l)), "the log names the hop");
    assert.deepEqual(await namesIn(OUT), []);
  });
});

describe("Jobs: records and polling", function () {
  this.timeout(60_000);
  let fake: FakeFal;
  let t: Testing;
  let person: ReturnType<typeof scriptedPerson>;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);

  const session = withFakeFal();
  before(() => {
    ({ fake, t } = session);
    process.on("unhandledRejection", onUnhandled);
  });
  after(() => {
    process.off("unhandledRejection", onUnhandled);
  });
  beforeEach(async () => {
    person = await freshPerson(session, { choose: () => undefined });
    await clearOutput();
  });
  afterEach(async () => {
    await setUserSetting("proxyUrl", fake.url);
    await t.discardPending();
  });

  it("a malformed record read back is logged and set aside; the others resume", async () => {
    fake.hold("queue");
    const first = generate({ prompt: "among bad records" });
    const job = await fake.waitForJob();
    const good = await until(() => t.pendingJobs()[0], "the job to be recorded");
    const state = t.workspaceState();
    await state.update("grokImagine.pendingJobs", ["not a record", { ...(good), id: "evil", requestId: "../../admin" }, { ...(good), id: "evil2", stem: "../../escape" }, good, { id: 7 }]);
    await t.simulateRestart();
    assert.deepEqual(await first, []);
    fake.release(job.requestId);
    await until(async () => (await namesIn(OUT)).includes("among-bad-records.jpg"), "the good record to resume and save");
    await until(() => t.pendingJobs().length === 0, "the good record to be cleared");
    const logged = t.logLines().filter((l) => /set aside, not resumed/.test(l));
    assert.ok(logged.some((l) => /requestId is not a fal request id/.test(l)), logged.join("\n"));
    assert.ok(logged.some((l) => /stem is not a file name/.test(l)));
    assert.ok(logged.some((l) => /not an object/.test(l)));
    assert.equal(fake.requests.filter((r) => r.path.includes("admin")).length, 0, "the crafted request id never reached fal");
    const aside = state.get<{ problem: string }[]>("grokImagine.pendingJobs.setAside") ?? [];
    assert.ok(aside.length >= 4, "the bad records are kept aside for a look");
    assert.ok(!(await namesIn("..")).includes("escape.jpg"), "nothing was written outside");
  });

  it("a 404 for a recorded request (a mistyped proxy) keeps it as unknown to fal and offers Discard; fixed, Retry Saving saves it", async () => {
    fake.hold("queue");
    const first = generate({ prompt: "through the right proxy" });
    const job = await fake.waitForJob();
    await until(() => t.pendingJobs().length === 1, "the job to be recorded");
    const buttons: string[][] = [];
    t.setUi({ ...person.ui, showErrorMessage: (m: string, ...items: string[]) => (person.seen.error.push(m), buttons.push(items), Promise.resolve(undefined)) });
    await setUserSetting("proxyUrl", `${fake.url.replace(/\/fal-proxy$/, "")}/fal-prixy`);
    await t.simulateRestart();
    assert.deepEqual(await first, []);
    await until(() => person.seen.error.some((m) => /does not know the request/.test(m)), "the 404 to be reported");
    assert.ok(buttons.at(-1)?.includes("Discard") && buttons.at(-1)?.includes("Retry Saving"), `buttons: ${buttons.at(-1)?.join(", ")}`);
    const kept = t.pendingJobs() as { state: string; requestId: string }[];
    assert.deepEqual(kept.map((r) => [r.state, r.requestId]), [["unknown", job.requestId]], "kept, marked unknown to fal");
    await setUserSetting("proxyUrl", fake.url);
    fake.release(job.requestId);
    const saved = (await vscode.commands.executeCommand<vscode.Uri[]>("grokImagine.retrySaving")) ?? [];
    assert.deepEqual(saved.map((u) => vscode.workspace.asRelativePath(u)), [`${OUT}/through-the-right-proxy.jpg`]);
    assert.deepEqual(t.pendingJobs(), []);
    assert.equal(fake.submits.length, 1, "nothing was paid for twice");
  });

  it("an unknown request offered at the next start can be discarded", async () => {
    fake.hold("queue");
    const first = generate({ prompt: "to be discarded" });
    await fake.waitForJob();
    await until(() => t.pendingJobs().length === 1, "the job to be recorded");
    await setUserSetting("proxyUrl", `${fake.url}/typo`);
    await t.simulateRestart();
    await first;
    await until(() => person.seen.error.some((m) => /does not know the request/.test(m)), "the 404 to be reported");
    assert.equal((t.pendingJobs() as { state: string }[])[0]?.state, "unknown");
    const offered: string[][] = [];
    const discarding = scriptedPerson({ choose: (m, items) => (offered.push(items), /does not know the request/.test(m) ? "Discard" : undefined) });
    t.setUi(discarding.ui);
    await t.simulateRestart();
    await until(() => t.pendingJobs().length === 0, "Discard to drop the record");
    assert.match(discarding.seen.warning.at(-1) ?? "", /does not know the request.*Discard/);
    assert.deepEqual(offered.at(-1), ["Retry Saving", "Discard"]);
  });

  it("no promise of the jobs went unhandled in these tests", () => {
    assert.deepEqual(unhandled.map(String), []);
  });
});

describe("Jobs: grokImagine.proxyUrl", function () {
  this.timeout(60_000);
  let fake: FakeFal;
  let t: Testing;
  let person: ReturnType<typeof scriptedPerson>;
  let buttons: string[][];

  const session = withFakeFal();
  before(() => ({ fake, t } = session));
  beforeEach(async () => {
    fake.reset();
    person = scriptedPerson();
    buttons = [];
    t.setUi({ ...person.ui, showErrorMessage: (m: string, ...items: string[]) => (person.seen.error.push(m), buttons.push(items), Promise.resolve(undefined)) });
    await vscode.commands.executeCommand("grokImagine.setApiKey", TEST_KEY);
    await clearOutput();
  });
  afterEach(() => setUserSetting("proxyUrl", fake.url));

  const cases: [string, (u: URL) => string, RegExp][] = [
    ["with user:password@", (u) => `http://proxy-user:hunter2-secret@${u.host}${u.pathname}`, /user name or password.*Remove them/],
    ["http:// to another machine", () => "http://proxy.example.invalid/fal-proxy", /http:\/\/ to another machine.*in clear/],
    ["not http(s)", () => "ftp://proxy.example.invalid/fal-proxy", /must be an https:\/\/ address/],
  ];
  for (const [what, url, why] of cases) {
    it(`a proxy URL ${what} is refused before anything is sent, with Open Settings; its password shows nowhere`, async () => {
      await setUserSetting("proxyUrl", url(new URL(fake.url)));
      assert.deepEqual(await generate({ prompt: "through a bad proxy" }), []);
      assert.match(person.seen.error.at(-1) ?? "", why);
      assert.ok(buttons.at(-1)?.includes("Open Settings"), `buttons: ${buttons.at(-1)?.join(", ")}`);
      assert.deepEqual(fake.requests.filter((r) => r.operation !== "control"), [], "fal (and the proxy) heard nothing");
      assert.deepEqual(t.pendingJobs(), [], "nothing was recorded: nothing was submitted");
      const everything = [...person.seen.error, ...person.seen.info, ...person.seen.warning, ...t.logLines()].join("\n");
      assert.ok(!everything.includes("hunter2"), "the password is in no message and no log line");
      assert.ok(!everything.includes("proxy-user"), "nor the user name");
    });
  }
});

describe("Jobs: one pipeline", function () {
  this.timeout(60_000);
  let fake: FakeFal;
  let t: Testing;

  const session = withFakeFal();
  before(() => ({ fake, t } = session));
  beforeEach(async () => {
    await freshPerson(session);
    await clearOutput();
  });
  afterEach(() => t.discardPending());

  it("resolves to what it saved: each image's Uri and its real provenance, also fired as onDidSave", async () => {
    const pipeline = t.pipeline();
    const fired = new Promise<readonly SavedItem[]>((resolve) => {
      const sub = pipeline.onDidSave((items) => (sub.dispose(), resolve(items)));
    });
    const folder = vscode.Uri.joinPath(workspaceRoot(), OUT);
    const input = { prompt: "two red boats", num_images: 2, aspect_ratio: "3:2" as const, resolution: "1k" as const, output_format: "png" as const, sync_mode: false };
    const items = await pipeline.run({ kind: "generate", endpoint: "xai/grok-imagine-image", input, prompt: input.prompt, outputFormat: "png", folder, stem: "two-red-boats", numbered: true });
    assert.deepEqual(items.map((i) => vscode.workspace.asRelativePath(i.uri)), [`${OUT}/two-red-boats-1.png`, `${OUT}/two-red-boats-2.png`]);
    const requestId = fake.submits[0]?.requestId;
    assert.ok(requestId);
    for (const [i, item] of items.entries()) {
      assert.equal(item.provenance.requestId, requestId, "the request id fal gave, not a made-up one");
      assert.equal(item.provenance.imageIndex, i);
      assert.match(item.provenance.revisedPrompt, /two red boats.*cinematic/);
      assert.deepEqual(item.provenance.input, input);
      assert.equal(item.written, "embedded");
      const onDisk = await provenanceOf(item.uri);
      assert.equal(onDisk?.requestId, requestId, "the file carries the same provenance");
    }
    assert.deepEqual(await fired, items, "onDidSave fired with the same items");
  });

  it("restarts the same instance: the gallery's subscription keeps working across a reload", async () => {
    const pipeline = t.pipeline();
    const seen: string[][] = [];
    const sub = pipeline.onDidChange((jobs) => seen.push(jobs.map((j) => j.state)));
    try {
      fake.hold("queue");
      const first = generate({ prompt: "across a restart" });
      const job = await fake.waitForJob();
      await until(() => t.pendingJobs().length === 1, "the job to be recorded");
      await t.simulateRestart();
      assert.equal(t.pipeline(), pipeline, "the same pipeline, restarted");
      assert.deepEqual(await first, []);
      const resumed = new Promise<readonly SavedItem[]>((resolve) => {
        const s = pipeline.onDidSave((items) => (s.dispose(), resolve(items)));
      });
      const ended = new Promise<void>((resolve) => {
        const s = pipeline.onDidChange((jobs) => jobs.length === 0 && (s.dispose(), resolve()));
      });
      fake.release(job.requestId);
      const [item] = await resumed;
      await ended;
      assert.equal(vscode.workspace.asRelativePath(item.uri), `${OUT}/across-a-restart.jpg`);
      assert.equal(item.provenance.requestId, job.requestId);
      assert.ok(seen.some((s) => s.includes("queued")), "the resumed job was announced to the old subscriber");
      assert.deepEqual(seen.at(-1), [], "and its end too");
    } finally {
      sub.dispose();
    }
  });

  it("Retry Saving goes through the same tracking: announced when it starts and when it ends", async () => {
    fake.inject({ on: "download", kind: "http", status: 503, times: 3 });
    assert.deepEqual(await generate({ prompt: "retry me" }), []);
    const [rec] = t.pendingJobs() as { id: string }[];
    assert.ok(rec, "kept");
    const seen: string[][] = [];
    const sub = t.pipeline().onDidChange((jobs) => seen.push(jobs.map((j) => `${j.id}:${j.state}`)));
    try {
      const saved = await t.pipeline().retrySaving(rec.id);
      assert.equal(saved.length, 1);
      assert.deepEqual(seen[0], [`${rec.id}:downloading`], "announced at its start");
      assert.deepEqual(seen.at(-1), [], "and at its end");
    } finally {
      sub.dispose();
    }
  });
});
