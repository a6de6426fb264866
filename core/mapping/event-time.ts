/**
 * The event `time`: integer UTC milliseconds from the time column. Mixpanel
 * deduplicates on (event, distinct_id, time, $insert_id), so the same row
 * must give the same number on every run; sub-millisecond digits are
 * truncated, never rounded.
 */
import { LIMITS, timeToMs } from "../mixpanel/rules.ts";
import type { Zone } from "../source/zone.ts";

const DECIMAL = /^-?\d+(\.\d+)?$/;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const WITHOUT_ZONE = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/;
const WITH_ZONE =
  /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)$/i;

/** The largest instant a `Date` can hold. */
const MAX_DATE_MS = 8.64e15;

/** Milliseconds, or a sentence (after "time column X …") saying what is wrong. */
export type TimeResult = number | string;

/** Postgres prints offsets as `+02` or `+0530`; `Date.parse` wants `+02:00`. */
function isoZoned(text: string): string {
  return text
    .replace(" ", "T")
    .replace(/([+-]\d{2})$/, "$1:00")
    .replace(/([+-]\d{2})(\d{2})$/, "$1:$2");
}

function fromText(text: string, zone: Zone): TimeResult {
  const lower = text.trim().toLowerCase();
  if (lower === "infinity" || lower === "-infinity") {
    return (
      `is ${lower}, which is not a point in time. Filter infinite ` +
      `timestamps out in the query`
    );
  }
  if (DECIMAL.test(text)) return fromNumber(Number(text));
  if (WITH_ZONE.test(text)) return Date.parse(isoZoned(text));
  // Wall-clock text is read in the connection's zone, like the source
  // reads timestamp columns; never in the machine's zone.
  if (DATE_ONLY.test(text)) return zone.instantOf(Date.parse(`${text}Z`));
  if (WITHOUT_ZONE.test(text)) {
    return zone.instantOf(Date.parse(`${text.replace(" ", "T")}Z`));
  }
  return (
    `holds the text ${JSON.stringify(text.slice(0, 40))}, which is not ` +
    `a timestamp. Cast the column to timestamptz in the query`
  );
}

function fromNumber(value: number): TimeResult {
  if (!Number.isFinite(value)) return "is not a finite number";
  // Seconds or milliseconds by magnitude, as Mixpanel reads them.
  return Math.trunc(timeToMs(value));
}

function convert(value: unknown, zone: Zone): TimeResult {
  if (value === null || value === undefined) {
    return (
      "is NULL; every event needs a time. Filter these rows out or " +
      "use coalesce(...) in the query"
    );
  }
  if (value instanceof Date) {
    const ms = value.getTime();
    return Number.isNaN(ms) ? "holds an invalid date" : ms;
  }
  if (typeof value === "number") return fromNumber(value);
  if (typeof value === "bigint") return fromNumber(Number(value));
  if (typeof value === "string") return fromText(value, zone);
  return (
    `has an unsupported type (${typeof value}); use a timestamp, date ` +
    `or epoch number column`
  );
}

/**
 * Converts a time column value and checks it against Mixpanel's window:
 * not before 1971-01-01, not more than one hour ahead of `nowMs`. Text
 * without an offset (a date, or a timestamp kept as text) is read in
 * `zone`, the source connection's declared zone.
 */
export function eventTimeMs(
  value: unknown,
  nowMs: number,
  zone: Zone,
): TimeResult {
  const ms = convert(value, zone);
  if (typeof ms === "string") return ms;
  if (Number.isNaN(ms)) return "holds an invalid date";
  if (Math.abs(ms) > MAX_DATE_MS) return "is outside the range of dates";
  if (ms < LIMITS.minTimeMs) {
    return (
      `is ${new Date(ms).toISOString()}, before 1971-01-01, which ` +
      `Mixpanel does not accept. Filter such rows out in the query`
    );
  }
  if (ms > nowMs + LIMITS.futureToleranceMs) {
    return (
      `is ${new Date(ms).toISOString()}, more than 1 hour in the ` +
      `future, which Mixpanel rejects. Check the column's time zone or ` +
      `filter future rows out`
    );
  }
  return ms;
}
