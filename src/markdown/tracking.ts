/**
 * The place a person chose in a document (a selection, or the cursor), followed through the edits
 * made while a job runs, as offsets. Each edit is a change event's content change: the replaced
 * range (offset, length) and the text put there; the changes of one event are applied in the order
 * given, as VS Code applies them.
 *
 * How each end moves:
 * - text inserted exactly at the start of a selection is not part of it (the start moves right), nor
 *   text inserted at its end (the end stays); text typed at a cursor goes after the place (the
 *   place stays before it, where the person was when they asked);
 * - an end inside a deleted range goes to the nearest surviving position (the start to after the
 *   replacement text, the end to before it);
 * - when everything chosen is deleted, the place becomes where it was, after any replacement text.
 *
 * Pure module.
 */

export interface TextChange {
  readonly rangeOffset: number;
  readonly rangeLength: number;
  readonly text: string;
}

export interface TrackedPlace {
  readonly start: number;
  readonly end: number;
  /** Some of the chosen text (or the text around the cursor) was deleted or replaced. */
  readonly touched: boolean;
  /** All the chosen text was deleted: the place is where it was. */
  readonly deleted: boolean;
}

export function place(start: number, end: number = start): TrackedPlace {
  return { start: Math.min(start, end), end: Math.max(start, end), touched: false, deleted: false };
}

/** Where position `p` goes; `stickRight`: inserted text at `p` goes before it. */
function mapPosition(p: number, c: TextChange, stickRight: boolean): { at: number; inside: boolean } {
  const a = c.rangeOffset;
  const b = a + c.rangeLength;
  const n = c.text.length;
  if (p < a) return { at: p, inside: false };
  if (p > b) return { at: p + n - c.rangeLength, inside: false };
  if (p === b && c.rangeLength > 0) return { at: a + n, inside: false };
  if (p === a) return { at: stickRight ? a + n : a, inside: false };
  return { at: stickRight ? a + n : a, inside: true }; // a < p < b: its text is gone
}

/** The place after one change. */
export function applyChange(t: TrackedPlace, c: TextChange): TrackedPlace {
  const a = c.rangeOffset;
  const b = a + c.rangeLength;
  if (t.start === t.end) {
    const m = mapPosition(t.start, c, false);
    return { start: m.at, end: m.at, touched: t.touched || m.inside, deleted: t.deleted || m.inside };
  }
  const s = mapPosition(t.start, c, true);
  const e = mapPosition(t.end, c, false);
  const overlaps = a < t.end && b > t.start && c.rangeLength > 0;
  const touched = t.touched || overlaps || (a > t.start && a < t.end);
  if (s.at >= e.at && overlaps && a <= t.start && b >= t.end) {
    // Everything chosen is gone: the place is where it was, after what replaced it.
    return { start: a + c.text.length, end: a + c.text.length, touched: true, deleted: true };
  }
  return { start: s.at, end: Math.max(s.at, e.at), touched, deleted: t.deleted };
}

export function applyChanges(t: TrackedPlace, changes: readonly TextChange[]): TrackedPlace {
  let out = t;
  for (const c of changes) out = applyChange(out, c);
  return out;
}
