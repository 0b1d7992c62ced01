import { afterAll, beforeAll, describe, expect, test } from "vitest";

import { getJson, startApp } from "./helpers.js";
import type { Running } from "./helpers.js";
import { startGatewayHarness } from "./terminology-harness.js";

let app: Running;
const ROLE_CS: fhir4.CodeSystem = {
  resourceType: "CodeSystem",
  id: "ODSOrganisationRole",
  url: "https://digital.nhs.uk/services/organisation-data-service/CodeSystem/ODSOrganisationRole",
  name: "ODSOrganisationRole",
  status: "active",
  content: "complete",
  concept: [
    { code: "RO197", display: "NHS TRUST", property: [{ code: "primaryRole", valueBoolean: true }] },
    // (FHIR.js 4.12 reports valueBoolean: false as "missing", so the fixture only carries true.)
    { code: "RO177", display: "PRESCRIBING COST CENTRE" },
  ],
};

beforeAll(async () => {
  app = await startApp({ codeSystems: [ROLE_CS] });
});
afterAll(async () => {
  await app.close();
});

function param(p: fhir4.Parameters, name: string): fhir4.ParametersParameter[] {
  return (p.parameter ?? []).filter((x) => x.name === name);
}

function props(p: fhir4.Parameters): [string, unknown][] {
  return param(p, "property").map((x) => {
    const [code, value] = x.part ?? [];
    const v = Object.entries(value ?? {}).find(([k]) => k.startsWith("value"))?.[1];
    return [code?.valueCode ?? "", v];
  });
}

const ODS = "https://fhir.nhs.uk/Id/ods-organization-code";

describe("CodeSystem/$lookup", () => {
  test("an ODS organisation code returns its name, status, roles and succession (as the ODT API does)", async () => {
    const { status, body } = await getJson(
      `${app.base}/CodeSystem/$lookup?system=${ODS}&code=RR8&property=*`,
    );
    expect(status).toBe(200);
    expect(body.resourceType).toBe("Parameters");
    expect(param(body, "display")[0]?.valueString).toBe("LEEDS TEACHING HOSPITALS NHS TRUST");
    expect(param(body, "system")[0]?.valueUri).toBe(ODS);
    const p = props(body);
    expect(p).toContainEqual(["status", "active"]);
    expect(p).toContainEqual(["predecessor", "R1G"]);
    expect(p).toContainEqual(["role", expect.objectContaining({ code: "RO197" })]);
    const back = await getJson(`${app.base}/CodeSystem/$lookup?system=${ODS}&code=R1G`);
    expect(props(back.body)).toContainEqual(["successor", "RR8"]);
    expect(props(back.body)).toContainEqual(["status", "inactive"]);
  });

  test("property= restricts the properties returned", async () => {
    const { body } = await getJson(
      `${app.base}/CodeSystem/$lookup?system=${ODS}&code=RR8&property=predecessor`,
    );
    expect(props(body).map(([c]) => c)).toEqual(["predecessor"]);
  });

  test("an unknown organisation code is 404 not-found", async () => {
    const { status, body } = await getJson(`${app.base}/CodeSystem/$lookup?system=${ODS}&code=ZZZ99`);
    expect(status).toBe(404);
    expect(body.issue[0].code).toBe("not-found");
  });

  test("a code of a local ODS code system returns its display and properties", async () => {
    const { status, body } = await getJson(
      `${app.base}/CodeSystem/$lookup?system=${encodeURIComponent(ROLE_CS.url ?? "")}&code=RO197`,
    );
    expect(status).toBe(200);
    expect(param(body, "display")[0]?.valueString).toBe("NHS TRUST");
    expect(props(body)).toContainEqual(["primaryRole", true]);
  });

  test("a missing system or code is 400", async () => {
    expect((await getJson(`${app.base}/CodeSystem/$lookup?code=RR8`)).status).toBe(400);
    expect((await getJson(`${app.base}/CodeSystem/$lookup?system=${ODS}`)).status).toBe(400);
  });

  test("POST form-encoded works like GET", async () => {
    const { status, body } = await getJson(`${app.base}/CodeSystem/$lookup`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: `system=${encodeURIComponent(ODS)}&code=RR8`,
    });
    expect(status).toBe(200);
    expect(param(body, "code")[0]?.valueCode).toBe("RR8");
  });
});

describe("POSTed operations with the system only in the body (form or Parameters)", () => {
  const parameters = (system: string, code: string): string =>
    JSON.stringify({
      resourceType: "Parameters",
      parameter: [
        { name: "system", valueUri: system },
        { name: "code", valueCode: code },
      ],
    });

  test("$lookup with a Parameters resource (JSON) answers like GET", async () => {
    const { status, body } = await getJson(`${app.base}/CodeSystem/$lookup`, {
      method: "POST",
      headers: { "content-type": "application/fhir+json" },
      body: parameters(ODS, "RR8"),
    });
    expect(status).toBe(200);
    expect(param(body, "code")[0]?.valueCode).toBe("RR8");
    expect(param(body, "display")[0]?.valueString).toBe("LEEDS TEACHING HOSPITALS NHS TRUST");
  });

  test("$lookup with a valueCoding and a Parameters resource in XML", async () => {
    const coding = await getJson(`${app.base}/CodeSystem/$lookup`, {
      method: "POST",
      headers: { "content-type": "application/fhir+json" },
      body: JSON.stringify({
        resourceType: "Parameters",
        parameter: [{ name: "coding", valueCoding: { system: ODS, code: "RR8" } }],
      }),
    });
    expect(coding.status).toBe(200);
    expect(param(coding.body, "code")[0]?.valueCode).toBe("RR8");
    const xml = await getJson(`${app.base}/CodeSystem/$lookup`, {
      method: "POST",
      headers: { "content-type": "application/fhir+xml" },
      body: `<Parameters xmlns="http://hl7.org/fhir"><parameter><name value="system"/><valueUri value="${ODS}"/></parameter><parameter><name value="code"/><valueCode value="RR8"/></parameter></Parameters>`,
    });
    expect(xml.status).toBe(200);
    expect(param(xml.body, "code")[0]?.valueCode).toBe("RR8");
  });

  test("$validate-code with Parameters; a malformed or unsupported body is 400/415", async () => {
    const { status, body } = await getJson(`${app.base}/CodeSystem/$validate-code`, {
      method: "POST",
      headers: { "content-type": "application/fhir+json" },
      body: JSON.stringify({
        resourceType: "Parameters",
        parameter: [
          { name: "url", valueUri: ODS },
          { name: "code", valueCode: "RR8" },
        ],
      }),
    });
    expect(status).toBe(200);
    expect(param(body, "result")[0]?.valueBoolean).toBe(true);
    const broken = await getJson(`${app.base}/CodeSystem/$lookup`, {
      method: "POST",
      headers: { "content-type": "application/fhir+json" },
      body: "{not json",
    });
    expect(broken.status).toBe(400);
    const other = await getJson(`${app.base}/CodeSystem/$lookup`, {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: "system=x",
    });
    expect(other.status).toBe(415);
  });

  test("GET $lookup with coding=system|code", async () => {
    const { status, body } = await getJson(
      `${app.base}/CodeSystem/$lookup?coding=${encodeURIComponent(`${ODS}|RR8`)}`,
    );
    expect(status).toBe(200);
    expect(param(body, "code")[0]?.valueCode).toBe("RR8");
  });

  test("with the terminology gateway mounted, they are still answered locally (no upstream call)", async () => {
    const h = await startGatewayHarness();
    try {
      const form = await h.post(
        "CodeSystem/$lookup",
        `system=${encodeURIComponent(ODS)}&code=RR8`,
        "application/x-www-form-urlencoded",
      );
      expect(form.status).toBe(200);
      const formBody = (await form.json()) as fhir4.Parameters;
      expect(param(formBody, "display")[0]?.valueString).toBe("LEEDS TEACHING HOSPITALS NHS TRUST");
      const json = await h.post("CodeSystem/$lookup", parameters(ODS, "RR8"), "application/fhir+json");
      expect(json.status).toBe(200);
      expect(param((await json.json()) as fhir4.Parameters, "code")[0]?.valueCode).toBe("RR8");
      const validate = await h.post(
        "CodeSystem/$validate-code",
        `url=${encodeURIComponent(ODS)}&code=RR8`,
        "application/x-www-form-urlencoded",
      );
      expect(validate.status).toBe(200);
      const coding = await h.get(`CodeSystem/$lookup?coding=${encodeURIComponent(`${ODS}|RR8`)}`);
      expect(coding.status).toBe(200);
      expect(h.gateway.stats.upstreamRequests).toBe(0);
    } finally {
      await h.close();
    }
  });
});

describe("CodeSystem/$validate-code", () => {
  test("a known organisation code is valid, an unknown one is not", async () => {
    const ok = await getJson(`${app.base}/CodeSystem/$validate-code?url=${ODS}&code=RR8`);
    expect(param(ok.body, "result")[0]?.valueBoolean).toBe(true);
    expect(param(ok.body, "display")[0]?.valueString).toBe("LEEDS TEACHING HOSPITALS NHS TRUST");
    const no = await getJson(`${app.base}/CodeSystem/$validate-code?url=${ODS}&code=ZZZ99`);
    expect(no.status).toBe(200);
    expect(param(no.body, "result")[0]?.valueBoolean).toBe(false);
  });

  test("a wrong display makes the result false", async () => {
    const { body } = await getJson(
      `${app.base}/CodeSystem/$validate-code?url=${encodeURIComponent(ROLE_CS.url ?? "")}&code=RO197&display=GP`,
    );
    expect(param(body, "result")[0]?.valueBoolean).toBe(false);
  });

  test("the fixed England code systems are there", async () => {
    const { body } = await getJson(
      `${app.base}/CodeSystem/$validate-code?url=https://fhir.nhs.uk/England/CodeSystem/England-ODSRecordUseType&code=RefOnly`,
    );
    expect(param(body, "result")[0]?.valueBoolean).toBe(true);
  });

  test("an unknown code system is 404", async () => {
    const { status } = await getJson(
      `${app.base}/CodeSystem/$validate-code?url=http://snomed.info/sct&code=1`,
    );
    expect(status).toBe(404);
  });
});

describe("CodeSystem read and search", () => {
  test("read by id, with ETag", async () => {
    const { status, body, headers } = await getJson(`${app.base}/CodeSystem/ODSOrganisationRole`);
    expect(status).toBe(200);
    expect(body.url).toBe(ROLE_CS.url);
    expect(headers.get("etag")).toBe('W/"1"');
  });
  test("search by url and by system", async () => {
    for (const p of ["url", "system"]) {
      const { body } = await getJson(`${app.base}/CodeSystem?${p}=${ODS}`);
      expect(body.total).toBe(1);
      expect(body.entry[0].resource.id).toBe("ods-organization-code");
    }
  });
  test("_summary=true keeps the summary elements (no concepts)", async () => {
    const { body } = await getJson(`${app.base}/CodeSystem/ODSOrganisationRole?_summary=true`);
    expect(body.concept).toBeUndefined();
    expect(body.url).toBe(ROLE_CS.url);
  });
  test("the CapabilityStatement lists $lookup and $validate-code", async () => {
    const { body } = await getJson(`${app.base}/metadata`);
    const cs = body.rest[0].resource.find((r: { type: string }) => r.type === "CodeSystem");
    expect(cs.operation.map((o: { name: string }) => o.name)).toEqual(
      expect.arrayContaining(["lookup", "validate-code"]),
    );
  });
});
