/**
 * Reading a file's metadata without reading the file. A format's reader is written once, as a
 * generator that asks for byte ranges (`yield { offset, length }` gives back those bytes, fewer at
 * the end of the file), and runs either over bytes in memory (`runOnBytes`) or over a file read in
 * ranges (`runOnSource`: the gallery reads only the chunks and segments before the pixel data).
 *
 * Both drivers stop a reader that asks for more than MAX_METADATA_BYTES in all, and answer
 * `undefined` for a reader that throws (a reader's bug must not become the caller's exception);
 * only the source's own I/O errors reach the caller.
 *
 * Pure module.
 */

import { MAX_METADATA_BYTES } from "./limits";

export interface ReadRequest {
  readonly offset: number;
  readonly length: number;
}

/** A reader: yields the ranges it needs, receives their bytes, returns what it found. */
export type ByteReader<T> = Generator<ReadRequest, T, Uint8Array>;

/** A file that can be read in ranges. */
export interface ByteSource {
  /** The file's size in bytes. */
  readonly size: number;
  /** Up to `length` bytes at `offset` (fewer only at the end of the file). */
  read(offset: number, length: number): Promise<Uint8Array>;
}

const EMPTY = new Uint8Array(0);

/**
 * Small requests (chunk and segment headers) are answered from one read of this many bytes, so that
 * walking a file's headers costs a few reads rather than one per header.
 */
const READ_AHEAD = 4096;

/** The reader's next step; a reader that throws or asks for a nonsensical range is done, with nothing found. */
function next<T>(gen: ByteReader<T>, answer: Uint8Array): IteratorResult<ReadRequest, T | undefined> {
  let step: IteratorResult<ReadRequest, T>;
  try {
    step = gen.next(answer);
  } catch {
    return { done: true, value: undefined };
  }
  if (step.done) return step;
  const { offset, length } = step.value;
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
    gen.return(undefined as T);
    return { done: true, value: undefined };
  }
  return step;
}

/**
 * Runs `reader` over `bytes` (no copies: each answer is a view). `undefined` when it asks for more
 * than `budget` bytes in all.
 */
export function runOnBytes<T>(reader: (size: number) => ByteReader<T>, bytes: Uint8Array, budget = MAX_METADATA_BYTES): T | undefined {
  const gen = reader(bytes.length);
  let left = budget;
  let step = next(gen, EMPTY);
  while (!step.done) {
    const { offset, length } = step.value;
    left -= length;
    if (left < 0) {
      gen.return(undefined as T);
      return undefined;
    }
    step = next(gen, bytes.subarray(offset, offset + length));
  }
  return step.value;
}

/**
 * Runs `reader` over a file read in ranges. `undefined` when the bytes read in all (read-ahead
 * included) would pass MAX_METADATA_BYTES.
 */
export async function runOnSource<T>(reader: (size: number) => ByteReader<T>, source: ByteSource): Promise<T | undefined> {
  const size = source.size;
  const gen = reader(size);
  let left = MAX_METADATA_BYTES;
  let window: Uint8Array = EMPTY;
  let windowAt = 0;
  let step = next(gen, EMPTY);
  while (!step.done) {
    const { offset, length } = step.value;
    const end = Math.min(offset + length, size);
    let answer: Uint8Array;
    if (end <= offset) {
      answer = EMPTY;
    } else if (offset >= windowAt && end <= windowAt + window.length) {
      answer = window.subarray(offset - windowAt, end - windowAt);
    } else {
      const n = Math.min(Math.max(length, READ_AHEAD), size - offset);
      left -= n;
      if (left < 0) {
        gen.return(undefined as T);
        return undefined;
      }
      window = await source.read(offset, n);
      windowAt = offset;
      answer = window.subarray(0, Math.min(length, window.length));
    }
    step = next(gen, answer);
  }
  return step.value;
}

/** A ByteSource over bytes already in memory. */
export function bytesSource(bytes: Uint8Array): ByteSource {
  return { size: bytes.length, read: (offset, length) => Promise.resolve(bytes.subarray(offset, offset + length)) };
}
