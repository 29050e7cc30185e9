/**
 * The agent tools in the real VS Code, called the way agent mode calls them (vscode.lm.invokeTool; no
 * chat model is needed, and VS Code confirms tool calls by itself in extension tests): what is saved,
 * what the model reads back, and every way a request is refused or stopped.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as vscode from "vscode";
import { EDIT_TOOL, GENERATE_TOOL, toolInputSchema } from "../../src/agent/schema";
import { MAX_PREVIEW_BYTES, PREVIEW_SIDE } from "../../src/agent/index";
import { u32be } from "../../src/images/bytes";
import { sniffImageFormat } from "../../src/images/sniff";
import type { FakeFal } from "../fake-fal/server";
import { freshPerson, namesIn, scriptedPerson, TEST_KEY, until, workspaceRoot, withFakeFal, type Testing } from "./util";

const OUT = "generated-images";
const IMAGES = "images";
const FIXTURES = ["flower.jpg", "logo.webp", "photo.png"];

function ws(relative: string): vscode.Uri {
  return vscode.Uri.joinPath(workspaceRoot(), ...relative.split("/"));
}

function invoke(tool: string, input: object, token?: vscode.CancellationToken): Thenable<vscode.LanguageModelToolResult> {
  return vscode.lm.invokeTool(tool, { input, toolInvocationToken: undefined }, token);
}

/** The text parts of a result, joined (parts come back over VS Code's RPC, so by shape, not class). */
function textOf(r: vscode.LanguageModelToolResult): string {
  return r.content
    .map((p) => (typeof p === "object" && p !== null && typeof (p as { value?: unknown }).value === "string" ? (p as { value: string }).value : undefined))
    .filter((v): v is string => v !== undefined)
    .join("\n");
}

function dataParts(r: vscode.LanguageModelToolResult): { mimeType: string; data: Uint8Array }[] {
  return r.content.filter((p): p is { mimeType: string; data: Uint8Array } => typeof p === "object" && p !== null && typeof (p as { mimeType?: unknown }).mimeType === "string");
}

/** A PNG's width and height, from its header. */
function pngSize(png: Uint8Array): [number, number] {
  return [u32be(png, 16), u32be(png, 20)];
}

async function cleanUp(): Promise<void> {
  for (const extra of [OUT, "art"]) await vscode.workspace.fs.delete(ws(extra), { recursive: true, useTrash: false }).then(undefined, () => undefined);
  for (const name of await namesIn(IMAGES)) {
    if (!FIXTURES.includes(name)) await vscode.workspace.fs.delete(ws(`${IMAGES}/${name}`), { recursive: true, useTrash: false });
  }
}

describe("Agent tools", function () {
  this.timeout(60_000);
  let fake: FakeFal;
  let t: Testing;
  let person: ReturnType<typeof scriptedPerson>;

  const session = withFakeFal();
  before(() => ({ fake, t } = session));
  beforeEach(async () => {
    person = await freshPerson(session);
    await cleanUp();
  });
  after(cleanUp);

  it("are registered with the input schemas the definition generates", () => {
    for (const spec of [GENERATE_TOOL, EDIT_TOOL]) {
      const info = vscode.lm.tools.find((x) => x.name === spec.name);
      assert.ok(info, `${spec.name} is in vscode.lm.tools`);
      assert.deepEqual(info.inputSchema, toolInputSchema(spec.operation));
      assert.match(info.description, /Use it when/);
    }
  });

  it("generate: saves the images in the workspace and answers with their paths, the revised prompt, Markdown and a preview", async () => {
    const result = await invoke(GENERATE_TOOL.name, { prompt: "A lighthouse at dusk", num_images: 2, output_format: "png" });
    const text = textOf(result);
    assert.deepEqual(await namesIn(OUT), ["a-lighthouse-at-dusk-1.png", "a-lighthouse-at-dusk-2.png"]);
    assert.equal(fake.submits.length, 1);
    assert.deepEqual(fake.submits[0].body, { prompt: "A lighthouse at dusk", num_images: 2, aspect_ratio: "1:1", resolution: "1k", output_format: "png", sync_mode: false });
    assert.equal(fake.submits[0].key, TEST_KEY);
    for (const n of [1, 2]) {
      assert.ok(text.includes(`Image ${n}: ${OUT}/a-lighthouse-at-dusk-${n}.png`), text);
      assert.ok(text.includes(`](${OUT}/a-lighthouse-at-dusk-${n}.png)`), text);
    }
    assert.match(text, /Revised prompt \(what the model drew\): "A lighthouse at dusk — rendered in rich detail with cinematic lighting\."/);
    assert.match(text, /!\[A lighthouse at dusk — rendered in rich detail with cinematic lighting\.\]\(generated-images\/a-lighthouse-at-dusk-1\.png\)/);
    assert.match(text, /recorded in the file \(XMP\)/);
    // The fake's PNGs are a few MB: the preview is the first one scaled down, a PNG within the bounds.
    const first = await vscode.workspace.fs.readFile(ws(`${OUT}/a-lighthouse-at-dusk-1.png`));
    assert.ok(first.length > MAX_PREVIEW_BYTES, `the fake's PNG (${first.length} bytes) is over the preview's bound as it is`);
    const previews = dataParts(result);
    assert.equal(previews.length, 1, "one preview");
    assert.equal(previews[0].mimeType, "image/png");
    assert.equal(sniffImageFormat(previews[0].data), "png");
    assert.ok(previews[0].data.length <= MAX_PREVIEW_BYTES, `${previews[0].data.length} bytes`);
    assert.deepEqual(pngSize(previews[0].data), [PREVIEW_SIDE, PREVIEW_SIDE], "a square image at the preview's side");
    assert.match(text, /A preview of the first image \(scaled down to at most 512 pixels a side\) is attached/);
    assert.equal(person.seen.error.length, 0);
  });

  it("generate: a folder given as a workspace-relative path is where the image goes; a small result comes with a preview", async () => {
    const result = await invoke(GENERATE_TOOL.name, { prompt: "tiny robot", folder: "art/robots" });
    const text = textOf(result);
    assert.deepEqual(await namesIn("art/robots"), ["tiny-robot.jpg"]);
    const bytes = await vscode.workspace.fs.readFile(ws("art/robots/tiny-robot.jpg"));
    assert.equal(sniffImageFormat(bytes), "jpeg");
    assert.ok(text.includes("Image 1: art/robots/tiny-robot.jpg"), text);
    // This VS Code (1.139) has LanguageModelDataPart: the image comes along as it is on disk.
    assert.ok(bytes.length <= MAX_PREVIEW_BYTES, `the fake's JPEG (${bytes.length} bytes) is within the preview's bound`);
    const previews = dataParts(result);
    assert.equal(previews.length, 1, "one preview");
    assert.equal(previews[0].mimeType, "image/jpeg");
    assert.deepEqual(Buffer.from(previews[0].data), Buffer.from(bytes));
    assert.match(text, /A preview of the first image is attached/);
  });

  it("bad input comes back as text naming each field and what is allowed; nothing is sent", async () => {
    const text = textOf(await invoke(GENERATE_TOOL.name, { prompt: "x", tier: "premium", num_images: 0 }));
    assert.match(text, /grok_imagine_generate did not run: nothing was sent/);
    assert.match(text, /tier must be one of standard, quality/);
    assert.match(text, /num_images/);
    assert.match(text, /call grok_imagine_generate again/);
    const outside = textOf(await invoke(GENERATE_TOOL.name, { prompt: "x", folder: "../elsewhere" }));
    assert.match(outside, /"folder" "\.\.\/elsewhere"/);
    const empty = textOf(await invoke(GENERATE_TOOL.name, { prompt: "" }));
    assert.match(empty, /prompt/);
    assert.equal(fake.submits.length, 0);
    assert.deepEqual(await namesIn(OUT), []);
  });

  it("cancel: the request is cancelled at fal, VS Code's CancellationError comes back, and no file is written", async () => {
    fake.hold("queue");
    const cts = new vscode.CancellationTokenSource();
    const call = invoke(GENERATE_TOOL.name, { prompt: "never mind" }, cts.token);
    const job = await fake.waitForJob();
    cts.cancel();
    await assert.rejects(Promise.resolve(call), (err: Error) => err instanceof vscode.CancellationError || err.name === "Canceled", "the call ends as cancelled");
    await until(() => fake.cancels.find((c) => c.requestId === job.requestId), "the cancel at fal");
    await until(() => t.jobs().length === 0 && t.pendingJobs().length === 0, "the job to end and its record to go");
    assert.deepEqual(await namesIn(OUT), []);
    cts.dispose();
  });

  it("content policy: fal's refusal comes back as text that says to rephrase; no file", async () => {
    const text = textOf(await invoke(GENERATE_TOOL.name, { prompt: "something [fake:content_policy]" }));
    assert.match(text, /did not save an image: fal's content policy refused this prompt/);
    assert.match(text, /Rephrase the prompt/);
    assert.equal(fake.submits.length, 1, "sent once, not retried");
    assert.deepEqual(await namesIn(OUT), []);
  });

  it("no key: says to set one, without asking the person or sending anything", async () => {
    const savedEnv = process.env.FAL_KEY;
    delete process.env.FAL_KEY;
    await vscode.commands.executeCommand("grokImagine.clearApiKey");
    try {
      assert.equal(await t.resolveKey(), undefined, "no key anywhere");
      const text = textOf(await invoke(GENERATE_TOOL.name, { prompt: "a key-less cat" }));
      assert.match(text, /no fal API key is set.*Set API Key/s);
      assert.equal(person.seen.warning.length, 0, "the person was not asked for a key");
      assert.equal(fake.submits.length, 0);
    } finally {
      if (savedEnv !== undefined) process.env.FAL_KEY = savedEnv;
      await vscode.commands.executeCommand("grokImagine.setApiKey", TEST_KEY);
    }
  });

  it("edit: the result goes beside the source, and the text names it and its revised prompt", async () => {
    const text = textOf(await invoke(EDIT_TOOL.name, { prompt: "make it blue", images: [`${IMAGES}/photo.png`] }));
    assert.equal(fake.uploads.length, 1);
    assert.equal(fake.submits[0].endpointId, "xai/grok-imagine-image/edit");
    assert.ok((await namesIn(IMAGES)).includes("photo-edit-1.jpg"), "JPEG, the default format");
    assert.ok(text.includes(`Image 1: ${IMAGES}/photo-edit-1.jpg`), text);
    assert.match(text, /Revised prompt \(what the model drew\): "Edited per instruction: make it blue"/);
    assert.ok(text.includes(`![Edited per instruction: make it blue](${IMAGES}/photo-edit-1.jpg)`), text);
  });

  it("edit: sources outside the workspace, missing or not images are refused by name before anything is sent", async () => {
    const outsideFile = path.join(os.tmpdir(), `grok-agent-outside-${Date.now()}.png`);
    fs.writeFileSync(outsideFile, fs.readFileSync(ws(`${IMAGES}/photo.png`).fsPath));
    try {
      const text = textOf(await invoke(EDIT_TOOL.name, { prompt: "x", images: ["../photo.png", outsideFile, "README.md", `${IMAGES}/nothing.png`] }));
      assert.match(text, /grok_imagine_edit did not run: nothing was sent/);
      assert.match(text, /images\[0\] "\.\.\/photo\.png"/);
      assert.ok(text.includes(`images[1] ${JSON.stringify(outsideFile)}`), text);
      const lines = text.split("\n").filter((l) => l.startsWith("- "));
      assert.ok(lines.length >= 3, `one line per problem: ${text}`);
      const one = textOf(await invoke(EDIT_TOOL.name, { prompt: "x", images: ["README.md"] }));
      assert.match(one, /README\.md/);
      assert.match(one, /PNG, JPEG or WebP/);
      assert.equal(fake.uploads.length + fake.submits.length, 0, "nothing uploaded or sent");
    } finally {
      fs.rmSync(outsideFile, { force: true });
    }
  });
});
