/**
 * Writers from COPY text bytes straight to JSON bytes, for the values the
 * fast path meets most: decimals, jsonb documents and timestamptz. Each
 * writes exactly what the general path (type parser → ValueConverter →
 * JSON.stringify) would, or declines (returns false, or undefined for a
 * time) so that the general path decides.
 */
import { LIMITS } from "../mixpanel/rules.ts";
import { MAX_NESTING, MAX_STRING_BYTES } from "./convert-value.ts";
import type { JsonBytes } from "../mixpanel/json-bytes.ts";

const ZERO = 0x30;
const NINE = 0x39;
const MINUS = 0x2d;
const DOT = 0x2e;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

const isDigit = (b: number) => b >= ZERO && b <= NINE;

/**
 * A plain decimal (`-?digits(.digits)?`, as PostgreSQL prints numeric and
 * float values) written as JavaScript prints the double nearest to it.
 * With at most 15 significant digits that double prints as the same
 * decimal without trailing fraction zeros, and -0 as 0; below 1e-6 it
 * would print in exponent form, and longer values may round: those are
 * declined.
 */
export function plainDecimal(
  out: JsonBytes,
  data: Buffer,
  start: number,
  end: number,
): boolean {
  let i = start;
  const negative = data[i] === MINUS;
  if (negative) i++;
  const intStart = i;
  while (i < end && isDigit(data[i]!)) i++;
  const intEnd = i;
  const intDigits = intEnd - intStart;
  if (intDigits === 0 || intDigits > 15) return false;
  if (data[intStart] === ZERO && intDigits > 1) return false;
  let fracStart = i;
  let fracEnd = i;
  if (i < end) {
    if (data[i] !== DOT) return false;
    fracStart = ++i;
    while (i < end && isDigit(data[i]!)) i++;
    fracEnd = i;
    if (i !== end || fracEnd === fracStart) return false;
    while (fracEnd > fracStart && data[fracEnd - 1] === ZERO) fracEnd--;
  }
  const intIsZero = intDigits === 1 && data[intStart] === ZERO;
  let significant = intDigits + (fracEnd - fracStart);
  if (intIsZero) {
    let first = fracStart;
    while (first < fracEnd && data[first] === ZERO) first++;
    if (first === fracEnd) {
      out.ascii("0");
      return true;
    }
    // 0.000000x is below 1e-6: JavaScript prints it with an exponent.
    if (first - fracStart >= 6) return false;
    significant = fracEnd - first;
  }
  if (significant > 15) return false;
  out.reserve(end - start);
  const buf = out.buf;
  let pos = out.pos;
  if (negative) buf[pos++] = MINUS;
  for (let j = intStart; j < intEnd; j++) buf[pos++] = data[j]!;
  if (fracEnd > fracStart) {
    buf[pos++] = DOT;
    for (let j = fracStart; j < fracEnd; j++) buf[pos++] = data[j]!;
  }
  out.pos = pos;
  return true;
}

function isArrayIndexKey(data: Buffer, start: number, end: number): boolean {
  // Keys JavaScript orders first ("0", "7", "42"), and "__proto__", which
  // an object literal assignment swallows: both change the output.
  if (
    end - start === 9 &&
    data.toString("latin1", start, end) === "__proto__"
  ) {
    return true;
  }
  if (start === end || !isDigit(data[start]!)) return false;
  for (let i = start; i < end; i++) if (!isDigit(data[i]!)) return false;
  return !(data[start] === ZERO && end - start > 1);
}

/**
 * A jsonb value written without PostgreSQL's spaces. jsonb prints
 * objects as `{"k": v, "k2": v2}` and arrays as `[v, w]`, escapes strings
 * as JSON.stringify does, and COPY doubles each backslash. Declines what
 * the converter would change or judge: numbers that print differently,
 * strings over 255 bytes, more than 3 levels of objects, more than 254
 * keys or items, index-like keys (JavaScript would reorder them).
 */
export function jsonbValue(
  out: JsonBytes,
  data: Buffer,
  start: number,
  end: number,
): boolean {
  // A JSON null at the top is dropped by the converter, like SQL NULL.
  if (data[start] === 0x6e) return false;
  const reader = new JsonbReader(out, data, start, end);
  return reader.value(0, 0) && reader.at === end;
}

class JsonbReader {
  at: number;

  constructor(
    readonly out: JsonBytes,
    readonly data: Buffer,
    start: number,
    readonly end: number,
  ) {
    this.at = start;
  }

  /**
   * @param objects objects around this value
   * @param nesting lists and objects around this value
   */
  value(objects: number, nesting: number): boolean {
    const b = this.data[this.at];
    if (b === QUOTE) return this.string(false);
    if (b === 0x7b) return this.object(objects, nesting);
    if (b === 0x5b) return this.array(objects, nesting);
    if (b === MINUS || (b !== undefined && isDigit(b))) return this.number();
    return this.word("true") || this.word("false") || this.word("null");
  }

  word(text: string): boolean {
    const { data, at } = this;
    if (at + text.length > this.end) return false;
    for (let i = 0; i < text.length; i++) {
      if (data[at + i] !== text.charCodeAt(i)) return false;
    }
    this.out.ascii(text);
    this.at += text.length;
    return true;
  }

  number(): boolean {
    let stop = this.at;
    const { data } = this;
    while (stop < this.end) {
      const b = data[stop]!;
      if (b === 0x2c || b === 0x5d || b === 0x7d) break;
      stop++;
    }
    if (!plainDecimal(this.out, data, this.at, stop)) return false;
    this.at = stop;
    return true;
  }

  /** A string; keys keep any length, values must fit 255 bytes. */
  string(key: boolean): boolean {
    const { data, out } = this;
    const open = this.at;
    let i = open + 1;
    while (i < this.end && data[i] !== QUOTE) {
      if (data[i] === BACKSLASH) {
        // COPY's "\\" is jsonb's backslash; the escape letter follows.
        if (data[i + 1] !== BACKSLASH) return false;
        i += data[i + 2] === 0x75 ? 7 : 3;
      } else i++;
    }
    if (i >= this.end) return false;
    if (key && isArrayIndexKey(data, open + 1, i)) return false;
    if (!key && i - open - 1 > MAX_STRING_BYTES) {
      // Escapes shrink once decoded; count the decoded bytes exactly.
      if (decodedBytes(data, open + 1, i) > MAX_STRING_BYTES) return false;
    }
    out.reserve(i - open + 1);
    const buf = out.buf;
    let pos = out.pos;
    buf[pos++] = QUOTE;
    for (let j = open + 1; j < i; j++) {
      const b = data[j]!;
      buf[pos++] = b;
      if (b === BACKSLASH) j++;
    }
    buf[pos++] = QUOTE;
    out.pos = pos;
    this.at = i + 1;
    return true;
  }

  separator(): void {
    // jsonb writes ", " and ": "; the space is dropped.
    this.at++;
    if (this.data[this.at] === 0x20) this.at++;
  }

  object(objects: number, nesting: number): boolean {
    if (objects + 1 > LIMITS.maxNestingDepth || nesting + 1 > MAX_NESTING) {
      return false;
    }
    const { data, out } = this;
    out.ascii("{");
    this.at++;
    let keys = 0;
    while (data[this.at] !== 0x7d) {
      if (keys > 0) {
        if (data[this.at] !== 0x2c) return false;
        out.ascii(",");
        this.separator();
      }
      if (data[this.at] !== QUOTE || !this.string(true)) return false;
      if (data[this.at] !== 0x3a) return false;
      out.ascii(":");
      this.separator();
      if (!this.value(objects + 1, nesting + 1)) return false;
      if (++keys > LIMITS.maxObjectKeys) return false;
      if (this.at >= this.end) return false;
    }
    out.ascii("}");
    this.at++;
    return true;
  }

  array(objects: number, nesting: number): boolean {
    if (nesting + 1 > MAX_NESTING) return false;
    const { data, out } = this;
    out.ascii("[");
    this.at++;
    let items = 0;
    while (data[this.at] !== 0x5d) {
      if (items > 0) {
        if (data[this.at] !== 0x2c) return false;
        out.ascii(",");
        this.separator();
      }
      if (!this.value(objects, nesting + 1)) return false;
      if (++items > LIMITS.maxArrayItems) return false;
      if (this.at >= this.end) return false;
    }
    out.ascii("]");
    this.at++;
    return true;
  }
}

/** UTF-8 bytes of a jsonb string body (COPY-escaped) once decoded. */
function decodedBytes(data: Buffer, start: number, end: number): number {
  let bytes = 0;
  for (let i = start; i < end; i++) {
    if (data[i] === BACKSLASH) {
      // "\\uXXXX" is one control character; "\\n" and the like are one.
      i += data[i + 2] === 0x75 ? 6 : 2;
    }
    bytes++;
  }
  return bytes;
}

/** Where `YYYY-MM-DD HH:MM:SS` has its digits. */
const DIGIT_AT = Uint8Array.of(0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18);

const digit = (data: Buffer, i: number) => data[i]! - ZERO;
const two = (data: Buffer, i: number) =>
  digit(data, i) * 10 + digit(data, i + 1);

/**
 * timestamptz text (`YYYY-MM-DD HH:MM:SS[.ffffff]±HH[:MM[:SS]]`, as the
 * session prints it) → epoch ms, digits past the millisecond dropped, as
 * `timestampParser` reads it; undefined for any other form.
 */
export function timestamptzMs(
  data: Buffer,
  start: number,
  end: number,
): number | undefined {
  const length = end - start;
  if (length < 22) return undefined;
  for (let i = 0; i < DIGIT_AT.length; i++) {
    if (!isDigit(data[start + DIGIT_AT[i]!]!)) return undefined;
  }
  if (
    data[start + 4] !== MINUS ||
    data[start + 7] !== MINUS ||
    data[start + 10] !== 0x20 ||
    data[start + 13] !== 0x3a ||
    data[start + 16] !== 0x3a
  ) {
    return undefined;
  }
  let i = start + 19;
  let ms = 0;
  if (data[i] === DOT) {
    i++;
    let scale = 100;
    const from = i;
    while (i < end && isDigit(data[i]!)) {
      if (scale >= 1) ms += digit(data, i) * scale;
      scale /= 10;
      i++;
    }
    if (i === from || i - from > 6) return undefined;
  }
  const sign = data[i];
  if ((sign !== 0x2b && sign !== MINUS) || end - i < 3) return undefined;
  if (!isDigit(data[i + 1]!) || !isDigit(data[i + 2]!)) return undefined;
  let offset = two(data, i + 1) * 3600;
  i += 3;
  for (let scale = 60; scale >= 1 && i < end; scale /= 60) {
    if (data[i] !== 0x3a || end - i < 3) return undefined;
    if (!isDigit(data[i + 1]!) || !isDigit(data[i + 2]!)) return undefined;
    offset += two(data, i + 1) * scale;
    i += 3;
  }
  if (i !== end) return undefined;
  const year = two(data, start) * 100 + two(data, start + 2);
  if (year < 100) return undefined;
  const wall = Date.UTC(
    year,
    two(data, start + 5) - 1,
    two(data, start + 8),
    two(data, start + 11),
    two(data, start + 14),
    two(data, start + 17),
    ms,
  );
  return wall - (sign === MINUS ? -1 : 1) * offset * 1000;
}
