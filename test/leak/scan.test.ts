/**
 * The API key must never be written anywhere: after the other levels ran, scan every file they wrote
 * (the workspaces, the VS Code user data with its logs and settings, test-results/) for the keys
 * they used. A planted file proves first that the scanner finds a key when one is there.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const keys = JSON.parse(process.env.GROK_LEAK_KEYS ?? "[]") as string[];
const roots = JSON.parse(process.env.GROK_LEAK_ROOTS ?? "[]") as string[];

interface Hit {
  readonly file: string;
  readonly key: string;
}

function* walk(dir: string): Generator<string> {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) yield* walk(p);
    else if (e.isFile()) yield p;
  }
}

/** Files under roots holding any key as UTF-8, UTF-16LE or base64 (say, inside a data blob). */
export function scan(scanRoots: string[], secretKeys: string[]): { hits: Hit[]; files: string[] } {
  const needles = secretKeys.flatMap((key) => [
    { key, bytes: Buffer.from(key, "utf8") },
    { key, bytes: Buffer.from(key, "utf16le") },
    { key, bytes: Buffer.from(Buffer.from(key).toString("base64").slice(0, 24), "utf8") },
  ]);
  const hits: Hit[] = [];
  const files: string[] = [];
  for (const root of scanRoots) {
    for (const file of walk(root)) {
      files.push(file);
      const data = fs.readFileSync(file);
      for (const n of needles) if (data.includes(n.bytes)) hits.push({ file, key: n.key });
    }
  }
  return { hits, files };
}

describe("API key leak scan", () => {
  it("finds a planted key (the scanner works)", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "grok-imagine-leak-"));
    try {
      fs.writeFileSync(path.join(dir, "clean.log"), "nothing to see");
      fs.mkdirSync(path.join(dir, "deep"));
      fs.writeFileSync(path.join(dir, "deep", "leaky.log"), `Authorization: Key planted-key-123456`);
      const { hits } = scan([dir], ["planted-key-123456"]);
      assert.deepEqual(hits.map((h) => path.relative(dir, h.file)), [path.join("deep", "leaky.log")]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("was given the keys the other levels used and the folders they wrote", () => {
    assert.ok(keys.length > 0, "no keys to look for: run the leak level after host/e2e through runAll");
    assert.ok(roots.length > 0);
  });

  it("the folders hold the extension's own log (so the scan reads what the extension wrote)", () => {
    const { files } = scan(roots, []);
    const logs = files.filter((f) => /Grok Imagine\.log$/.test(f) && fs.statSync(f).size > 0);
    assert.ok(logs.length > 0, `no non-empty 'Grok Imagine' log among ${files.length} files in ${roots.join(", ")}`);
  });

  it("no key appears in any file the tests wrote", () => {
    const { hits, files } = scan(roots, keys);
    assert.ok(files.length > 0);
    assert.deepEqual(hits, [], `the API key leaked into: ${hits.map((h) => h.file).join(", ")}`);
  });
});
