import { afterAll, beforeAll, describe, expect, test } from "vitest";

import { odsCodeSystems } from "../ord/code-systems.js";
import { startFakeOrd } from "../ord/fake-ord.js";
import type { FakeOrd } from "../ord/fake-ord.js";
import type { OrdOrganisation, OrdSummary } from "../ord/ord-types.js";
import { referenceOrganisations } from "../ord/reference-records.js";
import { OdsGeneratorError } from "./generator-error.js";
import { createOdsModel } from "./ods-model.js";

const SIZE = 20_000;
const model = createOdsModel({ seed: 11, organisations: SIZE });
const orgs = [...model.organisations()];
const byCode = new Map(orgs.map((o) => [o.OrgId.extension, o]));
const PUBLICATION = model.publicationDate;

function share(predicate: (o: OrdOrganisation) => boolean, of: readonly OrdOrganisation[] = orgs): number {
  return of.filter(predicate).length / of.length;
}

function primary(o: OrdOrganisation) {
  return o.Roles.Role.find((r) => r.primaryRole === true);
}

function operational(o: OrdOrganisation) {
  return o.Date.find((d) => d.Type === "Operational");
}

describe("generated model: integrity", () => {
  test("unique codes, none clashing with the reference records or their targets", () => {
    expect(byCode.size).toBe(SIZE);
    const reserved = new Set<string>();
    for (const r of referenceOrganisations()) {
      reserved.add(r.OrgId.extension);
      for (const rel of r.Rels?.Rel ?? []) reserved.add(rel.Target.OrgId.extension);
      for (const s of r.Succs?.Succ ?? []) reserved.add(s.Target.OrgId.extension);
    }
    expect(orgs.filter((o) => reserved.has(o.OrgId.extension))).toEqual([]);
  });

  test("unique role, relationship and succession ids", () => {
    const roleIds = orgs.flatMap((o) => o.Roles.Role.map((r) => r.uniqueRoleId));
    const relIds = orgs.flatMap((o) => (o.Rels?.Rel ?? []).map((r) => r.uniqueRelId));
    const succIds = orgs.flatMap((o) => (o.Succs?.Succ ?? []).map((s) => s.uniqueSuccId));
    expect(new Set(roleIds).size).toBe(roleIds.length);
    expect(new Set(relIds).size).toBe(relIds.length);
    expect(new Set(succIds).size).toBe(succIds.length);
  });

  test("one primary role per record, every role and relationship code in the code systems", () => {
    const codes = odsCodeSystems();
    const rels = new Set(codes.relationships.map((r) => r.id));
    const scope = new Set(codes.primaryRoleScope);
    const bad = orgs.filter(
      (o) =>
        o.Roles.Role.filter((r) => r.primaryRole === true).length !== 1 ||
        !scope.has(primary(o)!.id) ||
        o.Roles.Role.some((r) => !codes.roleById.has(r.id)) ||
        (o.Rels?.Rel ?? []).some((r) => !rels.has(r.id)),
    );
    expect(bad).toEqual([]);
  });

  test("every relationship and succession target exists, with its real primary role", () => {
    const bad: string[] = [];
    for (const o of orgs) {
      for (const t of [...(o.Rels?.Rel ?? []), ...(o.Succs?.Succ ?? [])].map((x) => x.Target)) {
        const target = byCode.get(t.OrgId.extension);
        const role = target === undefined ? undefined : primary(target);
        if (
          // eslint-disable-next-line @typescript-eslint/prefer-optional-chain -- explicit checks read better in this assertion
          role === undefined ||
          t.PrimaryRoleId.id !== role.id ||
          t.PrimaryRoleId.uniqueRoleId !== role.uniqueRoleId ||
          JSON.stringify(t.OrgId) !== JSON.stringify(target?.OrgId)
        ) {
          bad.push(`${o.OrgId.extension} -> ${t.OrgId.extension}`);
        }
      }
    }
    expect(bad).toEqual([]);
  });

  test("successions are recorded from both ends, except towards refOnly skeletons (forwardSuccession)", () => {
    let pairs = 0;
    for (const o of orgs) {
      for (const s of o.Succs?.Succ ?? []) {
        const other = byCode.get(s.Target.OrgId.extension)!;
        const back = (other.Succs?.Succ ?? []).find((b) => b.Target.OrgId.extension === o.OrgId.extension);
        if (other.refOnly === true) {
          expect(s.Type).toBe("Predecessor");
          expect(s.forwardSuccession).toBe(true);
          expect(back).toBeUndefined();
        } else {
          expect(s.forwardSuccession).toBeUndefined();
          expect(back?.Type).toBe(s.Type === "Successor" ? "Predecessor" : "Successor");
          expect(back?.Date).toEqual(s.Date);
          expect(back?.uniqueSuccId).not.toBe(s.uniqueSuccId);
          pairs += 1;
        }
      }
    }
    expect(pairs).toBeGreaterThan(50);
  });

  test("mergers, demergers and chains up to depth 3 occur; no cycles", () => {
    const successors = (o: OrdOrganisation) =>
      (o.Succs?.Succ ?? []).filter((s) => s.Type === "Successor").map((s) => s.Target.OrgId.extension);
    const predecessors = (o: OrdOrganisation) =>
      (o.Succs?.Succ ?? []).filter((s) => s.Type === "Predecessor");
    expect(orgs.some((o) => predecessors(o).length >= 2)).toBe(true);
    expect(orgs.some((o) => successors(o).length >= 2)).toBe(true);
    let deepest = 0;
    for (const o of orgs) {
      let depth = 0;
      let current: OrdOrganisation | undefined = o;
      const seen = new Set<string>();
      while (current !== undefined && successors(current).length > 0) {
        expect(seen.has(current.OrgId.extension)).toBe(false);
        seen.add(current.OrgId.extension);
        current = byCode.get(successors(current)[0]!);
        depth += 1;
      }
      deepest = Math.max(deepest, depth);
    }
    expect(deepest).toBeGreaterThanOrEqual(2);
    expect(deepest).toBeLessThanOrEqual(3);
  });

  test("Status follows the operational dates; dates are ordered and before the publication date", () => {
    const bad = orgs.filter((o) => {
      const op = operational(o)!;
      const dates = [
        ...o.Date,
        ...o.Roles.Role.flatMap((r) => r.Date),
        ...(o.Rels?.Rel ?? []).flatMap((r) => r.Date),
      ];
      return (
        o.Status !== (op.End === undefined ? "Active" : "Inactive") ||
        !(op.Start < PUBLICATION) ||
        (op.End !== undefined && !(op.End >= op.Start && op.End < PUBLICATION)) ||
        !(o.LastChangeDate >= op.Start && o.LastChangeDate < PUBLICATION) ||
        dates.some((d) => !/^\d{4}-\d{2}-\d{2}$/.test(d.Start) || (d.End !== undefined && d.End < d.Start))
      );
    });
    expect(bad).toEqual([]);
  });

  test("refOnly skeletons: inactive, closed before the 2017-03-31 cut-off, one role, no optional sections", () => {
    const skeletons = orgs.filter((o) => o.refOnly === true);
    expect(skeletons.length).toBeGreaterThan(0);
    const bad = skeletons.filter(
      (o) =>
        o.Status !== "Inactive" ||
        !(operational(o)!.End! <= "2017-03-31") ||
        o.Roles.Role.length !== 1 ||
        o.Rels !== undefined ||
        o.Succs !== undefined ||
        o.Contacts !== undefined ||
        o.GeoLoc?.Location.UPRN !== undefined,
    );
    expect(bad).toEqual([]);
  });

  test("key order and omitted sections are those of the live API", () => {
    const allowed = [
      "Name",
      "Date",
      "OrgId",
      "Status",
      "LastChangeDate",
      "orgRecordClass",
      "refOnly",
      "GeoLoc",
      "Contacts",
      "Roles",
      "Rels",
      "Succs",
    ];
    const relKeys = JSON.stringify(["Date", "Status", "Target", "id", "uniqueRelId"]);
    const bad = orgs.filter((o) => {
      const keys = Object.keys(o);
      return (
        JSON.stringify(keys) !== JSON.stringify(allowed.filter((k) => keys.includes(k))) ||
        (o.Rels?.Rel ?? []).some((rel) => JSON.stringify(Object.keys(rel)) !== relKeys)
      );
    });
    expect(bad).toEqual([]);
  });
});

describe("generated model: proportions (modelled on upstream-ods.md)", () => {
  test("inactive, refOnly and record-class shares", () => {
    expect(share((o) => o.Status === "Inactive")).toBeGreaterThan(0.3);
    expect(share((o) => o.Status === "Inactive")).toBeLessThan(0.55);
    expect(share((o) => o.refOnly === true)).toBeGreaterThan(0.07);
    expect(share((o) => o.refOnly === true)).toBeLessThan(0.17);
    expect(share((o) => o.orgRecordClass === "RC2")).toBeGreaterThan(0.3);
    expect(share((o) => o.orgRecordClass === "RC2")).toBeLessThan(0.55);
  });

  test("NHS trusts: about half inactive, most inactive ones refOnly, foundation trusts non-primary RO57", () => {
    const trusts = orgs.filter((o) => primary(o)!.id === "RO197");
    expect(trusts.length).toBe(model.composition().trust);
    const inactive = trusts.filter((o) => o.Status === "Inactive");
    expect(inactive.length / trusts.length).toBeGreaterThan(0.35);
    expect(share((o) => o.refOnly === true, inactive)).toBeGreaterThan(0.5);
    expect(trusts.some((o) => o.Roles.Role.some((r) => r.id === "RO57" && r.primaryRole !== true))).toBe(
      true,
    );
  });

  test("GP practices are RO177 + RO76 commissioned (RE4) by a sub-ICB; sites are operated by (RE6) a parent", () => {
    const gps = orgs.filter((o) => o.Roles.Role.some((r) => r.id === "RO76"));
    expect(gps.length).toBeGreaterThan(SIZE * 0.05);
    expect(gps.every((o) => primary(o)!.id === "RO177")).toBe(true);
    const full = gps.filter((o) => o.refOnly !== true);
    expect(
      share(
        (o) => (o.Rels?.Rel ?? []).some((r) => r.id === "RE4" && r.Target.PrimaryRoleId.id === "RO98"),
        full,
      ),
    ).toBe(1);
    const sites = orgs.filter((o) => o.orgRecordClass === "RC2" && o.refOnly !== true);
    expect(share((o) => (o.Rels?.Rel ?? []).some((r) => r.id === "RE6"), sites)).toBeGreaterThan(0.95);
  });

  test("addresses carry postcodes; most full records carry UPRNs; some records change in the last 185 days", () => {
    expect(orgs.every((o) => /^[A-Z]{1,2}\d{1,2} \d[A-Z]{2}$/.test(o.GeoLoc?.Location.PostCode ?? ""))).toBe(
      true,
    );
    expect(
      share(
        (o) => o.GeoLoc?.Location.UPRN !== undefined,
        orgs.filter((o) => o.refOnly !== true),
      ),
    ).toBeGreaterThan(0.7);
    expect(share((o) => o.LastChangeDate >= "2026-05-01")).toBeGreaterThan(0.05);
  });
});

describe("createOdsModel", () => {
  test("random access is pure and matches iteration; out-of-range positions throw", () => {
    expect(model.organisation(1234)).toEqual(orgs[1234]);
    expect(model.organisation(1234)).toEqual(model.organisation(1234));
    expect(() => model.organisation(SIZE)).toThrow(RangeError);
    expect(() => model.organisation(-1)).toThrow(RangeError);
    expect(Object.values(model.composition()).reduce((a, b) => a + b, 0)).toBe(SIZE);
  });

  test("reference records come first when asked, and count towards the total", () => {
    const withRef = createOdsModel({ seed: 11, organisations: 100, includeReference: true });
    expect(withRef.size).toBe(100);
    expect(withRef.referenceCount).toBe(12);
    expect([...withRef.organisations()].slice(0, 12)).toEqual(referenceOrganisations());
  });

  test("an empty model is allowed; bad options are typed errors", () => {
    expect([...createOdsModel({ organisations: 0 }).organisations()]).toEqual([]);
    expect(() => createOdsModel({ organisations: 13 })).toThrow(OdsGeneratorError);
    expect(() => createOdsModel({ publicationDate: "01/11/2026" })).toThrow(OdsGeneratorError);
  });
});

describe("the fake ORD serves a generated model", () => {
  const small = createOdsModel({ seed: 3, organisations: 1500, includeReference: true });
  const expected = [...small.organisations()];
  let ord: FakeOrd;
  beforeAll(async () => {
    ord = await startFakeOrd({
      reference: false,
      organisations: small.organisations(),
      now: () => new Date("2026-11-01T08:00:00Z"),
    });
  });
  afterAll(async () => {
    await ord.close();
  });

  test("records read back equal the model's JSON", async () => {
    for (const org of [expected[0]!, expected[20]!, expected[1499]!]) {
      const res = await fetch(`${ord.baseUrl}/organisations/${org.OrgId.extension}`);
      expect(await res.json()).toEqual({ Organisation: org });
    }
  });

  test("search totals and sync match the model", async () => {
    const gps = expected.filter((o) => o.Roles.Role.some((r) => r.id === "RO76" && r.primaryRole !== true));
    const res = await fetch(
      `${ord.baseUrl}/organisations?PrimaryRoleId=RO177&NonPrimaryRoleId=RO76&Limit=1000`,
    );
    expect(res.headers.get("x-total-count")).toBe(String(gps.length));
    const rows = ((await res.json()) as { Organisations: OrdSummary[] }).Organisations;
    expect(rows.every((r) => r.PrimaryRoleDescription === "PRESCRIBING COST CENTRE")).toBe(true);
    const since = "2026-08-01";
    const sync = (await (await fetch(`${ord.baseUrl}/sync?LastChangeDate=${since}`)).json()) as {
      Organisations: unknown[];
    };
    expect(sync.Organisations.length).toBe(expected.filter((o) => o.LastChangeDate >= since).length);
    expect(sync.Organisations.length).toBeGreaterThan(0);
  });
});
