import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

import { startFakeOrd } from "./ord/fake-ord.js";
import type { FakeOrd } from "./ord/fake-ord.js";
import { startFakeTerminologyServer } from "./terminology/fake-terminology-server.js";
import type { FakeTerminologyServer } from "./terminology/fake-terminology-server.js";
import { FAKE_TRUD_API_KEY, FakeTrud } from "./trud/fake-trud.js";
import { recordedItem341 } from "./trud/recorded.js";

/** The three fake NHS upstreams, started together (for `pnpm demo` and `pnpm --filter @fhir-facade/testkit fakes`). */
export interface Fakes {
  readonly ord: FakeOrd;
  readonly trud: FakeTrud;
  /** The TRUD API key the fake TRUD accepts. */
  readonly trudApiKey: string;
  readonly terminology: FakeTerminologyServer;
  /** One `name: url` line per service. */
  describe(): string[];
  close(): Promise<void>;
}

/** The checked-in sample ODS full file (zipped), served by the fake TRUD as item 341's newest release. */
export const SAMPLE_ODS_ZIP = fileURLToPath(new URL("../fixtures/ods-sample.zip", import.meta.url));
/** The checked-in sample ODS full file (XML). */
export const SAMPLE_ODS_XML = fileURLToPath(new URL("../fixtures/ods-sample.xml", import.meta.url));

/** Starts the fake ORD, TRUD and Terminology Server on 127.0.0.1 (any free ports). */
export async function startFakes(): Promise<Fakes> {
  const ord = await startFakeOrd();
  const recorded = recordedItem341();
  const sample = existsSync(SAMPLE_ODS_ZIP)
    ? [
        {
          id: "sample-ods-full-file",
          name: "ODS sample full file (testkit)",
          releaseDate: new Date().toISOString().slice(0, 10),
          archiveFileName: "ods-sample.zip",
          content: readFileSync(SAMPLE_ODS_ZIP),
        },
      ]
    : [];
  const trud = new FakeTrud({ items: [{ ...recorded, releases: [...sample, ...recorded.releases] }] });
  await trud.start();
  const terminology = await startFakeTerminologyServer();
  return {
    ord,
    trud,
    trudApiKey: FAKE_TRUD_API_KEY,
    terminology,
    describe: () => [
      `ord: ${ord.baseUrl}`,
      `trud: ${trud.url}/trud/api/v1 (key ${FAKE_TRUD_API_KEY}, item 341)`,
      `terminology: ${terminology.fhirBase}`,
      `terminology-token: ${terminology.keycloakTokenUrl} (client ${terminology.credentials.keycloak.clientId})`,
    ],
    close: async () => {
      await Promise.all([ord.close(), trud.close(), terminology.close()]);
    },
  };
}
