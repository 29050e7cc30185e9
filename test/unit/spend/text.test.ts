import assert from "node:assert/strict";
import { addImages, emptyLedger, summarize } from "../../../src/spend/ledger";
import { costText, detailText, headerText, jobsSummary, localZone, quickZone, shortPrompt, zoneLabel } from "../../../src/spend/text";
import { english } from "../../../src/l10n";

describe("spend/text", () => {
  it("says a cost, unknown, or a known part and how many images are unknown", () => {
    assert.equal(costText({ images: 0, usd: 0, unknownImages: 0 }), "$0.00");
    assert.equal(costText({ images: 3, usd: 0.06, unknownImages: 0 }), "$0.06");
    assert.equal(costText({ images: 2, usd: 0, unknownImages: 2 }), "price unknown");
    assert.equal(costText({ images: 5, usd: 0.06, unknownImages: 2 }), "$0.06 (2 of them at an unknown price)");
    assert.equal(costText({ images: 2, usd: 0.06, unknownImages: 1 }), "$0.06 (1 of them at an unknown price)");
  });

  it("writes the header line and the detail with every period by tier and the time zone", () => {
    const now = new Date(2026, 11, 15, 12).getTime();
    const l = addImages(emptyLedger(), [
      ...Array.from({ length: 3 }, () => ({ endpoint: "xai/grok-imagine-image", requestId: "a", at: now })),
      { endpoint: "xai/grok-imagine-image/quality/text-to-image", requestId: "b", at: now },
    ], now);
    const s = summarize(l, now);
    assert.equal(headerText(s), "Spend today: 4 images, $0.06 (1 of them at an unknown price) · this month: 4 images, $0.06 (1 of them at an unknown price) · all time: 4 images, $0.06 (1 of them at an unknown price)");
    const detail = detailText(s, "Europe/Berlin, UTC+01:00");
    assert.deepEqual(detail.split("\n").slice(0, 3), [
      "Today (2026-12-15): 4 images, $0.06 (1 of them at an unknown price)",
      "  Standard: 3 images, $0.06",
      "  Quality: 1 image, price unknown",
    ]);
    assert.match(detail, /This month \(2026-12\): 4 images/);
    assert.match(detail, /Days are your local time \(Europe\/Berlin, UTC\+01:00\)\./);
  });

  it("names the time zone with its offset from UTC", () => {
    const now = Date.UTC(2026, 11, 1);
    const off = -new Date(now).getTimezoneOffset();
    const label = zoneLabel(now, "Some/Zone");
    assert.match(label, /^Some\/Zone, UTC[+-]\d\d:\d\d$/);
    const [, sign, hh, mm] = /UTC([+-])(\d\d):(\d\d)/.exec(label) ?? [];
    const minutes = (sign === "-" ? -1 : 1) * (Number(hh) * 60 + Number(mm));
    assert.ok(minutes === off, `${label} is ${minutes} minutes, the offset is ${off}`); // === : -0 and 0 are the same offset
    assert.equal(zoneLabel(now), label.slice("Some/Zone, ".length));
    assert.equal(zoneLabel(now, "Etc/UTC"), zoneLabel(now), "a zone named UTC is not named twice");
  });

  it("the quick zone is the offset alone until the name was asked for, then the whole label", () => {
    const now = Date.UTC(2026, 11, 1);
    // (Other tests in this process may have asked already: either state is checked for what it says.)
    const before = quickZone(now);
    assert.deepEqual(before, before.named ? { label: localZone(now), named: true } : { label: zoneLabel(now), named: false });
    const whole = localZone(now);
    assert.deepEqual(quickZone(now), { label: whole, named: true });
    assert.equal(localZone(now), whole, "asked once, the same after");
  });

  it("sums the running jobs by state", () => {
    assert.equal(jobsSummary([]), "");
    assert.equal(jobsSummary([{ state: "queued", prompt: "a", position: 2 }]), "1 job: 1 queued");
    assert.equal(jobsSummary([{ state: "running", prompt: "a" }, { state: "queued", prompt: "b" }, { state: "running", prompt: "c" }, { state: "saving", prompt: "d" }]), "4 jobs: 2 generating, 1 queued, 1 saving");
  });

  it("fills placeholders without translating, and shortens prompts", () => {
    assert.equal(english("{0} and {1}, {2}", "a", 2), "a and 2, {2}");
    assert.equal(shortPrompt("a  b\nc"), "a b c");
    assert.equal(shortPrompt("x".repeat(100), 10), `${"x".repeat(9)}…`);
  });
});
