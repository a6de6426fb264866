/**
 * What the dashboard's keys do. Each action only writes the store, the
 * way `backflow trigger`, `pause` and a retry would: the scheduler, in
 * this process or on another machine, acts on it at its next pass.
 */
import type pg from "pg";

import { BackflowError } from "../errors.ts";
import { triggerRun } from "../scheduler/backfill.ts";
import { CronSchedule } from "../scheduler/cron-schedule.ts";
import {
  rows,
  withSchedulingLock,
  type Queryable,
} from "../scheduler/transaction.ts";
import { RUN_COLUMNS } from "../store/columns.ts";
import type { DagRun } from "../store/records.ts";
import { readClock } from "./overview-query.ts";

/** An action the store's state does not allow (retrying a success …). */
export class ActionRefusedError extends BackflowError {
  constructor(message: string) {
    super("ACTION_REFUSED", message);
  }
}

function unknownDag(dagId: string): BackflowError {
  return new BackflowError(
    "DAG_NOT_FOUND",
    `the metadata store knows no DAG "${dagId}"; run \`backflow check\` ` +
      `or start the scheduler so that it publishes the pipelines`,
  );
}

/**
 * Queues a manual run of the DAG for its latest complete interval, as
 * `backflow trigger` does; a scheduler starts it.
 */
export async function triggerDag(db: Queryable, dagId: string) {
  const [dag] = await rows<{ schedule: string | null; timezone: string }>(
    db,
    "reading a DAG to trigger",
    `select schedule, timezone from dags where dag_id = $1 and is_active`,
    [dagId],
  );
  if (!dag) throw unknownDag(dagId);
  const schedule = dag.schedule
    ? new CronSchedule(dag.schedule, dag.timezone)
    : undefined;
  return triggerRun(db, dagId, schedule, await readClock(db));
}

/** Flips a DAG's pause flag in one statement; returns the new flag. */
export async function togglePause(
  db: Queryable,
  dagId: string,
): Promise<boolean> {
  const [dag] = await rows<{ isPaused: boolean }>(
    db,
    "pausing or unpausing a DAG",
    `update dags set is_paused = not is_paused where dag_id = $1
     returning is_paused as "isPaused"`,
    [dagId],
  );
  if (!dag) throw unknownDag(dagId);
  return dag.isPaused;
}

/**
 * Gives a failed task one more try, as Airflow's "clear" does:
 * 1. the instance goes back to `queued` with one more try allowed;
 * 2. instances of the run closed as upstream_failed or cancelled go back
 *    to `queued` (the scheduler closes them again if another dependency
 *    still failed);
 * 3. a finished run goes back to `running`, so a scheduler picks it up; a
 *    cancelled one forgets its cancel request.
 * All three in one transaction under the scheduling lock, so no scheduler
 * pass sees half of it.
 */
export async function retryTask(
  pool: pg.Pool,
  runId: number,
  taskId: string,
): Promise<DagRun> {
  const outcome = await withSchedulingLock(
    pool,
    "retrying a task",
    async (client) => {
      const [task] = await rows<{ state: string }>(
        client,
        "reading the task to retry",
        `select state from task_instances
          where run_id = $1 and task_id = $2 for update`,
        [runId, taskId],
      );
      if (task?.state !== "failed") {
        return { run: undefined, state: task?.state };
      }
      await rows(
        client,
        "queueing the task again",
        `update task_instances
            set state = 'queued',
                max_tries = greatest(max_tries, try_number + 1),
                queued_at = now(), ended_at = null, next_try_at = null,
                error = null, error_code = null
          where run_id = $1
            and (task_id = $2
                 or state in ('upstream_failed', 'cancelled'))`,
        [runId, taskId],
      );
      const [run] = await rows<DagRun>(
        client,
        "reopening the run",
        `update dag_runs set state = 'running', ended_at = null,
                started_at = coalesce(started_at, now()),
                cancel_requested_at = null
          where id = $1
         returning ${RUN_COLUMNS}`,
        [runId],
      );
      return { run, state: "queued" };
    },
  );
  if (outcome.run) return outcome.run;
  throw new ActionRefusedError(
    `task "${taskId}" of run ${runId} is ` +
      `${outcome.state ?? "not queued in that run"}; only a failed task ` +
      `can be retried`,
  );
}
