import { MedplumClient } from "@medplum/core";
import { Client } from "fhir-kit-client";
import smart from "fhirclient";
import { afterAll, beforeAll, describe, expect, test } from "vitest";

import { expectValidFhir, startApp } from "./helpers.js";
import type { Running } from "./helpers.js";

/**
 * The real FHIR clients developers use, each running a scripted session against the running app: capability
 * statement, read, search, paging to the end with next, includes, XML, conditional read.
 */
let app: Running;
beforeAll(async () => {
  app = await startApp();
});
afterAll(async () => {
  await app.close();
});

describe("fhir-kit-client 2.x session", () => {
  test("capability statement, read, search, paging, includes, XML, conditional read", async () => {
    const client = new Client({ baseUrl: app.base });
    const cs = (await client.capabilityStatement()) as unknown as fhir4.CapabilityStatement;
    expectValidFhir({ ...cs });
    expect(cs.fhirVersion).toBe("4.0.1");

    const org = (await client.read({
      resourceType: "Organization",
      id: "RR8",
    })) as unknown as fhir4.Organization;
    expect(org.name).toBe("LEEDS TEACHING HOSPITALS NHS TRUST");

    let bundle = (await client.search({
      resourceType: "Organization",
      searchParams: { "address-city": "wakefield", _count: 10 },
    })) as unknown as fhir4.Bundle;
    expect(bundle.total).toBe(45);
    const seen = new Set<string>();
    let pages = 0;
    for (;;) {
      pages++;
      for (const e of bundle.entry ?? []) {
        seen.add(e.resource?.id ?? "");
      }
      const next = (await client.nextPage({ bundle: bundle as never })) as unknown as
        fhir4.Bundle | undefined;
      if (next === undefined || next === null) {
        break;
      }
      bundle = next;
    }
    expect(pages).toBe(5);
    expect(seen.size).toBe(45);
    const back = (await client.prevPage({ bundle: bundle as never })) as unknown as fhir4.Bundle;
    expect(back.link?.find((l) => l.relation === "self")?.url).toContain("_offset=30");

    const withIncludes = (await client.search({
      resourceType: "Organization",
      searchParams: { _id: "RR8130", "_include:iterate": "Organization:partof" },
    })) as unknown as fhir4.Bundle;
    expect(
      withIncludes.entry?.filter((e) => e.search?.mode === "include").map((e) => e.resource?.id),
    ).toEqual(["RR813", "RR8"]);

    // POST _search (fhir-kit-client's postSearch uses a form body).
    const posted = (await client.search({
      resourceType: "Organization",
      searchParams: { name: "leeds" },
      options: { postSearch: true },
    })) as unknown as fhir4.Bundle;
    expect(posted.total).toBe(2);

    // XML: the client only parses JSON, so an XML answer surfaces as its parse error carrying the XML text.
    const xml = await client.request("Organization/RR8?_format=xml").catch((err: unknown) => err);
    expect(String((xml as { response?: { data?: unknown } }).response?.data)).toContain("<Organization");

    // Conditional read: a 304 is not "ok" for this client, it reports it as a response error with status 304.
    const notModified = await client
      .read({ resourceType: "Organization", id: "RR8", options: { headers: { "If-None-Match": 'W/"1"' } } })
      .catch((err: unknown) => err);
    expect((notModified as { response?: { status?: number } }).response?.status).toBe(304);
  });
});

describe("@medplum/core MedplumClient 4.5 session", () => {
  test("capability statement, read, search, paging, includes, XML, conditional read", async () => {
    const origin = new URL(app.base).origin;
    const medplum = new MedplumClient({
      baseUrl: `${origin}/`,
      fhirUrlPath: "fhir",
      fetch: globalThis.fetch.bind(globalThis),
    });
    const cs: fhir4.CapabilityStatement = await medplum.get(medplum.fhirUrl("metadata"));
    expect(cs.resourceType).toBe("CapabilityStatement");

    const org = await medplum.readResource("Organization", "RR8");
    expect(org.name).toBe("LEEDS TEACHING HOSPITALS NHS TRUST");

    const bundle = await medplum.search("Organization", "name=leeds");
    expect(bundle.total).toBe(2);

    // searchResourcePages follows next links (forcing _count=1000): one page of 52 here.
    const all: string[] = [];
    for await (const page of medplum.searchResourcePages("Organization", { _count: "20" })) {
      all.push(...page.map((r) => r.id ?? ""));
    }
    expect(new Set(all).size).toBe(52);

    const one = await medplum.searchOne("Organization", "roleCode=RO197&active=true");
    expect(one?.id).toBe("RR8");

    const included = await medplum.search("Organization", "_id=RR8&_revinclude=Organization:partof");
    expect(
      included.entry?.filter((e: { search?: { mode?: string } }) => e.search?.mode === "include"),
    ).toHaveLength(2);

    const xml = await fetch(medplum.fhirUrl("Organization", "RR8").toString(), {
      headers: { accept: "application/fhir+xml" },
    });
    expect(await xml.text()).toContain("<Organization");

    // Conditional read: MedplumClient answers a 304 (no body) with no resource; without the header, the resource.
    const notModified = await medplum.get(medplum.fhirUrl("Organization", "RR8"), {
      headers: { "If-None-Match": 'W/"1"' },
      cache: "no-cache",
    });
    expect(notModified ?? undefined).toBeUndefined();
    const modified = await medplum.get(medplum.fhirUrl("Organization", "RR8"), {
      headers: { "If-None-Match": 'W/"0"' },
      cache: "no-cache",
    });
    expect((modified as fhir4.Organization).id).toBe("RR8");
  });
});

/** The part of fhirclient's FhirClient the session uses (its typings do not declare the Node entry's FhirClient). */
interface FhirClientLike {
  getFhirVersion(): Promise<string>;
  fhirRequest(url: string, options?: RequestInit & { includeResponse?: boolean }): Promise<unknown>;
  pages(url: string): AsyncIterable<unknown>;
}

describe("fhirclient (SMART client-js) 2.6 session", () => {
  test("capability statement, read, search, paging, includes, XML, conditional read", async () => {
    const client = new (smart as unknown as { FhirClient: new (url: string) => FhirClientLike }).FhirClient(
      app.base,
    );
    expect(await client.getFhirVersion()).toBe("4.0.1");
    const org = (await client.fhirRequest("Organization/RR8")) as fhir4.Organization;
    expect(org.name).toBe("LEEDS TEACHING HOSPITALS NHS TRUST");
    const first = (await client.fhirRequest("Organization?name=leeds")) as fhir4.Bundle;
    expect(first.total).toBe(2);
    // pages() follows next links to the end.
    const ids: string[] = [];
    let pages = 0;
    for await (const page of client.pages("Organization?address-city=wakefield&_count=10")) {
      pages++;
      ids.push(...((page as fhir4.Bundle).entry ?? []).map((e) => e.resource?.id ?? ""));
    }
    expect(pages).toBe(5);
    expect(new Set(ids).size).toBe(45);
    const inc = (await client.fhirRequest(
      "Organization?_id=RR8&_revinclude=Organization:partof",
    )) as fhir4.Bundle;
    expect(inc.entry?.filter((e) => e.search?.mode === "include")).toHaveLength(2);
    // It sends Accept: application/json and gets FHIR JSON back as application/json.
    const res = (await client.fhirRequest("Organization/RR8", { includeResponse: true })) as {
      response: Response;
    };
    expect(res.response.headers.get("content-type")).toBe("application/json; charset=utf-8");
    // XML: fhirclient hands non-JSON answers back as the raw Response.
    const xml = (await client.fhirRequest("Organization/RR8?_format=xml")) as Response;
    expect(xml.headers.get("content-type")).toBe("application/fhir+xml; fhirVersion=4.0; charset=utf-8");
    expect(await xml.text()).toContain("<Organization");
    // Conditional read: 304 reaches the client (it reports non-2xx as an error carrying the status).
    const conditional = await client
      .fhirRequest("Organization/RR8", { headers: { "If-None-Match": 'W/"1"' } })
      .catch((err: unknown) => err);
    expect((conditional as { status?: number }).status).toBe(304);
  });
});
