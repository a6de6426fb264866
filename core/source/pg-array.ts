/**
 * Reads PostgreSQL's text form of an array (`{1,2,NULL}`, `{"a b","c"}`,
 * `{{1,2},{3,4}}`, `[0:1]={7,8}`) into nested JS arrays, handing every
 * non-NULL element to `parseElement`.
 */
export type PgArray<T> = Array<T | null | PgArray<T>>;

export function parseArray<T>(
  text: string,
  parseElement: (element: string) => T,
): PgArray<T> {
  // Arrays whose lower bound is not 1 carry a `[lo:hi]=` prefix; JS arrays
  // start at 0 whatever the bounds, so the prefix is dropped.
  let i = text.startsWith("[") ? text.indexOf("=") + 1 : 0;
  let root: PgArray<T> = [];
  const stack: PgArray<T>[] = [];

  while (i < text.length) {
    const ch = text[i];
    if (ch === "{") {
      const level: PgArray<T> = [];
      const parent = stack[stack.length - 1];
      if (parent) parent.push(level);
      else root = level;
      stack.push(level);
      i += 1;
    } else if (ch === "}") {
      stack.pop();
      i += 1;
    } else if (ch === ",") {
      i += 1;
    } else if (ch === '"') {
      const [element, next] = readQuoted(text, i + 1);
      stack[stack.length - 1]?.push(parseElement(element));
      i = next;
    } else {
      let end = i;
      while (end < text.length && text[end] !== "," && text[end] !== "}") {
        end += 1;
      }
      const token = text.slice(i, end);
      const value = token.toUpperCase() === "NULL" ? null : parseElement(token);
      stack[stack.length - 1]?.push(value);
      i = end;
    }
  }
  return root;
}

function readQuoted(text: string, start: number): [string, number] {
  let out = "";
  let i = start;
  while (i < text.length) {
    const ch = text[i];
    if (ch === "\\") {
      out += text[i + 1] ?? "";
      i += 2;
    } else if (ch === '"') {
      return [out, i + 1];
    } else {
      out += ch;
      i += 1;
    }
  }
  return [out, i];
}
