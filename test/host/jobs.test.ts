/**
 * The jobs pipeline against a misbehaving fal (the fake's faults): answers that are too large, list
 * too many images or point elsewhere; records and polling; the proxy setting.
 */
import * as assert from "node:assert/strict";
import * as vscode from "vscode";
import type { FakeFal } from "../fake-fal/server";
import { figure } from "../runner/figure";
import { namesIn, scriptedPerson, TEST_KEY, workspaceRoot, withFakeFal, type Testing } from "./util";

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
    fake.reset();
    person = scriptedPerson();
    t.setUi(person.ui);
    await vscode.commands.executeCommand("grokImagine.setApiKey", TEST_KEY);
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
      assert.ok(rssMb <= 100, `the extension host grew ${rssMb.toFixed(1)} MB`);
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
