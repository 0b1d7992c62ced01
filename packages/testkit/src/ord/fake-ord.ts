import { createOdsModel } from "../generator/ods-model.js";
import type { OdsModelOptions } from "../generator/ods-model.js";
import { FakeServer } from "../http/fake-server.js";
import type { FakeRequest, FakeResponse } from "../http/fake-server.js";
import { odsCodeSystems } from "./code-systems.js";
import type { OdsConcept } from "./code-systems.js";
import { OrdHttpError } from "./ord-error.js";
import { collapseSingletons, summaryOf } from "./ord-render.js";
import { checkLastChangeDate, offsetFor, searchOrganisations } from "./ord-search.js";
import type { OrdOffsetMode, OrdPostCodeMatch } from "./ord-search.js";
import { OrdStore } from "./ord-store.js";
import type { OrdOrganisation } from "./ord-types.js";
import { referenceOrganisations } from "./reference-records.js";

/** Options of {@link startFakeOrd}. */
export interface FakeOrdOptions {
  /** Serve the real records of `fixtures/ods/ord/` (default true). */
  readonly reference?: boolean;
  /** More organisations to serve (for example `createOdsModel(...).organisations()`); they replace same codes. */
  readonly organisations?: Iterable<OrdOrganisation>;
  /** Also serve a generated data set: the same organisations as `generateOdsFullFile` with these options. */
  readonly generated?: OdsModelOptions;
  /** The clock for the 185-day `LastChangeDate` window (default: the real clock). */
  readonly now?: () => Date;
  /** `Limit` when the request omits it (default 20; the live default is unverified). */
  readonly defaultLimit?: number;
  /** `start` (default): `Offset` is the 1-based index of the first row; `skip`: rows skipped. */
  readonly offsetMode?: OrdOffsetMode;
  /** `outcode` (default): exact postcode or exact outcode; `contains`: substring. */
  readonly postCodeMatch?: OrdPostCodeMatch;
  /** Render single-element arrays as objects in organisation records (default false: as the live API). */
  readonly singleItemsAsObjects?: boolean;
  /** Port on 127.0.0.1 (default 0: any free port). */
  readonly port?: number;
}

/** A running fake ORD API. */
export interface FakeOrd {
  /** The origin, `http://127.0.0.1:PORT`. */
  readonly url: string;
  /** The ORD base, `http://127.0.0.1:PORT/ORD/2-0-0` (no trailing slash). */
  readonly baseUrl: string;
  /** The underlying server: `faults`, `requests`, `count()`. */
  readonly server: FakeServer;
  /** The organisations served; change it at run time. */
  readonly store: OrdStore;
  close(): Promise<void>;
}

const BASE_PATH = "/ORD/2-0-0";
const JSON_FORMATS = new Set(["json", "text/json", "application/json"]);
const XML_FORMATS = new Set(["xml", "text/xml", "application/xml"]);

function json(status: number, body: unknown, headers: Record<string, string | number> = {}): FakeResponse {
  return {
    status,
    headers: {
      "content-type": "application/json; charset=utf-8",
      "access-control-allow-origin": "*",
      ...headers,
    },
    body: typeof body === "string" ? body : JSON.stringify(body),
  };
}

function errorResponse(err: OrdHttpError): FakeResponse {
  return json(err.status, err.toBody());
}

function acceptsJson(accept: string | undefined): boolean {
  if (accept === undefined || accept.trim() === "") {
    return true;
  }
  return accept.split(",").some((part) => {
    const type = (part.split(";")[0] ?? "").trim().toLowerCase();
    return ["*/*", "application/*", "application/json", "text/json", "text/*"].includes(type);
  });
}

/** The media-type checks every ORD endpoint makes (upstream-ods.md §1.1, D-headers). */
function checkFormat(req: FakeRequest): void {
  const format = req.url.searchParams.get("_format");
  if (format !== null && !JSON_FORMATS.has(format)) {
    throw new OrdHttpError(
      406,
      XML_FORMATS.has(format)
        ? "The fake ORD serves JSON only; _format=xml is not supported"
        : "Supplied _format is not supported",
    );
  }
  const accept = req.headers.accept;
  if (!acceptsJson(Array.isArray(accept) ? accept.join(",") : accept)) {
    throw new OrdHttpError(406, "Not Acceptable");
  }
}

function guarded(handler: (req: FakeRequest) => FakeResponse): (req: FakeRequest) => FakeResponse {
  return (req) => {
    try {
      checkFormat(req);
      return handler(req);
    } catch (err) {
      if (err instanceof OrdHttpError) {
        return errorResponse(err);
      }
      throw err;
    }
  };
}

function conceptList(concepts: readonly OdsConcept[], id: string | undefined): OdsConcept[] {
  if (id === undefined) {
    return [...concepts];
  }
  const found = concepts.filter((c) => c.id === id.toUpperCase());
  if (found.length === 0) {
    throw new OrdHttpError(404, "Not Found");
  }
  return found;
}

/**
 * Starts a fake of the ODS ORD 2-0-0 API (upstream-ods.md §1) on 127.0.0.1: `organisations/{code}`,
 * `organisations?…` (every documented parameter, `X-Total-Count` / `Returned-Records` / `Next-Page` /
 * `Previous-Page`), `sync?LastChangeDate=` (185-day window, 406 beyond), `roles`, `rels`, `recordclasses`,
 * and the live error body `{"errorCode":406,"errorText":"…"}`. Fault injection through `server.faults`.
 */
export async function startFakeOrd(options: FakeOrdOptions = {}): Promise<FakeOrd> {
  const store = new OrdStore();
  if (options.reference ?? true) {
    store.load(referenceOrganisations());
  }
  if (options.generated !== undefined) {
    store.load(createOdsModel(options.generated).organisations());
  }
  if (options.organisations !== undefined) {
    store.load(options.organisations);
  }
  const now = options.now ?? (() => new Date());
  const codes = odsCodeSystems();
  const offsetMode = options.offsetMode ?? "start";
  const settings = () => ({
    now: now(),
    defaultLimit: options.defaultLimit ?? 20,
    offsetMode,
    postCodeMatch: options.postCodeMatch ?? "outcode",
  });
  const server = new FakeServer();
  const link = (code: string) => `${server.url}${BASE_PATH}/organisations/${encodeURIComponent(code)}`;

  server.route(
    "GET",
    `${BASE_PATH}/organisations/:code`,
    guarded((req) => {
      const org = store.get(req.params.code ?? "");
      if (org === undefined) {
        throw new OrdHttpError(404, "Not Found");
      }
      const body = options.singleItemsAsObjects === true ? collapseSingletons(org) : org;
      return json(200, { Organisation: body });
    }),
  );

  server.route(
    "GET",
    `${BASE_PATH}/organisations`,
    guarded((req) => {
      const params = req.url.searchParams;
      const page = searchOrganisations(store.all(), params, settings());
      const pageUrl = (first: number) => {
        const url = new URL(`${server.url}${BASE_PATH}/organisations`);
        for (const [key, value] of params) {
          if (key !== "Offset") {
            url.searchParams.append(key, value);
          }
        }
        const offset = offsetFor(first, offsetMode);
        if (offset !== undefined) {
          url.searchParams.set("Offset", String(offset));
        }
        return url.toString();
      };
      const headers: Record<string, string | number> = {
        "X-Total-Count": page.total,
        "Returned-Records": page.rows.length,
      };
      if (page.nextFirst !== undefined) {
        headers["Next-Page"] = pageUrl(page.nextFirst);
      }
      if (page.previousFirst !== undefined) {
        headers["Previous-Page"] = pageUrl(page.previousFirst);
      }
      return json(
        200,
        { Organisations: page.rows.map((org) => summaryOf(org, link(org.OrgId.extension), codes)) },
        headers,
      );
    }),
  );

  server.route(
    "GET",
    `${BASE_PATH}/sync`,
    guarded((req) => {
      const params = req.url.searchParams;
      for (const key of params.keys()) {
        if (key !== "LastChangeDate" && key !== "_format") {
          throw new OrdHttpError(400, `Unknown query parameter ${key.slice(0, 50)}`);
        }
      }
      const value = params.get("LastChangeDate");
      if (value === null || value.trim() === "") {
        throw new OrdHttpError(400, "Required query parameter LastChangeDate is missing");
      }
      const since = checkLastChangeDate(value.trim(), now());
      const links = store
        .all()
        .filter((org) => org.LastChangeDate >= since)
        .map((org) => ({ OrgLink: link(org.OrgId.extension) }));
      return json(200, { Organisations: links }, { "X-Total-Count": links.length });
    }),
  );

  const metadata = (path: string, key: string, concepts: () => readonly unknown[]) => {
    server.route(
      "GET",
      `${BASE_PATH}/${path}`,
      guarded(() => json(200, { [key]: concepts() })),
    );
  };
  const primaryScope = new Set(codes.primaryRoleScope);
  const roleRow = (c: OdsConcept) => ({ ...c, primaryRole: primaryScope.has(c.id) ? "true" : "false" });
  metadata("roles", "Roles", () => codes.roles.map(roleRow));
  metadata("rels", "Relationships", () => codes.relationships);
  metadata("recordclasses", "RecordClasses", () => codes.recordClasses);
  for (const [path, key, concepts, row] of [
    ["roles", "Roles", codes.roles, roleRow],
    ["rels", "Relationships", codes.relationships, (c: OdsConcept) => c],
    ["recordclasses", "RecordClasses", codes.recordClasses, (c: OdsConcept) => c],
  ] as const) {
    server.route(
      "GET",
      `${BASE_PATH}/${path}/:id`,
      guarded((req) => json(200, { [key]: conceptList(concepts, req.params.id).map(row) })),
    );
  }
  server.fallback(() => errorResponse(new OrdHttpError(404, "Not Found")));

  const url = await server.start(options.port ?? 0);
  return { url, baseUrl: `${url}${BASE_PATH}`, server, store, close: () => server.close() };
}
