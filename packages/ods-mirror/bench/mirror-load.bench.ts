/**
 * Baseline load of the testkit's 300,000-organisation ODS full file into a fresh mirror, each in its own child
 * process (peak RSS is the load's own). Targets (issue 6, 2-core machine): SQLite < 30 s, PostgreSQL < 60 s,
 * peak RSS < 400 MB. Parsing + mapping alone is measured in the same run for the ratio.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { reportBench } from "@fhir-facade/testkit";
import { fullFile, ORGANISATIONS } from "./dataset.js";

interface Run {
  organisations: number;
  seconds: number;
  maxRssMb: number;
  cpuSeconds: number;
}

const path = await fullFile();
const child = fileURLToPath(new URL("./load-child.ts", import.meta.url));

function measure(mode: "parse" | "sqlite" | "postgres"): Run {
  const result = spawnSync(
    process.execPath,
    [...process.execArgv, child, mode, path, `--organisations=${ORGANISATIONS}`],
    {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  if (result.status !== 0) {
    throw new Error(`load child (${mode}) failed with ${String(result.status)}`);
  }
  return JSON.parse(result.stdout.trim().split("\n").at(-1) ?? "{}") as Run;
}

const parse = measure("parse");
const sqlite = measure("sqlite");
const postgres = measure("postgres");

const passed = reportBench({
  name: "mirror-load",
  description: `baseline load of ${sqlite.organisations.toLocaleString("en-GB")} generated organisations (fresh generation, indexes, atomic switch)`,
  figures: {
    "parse + FHIR mapping only, s": parse.seconds,
    "sqlite load s": sqlite.seconds,
    "sqlite load CPU s": sqlite.cpuSeconds,
    "sqlite peak RSS MB": sqlite.maxRssMb,
    "postgres load s (client side)": postgres.seconds,
    "postgres peak RSS MB (client)": postgres.maxRssMb,
  },
  ratios: [{ name: "sqlite load / parse+map", value: sqlite.seconds / parse.seconds, target: { max: 3 } }],
  limits: [
    { name: "sqlite load s", value: sqlite.seconds, target: { max: 30 } },
    { name: "postgres load s", value: postgres.seconds, target: { max: 60 } },
    { name: "sqlite peak RSS MB", value: sqlite.maxRssMb, target: { max: 400 } },
    { name: "postgres peak RSS MB", value: postgres.maxRssMb, target: { max: 400 } },
  ],
});
process.exit(passed ? 0 : 1);
