import * as assert from "node:assert/strict";
import { PacingGate, type GateClock } from "../../../src/batch/gate";
import { gatedFetch, MAX_GATED_TRIES } from "../../../src/fal/gate";

/** A clock whose sleeps end when the test moves time on. */
function fakeClock(): GateClock & { advance(ms: number): Promise<void>; sleeping(): number } {
  let now = 0;
  let sleepers: { at: number; resolve: () => void; reject: (e: Error) => void }[] = [];
  const settle = () => new Promise<void>((r) => setImmediate(r));
  return {
    now: () => now,
    sleep: (ms, signal) =>
      new Promise<void>((resolve, reject) => {
        if (signal?.aborted) return reject(new Error("aborted"));
        const s = { at: now + ms, resolve, reject };
        sleepers.push(s);
        signal?.addEventListener("abort", () => {
          sleepers = sleepers.filter((x) => x !== s);
          reject(new Error("aborted"));
        });
      }),
    async advance(ms) {
      now += ms;
      const due = sleepers.filter((s) => s.at <= now);
      sleepers = sleepers.filter((s) => s.at > now);
      for (const s of due) s.resolve();
      await settle();
      await settle();
    },
    sleeping: () => sleepers.length,
  };
}

const tick = () => new Promise<void>((r) => setImmediate(r));

describe("batch/gate: one pacing for a batch's submits", () => {
  it("open: every request passes at once", async () => {
    const g = new PacingGate({ baseMs: 1000, maxMs: 30_000 }, fakeClock());
    const tickets = await Promise.all([g.enter(), g.enter(), g.enter()]);
    for (const t of tickets) t.answered(200, undefined);
    assert.equal(g.closes, 0);
    assert.equal(g.waitMs, 0);
  });

  it("a burst of 429s closes it ONCE; after the wait one probe goes alone; its success lets all through", async () => {
    const clock = fakeClock();
    const g = new PacingGate({ baseMs: 1000, maxMs: 30_000 }, clock);
    // Four requests on their way when fal starts answering 429.
    const inFlight = await Promise.all([g.enter(), g.enter(), g.enter(), g.enter()]);
    for (const t of inFlight) t.answered(429, undefined);
    assert.equal(g.closes, 1, "four 429s of one burst: one backoff, not four");
    assert.equal(g.waitMs, 1000);
    const passed: number[] = [];
    const entering = [0, 1, 2, 3].map((i) => g.enter().then((t) => (passed.push(i), t)));
    await tick();
    assert.deepEqual(passed, [], "nobody passes while closed");
    await clock.advance(999);
    assert.deepEqual(passed, []);
    await clock.advance(1);
    assert.equal(passed.length, 1, "one probe after the wait");
    const probe = await entering[passed[0]];
    await clock.advance(5000);
    assert.equal(passed.length, 1, "the others wait for the probe's answer, however long");
    probe.answered(200, undefined);
    await tick();
    await tick();
    assert.equal(passed.length, 4, "the probe was taken: all go");
    assert.equal(g.waitMs, 0);
  });

  it("a probe answered 429 closes it for twice as long; Retry-After wins when longer; the wait is capped", async () => {
    const clock = fakeClock();
    const g = new PacingGate({ baseMs: 1000, maxMs: 8000 }, clock);
    (await g.enter()).answered(429, undefined);
    assert.equal(g.waitMs, 1000);
    await clock.advance(1000);
    (await g.enter()).answered(429, undefined);
    assert.equal(g.waitMs, 2000);
    await clock.advance(2000);
    (await g.enter()).answered(429, 5000);
    assert.equal(g.waitMs, 5000, "Retry-After 5 s over a backoff of 4 s");
    await clock.advance(5000);
    (await g.enter()).answered(429, 60_000);
    assert.equal(g.waitMs, 8000, "capped");
    await clock.advance(8000);
    (await g.enter()).answered(200, undefined);
    (await g.enter()).answered(429, undefined);
    assert.equal(g.waitMs, 1000, "after a success the backoff starts over");
    assert.equal(g.closes, 5);
  });

  it("a late 429 of a request sent before the close does not extend the wait", async () => {
    const clock = fakeClock();
    const g = new PacingGate({ baseMs: 1000, maxMs: 30_000 }, clock);
    const early = await g.enter();
    (await g.enter()).answered(429, undefined);
    await clock.advance(500);
    early.answered(429, undefined);
    assert.equal(g.waitMs, 500);
    assert.equal(g.closes, 1);
  });

  it("a wait ends when its signal aborts", async () => {
    const clock = fakeClock();
    const g = new PacingGate({ baseMs: 1000, maxMs: 30_000 }, clock);
    (await g.enter()).answered(429, undefined);
    const ac = new AbortController();
    const waiting = g.enter(ac.signal);
    ac.abort();
    await assert.rejects(waiting);
  });

  it("gatedFetch: a 429 is sent again through the gate (one shared wait), up to MAX_GATED_TRIES", async () => {
    const clock = fakeClock();
    const g = new PacingGate({ baseMs: 1000, maxMs: 30_000 }, clock);
    let calls = 0;
    const answers = [429, 429, 202];
    const f = gatedFetch(() => Promise.resolve(new Response("{}", { status: answers[calls++] ?? 202, headers: { "retry-after": "2" } })), g);
    const res = f("https://queue.fal.run/x", { method: "POST" });
    await tick();
    assert.equal(calls, 1);
    await clock.advance(2000);
    assert.equal(calls, 2);
    await clock.advance(2000);
    assert.equal((await res).status, 202);
    assert.equal(calls, 3);

    let always = 0;
    let t = 0;
    const g2 = new PacingGate({ baseMs: 1, maxMs: 1 }, { now: () => t, sleep: (ms) => ((t += ms), Promise.resolve()) });
    const r2 = await gatedFetch(() => (always++, Promise.resolve(new Response("", { status: 429 }))), g2)("u", {});
    assert.equal(r2.status, 429);
    assert.equal(always, MAX_GATED_TRIES);
  });
});
