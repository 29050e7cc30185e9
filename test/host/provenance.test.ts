import * as assert from "node:assert/strict";
import * as vscode from "vscode";
import sharp from "sharp";
import { type FakeFal } from "../fake-fal/server";
import { readXmp } from "../../src/provenance/embed";
import { parseXmpPacket, readProvenance } from "../../src/provenance/read";
import { namesIn, scriptedPerson, setUserSetting, workspaceRoot, withFakeFal, freshPerson } from "./util";

const OUT = "generated-images";

async function generate(arg?: unknown): Promise<vscode.Uri[]> {
  return (await vscode.commands.executeCommand<vscode.Uri[]>("grokImagine.generate", arg)) ?? [];
}

/** A real JPEG with a C2PA manifest store (APP11 JUMBF) right after SOI. */
async function jpegWithContentCredentials(): Promise<Buffer> {
  const jpeg = await sharp({ create: { width: 32, height: 32, channels: 3, background: { r: 10, g: 120, b: 200 } } }).jpeg().toBuffer();
  const payload = Buffer.concat([Buffer.from("JP"), Buffer.from([0, 1, 0, 0, 0, 1]), Buffer.from([0, 0, 0, 40]), Buffer.from("jumb"), Buffer.from([0, 0, 0, 24]), Buffer.from("jumdc2pa"), Buffer.alloc(16, 0x11)]);
  const len = payload.length + 2;
  const app11 = Buffer.concat([Buffer.from([0xff, 0xeb, len >> 8, len & 0xff]), payload]);
  return Buffer.concat([jpeg.subarray(0, 2), app11, jpeg.subarray(2)]);
}

describe("Provenance: every saved image carries what made it", function () {
  this.timeout(60_000);
  let fake: FakeFal;
  let person: ReturnType<typeof scriptedPerson>;

  const session = withFakeFal({ queueMs: 10, runMs: 20 });
  before(() => ({ fake } = session));
  beforeEach(async () => {
    person = await freshPerson(session);
    await vscode.workspace.fs.delete(vscode.Uri.joinPath(workspaceRoot(), OUT), { recursive: true, useTrash: false }).then(undefined, () => undefined);
  });

  for (const format of ["png", "jpeg", "webp"] as const) {
    it(`a generated ${format} carries prompt, parameters, request id and revised prompt as XMP`, async () => {
      const uris = await generate({ prompt: `provenance <&> "${format}"`, num_images: 2, aspect_ratio: "3:2", output_format: format });
      assert.equal(uris.length, 2);
      const job = [...fake.jobs.values()][0];
      for (const [i, u] of uris.entries()) {
        const bytes = await vscode.workspace.fs.readFile(u);
        const p = readProvenance(bytes);
        assert.ok(p, `${u.path} has no provenance`);
        assert.equal(p.kind, "generate");
        assert.equal(p.endpoint, "xai/grok-imagine-image");
        assert.deepEqual(p.input, fake.submits[0].body, "every parameter as sent");
        assert.equal(p.requestId, job.requestId);
        assert.equal(p.imageIndex, i);
        assert.equal(p.revisedPrompt, job.result?.revised_prompt);
        assert.match(p.creatorTool, /^Grok Imagine for VS Code \d+\.\d+\.\d+/);
        assert.ok(!Number.isNaN(Date.parse(p.createDate)));
        assert.match(readXmp(bytes) ?? "", /trainedAlgorithmicMedia/);
        assert.equal((await sharp(Buffer.from(bytes)).metadata()).format, format === "jpeg" ? "jpeg" : format, "still a valid image");
      }
    });
  }

  it("with grokImagine.embedMetadata off, nothing is embedded", async () => {
    await setUserSetting("embedMetadata", false);
    try {
      const [u] = await generate({ prompt: "no metadata please", output_format: "png" });
      assert.equal(readXmp(await vscode.workspace.fs.readFile(u)), undefined);
    } finally {
      await setUserSetting("embedMetadata", undefined);
    }
  });

  it("Generate Again from a saved file sends the same request body, and saves beside it", async () => {
    const [first] = await generate({ prompt: "again and again", aspect_ratio: "9:16", resolution: "2k", output_format: "webp" });
    const again = (await vscode.commands.executeCommand<vscode.Uri[]>("grokImagine.generateAgain", first)) ?? [];
    assert.equal(fake.submits.length, 2);
    assert.deepEqual(fake.submits[1].body, fake.submits[0].body);
    assert.equal(again.length, 1);
    assert.equal(vscode.workspace.asRelativePath(again[0]), `${OUT}/again-and-again-2.webp`);
  });

  it("the quality tier is recorded (by its endpoint), and Generate Again uses it again", async () => {
    const [first] = await generate({ prompt: "quality again", tier: "quality", output_format: "png" });
    const p = readProvenance(await vscode.workspace.fs.readFile(first));
    assert.equal(p?.endpoint, "xai/grok-imagine-image/quality/text-to-image");
    await vscode.commands.executeCommand<vscode.Uri[]>("grokImagine.generateAgain", first);
    assert.deepEqual(fake.submits.map((x) => x.endpointId), ["xai/grok-imagine-image/quality/text-to-image", "xai/grok-imagine-image/quality/text-to-image"]);
    assert.deepEqual(fake.submits[1].body, fake.submits[0].body);
  });

  it("Show Image Details shows prompt, revised prompt and parameters", async () => {
    const [u] = await generate({ prompt: "details please", aspect_ratio: "2:1" });
    const p = await vscode.commands.executeCommand("grokImagine.showDetails", u);
    assert.ok(p);
    const modal = person.seen.modals.at(-1);
    assert.ok(modal);
    assert.match(modal.detail, /Prompt: details please/);
    assert.match(modal.detail, /Revised prompt: /);
    assert.match(modal.detail, /aspect_ratio 2:1/);
    assert.match(modal.detail, /Parameters: num_images 1, aspect_ratio 2:1, resolution 1k, output_format jpeg, sync_mode false, tier standard\n/);
    assert.match(modal.detail, new RegExp(`fal request: ${[...fake.jobs.keys()][0]}`));
  });

  it("an image without provenance gets a message that says so, and Generate Again sends nothing", async () => {
    const plain = vscode.Uri.joinPath(workspaceRoot(), "images", "plain.png");
    await vscode.workspace.fs.writeFile(plain, await sharp({ create: { width: 8, height: 8, channels: 3, background: "#fff" } }).png().toBuffer());
    try {
      assert.deepEqual(await vscode.commands.executeCommand("grokImagine.generateAgain", plain), []);
      assert.match(person.seen.info.at(-1) ?? "", /carries no Grok Imagine provenance/);
      assert.equal(fake.submits.length, 0);
    } finally {
      await vscode.workspace.fs.delete(plain);
    }
  });

  it("an image that arrives with content credentials keeps its bytes; the XMP goes to a sidecar", async () => {
    const c2pa = await jpegWithContentCredentials();
    fake.inject({ on: "download", kind: "wrongType", body: c2pa, times: Infinity });
    const [u] = await generate({ prompt: "credentialed", output_format: "jpeg" });
    assert.ok(u, "saved");
    assert.deepEqual(Buffer.from(await vscode.workspace.fs.readFile(u)), c2pa, "bytes untouched");
    assert.deepEqual(await namesIn(OUT), ["credentialed.jpg", "credentialed.jpg.xmp"]);
    const sidecar = new TextDecoder().decode(await vscode.workspace.fs.readFile(vscode.Uri.joinPath(workspaceRoot(), OUT, "credentialed.jpg.xmp")));
    const p = parseXmpPacket(sidecar);
    assert.equal(p?.input.prompt, "credentialed");
    const shown = await vscode.commands.executeCommand("grokImagine.showDetails", u);
    assert.ok(shown, "details are read from the sidecar");
  });

  describe("edits", () => {
    const src = "images/prov-source.png";
    const made: vscode.Uri[] = [];
    const at = (rel: string) => vscode.Uri.joinPath(workspaceRoot(), ...rel.split("/"));
    beforeEach(async () => {
      await vscode.workspace.fs.copy(at("images/photo.png"), at(src), { overwrite: true });
    });
    afterEach(async () => {
      for (const u of [...made.splice(0), at(src)]) await vscode.workspace.fs.delete(u).then(undefined, () => undefined);
      await vscode.commands.executeCommand("workbench.action.closeAllEditors");
    });
    const edit = async (arg: unknown) => {
      const uris = (await vscode.commands.executeCommand<vscode.Uri[]>("grokImagine.edit", arg)) ?? [];
      made.push(...uris);
      return uris;
    };

    it("an edited image carries its record (composite source type, sources), and Generate Again re-sends the same edit", async () => {
      const [u] = await edit({ prompt: "make it autumn", images: [src], output_format: "png", aspect_ratio: "3:4" });
      assert.ok(u);
      const bytes = await vscode.workspace.fs.readFile(u);
      const p = readProvenance(bytes);
      assert.ok(p);
      assert.equal(p.kind, "edit");
      assert.equal(p.endpoint, "xai/grok-imagine-image/edit");
      const { image_urls: _urls, ...sent } = fake.submits[0].body as Record<string, unknown>;
      assert.deepEqual(p.input, sent, "every parameter as sent, without the upload URLs");
      assert.equal(p.input["aspect_ratio"], "3:4", "an edit's aspect ratio is recorded");
      assert.match(readXmp(bytes) ?? "", /<grokimagine:AspectRatio>3:4</);
      assert.equal(p.sources?.[0]?.path, src);
      assert.match(readXmp(bytes) ?? "", /compositeWithTrainedAlgorithmicMedia/);

      const again = (await vscode.commands.executeCommand<vscode.Uri[]>("grokImagine.generateAgain", u)) ?? [];
      made.push(...again);
      assert.equal(again.length, 1);
      assert.equal(fake.submits.length, 2);
      const { image_urls: urls2, ...sentAgain } = fake.submits[1].body as Record<string, unknown>;
      assert.deepEqual(sentAgain, sent, "the same request");
      assert.equal((urls2 as string[]).length, 1);
      const source = Buffer.from(await vscode.workspace.fs.readFile(at(src)));
      assert.ok(fake.uploads.at(-1)?.bytes?.equals(source), "the same source bytes were sent");
    });

    it("Generate Again of an edit whose source changed or went missing says which, and sends nothing", async () => {
      const [u] = await edit({ prompt: "make it winter", images: [src] });
      assert.ok(u);
      await vscode.workspace.fs.writeFile(at(src), await sharp({ create: { width: 8, height: 8, channels: 3, background: "#000" } }).png().toBuffer());
      assert.deepEqual(await vscode.commands.executeCommand("grokImagine.generateAgain", u), []);
      assert.match(person.seen.error.at(-1) ?? "", /images\/prov-source\.png is changed/);
      await vscode.workspace.fs.delete(at(src));
      assert.deepEqual(await vscode.commands.executeCommand("grokImagine.generateAgain", u), []);
      assert.match(person.seen.error.at(-1) ?? "", /images\/prov-source\.png is missing/);
      assert.equal(fake.submits.length, 1);
    });
  });
});
