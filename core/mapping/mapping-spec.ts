/**
 * How a row becomes a Mixpanel record. Every value naming a column is typed
 * against the row, so a misspelt column fails to compile and the compiler's
 * message names it.
 */

/** A row as it arrives from the source at run time. */
export type AnyRow = Record<string, unknown>;

/** The name of one column of `Row`. */
export type ColumnOf<Row> = Extract<keyof Row, string>;

/** A property's value: a column, or a function of the whole row. */
export type PropertySource<Row> = ColumnOf<Row> | ((row: Row) => unknown);

/** Property name → where its value comes from. */
export type PropertyMap<Row> = {
  readonly [property: string]: PropertySource<Row>;
};

/**
 * The event name: a constant string, `{ column }` to read it from a column,
 * or a function of the row. A plain string is always the name itself, never
 * a column.
 */
export type EventNameSource<Row> =
  string | { readonly column: ColumnOf<Row> } | ((row: Row) => string);

interface CommonMapping<Row> {
  /** Custom properties: name → column or function (default: none). */
  properties?: PropertyMap<Row>;
  /**
   * Also send every column the mapping does not mention, under its own
   * name (default: false). A column used anywhere in the mapping (as an id,
   * the time, the IP or a property) is not repeated. A column whose name is
   * reserved by Mixpanel (`time`, `token`, `distinct_id`, …) is skipped with
   * a warning, never sent: map it explicitly under another name.
   */
  includeRest?: boolean;
}

/** Events: one `/import` event per row, insert only. */
export interface EventMapping<Row> extends CommonMapping<Row> {
  /** The event name (default: the task id). */
  event?: EventNameSource<Row>;
  /**
   * The column identifying the event; hashed with the DAG and task ids into
   * a deterministic `$insert_id`, so a resend is deduplicated.
   */
  insertId: ColumnOf<Row>;
  /** The column identifying the user: sent as `distinct_id` and `$user_id`. */
  userId: ColumnOf<Row>;
  /** The column holding the event time (timestamp, date or epoch number). */
  time: ColumnOf<Row>;
  /**
   * The column holding the user's IP, used by Mixpanel for geolocation
   * (default: none, and `ip: "0"` is sent so that events are not located at
   * the sync host).
   */
  ip?: ColumnOf<Row>;
}

interface ProfileMapping<Row> extends CommonMapping<Row> {
  /** Properties set only when the profile lacks them (`$set_once`). */
  setOnce?: PropertyMap<Row>;
  /**
   * Leave a property untouched in Mixpanel when its column is NULL, instead
   * of unsetting a value sent earlier (default: false).
   */
  ignoreNulls?: boolean;
}

/** User profiles: `$set` per row on `/engage`, keyed by the user id. */
export interface UserProfileMapping<Row> extends ProfileMapping<Row> {
  /** The column holding the user id (`$distinct_id`). */
  userId: ColumnOf<Row>;
  /**
   * The column holding the user's IP for geolocation (default: none, and
   * `$ip: "0"` is sent so the profile is not located at the sync host).
   */
  ip?: ColumnOf<Row>;
}

/** Group profiles: `$set` per row on `/groups`. */
export interface GroupProfileMapping<Row> extends ProfileMapping<Row> {
  /** The group key as configured in the Mixpanel project, e.g. "company_id". */
  groupKey: string;
  /** The column holding the group id (`$group_id`). */
  groupId: ColumnOf<Row>;
}

/** Any mapping, tagged by the kind of task that owns it. */
export type TaskMapping =
  | { kind: "events"; mapping: EventMapping<AnyRow> }
  | { kind: "userProfiles"; mapping: UserProfileMapping<AnyRow> }
  | { kind: "groupProfiles"; mapping: GroupProfileMapping<AnyRow> };
