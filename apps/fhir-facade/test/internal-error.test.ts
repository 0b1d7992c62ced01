import { describe, expect, test } from "vitest";

import { loadConfig } from "../src/config.js";
import { createPlatform } from "../src/platform/platform.js";
import type { OdsRepository, SearchPage } from "../src/fhir/repository.js";
import type { RepositoryQuery } from "../src/fhir/search-query.js";
import { fixtureRepository } from "./fixtures.js";
import { startApp } from "./helpers.js";
import { captureLogs } from "./platform-harness.js";

/** The fixture repository, except that searches fail the way a broken store would (not with a FhirError). */
function failingSearchRepository(): OdsRepository {
  const base = fixtureRepository();
  return new Proxy(base, {
    get(target, prop) {
      if (prop === "search") {
        return (_query: RepositoryQuery): Promise<SearchPage> =>
          Promise.reject(new Error("store exploded: disk I/O error at page 7"));
      }
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

describe("an unexpected error in the FHIR API", () => {
  test("is a 500 exception OperationOutcome that says no more than 'internal error', and the log has the cause", async () => {
    const config = loadConfig({ FACADE_LOG_LEVEL: "info" });
    const { lines, logger } = captureLogs(config);
    const platform = createPlatform({ config, logger });
    const app = await startApp({ config, platform, ods: failingSearchRepository() });
    try {
      const res = await fetch(`${app.base}/Organization?name=leeds`);
      expect(res.status).toBe(500);
      const body = (await res.json()) as fhir4.OperationOutcome;
      expect(body.resourceType).toBe("OperationOutcome");
      expect(body.issue[0]?.code).toBe("exception");
      expect(JSON.stringify(body)).not.toContain("disk I/O");
      const errors = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.level === 50);
      expect(errors).toHaveLength(1);
      expect(errors[0]?.msg).toContain("internal error");
      expect(JSON.stringify(errors[0])).toContain("store exploded: disk I/O error at page 7");
      // A read still works: the failure is the request's, not the process's.
      expect((await fetch(`${app.base}/Organization/G81086`)).status).toBe(200);
    } finally {
      await app.close();
    }
  });
});
