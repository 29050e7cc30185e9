/**
 * From the lines of a prompts file to the requests of a batch (pure: no vscode): every line is
 * validated by the API definition (buildRequest) before anything is sent, priced (price.ts), and
 * given a key that finds it again in the results file of an earlier run.
 */
import { createHash } from "node:crypto";
import { buildRequest, estimate, fieldsOf, sumEstimates, type Estimate, type PriceTable, type SettingValues, type Values } from "../api";
import { stemFromPrompt } from "../images/naming";
import { IMAGE_FORMATS, type ImageFormat } from "../images/sniff";
import { MAX_PROBLEMS_LISTED, parsePrompts, type LineProblem, type PromptsFormat, type RawLine } from "./parse";

/** One request of a batch, ready to send. */
export interface PlannedLine {
  readonly line: number;
  /** Finds this line in an earlier run's results: its request's hash, and which repeat of it this is. */
  readonly key: string;
  readonly prompt: string;
  readonly endpoint: string;
  readonly body: Values;
  readonly outputFormat: ImageFormat;
  readonly stem: string;
  readonly numbered: boolean;
  /** The line's own output folder (workspace-relative), checked by the caller against the workspace. */
  readonly folder?: string;
  readonly images: number;
  readonly usd: number | null;
}

export interface Plan {
  readonly lines: PlannedLine[];
  readonly problems: LineProblem[];
  readonly total: Estimate;
}

/** A CSV cell's text read as the field's type needs it (a number, true/false); other text stays text. */
function fromCell(key: string, v: unknown): unknown {
  if (typeof v !== "string") return v;
  const f = fieldsOf("generate").find((x) => x.key === key);
  const t = v.trim();
  if (f?.type === "integer" && /^[+-]?\d+$/.test(t)) return Number(t);
  if (f?.type === "boolean" && /^(true|false)$/i.test(t)) return t.toLowerCase() === "true";
  return v;
}

function keyOf(endpoint: string, body: Values, stem: string, folder: string | undefined): string {
  return createHash("sha256").update(JSON.stringify([endpoint, body, stem, folder ?? ""])).digest("hex").slice(0, 16);
}

/** Validates one line; a PlannedLine or the line's problems. */
function planLine(raw: RawLine, settings: SettingValues | undefined, prices: PriceTable): { ok: true; line: Omit<PlannedLine, "key"> } | { ok: false; problems: LineProblem[] } {
  const problems: LineProblem[] = [];
  const fields: Record<string, unknown> = {};
  let name: unknown;
  let folder: unknown;
  for (const k of Object.keys(raw.fields)) {
    const v = raw.fields[k];
    if (k === "name") name = v;
    else if (k === "folder") folder = v;
    else Object.defineProperty(fields, k, { value: raw.fromText ? fromCell(k, v) : v, enumerable: true, writable: true, configurable: true });
  }
  if (name !== undefined && (typeof name !== "string" || !name.trim() || name.length > 200)) problems.push({ line: raw.line, message: "name must be text (the file name to save under, without extension), at most 200 characters." });
  if (folder !== undefined && (typeof folder !== "string" || !folder.trim() || folder.length > 1000)) problems.push({ line: raw.line, message: "folder must be a workspace-relative folder path." });
  const built = buildRequest("generate", fields, settings);
  if (!built.ok) for (const e of built.errors) problems.push({ line: raw.line, message: e.message });
  if (problems.length || !built.ok) return { ok: false, problems };
  const req = built.value;
  const prompt = String(req.values["prompt"]);
  const images = Number(req.values["num_images"] ?? 1);
  const outputFormat = IMAGE_FORMATS.find((f) => f === req.values["output_format"]) ?? "jpeg";
  return {
    ok: true,
    line: {
      line: raw.line,
      prompt,
      endpoint: req.endpoint,
      body: req.body,
      outputFormat,
      stem: stemFromPrompt(typeof name === "string" ? name : prompt),
      numbered: images > 1,
      ...(typeof folder === "string" ? { folder: folder.trim() } : {}),
      images,
      usd: estimate(req.endpoint, images, prices).usd,
    },
  };
}

/**
 * Reads and validates a whole prompts file. `settings` are the parameter defaults (by setting key);
 * `prices` the person's price overrides.
 */
export function planBatch(format: PromptsFormat, text: string, settings: SettingValues | undefined, prices: PriceTable = {}): Plan {
  const parsed = parsePrompts(format, text);
  const problems = [...parsed.problems];
  const lines: PlannedLine[] = [];
  const repeats = new Map<string, number>();
  for (const raw of parsed.lines) {
    const r = planLine(raw, settings, prices);
    if (!r.ok) {
      problems.push(...r.problems);
      continue;
    }
    const hash = keyOf(r.line.endpoint, r.line.body, r.line.stem, r.line.folder);
    const n = repeats.get(hash) ?? 0;
    repeats.set(hash, n + 1);
    lines.push({ ...r.line, key: `${hash}.${n}` });
  }
  if (!problems.length && !lines.length) problems.push({ line: 0, message: format === "txt" ? "the file has no prompts (only blank or # comment lines)." : "the file has no requests." });
  problems.sort((a, b) => a.line - b.line);
  return { lines, problems, total: sumEstimates(lines.map((l) => ({ images: l.images, usd: l.usd }))) };
}

/** The bad lines as text for the log and a message: "line 4: …", the first MAX_PROBLEMS_LISTED of them. */
export function problemLines(problems: readonly LineProblem[]): string[] {
  const out = problems.slice(0, MAX_PROBLEMS_LISTED).map((p) => (p.line ? `line ${p.line}: ${p.message}` : p.message));
  if (problems.length > MAX_PROBLEMS_LISTED) out.push(`… and ${problems.length - MAX_PROBLEMS_LISTED} more.`);
  return out;
}
