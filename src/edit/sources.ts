/**
 * What an edit may send, decided before anything is sent: how many images, and whether each file is
 * a PNG, JPEG or WebP image (by its bytes, whatever its name says) of a size the model takes. The
 * sentences here are shown to the person as they are, so each says what is wrong and what to do.
 *
 * Pure module: no `vscode`, no fal client.
 */
import { MAX_EDIT_IMAGES } from "../api";
import * as l10n from "../l10n";
import { checkImageComplete, sniffImageFormat, type ImageFormat } from "../images/sniff";

/**
 * The largest source image sent: 20 MiB, the limit xAI states for image input ("Maximum image size:
 * 20MiB"). A bigger file would be refused by the model after the upload (and the wait), so it is
 * refused here, before anything is sent.
 */
export const MAX_SOURCE_BYTES = 20 * 1024 * 1024;

/** A small count as a word in the display language ("three"), else its digits. */
function countWord(n: number): string {
  const words = [l10n.t("no"), l10n.t("one"), l10n.t("two"), l10n.t("three"), l10n.t("four"), l10n.t("five")];
  return words[n] ?? String(n);
}

/** `a`, `a and b`, `a, b and c`. */
export function listNames(names: readonly string[]): string {
  if (names.length <= 1) return names[0] ?? "";
  return l10n.t("{0} and {1}", names.slice(0, -1).join(", "), names[names.length - 1]);
}

/** `812 bytes`, `14.2 KB`, `20.0 MB` (1 KB = 1024 bytes, as file managers mostly show them). */
export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} byte${bytes === 1 ? "" : "s"}`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

export const MAX_SOURCE_SIZE_TEXT = formatSize(MAX_SOURCE_BYTES).replace(".0 ", " ");

/** The message for a selection of `count` files when more than three are selected; else undefined. */
export function countProblem(count: number): string | undefined {
  if (count === 0) return l10n.t("Select one to {0} images to edit.", countWord(MAX_EDIT_IMAGES));
  if (count > MAX_EDIT_IMAGES) {
    return l10n.t("Select at most {0} images to edit: {1} files are selected.", countWord(MAX_EDIT_IMAGES), count);
  }
  return undefined;
}

/** Problems known from a file's size alone (before reading it). */
export function sizeProblem(name: string, size: number): string | undefined {
  if (size === 0) return l10n.t("{0} is empty: there is no image in it.", name);
  if (size > MAX_SOURCE_BYTES) {
    // Just over the bound, "20.0 MB" would read as within it: then the exact numbers are shown.
    const shown = formatSize(size) === formatSize(MAX_SOURCE_BYTES)
      ? l10n.t("{0} bytes (the limit is {1})", size.toLocaleString("en-US"), MAX_SOURCE_BYTES.toLocaleString("en-US"))
      : formatSize(size);
    return l10n.t("{0} is {1}; images over {2} cannot be edited. Make it smaller first.", name, shown, MAX_SOURCE_SIZE_TEXT);
  }
  return undefined;
}

export type SourceCheck =
  | { readonly ok: true; readonly format: ImageFormat; readonly warning?: string }
  | { readonly ok: false; readonly message: string };

/**
 * Whether `bytes` (the whole file `name`) can be sent as an image to edit. A file that starts like
 * an image but is cut short is still sent (decoders often show such files), with a warning to log.
 */
export function checkSource(name: string, bytes: Uint8Array): SourceCheck {
  const bySize = sizeProblem(name, bytes.length);
  if (bySize) return { ok: false, message: bySize };
  const format = sniffImageFormat(bytes);
  if (!format) return { ok: false, message: l10n.t("{0} is not a PNG, JPEG or WebP image.", name) };
  const whole = checkImageComplete(bytes, format);
  return whole.ok ? { ok: true, format } : { ok: true, format, warning: `${name}: ${whole.reason}` };
}

/** Keeps the first of each key, in order (the Explorer passes the clicked file again in the selection). */
export function uniqueBy<T>(items: readonly T[], key: (item: T) => string): T[] {
  const seen = new Set<string>();
  return items.filter((item) => {
    const k = key(item);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
