/**
 * The one way this package creates a saxes parser: the reader uses it, and so does the benchmark's bare
 * pass (with no-op handlers), so that both run the same parser with the same options and the same shape.
 *
 * Why the shape matters: saxes stores each handler as a property of the parser, added by `on()`. Parsers
 * given different handlers (or the same ones in another order) get different V8 hidden classes, and once
 * saxes' state functions have seen several of them every `this.…` access in its per-character loop goes
 * polymorphic or megamorphic: a bare pass then costs up to 5 times as much (measured with four differently
 * built parsers in one process). So every slot is set here, always in the same order, the text slot included
 * (the reader switches text events on only inside value elements).
 */
import { SaxesParser, type SaxesTagPlain, type XMLDecl } from "saxes";

/**
 * saxes options of the reader: non-namespace mode (the reader checks the root's namespace itself; the rest
 * of an ODS file uses no prefixes). `position` stays on: saxes 6 counts lines and columns whatever this
 * option says (it only decides whether its own messages carry them), so turning it off saves nothing, and
 * the reader's errors give `line` / `column`.
 */
export const SAXES_OPTIONS: OdsSaxesOptions = { position: true, xmlns: false };

/** The type of {@link SAXES_OPTIONS}. */
export interface OdsSaxesOptions {
  readonly position: true;
  readonly xmlns: false;
}

/** The parser {@link newSaxesParser} creates. */
export type OdsSaxesParser = SaxesParser<OdsSaxesOptions>;

/** The events the reader listens to. */
export interface SaxesHandlers {
  readonly xmldecl: (decl: XMLDecl) => void;
  readonly doctype: (doctype: string) => void;
  readonly error: (error: Error) => void;
  readonly opentag: (tag: SaxesTagPlain) => void;
  readonly closetag: (tag: SaxesTagPlain) => void;
  readonly cdata: (cdata: string) => void;
  /** Installed once to fix the parser's shape, then switched off; see {@link setTextHandler}. */
  readonly text: (text: string) => void;
}

/** A parser with every handler slot set, in one fixed order (see the module comment). */
export function newSaxesParser(handlers: SaxesHandlers): OdsSaxesParser {
  const parser = new SaxesParser(SAXES_OPTIONS);
  parser.on("xmldecl", handlers.xmldecl);
  parser.on("doctype", handlers.doctype);
  parser.on("error", handlers.error);
  parser.on("opentag", handlers.opentag);
  parser.on("closetag", handlers.closetag);
  parser.on("cdata", handlers.cdata);
  parser.on("text", handlers.text);
  parser.off("text");
  return parser;
}

interface TextSlot {
  textHandler?: ((text: string) => void) | undefined;
}

/**
 * A switch for the parser's text events (on: `handler` receives text; off: saxes does not even slice it).
 * The reader flips it twice per value element (some 4 million times on the full file), so when the parser has
 * saxes 6's `textHandler` slot (which {@link newSaxesParser} creates) the switch writes it directly rather
 * than going through `on()` / `off()` and their name lookups; otherwise it falls back to `on()` / `off()`.
 */
export function textSwitch(parser: OdsSaxesParser, handler: (text: string) => void): (on: boolean) => void {
  const slot = textSlot(parser);
  if (slot !== undefined) {
    return (on) => {
      slot.textHandler = on ? handler : undefined;
    };
  }
  return (on) => {
    if (on) parser.on("text", handler);
    else parser.off("text");
  };
}

/** The parser seen through its `textHandler` slot, if it has one (saxes' field is private in its types). */
function textSlot(parser: object): TextSlot | undefined {
  return Object.hasOwn(parser, "textHandler") ? parser : undefined;
}
