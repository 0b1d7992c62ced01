/**
 * `pnpm bench organization-read` (issue 7): `GET /fhir/Organization/{id}` with random codes on the 300,000-org
 * data set (testkit generator → ODS mirror, SQLite), 50 connections, load from this process on loopback,
 * each server in its own process, all measured in the same run:
 * - the facade (createApp over the mirror; the Organization read hot path),
 * - a bare node:http server answering the same pre-serialised bytes from a Map (target: facade ≥ 0.6 ×),
 * - @asymmetrik/node-fhir-server-core 2.2 serving the same resources from memory (target: facade ≥ 3 ×),
 * and the facade's p99 under 10 ms. Also measured, without a target: the facade as main.ts serves it, with the
 * platform (API-key auth, limits, request logs, metrics), where the hot path runs inside Express after them. Each server gets a warm-up, then the rounds alternate between servers
 * (the machine is shared) and the best round of each counts.
 */
import { createHash } from "node:crypto";

import { reportBench } from "@fhir-facade/testkit";

import { load, prng, startServer, stopAll } from "./bench-process.js";
import type { LoadResult } from "./bench-process.js";
import { DB_PATH, ORGANISATIONS, SAMPLE_PATH, ensureDataset, sampleOrganisations } from "./ods-dataset.js";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const CONNECTIONS = 50;
const SAMPLE = 20_000;

const log = (line: string): void => {
  process.stdout.write(`  ${line}\n`);
};

const store = await ensureDataset(log);
const sample = await sampleOrganisations(store, SAMPLE);
await store.close();
const codes = sample.map((o) => o.code);

const API_KEY = "bench_read_key_2c7e4a9b1d6f3e8a0b5c9d2e7f1a4b6c";
const API_KEYS = JSON.stringify([
  {
    name: "bench",
    sha256: createHash("sha256").update(API_KEY).digest("hex"),
    scopes: ["system/Organization.read"],
  },
]);

const servers = {
  facade: await startServer("serve-facade.ts", [DB_PATH]),
  platform: await startServer("serve-facade.ts", [DB_PATH, API_KEYS]),
  bare: await startServer("serve-bare.ts", [SAMPLE_PATH]),
  asymmetrik: await startServer("serve-asymmetrik.ts", [SAMPLE_PATH]),
};
type Name = keyof typeof servers;
const names: Name[] = ["bare", "facade", "asymmetrik", "platform"];

/** Each server's base path (node-fhir-server-core mounts resources under /<version>/). */
const BASE: Record<Name, string> = {
  facade: "/fhir",
  platform: "/fhir",
  bare: "/fhir",
  asymmetrik: "/4_0_1",
};
const HEADERS: Partial<Record<Name, Record<string, string>>> = { platform: { "x-api-key": API_KEY } };

function paths(name: Name, seed: number): () => string {
  const random = prng(seed);
  return () => {
    const code = codes[Math.floor(random() * codes.length)] ?? "";
    return `${BASE[name]}/Organization/${code}`;
  };
}

// Preflight: every server answers the same organisation, before anything is timed.
for (const name of names) {
  const code = codes[0] ?? "";
  const res = await fetch(`http://127.0.0.1:${servers[name].port}${BASE[name]}/Organization/${code}`, {
    headers: HEADERS[name] ?? {},
  });
  const body = (await res.json()) as { id?: string };
  if (res.status !== 200 || body.id !== code) {
    throw new Error(`preflight: ${name} answered ${res.status} for ${code}`);
  }
}

for (const name of names) {
  await load({
    port: servers[name].port,
    next: paths(name, 1),
    connections: CONNECTIONS,
    seconds: 3,
    ...(HEADERS[name] === undefined ? {} : { headers: HEADERS[name] }),
  });
}
const best: Partial<Record<Name, LoadResult>> = {};
for (let round = 0; round < ROUNDS; round++) {
  for (const name of names) {
    const r = await load({
      port: servers[name].port,
      next: paths(name, 100 + round),
      connections: CONNECTIONS,
      seconds: SECONDS,
      ...(HEADERS[name] === undefined ? {} : { headers: HEADERS[name] }),
    });
    log(
      `round ${round + 1} ${name}: ${r.rps.toFixed(0)} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms, non-2xx ${r.non2xx}`,
    );
    const prev = best[name];
    if (prev === undefined || r.rps > prev.rps) {
      best[name] = r;
    }
  }
}
stopAll();

const facade = best.facade ?? { rps: 0, p50: 0, p99: Infinity, non2xx: 0, errors: 0 };
const bare = best.bare ?? facade;
const asym = best.asymmetrik ?? facade;
const withPlatform = best.platform ?? facade;
const passed = reportBench({
  name: "organization-read",
  description: `GET /fhir/Organization/{id}, random codes from ${SAMPLE.toLocaleString("en-GB")} of ${ORGANISATIONS.toLocaleString("en-GB")} (mirror, SQLite), ${CONNECTIONS} connections, best of ${ROUNDS} × ${SECONDS} s`,
  figures: {
    "facade req/s": Math.round(facade.rps),
    "facade p50 ms": facade.p50,
    "facade p99 ms": facade.p99,
    "facade non-2xx": facade.non2xx + facade.errors,
    "bare node:http (Map of bytes) req/s": Math.round(bare.rps),
    "bare p99 ms": bare.p99,
    "node-fhir-server-core req/s": Math.round(asym.rps),
    "node-fhir-server-core p99 ms": asym.p99,
    "facade with the platform (API key) req/s": Math.round(withPlatform.rps),
    "facade with the platform p99 ms": withPlatform.p99,
    "facade with the platform non-2xx": withPlatform.non2xx + withPlatform.errors,
  },
  ratios: [
    { name: "facade / bare node:http", value: facade.rps / bare.rps, target: { min: 0.6 } },
    { name: "facade / node-fhir-server-core", value: facade.rps / asym.rps, target: { min: 3 } },
    // As main.ts serves it (auth, limits, logs, metrics, Express): stated, the issue sets no target for it.
    { name: "facade with the platform / bare node:http", value: withPlatform.rps / bare.rps, target: {} },
  ],
  limits: [
    { name: "facade p99 ms at 50 connections", value: facade.p99, target: { max: 10 } },
    { name: "facade non-2xx responses", value: facade.non2xx + facade.errors, target: { max: 0 } },
  ],
});
process.exit(passed ? 0 : 1);
