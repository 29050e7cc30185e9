/**
 * What the gallery shows of an image's provenance: the fields of its entry that come from the
 * Provenance the index keeps (the one type, src/provenance/provenance.ts).
 */
import { promptOf, type Provenance } from "../provenance/provenance";
import type { EntryParams, GalleryEntry } from "../protocol";

/** The entry fields recorded in `p`. */
export function entryFieldsOf(p: Provenance): Pick<GalleryEntry, "kind" | "prompt" | "revisedPrompt" | "params" | "sources" | "requestId"> {
  const input = p.input;
  const num = input["num_images"];
  const params: EntryParams = {
    ...(typeof num === "number" && Number.isFinite(num) ? { num_images: num } : {}),
    ...textParam(input, "aspect_ratio"),
    ...textParam(input, "resolution"),
    ...textParam(input, "output_format"),
    ...(typeof input["sync_mode"] === "boolean" ? { sync_mode: input["sync_mode"] } : {}),
  };
  return {
    kind: p.kind,
    prompt: promptOf(p),
    revisedPrompt: p.revisedPrompt,
    params,
    sources: (p.sources ?? []).map((s) => s.path),
    requestId: p.requestId,
  };
}

function textParam(input: Readonly<Record<string, unknown>>, key: "aspect_ratio" | "resolution" | "output_format"): EntryParams {
  const v = input[key];
  return typeof v === "string" && v.length <= 32 ? { [key]: v } : {};
}
