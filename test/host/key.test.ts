import * as assert from "node:assert/strict";
import * as vscode from "vscode";
import { startFakeFal, type FakeFal } from "../fake-fal/server";
import { FAL_KEYS_URL } from "../../src/keyRules";
import { scriptedPerson, TEST_KEY, until, workspaceRoot, withFakeFal, type Testing } from "./util";


async function generate(arg: unknown): Promise<vscode.Uri[]> {
  return (await vscode.commands.executeCommand<vscode.Uri[]>("grokImagine.generate", arg)) ?? [];
}

describe("Foundation: the key and the proxy", function () {
  this.timeout(60_000);
  let fake: FakeFal;
  let t: Testing;
  const savedEnv = process.env.FAL_KEY;

  const session = withFakeFal({ queueMs: 10, runMs: 20 });
  before(() => ({ fake, t } = session));
  after(() => {
    if (savedEnv === undefined) delete process.env.FAL_KEY;
    else process.env.FAL_KEY = savedEnv;
  });
  beforeEach(async () => {
    fake.reset();
    delete process.env.FAL_KEY;
    t.setUi(scriptedPerson().ui);
    await vscode.commands.executeCommand("grokImagine.clearApiKey");
  });

  it("without a stored key, FAL_KEY from the environment is used", async () => {
    process.env.FAL_KEY = `${TEST_KEY}-env`;
    const resolved = await t.resolveKey();
    assert.ok(resolved?.key === `${TEST_KEY}-env` && resolved.source === "environment", "FAL_KEY is the key (not printed)");
    const uris = await generate({ prompt: "env key" });
    assert.equal(uris.length, 1);
    assert.ok(fake.submits[0].key === `${TEST_KEY}-env`, "fal saw the expected key (not printed)");
  });

  it("a stored key wins over FAL_KEY", async () => {
    process.env.FAL_KEY = `${TEST_KEY}-env`;
    await vscode.commands.executeCommand("grokImagine.setApiKey", TEST_KEY);
    await generate({ prompt: "stored key" });
    assert.ok(fake.submits[0].key === TEST_KEY, "fal saw the expected key (not printed)");
  });

  it("with no key at all, a command asks for one (with a link to fal) instead of failing, then goes on", async () => {
    const person = scriptedPerson({ inputs: [TEST_KEY], choose: (_m, items) => items.find((i) => i.startsWith("Enter")) });
    t.setUi(person.ui);
    const uris = await generate({ prompt: "asked for key" });
    assert.equal(uris.length, 1);
    assert.match(person.seen.warning[0] ?? "", /needs a fal API key/);
    assert.equal(person.seen.inputs[0]?.password, true, "the key is typed into a password box");
    assert.ok(fake.submits[0].key === TEST_KEY, "fal saw the expected key (not printed)");
    assert.equal((await t.resolveKey())?.source, "secretStorage", "and it is kept for next time");
  });

  it("'Get a Key' opens fal's key page, then asks for the key", async () => {
    const opened: string[] = [];
    const person = scriptedPerson({ inputs: [TEST_KEY], choose: (_m, items) => items.find((i) => i.startsWith("Get")) });
    t.setUi({ ...person.ui, openExternal: (u: vscode.Uri) => (opened.push(u.toString()), Promise.resolve(true)) });
    await generate({ prompt: "get a key" });
    assert.deepEqual(opened, [vscode.Uri.parse(FAL_KEYS_URL).toString()]);
    assert.equal(fake.submits.length, 1);
  });

  it("declining the key prompt sends nothing", async () => {
    const person = scriptedPerson({ choose: () => undefined });
    t.setUi(person.ui);
    assert.deepEqual(await generate({ prompt: "no key" }), []);
    assert.equal(fake.requests.length, 0);
  });

  it("Set API Key refuses something that cannot be a key, and the password box explains why", async () => {
    const person = scriptedPerson({ inputs: [undefined] });
    t.setUi(person.ui);
    assert.equal(await vscode.commands.executeCommand("grokImagine.setApiKey", "has a space"), false);
    assert.match(person.seen.error.at(-1) ?? "", /no spaces/);
    assert.equal(await vscode.commands.executeCommand("grokImagine.setApiKey"), false, "Escape in the box stores nothing");
    const box = person.seen.inputs[0];
    assert.ok(box && typeof box.validateInput === "function", "the box checks what is typed");
    assert.ok(await box.validateInput(""), "an empty key is explained");
    assert.equal(await box.validateInput(TEST_KEY), undefined);
    assert.ok((await t.resolveKey()) === undefined, "no key is set (not printed)");
  });

  it("a key change (in this or another window) is noticed through secrets.onDidChange", async () => {
    await vscode.commands.executeCommand("grokImagine.setApiKey", TEST_KEY);
    await until(() => t.logLines().some((l) => l.includes("The API key changed")), "the change event to be logged");
  });

  it("proxyUrl: a workspace's .vscode/settings.json cannot redirect requests (and the key); the user's value is used", async () => {
    await vscode.commands.executeCommand("grokImagine.setApiKey", TEST_KEY);
    const other = await startFakeFal({ queueMs: 10, runMs: 20 });
    const dotVscode = vscode.Uri.joinPath(workspaceRoot(), ".vscode");
    const settingsFile = vscode.Uri.joinPath(dotVscode, "settings.json");
    try {
      await vscode.workspace.fs.writeFile(settingsFile, new TextEncoder().encode(JSON.stringify({ "grokImagine.proxyUrl": other.url, "grokImagine.numImages": 2 })));
      // numImages is a workspace-honoured setting in the same file: once it shows, the file was read.
      await until(() => vscode.workspace.getConfiguration("grokImagine").get("numImages") === 2, "the workspace settings to load");
      const uris = await generate({ prompt: "through the user's proxy" });
      assert.equal(uris.length, 2, "the workspace's numImages was honoured");
      assert.equal(fake.submits.length, 1, "the user's proxy got the request");
      assert.equal(other.requests.length, 0, "the workspace's proxy got nothing, not even the key");
    } finally {
      await vscode.workspace.fs.delete(dotVscode, { recursive: true, useTrash: false });
      await until(() => vscode.workspace.getConfiguration("grokImagine").get("numImages") === 1, "the workspace settings to unload");
      await other.close();
      await vscode.workspace.fs.delete(vscode.Uri.joinPath(workspaceRoot(), "generated-images"), { recursive: true, useTrash: false }).then(undefined, () => undefined);
    }
  });

  it("proxyUrl is declared application-scoped in the manifest", () => {
    const ext = vscode.extensions.all.find((e) => e.id.toLowerCase() === "grok-imagine.grok-imagine-vscode");
    const props = (ext?.packageJSON as { contributes: { configuration: { properties: Record<string, { scope?: string }> } } }).contributes.configuration.properties;
    assert.equal(props["grokImagine.proxyUrl"].scope, "application");
  });
});
