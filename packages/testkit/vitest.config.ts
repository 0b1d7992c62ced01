export { default } from "@fhir-facade/vitest-config";
