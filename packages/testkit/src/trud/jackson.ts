/**
 * JSON printed the way TRUD prints it: Jackson's default pretty printer (`"key" : value`, objects one field
 * per line with a 2-space indent, arrays inline as `[ a, b ]`, empty arrays `[ ]`), no trailing newline.
 * See `../shared/docs/upstream-trud.md` §1.3 and the recorded item-341 list.
 */
export function jacksonPretty(value: unknown, indent = 0): string {
  if (Array.isArray(value)) {
    if (value.length === 0) {
      return "[ ]";
    }
    return `[ ${value.map((v) => jacksonPretty(v, indent)).join(", ")} ]`;
  }
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    if (entries.length === 0) {
      return "{ }";
    }
    const pad = " ".repeat(indent + 2);
    const body = entries
      .map(([k, v]) => `${pad}${JSON.stringify(k)} : ${jacksonPretty(v, indent + 2)}`)
      .join(",\n");
    return `{\n${body}\n${" ".repeat(indent)}}`;
  }
  const text = JSON.stringify(value) as string | undefined; // undefined for functions and symbols
  return text ?? "null";
}
