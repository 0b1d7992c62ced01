import { referenceValues } from "./extract.js";
import type { OdsRepository, StoredResource, StoredType } from "./repository.js";
import type { IncludeDirective, SearchCondition } from "./search-query.js";

/** Bounds of `_include` / `_revinclude` resolution (`:iterate` would otherwise walk all of ODS). */
export interface IncludeLimits {
  /** Most iterations of `:iterate` directives. */
  readonly maxDepth: number;
  /** Most included resources in one page. */
  readonly maxIncluded: number;
}

/** The most values one search condition may carry (the search parser's and the mirror's limit). */
const MAX_OR_VALUES = 100;

export const DEFAULT_INCLUDE_LIMITS: IncludeLimits = { maxDepth: 5, maxIncluded: 1000 };

/** The included resources and whether a limit cut them short. */
export interface IncludeResult {
  readonly included: StoredResource[];
  readonly truncated: boolean;
}

type Json = Record<string, unknown>;

function parse(resource: StoredResource, cache: Map<StoredResource, Json>): Json {
  let parsed = cache.get(resource);
  if (parsed === undefined) {
    parsed = JSON.parse(resource.json.toString("utf8")) as Json;
    cache.set(resource, parsed);
  }
  return parsed;
}

/**
 * Resolves `_include` (forward references, read by id) and `_revinclude` (reverse references, searched) for
 * one page of matches; `:iterate` directives are applied again to what was just included, at most
 * `maxDepth` times; at most `maxIncluded` resources are added. Matches are never repeated as includes.
 *
 * @see https://hl7.org/fhir/R4/search.html#include
 */
export async function resolveIncludes(options: {
  readonly repository: OdsRepository;
  readonly matches: readonly StoredResource[];
  readonly includes: readonly IncludeDirective[];
  readonly revincludes: readonly IncludeDirective[];
  readonly limits?: IncludeLimits;
}): Promise<IncludeResult> {
  const limits = options.limits ?? DEFAULT_INCLUDE_LIMITS;
  const { repository } = options;
  const seen = new Set(options.matches.map((r) => `${r.resourceType}/${r.id}`));
  const included: StoredResource[] = [];
  const cache = new Map<StoredResource, Json>();
  let truncated = false;
  let sources: readonly StoredResource[] = options.matches;

  const add = (resource: StoredResource, fresh: StoredResource[]): void => {
    const key = `${resource.resourceType}/${resource.id}`;
    if (seen.has(key)) {
      return;
    }
    if (included.length >= limits.maxIncluded) {
      truncated = true;
      return;
    }
    seen.add(key);
    included.push(resource);
    fresh.push(resource);
  };

  for (let depth = 0; depth < limits.maxDepth && sources.length > 0; depth++) {
    const fresh: StoredResource[] = [];
    const first = depth === 0;
    for (const directive of options.includes) {
      if (!first && !directive.iterate) {
        continue;
      }
      const ids = new Set<string>();
      for (const source of sources) {
        if (source.resourceType !== directive.sourceType) {
          continue;
        }
        for (const ref of referenceValues(parse(source, cache), directive.param)) {
          if (ref.id !== undefined && (ref.type === undefined || ref.type === "Organization")) {
            ids.add(ref.id);
          }
        }
      }
      for (const id of ids) {
        const result = await repository.read("Organization", id);
        if (result.status === "found") {
          add(result.resource, fresh);
        }
      }
    }
    for (const directive of options.revincludes) {
      if (!first && !directive.iterate) {
        continue;
      }
      const ids = sources.filter((s) => s.resourceType === "Organization").map((s) => s.id);
      if (ids.length === 0 || directive.sourceType === "CodeSystem") {
        continue;
      }
      // In batches: a search condition holds at most MAX_OR_VALUES values (the mirror refuses more).
      for (let at = 0; at < ids.length && !truncated; at += MAX_OR_VALUES) {
        const condition: SearchCondition = {
          kind: "values",
          param: directive.param,
          type: "reference",
          negate: false,
          values: ids
            .slice(at, at + MAX_OR_VALUES)
            .map((id) => ({ kind: "reference", type: "Organization", id })),
        };
        // Ask for exactly the room left: `hasMore` says whether anything was cut (and a store may cap a page at
        // the FHIR layer's own maximum, 1,000, so never ask for more than maxIncluded).
        const room = limits.maxIncluded - included.length;
        if (room <= 0) {
          truncated = true;
          break;
        }
        const page = await repository.search({
          resourceType: directive.sourceType satisfies StoredType,
          conditions: [condition],
          sort: [{ param: "_id", descending: false }],
          offset: 0,
          count: room,
          total: false,
        });
        if (page.hasMore) {
          truncated = true;
        }
        for (const resource of page.resources) {
          add(resource, fresh);
        }
      }
    }
    sources = fresh;
    if (depth === limits.maxDepth - 1 && fresh.length > 0 && hasIterate(options)) {
      truncated = true;
    }
  }
  return { included, truncated };
}

function hasIterate(options: {
  includes: readonly IncludeDirective[];
  revincludes: readonly IncludeDirective[];
}): boolean {
  return [...options.includes, ...options.revincludes].some((d) => d.iterate);
}
