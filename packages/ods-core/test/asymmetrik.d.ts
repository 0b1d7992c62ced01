declare module "@asymmetrik/fhir-json-schema-validator" {
  /** The official FHIR R4 JSON schema validator (ajv 6). */
  export default class JSONSchemaValidator {
    constructor(schema?: object, ajvSettings?: object);
    validate(resource: object, verbose?: boolean): unknown[];
  }
}
