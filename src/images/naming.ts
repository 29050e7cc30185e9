/**
 * File names for generated and edited images: readable, derived from the prompt or the source
 * file, and safe on Windows, macOS and Linux. Pure module (no Node APIs).
 *
 * A stem is built like this:
 * 1. NFC-normalise and lower-case (then NFC again: lower-casing can decompose, e.g. "İ").
 * 2. Delete invisible format characters (\p{Cf}: zero-width joiners and non-joiners, bidi
 *    controls, soft hyphens, tag characters…), variation selectors and enclosing marks, so that
 *    e.g. Persian words written with ZWNJ stay whole and a keycap "1️⃣" becomes "1". The zero-width
 *    space, which separates words, counts as a space.
 * 3. Keep letters and numbers of any script (\p{L}\p{N}) with the combining marks that follow them
 *    (at most {@link MAX_MARKS_PER_LETTER}, which tames "Zalgo" text); every run of anything else
 *    (spaces, punctuation, symbols, emoji, control characters, path separators, `<>:"/\|?*`, dots)
 *    becomes a single "-". Marks with no letter before them are dropped.
 * 4. Trim "-" at both ends and NFC-normalise again. The result contains no dot, space or separator, so it can never be
 *    ".", "..", hidden, or end in a dot or space (which Windows strips).
 * 5. Bound the length to {@link MAX_STEM_CHARS} code points and {@link MAX_STEM_BYTES} UTF-8 bytes
 *    (far below the 255-byte/255-unit name limits of common file systems, leaving room for a
 *    "-NN" counter, an extension and a temporary-name wrapper, and keeping paths short for
 *    Windows' 260-character limit). The cut is made at the last "-" when that keeps at least half
 *    of what fits, otherwise after the last letter that fits together with its marks: never inside
 *    a surrogate pair or a base + combining marks sequence.
 * 6. An empty result becomes "image"; a Windows reserved device name (CON, PRN, AUX, NUL, COM0–9,
 *    LPT0–9, COM¹²³, LPT¹²³, any case) gets "-image" appended ("con-image"). Windows reserves these
 *    names with any extension too, and since the final name is `<stem><ext>` checking the stem
 *    covers that.
 */

export const MAX_STEM_CHARS = 60;
export const MAX_STEM_BYTES = 120;
export const MAX_MARKS_PER_LETTER = 8;
export const FALLBACK_STEM = "image";

const EDIT_SUFFIX = "-edit";

const FORMAT_CHARS = /[\p{Cf}\p{Variation_Selector}\p{Me}]/gu;
const ZERO_WIDTH_SPACE = /\u200B/g;
const NOT_KEPT = /[^\p{L}\p{N}\p{M}]+/gu;
const ORPHAN_MARKS = /(^|-)\p{M}+/gu;
const TOO_MANY_MARKS = new RegExp(`(\\p{M}{${MAX_MARKS_PER_LETTER}})\\p{M}+`, "gu");
const DASH_RUNS = /-{2,}/g;
const EDGE_DASHES = /^-+|-+$/g;
/** One unit that must not be split: a code point that is not a mark, with its marks. */
const UNITS = /\P{M}\p{M}*/gu;

/**
 * Windows device names, matched against a lower-cased stem. Recent Windows also treats the
 * superscript digits ¹²³ as digits here.
 */
const RESERVED = /^(?:con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])$/u;

function utf8Length(text: string): number {
  let bytes = 0;
  for (const ch of text) {
    const cp = ch.codePointAt(0) ?? 0;
    bytes += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
  }
  return bytes;
}

function codePointLength(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/** Steps 1–4: the sanitised, unbounded stem (possibly empty). */
function sanitize(text: string): string {
  return text
    .normalize("NFC")
    .toLowerCase()
    .normalize("NFC")
    .replace(ZERO_WIDTH_SPACE, " ")
    .replace(FORMAT_CHARS, "")
    .replace(NOT_KEPT, "-")
    .replace(ORPHAN_MARKS, "$1")
    .replace(TOO_MANY_MARKS, "$1")
    .replace(DASH_RUNS, "-")
    .replace(EDGE_DASHES, "")
    .normalize("NFC"); // deleting characters can leave composable sequences ("e", ZWJ, U+0301)
}

/** Step 5: cut a sanitised stem to the bounds (see the module comment). */
function bound(stem: string, maxChars: number, maxBytes: number): string {
  if (codePointLength(stem) <= maxChars && utf8Length(stem) <= maxBytes) return stem;
  let chars = 0;
  let bytes = 0;
  let end = 0; // UTF-16 index where the fitting prefix ends
  let lastDash = -1;
  for (const match of stem.matchAll(UNITS)) {
    const unit = match[0];
    const c = codePointLength(unit);
    const b = utf8Length(unit);
    if (chars + c > maxChars || bytes + b > maxBytes) break;
    if (unit === "-") lastDash = end;
    chars += c;
    bytes += b;
    end += unit.length;
  }
  let cut: string;
  if (stem[end] === "-") {
    cut = stem.slice(0, end); // the prefix ends exactly at a word boundary
  } else if (lastDash > 0 && lastDash * 2 >= end) {
    cut = stem.slice(0, lastDash);
  } else {
    cut = stem.slice(0, end);
  }
  return cut.replace(EDGE_DASHES, "").normalize("NFC");
}

/** Step 6. */
function finish(stem: string): string {
  if (stem === "") return FALLBACK_STEM;
  if (RESERVED.test(stem)) return `${stem}-${FALLBACK_STEM}`;
  return stem;
}

/**
 * Whether Windows treats the file name `name` as a device: a reserved name in any case, alone or
 * followed by an extension or trailing spaces (`CON`, `con.txt`, `Lpt1.tar.gz`, `COM¹`).
 */
export function isReservedWindowsName(name: string): boolean {
  const first = name.split(".")[0] ?? "";
  return RESERVED.test(first.replace(/ +$/, "").toLowerCase());
}

/** A safe file-name stem (no extension) from a prompt, e.g. "A cat, in space!" → "a-cat-in-space". */
export function stemFromPrompt(prompt: string): string {
  return finish(bound(sanitize(prompt), MAX_STEM_CHARS, MAX_STEM_BYTES));
}

/**
 * The stem for edits of the file `fileName` (a name or a path with `/` or `\`): its name without
 * the extension, sanitised like a prompt, plus "-edit": `photo.png` → `photo-edit`. An existing
 * `-edit` or `-edit-N` ending is not repeated: editing `photo-edit-2.png` gives `photo-edit` again
 * (and {@link pickUniqueNames} then picks the next free number).
 */
export function editStemFromSource(fileName: string): string {
  const base = fileName.slice(Math.max(fileName.lastIndexOf("/"), fileName.lastIndexOf("\\")) + 1);
  const dot = base.lastIndexOf(".");
  const name = dot > 0 ? base.slice(0, dot) : base;
  let stem = sanitize(name).replace(/(?:-edit(?:-\d+)?)+$/u, "");
  stem = bound(stem, MAX_STEM_CHARS - EDIT_SUFFIX.length, MAX_STEM_BYTES - EDIT_SUFFIX.length);
  return `${stem === "" ? FALLBACK_STEM : stem}${EDIT_SUFFIX}`;
}

/**
 * The key under which two file names are the same file on case-insensitive file systems (the
 * defaults on Windows and macOS; APFS/HFS+ also ignore Unicode normalisation).
 */
export function fileNameKey(name: string): string {
  return name.normalize("NFC").toLowerCase();
}

/** A `taken` predicate for {@link pickUniqueNames} from the names in a folder, comparing by {@link fileNameKey}. */
export function takenIn(names: Iterable<string>): (name: string) => boolean {
  const keys = new Set<string>();
  for (const name of names) keys.add(fileNameKey(name));
  return (name) => keys.has(fileNameKey(name));
}

export interface PickOptions {
  /** Number even a single image (`photo-edit-1.png`); used for edits. Default false. */
  numbered?: boolean;
  /** Give up (throw) after this many candidate names; default 100 000. */
  maxAttempts?: number;
}

function normalizeExt(ext: string): string {
  if (ext === "") return "";
  const withDot = ext.startsWith(".") ? ext : `.${ext}`;
  if (!/^\.[A-Za-z0-9]+$/.test(withDot)) {
    throw new RangeError(`Not a safe file extension: ${JSON.stringify(ext)}`);
  }
  return withDot;
}

/**
 * `count` file names `<stem><ext>` that are not `taken`. The caller's `taken` should compare
 * case-insensitively (use {@link takenIn}). `ext` is given with or without its dot (`.png`, `png`).
 *
 * - One image, not `numbered`: `stem.ext`, else `stem-2.ext`, `stem-3.ext`, … (the first free).
 * - Several images, or `numbered`: a consecutive block `stem-k.ext … stem-(k+count-1).ext`, with
 *   the smallest k ≥ 1 for which every name in the block is free, so a batch keeps consecutive
 *   numbers (with `cat-2.png` taken, two images get `cat-3.png`, `cat-4.png`, not `cat-1`, `cat-3`).
 *
 * Throws a `RangeError` for a `count` that is not a positive integer, an unsafe extension, or when
 * no free names are found within `maxAttempts` candidates.
 */
export function pickUniqueNames(
  stem: string,
  ext: string,
  count: number,
  taken: (name: string) => boolean,
  options: PickOptions = {},
): string[] {
  if (!Number.isInteger(count) || count < 1) {
    throw new RangeError(`count must be a positive integer (got ${count}).`);
  }
  const dotExt = normalizeExt(ext);
  const base = stem === "" ? FALLBACK_STEM : stem;
  const maxAttempts = options.maxAttempts ?? 100_000;
  let attempts = 0;
  const isTaken = (name: string): boolean => {
    attempts++;
    if (attempts > maxAttempts) {
      throw new RangeError(`No free file name for ${JSON.stringify(base + dotExt)} after ${maxAttempts} tries.`);
    }
    return taken(name);
  };
  const numberedName = (n: number): string => `${base}-${n}${dotExt}`;

  if (count === 1 && options.numbered !== true) {
    const plain = `${base}${dotExt}`;
    if (!isTaken(plain)) return [plain];
    for (let n = 2; ; n++) {
      const name = numberedName(n);
      if (!isTaken(name)) return [name];
    }
  }

  // Smallest k such that k … k+count-1 are all free: on a taken name j, restart the block at j+1.
  let k = 1;
  for (;;) {
    let blocked = -1;
    for (let n = k; n < k + count; n++) {
      if (isTaken(numberedName(n))) {
        blocked = n;
        break;
      }
    }
    if (blocked < 0) {
      const names: string[] = [];
      for (let n = k; n < k + count; n++) names.push(numberedName(n));
      return names;
    }
    k = blocked + 1;
  }
}

function randomToken(): string {
  const bytes = new Uint8Array(8);
  globalThis.crypto.getRandomValues(bytes);
  let hex = "";
  for (const b of bytes) hex += b.toString(16).padStart(2, "0");
  return hex;
}

/**
 * A hidden temporary name in the same folder for writing `finalName` before renaming it into
 * place: `.<finalName>.<random>.part`. `random` defaults to 16 hex digits from
 * `crypto.getRandomValues`; an injected one must return letters, digits, "-" or "_" only.
 */
export function tempNameFor(finalName: string, random: () => string = randomToken): string {
  if (finalName === "" || /[/\\]/.test(finalName)) {
    throw new RangeError(`Not a file name: ${JSON.stringify(finalName)}`);
  }
  const token = random();
  if (!/^[A-Za-z0-9_-]+$/.test(token)) {
    throw new RangeError(`Unsafe random token for a temporary name: ${JSON.stringify(token)}`);
  }
  return `.${finalName}.${token}.part`;
}
