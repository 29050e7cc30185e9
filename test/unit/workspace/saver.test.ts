import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as fsp from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { DiskFolder, type DiskFs } from "../../../src/workspace/diskFolder";
import { SaveCore, type ImageBytes } from "../../../src/workspace/saver";
import { TempJournal } from "../../../src/workspace/tempJournal";
import { JOURNAL_KEY } from "../../../src/core/keys";

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "grok-saver-"));
}

const img = (text: string, ext = ".png", sidecar?: string): ImageBytes => ({ bytes: new TextEncoder().encode(text), ext, ...(sidecar !== undefined ? { sidecar } : {}) });
const read = (dir: string, name: string) => fs.readFileSync(path.join(dir, name), "utf8");

/** node:fs with hooks: `beforeLink(target)` runs just before the move into place (another writer's moment). */
function hookedFs(hooks: { beforeLink?: (target: string) => Promise<void> | void; link?: (from: string, to: string) => Promise<void> }): DiskFs {
  return {
    open: fsp.open,
    unlink: fsp.unlink,
    lstat: fsp.lstat,
    readdir: fsp.readdir,
    mkdir: fsp.mkdir,
    copyFile: fsp.copyFile,
    link: async (from, to) => {
      await hooks.beforeLink?.(String(to));
      if (hooks.link) return hooks.link(String(from), String(to));
      return fsp.link(from, to);
    },
  };
}

describe("workspace/saver: saves that cannot collide", () => {
  let dir: string;
  beforeEach(() => (dir = tempDir()));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("saves a batch under consecutive names, creating the folder, and leaves no temporary file", async () => {
    const out = path.join(dir, "out", "deep");
    const names = await new SaveCore().save(new DiskFolder(out), "cat", [img("a"), img("b")], false);
    assert.deepEqual(names, ["cat-1.png", "cat-2.png"]);
    assert.deepEqual(fs.readdirSync(out).sort(), ["cat-1.png", "cat-2.png"]);
    assert.equal(read(out, "cat-2.png"), "b");
  });

  it("another writer creating the same name at the last moment keeps its file; the job takes the next name", async () => {
    let stolen = 0;
    const other = hookedFs({
      beforeLink: (target) => {
        if (path.basename(target) === "cat-1.png" && stolen++ === 0) fs.writeFileSync(target, "the other writer's image");
      },
    });
    const core = new SaveCore();
    const names = await core.save(new DiskFolder(dir, other), "cat", [img("mine 1"), img("mine 2")], false);
    assert.equal(stolen, 1, "the other writer ran at the last moment");
    assert.deepEqual(names, ["cat-3.png", "cat-2.png"], "cat-2 was already reserved by this batch: the next free name is cat-3");
    assert.equal(read(dir, "cat-1.png"), "the other writer's image", "never replaced");
    assert.equal(read(dir, "cat-3.png"), "mine 1");
    assert.equal(read(dir, "cat-2.png"), "mine 2");
    assert.deepEqual(fs.readdirSync(dir).sort(), ["cat-1.png", "cat-2.png", "cat-3.png"], "no temporary file left");
    assert.ok(!core.isReserved(new DiskFolder(dir).key, "cat-3.png"), "reservations are released after the batch");
  });

  it("without hard links (FAT, some shares) the name is still created exclusively", async () => {
    const noLinks = hookedFs({
      link: async () => {
        throw Object.assign(new Error("operation not permitted"), { code: "EPERM" });
      },
      beforeLink: (target) => {
        if (path.basename(target) === "dog.jpg" && !fs.existsSync(target)) fs.writeFileSync(target, "theirs");
      },
    });
    const names = await new SaveCore().save(new DiskFolder(dir, noLinks), "dog", [img("mine", ".jpg")], false);
    assert.deepEqual(names, ["dog-2.jpg"]);
    assert.equal(read(dir, "dog.jpg"), "theirs");
    assert.equal(read(dir, "dog-2.jpg"), "mine");
    assert.deepEqual(fs.readdirSync(dir).sort(), ["dog-2.jpg", "dog.jpg"]);
  });

  it("two jobs in one host reserve different names while both are in flight, and both save everything", async () => {
    const core = new SaveCore();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let firstAtLink!: () => void;
    const atLink = new Promise<void>((r) => (firstAtLink = r));
    const slow = hookedFs({
      beforeLink: async () => {
        firstAtLink();
        await gate;
      },
    });
    const a = core.save(new DiskFolder(dir, slow), "fox", [img("a1"), img("a2")], false);
    await atLink;
    assert.ok(core.isReserved(new DiskFolder(dir).key, "fox-1.png"));
    const b = await core.save(new DiskFolder(dir), "fox", [img("b1"), img("b2")], false);
    assert.deepEqual(b, ["fox-3.png", "fox-4.png"], "the names job A holds are not picked");
    release();
    assert.deepEqual(await a, ["fox-1.png", "fox-2.png"]);
    assert.deepEqual(["fox-1.png", "fox-2.png", "fox-3.png", "fox-4.png"].map((n) => read(dir, n)), ["a1", "a2", "b1", "b2"]);
  });

  it("separate hosts (no shared reservations) racing on one folder: every image saved, all names distinct", async () => {
    const batches = await Promise.all(Array.from({ length: 10 }, (_, j) => new SaveCore().save(new DiskFolder(dir), "race", [img(`${j}-1`), img(`${j}-2`)], false)));
    const names = batches.flat();
    assert.equal(new Set(names).size, 20);
    assert.equal(fs.readdirSync(dir).length, 20);
    batches.forEach((b, j) => b.forEach((n, i) => assert.equal(read(dir, n), `${j}-${i + 1}`)));
  });

  it("a batch that fails removes only what it wrote: not a file someone put in its place, nor another job's", async () => {
    fs.writeFileSync(path.join(dir, "x.png"), "someone's");
    const failing = hookedFs({
      beforeLink: async (target) => {
        if (path.basename(target) === "owl-2.png") {
          // Meanwhile someone replaces owl-1.png (ours) with a file of their own.
          await new Promise((r) => setTimeout(r, 20));
          const tmp = path.join(dir, "elsewhere.tmp");
          fs.writeFileSync(tmp, "replaced by someone");
          fs.renameSync(tmp, path.join(dir, "owl-1.png"));
          throw Object.assign(new Error("disk full"), { code: "ENOSPC" });
        }
      },
    });
    await assert.rejects(new SaveCore().save(new DiskFolder(dir, failing), "owl", [img("o1"), img("o2"), img("o3")], false), /disk full/);
    assert.equal(read(dir, "owl-1.png"), "replaced by someone", "not ours any more: left alone");
    assert.ok(!fs.existsSync(path.join(dir, "owl-3.png")), "ours: removed");
    assert.equal(read(dir, "x.png"), "someone's");
    assert.deepEqual(fs.readdirSync(dir).sort(), ["owl-1.png", "x.png"], "no temporary file left");
  });

  it("a sidecar's name counts when names are picked, and an existing one is noted, not replaced", async () => {
    fs.writeFileSync(path.join(dir, "cc.jpg.xmp"), "theirs");
    const notes: string[] = [];
    const [first] = await new SaveCore().save(new DiskFolder(dir), "cc", [img("jpeg", ".jpg", "<x/>")], false, (m) => notes.push(m));
    assert.equal(first, "cc-2.jpg", "cc.jpg is free but its sidecar name is not");
    assert.equal(read(dir, "cc-2.jpg.xmp"), "<x/>");
    const sneaky = hookedFs({
      beforeLink: (target) => {
        if (path.basename(target) === "dd.jpg.xmp" && !fs.existsSync(target)) fs.writeFileSync(target, "late");
      },
    });
    const [second] = await new SaveCore().save(new DiskFolder(dir, sneaky), "dd", [img("jpeg", ".jpg", "<y/>")], false, (m) => notes.push(m));
    assert.equal(second, "dd.jpg");
    assert.equal(read(dir, "dd.jpg.xmp"), "late");
    assert.match(notes.join("\n"), /dd\.jpg\.xmp already exists/);
  });
});

describe("workspace/tempJournal: only this extension's own leftovers are removed", () => {
  class Memo {
    data = new Map<string, unknown>();
    get<T>(key: string): T | undefined {
      return this.data.get(key) as T | undefined;
    }
    update(key: string, value: unknown): Promise<void> {
      this.data.set(key, JSON.parse(JSON.stringify(value)));
      return Promise.resolve();
    }
  }

  it("records each temporary file before it is written and forgets it once gone", async () => {
    const dir = tempDir();
    try {
      const memo = new Memo();
      const journal = new TempJournal(memo);
      const seenAtLink: unknown[] = [];
      const spy = hookedFs({ beforeLink: () => void seenAtLink.push(memo.get(JOURNAL_KEY)) });
      await new SaveCore().save(new DiskFolder(dir, spy), "j", [img("1"), img("2")], false, undefined, {
        add: (temp) => journal.add(dir, temp),
        forget: (temp) => journal.forget(dir, temp),
      });
      assert.equal(seenAtLink.length, 2);
      for (const at of seenAtLink) assert.ok(Array.isArray(at) && at.length >= 1 && (at as [string, string][]).every(([f, t]) => f === dir && /^\.j-\d\.png\.[0-9a-f]{16}\.part$/.test(t)));
      assert.deepEqual(memo.get(JOURNAL_KEY), [], "nothing left recorded");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the next session removes what the previous one recorded, and nothing else", async () => {
    const memo = new Memo();
    await memo.update(JOURNAL_KEY, [["/ws/out", ".a.png.0123456789abcdef.part"], ["/ws/out", "../../etc/passwd"], ["/ws/out", "photo.png"], "junk", [1, 2]]);
    const journal = new TempJournal(memo);
    const removed: string[] = [];
    assert.equal(await journal.removeLeftovers(async (f, t) => void removed.push(`${f}|${t}`)), 1);
    assert.deepEqual(removed, ["/ws/out|.a.png.0123456789abcdef.part"]);
    assert.deepEqual(memo.get(JOURNAL_KEY), []);
    assert.equal(await journal.removeLeftovers(async () => assert.fail("twice")), 0);
  });

  it("a store holding only entries that are not ours is emptied too (else every activation would load the core for it)", async () => {
    const memo = new Memo();
    await memo.update(JOURNAL_KEY, [["/ws/out", "photo.png"], "junk"]);
    const journal = new TempJournal(memo);
    assert.equal(await journal.removeLeftovers(async () => assert.fail("not ours: never removed")), 0);
    assert.deepEqual(memo.get(JOURNAL_KEY), []);
  });
});
