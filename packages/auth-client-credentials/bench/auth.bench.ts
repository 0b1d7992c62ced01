/**
 * Benchmark of @fhir-facade/auth-client-credentials (run with `pnpm bench auth`):
 * - warm-cache `getToken()` throughput on one core (target: at least 1,000,000 calls/s);
 * - the authenticated fetch against a bare request through the same fetch, both to a node:http server on
 *   127.0.0.1 (target: auth / bare at most 1.02, measured in the same run, interleaved rounds).
 */
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

import { addKeycloakTokenEndpoint, FakeServer, reportBench } from "@fhir-facade/testkit";

import { createTokenClient } from "../src/index.js";

const fake = new FakeServer();
const endpoint = addKeycloakTokenEndpoint(fake, {
  clients: [{ clientId: "bench", clientSecret: "bench-secret" }],
  expiresIn: 3600,
});
await fake.start();

const resource = createServer((req, res) => {
  req.resume();
  req.on("end", () => {
    res.writeHead(200, { "content-type": "application/json", "content-length": 11 });
    res.end('{"ok":true}');
  });
});
resource.keepAliveTimeout = 60_000;
resource.listen(0, "127.0.0.1");
await once(resource, "listening");
const resourceUrl = `http://127.0.0.1:${(resource.address() as AddressInfo).port}/fhir/metadata`;

const client = createTokenClient({
  tokenUrl: endpoint.url,
  clientId: "bench",
  clientSecret: "bench-secret",
  allowInsecureLoopback: true,
});

// 1. Warm getToken().
await client.getToken();
async function tokenLoop(n: number): Promise<number> {
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    await client.getToken();
  }
  return Number(process.hrtime.bigint() - start) / 1e9;
}
await tokenLoop(200_000); // warm-up (JIT)
const tokenCalls = 3_000_000;
const tokenSeconds = await tokenLoop(tokenCalls);
const tokensPerSecond = tokenCalls / tokenSeconds;

// 2. Authenticated fetch vs bare fetch, same fetch (the global one), same server. Requests alternate one by one
// (bare, auth, auth, bare, ...) so that load from other processes and drift fall on both alike; the ratio compares
// the medians of the per-request times (robust to scheduler spikes on a shared machine).
const headers = { accept: "application/fhir+json" };
async function timeBare(): Promise<number> {
  const start = process.hrtime.bigint();
  const res = await fetch(resourceUrl, { headers });
  await res.arrayBuffer();
  return Number(process.hrtime.bigint() - start);
}
async function timeAuthed(): Promise<number> {
  const start = process.hrtime.bigint();
  const res = await client.fetch(resourceUrl, { headers });
  await res.arrayBuffer();
  return Number(process.hrtime.bigint() - start);
}
for (let i = 0; i < 3_000; i++) {
  await timeBare();
  await timeAuthed();
}
const requests = 20_000;
const bareTimes: number[] = [];
const authTimes: number[] = [];
for (let i = 0; i < requests; i++) {
  if (i % 2 === 0) {
    bareTimes.push(await timeBare());
    authTimes.push(await timeAuthed());
  } else {
    authTimes.push(await timeAuthed());
    bareTimes.push(await timeBare());
  }
}
const median = (xs: number[]): number => {
  const sorted = [...xs].sort((x, y) => x - y);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};
const sum = (xs: number[]): number => xs.reduce((acc, x) => acc + x, 0);
const bareMedian = median(bareTimes);
const authMedian = median(authTimes);
const medianRatio = authMedian / bareMedian;
const totalRatio = sum(authTimes) / sum(bareTimes);

await fake.close();
resource.closeAllConnections();
await new Promise<void>((resolve) =>
  resource.close(() => {
    resolve();
  }),
);

const passed = reportBench({
  name: "auth",
  description:
    "auth-client-credentials: warm getToken() throughput; authenticated fetch vs bare fetch on loopback",
  figures: {
    "getToken warm calls": tokenCalls,
    "getToken warm calls/s": Math.round(tokensPerSecond),
    "getToken warm ns/call": (tokenSeconds * 1e9) / tokenCalls,
    "loopback requests per variant": requests,
    "bare fetch median µs/request": bareMedian / 1000,
    "authenticated fetch median µs/request": authMedian / 1000,
    "bare fetch mean µs/request": sum(bareTimes) / requests / 1000,
    "authenticated fetch mean µs/request": sum(authTimes) / requests / 1000,
    "auth/bare ratio of means (informative)": totalRatio,
    "token requests made": endpoint.tokenRequests,
  },
  ratios: [{ name: "authenticated / bare fetch (medians)", value: medianRatio, target: { max: 1.02 } }],
  limits: [
    { name: "warm getToken() calls/s", value: Math.round(tokensPerSecond), target: { min: 1_000_000 } },
  ],
});
process.exit(passed ? 0 : 1);
