import { randomUUID } from "node:crypto";

import { pagingLinks } from "./paging-links.js";
import type { StoredResource } from "./repository.js";
import type { ParsedSearch } from "./search-query.js";
import { applyElements, applySummary } from "./subset.js";

/** What a Bundle entry needs of a resource: its type, id and pre-serialised JSON. */
export type BundleResource = Pick<StoredResource, "id" | "json"> & { readonly resourceType: string };

/** Options of {@link buildSearchBundle}. */
export interface SearchBundleOptions {
  readonly baseUrl: string;
  readonly search: ParsedSearch;
  readonly total: number | undefined;
  readonly hasMore: boolean;
  readonly matches: readonly BundleResource[];
  readonly included: readonly BundleResource[];
  /** Warnings (ignored parameters, bounded includes), sent as an entry with `search.mode = outcome`. */
  readonly outcome: fhir4.OperationOutcome | undefined;
  readonly now: Date;
}

function resourceJson(resource: BundleResource, search: ParsedSearch | undefined): string {
  if (search?.summary !== undefined && search.summary !== "false") {
    return JSON.stringify(
      applySummary(JSON.parse(resource.json.toString("utf8")) as Record<string, unknown>, search.summary),
    );
  }
  if (search?.elements !== undefined) {
    return JSON.stringify(
      applyElements(JSON.parse(resource.json.toString("utf8")) as Record<string, unknown>, search.elements),
    );
  }
  return resource.json.toString("utf8");
}

/**
 * Builds a searchset Bundle as JSON text, splicing the stored resources' pre-serialised JSON in (no parse or
 * stringify per resource unless `_summary`/`_elements` subset it). `total` is omitted for `_total=none`;
 * `fullUrl`s are absolute; every entry carries `search.mode`.
 *
 * @see https://hl7.org/fhir/R4/bundle.html#searchset
 */
export function buildSearchBundle(options: SearchBundleOptions): string {
  const { baseUrl, search } = options;
  const type = search.query.resourceType;
  const head: Record<string, unknown> = {
    resourceType: "Bundle",
    id: randomUUID(),
    meta: { lastUpdated: options.now.toISOString() },
    type: "searchset",
  };
  if (options.total !== undefined) {
    head.total = options.total;
  }
  head.link = pagingLinks({
    url: `${baseUrl}/${type}`,
    used: search.used,
    offset: search.query.offset,
    count: search.query.count,
    total: options.total,
    hasMore: options.hasMore,
  });
  const entries: string[] = [];
  for (const resource of options.matches) {
    entries.push(
      `{"fullUrl":${JSON.stringify(`${baseUrl}/${resource.resourceType}/${resource.id}`)},"resource":${resourceJson(resource, search)},"search":{"mode":"match"}}`,
    );
  }
  for (const resource of options.included) {
    entries.push(
      `{"fullUrl":${JSON.stringify(`${baseUrl}/${resource.resourceType}/${resource.id}`)},"resource":${resourceJson(resource, undefined)},"search":{"mode":"include"}}`,
    );
  }
  if (options.outcome !== undefined) {
    entries.push(
      `{"fullUrl":${JSON.stringify(`urn:uuid:${randomUUID()}`)},"resource":${JSON.stringify(options.outcome)},"search":{"mode":"outcome"}}`,
    );
  }
  const skeleton = JSON.stringify(head);
  if (entries.length === 0) {
    return skeleton;
  }
  return `${skeleton.slice(0, -1)},"entry":[${entries.join(",")}]}`;
}
