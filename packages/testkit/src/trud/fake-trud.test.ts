import { createHash, createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { request } from "node:http";

import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";

import { FAKE_TRUD_API_KEY, FAKE_TRUD_DISABLED_KEY, FakeTrud } from "./fake-trud.js";
import { jacksonPretty } from "./jackson.js";
import { recordedItem341 } from "./recorded.js";

// Real sockets and files: generous limits so a heavily loaded CI machine does not turn slowness into failures.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

const KEY = FAKE_TRUD_API_KEY;
const SMALL = Buffer.from("PK\u0003\u0004 a tiny pretend zip file for the fake TRUD");
const RECORDED_TEXT = readFileSync(
  new URL("./fixtures/item-341-releases-full-list.json", import.meta.url),
  "utf8",
);

interface ReleaseJson {
  id: string;
  archiveFileUrl: string;
  archiveFileName: string;
  archiveFileSizeBytes: number;
  archiveFileSha256: string;
  archiveFileLastModifiedTimestamp: string;
  checksumFileUrl: string;
  checksumFileSizeBytes: number;
  signatureFileUrl: string;
  signatureFileSizeBytes: number;
  publicKeyFileUrl: string;
  publicKeyFileSizeBytes: number;
}
interface ListJson {
  apiVersion: string;
  releases: ReleaseJson[];
  httpStatus: number;
  message: string;
}

const signer = {
  publicKeyArmored: "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\ntest\n-----END PGP PUBLIC KEY BLOCK-----\n",
  sign: (data: Uint8Array) =>
    Promise.resolve(
      `-----BEGIN PGP SIGNATURE-----\n\n${createHmac("sha256", "k").update(data).digest("base64")}\n-----END PGP SIGNATURE-----\n`,
    ),
};

let trud: FakeTrud;

beforeEach(async () => {
  trud = new FakeTrud({
    signer,
    items: [
      {
        item: 58,
        releases: [
          {
            id: "nhs_odsweekly_5.2.0_20250508000001.zip",
            releaseDate: "2025-05-08",
            content: { size: 3_000_000, seed: "w" },
          },
          { id: "nhs_odsweekly_5.1.0_20250501000001.zip", releaseDate: "2025-05-01", content: SMALL },
        ],
      },
      {
        item: 119,
        releases: [{ id: "OPCS-4.11 Data files txt.zip", releaseDate: "2025-04-01", content: SMALL }],
      },
      { item: 999, releases: [], subscribers: ["someone-else"] },
    ],
  });
  await trud.start();
});
afterEach(async () => {
  await trud.close();
});

async function list(item: number, latest = false): Promise<ListJson> {
  const res = await fetch(trud.listUrl(KEY, item, latest));
  expect(res.status).toBe(200);
  return (await res.json()) as ListJson;
}

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex").toUpperCase();
}

describe("release list", () => {
  test("TRUD's envelope and 20 fields, newest first, hashes that match the served bytes", async () => {
    const body = await list(58);
    expect(body.apiVersion).toBe("1");
    expect(body.httpStatus).toBe(200);
    expect(body.message).toBe("OK");
    expect(body.releases.map((r) => r.id)).toEqual([
      "nhs_odsweekly_5.2.0_20250508000001.zip",
      "nhs_odsweekly_5.1.0_20250501000001.zip",
    ]);
    const first = body.releases[0]!;
    expect(Object.keys(first)).toHaveLength(20);
    expect(first.archiveFileUrl).toBe(
      `${trud.url}/download/api/v1/keys/${KEY}/content/items/58/nhs_odsweekly_5.2.0_20250508000001.zip`,
    );
    const file = Buffer.from(await (await fetch(first.archiveFileUrl)).arrayBuffer());
    expect(file.length).toBe(3_000_000);
    expect(sha256(file)).toBe(first.archiveFileSha256);
    expect(first.archiveFileSha256).toMatch(/^[0-9A-F]{64}$/);
  });

  test("?latest returns exactly the newest release", async () => {
    const body = await list(58, true);
    expect(body.releases.map((r) => r.id)).toEqual(["nhs_odsweekly_5.2.0_20250508000001.zip"]);
    expect(trud.server.requests.at(-1)?.url).toMatch(/\/releases\?latest$/);
  });

  test("prints like TRUD: the recorded item-341 list comes back byte for byte", async () => {
    trud.setItem(recordedItem341());
    const text = await trud.renderList(341, {
      key: "<REDACTED API KEY>",
      origin: "https://isd.digital.nhs.uk",
    });
    expect(text).toBe(RECORDED_TEXT);
    expect(jacksonPretty(JSON.parse(RECORDED_TEXT))).toBe(RECORDED_TEXT);
  });

  test("a generated item 341 keeps the three URL eras and publishes real hashes", async () => {
    trud.setItem(recordedItem341({ archiveBytes: 512 }));
    const body = await list(341);
    expect(body.releases).toHaveLength(96);
    const urls = body.releases.map((r) => r.archiveFileUrl);
    expect(urls.filter((u) => u.includes("/content/items/341/")).length).toBeGreaterThan(0);
    expect(urls.filter((u) => u.includes("/content/ODS/")).length).toBeGreaterThan(0);
    expect(body.releases.some((r) => r.id.startsWith("ODS_"))).toBe(true);
    const old = body.releases.at(-1)!;
    expect(sha256(Buffer.from(await (await fetch(old.archiveFileUrl)).arrayBuffer()))).toBe(
      old.archiveFileSha256,
    );
  });

  test("names with raw spaces are published raw and served when requested percent-encoded", async () => {
    const [release] = (await list(119)).releases;
    expect(release!.archiveFileUrl).toContain("/OPCS-4.11 Data files txt.zip");
    const res = await fetch(release!.archiveFileUrl.replaceAll(" ", "%20"));
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer())).toEqual(SMALL);
    expect((await fetch(release!.archiveFileUrl.replaceAll(" ", "%2520"))).status).toBe(404);
  });

  test("overrides and omitted fields (lies and the sha-less 2021 era)", async () => {
    trud.addRelease(58, {
      id: "liar.zip",
      releaseDate: "2025-06-01",
      content: SMALL,
      overrides: { archiveFileSizeBytes: 3, extraField: true },
      omit: ["archiveFileSha256"],
    });
    const [liar] = (await list(58)).releases as unknown as Record<string, unknown>[];
    expect(liar!.archiveFileSizeBytes).toBe(3);
    expect(liar!.extraField).toBe(true);
    expect("archiveFileSha256" in liar!).toBe(false);
  });

  test("a reissue keeps the id and changes the hash and last-modified timestamp", async () => {
    const before = (await list(58)).releases[1]!;
    trud.reissue(58, before.id, {
      content: Buffer.from("reissued bytes"),
      lastModified: "2025-06-09T10:00:00.000Z",
    });
    const after = (await list(58)).releases[1]!;
    expect(after.id).toBe(before.id);
    expect(after.archiveFileLastModifiedTimestamp).toBe("2025-06-09T10:00:00.000Z");
    expect(after.archiveFileSha256).not.toBe(before.archiveFileSha256);
    expect(await (await fetch(after.archiveFileUrl)).text()).toBe("reissued bytes");
  });
});

describe("errors", () => {
  async function error(
    url: string,
  ): Promise<{ status: number; body: { httpStatus: number; message: string } }> {
    const res = await fetch(url);
    return { status: res.status, body: (await res.json()) as { httpStatus: number; message: string } };
  }

  test("400 for an unknown key, echoing it", async () => {
    const { status, body } = await error(trud.listUrl("not-a-key", 58));
    expect(status).toBe(400);
    expect(body.httpStatus).toBe(400);
    expect(body.message).toContain("not-a-key");
  });

  test("401 for a disabled key, with the real message", async () => {
    const { status, body } = await error(trud.listUrl(FAKE_TRUD_DISABLED_KEY, 58));
    expect(status).toBe(401);
    expect(body.message).toBe("UNAUTHORIZED: API access is disabled for the requesting account.");
  });

  test("404 for an unknown or unsubscribed item, echoing the key like TRUD", async () => {
    for (const item of [4242, 999]) {
      const { status, body } = await error(trud.listUrl(KEY, item));
      expect(status).toBe(404);
      expect(body.message).toBe(`NOT FOUND: No releases found for API key ${KEY}, item ${item}.`);
    }
  });

  test("downloads check the key too, and a key turned off mid-way is refused", async () => {
    const url = (await list(58)).releases[1]!.archiveFileUrl;
    expect((await fetch(url.replace(KEY, "bad"))).status).toBe(400);
    trud.setKey(KEY, "disabled");
    expect((await fetch(url)).status).toBe(401);
    trud.setKey(KEY, undefined);
    expect((await fetch(url)).status).toBe(400);
  });
});

describe("downloads", () => {
  test("Range gives 206 with Content-Range; past the end gives 416", async () => {
    const url = (await list(58)).releases[0]!.archiveFileUrl;
    const whole = Buffer.from(await (await fetch(url)).arrayBuffer());
    const res = await fetch(url, { headers: { range: "bytes=1000000-" } });
    expect(res.status).toBe(206);
    expect(res.headers.get("content-range")).toBe("bytes 1000000-2999999/3000000");
    expect(Buffer.from(await res.arrayBuffer()).equals(whole.subarray(1_000_000))).toBe(true);
    const tail = await fetch(url, { headers: { range: "bytes=-10" } });
    expect(Buffer.from(await tail.arrayBuffer()).equals(whole.subarray(-10))).toBe(true);
    const past = await fetch(url, { headers: { range: "bytes=3000000-" } });
    expect(past.status).toBe(416);
    expect(past.headers.get("content-range")).toBe("bytes */3000000");
  });

  test("If-Range with a stale validator gets the whole file; ignoreRange always sends it whole", async () => {
    const url = (await list(58)).releases[0]!.archiveFileUrl;
    const head = await fetch(url, { headers: { range: "bytes=0-0" } });
    const etag = head.headers.get("etag")!;
    await head.arrayBuffer();
    const fresh = await fetch(url, { headers: { range: "bytes=10-", "if-range": etag } });
    expect(fresh.status).toBe(206);
    await fresh.arrayBuffer();
    const stale = await fetch(url, { headers: { range: "bytes=10-", "if-range": '"old"' } });
    expect(stale.status).toBe(200);
    expect((await stale.arrayBuffer()).byteLength).toBe(3_000_000);
    trud.ignoreRange = true;
    const ignored = await fetch(url, { headers: { range: "bytes=10-" } });
    expect(ignored.status).toBe(200);
    expect(ignored.headers.get("accept-ranges")).toBeNull();
    expect((await ignored.arrayBuffer()).byteLength).toBe(3_000_000);
  });

  test("checksum XML (FCIV, base64 SHA-1), signature by the signer, and the public key", async () => {
    const release = (await list(58)).releases[1]!;
    const xml = Buffer.from(await (await fetch(release.checksumFileUrl)).arrayBuffer());
    expect(xml.length).toBe(release.checksumFileSizeBytes);
    const sha1 = createHash("sha1").update(SMALL).digest("base64");
    expect(xml.toString()).toContain(`<name>${release.archiveFileName}</name><SHA1>${sha1}</SHA1>`);
    const sig = await (await fetch(release.signatureFileUrl)).text();
    expect(sig).toBe(await signer.sign(xml));
    expect(sig.length).toBe(release.signatureFileSizeBytes);
    expect(release.signatureFileUrl.endsWith(".xml.asc")).toBe(true);
    const key = await (await fetch(release.publicKeyFileUrl)).text();
    expect(key).toBe(signer.publicKeyArmored);
    expect(key.length).toBe(release.publicKeyFileSizeBytes);
  });

  test("chunked mode sends no Content-Length; the byte counter counts archive bytes", async () => {
    trud.chunked = true;
    const url = (await list(58)).releases[1]!.archiveFileUrl;
    const res = await fetch(url);
    expect(res.headers.get("content-length")).toBeNull();
    expect(Buffer.from(await res.arrayBuffer())).toEqual(SMALL);
    expect(trud.archiveBytesServed).toBe(SMALL.length);
  });
});

describe("fault injection on TRUD routes", () => {
  test("latency, 429 with Retry-After, 500/502/503 on the list route", async () => {
    trud.faults.add({
      path: "/trud/",
      fault: { kind: "status", status: 429, retryAfterSeconds: 3 },
      times: 1,
    });
    const limited = await fetch(trud.listUrl(KEY, 58));
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("3");
    for (const status of [500, 502, 503]) {
      trud.faults.add({ path: "/trud/", fault: { kind: "status", status }, times: 1 });
      expect((await fetch(trud.listUrl(KEY, 58))).status).toBe(status);
    }
    trud.faults.add({ path: "/trud/", fault: { kind: "latency", ms: 100 }, times: 1 });
    const started = performance.now();
    expect((await fetch(trud.listUrl(KEY, 58))).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(90);
  });

  test("connection reset and a hang on the download route", async () => {
    const url = (await list(58)).releases[1]!.archiveFileUrl;
    trud.faults.add({ path: "/download/", fault: { kind: "reset" }, times: 1 });
    await expect(fetch(url)).rejects.toThrow();
    trud.faults.add({ path: "/download/", fault: { kind: "hang" }, times: 1 });
    await expect(fetch(url, { signal: AbortSignal.timeout(200) })).rejects.toThrow();
  });

  test("a truncated archive body ends early", async () => {
    const url = (await list(58)).releases[0]!.archiveFileUrl;
    trud.faults.add({ path: "/download/", fault: { kind: "truncate", bytes: 1000 }, times: 1 });
    const res = await fetch(url);
    expect(res.status).toBe(200);
    await expect(res.arrayBuffer()).rejects.toThrow();
  });

  test("a wrong Content-Length on the list body", async () => {
    trud.faults.add({ path: "/trud/", fault: { kind: "wrong-length", delta: 50 }, times: 1 });
    const res = await fetch(trud.listUrl(KEY, 58));
    await expect(res.text()).rejects.toThrow();
  });

  test("a stalled download sends some bytes and then nothing", async () => {
    const url = (await list(58)).releases[0]!.archiveFileUrl;
    trud.stallDownloads(300_000);
    const received = await new Promise<number>((resolve, reject) => {
      const req = request(url, (res) => {
        let n = 0;
        let timer: NodeJS.Timeout | undefined;
        res.on("data", (chunk: Buffer) => {
          n += chunk.length;
          clearTimeout(timer);
          timer = setTimeout(() => {
            req.destroy();
            resolve(n);
          }, 2000);
        });
      });
      req.on("error", reject);
      req.end();
    });
    expect(received).toBe(300_000);
    expect((await (await fetch(url)).arrayBuffer()).byteLength).toBe(3_000_000);
  });
});
