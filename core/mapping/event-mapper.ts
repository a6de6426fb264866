/**
 * Rows → `/import` events. Each event carries:
 * - `time`: integer UTC milliseconds from the time column
 * - `distinct_id` and `$user_id`: the user id as a string (valid under both
 *   Simplified and Original ID Merge, spec §9.3)
 * - `$insert_id`: a hash of DAG, task and insert-id column (see insert-id.ts)
 * - `ip`: the IP column's value, else "0" so Mixpanel does not place every
 *   event at the sync host
 * then the mapped properties and, with `includeRest`, the other columns.
 */
import type { EventsTask } from "../builder/dag-definition.ts";
import {
  isForbiddenId,
  LIMITS,
  validateImportEvent,
  type IdentityMode,
} from "../mixpanel/rules.ts";
import { ValueConverter } from "./convert-value.ts";
import { parseZone } from "../source/zone.ts";
import { eventTimeMs } from "./event-time.ts";
import { insertIdFor, keyText } from "./insert-id.ts";
import { smallJsonBytes } from "./json-size.ts";
import type { JsonObject, MappedEvent, RowMapper } from "./map-result.ts";
import type { AnyRow } from "./mapping-spec.ts";
import {
  applySteps,
  assertColumns,
  planProperties,
  RestColumns,
  type StepNotes,
} from "./property-plan.ts";
import { rejection, violationField, violationReason } from "./rejection.ts";

export interface EventMapperOptions {
  /** The clock that bounds future times (default: `Date.now`). */
  now?: () => number;
  /** Checked by the final validation (default: "simplified"). */
  identityMode?: IdentityMode;
}

type NameOf = (row: AnyRow) => string | null;

function eventNameOf(task: EventsTask): { name: NameOf; column?: string } {
  const event = task.mapping.event ?? task.id;
  if (typeof event === "string") return { name: () => event };
  if (typeof event === "function") {
    return { name: (row) => (event as (row: AnyRow) => string)(row) };
  }
  const column = event.column;
  return { name: (row) => keyText(row[column]), column };
}

export function compileEventMapper(
  task: EventsTask,
  options: EventMapperOptions = {},
): RowMapper<MappedEvent> {
  const m = task.mapping;
  const scope = { dag: task.dagId, task: task.id };
  const now = options.now ?? Date.now;
  const steps = planProperties(m.properties);
  const eventName = eventNameOf(task);
  const converter = new ValueConverter(true);
  const { connection } = task.from;
  const zone = parseZone(connection.timezone, connection.name);

  const columns = [m.insertId, m.userId, m.time];
  if (m.ip !== undefined) columns.push(m.ip);
  if (eventName.column !== undefined) columns.push(eventName.column);
  for (const step of steps) if (step.column) columns.push(step.column);
  const rest = m.includeRest
    ? new RestColumns(
        "events",
        new Set([...columns, ...steps.map((s) => s.name)]),
        scope,
      )
    : undefined;

  // Mixpanel paths named in rule violations → the column the user can fix.
  const sources = new Map<string, string>([
    ["event", eventName.column ?? "event"],
    ["properties.time", m.time],
    ["properties.distinct_id", m.userId],
    ["$insert_id", m.insertId],
    ["properties.ip", m.ip ?? "ip"],
  ]);
  for (const s of steps)
    sources.set(`properties.${s.name}`, s.column ?? s.name);

  let checked = false;

  return (row) => {
    if (!checked) {
      assertColumns(row, columns, scope);
      checked = true;
    }
    const key = keyText(row[m.insertId]);
    const rowKey = key ?? "(null)";
    if (key === null || key === "") {
      return rejection(
        scope,
        rowKey,
        m.insertId,
        `insert id column "${m.insertId}" is ${key === "" ? "empty" : "NULL"}` +
          `; every event needs one to be deduplicated. Filter these rows ` +
          `out in the query or pick a column that is always set`,
      );
    }

    const userId = keyText(row[m.userId]);
    if (userId === null || userId === "") {
      return rejection(
        scope,
        rowKey,
        m.userId,
        `user id column "${m.userId}" is ` +
          `${userId === "" ? "empty" : "NULL or not text/number"}; ` +
          `Mixpanel needs a distinct_id. Filter these rows out or use ` +
          `coalesce(...) in the query`,
      );
    }
    if (isForbiddenId(userId)) {
      return rejection(
        scope,
        rowKey,
        m.userId,
        `user id ${JSON.stringify(userId)} in column "${m.userId}" is a ` +
          `placeholder Mixpanel refuses as a distinct_id. Replace it with ` +
          `the real id or filter such rows out`,
      );
    }

    const nowMs = now();
    const time = eventTimeMs(row[m.time], nowMs, zone);
    if (typeof time === "string") {
      return rejection(
        scope,
        rowKey,
        m.time,
        `time column "${m.time}" ${time}`,
      );
    }

    let name: string | null;
    try {
      name = eventName.name(row);
    } catch (error) {
      const text = error instanceof Error ? error.message : String(error);
      return rejection(
        scope,
        rowKey,
        "event",
        `the event name function threw: ${text}`,
      );
    }
    if (typeof name !== "string" || name.trim() === "") {
      const where = eventName.column
        ? `column "${eventName.column}"`
        : "the event name function";
      return rejection(
        scope,
        rowKey,
        eventName.column ?? "event",
        `${where} gave no event name for this row; every event needs one`,
      );
    }

    const ipRaw = m.ip === undefined ? null : row[m.ip];
    const properties: JsonObject = {
      time,
      distinct_id: userId,
      $user_id: userId,
      $insert_id: insertIdFor(task.dagId, task.id, key),
      ip: typeof ipRaw === "string" && ipRaw !== "" ? ipRaw : "0",
    };

    const notes: StepNotes = { truncated: undefined, nulls: undefined };
    const failure =
      applySteps(steps, row, properties, converter, notes) ??
      (rest
        ? applySteps(rest.steps(row), row, properties, converter, notes)
        : null);
    if (failure) return rejection(scope, rowKey, failure.field, failure.reason);

    const count = Object.keys(properties).length;
    if (count > LIMITS.maxProperties) {
      return rejection(
        scope,
        rowKey,
        "properties",
        `the event would have ${count} properties; Mixpanel accepts at ` +
          `most ${LIMITS.maxProperties}` +
          (rest ? ". includeRest sent every column: select fewer" : ""),
      );
    }

    const record = { event: name, properties } as MappedEvent;
    const violation = validateImportEvent(record, {
      nowMs,
      identityMode: options.identityMode,
      jsonBytes: smallJsonBytes(record, LIMITS.maxEventBytes),
    });
    if (violation) {
      return rejection(
        scope,
        rowKey,
        violationField(violation.field, sources),
        violationReason(violation.message),
      );
    }
    return notes.truncated
      ? { ok: true, key, record, truncated: notes.truncated }
      : { ok: true, key, record };
  };
}
