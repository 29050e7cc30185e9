/**
 * The caps that bound what reading provenance may cost. Every file the gallery indexes is untrusted
 * (a cloned repository can hold anything, and the gallery reads it in Restricted Mode too), so each
 * reader checks a claimed length against the bytes present and stops at these caps: past one it
 * answers "no provenance", never throws, never allocates what a file merely claims.
 *
 * With them, reading one file costs time linear in the bytes read and at most a few MB of memory.
 */

/**
 * Largest XMP packet read or written (UTF-8 bytes; also the largest JPEG Extended XMP packet and
 * the largest sidecar). Our own packet holds the prompt three times (dc:description, the Input JSON,
 * and Exact when it has control characters) plus the revised prompt: 1 MiB fits prompts of about
 * 200,000 characters of any script, far beyond what anyone types. Larger packets are not ours.
 */
export const MAX_XMP_BYTES = 1024 * 1024;

/**
 * Elements in one XMP document. Ours has about 30, plus 4 per edit source; exiftool's rewrite adds a
 * few; Adobe's longest edit histories run to a few thousand. Bounds the tree's memory (~3 MB).
 */
export const MAX_XML_ELEMENTS = 10_000;

/**
 * Attributes on one element. exiftool's attribute form puts every simple property on the
 * rdf:Description: a few dozen.
 */
export const MAX_XML_ATTRIBUTES = 256;

/** Element nesting. Ours nests 7 deep; XMP structs in the wild stay under 20. Bounds the RDF reader's recursion. */
export const MAX_XML_DEPTH = 64;

/**
 * Namespace declarations in one document. A packet declares one per schema it uses: ours 5 to 7,
 * Adobe's 20 to 40.
 */
export const MAX_XML_NAMESPACES = 256;

/**
 * PNG chunks looked at before the image data (IDAT). Writers put a handful there (IHDR, pHYs, iCCP,
 * tEXt/iTXt, eXIf); the cap stops a file made of millions of empty chunks.
 */
export const MAX_PNG_CHUNKS = 1024;

/**
 * JPEG markers looked at before the scan (SOS), fill bytes included. Real files have a few dozen
 * segments (APPn, DQT, DHT, SOF); Extended XMP at our 1 MiB cap needs 17 and an ICC profile at most
 * 255.
 */
export const MAX_JPEG_MARKERS = 1024;

/**
 * RIFF chunks in a WebP file. A still image has at most six (VP8X, ICCP, ALPH, VP8, EXIF, XMP); the
 * cap still leaves room for short animations, whose frames come before the XMP chunk.
 */
export const MAX_WEBP_CHUNKS = 1024;

/**
 * Bytes requested from one file while looking for its XMP: its packets (main and extended) and the
 * headers walked on the way. A few times the packet cap; a file asking for more is not read further.
 */
export const MAX_METADATA_BYTES = 4 * MAX_XMP_BYTES;
