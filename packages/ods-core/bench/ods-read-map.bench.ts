/**
 * Benchmark (issue 5): read + map the generated 300,000-organisation ODS XML full file.
 * Targets: >= 50,000 organisations/s on one core; < 1.5 x the time of a bare saxes pass over the same file
 * (same parser, measured in this run); peak RSS < 300 MB.
 *
 * Run: `pnpm bench ods-read-map` (300,000). Another size, for a quick try: `pnpm bench ods-read-map --orgs 50000`.
 * from packages/ods-core.
 *
 * How it compares (the honesty rules):
 * - One file: generated once by the testkit generator, then read by every pass.
 * - One parser: both passes build it with `newSaxesParser` (same saxes options, same handler slots in the
 *   same order), read with the same 256 KiB reads and decode with the same `Utf8Decoder`. The bare pass's
 *   handlers are no-ops and it never switches text events on (the reader does, inside value elements
 *   only), so it does strictly less work than the reader.
 * - One run, one process per pass: this run starts the passes alternately (bare, read+map, bare, read+map)
 *   as child processes, each doing one warm-up and then 2 measured passes; the figure is the best of the 4.
 *   Separate processes because in one process each pass pollutes the other's JIT feedback (saxes' shared
 *   code then sees two sets of handlers and stops inlining them), which slows each by up to 20 % in ways a
 *   real loader process never sees; in its own process the bare pass is as fast as saxes gets.
 * - Times are CPU time of the child (user + system, all its threads, GC helpers included) around the pass
 *   only, so waiting for a busy machine's cores is not counted; wall times are reported too.
 * - RSS is the read+map child's peak (the process that would load the mirror).
 */
import { spawnSync } from "node:child_process";
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

import { generateOdsFullFile, reportBench } from "@fhir-facade/testkit";

import {
  readOdsXmlFile,
  serialiseOrganisation,
  toFhirAffiliations,
  toFhirOrganization,
} from "../src/index.js";
import { newSaxesParser } from "../src/saxes-parser.js";
import { Utf8Decoder } from "../src/utf8-decoder.js";

const HIGH_WATER_MARK = 256 * 1024; // the reader's own read size
const PROCESSES_PER_PASS = 2;
const MEASURED_PER_PROCESS = 2;

type Pass = "bare" | "map" | "serialise";

/** What one child process reports (one JSON line on stdout). */
interface PassResult {
  readonly pass: Pass;
  /** CPU ms of each measured pass. */
  readonly cpu: number[];
  /** Wall ms of each measured pass. */
  readonly wall: number[];
  readonly orgs: number;
  readonly affiliations: number;
  readonly bytes: number;
  /** Peak RSS of the child, MiB (getrusage). */
  readonly maxRssMiB: number;
  /** Highest RSS sampled during the passes, MB. */
  readonly sampledRssMB: number;
}

function option(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
}

/** CPU time of this process in ms (user + system, all threads). */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

let peakRss = 0;
function sampleRss(): void {
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
}

const noop = (): void => undefined;

/** A bare saxes pass: the reader's parser with no-op handlers, the same reads and decoding. */
async function barePass(path: string): Promise<void> {
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
  let chunks = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: HIGH_WATER_MARK })) {
    parser.write(decode(chunk as Buffer, false));
    if (++chunks % 256 === 0) sampleRss();
  }
  parser.write(decode(new Uint8Array(0), true));
  parser.close();
}

/** Read + map every organisation to its Organization and OrganizationAffiliations (objects or JSON). */
async function readAndMap(
  path: string,
  serialise: boolean,
): Promise<{ orgs: number; affiliations: number; bytes: number }> {
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
  return { orgs, affiliations, bytes };
}

/** Child process: one warm-up, then `measured` timed passes. */
async function runPass(pass: Pass, path: string, measured: number): Promise<PassResult> {
  const cpu: number[] = [];
  const wall: number[] = [];
  let counts = { orgs: 0, affiliations: 0, bytes: 0 };
  for (let i = 0; i <= measured; i++) {
    const startedWall = performance.now();
    const startedCpu = cpuMs();
    if (pass === "bare") await barePass(path);
    else counts = await readAndMap(path, pass === "serialise");
    if (i > 0) {
      cpu.push(cpuMs() - startedCpu);
      wall.push(performance.now() - startedWall);
    }
    sampleRss();
  }
  return {
    pass,
    cpu,
    wall,
    ...counts,
    maxRssMiB: process.resourceUsage().maxRSS / 1024,
    sampledRssMB: peakRss / 1e6,
  };
}

/** Runs one pass in a fresh child process (same Node flags, so the same tsx loader and conditions). */
function child(pass: Pass, path: string, measured: number): PassResult {
  const script = fileURLToPath(import.meta.url);
  const args = [...process.execArgv, script, "--pass", pass, "--file", path, "--measured", String(measured)];
  const result = spawnSync(process.execPath, args, { encoding: "utf8", maxBuffer: 1024 * 1024 });
  if (result.status !== 0) {
    throw new Error(`the ${pass} pass failed (exit ${String(result.status)}): ${result.stderr.slice(-2000)}`);
  }
  const last = result.stdout.trim().split("\n").at(-1) ?? "";
  return JSON.parse(last) as PassResult;
}

const round = (values: readonly number[]): string => values.map((v) => Math.round(v)).join(" / ");

async function main(orgsWanted: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "ods-bench-"));
  const path = join(dir, "HSCOrgRefData_Full_20261101.xml");
  try {
    const loadBefore = loadavg()[0] ?? 0;
    const genStarted = performance.now();
    const written = await generateOdsFullFile({
      out: createWriteStream(path),
      organisations: orgsWanted,
      seed: 1,
    });
    const genMs = performance.now() - genStarted;
    const sizeMb = statSync(path).size / 1e6;

    const bare: PassResult[] = [];
    const mapped: PassResult[] = [];
    for (let i = 0; i < PROCESSES_PER_PASS; i++) {
      bare.push(child("bare", path, MEASURED_PER_PROCESS));
      mapped.push(child("map", path, MEASURED_PER_PROCESS));
    }
    const serialised = child("serialise", path, 1);
    const loadAfter = loadavg()[0] ?? 0;

    for (const m of [...mapped, serialised]) {
      if (m.orgs !== written.organisations) {
        throw new Error(`read ${m.orgs} organisations, generated ${written.organisations}`);
      }
    }
    const bareCpu = bare.flatMap((b) => b.cpu);
    const mapCpu = mapped.flatMap((m) => m.cpu);
    const bareMs = Math.min(...bareCpu);
    const mapMs = Math.min(...mapCpu);
    const orgs = written.organisations;
    const orgsPerSecond = orgs / (mapMs / 1000);
    const bareOrgsPerSecond = orgs / (bareMs / 1000);
    const serialiseMs = Math.min(...serialised.cpu);
    const mapRssMiB = Math.max(...mapped.map((m) => m.maxRssMiB));
    const ok = reportBench({
      name: "ods-read-map",
      description: `read + map the generated ${orgs.toLocaleString("en-GB")}-organisation ODS XML full file (one core)`,
      figures: {
        organisations: orgs,
        affiliations: mapped[0]?.affiliations ?? 0,
        "file size (MB)": Number(sizeMb.toFixed(1)),
        "generate (ms)": Math.round(genMs),
        "bare saxes pass, CPU ms (each run)": round(bareCpu),
        "read+map, CPU ms (each run)": round(mapCpu),
        "bare saxes pass (CPU ms, best)": Math.round(bareMs),
        "read+map (CPU ms, best)": Math.round(mapMs),
        "bare saxes pass (wall ms, best)": Math.round(Math.min(...bare.flatMap((b) => b.wall))),
        "read+map (wall ms, best)": Math.round(Math.min(...mapped.flatMap((m) => m.wall))),
        "bare saxes pass (orgs/s)": Math.round(bareOrgsPerSecond),
        "read+map (orgs/s)": Math.round(orgsPerSecond),
        "read+map+serialise JSON (CPU ms)": Math.round(serialiseMs),
        "read+map+serialise JSON (orgs/s)": Math.round(orgs / (serialiseMs / 1000)),
        "serialised Organization JSON (MB)": Number((serialised.bytes / 1e6).toFixed(1)),
        "read+map process: max RSS (MiB)": Math.round(mapRssMiB),
        "read+map process: peak RSS sampled (MB)": Math.round(Math.max(...mapped.map((m) => m.sampledRssMB))),
        "serialise process: max RSS (MiB)": Math.round(serialised.maxRssMiB),
        "bare pass process: max RSS (MiB)": Math.round(Math.max(...bare.map((b) => b.maxRssMiB))),
        "load average (1 min, 2 cores) before / after": `${loadBefore.toFixed(1)} / ${loadAfter.toFixed(1)}`,
      },
      ratios: [
        { name: "read+map / bare saxes pass (CPU time)", value: mapMs / bareMs, target: { max: 1.5 } },
      ],
      limits: [
        { name: "read+map organisations/s", value: orgsPerSecond, target: { min: 50_000 } },
        { name: "peak RSS (MiB, read+map process)", value: mapRssMiB, target: { max: 300 } },
      ],
    });
    process.exitCode = ok ? 0 : 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const pass = option("--pass");
if (pass === "bare" || pass === "map" || pass === "serialise") {
  const result = await runPass(pass, option("--file") ?? "", Number(option("--measured") ?? "1"));
  process.stdout.write(`${JSON.stringify(result)}\n`);
} else {
  await main(Number(option("--orgs") ?? "300000"));
}
