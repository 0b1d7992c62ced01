import { TerminologyGatewayError } from "./errors.js";

/** What the upstream client takes budget from: in-process ({@link RequestBudget}) or shared (`RedisRequestBudget`). */
export interface UpstreamBudget {
  /** Resolves (or returns undefined) when one request may go; throws `budget-exhausted` otherwise. */
  acquire(): Promise<void> | undefined;
  close(): void;
}

/** Options of {@link RequestBudget}. */
export interface RequestBudgetOptions {
  /** Requests allowed per window (default 5,000: the NHS England Terminology Server's published limit). */
  readonly limit: number;
  /** The window in milliseconds (default 5 minutes). */
  readonly windowMs: number;
  /** The longest a request may wait for budget before it is refused with 429 (default 2 s). */
  readonly maxQueueMs: number;
  readonly now?: () => number;
}

interface Waiter {
  readonly resolve: () => void;
}

/**
 * A client-side limiter that keeps the facade under the upstream's rate limit ("5000 requests per 5 minute
 * period", upstream-terminology.md §1.1): an exact sliding window (a ring of the last `limit` start times), a
 * short FIFO queue when the window is full, and a typed 429 with `Retry-After` when the wait would be too long.
 * Every upstream request counts, revalidations and retries included.
 */
export class RequestBudget implements UpstreamBudget {
  readonly #ring: number[];
  readonly #options: Required<RequestBudgetOptions>;
  readonly #queue: Waiter[] = [];
  #head = 0;
  #filled = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: RequestBudgetOptions) {
    this.#options = { now: Date.now, ...options };
    this.#ring = new Array<number>(options.limit).fill(0);
  }

  /** Requests still allowed in the current window without waiting. */
  get remaining(): number {
    const cutoff = this.#options.now() - this.#options.windowMs;
    let used = 0;
    for (let i = 0; i < this.#filled; i++) {
      if ((this.#ring[i] ?? 0) > cutoff) {
        used++;
      }
    }
    return this.#options.limit - used;
  }

  /** Takes one unit of budget, waiting briefly if needed; throws `budget-exhausted` otherwise. */
  acquire(): Promise<void> | undefined {
    if (this.#queue.length === 0 && this.#tryTake()) {
      return undefined;
    }
    const { windowMs, maxQueueMs, limit } = this.#options;
    const position = (this.#head + this.#queue.length) % limit;
    const freeAt = (this.#ring[position] ?? 0) + windowMs;
    const wait = freeAt - this.#options.now();
    if (wait > maxQueueMs) {
      throw new TerminologyGatewayError(
        "budget-exhausted",
        "The facade's request budget for the NHS England Terminology Server is spent for now; retry later",
        { retryAfterS: Math.max(1, Math.ceil(wait / 1000)) },
      );
    }
    return new Promise<void>((resolve) => {
      this.#queue.push({ resolve });
      this.#schedule();
    });
  }

  #tryTake(): boolean {
    const now = this.#options.now();
    if (this.#filled < this.#options.limit) {
      this.#ring[this.#filled] = now;
      this.#filled++;
      return true;
    }
    if ((this.#ring[this.#head] ?? 0) + this.#options.windowMs <= now) {
      this.#ring[this.#head] = now;
      this.#head = (this.#head + 1) % this.#options.limit;
      return true;
    }
    return false;
  }

  #schedule(): void {
    if (this.#timer !== undefined || this.#queue.length === 0) {
      return;
    }
    const wait = Math.max(0, (this.#ring[this.#head] ?? 0) + this.#options.windowMs - this.#options.now());
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      while (this.#queue.length > 0 && this.#tryTake()) {
        this.#queue.shift()?.resolve();
      }
      this.#schedule();
    }, wait);
    this.#timer.unref();
  }

  /** Releases queued waiters' timers (they stay pending); for shutdown. */
  close(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
  }
}
