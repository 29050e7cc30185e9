/**
 * Copies of test/bench/floor-extension for the activation benchmark, each its own extension
 * (`grok-imagine-bench.activation-floor-<n>`, command `grokImagineBench.floor<n>`): an extension
 * activates once per session, so each floor run needs one. Copy 0 is activated first, uncounted:
 * whatever VS Code does on the session's first activation of any extension is paid before any run.
 */
import * as fs from "node:fs";
import * as path from "node:path";

export const FLOOR_COPIES = 5;
export const floorId = (n: number): string => `grok-imagine-bench.activation-floor-${n}`;
export const floorCommand = (n: number): string => `grokImagineBench.floor${n}`;

/** Writes the copies under `into` and returns their folders. */
export function writeFloors(root: string, into: string): string[] {
  const from = path.join(root, "test", "bench", "floor-extension");
  const manifest = JSON.parse(fs.readFileSync(path.join(from, "package.json"), "utf8")) as Record<string, unknown>;
  fs.rmSync(into, { recursive: true, force: true });
  const dirs: string[] = [];
  for (let n = 0; n < FLOOR_COPIES; n++) {
    const dir = path.join(into, `floor-${n}`);
    fs.mkdirSync(dir, { recursive: true });
    fs.copyFileSync(path.join(from, "extension.js"), path.join(dir, "extension.js"));
    const command = floorCommand(n);
    fs.writeFileSync(
      path.join(dir, "package.json"),
      JSON.stringify({ ...manifest, name: `activation-floor-${n}`, activationEvents: [`onCommand:${command}`], contributes: { commands: [{ command, title: `Activation floor ${n}` }] } }, null, 2),
    );
    dirs.push(dir);
  }
  return dirs;
}
