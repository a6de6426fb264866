/**
 * What a compiled mapper returns for one row: a Mixpanel record with the row
 * key the user will see, or a rejection saying which field is wrong and
 * what to do about it.
 */
import type { JsonValue } from "./convert-value.ts";

export type JsonObject = { [key: string]: JsonValue };

/** One `/import` event. */
export type MappedEvent = {
  event: string;
  properties: JsonObject & {
    time: number;
    distinct_id: string;
    $user_id: string;
    $insert_id: string;
    ip: string;
  };
};

/**
 * One `/engage` update. `$set` and `$set_once` may share the object; use
 * `splitOperations` to send one operation per update.
 */
export type UserProfileUpdate = {
  $token?: string;
  $distinct_id: string;
  $ip: string;
  $ignore_time: true;
  /** Always present on mapped updates; absent after `splitOperations`. */
  $set?: JsonObject;
  $set_once?: JsonObject;
};

/** One `/groups` update. */
export type GroupProfileUpdate = {
  $token?: string;
  $group_key: string;
  $group_id: string;
  $ip?: string;
  $ignore_time?: boolean;
  /** Always present on mapped updates; absent after `splitOperations`. */
  $set?: JsonObject;
  $set_once?: JsonObject;
};

export type ProfileUpdate = UserProfileUpdate | GroupProfileUpdate;

/** A row that was not sent, as stored and shown by `backflow rejects`. */
export interface MappingRejection {
  readonly dag: string;
  readonly task: string;
  /** The insert-id, user-id or group-id column's value; "(null)" if none. */
  readonly rowKey: string;
  /** The column at fault, or the property name for a function mapping. */
  readonly field: string;
  /** What is wrong and how to fix it. */
  readonly reason: string;
}

export type MapResult<R> =
  | {
      readonly ok: true;
      readonly key: string;
      readonly record: R;
      /** Properties whose strings were cut to 255 bytes. */
      readonly truncated?: readonly string[];
      /**
       * Profiles: properties whose column was NULL and so not set (absent
       * when `ignoreNulls` is on). The profile sync unsets them.
       */
      readonly nullProperties?: readonly string[];
    }
  | { readonly ok: false; readonly rejection: MappingRejection };

/** A compiled mapping: pure, and safe to call for millions of rows. */
export type RowMapper<R> = (row: Record<string, unknown>) => MapResult<R>;

/**
 * Splits an update holding `$set` and `$set_once` into one update per
 * operation (`$set_once` first), since Mixpanel does not document several
 * operations in one object.
 */
export function splitOperations<U extends ProfileUpdate>(update: U): U[] {
  if (update.$set_once === undefined) return [update];
  const { $set, $set_once, ...identity } = update;
  const once = { ...identity, $set_once } as U;
  if ($set === undefined || Object.keys($set).length === 0) return [once];
  return [once, { ...identity, $set } as U];
}
