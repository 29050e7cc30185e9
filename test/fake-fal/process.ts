/**
 * The fake fal in a process of its own (main.ts), as fal's servers are: for benchmarks, so that its
 * work (encoding, serving megabytes) does not share the thread of what is measured. It inherits this
 * process's environment, so the runners' reaper ends it with the rest when a run is stopped.
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as path from "node:path";

/** Starts it with main.ts's arguments; resolves to its proxy URL (the first line it prints) and the process. */
export function startFakeFalProcess(args: readonly string[]): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [path.join(__dirname, "main.js"), "--quiet", ...args], {
    stdio: ["ignore", "pipe", "inherit"],
    // Under Electron (the desktop test runner) its binary runs the script as Node.
    env: { ...process.env, ELECTRON_RUN_AS_NODE: "1" },
  });
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout?.on("data", (b: Buffer) => {
      out += b.toString();
      const m = /FAKE_FAL_URL=(\S+)/.exec(out);
      if (m?.[1]) resolve({ url: m[1], child });
    });
    child.once("exit", (code) => reject(new Error(`the fake fal exited (${code})`)));
  });
}
