/**
 * Single flight: concurrent callers with the same key share one in-flight promise, so 1,000 identical cold
 * requests make one upstream request (the stampede the token libraries' issues describe, applied to answers).
 */
export class SingleFlight<T> {
  readonly #flights = new Map<string, Promise<T>>();

  /** Runs `work` unless a flight for `key` is already under way; `leader` tells the caller which it was. */
  run(key: string, work: () => Promise<T>): { readonly promise: Promise<T>; readonly leader: boolean } {
    const existing = this.#flights.get(key);
    if (existing !== undefined) {
      return { promise: existing, leader: false };
    }
    const promise = work().finally(() => {
      this.#flights.delete(key);
    });
    this.#flights.set(key, promise);
    return { promise, leader: true };
  }

  /** Flights under way. */
  get size(): number {
    return this.#flights.size;
  }
}
