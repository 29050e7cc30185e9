/**
 * `grokImagine.confirmAboveUsd`: a request (or batch) whose estimated cost is above the threshold
 * asks first, in a modal dialog that says the cost. Pure module: the dialog arrives as a parameter,
 * so the batch and agent code can call {@link confirmSpend} with their own.
 *
 * The rule for an unknown price (an endpoint fal publishes no price for, and no `grokImagine.prices`
 * entry): asked only when the threshold is 0, which means "ask me before every request". Otherwise
 * the estimate shown before sending says "price unknown", and a `grokImagine.prices` entry for that
 * endpoint makes the threshold apply to it.
 */
import { formatUsd, type Estimate } from "../api";
import { imagesText } from "./text";
import * as l10n from "../l10n";

/** Whether a request estimated at `est` asks first. */
export function needsConfirm(est: Estimate, thresholdUsd: number): boolean {
  if (est.usd === null) return thresholdUsd <= 0;
  return est.usd > thresholdUsd;
}

/** The dialog's words: what is about to be sent, its cost, and why it asks. */
export function confirmText(est: Estimate, thresholdUsd: number, what: string): { message: string; detail: string; send: string } {
  const cost = est.usd === null ? l10n.t("price unknown") : formatUsd(est.usd);
  return {
    message: l10n.t("{0}: {1} for an estimated {2}?", what, imagesText(est.images), cost),
    detail:
      est.usd === null
        ? l10n.t("fal publishes no price for this endpoint. You are asked before every request because grokImagine.confirmAboveUsd is 0.")
        : l10n.t("This is above your limit of {0} (grokImagine.confirmAboveUsd) for a request without asking.", formatUsd(thresholdUsd)),
    send: l10n.t("Send"),
  };
}

/** The modal dialog the confirmation uses (Ui.showModal). */
export type AskModal = (message: string, detail: string, ...items: string[]) => Thenable<string | undefined>;

/**
 * Resolves true when the request may go: its estimate is within the threshold, or the person chose
 * Send. `what` names the request ("Generate", "Batch of 40 prompts").
 */
export async function confirmSpend(ask: AskModal, est: Estimate, thresholdUsd: number, what: string): Promise<boolean> {
  if (!needsConfirm(est, thresholdUsd)) return true;
  const text = confirmText(est, thresholdUsd, what);
  return (await ask(text.message, text.detail, text.send)) === text.send;
}
