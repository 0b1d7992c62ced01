// Child process: @asymmetrik/node-fhir-server-core 2.2 serving the same Organizations from memory.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";

const require = createRequire(import.meta.url);
const core = require("@asymmetrik/node-fhir-server-core") as {
  initialize: (config: unknown) => {
    app: { listen: (port: number, host: string, cb: () => void) => Server };
  };
  constants: { VERSIONS: Record<string, string> };
};

const orgs = new Map<string, unknown>();
for (const line of readFileSync(process.argv[2] ?? "", "utf8").split("\n")) {
  if (line !== "") {
    const o = JSON.parse(line) as { code: string; json: string };
    orgs.set(o.code, JSON.parse(o.json));
  }
}
const service = {
  searchById: (args: { id: string }) => Promise.resolve(orgs.get(args.id)),
};
const server = core.initialize({
  profiles: { organization: { service, versions: [core.constants.VERSIONS["4_0_1"]] } },
  server: { port: 0 },
  logging: { level: "error" },
});
// The library's own listen() binds 0.0.0.0 and returns nothing; use its Express app on loopback instead.
const listener = server.app.listen(0, "127.0.0.1", () => {
  process.stdout.write(`${(listener.address() as AddressInfo).port}\n`);
});
