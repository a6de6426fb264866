/**
 * Parsers from PostgreSQL's text output to JS values. Each keeps precision:
 * when a value has no exact JS form it stays the exact text it came as.
 * The rules are listed in `type-parsers.ts`.
 */
import type { Zone } from "./zone.ts";

const MIN_NORMAL = 2.2250738585072014e-308;
const MAX_EXACT_DIGITS = 15;

/** int8: a number within ±(2^53−1), else the exact decimal text. */
export function parseInt8(text: string): number | string {
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : text;
}

/**
 * numeric: a number when its text round-trips through a double (at most 15
 * significant digits, or an integer within ±(2^53−1)), else the exact text.
 * NaN and ±Infinity stay text as well, since JSON has no form for them.
 */
export function parseNumeric(text: string): number | string {
  if (text === "NaN" || text === "Infinity" || text === "-Infinity") {
    return text;
  }
  const value = Number(text);
  if (!Number.isFinite(value)) return text;

  if (significantDigits(text) <= MAX_EXACT_DIGITS) {
    // Below the normal range a double holds fewer than 15 digits.
    if (value !== 0 && Math.abs(value) < MIN_NORMAL) return text;
    return value;
  }
  return Number.isSafeInteger(value) && isWhole(text) ? value : text;
}

function significantDigits(text: string): number {
  let first = -1;
  let last = -1;
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 48 || code > 57) continue;
    if (code !== 48) {
      if (first < 0) first = count;
      last = count;
    }
    count += 1;
  }
  return first < 0 ? 0 : last - first + 1;
}

function isWhole(text: string): boolean {
  const dot = text.indexOf(".");
  return dot < 0 || /^0*$/.test(text.slice(dot + 1));
}

/** bytea (hex output): base64 text. */
export function parseBytea(text: string): string {
  if (!text.startsWith("\\x")) return text;
  return Buffer.from(text.slice(2), "hex").toString("base64");
}

export function parseBool(text: string): boolean {
  return text === "t" || text === "true";
}

const TIMESTAMP =
  /^(\d{4,})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(?:\.(\d+))?(?:([+-])(\d\d)(?::(\d\d))?(?::(\d\d))?)?( BC)?$/;

/**
 * timestamp and timestamptz: a `Date`. A value with an offset (timestamptz)
 * is exact; one without (timestamp) is read as wall time in `zone`. Digits
 * past the millisecond are dropped (a `Date` holds milliseconds). `infinity`,
 * `-infinity` and instants outside a `Date`'s range stay text.
 */
export function timestampParser(zone: Zone): (text: string) => Date | string {
  return (text) => {
    const m = TIMESTAMP.exec(text);
    if (!m) return text;

    const wall = wallTime(m);
    let instant: number;
    if (m[8] === undefined) {
      instant = zone.instantOf(wall);
    } else {
      const sign = m[8] === "-" ? -1 : 1;
      const seconds =
        Number(m[9]) * 3600 + Number(m[10] ?? 0) * 60 + Number(m[11] ?? 0);
      instant = wall - sign * seconds * 1000;
    }

    const date = new Date(instant);
    return Number.isNaN(date.getTime()) ? text : date;
  };
}

function wallTime(m: RegExpExecArray): number {
  const bc = m[12] !== undefined;
  const year = bc ? 1 - Number(m[1]) : Number(m[1]);
  const month = Number(m[2]) - 1;
  const day = Number(m[3]);
  const ms = Number((m[7] ?? "").slice(0, 3).padEnd(3, "0"));
  const [h, min, s] = [Number(m[4]), Number(m[5]), Number(m[6])];

  if (year >= 100) return Date.UTC(year, month, day, h, min, s, ms);
  // Date.UTC maps years 0–99 to 1900–1999; setUTCFullYear does not.
  const date = new Date(0);
  date.setUTCFullYear(year, month, day);
  date.setUTCHours(h, min, s, ms);
  return date.getTime();
}
