/**
 * A cheap upper bound of a record's JSON size, so validation can skip
 * serialising every row just to learn that it is far below Mixpanel's 1 MB.
 * A JSON string takes at most 6 characters per UTF-16 unit (`\uXXXX`), and
 * each such character at most 3 UTF-8 bytes when unescaped, so 6 bytes per
 * unit bounds both cases.
 */

const PER_UNIT = 6;
/** `-1.2345678901234567e-308` is the longest JSON number. */
const NUMBER = 24;

/** The bound for any JSON-ready value (Date and the like count as null). */
export function jsonSizeBound(value: unknown): number {
  switch (typeof value) {
    case "string":
      return value.length * PER_UNIT + 2;
    case "number":
      return NUMBER;
    case "boolean":
      return 5;
    case "object":
      break;
    default:
      return 4;
  }
  if (value === null) return 4;
  let total = 2;
  if (Array.isArray(value)) {
    for (const item of value) total += jsonSizeBound(item) + 1;
    return total;
  }
  const record = value as Record<string, unknown>;
  for (const key in record) {
    total += key.length * PER_UNIT + 4 + jsonSizeBound(record[key]);
  }
  return total;
}

/**
 * The bound when it proves the record small enough, else undefined so the
 * validator measures the exact size.
 */
export function smallJsonBytes(record: object, limit: number) {
  const bound = jsonSizeBound(record);
  return bound <= limit ? bound : undefined;
}
