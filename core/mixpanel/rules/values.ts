/**
 * Checks on property values: UTF-8 validity, nesting depth, and the key and
 * item counts of nested objects and lists (spec §3.2, §3.3).
 */
import { LIMITS } from "./limits.ts";

export interface Violation {
  /** The offending field, as Mixpanel names it (`properties.time`). */
  field: string;
  /** Mixpanel's message for it, word for word where known. */
  message: string;
}

export interface Utf8Options {
  /**
   * Treat U+FFFD as invalid. A server that decoded a body containing invalid
   * UTF-8 bytes sees them only as replacement characters.
   */
  replacementCharIsInvalid?: boolean;
}

const LONE_SURROGATE =
  /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Whether a JS string can be encoded as UTF-8 without loss. */
export function isValidUtf8String(text: string, options: Utf8Options = {}) {
  if (options.replacementCharIsInvalid && text.includes("\uFFFD")) {
    return false;
  }
  return !LONE_SURROGATE.test(text);
}

export function utf8Violation(field: string): Violation {
  return { field, message: `${field} is invalid: string should be valid utf8` };
}

type Problem = "utf8" | "depth" | "keys" | "items";

const MESSAGES: Record<Problem, (field: string) => string> = {
  utf8: (field) => utf8Violation(field).message,
  depth: (field) =>
    `'${field}' is invalid: nested objects must not be more than ` +
    `${LIMITS.maxNestingDepth} levels deep`,
  keys: (field) =>
    `'${field}' is invalid: nested objects must have fewer than ` +
    `${LIMITS.maxObjectKeys + 1} keys`,
  items: (field) =>
    `'${field}' is invalid: lists must have fewer than ` +
    `${LIMITS.maxArrayItems + 1} items`,
};

/**
 * Finds the first problem inside one value. `depth` counts the objects that
 * enclose it, the property value itself being level 1 when it is an object;
 * lists add no level of their own.
 */
function inspect(
  value: unknown,
  depth: number,
  shapeRules: boolean,
  options: Utf8Options,
): Problem | null {
  if (typeof value === "string") {
    return isValidUtf8String(value, options) ? null : "utf8";
  }
  if (value === null || typeof value !== "object") return null;

  if (Array.isArray(value)) {
    if (shapeRules && value.length > LIMITS.maxArrayItems) return "items";
    for (const item of value) {
      const problem = inspect(item, depth, shapeRules, options);
      if (problem) return problem;
    }
    return null;
  }

  const entries = Object.entries(value);
  if (shapeRules) {
    if (depth + 1 > LIMITS.maxNestingDepth) return "depth";
    if (entries.length > LIMITS.maxObjectKeys) return "keys";
  }
  for (const [key, item] of entries) {
    if (!isValidUtf8String(key, options)) return "utf8";
    const problem = inspect(item, depth + 1, shapeRules, options);
    if (problem) return problem;
  }
  return null;
}

/**
 * Checks every value of a property map and returns the first violation,
 * naming the top-level property (`${prefix}.${name}`).
 * @param shapeRules also enforce depth, key and item limits (events only)
 */
export function checkProperties(
  properties: Record<string, unknown>,
  prefix: string,
  shapeRules: boolean,
  options: Utf8Options = {},
): Violation | null {
  for (const [name, value] of Object.entries(properties)) {
    const field = `${prefix}.${name}`;
    if (!isValidUtf8String(name, options)) return utf8Violation(field);
    const problem = inspect(value, 0, shapeRules, options);
    if (problem) return { field, message: MESSAGES[problem](field) };
  }
  return null;
}
