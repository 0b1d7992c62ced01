import { afterAll, beforeAll, describe, expect, test } from "vitest";

import { startFakeOrd } from "../ord/fake-ord.js";
import type { FakeOrd } from "../ord/fake-ord.js";
import type { OrdOrganisation } from "../ord/ord-types.js";
import { OdsGeneratorError } from "./generator-error.js";
import { createOdsModel } from "./ods-model.js";

const BASE = { seed: 21, organisations: 10_000 } as const;
const base = [...createOdsModel(BASE).organisations()];
const rev1Model = createOdsModel({ ...BASE, revision: 1 });
const rev1 = [...rev1Model.organisations()];
const rev2 = [...createOdsModel({ ...BASE, revision: 2 }).organisations()];

function changed(a: readonly OrdOrganisation[], b: readonly OrdOrganisation[]): OrdOrganisation[] {
  return b.slice(0, a.length).filter((org, i) => JSON.stringify(org) !== JSON.stringify(a[i]));
}

describe("revisions (monthly publications of one data set)", () => {
  test("revision 1 is published 28 days later, keeps every record in place and appends new ones", () => {
    expect(rev1Model.publicationDate).toBe("2026-11-29");
    expect(rev1Model.revision).toBe(1);
    expect(rev1.length).toBe(10_000 + 20);
    expect(rev1.slice(0, 10_000).map((o) => o.OrgId.extension)).toEqual(base.map((o) => o.OrgId.extension));
    const codes = new Set(rev1.map((o) => o.OrgId.extension));
    expect(codes.size).toBe(rev1.length);
  });

  test("about 2% of the records change, each with a LastChangeDate inside the revision's 28 days", () => {
    const diff = changed(base, rev1);
    expect(diff.length).toBeGreaterThan(100);
    expect(diff.length).toBeLessThan(320);
    for (const org of diff) {
      expect(org.LastChangeDate >= "2026-11-01" && org.LastChangeDate < "2026-11-29").toBe(true);
      expect(org.refOnly).toBeUndefined();
    }
    const wasActive = new Set(base.filter((o) => o.Status === "Active").map((o) => o.OrgId.extension));
    const closed = diff.filter((o) => o.Status === "Inactive" && wasActive.has(o.OrgId.extension));
    expect(closed.length).toBeGreaterThan(0);
    for (const org of closed) {
      expect(org.Date.find((d) => d.Type === "Operational")?.End).toBe(org.LastChangeDate);
      expect(org.Roles.Role.every((r) => r.Status === "Inactive")).toBe(true);
      expect((org.Rels?.Rel ?? []).every((r) => r.Status === "Inactive")).toBe(true);
    }
  });

  test("new organisations are active, opened inside the revision window, with valid targets", () => {
    const byCode = new Map(rev1.map((o) => [o.OrgId.extension, o]));
    for (const org of rev1.slice(10_000)) {
      expect(org.Status).toBe("Active");
      const start = org.Date.find((d) => d.Type === "Operational")!.Start;
      expect(start >= "2026-11-01" && start < "2026-11-29").toBe(true);
      expect(org.LastChangeDate >= start && org.LastChangeDate < "2026-11-29").toBe(true);
      for (const rel of org.Rels?.Rel ?? []) expect(byCode.has(rel.Target.OrgId.extension)).toBe(true);
    }
  });

  test("revision 2 builds on revision 1", () => {
    expect(rev2.length).toBe(10_040);
    expect(rev2.slice(0, rev1.length).map((o) => o.OrgId.extension)).toEqual(
      rev1.map((o) => o.OrgId.extension),
    );
    const sinceRev1 = changed(rev1, rev2);
    expect(sinceRev1.every((o) => o.LastChangeDate >= "2026-11-29" && o.LastChangeDate < "2026-12-27")).toBe(
      true,
    );
    const unchanged = rev2
      .slice(0, rev1.length)
      .filter((o, i) => JSON.stringify(o) === JSON.stringify(rev1[i]));
    expect(unchanged.length + sinceRev1.length).toBe(rev1.length);
  });

  test("revision is validated", () => {
    for (const revision of [-1, 1.5, 121, Number.NaN]) {
      expect(() => createOdsModel({ ...BASE, revision })).toThrow(OdsGeneratorError);
    }
  });
});

describe("the fake ORD sync reports a revision's changes", () => {
  let ord: FakeOrd;
  beforeAll(async () => {
    ord = await startFakeOrd({
      reference: false,
      generated: { ...BASE, revision: 1 },
      now: () => new Date("2026-11-29T06:00:00Z"),
    });
  });
  afterAll(async () => {
    await ord.close();
  });

  test("sync since the base publication lists exactly the changed and new organisations", async () => {
    const body = (await (await fetch(`${ord.baseUrl}/sync?LastChangeDate=2026-11-01`)).json()) as {
      Organisations: { OrgLink: string }[];
    };
    const links = body.Organisations.map((o) => o.OrgLink.split("/").pop()).sort();
    const expected = [...changed(base, rev1), ...rev1.slice(10_000)].map((o) => o.OrgId.extension).sort();
    expect(links).toEqual(expected);
  });
});
