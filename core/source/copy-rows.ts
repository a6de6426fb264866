/**
 * COPY text → row objects, exactly as the cursor path builds them: the
 * same parser per column type (`type-parsers.ts`), the same key order, and
 * NULL as null. COPY TO escapes backslash and the control characters
 * \b \f \n \r \t \v; they are undone before parsing.
 */
import type { CopyColumn } from "./copy-stream.ts";

type Parser = (text: string) => unknown;

const ESCAPES: Record<string, string> = {
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
  v: "\v",
};

/** Undoes COPY's escapes in one field (`\N`, NULL, is the caller's). */
export function unescapeCopy(field: string): string {
  let at = field.indexOf("\\");
  if (at < 0) return field;
  let out = "";
  let from = 0;
  while (at >= 0) {
    const next = field[at + 1] ?? "";
    out += field.slice(from, at) + (ESCAPES[next] ?? next);
    from = at + 2;
    at = field.indexOf("\\", from);
  }
  return out + field.slice(from);
}

/** The rows of a page of complete COPY text rows. */
export function pageRows(
  data: Buffer,
  columns: readonly CopyColumn[],
  parsers: readonly Parser[],
): Record<string, unknown>[] {
  // pg copies a template holding every column, so rows share one shape.
  const template: Record<string, unknown> = Object.create(null);
  for (const column of columns) template[column.name] = null;
  const names = columns.map((c) => c.name);
  const last = names.length - 1;
  const text = data.toString("utf8");
  const rows: Record<string, unknown>[] = [];
  if (last < 0) {
    // A query without columns: one empty line per row.
    for (let i = 0; i < text.length; i++) rows.push({ ...template });
    return rows;
  }
  let at = 0;
  while (at < text.length) {
    const row: Record<string, unknown> = { ...template };
    for (let c = 0; c <= last; c++) {
      const stop = text.indexOf(c === last ? "\n" : "\t", at);
      const field = text.slice(at, stop);
      at = stop + 1;
      if (field === "\\N") continue;
      row[names[c]!] = parsers[c]!(unescapeCopy(field));
    }
    rows.push(row);
  }
  return rows;
}

/**
 * Walks the rows of a COPY page without building them: after `next()`,
 * `starts[c]`/`ends[c]` bound field c's bytes in `data`. Fast paths read
 * the bytes; `text(c)`, `value(c)` and `row()` give what the cursor path
 * would have for one field or the whole row.
 */
export class CopyRowReader {
  readonly starts: Int32Array;
  readonly ends: Int32Array;
  data: Buffer = Buffer.alloc(0);
  #at = 0;
  readonly #names: readonly string[];
  readonly #template: Record<string, unknown>;

  constructor(
    readonly columns: readonly CopyColumn[],
    readonly parsers: readonly Parser[],
  ) {
    this.starts = new Int32Array(Math.max(1, columns.length));
    this.ends = new Int32Array(Math.max(1, columns.length));
    this.#names = columns.map((c) => c.name);
    this.#template = Object.create(null) as Record<string, unknown>;
    for (const name of this.#names) this.#template[name] = null;
  }

  /** Starts on a page of complete rows. */
  reset(data: Buffer): void {
    this.data = data;
    this.#at = 0;
  }

  /** Moves to the next row; false after the last. */
  next(): boolean {
    const data = this.data;
    let p = this.#at;
    if (p >= data.length) return false;
    const starts = this.starts;
    const ends = this.ends;
    const last = this.#names.length - 1;
    let c = 0;
    starts[0] = p;
    for (;;) {
      const b = data[p]!;
      if (b === 0x09 && c < last) {
        ends[c++] = p;
        starts[c] = p + 1;
      } else if (b === 0x0a) {
        ends[c] = p;
        break;
      }
      p++;
    }
    this.#at = p + 1;
    return true;
  }

  isNull(c: number): boolean {
    const s = this.starts[c]!;
    return (
      this.ends[c]! - s === 2 &&
      this.data[s] === 0x5c &&
      this.data[s + 1] === 0x4e
    );
  }

  /** Field c as text, escapes undone; null for NULL. */
  text(c: number): string | null {
    if (this.isNull(c)) return null;
    return unescapeCopy(
      this.data.toString("utf8", this.starts[c], this.ends[c]),
    );
  }

  /** Field c as the cursor path reads it. */
  value(c: number): unknown {
    const text = this.text(c);
    return text === null ? null : this.parsers[c]!(text);
  }

  /** The row as the cursor path builds it. */
  row(): Record<string, unknown> {
    const row: Record<string, unknown> = { ...this.#template };
    for (let c = 0; c < this.#names.length; c++) {
      const text = this.text(c);
      if (text !== null) row[this.#names[c]!] = this.parsers[c]!(text);
    }
    return row;
  }
}
