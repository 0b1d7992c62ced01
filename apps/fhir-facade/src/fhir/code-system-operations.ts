import { FhirError } from "./errors.js";
import { stringValues, tokenValues } from "./extract.js";
import { ODS_ORGANIZATION_CODE, ODS_ORGANIZATION_CODE_SYSTEM } from "./ods-code-systems.js";
import type { OdsRepository } from "./repository.js";

/**
 * `CodeSystem/$lookup` and `CodeSystem/$validate-code` for the ODS code systems, answered locally.
 * The ODS organisation code system behaves like the ODT API's: `$lookup?system=https://fhir.nhs.uk/Id/ods-organization-code&code=G81086`
 * returns the name, status, roles, address parts and the successors and predecessors.
 *
 * @see https://hl7.org/fhir/R4/codesystem-operation-lookup.html
 * @see https://hl7.org/fhir/R4/codesystem-operation-validate-code.html
 */
export interface OperationInput {
  readonly params: readonly (readonly [string, string])[];
  readonly codeSystems: readonly fhir4.CodeSystem[];
  readonly repository: OdsRepository;
}

type Json = Record<string, unknown>;

function single(params: OperationInput["params"], name: string): string | undefined {
  const values = params.filter(([k]) => k === name).map(([, v]) => v);
  if (values.length > 1) {
    throw new FhirError("invalid-value", `${name} may appear only once`, { expression: name });
  }
  return values[0];
}

function property(
  code: string,
  value: fhir4.ParametersParameter,
  extra: fhir4.ParametersParameter[] = [],
): fhir4.ParametersParameter {
  return {
    name: "property",
    part: [{ name: "code", valueCode: code }, { ...value, name: "value" }, ...extra],
  };
}

function wanted(params: OperationInput["params"]): (code: string) => boolean {
  const props = params.filter(([k]) => k === "property").flatMap(([, v]) => v.split(","));
  if (props.length === 0 || props.includes("*")) {
    return () => true;
  }
  return (code) => props.includes(code);
}

async function lookupOrganisation(input: OperationInput, code: string): Promise<fhir4.Parameters> {
  const read = await input.repository.read("Organization", code);
  if (read.status !== "found") {
    throw new FhirError(
      "not-found",
      `Code "${code}" is not in ${ODS_ORGANIZATION_CODE_SYSTEM}${read.status === "deleted" ? " (removed from ODS)" : ""}`,
      { expression: "code" },
    );
  }
  const org = JSON.parse(read.resource.json.toString("utf8")) as Json;
  const name = typeof org.name === "string" ? org.name : code;
  const want = wanted(input.params);
  const parameter: fhir4.ParametersParameter[] = [
    { name: "code", valueCode: code },
    { name: "display", valueString: name },
    { name: "name", valueString: ODS_ORGANIZATION_CODE.title ?? "ODS Organisation" },
    { name: "system", valueUri: ODS_ORGANIZATION_CODE_SYSTEM },
    ...(read.resource.lastUpdated === ""
      ? []
      : [{ name: "version", valueString: read.resource.lastUpdated.slice(0, 10) }]),
    {
      name: "designation",
      part: [
        {
          name: "use",
          valueCoding: { system: "http://terminology.hl7.org/CodeSystem/designation-usage", code: "display" },
        },
        { name: "value", valueString: name },
      ],
    },
  ];
  const props: fhir4.ParametersParameter[] = [];
  props.push(property("status", { name: "value", valueCode: org.active === false ? "inactive" : "active" }));
  props.push(property("name", { name: "value", valueString: name }));
  for (const role of tokenValues(org, "roleCode")) {
    if (role.code !== undefined) {
      const coding: fhir4.Coding = { code: role.code };
      if (role.system !== undefined) {
        coding.system = role.system;
      }
      if (role.text !== undefined) {
        coding.display = role.text;
      }
      props.push(property("role", { name: "value", valueCoding: coding }));
    }
  }
  const postcode = stringValues(org, "address-postalcode")[0];
  if (postcode !== undefined) {
    props.push(property("postcode", { name: "value", valueString: postcode }));
  }
  const town = stringValues(org, "address-city")[0];
  if (town !== undefined) {
    props.push(property("town", { name: "value", valueString: town }));
  }
  for (const link of await input.repository.succession(code)) {
    const extra: fhir4.ParametersParameter[] = [];
    if (link.date !== undefined) {
      extra.push({
        name: "subproperty",
        part: [
          { name: "code", valueCode: "date" },
          { name: "value", valueDateTime: link.date },
        ],
      });
    }
    props.push(
      property(
        link.type === "Successor" ? "successor" : "predecessor",
        { name: "value", valueCode: link.code },
        extra,
      ),
    );
  }
  for (const p of props) {
    const c = p.part?.[0]?.valueCode ?? "";
    if (want(c)) {
      parameter.push(p);
    }
  }
  return { resourceType: "Parameters", parameter };
}

function findConcept(cs: fhir4.CodeSystem, code: string): fhir4.CodeSystemConcept | undefined {
  const walk = (
    concepts: readonly fhir4.CodeSystemConcept[] | undefined,
  ): fhir4.CodeSystemConcept | undefined => {
    for (const c of concepts ?? []) {
      if (c.code === code) {
        return c;
      }
      const inner = walk(c.concept);
      if (inner !== undefined) {
        return inner;
      }
    }
    return undefined;
  };
  return walk(cs.concept);
}

function requireSystemAndCode(
  input: OperationInput,
  systemParam: "system" | "url",
): { system: string; code: string } {
  // `coding=system|code` (the $lookup / $validate-code `coding` input as HAPI and Ontoserver accept it on GET).
  const coding = single(input.params, "coding");
  const bar = coding?.indexOf("|") ?? -1;
  const system =
    single(input.params, systemParam) ??
    single(input.params, systemParam === "url" ? "system" : "url") ??
    (coding !== undefined && bar > 0 ? coding.slice(0, bar) : undefined);
  const code =
    single(input.params, "code") ?? (coding !== undefined && bar > 0 ? coding.slice(bar + 1) : undefined);
  if (system === undefined || system === "") {
    throw new FhirError("invalid-value", `${systemParam} is required`, { expression: systemParam });
  }
  if (code === undefined || code === "") {
    throw new FhirError("invalid-value", "code is required", { expression: "code" });
  }
  return { system, code };
}

/** `CodeSystem/$lookup` over the ODS code systems. */
export async function lookupCode(input: OperationInput): Promise<fhir4.Parameters> {
  const { system, code } = requireSystemAndCode(input, "system");
  if (system === ODS_ORGANIZATION_CODE_SYSTEM) {
    return lookupOrganisation(input, code);
  }
  const cs = input.codeSystems.find((c) => c.url === system);
  if (cs === undefined) {
    throw new FhirError("not-found", `Code system ${system} is not known here`, { expression: "system" });
  }
  const concept = findConcept(cs, code);
  if (concept === undefined) {
    throw new FhirError("not-found", `Code "${code}" is not in ${system}`, { expression: "code" });
  }
  const parameter: fhir4.ParametersParameter[] = [
    { name: "name", valueString: cs.name ?? cs.id ?? system },
    { name: "code", valueCode: code },
    { name: "system", valueUri: system },
  ];
  if (cs.version !== undefined) {
    parameter.push({ name: "version", valueString: cs.version });
  }
  if (concept.display !== undefined) {
    parameter.push({ name: "display", valueString: concept.display });
  }
  const want = wanted(input.params);
  for (const p of concept.property ?? []) {
    if (!want(p.code)) {
      continue;
    }
    const { code: pcode, ...value } = p;
    parameter.push(property(pcode, { name: "value", ...value }));
  }
  return { resourceType: "Parameters", parameter };
}

/** `CodeSystem/$validate-code` over the ODS code systems (`url` or `system`, `code`, optional `display`). */
export async function validateCode(input: OperationInput): Promise<fhir4.Parameters> {
  const { system, code } = requireSystemAndCode(input, "url");
  const display = single(input.params, "display");
  let found: string | undefined;
  let known = false;
  if (system === ODS_ORGANIZATION_CODE_SYSTEM) {
    known = true;
    const read = await input.repository.read("Organization", code);
    if (read.status === "found") {
      const org = JSON.parse(read.resource.json.toString("utf8")) as Json;
      found = typeof org.name === "string" ? org.name : code;
    }
  } else {
    const cs = input.codeSystems.find((c) => c.url === system);
    if (cs !== undefined) {
      known = true;
      const concept = findConcept(cs, code);
      if (concept !== undefined) {
        found = concept.display ?? code;
      }
    }
  }
  if (!known) {
    throw new FhirError("not-found", `Code system ${system} is not known here`, { expression: "url" });
  }
  const parameter: fhir4.ParametersParameter[] = [];
  if (found === undefined) {
    parameter.push(
      { name: "result", valueBoolean: false },
      { name: "message", valueString: `Code "${code}" is not in ${system}` },
    );
  } else if (display !== undefined && display.toLowerCase() !== found.toLowerCase()) {
    parameter.push(
      { name: "result", valueBoolean: false },
      { name: "message", valueString: `Display "${display}" is not the display of ${code} ("${found}")` },
      { name: "display", valueString: found },
    );
  } else {
    parameter.push({ name: "result", valueBoolean: true }, { name: "display", valueString: found });
  }
  return { resourceType: "Parameters", parameter };
}
