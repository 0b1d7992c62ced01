import { readFileSync } from "node:fs";

import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";

import { startFakeOrd } from "./fake-ord.js";
import type { FakeOrd } from "./fake-ord.js";
import { fixturePath } from "./fixture-path.js";
import type { OrdOrganisation, OrdSummary } from "./ord-types.js";

/** "Today" for the fake's 185-day window: 2026-05-01, so 2026-04-xx records are recent. */
let today = new Date("2026-05-01T10:00:00Z");
let ord: FakeOrd;

beforeAll(async () => {
  ord = await startFakeOrd({ now: () => today });
});
afterAll(async () => {
  await ord.close();
});
afterEach(() => {
  ord.server.faults.clear();
  today = new Date("2026-05-01T10:00:00Z");
});

function fixture(code: string): unknown {
  return JSON.parse(readFileSync(fixturePath(`ods/ord/${code}.json`), "utf8"));
}

async function search(query: string): Promise<{ res: Response; rows: OrdSummary[] }> {
  const res = await fetch(`${ord.baseUrl}/organisations?${query}`);
  const body = (await res.json()) as { Organisations?: OrdSummary[] };
  return { res, rows: body.Organisations ?? [] };
}

async function codesOf(query: string): Promise<string[]> {
  const { res, rows } = await search(query);
  expect(res.status).toBe(200);
  return rows.map((r) => r.OrgId);
}

async function expectError(path: string, status: number, text?: RegExp | string): Promise<void> {
  const res = await fetch(`${ord.baseUrl}${path}`);
  expect(res.status).toBe(status);
  const body = (await res.json()) as { errorCode: number; errorText: string };
  expect(body.errorCode).toBe(status);
  expect(typeof body.errorText).toBe("string");
  if (text !== undefined) {
    expect(body.errorText).toMatch(text);
  }
}

describe("organisations/{code}", () => {
  test("serves the real record unchanged (key order, numbers, omitted sections)", async () => {
    const res = await fetch(`${ord.baseUrl}/organisations/RA9`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual(fixture("RA9"));
    expect(text).toBe(JSON.stringify(fixture("RA9")));
    const rjy = (await (await fetch(`${ord.baseUrl}/organisations/RJY`)).json()) as {
      Organisation: Record<string, unknown>;
    };
    expect(rjy.Organisation.refOnly).toBe(true);
    expect(Object.keys(rjy.Organisation)).not.toContain("Rels");
    expect(Object.keys(rjy.Organisation)).not.toContain("Succs");
    expect(Object.keys(rjy.Organisation)).not.toContain("Contacts");
  });

  test("codes are case-insensitive; unknown codes and odd paths are 404 with the error body", async () => {
    expect((await fetch(`${ord.baseUrl}/organisations/g6v2s`)).status).toBe(200);
    await expectError("/organisations/NOPE1", 404);
    await expectError(`/organisations/${"X".repeat(5000)}`, 404);
    await expectError("/organisations/%E0%A4%A", 404);
    await expectError("/nothing-here", 404);
  });

  test("JSON formats are accepted; XML formats and non-JSON Accept are 406", async () => {
    for (const format of ["json", "text/json", "application/json"]) {
      const res = await fetch(`${ord.baseUrl}/organisations/RA9?_format=${encodeURIComponent(format)}`);
      expect(res.status).toBe(200);
    }
    await expectError("/organisations/RA9?_format=xml", 406);
    await expectError("/organisations/RA9?_format=JSON", 406);
    const res = await fetch(`${ord.baseUrl}/organisations/RA9`, { headers: { accept: "application/xml" } });
    expect(res.status).toBe(406);
    expect(await res.json()).toEqual({ errorCode: 406, errorText: "Not Acceptable" });
    const ok = await fetch(`${ord.baseUrl}/organisations/RA9`, {
      headers: { accept: "application/xml;q=0.9, application/json" },
    });
    expect(ok.status).toBe(200);
  });

  test("singleItemsAsObjects renders one-element arrays as objects", async () => {
    const quirky = await startFakeOrd({ singleItemsAsObjects: true });
    try {
      const body = (await (await fetch(`${quirky.baseUrl}/organisations/RA9`)).json()) as {
        Organisation: { Date: unknown; Roles: { Role: unknown[] }; Succs: { Succ: unknown } };
      };
      expect(Array.isArray(body.Organisation.Date)).toBe(false);
      expect(body.Organisation.Date).toEqual({ Type: "Operational", Start: "1991-04-01" });
      expect(body.Organisation.Roles.Role).toHaveLength(3);
      expect(Array.isArray(body.Organisation.Succs.Succ)).toBe(false);
    } finally {
      await quirky.close();
    }
  });
});

describe("serving a generated data set", () => {
  test("generated: the same organisations as the full-file generator", async () => {
    const generated = await startFakeOrd({ reference: false, generated: { seed: 2, organisations: 200 } });
    try {
      const res = await fetch(`${generated.baseUrl}/organisations?Limit=1000`);
      expect(res.headers.get("x-total-count")).toBe("200");
      const rows = ((await res.json()) as { Organisations: OrdSummary[] }).Organisations;
      const read = await fetch(`${generated.baseUrl}/organisations/${rows[0]!.OrgId}`);
      expect(read.status).toBe(200);
      expect(generated.store.size).toBe(200);
    } finally {
      await generated.close();
    }
  });
});

describe("organisations? search", () => {
  test("summary rows have the live shape and the paging headers", async () => {
    const { res, rows } = await search("Name=south%20devon%20nhs%20f");
    expect(res.headers.get("x-total-count")).toBe("1");
    expect(res.headers.get("returned-records")).toBe("1");
    expect(res.headers.get("next-page")).toBeNull();
    expect(rows).toEqual([
      {
        Name: "TORBAY AND SOUTH DEVON NHS FOUNDATION TRUST",
        OrgId: "RA9",
        Status: "Active",
        OrgRecordClass: "RC1",
        PostCode: "TQ2 7AA",
        LastChangeDate: "2023-11-14",
        PrimaryRoleId: "RO197",
        PrimaryRoleDescription: "NHS TRUST",
        OrgLink: `${ord.baseUrl}/organisations/RA9`,
      },
    ]);
  });

  test("an unfiltered search lists everything with the default Limit", async () => {
    const { res, rows } = await search("");
    expect(res.headers.get("x-total-count")).toBe("12");
    expect(rows).toHaveLength(12);
  });

  test("Name contains, case-insensitive", async () => {
    expect(await codesOf("Name=tavistock")).toEqual(["FBL", "RNK"]);
    expect(await codesOf("Name=TORBAY")).toEqual(["R1G", "RA9"]);
    expect(await codesOf("Name=NoSuchName")).toEqual([]);
  });

  test("PostCode: full postcode with or without the space, or the exact outcode", async () => {
    expect(await codesOf("PostCode=nw35ba")).toEqual(["FBL", "RNK"]);
    expect(await codesOf("PostCode=NW3%205BA")).toEqual(["FBL", "RNK"]);
    expect(await codesOf("PostCode=NW1")).toEqual(["G6V2S", "RRQ", "TAF"]);
    expect(await codesOf("PostCode=N1")).toEqual([]);
    expect(await codesOf("PostCode=TQ2")).toEqual(["R1G", "RA9"]);
  });

  test("PostCode in contains mode", async () => {
    const contains = await startFakeOrd({ postCodeMatch: "contains" });
    try {
      const res = await fetch(`${contains.baseUrl}/organisations?PostCode=N1`);
      const rows = ((await res.json()) as { Organisations: OrdSummary[] }).Organisations;
      expect(rows.map((r) => r.OrgId)).toEqual(["RJY", "RP2", "RRP"]);
    } finally {
      await contains.close();
    }
  });

  test("Status, case-insensitive, exhaustive and non-overlapping", async () => {
    const active = await codesOf("Status=active");
    const inactive = await codesOf("Status=INACTIVE");
    expect(active).toEqual(["G6V2S", "RA9", "RNK", "RRP", "TAF"]);
    expect(active.length + inactive.length).toBe(12);
    await expectError("/organisations?Status=open", 406);
  });

  test("PrimaryRoleId, NonPrimaryRoleId and Roles (OR over primary and non-primary)", async () => {
    expect(await codesOf("PrimaryRoleId=ro111")).toEqual(["FBL"]);
    expect(await codesOf("PrimaryRoleId=RO107")).toEqual(["TAF"]);
    expect((await codesOf("PrimaryRoleId=RO197")).length).toBe(10);
    expect(await codesOf("NonPrimaryRoleId=RO57")).toEqual(["G6V2S", "RA9", "RNK", "TAF"]);
    expect(await codesOf("NonPrimaryRoleId=RO197")).toEqual([]);
    expect(await codesOf("Roles=RO107,RO111")).toEqual(["FBL", "TAF"]);
    expect(await codesOf("Roles=RO7,RO24")).toEqual(["RA9", "TAF"]);
  });

  test("OrgRecordClass", async () => {
    expect((await codesOf("OrgRecordClass=rc1")).length).toBe(12);
    expect(await codesOf("OrgRecordClass=RC2")).toEqual([]);
    await expectError("/organisations?OrgRecordClass=RC3", 406);
  });

  test("LastChangeDate: on or after the date, within 185 days of the injected clock", async () => {
    expect(await codesOf("LastChangeDate=2026-04-02")).toEqual(["FBL", "G6V2S", "RNK"]);
    expect(await codesOf("LastChangeDate=2026-04-03")).toEqual(["G6V2S", "RNK"]);
    // 2026-05-01 minus 185 days = 2025-10-28: allowed; the day before is not.
    expect((await search("LastChangeDate=2025-10-28")).res.status).toBe(200);
    await expectError("/organisations?LastChangeDate=2025-10-27", 406, /185 days/);
    await expectError("/organisations?LastChangeDate=2026-02-30", 406);
    await expectError("/organisations?LastChangeDate=yesterday", 406);
  });

  test("RelTypeId + TargetOrgId membership query", async () => {
    expect(await codesOf("RelTypeId=RE8&TargetOrgId=QJK")).toEqual(["RA9"]);
    expect(await codesOf("RelTypeId=RE4,RE8&TargetOrgId=qmj")).toEqual(["G6V2S", "RNK", "RRP", "TAF"]);
    expect(await codesOf("RelTypeId=RE4&TargetOrgId=QMJ")).toEqual([]);
    expect(await codesOf("TargetOrgId=Q39")).toEqual(["R1G", "RA9"]);
  });

  test("parameters combine with AND", async () => {
    expect(await codesOf("PrimaryRoleId=RO197&Status=Inactive&PostCode=NW1")).toEqual(["RRQ"]);
  });

  test("Limit above 1000, below 1 or not a number is 406", async () => {
    expect((await search("Limit=1000")).res.status).toBe(200);
    await expectError("/organisations?Limit=1001", 406, /1000/);
    await expectError("/organisations?Limit=0", 406);
    await expectError("/organisations?Limit=ten", 406);
    await expectError("/organisations?Limit=-5", 406);
  });

  test("Offset 0 and 1 are 406 with the live (misspelt) text", async () => {
    for (const offset of ["0", "1"]) {
      const res = await fetch(`${ord.baseUrl}/organisations?Offset=${offset}`);
      expect(res.status).toBe(406);
      expect(await res.text()).toBe('{"errorCode":406,"errorText":"Suppied Offset must be greater than 1"}');
    }
  });

  test("Offset is the 1-based start row; Next-Page walks every page", async () => {
    const first = await search("PrimaryRoleId=RO197&Limit=4");
    expect(first.res.headers.get("x-total-count")).toBe("10");
    expect(first.res.headers.get("returned-records")).toBe("4");
    expect(first.res.headers.get("previous-page")).toBeNull();
    const next = first.res.headers.get("next-page");
    expect(next).toBe(`${ord.baseUrl}/organisations?PrimaryRoleId=RO197&Limit=4&Offset=5`);
    const seen = [...first.rows.map((r) => r.OrgId)];
    let url: string | null = next;
    let pages = 1;
    while (url !== null) {
      const res = await fetch(url);
      const rows = ((await res.json()) as { Organisations: OrdSummary[] }).Organisations;
      seen.push(...rows.map((r) => r.OrgId));
      expect(res.headers.get("previous-page")).not.toBeNull();
      url = res.headers.get("next-page");
      pages += 1;
    }
    expect(pages).toBe(3);
    expect(seen).toEqual(await codesOf("PrimaryRoleId=RO197&Limit=1000"));
    const third = await search("PrimaryRoleId=RO197&Limit=4&Offset=9");
    expect(third.res.headers.get("returned-records")).toBe("2");
    expect(third.res.headers.get("previous-page")).toBe(
      `${ord.baseUrl}/organisations?PrimaryRoleId=RO197&Limit=4&Offset=5`,
    );
    const beyond = await search("Limit=4&Offset=500");
    expect(beyond.rows).toEqual([]);
    expect(beyond.res.headers.get("x-total-count")).toBe("12");
  });

  test("skip mode: Offset counts skipped rows", async () => {
    const skip = await startFakeOrd({ offsetMode: "skip", defaultLimit: 5 });
    try {
      const res = await fetch(`${skip.baseUrl}/organisations`);
      expect(res.headers.get("returned-records")).toBe("5");
      expect(res.headers.get("next-page")).toBe(`${skip.baseUrl}/organisations?Offset=5`);
      const page = await fetch(`${skip.baseUrl}/organisations?Offset=10`);
      const rows = ((await page.json()) as { Organisations: OrdSummary[] }).Organisations;
      expect(rows.map((r) => r.OrgId)).toEqual(["RRQ", "TAF"]);
    } finally {
      await skip.close();
    }
  });

  test("hostile input: unknown, repeated, empty and oversized parameters", async () => {
    await expectError("/organisations?Postcode=NW1", 400, /Postcode/);
    await expectError("/organisations?Name=a&Name=b", 406);
    await expectError("/organisations?Name=", 406);
    await expectError(`/organisations?Name=${"A".repeat(500)}`, 406);
    const weird = await search("Name=%27%22%3C%3E%25");
    expect(weird.res.status).toBe(200);
    expect(weird.rows).toEqual([]);
  });
});

describe("sync", () => {
  test("links of records changed on or after the date, all in one answer", async () => {
    const res = await fetch(`${ord.baseUrl}/sync?LastChangeDate=2026-04-02`);
    expect(res.status).toBe(200);
    expect(res.headers.get("x-total-count")).toBe("3");
    expect(await res.json()).toEqual({
      Organisations: ["FBL", "G6V2S", "RNK"].map((c) => ({ OrgLink: `${ord.baseUrl}/organisations/${c}` })),
    });
  });

  test("185-day window against the injected clock; missing date is 400", async () => {
    today = new Date("2026-11-21T00:00:00Z");
    await expectError("/sync?LastChangeDate=2026-04-02", 406, /185 days/);
    const ok = await fetch(`${ord.baseUrl}/sync?LastChangeDate=2026-05-20`);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ Organisations: [] });
    await expectError("/sync?LastChangeDate=2026-05-19", 406);
    await expectError("/sync", 400, /LastChangeDate/);
    await expectError("/sync?LastChangeDate=", 400);
    await expectError("/sync?LastChangeDate=2026-5-20", 406);
    await expectError("/sync?LastChangeDate=2026-05-20&Limit=5", 400);
  });

  test("store changes at run time show up in sync, search and read", async () => {
    const changed = ord.store.update("RA9", (org) => ({ ...org, LastChangeDate: "2026-04-30" }));
    expect(changed?.LastChangeDate).toBe("2026-04-30");
    const added: OrdOrganisation = {
      ...(fixture("FBL") as { Organisation: OrdOrganisation }).Organisation,
      Name: "A NEW ORGANISATION",
      OrgId: {
        root: "2.16.840.1.113883.2.1.3.2.4.18.48",
        assigningAuthorityName: "HSCIC",
        extension: "ZZZ01",
      },
      LastChangeDate: "2026-04-29",
    };
    ord.store.put(added);
    try {
      const sync = (await (await fetch(`${ord.baseUrl}/sync?LastChangeDate=2026-04-29`)).json()) as {
        Organisations: { OrgLink: string }[];
      };
      expect(sync.Organisations.map((o) => o.OrgLink.split("/").pop())).toEqual(["RA9", "ZZZ01"]);
      expect(await codesOf("Name=new organisation")).toEqual(["ZZZ01"]);
      expect(ord.store.remove("zzz01")).toBe(true);
      await expectError("/organisations/ZZZ01", 404);
      expect(ord.store.update("ZZZ01", (o) => o)).toBeUndefined();
    } finally {
      ord.store.put((fixture("RA9") as { Organisation: OrdOrganisation }).Organisation);
      ord.store.remove("ZZZ01");
    }
    expect(ord.store.size).toBe(12);
  });
});

describe("metadata endpoints", () => {
  test("roles: primaryRole is a string; one role by id; unknown is 404", async () => {
    const body = (await (await fetch(`${ord.baseUrl}/roles`)).json()) as {
      Roles: { id: string; code: string; displayName: string; primaryRole: string }[];
    };
    expect(body.Roles.length).toBeGreaterThan(130);
    expect(body.Roles).toContainEqual({
      id: "RO197",
      code: "197",
      displayName: "NHS TRUST",
      primaryRole: "true",
    });
    expect(body.Roles).toContainEqual({
      id: "RO57",
      code: "57",
      displayName: "FOUNDATION TRUST",
      primaryRole: "false",
    });
    const one = await (await fetch(`${ord.baseUrl}/roles/ro76`)).json();
    expect(one).toEqual({
      Roles: [{ id: "RO76", code: "76", displayName: "GP PRACTICE", primaryRole: "false" }],
    });
    await expectError("/roles/RO99999", 404);
  });

  test("rels and recordclasses", async () => {
    const rels = (await (await fetch(`${ord.baseUrl}/rels`)).json()) as { Relationships: { id: string }[] };
    expect(rels.Relationships.map((r) => r.id).sort()).toEqual([
      "RE10",
      "RE2",
      "RE3",
      "RE4",
      "RE5",
      "RE6",
      "RE8",
    ]);
    expect(await (await fetch(`${ord.baseUrl}/rels/RE4`)).json()).toEqual({
      Relationships: [{ id: "RE4", code: "4", displayName: "IS COMMISSIONED BY" }],
    });
    expect(await (await fetch(`${ord.baseUrl}/recordclasses`)).json()).toEqual({
      RecordClasses: [
        { id: "RC2", code: "2", displayName: "HSCSite" },
        { id: "RC1", code: "1", displayName: "HSCOrg" },
      ],
    });
    await expectError("/recordclasses/RC9", 404);
    await expectError("/rels/RE99", 404);
  });
});

describe("fault injection through the ORD routes", () => {
  const org = () => `${ord.baseUrl}/organisations/RA9`;

  test("latency delays the answer (a short client timeout gives up, a patient one gets the record)", async () => {
    ord.server.faults.add({
      path: "/ORD/2-0-0/organisations",
      fault: { kind: "latency", ms: 3000 },
      times: 1,
    });
    await expect(fetch(org(), { signal: AbortSignal.timeout(100) })).rejects.toThrow();
    ord.server.faults.add({ path: "/ORD/2-0-0/organisations", fault: { kind: "latency", ms: 20 }, times: 1 });
    expect((await fetch(org())).status).toBe(200);
  });

  test("429 with Retry-After, once", async () => {
    ord.server.faults.add({
      path: "/ORD/2-0-0/organisations",
      fault: { kind: "status", status: 429, retryAfterSeconds: 3 },
      times: 1,
    });
    const limited = await fetch(org());
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("3");
    expect((await fetch(org())).status).toBe(200);
  });

  test.each([500, 502, 503])("status %i on search", async (status) => {
    ord.server.faults.add({ path: "/ORD/2-0-0/organisations", fault: { kind: "status", status } });
    expect((await fetch(`${ord.baseUrl}/organisations?Name=a`)).status).toBe(status);
    expect((await fetch(`${ord.baseUrl}/roles`)).status).toBe(200);
  });

  test("connection reset on sync", async () => {
    ord.server.faults.add({ path: "/ORD/2-0-0/sync", fault: { kind: "reset" } });
    await expect(fetch(`${ord.baseUrl}/sync?LastChangeDate=2026-04-01`)).rejects.toThrow();
  });

  test("hang never answers", async () => {
    ord.server.faults.add({ path: "/ORD/2-0-0/organisations", fault: { kind: "hang" }, times: 1 });
    await expect(fetch(org(), { signal: AbortSignal.timeout(200) })).rejects.toThrow();
  });

  test("truncated body", async () => {
    ord.server.faults.add({ path: "/ORD/2-0-0/organisations", fault: { kind: "truncate", bytes: 100 } });
    const res = await fetch(org());
    expect(res.status).toBe(200);
    await expect(res.text()).rejects.toThrow();
  });

  test("wrong Content-Length, longer and shorter than the body", async () => {
    ord.server.faults.add({ path: "/ORD/2-0-0/organisations", fault: { kind: "wrong-length" }, times: 1 });
    const longer = await fetch(org());
    await expect(longer.text()).rejects.toThrow();
    ord.server.faults.add({
      path: "/ORD/2-0-0/organisations",
      fault: { kind: "wrong-length", delta: -50 },
      times: 1,
    });
    const shorter = await fetch(org());
    const text = await shorter.text().catch(() => "");
    expect(() => JSON.parse(text) as unknown).toThrow();
  });
});
