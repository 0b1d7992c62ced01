import { afterAll, beforeAll, describe, expect, test } from "vitest";

import { getJson, startApp } from "./helpers.js";
import type { Running } from "./helpers.js";

let app: Running;
beforeAll(async () => {
  app = await startApp();
});
afterAll(async () => {
  await app.close();
});

interface Bundle {
  resourceType: "Bundle";
  type: string;
  total?: number;
  link: { relation: string; url: string }[];
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- resources are inspected freely
  entry?: { fullUrl: string; resource: any; search: { mode: string } }[];
}

async function search(query: string, init: RequestInit = {}): Promise<Bundle> {
  const { status, body } = await getJson(`${app.base}/${query}`, init);
  expect(status, JSON.stringify(body)).toBe(200);
  expect(body.resourceType).toBe("Bundle");
  expect(body.type).toBe("searchset");
  return body as Bundle;
}

function ids(bundle: Bundle, mode = "match"): string[] {
  return (bundle.entry ?? []).filter((e) => e.search.mode === mode).map((e) => e.resource.id as string);
}

function link(bundle: Bundle, relation: string): string | undefined {
  return bundle.link.find((l) => l.relation === relation)?.url;
}

async function status(query: string, init: RequestInit = {}): Promise<{ status: number; code: string }> {
  const { status: s, body } = await getJson(`${app.base}/${query}`, init);
  return { status: s, code: body?.issue?.[0]?.code };
}

describe("string parameters", () => {
  test("name is case-insensitive starts-with", async () => {
    expect(ids(await search("Organization?name=leeds"))).toEqual(["RR8", "RR813"]);
  });
  test("name is accent-insensitive", async () => {
    expect(ids(await search("Organization?name=cafe%20medical"))).toEqual(["B86001"]);
  });
  test("name also searches alias", async () => {
    expect(ids(await search("Organization?name=ltht"))).toEqual(["RR8"]);
  });
  test(":contains matches anywhere", async () => {
    expect(ids(await search("Organization?name:contains=TEACHING"))).toEqual(["RR8"]);
    expect(ids(await search("Organization?name:contains=hospital&_count=100"))).toEqual(["RR8", "RR801"]);
  });
  test(":exact is the whole string, case- and accent-sensitive", async () => {
    expect(ids(await search("Organization?name:exact=Caf%C3%A9%20M%C3%A9dical%20Leeds"))).toEqual(["B86001"]);
    expect(ids(await search("Organization?name:exact=cafe%20medical%20leeds"))).toEqual([]);
    expect(ids(await search("Organization?name:exact=LEEDS"))).toEqual([]);
  });
  test("comma = OR, repetition = AND", async () => {
    expect(ids(await search("Organization?name=roberts,bird"))).toEqual(["G81086", "R1G"]);
    expect(ids(await search("Organization?name=leeds&name:contains=infirmary"))).toEqual(["RR813"]);
  });
  test("an escaped comma is a literal comma", async () => {
    expect(ids(await search("Organization?name=roberts%5C,bird"))).toEqual([]);
  });
  test("address-postalcode ignores spaces; address searches every part", async () => {
    expect(ids(await search("Organization?address-postalcode=LS97TF"))).toEqual(["RR8", "RR801"]);
    expect(ids(await search("Organization?address-postalcode=ls9%207"))).toEqual(["RR8", "RR801"]);
    expect(ids(await search("Organization?address=bradford"))).toEqual(["R1G"]);
    expect(ids(await search("Organization?address=1%20great%20george&address-city=bradford"))).toEqual([
      "R1G",
    ]);
  });
  test("address-city and address-country", async () => {
    expect((await search("Organization?address-city=wakefield")).total).toBe(45);
    expect((await search("Organization?address-country=england")).total).toBe(52);
  });
  test(":missing on a string parameter", async () => {
    expect((await search("Organization?address-state:missing=true")).total).toBe(52);
    expect((await search("Organization?address-state:missing=false")).total).toBe(0);
  });
  test("phonetic matches names that sound alike", async () => {
    expect(ids(await search("Organization?phonetic=robberts"))).toEqual(["R1G"]);
  });
});

describe("token parameters", () => {
  test("active=true|false; anything else is 400", async () => {
    expect(ids(await search("Organization?active=false"))).toEqual(["R1G"]);
    expect((await search("Organization?active=true")).total).toBe(51);
    expect(await status("Organization?active=yes")).toEqual({ status: 400, code: "value" });
  });
  test("active:not=true", async () => {
    expect(ids(await search("Organization?active:not=true"))).toEqual(["R1G"]);
  });
  test("identifier with system|value, value alone, and the wrong system", async () => {
    expect(
      ids(await search("Organization?identifier=https://fhir.nhs.uk/Id/ods-organization-code%7CRR8")),
    ).toEqual(["RR8"]);
    expect(ids(await search("Organization?identifier=RR8"))).toEqual(["RR8"]);
    expect(ids(await search("Organization?identifier=http://other%7CRR8"))).toEqual([]);
  });
  test("_id with OR", async () => {
    expect(ids(await search("Organization?_id=RR8,R1G"))).toEqual(["R1G", "RR8"]);
  });
  test("roleCode: OR with commas, AND by repetition, :not, system|code", async () => {
    expect(ids(await search("Organization?roleCode=RO197"))).toEqual(["R1G", "RR8"]);
    expect(ids(await search("Organization?roleCode=RO197,RO76"))).toEqual(["B86001", "G81086", "R1G", "RR8"]);
    expect(ids(await search("Organization?roleCode=RO76&roleCode=RO177"))).toEqual(["G81086"]);
    expect(ids(await search("Organization?roleCode=RO76&roleCode:not=RO177"))).toEqual(["B86001"]);
    expect(
      ids(
        await search(
          "Organization?roleCode=https://digital.nhs.uk/services/organisation-data-service/CodeSystem/ODSOrganisationRole%7CRO197",
        ),
      ),
    ).toEqual(["R1G", "RR8"]);
  });
  test("activeRoleCode only counts active roles", async () => {
    expect(ids(await search("Organization?activeRoleCode=RO197"))).toEqual(["RR8"]);
    expect(ids(await search("Organization?activeRoleCode=RO57"))).toEqual([]);
    expect(ids(await search("Organization?roleCode=RO57"))).toEqual(["RR8"]);
  });
  test("roleCode + active (the ODT pattern)", async () => {
    expect((await search("Organization?roleCode=RO182&active=true")).total).toBe(45);
  });
  test("type by record class", async () => {
    expect(ids(await search("Organization?type=RC2"))).toEqual(["RR801", "RR813", "RR8130"]);
  });
  test(":text on a token matches the display", async () => {
    expect(ids(await search("Organization?roleCode:text=role%20ro197"))).toEqual(["R1G", "RR8"]);
  });
});

describe("reference parameters and chaining", () => {
  test("partof by id, Type/id, absolute URL and :identifier", async () => {
    for (const v of ["RR8", "Organization/RR8", "https://example.org/fhir/Organization/RR8"]) {
      expect(ids(await search(`Organization?partof=${encodeURIComponent(v)}`))).toEqual(["RR801", "RR813"]);
    }
    expect(
      ids(await search("Organization?partof:identifier=https://fhir.nhs.uk/Id/ods-organization-code%7CRR8")),
    ).toEqual(["RR801", "RR813"]);
    expect(ids(await search("Organization?partof:Organization=RR8"))).toEqual(["RR801", "RR813"]);
  });
  test("partof:missing", async () => {
    expect((await search("Organization?partof:missing=false")).total).toBe(3);
  });
  test("a reference to another type is 400", async () => {
    expect((await status("Organization?partof=Patient/1")).status).toBe(400);
  });
  test("chaining: partof.name and partof:Organization.name", async () => {
    expect(ids(await search("Organization?partof.name=leeds%20teaching"))).toEqual(["RR801", "RR813"]);
    expect(ids(await search("Organization?partof:Organization.name=leeds%20general"))).toEqual(["RR8130"]);
    expect(ids(await search("Organization?partof.name=nothing-like-this"))).toEqual([]);
  });
  test("chaining two levels or into an unknown parameter is 400", async () => {
    expect((await status("Organization?partof.partof.name=x")).status).toBe(400);
    expect((await status("Organization?partof.nonsense=x")).status).toBe(400);
  });
});

describe("date parameters", () => {
  // RR8 lastChangeDate 2024-02-06, RR801 2024-02-05, RR813 2024-02-07
  const trusts = "&_id=RR8,RR801,RR813";
  const cases: [string, string[]][] = [
    ["2024-02-06", ["RR8"]],
    ["eq2024-02-06", ["RR8"]],
    ["ne2024-02-06", ["RR801", "RR813"]],
    ["ge2024-02-06", ["RR8", "RR813"]],
    ["gt2024-02-06", ["RR813"]],
    ["le2024-02-06", ["RR8", "RR801"]],
    ["lt2024-02-06", ["RR801"]],
    ["sa2024-02-06", ["RR813"]],
    ["eb2024-02-06", ["RR801"]],
    ["2024-02", ["RR8", "RR801", "RR813"]],
    ["2024", ["RR8", "RR801", "RR813"]],
    ["eq2024-02-06T12:00", []],
    ["lt2024-02-06T00:00:00Z", ["RR801"]],
  ];
  for (const [value, expected] of cases) {
    test(`lastChangeDate=${value}`, async () => {
      expect(ids(await search(`Organization?lastChangeDate=${encodeURIComponent(value)}${trusts}`))).toEqual(
        expected,
      );
    });
  }
  test("a range by repetition (ODT: lastChangeDate=gt...&lastChangeDate=lt...)", async () => {
    expect(ids(await search("Organization?lastChangeDate=gt2024-02-05&lastChangeDate=lt2024-02-07"))).toEqual(
      ["RR8"],
    );
  });
  test("_lastUpdated works the same way (meta.lastUpdated)", async () => {
    expect(ids(await search("Organization?_lastUpdated=ge2024-02-06&_id=RR8,RR801,RR813"))).toEqual([
      "RR8",
      "RR813",
    ]);
  });
  for (const bad of ["2024-13-01", "2024-02-30", "xx2024", "2024-02-06T25:00", "yesterday", "gt"]) {
    test(`a malformed date (${bad}) is 400 value`, async () => {
      expect(await status(`Organization?lastChangeDate=${encodeURIComponent(bad)}`)).toEqual({
        status: 400,
        code: "value",
      });
    });
  }
});

describe("unknown and unsupported things", () => {
  test("an unknown parameter is ignored and reported in an outcome entry; self omits it", async () => {
    const bundle = await search("Organization?name=leeds&colour=blue");
    expect(ids(bundle)).toEqual(["RR8", "RR813"]);
    const outcome = bundle.entry?.find((e) => e.search.mode === "outcome");
    expect(outcome?.resource.resourceType).toBe("OperationOutcome");
    expect(outcome?.resource.issue[0].diagnostics).toContain("colour");
    expect(link(bundle, "self")).not.toContain("colour");
  });
  test("Prefer: handling=strict makes an unknown parameter 400", async () => {
    expect(await status("Organization?colour=blue", { headers: { prefer: "handling=strict" } })).toEqual({
      status: 400,
      code: "not-supported",
    });
    expect(
      (await status("Organization?colour=blue", { headers: { prefer: "handling=lenient" } })).status,
    ).toBe(200);
  });
  test("_format, _pretty, _summary and _elements are never unknown", async () => {
    const bundle = await search("Organization?name=leeds&_format=json&_pretty=false", {
      headers: { prefer: "handling=strict" },
    });
    expect(ids(bundle)).toEqual(["RR8", "RR813"]);
  });
  test("an unknown modifier is 400 invalid, even when lenient", async () => {
    expect(await status("Organization?name:fuzzy=x")).toEqual({ status: 400, code: "invalid" });
  });
  test("a known modifier the parameter does not support is 400 not-supported", async () => {
    expect(await status("Organization?name:not=x")).toEqual({ status: 400, code: "not-supported" });
    expect(await status("Organization?roleCode:below=RO1")).toEqual({ status: 400, code: "not-supported" });
  });
  test("malformed result parameters are 400", async () => {
    for (const q of [
      "_count=-1",
      "_count=ten",
      "_offset=x",
      "_summary=maybe",
      "_total=all",
      "_sort=colour",
      "_elements=1x",
    ]) {
      expect((await status(`Organization?${q}`)).status, q).toBe(400);
    }
  });
  test("_include=* and unknown includes are 400", async () => {
    expect((await status("Organization?_include=*")).status).toBe(400);
    expect((await status("Organization?_include=Organization:endpoint")).status).toBe(400);
  });
});

describe("Bundle and paging", () => {
  test("total, absolute fullUrls and search.mode", async () => {
    const bundle = await search("Organization?name=leeds");
    expect(bundle.total).toBe(2);
    for (const e of bundle.entry ?? []) {
      expect(e.fullUrl).toBe(`${app.base}/Organization/${e.resource.id as string}`);
      expect(e.search.mode).toBe("match");
    }
  });
  test("_count defaults to 20 and is stated in the self link", async () => {
    const bundle = await search("Organization");
    expect(ids(bundle)).toHaveLength(20);
    expect(link(bundle, "self")).toBe(`${app.base}/Organization?_count=20`);
  });
  test("_count above the cap is clamped and the self link says so", async () => {
    const bundle = await search("Organization?_count=5000");
    expect(link(bundle, "self")).toContain("_count=1000");
  });
  test("_count=0 returns the total and no entries", async () => {
    const bundle = await search("Organization?address-city=wakefield&_count=0");
    expect(bundle.total).toBe(45);
    expect(bundle.entry).toBeUndefined();
  });
  test("links first/previous/next/last are consistent and keep every parameter", async () => {
    const q =
      "Organization?address-city=wakefield&_sort=name&_include=Organization:partof&_elements=name&_count=10&_offset=20";
    const bundle = await search(q);
    expect(bundle.total).toBe(45);
    const self = link(bundle, "self") ?? "";
    expect(self).toBe(
      `${app.base}/Organization?address-city=wakefield&_sort=name&_include=Organization:partof&_elements=name&_count=10&_offset=20`,
    );
    expect(link(bundle, "first")).toBe(self.replace("&_offset=20", ""));
    expect(link(bundle, "previous")).toBe(self.replace("_offset=20", "_offset=10"));
    expect(link(bundle, "next")).toBe(self.replace("_offset=20", "_offset=30"));
    expect(link(bundle, "last")).toBe(self.replace("_offset=20", "_offset=40"));
  });
  test("paging to the end with next visits every match exactly once", async () => {
    let url: string | undefined = `${app.base}/Organization?_count=7&_sort=-name`;
    const seen: string[] = [];
    let pages = 0;
    let total = 0;
    while (url !== undefined) {
      const { body } = await getJson(url);
      total = (body as Bundle).total ?? 0;
      seen.push(...ids(body as Bundle));
      url = link(body as Bundle, "next");
      pages++;
      expect(pages).toBeLessThan(20);
    }
    expect(seen).toHaveLength(total);
    expect(new Set(seen).size).toBe(total);
    expect(pages).toBe(Math.ceil(total / 7));
  });
  test("_total=none omits total and last but still links next when more follow", async () => {
    const bundle = await search("Organization?address-city=wakefield&_total=none&_count=10");
    expect(bundle.total).toBeUndefined();
    expect(link(bundle, "last")).toBeUndefined();
    expect(link(bundle, "next")).toContain("_offset=10");
    const lastPage = await search("Organization?address-city=wakefield&_total=none&_count=10&_offset=40");
    expect(link(lastPage, "next")).toBeUndefined();
  });
  test("_sort by name ascending and descending, ties broken by _id", async () => {
    const asc = ids(await search("Organization?name=leeds,st&_sort=name"));
    expect(asc).toEqual(["RR813", "RR8", "RR801"]);
    const desc = ids(await search("Organization?name=leeds,st&_sort=-name"));
    expect(desc).toEqual(["RR801", "RR8", "RR813"]);
    const byDate = ids(await search("Organization?_id=RR8,RR801,RR813&_sort=-lastChangeDate"));
    expect(byDate).toEqual(["RR813", "RR8", "RR801"]);
  });
});

describe("_summary and _elements", () => {
  test("_summary=true: R4 summary elements only, SUBSETTED", async () => {
    const [e] = (await search("Organization?_id=RR8&_summary=true")).entry ?? [];
    expect(e?.resource.address).toBeUndefined();
    expect(e?.resource.name).toBe("LEEDS TEACHING HOSPITALS NHS TRUST");
    expect(e?.resource.meta.tag[0].code).toBe("SUBSETTED");
  });
  test("_summary=text keeps id, meta and text only", async () => {
    const [e] = (await search("Organization?_id=RR8&_summary=text")).entry ?? [];
    expect(Object.keys(e?.resource ?? {}).sort()).toEqual(["id", "meta", "resourceType"]);
  });
  test("_summary=data removes only text", async () => {
    const [e] = (await search("Organization?_id=RR8&_summary=data")).entry ?? [];
    expect(e?.resource.address).toBeDefined();
    expect(e?.resource.meta.tag[0].code).toBe("SUBSETTED");
  });
  test("_summary=count: total only", async () => {
    const bundle = await search("Organization?roleCode=RO182&_summary=count");
    expect(bundle.total).toBe(45);
    expect(bundle.entry).toBeUndefined();
  });
  test("_summary=false: whole resources, no tag", async () => {
    const [e] = (await search("Organization?_id=RR8&_summary=false")).entry ?? [];
    expect(e?.resource.address).toBeDefined();
    expect(e?.resource.meta.tag).toBeUndefined();
  });
  test("_elements keeps the named elements", async () => {
    const [e] = (await search("Organization?_id=RR8&_elements=name,active")).entry ?? [];
    expect(Object.keys(e?.resource ?? {}).sort()).toEqual(["active", "id", "meta", "name", "resourceType"]);
  });
  test("_summary with _elements is 400", async () => {
    expect((await status("Organization?_summary=true&_elements=name")).status).toBe(400);
  });
});

describe("_include and _revinclude", () => {
  test("_include=Organization:partof adds parents as include entries", async () => {
    const bundle = await search("Organization?_id=RR8130&_include=Organization:partof");
    expect(ids(bundle)).toEqual(["RR8130"]);
    expect(ids(bundle, "include")).toEqual(["RR813"]);
    expect(bundle.total).toBe(1);
  });
  test("_include:iterate walks up the hierarchy", async () => {
    const bundle = await search("Organization?_id=RR8130&_include:iterate=Organization:partof");
    expect(ids(bundle, "include")).toEqual(["RR813", "RR8"]);
  });
  test("_revinclude=Organization:partof adds children; :iterate adds grandchildren", async () => {
    expect(ids(await search("Organization?_id=RR8&_revinclude=Organization:partof"), "include")).toEqual([
      "RR801",
      "RR813",
    ]);
    expect(
      ids(await search("Organization?_id=RR8&_revinclude:iterate=Organization:partof"), "include"),
    ).toEqual(["RR801", "RR813", "RR8130"]);
  });
  test("_revinclude of affiliations", async () => {
    const bundle = await search(
      "Organization?_id=RR8&_revinclude=OrganizationAffiliation:participating-organization",
    );
    expect(ids(bundle, "include").sort()).toEqual(["256248", "383689"]);
  });
});

describe("POST _search", () => {
  test("a form-encoded body gives the same result as GET, URL and body combined", async () => {
    const get = await search("Organization?name=leeds&active=true");
    const post = await search("Organization/_search?active=true", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded; charset=utf-8" },
      body: "name=leeds",
    });
    expect(ids(post)).toEqual(ids(get));
    expect(link(post, "self")).toBe(
      link(get, "self")?.replace("name=leeds&active=true", "active=true&name=leeds"),
    );
  });
  test("any other body type is 415", async () => {
    for (const type of [
      "application/json",
      "application/fhir+json",
      "text/plain",
      "multipart/form-data; boundary=x",
    ]) {
      const { status: s, body } = await getJson(`${app.base}/Organization/_search`, {
        method: "POST",
        headers: { "content-type": type },
        body: "name=leeds",
      });
      expect(s, type).toBe(415);
      expect(body.issue[0].code).toBe("not-supported");
    }
  });
  test("GET on _search is 405", async () => {
    expect((await status("Organization/_search")).status).toBe(405);
  });
  test("an oversized form body is 414 too-long", async () => {
    const { status: s, body } = await getJson(`${app.base}/Organization/_search`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: `name=${"a".repeat(70_000)}`,
    });
    expect(s).toBe(414);
    expect(body.issue[0].code).toBe("too-long");
  });
});

describe("OrganizationAffiliation search", () => {
  test("primary-organization, participating-organization, role, active, date", async () => {
    expect(ids(await search("OrganizationAffiliation?primary-organization=G81086"))).toEqual(["256248"]);
    expect(ids(await search("OrganizationAffiliation?participating-organization=Organization/RR8"))).toEqual([
      "256248",
      "383689",
    ]);
    expect(ids(await search("OrganizationAffiliation?role=RE5"))).toEqual(["383689"]);
    expect(ids(await search("OrganizationAffiliation?active=true"))).toEqual(["256248"]);
    // A period matches eq only when it lies inside the search range; gt/lt compare its ends.
    expect(ids(await search("OrganizationAffiliation?date=2015"))).toEqual([]);
    expect(ids(await search("OrganizationAffiliation?date=2019"))).toEqual([]);
    expect(ids(await search("OrganizationAffiliation?date=gt2020"))).toEqual(["256248"]);
    expect(ids(await search("OrganizationAffiliation?date=lt2012"))).toEqual(["383689"]);
  });
  test("_include of the primary organisation", async () => {
    const bundle = await search(
      "OrganizationAffiliation?_id=256248&_include=OrganizationAffiliation:primary-organization",
    );
    expect(ids(bundle, "include")).toEqual(["G81086"]);
  });
});
