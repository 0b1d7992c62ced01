/**
 * `pnpm bench trud-download`: downloads a 1 GiB release from the fake TRUD on loopback with trud-core and
 * with `curl -o`, alternating, in the same run. trud-core runs in a child `node` process on the built
 * package (built first with tsc), so its peak RSS is measured without a TypeScript loader.
 *
 * Targets (issue 4): throughput at least 0.9 × curl's, peak RSS under 100 MB, SHA-256 computed in the same
 * pass (the child reads nothing back from disk: its block-read count is reported). Two throughput ratios:
 * "transfer" compares bytes-on-disk time (trud-core hashing + writing, curl writing; neither fsynced), and
 * "durable" compares trud-core including its fsync + rename with `curl -o` followed by `sync FILE`.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import { FAKE_TRUD_API_KEY, FakeTrud, reportBench } from "@fhir-facade/testkit";

const SIZE = 1024 ** 3;
const ROUNDS = 3;
const here = dirname(fileURLToPath(import.meta.url));
const tsc = join(here, "..", "node_modules", ".bin", "tsc");

function run(command: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    child.on("error", reject);
    child.on("close", (code) => {
      resolve({ code: code ?? 1, stdout, stderr });
    });
  });
}

interface ChildFigures {
  downloaded: boolean;
  bytes: number;
  sha256: string;
  seconds: number;
  transferSeconds: number;
  maxRssKiB: number;
  fsReadOps: number;
}

const build = await run(tsc, ["-p", join(here, "..", "tsconfig.build.json")]);
if (build.code !== 0) {
  throw new Error(`building trud-core failed: ${build.stdout}${build.stderr}`);
}

const fake = new FakeTrud({
  items: [
    {
      item: 341,
      releases: [
        {
          id: "hscorgrefdataxml_data_bench_1gib.zip",
          releaseDate: "2026-07-31",
          content: { size: SIZE, seed: "bench" },
        },
      ],
    },
  ],
});
const base = await fake.start();
const work = mkdtempSync(join(tmpdir(), "trud-bench-"));
let passed: boolean;
try {
  const started = performance.now();
  const list = (await (await fetch(fake.listUrl(FAKE_TRUD_API_KEY, 341, true))).json()) as {
    releases: { archiveFileUrl: string; archiveFileSha256: string }[];
  };
  const published = list.releases[0]!;
  const hashSeconds = (performance.now() - started) / 1000;

  const curlRates: number[] = [];
  const curlDurableRates: number[] = [];
  const oursRates: number[] = [];
  const oursDurableRates: number[] = [];
  let peakRssKiB = 0;
  let fsReadOps = 0;
  let shaMatches = true;
  const hasCurl = (await run("curl", ["--version"]).catch(() => ({ code: 127 }))).code === 0;
  for (let round = 0; round < ROUNDS; round++) {
    if (hasCurl) {
      const out = join(work, "curl.zip");
      const curl = await run("curl", [
        "-sS",
        "-o",
        out,
        "-w",
        "%{time_total} %{size_download}",
        published.archiveFileUrl.replaceAll(" ", "%20"),
      ]);
      if (curl.code !== 0) {
        throw new Error(`curl failed: ${curl.stderr}`);
      }
      const [seconds = "0", bytes = "0"] = curl.stdout.trim().split(" ");
      if (Number(bytes) !== SIZE || statSync(out).size !== SIZE) {
        throw new Error("curl did not download the whole file");
      }
      curlRates.push(SIZE / Number(seconds) / 1e6);
      const syncStarted = performance.now();
      await run("sync", [out]);
      curlDurableRates.push(SIZE / (Number(seconds) + (performance.now() - syncStarted) / 1000) / 1e6);
      rmSync(out);
    }
    const store = join(work, `store-${round}`);
    const child = await run(process.execPath, [
      join(here, "download-child.mjs"),
      base,
      FAKE_TRUD_API_KEY,
      store,
      "341",
    ]);
    if (child.code !== 0) {
      throw new Error(`trud-core download failed: ${child.stderr}`);
    }
    const figures = JSON.parse(child.stdout.trim().split("\n").at(-1) ?? "{}") as ChildFigures;
    if (!figures.downloaded || figures.bytes !== SIZE) {
      throw new Error("trud-core did not download the whole file");
    }
    shaMatches &&= figures.sha256 === published.archiveFileSha256;
    oursRates.push(SIZE / figures.transferSeconds / 1e6);
    oursDurableRates.push(SIZE / figures.seconds / 1e6);
    peakRssKiB = Math.max(peakRssKiB, figures.maxRssKiB);
    fsReadOps = Math.max(fsReadOps, figures.fsReadOps);
    rmSync(store, { recursive: true, force: true });
  }

  const best = (xs: number[]): number => Math.max(...xs);
  const ours = best(oursRates);
  const oursDurable = best(oursDurableRates);
  const curl = hasCurl ? best(curlRates) : Number.NaN;
  const curlDurable = hasCurl ? best(curlDurableRates) : Number.NaN;
  passed = reportBench({
    name: "trud-download",
    description:
      "1 GiB TRUD release from the fake on loopback: trud-core (child process) vs curl -o, same run",
    figures: {
      "file size (bytes)": SIZE,
      rounds: ROUNDS,
      "fake: hashing the release for its metadata (s)": Number(hashSeconds.toFixed(2)),
      "trud-core transfer MB/s (best; SHA-256 + write)": Number(ours.toFixed(1)),
      "trud-core transfer MB/s (all rounds)": oursRates.map((r) => r.toFixed(0)).join(", "),
      "trud-core durable MB/s (best; + fsync, rename)": Number(oursDurable.toFixed(1)),
      "trud-core durable MB/s (all rounds)": oursDurableRates.map((r) => r.toFixed(0)).join(", "),
      "curl -o MB/s (best)": hasCurl ? Number(curl.toFixed(1)) : "curl not installed",
      "curl -o MB/s (all rounds)": curlRates.map((r) => r.toFixed(0)).join(", "),
      "curl -o + sync FILE MB/s (best)": hasCurl ? Number(curlDurable.toFixed(1)) : "curl not installed",
      "curl -o + sync FILE MB/s (all rounds)": curlDurableRates.map((r) => r.toFixed(0)).join(", "),
      "trud-core peak RSS (MB)": Number((peakRssKiB / 1024).toFixed(1)),
      "trud-core block reads (0 = no second read of the file)": fsReadOps,
      "sha256 matches the published one": shaMatches ? "yes" : "NO",
    },
    ratios: hasCurl
      ? [
          { name: "transfer throughput trud-core / curl -o", value: ours / curl, target: { min: 0.9 } },
          {
            name: "durable throughput trud-core / curl+sync",
            value: oursDurable / curlDurable,
            target: { min: 0.9 },
          },
        ]
      : [],
    limits: [
      { name: "peak RSS of the downloader (MB)", value: peakRssKiB / 1024, target: { max: 100 } },
      { name: "SHA-256 verified in the same pass (1 = yes)", value: shaMatches ? 1 : 0, target: { min: 1 } },
    ],
  });
} finally {
  await fake.close();
  rmSync(work, { recursive: true, force: true });
}
process.exit(passed ? 0 : 1);
