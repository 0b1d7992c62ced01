/**
 * `pnpm bench organization-search` (issue 7): Organization searches on the 300,000-org data set (testkit
 * generator → ODS mirror, SQLite) through the facade, `_count=20`, an even mix of
 * `name:contains=<word>`, `address-postalcode=<postcode>` and `roleCode=<role>&active=true` with values drawn
 * from a sample of real records; load from this process on loopback, the facade in its own process.
 * Targets: at least 2,000 requests/s with p99 under 25 ms.
 */
import { reportBench } from "@fhir-facade/testkit";

import { load, prng, startServer, stopAll } from "./bench-process.js";
import { DB_PATH, ORGANISATIONS, ensureDataset, sampleOrganisations } from "./ods-dataset.js";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 20);

const log = (line: string): void => {
  process.stdout.write(`  ${line}\n`);
};

const store = await ensureDataset(log);
const sample = await sampleOrganisations(store, 5_000);
await store.close();

const words = [
  ...new Set(sample.flatMap((o) => o.name.split(/\s+/)).filter((w) => /^[A-Za-z]{4,}$/.test(w))),
].map((w) => w.toLowerCase());
const postcodes = [...new Set(sample.map((o) => o.postcode).filter((p): p is string => p !== undefined))];
const roles = [...new Set(sample.flatMap((o) => o.roles))];

type Kind = "name-contains" | "postcode" | "role-active";
const KINDS: Kind[] = ["name-contains", "postcode", "role-active"];

function query(kind: Kind, random: () => number): string {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  switch (kind) {
    case "name-contains":
      return `/fhir/Organization?name:contains=${encodeURIComponent(pick(words))}&_count=20`;
    case "postcode":
      return `/fhir/Organization?address-postalcode=${encodeURIComponent(pick(postcodes))}&_count=20`;
    case "role-active":
      return `/fhir/Organization?roleCode=${pick(roles)}&active=true&_count=20`;
  }
}

const server = await startServer("serve-facade.ts", [DB_PATH]);

// Preflight: each kind answers a searchset Bundle with a total.
const check = prng(7);
for (const kind of KINDS) {
  const res = await fetch(`http://127.0.0.1:${server.port}${query(kind, check)}`);
  const body = (await res.json()) as { resourceType?: string; total?: number };
  if (res.status !== 200 || body.resourceType !== "Bundle" || typeof body.total !== "number") {
    throw new Error(`preflight: ${kind} answered ${res.status}`);
  }
}

const results: Record<string, number> = {};
const random = prng(11);
await load({
  port: server.port,
  next: () => query("role-active", random),
  connections: CONNECTIONS,
  seconds: 3,
});
for (const kind of KINDS) {
  const r = await load({
    port: server.port,
    next: () => query(kind, random),
    connections: CONNECTIONS,
    seconds: SECONDS,
  });
  log(
    `${kind}: ${r.rps.toFixed(0)} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms, non-2xx ${r.non2xx}, errors/timeouts ${r.errors}`,
  );
  results[`${kind} req/s`] = Math.round(r.rps);
  results[`${kind} p99 ms`] = r.p99;
  results[`${kind} errors+timeouts`] = r.errors;
}
let i = 0;
const mixed = await load({
  port: server.port,
  next: () => query(KINDS[i++ % KINDS.length] ?? "postcode", random),
  connections: CONNECTIONS,
  seconds: SECONDS,
});
log(
  `mixed: ${mixed.rps.toFixed(0)} req/s, p50 ${mixed.p50} ms, p99 ${mixed.p99} ms, non-2xx ${mixed.non2xx}`,
);
stopAll();

const passed = reportBench({
  name: "organization-search",
  description: `Organization searches (_count=20) over ${ORGANISATIONS.toLocaleString("en-GB")} organisations (mirror, SQLite), ${CONNECTIONS} connections, ${SECONDS} s per kind`,
  figures: {
    ...results,
    "mixed req/s": Math.round(mixed.rps),
    "mixed p50 ms": mixed.p50,
    "mixed p99 ms": mixed.p99,
    "mixed non-2xx": mixed.non2xx + mixed.errors,
  },
  ratios: [],
  limits: [
    { name: "mixed searches req/s", value: mixed.rps, target: { min: 2000 } },
    { name: "mixed searches p99 ms", value: mixed.p99, target: { max: 25 } },
    ...KINDS.map((k) => ({ name: `${k} req/s`, value: results[`${k} req/s`] ?? 0, target: { min: 2000 } })),
    ...KINDS.map((k) => ({
      name: `${k} p99 ms`,
      value: results[`${k} p99 ms`] ?? Infinity,
      target: { max: 25 },
    })),
  ],
});
process.exit(passed ? 0 : 1);
