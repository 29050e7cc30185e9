/**
 * The first-run walkthrough (contributes.walkthroughs): well formed in the real VS Code: every media
 * file ships, every step completes on a command that exists, every command link in a step runs a
 * command that exists. (That VS Code opens it is seen in test/e2e/walkthrough.e2e.ts: from the host, the
 * walkthrough's tab reads "Welcome" whichever walkthrough is open, or none.)
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as vscode from "vscode";
import { activateExtension, EXTENSION_ID } from "./util";

interface Step {
  id: string;
  title: string;
  description: string;
  media: { svg?: string; image?: string | Record<string, string>; markdown?: string; altText?: string };
  completionEvents?: string[];
  when?: string;
}
interface Walkthrough {
  id: string;
  title: string;
  description: string;
  steps: Step[];
}

describe("Walkthrough", () => {
  const root = vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath;
  const nls = JSON.parse(fs.readFileSync(path.join(root, "package.nls.json"), "utf8")) as Record<string, string>;
  // As VS Code shows it: each %key% replaced by its English.
  const manifest = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"), (_k, v: unknown) =>
    typeof v === "string" && /^%[^%\s]+%$/.test(v) ? (nls[v.slice(1, -1)] ?? v) : v,
  ) as { contributes: { walkthroughs: Walkthrough[] } };
  const walkthroughs = manifest.contributes.walkthroughs;
  const steps = walkthroughs.flatMap((w) => w.steps);

  it("has one walkthrough whose steps cover the key, generate, edit, the gallery and the agent", () => {
    assert.deepEqual(walkthroughs.map((w) => w.id), ["start"]);
    assert.deepEqual(steps.map((s) => s.id), ["setKey", "tryStandIn", "generate", "edit", "gallery", "agent"]);
    for (const s of steps) assert.ok(s.title && !s.title.startsWith("%") && s.description && !s.description.startsWith("%"), `${s.id} has its English`);
  });

  it("shows the key step or the stand-in step, never both", () => {
    const key = steps.find((s) => s.id === "setKey");
    const standIn = steps.find((s) => s.id === "tryStandIn");
    assert.equal(key?.when, "!grokImagine.usingStandIn");
    assert.equal(standIn?.when, "grokImagine.usingStandIn");
  });

  it("every step's media ships (an SVG drawn in the theme's colours, with alt text)", () => {
    const ignore = fs.readFileSync(path.join(root, ".vscodeignore"), "utf8");
    assert.match(ignore, /^!media\/walkthrough\/\*\*$/m, "media/walkthrough is packaged");
    for (const s of steps) {
      const file = s.media.svg ?? s.media.markdown;
      assert.ok(file, `${s.id} has SVG or Markdown media`);
      // The drawing itself, without its comments.
      const svg = fs.readFileSync(path.join(root, file), "utf8").replace(/<!--[\s\S]*?-->/g, "");
      if (s.media.svg) {
        assert.ok(s.media.altText && !s.media.altText.startsWith("%"), `${s.id} has alt text`);
        // Colours come from the theme (light, dark, high contrast), not fixed in the drawing.
        const fixed = [...svg.matchAll(/(?:fill|stroke)="(#[0-9a-f]{3,8}|rgb[^"]*)"/gi)].map((m) => m[1]);
        assert.deepEqual(fixed, [], `${file} has no fixed colours outside var(--vscode-…, fallback)`);
        assert.match(svg, /var\(--vscode-contrastBorder/, `${file} draws high-contrast borders`);
        // The walkthrough's media page allows no inline <style> or style="" (its CSP): colours are attributes.
        assert.doesNotMatch(svg, /<style|style=/, `${file} has no inline style, which the media page's CSP blocks`);
      }
    }
  });

  it("every step completes on a command that exists, and every command link in it runs one", async () => {
    await activateExtension();
    const registered = new Set(await vscode.commands.getCommands(false));
    for (const s of steps) {
      const events = s.completionEvents ?? [];
      assert.ok(events.length > 0, `${s.id} completes on an event, not on being opened`);
      for (const e of events) {
        const m = /^onCommand:(.+)$/.exec(e);
        assert.ok(m, `${s.id}: ${e} is a command event`);
        assert.ok(registered.has(m[1]), `${s.id} completes on ${m[1]}, which is not a command here`);
      }
      const links = [...s.description.matchAll(/\]\(command:([^)?\s]+)/g)].map((x) => x[1]);
      assert.ok(links.length > 0, `${s.id} offers its action as a link`);
      for (const c of links) assert.ok(registered.has(c), `${s.id} links to ${c}, which is not a command here`);
      // Its own command is among the links, so following the step is what completes it.
      assert.ok(links.some((c) => events.includes(`onCommand:${c}`)), `${s.id}: a link runs a command that completes it`);
    }
  });
});
