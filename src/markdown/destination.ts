/**
 * Where VS Code's own Markdown drop and paste would put a new file: the setting
 * `markdown.copyFiles.destination`, a map from a glob (matched against the document's path) to a
 * destination, with the semantics of VS Code's Markdown extension:
 * - entries are tried in order; the first whose glob matches the document wins;
 * - a glob starting with `/` is anchored at each workspace folder; any other glob not starting with
 *   `**` matches anywhere (`**` + `/` is put in front); dot files match like others;
 * - the destination is trimmed; empty means `${fileName}`; starting with `/` means from the
 *   document's workspace folder; ending with `/` means a folder (`${fileName}` is appended);
 * - variables: `${documentDirName}` (the document's folder, a full path), `${documentFileName}`
 *   (`notes.md`), `${documentBaseName}` (`notes`), `${documentExtName}` (`md`),
 *   `${documentWorkspaceFolder}` (its workspace folder, else its folder), `${fileName}` (the new
 *   file's name); an unknown one is empty; `${name/pattern/replacement/}` replaces the first match
 *   of a regular expression in the value;
 * - the result is a path relative to the document's folder, or a full path when it starts with `/`,
 *   with `.` and `..` segments resolved.
 *
 * The setting comes from the workspace, so it is untrusted: entries are capped, globs are matched
 * in linear time (glob.ts), and a `${name/pattern/…/}` pattern is used only when it cannot run away
 * (see {@link safePattern}). Whether the result may be written to is the one resolver's decision
 * (src/workspace/resolve.ts). Pure module.
 */
import { globMatches } from "./glob";

/** Entries read from the setting; a real one has a few. */
export const MAX_ENTRIES = 100;
/** A variable's value longer than this is not run through a pattern (paths are far shorter). */
export const MAX_PATTERN_INPUT = 512;
/** A pattern longer than this is not used. */
export const MAX_PATTERN_CHARS = 100;
/** Repetitions (`*`, `+`, `?`, `{n,m}`) a pattern may have: with none nested, its cost stays polynomial of a low degree. */
export const MAX_PATTERN_QUANTIFIERS = 2;

export interface DestinationContext {
  /** The document's URI path: `/home/me/site/docs/notes.md`. */
  readonly documentPath: string;
  /** The URI path of the workspace folder that holds the document, if one does. */
  readonly workspaceFolderPath?: string;
  /** Every workspace folder's URI path (globs starting with `/` are anchored at each). */
  readonly workspaceFolderPaths: readonly string[];
  /** The new file's name: `a-red-fox.jpg`. */
  readonly fileName: string;
}

export type Destination =
  /** No entry matches the document. */
  | { readonly kind: "none"; readonly ignored: readonly string[] }
  /** The full path (URI path) the file would get; `glob` is the entry that decided it. */
  | { readonly kind: "path"; readonly glob: string; readonly path: string; readonly ignored: readonly string[] }
  | { readonly kind: "refused"; readonly glob: string; readonly message: string; readonly ignored: readonly string[] };

/** `/a/b/c.md` → `/a/b`; `/c.md` → `/`. */
export function dirName(path: string): string {
  const i = path.lastIndexOf("/");
  return i <= 0 ? "/" : path.slice(0, i);
}

export function baseName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/** `.md` for `notes.md`, "" for `README` or `.profile` (as Node's path.posix.extname). */
export function extName(name: string): string {
  const i = name.lastIndexOf(".");
  return i > 0 ? name.slice(i) : "";
}

/** `.` and `..` segments resolved, repeated and trailing `/` removed; `..` above the root stays at the root. Always absolute. */
export function normalizePath(path: string): string {
  const out: string[] = [];
  for (const seg of path.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") out.pop();
    else out.push(seg);
  }
  return `/${out.join("/")}`;
}

/** The globs a setting key stands for (see the module comment). */
export function expandGlobKey(rawGlob: string, workspaceFolderPaths: readonly string[]): string[] {
  if (rawGlob.startsWith("/")) return workspaceFolderPaths.map((f) => `${f.endsWith("/") ? f.slice(0, -1) : f}${rawGlob}`);
  return rawGlob.startsWith("**") ? [rawGlob] : [`**/${rawGlob}`];
}

/**
 * Whether a `${name/pattern/replacement/}` pattern is safe to run on a path: short, a valid regular
 * expression, no back-references, at most {@link MAX_PATTERN_QUANTIFIERS} repetitions and none applied
 * to a group (`(a+)+` is how a pattern takes exponential time). Returns the problem, or undefined.
 */
export function safePattern(pattern: string): string | undefined {
  if (pattern.length > MAX_PATTERN_CHARS) return `is longer than ${MAX_PATTERN_CHARS} characters`;
  let quantifiers = 0;
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "\\") {
      const next = pattern[i + 1] ?? "";
      if (/[1-9k]/.test(next)) return "uses a back-reference";
      i++;
      continue;
    }
    if (inClass) {
      if (c === "]") inClass = false;
      continue;
    }
    if (c === "[") {
      inClass = true;
      continue;
    }
    const prev = pattern[i - 1];
    const isQuantifier = c === "*" || c === "+" || (c === "{" && /^\{\d+(,\d*)?\}/.test(pattern.slice(i))) || (c === "?" && prev !== "(" && prev !== "*" && prev !== "+" && prev !== "?" && prev !== "}");
    if (!isQuantifier) continue;
    if (prev === ")") return "repeats a group";
    if (++quantifiers > MAX_PATTERN_QUANTIFIERS) return `has more than ${MAX_PATTERN_QUANTIFIERS} repetitions (*, +, ?, {…})`;
  }
  try {
    new RegExp(pattern);
  } catch {
    return "is not a valid regular expression";
  }
  return undefined;
}

/** `${name}` or `${name/pattern/replacement/}`: name, then the pattern and the replacement (neither empty). */
const VARIABLE = /\$\{(\w+)(?:\/([^}]+?)\/([^}]+?)\/)?\}/g;

/**
 * The destination with its variables put in; the problem (a pattern not used) makes it refused,
 * since a silently different path would put the file where the person did not say.
 */
export function expandVariables(dest: string, vars: ReadonlyMap<string, string>): { ok: true; text: string } | { ok: false; message: string } {
  let problem: string | undefined;
  const text = dest.replace(VARIABLE, (_m, name: string, pattern: string | undefined, replacement: string | undefined) => {
    const value = vars.get(name) ?? "";
    if (!value || pattern === undefined || replacement === undefined) return value;
    const unsafe = safePattern(pattern);
    if (unsafe) {
      problem ??= `the pattern of \${${name}/${pattern}/…/} ${unsafe}`;
      return value;
    }
    if (value.length > MAX_PATTERN_INPUT) {
      problem ??= `\${${name}} is longer than ${MAX_PATTERN_INPUT} characters to run its pattern on`;
      return value;
    }
    return value.replace(new RegExp(pattern), replacement);
  });
  return problem ? { ok: false, message: problem } : { ok: true, text };
}

/** The variables of a destination for this document and file. */
export function destinationVariables(ctx: DestinationContext): Map<string, string> {
  const dir = dirName(ctx.documentPath);
  const file = baseName(ctx.documentPath);
  const ext = extName(file);
  return new Map([
    ["documentDirName", dir],
    ["documentFileName", file],
    ["documentBaseName", file.slice(0, file.length - ext.length)],
    ["documentExtName", ext.replace(".", "")],
    ["documentWorkspaceFolder", ctx.workspaceFolderPath ?? dir],
    ["fileName", ctx.fileName],
  ]);
}

/** One destination (the value of a matching entry) as a full path. */
export function resolveDestination(rawDest: string, ctx: DestinationContext): { ok: true; path: string } | { ok: false; message: string } {
  let dest = rawDest.trim() || "${fileName}";
  if (dest.startsWith("/")) dest = "${documentWorkspaceFolder}/" + dest.slice(1);
  if (dest.endsWith("/")) dest += "${fileName}";
  const expanded = expandVariables(dest, destinationVariables(ctx));
  if (!expanded.ok) return expanded;
  const text = expanded.text;
  const full = text.startsWith("/") ? text : `${dirName(ctx.documentPath)}/${text}`;
  return { ok: true, path: normalizePath(full) };
}

/**
 * Where `markdown.copyFiles.destination` (`setting`, as read for the document: any shape) puts a new
 * file for this document; entries that are not a glob → text pair are skipped and listed in `ignored`.
 */
export function copyDestination(setting: unknown, ctx: DestinationContext): Destination {
  const ignored: string[] = [];
  if (typeof setting !== "object" || setting === null || Array.isArray(setting)) {
    return { kind: "none", ignored: setting === undefined || setting === null ? [] : ["(the setting is not an object)"] };
  }
  const entries = Object.entries(setting as Record<string, unknown>);
  if (entries.length > MAX_ENTRIES) ignored.push(`(${entries.length - MAX_ENTRIES} entries after the first ${MAX_ENTRIES})`);
  for (const [rawGlob, rawDest] of entries.slice(0, MAX_ENTRIES)) {
    if (typeof rawDest !== "string") {
      ignored.push(rawGlob);
      continue;
    }
    if (!expandGlobKey(rawGlob, ctx.workspaceFolderPaths).some((g) => globMatches(g, ctx.documentPath))) continue;
    const r = resolveDestination(rawDest, ctx);
    return r.ok ? { kind: "path", glob: rawGlob, path: r.path, ignored } : { kind: "refused", glob: rawGlob, message: r.message, ignored };
  }
  return { kind: "none", ignored };
}

/** Image file extensions a destination's name may end in; the saved file gets its format's own. */
const IMAGE_EXTENSION = /\.(png|jpe?g|webp|gif|avif|bmp)$/i;

/** A destination's file name without an image extension: what the saved file is named after. */
export function destinationStem(path: string): string {
  return baseName(path).replace(IMAGE_EXTENSION, "");
}
