/**
 * Property names a mapping must not produce, because backflow sets them
 * itself or Mixpanel gives them a special meaning (spec §3.4, §5.2).
 */

/** Set by backflow on every event from the mapping's own options. */
const EVENT_OWN = ["time", "distinct_id", "$user_id", "$insert_id", "ip"];

/** Reserved or server-set event properties (spec §3.4). */
const EVENT_SPECIAL = [
  "token",
  "$ignore",
  "$bucket",
  "bucket",
  "$import",
  "$mp_api_endpoint",
  "$mp_api_timestamp_ms",
  "mp_processing_time_ms",
  "$mp_event_size",
  "$distinct_id_before_identity",
  "$is_reshuffled",
];

/** Fine to map on purpose, but never picked up from `includeRest`. */
const EVENT_REST_ONLY = [
  "$device_id",
  "$source",
  "$partner_id",
  "mp_lib",
  "$lib_version",
];

/** Top-level keys and operations of a profile update (spec §5.2, §5.3). */
const PROFILE_RESERVED = [
  "$token",
  "$distinct_id",
  "$group_key",
  "$group_id",
  "$ip",
  "$ignore_time",
  "$ignore_alias",
  "$time",
  "$set",
  "$set_once",
  "$add",
  "$union",
  "$append",
  "$remove",
  "$unset",
  "$delete",
  "$last_seen",
  "$mp_first_event_time",
  "$geo_source",
];

export type RecordKind = "events" | "profiles";

const EXPLICIT: Record<RecordKind, ReadonlySet<string>> = {
  events: new Set([...EVENT_OWN, ...EVENT_SPECIAL]),
  profiles: new Set(PROFILE_RESERVED),
};

const REST: Record<RecordKind, ReadonlySet<string>> = {
  events: new Set([...EVENT_OWN, ...EVENT_SPECIAL, ...EVENT_REST_ONLY]),
  profiles: new Set(PROFILE_RESERVED),
};

/** Why a mapped property name is refused, or null when it is allowed. */
export function reservedReason(kind: RecordKind, name: string): string | null {
  if (EXPLICIT[kind].has(name) || name.startsWith("mp_original_")) {
    if (kind === "events" && EVENT_OWN.includes(name)) {
      return (
        `"${name}" is set by backflow from the mapping's insertId, ` +
        `userId, time and ip options`
      );
    }
    return `"${name}" is reserved by Mixpanel`;
  }
  return null;
}

/** Whether a column picked up by `includeRest` must be skipped. */
export function isReservedForRest(kind: RecordKind, name: string): boolean {
  return REST[kind].has(name) || name.startsWith("mp_original_");
}
