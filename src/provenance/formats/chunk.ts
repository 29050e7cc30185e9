/** What the format walkers share. Pure module. */

/** A container element of a file (a PNG or RIFF chunk, a JPEG segment). */
export interface Chunk {
  readonly type: string;
  /** The whole chunk, header to CRC/padding. */
  readonly start: number;
  readonly end: number;
  readonly dataStart: number;
  readonly dataEnd: number;
}

/**
 * How a walk over a file's chunks ended: at its end (IEND, EOI, the RIFF's end), at the image data
 * when asked to stop there, when the visitor stopped it, at a structural problem, or at a cap.
 */
export type WalkEnd = "end" | "data" | "stopped" | "broken" | "cap";
