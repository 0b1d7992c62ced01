/**
 * Rewrites the upstream FHIR base to the facade's where FHIR puts a server's own address: `Bundle.link.url`,
 * `Bundle.entry.fullUrl`, `Bundle.entry.link.url`, `Bundle.entry.response.location`, the `Location` and
 * `Content-Location` headers, and every URL in a CapabilityStatement or TerminologyCapabilities (Google's
 * fhir-gateway and Microsoft's fhir-proxy rewrite the whole body; we touch only these places, so a canonical URL
 * or a diagnostic that mentions the upstream is left alone). Every other byte is kept: the JSON is scanned, not
 * re-serialised.
 */
export interface BaseRewriter {
  readonly from: string;
  readonly to: string;
}

/** Rewrites one URL if it is on the upstream base (the base itself, or followed by `/`, `?` or `#`). */
export function rewriteUrl(url: string, rw: BaseRewriter): string {
  if (!url.startsWith(rw.from)) {
    return url;
  }
  const next = url.charAt(rw.from.length);
  return next === "" || next === "/" || next === "?" || next === "#"
    ? rw.to + url.slice(rw.from.length)
    : url;
}

const BUNDLE_PATHS = new Set(["link.url", "entry.fullUrl", "entry.link.url", "entry.response.location"]);
const CAPABILITY_TYPES = new Set(["CapabilityStatement", "TerminologyCapabilities"]);

/** The root `resourceType` of a JSON document (looked for near the start, as FHIR servers write it first). */
export function jsonResourceType(text: string): string | undefined {
  const head = /"resourceType"\s*:\s*"([A-Za-z]+)"/.exec(text.slice(0, 4096));
  if (head?.[1] !== undefined) {
    return head[1];
  }
  try {
    const doc = JSON.parse(text) as unknown;
    return typeof doc === "object" &&
      doc !== null &&
      "resourceType" in doc &&
      typeof doc.resourceType === "string"
      ? doc.resourceType
      : undefined;
  } catch {
    return undefined;
  }
}

/** Rewrites a JSON body; returns it unchanged when it is not a Bundle or a capability statement. */
export function rewriteJsonBody(text: string, rw: BaseRewriter): string {
  if (rw.from === rw.to || !text.includes(rw.from)) {
    return text;
  }
  const type = jsonResourceType(text);
  if (type === "Bundle") {
    return rewriteStrings(text, rw, (path) => path.length >= 2 && BUNDLE_PATHS.has(path.join(".")));
  }
  if (type !== undefined && CAPABILITY_TYPES.has(type)) {
    return rewriteStrings(text, rw, () => true);
  }
  return text;
}

/**
 * Scans JSON text and rewrites string values whose key path (array indexes left out) the predicate selects. The
 * text is assumed to be the upstream's valid JSON; on anything unexpected the original text is returned.
 */
function rewriteStrings(
  text: string,
  rw: BaseRewriter,
  select: (path: readonly string[]) => boolean,
): string {
  const keys: (string | undefined)[] = []; // one frame per open container: the current key (objects) or undefined (arrays)
  const isObject: boolean[] = [];
  let out = "";
  let last = 0;
  let expectKey = false;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // string token
      let j = i + 1;
      while (j < n) {
        const d = text.charCodeAt(j);
        if (d === 0x5c) {
          j += 2;
          continue;
        }
        if (d === 0x22) {
          break;
        }
        j++;
      }
      if (j >= n) {
        return text;
      }
      const raw = text.slice(i + 1, j);
      if (expectKey) {
        keys[keys.length - 1] = raw;
        expectKey = false;
      } else if (raw.startsWith(rw.from)) {
        const path = keys.filter((k): k is string => k !== undefined);
        if (select(path)) {
          const replaced = rewriteUrl(raw, rw);
          if (replaced !== raw) {
            out += text.slice(last, i + 1) + replaced;
            last = j;
          }
        }
      }
      i = j + 1;
      continue;
    }
    if (c === 0x7b) {
      keys.push(undefined);
      isObject.push(true);
      expectKey = true;
    } else if (c === 0x5b) {
      keys.push(undefined);
      isObject.push(false);
    } else if (c === 0x7d || c === 0x5d) {
      keys.pop();
      isObject.pop();
      expectKey = false;
    } else if (c === 0x2c) {
      expectKey = isObject[isObject.length - 1] === true;
    }
    i++;
  }
  return last === 0 ? text : out + text.slice(last);
}

/** Rewrites an XML body: `value` attributes of `fullUrl`, `url` and `location` in Bundles and capability statements. */
export function rewriteXmlBody(text: string, rw: BaseRewriter): string {
  if (rw.from === rw.to || !text.includes(rw.from)) {
    return text;
  }
  const root = /<(Bundle|CapabilityStatement|TerminologyCapabilities)[\s>]/.exec(text.slice(0, 4096))?.[1];
  if (root === undefined) {
    return text;
  }
  const escaped = rw.from.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replaceAll("&", "&amp;");
  const elements = root === "Bundle" ? "fullUrl|url|location" : "[A-Za-z]+";
  return text.replace(
    new RegExp(`(<(?:${elements})\\s+value=")${escaped}(?=[/?#"])`, "g"),
    (_m, prefix: string) => `${prefix}${rw.to}`,
  );
}
