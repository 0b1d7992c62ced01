import { buildSearchBundle } from "./bundle.js";
import type { BundleResource } from "./bundle.js";
import { buildCapabilityStatement } from "./capability-statement.js";
import { lookupCode, validateCode } from "./code-system-operations.js";
import { FhirError } from "./errors.js";
import { DEFAULT_INCLUDE_LIMITS, resolveIncludes } from "./include.js";
import type { IncludeLimits } from "./include.js";
import { matchesAll } from "./match.js";
import { FIXED_ODS_CODE_SYSTEMS, ODS_ORGANIZATION_CODE, ODS_RECORD_CLASS } from "./ods-code-systems.js";
import type { ReadThroughCache } from "./read-through.js";
import type { OdsRepository, StoredResource } from "./repository.js";
import type { FhirBody, FhirRequest, FhirResult } from "./request.js";
import { isServedType, restrictSearchParams } from "./search-parameters.js";
import type { SearchParamTable, ServedType } from "./search-parameters.js";
import { DEFAULT_SEARCH_LIMITS, parseReadParams, parseSearch } from "./search-parse.js";
import type { SearchLimits } from "./search-parse.js";
import type { ParsedSearch, SearchCondition } from "./search-query.js";
import { applyElements, applySummary } from "./subset.js";

/** Options of {@link FhirEngine}. */
export interface FhirEngineOptions {
  readonly repository: OdsRepository;
  /** ODS code systems answered locally (roles, relationships from ods-core); the fixed England ones are added. */
  readonly codeSystems?: readonly fhir4.CodeSystem[];
  /** Live ORD read-through for codes the mirror lacks; absent = off. */
  readonly readThrough?: ReadThroughCache | undefined;
  readonly now?: () => Date;
  readonly searchLimits?: SearchLimits;
  readonly includeLimits?: IncludeLimits;
  /** Software version for the CapabilityStatement. */
  readonly version?: string;
  /** Whether a terminology gateway serves the other code systems (stated in /metadata). */
  readonly terminologyGateway?: boolean;
}

/** The header announcing a response served by the live ORD read-through. */
export const SOURCE_HEADER = "x-facade-source";

const ID_RE = /^[A-Za-z0-9\-.]{1,64}$/;
const MAX_CHAIN_IDS = 1000;

type Json = Record<string, unknown>;

/**
 * The framework-free FHIR engine: a typed {@link FhirRequest} in, a {@link FhirResult} out. It never throws:
 * every failure becomes `{ ok: false, error }` with a stable code the HTTP edge maps once.
 */
export class FhirEngine {
  readonly #repo: OdsRepository;
  readonly #codeSystems: readonly fhir4.CodeSystem[];
  readonly #readThrough: ReadThroughCache | undefined;
  readonly #now: () => Date;
  readonly #limits: SearchLimits;
  readonly #includeLimits: IncludeLimits;
  readonly #version: string;
  readonly #gateway: boolean;
  readonly #startedAt: Date;
  readonly #searchParams: SearchParamTable;

  constructor(options: FhirEngineOptions) {
    this.#repo = options.repository;
    this.#searchParams = restrictSearchParams(
      options.repository.restrictSearchParam?.bind(options.repository),
    );
    const extra = options.codeSystems ?? [];
    const byUrl = new Map<string, fhir4.CodeSystem>();
    for (const cs of [...FIXED_ODS_CODE_SYSTEMS, ODS_RECORD_CLASS, ...extra]) {
      if (cs.url !== undefined) {
        byUrl.set(cs.url, cs);
      }
    }
    this.#codeSystems = [...byUrl.values()];
    this.#readThrough = options.readThrough;
    this.#now = options.now ?? (() => new Date());
    this.#limits = options.searchLimits ?? DEFAULT_SEARCH_LIMITS;
    this.#includeLimits = options.includeLimits ?? DEFAULT_INCLUDE_LIMITS;
    this.#version = options.version ?? "0.1.0";
    this.#gateway = options.terminologyGateway ?? false;
    this.#startedAt = this.#now();
    if (this.#limits.countDefault > this.#limits.countMax || this.#limits.countMax < 1) {
      throw new RangeError("search limits: countDefault must be <= countMax and countMax >= 1");
    }
  }

  /** The code systems answered locally (the ODS organisation code system is virtual and not listed). */
  get codeSystems(): readonly fhir4.CodeSystem[] {
    return this.#codeSystems;
  }

  /** The repository (the HTTP hot path reads it directly). */
  get repository(): OdsRepository {
    return this.#repo;
  }

  /** Handles one request; never throws. */
  async handle(request: FhirRequest): Promise<FhirResult> {
    try {
      return await this.#route(request);
    } catch (err) {
      if (err instanceof FhirError) {
        return { ok: false, error: err };
      }
      return { ok: false, error: new FhirError("internal", "internal error", { cause: err }) };
    }
  }

  /** The CapabilityStatement for a base URL. */
  capabilityStatement(baseUrl: string): fhir4.CapabilityStatement {
    return buildCapabilityStatement({
      baseUrl,
      version: this.#version,
      date: this.#now(),
      countDefault: this.#limits.countDefault,
      countMax: this.#limits.countMax,
      terminologyGateway: this.#gateway,
      searchParams: this.#searchParams,
    });
  }

  async #route(request: FhirRequest): Promise<FhirResult> {
    const { segments, method } = request;
    const readMethods = ["GET", "HEAD"];
    const [type, second, third, fourth, ...rest] = segments;
    if (type === undefined || type === "") {
      throw new FhirError("not-found", "no resource type in the path");
    }
    if (type === "metadata" && segments.length === 1) {
      allow(method, readMethods);
      return ok({
        kind: "resource",
        resource: this.capabilityStatement(request.baseUrl),
        version: undefined,
      });
    }
    if (!isServedType(type)) {
      throw new FhirError("unknown-type", `Resource type "${type}" is not served here`);
    }
    if (second === undefined || second === "") {
      allow(method, readMethods);
      return this.#search(type, request);
    }
    if (second === "_search" && third === undefined) {
      allow(method, ["POST"]);
      return this.#search(type, request);
    }
    if (
      type === "CodeSystem" &&
      (second === "$lookup" || second === "$validate-code") &&
      third === undefined
    ) {
      allow(method, ["GET", "HEAD", "POST"]);
      const input = { params: request.params, codeSystems: this.#codeSystems, repository: this.#repo };
      const resource = second === "$lookup" ? await lookupCode(input) : await validateCode(input);
      return ok({ kind: "resource", resource, version: undefined });
    }
    if (second.startsWith("$") || second.startsWith("_")) {
      throw new FhirError("not-supported", `${type}/${second} is not supported`);
    }
    if (!ID_RE.test(second)) {
      throw new FhirError("invalid-value", `"${second}" is not a valid resource id`);
    }
    if (third === undefined) {
      allow(method, readMethods);
      return this.#read(type, second, request, undefined);
    }
    if (third === "_history") {
      allow(method, readMethods);
      if (fourth === undefined || rest.length > 0) {
        throw new FhirError(
          "history-not-supported",
          "history is not kept: only the current version can be read",
        );
      }
      return this.#read(type, second, request, fourth);
    }
    throw new FhirError("not-found", `no such path: ${segments.join("/")}`);
  }

  async #read(
    type: ServedType,
    id: string,
    request: FhirRequest,
    versionId: string | undefined,
  ): Promise<FhirResult> {
    const { summary, elements } = parseReadParams(type, request.params);
    if (summary !== undefined && elements !== undefined && summary !== "false") {
      throw new FhirError("invalid-value", "_summary and _elements cannot be combined", {
        expression: "_elements",
      });
    }
    if (type === "CodeSystem") {
      const cs = [...this.#codeSystems, ODS_ORGANIZATION_CODE].find((c) => c.id === id);
      if (cs === undefined) {
        throw new FhirError("not-found", `CodeSystem/${id} is not known`);
      }
      if (versionId !== undefined && versionId !== "1") {
        throw new FhirError(
          "history-not-supported",
          `CodeSystem/${id}: only the current version (1) can be read`,
        );
      }
      const version = { versionId: "1", lastUpdated: this.#startedAt.toISOString() };
      const resource = { ...cs, meta: { ...cs.meta, versionId: "1", lastUpdated: version.lastUpdated } };
      const body: FhirBody = { kind: "resource", resource, version };
      return ok(subsetBody(body, summary, elements) ?? body);
    }
    let stored: StoredResource | undefined;
    let headers: Record<string, string> | undefined;
    const result = await this.#repo.read(type, id);
    if (result.status === "found") {
      stored = result.resource;
    } else if (result.status === "deleted") {
      throw new FhirError(
        "gone",
        `${type}/${id} was removed from ODS${result.deletedAt === undefined ? "" : ` on ${result.deletedAt}`}`,
      );
    } else if (type === "Organization" && this.#readThrough !== undefined) {
      stored = await this.#readThrough.get(id);
      headers = { [SOURCE_HEADER]: "ord-live" };
    }
    if (stored === undefined) {
      throw new FhirError("not-found", `${type}/${id} is not known`);
    }
    if (versionId !== undefined && versionId !== stored.versionId) {
      throw new FhirError(
        "history-not-supported",
        `${type}/${id}/_history/${versionId}: history is not kept; the current version is ${stored.versionId}`,
      );
    }
    const version = { versionId: stored.versionId, lastUpdated: stored.lastUpdated };
    const raw: FhirBody = { kind: "raw", json: stored.json, version };
    const body = subsetBody(raw, summary, elements) ?? raw;
    return headers === undefined ? ok(body) : { ok: true, body, headers };
  }

  async #search(type: ServedType, request: FhirRequest): Promise<FhirResult> {
    const search = parseSearch({
      resourceType: type,
      params: request.params,
      strict: request.strict,
      limits: this.#limits,
      table: this.#searchParams,
    });
    const now = this.#now();
    let total: number | undefined;
    let hasMore = false;
    let matches: readonly BundleResource[] = [];
    let included: readonly BundleResource[] = [];
    const warnings: fhir4.OperationOutcomeIssue[] = search.ignored.map((i) => ({
      severity: "warning",
      code: "not-supported",
      diagnostics: `Parameter "${i.name}" was ignored: ${i.reason}`,
      expression: [i.name],
    }));
    if (type === "CodeSystem") {
      ({ total, matches, hasMore } = this.#searchCodeSystems(search, now));
    } else {
      const conditions = await this.#resolveChains(search.query.conditions);
      if (conditions === undefined) {
        total = search.query.total ? 0 : undefined;
      } else {
        const page = await this.#repo.search({ ...search.query, conditions });
        total = page.total;
        hasMore = page.hasMore;
        matches = page.resources;
        if (search.includes.length + search.revincludes.length > 0 && page.resources.length > 0) {
          const inc = await resolveIncludes({
            repository: this.#repo,
            matches: page.resources,
            includes: search.includes,
            revincludes: search.revincludes,
            limits: this.#includeLimits,
          });
          included = inc.included;
          if (inc.truncated) {
            warnings.push({
              severity: "warning",
              code: "too-costly",
              diagnostics: `Includes were cut at ${this.#includeLimits.maxIncluded} resources / ${this.#includeLimits.maxDepth} levels`,
            });
          }
        }
      }
    }
    const outcome: fhir4.OperationOutcome | undefined =
      warnings.length > 0 ? { resourceType: "OperationOutcome", issue: warnings } : undefined;
    const json = buildSearchBundle({
      baseUrl: request.baseUrl,
      search,
      total,
      hasMore,
      matches,
      included,
      outcome,
      now,
    });
    return ok({ kind: "raw", json, version: undefined });
  }

  #searchCodeSystems(
    search: ParsedSearch,
    now: Date,
  ): { total: number | undefined; matches: BundleResource[]; hasMore: boolean } {
    const context = { now: now.getTime(), chains: new Map() };
    const all = [ODS_ORGANIZATION_CODE, ...this.#codeSystems].filter((cs) =>
      matchesAll(cs as unknown as Json, search.query.conditions, context),
    );
    all.sort((a, b) => ((a.id ?? "") < (b.id ?? "") ? -1 : 1));
    const { offset, count } = search.query;
    const page = all.slice(offset, offset + count).map((cs) => ({
      resourceType: "CodeSystem",
      id: cs.id ?? "",
      json: Buffer.from(JSON.stringify({ ...cs, meta: { ...cs.meta, versionId: "1" } })),
    }));
    return {
      total: search.query.total ? all.length : undefined,
      matches: page,
      hasMore: offset + count < all.length,
    };
  }

  /** Replaces chained conditions by id lists; `undefined` when a chain matches nothing (so nothing can match). */
  async #resolveChains(conditions: readonly SearchCondition[]): Promise<SearchCondition[] | undefined> {
    const out: SearchCondition[] = [];
    for (const condition of conditions) {
      if (condition.kind !== "chain") {
        out.push(condition);
        continue;
      }
      if (condition.targetType === "CodeSystem") {
        return undefined;
      }
      const page = await this.#repo.search({
        resourceType: condition.targetType,
        conditions: [condition.condition],
        sort: [{ param: "_id", descending: false }],
        offset: 0,
        count: MAX_CHAIN_IDS,
        total: false,
      });
      if (page.hasMore) {
        throw new FhirError(
          "too-costly",
          `The chained parameter ${condition.param} matches more than ${MAX_CHAIN_IDS} ${condition.targetType} resources; narrow it`,
          { expression: condition.param },
        );
      }
      if (page.resources.length === 0) {
        return undefined;
      }
      out.push({
        kind: "values",
        param: condition.param,
        type: "reference",
        negate: false,
        values: page.resources.map((r) => ({ kind: "reference", type: condition.targetType, id: r.id })),
      });
    }
    return out;
  }
}

function ok(body: FhirBody): FhirResult {
  return { ok: true, body };
}

function allow(method: string, allowed: readonly string[]): void {
  if (!allowed.includes(method)) {
    throw new FhirError("method-not-allowed", `${method} is not allowed here`, { allow: allowed });
  }
}

function subsetBody(
  body: FhirBody,
  summary: ParsedSearch["summary"],
  elements: readonly string[] | undefined,
): FhirBody | undefined {
  if ((summary === undefined || summary === "false" || summary === "count") && elements === undefined) {
    return undefined;
  }
  const parsed = (body.kind === "raw" ? JSON.parse(body.json.toString()) : body.resource) as Json;
  const subset =
    summary !== undefined && summary !== "false" && summary !== "count"
      ? applySummary(parsed, summary)
      : applyElements(parsed, elements ?? []);
  return { kind: "resource", resource: subset as unknown as fhir4.Resource, version: body.version };
}
