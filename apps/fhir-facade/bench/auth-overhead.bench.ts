/**
 * What inbound authentication costs on the read path (issue 9): `GET /fhir/Organization/{random code}`
 * through the whole app (platform + FHIR routes, in-memory ODS repository, request logs written) with
 * authentication off, with an API key, and with a bearer JWT (RS256, configured public key; the client
 * reuses its token, as OAuth clients do until it expires). Each configuration runs in its own server
 * process; autocannon drives it from this process on loopback. The three run in turn, twice, and the
 * better of each pair counts (less noise from the shared 2-core machine).
 *
 * Target: each authenticated throughput >= 0.9 x the unauthenticated one, measured in the same run.
 */
import { generateKeyPairSync } from "node:crypto";

import jwt from "jsonwebtoken";

import { reportBench } from "@fhir-facade/testkit";

import { API_KEY, API_KEYS, readLoad, startServer } from "./platform-bench-util.js";
import type { LoadResult } from "./platform-bench-util.js";

const SECONDS = 10;
const CONNECTIONS = 50;
const ROUNDS = 2;

const keys = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  publicKeyEncoding: { type: "spki", format: "pem" },
  privateKeyEncoding: { type: "pkcs8", format: "pem" },
});
const issuer = "https://issuer.bench.invalid";
const audience = "https://facade.bench.invalid/fhir";
const token = jwt.sign({ scope: "system/Organization.read", client_id: "bench-jwt" }, keys.privateKey, {
  algorithm: "RS256",
  issuer,
  audience,
  expiresIn: 3600,
});

const common = {
  FACADE_LOG_LEVEL: "info",
  FACADE_RATE_LIMIT_PER_S: "1000000",
  FACADE_RATE_LIMIT_BURST: "1000000",
};
const modes = {
  off: { settings: { ...common, FACADE_AUTH: "off" }, headers: {} },
  apiKey: { settings: { ...common, FACADE_API_KEYS: API_KEYS }, headers: { "x-api-key": API_KEY } },
  jwt: {
    settings: {
      ...common,
      FACADE_JWT_ISSUER: issuer,
      FACADE_JWT_AUDIENCE: audience,
      FACADE_JWT_PUBLIC_KEY: keys.publicKey,
    },
    headers: { authorization: `Bearer ${token}` },
  },
} as const;

const best: Record<string, LoadResult> = {};
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, mode] of Object.entries(modes)) {
    const server = await startServer(mode.settings);
    try {
      const check = await fetch(`${server.base}/fhir/Organization/B00001`, { headers: mode.headers });
      if (check.status !== 200) {
        throw new Error(`${name}: preflight answered ${check.status}`);
      }
      await readLoad(server.base, { seconds: 2, connections: CONNECTIONS, headers: mode.headers }); // warm-up
      const r = await readLoad(server.base, {
        seconds: SECONDS,
        connections: CONNECTIONS,
        headers: mode.headers,
      });
      process.stdout.write(
        `round ${round + 1} ${name}: ${r.rps.toFixed(0)} req/s, p99 ${r.p99} ms, errors ${r.errors}\n`,
      );
      const prev = best[name];
      if (prev === undefined || r.rps > prev.rps) {
        best[name] = r;
      }
    } finally {
      await server.stop();
    }
  }
}

const off = best.off;
const apiKey = best.apiKey;
const jwtBest = best.jwt;
if (off === undefined || apiKey === undefined || jwtBest === undefined) {
  throw new Error("missing results");
}
const passed = reportBench({
  name: "auth-overhead",
  description: `read throughput with authentication on vs off (autocannon c=${CONNECTIONS}, ${SECONDS} s, best of ${ROUNDS})`,
  figures: {
    "auth off req/s": Math.round(off.rps),
    "API key req/s": Math.round(apiKey.rps),
    "JWT (RS256) req/s": Math.round(jwtBest.rps),
    "auth off p99 ms": off.p99,
    "API key p99 ms": apiKey.p99,
    "JWT p99 ms": jwtBest.p99,
    "errors (all runs)": off.errors + apiKey.errors + jwtBest.errors,
  },
  ratios: [
    { name: "API key / off throughput", value: apiKey.rps / off.rps, target: { min: 0.9 } },
    { name: "JWT / off throughput", value: jwtBest.rps / off.rps, target: { min: 0.9 } },
  ],
  limits: [{ name: "errors", value: off.errors + apiKey.errors + jwtBest.errors, target: { max: 0 } }],
});
process.exit(passed ? 0 : 1);
