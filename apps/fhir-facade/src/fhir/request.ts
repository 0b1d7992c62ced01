import type { FhirError } from "./errors.js";

/** A FHIR request, free of any HTTP framework (the medplum fhir-router shape). */
export interface FhirRequest {
  readonly method: string;
  /** Path segments below the FHIR base, percent-decoded: `["Organization", "RR8"]`. */
  readonly segments: readonly string[];
  /** Query parameters then form-body parameters, decoded, in order. */
  readonly params: readonly (readonly [string, string])[];
  /** The absolute FHIR base URL without a trailing slash (for fullUrl and links). */
  readonly baseUrl: string;
  /** `Prefer: handling=strict`. */
  readonly strict: boolean;
}

/** Version of a resource, for ETag and Last-Modified. */
export interface VersionInfo {
  readonly versionId: string;
  /** ISO instant. */
  readonly lastUpdated: string;
}

/** A response body: pre-serialised JSON (the hot path) or a resource object. */
export type FhirBody =
  | { readonly kind: "raw"; readonly json: Buffer | string; readonly version: VersionInfo | undefined }
  | {
      readonly kind: "resource";
      readonly resource: fhir4.Resource;
      readonly version: VersionInfo | undefined;
    };

/** The result of handling a request: a body, or an error mapped to HTTP by the one table at the edge. */
export type FhirResult =
  | { readonly ok: true; readonly body: FhirBody; readonly headers?: Readonly<Record<string, string>> }
  | { readonly ok: false; readonly error: FhirError };
