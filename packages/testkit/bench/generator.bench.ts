/**
 * Benchmark of the ODS XML full-file generator (run with `pnpm bench generator`), issue 2 item 6:
 * - writes 300,000 organisations to a file on disk: seconds (limit: under 60 s), organisations/s, bytes;
 * - constant memory: peak RSS of the process (limit: under 300 MB) and its ratio to the peak after a 30,000
 *   organisation run in the same process (target: at most 1.5, ten times the data in about the same memory);
 * - determinism: the sha256 of the file equals the sha256 of a second run with the same seed straight into a
 *   hash stream (limit: equal), and differs for another seed.
 */
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { generateOdsFullFile, reportBench } from "../src/index.js";

const SEED = 20261101;
const ORGANISATIONS = 300_000;
const dir = mkdtempSync(join(tmpdir(), "ods-generator-bench-"));

function peakRssMb(): number {
  return (process.resourceUsage().maxRSS * 1024) / 1e6;
}

async function sha256OfRun(
  seed: number,
  organisations: number,
): Promise<{ sha256: string; seconds: number }> {
  const hash = createHash("sha256");
  const started = performance.now();
  await generateOdsFullFile({ seed, organisations, out: hash, end: false });
  return { sha256: hash.digest("hex"), seconds: (performance.now() - started) / 1000 };
}

async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) {
    hash.update(chunk as Buffer);
  }
  return hash.digest("hex");
}

try {
  // Warm-up and the small-run memory reference.
  await sha256OfRun(SEED, 30_000);
  const peakSmall = peakRssMb();

  // 1. 300,000 organisations to a file.
  const file = join(dir, "HSCOrgRefData_Full_bench.xml");
  const started = performance.now();
  const result = await generateOdsFullFile({
    seed: SEED,
    organisations: ORGANISATIONS,
    out: createWriteStream(file),
  });
  const seconds = (performance.now() - started) / 1000;
  const peakLarge = peakRssMb();
  const fileBytes = statSync(file).size;
  const fileSha = await sha256OfFile(file);
  rmSync(file, { force: true });

  // 2. The same seed again, straight into a hash; and another seed.
  const second = await sha256OfRun(SEED, ORGANISATIONS);
  const other = await sha256OfRun(SEED + 1, 20_000);
  const otherSame = await sha256OfRun(SEED, 20_000);

  const passed = reportBench({
    name: "generator",
    description: `ODS XML full file, ${ORGANISATIONS.toLocaleString("en-GB")} organisations, seed ${SEED}`,
    figures: {
      organisations: result.organisations,
      "write to file (s)": seconds,
      "organisations per second": Math.round(ORGANISATIONS / seconds),
      "bytes written": result.bytes,
      "file size (bytes)": fileBytes,
      "throughput (MB/s)": result.bytes / 1e6 / seconds,
      "second run to a hash stream (s)": second.seconds,
      "peak RSS after 30,000 (MB)": peakSmall,
      "peak RSS after 300,000 (MB)": peakLarge,
      "sha256 of the file": fileSha,
      "sha256 of the second run": second.sha256,
    },
    ratios: [{ name: "peak RSS 300k / peak RSS 30k", value: peakLarge / peakSmall, target: { max: 1.5 } }],
    limits: [
      { name: "seconds for 300,000 organisations", value: seconds, target: { max: 60 } },
      { name: "peak RSS (MB)", value: peakLarge, target: { max: 300 } },
      {
        name: "same seed, same sha256 (1 = equal)",
        value: fileSha === second.sha256 ? 1 : 0,
        target: { min: 1 },
      },
      {
        name: "bytes written = file size (1 = equal)",
        value: fileBytes === result.bytes ? 1 : 0,
        target: { min: 1 },
      },
      {
        name: "another seed, another sha256 (1 = differs)",
        value: other.sha256 !== otherSame.sha256 ? 1 : 0,
        target: { min: 1 },
      },
    ],
  });
  process.exitCode = passed ? 0 : 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
