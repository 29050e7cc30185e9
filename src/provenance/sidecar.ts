/**
 * The `.xmp` sidecar: where an image's provenance goes when the image's bytes must stay untouched
 * (it carries content credentials). Its path is built here and nowhere else: `<image name>.xmp`
 * beside the image (`photo.jpg` → `photo.jpg.xmp`).
 *
 * Pure module: works on anything with a path (a vscode.Uri, say) without importing vscode.
 */

import { MAX_XMP_BYTES } from "./limits";

/** What a sidecar's name adds to its image's name. */
export const SIDECAR_SUFFIX = ".xmp";

/** Largest sidecar read: a packet at the cap, with its wrapper and some whitespace. */
export const MAX_SIDECAR_BYTES = MAX_XMP_BYTES + 4096;

interface WithPath<U> {
  readonly path: string;
  with(change: { path: string }): U;
}

/** The sidecar of an image (a Uri, or anything with `path` and `with`). */
export function sidecarOf<U extends WithPath<U>>(image: U): U {
  return image.with({ path: image.path + SIDECAR_SUFFIX });
}

/** The sidecar's file name for an image's file name. */
export function sidecarName(imageName: string): string {
  return imageName + SIDECAR_SUFFIX;
}

/** Whether `path` names the sidecar of an image we read (`.png.xmp`, `.jpg.xmp`, …). */
export function isSidecarPath(path: string): boolean {
  return /\.(png|jpe?g|webp)\.xmp$/i.test(path);
}

/** The image a sidecar belongs to. */
export function imageOfSidecar<U extends WithPath<U>>(sidecar: U): U {
  return sidecar.with({ path: sidecar.path.slice(0, -SIDECAR_SUFFIX.length) });
}

/** A standalone .xmp sidecar document holding `packet`'s XMP (x:xmpmeta in an xpacket wrapper). */
export function sidecarDocument(packet: string): string {
  const body = packet
    .replace(/^\uFEFF/, "")
    .replace(/<\?xpacket[^?]*\?>/g, "")
    .trim();
  return `<?xpacket begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"?>\n${body}\n<?xpacket end="w"?>\n`;
}
