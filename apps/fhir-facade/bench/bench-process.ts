// Helpers of the ODS benchmarks: servers in child processes, autocannon load from this process (loopback only).
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

import autocannon from "autocannon";

const children: ChildProcess[] = [];

/** Starts `bench/<script>` in its own Node process (tsx, source conditions); resolves its port. */
export async function startServer(
  script: string,
  args: readonly string[],
): Promise<{ port: number; stop: () => void; cpuSeconds: () => number | undefined }> {
  const file = fileURLToPath(new URL(`./${script}`, import.meta.url));
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "--conditions=@fhir-facade/source", file, ...args],
    {
      stdio: ["ignore", "pipe", "inherit"],
      env: { ...process.env, NODE_ENV: "production" },
    },
  );
  children.push(child);
  for await (const line of createInterface({ input: child.stdout })) {
    return {
      port: Number(line),
      stop: () => {
        child.kill();
      },
      cpuSeconds: () => (child.pid === undefined ? undefined : processCpuSeconds(child.pid)),
    };
  }
  throw new Error(`${script} exited before it listened`);
}

/**
 * User + system CPU seconds a process has used so far (Linux `/proc/<pid>/stat`, clock ticks of 1/100 s);
 * `undefined` elsewhere. Lets a benchmark report what a server spends per request, whatever the load generator
 * and the other tenants of the machine cost.
 */
export function processCpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may contain spaces) start after the last ")".
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return Number.isFinite(utime) && Number.isFinite(stime) ? (utime + stime) / 100 : undefined;
  } catch {
    return undefined;
  }
}

/** Kills every child still running (also on exit). */
export function stopAll(): void {
  for (const child of children) {
    child.kill();
  }
}
process.on("exit", stopAll);

/** What one load run measured (OK responses only count as throughput). */
export interface LoadResult {
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly non2xx: number;
  /** Connection errors and timeouts. */
  readonly errors: number;
}

/** Runs autocannon against `port` for `seconds`, each request taking the next path from `next()`. */
export async function load(options: {
  readonly port: number;
  readonly next: () => string;
  readonly connections: number;
  readonly seconds: number;
  /** Request headers (e.g. an API key). */
  readonly headers?: Record<string, string>;
}): Promise<LoadResult> {
  const result = await autocannon({
    url: `http://127.0.0.1:${options.port}`,
    connections: options.connections,
    duration: options.seconds,
    ...(options.headers === undefined ? {} : { headers: options.headers }),
    requests: [
      {
        setupRequest: (req) => ({ ...req, path: options.next() }),
      },
    ],
  });
  const ok = result.requests.total - result.non2xx;
  return {
    rps: ok / options.seconds,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

/** A deterministic PRNG (mulberry32), so every server gets the same request sequence. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
