import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as vscode from "vscode";
import { startFakeFal, type FakeFal } from "../fake-fal/server";
import type { GalleryTesting } from "../../src/gallery/index";
import { GALLERY_VIEW_TYPE, type GalleryEntry, type HostMessage } from "../../src/protocol";
import { entryFieldsOf } from "../../src/gallery/provenance";
import { buildXmpPacket } from "../../src/provenance/packet";
import { readProvenance } from "../../src/provenance/read";
import { sidecarDocument } from "../../src/provenance/sidecar";
import { checkImageComplete, sniffImageFormat } from "../../src/images/sniff";
import { HOSTILE_PROMPTS, imageWithProvenance, plainImage, provenanceOf, type FixtureSpec } from "./galleryFixtures";
import { activateExtension, scriptedPerson, setUserSetting, TEST_KEY, until, whenJob, workspaceRoot, type Testing } from "./util";

const ART = "gallery-art";
/** What the generate form sends: the body's fields and the tier (which chooses the endpoint). */
const FORM = { prompt: "a lighthouse in fog", num_images: 1, aspect_ratio: "16:9", resolution: "1k", output_format: "png", sync_mode: false, tier: "standard" };
const { tier: _tier, ...FORM_BODY } = FORM;
/** The edit bar's values as the webview sends them (the settings' defaults). */
const EDIT_FORM = { num_images: 1, aspect_ratio: "auto", resolution: "1k", output_format: "jpeg", sync_mode: false, tier: "standard" };

function ws(relative: string): vscode.Uri {
  return vscode.Uri.joinPath(workspaceRoot(), ...relative.split("/"));
}

async function put(relative: string, spec: FixtureSpec): Promise<vscode.Uri> {
  const uri = ws(relative);
  await vscode.workspace.fs.writeFile(uri, await imageWithProvenance(spec));
  return uri;
}

async function gallery(): Promise<GalleryTesting> {
  const g = await vscode.commands.executeCommand<GalleryTesting>("grokImagine.testing.gallery");
  assert.ok(g, "the gallery's test hook is registered in test mode");
  return g;
}

function posted(g: GalleryTesting): readonly HostMessage[] {
  return g.trace()?.posted ?? [];
}

function repliesTo(g: GalleryTesting, requestId: number): Extract<HostMessage, { type: "reply" }>[] {
  return posted(g).filter((m): m is Extract<HostMessage, { type: "reply" }> => m.type === "reply" && m.requestId === requestId);
}

function listed(g: GalleryTesting): string[] {
  return g
    .index()
    .images()
    .map((i) => vscode.workspace.asRelativePath(i.uri))
    .sort();
}

const key = (relative: string) => ws(relative).toString();

describe("Gallery", function () {
  this.timeout(60_000);
  let fake: FakeFal;
  let t: Testing;
  let g: GalleryTesting;
  let person: ReturnType<typeof scriptedPerson>;
  let answer: string | undefined;
  let seq = 100;

  before(async () => {
    fake = await startFakeFal({ queueMs: 20, runMs: 40 });
    t = await activateExtension();
    await setUserSetting("proxyUrl", fake.url);
    await setUserSetting("openAfterSave", false);
    await vscode.commands.executeCommand("grokImagine.setApiKey", TEST_KEY);
    await vscode.workspace.fs.createDirectory(ws(ART));
    await put(`${ART}/fox.png`, { prompt: "a red fox in fresh snow", revisedPrompt: "A red fox in powder snow at dawn", seed: 1, createDate: "2025-01-03T12:00:00Z" });
    await put(`${ART}/boat.jpg`, { prompt: "a [paper] boat\non a pond", format: "jpeg", seed: 2, createDate: "2025-01-02T12:00:00Z" });
    await put(`${ART}/fox-blue.webp`, { prompt: "make the fox blue", kind: "edit", format: "webp", seed: 3, createDate: "2025-01-04T12:00:00Z", sources: [{ path: `${ART}/fox.png`, sha256: "0".repeat(64) }] });
    await put(`${ART}/hostile.png`, { prompt: `${HOSTILE_PROMPTS.img} ${HOSTILE_PROMPTS.script} ${HOSTILE_PROMPTS.bidi}`, seed: 4, createDate: "2025-01-01T12:00:00Z" });
    await vscode.workspace.fs.writeFile(ws(`${ART}/someone-elses.png`), await plainImage("png"));
    g = await gallery();
    await vscode.commands.executeCommand("grokImagine.openGallery");
    await g.firstPaint();
  });
  after(async () => {
    g?.close();
    t.resetUi();
    await setUserSetting("proxyUrl", undefined);
    await setUserSetting("openAfterSave", undefined);
    await vscode.workspace.fs.delete(ws(ART), { recursive: true, useTrash: false }).then(undefined, () => undefined);
    await vscode.workspace.fs.delete(ws("generated-images"), { recursive: true, useTrash: false }).then(undefined, () => undefined);
    await vscode.commands.executeCommand("workbench.action.closeAllEditors");
    await fake.close();
  });
  beforeEach(() => {
    fake.reset();
    answer = undefined;
    person = scriptedPerson({ choose: () => answer });
    t.setUi(person.ui);
  });

  describe("opening", () => {
    it("Open Gallery shows every image that carries Grok Imagine provenance, newest first, and paints within its budget", async () => {
      await vscode.commands.executeCommand("grokImagine.openGallery");
      const paint = await g.firstPaint();
      assert.ok(paint.ms > 0);
      await g.index().settled();
      await until(() => listed(g).includes(`${ART}/hostile.png`), "the index to find the fixtures");
      assert.deepEqual(listed(g).filter((p) => p.startsWith(ART)), [`${ART}/boat.jpg`, `${ART}/fox-blue.webp`, `${ART}/fox.png`, `${ART}/hostile.png`]);
      assert.ok(!listed(g).includes(`${ART}/someone-elses.png`), "an image without provenance is not the gallery's");
      const init = posted(g).find((m): m is Extract<HostMessage, { type: "init" }> => m.type === "init");
      assert.ok(init, "the panel sent init after the webview said ready");
      // (A folder the webview could not load from yet reloads the page, which then gets it all.)
      const sent = () => posted(g).flatMap((m) => (m.type === "init" ? m.entries : m.type === "entries" ? m.upsert : []));
      const fox = await until(() => sent().find((e) => e.id === key(`${ART}/fox.png`)), "the webview to be sent the fixtures");
      const entries = sent();
      assert.equal(fox.prompt, "a red fox in fresh snow");
      assert.equal(fox.revisedPrompt, "A red fox in powder snow at dawn");
      assert.equal(fox.kind, "generate");
      assert.equal(fox.format, "png");
      assert.deepEqual(fox.params, { num_images: 1, aspect_ratio: "1:1", resolution: "1k", output_format: "png", sync_mode: false, tier: "standard" }, "what the definition lists, the tier from the endpoint");
      assert.equal(fox.created, Date.parse("2025-01-03T12:00:00Z"));
      assert.match(fox.src, /^https?:|^vscode-/, "the image is loaded through asWebviewUri");
      const edit = entries.find((e) => e.id === key(`${ART}/fox-blue.webp`));
      assert.deepEqual([edit?.kind, edit?.sources], ["edit", [`${ART}/fox.png`]]);
    });

    it("the page has a strict CSP with a fresh nonce, no command links, and loads only from media and the image folders", async () => {
      const panel = g.panel();
      assert.ok(panel);
      const html = panel.webview.html;
      assert.match(html, /default-src 'none'/);
      assert.match(html, /script-src 'nonce-[A-Za-z0-9+/=]{20,}'/);
      assert.doesNotMatch(html, /unsafe-inline|unsafe-eval|\*;/);
      const nonce = /nonce-([^']+)'/.exec(html)?.[1];
      // The page's own script and styles are inlined (esbuild.js), each under the nonce; the markup
      // around them has no handler, style or script of its own.
      assert.equal(html.split(`nonce="${nonce}"`).length, 3, "the one script and the one style element carry the nonce");
      // A data block (never run: it has no nonce) for the first `init`, as JSON with no "<" in it;
      // empty once the panel has been off screen (earlier tests showed other editors).
      const block = /<script type="application\/json" id="init">([^<]*)<\/script>/.exec(html);
      assert.ok(block, "the page has its data block");
      const markup = html.replace(/<script nonce="[^"]+">[\s\S]*?<\/script>/, "").replace(/<style nonce="[^"]+">[\s\S]*?<\/style>/, "").replace(block[0], "");
      assert.doesNotMatch(markup, / on[a-z]+=|style=|<script|<style/i, "no inline handlers, styles or scripts besides those three");
      const opts = panel.webview.options;
      assert.equal(opts.enableScripts, true);
      assert.notEqual(opts.enableCommandUris, true);
      const roots = (opts.localResourceRoots ?? []).map((u) => u.path);
      const ext = vscode.extensions.getExtension("grok-imagine.grok-imagine-vscode");
      assert.ok(ext);
      assert.ok(roots.includes(vscode.Uri.joinPath(ext.extensionUri, "media", "gallery").path));
      assert.ok(roots.includes(ws(ART).path), `the image folder is a root: ${roots.join(", ")}`);
      assert.ok(!roots.includes(workspaceRoot().path), "not the whole workspace");
      // Another load gets another nonce.
      g.close();
      await vscode.commands.executeCommand("grokImagine.openGallery");
      await g.firstPaint();
      const fresh = g.panel()?.webview.html ?? "";
      const other = /nonce-([^']+)'/.exec(fresh)?.[1];
      assert.ok(other);
      assert.notEqual(other, nonce);
      // A panel opened on screen carries its first `init`: the one the trace has, the same entries.
      const carried = /<script type="application\/json" id="init">([^<]+)<\/script>/.exec(fresh)?.[1];
      assert.ok(carried, `the page carries its first init\n${t.logLines().filter((l) => /gallery/.test(l)).slice(-5).join("\n")}`);
      const init = JSON.parse(carried) as Extract<HostMessage, { type: "init" }>;
      assert.equal(init.type, "init");
      assert.deepEqual(init, posted(g).find((m) => m.type === "init"));
      // The page painted from it: one that could not read it would have asked again (`ready`) and
      // painted from a second init.
      assert.equal(posted(g).filter((m) => m.type === "init").length, 1, "one init, the carried one");
    });

    it("a page that carried its init loses it when the panel goes off screen; shown again, the page gets a fresh init", async () => {
      const panel = g.panel();
      assert.ok(panel?.visible);
      const inits = () => posted(g).filter((m): m is Extract<HostMessage, { type: "init" }> => m.type === "init");
      const before = inits().length;
      assert.match(panel.webview.html, /<script type="application\/json" id="init">[^<]+<\/script>/);
      const doc = await vscode.workspace.openTextDocument({ content: "another editor over the gallery" });
      await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.Active, preview: false });
      await until(() => !panel.visible, "the gallery to go off screen");
      await until(() => panel.webview.html.includes('<script type="application/json" id="init"></script>'), "the page to lose the init it carried");
      assert.equal(inits().length, before, "nothing is sent to a page that is not there");
      await vscode.commands.executeCommand("workbench.action.revertAndCloseActiveEditor");
      panel.reveal();
      const fresh = await until(() => inits()[before], "an init for the page loaded again");
      assert.ok(fresh.seq > (inits()[before - 1]?.seq ?? 0), "a newer one than it carried");
      assert.ok(fresh.entries.some((e) => e.id === key(`${ART}/fox.png`)));
    });
    it("more images than init carries: init says so, and the page's paint brings the rest once, marked with that init's number; none left out, none", async () => {
      // More than any init carries (at most 240), whatever size the panel was.
      const many = Array.from({ length: 250 }, (_, i) => ws(`gallery-many/m-${String(i).padStart(3, "0")}.png`));
      await vscode.workspace.fs.createDirectory(ws("gallery-many"));
      for (const [i, uri] of many.entries()) await vscode.workspace.fs.writeFile(uri, await imageWithProvenance({ prompt: `many ${i}`, seed: 300 + i, size: 8, createDate: new Date(Date.UTC(2024, 0, 1) + i * 60_000).toISOString() }));
      const index = g.index();
      await index.update(many);
      await index.settled();
      const rests = (from: number) => posted(g).slice(from).filter((m): m is Extract<HostMessage, { type: "entries" }> => m.type === "entries" && m.rest !== undefined);
      const paintOf = async (from: number) => {
        await g.receive({ type: "ready" });
        const init = posted(g).slice(from).find((m): m is Extract<HostMessage, { type: "init" }> => m.type === "init");
        assert.ok(init, "init answers ready");
        await g.receive({ type: "rendered", at: Date.now(), entries: init.entries.length, cards: 12, scriptMs: 1, initMs: 1, paintMs: 1, width: 900, height: 640 });
        await g.receive({ type: "thumbnails", ms: 1, count: 12 });
        return init;
      };
      try {
        const from = posted(g).length;
        const init = await paintOf(from);
        assert.equal(init.rest, true, "init says the rest follows");
        const rest = await until(() => rests(from)[0], "the rest after the page's paint");
        assert.equal(rest.rest, init.seq, "marked with the number of the init it completes");
        const ids = [...init.entries, ...rest.upsert].map((e) => e.id);
        assert.equal(new Set(ids).size, ids.length, "nothing twice");
        for (const uri of many) assert.ok(ids.includes(uri.toString()), `${uri.path} sent`);
        // The page's own paint of that init (and the timer after a paint) send no second rest.
        await new Promise((r) => setTimeout(r, 1_300));
        assert.equal(rests(from).length, 1, "the rest is sent once");
      } finally {
        await vscode.workspace.fs.delete(ws("gallery-many"), { recursive: true, useTrash: false });
        await until(() => many.every((u) => !index.get(u.toString())), "the images to leave the index");
        await index.settled();
        // (The page made thumbnails of those it showed: they go as the session's first scan would take them.)
        await g.pruneThumbnails();
      }
      // Every image in init: it says so, and no rest follows.
      const from = posted(g).length;
      const init = await paintOf(from);
      assert.equal(init.rest, false);
      await new Promise((r) => setTimeout(r, 1_300));
      assert.equal(rests(from).length, 0, "no rest when init carried everything");
    });
  });

  describe("messages from the webview", () => {
    it("ready: the panel answers with everything it shows", async () => {
      const before = posted(g).length;
      await g.receive({ type: "ready" });
      const init = posted(g).slice(before).find((m) => m.type === "init");
      assert.ok(init && init.type === "init");
      assert.ok(init.entries.some((e) => e.id === key(`${ART}/fox.png`)));
      assert.deepEqual(init.defaults, { generate: { num_images: 1, aspect_ratio: "1:1", resolution: "1k", output_format: "jpeg", sync_mode: false, tier: "standard" }, edit: EDIT_FORM });
      // The forms and filters come from the API's definition, with every allowed value.
      assert.deepEqual(init.fields.generate.map((f) => f.key), ["num_images", "aspect_ratio", "resolution", "output_format", "sync_mode", "tier"]);
      assert.deepEqual(init.fields.edit.map((f) => f.key), Object.keys(EDIT_FORM));
      assert.equal(init.fields.generate.find((f) => f.key === "aspect_ratio")?.options.length, 13);
      assert.deepEqual(init.filters.map((f) => f.key), ["aspect_ratio", "resolution", "tier"]);
    });

    it("generate: runs Generate Image with the form's request, and the new image joins the gallery", async () => {
      const requestId = seq++;
      await g.receive({ type: "generate", requestId, input: FORM });
      assert.equal(fake.submits.length, 1);
      assert.deepEqual(fake.submits[0]?.body, FORM_BODY);
      assert.deepEqual(g.trace()?.commands.at(-1)?.id, "grokImagine.generate");
      assert.deepEqual(repliesTo(g, requestId).map((r) => r.ok), [true]);
      const made = ws("generated-images/a-lighthouse-in-fog.png").toString();
      // It joins the gallery from the job pipeline's onDidSave, as the job's own record says.
      const img = await until(() => g.index().get(made), "the saved image to be listed");
      assert.equal(img.prov.input["prompt"], "a lighthouse in fog");
      assert.ok(posted(g).some((m) => m.type === "entries" && m.upsert.some((e) => e.id === made)), "the webview was told");
    });

    it("generate in the quality tier: its endpoint, and the gallery lists the image with its tier", async () => {
      const requestId = seq++;
      await g.receive({ type: "generate", requestId, input: { ...FORM, prompt: "a lighthouse of quality", tier: "quality" } });
      assert.deepEqual(fake.submits.map((x) => [x.endpointId, x.body]), [["xai/grok-imagine-image/quality/text-to-image", { ...FORM_BODY, prompt: "a lighthouse of quality" }]]);
      const made = ws("generated-images/a-lighthouse-of-quality.png").toString();
      const entry = await until(() => posted(g).flatMap((m) => (m.type === "entries" ? m.upsert : [])).filter((e) => e.id === made).at(-1), "the webview to be told of the image");
      assert.equal(entry?.params["tier"], "quality", "the webview was told the tier");
      const file = readProvenance(await vscode.workspace.fs.readFile(vscode.Uri.parse(made)));
      assert.equal(file?.endpoint, "xai/grok-imagine-image/quality/text-to-image", "the file records it by its endpoint");
      assert.ok(file, "the file carries its provenance");
      assert.equal(entryFieldsOf(file).params["tier"], "quality", "and the gallery reads it back from the file");
    });

    it("generate: a value the API does not take is refused before anything is sent, with the reason", async () => {
      const requestId = seq++;
      await g.receive({ type: "generate", requestId, input: { ...FORM, aspect_ratio: "5:4" } });
      assert.equal(fake.submits.length, 0);
      const [reply] = repliesTo(g, requestId);
      assert.equal(reply?.ok, false);
      assert.match(reply?.message ?? "", /aspect_ratio must be one of/);
    });

    it("jobs in flight are shown with their state, and Cancel cancels one at fal", async () => {
      fake.hold("queue");
      const requestId = seq++;
      const pending = g.receive({ type: "generate", requestId, input: { ...FORM, prompt: "cancel me from the gallery" } });
      const job = await fake.waitForJob();
      const running = await whenJob(t, (j) => j.requestId === job.requestId && j.state === "queued", "the job to be queued");
      await until(() => posted(g).some((m) => m.type === "jobs" && m.jobs.some((j) => j.id === running.id && j.state === "queued" && j.prompt === "cancel me from the gallery")), "the panel to show the queued job");
      await g.receive({ type: "cancelJob", requestId: seq++, jobId: running.id });
      await pending;
      assert.deepEqual(fake.cancels.map((c) => c.requestId), [job.requestId]);
      await until(() => posted(g).some((m) => m.type === "jobs" && m.jobs.length === 0), "the job to leave the list");
    });

    it("open, reveal, details and generate again run the same commands as the palette, on that image", async () => {
      const fox = key(`${ART}/fox.png`);
      for (const [action, command] of [["open", "vscode.open"], ["reveal", "revealInExplorer"], ["details", "grokImagine.showDetails"], ["generateAgain", "grokImagine.generateAgain"]] as const) {
        const requestId = seq++;
        await g.receive({ type: "action", requestId, action, id: fox });
        const call = g.trace()?.commands.at(-1);
        assert.equal(call?.id, command);
        assert.ok(call?.args[0] instanceof vscode.Uri && call.args[0].toString() === fox, `${command} got the image's URI`);
        assert.equal(repliesTo(g, requestId).length, 1, `${action} was answered`);
      }
      const tab = vscode.window.tabGroups.all.flatMap((grp) => grp.tabs).find((tb) => tb.input instanceof vscode.TabInputCustom && tb.input.uri.toString() === fox);
      assert.ok(tab, "the image is open");
    });

    it("copy prompt and copy Markdown link put them on the clipboard", async () => {
      await g.receive({ type: "action", requestId: seq++, action: "copyPrompt", id: key(`${ART}/boat.jpg`) });
      assert.equal(await vscode.env.clipboard.readText(), "a [paper] boat\non a pond");
      await vscode.commands.executeCommand("workbench.action.closeAllEditors");
      await vscode.commands.executeCommand("grokImagine.openGallery");
      await g.firstPaint();
      await g.receive({ type: "action", requestId: seq++, action: "copyMarkdown", id: key(`${ART}/boat.jpg`) });
      // No Markdown file open: relative to the workspace folder; the revised prompt, escaped, as alt text.
      assert.equal(await vscode.env.clipboard.readText(), `![a \\[paper\\] boat on a pond, detailed](${ART}/boat.jpg)`);
    });

    it("insert Markdown link: at the cursor of the Markdown file, relative to it", async () => {
      const notes = ws("docs/notes.md");
      const editor = await vscode.window.showTextDocument(notes);
      // The person puts the cursor at the end of the file.
      await vscode.commands.executeCommand("cursorBottom");
      const end = editor.document.lineAt(editor.document.lineCount - 1).range.end;
      await until(() => editor.selection.active.isEqual(end), "the cursor to move");
      await vscode.commands.executeCommand("grokImagine.openGallery");
      await g.firstPaint();
      const requestId = seq++;
      await g.receive({ type: "action", requestId, action: "insertMarkdown", id: key(`${ART}/fox.png`) });
      assert.deepEqual(repliesTo(g, requestId).map((r) => [r.ok, r.message]), [[true, "Link inserted into notes.md."]]);
      const doc = await vscode.workspace.openTextDocument(notes);
      assert.ok(doc.getText().endsWith("![A red fox in powder snow at dawn](../gallery-art/fox.png)"), `${doc.getText()}\n${t.logLines().filter((l) => /gallery/.test(l)).slice(-5).join("\n")}`);
      await g.receive({ type: "action", requestId: seq++, action: "copyMarkdown", id: key(`${ART}/fox.png`) });
      assert.equal(await vscode.env.clipboard.readText(), "![A red fox in powder snow at dawn](../gallery-art/fox.png)");
      await vscode.commands.executeCommand("workbench.action.revertAndCloseActiveEditor").then(undefined, () => undefined);
      const docs = vscode.workspace.textDocuments.filter((d) => d.uri.toString() === notes.toString() && d.isDirty);
      for (const d of docs) {
        await vscode.window.showTextDocument(d);
        await vscode.commands.executeCommand("workbench.action.revertAndCloseActiveEditor");
      }
    });

    it("insert Markdown link with no Markdown file open says so and changes nothing", async () => {
      await vscode.commands.executeCommand("workbench.action.closeAllEditors");
      await vscode.commands.executeCommand("grokImagine.openGallery");
      await g.firstPaint();
      const requestId = seq++;
      await g.receive({ type: "action", requestId, action: "insertMarkdown", id: key(`${ART}/fox.png`) });
      const [reply] = repliesTo(g, requestId);
      assert.equal(reply?.ok, false);
      assert.match(reply?.message ?? "", /Open a Markdown file/);
    });

    it("edit: the selected images (up to three) and the prompt go to Edit Image", async () => {
      const ids = [key(`${ART}/fox.png`), key(`${ART}/boat.jpg`)];
      const requestId = seq++;
      await g.receive({ type: "edit", requestId, ids, input: { ...EDIT_FORM, aspect_ratio: "16:9", resolution: "2k", prompt: "  put them on the moon " } });
      const call = g.trace()?.commands.at(-1);
      assert.equal(call?.id, "grokImagine.edit");
      const arg = call?.args[0] as { prompt: string; images: vscode.Uri[] };
      assert.deepEqual({ ...arg, images: [] }, { ...EDIT_FORM, aspect_ratio: "16:9", resolution: "2k", prompt: "put them on the moon", images: [] }, "the edit bar's parameters go with it");
      assert.deepEqual(arg.images.map((u) => u.toString()), ids);
      assert.equal(repliesTo(g, requestId).length, 1);
      const empty = seq++;
      await g.receive({ type: "edit", requestId: empty, ids, input: { ...EDIT_FORM, prompt: "   " } });
      assert.equal(repliesTo(g, empty)[0]?.ok, false);
      assert.equal(g.trace()?.commands.at(-1), call, "nothing ran for an empty prompt");
    });

    it("delete: asks first; declining keeps the file, accepting removes it (to the trash where there is one)", async () => {
      const victim = await put(`${ART}/victim.png`, { prompt: "delete me", seed: 9 });
      await g.index().update([victim]);
      assert.ok(g.index().get(victim.toString()));
      answer = undefined;
      const no = seq++;
      await g.receive({ type: "action", requestId: no, action: "delete", id: victim.toString() });
      assert.match(person.seen.modals.at(-1)?.message ?? "", /Delete gallery-art\/victim\.png\?/);
      assert.equal(repliesTo(g, no)[0]?.ok, false);
      await vscode.workspace.fs.stat(victim);
      answer = "Move to Trash";
      person = scriptedPerson({ choose: (_m, items) => items.find((i) => i === "Move to Trash" || i === "Delete Permanently") });
      t.setUi(person.ui);
      const yes = seq++;
      await g.receive({ type: "action", requestId: yes, action: "delete", id: victim.toString() });
      assert.equal(repliesTo(g, yes)[0]?.ok, true);
      const trash = person.seen.modals.some((m) => /cannot be moved to the trash/.test(m.message)) ? "had no trash: deleted permanently after a second question" : "moved it to the trash";
      if (process.env.GROK_TEST_LOG) fs.appendFileSync(process.env.GROK_TEST_LOG, `      note: this file system ${trash}\n`);
      await assert.rejects(Promise.resolve(vscode.workspace.fs.stat(victim)));
      assert.equal(g.index().get(victim.toString()), undefined);
      assert.ok(posted(g).some((m) => m.type === "entries" && m.remove.includes(victim.toString())));
    });
  });

  describe("thumbnails", () => {
    it("a thumbnail the page made is checked, stored in workspace storage, and the next init carries it", async () => {
      const fox = g.index().get(key(`${ART}/fox.png`));
      assert.ok(fox);
      const trace = g.trace();
      assert.ok(trace);
      const refused = trace.refused.length;
      // The open page may have made fox's thumbnail already (it does so once a card's image loads):
      // then that one stays, since a version is written once.
      await g.thumbnailsSettled();
      const earlier = g.thumbnailFolder();
      const before = earlier ? await vscode.workspace.fs.readFile(vscode.Uri.joinPath(earlier, g.thumbnailName(fox))).then((b) => b, () => undefined) : undefined;
      const thumb = await plainImage("webp", 9, 64);
      await g.receive({ type: "thumbnail", id: fox.key, version: `${fox.size}:${fox.mtime}`, bytes: thumb });
      await g.thumbnailsSettled();
      assert.equal(trace.refused.length, refused, "accepted");
      const folder = g.thumbnailFolder();
      assert.ok(folder);
      const stored = await vscode.workspace.fs.readFile(vscode.Uri.joinPath(folder, g.thumbnailName(fox)));
      assert.deepEqual([...stored], [...(before ?? thumb)], before ? "the page's own thumbnail stays (one write per version)" : "the thumbnail sent is stored");
      // A reload: the page gets the thumbnail, by URI and (the newest images') inline.
      await g.simulateReload();
      await vscode.commands.executeCommand("grokImagine.openGallery");
      await g.firstPaint();
      const init = posted(g).find((m): m is Extract<HostMessage, { type: "init" }> => m.type === "init");
      const entry = init?.entries.find((e) => e.id === fox.key);
      assert.ok(entry?.thumb?.includes(g.thumbnailName(fox)), `the entry points at the cached thumbnail: ${entry?.thumb}`);
      assert.ok(entry?.thumbData && entry.thumbData === Buffer.from(stored).toString("base64"), "and carries it");
    });

    const FIRST_THUMBS_KEY = "grokImagine.gallery.firstThumbnails";
    const VIEWPORT_KEY = "grokImagine.gallery.viewport";
    /** Opens the gallery after a reload; resolves to fox's entry in the first `init`, and what that `init` carried. */
    async function reopen(): Promise<{ entry: GalleryEntry | undefined; carried: { count: number; early: number } | undefined }> {
      await g.simulateReload();
      await vscode.commands.executeCommand("grokImagine.openGallery");
      await g.firstPaint();
      const init = posted(g).find((m): m is Extract<HostMessage, { type: "init" }> => m.type === "init");
      return { entry: init?.entries.find((e) => e.id === key(`${ART}/fox.png`)), carried: g.trace()?.carriedThumbs };
    }
    async function storedFox(): Promise<string> {
      const fox = g.index().get(key(`${ART}/fox.png`));
      const folder = g.thumbnailFolder();
      assert.ok(fox && folder);
      return Buffer.from(await vscode.workspace.fs.readFile(vscode.Uri.joinPath(folder, g.thumbnailName(fox)))).toString("base64");
    }

    it("the next open reads the thumbnails the last first paint carried beside the index, and carries the same bytes", async () => {
      const fox = g.index().get(key(`${ART}/fox.png`));
      assert.ok(fox);
      const remembered = t.workspaceState().get<unknown>(FIRST_THUMBS_KEY);
      assert.ok(Array.isArray(remembered) && remembered.includes(g.thumbnailName(fox)), `the last first paint's thumbnails are remembered: ${JSON.stringify(remembered)}`);
      const { entry, carried } = await reopen();
      assert.ok(carried && carried.count > 0, `the init carried thumbnails: ${JSON.stringify(carried)}`);
      assert.equal(carried.early, carried.count, "every one of them was read early");
      assert.equal(entry?.thumbData, await storedFox());
    });

    it("a remembered list that is not one the gallery wrote reads nothing early, and the thumbnails come as before", async () => {
      const hostile: unknown[] = ["../../../../etc/passwd", "/etc/passwd", `${"a".repeat(40)}.webp/../../x`, 42, { name: "x" }, null, `${"0".repeat(40)}.webp`, ...Array.from({ length: 5000 }, (_, i) => `${i.toString(16).padStart(40, "0")}.webp`)];
      await t.workspaceState().update(FIRST_THUMBS_KEY, hostile);
      const { entry, carried } = await reopen();
      assert.ok(carried && carried.count > 0, `the init carried thumbnails: ${JSON.stringify(carried)}`);
      assert.equal(carried.early, 0, "none of those names is a thumbnail of an image shown");
      assert.equal(entry?.thumbData, await storedFox(), "fox's thumbnail came the usual way");
      const remembered = t.workspaceState().get<unknown>(FIRST_THUMBS_KEY);
      assert.ok(Array.isArray(remembered) && remembered.every((n) => typeof n === "string" && /^[0-9a-f]{40}\.webp$/.test(n)), "and the list is the gallery's own again");
    });

    it("the grid's size at a first paint is remembered, and the next init carries it", async () => {
      const { carried } = await reopen();
      assert.ok(carried);
      const painted = g.trace()?.firstPaint;
      assert.ok(painted && painted.cards > 0);
      const size = t.workspaceState().get<{ width: number; height: number }>(VIEWPORT_KEY);
      assert.ok(size && size.width > 0 && size.height > 0, `remembered: ${JSON.stringify(size)}`);
      await reopen();
      const init = posted(g).find((m): m is Extract<HostMessage, { type: "init" }> => m.type === "init");
      assert.deepEqual(init?.viewport, size);
    });

    it("a remembered size that is wrong (or not a size) still paints the cards the real grid holds", async () => {
      const right = (await reopen(), g.trace()?.firstPaint?.cards);
      assert.ok(right && right > 1, `cards at the real size: ${right}`);
      const real = t.workspaceState().get<unknown>(VIEWPORT_KEY);
      for (const wrong of [{ width: 120, height: 90 }, { width: 20_000, height: 9_000 }, { width: -5, height: "x" }, "900x640"]) {
        await t.workspaceState().update(VIEWPORT_KEY, wrong);
        await reopen();
        assert.equal(g.trace()?.firstPaint?.cards, right, `the first frame after ${JSON.stringify(wrong)} was laid out again for the real grid`);
        assert.deepEqual(t.workspaceState().get<unknown>(VIEWPORT_KEY), real, "and the real size is remembered again");
      }
    });

    it("a remembered thumbnail whose image changed since is not carried for it", async () => {
      const uri = ws(`${ART}/fox.png`);
      const before = g.index().get(uri.toString());
      assert.ok(before);
      const oldName = g.thumbnailName(before);
      const remembered = t.workspaceState().get<unknown>(FIRST_THUMBS_KEY);
      assert.ok(Array.isArray(remembered) && remembered.includes(oldName));
      const oldThumb = await storedFox();
      // Another picture with another prompt, written while the window is closed: a new version of the file.
      g.close();
      await put(`${ART}/fox.png`, { prompt: "a fox, changed while the window was closed", format: "png", seed: 31 });
      try {
        await until(() => g.index().get(uri.toString())?.mtime !== before.mtime, "the index sees the change");
        const { entry } = await reopen();
        assert.ok(entry, "fox is in the first init");
        assert.equal(entry.prompt, "a fox, changed while the window was closed");
        assert.notEqual(entry.thumbData, oldThumb, "the old version's thumbnail is not carried for the new file");
        assert.equal(entry.thumbData, undefined, "and the new version has none yet (no page showed it)");
      } finally {
        // fox as the fixtures made it (a new version again: the tests after this one read its version
        // from the index), with no page open meanwhile that could make a thumbnail of a passing version.
        g.close();
        const changed = g.index().get(uri.toString())?.mtime;
        await put(`${ART}/fox.png`, { prompt: "a red fox in fresh snow", revisedPrompt: "A red fox in powder snow at dawn", seed: 1, createDate: "2025-01-03T12:00:00Z" });
        await until(() => g.index().get(uri.toString())?.mtime !== changed, "the index sees fox restored");
        // The versions' thumbnails go now, as the next session's first scan would remove them.
        await g.thumbnailsSettled();
        await g.pruneThumbnails();
        await reopen();
      }
    });
  });

  describe("malformed or hostile messages are refused, logged, and nothing runs", () => {
    const cases: [string, (root: string) => unknown][] = [
      ["an unknown type", () => ({ type: "runCommand", requestId: 1, command: "workbench.action.terminal.new" })],
      ["a wrong field", () => ({ type: "action", requestId: 1, action: "open", id: "x", extra: true })],
      ["missing fields", () => ({ type: "action", requestId: 1 })],
      ["not an object", () => "open"],
      ["a relative path out of the workspace", () => ({ type: "action", requestId: 1, action: "open", id: "../../etc/passwd" })],
      ["a dot-dot path inside a workspace URI", (root) => ({ type: "action", requestId: 1, action: "delete", id: `${root}/gallery-art/../../../../etc/passwd` })],
      ["a file outside the workspace", () => ({ type: "action", requestId: 1, action: "open", id: "file:///etc/passwd" })],
      ["a command: link", () => ({ type: "action", requestId: 1, action: "open", id: "command:workbench.action.terminal.new" })],
      ["an unknown command as action", (root) => ({ type: "action", requestId: 1, action: "workbench.action.terminal.new", id: `${root}/gallery-art/fox.png` })],
      ["a workspace file the gallery does not list", (root) => ({ type: "action", requestId: 1, action: "delete", id: `${root}/README.md` })],
      ["an image with a query string", (root) => ({ type: "action", requestId: 1, action: "open", id: `${root}/gallery-art/fox.png?x=1` })],
      ["an edit of a file outside the workspace", (root) => ({ type: "edit", requestId: 1, ids: [`${root}/gallery-art/fox.png`, "file:///etc/hosts"], input: { ...EDIT_FORM, prompt: "x" } })],
      ["a cancel of a job that does not exist", () => ({ type: "cancelJob", requestId: 1, jobId: "no-such-job" })],
      ["a generate with an extra field", () => ({ type: "generate", requestId: 1, input: { ...FORM, image_urls: ["http://x"] } })],
      ["a thumbnail of a file the gallery does not list", (root) => ({ type: "thumbnail", id: `${root}/gallery-art/someone-elses.png`, version: "1:1", bytes: new Uint8Array([0xff, 0xd8, 0xff, 0xd9]) })],
      ["a thumbnail that is not an image", (root) => ({ type: "thumbnail", id: `${root}/gallery-art/fox.png`, version: versionOfFox(), bytes: new TextEncoder().encode("<svg onload=alert(1)>") })],
      ["a thumbnail that is a truncated WebP", (root) => ({ type: "thumbnail", id: `${root}/gallery-art/fox.png`, version: versionOfFox(), bytes: new Uint8Array([0x52, 0x49, 0x46, 0x46, 0xff, 0, 0, 0, 0x57, 0x45, 0x42, 0x50]) })],
      ["a thumbnail over the cap", (root) => ({ type: "thumbnail", id: `${root}/gallery-art/fox.png`, version: versionOfFox(), bytes: new Uint8Array(200_000) })],
      ["a thumbnail of an older version of the file", (root) => ({ type: "thumbnail", id: `${root}/gallery-art/fox.png`, version: "1:1", bytes: new Uint8Array([0xff, 0xd8, 0xff, 0xd9]) })],
    ];
    const versionOfFox = () => {
      const img = g.index().get(key(`${ART}/fox.png`));
      assert.ok(img);
      return `${img.size}:${img.mtime}`;
    };
    for (const [what, make] of cases) {
      it(what, async () => {
        const trace = g.trace();
        assert.ok(trace);
        const commands = trace.commands.length;
        const refused = trace.refused.length;
        const logBefore = t.logLines().length;
        await g.receive(make(workspaceRoot().toString()));
        assert.equal(trace.refused.length, refused + 1, "refused");
        assert.equal(trace.commands.length, commands, "no command ran");
        assert.equal(fake.submits.length, 0);
        assert.ok(t.logLines().slice(logBefore).some((l) => /Refused a message from the gallery webview/.test(l)), "logged");
        assert.deepEqual(person.seen.modals, [], "nothing was asked");
      });
    }
    it("none of those thumbnails was stored: the cache holds only whole images, one per listed image", async () => {
      await g.thumbnailsSettled();
      const folder = g.thumbnailFolder();
      assert.ok(folder);
      const names: string[] = await Promise.resolve(vscode.workspace.fs.readDirectory(folder)).then((e) => e.map(([n]) => n), () => []);
      const expected = new Set(g.index().images().map((i) => g.thumbnailName(i)));
      for (const n of names) {
        assert.ok(expected.has(n), `${n} is no listed image's thumbnail`);
        const bytes = await vscode.workspace.fs.readFile(vscode.Uri.joinPath(folder, n));
        const format = sniffImageFormat(bytes);
        assert.ok((format === "webp" || format === "jpeg") && checkImageComplete(bytes, format).ok, `${n} is a whole WebP or JPEG`);
      }
    });
    it("the README and /etc/passwd are still there", async () => {
      await vscode.workspace.fs.stat(ws("README.md"));
      assert.ok(fs.existsSync("/etc/passwd"));
    });
  });

  describe("the index", () => {
    it("survives reloads in workspace storage, and is rebuilt when its cache is deleted", async () => {
      const index = g.index();
      await index.settled();
      await index.save();
      const cache = index.cacheUri;
      assert.ok(cache);
      const before = listed(g);
      // A reload: memory is gone, the cache is read, the files are only checked.
      await index.forget();
      const warm = await index.scan();
      assert.equal(warm.cold, false);
      assert.equal(warm.read, 0, "nothing changed, so no file was read");
      assert.deepEqual(listed(g), before);
      // The cache deleted: a cold build finds the same images.
      await index.forget();
      await vscode.workspace.fs.delete(cache);
      const cold = await index.scan();
      assert.equal(cold.cold, true);
      assert.ok(cold.read >= 4);
      assert.deepEqual(listed(g), before);
      await index.save();
      await vscode.workspace.fs.stat(cache);
    });

    it("files added, renamed, moved and deleted outside the extension are reflected", async () => {
      const index = g.index();
      const dir = ws(ART).fsPath;
      // Added (by another program, through the disk).
      fs.writeFileSync(`${dir}/teammate.png`, await imageWithProvenance({ prompt: "from a teammate", seed: 21 }));
      await until(() => index.get(key(`${ART}/teammate.png`)), "an added file to appear");
      await until(() => posted(g).some((m) => m.type === "entries" && m.upsert.some((e) => e.id === key(`${ART}/teammate.png`))), "the webview to be told");
      // Renamed.
      fs.renameSync(`${dir}/teammate.png`, `${dir}/renamed.png`);
      await until(() => index.get(key(`${ART}/renamed.png`)) && !index.get(key(`${ART}/teammate.png`)), "a renamed file to follow");
      // Its folder moved.
      fs.mkdirSync(`${dir}/sub`);
      fs.writeFileSync(`${dir}/sub/deep.png`, await imageWithProvenance({ prompt: "deep", seed: 22 }));
      await until(() => index.get(key(`${ART}/sub/deep.png`)), "a file in a new folder");
      fs.renameSync(`${dir}/sub`, `${dir}/moved`);
      await until(() => index.get(key(`${ART}/moved/deep.png`)) && !index.get(key(`${ART}/sub/deep.png`)), "a moved folder's image to follow");
      // Deleted.
      fs.rmSync(`${dir}/renamed.png`);
      fs.rmSync(`${dir}/moved`, { recursive: true });
      await until(() => !index.get(key(`${ART}/renamed.png`)) && !index.get(key(`${ART}/moved/deep.png`)), "deleted files to go");
      assert.ok(posted(g).some((m) => m.type === "entries" && m.remove.includes(key(`${ART}/renamed.png`))));
    });

    it("a file event for an image that did not change sends the page nothing; once it changes, its entry", async () => {
      const index = g.index();
      const fox = ws(`${ART}/fox.png`);
      await index.settled();
      const sentFox = (from: number) => posted(g).slice(from).some((m) => m.type === "entries" && m.upsert.some((e) => e.id === fox.toString()));
      const from = posted(g).length;
      // (update() is the path the watcher's events take: a folder reported and then its files, or a file twice.)
      await index.update([fox, fox]);
      await index.update([ws(ART)]);
      assert.equal(sentFox(from), false, "nothing new to send");
      const bytes = await vscode.workspace.fs.readFile(fox);
      await vscode.workspace.fs.writeFile(fox, await imageWithProvenance({ prompt: "a red fox in fresh snow", revisedPrompt: "A red fox in powder snow at dawn", seed: 41, createDate: "2025-01-03T12:00:00Z" }));
      try {
        await index.update([fox]);
        assert.equal(sentFox(from), true, "the changed file's entry is sent");
      } finally {
        await vscode.workspace.fs.writeFile(fox, bytes);
        await index.update([fox]);
      }
    });

    it("an image whose provenance is in its <name>.xmp sidecar is listed, also by a full scan, and leaves with the sidecar", async () => {
      const index = g.index();
      const image = ws(`${ART}/signed.jpg`);
      await vscode.workspace.fs.writeFile(image, await plainImage("jpeg", 31));
      await until(() => index.settled().then(() => true), "the image event");
      assert.equal(index.get(image.toString()), undefined, "no provenance yet");
      fs.writeFileSync(`${image.fsPath}.xmp`, sidecarDocument(buildXmpPacket(provenanceOf({ prompt: "with content credentials", format: "jpeg" }))));
      await until(() => index.get(image.toString()), "the sidecar to bring the image in");
      assert.equal(index.get(image.toString())?.prov.input["prompt"], "with content credentials");
      await index.forget();
      await vscode.workspace.fs.delete(index.cacheUri ?? ws("nothing"), { useTrash: false }).then(undefined, () => undefined);
      await index.scan();
      assert.equal(index.get(image.toString())?.prov.input["prompt"], "with content credentials", "a cold scan reads sidecars too");
      fs.rmSync(`${image.fsPath}.xmp`);
      await until(() => !index.get(image.toString()), "the image to leave with its sidecar");
    });

    it("a file that loses its provenance (rewritten by another tool) leaves the gallery", async () => {
      const index = g.index();
      await put(`${ART}/rewritten.png`, { prompt: "soon plain", seed: 23 });
      await until(() => index.get(key(`${ART}/rewritten.png`)), "the image to appear");
      fs.writeFileSync(ws(`${ART}/rewritten.png`).fsPath, await plainImage("png", 24, 80));
      await until(() => !index.get(key(`${ART}/rewritten.png`)), "the rewritten image to leave");
    });
  });

  describe("many images", () => {
    it("10,000 entries: the grid keeps only the cards in view in the DOM", async () => {
      await vscode.commands.executeCommand("grokImagine.openGallery");
      await g.firstPaint();
      const r = await g.bench(10_000);
      assert.equal(r.entries, 10_000);
      assert.ok(r.cards > 0 && r.cards <= 300, `${r.cards} cards in the DOM`);
    });
  });

  describe("after a window reload", () => {
    it("the serializer restores the panel with the state the webview saved", async () => {
      g.close();
      const saved = { query: "fox", kind: "generate", format: "png", params: { resolution: "1k" }, scrollTop: 0, active: key(`${ART}/fox.png`), selected: [key(`${ART}/fox.png`)], formOpen: false, form: { ...FORM, prompt: "half-typed" }, editForm: { ...EDIT_FORM, num_images: 2 }, editPrompt: "bluer" };
      const panel = vscode.window.createWebviewPanel(GALLERY_VIEW_TYPE, "Grok Imagine Gallery", vscode.ViewColumn.Active, {});
      await g.serializer.deserializeWebviewPanel(panel, saved);
      assert.equal(g.panel(), panel, "the gallery took the restored panel");
      const paint = await g.firstPaint();
      assert.ok(paint.entries >= 4, `the restored panel painted the images (${paint.entries})`);
      const init = posted(g).find((m): m is Extract<HostMessage, { type: "init" }> => m.type === "init");
      assert.deepEqual(init?.viewState, saved, "the saved state went back to the webview");
      assert.match(panel.webview.html, /default-src 'none'/);
      assert.equal(panel.webview.options.enableScripts, true);
      // The Open Gallery command now shows this panel rather than a second one.
      await vscode.commands.executeCommand("grokImagine.openGallery");
      assert.equal(g.panel(), panel);
    });

    it("a damaged saved state is cleaned up, not trusted", async () => {
      g.close();
      const panel = vscode.window.createWebviewPanel(GALLERY_VIEW_TYPE, "Grok Imagine Gallery", vscode.ViewColumn.Active, {});
      await g.serializer.deserializeWebviewPanel(panel, { query: 42, kind: "<img src=x>", selected: "all", form: { num_images: 99 } });
      await g.firstPaint();
      const init = posted(g).find((m): m is Extract<HostMessage, { type: "init" }> => m.type === "init");
      assert.equal(init?.viewState?.query, "");
      assert.equal(init?.viewState?.kind, "all");
      assert.deepEqual(init?.viewState?.selected, []);
      assert.equal(init?.viewState?.form["num_images"], 1);
    });
  });
});
