/**
 * Benchmark of the terminology gateway (run with `pnpm bench terminology`), issue 8:
 *
 * 1. Uncached `$lookup` through the gateway against the same call sent directly to the fake upstream, in one
 *    run: added p50 latency under 1 ms; throughput at least 0.8 × direct. The fake answers after 5 ms (the
 *    upstream's own service time: Ontoserver's `$lookup` p50 at 1 VU is 4.3 ms in the HealthSamurai tx-benchmark,
 *    upstream-terminology.md §6.1; the real NHS server adds network time on top). The same pair is also measured
 *    with a 0 ms upstream, for information only (a proxy cannot match a loopback server that does no work).
 * 2. Cached `$lookup` and `$validate-code` through the gateway against a bare `node:http` server returning the
 *    same bytes (same status, headers and body): throughput at least 0.5 ×.
 *
 * Each server runs in its own process; autocannon (10 connections, like the tx-benchmark's 10 VU) drives load
 * from this process. Latency is measured separately: requests alternate one by one between the two targets
 * (direct, gateway, gateway, direct, ...) on keep-alive connections, so drift falls on both alike.
 */
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { Agent, request } from "node:http";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

import { reportBench } from "@fhir-facade/testkit";
import autocannon from "autocannon";

const DURATION_S = Number(process.argv[2] ?? 8);
const CONNECTIONS = 10;
const LATENCY_SAMPLES = 2000;
const LOOKUP = "/CodeSystem/$lookup?system=http%3A%2F%2Fsnomed.info%2Fsct&code=291446002&property=inactive";
const VALIDATE =
  "/ValueSet/$validate-code?url=http%3A%2F%2Fsnomed.info%2Fsct%3Ffhir_vs&system=http%3A%2F%2Fsnomed.info%2Fsct&code=44054006";

const children: ChildProcess[] = [];
const helper = fileURLToPath(new URL("./terminology-bench-servers.ts", import.meta.url));

async function start<T>(settings: Record<string, unknown>): Promise<T> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "--conditions=@fhir-facade/source", helper, JSON.stringify(settings)],
    {
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  children.push(child);
  const lines = createInterface({ input: child.stdout });
  for await (const line of lines) {
    return JSON.parse(line) as T;
  }
  throw new Error(`server ${String(settings.role)} exited before it started`);
}

function stopAll(): void {
  for (const child of children) {
    child.kill();
  }
}

interface FakeInfo {
  fhirBase: string;
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
}

async function token(fake: FakeInfo): Promise<string> {
  const res = await fetch(fake.tokenUrl, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "client_credentials",
      client_id: fake.clientId,
      client_secret: fake.clientSecret,
    }),
  });
  return ((await res.json()) as { access_token: string }).access_token;
}

async function load(
  url: string,
  headers: Record<string, string>,
  seconds: number,
): Promise<{ rps: number; p50: number; errors: number }> {
  const result = await autocannon({ url, connections: CONNECTIONS, duration: seconds, headers });
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    errors: result.errors + result.timeouts + result.non2xx,
  };
}

const agent = new Agent({ keepAlive: true, maxSockets: 4 });
function once(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const req = request(url, { agent, headers }, (res) => {
      res.resume();
      res.on("end", () => {
        if (res.statusCode !== 200) {
          reject(new Error(`status ${String(res.statusCode)} from ${url}`));
          return;
        }
        resolve(Number(process.hrtime.bigint() - started) / 1e6);
      });
    });
    req.on("error", reject);
    req.end();
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/** Alternating sequential requests; returns the p50 of each target in ms. */
async function pairedLatency(
  a: { url: string; headers: Record<string, string> },
  b: { url: string; headers: Record<string, string> },
): Promise<{ a: number; b: number }> {
  const ta: number[] = [];
  const tb: number[] = [];
  for (let i = 0; i < LATENCY_SAMPLES; i++) {
    if (i % 2 === 0) {
      ta.push(await once(a.url, a.headers));
      tb.push(await once(b.url, b.headers));
    } else {
      tb.push(await once(b.url, b.headers));
      ta.push(await once(a.url, a.headers));
    }
  }
  return { a: median(ta.slice(100)), b: median(tb.slice(100)) };
}

try {
  const [slow, fast] = await Promise.all([
    start<FakeInfo>({ role: "fake", latencyMs: 5 }),
    start<FakeInfo>({ role: "fake", latencyMs: 0 }),
  ]);
  const [gwSlow, gwFast, gwCached] = await Promise.all([
    start<{ base: string }>({ role: "gateway", ...slow, cache: false }),
    start<{ base: string }>({ role: "gateway", ...fast, cache: false }),
    start<{ base: string }>({ role: "gateway", ...fast, cache: true }),
  ]);
  const bearer = { authorization: `Bearer ${await token(slow)}` };
  const bearerFast = { authorization: `Bearer ${await token(fast)}` };

  // 1. Uncached $lookup, upstream service time 5 ms.
  const direct = { url: `${slow.fhirBase}${LOOKUP}`, headers: bearer };
  const viaGateway = { url: `${gwSlow.base}${LOOKUP}`, headers: {} };
  await load(direct.url, direct.headers, 2);
  await load(viaGateway.url, viaGateway.headers, 2);
  const lat = await pairedLatency(direct, viaGateway);
  const directLoad = await load(direct.url, direct.headers, DURATION_S);
  const gatewayLoad = await load(viaGateway.url, viaGateway.headers, DURATION_S);

  // 1b. The same with a 0 ms upstream (information only).
  const direct0 = { url: `${fast.fhirBase}${LOOKUP}`, headers: bearerFast };
  const viaGateway0 = { url: `${gwFast.base}${LOOKUP}`, headers: {} };
  await load(viaGateway0.url, {}, 2);
  const lat0 = await pairedLatency(direct0, viaGateway0);
  const directLoad0 = await load(direct0.url, direct0.headers, Math.max(3, DURATION_S / 2));
  const gatewayLoad0 = await load(viaGateway0.url, {}, Math.max(3, DURATION_S / 2));

  // 2. Cached $lookup and $validate-code against a bare node:http server with the same bytes.
  const cached: Record<string, { gateway: number; bare: number }> = {};
  for (const [name, path] of [
    ["lookup", LOOKUP],
    ["validate-code", VALIDATE],
  ] as const) {
    const url = `${gwCached.base}${path}`;
    const first = await fetch(url);
    const body = Buffer.from(await first.arrayBuffer());
    const headers: Record<string, string> = {};
    first.headers.forEach((value, key) => {
      if (!["content-length", "connection", "keep-alive", "date"].includes(key)) {
        headers[key] = value;
      }
    });
    const bare = await start<{ base: string }>({
      role: "bare",
      status: first.status,
      headers,
      bodyBase64: body.toString("base64"),
    });
    await load(url, {}, 2);
    await load(`${bare.base}${path}`, {}, 2);
    const g = await load(url, {}, DURATION_S);
    const b = await load(`${bare.base}${path}`, {}, DURATION_S);
    if (g.errors > 0 || b.errors > 0) {
      throw new Error(`cached ${name}: errors during load (gateway ${g.errors}, bare ${b.errors})`);
    }
    cached[name] = { gateway: g.rps, bare: b.rps };
  }
  if (directLoad.errors > 0 || gatewayLoad.errors > 0) {
    throw new Error(
      `uncached: errors during load (direct ${directLoad.errors}, gateway ${gatewayLoad.errors})`,
    );
  }

  const lookupCached = cached.lookup ?? { gateway: 0, bare: 1 };
  const validateCached = cached["validate-code"] ?? { gateway: 0, bare: 1 };
  const passed = reportBench({
    name: "terminology",
    description: `terminology gateway: uncached $lookup vs direct (upstream 5 ms), cached $lookup/$validate-code vs bare node:http (autocannon c=${CONNECTIONS}, ${DURATION_S} s)`,
    figures: {
      "uncached direct req/s (5 ms upstream)": Math.round(directLoad.rps),
      "uncached gateway req/s (5 ms upstream)": Math.round(gatewayLoad.rps),
      "uncached direct p50 ms (sequential)": Number(lat.a.toFixed(3)),
      "uncached gateway p50 ms (sequential)": Number(lat.b.toFixed(3)),
      "uncached direct p50 ms (c=10)": directLoad.p50,
      "uncached gateway p50 ms (c=10)": gatewayLoad.p50,
      "info: 0 ms upstream direct req/s": Math.round(directLoad0.rps),
      "info: 0 ms upstream gateway req/s": Math.round(gatewayLoad0.rps),
      "info: 0 ms upstream added p50 ms": Number((lat0.b - lat0.a).toFixed(3)),
      "cached $lookup gateway req/s": Math.round(lookupCached.gateway),
      "cached $lookup bare node:http req/s": Math.round(lookupCached.bare),
      "cached $validate-code gateway req/s": Math.round(validateCached.gateway),
      "cached $validate-code bare node:http req/s": Math.round(validateCached.bare),
    },
    ratios: [
      {
        name: "uncached throughput gateway/direct",
        value: gatewayLoad.rps / directLoad.rps,
        target: { min: 0.8 },
      },
      {
        name: "cached $lookup gateway/bare",
        value: lookupCached.gateway / lookupCached.bare,
        target: { min: 0.5 },
      },
      {
        name: "cached $validate-code gateway/bare",
        value: validateCached.gateway / validateCached.bare,
        target: { min: 0.5 },
      },
    ],
    limits: [{ name: "uncached added p50 ms", value: lat.b - lat.a, target: { max: 1 } }],
  });
  stopAll();
  process.exit(passed ? 0 : 1);
} catch (err) {
  stopAll();
  throw err;
}
