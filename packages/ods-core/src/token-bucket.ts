/**
 * A token-bucket rate limiter shared by every call of one ORD client: `rate` tokens per second, at most
 * `capacity` stored. Waiters are served first come, first served. NHS asks ORD users to stay below
 * 5 requests per second (digital.nhs.uk API catalogue, organisation-data-service-ord).
 */
import { OdsError } from "./errors.js";

/** Time source and sleeper (injectable for tests). */
export interface OdsClock {
  /** Milliseconds from an arbitrary origin, monotonic. */
  now(): number;
  /** Resolves after `ms`; rejects with the signal's reason when aborted. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** The real clock (performance.now + timers). */
export const systemClock: OdsClock = {
  now: () => performance.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted === true) {
        reject(signal.reason as Error);
        return;
      }
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(signal?.reason as Error);
      };
      const timer = setTimeout(
        () => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        },
        Math.max(0, ms),
      );
      signal?.addEventListener("abort", onAbort, { once: true });
    }),
};

/** Options of {@link TokenBucket}. */
export interface TokenBucketOptions {
  /** Tokens added per second (> 0). */
  readonly rate: number;
  /** Most tokens stored (>= 1); 1 means evenly spaced requests. */
  readonly capacity: number;
  readonly clock?: OdsClock;
}

/** A FIFO token bucket. */
export class TokenBucket {
  readonly #rate: number;
  readonly #capacity: number;
  readonly #clock: OdsClock;
  #tokens: number;
  #last: number;
  #queue: Promise<void> = Promise.resolve();

  constructor(options: TokenBucketOptions) {
    if (!(Number.isFinite(options.rate) && options.rate > 0)) {
      throw new OdsError(
        "ODS_INVALID_ARGUMENT",
        `rate must be a positive number, got ${String(options.rate)}`,
      );
    }
    if (!(Number.isInteger(options.capacity) && options.capacity >= 1)) {
      throw new OdsError(
        "ODS_INVALID_ARGUMENT",
        `capacity must be a whole number >= 1, got ${String(options.capacity)}`,
      );
    }
    this.#rate = options.rate;
    this.#capacity = options.capacity;
    this.#clock = options.clock ?? systemClock;
    this.#tokens = options.capacity;
    this.#last = this.#clock.now();
  }

  #refill(): void {
    const now = this.#clock.now();
    this.#tokens = Math.min(this.#capacity, this.#tokens + ((now - this.#last) / 1000) * this.#rate);
    this.#last = now;
  }

  /** Waits for one token (in arrival order) and takes it. */
  take(signal?: AbortSignal): Promise<void> {
    const turn = this.#queue.then(async () => {
      this.#refill();
      while (this.#tokens < 1) {
        await this.#clock.sleep(((1 - this.#tokens) / this.#rate) * 1000, signal);
        this.#refill();
      }
      this.#tokens -= 1;
    });
    // A waiter that is aborted must not block the ones behind it.
    this.#queue = turn.catch(() => undefined);
    return turn;
  }
}
