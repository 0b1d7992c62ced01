// Shared helpers of the platform benchmarks: start the app in a child process, drive it with autocannon.
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import autocannon from "autocannon";

const here = dirname(fileURLToPath(import.meta.url));

export const ORGANISATIONS = 5000;
export const API_KEY = "bench_key_6f1c0a9e7d2b4c3a8e5f1d0c9b8a7e6f";
export const API_KEYS = JSON.stringify([
  {
    name: "bench",
    sha256: createHash("sha256").update(API_KEY).digest("hex"),
    scopes: ["system/Organization.read", "system/metrics.read"],
  },
]);

export interface Child {
  readonly base: string;
  readonly process: ChildProcess;
  stop(): Promise<void>;
}

/** Starts `platform-serve.ts` with the given settings; resolves when it listens. */
export async function startServer(settings: Record<string, string>): Promise<Child> {
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      "--conditions=@fhir-facade/source",
      join(here, "platform-serve.ts"),
      JSON.stringify(settings),
      String(ORGANISATIONS),
    ],
    { cwd: join(here, ".."), stdio: ["ignore", "pipe", "inherit"] },
  );
  const port = await new Promise<number>((resolve, reject) => {
    let out = "";
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /^(\d+)\n/.exec(out);
      if (m?.[1] !== undefined) {
        resolve(Number(m[1]));
      }
    });
    child.once("exit", (code) => {
      reject(new Error(`server exited with ${code}`));
    });
  });
  return {
    base: `http://127.0.0.1:${port}`,
    process: child,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once("exit", () => {
          resolve();
        });
        child.kill("SIGTERM");
      }),
  };
}

export interface LoadResult {
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly requests: number;
  readonly errors: number;
}

/** Random organisation reads (`GET /fhir/Organization/{code}`) with the given headers. */
export async function readLoad(
  base: string,
  options: { seconds: number; connections: number; headers?: Record<string, string>; overallRate?: number },
): Promise<LoadResult> {
  const result = await autocannon({
    url: base,
    connections: options.connections,
    duration: options.seconds,
    ...(options.overallRate !== undefined ? { overallRate: options.overallRate } : {}),
    headers: options.headers ?? {},
    requests: [
      {
        method: "GET",
        setupRequest: (req) => ({
          ...req,
          path: `/fhir/Organization/B${String(Math.floor(Math.random() * ORGANISATIONS)).padStart(5, "0")}`,
        }),
      },
    ],
  });
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    requests: result.requests.total,
    errors: result.errors + result.timeouts + result.non2xx,
  };
}
