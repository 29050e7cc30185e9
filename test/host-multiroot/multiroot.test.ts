import * as assert from "node:assert/strict";
import * as vscode from "vscode";
import { readProvenance } from "../../src/provenance/read";
import { scriptedPerson, TEST_KEY, withFakeFal } from "../host/util";

/** A workspace of two folders: images go to the right one, and edit sources are found again. */
describe("Multi-root workspace", function () {
  this.timeout(60_000);
  const session = withFakeFal({ queueMs: 10, runMs: 20 });
  const folder = (name: string) => {
    const f = vscode.workspace.workspaceFolders?.find((w) => w.name === name);
    assert.ok(f, `workspace folder ${name}`);
    return f.uri;
  };
  const rel = (uris: readonly vscode.Uri[]) => uris.map((u) => vscode.workspace.asRelativePath(u, true));

  before(async () => {
    session.t.setUi(scriptedPerson().ui);
    await vscode.commands.executeCommand("grokImagine.setApiKey", TEST_KEY);
  });

  it("has two folders", () => {
    assert.deepEqual(vscode.workspace.workspaceFolders?.map((f) => f.name), ["alpha", "beta"]);
  });

  it("from the palette, asks once which folder, and saves into that folder's output folder", async () => {
    const picks: string[] = [];
    const person = scriptedPerson();
    session.t.setUi({
      ...person.ui,
      askText: () => Promise.resolve("two roots"),
      showQuickPick: <T extends vscode.QuickPickItem>(items: readonly T[] | Thenable<readonly T[]>, options: vscode.QuickPickOptions) =>
        Promise.resolve(items).then((list) => {
          picks.push(options.title ?? "");
          // The parameters: send as they are. The folder: beta.
          return list.find((i) => i.label.includes("Generate")) ?? list.find((i) => i.label === "beta");
        }),
    });
    const uris = (await vscode.commands.executeCommand<vscode.Uri[]>("grokImagine.generate")) ?? [];
    assert.deepEqual(rel(uris), ["beta/generated-images/two-roots.jpg"]);
    assert.equal(picks.filter((p) => /which workspace folder/.test(p)).length, 1, "the folder was asked once");
  });

  it("with an argument object, `folder` names the workspace folder", async () => {
    session.t.setUi(scriptedPerson().ui);
    const uris = (await vscode.commands.executeCommand<vscode.Uri[]>("grokImagine.generate", { prompt: "named root", folder: "alpha" })) ?? [];
    assert.deepEqual(rel(uris), ["alpha/generated-images/named-root.jpg"]);
  });

  it("an edit of images from both folders records them with their folder, and Generate Again finds them", async () => {
    session.t.setUi(scriptedPerson().ui);
    session.fake.reset();
    const a = vscode.Uri.joinPath(folder("alpha"), "images", "photo.png");
    const b = vscode.Uri.joinPath(folder("beta"), "images", "logo.webp");
    const [result] = (await vscode.commands.executeCommand<vscode.Uri[]>("grokImagine.edit", { prompt: "merge them", images: [a, b] })) ?? [];
    assert.ok(result);
    const p = readProvenance(await vscode.workspace.fs.readFile(result));
    assert.deepEqual(p?.sources?.map((s) => s.path), ["alpha/images/photo.png", "beta/images/logo.webp"]);
    const again = (await vscode.commands.executeCommand<vscode.Uri[]>("grokImagine.generateAgain", result)) ?? [];
    assert.equal(again.length, 1, "both sources were found, unchanged");
    assert.equal(session.fake.submits.length, 2);
  });
});
