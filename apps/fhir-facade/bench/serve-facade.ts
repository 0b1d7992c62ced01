// Child process: the facade (createApp) over the benchmark mirror, on 127.0.0.1; prints the port.
import type { AddressInfo } from "node:net";

import { openMirror } from "@fhir-facade/ods-mirror";

import { createApp } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import { MirrorOdsRepository } from "../src/fhir/mirror-repository.js";

const path = process.argv[2] ?? "";
const store = await openMirror({ backend: { kind: "sqlite", path, readonly: true } });
const app = createApp({ config: loadConfig({}), ods: new MirrorOdsRepository(store) });
const server = app.listen(0, "127.0.0.1", () => {
  process.stdout.write(`${(server.address() as AddressInfo).port}\n`);
});
