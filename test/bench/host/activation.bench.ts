/**
 * Activation (issue 16): from the first command of the session to activate() returning. It includes
 * what VS Code does between the command and activate() (asking the workbench, which asks the
 * extension host to activate; reading and compiling dist/extension.js; running its top level), so it
 * is measured against a floor taken in the same session: an extension that does nothing
 * (test/bench/floor-extension, one small file), activated the same way by its first command, in
 * copies run just before ours (an extension activates once per session; the first copy pays the
 * session's first activation and is not counted). This file runs first (files run in name order), in a
 * fresh extension host; npm run bench runs it again in sessions of its own and checks the bound over
 * them (bench.ts): the median over the sessions of ours − the floor's median ≤ 20 ms, as the other
 * figures are judged by their medians. One session is one sample of ours: a stall of the workbench or
 * the machine at that moment is all of it.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import * as vscode from "vscode";
import type { GrokImagineApi } from "../../../src/extension";
import { EXTENSION_ID } from "../../host/util";
import { figure } from "../../runner/figure";
import { FLOOR_COPIES, floorCommand, floorId } from "../../runner/floors";
import { fmt, median } from "../../runner/stats";

const OVER_FLOOR_MS = 20;
const SETTLE_MS = 5000;

describe("Activation benchmark", () => {
  let ours: number | undefined;
  const floors: number[] = [];
  /** The floor's runs split as ours is: command → evaluated, → activate() began, activate() itself. */
  const floorParts: [number, number, number][] = [];

  /** Runs an extension's first command and resolves to the ms until its activate() returned. */
  async function floorRun(n: number): Promise<void> {
    const ext = vscode.extensions.getExtension<{ evaluated: number; began: number; returned: number }>(floorId(n));
    assert.ok(ext, `npm run bench installs the floor extension ${floorId(n)} beside ours`);
    assert.equal(ext.isActive, false, `something activated ${floorId(n)} before this benchmark`);
    const t0 = performance.now();
    await vscode.commands.executeCommand(floorCommand(n));
    const api = await ext.activate();
    if (n === 0) return; // copy 0 pays the session's first activation, uncounted
    floors.push(api.returned - t0);
    floorParts.push([api.evaluated - t0, api.began - api.evaluated, api.returned - api.began]);
  }

  before(async () => {
    const ext = vscode.extensions.getExtension<GrokImagineApi>(EXTENSION_ID);
    assert.ok(ext);
    assert.equal(ext.isActive, false, "something activated the extension before this benchmark");
    // A person's first command comes once the window has opened: the workbench's own start (restoring
    // editors, scanning extensions, the file watcher) is let end first, the same for the floor and ours.
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    // The floor's runs first: ours opens the log's panel, whose drawing would slow any run after it.
    for (let n = 0; n < FLOOR_COPIES; n++) await floorRun(n);
    const t0 = performance.now();
    // A command every session may run first, that shows nothing but the log.
    await vscode.commands.executeCommand("grokImagine.showLog");
    const api = await ext.activate();
    const a = api.testing?.activation;
    assert.ok(a, "the development build's test API reports its activation");
    ours = a.returned - t0;
    const size = fs.statSync(path.join(ext.extensionPath, "dist", "extension.js")).size;
    await vscode.commands.executeCommand("workbench.action.closePanel"); // the log's panel would take room and time from the rest
    figure(
      `activation: first command → activate() returned ${ours.toFixed(1)} ms: command → the bundle's own code evaluated ${(a.evaluated - t0).toFixed(1)} ms (VS Code's activation, reading and compiling the bundle: the development build, ${(size / 1024).toFixed(1)} KB), → activate() began ${(a.began - a.evaluated).toFixed(1)} ms, activate() itself ${(a.returned - a.began).toFixed(1)} ms; one run (an extension activates once per session)`,
    );
    figure(`activation floor (an extension that does nothing, its first command; ${FLOOR_COPIES - 1} copies, just before ours): ${fmt(floors, "ms", 1)} (in order: ${floors.map((f) => f.toFixed(1)).join(", ")})`);
    const part = (i: number) => fmt(floorParts.map((p) => p[i]), "ms", 1);
    figure(`activation floor's parts: command → its code evaluated ${part(0)}; → activate() began ${part(1)}; activate() itself ${part(2)}`);
    figure(`activation over the floor's median: ${(ours - median(floors)).toFixed(1)} ms (bound: ${OVER_FLOOR_MS} ms for the median over the sessions)`);
    // npm run bench runs this in several sessions and sums them up (see bench.ts).
    if (process.env.GROK_ACTIVATION_OUT) fs.appendFileSync(process.env.GROK_ACTIVATION_OUT, JSON.stringify({ ours, floor: median(floors) }) + "\n");
  });

  it("an activation with nothing recorded to pick up does not load the core chunk (the job pipeline)", () => {
    const ext = vscode.extensions.getExtension<GrokImagineApi>(EXTENSION_ID);
    assert.equal(ext?.exports.testing?.activation.coreLoaded, false);
  });

  it("measured: ours and the floor's copies each activated once (the bound is checked over the sessions by bench.ts)", () => {
    assert.equal(floors.length, FLOOR_COPIES - 1);
    assert.ok(ours !== undefined && Number.isFinite(ours));
  });
});
