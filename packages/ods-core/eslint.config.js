// @ts-check
import { preset } from "@fhir-facade/eslint-config";

export default preset({ kind: "package" });
