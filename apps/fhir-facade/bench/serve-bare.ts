// Child process: the reference — a bare node:http server answering the same pre-serialised bytes from a Map.
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

const bytes = new Map<string, Buffer>();
for (const line of readFileSync(process.argv[2] ?? "", "utf8").split("\n")) {
  if (line !== "") {
    const o = JSON.parse(line) as { code: string; json: string };
    bytes.set(o.code, Buffer.from(o.json));
  }
}
const prefix = "/fhir/Organization/";
const server = createServer((req, res) => {
  const body = bytes.get((req.url ?? "").slice(prefix.length));
  if (body === undefined) {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, {
    "Content-Type": "application/fhir+json; charset=utf-8",
    "Content-Length": body.length,
  });
  res.end(body);
});
server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`${(server.address() as AddressInfo).port}\n`);
});
