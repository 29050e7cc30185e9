/**
 * The rules for every path a caller gives (a command's argument, a webview message, a path recorded
 * in provenance, a setting): where it points, and why it is refused. Pure module (no `vscode`, no
 * Node APIs), so the rules are tested as a table of hostile inputs; src/workspace/resolve.ts applies
 * them to the open workspace folders and adds the one check that needs the disk (symbolic links).
 *
 * A path is accepted when, after reading it as VS Code would (a URI string is percent-decoded once),
 * - it has no `.` or `..` segment, in any spelling that a file system or a second decoding could take
 *   for one: `..`, `%2e%2e`, `%252e%252e`, `.. ` or `...` (Windows drops trailing dots and spaces),
 *   with `/` and `\` both counted as separators (Windows reads `\` in a file URI's path as one);
 *   only a relative path may start with one `./`, the usual way to write "from here";
 * - no segment holds a control character or an encoded separator (`%2f`, `%5c`);
 * - it has no query or fragment (a file has neither);
 * - it is not a Windows device or verbatim path (`\\?\`, `\\.\`) nor drive-relative (`C:name`);
 * - it lies inside one of the workspace folders, compared segment by segment (not as a string
 *   prefix: `/ws-other` is not inside `/ws`, and `/ws/../x` was refused above), with the same scheme
 *   and authority, ignoring case where the file system does.
 *
 * The result is the workspace folder (its index) and the segments below it, from which the caller
 * builds the URI: no path the caller wrote is used as it was written.
 */
import * as l10n from "../l10n";

/** A URI's parts as VS Code's `Uri` holds them: the path percent-decoded, `/`-separated. */
export interface UriParts {
  readonly scheme: string;
  readonly authority: string;
  readonly path: string;
  readonly query?: string;
  readonly fragment?: string;
}

/** A workspace folder, as the rules need it. */
export interface RootParts extends UriParts {
  readonly name: string;
  /** Whether its file system ignores case (VS Code: `file:` on Windows and macOS). */
  readonly ignoreCase?: boolean;
}

export type Refusal =
  | "empty"
  | "not-a-path"
  | "too-long"
  | "bad-character"
  | "dot-segment"
  | "encoded-separator"
  | "query-or-fragment"
  | "device-path"
  | "drive-relative"
  | "no-workspace"
  | "outside";

export type PathResult =
  | { readonly ok: true; readonly root: number; readonly segments: readonly string[] }
  | { readonly ok: false; readonly reason: Refusal };

export interface ResolveOptions {
  /**
   * What a relative path is relative to: a workspace folder's index; by default the first folder, or
   * (with several) the folder whose name is the path's first segment.
   */
  readonly relativeTo?: number;
}

/**
 * The longest path text considered. Linux's PATH_MAX is 4096 bytes and Windows' long paths reach
 * 32,767 characters; no real image path comes near 8 KB, and the bound keeps a hostile argument's
 * cost small.
 */
export const MAX_PATH_TEXT = 8192;

/** A URI scheme has two letters or more, so `C:\x` is a Windows path, not scheme `c`. */
const SCHEME = /^[a-z][a-z0-9+.-]+:/i;
const CONTROL = /[\u0000-\u001f\u007f]/;
const DRIVE = /^[a-z]:$/i;

/** VS Code's URI grammar (RFC 3986, appendix B), as `Uri.parse` uses it. */
const URI_PARTS = /^(([^:/?#]+?):)?(\/\/([^/?#]*))?([^?#]*)(\?([^#]*))?(#(.*))?/;

/** Decodes `%XX` runs as VS Code does; a run that is not valid UTF-8 stays as it is. */
export function percentDecode(text: string): string {
  return text.replace(/(%[0-9A-Fa-f]{2})+/g, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      return run;
    }
  });
}

/** A URI string's parts, decoded as `vscode.Uri.parse` decodes them. */
export function parseUriString(text: string): UriParts | undefined {
  const m = URI_PARTS.exec(text);
  if (!m || !m[2]) return undefined;
  const scheme = m[2];
  let path = percentDecode(m[5] ?? "");
  // Uri.parse: a file/http(s) URI's path is absolute.
  if (/^(file|https?)$/i.test(scheme) && path[0] !== "/") path = `/${path}`;
  return { scheme, authority: percentDecode(m[4] ?? ""), path, query: percentDecode(m[7] ?? ""), fragment: percentDecode(m[9] ?? "") };
}

/**
 * Whether a segment is, or could be taken for, `.` or `..`: once or twice more percent-decoded, with
 * the trailing dots and spaces Windows ignores, or made of dots only (`...`).
 */
function segmentProblem(segment: string): Refusal | undefined {
  let text = segment;
  for (let i = 0; i < 3; i++) {
    if (CONTROL.test(text)) return "bad-character";
    if (/^[. ]+$/.test(text) && text.includes(".")) return "dot-segment";
    if (i > 0 && /[\\/]/.test(text)) return "encoded-separator";
    const next = percentDecode(text);
    if (next === text) break;
    text = next;
  }
  return undefined;
}

/** Splits a decoded path on `/` and `\`, dropping empty segments, and checks each one. */
function splitChecked(path: string): string[] | Refusal {
  const segments = path.split(/[\\/]+/).filter((s) => s !== "");
  for (const s of segments) {
    const problem = segmentProblem(s);
    if (problem) return problem;
  }
  return segments;
}

function same(a: string, b: string, ignoreCase: boolean): boolean {
  return ignoreCase ? a.toLowerCase() === b.toLowerCase() : a === b;
}

/** The segments of `segments` below root `r`'s path, or undefined when they are not inside it. */
function below(root: RootParts, segments: readonly string[]): string[] | undefined {
  const rootSegments = root.path.split("/").filter((s) => s !== "");
  if (segments.length < rootSegments.length) return undefined;
  for (let i = 0; i < rootSegments.length; i++) {
    const a = rootSegments[i];
    const b = segments[i];
    const drive = i === 0 && root.scheme.toLowerCase() === "file" && DRIVE.test(a);
    if (!same(a, b, drive || root.ignoreCase === true)) return undefined;
  }
  return segments.slice(rootSegments.length);
}

function inRoots(roots: readonly RootParts[], candidate: (root: RootParts) => boolean, segments: readonly string[]): PathResult {
  for (const [i, root] of roots.entries()) {
    if (!candidate(root)) continue;
    const rest = below(root, segments);
    if (rest) return { ok: true, root: i, segments: rest };
  }
  return { ok: false, reason: "outside" };
}

/** Checks a URI (its decoded parts) against the workspace folders. */
export function resolveUriParts(uri: UriParts, roots: readonly RootParts[]): PathResult {
  if (!roots.length) return { ok: false, reason: "no-workspace" };
  if (uri.query || uri.fragment) return { ok: false, reason: "query-or-fragment" };
  if (uri.path.length > MAX_PATH_TEXT) return { ok: false, reason: "too-long" };
  const segments = splitChecked(uri.path);
  if (typeof segments === "string") return { ok: false, reason: segments };
  if (/^[\\/]{2}[?.][\\/]/.test(uri.path)) return { ok: false, reason: "device-path" };
  const scheme = uri.scheme.toLowerCase();
  const authority = uri.authority.toLowerCase();
  return inRoots(roots, (r) => r.scheme.toLowerCase() === scheme && r.authority.toLowerCase() === authority, segments);
}

/**
 * Where a path or URI given as text points inside the workspace folders, or why it is refused. The
 * text is a URI (`file:///…`, `vscode-remote://…`), an absolute path (`/home/…`, `C:\…`, `C:/…`,
 * `\\server\share\…`), or a path relative to a workspace folder (`images/photo.png`, `images\photo.png`).
 */
export function resolvePathText(input: string, roots: readonly RootParts[], options: ResolveOptions = {}): PathResult {
  const text = input.trim();
  if (text === "") return { ok: false, reason: "empty" };
  if (text.length > MAX_PATH_TEXT) return { ok: false, reason: "too-long" };
  if (CONTROL.test(text)) return { ok: false, reason: "bad-character" };
  if (!roots.length) return { ok: false, reason: "no-workspace" };
  if (/^[\\/]{2}[?.]([\\/]|$)/.test(text)) return { ok: false, reason: "device-path" };
  if (SCHEME.test(text)) {
    const uri = parseUriString(text);
    return uri ? resolveUriParts(uri, roots) : { ok: false, reason: "not-a-path" };
  }
  if (/^[a-z]:(?![\\/])/i.test(text)) return { ok: false, reason: "drive-relative" };
  const unc = /^[\\/]{2}([^\\/]+)(.*)$/.exec(text);
  if (unc) {
    const segments = splitChecked(unc[2] ?? "");
    if (typeof segments === "string") return { ok: false, reason: segments };
    const server = (unc[1] ?? "").toLowerCase();
    return inRoots(roots, (r) => r.scheme.toLowerCase() === "file" && r.authority.toLowerCase() === server, segments);
  }
  if (/^([a-z]:)?[\\/]/i.test(text)) {
    // An absolute path: on whatever machine holds the workspace, so any scheme (a remote folder too).
    const segments = splitChecked(text);
    if (typeof segments === "string") return { ok: false, reason: segments };
    // (A file share's folder is named by its server too: a UNC path, above.)
    return inRoots(roots, (r) => r.scheme.toLowerCase() !== "file" || r.authority === "", segments);
  }
  // Relative: one leading "./" is the usual spelling of "from here"; any other "." or ".." is refused.
  const segments = splitChecked(text.replace(/^\.[\\/]+/, ""));
  if (typeof segments === "string") return { ok: false, reason: segments };
  if (!segments.length) return { ok: false, reason: "empty" };
  let root = options.relativeTo ?? 0;
  let rest: readonly string[] = segments;
  if (options.relativeTo === undefined && roots.length > 1) {
    const named = roots.findIndex((r) => r.name === segments[0]);
    if (named >= 0) {
      root = named;
      rest = segments.slice(1);
    }
  }
  if (!roots[root]) return { ok: false, reason: "no-workspace" };
  return { ok: true, root, segments: rest };
}

/**
 * A workspace-relative folder from settings (`grokImagine.outputFolder`): relative only, inside its
 * own workspace folder, with names every file system accepts.
 */
export function resolveSettingFolder(setting: string, roots: readonly RootParts[], root: number): PathResult {
  const text = setting.trim();
  if (SCHEME.test(text) || /^([a-z]:|[\\/])/i.test(text)) return { ok: false, reason: "outside" };
  if (/[<>:"|?*]/.test(text)) return { ok: false, reason: "bad-character" };
  if (text === "" || text === "." || text === "./") return roots[root] ? { ok: true, root, segments: [] } : { ok: false, reason: "no-workspace" };
  return resolvePathText(text, roots, { relativeTo: root });
}

/** What each refusal says about `subject` (the path it names, e.g. `The image "x.png"`): what is wrong and what to do. */
export function refusalText(reason: Refusal, subject: string): string {
  switch (reason) {
    case "empty":
      return l10n.t("{0} is empty: give a path inside the workspace, such as images/photo.png.", subject);
    case "not-a-path":
      return l10n.t("{0} is not a path or URI: give a path inside the workspace, such as images/photo.png.", subject);
    case "too-long":
      return l10n.t("{0} is longer than {1} characters: give a path inside the workspace.", subject, MAX_PATH_TEXT);
    case "bad-character":
      return l10n.t("{0} has a control character or a character file names cannot hold: give the path as it is on disk.", subject);
    case "dot-segment":
      return l10n.t('{0} has a "." or ".." segment, which could lead out of the workspace: give the path without them, such as images/photo.png.', subject);
    case "encoded-separator":
      return l10n.t('{0} has an encoded "/" or "\\" in a name: give the path with plain separators.', subject);
    case "query-or-fragment":
      return l10n.t("{0} has a query or fragment (?… or #…), which a file does not have: give the file's plain URI or path.", subject);
    case "device-path":
      return l10n.t("{0} is a Windows device or verbatim path (\\\\?\\ or \\\\.\\): give an ordinary path inside the workspace.", subject);
    case "drive-relative":
      return l10n.t("{0} is relative to a drive's current folder (C:name): give a path relative to the workspace folder, or a full path such as C:\\….", subject);
    case "no-workspace":
      return l10n.t("{0} cannot be used: no folder is open. Open a folder first.", subject);
    case "outside":
      return l10n.t("{0} is outside the workspace: only files and folders inside the open workspace folders can be used. Move it into the workspace, or open its folder.", subject);
  }
}

/** The message for `subject`, a path that passes through a symbolic link leading out of the workspace. */
export function linkRefusalText(subject: string, link: string, target: string | undefined, writing: boolean): string {
  if (writing) {
    return target === undefined
      ? l10n.t("{0} passes through {1}, a symbolic link whose target cannot be followed; Grok Imagine does not write through it. Replace the link with a real folder, or set grokImagine.outputFolder (or pass a folder) inside the workspace.", subject, link)
      : l10n.t("{0} passes through {1}, a symbolic link to {2}, outside the workspace; Grok Imagine does not write through it. Replace the link with a real folder, or set grokImagine.outputFolder (or pass a folder) inside the workspace.", subject, link, target);
  }
  return target === undefined
    ? l10n.t("{0} passes through {1}, a symbolic link whose target cannot be followed; Grok Imagine does not read through it. Copy the file into the workspace instead of linking to it.", subject, link)
    : l10n.t("{0} passes through {1}, a symbolic link to {2}, outside the workspace; Grok Imagine does not read through it. Copy the file into the workspace instead of linking to it.", subject, link, target);
}

/**
 * Whether the platform path `p` is `root` or below it (both absolute, already resolved by realpath).
 * `sep` is the platform's separator; Windows paths compare without case.
 */
export function isPathInside(root: string, p: string, sep: "/" | "\\"): boolean {
  const norm = (x: string) => (sep === "\\" ? x.toLowerCase() : x);
  const r = norm(root.endsWith(sep) ? root.slice(0, -1) : root);
  const q = norm(p);
  return q === r || q.startsWith(r + sep) || (r === "" && q.startsWith(sep));
}
