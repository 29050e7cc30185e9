import assert from "node:assert/strict";
import { addImages, dayKey, emptyLedger, ledgerFrom, MAX_DAYS, MAX_RECENT_REQUESTS, monthOf, OTHER_ENDPOINT, parseLedger, summarize, tierOf, type CountedImage } from "../../../src/spend/ledger";

const STD = "xai/grok-imagine-image";
const STD_EDIT = "xai/grok-imagine-image/edit";
const QUALITY = "xai/grok-imagine-image/quality/text-to-image";

/** A local time (the machine's zone), as the ledger buckets it. */
function local(y: number, m: number, d: number, h = 12, min = 0): number {
  return new Date(y, m - 1, d, h, min).getTime();
}

function imgs(endpoint: string, requestId: string, at: number, n = 1): CountedImage[] {
  return Array.from({ length: n }, () => ({ endpoint, requestId, at }));
}

describe("spend/ledger", () => {
  it("buckets by the local calendar day, midnight included", () => {
    assert.equal(dayKey(local(2026, 12, 1, 0, 0)), "2026-12-01");
    assert.equal(dayKey(local(2026, 12, 1, 23, 59)), "2026-12-01");
    assert.equal(dayKey(local(2026, 12, 2, 0, 0)), "2026-12-02");
    assert.equal(dayKey(local(2027, 1, 1, 0, 30)), "2027-01-01");
    assert.equal(monthOf("2026-12-31"), "2026-12");
    // A UTC instant lands on the day the local clock showed then.
    const at = Date.UTC(2026, 11, 1, 23, 30);
    const d = new Date(at);
    assert.equal(dayKey(at), `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`);
  });

  it("counts images per day per endpoint, and sums today, this month and all time by tier", () => {
    const now = local(2026, 12, 15);
    let l = emptyLedger();
    l = addImages(l, imgs(STD, "r1", local(2026, 12, 15, 9), 4), now);
    l = addImages(l, imgs(QUALITY, "r2", local(2026, 12, 15, 10), 2), now);
    l = addImages(l, imgs(STD, "r3", local(2026, 12, 1, 8), 1), now);
    l = addImages(l, imgs(STD_EDIT, "r4", local(2026, 11, 30, 23, 59), 3), now);
    assert.deepEqual(l.days["2026-12-15"], { [STD]: 4, [QUALITY]: 2 });
    const s = summarize(l, now);
    assert.equal(s.day, "2026-12-15");
    assert.equal(s.month, "2026-12");
    assert.deepEqual(s.today, {
      images: 6, usd: 0.08, unknownImages: 2,
      tiers: [{ tier: "standard", images: 4, usd: 0.08, unknownImages: 0 }, { tier: "quality", images: 2, usd: 0, unknownImages: 2 }],
    });
    assert.equal(s.thisMonth.images, 7);
    assert.equal(s.thisMonth.usd, 0.1);
    assert.equal(s.allTime.images, 10);
    assert.equal(s.allTime.unknownImages, 5); // the edits and the quality images have no list price
    assert.deepEqual(s.allTime.tiers.map((t) => [t.tier, t.images]), [["standard", 8], ["quality", 2]]);
  });

  it("prices the counts at today's prices: an override applies to the past, and unknown becomes known", () => {
    const now = local(2026, 12, 15);
    const l = addImages(emptyLedger(), [...imgs(QUALITY, "q", now, 2), ...imgs(STD, "s", now, 1)], now);
    const s = summarize(l, now, { [QUALITY]: 0.07, [STD]: 0.03 });
    assert.equal(s.today.usd, 0.17);
    assert.equal(s.today.unknownImages, 0);
  });

  it("does not count a request twice (a result saved again), but counts all images of one save", () => {
    const now = local(2026, 12, 15);
    let l = addImages(emptyLedger(), imgs(STD, "same", now, 3), now);
    l = addImages(l, imgs(STD, "same", now, 3), now);
    assert.equal(summarize(l, now).allTime.images, 3);
    l = addImages(l, imgs(STD, "other", now, 1), now);
    assert.equal(summarize(l, now).allTime.images, 4);
  });

  it("stays bounded: old days fold into one bucket with all time exact, and the request list is capped", function () {
    // The bound below (5 s) is the check; mocha's 2 s default would cut it short on a loaded machine.
    this.timeout(10_000);
    const start = local(2020, 1, 1);
    const images: CountedImage[] = [];
    const days = MAX_DAYS + 250;
    for (let i = 0; i < days; i++) images.push(...imgs(STD, `r${i}`, start + i * 86_400_000 + 3_600_000 * 2, 2));
    let l = emptyLedger();
    // In chunks, as jobs save (each call copies the ledger: the whole run must stay quick).
    const t0 = Date.now();
    for (let i = 0; i < images.length; i += 2) l = addImages(l, images.slice(i, i + 2), start);
    const ms = Date.now() - t0;
    assert.ok(Object.keys(l.days).length <= MAX_DAYS, `${Object.keys(l.days).length} days kept`);
    assert.ok(l.recent.length <= MAX_RECENT_REQUESTS);
    assert.equal(l.earlier[STD], (days - MAX_DAYS) * 2);
    assert.equal(summarize(l, start).allTime.images, days * 2);
    assert.ok(ms < 5000, `${days} saves took ${ms} ms`);
    // Rebuild from the same images gives the same counts.
    const rebuilt = ledgerFrom(images, start);
    assert.deepEqual(summarize(rebuilt, start).allTime, summarize(l, start).allTime);
    assert.deepEqual(rebuilt.days, l.days);
  });

  it("keeps unknown endpoints under one key, so a crafted provenance cannot grow it", () => {
    const now = local(2026, 12, 15);
    const l = ledgerFrom([...imgs("evil/1", "a", now), ...imgs("evil/2", "b", now), ...imgs(STD, "c", Number.NaN)], now);
    assert.deepEqual(l.days["2026-12-15"], { [OTHER_ENDPOINT]: 2, [STD]: 1 });
    assert.equal(tierOf("evil/1"), "other");
    assert.deepEqual(summarize(l, now).today.tiers.map((t) => t.tier), ["standard", "other"]);
  });

  it("reads back what it stored, and an empty ledger from anything damaged", () => {
    const now = local(2026, 12, 15);
    const l = addImages(emptyLedger(), imgs(STD, "r", now, 2), now);
    assert.deepEqual(parseLedger(JSON.parse(JSON.stringify(l))), l);
    for (const bad of [undefined, null, 3, "x", [], { version: 2, days: {} }]) assert.deepEqual(parseLedger(bad), emptyLedger());
    const mixed = parseLedger({ version: 1, days: { "2026-12-15": { [STD]: 2, x: -1, y: 1.5, z: "3" }, "not-a-day": { [STD]: 5 }, "2026-12-14": 7 }, earlier: { [STD]: 4 }, recent: ["a", 1, "b"] });
    assert.deepEqual(mixed.days, { "2026-12-15": { [STD]: 2 } });
    assert.deepEqual(mixed.earlier, { [STD]: 4 });
    assert.deepEqual(mixed.recent, ["a", "b"]);
    // A prototype key is not an endpoint.
    assert.deepEqual(parseLedger(JSON.parse('{"version":1,"days":{"2026-12-15":{"__proto__":3}}}')).days["2026-12-15"], { [OTHER_ENDPOINT]: 3 });
  });
});
