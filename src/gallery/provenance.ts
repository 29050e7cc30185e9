/**
 * What the gallery shows of an image's provenance: the fields of its entry that come from the
 * Provenance the index keeps (the one type, src/provenance/provenance.ts).
 */
import { recordedValues } from "../api";
import { promptOf, type Provenance } from "../provenance/provenance";
import type { EntryParams, GalleryEntry } from "../protocol";

/** The entry fields recorded in `p`. */
export function entryFieldsOf(p: Provenance): Pick<GalleryEntry, "kind" | "prompt" | "revisedPrompt" | "params" | "sources" | "requestId"> {
  // The fields the definition lists for the endpoint's operation, and what the endpoint stands for.
  const { prompt: _prompt, ...params }: EntryParams = recordedValues(String(p.endpoint), p.input, p.kind).values;
  return {
    kind: p.kind,
    prompt: promptOf(p),
    revisedPrompt: p.revisedPrompt,
    params,
    sources: (p.sources ?? []).map((s) => s.path),
    requestId: p.requestId,
  };
}
