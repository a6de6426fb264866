/**
 * The form in which the emulator keeps a valid event: as Mixpanel stores
 * it, with `time` in milliseconds, the derived `distinct_id` of Simplified
 * ID Merge, a generated `$insert_id` when none was sent, and the
 * server-added properties (spec §3.4, §9.1).
 */
import { randomBytes } from "node:crypto";
import { timeToMs } from "../mixpanel/rules.ts";
import type { DedupKey } from "./event-store.ts";
import { dedupKey } from "./event-store.ts";

export interface StoredEvent {
  /** Compact JSON of the stored event. */
  json: string;
  /** De-dup key; null when the server generated the `$insert_id`. */
  key: DedupKey | null;
}

function distinctIdOf(properties: Record<string, unknown>): string {
  const given = properties.distinct_id;
  if (given !== undefined && given !== null) return String(given);
  if (properties.$user_id !== undefined) return String(properties.$user_id);
  return `$device:${String(properties.$device_id)}`;
}

export function storedEvent(
  projectId: string,
  event: { event: string; properties: Record<string, unknown> },
  extra: Record<string, unknown>,
): StoredEvent {
  const properties = { ...event.properties };
  properties.time = timeToMs(properties.time as number);
  properties.distinct_id = distinctIdOf(properties);

  let key: DedupKey | null = null;
  if (typeof properties.$insert_id === "string" && properties.$insert_id) {
    key = dedupKey(
      projectId,
      event.event,
      properties.distinct_id as string,
      properties.time as number,
      properties.$insert_id,
    );
  } else {
    // Mixpanel generates one; such events are never de-duplicated.
    properties.$insert_id = randomBytes(16).toString("hex");
  }
  Object.assign(properties, extra);
  return { json: JSON.stringify({ event: event.event, properties }), key };
}
