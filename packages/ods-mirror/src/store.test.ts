import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { record, type TestBackend, testBackends } from "../test/backends.js";
import { raw, sql } from "./db/sql.js";
import { MirrorError } from "./errors.js";
import type { OrgCondition, OrgSearch, SearchPage } from "./query.js";
import type { MirrorRecord } from "./record.js";
import type { MirrorStore } from "./store.js";

const enc = new TextEncoder();

function affiliation(id: string, source: string, target: string): Uint8Array {
  return enc.encode(
    JSON.stringify({ resourceType: "OrganizationAffiliation", id, organization: source, target }),
  );
}

const FIXTURES: MirrorRecord[] = [
  record("RR8", {
    name: "LEEDS TEACHING HOSPITALS NHS TRUST",
    aliases: ["ST JAMES'S UNIVERSITY HOSPITAL"],
    address: {
      lines: ["ST. JAMES'S UNIVERSITY HOSPITAL", "BECKETT STREET"],
      city: "LEEDS",
      district: "WEST YORKSHIRE",
      country: "ENGLAND",
      postalCode: "LS9 7TF",
    },
    roles: [
      { id: "RO197", primary: true, active: true },
      { id: "RO57", primary: false, active: true },
    ],
    lastChangeDate: "2024-03-01",
    relationships: [
      {
        id: "900",
        type: "RE5",
        target: "Q72",
        active: true,
        start: "2020-04-01",
        json: affiliation("900", "RR8", "Q72"),
      },
    ],
    successions: [{ type: "Predecessor", target: "RGW", date: "1998-04-01" }],
  }),
  record("RGW", {
    name: "LEEDS GENERAL INFIRMARY TRUST",
    active: false,
    roles: [{ id: "RO197", primary: true, active: false }],
    lastChangeDate: "2013-05-02",
    refOnly: true,
    successions: [{ type: "Successor", target: "RR8", date: "1998-04-01" }],
  }),
  record("B86001", {
    name: "CAFÉ SURGERY",
    address: { lines: ["1 HIGH STREET"], city: "LEEDS", postalCode: "LS1 4BT" },
    roles: [
      { id: "RO177", primary: true, active: true },
      { id: "RO76", primary: false, active: true },
    ],
    lastChangeDate: "2024-01-15",
    parent: "RR8",
    relationships: [
      {
        id: "901",
        type: "RE4",
        target: "QWO",
        active: true,
        start: "2022-07-01",
        json: affiliation("901", "B86001", "QWO"),
      },
      {
        id: "902",
        type: "RE4",
        target: "02V",
        active: false,
        start: "2013-04-01",
        end: "2022-06-30",
        json: affiliation("902", "B86001", "02V"),
      },
    ],
  }),
  record("B86002", {
    name: "Leeds Road Practice",
    address: { lines: ["2 LEEDS ROAD"], city: "BRADFORD", postalCode: "LS10 1AA" },
    roles: [
      { id: "RO177", primary: true, active: true },
      { id: "RO76", primary: false, active: false },
    ],
    lastChangeDate: "2023-12-31",
    parent: "RR8",
  }),
  record("FA001", {
    name: "BOOTS PHARMACY",
    address: { city: "YORK", postalCode: "YO1 7HH" },
    roles: [{ id: "RO182", primary: true, active: true }],
    recordClass: "RC2",
    lastChangeDate: "2024-02-29",
  }),
  record("Q72", {
    name: "NHS ENGLAND NORTH EAST AND YORKSHIRE",
    roles: [{ id: "RO209", primary: true, active: true }],
    lastChangeDate: "2022-01-01",
  }),
];

async function loadFixtures(store: MirrorStore, records = FIXTURES, release = "TEST-1"): Promise<void> {
  await store.withWriterLock(async () => {
    const writer = await store.beginGeneration({ release, source: "test" });
    await writer.add(records);
    await writer.commit({ watermark: "2024-03-01" });
  });
}

function codes(page: SearchPage): string[] {
  return page.entries.map((e) => e.id);
}

describe.each(testBackends().map((b) => [b.name, b] as const))(
  "store on %s",
  (_name, backend: TestBackend) => {
    let store: MirrorStore;
    const clock = (): Date => new Date("2024-04-01T12:00:00Z");

    beforeAll(async () => {
      store = await backend.open(clock);
    });
    afterAll(async () => {
      await store.close();
      await backend.cleanup();
    });

    const find = async (where: OrgCondition[], extra: Partial<OrgSearch> = {}): Promise<string[]> =>
      codes(await store.search({ where, count: 100, ...extra })).sort();

    test("a fresh store is empty but answers", async () => {
      const status = await store.status();
      expect(status).toMatchObject({
        backend: backend.name,
        organisations: 0,
        release: undefined,
        generation: 0,
      });
      expect(await store.read("RR8")).toEqual({ kind: "not-found", id: "RR8" });
      expect(await store.search({ where: [], count: 10 })).toEqual({ entries: [], total: 0 });
      expect((await store.checkIntegrity()).ok).toBe(true);
    });

    test("loads a generation and reads pre-serialised bytes by code, case-insensitively", async () => {
      await loadFixtures(store);
      const found = await store.read("rr8");
      expect(found.kind).toBe("found");
      if (found.kind !== "found") throw new Error("unreachable");
      expect(JSON.parse(found.json)).toMatchObject({ id: "RR8" });
      expect(found.versionId).toMatch(/^[\w-]{12}$/);
      expect(found.lastChangeDate).toBe("2024-03-01");
      const status = await store.status();
      expect(status).toMatchObject({
        organisations: 6,
        release: "TEST-1",
        watermark: "2024-03-01",
        ageDays: 31,
        relationships: 3,
      });
    });

    test("name: starts-with (default), contains, exact; case- and accent-insensitive; aliases", async () => {
      expect(await find([{ kind: "name", values: [{ match: "starts-with", value: "leeds" }] }])).toEqual([
        "B86002",
        "RGW",
        "RR8",
      ]);
      expect(await find([{ kind: "name", values: [{ match: "starts-with", value: "cafe" }] }])).toEqual([
        "B86001",
      ]);
      expect(await find([{ kind: "name", values: [{ match: "contains", value: "hospital" }] }])).toEqual([
        "RR8",
      ]);
      expect(await find([{ kind: "name", values: [{ match: "starts-with", value: "st james" }] }])).toEqual([
        "RR8",
      ]);
      expect(await find([{ kind: "name", values: [{ match: "starts-with", value: "university" }] }])).toEqual(
        [],
      );
      expect(await find([{ kind: "name", values: [{ match: "starts-with", value: "st james's" }] }])).toEqual(
        ["RR8"],
      );
      expect(await find([{ kind: "name", values: [{ match: "contains", value: "RY" }] }])).toEqual([
        "B86001",
        "RGW",
      ]);
      expect(
        await find([{ kind: "name", values: [{ match: "exact", value: "Leeds Road Practice" }] }]),
      ).toEqual(["B86002"]);
      expect(
        await find([{ kind: "name", values: [{ match: "exact", value: "LEEDS ROAD PRACTICE" }] }]),
      ).toEqual([]);
      expect(await find([{ kind: "name", values: [{ match: "contains", value: "100%_" }] }])).toEqual([]);
    });

    test("postcode: space- and case-insensitive; an outward code matches only itself", async () => {
      const pc = (match: "starts-with" | "contains" | "exact", value: string): OrgCondition => ({
        kind: "address",
        part: "postalcode",
        values: [{ match, value }],
      });
      expect(await find([pc("starts-with", "LS1")])).toEqual(["B86001"]);
      expect(await find([pc("starts-with", "ls10")])).toEqual(["B86002"]);
      expect(await find([pc("starts-with", "ls14bt")])).toEqual(["B86001"]);
      expect(await find([pc("starts-with", "LS1 4")])).toEqual(["B86001"]);
      expect(await find([pc("exact", "ls1 4bt")])).toEqual(["B86001"]);
      expect(await find([pc("starts-with", "LS")])).toEqual(["B86001", "B86002", "RR8"]);
      expect(await find([pc("contains", "7T")])).toEqual(["RR8"]);
    });

    test("address parts, any part, :missing", async () => {
      const addr = (part: "any" | "city" | "line" | "district" | "country", value: string): OrgCondition => ({
        kind: "address",
        part,
        values: [{ match: "starts-with", value }],
      });
      expect(await find([addr("city", "leeds")])).toEqual(["B86001", "RR8"]);
      expect(await find([addr("any", "leeds")])).toEqual(["B86001", "RR8"]);
      expect(await find([addr("any", "2 leeds")])).toEqual(["B86002"]);
      expect(
        await find([{ kind: "address", part: "any", values: [{ match: "contains", value: "leeds" }] }]),
      ).toEqual(["B86001", "B86002", "RR8"]);
      expect(await find([addr("line", "beckett")])).toEqual(["RR8"]);
      expect(await find([addr("district", "west")])).toEqual(["RR8"]);
      expect(await find([addr("country", "england")])).toEqual(["RR8"]);
      expect(await find([{ kind: "missing", field: "postalcode", missing: true }])).toEqual(["Q72", "RGW"]);
      expect(await find([{ kind: "missing", field: "city", missing: false }])).toEqual([
        "B86001",
        "B86002",
        "FA001",
        "RR8",
      ]);
      expect(await find([{ kind: "missing", field: "address", missing: true }])).toEqual(["Q72", "RGW"]);
      expect(await find([{ kind: "missing", field: "alias", missing: false }])).toEqual(["RR8"]);
      expect(await find([{ kind: "missing", field: "partOf", missing: false }])).toEqual([
        "B86001",
        "B86002",
      ]);
      expect(await find([{ kind: "missing", field: "lastChangeDate", missing: true }])).toEqual([]);
    });

    test("roles: any, primary, active, active-primary, :not", async () => {
      const role = (
        scope: "any" | "primary" | "active" | "active-primary",
        ids: string[],
        not = false,
      ): OrgCondition => ({
        kind: "role",
        scope,
        codes: ids,
        not,
      });
      expect(await find([role("any", ["RO76"])])).toEqual(["B86001", "B86002"]);
      expect(await find([role("active", ["RO76"])])).toEqual(["B86001"]);
      expect(await find([role("primary", ["ro197"])])).toEqual(["RGW", "RR8"]);
      expect(await find([role("active-primary", ["RO197"])])).toEqual(["RR8"]);
      expect(await find([role("any", ["RO182", "RO209"])])).toEqual(["FA001", "Q72"]);
      expect(await find([role("any", ["RO177"], true)])).toEqual(["FA001", "Q72", "RGW", "RR8"]);
      expect(await find([role("primary", ["RO177"], true)])).toEqual(["FA001", "Q72", "RGW", "RR8"]);
    });

    test("status, record class, refOnly, codes; OR within a condition, AND across", async () => {
      expect(await find([{ kind: "active", value: false }])).toEqual(["RGW"]);
      expect(await find([{ kind: "recordClass", codes: ["RC2"] }])).toEqual(["FA001"]);
      expect(await find([{ kind: "recordClass", codes: ["RC2"], not: true }])).toHaveLength(5);
      expect(await find([{ kind: "refOnly", value: true }])).toEqual(["RGW"]);
      expect(await find([{ kind: "code", codes: ["rr8", "Q72", "NOPE"] }])).toEqual(["Q72", "RR8"]);
      expect(await find([{ kind: "code", codes: ["RR8"], not: true }])).toHaveLength(5);
      expect(
        await find([
          {
            kind: "name",
            values: [
              { match: "starts-with", value: "leeds" },
              { match: "starts-with", value: "boots" },
            ],
          },
          { kind: "active", value: true },
        ]),
      ).toEqual(["B86002", "FA001", "RR8"]);
    });

    test("lastChangeDate: implicit ranges and every prefix", async () => {
      const d = (
        prefix: "eq" | "ne" | "gt" | "lt" | "ge" | "le" | "sa" | "eb" | "ap",
        value: string,
      ): OrgCondition => ({
        kind: "lastChangeDate",
        values: [{ prefix, value }],
      });
      expect(await find([d("eq", "2024-01-15")])).toEqual(["B86001"]);
      expect(await find([d("eq", "2024-02")])).toEqual(["FA001"]);
      expect(await find([d("eq", "2024")])).toEqual(["B86001", "FA001", "RR8"]);
      expect(await find([d("ge", "2024-02-29")])).toEqual(["FA001", "RR8"]);
      expect(await find([d("gt", "2024-02-29")])).toEqual(["RR8"]);
      expect(await find([d("le", "2023-12-31")])).toEqual(["B86002", "Q72", "RGW"]);
      expect(await find([d("lt", "2023-12-31")])).toEqual(["Q72", "RGW"]);
      expect(await find([d("sa", "2024-01")])).toEqual(["FA001", "RR8"]);
      expect(await find([d("eb", "2024-01")])).toEqual(["B86002", "Q72", "RGW"]);
      expect(await find([d("ne", "2024")])).toEqual(["B86002", "Q72", "RGW"]);
      expect(await find([d("eq", "2024-01-15T10:00:00Z")])).toEqual([]);
      expect(await find([d("ge", "2024-01-15T10:00:00Z")])).toEqual(["B86001", "FA001", "RR8"]);
      expect(await find([d("ap", "2024-01-14")])).toContain("B86001");
      // A range: AND of two conditions; OR of two values.
      expect(await find([d("ge", "2023-12-31"), d("lt", "2024-02")])).toEqual(["B86001", "B86002"]);
      expect(
        await find([
          {
            kind: "lastChangeDate",
            values: [
              { prefix: "eq", value: "2013" },
              { prefix: "eq", value: "2022" },
            ],
          },
        ]),
      ).toEqual(["Q72", "RGW"]);
    });

    test("hierarchy and relationships", async () => {
      expect(await find([{ kind: "partOf", codes: ["RR8"] }])).toEqual(["B86001", "B86002"]);
      expect(await find([{ kind: "parentOf", codes: ["B86001"] }])).toEqual(["RR8"]);
      expect(await find([{ kind: "relationship", types: ["RE4"], targets: ["QWO"] }])).toEqual(["B86001"]);
      expect(await find([{ kind: "relationship", types: ["RE4"], active: true }])).toEqual(["B86001"]);
      expect(await find([{ kind: "relationship", targets: ["02V"], active: true }])).toEqual([]);
      expect(await find([{ kind: "relationship", direction: "incoming", types: ["RE5"] }])).toEqual(["Q72"]);
    });

    test("pages of large results (walked in sort order) hold exactly the matches of the full listing", async () => {
      // With count 1, most of these results are "large" for 6 organisations: the store then walks the sort
      // order testing each row instead of listing every match first. Both plans must agree, aliases included.
      const conditions: OrgCondition[][] = [
        [{ kind: "name", values: [{ match: "contains", value: "lee" }] }],
        [{ kind: "name", values: [{ match: "contains", value: "ry" }] }],
        [{ kind: "name", values: [{ match: "contains", value: "st james" }] }],
        [{ kind: "name", values: [{ match: "starts-with", value: "leeds" }] }],
        [
          { kind: "name", values: [{ match: "contains", value: "leeds" }] },
          { kind: "active", value: true },
        ],
        [{ kind: "role", scope: "any", codes: ["RO76", "RO177", "RO197"] }],
        [
          { kind: "role", scope: "any", codes: ["RO177"] },
          { kind: "active", value: true },
        ],
        [
          { kind: "role", scope: "active", codes: ["RO177", "RO76"] },
          { kind: "active", value: true },
        ],
        [
          { kind: "role", scope: "any", codes: ["RO76"], not: true },
          { kind: "active", value: true },
        ],
        [{ kind: "address", part: "any", values: [{ match: "contains", value: "l" }] }],
        [{ kind: "relationship", types: ["RE4", "RE5", "RE6"] }],
        [{ kind: "active", value: true }],
      ];
      for (const where of conditions) {
        const all = await find(where);
        for (const sort of [undefined, [{ field: "name", direction: "desc" } as const]]) {
          const paged: string[] = [];
          let after: string | undefined;
          for (let i = 0; i < 10; i++) {
            const page = await store.search({
              where,
              count: 1,
              ...(sort === undefined ? {} : { sort }),
              ...(after === undefined ? {} : { page: { kind: "keyset", after } }),
            });
            expect(page.total).toBe(all.length);
            paged.push(...codes(page));
            after = page.next;
            if (after === undefined) break;
          }
          expect(paged.sort()).toEqual(all);
        }
        const offsetPage = await store.search({ where, count: 2, page: { kind: "offset", offset: 1 } });
        expect(codes(offsetPage)).toEqual(all.slice(1, 3));
      }
    });

    test("sort, totals, offset and keyset paging", async () => {
      const byName = await store.search({
        where: [],
        count: 100,
        sort: [{ field: "name", direction: "asc" }],
      });
      expect(codes(byName)).toEqual(["FA001", "B86001", "RGW", "B86002", "RR8", "Q72"]);
      const byDate = await store.search({
        where: [],
        count: 3,
        sort: [{ field: "lastChangeDate", direction: "desc" }],
      });
      expect(codes(byDate)).toEqual(["RR8", "FA001", "B86001"]);
      expect(byDate.total).toBe(6);
      expect(byDate.next).toBeTypeOf("string");
      const page2 = await store.search({
        where: [],
        count: 3,
        sort: [{ field: "lastChangeDate", direction: "desc" }],
        page: { kind: "keyset", after: byDate.next! },
      });
      expect(codes(page2)).toEqual(["B86002", "Q72", "RGW"]);
      expect(page2.next).toBeUndefined();
      const offset = await store.search({
        where: [],
        count: 2,
        page: { kind: "offset", offset: 4 },
        total: "none",
      });
      expect(codes(offset)).toEqual(["RGW", "RR8"]);
      expect(offset.total).toBeUndefined();
      const countOnly = await store.search({ where: [{ kind: "active", value: true }], count: 0 });
      expect(countOnly).toEqual({ entries: [], total: 5 });
      const desc = await store.search({ where: [], count: 10, sort: [{ field: "code", direction: "desc" }] });
      expect(codes(desc)).toEqual(["RR8", "RGW", "Q72", "FA001", "B86002", "B86001"]);
      // Keyset paging visits every row exactly once, whatever the sort.
      for (const sort of [
        [{ field: "name", direction: "desc" }],
        [
          { field: "lastChangeDate", direction: "asc" },
          { field: "name", direction: "desc" },
        ],
      ] as const) {
        const seen: string[] = [];
        let after: string | undefined;
        do {
          const page: SearchPage = await store.search({
            where: [],
            count: 2,
            sort,
            ...(after === undefined ? {} : { page: { kind: "keyset", after } }),
          });
          seen.push(...codes(page));
          after = page.next;
        } while (after !== undefined);
        expect(seen).toEqual(codes(await store.search({ where: [], count: 10, sort })));
      }
    });

    test("affiliations", async () => {
      const read = await store.readAffiliation("901");
      expect(read.kind).toBe("found");
      expect(await store.readAffiliation("999")).toEqual({ kind: "not-found", id: "999" });
      const ids = async (
        where: Parameters<MirrorStore["searchAffiliations"]>[0]["where"],
      ): Promise<string[]> => codes(await store.searchAffiliations({ where, count: 10 }));
      expect(await ids([{ kind: "primaryOrganization", codes: ["B86001"] }])).toEqual(["901", "902"]);
      expect(await ids([{ kind: "participatingOrganization", codes: ["Q72"] }])).toEqual(["900"]);
      expect(
        await ids([
          { kind: "type", codes: ["RE4"] },
          { kind: "active", value: true },
        ]),
      ).toEqual(["901"]);
      expect(await ids([{ kind: "date", values: [{ prefix: "eq", value: "2021" }] }])).toEqual([
        "900",
        "902",
      ]);
      expect(await ids([{ kind: "id", ids: ["900", "902"] }])).toEqual(["900", "902"]);
      const first = await store.searchAffiliations({ where: [], count: 2 });
      expect(first.total).toBe(3);
      const second = await store.searchAffiliations({
        where: [],
        count: 2,
        page: { kind: "keyset", after: first.next! },
      });
      expect(codes(second)).toEqual(["902"]);
    });

    test("lookup: name, successors, predecessors", async () => {
      expect(await store.lookup("rr8")).toEqual({
        code: "RR8",
        name: "LEEDS TEACHING HOSPITALS NHS TRUST",
        active: true,
        recordClass: "RC1",
        primaryRole: "RO197",
        lastChangeDate: "2024-03-01",
        successors: [],
        predecessors: [{ code: "RGW", date: "1998-04-01" }],
      });
      expect((await store.lookup("RGW"))?.successors).toEqual([{ code: "RR8", date: "1998-04-01" }]);
      expect(await store.lookup("NOPE")).toBeUndefined();
    });

    test("hostile and malformed queries give invalid-query", async () => {
      const bad: OrgSearch[] = [
        { where: [], count: -1 },
        { where: [], count: 1001 },
        { where: [], count: 1.5 },
        { where: [], count: 1, page: { kind: "offset", offset: -3 } },
        { where: [], count: 1, page: { kind: "keyset", after: "not-a-cursor" } },
        { where: [{ kind: "lastChangeDate", values: [{ prefix: "eq", value: "2024-13-01" }] }], count: 1 },
        { where: [{ kind: "lastChangeDate", values: [{ prefix: "eq", value: "yesterday" }] }], count: 1 },
        { where: [{ kind: "lastChangeDate", values: [{ prefix: "eq", value: "2023-02-29" }] }], count: 1 },
        { where: [{ kind: "name", values: [] }], count: 1 },
        { where: [{ kind: "name", values: [{ match: "starts-with", value: "x".repeat(201) }] }], count: 1 },
        { where: [{ kind: "code", codes: Array.from({ length: 101 }, (_, i) => `C${i}`) }], count: 1 },
        { where: Array.from({ length: 51 }, () => ({ kind: "active", value: true }) as const), count: 1 },
        { where: [{ kind: "bogus" } as unknown as OrgCondition], count: 1 },
      ];
      for (const query of bad) {
        await expect(store.search(query)).rejects.toMatchObject({
          name: "MirrorError",
          code: "invalid-query",
        });
      }
      // A cursor from another sort is refused.
      const page = await store.search({ where: [], count: 1 });
      await expect(
        store.search({
          where: [],
          count: 1,
          sort: [{ field: "name", direction: "asc" }],
          page: { kind: "keyset", after: page.next! },
        }),
      ).rejects.toBeInstanceOf(MirrorError);
      // SQL in values is data.
      expect(
        await find([{ kind: "name", values: [{ match: "contains", value: "'; DROP TABLE org; --" }] }]),
      ).toEqual([]);
      expect((await store.status()).organisations).toBe(6);
    });

    test("malformed records are refused with invalid-input and nothing is written", async () => {
      const bad: MirrorRecord[] = [
        record("bad code!"),
        record("X1", { name: "  " }),
        record("X2", { recordClass: "RC9X" }),
        record("X3", { lastChangeDate: "15/01/2024" }),
        record("X4", { json: new Uint8Array() }),
        record("X5", { roles: [{ id: "nonsense", primary: true, active: true }] }),
        record("X6", { name: "N".repeat(1001) }),
      ];
      for (const r of bad) {
        await expect(store.applyChanges({ upserts: [record("OK1"), r], removals: [] })).rejects.toMatchObject(
          {
            code: "invalid-input",
          },
        );
      }
      expect((await store.read("OK1")).kind).toBe("not-found");
    });

    test("incremental changes: upsert, tombstone, watermark in one transaction; idempotent", async () => {
      const changed = record("FA001", { name: "BOOTS THE CHEMIST", lastChangeDate: "2024-03-20" });
      const change = {
        upserts: [changed, record("NEW1", { name: "NEW PRACTICE" })],
        removals: ["Q72"],
        watermark: "2024-03-20",
      };
      for (let i = 0; i < 2; i++) {
        await store.applyChanges(change);
        expect(
          await find([{ kind: "name", values: [{ match: "starts-with", value: "boots the" }] }]),
        ).toEqual(["FA001"]);
        expect(await find([{ kind: "name", values: [{ match: "contains", value: "pharmacy" }] }])).toEqual(
          [],
        );
        expect(await store.read("Q72")).toMatchObject({ kind: "gone", id: "Q72" });
        expect(await store.read("NEW1")).toMatchObject({ kind: "found" });
        const status = await store.status();
        expect(status).toMatchObject({ organisations: 6, tombstones: 1, watermark: "2024-03-20" });
        expect(await store.checkIntegrity()).toMatchObject({ ok: true, problems: [] });
      }
      // Totals are cached per data version: a write makes them fresh again.
      const leeds = {
        where: [{ kind: "name", values: [{ match: "starts-with", value: "leeds" }] }],
        count: 0,
      } as const;
      const before = (await store.search(leeds)).total ?? 0;
      expect((await store.search(leeds)).total).toBe(before);
      await store.applyChanges({ upserts: [record("LEEDS9", { name: "LEEDS NINE" })], removals: [] });
      expect((await store.search(leeds)).total).toBe(before + 1);
      await store.applyChanges({ upserts: [], removals: ["LEEDS9"] });
      expect((await store.search(leeds)).total).toBe(before);
      // A failing batch changes nothing, watermark included.
      await expect(
        store.applyChanges({
          upserts: [record("NEW2"), record("NEW2")],
          removals: [],
          watermark: "2024-03-25",
        }),
      ).rejects.toBeDefined();
      expect(await store.read("NEW2")).toMatchObject({ kind: "not-found" });
      expect((await store.status()).watermark).toBe("2024-03-20");
      // An organisation that comes back loses its tombstone.
      await store.applyChanges({ upserts: [record("Q72")], removals: [] });
      expect(await store.read("Q72")).toMatchObject({ kind: "found" });
      // New codes placed between, before and after the existing ones keep pages in code order.
      await store.applyChanges({
        upserts: ["A0", "C1", "ZZ9", "RR7", "RR9"].map((code) =>
          record(code, { name: `${code} ORDERED SITE` }),
        ),
        removals: [],
      });
      const where: OrgCondition[] = [
        { kind: "name", values: [{ match: "contains", value: "ordered site" }] },
      ];
      for (const direction of ["asc", "desc"] as const) {
        const seen: string[] = [];
        let after: string | undefined;
        do {
          const page = await store.search({
            where,
            count: 2,
            sort: [{ field: "code", direction }],
            ...(after === undefined ? {} : { page: { kind: "keyset", after } }),
          });
          seen.push(...codes(page));
          after = page.next;
        } while (after !== undefined);
        const expected = ["A0", "C1", "RR7", "RR9", "ZZ9"];
        expect(seen).toEqual(direction === "asc" ? expected : expected.reverse());
      }
      expect(await store.checkIntegrity()).toMatchObject({ ok: true, problems: [] });
      // Many new codes between two neighbours, batch after batch: once the gaps run out rows fall out of code
      // order; pages in code order and the integrity check must not notice. (insertOrgsInCodeOrder also refuses
      // a midpoint already taken, which review found reachable with an even organisation count.)
      for (let batch = 0; batch < 4; batch++) {
        const codesOfBatch = Array.from(
          { length: 14 },
          (_, i) => `RR8${String.fromCharCode(65 + i)}${batch}`,
        );
        await store.applyChanges({
          upserts: (batch % 2 === 0 ? codesOfBatch : codesOfBatch.reverse()).map((code) =>
            record(code, { name: `${code} CROWDED SITE` }),
          ),
          removals: [],
        });
      }
      const crowded: string[] = [];
      let next: string | undefined;
      do {
        const page = await store.search({
          where: [{ kind: "name", values: [{ match: "contains", value: "crowded site" }] }],
          count: 10,
          sort: [{ field: "code", direction: "asc" }],
          ...(next === undefined ? {} : { page: { kind: "keyset", after: next } }),
        });
        crowded.push(...codes(page));
        next = page.next;
      } while (next !== undefined);
      expect(crowded).toHaveLength(56);
      expect(crowded).toEqual([...crowded].sort());
      expect(await store.checkIntegrity()).toMatchObject({ ok: true, problems: [] });
    });

    test("a new generation is invisible until commit, then switches atomically with tombstones", async () => {
      await store.withWriterLock(async () => {
        const writer = await store.beginGeneration({ release: "TEST-2", source: "test" });
        await writer.add(FIXTURES.filter((r) => r.code !== "RGW"));
        expect(await store.read("RGW")).toMatchObject({ kind: "found" });
        expect((await store.status()).release).toBe("TEST-1");
        await writer.commit({ watermark: "2024-03-02" });
      });
      expect(await store.read("RGW")).toMatchObject({ kind: "gone" });
      expect(await store.read("NEW1")).toMatchObject({ kind: "gone" });
      expect(await store.status()).toMatchObject({
        release: "TEST-2",
        organisations: 5,
        watermark: "2024-03-02",
      });
      expect(await store.checkIntegrity()).toMatchObject({ ok: true });
    });

    test("an aborted or abandoned generation leaves the current one serving", async () => {
      await store.withWriterLock(async () => {
        const writer = await store.beginGeneration({ release: "TEST-3", source: "test" });
        await writer.add([record("ZZ1")]);
        await writer.add([record("ZZ1")]);
        // Keys are built after the bulk inserts: a code added twice is refused when the generation commits.
        await expect(writer.commit()).rejects.toMatchObject({
          code: "invalid-input",
          message: "the data holds organisation ZZ1 more than once",
        });
        await writer.abort();
        // Abandoned without abort (as after kill -9): the next open drops it.
        const orphan = await store.beginGeneration({ release: "TEST-4", source: "test" });
        await orphan.add([record("ZZ2")]);
      });
      await store.close();
      store = await backend.open(clock);
      expect(await store.status()).toMatchObject({ release: "TEST-2", organisations: 5 });
      expect(await store.read("ZZ2")).toMatchObject({ kind: "not-found" });
      expect(await store.checkIntegrity()).toMatchObject({ ok: true });
    });

    test("a document stored under another key than its code's is an integrity problem", async () => {
      const generation = Number((await store.meta()).active_generation);
      const [row] = await store.db.all<{ code: string }>(sql`SELECT code FROM org_doc ORDER BY code LIMIT 1`);
      const code = row?.code ?? "";
      const doc = raw(`g${generation}_org_doc`);
      // What a writer of an earlier version (no key) would leave behind: the row somewhere else.
      await store.db.run(sql`UPDATE ${doc} SET key = key + 1000000000000000000 WHERE code = ${code}`);
      expect((await store.checkIntegrity()).problems).toContain(
        "FHIR bytes under another key than their code's: 1",
      );
      await store.db.run(sql`UPDATE ${doc} SET key = key - 1000000000000000000 WHERE code = ${code}`);
      expect(await store.checkIntegrity()).toMatchObject({ ok: true });
    });

    test("only one writer at a time", async () => {
      const other = await backend.open(clock);
      try {
        await store.withWriterLock(async () => {
          await expect(other.withWriterLock(() => Promise.resolve(1))).rejects.toMatchObject({
            code: "sync-in-progress",
          });
        });
        expect(await other.withWriterLock(() => Promise.resolve(2))).toBe(2);
      } finally {
        await other.close();
      }
    });
  },
);
