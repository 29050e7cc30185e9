/**
 * Reading the provenance an image records: from its bytes in memory, from a file read in ranges
 * (only the metadata before the image data), or from a sidecar's text. Never throws for what a file
 * holds; a file past any cap (limits.ts) has no provenance.
 *
 * Pure module.
 */

import { type ImageFormat, sniffImageFormat } from "../images/sniff";
import { readXmpPackets, type XmpPackets } from "./embed";
import type { Provenance } from "./provenance";
import { provenanceFromRdf } from "./rdf";
import { type ByteReader, type ByteSource, runOnBytes, runOnSource } from "./source";
import { parseXml, type XmlDocument } from "./xml";

/** The provenance in XMP packets (a JPEG's main and extended packets are read together). */
export function provenanceFromPackets(packets: XmpPackets): Provenance | undefined {
  try {
    const docs: XmlDocument[] = [];
    for (const text of [packets.main, packets.extended]) {
      if (text === undefined) continue;
      const doc = parseXml(text);
      if (doc) docs.push(doc);
      else if (text === packets.main) return undefined;
    }
    return provenanceFromRdf(docs);
  } catch {
    return undefined;
  }
}

/**
 * The provenance recorded in an XMP document (a packet, or any XMP document: a sidecar, one
 * rewritten by exiftool in attribute or element form, any prefixes, several rdf:Description nodes).
 * `undefined` when the text is not XML, goes past a cap, or carries no provenance of ours.
 */
export function parseXmpPacket(xml: string): Provenance | undefined {
  return provenanceFromPackets({ main: xml });
}

/** The provenance recorded in a PNG, JPEG or WebP file in memory, or `undefined`; never throws. */
export function readProvenance(bytes: Uint8Array): Provenance | undefined {
  const packets = runOnBytes(readXmpPackets, bytes);
  return packets ? provenanceFromPackets(packets) : undefined;
}

export interface ImageMetadata {
  /** By the file's first bytes; `undefined` for anything but PNG, JPEG and WebP. */
  readonly format: ImageFormat | undefined;
  readonly provenance: Provenance | undefined;
}

function* inspect(size: number): ByteReader<{ format: ImageFormat | undefined; packets: XmpPackets | undefined }> {
  const head = yield { offset: 0, length: 12 };
  const format = sniffImageFormat(head);
  return { format, packets: format ? yield* readXmpPackets(size) : undefined };
}

/**
 * The format and provenance of a file read in ranges: only its first bytes and the metadata before
 * the image data are read. Rejects only with the source's own I/O errors.
 */
export async function readImageMetadata(source: ByteSource): Promise<ImageMetadata> {
  const found = await runOnSource(inspect, source);
  return { format: found?.format, provenance: found?.packets ? provenanceFromPackets(found.packets) : undefined };
}
