/**
 * Generate Image Here and Edit Image Here in a real VS Code: where the file goes
 * (markdown.copyFiles.destination, else the output folder), the link put in the document as one
 * undoable edit, the place followed through edits made while the job runs (the fake fal holds the
 * request until the edits are made), and the refusals.
 */
import * as assert from "node:assert/strict";
import * as vscode from "vscode";
import type { FakeFal } from "../fake-fal/server";
import { freshPerson, namesIn, scriptedPerson, whenJob, withFakeFal, workspaceRoot, type Testing } from "./util";

const REVISED = " — rendered in rich detail with cinematic lighting.";
let seq = 0;

function ws(rel: string): vscode.Uri {
  return vscode.Uri.joinPath(workspaceRoot(), rel);
}

/** A new Markdown file in docs/ with `text`, open in the active editor, `selected` selected (or the cursor at `cursor`). */
async function openMarkdown(text: string, select: string | { cursor: number }): Promise<vscode.TextEditor> {
  const uri = ws(`docs/here-${seq++}.md`);
  await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(text));
  const doc = await vscode.workspace.openTextDocument(uri);
  assert.equal(doc.languageId, "markdown");
  const editor = await vscode.window.showTextDocument(doc);
  const start = typeof select === "string" ? text.indexOf(select) : select.cursor;
  const end = typeof select === "string" ? start + select.length : start;
  assert.ok(start >= 0);
  editor.selection = new vscode.Selection(doc.positionAt(start), doc.positionAt(end));
  return editor;
}

function baseName(uri: vscode.Uri): string {
  return uri.path.slice(uri.path.lastIndexOf("/") + 1, uri.path.lastIndexOf("."));
}

async function setCopyDestination(value: Record<string, string> | undefined): Promise<void> {
  await vscode.workspace.getConfiguration("markdown").update("copyFiles.destination", value, vscode.ConfigurationTarget.Workspace);
}

async function generateHere(arg?: unknown): Promise<vscode.Uri[]> {
  return (await vscode.commands.executeCommand<vscode.Uri[]>("grokImagine.generateHere", arg)) ?? [];
}

async function editHere(arg?: unknown): Promise<vscode.Uri[]> {
  return (await vscode.commands.executeCommand<vscode.Uri[]>("grokImagine.editHere", arg)) ?? [];
}

async function closeAll(): Promise<void> {
  for (const d of vscode.workspace.textDocuments.filter((x) => x.isDirty)) {
    await vscode.window.showTextDocument(d);
    await vscode.commands.executeCommand("workbench.action.revertAndCloseActiveEditor");
  }
  await vscode.commands.executeCommand("workbench.action.closeAllEditors");
}

describe("Markdown: Generate Image Here and Edit Image Here", function () {
  this.timeout(60_000);
  let fake: FakeFal;
  let t: Testing;
  let person: ReturnType<typeof scriptedPerson>;

  const session = withFakeFal({ queueMs: 20, runMs: 40 }, { showComparison: false });
  before(() => ({ fake, t } = session));
  beforeEach(async () => {
    person = await freshPerson(session);
  });
  afterEach(async () => {
    await setCopyDestination(undefined);
    await closeAll();
  });

  it("from a script: saves where markdown.copyFiles.destination says and puts the link in place of the selection, as one undoable edit", async () => {
    await setCopyDestination({ "**/*.txt": "never/", "/docs/*.md": "${documentDirName}/media/${documentBaseName}-${fileName}" });
    const text = "# Title\n\nIntro: a lighthouse at dusk. End.\n";
    const editor = await openMarkdown(text, "a lighthouse at dusk");
    const doc = editor.document;
    const [uri] = await generateHere({ prompt: "a lighthouse at dusk" });
    assert.ok(uri, person.seen.error.join("\n"));
    const name = `${baseName(doc.uri)}-a-lighthouse-at-dusk.jpg`;
    assert.equal(vscode.workspace.asRelativePath(uri), `docs/media/${name}`);
    assert.deepEqual(await namesIn("docs/media"), [name], "one file, no temporary ones");
    assert.equal(doc.getText(), `# Title\n\nIntro: ![a lighthouse at dusk${REVISED}](media/${name}). End.\n`);
    assert.equal(fake.submits.length, 1);
    assert.equal((fake.submits[0].body as { prompt: string }).prompt, "a lighthouse at dusk");
    const linkEnd = doc.positionAt(doc.getText().indexOf(". End."));
    assert.ok(editor.selection.isEmpty && editor.selection.active.isEqual(linkEnd), "the cursor is after the link, not selecting it");
    // One undo takes the whole link out and gives the chosen text back.
    await vscode.window.showTextDocument(doc);
    await vscode.commands.executeCommand("undo");
    assert.equal(doc.getText(), text);
  });

  it("without a matching copyFiles entry: the output folder, linked relative to the document; the prompt defaults to the selection", async () => {
    const editor = await openMarkdown("Before\n\na paper boat on a pond\n\nAfter\n", "a paper boat on a pond");
    const [uri] = await generateHere({});
    assert.ok(uri, person.seen.error.join("\n"));
    assert.equal(vscode.workspace.asRelativePath(uri), "generated-images/a-paper-boat-on-a-pond.jpg");
    assert.equal(editor.document.getText(), `Before\n\n![a paper boat on a pond${REVISED}](../generated-images/a-paper-boat-on-a-pond.jpg)\n\nAfter\n`);
    await vscode.workspace.fs.delete(uri);
  });

  it("from the palette: the prompt box starts with the selection and shows the parameters, the estimated cost and where it goes", async () => {
    person = await freshPerson(session, { inputs: ["an owl at night, woodcut"] });
    await setCopyDestination({ "**/*.md": "/assets/" });
    const editor = await openMarkdown("Cursor here: ", { cursor: 13 });
    editor.selection = new vscode.Selection(editor.document.positionAt(13), editor.document.positionAt(13));
    const [uri] = await generateHere();
    assert.ok(uri, person.seen.error.join("\n"));
    const box = person.seen.inputs[0];
    assert.equal(box?.value, "");
    assert.match(box?.prompt ?? "", /^1 × .*estimated \$\d+\.\d+ · saved in assets, linked at the cursor$/);
    assert.deepEqual(fake.submits.map((x) => (x.body as { num_images: number }).num_images), [1]);
    assert.equal(vscode.workspace.asRelativePath(uri), "assets/an-owl-at-night-woodcut.jpg");
    assert.equal(editor.document.getText(), `Cursor here: ![an owl at night, woodcut${REVISED}](../assets/an-owl-at-night-woodcut.jpg)`);
    // With a selection, the box starts with it.
    person = await freshPerson(session, { inputs: [undefined] });
    const other = await openMarkdown("x a  red\n fox y", "a  red\n fox");
    assert.deepEqual(await generateHere(), []);
    assert.equal(person.seen.inputs[0]?.value, "a red fox");
    assert.equal(other.document.getText(), "x a  red\n fox y", "Escape changes nothing");
    assert.equal(fake.submits.length, 0, "and sends nothing");
  });

  it("edits made while the job runs: the link still lands where the person chose", async () => {
    const text = "one\ntwo a small robot three\nfour\n";
    const editor = await openMarkdown(text, "a small robot");
    const doc = editor.document;
    fake.hold("queue");
    const running = generateHere({ prompt: "a small robot" });
    await whenJob(t, (j) => j.state === "queued", "the request to wait at fal");
    // The person goes on writing: above, on the same line before and after, and below.
    const edit = new vscode.WorkspaceEdit();
    edit.insert(doc.uri, new vscode.Position(0, 0), "# New heading\n\n");
    edit.insert(doc.uri, new vscode.Position(1, 4), "(before) ");
    edit.insert(doc.uri, new vscode.Position(1, 17), " (after)");
    assert.ok(await vscode.workspace.applyEdit(edit));
    await editor.edit((b) => b.insert(doc.positionAt(doc.getText().length), "five\n"));
    fake.release();
    const [uri] = await running;
    assert.ok(uri, person.seen.error.join("\n"));
    assert.equal(doc.getText(), `# New heading\n\none\ntwo (before) ![a small robot${REVISED}](../generated-images/a-small-robot.jpg) (after) three\nfour\nfive\n`);
    await vscode.workspace.fs.delete(uri);
  });

  it("the chosen text deleted while the job runs: the link goes where it was, and the log says so", async () => {
    const editor = await openMarkdown("keep this. a tiny cactus and more. keep that.", "a tiny cactus");
    const doc = editor.document;
    fake.hold("queue");
    const running = generateHere({ prompt: "a tiny cactus" });
    await whenJob(t, (j) => j.state === "queued", "the request to wait at fal");
    const start = doc.getText().indexOf("a tiny");
    await editor.edit((b) => b.delete(new vscode.Range(doc.positionAt(start - 1), doc.positionAt(start + "a tiny cactus and more.".length))));
    fake.release();
    const [uri] = await running;
    assert.ok(uri);
    assert.equal(doc.getText(), `keep this.![a tiny cactus${REVISED}](../generated-images/a-tiny-cactus.jpg) keep that.`);
    assert.ok(t.logLines().some((l) => /deleted while the image was made, so the link went where it was/.test(l)), t.logLines().slice(-5).join("\n"));
    await vscode.workspace.fs.delete(uri);
  });

  it("the document closed while the job runs: it is not reopened; the person is told where the image is and can copy the link", async () => {
    person = await freshPerson(session, { choose: (_m, items) => items.find((i) => i === "Copy Link") });
    const text = "a quiet harbor\n";
    const editor = await openMarkdown(text, "a quiet harbor");
    const doc = editor.document;
    fake.hold("queue");
    const running = generateHere({ prompt: "a quiet harbor" });
    await whenJob(t, (j) => j.state === "queued", "the request to wait at fal");
    await vscode.commands.executeCommand("workbench.action.closeAllEditors");
    fake.release();
    const [uri] = await running;
    assert.ok(uri);
    assert.equal(new TextDecoder().decode(await vscode.workspace.fs.readFile(doc.uri)), text, "the closed file is untouched");
    assert.ok(!vscode.window.tabGroups.all.some((g) => g.tabs.some((tb) => tb.input instanceof vscode.TabInputText && tb.input.uri.toString() === doc.uri.toString())), "not reopened");
    assert.match(person.seen.info.at(-1) ?? "", /saved generated-images\/a-quiet-harbor\.jpg\. docs\/here-\d+\.md was closed, so the link was not inserted/);
    assert.equal(await vscode.env.clipboard.readText(), `![a quiet harbor${REVISED}](../generated-images/a-quiet-harbor.jpg)`);
    await vscode.workspace.fs.delete(uri);
  });

  it("refuses a copyFiles destination outside the workspace, and a document that is not Markdown; nothing is sent", async () => {
    await setCopyDestination({ "**/*.md": "/../outside-the-workspace/" });
    await openMarkdown("a fox", "a fox");
    assert.deepEqual(await generateHere({ prompt: "a fox" }), []);
    assert.match(person.seen.error.at(-1) ?? "", /markdown\.copyFiles\.destination "\*\*\/\*\.md" gives a path that .* is outside the workspace/);
    await setCopyDestination({ "**/*.md": "${fileName/(a+)+$/x/}" });
    assert.deepEqual(await generateHere({ prompt: "a fox" }), []);
    assert.match(person.seen.error.at(-1) ?? "", /repeats a group\. Fix the setting/);
    await setCopyDestination(undefined);
    const plain = await vscode.workspace.openTextDocument({ language: "plaintext", content: "a fox" });
    await vscode.window.showTextDocument(plain);
    assert.deepEqual(await generateHere({ prompt: "a fox" }), []);
    assert.match(person.seen.error.at(-1) ?? "", /works in a Markdown editor/);
    assert.equal(fake.submits.length, 0);
  });

  it("Edit Image Here: edits the linked image and puts the result's link right after it", async () => {
    const text = "Look: ![the photo](../images/photo.png \"title\") nice.\n";
    const editor = await openMarkdown(text, { cursor: 10 });
    const doc = editor.document;
    const [uri] = await editHere({ prompt: "make it night" });
    assert.ok(uri, person.seen.error.join("\n"));
    assert.equal(vscode.workspace.asRelativePath(uri), "images/photo-edit-1.jpg");
    assert.equal(fake.submits.length, 1);
    assert.match(fake.submits[0].endpointId, /edit/);
    assert.equal(doc.getText(), "Look: ![the photo](../images/photo.png \"title\") ![Edited per instruction: make it night](../images/photo-edit-1.jpg) nice.\n");
    await vscode.window.showTextDocument(doc);
    await vscode.commands.executeCommand("undo");
    assert.equal(doc.getText(), text);
    await vscode.workspace.fs.delete(uri);
  });

  it("Edit Image Here refuses remote images, paths outside the workspace, and no link under the cursor, saying what to do", async () => {
    await openMarkdown("![web](https://example.com/a.png)", { cursor: 3 });
    assert.deepEqual(await editHere({ prompt: "x" }), []);
    assert.match(person.seen.error.at(-1) ?? "", /https: address, not a file in the workspace: save the image into the workspace/);
    await openMarkdown("![far](../../../../../../etc/photo.png)", { cursor: 3 });
    assert.deepEqual(await editHere({ prompt: "x" }), []);
    assert.match(person.seen.error.at(-1) ?? "", /outside the workspace.*Move it into the workspace/);
    await openMarkdown("no image here", { cursor: 3 });
    assert.deepEqual(await editHere({ prompt: "x" }), []);
    assert.match(person.seen.error.at(-1) ?? "", /Put the cursor on a Markdown image link/);
    assert.equal(fake.submits.length, 0);
  });
});
