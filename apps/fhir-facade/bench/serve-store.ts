// Child process: the reference for the search benchmark — a bare node:http server calling the mirror's
// store.search directly for the three benchmark query shapes and writing the entries' stored bytes, with no FHIR
// layer (no parsing beyond URLSearchParams, no Bundle, no links). The facade's search rate relative to this one
// is what the FHIR layer (src/http + src/fhir) costs on top of the store.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

import { openMirror } from "@fhir-facade/ods-mirror";
import type { OrgCondition } from "@fhir-facade/ods-mirror";

const store = await openMirror({ backend: { kind: "sqlite", path: process.argv[2] ?? "", readonly: true } });

function conditions(params: URLSearchParams): OrgCondition[] {
  const where: OrgCondition[] = [];
  const name = params.get("name:contains");
  if (name !== null) {
    where.push({ kind: "name", values: [{ match: "contains", value: name }] });
  }
  const postcode = params.get("address-postalcode");
  if (postcode !== null) {
    where.push({ kind: "address", part: "postalcode", values: [{ match: "starts-with", value: postcode }] });
  }
  const role = params.get("roleCode");
  if (role !== null) {
    where.push({ kind: "role", scope: "any", codes: [role], not: false });
  }
  if (params.get("active") === "true") {
    where.push({ kind: "active", value: true });
  }
  return where;
}

const server = createServer((req, res) => {
  const url = req.url ?? "";
  const q = url.indexOf("?");
  const params = new URLSearchParams(q < 0 ? "" : url.slice(q + 1));
  store
    .search({
      where: conditions(params),
      sort: [{ field: "code", direction: "asc" }],
      count: Number(params.get("_count") ?? 20),
      page: { kind: "offset", offset: 0 },
      total: "accurate",
    })
    .then(
      (page) => {
        const body = `{"total":${page.total ?? 0},"entry":[${page.entries.map((e) => e.json).join(",")}]}`;
        res.writeHead(200, {
          "Content-Type": "application/json; charset=utf-8",
          "Content-Length": Buffer.byteLength(body),
        });
        res.end(body);
      },
      (err: unknown) => {
        res.writeHead(500).end(String(err));
      },
    );
});
server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`${(server.address() as AddressInfo).port}\n`);
});
