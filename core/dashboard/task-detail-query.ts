/**
 * One task instance and what explains it: its tries, samples of the rows
 * it rejected with their reasons, the tail of its run log, and how many
 * rows it should read in all when that can be known.
 */
import {
  LOG_COLUMNS,
  REJECT_COLUMNS,
  RUN_COLUMNS,
  TASK_COLUMNS,
} from "../store/columns.ts";
import type {
  DagRun,
  LogEntry,
  RejectedRow,
  TaskInstance,
} from "../store/records.ts";
import { StoreError } from "../store/store-error.ts";
import { rows, type Queryable } from "../scheduler/transaction.ts";
import type { ExpectedRows, TaskDetail, TaskTry } from "./dashboard-records.ts";
import { readClock } from "./overview-query.ts";

export interface TaskDetailOptions {
  /** Rejected rows shown (default: 5). */
  readonly rejectedSamples?: number;
  /** Run log entries shown (default: 8). */
  readonly logTail?: number;
  /** Rejections counted at most (default: 10000). */
  readonly countCap?: number;
}

/**
 * The run-log event a task may write when its source can tell how many
 * rows it will read: `fields.rows` is that number.
 */
export const EXPECTED_ROWS_EVENT = "rows_expected";

/**
 * How many rows the task will read. A source's own word wins; otherwise a
 * task that reads its whole query every run (no cursor, no interval
 * parameter) is expected to read what its last successful run read.
 */
async function expectedRows(
  db: Queryable,
  run: DagRun,
  taskId: string,
): Promise<ExpectedRows | null> {
  const [said] = await rows<{ rows: number }>(
    db,
    "reading a task's expected rows",
    `select (fields->>'rows')::bigint as rows from run_log
      where run_id = $1 and task_id = $2 and event = $3
        and jsonb_typeof(fields->'rows') = 'number'
      order by id desc limit 1`,
    [run.id, taskId, EXPECTED_ROWS_EVENT],
  );
  if (said) return { rows: said.rows, basis: "source" };

  const [previous] = await rows<{ rows: number }>(
    db,
    "reading a task's previous full read",
    `select t.rows_read as rows
       from dags d
       join dag_runs r on r.dag_id = d.dag_id and r.id < $2
       join task_instances t on t.run_id = r.id and t.task_id = $3
      where d.dag_id = $1 and t.state = 'success'
        and exists (
          select 1 from jsonb_array_elements(d.serialized->'tasks') s
           where s->>'id' = $3 and s ? 'query' and not s ? 'incremental'
             and not exists (
               select 1 from jsonb_array_elements(s->'query'->'parameters') p
                where p ? 'deferred'))
      order by r.id desc limit 1`,
    [run.dagId, run.id, taskId],
  );
  return previous ? { rows: previous.rows, basis: "previous run" } : null;
}

export async function readTaskDetail(
  db: Queryable,
  runId: number,
  taskId: string,
  options: TaskDetailOptions = {},
): Promise<TaskDetail> {
  const readAt = await readClock(db);
  const [found] = await rows<DagRun & { timezone: string | null }>(
    db,
    "reading a run",
    `select ${RUN_COLUMNS},
            (select timezone from dags d where d.dag_id = r.dag_id) as timezone
       from dag_runs r where id = $1`,
    [runId],
  );
  if (!found) {
    throw new StoreError(`run ${runId} is no longer in the metadata store`);
  }
  const { timezone, ...run } = found;
  const key = [runId, taskId];
  const [instances, tries, count, samples, tail, expected] = await Promise.all([
    rows<TaskInstance>(
      db,
      "reading a task instance",
      `select ${TASK_COLUMNS} from task_instances
          where run_id = $1 and task_id = $2`,
      key,
    ),
    rows<TaskTry>(
      db,
      "reading a task's tries",
      `select try_number as "tryNumber", state, started_at as "startedAt",
                ended_at as "endedAt", worker, rows_read as "rowsRead",
                records_sent as "recordsSent",
                records_rejected as "recordsRejected", error
           from task_tries where run_id = $1 and task_id = $2
          order by try_number`,
      key,
    ),
    rows<{ n: number }>(
      db,
      "counting rejected rows",
      `select count(*)::int as n from (
           select 1 from rejected_rows where run_id = $1 and task_id = $2
            limit $3) capped`,
      [...key, options.countCap ?? 10_000],
    ),
    rows<RejectedRow>(
      db,
      "reading rejected rows",
      `select ${REJECT_COLUMNS} from rejected_rows
          where run_id = $1 and task_id = $2
          order by id desc limit $3`,
      [...key, options.rejectedSamples ?? 5],
    ),
    rows<LogEntry>(
      db,
      "reading the run log",
      `select ${LOG_COLUMNS} from run_log
          where run_id = $1 and task_id = $2
          order by id desc limit $3`,
      [...key, options.logTail ?? 8],
    ),
    expectedRows(db, run, taskId),
  ]);
  const counted = count[0]?.n ?? 0;
  return {
    readAt,
    run,
    taskId,
    timezone: timezone ?? "UTC",
    instance: instances[0] ?? null,
    tries,
    rejectedCount: counted,
    rejectedCountCapped: counted >= (options.countCap ?? 10_000),
    rejectedSamples: samples,
    logTail: tail.reverse(),
    expected,
  };
}
