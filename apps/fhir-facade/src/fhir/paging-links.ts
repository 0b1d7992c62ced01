/**
 * Search Bundle links: `self` states what was searched (the parameters actually used, the page size actually
 * applied), `first`/`previous`/`next`/`last` repeat every one of them with another `_offset` — includes, sort,
 * summary and elements are never lost on paging (medplum#2481, hapi#116).
 *
 * @see https://hl7.org/fhir/R4/http.html#paging
 */

/** Percent-encodes a query component but keeps `:`, `,` and `/` readable (RFC 3986 allows them in a query). */
export function encodeQueryComponent(value: string): string {
  const encoded = encodeURIComponent(value);
  return encoded.includes("%") ? encoded.replace(READABLE, (m) => decodeURIComponent(m)) : encoded;
}

const READABLE = /%(?:3A|2C|2F)/gi;

/** Options of {@link pagingLinks}. */
export interface PagingOptions {
  /** `[base]/[type]` without a query. */
  readonly url: string;
  readonly used: readonly (readonly [string, string])[];
  readonly offset: number;
  readonly count: number;
  readonly total: number | undefined;
  readonly hasMore: boolean;
}

/** `(offset) => url`: the parameters are encoded once for every link of a page. */
function pageUrls(options: PagingOptions): (offset: number) => string {
  let head = `${options.url}?`;
  for (const [k, v] of options.used) {
    head += `${encodeQueryComponent(k)}=${encodeQueryComponent(v)}&`;
  }
  head += `_count=${options.count}`;
  return (offset) => (offset > 0 ? `${head}&_offset=${offset}` : head);
}

/** The Bundle.link list of a searchset page. */
export function pagingLinks(options: PagingOptions): fhir4.BundleLink[] {
  const { offset, count, total } = options;
  const urlAt = pageUrls(options);
  const links: fhir4.BundleLink[] = [{ relation: "self", url: urlAt(offset) }];
  if (count === 0) {
    return links;
  }
  links.push({ relation: "first", url: urlAt(0) });
  if (offset > 0) {
    const previous =
      total !== undefined ? Math.min(Math.max(0, offset - count), lastOffset(total, count)) : offset - count;
    links.push({ relation: "previous", url: urlAt(Math.max(0, previous)) });
  }
  const more = total !== undefined ? offset + count < total : options.hasMore;
  if (more) {
    links.push({ relation: "next", url: urlAt(offset + count) });
  }
  if (total !== undefined) {
    links.push({ relation: "last", url: urlAt(lastOffset(total, count)) });
  }
  return links;
}

function lastOffset(total: number, count: number): number {
  return total === 0 ? 0 : Math.floor((total - 1) / count) * count;
}
