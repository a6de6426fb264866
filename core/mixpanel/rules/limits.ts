/**
 * Mixpanel's ingestion limits (spec §3.2, §5.4, §13). Every `max*` value is
 * the largest value still accepted, so a check reads `value > LIMITS.maxX`.
 */
export const LIMITS = {
  /** Events in one `/import` request. */
  maxEventsPerRequest: 2000,
  /** Uncompressed bytes of one `/import` request (U1: 10 MiB). */
  maxImportBytes: 10 * 1024 * 1024,
  /** Bytes of one event's JSON: Mixpanel wants "< 1 MB" (1 MiB − 1). */
  maxEventBytes: 1024 * 1024 - 1,
  /** Properties of one event (U2: "up to 255"). */
  maxProperties: 255,
  /** Levels of nested objects inside one property value. */
  maxNestingDepth: 3,
  /** Keys of a nested object property: "fewer than 255". */
  maxObjectKeys: 254,
  /** Items of a list property: "fewer than 255". */
  maxArrayItems: 254,
  /** Bytes of `$insert_id`. */
  maxInsertIdBytes: 36,
  /** Updates in one `/engage` or `/groups` request. */
  maxUpdatesPerRequest: 2000,
  /** Uncompressed bytes of one `/engage` or `/groups` request (U20). */
  maxProfileRequestBytes: 10 * 1024 * 1024,
  /** Bytes of one profile update's JSON: "< 1 MB" (1 MiB − 1). */
  maxProfileUpdateBytes: 1024 * 1024 - 1,
  /** Properties one user or group profile may hold. */
  maxProfileProperties: 2000,
  /** How far ahead of the server clock an event `time` may be. */
  futureToleranceMs: 3_600_000,
  /** Earliest accepted event time: 1971-01-01T00:00:00Z. */
  minTimeMs: Date.UTC(1971, 0, 1),
  /** A `time` whose magnitude reaches this is milliseconds (U4). */
  millisecondsThreshold: 1e10,
} as const;

export type Limits = typeof LIMITS;
