/**
 * How a sync task reads its rows this run:
 * - "full": the whole query, every run (profiles compare hashes; events
 *   rely on `$insert_id` de-duplication);
 * - "interval": the query slices rows by the run's data interval
 *   (`d.interval`), so each run reads its own slice;
 * - "cursor": rows after the task's checkpoint on `incremental.cursor`.
 *
 * The key column (insert id, user id or group id) breaks cursor ties and
 * names rows to retry; its type and the cursor's come from describing the
 * query, so comparisons happen in SQL at PostgreSQL's own precision.
 */
import type { SyncTask } from "../builder/dag-definition.ts";
import { ConfigError } from "../errors.ts";
import type { ColumnDescription } from "../source/describe.ts";
import type { PostgresSource } from "../source/postgres-source.ts";
import { deferredNames, type SqlQuery } from "../source/sql.ts";

export type ReadMode = "full" | "interval" | "cursor";

export interface ColumnPlan {
  readonly column: string;
  /** The SQL type, for casts of bound values, e.g. "integer". */
  readonly type: string;
  readonly typeOid: number;
}

export interface CursorPlan extends ColumnPlan {
  /** timestamptz, timestamp or date: a look-back is possible. */
  readonly time: boolean;
  readonly lookbackMs: number;
}

export interface ReadPlan {
  readonly mode: ReadMode;
  readonly key: ColumnPlan;
  readonly cursor: CursorPlan | undefined;
}

const TIMESTAMPTZ = 1184;
const TIMESTAMP = 1114;
const DATE = 1082;
const TIME_TYPES = new Set([TIMESTAMPTZ, TIMESTAMP, DATE]);

export function isDateType(oid: number): boolean {
  return oid === DATE;
}

/** The column naming a row of the task: insert id, user id or group id. */
export function keyColumnOf(task: SyncTask): string {
  switch (task.kind) {
    case "events":
      return task.mapping.insertId;
    case "userProfiles":
      return task.mapping.userId;
    case "groupProfiles":
      return task.mapping.groupId;
  }
}

export function readModeOf(task: SyncTask): ReadMode {
  if (task.incremental) return "cursor";
  const slices = deferredNames(task.from.query).some((name) =>
    name.startsWith("interval."),
  );
  return slices ? "interval" : "full";
}

function find(
  task: SyncTask,
  columns: readonly ColumnDescription[],
  name: string,
  role: string,
): ColumnPlan {
  const column = columns.find((c) => c.name === name);
  if (!column) {
    const known = columns.map((c) => c.name).join(", ");
    throw new ConfigError(
      `DAG "${task.dagId}" task "${task.id}": ${role} "${name}" is not a ` +
        `column of the task's query (its columns: ${known})`,
    );
  }
  return { column: name, type: column.typeName, typeOid: column.typeOid };
}

/**
 * Decides how the task reads this run. Only a keyed mode describes the
 * query (one round trip without reading rows).
 * @param query the task's query with this run's parameters bound
 */
export async function planRead(
  task: SyncTask,
  source: PostgresSource,
  query: SqlQuery,
): Promise<ReadPlan> {
  const mode = readModeOf(task);
  const keyName = keyColumnOf(task);
  if (mode === "full") {
    const key = { column: keyName, type: "", typeOid: 0 };
    return { mode, key, cursor: undefined };
  }
  const columns = await source.describe(query);
  const key = find(task, columns, keyName, "key column");
  if (mode === "interval") return { mode, key, cursor: undefined };

  const inc = task.incremental!;
  const cursor = find(task, columns, inc.cursor, "incremental.cursor");
  const time = TIME_TYPES.has(cursor.typeOid);
  const lookbackMs = inc.lookbackMs ?? 0;
  if (lookbackMs > 0 && !time) {
    throw new ConfigError(
      `DAG "${task.dagId}" task "${task.id}": incremental.lookbackMs needs ` +
        `a timestamp or date cursor, but "${inc.cursor}" is ${cursor.type}; ` +
        `drop lookbackMs or use a time column as the cursor`,
    );
  }
  return { mode, key, cursor: { ...cursor, time, lookbackMs } };
}
