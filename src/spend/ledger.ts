/**
 * The spend ledger: how many images each endpoint made on each day, kept per workspace, and the sums
 * the gallery header and Show Spend read from it (today, this month, all time, by tier). Bounded by
 * construction: one number per (day, endpoint), old days folded into one "earlier" bucket, and a short
 * list of recently counted requests so that the same request is never counted twice.
 *
 * Days are the person's local calendar days (the machine's time zone when the image was recorded).
 * Cost is not stored: it is estimated from the images at today's prices (api/price.ts), so a
 * `grokImagine.prices` override applies to the past as well, and an unknown price stays unknown.
 *
 * Pure module: no `vscode` (the glue in index.ts keeps it in workspaceState).
 */
import { endpointById, estimate, type PriceTable } from "../api";

export const LEDGER_VERSION = 1;

/** Days kept one by one; older ones are folded into `earlier` (all time stays exact). ~13 months covers "this month" with room. */
export const MAX_DAYS = 400;
/**
 * Request ids remembered so that a result saved twice (Retry Saving after a save whose record could not
 * be cleared) is counted once; such a retry follows within a few jobs, and 200 ids are ~8 KB of storage.
 */
export const MAX_RECENT_REQUESTS = 200;
/** More images than this in one day for one endpoint is a damaged record, not a day's work (fal takes ~1 request/s). */
const MAX_IMAGES_PER_DAY = 1_000_000;
/** Endpoints the API does not define (a provenance from elsewhere) are counted under this key, price unknown. */
export const OTHER_ENDPOINT = "other";

/** "2026-12-01": a local calendar day. */
export type DayKey = string;

export interface Ledger {
  readonly version: typeof LEDGER_VERSION;
  /** Images per endpoint id, per local day. */
  readonly days: Readonly<Record<DayKey, Readonly<Record<string, number>>>>;
  /** Images per endpoint id on days older than the ones kept. */
  readonly earlier: Readonly<Record<string, number>>;
  /** Requests already counted (`requestId`), newest last. */
  readonly recent: readonly string[];
}

/** What the ledger counts: one saved image (from a job's SavedItem or an image's provenance). */
export interface CountedImage {
  readonly endpoint: string;
  readonly requestId: string;
  /** When the image was made (provenance createDate), as ms since the epoch. */
  readonly at: number;
}

export function emptyLedger(): Ledger {
  return { version: LEDGER_VERSION, days: {}, earlier: {}, recent: [] };
}

/** The local calendar day of `at` (the machine's time zone), "YYYY-MM-DD". */
export function dayKey(at: number | Date): DayKey {
  const d = typeof at === "number" ? new Date(at) : at;
  return `${String(d.getFullYear()).padStart(4, "0")}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
}

/** The local month of a day key, "YYYY-MM". */
export function monthOf(day: DayKey): string {
  return day.slice(0, 7);
}

const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;

/** Known endpoint ids stay themselves; anything else is "other" (so a crafted provenance cannot grow the ledger's keys). */
function endpointKey(endpoint: string): string {
  return endpointById(endpoint) ? endpoint : OTHER_ENDPOINT;
}

/**
 * The ledger with `images` counted. Images of a request counted before (by `recent`) are skipped, so
 * a job's onDidSave and a later Retry Saving of the same request do not count it twice. Images with
 * no valid time are counted today.
 */
export function addImages(ledger: Ledger, images: readonly CountedImage[], now: number): Ledger {
  const days: Record<DayKey, Record<string, number>> = {};
  for (const [d, per] of Object.entries(ledger.days)) days[d] = { ...per };
  const recent = [...ledger.recent];
  const seen = new Set(recent);
  const added = new Set<string>();
  for (const img of images) {
    if (seen.has(img.requestId) && !added.has(img.requestId)) continue;
    if (!added.has(img.requestId)) {
      added.add(img.requestId);
      recent.push(img.requestId);
    }
    const day = dayKey(Number.isFinite(img.at) ? img.at : now);
    const per = (days[day] ??= {});
    const key = endpointKey(img.endpoint);
    per[key] = Math.min(MAX_IMAGES_PER_DAY, (per[key] ?? 0) + 1);
  }
  return fold({ version: LEDGER_VERSION, days, earlier: { ...ledger.earlier }, recent: recent.slice(-MAX_RECENT_REQUESTS) });
}

/**
 * A ledger made afresh from every image's provenance (Rebuild): what the workspace's images say.
 * Linear in the images: one pass, one count per (day, endpoint).
 */
export function ledgerFrom(images: readonly CountedImage[], now: number): Ledger {
  const days: Record<DayKey, Record<string, number>> = {};
  const requests = new Set<string>();
  for (const img of images) {
    requests.add(img.requestId);
    const per = (days[dayKey(Number.isFinite(img.at) ? img.at : now)] ??= {});
    const key = endpointKey(img.endpoint);
    per[key] = Math.min(MAX_IMAGES_PER_DAY, (per[key] ?? 0) + 1);
  }
  return fold({ version: LEDGER_VERSION, days, earlier: {}, recent: [...requests].slice(-MAX_RECENT_REQUESTS) });
}

/** Keeps the newest MAX_DAYS days; older ones go into `earlier`. */
function fold(ledger: Ledger): Ledger {
  const keys = Object.keys(ledger.days);
  if (keys.length <= MAX_DAYS) return ledger;
  keys.sort();
  const days: Record<DayKey, Readonly<Record<string, number>>> = { ...ledger.days };
  const earlier: Record<string, number> = { ...ledger.earlier };
  for (const d of keys.slice(0, keys.length - MAX_DAYS)) {
    for (const [e, n] of Object.entries(days[d] ?? {})) earlier[e] = (earlier[e] ?? 0) + n;
    delete days[d];
  }
  return { ...ledger, days, earlier };
}

/**
 * A ledger read back from workspace storage: ours, but a damaged or older value must not break the
 * reader. Anything that is not a valid ledger gives an empty one (Rebuild recounts from the images).
 */
export function parseLedger(raw: unknown): Ledger {
  if (!isRecord(raw) || raw["version"] !== LEDGER_VERSION) return emptyLedger();
  const days: Record<DayKey, Record<string, number>> = {};
  const rawDays = raw["days"];
  if (isRecord(rawDays)) {
    for (const d of Object.keys(rawDays)) {
      const per = counts(rawDays[d]);
      if (DAY_RE.test(d) && per) days[d] = per;
    }
  }
  const recentRaw = raw["recent"];
  const recent = Array.isArray(recentRaw) ? recentRaw.filter((r): r is string => typeof r === "string" && r.length <= 200).slice(-MAX_RECENT_REQUESTS) : [];
  return fold({ version: LEDGER_VERSION, days, earlier: counts(raw["earlier"]) ?? {}, recent });
}

function counts(v: unknown): Record<string, number> | undefined {
  if (!isRecord(v)) return undefined;
  const out: Record<string, number> = {};
  for (const k of Object.keys(v)) {
    const n = v[k];
    if (typeof n === "number" && Number.isInteger(n) && n > 0) out[endpointKey(k)] = Math.min(MAX_IMAGES_PER_DAY, (out[endpointKey(k)] ?? 0) + n);
  }
  return out;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

// ---------------------------------------------------------------------------------------------
// Sums

/** A tier's images and their estimated cost; `unknownImages` of them have no known price. */
export interface TierSpend {
  readonly tier: string;
  readonly images: number;
  /** Estimated US dollars for the images whose price is known. */
  readonly usd: number;
  readonly unknownImages: number;
}

export interface PeriodSpend {
  readonly images: number;
  readonly usd: number;
  readonly unknownImages: number;
  /** By tier ("standard", "quality", and "other" for endpoints the API does not define), tiers with images only. */
  readonly tiers: readonly TierSpend[];
}

export interface SpendSummary {
  /** The local day and month the sums are for. */
  readonly day: DayKey;
  readonly month: string;
  readonly today: PeriodSpend;
  readonly thisMonth: PeriodSpend;
  readonly allTime: PeriodSpend;
}

/** The tier an endpoint belongs to (its route's `tier`), "other" when the API does not define it. */
export function tierOf(endpoint: string): string {
  return endpointById(endpoint)?.route["tier"] ?? OTHER_ENDPOINT;
}

/** The tiers in the order they are shown: the API's own first, in definition order. */
const TIER_ORDER = ["standard", "quality"];

function period(parts: readonly Readonly<Record<string, number>>[], prices: PriceTable): PeriodSpend {
  const byTier = new Map<string, { images: number; usd: number; unknownImages: number }>();
  for (const per of parts) {
    for (const [endpoint, n] of Object.entries(per)) {
      const t = byTier.get(tierOf(endpoint)) ?? { images: 0, usd: 0, unknownImages: 0 };
      const e = estimate(endpoint, n, prices);
      t.images += n;
      if (e.usd === null) t.unknownImages += n;
      else t.usd += e.usd;
      byTier.set(tierOf(endpoint), t);
    }
  }
  const order = (t: string) => (TIER_ORDER.includes(t) ? TIER_ORDER.indexOf(t) : TIER_ORDER.length);
  const tiers = [...byTier.entries()]
    .filter(([, v]) => v.images > 0)
    .sort(([a], [b]) => order(a) - order(b) || (a < b ? -1 : a > b ? 1 : 0))
    .map(([tier, v]) => ({ tier, images: v.images, usd: round(v.usd), unknownImages: v.unknownImages }));
  return {
    images: tiers.reduce((n, t) => n + t.images, 0),
    usd: round(tiers.reduce((n, t) => n + t.usd, 0)),
    unknownImages: tiers.reduce((n, t) => n + t.unknownImages, 0),
    tiers,
  };
}

/** Today, this month and all time, at `now` in local time, with costs at `prices`. */
export function summarize(ledger: Ledger, now: number, prices: PriceTable = {}): SpendSummary {
  const day = dayKey(now);
  const month = monthOf(day);
  const all = Object.entries(ledger.days);
  return {
    day,
    month,
    today: period(all.filter(([d]) => d === day).map(([, v]) => v), prices),
    thisMonth: period(all.filter(([d]) => monthOf(d) === month).map(([, v]) => v), prices),
    allTime: period([...all.map(([, v]) => v), ledger.earlier], prices),
  };
}

function round(usd: number): number {
  return Math.round(usd * 1e6) / 1e6;
}
