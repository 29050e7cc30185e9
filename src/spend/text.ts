/**
 * The words of spend: costs, periods, tiers, the status bar's line about running jobs. Pure module:
 * every sentence goes through src/l10n.ts's `l10n.t` (the display language's translator once
 * activate() has set it).
 */
import { formatUsd } from "../api";
import type { PeriodSpend, SpendSummary, TierSpend } from "./ledger";
import * as l10n from "../l10n";

export function imagesText(n: number): string {
  return n === 1 ? l10n.t("1 image") : l10n.t("{0} images", n);
}

/** "$0.06", "price unknown", or "$0.06 (2 of them at an unknown price)": the known part never passes for the whole. */
export function costText(p: Pick<PeriodSpend, "images" | "usd" | "unknownImages">): string {
  if (p.unknownImages === 0 || p.images === 0) return formatUsd(p.usd);
  if (p.unknownImages === p.images) return l10n.t("price unknown");
  return l10n.t("{0} ({1} of them at an unknown price)", formatUsd(p.usd), p.unknownImages);
}

/** "3 images, $0.06". */
export function periodText(p: PeriodSpend): string {
  return l10n.t("{0}, {1}", imagesText(p.images), costText(p));
}

export function tierName(tier: string): string {
  return tier === "standard" ? l10n.t("Standard") : tier === "quality" ? l10n.t("Quality") : l10n.t("Other endpoints");
}

/** "Quality: 2 images, price unknown". */
export function tierText(s: TierSpend): string {
  return l10n.t("{0}: {1}", tierName(s.tier), periodText({ ...s, tiers: [] }));
}

/** The three periods, each with its label. */
export function periods(s: SpendSummary): { label: string; spend: PeriodSpend }[] {
  return [
    { label: l10n.t("Today ({0})", s.day), spend: s.today },
    { label: l10n.t("This month ({0})", s.month), spend: s.thisMonth },
    { label: l10n.t("All time"), spend: s.allTime },
  ];
}

/** One line for the gallery's header: "Spend today: 3 images, $0.06 · this month: … · all time: …". */
export function headerText(s: SpendSummary): string {
  return l10n.t("Spend today: {0} · this month: {1} · all time: {2}", periodText(s.today), periodText(s.thisMonth), periodText(s.allTime));
}

/** Every period by tier, then how it is counted (for the header's tooltip and Show Spend). */
export function detailText(s: SpendSummary, zone: string): string {
  const lines: string[] = [];
  for (const p of periods(s)) {
    lines.push(l10n.t("{0}: {1}", p.label, periodText(p.spend)));
    for (const tier of p.spend.tiers) lines.push(`  ${tierText(tier)}`);
  }
  lines.push(howCounted(zone));
  return lines.join("\n");
}

export function howCounted(zone: string): string {
  return l10n.t("Images saved in this workspace, estimated at list prices (grokImagine.prices overrides them). Days are your local time ({0}).", zone);
}

/** "Europe/Berlin, UTC+01:00": the time zone days are counted in, at `now`. */
export function zoneLabel(now: number, name?: string): string {
  const off = -new Date(now).getTimezoneOffset();
  const sign = off < 0 ? "-" : "+";
  const a = Math.abs(off);
  const utc = `UTC${sign}${String(Math.floor(a / 60)).padStart(2, "0")}:${String(a % 60).padStart(2, "0")}`;
  // "UTC, UTC+00:00" says it twice.
  return name && !/^(Etc\/)?(UTC|GMT|Universal|Zulu)$/i.test(name) ? `${name}, ${utc}` : utc;
}

/**
 * The machine's time zone's name, once asked: undefined before that, null where the runtime has
 * none. Asked once (the runtime keeps its zone for the life of the process): Intl's first use
 * loads its data, some 15–25 ms on a small machine.
 */
let zoneName: string | null | undefined;

/** The machine's time zone at `now`, named where the runtime knows its name: the days' zone. */
export function localZone(now: number): string {
  if (zoneName === undefined) {
    try {
      zoneName = Intl.DateTimeFormat().resolvedOptions().timeZone || null;
    } catch {
      zoneName = null;
    }
  }
  return zoneLabel(now, zoneName ?? undefined);
}

/**
 * The same when it is at hand: before the zone's name was first asked for, its offset alone, and
 * `named: false` (for a first paint that should not wait for Intl; the whole label can follow).
 */
export function quickZone(now: number): { label: string; named: boolean } {
  return zoneName === undefined ? { label: zoneLabel(now), named: false } : { label: localZone(now), named: true };
}

// ---------------------------------------------------------------------------------------------
// Running jobs (the status bar item)

/** What the status bar reads of a running job (the JobPipeline's JobView). */
export interface JobLine {
  readonly state: "preparing" | "submitting" | "queued" | "running" | "downloading" | "saving";
  readonly prompt: string;
  readonly position?: number;
}

export function jobStateText(j: JobLine): string {
  switch (j.state) {
    case "preparing":
    case "submitting":
      return l10n.t("sending");
    case "queued":
      return j.position !== undefined ? l10n.t("queued (position {0})", j.position + 1) : l10n.t("queued");
    case "running":
      return l10n.t("generating");
    case "downloading":
    case "saving":
      return l10n.t("saving");
  }
}

/** "2 jobs: 1 generating, 1 queued", or "" when none runs. */
export function jobsSummary(jobs: readonly JobLine[]): string {
  if (!jobs.length) return "";
  const counts = new Map<string, number>();
  for (const j of jobs) {
    const k = jobStateText({ ...j, position: undefined });
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  const parts = [...counts.entries()].map(([k, n]) => `${n} ${k}`).join(", ");
  return jobs.length === 1 ? l10n.t("1 job: {0}", parts) : l10n.t("{0} jobs: {1}", jobs.length, parts);
}

/** A prompt shortened for a line of a list. */
export function shortPrompt(prompt: string, max = 60): string {
  const p = prompt.replace(/\s+/g, " ").trim();
  return p.length > max ? `${p.slice(0, max - 1)}…` : p;
}
