import * as assert from "node:assert/strict";
import { createHash } from "node:crypto";
import * as os from "node:os";
import * as path from "node:path";
import * as vscode from "vscode";
import { type FakeFal, type FakeJob } from "../fake-fal/server";
import { sniffImageFormat } from "../../src/images/sniff";
import { MAX_SOURCE_BYTES } from "../../src/edit/sources";
import { provenanceOf } from "../../src/workspace/provenance";
import type { Ui } from "../../src/ui";
import { namesIn, scriptedPerson, setUserSetting, TEST_KEY, until, whenJob, workspaceRoot, withFakeFal, type Testing } from "./util";

const IMAGES = "images";
const FIXTURES = ["flower.jpg", "logo.webp", "photo.png"];
const OUT = "generated-images";

function ws(relative: string): vscode.Uri {
  return vscode.Uri.joinPath(workspaceRoot(), ...relative.split("/"));
}

async function bytesOf(relative: string): Promise<Buffer> {
  return Buffer.from(await vscode.workspace.fs.readFile(ws(relative)));
}

/** What the Explorer does: the clicked file, then the whole selection. */
async function fromExplorer(clicked: string, selection: string[] = [clicked]): Promise<vscode.Uri[]> {
  return (await vscode.commands.executeCommand<vscode.Uri[]>("grokImagine.editFromMenu", ws(clicked), selection.map(ws))) ?? [];
}

async function editWith(arg?: unknown): Promise<vscode.Uri[]> {
  return (await vscode.commands.executeCommand<vscode.Uri[]>("grokImagine.edit", arg)) ?? [];
}

function rel(uris: readonly vscode.Uri[]): string[] {
  return uris.map((u) => vscode.workspace.asRelativePath(u));
}

async function removeWhatTestsMade(): Promise<void> {
  for (const name of await namesIn(IMAGES)) {
    if (!FIXTURES.includes(name)) await vscode.workspace.fs.delete(ws(`${IMAGES}/${name}`), { recursive: true, useTrash: false });
  }
  for (const extra of [OUT, "refusals"]) {
    await vscode.workspace.fs.delete(ws(extra), { recursive: true, useTrash: false }).then(undefined, () => undefined);
  }
}

/** Every tab open now, as `kind:path` (diffs as `diff:original|modified`). */
function openTabs(): string[] {
  const p = (u: vscode.Uri) => vscode.workspace.asRelativePath(u);
  return vscode.window.tabGroups.all.flatMap((g) => g.tabs).map((t) => {
    const i = t.input;
    if (i instanceof vscode.TabInputTextDiff) return `diff:${p(i.original)}|${p(i.modified)}`;
    if (i instanceof vscode.TabInputCustom) return `custom:${p(i.uri)}`;
    if (i instanceof vscode.TabInputText) return `text:${p(i.uri)}`;
    return `other:${t.label}`;
  });
}

describe("Edit Image", function () {
  this.timeout(60_000);
  let fake: FakeFal;
  let t: Testing;
  let person: ReturnType<typeof scriptedPerson>;
  /** What the prompt box showed, each time it was shown. */
  let asked: { title: string; placeholder: string }[];
  let promptAnswer: string | undefined;

  /** Nothing reached fal: no upload begun, no request submitted. */
  function assertNothingSent(): void {
    assert.deepEqual(fake.submits, [], "no request was submitted");
    assert.deepEqual(fake.uploads, [], "no upload was begun");
    assert.deepEqual(fake.requests.filter((r) => r.operation !== "control").map((r) => r.operation), [], "fal heard nothing");
  }

  /** The edit job fal received, and the bytes its model got for each image_urls entry. */
  function receivedImages(): { job: FakeJob; bytes: Buffer[] } {
    assert.equal(fake.submits.length, 1, "one request was submitted");
    const id = fake.submits[0]?.requestId;
    assert.ok(id);
    const job = fake.jobs.get(id);
    assert.ok(job);
    return { job, bytes: job.inputImages.map((i) => i.bytes ?? Buffer.alloc(0)) };
  }

  /** The uploads by the position of their image (they arrive in any order: they run in parallel). */
  function uploadsInOrder() {
    return [...fake.uploads].sort((a, b) => a.fileName.localeCompare(b.fileName));
  }

  function setPerson(extra: Partial<Ui> = {}): void {
    t.setUi({
      ...person.ui,
      askText: (o) => {
        asked.push({ title: o.title, placeholder: o.placeholder });
        return Promise.resolve(promptAnswer);
      },
      // The parameter pick that follows the prompt: Enter on its first row sends as it stands.
      showQuickPick: <T extends vscode.QuickPickItem>(items: readonly T[] | Thenable<readonly T[]>) => Promise.resolve(items).then((list) => list[0]),
      ...extra,
    });
  }

  const session = withFakeFal(undefined, { showComparison: false });
  before(() => ({ fake, t } = session));
  after(async () => {
    await setUserSetting("editOutput", undefined);
    await removeWhatTestsMade();
  });
  beforeEach(async () => {
    fake.reset();
    person = scriptedPerson();
    asked = [];
    promptAnswer = "make it night";
    setPerson();
    await vscode.commands.executeCommand("grokImagine.setApiKey", TEST_KEY);
    await removeWhatTestsMade();
    fake.reset(); // setting the key may have been logged by nothing, but start from a clean log
  });
  afterEach(async () => {
    await vscode.commands.executeCommand("workbench.action.closeAllEditors");
  });

  describe("from the Explorer (uri, uris), as a person right-clicks", () => {
    it("one image: asks what to change, naming it, uploads its exact bytes, saves beside it", async () => {
      const uris = await fromExplorer("images/photo.png");
      assert.deepEqual(rel(uris), ["images/photo-edit-1.jpg"]);
      assert.equal(sniffImageFormat(await vscode.workspace.fs.readFile(uris[0])), "jpeg");
      assert.equal(asked.length, 1);
      assert.match(asked[0]?.title ?? "", /Edit photo\.png$/);
      assert.equal(asked[0]?.placeholder, "Describe the change (Enter to continue · 1 × edit, auto, 1k, jpeg, standard, beside photo.png · Estimated cost: price unknown (1 image))");

      const source = await bytesOf("images/photo.png");
      assert.equal(fake.uploads.length, 1);
      assert.ok(fake.uploads[0]?.bytes?.equals(source), "the upload carried the file's bytes");
      assert.equal(fake.uploads[0]?.declaredContentType, "image/png");
      assert.equal(fake.uploads[0]?.fileName, "image-1.png", "the person's file name is not sent");
      const initiate = fake.requests.find((r) => r.operation === "initiate");
      assert.deepEqual(JSON.parse(String(initiate?.headers["x-fal-object-lifecycle"])), { expiration_duration_seconds: 7 * 24 * 3600 }, "fal keeps the upload for a week, not for ever");
      const { job, bytes } = receivedImages();
      assert.deepEqual(job.rawInput, { prompt: "make it night", num_images: 1, aspect_ratio: "auto", resolution: "1k", output_format: "jpeg", sync_mode: false, image_urls: [fake.uploads[0]?.fileUrl] });
      assert.equal(job.endpointId, "xai/grok-imagine-image/edit");
      assert.deepEqual(bytes.map((b) => b.equals(source)), [true], "the model received the file's bytes");
      assert.deepEqual(await namesIn(IMAGES), ["flower.jpg", "logo.webp", "photo-edit-1.jpg", "photo.png"], "no temporary files left");
      assert.match(person.seen.info.at(-1) ?? "", /Saved images\/photo-edit-1\.jpg/);
      assert.deepEqual(t.pendingJobs(), []);
    });

    it("two images: both sent, the clicked one first; the results are named after it", async () => {
      const uris = await fromExplorer("images/logo.webp", ["images/photo.png", "images/logo.webp"]);
      assert.deepEqual(rel(uris), ["images/logo-edit-1.jpg"]);
      assert.match(asked[0]?.title ?? "", /Edit logo\.webp and photo\.png$/);
      const { bytes } = receivedImages();
      assert.equal(bytes.length, 2);
      assert.ok(bytes[0]?.equals(await bytesOf("images/logo.webp")));
      assert.ok(bytes[1]?.equals(await bytesOf("images/photo.png")));
      assert.equal(fake.uploads.length, 2);
    });

    it("three images (PNG, JPEG and WebP): all three sent byte for byte, uploaded in parallel", async () => {
      const selection = ["images/flower.jpg", "images/logo.webp", "images/photo.png"];
      const uris = await fromExplorer("images/flower.jpg", selection);
      assert.deepEqual(rel(uris), ["images/flower-edit-1.jpg"]);
      const { bytes, job } = receivedImages();
      for (const [i, f] of selection.entries()) assert.ok(bytes[i]?.equals(await bytesOf(f)), `${f} arrived intact`);
      assert.deepEqual(job.inputImages.map((i) => i.source), ["upload", "upload", "upload"]);
      assert.deepEqual(uploadsInOrder().map((u) => [u.fileName, u.declaredContentType]), [["image-1.jpg", "image/jpeg"], ["image-2.webp", "image/webp"], ["image-3.png", "image/png"]]);
      assert.deepEqual(job.rawInput && (job.rawInput as { image_urls: string[] }).image_urls, uploadsInOrder().map((u) => u.fileUrl));
      const started = fake.uploads.map((u) => u.initiatedAt);
      const firstDone = Math.min(...fake.uploads.map((u) => u.uploadedAt ?? Infinity));
      assert.ok(Math.max(...started) < firstDone, "every upload began before the first one finished");
    });

    it("the results record their sources (path and SHA-256) in their provenance", async () => {
      const [u] = await fromExplorer("images/logo.webp", ["images/logo.webp", "images/photo.png"]);
      const p = await provenanceOf(u);
      assert.deepEqual(p?.sources, [
        { path: "images/logo.webp", sha256: createHash("sha256").update(await bytesOf("images/logo.webp")).digest("hex") },
        { path: "images/photo.png", sha256: createHash("sha256").update(await bytesOf("images/photo.png")).digest("hex") },
      ]);
    });

    it("the palette title's command takes the same arguments", async () => {
      const uris = (await vscode.commands.executeCommand<vscode.Uri[]>("grokImagine.edit", ws("images/flower.jpg"), [ws("images/flower.jpg")])) ?? [];
      assert.deepEqual(rel(uris), ["images/flower-edit-1.jpg"]);
    });

    it("Escape at the prompt sends nothing", async () => {
      promptAnswer = undefined;
      assert.deepEqual(await fromExplorer("images/photo.png"), []);
      assertNothingSent();
      assert.deepEqual(person.seen.error, []);
    });
  });

  describe("with an argument object, as scripts do", () => {
    it("takes paths and URIs, the endpoint's own fields, and resolves to the saved files", async () => {
      const uris = await editWith({ prompt: "add a red balloon", images: ["images/photo.png", ws("images/flower.jpg")], num_images: 2, aspect_ratio: "4:3", output_format: "png", resolution: "2k" });
      assert.deepEqual(rel(uris), ["images/photo-edit-1.png", "images/photo-edit-2.png"]);
      for (const u of uris) assert.equal(sniffImageFormat(await vscode.workspace.fs.readFile(u)), "png");
      const { job, bytes } = receivedImages();
      assert.deepEqual(job.rawInput, { prompt: "add a red balloon", num_images: 2, aspect_ratio: "4:3", resolution: "2k", output_format: "png", sync_mode: false, image_urls: uploadsInOrder().map((u) => u.fileUrl) });
      assert.ok(bytes[0]?.equals(await bytesOf("images/photo.png")));
      assert.ok(bytes[1]?.equals(await bytesOf("images/flower.jpg")));
      assert.equal(asked.length, 0, "no UI");
    });

    it("three images given as a URI string, an absolute path and a relative path", async () => {
      const uris = await editWith({ prompt: "x", images: [ws("images/logo.webp").toString(), ws("images/photo.png").fsPath, "./images//flower.jpg"] });
      assert.deepEqual(rel(uris), ["images/logo-edit-1.jpg"]);
      const { bytes } = receivedImages();
      assert.ok(bytes[0]?.equals(await bytesOf("images/logo.webp")));
      assert.ok(bytes[1]?.equals(await bytesOf("images/photo.png")));
      assert.ok(bytes[2]?.equals(await bytesOf("images/flower.jpg")));
    });

    it("with sync_mode the results come inline and are saved all the same", async () => {
      const [u] = await editWith({ prompt: "x", images: ["images/logo.webp"], sync_mode: true, output_format: "webp" });
      assert.equal(vscode.workspace.asRelativePath(u), "images/logo-edit-1.webp");
      assert.equal(sniffImageFormat(await vscode.workspace.fs.readFile(u)), "webp");
    });
  });

  describe("refused with a clear message before anything is sent", () => {
    async function writeFile(relative: string, bytes: Uint8Array): Promise<vscode.Uri> {
      const u = ws(relative);
      await vscode.workspace.fs.writeFile(u, bytes);
      return u;
    }

    it("more than three images: says to select at most three", async () => {
      await writeFile("refusals/copy.png", await bytesOf("images/photo.png"));
      const four = ["images/photo.png", "images/flower.jpg", "images/logo.webp", "refusals/copy.png"];
      assert.deepEqual(await fromExplorer("images/photo.png", four), []);
      assert.match(person.seen.error.at(-1) ?? "", /Select at most three images to edit: 4 files are selected\./);
      assert.equal(asked.length, 0, "no prompt was asked for");
      assertNothingSent();
      assert.deepEqual(await editWith({ prompt: "x", images: four }), []);
      assert.match(person.seen.error.at(-1) ?? "", /at most three/);
      assertNothingSent();
    });

    it("a file that is not an image, selected with images: the message names it", async () => {
      assert.deepEqual(await fromExplorer("images/photo.png", ["images/photo.png", "docs/notes.md"]), []);
      assert.equal(person.seen.error.at(-1), "Grok Imagine: docs/notes.md is not a PNG, JPEG or WebP image.");
      assertNothingSent();
    });

    it("a file named .png that is not an image, whatever its name", async () => {
      await writeFile("refusals/fake.png", new TextEncoder().encode("I am text with an image's name"));
      assert.deepEqual(await fromExplorer("refusals/fake.png"), []);
      assert.equal(person.seen.error.at(-1), "Grok Imagine: refusals/fake.png is not a PNG, JPEG or WebP image.");
      assertNothingSent();
    });

    it("an empty file", async () => {
      await writeFile("refusals/empty.jpg", new Uint8Array());
      assert.deepEqual(await fromExplorer("refusals/empty.jpg"), []);
      assert.equal(person.seen.error.at(-1), "Grok Imagine: refusals/empty.jpg is empty: there is no image in it.");
      assertNothingSent();
    });

    it(`a file over the size bound (${MAX_SOURCE_BYTES} bytes)`, async () => {
      const big = new Uint8Array(MAX_SOURCE_BYTES + 1);
      big.set(await bytesOf("images/photo.png"));
      await writeFile("refusals/huge.png", big);
      assert.deepEqual(await fromExplorer("refusals/huge.png"), []);
      assert.match(person.seen.error.at(-1) ?? "", /refusals\/huge\.png is 20,971,521 bytes .*images over 20 MB cannot be edited/);
      assertNothingSent();
    });

    it("a file outside the workspace", async () => {
      const outside = vscode.Uri.file(path.join(os.tmpdir(), `grok-edit-outside-${Date.now()}.png`));
      await vscode.workspace.fs.writeFile(outside, await bytesOf("images/photo.png"));
      try {
        assert.deepEqual(await vscode.commands.executeCommand("grokImagine.editFromMenu", outside, [outside]), []);
        assert.match(person.seen.error.at(-1) ?? "", /grok-edit-outside-.*\.png" is outside the workspace/);
        assertNothingSent();
        assert.deepEqual(await editWith({ prompt: "x", images: ["../escape.png"] }), []);
        assert.match(person.seen.error.at(-1) ?? "", /images\[0\] "\.\.\/escape\.png" has a "\." or "\.\." segment/);
        assertNothingSent();
      } finally {
        await vscode.workspace.fs.delete(outside);
      }
    });

    it("no prompt, an empty prompt, and fields the edit endpoint does not have", async () => {
      assert.deepEqual(await editWith({ images: ["images/photo.png"] }), []);
      assert.match(person.seen.error.at(-1) ?? "", /prompt is required/);
      assert.deepEqual(await editWith({ prompt: "  ", images: ["images/photo.png"], seed: 4 }), []);
      assert.match(person.seen.error.at(-1) ?? "", /prompt must not be empty.*Unknown field "seed": the allowed fields are prompt, num_images/);
      assert.deepEqual(await editWith({ prompt: "x" }), []);
      assert.match(person.seen.error.at(-1) ?? "", /images is required/);
      assertNothingSent();
    });

    it("every problem at once, in one message", async () => {
      await writeFile("refusals/empty.webp", new Uint8Array());
      assert.deepEqual(await editWith({ prompt: "", images: ["docs/notes.md", "refusals/empty.webp", "images/missing.png"] }), []);
      const msg = person.seen.error.at(-1) ?? "";
      assert.match(msg, /prompt must not be empty/);
      assert.match(msg, /docs\/notes\.md is not a PNG, JPEG or WebP image\./);
      assert.match(msg, /refusals\/empty\.webp is empty/);
      assert.match(msg, /images\/missing\.png does not exist\./);
      assertNothingSent();
    });
  });

  describe("cancel", () => {
    it("during the upload: stops at once, tears down the upload in flight, never submits, leaves nothing", async () => {
      fake.inject({ on: "upload", kind: "slow", delayMs: 8_000 });
      const pending = editWith({ prompt: "cancel while uploading", images: ["images/photo.png"] });
      // Cancel once the PUT is in flight (the fake holds it 8 s): the code guarantees that an upload
      // in flight is torn down, not that the PUT has started by any given moment after the initiate.
      const put = await until(() => fake.requests.find((r) => r.operation === "upload"), "the upload's PUT to reach the fake");
      const job = await whenJob(t, (j) => j.prompt === "cancel while uploading" && j.state === "preparing", "the job to be uploading");
      const t0 = Date.now();
      assert.ok(t.cancelJob(job.id));
      assert.deepEqual(await pending, []);
      assert.ok(Date.now() - t0 < 5_000, `Cancel did not wait for the 8 s upload (${Date.now() - t0} ms)`);
      await until(() => put.closedByClient, "the upload in flight to be torn down");
      assert.deepEqual(fake.submits, [], "nothing was submitted");
      assert.deepEqual(await namesIn(IMAGES), FIXTURES);
      assert.deepEqual(t.pendingJobs(), []);
      assert.deepEqual(person.seen.error, [], "a cancel is not an error");
    });

    it("while queued: cancels the request at fal and leaves nothing", async () => {
      fake.hold("queue");
      const pending = editWith({ prompt: "cancel while queued", images: ["images/photo.png", "images/logo.webp"] });
      const fj = await fake.waitForJob();
      const job = await whenJob(t, (j) => j.requestId === fj.requestId && j.state === "queued", "the job to be queued");
      assert.ok(t.cancelJob(job.id));
      assert.deepEqual(await pending, []);
      assert.deepEqual(fake.cancels.map((c) => c.requestId), [fj.requestId]);
      assert.deepEqual(await namesIn(IMAGES), FIXTURES);
      assert.deepEqual(t.pendingJobs(), []);
    });
  });

  describe("where the results go", () => {
    it("names already there are never overwritten", async () => {
      const mine = new TextEncoder().encode("the person's own file");
      await vscode.workspace.fs.writeFile(ws("images/photo-edit-1.jpg"), mine);
      await vscode.workspace.fs.writeFile(ws("images/PHOTO-EDIT-2.JPG"), mine);
      const uris = await editWith({ prompt: "x", images: ["images/photo.png"], num_images: 2 });
      assert.deepEqual(rel(uris), ["images/photo-edit-3.jpg", "images/photo-edit-4.jpg"]);
      assert.deepEqual(await bytesOf("images/photo-edit-1.jpg"), Buffer.from(mine));
      assert.deepEqual(await bytesOf("images/PHOTO-EDIT-2.JPG"), Buffer.from(mine));
      assert.deepEqual(await namesIn(IMAGES), ["PHOTO-EDIT-2.JPG", "flower.jpg", "logo.webp", "photo-edit-1.jpg", "photo-edit-3.jpg", "photo-edit-4.jpg", "photo.png"]);
    });

    it("editing an edit continues its numbers instead of stacking -edit", async () => {
      const [first] = await editWith({ prompt: "x", images: ["images/photo.png"] });
      const again = await editWith({ prompt: "y", images: [vscode.workspace.asRelativePath(first)] });
      assert.deepEqual(rel(again), ["images/photo-edit-2.jpg"]);
    });

    it("a source in a subfolder of a subfolder: beside it", async () => {
      await vscode.workspace.fs.writeFile(ws("images/deeper/more/pic.webp"), await bytesOf("images/logo.webp"));
      const uris = await fromExplorer("images/deeper/more/pic.webp");
      assert.deepEqual(rel(uris), ["images/deeper/more/pic-edit-1.jpg"]);
    });

    it("editOutput = outputFolder: in the output folder", async () => {
      await setUserSetting("editOutput", "outputFolder");
      try {
        const uris = await fromExplorer("images/flower.jpg");
        assert.deepEqual(rel(uris), [`${OUT}/flower-edit-1.jpg`]);
        assert.match(asked[0]?.placeholder ?? "", /1 × edit, auto, 1k, jpeg, standard, in generated-images · Estimated cost: price unknown \(1 image\)\)$/);
        assert.deepEqual(await namesIn(IMAGES), FIXTURES);
      } finally {
        await setUserSetting("editOutput", undefined);
      }
    });
  });

  describe("the side-by-side view", () => {
    afterEach(async () => {
      await setUserSetting("showComparison", false);
      await setUserSetting("openAfterSave", false);
    });

    it("opens the source and the first result side by side", async () => {
      await setUserSetting("showComparison", true);
      const [u] = await fromExplorer("images/photo.png");
      assert.equal(vscode.workspace.asRelativePath(u), "images/photo-edit-1.jpg");
      await until(() => openTabs().includes("diff:images/photo.png|images/photo-edit-1.jpg"), "a diff tab of the source and the result");
      const tab = vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((x) => x.input instanceof vscode.TabInputTextDiff);
      assert.equal(tab?.label, "photo.png ↔ photo-edit-1.jpg");
      assert.deepEqual(openTabs(), ["diff:images/photo.png|images/photo-edit-1.jpg"], "and nothing else");
    });

    it("with openAfterSave too: the first result is not opened a second time, the others are", async () => {
      await setUserSetting("showComparison", true);
      await setUserSetting("openAfterSave", true);
      await editWith({ prompt: "x", images: ["images/logo.webp"], num_images: 2, output_format: "png" });
      // The other results are opened before the side-by-side view, so once both are there, all is.
      await until(() => openTabs().includes("diff:images/logo.webp|images/logo-edit-1.png") && openTabs().includes("custom:images/logo-edit-2.png"), "the comparison and the second result");
      assert.deepEqual(openTabs().sort(), ["custom:images/logo-edit-2.png", "diff:images/logo.webp|images/logo-edit-1.png"], "logo-edit-1.png is not open on its own");
    });

    it("showComparison off: no side-by-side view (and with openAfterSave the results open as usual)", async () => {
      await editWith({ prompt: "x", images: ["images/photo.png"] });
      assert.deepEqual(openTabs(), []);
      await setUserSetting("openAfterSave", true);
      await editWith({ prompt: "x", images: ["images/photo.png"] });
      await until(() => openTabs().length === 1, "the result to open");
      assert.deepEqual(openTabs(), ["custom:images/photo-edit-2.jpg"]);
    });
  });

  describe("from the palette", () => {
    it("offers the workspace's images, the open one first and checked, and edits what is checked", async () => {
      await vscode.commands.executeCommand("vscode.open", ws("images/logo.webp"));
      await until(() => openTabs().includes("custom:images/logo.webp"), "the image preview to be active");
      await vscode.workspace.fs.writeFile(ws("node_modules/pkg/icon.png"), await bytesOf("images/photo.png"));
      await vscode.workspace.fs.writeFile(ws("images/extra.png"), await bytesOf("images/photo.png"));
      const offered: { labels: string[]; picked: string[]; title: string }[] = [];
      setPerson({
        showQuickPickMany: <T extends vscode.QuickPickItem>(items: readonly T[], options: vscode.QuickPickOptions) => {
          offered.push({ labels: items.map((i) => `${i.description ?? ""}/${i.label}`), picked: items.filter((i) => i.picked).map((i) => i.label), title: options.title ?? "" });
          // First too many, then the open image and the photo.
          const choice = offered.length === 1 ? [...items] : items.filter((i) => i.label === "logo.webp" || i.label === "photo.png");
          return Promise.resolve(choice);
        },
      });
      try {
        const uris = await editWith();
        assert.equal(offered.length, 2, "four checked: asked again");
        assert.deepEqual(offered[0]?.labels.slice(0, 1), ["images · open in the editor/logo.webp"]);
        assert.deepEqual(offered[0]?.picked, ["logo.webp"]);
        assert.ok(offered[0]?.labels.includes("images/photo.png") && offered[0]?.labels.includes("images/flower.jpg"));
        assert.ok(!offered[0]?.labels.some((l) => l.includes("node_modules")), "node_modules is not offered");
        assert.match(offered[1]?.title ?? "", /at most three/);
        assert.equal(offered[1]?.picked.length, offered[0]?.labels.length, "what was checked stays checked");
        assert.deepEqual(rel(uris), ["images/logo-edit-1.jpg"]);
        const { bytes } = receivedImages();
        assert.ok(bytes[0]?.equals(await bytesOf("images/logo.webp")));
        assert.ok(bytes[1]?.equals(await bytesOf("images/photo.png")));
      } finally {
        await vscode.workspace.fs.delete(ws("node_modules"), { recursive: true, useTrash: false });
      }
    });

    it("checking nothing sends nothing", async () => {
      setPerson({ showQuickPickMany: () => Promise.resolve([]) });
      assert.deepEqual(await editWith(), []);
      assertNothingSent();
    });
  });
});
