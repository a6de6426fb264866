/**
 * Validation of one `/import` event, in the order Mixpanel reports problems:
 * shape and size, event name, time, distinct_id, $insert_id, property count,
 * property values. Only the first failing rule is reported, as the server
 * does (spec §3.3, §11.2, §12a).
 */
import { FORBIDDEN_IDS, INSERT_ID_PATTERN, isForbiddenId } from "./ids.ts";
import { timeToMs } from "./ids.ts";
import { LIMITS } from "./limits.ts";
import type { Utf8Options, Violation } from "./values.ts";
import { checkProperties, isValidUtf8String, utf8Violation } from "./values.ts";

export type IdentityMode = "simplified" | "original";

export interface EventValidationOptions extends Utf8Options {
  /** The server clock (default: `Date.now()`). */
  nowMs?: number;
  /** The project's ID Merge system (default: "simplified"). */
  identityMode?: IdentityMode;
  /** Strict mode makes `$insert_id` required (default: true). */
  strict?: boolean;
  /** The event's JSON size when the caller already knows it. */
  jsonBytes?: number;
}

const TIME = "properties.time";
const DISTINCT_ID = "properties.distinct_id";
const INSERT_ID = "$insert_id";

const invalid = (field: string, reason: string): Violation => ({
  field,
  message: `'${field}' is invalid: ${reason}`,
});

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function checkTime(time: unknown, nowMs: number): Violation | null {
  if (time === undefined || time === null) {
    return invalid(TIME, "must not be missing");
  }
  if (typeof time !== "number" || !Number.isFinite(time)) {
    return invalid(TIME, "must be specified as seconds since epoch");
  }
  const ms = timeToMs(time);
  if (ms < LIMITS.minTimeMs) {
    return invalid(TIME, "must not be before 1971-01-01");
  }
  if (ms > nowMs + LIMITS.futureToleranceMs) {
    return invalid(TIME, "must not be more than 1 hour in the future");
  }
  return null;
}

/** Ids are compared as strings; numbers and booleans are stringified. */
function idString(value: unknown): string | null {
  if (typeof value === "string") return value;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  if (typeof value === "boolean") return String(value);
  return null;
}

function checkDistinctId(
  properties: Record<string, unknown>,
  mode: IdentityMode,
): Violation | null {
  const raw = properties.distinct_id;
  if (raw === undefined || raw === null) {
    // Simplified projects derive distinct_id from $user_id or $device_id.
    const derived = properties.$user_id ?? properties.$device_id;
    if (mode === "simplified" && idString(derived)) return null;
    return invalid(DISTINCT_ID, "must not be missing");
  }
  const id = idString(raw);
  if (id === null) return invalid(DISTINCT_ID, "must be a string");
  if (isForbiddenId(id)) {
    return invalid(DISTINCT_ID, `"${id}" is a reserved placeholder value`);
  }
  return null;
}

function checkInsertId(raw: unknown, strict: boolean): Violation | null {
  if (raw === undefined || raw === null || raw === "") {
    return strict ? invalid(INSERT_ID, "must not be missing") : null;
  }
  if (typeof raw !== "string") return invalid(INSERT_ID, "must be a string");
  // Characters first: a long id with a colon got the character message.
  if (!INSERT_ID_PATTERN.test(raw)) {
    return invalid(
      INSERT_ID,
      "must only contain alphanumeric or hyphen '-' characters",
    );
  }
  if (Buffer.byteLength(raw) > LIMITS.maxInsertIdBytes) {
    return invalid(
      INSERT_ID,
      `must not be longer than ${LIMITS.maxInsertIdBytes} bytes`,
    );
  }
  if (FORBIDDEN_IDS.has(raw.toLowerCase())) {
    return invalid(INSERT_ID, `"${raw}" is a reserved placeholder value`);
  }
  return null;
}

/**
 * Checks one event as Mixpanel's `/import` would and returns the first
 * failing rule, or null when the event is valid.
 */
export function validateImportEvent(
  event: unknown,
  options: EventValidationOptions = {},
): Violation | null {
  if (!isRecord(event)) return invalid("event", "must be a JSON object");
  const bytes = options.jsonBytes ?? Buffer.byteLength(JSON.stringify(event));
  if (bytes > LIMITS.maxEventBytes) {
    return invalid(
      "event",
      `must be smaller than ${LIMITS.maxEventBytes + 1} bytes of JSON ` +
        `(got ${bytes})`,
    );
  }

  const name = event.event;
  if (typeof name !== "string" || name.trim() === "") {
    return { field: "event", message: "'event' must not be missing or blank" };
  }
  if (!isValidUtf8String(name, options)) return utf8Violation("event");

  const properties = event.properties;
  if (!isRecord(properties)) {
    return invalid("properties", "must be a JSON object");
  }

  const problem =
    checkTime(properties.time, options.nowMs ?? Date.now()) ??
    checkDistinctId(properties, options.identityMode ?? "simplified") ??
    checkInsertId(properties.$insert_id, options.strict ?? true);
  if (problem) return problem;

  const count = Object.keys(properties).length;
  if (count > LIMITS.maxProperties) {
    return invalid(
      "properties",
      `must not have more than ${LIMITS.maxProperties} properties ` +
        `(got ${count})`,
    );
  }
  return checkProperties(properties, "properties", true, options);
}
