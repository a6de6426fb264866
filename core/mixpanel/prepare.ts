/**
 * Turning a caller's record into request bytes: serialise it once, then
 * check it with the same rules Mixpanel applies, so a bad record is
 * rejected here (source "local") and never sent.
 */
import {
  validateImportEvent,
  validateProfileUpdate,
  type IdentityMode,
  type ProfileKind,
} from "./rules.ts";
import type { Prepared } from "./sender.ts";

/** JSON text of a record, or a violation when it has none. */
function serialise(
  record: unknown,
): string | Exclude<Prepared, { json: string }> {
  try {
    const json = JSON.stringify(record);
    if (typeof json === "string") return json;
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    return { field: "", message: `record cannot be written as JSON: ${why}` };
  }
  return { field: "", message: "record cannot be written as JSON" };
}

/** Prepares `/import` events; `now` is the clock the time rules use. */
export function eventPreparer(
  now: () => number,
  identityMode: IdentityMode,
): (record: unknown) => Prepared {
  // One options object, refilled per record: this runs once per event.
  const options = { nowMs: 0, identityMode, jsonBytes: 0 };
  return (record) => {
    const json = serialise(record);
    if (typeof json !== "string") return json;
    const bytes = Buffer.byteLength(json);
    options.nowMs = now();
    options.jsonBytes = bytes;
    return (
      validateImportEvent(record, options) ?? { json, bytes, idempotent: true }
    );
  };
}

/**
 * Prepares `/engage` or `/groups` updates, filling in the connection's
 * `$token` and refusing any other token (it would write to another
 * project).
 */
export function profilePreparer(
  kind: ProfileKind,
  token: string,
): (record: unknown) => Prepared {
  const knownTokens = new Set([token]);
  return (record) => {
    const update =
      typeof record === "object" && record !== null && !("$token" in record)
        ? { $token: token, ...record }
        : record;
    const json = serialise(update);
    if (typeof json !== "string") return json;
    const bytes = Buffer.byteLength(json);
    const problem = validateProfileUpdate(update, kind, {
      jsonBytes: bytes,
      knownTokens,
    });
    if (problem) return problem;
    // Resending these could count twice; see delivery.ts.
    const u = update as Record<string, unknown>;
    return { json, bytes, idempotent: !("$add" in u) && !("$append" in u) };
  };
}
