/**
 * Reading a prompts file (pure: no vscode). The file is untrusted (a cloned repository can hold
 * anything): its size and line count are capped before it is read, and every line is read in time
 * linear in its length.
 *
 * - `.txt`: each non-blank line is a prompt (trimmed). A line whose first non-blank character is `#`
 *   is a comment and skipped, so a file can carry notes and switch lines off; a prompt that must
 *   start with `#` goes in a `.jsonl` file.
 * - `.jsonl`: each non-blank line is one JSON object whose keys are the API's fields plus `tier`,
 *   `name` (the file stem) and `folder`.
 * - `.csv` (RFC 4180: commas, `"` quoting with `""` for a quote, line breaks inside quotes, CRLF or
 *   LF): the first record names the fields; each later record is one request. An empty cell leaves
 *   its field out (the setting's default applies).
 */

export type PromptsFormat = "txt" | "jsonl" | "csv";

/**
 * Largest prompts file read: 2 MiB holds a thousand requests at the longest prompt fal takes
 * (8,000 characters) with room for fields, and costs a couple of megabytes of memory at most.
 */
export const MAX_FILE_BYTES = 2 * 1024 * 1024;
/**
 * Most requests in one batch: a thousand images is an afternoon of fal's time and tens of dollars,
 * and the batch's state (one entry per line, rewritten in workspace storage as lines finish) stays
 * under a few hundred KB. A larger set is better split into several files.
 */
export const MAX_LINES = 1000;
/** Most bad lines listed one by one (the rest are counted): a wrong file must not flood the log. */
export const MAX_PROBLEMS_LISTED = 50;

/** One request as the file gives it, before validation. */
export interface RawLine {
  /** 1-based line number in the file (a CSV record: the line it starts on). */
  readonly line: number;
  readonly fields: Readonly<Record<string, unknown>>;
  /** The fields are text from a CSV cell: numbers and booleans still need reading. */
  readonly fromText: boolean;
}

export interface LineProblem {
  /** 1-based line number, or 0 for the file as a whole. */
  readonly line: number;
  readonly message: string;
}

export interface Parsed {
  readonly lines: RawLine[];
  readonly problems: LineProblem[];
}

export function formatOf(fileName: string): PromptsFormat | undefined {
  const m = /\.(txt|jsonl|csv)$/i.exec(fileName);
  return m ? (m[1].toLowerCase() as PromptsFormat) : undefined;
}

function tooMany(line: number): LineProblem {
  return { line, message: `more than ${MAX_LINES} requests: split the file (a batch takes at most ${MAX_LINES}).` };
}

/** Physical lines with their 1-based numbers (CRLF, LF or CR), a leading BOM dropped. */
function physicalLines(text: string): string[] {
  return text.replace(/^\uFEFF/, "").split(/\r\n|\n|\r/);
}

export function parsePrompts(format: PromptsFormat, text: string): Parsed {
  if (text.length > MAX_FILE_BYTES) return { lines: [], problems: [{ line: 0, message: `the file is larger than ${MAX_FILE_BYTES / (1024 * 1024)} MB.` }] };
  if (format === "csv") return parseCsvPrompts(text);
  const lines: RawLine[] = [];
  const problems: LineProblem[] = [];
  const all = physicalLines(text);
  for (let i = 0; i < all.length; i++) {
    const raw = all[i];
    const trimmed = raw.trim();
    if (!trimmed || (format === "txt" && trimmed.startsWith("#"))) continue;
    if (lines.length >= MAX_LINES) {
      problems.push(tooMany(i + 1));
      break;
    }
    if (format === "txt") {
      lines.push({ line: i + 1, fields: { prompt: trimmed }, fromText: false });
      continue;
    }
    let value: unknown;
    try {
      value = JSON.parse(trimmed);
    } catch (err) {
      problems.push({ line: i + 1, message: `not valid JSON (${err instanceof Error ? err.message.slice(0, 120) : "parse error"}).` });
      continue;
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      problems.push({ line: i + 1, message: "must be a JSON object such as {\"prompt\": \"…\"}." });
      continue;
    }
    lines.push({ line: i + 1, fields: value as Record<string, unknown>, fromText: false });
  }
  return { lines, problems };
}

/** One CSV record: its cells and the line it starts on. */
interface CsvRecord {
  readonly line: number;
  readonly cells: string[];
}

/**
 * Splits CSV text into records (RFC 4180), in one pass. A quote inside an unquoted cell is kept as
 * text (lenient, as spreadsheets write it); text after a closing quote, or a quote never closed, is
 * a problem on that record's line.
 */
export function parseCsv(text: string): { records: CsvRecord[]; problems: LineProblem[] } {
  const records: CsvRecord[] = [];
  const problems: LineProblem[] = [];
  const s = text.replace(/^\uFEFF/, "");
  let line = 1;
  let start = 1;
  let cells: string[] = [];
  let cell = "";
  let quoted = false; // inside a quoted cell
  let wasQuoted = false; // the current cell was quoted (and closed)
  let bad: string | undefined;
  const endCell = () => {
    cells.push(cell);
    cell = "";
    wasQuoted = false;
  };
  const endRecord = () => {
    endCell();
    if (bad) problems.push({ line: start, message: bad });
    else if (!(cells.length === 1 && cells[0] === "")) records.push({ line: start, cells });
    cells = [];
    bad = undefined;
  };
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (quoted) {
      if (c === '"') {
        if (s[i + 1] === '"') {
          cell += '"';
          i++;
        } else {
          quoted = false;
          wasQuoted = true;
        }
      } else {
        if (c === "\n" || (c === "\r" && s[i + 1] !== "\n")) line++;
        cell += c;
      }
      continue;
    }
    if (c === ",") endCell();
    else if (c === "\r" || c === "\n") {
      if (c === "\r" && s[i + 1] === "\n") i++;
      endRecord();
      line++;
      start = line;
    } else if (c === '"' && cell === "" && !wasQuoted) quoted = true;
    else if (wasQuoted) bad ??= "text after a closing quote: a quoted cell must end at a comma or the end of the line.";
    else cell += c;
  }
  if (quoted) {
    bad = "a quote is never closed.";
  }
  if (cell !== "" || cells.length || bad) endRecord();
  return { records, problems };
}

function parseCsvPrompts(text: string): Parsed {
  const { records, problems } = parseCsv(text);
  const lines: RawLine[] = [];
  if (!records.length) return { lines, problems: problems.length ? problems : [{ line: 0, message: "the file has no header row naming the fields (e.g. prompt,aspect_ratio)." }] };
  const [header, ...rows] = records;
  const names = header.cells.map((c) => c.trim());
  const seen = new Set<string>();
  for (const n of names) {
    if (!n) problems.push({ line: header.line, message: "the header row has an empty field name." });
    else if (seen.has(n)) problems.push({ line: header.line, message: `the header row names ${JSON.stringify(n)} twice.` });
    seen.add(n);
  }
  if (problems.some((p) => p.line === header.line)) return { lines, problems };
  for (const row of rows) {
    if (lines.length >= MAX_LINES) {
      problems.push(tooMany(row.line));
      break;
    }
    if (row.cells.length !== names.length) {
      problems.push({ line: row.line, message: `has ${row.cells.length} cells, the header names ${names.length} fields.` });
      continue;
    }
    const fields: Record<string, unknown> = {};
    row.cells.forEach((v, k) => {
      // defineProperty: a header cell named __proto__ becomes a field (refused later), not a prototype.
      if (v !== "") Object.defineProperty(fields, names[k], { value: v, enumerable: true, writable: true, configurable: true });
    });
    lines.push({ line: row.line, fields, fromText: true });
  }
  return { lines, problems };
}
