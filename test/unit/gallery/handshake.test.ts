/**
 * gallery/handshake.ts: which `init` the page gets, in the orders VS Code can deliver messages in.
 * The page is modelled as the numbers of the inits that reach it; `page.has` is what it shows.
 */
import * as assert from "node:assert/strict";
import { InitHandshake, takesInit } from "../../../src/gallery/handshake";

/** A page: takes an init only when it is newer than the one it has (as media/gallery/main.ts does). */
function page(): { has: number; deliver(seq: number): void } {
  return {
    has: 0,
    deliver(seq) {
      if (takesInit(seq, this.has)) this.has = seq;
    },
  };
}

describe("gallery/handshake: the init handshake", () => {
  it("the usual open: one unasked init, and the page's ready asks for nothing more", () => {
    const h = new InitHandshake();
    assert.equal(h.ready, false);
    const p = page();
    const seq = h.sending(false);
    assert.equal(h.ready, true);
    p.deliver(seq);
    assert.equal(h.pageReady(), false, "the init is already on its way to this page");
    assert.equal(p.has, seq);
  });

  it("a page that says ready before the unasked init is sent still gets exactly what it needs", () => {
    const h = new InitHandshake();
    const p = page();
    assert.equal(h.pageReady(), true, "nothing was sent yet: answer it");
    const asked = h.sending(true);
    const unasked = h.sending(false); // the unasked one, started earlier, ends later
    p.deliver(asked);
    p.deliver(unasked);
    assert.equal(p.has, unasked);
  });

  it("folders widened while the page's first load runs: VS Code hands the old init to the new page, whose ready still gets the current one", () => {
    // What CI met: the unasked init was held by VS Code for a page still loading; the index then found
    // images in a folder the page could not load from, the panel's options changed, and VS Code loaded
    // the page again, handing it the held init (with none of those images).
    const h = new InitHandshake();
    const p = page();
    const old = h.sending(false);
    h.reloading();
    assert.equal(h.ready, false, "state updates wait for the next init");
    p.deliver(old); // held for the first page, delivered to the second
    assert.equal(h.pageReady(), true, "the new page's ready is answered");
    const current = h.sending(true);
    assert.ok(current > old);
    p.deliver(current);
    assert.equal(p.has, current, "the page shows the current init, not the old one");
    assert.equal(h.ready, true);
  });

  it("a page that carried its init goes off screen before it said ready: the page loaded when it is shown again gets one", () => {
    // The panel's HTML carried the unasked init; hidden, it gets HTML without one (VS Code loads the
    // page again when it is shown, and would otherwise show the old init first).
    const h = new InitHandshake();
    const p = page();
    h.sending(false); // carried by a page that never ran
    h.pageGone();
    assert.equal(h.ready, true, "state updates still go (to whatever page runs)");
    assert.equal(h.pageReady(), true, "the new page's ready is answered");
    p.deliver(h.sending(true));
    assert.equal(p.has, 2);
    assert.equal(h.pageReady(), true, "a later load (hidden and shown again) is answered too");
  });

  it("an init that arrives after a newer one changes nothing", () => {
    const p = page();
    p.deliver(2);
    p.deliver(1);
    assert.equal(p.has, 2);
  });

  it("the page refuses a number that is not a whole positive number", () => {
    for (const bad of [undefined, null, "3", 1.5, Number.NaN, Infinity, -1, 0, 2 ** 60]) assert.equal(takesInit(bad, 0), false, String(bad));
    assert.equal(takesInit(1, 0), true);
  });
});
