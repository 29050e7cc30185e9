import * as assert from "node:assert/strict";
import * as vscode from "vscode";
import { namesIn, scriptedPerson, setUserSetting, TEST_KEY, withFakeFal } from "../host/util";

/**
 * The manifest says the extension works in Restricted Mode with grokImagine.outputFolder restricted.
 * This suite runs with Workspace Trust on and the folder untrusted; the workspace's settings.json
 * sets outputFolder to "set-by-the-workspace" (restricted) and numImages to 2 (not restricted: it
 * shows that the file was read).
 */
describe("Restricted Mode", function () {
  this.timeout(60_000);
  const session = withFakeFal({ queueMs: 10, runMs: 20 });
  before(async () => {
    session.t.setUi(scriptedPerson().ui);
    await vscode.commands.executeCommand("grokImagine.setApiKey", TEST_KEY);
  });

  it("runs in an untrusted folder", () => {
    assert.equal(vscode.workspace.isTrusted, false);
    const c = vscode.workspace.getConfiguration("grokImagine");
    assert.equal(c.inspect("numImages")?.workspaceValue, 2, "the workspace's settings.json was read");
    assert.notEqual(c.get("outputFolder"), "set-by-the-workspace", "a restricted setting from the workspace does not apply");
  });

  it("generates, ignoring the workspace's outputFolder", async () => {
    const uris = (await vscode.commands.executeCommand<vscode.Uri[]>("grokImagine.generate", { prompt: "untrusted folder" })) ?? [];
    assert.deepEqual(uris.map((u) => vscode.workspace.asRelativePath(u)), ["generated-images/untrusted-folder-1.jpg", "generated-images/untrusted-folder-2.jpg"]);
    assert.deepEqual(await namesIn("set-by-the-workspace"), []);
  });

  it("still honours the person's own (user) outputFolder", async () => {
    await setUserSetting("outputFolder", "mine");
    try {
      const [u] = (await vscode.commands.executeCommand<vscode.Uri[]>("grokImagine.generate", { prompt: "user folder", num_images: 1 })) ?? [];
      assert.equal(vscode.workspace.asRelativePath(u), "mine/user-folder.jpg");
    } finally {
      await setUserSetting("outputFolder", undefined);
    }
  });

  it("the agent tools do not run here: the model is told to ask for trust, and nothing is sent", async () => {
    const before = session.fake.submits.length;
    for (const [tool, input] of [["grok_imagine_generate", { prompt: "agent in an untrusted folder" }], ["grok_imagine_edit", { prompt: "x", images: ["images/photo.png"] }]] as const) {
      const result = await vscode.lm.invokeTool(tool, { input, toolInvocationToken: undefined });
      const text = result.content.map((p) => (p instanceof vscode.LanguageModelTextPart ? p.value : String((p as { value?: unknown }).value ?? ""))).join("\n");
      assert.match(text, new RegExp(`${tool} did not run: this workspace is in Restricted Mode`));
      assert.match(text, /Manage Workspace Trust/);
    }
    assert.equal(session.fake.submits.length, before, "nothing sent");
    assert.equal(session.fake.uploads.length, 0, "nothing uploaded");
  });
});
