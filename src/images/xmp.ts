/**
 * Provenance metadata (XMP) for the images the extension saves: what made each image, inside the
 * file, readable by any XMP tool. Pure module (no Node APIs, no vscode).
 *
 * - `buildXmpPacket` / `parseXmpPacket`: the packet and its exact reading (see xmpPacket.ts for the
 *   layout and how control characters round-trip).
 * - `embedXmp` / `readXmp`: PNG iTXt, JPEG APP1 (+ Extended XMP over 65502 bytes), WebP XMP chunk
 *   (see embed.ts).
 * - `hasContentCredentials` / `sidecarDocument`: files with C2PA content credentials are left
 *   untouched; the caller writes `sidecarDocument(packet)` to a `.xmp` file next to them.
 */

import { readXmp } from "./embed";
import { parseXmpPacket, type Provenance } from "./xmpPacket";

export { crc32, embedXmp, hasContentCredentials, md5Hex, readXmp, type EmbedResult } from "./embed";
export {
  buildXmpPacket,
  DIGITAL_SOURCE_TYPE,
  GROK_PREFIX,
  NS,
  OMITTED_INPUT_KEYS,
  parseXml,
  parseXmpPacket,
  sidecarDocument,
  type Provenance,
} from "./xmpPacket";

/** The provenance recorded in a PNG, JPEG or WebP file, or `undefined`; never throws. */
export function readProvenance(bytes: Uint8Array): Provenance | undefined {
  const packet = readXmp(bytes);
  if (packet === undefined) return undefined;
  try {
    return parseXmpPacket(packet);
  } catch {
    return undefined;
  }
}
