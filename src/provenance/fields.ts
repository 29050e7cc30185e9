/**
 * Where each part of a Provenance goes in XMP: the namespaces, and which property holds which field.
 * The packet builder (packet.ts) and the reader (rdf.ts) both work from this table, so a field is
 * named here once.
 *
 * Layout (one `rdf:Description`, every property as an element):
 *
 *   dc:description                 rdf:Alt, x-default = the request's prompt (display form)
 *   xmp:CreatorTool                creatorTool
 *   xmp:CreateDate                 createDate (ISO 8601, as given)
 *   Iptc4xmpExt:DigitalSourceType  …/trainedAlgorithmicMedia (generate) or
 *                                  …/compositeWithTrainedAlgorithmicMedia (edit)
 *   grokimagine:Kind               generate | edit
 *   grokimagine:Endpoint           e.g. xai/grok-imagine-image
 *   grokimagine:RequestId          fal's request id
 *   grokimagine:ImageIndex         index of the image in its request (0-based)
 *   grokimagine:RevisedPrompt      the model's revised prompt (display form)
 *   grokimagine:<XMP_PARAMETERS>   the scalar request fields, for people and tools (display only)
 *   grokimagine:Input              the request body as sent, minus OMITTED_INPUT_KEYS, as JSON
 *   grokimagine:Sources            edits: rdf:Seq of structs {grokimagine:Path, grokimagine:SHA256}
 *   grokimagine:Exact              only when needed: JSON object holding the exact value of every
 *                                  other text field whose display form is not exact
 *
 * Pure module.
 */

export const NS = {
  x: "adobe:ns:meta/",
  rdf: "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
  xml: "http://www.w3.org/XML/1998/namespace",
  dc: "http://purl.org/dc/elements/1.1/",
  xmp: "http://ns.adobe.com/xap/1.0/",
  xmpNote: "http://ns.adobe.com/xmp/note/",
  iptcExt: "http://iptc.org/std/Iptc4xmpExt/2008-02-29/",
  grok: "https://grok-imagine.vscode/ns/1.0/",
} as const;

/** The prefix our packets use for NS.grok. */
export const GROK_PREFIX = "grokimagine";

export const DIGITAL_SOURCE_TYPE = {
  generate: "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia",
  edit: "http://cv.iptc.org/newscodes/digitalsourcetype/compositeWithTrainedAlgorithmicMedia",
} as const;

/** Local names of our own properties (namespace NS.grok). */
export const GROK = {
  kind: "Kind",
  endpoint: "Endpoint",
  requestId: "RequestId",
  imageIndex: "ImageIndex",
  revisedPrompt: "RevisedPrompt",
  input: "Input",
  sources: "Sources",
  sourcePath: "Path",
  sourceSha256: "SHA256",
  exact: "Exact",
} as const;

/** xmpNote:HasExtendedXMP: the GUID of a JPEG's Extended XMP packet. */
export const HAS_EXTENDED_XMP = "HasExtendedXMP";

/**
 * A request field that also gets its own property (NS.grok), so that people and tools see it without
 * reading the Input JSON. `type` says how the display text reads back when the JSON is lost.
 */
export interface XmpParameter {
  readonly field: string;
  readonly property: string;
  readonly type: "string" | "integer" | "boolean";
}

/** The request fields shown as properties, in packet order. (The prompt goes to dc:description.) */
export const XMP_PARAMETERS: readonly XmpParameter[] = [
  { field: "num_images", property: "NumImages", type: "integer" },
  { field: "aspect_ratio", property: "AspectRatio", type: "string" },
  { field: "resolution", property: "Resolution", type: "string" },
  { field: "output_format", property: "OutputFormat", type: "string" },
  { field: "sync_mode", property: "SyncMode", type: "boolean" },
];

/** The request field written to dc:description. */
export const PROMPT_FIELD = "prompt";

/** A parameter's value as shown in its property, or undefined when it has no scalar display. */
export function parameterDisplay(v: unknown): string | undefined {
  if (typeof v === "string") return v;
  if (typeof v === "number" && Number.isFinite(v)) return String(v);
  if (typeof v === "boolean") return v ? "True" : "False";
  return undefined;
}

/** A parameter's value read back from its display text (when the Input JSON is missing). */
export function parameterValue(p: XmpParameter, text: string): unknown {
  switch (p.type) {
    case "integer":
      return Number(text);
    case "boolean":
      return /^true$/i.test(text);
    case "string":
      return text;
  }
}
