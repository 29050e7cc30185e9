/**
 * Localization (src/l10n.ts): a translation is a file, not a code change. package.json's manifest
 * strings are `%key%` with their English in package.nls.json; the code's messages go through
 * vscode.l10n.t / l10n.t with literal messages, never shown as bare literals; l10n/bundle.l10n.json
 * (what a translator copies) lists exactly the code's messages.
 *
 * `GROK_L10N_WRITE=1 npx mocha out/test/unit/l10n.test.js` rewrites l10n/bundle.l10n.json from the code.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { listFiles } from "../runner/files";
import { bundleTranslator, t, useTranslator } from "../../src/l10n";
import { l10nMessages, unlocalizedMessages } from "./l10nScan";

const ROOT = path.resolve(__dirname, "..", "..", "..");
const read = (p: string) => fs.readFileSync(path.join(ROOT, p), "utf8");

type Json = string | number | boolean | null | Json[] | { [k: string]: Json };

/** Every string value in the manifest, with where it is. */
function strings(v: Json, at: string, out: { at: string; value: string }[] = []): { at: string; value: string }[] {
  if (typeof v === "string") out.push({ at, value: v });
  else if (Array.isArray(v)) v.forEach((x, i) => strings(x, `${at}[${i}]`, out));
  else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) strings(x, `${at}.${k}`, out);
  return out;
}

/** The `%key%` references of a manifest that are missing from, or left over in, its nls file. */
export function nlsMismatch(pkg: Json, nls: Record<string, unknown>): { missing: string[]; unused: string[] } {
  const refs = new Set(strings(pkg, "").map((s) => /^%([^%\s]+)%$/.exec(s.value)?.[1]).filter((k): k is string => k !== undefined));
  return { missing: [...refs].filter((k) => typeof nls[k] !== "string"), unused: Object.keys(nls).filter((k) => !refs.has(k)) };
}

/** Manifest fields a person reads that are still written in English in package.json itself. */
export function literalManifestText(pkg: Json): string[] {
  const userFacing = /^\.(displayName|description|capabilities\.untrustedWorkspaces\.description|contributes\.(commands\[\d+\]\.(title|category)|configuration\.(title|properties\..+\.(description|markdownDescription|(markdownE|e)numDescriptions\[\d+\]|(markdownD|d)eprecationMessage))|walkthroughs\[\d+\]\.(title|description|steps\[\d+\]\.(title|description|media\.altText))|languageModelTools\[\d+\]\.(displayName|userDescription)|submenus\[\d+\]\.label))$/;
  return strings(pkg, "").filter((s) => userFacing.test(s.at) && !/^%[^%\s]+%$/.test(s.value)).map((s) => `${s.at}: ${s.value.slice(0, 60)}`);
}

function codeFiles(): string[] {
  return [...listFiles(path.join(ROOT, "src"), ".ts"), ...listFiles(path.join(ROOT, "media"), ".ts")].filter((f) => !f.endsWith(".d.ts"));
}

describe("l10n: the manifest's strings are in package.nls.json", () => {
  const pkg = JSON.parse(read("package.json")) as Json;
  const nls = JSON.parse(read("package.nls.json")) as Record<string, unknown>;

  it("every %key% in package.json has its English in package.nls.json, and every entry there is used", () => {
    assert.deepEqual(nlsMismatch(pkg, nls), { missing: [], unused: [] });
  });

  it("no title, category, description or walkthrough text is left literal in package.json", () => {
    assert.deepEqual(literalManifestText(pkg), []);
  });

  it("the checks fail on a planted bad manifest", () => {
    const bad = { displayName: "%displayName%", contributes: { commands: [{ command: "x.y", title: "Literal Title", category: "%nope%" }] } };
    assert.deepEqual(nlsMismatch(bad, { displayName: "X", stale: "Y" }), { missing: ["nope"], unused: ["stale"] });
    assert.deepEqual(literalManifestText(bad), [".contributes.commands[0].title: Literal Title"]);
  });

  it("package.json names the bundle folder and ships the nls and bundle files", () => {
    assert.equal((pkg as { l10n?: unknown }).l10n, "./l10n");
    const ignore = read(".vscodeignore");
    assert.match(ignore, /^!package\.nls\.json$/m);
    assert.match(ignore, /^!l10n\/bundle\.l10n\.\*\.json$/m);
  });
});

describe("l10n: messages in the code", function () {
  // Parsing every source file with TypeScript takes a few seconds on a loaded machine.
  this.timeout(60_000);
  it("no show*Message / showModal is given literal text: every message goes through l10n.t", () => {
    const found = codeFiles().flatMap((f) => unlocalizedMessages(f, fs.readFileSync(f, "utf8")).map((x) => `${path.relative(ROOT, f)}:${x.line} ${x.text}`));
    assert.deepEqual(found, []);
  });

  it("the scan finds a planted literal message, button and concatenation, and passes wrapped ones", () => {
    const sample = [
      'vscode.window.showErrorMessage("Grok Imagine: it broke.");',
      "void s.ui.current.showWarningMessage(vscode.l10n.t('Kept.'), 'Retry');",
      "ui.showInformationMessage(`Saved ${name}.`);",
      'ui.showModal(vscode.l10n.t("Delete {0}?", n), "This cannot be undone.", again);',
      'ui.showErrorMessage(ok ? vscode.l10n.t("a") : "b");',
      'ui.showErrorMessage(vscode.l10n.t("Grok Imagine: {0}", text), ...buttons);',
      'ui.showInformationMessage(what + late);',
      '// ui.showErrorMessage("in a comment");',
    ].join("\n");
    assert.deepEqual(unlocalizedMessages("sample.ts", sample).map((x) => x.line), [1, 2, 3, 4, 5]);
  });

  it("every l10n.t message is a literal whose placeholders match its arguments", () => {
    const problems = codeFiles().flatMap((f) => l10nMessages(f, fs.readFileSync(f, "utf8")).problems.map((x) => `${path.relative(ROOT, f)}:${x.line} ${x.text}`));
    assert.deepEqual(problems, []);
  });

  it("the message check finds a planted template, a variable and a missing argument", () => {
    const sample = ["vscode.l10n.t(`Saved ${n}.`);", "l10n.t(message);", 'vscode.l10n.t("Saved {0} of {1}.", n);', 'l10n.t("Fine {0}.", x);'].join("\n");
    const r = l10nMessages("sample.ts", sample);
    assert.deepEqual(r.problems.map((x) => x.line), [1, 2, 3]);
    assert.deepEqual([...r.messages], ["Saved {0} of {1}.", "Fine {0}."]);
  });

  it("l10n/bundle.l10n.json (the file a translator starts from) lists exactly the code's messages", () => {
    const all = new Set<string>();
    for (const f of codeFiles()) for (const m of l10nMessages(f, fs.readFileSync(f, "utf8")).messages) all.add(m);
    const expected: Record<string, string> = {};
    for (const m of [...all].sort()) expected[m] = m;
    const file = path.join(ROOT, "l10n", "bundle.l10n.json");
    if (process.env.GROK_L10N_WRITE === "1") fs.writeFileSync(file, JSON.stringify(expected, null, 2) + "\n");
    const actual = JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, string>;
    const missing = Object.keys(expected).filter((k) => !(k in actual));
    const stale = Object.keys(actual).filter((k) => !(k in expected));
    assert.deepEqual({ missing, stale }, { missing: [], stale: [] }, "rewrite it with GROK_L10N_WRITE=1 (see the top of this file)");
  });
});

describe("l10n: pure modules' translator (src/l10n.ts)", () => {
  after(() => useTranslator(bundleTranslator(undefined)));

  it("formats English placeholders until a translator is set, then uses it", () => {
    assert.equal(t("Saved {0} of {1}; {0} again, {2} stays.", "a", 2), "Saved a of 2; a again, {2} stays.");
    useTranslator(bundleTranslator({ "Saved {0}.": "Gespeichert: {0}.", odd: 3 }));
    assert.equal(t("Saved {0}.", "x.png"), "Gespeichert: x.png.");
    assert.equal(t("Not translated {0}.", 1), "Not translated 1.");
    assert.equal(t("odd"), "odd", "a bundle value that is not a string is ignored");
    assert.equal(t("constructor"), "constructor", "only the bundle's own keys count");
  });
});
