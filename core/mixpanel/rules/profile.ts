/**
 * Validation of one `/engage` or `/groups` update (spec §5.2, §5.3, §6,
 * §11.2). Messages follow the engage API's own style,
 * `$distinct_id, missing or empty`.
 */
import { LIMITS } from "./limits.ts";
import type { Utf8Options, Violation } from "./values.ts";
import { checkProperties } from "./values.ts";

export type ProfileKind = "user" | "group";

/** User profile operations, in the order the emulator applies them (U12). */
export const USER_OPERATIONS = [
  "$set_once",
  "$set",
  "$add",
  "$append",
  "$union",
  "$remove",
  "$unset",
  "$delete",
] as const;

export type ProfileOperation = (typeof USER_OPERATIONS)[number];

/** `$add` and `$append` are for user profiles only. */
export const GROUP_OPERATIONS: readonly ProfileOperation[] =
  USER_OPERATIONS.filter((op) => op !== "$add" && op !== "$append");

export interface ProfileValidationOptions extends Utf8Options {
  /** When given, a `$token` outside this set is a violation. */
  knownTokens?: ReadonlySet<string>;
  /** Read a single non-list `$union` value as a one-item list (§12a). */
  unionScalarAsList?: boolean;
  /** The update's JSON size when the caller already knows it. */
  jsonBytes?: number;
}

const fail = (field: string, reason: string): Violation => ({
  field,
  message: `${field}, ${reason}`,
});

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isId(value: unknown): boolean {
  if (typeof value === "string") return value !== "";
  return typeof value === "number" && Number.isFinite(value);
}

function checkIdentity(
  update: Record<string, unknown>,
  kind: ProfileKind,
  knownTokens: ReadonlySet<string> | undefined,
): Violation | null {
  const token = update.$token;
  if (typeof token !== "string" || token === "") {
    return fail("$token", "missing or empty");
  }
  if (knownTokens && !knownTokens.has(token)) {
    return fail("$token", "not a known project token");
  }
  if (kind === "user") {
    return isId(update.$distinct_id)
      ? null
      : fail("$distinct_id", "missing or empty");
  }
  if (typeof update.$group_key !== "string" || update.$group_key === "") {
    return fail("$group_key", "missing or empty");
  }
  return isId(update.$group_id) ? null : fail("$group_id", "missing or empty");
}

function checkOperation(
  op: ProfileOperation,
  value: unknown,
  options: ProfileValidationOptions,
): Violation | null {
  if (op === "$delete") return null;
  if (op === "$unset") {
    const ok =
      Array.isArray(value) &&
      value.length > 0 &&
      value.every((name) => typeof name === "string");
    return ok ? null : fail(op, "must be a list of property names");
  }
  if (!isRecord(value)) return fail(op, "must be an object");

  const names = Object.keys(value);
  if (names.length > LIMITS.maxProfileProperties) {
    return fail(
      op,
      `must not have more than ${LIMITS.maxProfileProperties} properties`,
    );
  }
  for (const name of names) {
    const item = value[name];
    if (op === "$add" && (typeof item !== "number" || !isFinite(item))) {
      return fail(`${op}.${name}`, "must be a number");
    }
    if (op === "$union" && !Array.isArray(item) && !options.unionScalarAsList) {
      return fail(`${op}.${name}`, "must be a list");
    }
  }
  return checkProperties(value, op, false, options);
}

/**
 * Checks one profile update as `/engage` (kind "user") or `/groups`
 * (kind "group") would and returns the first failing rule, or null.
 */
export function validateProfileUpdate(
  update: unknown,
  kind: ProfileKind,
  options: ProfileValidationOptions = {},
): Violation | null {
  if (!isRecord(update)) return fail("update", "must be a JSON object");
  const bytes = options.jsonBytes ?? Buffer.byteLength(JSON.stringify(update));
  if (bytes > LIMITS.maxProfileUpdateBytes) {
    return fail(
      "update",
      `must be smaller than ${LIMITS.maxProfileUpdateBytes + 1} bytes of ` +
        `JSON (got ${bytes})`,
    );
  }

  const identity = checkIdentity(update, kind, options.knownTokens);
  if (identity) return identity;

  const present = USER_OPERATIONS.filter((op) => op in update);
  if (present.length === 0) {
    return fail("update", `must contain one of ${USER_OPERATIONS.join(", ")}`);
  }
  for (const op of present) {
    if (kind === "group" && !GROUP_OPERATIONS.includes(op)) {
      return fail(op, "not supported for group profiles");
    }
    const problem = checkOperation(op, update[op], options);
    if (problem) return problem;
  }
  return null;
}
