import { PlatformError } from "../errors.js";

/** Options of {@link createUpstreamLimiter}. */
export interface UpstreamLimiterOptions {
  /** Most calls in flight at once. */
  readonly maxConcurrency: number;
  /** How long a call may wait for a slot before failing with `upstream-busy` (503, Retry-After). */
  readonly queueTimeoutMs: number;
}

/** Observes each upstream call (for metrics). */
export type UpstreamObserver = (call: {
  readonly upstream: string;
  readonly status: number | "error";
  readonly seconds: number;
}) => void;

/** A concurrency cap shared by every upstream call of the process. */
export interface UpstreamLimiter {
  /** Calls in flight now. */
  readonly active: number;
  /** Calls waiting for a slot now. */
  readonly queued: number;
  /**
   * Wraps a WHATWG `fetch` so each call takes a slot until its response headers arrive (or it fails),
   * and reports status and latency to `observe` under the name `upstream`.
   */
  wrapFetch(fetchFn: typeof fetch, upstream: string, observe?: UpstreamObserver): typeof fetch;
  /** Runs `task` in a slot. @throws {PlatformError} `upstream-busy` when no slot frees up in time. */
  run<T>(task: () => Promise<T>): Promise<T>;
}

/** Creates the process-wide cap on concurrent upstream calls (Terminology Server, ORD, TRUD). */
export function createUpstreamLimiter(options: UpstreamLimiterOptions): UpstreamLimiter {
  let active = 0;
  const waiting: (() => void)[] = [];

  function acquire(): Promise<void> {
    if (active < options.maxConcurrency) {
      active++;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const grant = (): void => {
        clearTimeout(timer);
        active++;
        resolve();
      };
      const timer = setTimeout(() => {
        const i = waiting.indexOf(grant);
        if (i >= 0) {
          waiting.splice(i, 1);
        }
        reject(
          new PlatformError("upstream-busy", "too many upstream calls in progress; try again shortly", {
            headers: { "Retry-After": "1" },
          }),
        );
      }, options.queueTimeoutMs);
      waiting.push(grant);
    });
  }

  function release(): void {
    active--;
    waiting.shift()?.();
  }

  async function run<T>(task: () => Promise<T>): Promise<T> {
    await acquire();
    try {
      return await task();
    } finally {
      release();
    }
  }

  return {
    get active() {
      return active;
    },
    get queued() {
      return waiting.length;
    },
    run,
    wrapFetch(fetchFn, upstream, observe) {
      const wrapped = async (input: Parameters<typeof fetch>[0], init?: Parameters<typeof fetch>[1]) =>
        run(async () => {
          const start = performance.now();
          try {
            const res = await fetchFn(input, init);
            observe?.({ upstream, status: res.status, seconds: (performance.now() - start) / 1000 });
            return res;
          } catch (err) {
            observe?.({ upstream, status: "error", seconds: (performance.now() - start) / 1000 });
            throw err;
          }
        });
      return wrapped;
    },
  };
}
