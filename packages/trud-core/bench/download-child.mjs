// The downloading side of trud-download.bench.ts, run as a plain `node` process on the built package (as the
// `trud` command runs in production) so that its peak RSS can be measured without a TypeScript loader.
// Arguments: <baseUrl> <apiKey> <storeDir> <item>. Prints one JSON line of figures.
import { Trud } from "@fhir-facade/trud-core";

const [baseUrl = "", apiKey = "", storeDir = "", item = "341"] = process.argv.slice(2);
let complete;
const trud = await Trud.open({
  apiKey,
  baseUrl,
  storeDir,
  onEvent: (event) => {
    if (event.type === "download-complete") {
      complete = event;
    }
  },
});
const held = await trud.ensureLatest(Number(item));
const usage = process.resourceUsage();
process.stdout.write(
  `${JSON.stringify({
    downloaded: held.downloaded,
    bytes: held.manifest.sizeBytes,
    sha256: held.manifest.sha256,
    seconds: complete?.seconds ?? 0,
    transferSeconds: complete?.transferSeconds ?? 0,
    maxRssKiB: usage.maxRSS,
    fsReadOps: usage.fsRead,
  })}\n`,
);
