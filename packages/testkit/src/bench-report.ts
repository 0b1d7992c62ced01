import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

/** A ratio measured in one benchmark run, with the target it must meet. */
export interface BenchRatio {
  readonly name: string;
  /** The measured ratio (for example ours / reference). */
  readonly value: number;
  /** The target: `value >= min` and/or `value <= max`. */
  readonly target: { readonly min?: number; readonly max?: number };
}

/** A benchmark's figures, printed as a table and written to `bench/results/<name>.json`. */
export interface BenchReport {
  readonly name: string;
  readonly description: string;
  /** Raw figures (throughput, latency percentiles, RSS...), with units in their names. */
  readonly figures: Readonly<Record<string, number | string>>;
  readonly ratios: readonly BenchRatio[];
  /** Absolute limits the issue sets (for example p99 under 10 ms), checked like ratios. */
  readonly limits?: readonly BenchRatio[];
}

/** Whether a ratio meets its target. */
export function meetsTarget(ratio: BenchRatio): boolean {
  const { min, max } = ratio.target;
  return (min === undefined || ratio.value >= min) && (max === undefined || ratio.value <= max);
}

function findRepoRoot(start: string): string {
  let dir = resolve(start);
  while (!existsSync(join(dir, "pnpm-workspace.yaml"))) {
    const parent = dirname(dir);
    if (parent === dir) {
      return resolve(start);
    }
    dir = parent;
  }
  return dir;
}

function describeTarget(ratio: BenchRatio): string {
  const parts: string[] = [];
  if (ratio.target.min !== undefined) {
    parts.push(`>= ${ratio.target.min}`);
  }
  if (ratio.target.max !== undefined) {
    parts.push(`<= ${ratio.target.max}`);
  }
  return parts.join(" and ");
}

/**
 * Prints a readable table of a benchmark's figures and ratios, writes `bench/results/<name>.json`
 * at the repository root, and returns whether every ratio and limit met its target.
 */
export function reportBench(report: BenchReport, out: NodeJS.WritableStream = process.stdout): boolean {
  const checks = [...report.ratios, ...(report.limits ?? [])];
  const lines = [`\n== ${report.name}: ${report.description}`];
  for (const [key, value] of Object.entries(report.figures)) {
    lines.push(`  ${key.padEnd(44)} ${typeof value === "number" ? formatNumber(value) : value}`);
  }
  for (const check of checks) {
    const verdict = meetsTarget(check) ? "PASS" : "FAIL";
    lines.push(
      `  ${verdict} ${check.name.padEnd(39)} ${formatNumber(check.value).padStart(12)}  target ${describeTarget(check)}`,
    );
  }
  out.write(`${lines.join("\n")}\n`);
  const dir = join(findRepoRoot(process.cwd()), "bench", "results");
  mkdirSync(dir, { recursive: true });
  const passed = checks.every(meetsTarget);
  writeFileSync(
    join(dir, `${report.name}.json`),
    `${JSON.stringify(
      {
        ...report,
        checks: checks.map((c) => ({ ...c, pass: meetsTarget(c) })),
        passed,
        measuredAt: new Date().toISOString(),
        machine: { node: process.version, platform: process.platform, arch: process.arch },
      },
      null,
      2,
    )}\n`,
  );
  return passed;
}

function formatNumber(value: number): string {
  if (Number.isInteger(value)) {
    return value.toLocaleString("en-GB");
  }
  return value.toFixed(Math.abs(value) < 10 ? 3 : 1);
}
