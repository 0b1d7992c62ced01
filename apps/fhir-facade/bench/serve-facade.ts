// Child process: the facade (createApp) over the benchmark mirror, on 127.0.0.1; prints the port.
// argv[2]: the mirror (SQLite); argv[3] (optional): a FACADE_API_KEYS value — then the app runs with the platform
// (auth by API key, limits, request logs written to /dev/null, metrics), as main.ts serves it.
import type { AddressInfo } from "node:net";

import { openMirror } from "@fhir-facade/ods-mirror";
import { pino } from "pino";

import { createApp } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import { MirrorOdsRepository } from "../src/fhir/mirror-repository.js";
import { createLogger } from "../src/platform/observability/logger.js";
import { createPlatform } from "../src/platform/platform.js";

const path = process.argv[2] ?? "";
const apiKeys = process.argv[3];
const store = await openMirror({ backend: { kind: "sqlite", path, readonly: true } });
const ods = new MirrorOdsRepository(store);
let app: ReturnType<typeof createApp>;
if (apiKeys === undefined) {
  app = createApp({ config: loadConfig({}), ods });
} else {
  const config = loadConfig({
    FACADE_API_KEYS: apiKeys,
    FACADE_LOG_LEVEL: "info",
    FACADE_RATE_LIMIT_PER_S: "1000000",
    FACADE_RATE_LIMIT_BURST: "1000000",
  });
  const logger = createLogger({
    level: config.logLevel,
    destination: pino.destination({ dest: "/dev/null", sync: false }),
  });
  app = createApp({ config, ods, platform: createPlatform({ config, logger }) });
}
const server = app.listen(0, "127.0.0.1", () => {
  process.stdout.write(`${(server.address() as AddressInfo).port}\n`);
});
