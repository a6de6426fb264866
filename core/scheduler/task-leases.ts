/**
 * Task instances as leases: a scheduler claims a waiting instance, keeps
 * its lease alive with heartbeats, and ends the try.
 *
 * Invariants:
 * - Claiming is a conditional update from `queued` / `up_for_retry`, so an
 *   instance is claimed by one process; each claim is a new try.
 * - Every later write names the lease (worker and try number) and changes
 *   nothing once the lease is lost: a worker that was presumed dead (it
 *   missed heartbeats) and wakes up cannot overwrite the try that replaced
 *   it (the double-run zombies of apache/airflow#6284).
 * - A try that ends because its worker stopped (`lost`) or shut down
 *   (`interrupted`) is kept in `task_tries` and refunded: `max_tries` grows
 *   by one, since the task itself did not fail.
 * - A renewal also reports whether the run is being cancelled, so that a
 *   running task learns of `backflow cancel` within one heartbeat.
 * - Staleness is measured from the last heartbeat, or from the start or
 *   the queueing when no heartbeat was ever written (apache/airflow#66773).
 */
import { TASK_COLUMNS } from "../store/columns.ts";
import type { TaskInstance, TaskState } from "../store/records.ts";
import type { DataInterval } from "./cron-schedule.ts";
import { rows, type Queryable } from "./transaction.ts";

/** Who holds a task instance, and which try it is. */
export interface Lease {
  readonly runId: number;
  readonly taskId: string;
  readonly worker: string | null;
  readonly tryNumber: number;
}

export interface TaskRow {
  readonly runId: number;
  readonly taskId: string;
  readonly state: TaskState;
  readonly tryNumber: number;
  readonly maxTries: number;
  readonly nextTryAt: Date | null;
  readonly pool: string | null;
}

/** How a try ends. */
export interface TryEnd {
  /** The instance's next state. */
  readonly state:
    "success" | "failed" | "up_for_retry" | "queued" | "cancelled";
  /** As kept in `task_tries`: the state, or `lost` / `interrupted`. */
  readonly tryState: string;
  /** Give the try back (`max_tries` + 1). */
  readonly refund?: boolean;
  readonly error?: string;
  readonly errorCode?: string;
  readonly nextTryAt?: Date;
  readonly counters?: {
    rowsRead: number;
    recordsSent: number;
    recordsRejected: number;
  };
}

export function taskRows(
  db: Queryable,
  runIds: readonly number[],
): Promise<TaskRow[]> {
  return rows<TaskRow>(
    db,
    "reading task instances",
    `select run_id as "runId", task_id as "taskId", state,
            try_number as "tryNumber", max_tries as "maxTries",
            next_try_at as "nextTryAt", pool
       from task_instances where run_id = any($1::bigint[])`,
    [runIds],
  );
}

/** Running task instances of every DAG, per DAG and per pool. */
export async function runningLoad(db: Queryable) {
  const found = await rows<{ dagId: string; pool: string | null }>(
    db,
    "counting running tasks",
    `select r.dag_id as "dagId", t.pool
       from task_instances t join dag_runs r on r.id = t.run_id
      where t.state = 'running'`,
  );
  const byDag = new Map<string, number>();
  const byPool = new Map<string, number>();
  for (const { dagId, pool } of found) {
    byDag.set(dagId, (byDag.get(dagId) ?? 0) + 1);
    if (pool) byPool.set(pool, (byPool.get(pool) ?? 0) + 1);
  }
  return { byDag, byPool };
}

/** Starts the next try of a waiting instance, or undefined if taken. */
export async function claim(
  db: Queryable,
  task: { runId: number; taskId: string; pool: string | null },
  worker: string,
  now: Date,
): Promise<TaskInstance | undefined> {
  const [claimed] = await rows<TaskInstance>(
    db,
    "claiming a task",
    `update task_instances
        set state = 'running', try_number = try_number + 1,
            started_at = $3, heartbeat_at = $3, ended_at = null,
            next_try_at = null, worker = $4, pool = $5, rows_read = 0,
            records_sent = 0, records_rejected = 0, error = null,
            error_code = null
      where run_id = $1 and task_id = $2
        and state in ('queued', 'up_for_retry')
     returning ${TASK_COLUMNS}`,
    [task.runId, task.taskId, now, worker, task.pool],
  );
  return claimed;
}

const HELD = `run_id = $1 and task_id = $2 and worker is not distinct from $3::text
  and try_number = $4 and state = 'running'`;

const leaseValues = (lease: Lease) => [
  lease.runId,
  lease.taskId,
  lease.worker,
  lease.tryNumber,
];

/**
 * Sets the try's counters so far (and beats the heart); says whether the
 * lease is still held, and whether its run is being cancelled.
 */
export async function setCounters(
  db: Queryable,
  lease: Lease,
  counters: NonNullable<TryEnd["counters"]>,
  now: Date,
): Promise<"held" | "lost" | "cancelled"> {
  const [found] = await rows<{ cancelled: boolean }>(
    db,
    "updating task counters",
    `update task_instances
        set rows_read = $5, records_sent = $6, records_rejected = $7,
            heartbeat_at = $8
      where ${HELD}
     returning exists (select 1 from dag_runs r
                        where r.id = run_id
                          and r.cancel_requested_at is not null) as cancelled`,
    [
      ...leaseValues(lease),
      counters.rowsRead,
      counters.recordsSent,
      counters.recordsRejected,
      now,
    ],
  );
  if (!found) return "lost";
  return found.cancelled ? "cancelled" : "held";
}

/** Ends the leased try and keeps it in `task_tries`; false if lost. */
export async function endTry(
  db: Queryable,
  lease: Lease,
  end: TryEnd,
  now: Date,
): Promise<boolean> {
  const c = end.counters;
  const found = await rows(
    db,
    "ending a task try",
    `with done as (
       update task_instances
          set state = $5, ended_at = $6, error = $7, error_code = $8,
              next_try_at = $9,
              max_tries = max_tries + case when $10::boolean then 1 else 0 end,
              rows_read = coalesce($12::bigint, rows_read),
              records_sent = coalesce($13::bigint, records_sent),
              records_rejected = coalesce($14::bigint, records_rejected)
        where ${HELD}
       returning *
     ), kept as (
       insert into task_tries (run_id, task_id, try_number, state,
         started_at, ended_at, worker, rows_read, records_sent,
         records_rejected, error, error_code)
       select run_id, task_id, try_number, $11::text, started_at, ended_at, worker,
              rows_read, records_sent, records_rejected, error, error_code
         from done
       on conflict (run_id, task_id, try_number) do nothing
     )
     select 1 from done`,
    [
      ...leaseValues(lease),
      end.state,
      now,
      end.error ?? null,
      end.errorCode ?? null,
      end.nextTryAt ?? null,
      end.refund ?? false,
      end.tryState,
      c?.rowsRead ?? null,
      c?.recordsSent ?? null,
      c?.recordsRejected ?? null,
    ],
  );
  return found.length > 0;
}

/**
 * Running instances whose lease expired before `cutoff`, locked for the
 * caller's transaction; `lost` counts earlier tries lost the same way.
 */
export function staleLeases(
  db: Queryable,
  cutoff: Date,
): Promise<(Lease & { lost: number })[]> {
  return rows(
    db,
    "finding stale tasks",
    `select t.run_id as "runId", t.task_id as "taskId", t.worker,
            t.try_number as "tryNumber",
            (select count(*)::int from task_tries x
              where x.run_id = t.run_id and x.task_id = t.task_id
                and x.state = 'lost') as lost
       from task_instances t
      where t.state = 'running'
        and coalesce(t.heartbeat_at, t.started_at, t.queued_at) < $1
      for update of t skip locked`,
    [cutoff],
  );
}

/**
 * Closes waiting instances that will never run: a dependency failed, or
 * the run is being cancelled.
 */
export function closeWaiting(
  db: Queryable,
  runId: number,
  taskIds: readonly string[],
  state: "upstream_failed" | "skipped" | "cancelled",
  reason: string,
  now: Date,
): Promise<unknown[]> {
  return rows(
    db,
    "closing waiting tasks",
    `update task_instances set state = $3, ended_at = $5, error = $4,
            next_try_at = null
      where run_id = $1 and task_id = any($2::text[])
        and state in ('queued', 'up_for_retry')
     returning 1`,
    [runId, taskIds, state, reason, now],
  );
}

/** A task's state in another DAG's run of exactly this interval. */
export async function upstreamTaskState(
  db: Queryable,
  dagId: string,
  taskId: string,
  interval: DataInterval,
): Promise<string | undefined> {
  const [row] = await rows<{ state: string }>(
    db,
    "reading an upstream task",
    `select t.state from dag_runs r
       join task_instances t on t.run_id = r.id and t.task_id = $2
      where r.dag_id = $1 and r.run_type <> 'manual'
        and r.data_interval_start = $3 and r.data_interval_end = $4`,
    [dagId, taskId, interval.start, interval.end],
  );
  return row?.state;
}

/** Rows rejected by a run, over its tasks' current tries. */
export async function runRejected(
  db: Queryable,
  runId: number,
): Promise<number> {
  const [row] = await rows<{ n: number }>(
    db,
    "counting rejected rows",
    `select coalesce(sum(records_rejected), 0)::int as n
       from task_instances where run_id = $1`,
    [runId],
  );
  return row?.n ?? 0;
}
