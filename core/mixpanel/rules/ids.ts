/**
 * Identifier rules shared by `distinct_id` and `$insert_id` (spec §3.3),
 * and the seconds-or-milliseconds reading of `time` (U4).
 */
import { LIMITS } from "./limits.ts";

/**
 * Placeholder values Mixpanel refuses as ids. Matched case-insensitively,
 * with `lmy47d` (a junk Android build id) added, as U5 proposes.
 */
export const FORBIDDEN_IDS: ReadonlySet<string> = new Set([
  "00000000-0000-0000-0000-000000000000",
  "anon",
  "anonymous",
  "nil",
  "none",
  "null",
  "n/a",
  "na",
  "undefined",
  "unknown",
  "<nil>",
  "0",
  "-1",
  "true",
  "false",
  "[]",
  "{}",
  "lmy47d",
]);

/** Whether `id` is one of Mixpanel's forbidden placeholder ids. */
export function isForbiddenId(id: string): boolean {
  return FORBIDDEN_IDS.has(id.toLowerCase());
}

/** Characters allowed in `$insert_id`. */
export const INSERT_ID_PATTERN = /^[A-Za-z0-9-]*$/;

/**
 * Converts an event `time` to epoch milliseconds: a magnitude of at least
 * 1e10 is already milliseconds (1e10 s would be the year 2286), anything
 * smaller is seconds, possibly with a fraction.
 */
export function timeToMs(time: number): number {
  if (Math.abs(time) >= LIMITS.millisecondsThreshold) return Math.trunc(time);
  return Math.round(time * 1000);
}

/** Event names that drive Original ID Merge (spec §9). */
export const IDENTITY_EVENTS: ReadonlySet<string> = new Set([
  "$identify",
  "$create_alias",
  "$merge",
]);

/** The bare-string `failed_records` entry of a Simplified project (§3.3). */
export const IDENTITY_EVENT_REJECTION =
  "identity events are not allowed when project is using simplified " +
  "identity management";
