/**
 * Glob matching for the keys of `markdown.copyFiles.destination`, with the semantics VS Code's
 * Markdown extension gives them (it uses picomatch with `dot: true`): `*` and `?` stay within one
 * path segment, `**` as a whole segment matches any number of segments (none too), `[abc]`, `[a-z]`,
 * `[!a]` / `[^a]` match one character of a segment, `{md,markdown}` are alternatives, `\` escapes.
 * Names starting with a dot are matched like any other.
 *
 * The keys come from workspace settings, so they are untrusted: matching is a memoised walk over
 * (glob position, path position), linear in their product whatever the glob, never a backtracking
 * regular expression; brace alternatives are capped. Pure module.
 */

/** Longer globs are refused: real ones are a few dozen characters. */
export const MAX_GLOB_CHARS = 1000;
/** Brace alternatives after expansion (`{a,b}{c,d}` is four): real globs have a handful. */
export const MAX_ALTERNATIVES = 64;

type Token =
  | { readonly t: "char"; readonly c: string }
  | { readonly t: "any" } // ?
  | { readonly t: "star" } // * (within a segment)
  | { readonly t: "segments" } // **/ : zero or more whole segments
  | { readonly t: "rest"; readonly empty: boolean } // /** at the end: "/" and anything, or nothing (`empty`)
  | { readonly t: "class"; readonly negated: boolean; readonly items: readonly (readonly [string, string])[] };

/** `{a,b}` alternatives expanded (nested too), or undefined when there would be too many. */
export function expandBraces(glob: string): string[] | undefined {
  let open = -1;
  let depth = 0;
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === "\\") {
      i++;
      continue;
    }
    if (c === "{") {
      if (depth === 0) open = i;
      depth++;
    } else if (c === "}" && depth > 0) {
      depth--;
      if (depth === 0) {
        const parts = splitTopLevel(glob.slice(open + 1, i));
        // A brace without a comma is literal text, as in picomatch.
        if (parts.length < 2) return expandRest(glob.slice(0, i + 1), glob.slice(i + 1));
        const head = glob.slice(0, open);
        const tail = glob.slice(i + 1);
        const out: string[] = [];
        for (const part of parts) {
          const expanded = expandBraces(head + part + tail);
          if (!expanded) return undefined;
          out.push(...expanded);
          if (out.length > MAX_ALTERNATIVES) return undefined;
        }
        return out;
      }
    }
  }
  return [glob];
}

function expandRest(done: string, rest: string): string[] | undefined {
  const expanded = expandBraces(rest);
  return expanded?.map((r) => done + r);
}

function splitTopLevel(inner: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i];
    if (c === "\\") i++;
    else if (c === "{") depth++;
    else if (c === "}") depth--;
    else if (c === "," && depth === 0) {
      parts.push(inner.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(inner.slice(start));
  return parts;
}

function tokenize(glob: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < glob.length) {
    const c = glob[i];
    if (c === "\\" && i + 1 < glob.length) {
      tokens.push({ t: "char", c: glob[i + 1] });
      i += 2;
    } else if (c === "*") {
      let j = i;
      while (glob[j] === "*") j++;
      const wholeSegment = j - i === 2 && (i === 0 || glob[i - 1] === "/");
      // picomatch: a last segment of three or more stars after "/**/" may be empty, and that "/**/"
      // may end the path, so "a/**/***" is "a/**" (and "d*/**/***" matches "docs" itself).
      const lastAfterSegments = j - i > 2 && j === glob.length && glob[i - 1] === "/" && tokens.at(-1)?.t === "segments";
      if (wholeSegment && glob[j] === "/") {
        tokens.push({ t: "segments" });
        i = j + 1;
      } else if ((wholeSegment || lastAfterSegments) && j === glob.length) {
        if (i === 0) {
          tokens.push({ t: "segments" }, { t: "star" }); // "**" alone: everything
        } else {
          // "/**" at the end: the "/" belongs to it (nothing, or "/" and anything); "/**/**" is the same.
          while (tokens.at(-1)?.t === "segments") tokens.pop();
          const last = tokens.at(-1);
          if (last?.t === "char" && last.c === "/") tokens.pop();
          // As picomatch: "docs/**" matches "docs" itself, but "d*/**" (a star just before) needs something below.
          tokens.push({ t: "rest", empty: lastAfterSegments || tokens.at(-1)?.t !== "star" });
        }
        i = j;
      } else {
        tokens.push({ t: "star" });
        i = j;
      }
    } else if (c === "?") {
      tokens.push({ t: "any" });
      i++;
    } else if (c === "[") {
      const cls = parseClass(glob, i);
      if (cls) {
        tokens.push(cls.token);
        i = cls.end;
      } else {
        tokens.push({ t: "char", c });
        i++;
      }
    } else {
      tokens.push({ t: "char", c });
      i++;
    }
  }
  return tokens;
}

function parseClass(glob: string, start: number): { token: Token; end: number } | undefined {
  let i = start + 1;
  const negated = glob[i] === "!" || glob[i] === "^";
  if (negated) i++;
  const items: [string, string][] = [];
  let first = true;
  while (i < glob.length && (glob[i] !== "]" || first)) {
    first = false;
    let lo = glob[i];
    if (lo === "\\" && i + 1 < glob.length) lo = glob[++i];
    i++;
    if (glob[i] === "-" && i + 1 < glob.length && glob[i + 1] !== "]") {
      let hi = glob[i + 1];
      i += 2;
      if (hi === "\\" && i < glob.length) hi = glob[i++];
      items.push([lo, hi]);
    } else {
      items.push([lo, lo]);
    }
  }
  if (glob[i] !== "]") return undefined;
  return { token: { t: "class", negated, items }, end: i + 1 };
}

function inClass(token: Extract<Token, { t: "class" }>, c: string): boolean {
  const hit = token.items.some(([lo, hi]) => c >= lo && c <= hi);
  return token.negated ? !hit && c !== "/" : hit && c !== "/";
}

/** Whether `path` (a URI path, "/"-separated) matches the single glob's tokens. O(tokens × path). */
function matchTokens(tokens: readonly Token[], path: string): boolean {
  const n = path.length;
  // memo[ti * (n + 1) + pi]: 0 unknown, 1 no, 2 yes. Filled bottom-up to avoid deep recursion.
  const width = n + 1;
  const ok = new Uint8Array((tokens.length + 1) * width);
  ok[tokens.length * width + n] = 1;
  // The next "/" at or after each position (n when none), for "**/".
  const nextSlash = new Int32Array(n + 1);
  nextSlash[n] = n;
  for (let p = n - 1; p >= 0; p--) nextSlash[p] = path[p] === "/" ? p : nextSlash[p + 1];
  for (let ti = tokens.length - 1; ti >= 0; ti--) {
    const tok = tokens[ti];
    const row = ti * width;
    const next = (ti + 1) * width;
    for (let pi = n; pi >= 0; pi--) {
      let v = 0;
      const c = pi < n ? path[pi] : undefined;
      switch (tok.t) {
        case "char":
          v = c === tok.c ? ok[next + pi + 1] : 0;
          break;
        case "any":
          v = c !== undefined && c !== "/" ? ok[next + pi + 1] : 0;
          break;
        case "class":
          v = c !== undefined && inClass(tok, c) ? ok[next + pi + 1] : 0;
          break;
        case "star":
          // Nothing more, or one more character of this segment.
          v = ok[next + pi] || (c !== undefined && c !== "/" ? ok[row + pi + 1] : 0);
          break;
        case "segments": {
          // Nothing more, or the rest of this segment and its "/".
          const slash = nextSlash[pi];
          v = ok[next + pi] || (slash < n ? ok[row + slash + 1] : 0);
          break;
        }
        case "rest":
          v = (pi === n && tok.empty) || c === "/" ? 1 : 0;
          break;
      }
      ok[row + pi] = v;
    }
  }
  return ok[0] === 1;
}

const PICOMATCH_FAST_PATHS = new Map([
  ["*.*", "*.?*"],
  ["**/*.*", "**/*.?*"],
]);

/** Whether `path` matches `glob` (see the module comment); false for a glob too long or with too many alternatives. */
export function globMatches(glob: string, path: string): boolean {
  if (glob.length > MAX_GLOB_CHARS) return false;
  // picomatch answers these two from a precompiled expression in which the star after the dot must
  // match something: "**/*.*" does not match "notes." (its general parser would say it does).
  const fast = PICOMATCH_FAST_PATHS.get(glob);
  if (fast !== undefined) glob = fast;
  const alternatives = expandBraces(glob);
  if (!alternatives) return false;
  return alternatives.some((g) => matchTokens(tokenize(g), path));
}
