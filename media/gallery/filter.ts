/**
 * Search and filters of the gallery (webview side, pure: no DOM, unit-tested in Node).
 * A query is split into words; an image matches when every word occurs in its prompt, revised
 * prompt, file name or path, and its kind, format and recorded parameters match the filters, ignoring case, accents' composed forms and zero-width characters.
 */
import type { FormatFilter, GalleryEntry, KindFilter } from "../../src/protocol";

const INVISIBLE = /[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\u00ad]/g;

/** Folds text for matching: NFKC, lower case, invisible and direction-control characters removed. */
export function fold(text: string): string {
  return text.normalize("NFKC").replace(INVISIBLE, "").toLowerCase();
}

export function queryTerms(query: string): string[] {
  return fold(query)
    .split(/\s+/)
    .filter((t) => t.length > 0);
}

/** The text an entry is searched in (computed once per entry). */
export function haystack(e: Pick<GalleryEntry, "prompt" | "revisedPrompt" | "name" | "path">): string {
  return fold(`${e.prompt}\n${e.revisedPrompt}\n${e.name}\n${e.path}`);
}

export interface Filter {
  readonly terms: readonly string[];
  readonly kind: KindFilter;
  readonly format: FormatFilter;
  /** Recorded parameters that must have these values (as text), by field; absent = any. */
  readonly params: Readonly<Record<string, string>>;
}

export function makeFilter(query: string, kind: KindFilter, format: FormatFilter, params: Readonly<Record<string, string>>): Filter {
  return { terms: queryTerms(query), kind, format, params };
}

export function matches(e: Pick<GalleryEntry, "kind" | "format" | "params">, hay: string, f: Filter): boolean {
  if (f.kind !== "all" && e.kind !== f.kind) return false;
  if (f.format !== "all" && e.format !== f.format) return false;
  for (const [k, v] of Object.entries(f.params)) {
    const p = e.params[k];
    if (p === undefined || String(p) !== v) return false;
  }
  for (const t of f.terms) if (!hay.includes(t)) return false;
  return true;
}

/** Newest first; ties by path so the order is stable. */
export function compareEntries(a: GalleryEntry, b: GalleryEntry): number {
  return b.created - a.created || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
}
