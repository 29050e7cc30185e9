/**
 * What a request costs before it is sent: fal's list price per image from the definition, overridden
 * by the person's `grokImagine.prices` setting (untrusted: any shape). Unknown stays unknown; nothing
 * here guesses a price. Pure module.
 */
import { ENDPOINTS } from "./definition";
import { endpointById } from "./fields";
import { isRecord, own } from "./request";

/** US dollars per image by endpoint id (only valid, finite, non-negative entries). */
export type PriceTable = Readonly<Record<string, number>>;

/** A setting value above this is a typo, not a price (fal's dearest image models cost cents). */
const MAX_USD_PER_IMAGE = 100;

/**
 * The person's overrides, keyed by endpoint id (the one unambiguous key). Entries that are not a known
 * endpoint or not a sane number are dropped and reported, never thrown.
 */
export function parsePriceOverrides(raw: unknown): { prices: PriceTable; ignored: string[] } {
  const prices: Record<string, number> = {};
  const ignored: string[] = [];
  if (!isRecord(raw)) return { prices, ignored: raw === undefined || raw === null ? [] : ["(not an object)"] };
  for (const key of Object.keys(raw)) {
    const v = own(raw, key);
    if (endpointById(key) && typeof v === "number" && Number.isFinite(v) && v >= 0 && v <= MAX_USD_PER_IMAGE) prices[key] = v;
    else ignored.push(key);
  }
  return { prices, ignored };
}

/** US dollars per image at `endpointId`, or null when neither fal's table nor the person gives one. */
export function pricePerImage(endpointId: string, overrides: PriceTable = {}): number | null {
  if (Object.prototype.hasOwnProperty.call(overrides, endpointId)) return overrides[endpointId] ?? null;
  return ENDPOINTS.find((e) => e.id === endpointId)?.usdPerImage ?? null;
}

/** The estimated cost of one or more requests; `usd` is null when any part has no known price. */
export interface Estimate {
  readonly images: number;
  readonly usd: number | null;
}

export function estimate(endpointId: string, images: number, overrides: PriceTable = {}): Estimate {
  const each = pricePerImage(endpointId, overrides);
  return { images, usd: each === null ? null : round(each * images) };
}

/** The sum of several estimates (a batch); unknown if any part is unknown. */
export function sumEstimates(parts: readonly Estimate[]): Estimate {
  let images = 0;
  let usd: number | null = 0;
  for (const p of parts) {
    images += p.images;
    usd = usd === null || p.usd === null ? null : usd + p.usd;
  }
  return { images, usd: usd === null ? null : round(usd) };
}

/** "$0.08", "$0.005", or "price unknown". */
export function formatUsd(usd: number | null): string {
  if (usd === null) return "price unknown";
  const digits = usd !== 0 && Math.abs(usd) < 0.01 ? 3 : 2;
  return `$${usd.toFixed(digits)}`;
}

/** Cents are not enough for sub-cent prices; a millionth of a dollar is. */
function round(usd: number): number {
  return Math.round(usd * 1e6) / 1e6;
}
