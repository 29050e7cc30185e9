/**
 * Images for the gallery's tests: real, decodable files carrying provenance written by the
 * provenance module (embedProvenance), as the extension's own saves carry it.
 * Pure (no vscode): the extension-host tests, the end-to-end tests and the benchmark share it.
 */
import { generateImage } from "../fake-fal/images";
import { embedProvenance } from "../../src/provenance/embed";
import type { Provenance } from "../../src/provenance/provenance";

export type Format = "png" | "jpeg" | "webp";

export interface FixtureSpec {
  readonly prompt: string;
  readonly revisedPrompt?: string;
  readonly kind?: "generate" | "edit";
  readonly format?: Format;
  readonly aspect_ratio?: string;
  readonly createDate?: string;
  readonly sources?: { path: string; sha256: string }[];
  /** Side of the (square) image in pixels. */
  readonly size?: number;
  readonly seed?: number;
  readonly requestId?: string;
  readonly imageIndex?: number;
}

export function provenanceOf(spec: FixtureSpec): Provenance {
  const format = spec.format ?? "png";
  const kind = spec.kind ?? "generate";
  const input: Record<string, unknown> =
    kind === "edit"
      ? { prompt: spec.prompt, num_images: 1, resolution: "1k", output_format: format, sync_mode: false }
      : { prompt: spec.prompt, num_images: 1, aspect_ratio: spec.aspect_ratio ?? "1:1", resolution: "1k", output_format: format, sync_mode: false };
  return {
    kind,
    endpoint: kind === "edit" ? "xai/grok-imagine-image/edit" : "xai/grok-imagine-image",
    input,
    revisedPrompt: spec.revisedPrompt ?? `${spec.prompt}, detailed`,
    requestId: spec.requestId ?? `req-${(spec.seed ?? 1).toString(16)}`,
    imageIndex: spec.imageIndex ?? 0,
    ...(spec.sources ? { sources: spec.sources } : {}),
    creatorTool: "Grok Imagine for VS Code (tests)",
    createDate: spec.createDate ?? new Date().toISOString(),
  };
}

/** Embeds `spec`'s provenance into `base` (an image without it); throws when it cannot. */
export function withProvenance(base: Uint8Array, spec: FixtureSpec): Uint8Array {
  const r = embedProvenance(base, provenanceOf(spec));
  if (!r.ok) throw new Error(`could not embed provenance: ${r.reason}`);
  return r.bytes;
}

/** A new image of `spec.size` px (default 96) in `spec.format`, carrying `spec`'s provenance. */
export async function imageWithProvenance(spec: FixtureSpec): Promise<Uint8Array> {
  const side = spec.size ?? 96;
  const base = await generateImage(spec.format ?? "png", side, side, spec.seed ?? 1);
  return withProvenance(new Uint8Array(base), spec);
}

/** A plain image with no provenance (a person's own file). */
export async function plainImage(format: Format = "png", seed = 7, side = 64): Promise<Uint8Array> {
  return new Uint8Array(await generateImage(format, side, side, seed));
}

/** Prompts that would run script if they were ever parsed as HTML. */
export const HOSTILE_PROMPTS = {
  img: `<img src=x onerror="window.__grokPwned=1;document.title='pwned'">`,
  script: `</script><script>window.__grokPwned=2</script>`,
  bidi: "\u202Egnp.exe\u202C an RTL override, \u200Bzero\u200Bwidth\u200B, and עברית mixed in",
} as const;
