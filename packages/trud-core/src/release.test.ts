import fc from "fast-check";
import { describe, expect, test } from "vitest";

import { TrudError } from "./errors.js";
import { redactKey } from "./redact.js";
import { parseReleaseList } from "./release.js";
import { assertSafeFileName } from "./safe-name.js";

const KEY = "0123456789abcdef0123456789abcdef01234567";

const hex64 = fc.stringMatching(/^[0-9a-fA-F]{64}$/);
const day = fc.date({ min: new Date("2000-01-01"), max: new Date("2099-12-31"), noInvalidDate: true });
const fileName = fc.stringMatching(/^[A-Za-z0-9_. -]{1,40}\.zip$/).filter((n) => !n.includes(".."));

/** A release object as TRUD sends it (URLs carry the key; names may carry spaces). */
const releaseJson = fc
  .record({
    name: fileName,
    date: day,
    modified: day,
    size: fc.oneof(
      fc.nat(),
      fc.constant(Number.MAX_SAFE_INTEGER),
      fc.integer({ min: 2 ** 32, max: 2 ** 45 }),
    ),
    sha: hex64,
    withSupport: fc.boolean(),
    useName: fc.boolean(),
    item: fc.integer({ min: 1, max: 99999 }),
  })
  .map((r) => {
    const base = `https://isd.digital.nhs.uk/download/api/v1/keys/${KEY}/content/items/${r.item}`;
    const release: Record<string, unknown> = {
      id: r.useName ? r.name : `PACK_1.0.0_${r.item}`,
      name: `Release ${r.item}`,
      releaseDate: r.date.toISOString().slice(0, 10),
      archiveFileUrl: `${base}/${r.name}`,
      archiveFileName: r.name,
      archiveFileSizeBytes: r.size,
      archiveFileSha256: r.sha,
      archiveFileLastModifiedTimestamp: r.modified.toISOString(),
    };
    if (r.withSupport) {
      Object.assign(release, {
        checksumFileUrl: `${base}/trud_x.xml`,
        checksumFileName: "trud_x.xml",
        checksumFileSizeBytes: 190,
        checksumFileLastModifiedTimestamp: r.modified.toISOString(),
        publicKeyId: 6,
      });
    }
    return release;
  });

const REQUIRED = [
  "id",
  "name",
  "releaseDate",
  "archiveFileUrl",
  "archiveFileName",
  "archiveFileSizeBytes",
  "archiveFileLastModifiedTimestamp",
] as const;

describe("parseReleaseList (properties)", () => {
  test("every well-formed release parses to the same values, key redacted, sha upper-cased", () => {
    fc.assert(
      fc.property(fc.array(releaseJson, { minLength: 1, maxLength: 5 }), (releases) => {
        const unique = releases.map((r, i): Record<string, unknown> => ({
          ...r,
          id: `${String(r.id)}-${i}`,
        }));
        const list = parseReleaseList(
          { apiVersion: "1", releases: unique, httpStatus: 200, message: "OK" },
          KEY,
        );
        expect(list.releases).toHaveLength(unique.length);
        list.releases.forEach((parsed, i) => {
          const raw = unique[i]!;
          expect(parsed.archiveFileSizeBytes).toBe(raw.archiveFileSizeBytes);
          expect(parsed.archiveFileSha256).toBe(String(raw.archiveFileSha256).toUpperCase());
          expect(parsed.archiveFileName).toBe(raw.archiveFileName);
          expect(parsed.archiveFileUrl).toBe(String(raw.archiveFileUrl).replace(KEY, "<REDACTED>"));
          expect(JSON.stringify(parsed)).not.toContain(KEY);
          expect(parsed.idEra).toBe(raw.id === raw.archiveFileName ? "file-name" : "pack-id");
        });
      }),
    );
  });

  test("any JSON value either parses or fails with invalid-response, never anything else", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        try {
          parseReleaseList(value, KEY);
        } catch (error) {
          expect(error).toBeInstanceOf(TrudError);
          expect((error as TrudError).code).toBe("invalid-response");
          expect((error as TrudError).field).toBeTypeOf("string");
        }
      }),
    );
  });

  test("breaking one required field names exactly that field", () => {
    const wrong = fc.oneof(
      fc.constant(null),
      fc.boolean(),
      fc.constant(-1),
      fc.constant(""),
      fc.constant([]),
      fc.constant({}),
    );
    fc.assert(
      fc.property(
        fc.array(releaseJson, { minLength: 1, maxLength: 3 }),
        fc.nat(),
        fc.constantFrom(...REQUIRED),
        wrong,
        (releases, pick, field, value) => {
          const unique = releases.map((r, i) => ({ ...r, id: `${String(r.id)}-${i}` }));
          const index = pick % unique.length;
          unique[index] = { ...unique[index]!, [field]: value };
          if (field === "name" && value === "") {
            return; // an empty name is allowed (free text)
          }
          let caught: unknown;
          try {
            parseReleaseList({ apiVersion: "1", releases: unique }, KEY);
          } catch (error) {
            caught = error;
          }
          expect(caught).toBeInstanceOf(TrudError);
          expect((caught as TrudError).field).toBe(`releases[${index}].${field}`);
        },
      ),
    );
  });

  test("unknown fields are ignored and support fields are optional (lenient where the doc says so)", () => {
    const list = parseReleaseList(
      {
        apiVersion: "1",
        releases: [
          {
            id: "a.zip",
            name: "A",
            releaseDate: "2021-01-29",
            archiveFileUrl: "https://isd.digital.nhs.uk/api/v1/keys/k/files/ODS/1.0.0/X/a.zip",
            archiveFileName: "a.zip",
            archiveFileSizeBytes: 26688464,
            archiveFileLastModifiedTimestamp: "2021-01-29T13:26:23Z",
            checksumFileUrl: null,
            somethingNew: [1, 2, 3],
          },
        ],
      },
      "k",
    );
    expect(list.releases[0]).not.toHaveProperty("archiveFileSha256");
    expect(list.releases[0]).not.toHaveProperty("checksumFileUrl");
    expect(list.releases[0]).not.toHaveProperty("somethingNew");
    expect(list.releases[0]?.urlEra).toBe("other");
  });

  test("duplicate ids are refused", () => {
    const one = {
      id: "a.zip",
      name: "A",
      releaseDate: "2021-01-29",
      archiveFileUrl: "https://h/download/api/v1/keys/k/content/items/1/a.zip",
      archiveFileName: "a.zip",
      archiveFileSizeBytes: 1,
      archiveFileLastModifiedTimestamp: "2021-01-29T13:26:23.000Z",
    };
    expect(() => parseReleaseList({ apiVersion: "1", releases: [one, one] })).toThrow(/releases\[1\]\.id/);
  });
});

describe("redactKey", () => {
  test("removes the key in every form and any /keys/ segment, and TRUD's 'API key X,' phrase", () => {
    expect(redactKey(`https://h/trud/api/v1/keys/${KEY}/items/1/releases`, KEY)).toBe(
      "https://h/trud/api/v1/keys/<REDACTED>/items/1/releases",
    );
    expect(redactKey(`https://h/keys/other-key/x`, KEY)).toBe("https://h/keys/<REDACTED>/x");
    expect(redactKey("NOT FOUND: No releases found for API key someone-elses, item 394.", undefined)).toBe(
      "NOT FOUND: No releases found for API key <REDACTED>, item 394.",
    );
    expect(redactKey(`upper ${KEY.toUpperCase()}`, KEY)).not.toContain(KEY.toUpperCase());
  });

  test("property: the key never survives redaction, wherever it is embedded", () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.stringMatching(/^[0-9a-f]{8,40}$/), (before, after, key) => {
        expect(redactKey(`${before}${key}${after}`, key)).not.toContain(key);
      }),
    );
  });
});

describe("assertSafeFileName", () => {
  test("plain names pass, spaces included; separators, .. and control characters do not", () => {
    expect(assertSafeFileName("OPCS-4.11 Data files txt.zip", "n")).toBe("OPCS-4.11 Data files txt.zip");
    for (const bad of ["../x.zip", "a/b", "a\\b", "..", ".", "", "  ", "x\u0007y", "a..b", "x".repeat(300)]) {
      expect(() => assertSafeFileName(bad, "n")).toThrow(TrudError);
    }
  });

  test("property: whatever passes is a single path segment", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (name) => {
        try {
          assertSafeFileName(name, "n");
        } catch {
          return;
        }
        expect(name.includes("/") || name.includes("\\") || name.includes("..")).toBe(false);
      }),
    );
  });
});
