/**
 * Mixpanel's ingestion rules as pure functions, shared by the client's local
 * pre-validation and the emulator so both produce the same `field` and
 * `message` strings as Mixpanel (spec §3.3, §5.3, §11.2, §12a, §13).
 *
 * @example
 *   const problem = validateImportEvent(event, { nowMs: Date.now() });
 *   if (problem) reject(row, problem.field, problem.message);
 */
export { LIMITS } from "./rules/limits.ts";
export type { Limits } from "./rules/limits.ts";
export {
  FORBIDDEN_IDS,
  IDENTITY_EVENT_REJECTION,
  IDENTITY_EVENTS,
  INSERT_ID_PATTERN,
  isForbiddenId,
  timeToMs,
} from "./rules/ids.ts";
export { isValidUtf8String } from "./rules/values.ts";
export type { Utf8Options, Violation } from "./rules/values.ts";
export { validateImportEvent } from "./rules/event.ts";
export type { EventValidationOptions, IdentityMode } from "./rules/event.ts";
export {
  GROUP_OPERATIONS,
  USER_OPERATIONS,
  validateProfileUpdate,
} from "./rules/profile.ts";
export type {
  ProfileKind,
  ProfileOperation,
  ProfileValidationOptions,
} from "./rules/profile.ts";
