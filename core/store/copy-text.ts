/**
 * Reading PostgreSQL's COPY text format: one row per line, columns split
 * by tabs, backslash escapes inside values. Used to bulk-load large sets
 * (a million profile hashes) without building a result object per row.
 */

const SIMPLE: Record<string, string> = {
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
  v: "\v",
  "\\": "\\",
};

/** Undoes COPY's escaping of one value (`\N`, NULL, is the caller's). */
export function unescapeCopyValue(value: string): string {
  if (!value.includes("\\")) return value;
  let out = "";
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (c !== "\\" || i === value.length - 1) {
      out += c;
      continue;
    }
    const next = value[++i]!;
    if (next in SIMPLE) {
      out += SIMPLE[next];
    } else if (next === "x") {
      const hex = /^[0-9a-fA-F]{1,2}/.exec(value.slice(i + 1))![0];
      out += String.fromCharCode(parseInt(hex, 16));
      i += hex.length;
    } else if (next >= "0" && next <= "7") {
      const octal = /^[0-7]{1,3}/.exec(value.slice(i))![0];
      out += String.fromCharCode(parseInt(octal, 8));
      i += octal.length - 1;
    } else {
      out += next;
    }
  }
  return out;
}

/**
 * Splits a stream of COPY output chunks into lines. A line may straddle
 * chunks; only whole lines are decoded, so a multi-byte character is never
 * cut in two.
 */
export async function* copyLines(
  chunks: AsyncIterable<Buffer>,
): AsyncGenerator<string[], void, undefined> {
  let rest: Buffer = Buffer.alloc(0);
  for await (const chunk of chunks) {
    const data = rest.length > 0 ? Buffer.concat([rest, chunk]) : chunk;
    const end = data.lastIndexOf(0x0a);
    if (end < 0) {
      rest = data;
      continue;
    }
    rest = data.subarray(end + 1);
    yield data.toString("utf8", 0, end).split("\n");
  }
  if (rest.length > 0) yield [rest.toString("utf8")];
}
