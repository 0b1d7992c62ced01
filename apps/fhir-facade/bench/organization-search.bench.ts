/**
 * `pnpm bench organization-search` (issue 7): Organization searches on the 300,000-org data set (testkit
 * generator → ODS mirror, SQLite) through the facade, `_count=20`, an even mix of
 * `name:contains=<word>`, `address-postalcode=<postcode>` and `roleCode=<role>&active=true` with values drawn
 * from a sample of real records; load from this process on loopback, the facade in its own process.
 * Targets: at least 2,000 requests/s with p99 under 25 ms.
 *
 * Reference, measured in the same run: a bare node:http server calling the mirror's store.search for the same
 * queries and writing the entries' bytes (serve-store.ts). The ratio facade / store.search alone is what the FHIR
 * layer (parsing, the adapter, the Bundle, links, HTTP) costs on top of the store; the rounds alternate between
 * the two servers and the best round of each counts.
 */
import { reportBench } from "@fhir-facade/testkit";

import { load, prng, startServer, stopAll } from "./bench-process.js";
import type { LoadResult } from "./bench-process.js";
import { DB_PATH, ORGANISATIONS, ensureDataset, sampleOrganisations } from "./ods-dataset.js";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
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
const reference = await startServer("serve-store.ts", [DB_PATH]);

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
const layerRatios: { name: string; value: number }[] = [];
for (const port of [server.port, reference.port]) {
  const warm = prng(11);
  await load({ port, next: () => query("role-active", warm), connections: CONNECTIONS, seconds: 3 });
}

/** Server CPU milliseconds per answered request over one load run (Linux; NaN elsewhere). */
async function loadWithCpu(
  target: typeof server,
  options: Omit<Parameters<typeof load>[0], "port">,
): Promise<LoadResult & { cpuMs: number }> {
  const before = target.cpuSeconds();
  const r = await load({ ...options, port: target.port });
  const after = target.cpuSeconds();
  const answered = r.rps * options.seconds;
  const cpuMs =
    before === undefined || after === undefined || answered === 0
      ? NaN
      : ((after - before) * 1000) / answered;
  return { ...r, cpuMs };
}

/**
 * The best of ROUNDS alternating rounds of the facade and the store-only reference, same query sequence; also
 * each server's CPU per request (the most favourable round), which does not depend on how much of the two cores
 * the load generator and the machine's other tenants take.
 */
async function measure(name: string, next: (random: () => number) => string): Promise<LoadResult> {
  let facade: LoadResult | undefined;
  let store: LoadResult | undefined;
  let facadeCpu = Infinity;
  let storeCpu = Infinity;
  for (let round = 0; round < ROUNDS; round++) {
    for (const which of ["facade", "store"] as const) {
      const random = prng(100 + round);
      const r = await loadWithCpu(which === "facade" ? server : reference, {
        next: () => next(random),
        connections: CONNECTIONS,
        seconds: SECONDS,
      });
      log(
        `round ${round + 1} ${name} ${which}: ${r.rps.toFixed(0)} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms, server CPU ${r.cpuMs.toFixed(3)} ms/req, non-2xx ${r.non2xx}, errors/timeouts ${r.errors}`,
      );
      if (which === "facade") {
        facadeCpu = Math.min(facadeCpu, r.cpuMs);
      } else {
        storeCpu = Math.min(storeCpu, r.cpuMs);
      }
      if (which === "facade" && (facade === undefined || r.rps > facade.rps)) {
        facade = r;
      }
      if (which === "store" && (store === undefined || r.rps > store.rps)) {
        store = r;
      }
    }
  }
  const f = facade ?? { rps: 0, p50: 0, p99: Infinity, non2xx: 0, errors: 0 };
  const s = store ?? f;
  results[`${name} store.search alone req/s`] = Math.round(s.rps);
  results[`${name} facade CPU ms/req`] = Number(facadeCpu.toFixed(3));
  results[`${name} store.search alone CPU ms/req`] = Number(storeCpu.toFixed(3));
  results[`${name} FHIR layer CPU ms/req`] = Number((facadeCpu - storeCpu).toFixed(3));
  layerRatios.push({ name: `${name}: facade / store.search alone`, value: s.rps === 0 ? 0 : f.rps / s.rps });
  layerRatios.push({
    name: `${name}: store.search CPU / facade CPU per request`,
    value: Number.isFinite(facadeCpu) && facadeCpu > 0 ? storeCpu / facadeCpu : 0,
  });
  return f;
}

for (const kind of KINDS) {
  const r = await measure(kind, (random) => query(kind, random));
  results[`${kind} req/s`] = Math.round(r.rps);
  results[`${kind} p99 ms`] = r.p99;
  results[`${kind} errors+timeouts`] = r.errors;
}
const mixed = await measure("mixed", (random) =>
  query(KINDS[Math.floor(random() * KINDS.length)] ?? "postcode", random),
);
// As real clients ask (fetch, browsers, FHIR client libraries send Accept-Encoding): pages of 8 KiB or more are
// compressed (br). Stated without a target.
const compressedRandom = prng(100);
const compressed = await loadWithCpu(server, {
  next: () => query(KINDS[Math.floor(compressedRandom() * KINDS.length)] ?? "postcode", compressedRandom),
  connections: CONNECTIONS,
  seconds: SECONDS,
  headers: { "accept-encoding": "gzip, deflate, br" },
});
log(
  `mixed with Accept-Encoding: br: ${compressed.rps.toFixed(0)} req/s, p99 ${compressed.p99} ms, server CPU ${compressed.cpuMs.toFixed(3)} ms/req`,
);
results["mixed, Accept-Encoding br: req/s"] = Math.round(compressed.rps);
results["mixed, Accept-Encoding br: p99 ms"] = compressed.p99;
results["mixed, Accept-Encoding br: facade CPU ms/req"] = Number(compressed.cpuMs.toFixed(3));
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
  // What the FHIR layer costs on top of store.search (the store's own speed is the mirror's), stated without a
  // target (the issue sets none): the server CPU per request of the facade and of store.search alone, and the
  // throughput ratio (which also carries the load generator's cost of parsing the larger Bundle).
  ratios: layerRatios.map((r) => ({ ...r, target: {} })),
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
