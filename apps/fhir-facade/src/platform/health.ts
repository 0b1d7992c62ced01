import type { MirrorStats } from "./observability/metrics.js";

/** What an upstream reachability probe reports (not fatal to readiness). */
export interface UpstreamProbeResult {
  readonly reachable: boolean;
  /** HTTP status of the probe, when one came back. */
  readonly status?: number;
  readonly detail?: string;
}

/** Checks an upstream, for example `GET <terminology base>/metadata`; must not throw. */
export type UpstreamProbe = () => Promise<UpstreamProbeResult>;

/** The body of `/readyz`. */
export interface Readiness {
  readonly status: "ready" | "not-ready";
  readonly checks: {
    readonly config: "ok";
    readonly shuttingDown: boolean;
    readonly mirror: "absent" | (MirrorStats & { readonly ready: boolean });
    readonly upstreams: Readonly<Record<string, UpstreamProbeResult & { readonly checkedAt: string }>>;
  };
}

/** Options of {@link createReadiness}. */
export interface ReadinessOptions {
  readonly mirrorStats: () => Promise<MirrorStats> | undefined;
  readonly isShuttingDown: () => boolean;
  /** Re-probe upstreams at most this often (default 15 s); the latest result is reported. */
  readonly probeIntervalMs?: number;
  readonly probeTimeoutMs?: number;
  readonly now?: () => number;
}

/** Readiness: config valid (we are running), mirror loaded, not draining; upstream reachability reported only. */
export interface ReadinessCheck {
  check(): Promise<Readiness>;
  addUpstream(name: string, probe: UpstreamProbe): void;
}

/**
 * Builds the `/readyz` check. Kubernetes-style semantics: not ready = take me out of the load balancer
 * (no mirror yet, or shutting down); an unreachable Terminology Server is reported but does not make the
 * replica unready, since the ODS API keeps serving from the mirror.
 */
export function createReadiness(options: ReadinessOptions): ReadinessCheck {
  const now = options.now ?? Date.now;
  const interval = options.probeIntervalMs ?? 15_000;
  const timeout = options.probeTimeoutMs ?? 2000;
  const probes = new Map<
    string,
    {
      probe: UpstreamProbe;
      last?: UpstreamProbeResult & { checkedAt: string };
      at: number;
      running?: Promise<void> | undefined;
    }
  >();

  function refresh(name: string): Promise<void> {
    const entry = probes.get(name);
    if (entry === undefined) {
      return Promise.resolve();
    }
    if (entry.running !== undefined) {
      return entry.running;
    }
    entry.at = now();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<UpstreamProbeResult>((resolve) => {
      timer = setTimeout(() => {
        resolve({ reachable: false, detail: "probe timed out" });
      }, timeout);
    });
    entry.running = Promise.race([
      entry.probe().catch(() => ({ reachable: false, detail: "probe failed" })),
      timedOut,
    ])
      .then((result) => {
        entry.last = { ...result, checkedAt: new Date(now()).toISOString() };
      })
      .finally(() => {
        clearTimeout(timer);
        entry.running = undefined;
      });
    return entry.running;
  }

  return {
    addUpstream(name, probe) {
      probes.set(name, { probe, at: 0 });
    },
    async check() {
      const waits: Promise<void>[] = [];
      for (const [name, entry] of probes) {
        if (now() - entry.at >= interval) {
          const p = refresh(name);
          if (entry.last === undefined) {
            waits.push(p);
          }
        }
      }
      await Promise.all(waits);
      const stats = await options.mirrorStats();
      const mirror = stats === undefined ? ("absent" as const) : { ...stats, ready: stats.loaded };
      const upstreams: Record<string, UpstreamProbeResult & { checkedAt: string }> = {};
      for (const [name, entry] of probes) {
        if (entry.last !== undefined) {
          upstreams[name] = entry.last;
        }
      }
      const shuttingDown = options.isShuttingDown();
      const ready = !shuttingDown && (mirror === "absent" || mirror.ready);
      return {
        status: ready ? "ready" : "not-ready",
        checks: { config: "ok", shuttingDown, mirror, upstreams },
      };
    },
  };
}
