/**
 * The COPY form of a read query. COPY takes no bound parameters, so each
 * `$n` becomes a quoted literal cast to the type PostgreSQL inferred for
 * the parameter (asked with PREPARE), which it then reads exactly as it
 * would the bound value: the text is the one pg itself would send.
 *
 * Only real placeholders are replaced: the scanner skips quoted strings,
 * quoted identifiers, dollar-quoted bodies and comments, and `$1` inside
 * an identifier such as `a$1`.
 */
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
// pg's own conversion of JS values to parameter text, so a literal says
// exactly what the bound parameter said.
const { prepareValue } = require("pg/lib/utils.js") as {
  prepareValue: (value: unknown) => string | Buffer | null;
};

/** A SQL string literal, safe whatever `standard_conforming_strings` is. */
export function quoteLiteral(text: string): string {
  const quoted = `'${text.replace(/'/g, "''")}'`;
  return text.includes("\\") ? `E${quoted.replace(/\\/g, "\\\\")}` : quoted;
}

/**
 * The literal standing for one bound value.
 * @param type PostgreSQL's name for the parameter's type
 */
export function literalFor(value: unknown, type: string): string {
  const prepared = prepareValue(value);
  if (prepared === null) return `null::${type}`;
  const text =
    typeof prepared === "string"
      ? prepared
      : `\\x${Buffer.from(prepared).toString("hex")}`;
  return `${quoteLiteral(text)}::${type}`;
}

const IDENT = /[A-Za-z0-9_$\u0080-\uffff]/;

/** The dollar-quote tag starting at `i` ("$$" or "$tag$"), if any. */
function dollarTag(text: string, i: number): string | undefined {
  const match = /^\$([A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/.exec(
    text.slice(i, i + 64),
  );
  return match?.[0];
}

/**
 * Replaces the placeholders `$1…$n` of `text` by `literals[n-1]`.
 * @throws Error when a placeholder has no literal
 */
export function inlineParameters(
  text: string,
  literals: readonly string[],
): string {
  let out = "";
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i]!;
    const next = text[i + 1];
    let end = i + 1;
    if (c === "'") {
      const escapes = i > 0 && /[eE]/.test(text[i - 1]!);
      end = i + 1;
      while (end < n) {
        if (escapes && text[end] === "\\") end += 2;
        else if (text[end] === "'" && text[end + 1] === "'") end += 2;
        else if (text[end] === "'") break;
        else end++;
      }
      end++;
    } else if (c === '"') {
      end = i + 1;
      while (end < n && !(text[end] === '"' && text[end + 1] !== '"')) {
        end += text[end] === '"' ? 2 : 1;
      }
      end++;
    } else if (c === "-" && next === "-") {
      const stop = text.indexOf("\n", i);
      end = stop < 0 ? n : stop;
    } else if (c === "/" && next === "*") {
      let depth = 1;
      end = i + 2;
      while (end < n && depth > 0) {
        if (text.startsWith("/*", end)) {
          depth++;
          end += 2;
        } else if (text.startsWith("*/", end)) {
          depth--;
          end += 2;
        } else end++;
      }
    } else if (c === "$") {
      const before = i > 0 ? text[i - 1]! : "";
      const digits = /^\$(\d+)/.exec(text.slice(i, i + 12));
      if (digits && !IDENT.test(before)) {
        const literal = literals[Number(digits[1]) - 1];
        if (literal === undefined) {
          throw new Error(`the query has no value for $${digits[1]}`);
        }
        out += literal;
        i += digits[0].length;
        continue;
      }
      const tag = IDENT.test(before) ? undefined : dollarTag(text, i);
      if (tag) {
        const close = text.indexOf(tag, i + tag.length);
        end = close < 0 ? n : close + tag.length;
      }
    }
    out += text.slice(i, end);
    i = end;
  }
  return out;
}
