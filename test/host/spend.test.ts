import * as assert from "node:assert/strict";
import * as vscode from "vscode";
import type { GalleryTesting } from "../../src/gallery/index";
import type { HostMessage } from "../../src/protocol";
import { dayKey } from "../../src/spend/ledger";
import { LEDGER_KEY, type ShownSpend } from "../../src/spend/index";
import type { Ui } from "../../src/ui";
import { freshPerson, scriptedPerson, setUserSetting, until, whenJob, workspaceRoot, withFakeFal, type Testing } from "./util";

const OUT = "generated-images";
const STD = "xai/grok-imagine-image";
const QUALITY = "xai/grok-imagine-image/quality/text-to-image";

async function generate(arg?: unknown): Promise<vscode.Uri[]> {
  return (await vscode.commands.executeCommand<vscode.Uri[]>("grokImagine.generate", arg)) ?? [];
}

async function clearOutput(): Promise<void> {
  await vscode.workspace.fs.delete(vscode.Uri.joinPath(workspaceRoot(), OUT), { recursive: true, useTrash: false }).then(undefined, () => undefined);
}

/** A quick pick that records what it was shown and answers with `pick` (undefined: Escape). */
function recordingPick(shown: { items: vscode.QuickPickItem[]; title?: string; placeHolder?: string }[], pick: (items: readonly vscode.QuickPickItem[]) => vscode.QuickPickItem | undefined = () => undefined): Partial<Ui> {
  return {
    showQuickPick: <T extends vscode.QuickPickItem>(items: readonly T[] | Thenable<readonly T[]>, options: vscode.QuickPickOptions) =>
      Promise.resolve(items).then((list) => {
        shown.push({ items: [...list], title: options.title, placeHolder: options.placeHolder });
        return pick(list) as T | undefined;
      }),
  };
}

describe("Spend", function () {
  this.timeout(60_000);
  let t: Testing;
  let person: ReturnType<typeof scriptedPerson>;
  const session = withFakeFal();
  before(() => ({ t } = session));
  beforeEach(async () => {
    person = await freshPerson(session);
    await clearOutput();
    await t.spend().ledger.clear();
  });
  after(async () => {
    await setUserSetting("confirmAboveUsd", undefined);
    await setUserSetting("prices", undefined);
    await clearOutput();
  });

  it("the ledger grows with what a generate saves, by tier, and is kept in workspace storage", async () => {
    const today = dayKey(Date.now());
    assert.equal(t.spend().ledger.summary().allTime.images, 0);
    assert.equal((await generate({ prompt: "three foxes", num_images: 3 })).length, 3);
    let s = t.spend().ledger.summary();
    assert.deepEqual(s.today, { images: 3, usd: 0.06, unknownImages: 0, tiers: [{ tier: "standard", images: 3, usd: 0.06, unknownImages: 0 }] });
    assert.equal(s.day, today);
    assert.equal((await generate({ prompt: "one quality fox", tier: "quality" })).length, 1);
    s = t.spend().ledger.summary();
    assert.deepEqual(s.today.tiers.map((x) => [x.tier, x.images, x.usd, x.unknownImages]), [["standard", 3, 0.06, 0], ["quality", 1, 0, 1]]);
    assert.equal(s.thisMonth.images, 4);
    assert.equal(s.allTime.images, 4);
    const stored = t.workspaceState().get<{ days: Record<string, Record<string, number>> }>(LEDGER_KEY);
    assert.deepEqual(stored?.days[today], { [STD]: 3, [QUALITY]: 1 }, "one number per day and endpoint, not one per image");
  });

  it("Show Spend lists today, this month and all time by tier, says the time zone, and a price override applies", async () => {
    await generate({ prompt: "two boats", num_images: 2 });
    await generate({ prompt: "a quality boat", tier: "quality" });
    const shown: { items: vscode.QuickPickItem[]; title?: string; placeHolder?: string }[] = [];
    t.setUi({ ...person.ui, ...recordingPick(shown) });
    const r = await vscode.commands.executeCommand<ShownSpend>("grokImagine.showSpend");
    const rows = shown[0]?.items.filter((i) => i.kind !== vscode.QuickPickItemKind.Separator) ?? [];
    const today = dayKey(Date.now());
    assert.deepEqual(rows.slice(0, 3).map((i) => [i.label, i.description]), [
      [`Today (${today})`, "3 images, $0.04 (1 of them at an unknown price)"],
      [`This month (${today.slice(0, 7)})`, "3 images, $0.04 (1 of them at an unknown price)"],
      ["All time", "3 images, $0.04 (1 of them at an unknown price)"],
    ]);
    assert.equal(rows[0].detail, "Standard: 2 images, $0.04 · Quality: 1 image, price unknown");
    assert.match(shown[0]?.placeHolder ?? "", /Days are your local time \(.*UTC[+-]\d\d:\d\d\)/);
    assert.match(shown[0]?.title ?? "", /^Grok Imagine: Spend, estimated \(days in .*UTC[+-]\d\d:\d\d\)$/);
    assert.match(r.text, /^Today \(.*\): 3 images/);
    console.log(`      Show Spend:\n${r.text.split("\n").map((l) => `        ${l}`).join("\n")}`);

    await setUserSetting("prices", { [QUALITY]: 0.07 });
    try {
      const again = await vscode.commands.executeCommand<ShownSpend>("grokImagine.showSpend");
      assert.equal(again.summary.today.usd, 0.11);
      assert.equal(again.summary.today.unknownImages, 0);
    } finally {
      await setUserSetting("prices", undefined);
    }
  });

  it("Rebuild recounts from the images' provenance (the gallery's index)", async () => {
    await generate({ prompt: "to be recounted", num_images: 2 });
    await t.spend().ledger.clear();
    assert.equal(t.spend().ledger.summary().allTime.images, 0);
    const shown: { items: vscode.QuickPickItem[] }[] = [];
    t.setUi({ ...person.ui, ...recordingPick(shown, (items) => items.find((i) => i.label.includes("Rebuild"))), showModal: (m, _d, ...items) => (person.seen.modals.push({ message: m, detail: _d }), Promise.resolve(items.find((i) => i === "Rebuild"))) });
    await vscode.commands.executeCommand("grokImagine.showSpend");
    const g = await vscode.commands.executeCommand<GalleryTesting>("grokImagine.testing.gallery");
    const indexed = g.index().images();
    const s = t.spend().ledger.summary();
    assert.equal(s.allTime.images, indexed.length, "every indexed image is counted once");
    assert.ok(s.today.images >= 2, `today: ${s.today.images}`);
    assert.match(person.seen.modals.at(-1)?.message ?? "", new RegExp(`Rebuild the spend ledger from ${indexed.length} images\\?`));
    assert.match(person.seen.info.at(-1) ?? "", /spend rebuilt from \d+ images/);
  });

  it("grokImagine.confirmAboveUsd: above it the person is asked with the cost, and nothing is sent unless they choose Send", async () => {
    const fake = session.fake;
    await setUserSetting("confirmAboveUsd", 0.05);
    try {
      // $0.04: within the limit, nothing asked.
      assert.equal((await generate({ prompt: "within", num_images: 2 })).length, 2);
      assert.equal(person.seen.modals.length, 0);
      // $0.06: asked; dismissed: nothing sent.
      assert.deepEqual(await generate({ prompt: "above, dismissed", num_images: 3 }), []);
      assert.equal(person.seen.modals.length, 1);
      assert.equal(person.seen.modals[0].message, "Generate: 3 images for an estimated $0.06?");
      assert.match(person.seen.modals[0].detail, /above your limit of \$0\.05/);
      assert.equal(fake.submits.length, 1, "the dismissed request was not sent");
      // Send: sent.
      t.setUi(scriptedPerson({ choose: (_m, items) => (items.includes("Send") ? "Send" : undefined) }).ui);
      assert.equal((await generate({ prompt: "above, sent", num_images: 3 })).length, 3);
      assert.equal(fake.submits.length, 2);
      // Unknown price: not asked above 0 …
      const p = scriptedPerson();
      t.setUi(p.ui);
      assert.equal((await generate({ prompt: "unknown price", tier: "quality", num_images: 4 })).length, 4);
      assert.equal(p.seen.modals.length, 0);
      // … asked at 0, which means "before every request".
      await setUserSetting("confirmAboveUsd", 0);
      assert.deepEqual(await generate({ prompt: "unknown price at 0", tier: "quality" }), []);
      assert.match(p.seen.modals[0]?.message ?? "", /price unknown/);
      assert.match(p.seen.modals[0]?.detail ?? "", /confirmAboveUsd is 0/);
      // An override makes the quality tier's price known, and the default limit applies to it.
      await setUserSetting("confirmAboveUsd", undefined);
      await setUserSetting("prices", { [QUALITY]: 0.5 });
      assert.deepEqual(await generate({ prompt: "dear quality", tier: "quality", num_images: 3 }), []);
      assert.equal(p.seen.modals[1]?.message, "Generate: 3 images for an estimated $1.50?");
      assert.equal(fake.submits.length, 3);
      // From the gallery's form too: it runs the same command.
      const before = p.seen.modals.length;
      await vscode.commands.executeCommand("grokImagine.openGallery");
      const g = await vscode.commands.executeCommand<GalleryTesting>("grokImagine.testing.gallery");
      await g.firstPaint();
      await g.receive({ type: "generate", requestId: 9001, input: { prompt: "dear from the gallery", num_images: 3, aspect_ratio: "1:1", resolution: "1k", output_format: "jpeg", sync_mode: false, tier: "quality" } });
      assert.equal(p.seen.modals.length, before + 1);
      assert.equal(fake.submits.length, 3, "the gallery's request was not sent either");
      g.close();
    } finally {
      await setUserSetting("confirmAboveUsd", undefined);
      await setUserSetting("prices", undefined);
    }
  });

  it("Edit asks too: at 0 for its unknown price, and above the limit once its price is set", async () => {
    const fake = session.fake;
    const [source] = await generate({ prompt: "a source to edit", output_format: "png" });
    assert.ok(source);
    const submitted = fake.submits.length;
    const edit = (arg: unknown) => vscode.commands.executeCommand<vscode.Uri[]>("grokImagine.edit", arg);
    await setUserSetting("confirmAboveUsd", 0);
    try {
      assert.deepEqual(await edit({ prompt: "make it blue", images: [source] }), []);
      assert.equal(person.seen.modals.at(-1)?.message, "Edit: 1 image for an estimated price unknown?");
      await setUserSetting("confirmAboveUsd", undefined);
      await setUserSetting("prices", { "xai/grok-imagine-image/edit": 0.6 });
      assert.deepEqual(await edit({ prompt: "make it blue", images: [source], num_images: 2 }), []);
      assert.equal(person.seen.modals.at(-1)?.message, "Edit: 2 images for an estimated $1.20?");
      assert.equal(fake.submits.length, submitted, "nothing was sent");
      assert.equal(fake.uploads.length, 0, "not even the source image was uploaded");
    } finally {
      await setUserSetting("confirmAboveUsd", undefined);
      await setUserSetting("prices", undefined);
    }
  });

  it("the parameter pick's Generate row says the estimated cost, following the number of images", async () => {
    const shown: { items: vscode.QuickPickItem[] }[] = [];
    let round = 0;
    t.setUi({
      ...person.ui,
      askText: () => Promise.resolve("a priced prompt"),
      ...recordingPick(shown, (items) => {
        round++;
        // First: open "Number of images"; then pick 4; then Escape.
        if (round === 1) return items.find((i) => /images/i.test(i.label));
        if (round === 2) return items.find((i) => i.label === "4");
        return undefined;
      }),
    });
    assert.deepEqual(await generate(), []);
    assert.equal(shown[0]?.items[0]?.detail, "Estimated cost: $0.02 (1 image)");
    assert.equal(shown[2]?.items[0]?.detail, "Estimated cost: $0.08 (4 images)");
    assert.equal(session.fake.submits.length, 0);
  });

  it("invalid grokImagine.prices entries are logged once and ignored", async () => {
    const count = () => t.logLines().filter((l) => /grokImagine\.prices: ignored 2 entries \(not\/an-endpoint, xai\/grok-imagine-image\)/.test(l)).length;
    const before = count();
    await setUserSetting("prices", { "not/an-endpoint": 1, [STD]: "cheap", [QUALITY]: 0.07 });
    try {
      await until(() => count() === before + 1, "the ignored entries to be logged");
      // Another setting changing does not log them again.
      await setUserSetting("confirmAboveUsd", 2);
      await setUserSetting("confirmAboveUsd", undefined);
      assert.equal(count(), before + 1);
      assert.equal(t.spend().ledger.summary().today.usd, 0);
      await generate({ prompt: "priced by the valid entry", tier: "quality" });
      assert.equal(t.spend().ledger.summary().today.usd, 0.07);
    } finally {
      await setUserSetting("prices", undefined);
    }
  });

  it("a status bar item shows while a job runs, and its list cancels it", async () => {
    const fake = session.fake;
    assert.equal(t.spend().status.visible, false);
    fake.hold("queue");
    const running = generate({ prompt: "held in the queue" });
    await whenJob(t, (j) => j.prompt === "held in the queue" && j.state === "queued", "the job to be queued");
    const status = t.spend().status;
    assert.equal(status.visible, true);
    assert.match(status.text, /^\$\(loading~spin\) 1 job: 1 queued$/);
    assert.match(status.tooltip, /queued.*: held in the queue/);
    // The click: the running jobs in a quick pick; the one picked is cancelled after asking.
    const shown: { items: vscode.QuickPickItem[] }[] = [];
    t.setUi({ ...scriptedPerson({ choose: (_m, items) => (items.includes("Cancel Job") ? "Cancel Job" : undefined) }).ui, ...recordingPick(shown, (items) => items[0]) });
    await vscode.commands.executeCommand("grokImagine.showJobs");
    assert.match(shown[0]?.items[0]?.label ?? "", /held in the queue/);
    assert.deepEqual(await running, []);
    await until(() => !t.spend().status.visible, "the status bar item to go");
    fake.release();
  });

  it("the gallery's header shows the spend, and follows what jobs save", async () => {
    const g = await vscode.commands.executeCommand<GalleryTesting>("grokImagine.testing.gallery");
    await vscode.commands.executeCommand("grokImagine.openGallery");
    await g.firstPaint();
    const posted = (): readonly HostMessage[] => g.trace()?.posted ?? [];
    const init = posted().find((m): m is Extract<HostMessage, { type: "init" }> => m.type === "init");
    assert.equal(init?.spend?.text, "Spend today: 0 images, $0.00 · this month: 0 images, $0.00 · all time: 0 images, $0.00");
    assert.deepEqual(init?.prices, {});
    // The tooltip the page ends with names the zone, as Show Spend does (the first init's may give
    // its offset alone, and the whole header follows the paint).
    const whole = t.spend().ledger.header().detail;
    await until(() => posted().filter((m) => m.type === "init" || m.type === "spend").map((m) => (m.type === "init" || m.type === "spend" ? m.spend?.detail : undefined)).at(-1) === whole, "the whole header to reach the page");
    await generate({ prompt: "seen by the header", num_images: 2 });
    const last = await until(() => posted().filter((m): m is Extract<HostMessage, { type: "spend" }> => m.type === "spend").at(-1), "the header to be told");
    assert.equal(last.spend.text, "Spend today: 2 images, $0.04 · this month: 2 images, $0.04 · all time: 2 images, $0.04");
    assert.match(last.spend.detail, /Standard: 2 images, \$0\.04/);
    g.close();
  });
});
