import { afterAll, beforeAll, describe, expect, test } from "vitest";

import { startFakes } from "./fakes.js";
import type { Fakes } from "./fakes.js";

let fakes: Fakes;
beforeAll(async () => {
  fakes = await startFakes();
});
afterAll(async () => {
  await fakes.close();
});

describe("startFakes", () => {
  test("describes every service with a loopback URL", () => {
    const lines = fakes.describe();
    expect(lines.map((l) => l.split(":")[0])).toEqual(["ord", "trud", "terminology", "terminology-token"]);
    for (const line of lines) {
      expect(line).toMatch(/ http:\/\/127\.0\.0\.1:\d+\//);
    }
  });

  test("each fake answers", async () => {
    const ord = await fetch(`${fakes.ord.baseUrl}/organisations/RRP`);
    expect(ord.status).toBe(200);
    const trud = await fetch(
      `${fakes.trud.url}/trud/api/v1/keys/${fakes.trudApiKey}/items/341/releases?latest`,
    );
    expect(trud.status).toBe(200);
    expect((await fetch(`${fakes.terminology.fhirBase}/metadata`)).status).toBe(200);
    const tx = await fetch(`${fakes.terminology.fhirBase}/CodeSystem?url=http://snomed.info/sct`);
    expect(tx.status).toBe(401); // everything but /metadata needs a bearer token
  });
});
