/**
 * Runs the fake fal server stand-alone, for manual runs and out-of-process tests:
 *
 *     npx tsc -p . && node out/test/fake-fal/main.js [--port 8787] [--queue-ms 800] [--run-ms 2500]
 *         [--queue-steps 3] [--hold none|queue|run] [--validate-at run|submit] [--accept-key KEY]
 *         [--image-seed request|prompt] [--quiet]
 *
 * Prints the proxy URL (first stdout line: `FAKE_FAL_URL=http://127.0.0.1:PORT/fal-proxy`), then one
 * line per request. Control it over HTTP: POST /__fake/inject {FaultSpec}, POST /__fake/release
 * {requestId?}, POST /__fake/hold {phase}, POST /__fake/timing {queueMs?, runMs?, queueSteps?},
 * POST /__fake/reset, GET /__fake/state. Stops on SIGINT/SIGTERM.
 */
import { startFakeFal, type FakeFalOptions, type HoldPhase } from "./server";

function parseArgs(argv: string[]): FakeFalOptions & { quiet: boolean } {
  const options: FakeFalOptions & { quiet: boolean } = { quiet: false };
  const number = (name: string, value: string | undefined): number => {
    const n = Number(value);
    if (value === undefined || !Number.isFinite(n) || n < 0) {
      throw new Error(`${name} needs a non-negative number`);
    }
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const next = (): string | undefined => argv[++i];
    switch (arg) {
      case "--port":
        options.port = number(arg, next());
        break;
      case "--queue-ms":
        options.queueMs = number(arg, next());
        break;
      case "--run-ms":
        options.runMs = number(arg, next());
        break;
      case "--queue-steps":
        options.queueSteps = number(arg, next());
        break;
      case "--hold": {
        const phase = next();
        if (phase !== "none" && phase !== "queue" && phase !== "run") {
          throw new Error("--hold needs none|queue|run");
        }
        options.hold = phase satisfies HoldPhase;
        break;
      }
      case "--validate-at": {
        const at = next();
        if (at !== "run" && at !== "submit") {
          throw new Error("--validate-at needs run|submit");
        }
        options.validateAt = at;
        break;
      }
      case "--accept-key": {
        const key = next();
        if (key === undefined) {
          throw new Error("--accept-key needs a value");
        }
        options.acceptKey = key;
        break;
      }
      case "--image-seed": {
        const seed = next();
        if (seed !== "request" && seed !== "prompt") {
          throw new Error("--image-seed needs request|prompt");
        }
        options.imageSeed = seed;
        break;
      }
      case "--quiet":
        options.quiet = true;
        break;
      default:
        throw new Error(`unknown argument ${String(arg)}`);
    }
  }
  return options;
}

async function main(): Promise<void> {
  const { quiet, ...options } = parseArgs(process.argv.slice(2));
  const fake = await startFakeFal({
    queueMs: 800,
    runMs: 2500,
    queueSteps: 3,
    ...options,
    ...(quiet ? {} : { log: (line: string) => console.log(line) }),
  });
  console.log(`FAKE_FAL_URL=${fake.url}`);
  console.log(`control: ${fake.origin}/__fake/state`);
  const stop = (): void => {
    fake.close().then(() => process.exit(0), () => process.exit(1));
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
