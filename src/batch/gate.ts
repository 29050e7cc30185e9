/**
 * The pacing one batch's submits share (pure: no vscode). While fal answers normally the gate is
 * open and adds nothing. The first 429 closes it for everyone: no submit of the batch is sent until
 * the backoff (fal's Retry-After, or a doubling wait) has passed; then ONE submit goes first as a
 * probe while the others wait for its answer. A probe that is taken reopens the gate for all; a probe
 * answered 429 closes it again for twice as long. 429s of submits that were already on their way
 * when the gate closed do not extend the wait: one burst, one backoff.
 */
import type { GateTicket, RequestGate } from "../fal/gate";
import { sleep as realSleep, type SleepFn } from "../fal/retry";

export interface PacingPolicy {
  /** The first wait after a 429 that names no Retry-After. */
  readonly baseMs: number;
  /** The longest wait, however many 429s in a row (also caps a Retry-After). */
  readonly maxMs: number;
}

/** fal's reference client starts its backoff at 1 s and caps it at 30 s; the same here. */
export const DEFAULT_PACING: PacingPolicy = { baseMs: 1000, maxMs: 30_000 };

export interface GateClock {
  now(): number;
  sleep: SleepFn;
}

const realClock: GateClock = { now: () => Date.now(), sleep: realSleep };

function aborted(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new DOMException("This operation was aborted", "AbortError");
}

export class PacingGate implements RequestGate {
  /** No request passes before this time. */
  #openAt = 0;
  /** The current backoff (0 while fal answers normally). */
  #backoffMs = 0;
  /** Bumped at each close: a 429 of a request sent before the last close is the same burst. */
  #epoch = 0;
  /** After a close, the next request goes alone as the probe. */
  #halfOpen = false;
  #probing = false;
  #waiters: (() => void)[] = [];
  /** How many times the gate closed (for the log and the tests). */
  closes = 0;

  constructor(
    private readonly policy: PacingPolicy = DEFAULT_PACING,
    private readonly clock: GateClock = realClock,
  ) {}

  /** How long a request entering now would wait before it is sent (0 when open). */
  get waitMs(): number {
    return Math.max(0, this.#openAt - this.clock.now());
  }

  async enter(signal?: AbortSignal): Promise<GateTicket> {
    for (;;) {
      if (signal?.aborted) throw aborted(signal);
      const wait = this.#openAt - this.clock.now();
      if (wait > 0) {
        await this.clock.sleep(wait, signal);
        continue;
      }
      if (this.#probing) {
        await this.#changed(signal);
        continue;
      }
      const probe = this.#halfOpen;
      if (probe) this.#probing = true;
      const epoch = this.#epoch;
      let done = false;
      return {
        answered: (status, retryAfterMs) => {
          if (done) return;
          done = true;
          this.#answer(epoch, probe, status, retryAfterMs);
        },
      };
    }
  }

  #answer(epoch: number, probe: boolean, status: number, retryAfterMs: number | undefined): void {
    if (probe) this.#probing = false;
    if (status === 429) {
      if (epoch === this.#epoch) {
        this.#epoch++;
        this.closes++;
        this.#backoffMs = Math.min(this.policy.maxMs, this.#backoffMs ? this.#backoffMs * 2 : this.policy.baseMs);
        const wait = Math.min(this.policy.maxMs, Math.max(this.#backoffMs, retryAfterMs ?? 0));
        this.#openAt = this.clock.now() + wait;
        this.#halfOpen = true;
      }
    } else if (probe) {
      // Taken (or failed otherwise: not a rate limit): everyone may go again.
      this.#halfOpen = false;
      this.#backoffMs = 0;
    }
    this.#wake();
  }

  #wake(): void {
    const w = this.#waiters;
    this.#waiters = [];
    for (const f of w) f();
  }

  /** Resolves at the gate's next change (a probe's answer), or rejects when `signal` aborts. */
  #changed(signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        this.#waiters = this.#waiters.filter((w) => w !== wake);
        if (signal) reject(aborted(signal));
      };
      const wake = () => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      };
      this.#waiters.push(wake);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }
}
