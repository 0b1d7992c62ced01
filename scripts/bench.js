#!/usr/bin/env node
// @ts-check
// `pnpm bench` runs every benchmark; `pnpm bench <name>` runs one. A benchmark is a file
// `packages/*/bench/<name>.bench.ts` or `apps/*/bench/<name>.bench.ts`, run from source with tsx; each one
// prints a table and writes bench/results/<name>.json (see reportBench in @fhir-facade/testkit).
import { spawnSync } from "node:child_process";
import { readdirSync, existsSync } from "node:fs";
import { join, dirname, basename } from "node:path";
import { fileURLToPath } from "node:url";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
// `pnpm bench [name...] [--option value...]`: names first; everything from the first `--option` on is passed
// to each selected benchmark (for example `pnpm bench soak --duration 60`).
const args = process.argv.slice(2);
const firstOption = args.findIndex((a) => a.startsWith("-") && a !== "--list");
const wanted = firstOption === -1 ? args : args.slice(0, firstOption);
const passThrough = firstOption === -1 ? [] : args.slice(firstOption).filter((a) => a !== "--");

/** @type {{ name: string, file: string, cwd: string }[]} */
const benches = [];
for (const group of ["packages", "apps"]) {
  for (const pkg of readdirSync(join(root, group))) {
    const dir = join(root, group, pkg, "bench");
    if (!existsSync(dir)) continue;
    for (const file of readdirSync(dir)) {
      if (file.endsWith(".bench.ts")) {
        benches.push({
          name: basename(file, ".bench.ts"),
          file: join(dir, file),
          cwd: join(root, group, pkg),
        });
      }
    }
  }
}
benches.sort((a, b) => a.name.localeCompare(b.name));

if (wanted.includes("--list")) {
  for (const b of benches) process.stdout.write(`${b.name}\n`);
  process.exit(0);
}
const selected = wanted.length === 0 ? benches : benches.filter((b) => wanted.includes(b.name));
const unknown = wanted.filter((w) => !benches.some((b) => b.name === w));
if (unknown.length > 0) {
  process.stderr.write(
    `unknown benchmark(s): ${unknown.join(", ")}\navailable: ${benches.map((b) => b.name).join(", ")}\n`,
  );
  process.exit(2);
}

const tsx = join(root, "node_modules", ".bin", "tsx");
let failed = 0;
for (const bench of selected) {
  const result = spawnSync(tsx, ["--conditions=@fhir-facade/source", bench.file, ...passThrough], {
    cwd: bench.cwd,
    stdio: "inherit",
    env: { ...process.env, NODE_ENV: "production" },
  });
  if (result.status !== 0) {
    failed++;
    process.stderr.write(`benchmark ${bench.name} did not meet its targets (exit ${result.status})\n`);
  }
}
process.stdout.write(`\nbenchmarks: ${selected.length - failed} met their targets, ${failed} did not\n`);
process.exit(failed === 0 ? 0 : 1);
