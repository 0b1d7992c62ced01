/**
 * Client of the ODS ORD API 2-0-0 (upstream-ods.md §1): organisation read, search (every documented
 * parameter; paging by `Next-Page`, final count checked against `X-Total-Count`), sync, roles, rels and
 * record classes. All calls of one client share one rate limiter (default 5 requests/s, NHS guidance).
 */
import { OdsCodeCatalogue } from "./code-catalogue.js";
import { OdsError } from "./errors.js";
import type { OdsCodeSystem, OdsConcept, OdsOrganisation, OdsRecordClass, OdsStatus } from "./model.js";
import {
  ordGet,
  type OrdAnswer,
  type OrdClientEvent,
  type OrdFetch,
  type OrdHttpSettings,
  type OrdRetryOptions,
} from "./ord-http.js";
import { parseOrdOrganisation } from "./ord-json.js";
import { parseConcepts, parseSummary, type OrdSummary } from "./ord-rows.js";
import { TokenBucket, systemClock, type OdsClock } from "./token-bucket.js";
import type { OdsWarningListener } from "./warnings.js";

/** The live ORD 2-0-0 base URL (an NHS API, not a registry). Pass `baseUrl` to use UAT or a fake. */
export const ORD_LIVE_BASE_URL = "https://directory.spineservices.nhs.uk/ORD/2-0-0";

/** Options of {@link OrdClient}. Validated when the client is created. */
export interface OrdClientOptions {
  /** The ORD base, e.g. `https://…/ORD/2-0-0` (default {@link ORD_LIVE_BASE_URL}). */
  readonly baseUrl?: string;
  /** WHATWG fetch (default `globalThis.fetch`; node-fetch v3 works too). */
  readonly fetch?: OrdFetch | typeof globalThis.fetch;
  /** Requests per second for all calls of this client (default 5). */
  readonly requestsPerSecond?: number;
  /** Requests that may go at once after an idle spell (default 1: evenly spaced). */
  readonly burst?: number;
  /** Timeout per attempt in ms, body included (default 30,000). */
  readonly timeoutMs?: number;
  readonly retry?: OrdRetryOptions;
  /** Largest answer accepted, in bytes (default 64 MiB: a full `sync` list is tens of MB). */
  readonly maxResponseBytes?: number;
  readonly userAgent?: string;
  /** Request/response/retry events. */
  readonly onEvent?: (event: OrdClientEvent) => void;
  /** Warnings from parsing organisation records (unknown codes…). */
  readonly onWarning?: OdsWarningListener;
  /** Known codes for those warnings (default: none checked). */
  readonly catalogue?: OdsCodeCatalogue;
  /** Injectable time (tests). */
  readonly clock?: OdsClock;
  /** Jitter source in [0, 1) (default Math.random). */
  readonly random?: () => number;
}

/** Search parameters of `GET organisations?` (upstream-ods.md §1.2). */
export interface OrdSearchParams {
  /** Organisations whose name contains this (case-insensitive). */
  readonly name?: string;
  readonly postCode?: string;
  readonly status?: OdsStatus;
  readonly primaryRoleId?: string;
  readonly nonPrimaryRoleId?: string;
  /** Any of these roles (primary or not), sent comma-separated. */
  readonly roles?: readonly string[];
  readonly orgRecordClass?: OdsRecordClass;
  /** `YYYY-MM-DD`, within the last 185 days (ORD answers 406 otherwise). */
  readonly lastChangeDate?: string;
  /** Membership query: relationship types to {@link targetOrgId} (sent comma-separated). */
  readonly relTypeId?: readonly string[];
  readonly targetOrgId?: string;
  /** Page size, 1..1000. */
  readonly limit?: number;
  /** First page's offset, > 1 (ORD refuses 0 and 1). Later pages follow `Next-Page`. */
  readonly offset?: number;
}

/** One page of a search. */
export interface OrdSearchPage {
  readonly organisations: readonly OrdSummary[];
  /** `X-Total-Count`: matches in all pages. */
  readonly total: number | undefined;
  /** `Next-Page`, absent on the last page. */
  readonly nextPage: string | undefined;
}

/** Result of `sync`. */
export interface OrdSyncResult {
  /** ODS codes of the organisations changed since the date (from each `OrgLink`). */
  readonly codes: readonly string[];
  readonly links: readonly string[];
  readonly total: number | undefined;
}

const CODE = /^[A-Za-z0-9]{1,16}$/;
const CONCEPT_ID = /^[A-Za-z]{2}\d{1,6}$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

function bad(message: string): never {
  throw new OdsError("ODS_INVALID_ARGUMENT", message);
}

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!(typeof value === "number" && Number.isFinite(value) && value > 0)) {
    return bad(`${name} must be a positive number, got ${String(value)}`);
  }
  return value;
}

/**
 * An ORD API client.
 *
 * @example
 * const ord = new OrdClient({ baseUrl, fetch });
 * const org = await ord.organisation("RA9");
 * for await (const row of ord.search({ primaryRoleId: "RO197", status: "Active" })) console.log(row.code);
 */
export class OrdClient {
  readonly baseUrl: string;
  readonly #http: OrdHttpSettings;
  readonly #options: OrdClientOptions;

  constructor(options: OrdClientOptions = {}) {
    this.#options = options;
    const base = options.baseUrl ?? ORD_LIVE_BASE_URL;
    let parsed: URL;
    try {
      parsed = new URL(base);
    } catch (cause) {
      throw new OdsError("ODS_INVALID_ARGUMENT", `baseUrl is not a URL: ${base.slice(0, 100)}`, { cause });
    }
    if (parsed.protocol !== "https:" && parsed.protocol !== "http:") bad("baseUrl must be http(s)");
    this.baseUrl = parsed.toString().replace(/\/+$/, "");
    const fetchImpl = (options.fetch ?? globalThis.fetch) as OrdFetch | undefined;
    if (typeof fetchImpl !== "function") bad("no fetch available: pass options.fetch");
    const clock = options.clock ?? systemClock;
    const retries = options.retry?.retries ?? 4;
    if (!(Number.isInteger(retries) && retries >= 0 && retries <= 20)) bad("retry.retries must be 0..20");
    const burst = options.burst ?? 1;
    this.#http = {
      fetch: fetchImpl,
      clock,
      bucket: new TokenBucket({
        rate: positive("requestsPerSecond", options.requestsPerSecond, 5),
        capacity: burst,
        clock,
      }),
      random: options.random ?? Math.random,
      timeoutMs: positive("timeoutMs", options.timeoutMs, 30_000),
      retries,
      baseDelayMs: positive("retry.baseDelayMs", options.retry?.baseDelayMs, 500),
      maxDelayMs: positive("retry.maxDelayMs", options.retry?.maxDelayMs, 30_000),
      maxResponseBytes: positive("maxResponseBytes", options.maxResponseBytes, 64 * 1024 * 1024),
      userAgent: options.userAgent,
      onEvent: options.onEvent,
    };
  }

  #url(path: string, query?: URLSearchParams): string {
    const q = query === undefined || [...query.keys()].length === 0 ? "" : `?${query.toString()}`;
    return `${this.baseUrl}/${path}${q}`;
  }

  #get(url: string, signal?: AbortSignal): Promise<OrdAnswer> {
    return ordGet(this.#http, url, signal);
  }

  /** The raw JSON of `GET organisations/{code}`. */
  async organisationJson(code: string, signal?: AbortSignal): Promise<unknown> {
    if (!CODE.test(code)) bad(`not an ODS code: ${JSON.stringify(code.slice(0, 40))}`);
    return (await this.#get(this.#url(`organisations/${code}`), signal)).body;
  }

  /**
   * One organisation, as the model.
   *
   * @throws OdsError `ORD_NOT_FOUND` for an unknown code; `ODS_INVALID_RECORD` for a malformed record.
   */
  async organisation(code: string, signal?: AbortSignal): Promise<OdsOrganisation> {
    const body = await this.organisationJson(code, signal);
    return parseOrdOrganisation(body, {
      ...(this.#options.onWarning === undefined ? {} : { onWarning: this.#options.onWarning }),
      ...(this.#options.catalogue === undefined ? {} : { catalogue: this.#options.catalogue }),
    });
  }

  /** The query string of a search (validated). */
  static searchQuery(params: OrdSearchParams): URLSearchParams {
    const q = new URLSearchParams();
    const text = (name: string, value: string | undefined, max = 200): void => {
      if (value === undefined) return;
      if (value.trim() === "" || value.length > max) bad(`${name} must be 1..${max} characters`);
      q.set(name, value);
    };
    const id = (name: string, value: string | undefined): void => {
      if (value === undefined) return;
      if (!CONCEPT_ID.test(value))
        bad(`${name} is not an ODS code like RO197: ${JSON.stringify(value.slice(0, 20))}`);
      q.set(name, value);
    };
    const ids = (name: string, values: readonly string[] | undefined): void => {
      if (values === undefined) return;
      if (values.length === 0 || values.some((v) => !CONCEPT_ID.test(v)))
        bad(`${name} must list ODS codes like RO197`);
      q.set(name, values.join(","));
    };
    text("Name", params.name);
    text("PostCode", params.postCode, 10);
    if (params.status !== undefined) {
      if (!(["Active", "Inactive"] as readonly string[]).includes(params.status)) {
        bad("status must be Active or Inactive");
      }
      q.set("Status", params.status);
    }
    id("PrimaryRoleId", params.primaryRoleId);
    id("NonPrimaryRoleId", params.nonPrimaryRoleId);
    ids("Roles", params.roles);
    if (params.orgRecordClass !== undefined) {
      if (!(["RC1", "RC2"] as readonly string[]).includes(params.orgRecordClass)) {
        bad("orgRecordClass must be RC1 or RC2");
      }
      q.set("OrgRecordClass", params.orgRecordClass);
    }
    if (params.lastChangeDate !== undefined) {
      if (!DATE.test(params.lastChangeDate)) bad("lastChangeDate must be YYYY-MM-DD");
      q.set("LastChangeDate", params.lastChangeDate);
    }
    if ((params.relTypeId === undefined) !== (params.targetOrgId === undefined)) {
      bad("relTypeId and targetOrgId go together (membership query)");
    }
    ids("RelTypeId", params.relTypeId);
    if (params.targetOrgId !== undefined) {
      if (!CODE.test(params.targetOrgId)) bad("targetOrgId is not an ODS code");
      q.set("TargetOrgId", params.targetOrgId);
    }
    if (params.limit !== undefined) {
      if (!(Number.isInteger(params.limit) && params.limit >= 1 && params.limit <= 1000))
        bad("limit must be 1..1000");
      q.set("Limit", String(params.limit));
    }
    if (params.offset !== undefined) {
      if (!(Number.isInteger(params.offset) && params.offset > 1))
        bad("offset must be a whole number > 1 (ORD refuses 0 and 1)");
      q.set("Offset", String(params.offset));
    }
    return q;
  }

  #page(answer: OrdAnswer): OrdSearchPage {
    const body = answer.body as { Organisations?: unknown } | null;
    if (body === null || typeof body !== "object" || Array.isArray(body)) {
      throw new OdsError("ORD_BAD_RESPONSE", `search answer is not an object (${answer.url})`, {
        details: { url: answer.url },
      });
    }
    const raw = body.Organisations;
    const rows = raw === undefined || raw === null ? [] : Array.isArray(raw) ? (raw as unknown[]) : [raw];
    const totalHeader = answer.headers.get("x-total-count");
    const total =
      totalHeader === null
        ? undefined
        : /^\d{1,9}$/.test(totalHeader.trim())
          ? Number(totalHeader.trim())
          : NaN;
    if (Number.isNaN(total)) {
      throw new OdsError("ORD_BAD_RESPONSE", `X-Total-Count is not a number (${answer.url})`, {
        details: { url: answer.url },
      });
    }
    const next = answer.headers.get("next-page") ?? undefined;
    return {
      organisations: rows.map((row, i) => parseSummary(row, i, answer.url)),
      total,
      nextPage:
        next === undefined || next.trim() === "" ? undefined : this.#sameOrigin(next.trim(), answer.url),
    };
  }

  #sameOrigin(link: string, from: string): string {
    let url: URL;
    try {
      url = new URL(link, from);
    } catch (cause) {
      throw new OdsError("ORD_BAD_RESPONSE", `Next-Page is not a URL`, { cause, details: { url: from } });
    }
    if (url.origin !== new URL(this.baseUrl).origin) {
      throw new OdsError("ORD_BAD_RESPONSE", `Next-Page points to another origin (${url.origin})`, {
        details: { url: from },
      });
    }
    return url.toString();
  }

  /** One page of `GET organisations?…` (the first, or the one at `pageUrl` from `Next-Page`). */
  async searchPage(
    params: OrdSearchParams | { readonly pageUrl: string },
    signal?: AbortSignal,
  ): Promise<OrdSearchPage> {
    const url =
      "pageUrl" in params
        ? this.#sameOrigin(params.pageUrl, this.baseUrl)
        : this.#url("organisations", OrdClient.searchQuery(params));
    return this.#page(await this.#get(url, signal));
  }

  /**
   * Every match of a search, page after page (following `Next-Page`), as an async iterator. When the last
   * page is reached the number of rows is checked against `X-Total-Count` (when no `offset` was given).
   *
   * @throws OdsError `ORD_COUNT_MISMATCH` when the pages did not add up to `X-Total-Count`.
   */
  async *search(
    params: OrdSearchParams = {},
    signal?: AbortSignal,
  ): AsyncGenerator<OrdSummary, void, undefined> {
    let page = await this.searchPage(params, signal);
    const expected = page.total;
    const seen = new Set<string>();
    let count = 0;
    for (;;) {
      count += page.organisations.length;
      yield* page.organisations;
      if (expected !== undefined && count > expected && params.offset === undefined) {
        throw new OdsError(
          "ORD_COUNT_MISMATCH",
          `search returned more rows (${count}) than X-Total-Count (${expected})`,
        );
      }
      const next = page.nextPage;
      if (next === undefined) break;
      if (seen.has(next)) {
        throw new OdsError("ORD_BAD_RESPONSE", `Next-Page loops back to ${next}`, { details: { url: next } });
      }
      seen.add(next);
      if (page.organisations.length === 0) {
        throw new OdsError("ORD_BAD_RESPONSE", `an empty page announced a Next-Page (${next})`, {
          details: { url: next },
        });
      }
      page = await this.searchPage({ pageUrl: next }, signal);
    }
    if (expected !== undefined && params.offset === undefined && count !== expected) {
      throw new OdsError(
        "ORD_COUNT_MISMATCH",
        `search returned ${count} rows but X-Total-Count said ${expected}`,
      );
    }
  }

  /**
   * `GET sync?LastChangeDate=`: the codes of organisations changed on or after `since` (within 185 days).
   *
   * @throws OdsError `ORD_NOT_ACCEPTABLE` when the date is older than ORD's 185-day window.
   */
  async sync(since: string, signal?: AbortSignal): Promise<OrdSyncResult> {
    if (!DATE.test(since)) bad("sync date must be YYYY-MM-DD");
    const answer = await this.#get(this.#url("sync", new URLSearchParams({ LastChangeDate: since })), signal);
    const page = this.#page(answer);
    const links = page.organisations.map((o) => o.orgLink ?? "");
    const codes = page.organisations.map((o) => o.code);
    if (page.total !== undefined && page.total !== codes.length) {
      throw new OdsError(
        "ORD_COUNT_MISMATCH",
        `sync returned ${codes.length} links but X-Total-Count said ${page.total}`,
      );
    }
    return { codes, links, total: page.total };
  }

  async #concepts(
    path: string,
    key: string,
    id: string | undefined,
    signal?: AbortSignal,
  ): Promise<OdsConcept[]> {
    if (id !== undefined && !CONCEPT_ID.test(id)) bad(`not an ODS code: ${JSON.stringify(id.slice(0, 20))}`);
    const answer = await this.#get(this.#url(id === undefined ? path : `${path}/${id}`), signal);
    return parseConcepts(answer.body, key, answer.url);
  }

  /** `GET roles` (or `roles/{id}`): role concepts with their `primaryRole` flag ("true"/"false" strings coerced). */
  roles(id?: string, signal?: AbortSignal): Promise<OdsConcept[]> {
    return this.#concepts("roles", "Roles", id, signal);
  }

  /** `GET rels` (or `rels/{id}`). */
  rels(id?: string, signal?: AbortSignal): Promise<OdsConcept[]> {
    return this.#concepts("rels", "Relationships", id, signal);
  }

  /** `GET recordclasses` (or `recordclasses/{id}`). */
  recordClasses(id?: string, signal?: AbortSignal): Promise<OdsConcept[]> {
    return this.#concepts("recordclasses", "RecordClasses", id, signal);
  }

  /** The three ODS code systems from `roles`, `rels`, `recordclasses` (3 requests). */
  async codeSystems(signal?: AbortSignal): Promise<OdsCodeSystem[]> {
    const [recordClasses, roles, rels] = [
      await this.recordClasses(undefined, signal),
      await this.roles(undefined, signal),
      await this.rels(undefined, signal),
    ];
    return [
      { name: "OrganisationRecordClass", oid: "2.16.840.1.113883.2.1.3.2.4.23", concepts: recordClasses },
      { name: "OrganisationRole", oid: "2.16.840.1.113883.2.1.3.2.4.17.507", concepts: roles },
      { name: "OrganisationRelationship", oid: "2.16.840.1.113883.2.1.3.2.4.17.508", concepts: rels },
    ];
  }

  /** A code catalogue from ORD's metadata endpoints (for display names and unknown-code warnings). */
  async catalogue(signal?: AbortSignal): Promise<OdsCodeCatalogue> {
    return OdsCodeCatalogue.from(await this.codeSystems(signal));
  }
}
