/**
 * Which thumbnails a gallery open may read before its index is loaded (pure: no vscode): the names
 * the last first paint carried, as remembered in workspace storage. Storage is untrusted, so only
 * names the thumbnail cache could have made (ThumbnailCache.nameOf: 40 hex digits and `.webp`, so
 * no path) are kept, each once, and no more than a first paint carries.
 */

/** A name ThumbnailCache.nameOf gives. */
const THUMB_NAME = /^[0-9a-f]{40}\.webp$/;
/** At most as many thumbnails as a first paint carries (see panel.ts inlineThumbnails). */
export const MAX_EARLY_THUMBNAILS = 48;

export function earlyThumbnailNames(remembered: unknown): string[] {
  if (!Array.isArray(remembered)) return [];
  const names = new Set<string>();
  for (const n of remembered) {
    if (names.size >= MAX_EARLY_THUMBNAILS) break;
    if (typeof n === "string" && THUMB_NAME.test(n)) names.add(n);
  }
  return [...names];
}
