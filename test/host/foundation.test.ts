import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as vscode from "vscode";
import { activateExtension, EXTENSION_ID, scriptedPerson, until } from "./util";

interface Manifest {
  contributes: { commands: { command: string; title: string; category: string }[] };
  activationEvents: string[];
}

describe("Foundation", () => {
  const manifest = JSON.parse(
    fs.readFileSync(path.join(vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath, "package.json"), "utf8"),
  ) as Manifest;

  it("runs in a real VS Code with the fixture workspace open", () => {
    assert.match(vscode.version, /^\d+\.\d+\.\d+/);
    const folders = vscode.workspace.workspaceFolders ?? [];
    assert.equal(folders.length, 1);
    assert.ok(fs.existsSync(path.join(folders[0].uri.fsPath, "README.md")));
  });

  it("does not activate at start-up: only commands (and later the gallery) activate it", () => {
    assert.deepEqual(manifest.activationEvents.filter((e) => e === "*" || e === "onStartupFinished"), []);
  });

  it("registers every command the manifest contributes, all in the Grok Imagine category", async () => {
    await activateExtension();
    const registered = new Set(await vscode.commands.getCommands(true));
    const promised = ["generate", "edit", "openGallery", "setApiKey", "clearApiKey", "showLog"].map((c) => `grokImagine.${c}`);
    for (const id of promised) assert.ok(manifest.contributes.commands.some((c) => c.command === id), `${id} is not contributed`);
    for (const c of manifest.contributes.commands) {
      assert.ok(registered.has(c.command), `${c.command} is contributed but not registered`);
      assert.equal(c.category, "%category%", "the category is localizable (package.nls.json)");
    }
  });

  it("Show Log shows the Grok Imagine log, with what the extension wrote in it", async () => {
    await vscode.commands.executeCommand("grokImagine.showLog");
    const log = await until(
      () => vscode.window.visibleTextEditors.map((e) => e.document).find((d) => d.uri.scheme === "output" && decodeURIComponent(d.uri.toString()).includes("Grok Imagine")),
      "the Grok Imagine log to be shown",
    );
    assert.match(log.getText(), /Activated in [\d.]+ ms \(VS Code/);
  });

  it("Set API Key with a string argument stores it; Clear API Key removes it", async () => {
    const t = await activateExtension();
    const person = scriptedPerson();
    t.setUi(person.ui);
    try {
      const key = process.env.GROK_TEST_KEY ?? "gi-test-fallback-key-0001";
      assert.equal(await vscode.commands.executeCommand("grokImagine.setApiKey", key), true);
      const resolved = await t.resolveKey();
      assert.ok(resolved?.key === key && resolved.source === "secretStorage", "the stored key is the key (not printed)");
      assert.match(person.seen.info.at(-1) ?? "", /API key saved/);
      assert.equal(await vscode.commands.executeCommand("grokImagine.clearApiKey"), true);
      assert.equal((await t.resolveKey())?.source, process.env.FAL_KEY ? "environment" : undefined);
    } finally {
      t.resetUi();
    }
  });
});
