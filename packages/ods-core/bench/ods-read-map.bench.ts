/**
 * Benchmark (issue 5): read + map the generated 300,000-organisation ODS XML full file.
 * Targets: >= 50,000 organisations/s on one core; < 1.5 x the time of a bare saxes pass over the same file
 * (same parser options, measured in this run); peak RSS < 300 MB.
 *
 * Run: `pnpm bench ods-read-map` (300,000). Another size, for a quick try (`pnpm bench` passes no options):
 * `NODE_ENV=production npx tsx --conditions=@fhir-facade/source bench/ods-read-map.bench.ts --orgs 50000`
 * from packages/ods-core.
 *
 * Honesty of the comparison: both passes read the same generated file, in the same process, with the same
 * 256 KiB reads and the same UTF-8 decoding (`Utf8Decoder`), through a parser built by the same `newSaxesParser` (same saxes
 * options, same handler slots in the same order, hence the same V8 hidden class). The bare pass's handlers
 * are no-ops and it never switches text events on (the reader does, inside value elements only), so it does
 * strictly less work than the reader. Times are the process's CPU time (all its threads, GC helpers
 * included), best of 2 after one warm-up of each, the passes alternating.
 */
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";

import { generateOdsFullFile, reportBench } from "@fhir-facade/testkit";

import {
  readOdsXmlFile,
  serialiseOrganisation,
  toFhirAffiliations,
  toFhirOrganization,
} from "../src/index.js";
import { newSaxesParser } from "../src/saxes-parser.js";
import { Utf8Decoder } from "../src/utf8-decoder.js";

const arg = process.argv.indexOf("--orgs");
const ORGS = arg > 0 ? Number(process.argv[arg + 1]) : 300_000;
const HIGH_WATER_MARK = 256 * 1024; // the reader's own read size

/**
 * CPU time of this process in ms (user + system). The passes are single-threaded, so CPU time is the
 * "one core" time, and unlike wall time it does not count waiting for a busy machine's cores.
 */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

let peakRss = 0;
function sampleRss(): void {
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
}

const noop = (): void => undefined;

/** A bare saxes pass: the reader's parser with no-op handlers, the same read size and decoding. */
async function barePass(path: string): Promise<{ cpu: number; wall: number }> {
  const started = performance.now();
  const cpu = cpuMs();
  const parser = newSaxesParser({
    xmldecl: noop,
    doctype: noop,
    error: (error) => {
      throw error;
    },
    opentag: noop,
    closetag: noop,
    cdata: noop,
    text: noop,
  });
  const decoder = new Utf8Decoder();
  const decode = (bytes: Uint8Array, final: boolean): string => {
    const text = decoder.decode(bytes, final);
    if (typeof text !== "string") throw new Error("invalid UTF-8");
    return text;
  };
  for await (const chunk of createReadStream(path, { highWaterMark: HIGH_WATER_MARK })) {
    parser.write(decode(chunk as Buffer, false));
  }
  parser.write(decode(new Uint8Array(0), true));
  parser.close();
  return { cpu: cpuMs() - cpu, wall: performance.now() - started };
}

/** Read + map: every organisation to its Organization and OrganizationAffiliations (objects). */
async function readAndMap(
  path: string,
  serialise: boolean,
): Promise<{ ms: number; wall: number; orgs: number; affiliations: number; bytes: number }> {
  const started = performance.now();
  const cpu = cpuMs();
  let orgs = 0;
  let affiliations = 0;
  let bytes = 0;
  for await (const item of readOdsXmlFile(path)) {
    if (item.kind !== "organisation") continue;
    if (serialise) {
      const s = serialiseOrganisation(item.organisation);
      bytes += s.organization.length;
      affiliations += s.affiliations.length;
    } else {
      const resource = toFhirOrganization(item.organisation);
      affiliations += toFhirAffiliations(item.organisation).length;
      if (resource.id === undefined) throw new Error("unmapped");
    }
    if (++orgs % 20_000 === 0) sampleRss();
  }
  return { ms: cpuMs() - cpu, wall: performance.now() - started, orgs, affiliations, bytes };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "ods-bench-"));
  const path = join(dir, "HSCOrgRefData_Full_20261101.xml");
  try {
    const genStarted = performance.now();
    const written = await generateOdsFullFile({ out: createWriteStream(path), organisations: ORGS, seed: 1 });
    const genMs = performance.now() - genStarted;
    const sizeMb = statSync(path).size / 1e6;
    sampleRss();

    // Warm-up of both code paths on the same file, then alternate measured runs; best of 2 each.
    await barePass(path);
    await readAndMap(path, false);
    const bare: { cpu: number; wall: number }[] = [];
    const mapped: { ms: number; wall: number; orgs: number; affiliations: number }[] = [];
    for (let i = 0; i < 2; i++) {
      bare.push(await barePass(path));
      mapped.push(await readAndMap(path, false));
      sampleRss();
    }
    const serialised = await readAndMap(path, true);
    sampleRss();
    const bareMs = Math.min(...bare.map((b) => b.cpu));
    const bareWall = Math.min(...bare.map((b) => b.wall));
    const best = mapped.reduce((a, b) => (a.ms <= b.ms ? a : b));
    if (best.orgs !== written.organisations) {
      throw new Error(`read ${best.orgs} organisations, generated ${written.organisations}`);
    }
    const orgsPerSecond = best.orgs / (best.ms / 1000);
    const maxRssMb = process.resourceUsage().maxRSS / 1024; // KiB -> MiB
    const ok = reportBench({
      name: "ods-read-map",
      description: `read + map the generated ${ORGS.toLocaleString("en-GB")}-organisation ODS XML full file (one core)`,
      figures: {
        organisations: best.orgs,
        affiliations: best.affiliations,
        "file size (MB)": Number(sizeMb.toFixed(1)),
        "generate (ms)": Math.round(genMs),
        "bare saxes pass (CPU ms, best of 2)": Math.round(bareMs),
        "read+map (CPU ms, best of 2)": Math.round(best.ms),
        "bare saxes pass (wall ms, best of 2)": Math.round(bareWall),
        "read+map (wall ms, best)": Math.round(Math.min(...mapped.map((m) => m.wall))),
        "load average (1 min, 2 cores)": Number(loadavg()[0]?.toFixed(1) ?? 0),
        "read+map (orgs/s)": Math.round(orgsPerSecond),
        "read+map+serialise JSON (CPU ms)": Math.round(serialised.ms),
        "read+map+serialise JSON (orgs/s)": Math.round(serialised.orgs / (serialised.ms / 1000)),
        "serialised Organization JSON (MB)": Number((serialised.bytes / 1e6).toFixed(1)),
        "peak RSS sampled (MB)": Math.round(peakRss / 1e6),
        "max RSS of the process (MiB)": Math.round(maxRssMb),
      },
      ratios: [
        { name: "read+map / bare saxes pass (CPU time)", value: best.ms / bareMs, target: { max: 1.5 } },
      ],
      limits: [
        { name: "read+map organisations/s", value: orgsPerSecond, target: { min: 50_000 } },
        { name: "peak RSS (MiB, whole process)", value: maxRssMb, target: { max: 300 } },
      ],
    });
    process.exitCode = ok ? 0 : 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
