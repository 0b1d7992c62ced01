/**
 * A tiny SQL fragment builder: the one query layer shared by the SQLite and PostgreSQL backends. Values never
 * enter the SQL text; they become positional parameters, rendered as `?` (SQLite) or `$n` (PostgreSQL).
 */

/** The SQL dialects the mirror speaks. */
export type Dialect = "sqlite" | "postgres";

/** A parameter slot of a prepared query, filled with `args[index]` at execution time. */
export class Slot {
  readonly index: number;
  constructor(index: number) {
    this.index = index;
  }
}

/** A piece of SQL text with its parameters, composable with {@link sql} and {@link join}. */
export class SqlFragment {
  readonly strings: readonly string[];
  readonly values: readonly unknown[];
  constructor(strings: readonly string[], values: readonly unknown[]) {
    this.strings = strings;
    this.values = values;
  }

  /** Renders the fragment for a dialect: SQL text with placeholders and the parameter list. */
  render(dialect: Dialect): { text: string; values: unknown[] } {
    let text = this.strings[0] ?? "";
    for (let i = 0; i < this.values.length; i++) {
      text += (dialect === "sqlite" ? "?" : `$${i + 1}`) + (this.strings[i + 1] ?? "");
    }
    return { text, values: [...this.values] };
  }
}

/** Template tag: nested fragments are inlined, any other value becomes a parameter. */
export function sql(strings: TemplateStringsArray, ...values: unknown[]): SqlFragment {
  const outStrings: string[] = [strings[0] ?? ""];
  const outValues: unknown[] = [];
  values.forEach((value, i) => {
    const next = strings[i + 1] ?? "";
    if (value instanceof SqlFragment) {
      outStrings.push(`${outStrings.pop() ?? ""}${value.strings[0] ?? ""}`);
      for (let j = 0; j < value.values.length; j++) {
        outValues.push(value.values[j]);
        outStrings.push(value.strings[j + 1] ?? "");
      }
      outStrings.push(`${outStrings.pop() ?? ""}${next}`);
    } else {
      outValues.push(value);
      outStrings.push(next);
    }
  });
  return new SqlFragment(outStrings, outValues);
}

/** Trusted SQL text (identifiers built by this package only, never user input). */
export function raw(text: string): SqlFragment {
  return new SqlFragment([text], []);
}

/** Joins fragments with a separator (`AND`, `,`...). */
export function join(fragments: readonly SqlFragment[], separator: string): SqlFragment {
  if (fragments.length === 0) {
    return raw("");
  }
  let out = fragments[0] ?? raw("");
  for (const fragment of fragments.slice(1)) {
    out = sql`${out}${raw(separator)}${fragment}`;
  }
  return out;
}

/** Escapes `%`, `_` and `\` for a `LIKE ... ESCAPE '\'` pattern. */
export function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}
