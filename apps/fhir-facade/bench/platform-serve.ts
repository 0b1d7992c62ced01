// Child process for the platform benchmarks: the real app (createApp + platform) over an in-memory ODS
// repository of synthetic organisations, on 127.0.0.1; prints the port on stdout. Logs go to /dev/null
// (they are written, as in production, but not read back).
//
// argv[2]: JSON object of FACADE_* settings; argv[3]: number of organisations.
import { pino } from "pino";

import { createApp } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import { MemoryOdsRepository } from "../src/fhir/memory-repository.js";
import { createLogger } from "../src/platform/observability/logger.js";
import { createPlatform } from "../src/platform/platform.js";
import { createHttpServer, listen } from "../src/platform/server.js";

const settings = JSON.parse(process.argv[2] ?? "{}") as Record<string, string>;
const count = Number(process.argv[3] ?? "5000");
const config = loadConfig(settings);
const logger = createLogger({
  level: config.logLevel,
  destination: pino.destination({ dest: "/dev/null", sync: false }),
});
const platform = createPlatform({ config, logger });
const ods = new MemoryOdsRepository();
for (let i = 0; i < count; i++) {
  const code = `B${String(i).padStart(5, "0")}`;
  ods.put({
    resourceType: "Organization",
    id: code,
    identifier: [{ system: "https://fhir.nhs.uk/Id/ods-organization-code", value: code }],
    active: true,
    name: `BENCH ORGANISATION ${i}`,
    address: [
      {
        line: [`${i} HIGH STREET`],
        city: "LEEDS",
        postalCode: `LS${(i % 30) + 1} ${i % 9}AB`,
        country: "ENGLAND",
      },
    ],
  });
}
const server = createHttpServer(createApp({ config, platform, ods }), config.limits);
const address = await listen(server, 0, "127.0.0.1");
process.stdout.write(`${address.port}\n`);
