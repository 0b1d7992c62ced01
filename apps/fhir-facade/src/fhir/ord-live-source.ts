import { isOdsError, toFhirOrganization } from "@fhir-facade/ods-core";
import type { OdsFhirOptions, OrdClient } from "@fhir-facade/ods-core";

import type { LiveOrganizationSource } from "./read-through.js";

/**
 * The live-ORD source of the read-through: ods-core's rate-limited {@link OrdClient} and its FHIR mapping (the
 * same mapping the mirror stores). ORD's 404 means "unknown code" (`undefined`); other failures propagate and
 * the engine answers 502 `transient`.
 */
export function ordLiveSource(client: OrdClient, options: OdsFhirOptions = {}): LiveOrganizationSource {
  return {
    async fetchOrganization(code: string): Promise<fhir4.Organization | undefined> {
      try {
        const org = await client.organisation(code);
        return toFhirOrganization(org, options);
      } catch (err) {
        if (isOdsError(err) && err.code === "ORD_NOT_FOUND") {
          return undefined;
        }
        throw err;
      }
    },
  };
}
