/**
 * Issue 12, findings 2 and 3, in the real extension host: a caller's path with `..` (as a URI, a URI
 * string, encoded) is refused before anything is read, uploaded, sent or written; an output folder
 * that is a symbolic link out of the workspace is refused with a message, nothing is written at its
 * target, and the gallery neither lists nor deletes through such a link.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as vscode from "vscode";
import type { GalleryTesting } from "../../src/gallery/index";
import { imageWithProvenance } from "./galleryFixtures";
import { namesIn, scriptedPerson, setUserSetting, until, workspaceRoot, withFakeFal, type Testing, freshPerson } from "./util";
import type { FakeFal } from "../fake-fal/server";

const OUT = "generated-images";

function ws(relative: string): vscode.Uri {
  return vscode.Uri.joinPath(workspaceRoot(), ...relative.split("/"));
}

/** A folder beside the workspace (in the run's temporary folder): outside it. */
function outside(name: string): string {
  return path.join(path.dirname(workspaceRoot().fsPath), `${name}-${process.pid}`);
}

async function run<T>(command: string, ...args: unknown[]): Promise<T | undefined> {
  return vscode.commands.executeCommand<T>(command, ...args);
}

function removeLinkOrFolder(p: string): void {
  fs.rmSync(p, { recursive: true, force: true });
}

describe("Paths a caller gives: no `..`, no link out of the workspace", function () {
  this.timeout(60_000);
  let fake: FakeFal;
  let t: Testing;
  let person: ReturnType<typeof scriptedPerson>;
  const session = withFakeFal();
  before(() => ({ fake, t } = session));
  beforeEach(async () => {
    person = await freshPerson(session);
    removeLinkOrFolder(ws(OUT).fsPath);
  });
  afterEach(() => removeLinkOrFolder(ws(OUT).fsPath));

  describe("generate's folder", () => {
    const escape = outside("gi-generated-escape");
    afterEach(() => removeLinkOrFolder(escape));
    const root = () => workspaceRoot();
    const hostile: [string, () => unknown][] = [
      ["a Uri whose path holds /../", () => vscode.Uri.parse(`${root().toString()}/../${path.basename(escape)}`)],
      ["a file Uri built from a path with /../", () => vscode.Uri.file(`${root().fsPath}/docs/../../${path.basename(escape)}`)],
      ["a URI string with /../", () => `${root().toString()}/../${path.basename(escape)}`],
      ["a URI string with %2e%2e", () => `${root().toString()}/%2e%2e/${path.basename(escape)}`],
      ["a URI string with an encoded separator and ..", () => `${root().toString()}/docs%2F..%2F..%2F${path.basename(escape)}`],
      ["an absolute path with /../", () => `${root().fsPath}/../${path.basename(escape)}`],
      ["a relative path with ../", () => `../${path.basename(escape)}`],
    ];
    for (const [what, folder] of hostile) {
      it(`${what}: refused before anything is sent, nothing written outside`, async () => {
        assert.deepEqual(await run("grokImagine.generate", { prompt: "escape", folder: folder() }), []);
        assert.equal(fake.submits.length, 0, "nothing sent (nothing paid)");
        assert.match(person.seen.error.at(-1) ?? "", /"folder" ".*" has a "\." or "\.\." segment.*give the path without them/);
        assert.ok(!fs.existsSync(escape), "no folder made outside the workspace");
      });
    }

    it("a folder outside the workspace given plainly is refused too", async () => {
      fs.mkdirSync(escape, { recursive: true });
      assert.deepEqual(await run("grokImagine.generate", { prompt: "escape", folder: vscode.Uri.file(escape) }), []);
      assert.match(person.seen.error.at(-1) ?? "", /"folder" ".*" is outside the workspace/);
      assert.deepEqual(fs.readdirSync(escape), []);
    });

    it("a workspace-relative folder is accepted", async () => {
      const uris = (await run<vscode.Uri[]>("grokImagine.generate", { prompt: "relative folder", folder: "docs/art-rel" })) ?? [];
      try {
        assert.deepEqual(uris.map((u) => vscode.workspace.asRelativePath(u)), ["docs/art-rel/relative-folder.jpg"]);
      } finally {
        removeLinkOrFolder(ws("docs/art-rel").fsPath);
      }
    });
  });

  describe("edit's images", () => {
    const secret = outside("gi-secret") + ".png";
    before(async () => fs.writeFileSync(secret, await vscode.workspace.fs.readFile(ws("images/photo.png"))));
    after(() => fs.rmSync(secret, { force: true }));
    const name = () => path.basename(secret);
    const hostile: [string, () => unknown][] = [
      ["a Uri whose path holds /../", () => vscode.Uri.parse(`${workspaceRoot().toString()}/images/../../${name()}`)],
      ["a URI string with /../", () => `${workspaceRoot().toString()}/../${name()}`],
      ["a URI string with %2e%2e", () => `${workspaceRoot().toString()}/%2E%2E/${name()}`],
      ["a URI string with a double-encoded ..", () => `${workspaceRoot().toString()}/%252e%252e/${name()}`],
      ["an absolute path with /../", () => `${workspaceRoot().fsPath}/images/../../${name()}`],
      ["a relative path with a backslash ..", () => `images\\..\\..\\${name()}`],
    ];
    for (const [what, image] of hostile) {
      it(`${what}: nothing read, nothing uploaded, a clear message`, async () => {
        assert.deepEqual(await run("grokImagine.edit", { prompt: "steal", images: [image()] }), []);
        assert.equal(fake.uploads.length, 0, "nothing uploaded to fal");
        assert.equal(fake.submits.length, 0, "nothing sent");
        assert.match(person.seen.error.at(-1) ?? "", /images\[0\] ".*" has a "\." or "\.\." segment/);
      });
    }

    it("from the Explorer's arguments too", async () => {
      const sneaky = vscode.Uri.parse(`${workspaceRoot().toString()}/../${name()}`);
      assert.deepEqual(await run("grokImagine.editFromMenu", sneaky, [sneaky]), []);
      assert.equal(fake.uploads.length, 0);
      assert.match(person.seen.error.at(-1) ?? "", /The image ".*" has a "\." or "\.\." segment/);
    });

    it("an image reached through a link out of the workspace is not read or sent", async () => {
      const link = ws("images/linked-secret.png").fsPath;
      fs.symlinkSync(secret, link);
      try {
        assert.deepEqual(await run("grokImagine.edit", { prompt: "steal", images: ["images/linked-secret.png"] }), []);
        assert.equal(fake.uploads.length, 0);
        assert.match(person.seen.error.at(-1) ?? "", /images\[0\] "images\/linked-secret\.png" passes through images\/linked-secret\.png, a symbolic link to .*gi-secret.*outside the workspace; Grok Imagine does not read through it/);
      } finally {
        fs.rmSync(link, { force: true });
      }
    });
  });

  describe("an output folder that is a symbolic link out of the workspace", () => {
    const target = outside("gi-link-target");
    beforeEach(() => {
      fs.mkdirSync(target, { recursive: true });
      fs.symlinkSync(target, ws(OUT).fsPath, "dir");
    });
    afterEach(() => removeLinkOrFolder(target));

    it("generate is refused with a message saying what to do; nothing sent, nothing written there", async () => {
      assert.deepEqual(await run("grokImagine.generate", { prompt: "through the link" }), []);
      assert.equal(fake.submits.length, 0, "refused before paying");
      assert.match(person.seen.error.at(-1) ?? "", /The output folder passes through generated-images, a symbolic link to .*gi-link-target.*outside the workspace; Grok Imagine does not write through it\. Replace the link with a real folder/);
      assert.deepEqual(fs.readdirSync(target), []);
    });

    it("a folder below the link, given as an argument, is refused too", async () => {
      assert.deepEqual(await run("grokImagine.generate", { prompt: "through the link", folder: `${OUT}/deeper` }), []);
      assert.match(person.seen.error.at(-1) ?? "", /"folder" "generated-images\/deeper" passes through generated-images, a symbolic link/);
      assert.deepEqual(fs.readdirSync(target), []);
    });

    it("edit with editOutput outputFolder is refused; nothing uploaded", async () => {
      await setUserSetting("editOutput", "outputFolder");
      try {
        assert.deepEqual(await run("grokImagine.edit", { prompt: "x", images: ["images/photo.png"] }), []);
        assert.equal(fake.uploads.length, 0);
        assert.match(person.seen.error.at(-1) ?? "", /The output folder passes through generated-images, a symbolic link/);
        assert.deepEqual(fs.readdirSync(target), []);
      } finally {
        await setUserSetting("editOutput", undefined);
      }
    });

    it("a link that stays inside the workspace is followed", async () => {
      removeLinkOrFolder(ws(OUT).fsPath);
      fs.mkdirSync(ws("docs/real-out").fsPath, { recursive: true });
      fs.symlinkSync(ws("docs/real-out").fsPath, ws(OUT).fsPath, "dir");
      try {
        const uris = (await run<vscode.Uri[]>("grokImagine.generate", { prompt: "inner link" })) ?? [];
        assert.equal(uris.length, 1);
        assert.deepEqual(fs.readdirSync(ws("docs/real-out").fsPath), ["inner-link.jpg"]);
      } finally {
        removeLinkOrFolder(ws("docs/real-out").fsPath);
      }
    });
  });

  it("a job whose folder became a link out before its images came keeps them, writes nothing there, and saves once fixed", async () => {
    const target = outside("gi-late-link");
    fs.mkdirSync(target, { recursive: true });
    try {
      fake.hold("run");
      const pending = run<vscode.Uri[]>("grokImagine.generate", { prompt: "late link" });
      const job = await fake.waitForJob();
      await until(() => t.pendingJobs().length === 1, "the job to be recorded");
      fs.symlinkSync(target, ws(OUT).fsPath, "dir");
      fake.release(job.requestId);
      assert.deepEqual(await pending, []);
      assert.match(person.seen.error.at(-1) ?? "", /could not be written.*symbolic link.*They are kept/);
      assert.deepEqual(fs.readdirSync(target), [], "nothing written through the link");
      assert.equal(t.pendingJobs().length, 1, "the paid-for images are kept");
      removeLinkOrFolder(ws(OUT).fsPath);
      const saved = (await run<vscode.Uri[]>("grokImagine.retrySaving")) ?? [];
      assert.deepEqual(saved.map((u) => vscode.workspace.asRelativePath(u)), [`${OUT}/late-link.jpg`]);
      assert.deepEqual(await namesIn(OUT), ["late-link.jpg"]);
    } finally {
      removeLinkOrFolder(target);
      await t.discardPending();
    }
  });

  describe("the gallery", () => {
    const target = outside("gi-gallery-target");
    let g: GalleryTesting;
    before(async () => {
      fs.mkdirSync(target, { recursive: true });
      fs.writeFileSync(path.join(target, "far.png"), await imageWithProvenance({ prompt: "far away", seed: 7 }));
      fs.writeFileSync(path.join(target, "single.png"), await imageWithProvenance({ prompt: "single file", seed: 8 }));
      fs.mkdirSync(ws("gallery-links").fsPath, { recursive: true });
      fs.writeFileSync(ws("gallery-links/near.png").fsPath, await imageWithProvenance({ prompt: "near", seed: 9 }));
      fs.symlinkSync(target, ws("gallery-links/far-folder").fsPath, "dir");
      fs.symlinkSync(path.join(target, "single.png"), ws("gallery-links/single-link.png").fsPath);
      const got = await vscode.commands.executeCommand<GalleryTesting>("grokImagine.testing.gallery");
      assert.ok(got);
      g = got;
      await vscode.commands.executeCommand("grokImagine.openGallery");
      await g.firstPaint();
      await g.index().scan();
      await g.index().settled();
    });
    after(async () => {
      g?.close();
      removeLinkOrFolder(ws("gallery-links").fsPath);
      removeLinkOrFolder(target);
    });

    it("does not list images through a link out of the workspace", () => {
      const listed = g.index().images().map((i) => vscode.workspace.asRelativePath(i.uri));
      assert.ok(listed.includes("gallery-links/near.png"), `the image inside is listed (${listed.join(", ")})`);
      assert.ok(!listed.some((p) => p.startsWith("gallery-links/far-folder")), "nothing through the folder link");
      assert.ok(!listed.includes("gallery-links/single-link.png"), "nor through a file link");
      assert.ok(t.logLines().some((l) => /leaves out .* behind a symbolic link leading out of it/.test(l)), "logged");
    });

    it("does not delete through it, even when asked for by id", async () => {
      const trace = g.trace();
      assert.ok(trace);
      const refused = trace.refused.length;
      for (const id of [ws("gallery-links/far-folder/far.png").toString(), ws("gallery-links/single-link.png").toString(), `${ws("gallery-links").toString()}/../../${path.basename(target)}/far.png`]) {
        await g.receive({ type: "action", requestId: 900, action: "delete", id });
      }
      assert.equal(trace.refused.length, refused + 3);
      assert.deepEqual(person.seen.modals, [], "nothing was asked");
      assert.deepEqual(fs.readdirSync(target).sort(), ["far.png", "single.png"], "both files are still there");
    });
  });
});
