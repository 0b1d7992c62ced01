/**
 * Soak (issue 9): the app with API-key authentication serves random Organization reads at half its
 * maximum read rate for 10 minutes; it must end with zero errors and a resident set within 10% of what it
 * was after warm-up. Runs in `pnpm bench` (not in CI).
 *
 * Duration is a CLI argument for a quick check:
 *   npx tsx --conditions=@fhir-facade/source bench/soak.bench.ts --duration 60
 * (seconds; default 600). The warm-up is 10% of the duration (at least 10 s) at the same rate; memory is
 * read from the server's own /metrics (facade_process_resident_memory_bytes) after warm-up and at the end.
 */
import { parseArgs } from "node:util";

import { reportBench } from "@fhir-facade/testkit";

import { API_KEY, API_KEYS, readLoad, startServer } from "./platform-bench-util.js";

const { values } = parseArgs({
  options: { duration: { type: "string", default: "600" }, connections: { type: "string", default: "20" } },
});
const duration = Number(values.duration);
const connections = Number(values.connections);
if (!Number.isInteger(duration) || duration < 10) {
  process.stderr.write("--duration: whole seconds, at least 10\n");
  process.exit(2);
}
const warmup = Math.max(10, Math.round(duration / 10));
const headers = { "x-api-key": API_KEY };

const server = await startServer({
  FACADE_API_KEYS: API_KEYS,
  FACADE_LOG_LEVEL: "info",
  FACADE_RATE_LIMIT_PER_S: "1000000",
  FACADE_RATE_LIMIT_BURST: "1000000",
});

async function rssBytes(): Promise<number> {
  const text = await (await fetch(`${server.base}/metrics`, { headers })).text();
  const m = /^facade_process_resident_memory_bytes (\d+(?:\.\d+)?)/m.exec(text);
  if (m?.[1] === undefined) {
    throw new Error("no facade_process_resident_memory_bytes in /metrics");
  }
  return Number(m[1]);
}

try {
  const max = await readLoad(server.base, { seconds: 10, connections: 50, headers });
  const rate = Math.max(1, Math.floor(max.rps / 2));
  process.stdout.write(
    `max read rate ${max.rps.toFixed(0)} req/s; soaking at ${rate} req/s for ${duration} s after ${warmup} s warm-up\n`,
  );
  const warm = await readLoad(server.base, { seconds: warmup, connections, headers, overallRate: rate });
  const rssAfterWarmup = await rssBytes();
  const soak = await readLoad(server.base, { seconds: duration, connections, headers, overallRate: rate });
  const rssEnd = await rssBytes();
  const passed = reportBench({
    name: "soak",
    description: `${duration} s of random Organization reads with an API key at half the max read rate (${rate} req/s, c=${connections})`,
    figures: {
      "max read rate req/s": Math.round(max.rps),
      "soak rate target req/s": rate,
      "soak achieved req/s": Math.round(soak.rps),
      "soak requests": soak.requests,
      "soak p50 ms": soak.p50,
      "soak p99 ms": soak.p99,
      "warm-up errors": warm.errors,
      "RSS after warm-up MB": Math.round(rssAfterWarmup / 1e5) / 10,
      "RSS at end MB": Math.round(rssEnd / 1e5) / 10,
      "duration s": duration,
    },
    ratios: [{ name: "RSS end / after warm-up", value: rssEnd / rssAfterWarmup, target: { max: 1.1 } }],
    limits: [{ name: "errors during soak", value: soak.errors, target: { max: 0 } }],
  });
  await server.stop();
  process.exit(passed ? 0 : 1);
} catch (err) {
  await server.stop();
  throw err;
}
