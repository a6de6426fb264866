/**
 * Converts source values to Mixpanel JSON (spec §10). Precision is never
 * lost silently: numbers outside a double's exact range stay exact decimal
 * strings. Rules, in order:
 *
 * - number: itself; NaN and ±Infinity become the strings "NaN",
 *   "Infinity", "-Infinity" (JSON has no form for them)
 * - bigint: a number within ±(2^53−1), else its decimal string
 * - string: itself, cut to 255 UTF-8 bytes at a character boundary
 * - Date: `YYYY-MM-DDTHH:MM:SS` in UTC, Mixpanel's date format, with
 *   `.sss` added only when the milliseconds are not zero
 * - bytes: base64 (what the source reader gives for bytea)
 * - list and plain object: converted item by item; on events, nesting
 *   deeper than 3 objects, or too many keys or items, is a problem; for
 *   any record, lists and objects nested more than 100 deep are a problem
 *   (a json value a thousand levels deep would otherwise overflow the
 *   stack and fail the whole task instead of its row)
 * - NULL at the top level: omitted (the caller decides what that means);
 *   inside a list or object: null
 */
import { LIMITS } from "../mixpanel/rules.ts";
import { truncateUtf8, fitsUtf8 } from "./truncate-utf8.ts";

export type JsonValue =
  string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** Mixpanel's limit for a string property value. */
export const MAX_STRING_BYTES = 255;

/** Deepest nesting of lists and objects, of any kind of record. */
export const MAX_NESTING = 100;

/** A value that can not be sent; the message says why. */
export class ValueProblem extends Error {}

/** Mixpanel's date format, keeping milliseconds only when there are some. */
export function formatDate(date: Date): string {
  const iso = date.toISOString();
  const ms = iso.length - 5;
  return iso.slice(ms, ms + 4) === ".000" ? iso.slice(0, ms) : iso.slice(0, -1);
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function describeType(value: unknown): string {
  if (typeof value !== "object" || value === null) return typeof value;
  return value.constructor?.name ?? "object";
}

/**
 * One converter per mapper; `truncated` tells whether the last call cut a
 * string, so the hot path allocates nothing to report it.
 */
export class ValueConverter {
  truncated = false;
  /** Lists and objects around the value being converted. */
  private level = 0;

  constructor(
    /** Enforce nesting, key and item limits (Mixpanel checks them on events). */
    private readonly shapeRules: boolean,
  ) {}

  /**
   * @returns the JSON value, or undefined for NULL
   * @throws ValueProblem when the value can not be sent
   */
  convert(value: unknown): JsonValue | undefined {
    this.truncated = false;
    this.level = 0;
    if (value === null || value === undefined) return undefined;
    return this.inner(value, 0);
  }

  private inner(value: unknown, depth: number): JsonValue {
    switch (typeof value) {
      case "string":
        return this.text(value);
      case "number":
        if (Number.isFinite(value)) return value === 0 ? 0 : value;
        return String(value);
      case "boolean":
        return value;
      case "bigint":
        return value >= BigInt(Number.MIN_SAFE_INTEGER) &&
          value <= BigInt(Number.MAX_SAFE_INTEGER)
          ? Number(value)
          : value.toString();
      case "object":
        if (value === null) return null;
        return this.object(value, depth);
      case "undefined":
        return null;
      default:
        throw new ValueProblem(`has an unsupported type (${typeof value})`);
    }
  }

  private text(value: string): string {
    if (fitsUtf8(value, MAX_STRING_BYTES)) return value;
    this.truncated = true;
    return truncateUtf8(value, MAX_STRING_BYTES);
  }

  private object(value: object, depth: number): JsonValue {
    if (value instanceof Date) {
      if (Number.isNaN(value.getTime())) {
        throw new ValueProblem("holds an invalid date");
      }
      return formatDate(value);
    }
    if (Array.isArray(value)) return this.list(value, depth);
    if (value instanceof Uint8Array) {
      return this.text(Buffer.from(value).toString("base64"));
    }
    if (!isPlainObject(value)) {
      throw new ValueProblem(
        `has an unsupported type (${describeType(value)}); return a ` +
          `string, number, boolean, list or plain object instead`,
      );
    }
    return this.record(value as Record<string, unknown>, depth + 1);
  }

  private list(items: unknown[], depth: number): JsonValue[] {
    if (this.shapeRules && items.length > LIMITS.maxArrayItems) {
      throw new ValueProblem(
        `is a list of ${items.length} items; Mixpanel accepts at most ` +
          `${LIMITS.maxArrayItems}. Aggregate or slice it in the query`,
      );
    }
    return this.nested(() => items.map((item) => this.inner(item, depth)));
  }

  /** Converts one level deeper; too deep is a row's problem, not a crash. */
  private nested<T>(convert: () => T): T {
    this.level += 1;
    try {
      if (this.level > MAX_NESTING) {
        throw new ValueProblem(
          `nests lists and objects more than ${MAX_NESTING} levels deep. ` +
            `Flatten it in the query or map it with a function`,
        );
      }
      return convert();
    } finally {
      this.level -= 1;
    }
  }

  private record(
    value: Record<string, unknown>,
    depth: number,
  ): { [key: string]: JsonValue } {
    const keys = Object.keys(value);
    if (this.shapeRules && depth > LIMITS.maxNestingDepth) {
      throw new ValueProblem(
        `nests objects more than ${LIMITS.maxNestingDepth} levels deep, ` +
          `which Mixpanel rejects. Flatten it in the query (e.g. ` +
          `select data->'a'->>'b' as a_b) or map it with a function`,
      );
    }
    if (this.shapeRules && keys.length > LIMITS.maxObjectKeys) {
      throw new ValueProblem(
        `is an object of ${keys.length} keys; Mixpanel accepts at most ` +
          `${LIMITS.maxObjectKeys}. Send fewer keys`,
      );
    }
    return this.nested(() => {
      const out: { [key: string]: JsonValue } = {};
      for (const key of keys) {
        const item = value[key];
        if (item === undefined) continue;
        out[key] = this.inner(item, depth);
      }
      return out;
    });
  }
}
