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

function resourceJson(resource: BundleResource, search: ParsedSearch | undefined): Buffer {
  if (search?.summary !== undefined && search.summary !== "false") {
    return Buffer.from(
      JSON.stringify(
        applySummary(JSON.parse(resource.json.toString("utf8")) as Record<string, unknown>, search.summary),
      ),
    );
  }
  if (search?.elements !== undefined) {
    return Buffer.from(
      JSON.stringify(
        applyElements(JSON.parse(resource.json.toString("utf8")) as Record<string, unknown>, search.elements),
      ),
    );
  }
  return resource.json;
}

/**
 * Builds a searchset Bundle as UTF-8 JSON bytes, splicing the stored resources' pre-serialised bytes in (no
 * decode, parse or stringify per resource unless `_summary`/`_elements` subset it). `total` is omitted for `_total=none`;
 * `fullUrl`s are absolute; every entry carries `search.mode`.
 *
 * @see https://hl7.org/fhir/R4/bundle.html#searchset
 */
export function buildSearchBundle(options: SearchBundleOptions): Buffer {
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
  const skeleton = JSON.stringify(head);
  // One allocation: the entries' JSON text around each resource's stored bytes, copied once into place.
  const texts: string[] = [];
  const bodies: Buffer[] = [];
  const entry = (fullUrl: string, resource: Buffer, mode: string): void => {
    texts.push(`${texts.length === 0 ? "" : ","}{"fullUrl":${JSON.stringify(fullUrl)},"resource":`);
    bodies.push(resource);
    texts.push(`,"search":{"mode":"${mode}"}}`);
  };
  for (const resource of options.matches) {
    entry(`${baseUrl}/${resource.resourceType}/${resource.id}`, resourceJson(resource, search), "match");
  }
  for (const resource of options.included) {
    entry(`${baseUrl}/${resource.resourceType}/${resource.id}`, resourceJson(resource, undefined), "include");
  }
  if (options.outcome !== undefined) {
    entry(`urn:uuid:${randomUUID()}`, Buffer.from(JSON.stringify(options.outcome)), "outcome");
  }
  if (bodies.length === 0) {
    return Buffer.from(skeleton);
  }
  const open = `${skeleton.slice(0, -1)},"entry":[`;
  const close = "]}";
  let size = Buffer.byteLength(open) + Buffer.byteLength(close);
  for (const t of texts) {
    size += Buffer.byteLength(t);
  }
  for (const b of bodies) {
    size += b.length;
  }
  const out = Buffer.allocUnsafe(size);
  let at = out.write(open, 0);
  for (let i = 0; i < bodies.length; i++) {
    at += out.write(texts[2 * i] ?? "", at);
    at += (bodies[i] ?? Buffer.alloc(0)).copy(out, at);
    at += out.write(texts[2 * i + 1] ?? "", at);
  }
  out.write(close, at);
  return out;
}
