#!/usr/bin/env node
// `pnpm --filter @fhir-facade/testkit fakes`: starts the three fakes on 127.0.0.1 and prints their URLs;
// Ctrl-C stops them. This entry point is the one place in the testkit that writes to the console.
/* eslint-disable no-console -- a command's output is its purpose */
import { startFakes } from "./fakes.js";

const fakes = await startFakes();
for (const line of fakes.describe()) {
  console.log(line);
}
const stop = (): void => {
  void fakes.close().then(() => process.exit(0));
};
process.once("SIGINT", stop);
process.once("SIGTERM", stop);
