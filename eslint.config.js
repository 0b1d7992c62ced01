// @ts-check
// Root files (scripts/, tooling/) are plain JavaScript checked by `// @ts-check`; each workspace package has
// its own eslint.config.js built from @fhir-facade/eslint-config.
export default [{ ignores: ["**"] }];
