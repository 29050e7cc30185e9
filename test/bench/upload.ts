/**
 * Benchmark: an edit's source images upload in parallel.
 *
 *     npx tsc -p . && node out/test/bench/upload.js [--runs 15]
 *
 * Three realistic 2 MB images (PNG-encoded RGB noise, made here with sharp: noise does not compress,
 * so each PNG is as big as its pixels) are uploaded with the extension's own upload step
 * (edit/upload.ts uploadAll → FalService.upload → @fal-ai/client storage.upload) to the fake fal,
 * which runs in its own process as fal's servers would. Each image alone and all three together are
 * timed, interleaved, `runs` times, and compared by their medians.
 *
 * Twice: first over plain loopback, where nothing but CPU and memory copies stand between client
 * and fake, so the number shows local throughput more than overlap (printed for information); then
 * over a modelled network, where the fake answers each storage `initiate` after one round trip
 * (50 ms) and each 2 MB PUT after 350 ms (TCP slow start over that round trip: about seven round
 * trips to reach 2 MB). Real uploads to fal's storage look like the second; the figure is taken there:
 * median(three together) / max(median of each alone), bound 1.3. Uploads done one after another
 * would come out near 3. It exits non-zero when the bound is not met.
 *
 * It also times the alternative the extension did not choose, sending the images inline as data URIs
 * in the request body, against uploading and sending the URLs (up to the submit's answer).
 */
import { performance } from "node:perf_hooks";
import sharp from "sharp";
import { uploadAll, type SourceImage } from "../../src/edit/upload";
import { FalService } from "../../src/fal/service";
import { encodeDataUri } from "../../src/images/dataUri";
import { mimeForFormat } from "../../src/images/sniff";
import { endpointFor } from "../../src/api";
import { startFakeFalProcess } from "../fake-fal/process";

const BOUND = 1.3;
const RTT_MS = 50;
const PUT_2MB_MS = 350;
const KEY = "bench-local-key-not-a-secret";

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  const v = i >= 0 ? Number(process.argv[i + 1]) : NaN;
  return Number.isFinite(v) && v > 0 ? v : fallback;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] ?? 0) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
}

function mb(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(2)} MB`;
}

/** A noise PNG of `side`×`side` RGB pixels (≈ 3·side² bytes), from a seeded generator. */
async function noisePng(side: number, seed: number): Promise<Uint8Array> {
  const raw = Buffer.alloc(side * side * 3);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < raw.length; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    raw[i] = s & 0xff;
  }
  return new Uint8Array(await sharp(raw, { raw: { width: side, height: side, channels: 3 } }).png({ compressionLevel: 6 }).toBuffer());
}


async function timed<T>(f: () => Promise<T>): Promise<[number, T]> {
  const t0 = performance.now();
  const v = await f();
  return [performance.now() - t0, v];
}

async function main(): Promise<number> {
  const runs = arg("--runs", 15);
  const images: SourceImage[] = await Promise.all(
    [840, 848, 856].map(async (side, i) => ({ fileName: `noise-${i + 1}.png`, bytes: await noisePng(side, 0x9e3779b9 + i), format: "png" as const })),
  );
  const { url, child } = await startFakeFalProcess(["--queue-ms", "0", "--run-ms", "0"]);
  try {
    const fal = new FalService({ key: KEY, proxyUrl: url });
    const never = new AbortController().signal;
    const upload = (imgs: readonly SourceImage[]) => uploadAll(imgs, (b, m, n, s) => fal.upload(b, m, n, s), never);

    /** Times each image alone and the three together, interleaved; medians. */
    const measure = async (n: number) => {
      const alone: number[][] = images.map(() => []);
      const together: number[] = [];
      for (let r = 0; r < n; r++) {
        for (const [i, img] of images.entries()) alone[i]?.push((await timed(() => upload([img])))[0]);
        together.push((await timed(() => upload(images)))[0]);
      }
      const aloneMedians = alone.map(median);
      const largest = Math.max(...aloneMedians);
      const both = median(together);
      return { aloneMedians, largest, both, ratio: both / largest, serial: aloneMedians.reduce((a, b) => a + b, 0) };
    };
    for (let i = 0; i < 3; i++) await upload(images); // warm up: connections, JIT
    const loopback = await measure(runs);

    // Did the fake receive every byte? (Its state lists the uploads' sizes.)
    const state = (await (await fetch(new URL("/__fake/state", url))).json()) as { uploads: { fileName: string; size: number | null }[] };
    const sizes = new Map(images.map((img) => [img.fileName, img.bytes.length]));
    const wrong = state.uploads.filter((u) => u.size !== sizes.get(u.fileName));
    if (wrong.length) throw new Error(`the fake received wrong sizes: ${JSON.stringify(wrong.slice(0, 3))}`);

    const inject = (spec: object) => fetch(new URL("/__fake/inject", url), { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(spec) });
    await inject({ on: "initiate", kind: "slow", delayMs: RTT_MS, times: "always" });
    await inject({ on: "upload", kind: "slow", delayMs: PUT_2MB_MS, times: "always" });
    const networkRuns = Math.max(3, Math.ceil(runs / 3));
    const network = await measure(networkRuns);
    await fetch(new URL("/__fake/clear-faults", url), { method: "POST" });

    // The alternative: data URIs in the request body, against upload + URLs.
    const params = { prompt: "bench", num_images: 1, aspect_ratio: "auto", resolution: "1k" as const, output_format: "jpeg" as const, sync_mode: false };
    // The standard tier's edit endpoint (the tier picks the endpoint; it is not a body field).
    const endpoint = endpointFor("edit", { tier: "standard" }).id;
    const viaUpload: number[] = [];
    const viaDataUri: number[] = [];
    let uploadBody = 0;
    let dataBody = 0;
    for (let r = 0; r < runs; r++) {
      viaUpload.push((await timed(async () => {
        const body = { ...params, image_urls: await upload(images) };
        uploadBody = JSON.stringify(body).length;
        await fal.submit(endpoint, body);
      }))[0]);
      viaDataUri.push((await timed(async () => {
        const body = { ...params, image_urls: images.map((img) => encodeDataUri(mimeForFormat(img.format), img.bytes)) };
        dataBody = JSON.stringify(body).length;
        await fal.submit(endpoint, body);
      }))[0]);
    }

    const total = images.reduce((n, img) => n + img.bytes.length, 0);
    console.log(`Images: ${images.map((img) => `${img.fileName} ${mb(img.bytes.length)}`).join(", ")} (${mb(total)} in all); fake fal in its own process; medians of ${runs} runs (${networkRuns} over the modelled network).`);
    const line = (what: string, m: Awaited<ReturnType<typeof measure>>) =>
      console.log(`${what}: each alone ${m.aloneMedians.map((x) => `${x.toFixed(1)}`).join(", ")} ms; all three in parallel ${m.both.toFixed(1)} ms = ${m.ratio.toFixed(2)} × the largest alone (one after another would be ${(m.serial / m.largest).toFixed(2)} ×).`);
    line("Loopback, no network (CPU-bound, for information)", loopback);
    line(`Modelled network (initiate ${RTT_MS} ms, each 2 MB PUT ${PUT_2MB_MS} ms)`, network);
    console.log(`Data URIs instead (loopback): submit with the images inline ${median(viaDataUri).toFixed(1)} ms (request body ${mb(dataBody)}), upload + submit with URLs ${median(viaUpload).toFixed(1)} ms (request body ${uploadBody} bytes).`);
    const ok = network.ratio <= BOUND;
    console.log(`figure: three 2 MB uploads take ${network.ratio.toFixed(2)} × the largest alone (bound ${BOUND}): ${ok ? "met" : "NOT MET"}`);
    return ok ? 0 : 1;
  } finally {
    child.kill("SIGTERM");
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
