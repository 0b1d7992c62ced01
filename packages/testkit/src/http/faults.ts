/**
 * Fault injection for the fake upstreams. Each fake server holds a {@link FaultInjector}; a test adds rules
 * for a route, and the next matching requests misbehave in the chosen way.
 */

/** One way a fake upstream can misbehave. */
export type Fault =
  /** Wait this long before answering (combines with any other fault in the same rule list). */
  | { readonly kind: "latency"; readonly ms: number }
  /** Answer with this status instead of the real answer (429 carries `Retry-After`). */
  | {
      readonly kind: "status";
      readonly status: number;
      readonly retryAfterSeconds?: number;
      readonly body?: string;
      readonly contentType?: string;
    }
  /** Destroy the socket without answering (the client sees ECONNRESET / "socket hang up"). */
  | { readonly kind: "reset" }
  /** Accept the request and never answer (until the server closes). */
  | { readonly kind: "hang" }
  /** Send the headers and only the first `bytes` of the body (default: half), then destroy the socket. */
  | { readonly kind: "truncate"; readonly bytes?: number }
  /** Announce a `Content-Length` that differs from the body by `delta` bytes (default +100). */
  | { readonly kind: "wrong-length"; readonly delta?: number };

/** A rule: which requests a fault applies to, and how many times. */
export interface FaultRule {
  /** A path prefix (string) or pattern (RegExp) matched against the request's path (no query string). */
  readonly path: string | RegExp;
  /** Only this method (default: any). */
  readonly method?: string;
  readonly fault: Fault;
  /** How many matching requests get the fault (default: every one until removed). */
  readonly times?: number;
}

interface ActiveRule {
  readonly rule: FaultRule;
  remaining: number;
}

/** Holds the active fault rules of one fake server. */
export class FaultInjector {
  readonly #rules: ActiveRule[] = [];

  /** Adds a rule; returns a function that removes it. */
  add(rule: FaultRule): () => void {
    const active: ActiveRule = { rule, remaining: rule.times ?? Number.POSITIVE_INFINITY };
    this.#rules.push(active);
    return () => {
      const index = this.#rules.indexOf(active);
      if (index >= 0) {
        this.#rules.splice(index, 1);
      }
    };
  }

  /** Removes every rule. */
  clear(): void {
    this.#rules.length = 0;
  }

  /** The faults that apply to one request, consuming one use of each matching rule. */
  take(method: string, path: string): Fault[] {
    const faults: Fault[] = [];
    for (const active of [...this.#rules]) {
      const { rule } = active;
      if (rule.method !== undefined && rule.method.toUpperCase() !== method.toUpperCase()) {
        continue;
      }
      const matches = typeof rule.path === "string" ? path.startsWith(rule.path) : rule.path.test(path);
      if (!matches || active.remaining <= 0) {
        continue;
      }
      active.remaining -= 1;
      if (active.remaining <= 0) {
        this.#rules.splice(this.#rules.indexOf(active), 1);
      }
      faults.push(rule.fault);
    }
    return faults;
  }
}
