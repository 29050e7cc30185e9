/**
 * markdown/tracking.ts: the chosen place follows the edits, checked against the text itself: after
 * any edits, the tracked range still holds what remains of the chosen text.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { applyChanges, place, type TextChange, type TrackedPlace } from "../../../src/markdown/tracking";

function edit(text: string, c: TextChange): string {
  return text.slice(0, c.rangeOffset) + c.text + text.slice(c.rangeOffset + c.rangeLength);
}

/** Text "0123456789", a place, changes: the text after and the place after. */
function run(start: number, end: number, changes: TextChange[], text = "0123456789"): { text: string; at: TrackedPlace } {
  let t = text;
  for (const c of changes) t = edit(t, c);
  return { text: t, at: applyChanges(place(start, end), changes) };
}

const ins = (at: number, text: string): TextChange => ({ rangeOffset: at, rangeLength: 0, text });
const del = (at: number, length: number, text = ""): TextChange => ({ rangeOffset: at, rangeLength: length, text });

describe("markdown/tracking: the chosen place through the person's edits", () => {
  it("moves with text typed before it and stays with text typed after it", () => {
    const r = run(3, 6, [ins(0, "ab"), ins(9, "zz")]);
    assert.equal(r.text.slice(r.at.start, r.at.end), "345");
    assert.equal(r.at.touched, false);
  });

  it("a selection does not take in text typed at its edges", () => {
    const r = run(3, 6, [ins(3, "<"), ins(7, ">")]);
    assert.equal(r.text, "012<345>6789");
    assert.equal(r.text.slice(r.at.start, r.at.end), "345");
  });

  it("a cursor stays before text typed at it (where the person asked)", () => {
    const r = run(4, 4, [ins(4, "typed")]);
    assert.equal(r.at.start, 4);
    assert.equal(r.text.slice(r.at.start), "typed456789");
  });

  it("a selection edited inside keeps what remains, and says it was touched", () => {
    const r = run(2, 8, [del(4, 2, "XY Z")]);
    assert.equal(r.text.slice(r.at.start, r.at.end), "23XY Z67");
    assert.equal(r.at.touched, true);
    assert.equal(r.at.deleted, false);
  });

  it("a selection partly deleted keeps the surviving part", () => {
    const left = run(3, 7, [del(1, 4)]);
    assert.equal(left.text.slice(left.at.start, left.at.end), "56");
    const right = run(3, 7, [del(5, 4, "new")]);
    assert.equal(right.text.slice(right.at.start, right.at.end), "34");
  });

  it("a selection deleted whole goes where it was, after any replacement, and says so", () => {
    const gone = run(3, 6, [del(2, 6)]);
    assert.deepEqual(gone.at, { start: 2, end: 2, touched: true, deleted: true });
    const replaced = run(3, 6, [del(3, 3, "new")]);
    assert.equal(replaced.at.start, 6);
    assert.equal(replaced.text.slice(0, replaced.at.start), "012new");
    assert.equal(replaced.at.deleted, true);
  });

  it("a cursor inside a deleted range goes to its start", () => {
    const r = run(5, 5, [del(3, 4, "abc")]);
    assert.deepEqual(r.at, { start: 3, end: 3, touched: true, deleted: true });
  });

  it("several changes of one event apply in order (VS Code lists them last first)", () => {
    // Two cursors typing "x" at 2 and 8: VS Code sends the change at 8 first.
    const r = run(4, 6, [ins(8, "x"), ins(2, "x")]);
    assert.equal(r.text.slice(r.at.start, r.at.end), "45");
  });

  it("always holds exactly the surviving chosen characters, whatever the edits", () => {
    // Each character is unique, so what survives of the chosen ones is known from the text alone.
    const change = fc.record({ a: fc.nat(40), l: fc.nat(8), text: fc.stringMatching(/^[a-z]{0,4}$/) });
    fc.assert(
      fc.property(fc.nat(30), fc.nat(30), fc.array(change, { maxLength: 12 }), (s0, e0, raw) => {
        const original = Array.from({ length: 30 }, (_, i) => String.fromCharCode(0x4e00 + i)).join("");
        const [s, e] = s0 <= e0 ? [s0, e0] : [e0, s0];
        let text = original;
        let at = place(s, e);
        for (const r of raw) {
          const a = Math.min(r.a, text.length);
          const c = { rangeOffset: a, rangeLength: Math.min(r.l, text.length - a), text: r.text };
          text = edit(text, c);
          at = applyChanges(at, [c]);
          assert.ok(0 <= at.start && at.start <= at.end && at.end <= text.length, "inside the text");
        }
        const surviving = [...original.slice(s, e)].filter((ch) => text.includes(ch)).join("");
        const inRange = [...text.slice(at.start, at.end)].filter((ch) => ch >= "\u4e00").join("");
        assert.equal(inRange, surviving, "the range holds the surviving chosen characters, no others of the original");
        if (at.deleted) assert.equal(surviving, "", "said deleted only when none of the chosen text survived");
        if (s < e && surviving === "" && raw.length) assert.ok(at.touched || at.start === at.end, "a selection whose text is gone says it was touched");
      }),
      { numRuns: 3000 },
    );
  });
});
